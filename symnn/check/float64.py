"""How far a float64 computation of a quantity may be from its exact value: a running
error bound.

A claim written with 16 or more significant digits was printed by a program (plain
Python, NumPy), so it carries float64 rounding, and how much depends on the computation:
Σ w·δ that nearly cancels loses many digits, a product loses one. ``BOUND`` is an
arithmetic for ``symnn.compiled`` whose numbers are (value, error bound) pairs: each
operation adds its own rounding (at most u = 2⁻⁵³ relative, 2u for exp/log/tanh from the
C library) to the errors of its operands, propagated by the operation's derivative. A sum
is bounded with |a| + |b| rather than |a + b|, so the bound holds for any order of
summation (NumPy's pairwise sums, a BLAS dot product, a Python loop). Inputs and the
claimant's carried numbers enter with the error of their conversion to float64.

A float64 claim is right when it is within that bound (plus half a unit in the last place
of the printed number) of the exact value: a number printed by any float64 program that
computes the network's formula passes, and the tolerance is as tight as the computation
allows, not a fixed number of units in the last place.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy

from symnn.compiled import Arithmetic

U = 2.0**-53  # unit roundoff of float64
LIBM = 2 * U  # exp, log, tanh of the C library: within one unit in the last place


class Bounded:
    """A float64 value and a bound on its distance from the exact value."""

    __slots__ = ("error", "value")

    def __init__(self, value: float, error: float):
        self.value = value
        self.error = error

    def __gt__(self, other: Bounded) -> bool:
        return self.value > other.value

    def __ge__(self, other: Bounded) -> bool:
        return self.value >= other.value

    def __lt__(self, other: Bounded) -> bool:
        return self.value < other.value

    def __le__(self, other: Bounded) -> bool:
        return self.value <= other.value

    def __repr__(self) -> str:
        return f"Bounded({self.value!r} ± {self.error:.3g})"


def _exact_error(value: float, exact: Fraction) -> float:
    return float(abs(Fraction(value) - exact))


def from_sympy(value: sympy.Expr) -> Bounded:
    """A number converted to float64, with the error of the conversion."""
    approximate = float(value)
    if value.is_Rational:
        return Bounded(approximate, _exact_error(approximate, Fraction(int(value.p), int(value.q))))
    return Bounded(approximate, U * abs(approximate))


def _add(a: Bounded, b: Bounded) -> Bounded:
    value = a.value + b.value
    return Bounded(value, a.error + b.error + U * (abs(a.value) + abs(b.value)))


def _mul(a: Bounded, b: Bounded) -> Bounded:
    value = a.value * b.value
    error = abs(a.value) * b.error + abs(b.value) * a.error + a.error * b.error
    return Bounded(value, error + U * abs(value))


def _power(base: Bounded, exponent: Bounded) -> Bounded:
    """``base**exponent`` for a constant exponent (x², 1/x, √x)."""
    p = exponent.value
    if base.value == 0 or base.error >= abs(base.value):
        raise ValueError("the error bound covers 0")
    value = base.value**p
    # |d(x^p)| = |p·x^(p−1)|·|dx|, over the interval x ± error (the worse end)
    worst = max(abs(base.value - base.error), abs(base.value + base.error))
    near = min(abs(base.value - base.error), abs(base.value + base.error))
    slope = abs(p) * max(worst ** (p - 1), near ** (p - 1))
    return Bounded(value, slope * base.error + 2 * U * abs(value) * max(1.0, abs(p)))


def _exp(a: Bounded) -> Bounded:
    value = math.exp(a.value)
    return Bounded(value, value * math.expm1(a.error) + LIBM * value)


def _log(a: Bounded) -> Bounded:
    if a.error >= a.value:
        raise ValueError("the error bound covers 0")
    value = math.log(a.value)
    return Bounded(value, -math.log1p(-a.error / a.value) + LIBM * abs(value))


def _tanh(a: Bounded) -> Bounded:
    value = math.tanh(a.value)
    return Bounded(value, a.error + LIBM * abs(value))  # |tanh′| ≤ 1


BOUND = Arithmetic(
    "float64-bound",
    constant=lambda r: from_sympy(r),
    add=_add,
    mul=_mul,
    power=_power,
    functions={sympy.exp: _exp, sympy.log: _log, sympy.tanh: _tanh},
    from_sympy=from_sympy,
)


def tolerance(bound: Bounded | None, claimed: float) -> Fraction:
    """How far a float64 claim may be from the exact value: the computation's error bound
    and half a unit in the last place of the printed number."""
    error = 0.0 if bound is None else bound.error
    return Fraction(error) + Fraction(math.ulp(claimed or 1.0)) / 2
