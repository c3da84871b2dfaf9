"""Numbers as written: a claim's digits, what they claim, and how values are shown.

``-0.20`` claims two decimals: the exact value must round to -0.20, so it lies in
[-0.205, -0.195]. A value exactly halfway (-0.215 against a claim of -0.21 or -0.22) is
accepted either way, since people round ties both ways. A claim written with 16 or more
significant digits is beyond what float64 resolves (15–17 digits), so it is judged at
float64 precision instead: within the error bound of a float64 computation of the value
(``symnn.check.float64``, given by the checker) plus half a unit in the last place of the
printed number. Without a bound (when slips are searched) ``SEARCH_ULPS`` units in the
last place are allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import sympy

from symnn.check import float64
from symnn.check.float64 import Bounded

FLOAT64_DIGITS = 16  # claims with at least this many significant digits: float64 precision
SEARCH_ULPS = 64  # tolerance of a float64 claim in slip searches, in units in the last place
SHOWN_DIGITS = 10  # significant digits of exact values in reports
NUMBER_TEXT = re.compile(r"^[+\-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?$")


@dataclass(frozen=True)
class Written:
    """A number as written in a worksheet: its text, exact value and last digit's place."""

    text: str
    value: sympy.Rational
    exponent: int  # the last digit written is in the place 10**exponent
    significant: int  # significant digits written

    @property
    def float64(self) -> bool:
        """True when the claim has more digits than float64 resolves."""
        return self.significant >= FLOAT64_DIGITS

    @property
    def unit(self) -> sympy.Rational:
        """One unit in the last digit written."""
        return sympy.Rational(10) ** self.exponent

    @cached_property
    def _half_unit(self) -> tuple[sympy.Rational, float]:
        return self.unit / 2, float(self.unit / 2)

    def tolerance(self, value: sympy.Expr, bound: Bounded | None = None) -> sympy.Rational:
        """How far a value may be from the claim and still round to it (a float64 claim:
        the ``bound`` of a float64 computation of the value, if given)."""
        if self.float64:
            if bound is None:
                return SEARCH_ULPS * sympy.Rational(math.ulp(float(value) or 1.0))
            return sympy.Rational(float64.tolerance(bound, float(self.value)))
        return self._half_unit[0]

    def matches(self, value: sympy.Expr, bound: Bounded | None = None) -> bool:
        """True when ``value`` rounds to the claim at the digits written."""
        approximate = float(value)
        if not self.float64:
            gap = abs(approximate - self._float)
            if gap > 2 * self._half_unit[1] + 1e-12 * abs(approximate):
                return False  # clearly apart: skip the exact comparison
        return abs(exact(value) - self.value) <= self.tolerance(value, bound)

    def near(self, value: float) -> bool:
        """A cheap screen: could ``value`` (a float) match the claim? (no false negatives)"""
        tolerance = float(self.tolerance(value)) if self.float64 else self._half_unit[1]
        return abs(value - self._float) <= 2 * tolerance + 1e-9 * abs(value)

    @cached_property
    def _float(self) -> float:
        return float(self.value)

    def rounded(self, value: sympy.Expr) -> sympy.Rational:
        """``value`` rounded (half away from zero) to the digits of the claim."""
        steps = abs(exact(value)) / self.unit
        whole = sympy.floor(steps + sympy.Rational(1, 2))
        return sympy.sign(value) * whole * self.unit

    def truncated(self, value: sympy.Expr) -> sympy.Rational:
        """``value`` cut (toward zero) to the digits of the claim."""
        return sympy.sign(value) * sympy.floor(abs(exact(value)) / self.unit) * self.unit

    def off_by_one(self, value: sympy.Expr) -> str | None:
        """How the claim misses ``value`` by one in its last digit, or None.

        "truncated" (cut instead of rounded) or "last digit" (one unit either way).
        """
        if self.float64 or self.matches(value):
            return None
        if abs(self.value - self.rounded(value)) != self.unit:
            return None
        return "truncated" if self.value == self.truncated(value) else "last digit"

    def show(self, value: sympy.Expr) -> str:
        """``value`` rounded to the claim's digits, written like the claim."""
        return decimal_text(self.rounded(value), max(0, -self.exponent))


def read(raw: object) -> Written | None:
    """A ``Written`` from a TOML number (Decimal, int), a Python float or a string; else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        raw = Decimal(repr(raw))
    if isinstance(raw, int):
        raw = Decimal(raw)
    if isinstance(raw, str):
        text = raw.strip().replace("−", "-")
        if not NUMBER_TEXT.match(text):
            return None
        raw = Decimal(text)
    if not isinstance(raw, Decimal) or not raw.is_finite():
        return None
    _sign, digits, exponent = raw.as_tuple()
    significant = len(digits) if any(digits) else 1
    value = sympy.Rational(str(raw))
    return Written(_text(raw), value, exponent, significant)


def _text(number: Decimal) -> str:
    """A Decimal as written, without a '+' and with a lower-case exponent."""
    return str(number).replace("E+", "e").replace("E", "e")


def exact(value: sympy.Expr | float) -> sympy.Rational:
    """A number as an exact rational (a Float or float becomes its exact binary value)."""
    if isinstance(value, float):
        return sympy.Rational(value)
    return value if value.is_Rational else sympy.Rational(value)


def decimal_text(value: sympy.Expr, places: int) -> str:
    """A value with a fixed number of decimal places (no '-0')."""
    rounded = Decimal(str(sympy.Float(value, 60))).quantize(Decimal(1).scaleb(-places))
    text = f"{rounded:f}"
    return text[1:] if text.startswith("-") and set(text[1:]) <= set("0.") else text


def show(value: sympy.Expr, digits: int = SHOWN_DIGITS) -> str:
    """A value for a report: exact if it is a short decimal, else ``digits`` significant."""
    if value.is_Rational:
        terminating = _terminating_places(value)
        if terminating is not None and terminating <= 12:
            return decimal_text(value, terminating)
    if value == 0:
        return "0"
    return format(Decimal(str(sympy.Float(value, 60))), f".{digits}g")


def _terminating_places(value: sympy.Rational) -> int | None:
    """The number of decimals of a rational whose expansion terminates, else None."""
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    return max(twos, fives) if q == 1 else None
