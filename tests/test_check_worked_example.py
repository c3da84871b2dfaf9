"""The seeds' worked example (seed 001) as a worksheet: every claim's verdict, one by one,
and the report in each format byte for byte.

Regenerate the golden files after an intended change of the report with
``SYMNN_REGEN_GOLDEN=1 python -m pytest tests/test_check_worked_example.py`` and review the
diff before committing it.
"""

import io
import os
from pathlib import Path

import pytest

from symnn import examples
from symnn.check import worksheet
from symnn.check.digits import show
from symnn.check.verdict import Checker
from symnn.cli import main
from symnn.commands import check as check_command
from symnn.derive import derive
from tests.tools import katex_errors, markdown_math_blocks

WORKSHEET = examples.path("worked-example-001-worksheet.toml")
GOLDEN = Path(__file__).parent / "golden" / "check"
REGEN = os.environ.get("SYMNN_REGEN_GOLDEN") == "1"

# (name as written in the worksheet, id it is read as, claimed, verdict, cause)
EXPECTED = [
    ("net x_1^2", "net[2,1]", "0.15", "correct", None),
    ("out x_1^2", "out[2,1]", "0.53", "rounding-slip", None),  # 0.5374 truncated
    ("net x_2^2", "net[2,2]", "0.1", "correct", None),
    ("out x_2^2", "out[2,2]", "0.52", "correct", None),
    ("net x_1^3", "net[3,1]", "0.74", "correct-with-carried", None),  # 0.737 from 0.53, 0.52
    ("out x_1^3", "out[3,1]", "0.68", "correct", None),
    ("net x_2^3", "net[3,2]", "-0.21", "correct-with-carried", None),  # -0.215 from 0.53, 0.52
    ("out x_2^3", "out[3,2]", "0.45", "correct", None),
    ("x_1^1", "out[1,1]", "0.5", "correct", None),
    ("x_2^2", "out[2,2]", "0.25", "wrong", "other-quantity"),  # the input x_2^1, mistyped
    ("x_1^3", "out[3,1]", "0.68", "correct", None),
    ("x_2^3", "out[3,2]", "0.45", "correct", None),
    ("E(x_1^3,x_2^3)", "E", "0.38", "correct", None),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{11}^2}", "dE/dw[3,1,1]", "0.078",
     "correct-with-carried", None),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{21}^2}", "dE/dw[3,1,2]", "0.077",
     "correct-with-carried", None),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{12}^2}", "dE/dw[3,2,1]", "-0.07", "correct",
     None),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{22}^2}", "dE/dw[3,2,2]", "-0.07", "correct",
     None),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial b_1^3}", "dE/db[3,1]", "0.15", "correct", None),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial b_2^3}", "dE/db[3,2]", "-0.13", "wrong",
     "formula"),
]


@pytest.fixture(scope="module")
def verdicts():
    sheet = worksheet.load(WORKSHEET)
    checker = Checker(derive(sheet.spec), sheet.notation)
    return checker.check(worksheet.read_claims(sheet.spec, checker.names))


def test_every_claim_of_the_tutorial_is_in_the_worksheet(verdicts):
    assert len(verdicts) == len(EXPECTED) == 19


@pytest.mark.parametrize("row", EXPECTED, ids=[f"{e[1]}={e[2]}" for e in EXPECTED])
def test_verdict(verdicts, row):
    key, quantity_id, claimed, verdict, cause = row
    (found,) = [v for v in verdicts if v.claim.key == key]
    assert (found.claim.id, found.claim.written.text) == (quantity_id, claimed)
    assert (found.verdict, found.cause) == (verdict, cause)


def _by_key(verdicts, key):
    (found,) = [v for v in verdicts if v.claim.key == key]
    return found


def test_rounding_slip_says_truncated(verdicts):
    assert _by_key(verdicts, "out x_1^2").note == (
        "truncated instead of rounded: 0.5374298453 rounds to 0.54"
    )


def test_carried_values_are_named(verdicts):
    net = _by_key(verdicts, "net x_1^3")
    assert net.carried_from == ["out[2,1]", "out[2,2]"]
    assert net.note == (
        "recomputed from your out x₁² = 0.53 and out x₂² = 0.52: 0.737 "
        "(the exact value rounds to 0.75)"
    )
    gradient = _by_key(verdicts, r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{11}^2}")
    assert gradient.carried_from == ["out[2,1]", "out[3,1]"]
    assert show(gradient.carried) == "0.07842304"  # 0.68 · 0.68 · 0.32 · 0.53, exactly


def test_the_tie_carried_for_net_x_2_3(verdicts):
    net = _by_key(verdicts, "net x_2^3")
    assert show(net.carried) == "-0.215"  # 0.53·(−0.7) + 0.52·0.3: −0.21 and −0.22 both round it


def test_wrong_target_in_the_bias_formula(verdicts):
    bias = _by_key(verdicts, r"\frac{\partial E(x_1^3,x_2^3)}{\partial b_2^3}")
    assert bias.formula.mismatch == "it uses d₂ = 0 where the target is 1"
    assert show(bias.formula.value) == "0.111375"
    assert bias.note == (
        "the formula does not match the network: it uses d₂ = 0 where the target is 1; "
        "as written it evaluates to 0.111375, not -0.13; the value alone would be a rounding "
        "slip (truncated instead of rounded)"
    )


def test_every_other_formula_matches_the_network(verdicts):
    with_formula = [v for v in verdicts if v.formula is not None]
    assert len(with_formula) == 15
    assert [v.claim.id for v in with_formula if not v.formula.matches_network] == ["dE/db[3,2]"]


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("markdown", "md"), ("json", "json")])
def test_report_is_golden(fmt, suffix):
    text, status = check_command.check_file(WORKSHEET, fmt)
    assert status == 1
    golden = GOLDEN / f"worked-example-001.{suffix}"
    if REGEN:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_command_exit_status_and_output(capsys):
    assert main(["check", str(WORKSHEET)]) == 1
    out = capsys.readouterr().out
    assert out == (GOLDEN / "worked-example-001.txt").read_text(encoding="utf-8")


def test_markdown_report_math_renders_with_katex():
    text, _ = check_command.check_file(WORKSHEET, "markdown")
    blocks = markdown_math_blocks(text)
    assert len(blocks) == 19 + 15  # a name per claim, and the formulas
    assert katex_errors(blocks) == [None] * len(blocks)


def test_demo_shows_the_report(tmp_path):
    stream = io.StringIO()
    check_command.demo(tmp_path, stream)
    shown = stream.getvalue()
    assert (GOLDEN / "worked-example-001.txt").read_text(encoding="utf-8") in shown
    assert "(symnn check exits with status 1: a claim is a slip or wrong)" in shown
    written = (tmp_path / "worked-example-001-check.md").read_text(encoding="utf-8")
    assert written == (GOLDEN / "worked-example-001.md").read_text(encoding="utf-8")
    copy = tmp_path / "worked-example-001-worksheet.toml"
    assert copy.read_text(encoding="utf-8") == WORKSHEET.read_text(encoding="utf-8")
    assert shown.endswith(f"Edit the worksheet and check it again: symnn check {copy}\n")
