"""``[names]``: a worksheet in a tutorial's own flat names (w1…w8, net_h1, out_o1, E_total).

The worksheet is tests/corpus/mazur-2015.toml: every number of Matt Mazur's "A Step by
Step Backpropagation Example" under the names the tutorial uses.
"""

import functools
import json
from pathlib import Path

import pytest

from symnn import notation, spec
from symnn.check.verdict import Checker
from symnn.check.worksheet import read_claims
from symnn.cli import main
from symnn.derive import derive
from symnn.errors import SpecError

MAZUR = Path(__file__).parent / "corpus" / "mazur-2015.toml"
NETWORK = MAZUR.read_text(encoding="utf-8").split("[names]")[0]
NAMES = "[names]" + MAZUR.read_text(encoding="utf-8").split("[names]")[1].split("[claims]")[0]


@functools.cache
def checker(names: str = NAMES) -> Checker:
    sheet = spec.loads(NETWORK + names)
    return Checker(derive(sheet), notation.from_spec(sheet))


@pytest.mark.parametrize(
    ("written", "quantity"),
    [
        ("w1", "w[2,1,1]"),
        ("w_1", "w[2,1,1]"),
        ("w_{8}", "w[3,2,2]"),
        ("net_h1", "net[2,1]"),
        ("net_{h1}", "net[2,1]"),
        ("out_{o2}", "out[3,2]"),
        ("E_total", "E"),
        ("E_{total}", "E"),
        ("b1", "b[2]"),
        ("target_o1", "d[1]"),
        ("w5'", "w[3,1,1]'"),
        ("w5^+", "w[3,1,1]'"),
        ("w_5^{+}", "w[3,1,1]'"),
        ("w_5^{new}", "w[3,1,1]'"),
        ("∂E_total/∂w5", "dE/dw[3,1,1]"),
        ("dE/dw5", "dE/dw[3,1,1]"),
        (r"\frac{\partial E_{total}}{\partial w_5}", "dE/dw[3,1,1]"),
        (r"\frac{\partial E_{total}}{\partial out_{o1}}", "dE/dout[3,1]"),
        (r"\frac{\partial E_{total}}{\partial net_{o1}}", "delta[3,1]"),
        ("∂E/∂i1", "dE/dx[1]"),
        ("∂E/∂b2", "dE/db[3]"),
        # the notation's own names still work next to the flat ones
        ("net x_1^2", "net[2,1]"),
        ("dE/dw[3,1,1]", "dE/dw[3,1,1]"),
    ],
)
def test_flat_names_are_read_as_the_table_says(written, quantity):
    assert checker().names.read(written).id == quantity


def test_a_flat_name_in_a_formula_stands_for_the_claimants_value():
    text = NETWORK + NAMES + "[claims]\nw5 = 0.4\n'w5^+' = { value = 0.35891648, " \
        "formula = 'w_5 - 0.5 * 0.082167041' }\n"
    sheet = spec.loads(text)
    check = Checker(derive(sheet), notation.from_spec(sheet))
    _, updated = check.check(read_claims(sheet, check.names))
    assert updated.verdict == "correct"
    assert updated.formula.matches_network


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ('[names]\nw1 = "w[4,1,1]"\n',
         'names.w1: expected a canonical id of this network such as "w[2,1,1]", got \'w[4,1,1]\''),
        ('[names]\nw1 = 3\n',
         'names.w1: expected a canonical id such as "w[2,1,1]", got 3'),
        ('[names]\n"net h1" = "net"\n',
         'names."net h1": expected a canonical id of this network such as "w[2,1,1]", '
         "got 'net'"),
    ],
)
def test_a_bad_names_table_is_one_line(names, message, tmp_path, capsys):
    with pytest.raises(SpecError) as error:
        checker(names)
    assert str(error.value) == message
    path = tmp_path / "bad.toml"
    path.write_text(NETWORK + names + "[claims]\nw1 = 0.15\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == f"symnn: error: {message}\n"


def test_the_tutorial_checks_line_by_line_under_its_own_names(capsys):
    assert main(["check", str(MAZUR), "--format", "json"]) == 0
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert len(claims) == 19
    assert {c["verdict"] for c in claims} == {"correct"}
    assert [c["id"] for c in claims][:3] == ["net[2,1]", "out[2,1]", "out[2,2]"]
    read = {c["key"]: c["id"] for c in claims}
    assert read["w_7^{+}"] == "w[3,2,1]'"
    assert read["dE_total/dw1"] == "dE/dw[2,1,1]"
