"""Evaluate a formula's value within a budget: magnitudes bounded before any evaluation.

A formula such as ``e^{10^{1000}}`` or ``\\exp(\\exp(\\exp(\\exp(9))))`` parses into a small
SymPy tree whose value has more digits than any computer holds; SymPy's ``evalf`` would
try anyway. :func:`value` first walks the tree bottom-up with interval arithmetic
(mpmath's ``iv`` at low precision) and, *before* every exp and power, checks from the
operands' intervals that the result stays below 10^``FORMULA_MAX_LOG10`` in size; sums
and products are checked after. Only then is the value computed (``evalf`` at the
requested digits; rationals stay exact). A formula beyond the budget raises
:class:`FormulaBudget`, whose reason the checker turns into a note ("not judged: …").

The budget per formula: at most ``MAX_NODES`` nodes in the tree, every intermediate value
below 10^``FORMULA_MAX_LOG10`` in size, and a final value below 10^``MAX_EXPONENT``
(the size of numbers symnn reads, ``symnn.limits``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import mpmath
import sympy

from symnn.check.formula import FormulaError
from symnn.limits import FORMULA_MAX_LOG10, MAX_EXPONENT

MAX_NODES = 5_000  # nodes of a formula's expression tree
_PRECISION = 64  # bits of the interval endpoints
LIMIT_LN = FORMULA_MAX_LOG10 * 2.302585092994046  # exp(x) < 10^limit needs x below this


class FormulaBudget(FormulaError):
    """A formula whose value cannot be computed within the budget (too large a value)."""


def value(expr: sympy.Expr, digits: int) -> sympy.Expr:
    """The formula's value (exact if rational, else ``digits`` significant digits).

    Raises :class:`FormulaBudget` when an intermediate or the final value is too large.
    """
    if expr.is_Rational:
        _check_final(_interval(expr))
        return expr
    bound = bounds(expr)
    if bound is not None:
        _check_final(bound)
    return expr.evalf(digits)


def bounds(expr: sympy.Expr):
    """An mpmath interval containing the value of ``expr``, or None if unknown.

    None means the interval could not be bounded (a division by an interval around 0, a
    log of a non-positive number, a construct not handled here); it never feeds an exp or
    a power, which then raise :class:`FormulaBudget`.
    """
    nodes = list(sympy.preorder_traversal(expr))
    if len(nodes) > MAX_NODES:
        raise FormulaBudget(f"more than {MAX_NODES} operations")
    known: dict[sympy.Basic, object] = {}
    with _precision():
        for node in reversed(nodes):  # children before parents
            if node not in known:
                known[node] = _node(node, [known[arg] for arg in node.args])
    return known[expr]


def _node(node: sympy.Basic, args: list):
    iv = mpmath.iv
    if node.is_Rational:
        return _interval(node)
    if node.is_Float:
        return iv.mpf(mpmath.mpf(node._mpf_))
    if node is sympy.E:
        return iv.e
    if any(a is None for a in args):
        if isinstance(node, sympy.exp | sympy.Pow):
            raise FormulaBudget("its value cannot be bounded (a division by about 0?)")
        return None
    if isinstance(node, sympy.Add):
        return _checked(sum(args[1:], args[0]))
    if isinstance(node, sympy.Mul):
        product = args[0]
        for arg in args[1:]:
            product = product * arg
        return _checked(product)
    if isinstance(node, sympy.exp):
        return _exp(args[0])
    if isinstance(node, sympy.Pow):
        return _pow(*args)
    if isinstance(node, sympy.log):
        return iv.log(args[0]) if _ends(args[0])[0] > 0 else None
    if isinstance(node, sympy.tanh):
        return iv.mpf([-1, 1])
    return None


@contextmanager
def _precision() -> Iterator[None]:
    """mpmath's interval context at ``_PRECISION`` bits (restored afterwards)."""
    saved = mpmath.iv.prec
    mpmath.iv.prec = _PRECISION
    try:
        yield
    finally:
        mpmath.iv.prec = saved


def _interval(number: sympy.Rational):
    iv = mpmath.iv
    with _precision():
        return iv.mpf(int(number.p)) / iv.mpf(int(number.q))


def _ends(interval) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The endpoints of an interval as plain mpf numbers."""
    return mpmath.mpf(interval.a), mpmath.mpf(interval.b)


def _size(interval) -> mpmath.mpf:
    """The largest absolute value in an interval."""
    low, high = _ends(interval)
    return max(abs(low), abs(high))


def _exp(arg):
    """``exp(arg)``, refused before computing when it would exceed the budget."""
    low, high = _ends(arg)
    if high > LIMIT_LN:
        raise FormulaBudget(f"e to the power {_about(high)} exceeds 10^{FORMULA_MAX_LOG10}")
    return mpmath.iv.exp(mpmath.iv.mpf([max(low, -LIMIT_LN), high]))


def _pow(base, exponent):
    """``base ** exponent``, refused before computing when its size would be too large."""
    low, high = _ends(base)
    e_low, e_high = _ends(exponent)
    if e_low == e_high and e_low == int(e_low):
        power = int(e_low)
        if power >= 0:
            worst = max(abs(low), abs(high))
        else:
            worst = min(abs(low), abs(high)) if low * high > 0 else mpmath.mpf(0)
            if worst == 0:
                return None  # 1/x^n with x around 0
        if worst != 0 and abs(power) * abs(_log10(worst)) > FORMULA_MAX_LOG10:
            raise FormulaBudget(f"a power beyond 10^{FORMULA_MAX_LOG10} or 10^-{FORMULA_MAX_LOG10}")
        return _checked(base**power)
    if low <= 0:
        return None  # a fractional power of a number that may be negative: not real
    product = mpmath.iv.log(base) * exponent
    if _size(product) > LIMIT_LN:
        raise FormulaBudget(f"a power beyond 10^{FORMULA_MAX_LOG10} or 10^-{FORMULA_MAX_LOG10}")
    return mpmath.iv.exp(product)


def _log10(number: mpmath.mpf) -> float:
    """log10 of a positive number of any size."""
    return float(mpmath.log10(number))


def _checked(result):
    """A sum, product or power; None when unbounded, refused when too large."""
    size = _size(result)
    if size == mpmath.inf:
        return None
    if size > 0 and _log10(size) > FORMULA_MAX_LOG10:
        raise FormulaBudget(f"an intermediate value of size about 10^{_about(_log10(size))}")
    return result


def _check_final(bound) -> None:
    size = _size(bound)
    if size == mpmath.inf:
        return
    if size > 0 and _log10(size) >= MAX_EXPONENT + 1:
        raise FormulaBudget(
            f"its value, about 10^{_about(_log10(size))}, exceeds 10^{MAX_EXPONENT}"
        )


def _about(number) -> str:
    """A number for a message: an integer, or its power of ten when huge."""
    number = mpmath.mpf(number)
    if abs(number) < 10**6:
        return str(int(number))
    return f"10^{float(mpmath.log10(abs(number))):.0f}"
