"""Each student's numbers, drawn deterministically from (student id, assignment seed).

The random generator is seeded with SHA-256 of the seed and the id, so the same roster
and template give the same numbers on every machine and Python version. Ranges give
nice numbers: a whole number of ``10**-decimals`` between min and max. A draw is
degenerate, and drawn again (up to ``MAX_TRIES`` times), when

- a neuron's net input is exactly 0 (the kink of ReLU, and a give-away elsewhere);
- a neuron is saturated: its activation's slope at the net input is under
  ``SATURATED`` of its slope at 0 (sigmoid beyond about ±3.6, tanh beyond ±1.8);
- an asked quantity is exactly 0, or lies within ``TIE_MARGIN`` units of the last
  required digit of a rounding tie (…5), where honest rounding could go either way.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import cache

import sympy

from symnn import activations, spec
from symnn.classroom.template import Assignment, Rule
from symnn.derive import Derivation, derive
from symnn.errors import SpecError
from symnn.evaluate import evaluate
from symnn.naming import qid
from symnn.spec import NetworkSpec

MAX_TRIES = 500
SATURATED = sympy.Rational(1, 10)
TIE_MARGIN = Decimal("0.02")  # in units of the last required digit
PRECISION = 80  # digits of the decimal arithmetic of rounding


@dataclass(frozen=True)
class Variant:
    """One student's problem: the spec with their numbers, derived and evaluated."""

    student: str
    spec: NetworkSpec
    derivation: Derivation
    exact: dict[str, sympy.Expr]
    values: dict  # the [values] table drawn (numbers as Fractions, nested lists)


def rng_for(assignment: Assignment, student: str) -> random.Random:
    """The random generator of one student: SHA-256 of the seed and the id."""
    digest = hashlib.sha256(f"symnn-assign\0{assignment.seed}\0{student}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def draw(assignment: Assignment, student: str, asked: list[str]) -> Variant:
    """The first non-degenerate draw of one student."""
    rng = rng_for(assignment, student)
    network = spec.from_dict({k: v for k, v in assignment.base.items() if k != "values"})
    reason = ""
    for _ in range(MAX_TRIES):
        values = dict(assignment.base.get("values", {}))
        for field_name, rule in assignment.draw.items():
            values[field_name] = _fill(_shape(field_name, network), rule, rng)
        variant_spec = spec.from_dict({**assignment.base, "values": values})
        derivation = derive(variant_spec)
        exact = evaluate(derivation).values
        reason = degenerate(derivation, exact, asked, assignment.digits)
        if reason is None:
            return Variant(student, variant_spec, derivation, exact, values)
    raise SpecError(
        f"assignment.draw: no draw for student {student!r} in {MAX_TRIES} tries is free of "
        f"degenerate numbers (last: {reason}); widen the ranges or change the seed"
    )


def _shape(field_name: str, network: NetworkSpec) -> object:
    """Placeholders (None) shaped as the field of [values]."""
    layers = network.layers
    if field_name == "inputs":
        return [None] * layers[0]
    if field_name == "targets":
        return [None] * layers[-1]
    if field_name == "weights":
        return [[[None] * layers[m] for _ in range(layers[m + 1])] for m in range(len(layers) - 1)]
    if field_name == "biases":
        if network.bias == "none":
            raise SpecError("assignment.draw.biases: the network has no biases (bias = 'none')")
        if network.bias == "per-layer":
            return [None] * (len(layers) - 1)
        return [[None] * size for size in layers[1:]]
    return None  # learning_rate: one number


def _fill(shape: object, rule: Rule, rng: random.Random) -> object:
    if rule.fixed is not None:
        return rule.fixed
    if isinstance(shape, list):
        return [_fill(item, rule, rng) for item in shape]
    if rule.choices:
        return rng.choice(rule.choices)
    scale = 10**rule.decimals
    low, high = math.ceil(rule.low * scale), math.floor(rule.high * scale)
    if low > high:
        raise SpecError(f"assignment.draw: no number with {rule.decimals} decimals in the range")
    return Fraction(rng.randint(low, high), scale)


def degenerate(derivation: Derivation, exact: dict, asked: list[str], digits: int) -> str | None:
    """Why a draw is degenerate (see the module's docstring), or None."""
    network = derivation.network
    for layer in range(2, network.depth + 1):
        name = network.activation(layer)
        slope = network.leaky_slope
        for j in range(1, network.size(layer) + 1):
            net = exact[qid("net", layer, j)]
            if net == 0:
                return f"{qid('net', layer, j)} is 0"
            if activations.get(name).elementwise and _saturated(name, slope, net):
                return f"{qid('out', layer, j)} is saturated ({name} at {float(net):.3g})"
    for quantity in asked:
        value = exact.get(quantity)
        if value is None:
            return f"{quantity} has no value"
        if value == 0:
            return f"{quantity} is 0"
        if near_tie(value, digits):
            return f"{quantity} = {float(value):.12g} is close to a rounding tie"
    return None


def _saturated(name: str, slope, net: sympy.Expr) -> bool:
    slope_at = _slope(name, slope)
    at_zero = slope_at(0.0)
    return at_zero > 0 and slope_at(float(net)) < float(SATURATED) * at_zero


@cache
def _slope(name: str, slope) -> Callable[[float], float]:
    """φ′ of an activation as a float function (from sympy.diff, printed by lambdify)."""
    return sympy.lambdify(activations.Z, activations.derivative(name, slope), "math")


def _decimal(value: sympy.Expr) -> Decimal:
    return Decimal(str(sympy.Float(value, 60)))


def rounded(value: sympy.Expr, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits (half away from zero), as text."""
    number = _decimal(value)
    if number == 0:
        return "0"
    with localcontext(prec=PRECISION):
        quantum = Decimal(1).scaleb(number.adjusted() - digits + 1)
        result = number.quantize(quantum, rounding=ROUND_HALF_UP)
        if result.adjusted() > number.adjusted():  # 0.0999… -> 0.100: one digit more
            result = number.quantize(quantum.scaleb(1), rounding=ROUND_HALF_UP)
    return f"{result:f}"


def near_tie(value: sympy.Expr, digits: int) -> bool:
    """True when ``value`` is within ``TIE_MARGIN`` units of its last digit of a tie."""
    number = abs(_decimal(value))
    with localcontext(prec=PRECISION):
        scaled = number.scaleb(digits - 1 - number.adjusted())
        fraction = scaled - scaled.to_integral_value(rounding=ROUND_FLOOR)
        return abs(fraction - Decimal("0.5")) < TIE_MARGIN
