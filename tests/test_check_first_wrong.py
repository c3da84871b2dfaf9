"""Where a sheet first goes wrong, said once, and one verdict with one story per line.

Values are the seed's worked example (tests/specs.py): out x₁³ = 0.678345, ∂E/∂out x₁³ =
0.678345 (mse with n = 2: 2(y − d)/2), δ₁³ = 0.148010; with φ′ of tanh the student's δ₁³
is 0.678345·(1 − 0.678345²) = 0.366203, and the lines after it are computed here from that
rounded number by hand.
"""

import json

from symnn.cli import main
from tests.specs import WORKED_EXAMPLE_NET

SLIPPED = {
    "delta[3,1]": "0.3662",  # φ′ of tanh for a sigmoid output: 0.36620…
    "dE/dw[3,1,1]": "0.1968",  # 0.3662 · out x₁² (0.537430) = 0.196807
    "dE/dw[3,1,2]": "0.1922",  # 0.3662 · out x₂² (0.524979) = 0.192247
    "dE/db[3,1]": "0.3662",
    "w[3,1,1]'": "0.8016",  # 0.9 − 0.5 · 0.1968
}


def report(tmp_path, capsys, claims: dict[str, str], extra: str = "") -> tuple[int, dict, str]:
    lines = "\n".join(f'"{key}" = "{value}"' for key, value in claims.items())
    path = tmp_path / "sheet.toml"
    path.write_text(WORKED_EXAMPLE_NET + "[claims]\n" + lines + "\n" + extra, encoding="utf-8")
    status = main(["check", str(path), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert main(["check", str(path)]) == status
    return status, document, capsys.readouterr().out


def test_the_first_wrong_line_and_the_lines_right_given_it(tmp_path, capsys):
    status, document, text = report(tmp_path, capsys, SLIPPED)
    assert status == 1
    verdicts = [c["verdict"] for c in document["claims"]]
    assert verdicts == ["wrong"] + ["correct-with-carried"] * 4
    assert document["first_wrong"] == {
        "id": "delta[3,1]",
        "key": "delta[3,1]",
        "name": "δ₁³",
        "cause": "activation-derivative",
        "causes": ["activation-derivative"],
        "later_right": ["dE/dw[3,1,1]", "dE/dw[3,1,2]", "dE/db[3,1]", "w[3,1,1]'"],
        "later_wrong": [],
        "consistent": True,
        "text": "first wrong: δ₁³ (activation-derivative); 4 later lines are right given it",
    }
    # said once, at the top of the report
    assert text.splitlines()[1] == document["first_wrong"]["text"]
    assert text.count("first wrong") == 1


def test_a_later_line_is_credited_only_when_it_is_the_networks_formula_at_the_carried_numbers(
    tmp_path, capsys
):
    # 0.2000 is neither the exact ∂E/∂w₁₁² nor δ·out from the carried 0.3662: not credited,
    # and the summary says the sheet is not consistent after its first mistake.
    claims = {**SLIPPED, "dE/dw[3,1,1]": "0.2000"}
    del claims["w[3,1,1]'"]
    _, document, _ = report(tmp_path, capsys, claims)
    first = document["first_wrong"]
    assert first["later_wrong"] == ["dE/dw[3,1,1]"]
    assert not first["consistent"]
    assert first["text"] == (
        "first wrong: δ₁³ (activation-derivative); 2 later lines are right given it, "
        "1 later line is not (∂E/∂w₁₁²)"
    )


def test_a_formula_with_made_up_numbers_earns_no_carried_credit(tmp_path, capsys):
    # The formula writes 0.3 for δ₁³ and 0.6 for out x₁²: neither rounds to a value of
    # those quantities (exact or carried), so the line is not "right given" anything.
    extra = "'dE/dw[3,1,1]' = { value = 0.18, formula = '0.3 \\cdot 0.6' }\n"
    claims = {"delta[3,1]": SLIPPED["delta[3,1]"]}
    _, document, _ = report(tmp_path, capsys, claims, extra)
    gradient = document["claims"][1]
    assert gradient["verdict"] == "wrong"
    assert gradient["formula"]["matches_network"] is False
    assert document["first_wrong"]["later_wrong"] == ["dE/dw[3,1,1]"]


def test_no_wrong_line_no_first_wrong(tmp_path, capsys):
    status, document, text = report(tmp_path, capsys, {"delta[3,1]": "0.1480"})
    assert (status, document["first_wrong"]) == (0, None)
    assert "first wrong" not in text


def test_a_correct_line_has_no_note_that_contradicts_it(tmp_path, capsys):
    # net x₁³ = 0.74618; the formula with the rounded 0.54 and 0.52 gives 0.746: the
    # number is right, the formula is the network's, and the note says so without "but".
    extra = "'net[3,1]' = { value = \"0.7462\", formula = '0.54 \\cdot 0.9 + 0.52 \\cdot 0.5' }\n"
    _, document, _ = report(tmp_path, capsys, {}, extra)
    (claim,) = document["claims"]
    assert claim["verdict"] == "correct"
    assert claim["note"] == (
        "the formula matches the network; with the rounded numbers it writes it gives 0.746"
    )
