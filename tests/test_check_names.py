"""Names in worksheets: canonical ids, or names of the active notation, and which id each
was read as."""

import json

import pytest

from symnn import notation, spec
from symnn.check.model import build_model
from symnn.check.names import Names, plain
from symnn.check.verdict import Checker
from symnn.check.worksheet import read_claims
from symnn.cli import main
from symnn.derive import derive
from symnn.errors import SpecError
from tests.specs import WORKED_EXAMPLE_NET

NET = WORKED_EXAMPLE_NET
DERIVATION = derive(spec.loads(NET))
IDS = build_model(DERIVATION).ids()


def names_in(preset: str) -> Names:
    return Names(IDS, notation.from_spec(spec.loads(NET), preset))


# Hand-written names in seed 001's notation, as people type them, and the id each means.
NET_OUT = [
    ("net x_1^2", "net[2,1]"),
    (r"net \ x_1^2", "net[2,1]"),
    (r"\mathrm{net}\,x_{1}^{2}", "net[2,1]"),
    ("out x^2_1", "out[2,1]"),
    (r"\text{out}\, x_2^3", "out[3,2]"),
    ("x_1^3", "out[3,1]"),  # seed 001: "x_i^l instead of out x_i^l"
    ("x_2^1", "out[1,2]"),
    ("w_{11}^2", "w[3,1,1]"),
    ("w_{12}^2", "w[3,2,1]"),  # from neuron 1 of layer 2 to neuron 2 of layer 3
    ("w^1_{2,1}", "w[2,1,2]"),
    ("b_2^3", "b[3,2]"),
    ("d_2", "d[2]"),
    (r"\delta_1^3", "delta[3,1]"),
    ("δ_1^2", "delta[2,1]"),
    ("E", "E"),
    ("E(x_1^3,x_2^3)", "E"),  # the arguments of E are ignored
    ("E(\\vec{x})", "E"),
    ("E'", "E'"),
    ("{w_{11}^2}'", "w[3,1,1]'"),  # the prime after the name (symnn wrote it so before)
    ("w_{11}^2'", "w[3,1,1]'"),
    ("w'^2_{11}", "w[3,1,1]'"),  # the prime on the symbol (symnn writes it so now)
    ("w'^{2}_{11}", "w[3,1,1]'"),
    ("w′_{11}^2", "w[3,1,1]'"),
    (r"w^{\prime 2}_{11}", "w[3,1,1]'"),
    ("b'^{3}_{2}", "b[3,2]'"),
    (r"\mathrm{out}\,x'^{3}_{1}", "out[3,1]'"),
    (r"{\mathrm{out}\,x_{1}^{3}}'", "out[3,1]'"),
    (r"\frac{\partial E}{\partial w_{11}^2}", "dE/dw[3,1,1]"),
    (r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{21}^2}", "dE/dw[3,1,2]"),
    (r"\frac{\partial E(\vec{x})}{\partial w^2_{12}}", "dE/dw[3,2,1]"),
    (r"\frac{\partial E}{\partial b_2^3}", "dE/db[3,2]"),
    (r"\frac{\partial E}{\partial out \ x_1^3}", "dE/dout[3,1]"),
    (r"\frac{\partial E}{\partial x_1^1}", "dE/dx[1]"),
    (r"\partial E / \partial w_{11}^1", "dE/dw[2,1,1]"),
    ("dE/dw[3,1,1]", "dE/dw[3,1,1]"),
    ("w[2,1,1]'", "w[2,1,1]'"),
]

NIELSEN = [
    ("a_1^1", "out[2,1]"),
    ("z_2^2", "net[3,2]"),
    ("a_2^0", "out[1,2]"),
    ("w^2_{21}", "w[3,2,1]"),  # into neuron 2 of layer 2 from neuron 1 of layer 1
    ("y_1", "d[1]"),
    ("C", "E"),
    (r"\frac{\partial C}{\partial w^2_{12}}", "dE/dw[3,1,2]"),
    (r"\delta^1_2", "delta[2,2]"),
]

LAYER_SUPERSCRIPT = [
    ("a^{(1)}_1", "out[2,1]"),
    ("z^{(2)}_2", "net[3,2]"),
    ("x_2", "out[1,2]"),
    (r"\hat{y}_1", "out[3,1]"),
    ("w^{(2)}_{21}", "w[3,2,1]"),
    ("y_2", "d[2]"),
    (r"\frac{\partial \mathcal{L}}{\partial w_{12}^{(2)}}", "dE/dw[3,1,2]"),
]


@pytest.mark.parametrize(("written", "expected"), NET_OUT)
def test_seed_001_names(written, expected):
    reading = names_in("net-out").read(written)
    assert reading is not None and reading.id == expected
    assert reading.by_notation == (written != expected)


@pytest.mark.parametrize(("written", "expected"), NIELSEN)
def test_nielsen_names(written, expected):
    assert names_in("nielsen").read(written).id == expected


@pytest.mark.parametrize(("written", "expected"), LAYER_SUPERSCRIPT)
def test_layer_superscript_names(written, expected):
    assert names_in("layer-superscript").read(written).id == expected


def test_every_generated_name_reads_back_as_its_id():
    for preset in notation.PRESETS:
        names = names_in(preset)
        for quantity_id in IDS:
            assert names.read(names.latex(quantity_id)).id == quantity_id, (preset, quantity_id)


def test_names_of_another_notation_are_not_read():
    assert names_in("net-out").read("a_1^1") is None
    assert names_in("nielsen").read("net x_1^2") is None


def test_unknown_name_lists_the_closest():
    with pytest.raises(SpecError) as info:
        names_in("net-out").require("net x_3^2", "claims.\"net x_3^2\"")
    assert str(info.value) == (
        "claims.\"net x_3^2\": unknown quantity 'net x_3^2'; closest: net[3,2] (net x₂³), "
        "net[2,1] (net x₁²), net[2,2] (net x₂²), net[3,1] (net x₁³), delta[2,1] (δ₁²)"
    )


def test_plain_names():
    assert plain(r"\mathrm{net}\,x_{1}^{2}") == "net x₁²"
    assert plain(r"\frac{\partial E}{\partial w_{11}^{2}}") == "∂E/∂w₁₁²"
    assert plain("{w_{10,3}^{2}}'") == "w₁₀,₃²'"
    assert plain("w'^{2}_{10,3}") == "w'²₁₀,₃"
    assert plain(r"a_{1}^{(1)}") == "a₁⁽¹⁾"
    assert plain(r"\hat{y}_{2}") == "ŷ₂"
    assert plain(r"\mathbf{W}^{2}") == r"\mathbf{W}^{2}"  # not simple: left as LaTeX


def test_claims_say_which_id_each_name_was_read_as(tmp_path, capsys):
    sheet = tmp_path / "sheet.toml"
    sheet.write_text(
        NET + "[notation]\npreset = \"nielsen\"\n[claims]\n"
        "'a_1^1' = 0.54\n'\\frac{\\partial C}{\\partial w^2_{12}}' = 0.0777\n'E' = 0.384\n",
        encoding="utf-8",
    )
    assert main(["check", str(sheet), "--format", "json"]) == 0
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert [(c["key"], c["id"], c["read_as"], c["name"]) for c in claims] == [
        ("a_1^1", "out[2,1]", "notation", "a₁¹"),
        (r"\frac{\partial C}{\partial w^2_{12}}", "dE/dw[3,1,2]", "notation", "∂C/∂w₁₂²"),
        ("E", "E", "id", "C"),
    ]


def test_notation_option_overrides_the_worksheet(tmp_path, capsys):
    sheet = tmp_path / "sheet.toml"
    sheet.write_text(NET + "[claims]\n'a_1^1' = 0.54\n", encoding="utf-8")
    assert main(["check", str(sheet), "--notation", "nielsen", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["claims"][0]["id"] == "out[2,1]"
    assert main(["check", str(sheet)]) == 1
    assert "unknown quantity 'a_1^1'" in capsys.readouterr().out


def test_formula_names_in_the_worksheet_notation():
    sheet = spec.loads(
        NET + "[notation]\npreset = \"nielsen\"\n[claims]\n"
        "'dE/dw[3,1,1]' = { value = 0.0795, formula = '\\delta^2_1 a^1_1' }\n"
    )
    checker = Checker(derive(sheet), notation.from_spec(sheet))
    (verdict,) = checker.check(read_claims(sheet, checker.names))
    assert verdict.formula.matches_network and verdict.verdict == "correct"
