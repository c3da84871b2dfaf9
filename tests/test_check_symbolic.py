"""Formulas written in names of quantities are compared with the network's expression
symbolically (random points, exact), then numerically at the claimant's numbers.

Inputs 0.5 and 0.5, so that x₁¹ = x₂¹: a formula that uses x₁¹ twice gives the network's
number but is not its formula, which only the symbolic comparison can tell.
"""

import json

from symnn.cli import main
from tests.specs import WORKED_EXAMPLE_NET, changed

# Equal inputs, x₁¹ = x₂¹ (see above).
NET = changed(WORKED_EXAMPLE_NET, "inputs = [0.5, 0.25]", "inputs = [0.5, 0.5]")


def claims(tmp_path, capsys, text: str) -> list[dict]:
    path = tmp_path / "sheet.toml"
    path.write_text(NET + "[claims]\n" + text, encoding="utf-8")
    main(["check", str(path), "--format", "json"])
    return json.loads(capsys.readouterr().out)["claims"]


def test_the_networks_formula_in_names_matches(tmp_path, capsys):
    (net, delta, gradient) = claims(tmp_path, capsys, (
        "'net x_2^2' = { value = 0.025, formula = 'w_{12}^1 x_1^1 + w_{22}^1 x_2^1' }\n"
        "'\\delta_1^3' = { value = 0.148, formula = '(x_1^3 - d_1) x_1^3 (1 - x_1^3)' }\n"
        "'\\frac{\\partial E}{\\partial w_{11}^2}' = "
        "{ value = 0.0805, formula = '\\delta_1^3 \\cdot x_1^2' }\n"
    ))
    assert [c["verdict"] for c in (net, delta, gradient)] == ["correct"] * 3
    for claim in (net, delta, gradient):
        assert claim["formula"]["matches_network"], claim


def test_a_formula_that_only_happens_to_give_the_number_is_not_the_networks(tmp_path, capsys):
    formula = "'w_{11}^1 x_1^1 + w_{21}^1 x_1^1'"
    (claim,) = claims(tmp_path, capsys, f"'net x_1^2' = {{ value = 0.175, formula = {formula} }}\n")
    assert claim["exact"] == "0.175"  # the number is right
    assert (claim["verdict"], claim["cause"]) == ("wrong", "formula")
    assert claim["formula"]["mismatch"] == (
        "it is not the network's expression for this quantity, though it gives the same "
        "number at these values"
    )


def test_a_formula_in_names_with_the_wrong_sign_is_said_so(tmp_path, capsys):
    formula = "'(d_2 - x_2^3) x_2^3 (1 - x_2^3)'"
    line = f"'\\delta_2^3' = {{ value = -0.1374, formula = {formula} }}\n"
    (claim,) = claims(tmp_path, capsys, line)
    assert not claim["formula"]["matches_network"]
    assert claim["formula"]["mismatch"] == "it has the opposite sign"
