"""Claims with formulas: is the formula the network's, and is its arithmetic right?"""

import pytest

from symnn import notation, spec
from symnn.check.verdict import Checker
from symnn.check.worksheet import read_claims
from symnn.derive import derive
from symnn.errors import SpecError
from tests.specs import WORKED_EXAMPLE_NET

NET = WORKED_EXAMPLE_NET


def judge(claims: list[tuple[str, str, str | None]]) -> dict:
    """Verdicts of claims given as (name, value, formula or None)."""
    lines = []
    for key, value, formula in claims:
        quoted = f'"{key}"' if "'" in key else f"'{key}'"
        if formula is None:
            lines.append(f"{quoted} = {value}")
        else:
            lines.append(f"{quoted} = {{ value = {value}, formula = '{formula}' }}")
    sheet = spec.loads(NET + "\n[claims]\n" + "\n".join(lines))
    checker = Checker(derive(sheet), notation.from_spec(sheet))
    return {v.claim.key: v for v in checker.check(read_claims(sheet, checker.names))}


def one(key: str, value: str, formula: str):
    return judge([(key, value, formula)])[key]


def test_right_formula_right_arithmetic():
    verdict = one("net[2,1]", "0.15", r"0.5 \cdot 0.25 + 0.25 \cdot 0.1 + 0")
    assert verdict.verdict == "correct"
    assert verdict.formula.matches_network and verdict.formula.arithmetic == "right"
    assert verdict.note == "the formula matches the network"


def test_right_formula_wrong_arithmetic():
    verdict = one("net[2,1]", "0.18", r"0.5 \cdot 0.25 + 0.25 \cdot 0.1 + 0")
    assert verdict.formula.matches_network
    assert verdict.formula.arithmetic == "wrong"
    assert (verdict.verdict, verdict.cause) == ("wrong", "arithmetic")
    assert verdict.note.startswith("the formula is right but evaluates to 0.15, not 0.18")


def test_right_formula_truncated_result_is_a_rounding_slip():
    verdict = one("out[2,1]", "0.53", r"\frac{1}{1+e^{-0.15}}")
    assert verdict.formula.matches_network
    assert verdict.formula.arithmetic == "truncated"
    assert verdict.verdict == "rounding-slip"
    assert verdict.note == "truncated instead of rounded: 0.5374298453 rounds to 0.54"


def test_wrong_formula_right_arithmetic():
    # The seeds' ∂E/∂b₂³: (0 − 0.45) where the target d₂ is 1; the value is the formula's.
    formula = r"\frac{-2(0-0.45)}{2}(0.45)(1-0.45)"
    verdict = one("dE/db[3,2]", "0.111", formula)
    assert verdict.formula.arithmetic == "right"
    assert not verdict.formula.matches_network
    assert (verdict.verdict, verdict.cause) == ("wrong", "formula")
    assert verdict.note == (
        "the formula does not match the network: it uses d₂ = 0 where the target is 1"
    )


def test_wrong_formula_is_wrong_even_with_the_right_value():
    # Right value (−0.137 rounds the exact −0.13697), formula with the target swapped.
    verdict = one("dE/db[3,2]", "-0.137", r"\frac{-2(0-0.45)}{2}(0.45)(1-0.45)")
    assert verdict.verdict == "wrong"
    assert verdict.note.endswith("; the value alone would be correct")
    assert "as written it evaluates to 0.111375, not -0.137" in verdict.note


def test_formula_near_miss_is_right():
    # The same formula with the right target is the network's; from the rounded 0.45 it
    # gives −0.136125, so −0.136 is right given that number (the exact value is −0.13697).
    verdict = one("dE/db[3,2]", "-0.136", r"\frac{-2(1-0.45)}{2}(0.45)(1-0.45)")
    assert verdict.formula.matches_network
    assert verdict.verdict == "correct-with-carried"
    assert verdict.carried_from == ["out[3,2]"]
    assert verdict.note == (
        "recomputed from the numbers your formula uses (out x₂³ = 0.45): -0.136125 "
        "(the exact value rounds to -0.137)"
    )


def test_formula_with_a_wrong_input_names_it():
    verdict = one("net[2,1]", "0.175", r"0.5 \cdot 0.25 + 0.5 \cdot 0.1 + 0")
    assert verdict.formula.mismatch == "it uses x₂¹ = 0.5 where the input is 0.25"


def test_formula_with_a_wrong_weight_names_it():
    verdict = one("net[2,2]", "0.2", r"0.5 \cdot 0.35 + 0.25 \cdot 0.1")
    assert verdict.formula.mismatch == "it uses w₂₂¹ = 0.1 where the weight is -0.3"


def test_formula_missing_the_factor_two():
    verdict = one("dE/db[3,1]", "0.074", r"(0.68-0)(0.68)(1-0.68)/2")
    assert not verdict.formula.matches_network
    assert verdict.formula.mismatch == "the factor 2 from differentiating the square is missing"


def test_formula_with_the_opposite_sign():
    verdict = one("dE/db[3,1]", "-0.148", r"\frac{2(0-0.68)}{2}(0.68)(1-0.68)")
    assert verdict.formula.mismatch == "it has the opposite sign"


def test_formula_with_names_of_quantities():
    judged = judge([
        ("delta[3,1]", "0.148", None),
        ("out[2,1]", "0.537", None),
        ("dE/dw[3,1,1]", "0.0795", r"\delta_1^3 \cdot out \ x_1^2"),
        ("w[3,1,1]'", "0.8602", r"w_{11}^2 - \eta \frac{\partial E}{\partial w_{11}^2}"),
    ])
    for key in ("dE/dw[3,1,1]", "w[3,1,1]'"):
        assert judged[key].formula.matches_network, key
        assert judged[key].verdict == "correct", key


def test_formula_names_take_the_claimed_values():
    # δ₁³ claimed as 0.15 (one digit short of 0.148): the formula uses the claim.
    judged = judge([
        ("delta[3,1]", "0.15", None),
        ("dE/dw[3,1,1]", "0.08", r"\delta_1^3 \cdot 0.53"),
    ])
    assert judged["dE/dw[3,1,1]"].formula.value == pytest.approx(0.15 * 0.53)


def test_formula_with_the_wrong_name_does_not_match():
    verdict = one("dE/dw[3,1,1]", "0.078", r"\delta_1^3 \cdot out \ x_2^2")
    assert not verdict.formula.matches_network
    assert verdict.verdict == "wrong"


def test_formula_with_carried_numbers_it_did_not_claim():
    # net x₁³ from 0.537 and 0.525 (rounded, not claimed): still the network's formula.
    verdict = one("net[3,1]", "0.746", r"0.537 \cdot 0.9 + 0.525 \cdot 0.5")
    assert verdict.formula.matches_network
    assert verdict.verdict == "correct"


def test_number_of_outputs_n_in_a_formula():
    verdict = one("dE/db[3,1]", "0.148", r"\frac{2(0.6783-0)}{n}(0.6783)(1-0.6783)")
    assert verdict.formula.matches_network


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (r"\frac{1}{1+e^{-0.15}", "unexpected end of formula at column 21"),
        (r"1/(1+e^{-0.15}))", "unexpected ')' at column 16"),
        ("__import__(os)", "unexpected '_' at column 1"),
        (r"\input{/etc/passwd}", r"unknown command '\input' at column 1"),
        (r"\ln(-1)", "does not evaluate to a real number"),
        (r"y_1 + 1", "unknown name 'y_{1}' at column 1"),
    ],
)
def test_bad_formulas_are_bad_input(formula, message):
    with pytest.raises(SpecError) as info:
        one("out x_1^2", "0.54", formula)
    assert str(info.value) == 'claims."out x_1^2".formula: ' + message
    assert "\n" not in str(info.value)
