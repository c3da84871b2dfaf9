"""SymPy expressions compiled to Python closures: exact numbers, or float64 for searches.

``symnn.evaluate`` computes every quantity of a net with them, and the checker recomputes
the net many times (from a claimant's carried values, once per slip, once per number
tried in a formula). ``xreplace`` + ``evalf`` costs about a millisecond per expression,
a minute for a 784-20-20-10 net; ``compile_expr`` turns an expression into nested Python
closures once (built from the expression tree: no text, no ``exec``), and evaluating them
is a few microseconds. Two arithmetics:

- ``EXACT``: ``fractions.Fraction`` while the arithmetic stays rational, ``mpmath`` at
  ``WORKING_DIGITS`` digits once exp/log/tanh appear. Exactness follows SymPy's automatic
  evaluation, so a value is rational exactly when ``xreplace`` would give a Rational:
  SymPy decides functions and fractional powers of rational arguments (``exp(0) = 1``),
  an exact zero times anything is an exact zero, and so is a computed float that is
  exactly zero. Values agree with ``evalf(50)`` to about 50 digits (they are computed
  with 10 more). A result that is not a finite real
  number (the log of a negative, 1/0) raises ``ValueError`` or ``ZeroDivisionError``:
  ``compute`` returns None then.
- ``FLOAT``: plain floats, about fifty times faster, to screen candidates in searches;
  a candidate that passes is then confirmed exactly.

Constructs without a closure fall back to SymPy's own evaluation. Evaluate ``EXACT``
closures inside ``working_precision()``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy

DIGITS = 50  # significant digits of a value that is not rational
WORKING_DIGITS = DIGITS + 10
Number = Fraction | mpmath.mpf | float
Compiled = Callable[[dict], Number]


def to_number(value: sympy.Expr) -> Fraction | mpmath.mpf:
    """A SymPy number as a Fraction (rational) or an mpf (anything else)."""
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    return mpmath.mpf(sympy.Float(value, WORKING_DIGITS)._mpf_)


def to_sympy(value: Number) -> sympy.Expr:
    """A computed number back as SymPy: Rational, or a Float with ``DIGITS`` digits."""
    if isinstance(value, Fraction):
        return _to_rational(value)
    if isinstance(value, int):
        return sympy.Integer(value)
    return sympy.Float(value, DIGITS)


def _to_rational(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


def _mpf(value: Number) -> mpmath.mpf:
    if isinstance(value, Fraction):
        return _fraction_mpf(value.numerator, value.denominator, mpmath.mp.prec)
    return mpmath.mpf(value)


@lru_cache(maxsize=65536)
def _fraction_mpf(numerator: int, denominator: int, precision: int) -> mpmath.mpf:
    """p/q as an mpf at the working precision (weights recur: cached by integers, whose
    hash is cheaper than a Fraction's)."""
    return mpmath.mpf(numerator) / denominator


def _exact_add(a: Number, b: Number) -> Number:
    if type(a) is type(b):
        return _zero_exact(a + b)
    return _zero_exact(_mpf(a) + _mpf(b))


def _exact_mul(a: Number, b: Number) -> Number:
    if type(a) is type(b):
        return a * b
    if (isinstance(a, Fraction) and not a) or (isinstance(b, Fraction) and not b):
        return Fraction(0)  # SymPy: 0·x is an exact 0 for a Float x
    return _mpf(a) * _mpf(b)


def _zero_exact(value: Number) -> Number:
    """An mpf that is exactly zero as the exact 0, as SymPy makes such a Float the
    Integer 0 (1 − σ(200) is an exact 0 once σ(200) rounds to 1)."""
    return value if value or isinstance(value, Fraction) else Fraction(0)


def _finite(value: Number) -> Number:
    """The value, if it is a finite real number (zero made exact)."""
    if isinstance(value, mpmath.mpf) and mpmath.isfinite(value):
        return _zero_exact(value)
    raise ValueError(f"not a finite real number: {value}")


def _rational(value: sympy.Expr) -> Fraction | None:
    """A SymPy value as a Fraction when it is rational, else None."""
    return Fraction(int(value.p), int(value.q)) if value.is_Rational else None


def _exact_function(function, mp_function: Callable) -> Callable[[Number], Number]:
    """``function`` in ``EXACT``: SymPy at a rational argument (exp(0) is exactly 1),
    else ``mp_function`` at the working precision."""

    def apply(x: Number) -> Number:
        if isinstance(x, Fraction):
            exact = _rational(function(_to_rational(x)))
            if exact is not None:
                return exact
        return _finite(mp_function(_mpf(x)))

    return apply


def _exact_power(base: Number, exponent: Number) -> Number:
    """``base**exponent`` for an exponent that is not an integer constant."""
    if isinstance(base, Fraction) and isinstance(exponent, Fraction):
        exact = _rational(sympy.Pow(_to_rational(base), _to_rational(exponent)))
        if exact is not None:
            return exact  # (1/4)**(1/2) = 1/2 exactly, as SymPy gives it
    return _finite(mpmath.power(_mpf(base), _mpf(exponent)))


def _float_function(function: Callable[[float], float]) -> Callable[[float], float]:
    def safe(x: float) -> float:
        try:
            return function(x)
        except (OverflowError, ValueError):
            return math.nan

    return safe


@dataclass(frozen=True, eq=False)
class Arithmetic:
    """How one kind of number is computed: constants, + and ·, powers, functions."""

    name: str
    constant: Callable[[sympy.Rational], Number]
    add: Callable[[Number, Number], Number]
    mul: Callable[[Number, Number], Number]
    power: Callable[[Number, Number], Number]
    functions: dict
    from_sympy: Callable[[sympy.Expr], Number]


def _float_power(base: float, exponent: float) -> float:
    try:
        return float(base) ** float(exponent)
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan


EXACT = Arithmetic(
    "exact",
    constant=lambda r: Fraction(int(r.p), int(r.q)),
    add=_exact_add,
    mul=_exact_mul,
    power=_exact_power,
    functions={sympy.exp: _exact_function(sympy.exp, mpmath.exp),
               sympy.log: _exact_function(sympy.log, mpmath.log),
               sympy.tanh: _exact_function(sympy.tanh, mpmath.tanh)},
    from_sympy=to_number,
)
FLOAT = Arithmetic(
    "float",
    constant=lambda r: float(r),
    add=lambda a, b: a + b,
    mul=lambda a, b: a * b,
    power=_float_power,
    functions={sympy.exp: _float_function(math.exp), sympy.log: _float_function(math.log),
               sympy.tanh: _float_function(math.tanh)},
    from_sympy=float,
)
ERRORS = (ValueError, ZeroDivisionError, OverflowError, TypeError)  # not a real number
_RELATIONS = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.LessThan: lambda a, b: a <= b,
}


@contextmanager
def working_precision() -> Iterator[None]:
    """mpmath at ``WORKING_DIGITS`` digits, for evaluating ``EXACT`` closures."""
    with mpmath.workdps(WORKING_DIGITS):
        yield


def compute(expr: sympy.Expr, env: dict, arithmetic: Arithmetic = EXACT) -> Number | None:
    """The value of ``expr`` at ``env`` (id -> number), or None when it is not a real
    number (the log of a negative number, a division by zero, a float nan). An id the
    expression reads that ``env`` lacks raises ``KeyError``."""
    try:
        value = compile_expr(expr, arithmetic)(env)
    except ERRORS:
        return None
    if isinstance(value, mpmath.mpc) or value != value:
        return None
    return value


@lru_cache(maxsize=200_000)
def compile_expr(expr: sympy.Expr, arithmetic: Arithmetic = EXACT) -> Compiled:
    """A function computing ``expr`` from an environment of id -> number (cached: the
    checker evaluates a model's definitions many times)."""
    return _compile(expr, arithmetic)


def _compile(expr: sympy.Expr, arithmetic: Arithmetic) -> Compiled:
    """The closure of ``expr`` and of its parts (not cached: parts are rarely shared)."""
    if expr.is_Symbol:
        return operator.itemgetter(expr.name)
    if expr.is_Rational:
        constant = arithmetic.constant(expr)
        return lambda env: constant
    if isinstance(expr, sympy.Add | sympy.Mul):
        first, *rest = [_compile(a, arithmetic) for a in expr.args]
        combine = arithmetic.add if isinstance(expr, sympy.Add) else arithmetic.mul
        if len(rest) == 1:  # most products: δ·out, η·∂E/∂w
            second = rest[0]
            return lambda env: combine(first(env), second(env))

        def fold(env: dict) -> Number:
            value = first(env)
            for part in rest:
                value = combine(value, part(env))
            return value

        return fold
    if isinstance(expr, sympy.Pow):
        return _power(expr, arithmetic)
    if expr.func in arithmetic.functions and len(expr.args) == 1:
        function = arithmetic.functions[expr.func]
        argument = _compile(expr.args[0], arithmetic)
        return lambda env: function(argument(env))
    if isinstance(expr, sympy.Piecewise):
        branches = [(_compile(v, arithmetic), _condition(c, arithmetic)) for v, c in expr.args]
        return lambda env: _first_branch(branches, env)
    return _fallback(expr, arithmetic)


def _power(expr: sympy.Pow, arithmetic: Arithmetic) -> Compiled:
    base = _compile(expr.base, arithmetic)
    if expr.exp.is_Integer and arithmetic is EXACT:
        exponent = int(expr.exp)
        return lambda env: base(env) ** exponent
    power = _compile(expr.exp, arithmetic)
    return lambda env: arithmetic.power(base(env), power(env))


def _first_branch(branches: list, env: dict) -> Number:
    """The value of the first branch of a Piecewise whose condition holds."""
    for value, condition in branches:
        if condition(env):
            return value(env)
    raise ValueError("no branch of the Piecewise applies")


def _condition(condition, arithmetic: Arithmetic) -> Callable[[dict], bool]:
    if condition is sympy.true:
        return lambda env: True
    if type(condition) in _RELATIONS:
        relation = _RELATIONS[type(condition)]
        lhs, rhs = _compile(condition.lhs, arithmetic), _compile(condition.rhs, arithmetic)
        return lambda env: relation(*_comparable(lhs(env), rhs(env)))
    return _fallback(condition, arithmetic)


def _comparable(a: Number, b: Number) -> tuple[Number, Number]:
    """Two numbers of one type (mpf and Fraction do not compare with each other)."""
    if type(a) is type(b) or isinstance(a, float) or isinstance(b, float):
        return a, b
    return _mpf(a), _mpf(b)


def _fallback(expr: sympy.Expr, arithmetic: Arithmetic) -> Compiled:
    """Evaluate with SymPy (slow, but any expression the derivation may contain)."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)

    def evaluate(env: dict) -> Number:
        value = expr.xreplace({s: _as_sympy(env[s.name]) for s in symbols})
        if value in (sympy.true, sympy.false):
            return bool(value)
        return arithmetic.from_sympy(value if value.is_Rational else value.evalf(WORKING_DIGITS))

    return evaluate


def _as_sympy(value: Number) -> sympy.Expr:
    return sympy.Float(value) if isinstance(value, float) else to_sympy(value)
