"""Fast evaluation of the derivation's expressions: exact, or in float64 for searches.

The checker recomputes the network many times (from the claimant's carried values, once
per slip, once per number tried in a formula), and ``xreplace`` + ``evalf`` on SymPy
expressions (about a millisecond each) is too slow for nets of a few hundred weights.
``compile_expr`` turns an expression into nested Python closures (no ``exec``, no text):

- ``EXACT``: ``fractions.Fraction`` while the arithmetic stays rational, ``mpmath`` at
  ``WORKING_DIGITS`` digits once exp/log/tanh appear (like ``symnn.evaluate``);
- ``FLOAT``: plain floats, about fifty times faster, to screen candidates in searches;
  a candidate that passes is then confirmed exactly.

Constructs without a closure fall back to SymPy's own evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, int):
        return sympy.Integer(value)
    return sympy.Float(value, DIGITS)


def _mpf(value: Number) -> mpmath.mpf:
    if isinstance(value, Fraction):
        return _fraction_mpf(value, mpmath.mp.prec)
    return mpmath.mpf(value)


@lru_cache(maxsize=65536)
def _fraction_mpf(value: Fraction, precision: int) -> mpmath.mpf:
    """A Fraction as an mpf at the working precision (weights recur: cached)."""
    return mpmath.mpf(value.numerator) / value.denominator


def _exact_add(a: Number, b: Number) -> Number:
    return a + b if type(a) is type(b) else _mpf(a) + _mpf(b)


def _exact_mul(a: Number, b: Number) -> Number:
    return a * b if type(a) is type(b) else _mpf(a) * _mpf(b)


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
    power=lambda b, e: mpmath.power(_mpf(b), _mpf(e)),
    functions={sympy.exp: lambda x: mpmath.exp(_mpf(x)), sympy.log: lambda x: mpmath.log(_mpf(x)),
               sympy.tanh: lambda x: mpmath.tanh(_mpf(x))},
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
_RELATIONS = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.LessThan: lambda a, b: a <= b,
}


@lru_cache(maxsize=200_000)
def compile_expr(expr: sympy.Expr, arithmetic: Arithmetic = EXACT) -> Compiled:
    """A function computing ``expr`` from an environment of id -> number."""
    if expr.is_Symbol:
        name = expr.name
        return lambda env: env[name]
    if expr.is_Rational:
        constant = arithmetic.constant(expr)
        return lambda env: constant
    if isinstance(expr, sympy.Add | sympy.Mul):
        first, *rest = [compile_expr(a, arithmetic) for a in expr.args]
        combine = arithmetic.add if isinstance(expr, sympy.Add) else arithmetic.mul

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
        argument = compile_expr(expr.args[0], arithmetic)
        return lambda env: function(argument(env))
    if isinstance(expr, sympy.Piecewise):
        branches = [(compile_expr(v, arithmetic), _condition(c, arithmetic)) for v, c in expr.args]
        return lambda env: next(v(env) for v, c in branches if c(env))
    return _fallback(expr, arithmetic)


def _power(expr: sympy.Pow, arithmetic: Arithmetic) -> Compiled:
    base = compile_expr(expr.base, arithmetic)
    if expr.exp.is_Integer and arithmetic is EXACT:
        exponent = int(expr.exp)
        return lambda env: base(env) ** exponent
    power = compile_expr(expr.exp, arithmetic)
    return lambda env: arithmetic.power(base(env), power(env))


def _condition(condition, arithmetic: Arithmetic) -> Callable[[dict], bool]:
    if condition is sympy.true:
        return lambda env: True
    if type(condition) in _RELATIONS:
        relation = _RELATIONS[type(condition)]
        lhs, rhs = compile_expr(condition.lhs, arithmetic), compile_expr(condition.rhs, arithmetic)
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
