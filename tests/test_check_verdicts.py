"""Each verdict and each named slip: a constructed case that must be recognised, and a
near miss (a few units off in the last digit) that must not be.

Expected values come from the core (``symnn.evaluate`` on the spec, or on the spec with
the slip made by hand: targets swapped, another loss) and from arithmetic written out
here, not from the checker's own model.
"""

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy

from symnn import notation, spec
from symnn.check.digits import read
from symnn.check.verdict import Checker
from symnn.check.worksheet import read_claims
from symnn.derive import derive
from symnn.evaluate import evaluate
from tests.specs import WORKED_EXAMPLE_NET, changed

NET = changed(WORKED_EXAMPLE_NET, "learning_rate = 0.5", "learning_rate = 0.1")

# Three outputs, so that ½Σ and (1/n)Σ differ.
NET3 = """
[network]
layers = [2, 2, 3]
activation = "sigmoid"
loss = "mse"

[values]
inputs = [0.5, 0.25]
targets = [0, 1, 0]
weights = [[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3], [0.2, -0.4]]]
biases = [[0, 0], [0, 0, 0]]
learning_rate = 0.5
"""

EXACT = evaluate(derive(spec.loads(NET)))
EXACT3 = evaluate(derive(spec.loads(NET3)))


def judge(claims: dict[str, str], base: str = NET) -> dict:
    """Verdicts of a worksheet made of ``base`` and ``claims`` (TOML values as text)."""
    lines = [f"{_key(key)} = {value}" for key, value in claims.items()]
    sheet = spec.loads(base + "\n[claims]\n" + "\n".join(lines))
    checker = Checker(derive(sheet), notation.from_spec(sheet))
    return {v.claim.key: v for v in checker.check(read_claims(sheet, checker.names))}


def _key(key: str) -> str:
    return f'"{key}"' if "'" in key else f"'{key}'"


def one(quantity: str, value: str, base: str = NET):
    return judge({quantity: value}, base)[quantity]


def places(value, decimals: int, shift: int = 0) -> str:
    """``value`` rounded to ``decimals`` places, moved by ``shift`` units in the last one."""
    unit = Decimal(1).scaleb(-decimals)
    return str(Decimal(str(float(value))).quantize(unit) + shift * unit)


# ---------------------------------------------------------------------------- verdicts


def test_correct_and_its_near_miss():
    assert one("out[2,1]", "0.54").verdict == "correct"
    assert one("out[2,1]", "0.5374").verdict == "correct"
    assert one("out[2,1]", "0.56").verdict == "wrong"


def test_digits_as_written_decide():
    # net[3,2] = -0.21870…: -0.22 is right to two decimals; -0.220 claims three, and is
    # one unit off (-0.219); the quoted string keeps its trailing zero too.
    assert one("net[3,2]", "-0.22").verdict == "correct"
    assert one("net[3,2]", "-0.220").verdict == "rounding-slip"
    assert one("net[3,2]", '"-0.220"').verdict == "rounding-slip"
    assert one("net[3,2]", '"-0.22"').verdict == "correct"
    assert one("net[3,2]", "-0.2").verdict == "correct"


def test_truncated_is_a_rounding_slip_and_says_so():
    verdict = one("out[2,1]", "0.53")  # 0.53742… rounds to 0.54
    assert verdict.verdict == "rounding-slip"
    assert verdict.note == "truncated instead of rounded: 0.5374298453 rounds to 0.54"


def test_off_by_one_upwards_is_a_rounding_slip():
    verdict = one("out[2,1]", "0.55")
    assert verdict.verdict == "rounding-slip"
    assert verdict.note.startswith("off by one in the last digit")


def test_two_units_off_is_not_a_rounding_slip():
    # 0.5374 rounds to 0.54 (0.53 and 0.55 one unit off) and to 0.537 (0.536, 0.538).
    assert one("out[2,1]", "0.52").verdict == "wrong"
    assert one("out[2,1]", "0.536").verdict == "rounding-slip"
    assert one("out[2,1]", "0.538").verdict == "rounding-slip"
    assert one("out[2,1]", "0.535").verdict == "wrong"
    assert one("out[2,1]", "0.539").verdict == "wrong"


def test_correct_given_the_carried_values():
    # out x₁² claimed as 0.5 (right to one decimal); net x₁³ from it:
    # 0.5·0.9 + 0.52498…·0.5 = 0.712489…, while the exact net x₁³ is 0.74618.
    verdicts = judge({"out[2,1]": "0.5", "net[3,1]": "0.712"})
    assert verdicts["out[2,1]"].verdict == "correct"
    carried = verdicts["net[3,1]"]
    assert carried.verdict == "correct-with-carried"
    assert carried.carried_from == ["out[2,1]"]
    assert carried.note == (
        "recomputed from your out x₁² = 0.5: 0.7124895937 (the exact value rounds to 0.746)"
    )


def test_carried_near_miss_and_carried_rounding_slip():
    assert judge({"out[2,1]": "0.5", "net[3,1]": "0.715"})["net[3,1]"].verdict == "wrong"
    slip = judge({"out[2,1]": "0.5", "net[3,1]": "0.713"})["net[3,1]"]
    assert slip.verdict == "rounding-slip"
    assert "recomputed from your out x₁² = 0.5 it is 0.7124895937" in slip.note


def test_a_wrong_value_carried_forward_is_marked():
    verdicts = judge({"out[2,1]": "0.9", "net[3,1]": "1.07"})
    assert verdicts["out[2,1]"].verdict == "wrong"
    assert verdicts["net[3,1]"].verdict == "correct-with-carried"
    assert "out x₁² = 0.9 (itself wrong)" in verdicts["net[3,1]"].note


def test_exact_ties_round_either_way():
    tie = sympy.Rational(-215, 1000)
    assert read("-0.21").matches(tie) and read("-0.22").matches(tie)
    assert not read("-0.23").matches(tie)
    assert not read("-0.210").matches(tie)


def test_wrong_without_a_known_cause():
    verdict = one("out[2,1]", "0.8")
    assert (verdict.verdict, verdict.cause) == ("wrong", None)
    assert verdict.note == "no common slip reproduces it"


def test_more_digits_than_float64_are_judged_at_float64_precision():
    exact = EXACT["out[2,1]"]
    nearest = float(exact)
    long_text = f"{Decimal(nearest):.25f}"  # the double, written out to 25 digits
    assert read(long_text).float64
    assert sympy.Rational(long_text) != exact  # as an exact decimal it would be wrong
    verdict = one("out[2,1]", long_text)
    assert verdict.verdict == "correct"
    assert verdict.note == "judged at float64 precision"
    assert one("out[2,1]", repr(nearest)).verdict == "correct"  # 16 digits
    far = nearest + 100 * (nearest - float(Decimal(nearest) - Decimal("1e-16")))
    assert one("out[2,1]", f"{Decimal(far):.25f}").verdict == "wrong"


def test_fifteen_digits_are_judged_as_written():
    exact = EXACT["out[2,1]"]
    right = places(exact, 15)
    assert not read(right).float64
    assert one("out[2,1]", right).verdict == "correct"
    assert one("out[2,1]", places(exact, 15, shift=1)).verdict == "rounding-slip"


# ---------------------------------------------------------------------------- slips


def _swapped_targets():
    sheet = spec.loads(NET)
    values = replace(sheet.values, targets=tuple(reversed(sheet.values.targets)))
    return evaluate(derive(replace(sheet, values=values)))


def _other_loss(base: str, loss: str):
    return evaluate(derive(replace(spec.loads(base), loss=loss)))


def _backprop_through_updated_weights():
    """dE/dw[2,1,1] computed with w³' (the updated output weights), by hand."""
    e = EXACT
    rate = Fraction(1, 10)
    w_new = {
        (i, j): e[f"w[3,{i},{j}]"] - rate * e[f"dE/dw[3,{i},{j}]"] for i in (1, 2) for j in (1, 2)
    }
    d_out = sum(e[f"delta[3,{i}]"] * w_new[(i, 1)] for i in (1, 2))
    out = e["out[2,1]"]
    return d_out * out * (1 - out) * e["out[1,1]"]


SLIP_CASES = [
    # (slip, quantity, the value the slip gives, decimals written)
    ("sign", "dE/dw[3,1,1]", -EXACT["dE/dw[3,1,1]"], 4),
    ("sign", "net[3,2]", -EXACT["net[3,2]"], 3),
    (
        "gradient-sign",
        "w[3,1,1]'",
        EXACT["w[3,1,1]"] + Fraction(1, 10) * EXACT["dE/dw[3,1,1]"],
        4,
    ),
    ("missing-2", "dE/dw[3,1,1]", EXACT["dE/dw[3,1,1]"] / 2, 5),
    ("missing-2", "dE/dw[2,1,1]", EXACT["dE/dw[2,1,1]"] / 2, 5),
    ("missing-1/n", "dE/db[3,2]", EXACT["dE/db[3,2]"] * 2, 4),
    ("loss-convention", "E", _other_loss(NET, "sse")["E"], 4),
    ("target-swap", "dE/db[3,1]", _swapped_targets()["dE/db[3,1]"], 4),
    ("target-swap", "E", _swapped_targets()["E"], 4),
    ("updated-weight", "dE/dw[2,1,1]", _backprop_through_updated_weights(), 6),
    ("no-learning-rate", "w[3,1,1]'", EXACT["w[3,1,1]"] - EXACT["dE/dw[3,1,1]"], 4),
    ("other-quantity", "dE/dw[3,1,2]", EXACT["dE/dw[3,2,1]"], 4),
    ("other-quantity", "out[2,2]", EXACT["out[1,2]"], 2),
]


@pytest.mark.parametrize(("slip", "quantity", "value", "decimals"), SLIP_CASES)
def test_slip_is_recognised(slip, quantity, value, decimals):
    verdict = one(quantity, places(value, decimals))
    assert verdict.verdict == "wrong"
    assert verdict.cause == slip
    assert verdict.note.startswith("likely cause: ")


@pytest.mark.parametrize(("slip", "quantity", "value", "decimals"), SLIP_CASES)
def test_slip_near_miss_is_not(slip, quantity, value, decimals):
    verdict = one(quantity, places(value, decimals, shift=3))
    assert verdict.verdict == "wrong"
    assert verdict.cause != slip


def test_half_sum_against_mean_with_three_outputs():
    half = _other_loss(NET3, "half-sse")
    assert half["E"] == EXACT3["E"] * Fraction(3, 2)
    for quantity in ("E", "dE/dw[2,2,1]"):
        verdict = one(quantity, places(half[quantity], 5), NET3)
        assert (verdict.verdict, verdict.cause) == ("wrong", "loss-convention")
        assert "the loss ½Σ(d − y)² was used where the network's loss is (1/n)Σ(d − y)²" in (
            verdict.note
        )
        near = one(quantity, places(half[quantity], 5, shift=3), NET3)
        assert near.cause != "loss-convention"


def test_missing_one_over_n_with_three_outputs():
    tripled = EXACT3["dE/dw[3,3,2]"] * 3
    assert one("dE/dw[3,3,2]", places(tripled, 5), NET3).cause == "missing-1/n"
    assert one("dE/dw[3,3,2]", places(tripled, 5, 3), NET3).cause != "missing-1/n"


def test_slip_notes_name_what_happened():
    swap = one("dE/db[3,1]", places(_swapped_targets()["dE/db[3,1]"], 4))
    assert swap.note.startswith("likely cause: the targets d₁ and d₂ are swapped: that gives")
    other = one("out[2,2]", "0.25")
    assert "0.25 is the value of x₂¹ (out[1,2])" in other.note


def test_slip_with_carried_values():
    # ∂E/∂b₁³ from a carried out x₁³ = 0.68 but with the targets swapped:
    # (0.68 − 1)·0.68·(1 − 0.68) = −0.069632.
    verdicts = judge({"out[3,1]": "0.68", "dE/db[3,1]": "-0.06963"})
    verdict = verdicts["dE/db[3,1]"]
    assert verdict.cause == "target-swap"
    assert "(with your carried values)" in verdict.note


def test_every_slip_that_reproduces_a_claim_is_named():
    # With η = 0.5 and n = 2, dropping η from the update (w − ∂E/∂w), dropping the 1/n
    # and using Σ(d − y)² for the loss (both w − η·2·∂E/∂w) give the same number: all
    # three are named, in catalogue order.
    base = NET.replace("learning_rate = 0.1", "learning_rate = 0.5")
    value = EXACT["w[3,1,1]"] - EXACT["dE/dw[3,1,1]"]
    verdict = one("w[3,1,1]'", places(value, 4), base)
    assert verdict.causes == ["missing-1/n", "loss-convention", "no-learning-rate"]
    assert verdict.note.endswith(
        ", or the learning rate η = 0.5 is missing from the update: that gives 0.8204549162"
    )
