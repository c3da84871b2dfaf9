"""Float64 answers printed by plain Python: the tolerance comes from the computation.

Mazur's 2-2-2 net (tests/corpus/mazur-2015.toml) with w5 = −0.55 and w7 = −0.86, so that
∂E/∂out_h1 = δ_o1·w5 + δ_o2·w7 nearly cancels. The "tutorial" stores its outputs to nine
digits, and a student's Python computes δ_h1 from those stored numbers and prints it
with repr: that float is over a thousand units in the last place from the exact value of
the same formula at the same numbers (cancellation), so no fixed ulp tolerance fits it,
while the running error bound of the computation covers it.
"""

import math
from fractions import Fraction

import pytest
import sympy

from symnn import notation, spec
from symnn.check.float64 import BOUND, Bounded, from_sympy, tolerance
from symnn.check.model import build_model, run
from symnn.check.verdict import Checker
from symnn.check.worksheet import read_claims
from symnn.derive import derive
from tests.specs import MAZUR_NET, changed

# w5 = −0.55 and w7 = −0.86 (see above); the biases are updated.
NET = changed(
    changed(MAZUR_NET, "[[0.40, 0.45], [0.50, 0.55]]", "[[-0.55, 0.45], [-0.86, 0.55]]"),
    "update_biases = false\n", "",
)
STORED = {"out[3,1]": "0.632347172", "out[3,2]": "0.603022335", "out[2,1]": "0.593269992"}


def students_program() -> float:
    """δ_h1 as plain Python computes it from the stored numbers."""
    o1, o2, h1 = (float(STORED[k]) for k in ("out[3,1]", "out[3,2]", "out[2,1]"))
    delta_o1 = (o1 - 0.01) * o1 * (1 - o1)
    delta_o2 = (o2 - 0.99) * o2 * (1 - o2)
    return (delta_o1 * -0.55 + delta_o2 * -0.86) * h1 * (1 - h1)


def judge(claims: dict[str, str]) -> dict:
    lines = "\n".join(f'"{k}" = "{v}"' for k, v in claims.items())
    sheet = spec.loads(NET + "[claims]\n" + lines)
    checker = Checker(derive(sheet), notation.from_spec(sheet))
    return {v.claim.id: v for v in checker.check(read_claims(sheet, checker.names))}


def exact_from_stored() -> Fraction:
    o1, o2, h1 = (Fraction(STORED[k]) for k in ("out[3,1]", "out[3,2]", "out[2,1]"))
    delta_o1 = (o1 - Fraction(1, 100)) * o1 * (1 - o1)
    delta_o2 = (o2 - Fraction(99, 100)) * o2 * (1 - o2)
    return (delta_o1 * Fraction(-55, 100) + delta_o2 * Fraction(-86, 100)) * h1 * (1 - h1)


def test_the_printed_float_is_far_in_ulps_but_judged_right_given_the_stored_numbers():
    printed = repr(students_program())
    ulps = abs(Fraction(printed) - exact_from_stored()) / Fraction(math.ulp(float(printed)))
    assert ulps > 1000  # a fixed tolerance of a few ulps would call it wrong
    verdicts = judge({**STORED, "delta[2,1]": printed})
    assert [v.verdict for v in verdicts.values()] == ["correct"] * 3 + ["correct-with-carried"]
    assert verdicts["delta[2,1]"].claim.written.float64


def test_the_bound_is_tight_enough_to_reject_a_neighbouring_slip():
    printed = students_program()
    # 1% off: far outside the bound, judged wrong
    assert judge({**STORED, "delta[2,1]": repr(printed * 1.01)})["delta[2,1]"].verdict == "wrong"
    # and the bound itself is a small multiple of what the cancellation costs
    sheet = spec.loads(NET)
    model = build_model(derive(sheet))
    pins = {k: sympy.Rational(v) for k, v in STORED.items()}
    bound = run(model, pins, ["delta[2,1]"], BOUND)["delta[2,1]"]
    error = abs(Fraction(printed) - exact_from_stored())
    assert error <= Fraction(bound.error) < 100 * error


@pytest.mark.parametrize(
    ("value", "error"),
    [("0.1", float(abs(Fraction(0.1) - Fraction(1, 10)))), ("0.5", 0.0), ("-0.75", 0.0)],
)
def test_numbers_enter_with_the_error_of_their_conversion(value, error):
    number = from_sympy(sympy.Rational(value))
    assert (number.value, number.error) == (float(value), error)


def test_a_sum_that_cancels_has_a_bound_relative_to_its_terms():
    a, b = Bounded(1.0, 0.0), Bounded(-1.0 + 2**-52, 0.0)
    total = BOUND.add(a, b)
    assert total.value == 2**-52
    assert total.error == pytest.approx(2**-53 * 2, rel=1e-6)
    assert tolerance(total, total.value) > total.error
