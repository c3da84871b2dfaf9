"""Notation presets, ``[notation]`` overrides and the safety of notation symbols."""

import pytest

from symnn import notation, spec
from symnn.errors import SpecError
from symnn.notation import Layer, from_spec, latex_name, name_at

SPEC = """
[network]
layers = [2, 2, 2]
activation = "sigmoid"
loss = "mse"
"""

# (id, net-out, nielsen, layer-superscript) for the 2-2-2 net.
NAMES = [
    ("w[3,2,1]", "w_{12}^{2}", "w_{21}^{2}", "w_{21}^{(2)}"),
    ("w[2,1,2]", "w_{21}^{1}", "w_{12}^{1}", "w_{12}^{(1)}"),
    ("out[1,2]", "x_{2}^{1}", "a_{2}^{0}", "x_{2}"),
    ("out[2,1]", r"\mathrm{out}\,x_{1}^{2}", "a_{1}^{1}", "a_{1}^{(1)}"),
    ("net[3,1]", r"\mathrm{net}\,x_{1}^{3}", "z_{1}^{2}", "z_{1}^{(2)}"),
    ("out[3,2]", r"\mathrm{out}\,x_{2}^{3}", "a_{2}^{2}", r"\hat{y}_{2}"),
    ("b[3,2]", "b_{2}^{3}", "b_{2}^{2}", "b_{2}^{(2)}"),
    ("b[2]", "b^{2}", "b^{1}", "b^{(1)}"),
    ("d[1]", "d_{1}", "y_{1}", "y_{1}"),
    ("delta[2,1]", r"\delta_{1}^{2}", r"\delta_{1}^{1}", r"\delta_{1}^{(1)}"),
    ("E", "E", "C", r"\mathcal{L}"),
    ("E'", "E'", "C'", r"\mathcal{L}'"),
    ("w[2,1,1]'", "w'^{1}_{11}", "w'^{1}_{11}", "w'^{(1)}_{11}"),  # the prime on the symbol
    ("b[3,2]'", "b'^{3}_{2}", "b'^{2}_{2}", "b'^{(2)}_{2}"),
    ("out[3,2]'", r"\mathrm{out}\,x'^{3}_{2}", "a'^{2}_{2}", r"\hat{y}'_{2}"),
    ("dE/dw[3,1,2]", r"\frac{\partial E}{\partial w_{21}^{2}}",
     r"\frac{\partial C}{\partial w_{12}^{2}}",
     r"\frac{\partial \mathcal{L}}{\partial w_{12}^{(2)}}"),
    ("dE/dx[2]", r"\frac{\partial E}{\partial x_{2}^{1}}",
     r"\frac{\partial C}{\partial a_{2}^{0}}", r"\frac{\partial \mathcal{L}}{\partial x_{2}}"),
    ("dE/dout[3,1]", r"\frac{\partial E}{\partial \mathrm{out}\,x_{1}^{3}}",
     r"\frac{\partial C}{\partial a_{1}^{2}}",
     r"\frac{\partial \mathcal{L}}{\partial \hat{y}_{1}}"),
]


@pytest.mark.parametrize("column, preset", [(1, "net-out"), (2, "nielsen"),
                                            (3, "layer-superscript")])
def test_every_preset_names_the_seed_quantities_as_its_seed_does(column, preset):
    chosen = from_spec(spec.loads(SPEC), preset=preset)
    assert [latex_name(row[0], chosen) for row in NAMES] == [row[column] for row in NAMES]


def test_index_form_names():
    net_out, nielsen = notation.get("net-out"), notation.get("nielsen")
    assert name_at("w", (Layer("l"), "j", "k"), net_out) == "w_{kj}^{l-1}"
    assert name_at("w", (Layer("l"), "j", "k"), nielsen) == "w_{jk}^{l}"
    assert name_at("out", (Layer("l") - 1, "k"), nielsen) == "a_{k}^{l-1}"
    assert name_at("delta", (Layer("l") + 1, "i"), notation.get("layer-superscript")) == (
        r"\delta_{i}^{(l+1)}"
    )


def test_weights_with_two_digit_indices_get_a_comma():
    assert latex_name("w[2,10,3]", notation.get("net-out")) == "w_{3,10}^{1}"
    assert latex_name("w[2,3,4]", notation.get("net-out")) == "w_{43}^{1}"


def test_spec_without_notation_table_is_net_out_with_its_depth():
    chosen = from_spec(spec.loads(SPEC))
    assert chosen.name == "net-out"
    assert chosen.depth == 3


def test_preset_from_the_table_and_fields_overridden_one_by_one():
    text = SPEC + """
[notation]
preset = "nielsen"
activation = "φ"
loss = "\\\\mathcal{J}"
out = "h"
weight_index = "from-to"
layer_parens = true
first_layer = 1
"""
    chosen = from_spec(spec.loads(text))
    assert chosen.activation == r"\phi"
    assert latex_name("E", chosen) == r"\mathcal{J}"
    assert latex_name("out[2,1]", chosen) == "h_{1}^{(2)}"
    assert latex_name("w[3,2,1]", chosen) == "w_{12}^{(3)}"
    assert latex_name("net[2,1]", chosen) == "z_{1}^{(2)}"  # not overridden: nielsen's z


def test_the_command_line_preset_replaces_the_tables_but_keeps_its_fields():
    text = SPEC + '[notation]\npreset = "nielsen"\nloss = "J"\n'
    chosen = from_spec(spec.loads(text), preset="layer-superscript")
    assert chosen.name == "layer-superscript"
    assert latex_name("E", chosen) == "J"
    assert latex_name("out[3,1]", chosen) == r"\hat{y}_{1}"


@pytest.mark.parametrize(
    "table, message",
    [
        ({"preset": "nelson"}, "notation.preset: expected one of net-out, nielsen, "
         "layer-superscript, got 'nelson'"),
        ({"los": "L"}, "notation.los: unknown key (did you mean 'loss'?)"),
        ({"loss": "E_1"}, "notation.loss: '_' is not allowed in a symbol (a subscript"),
        ({"loss": "E^2"}, "notation.loss: '^' is not allowed"),
        ({"weight": "w#"}, "notation.weight: '#' is not allowed in a symbol (a macro parameter"),
        ({"weight": "w&"}, "notation.weight: '&' is not allowed in a symbol (an alignment tab)"),
        ({"weight": "w%"}, "notation.weight: '%' is not allowed in a symbol (a comment"),
        ({"weight": "$w$"}, "notation.weight: '$' is not allowed"),
        ({"out": r"\input{/etc/passwd}"}, r"notation.out: \input is not an allowed command"),
        ({"out": r"\mathrm{out"}, "notation.out: unbalanced braces, got '\\\\mathrm{out'"),
        ({"out": "a}{"}, "notation.out: unbalanced braces"),
        ({"out": "ŷ"}, "notation.out: character 'ŷ' is not ASCII; write it as a LaTeX command"),
        ({"out": ""}, "notation.out: expected a LaTeX symbol such as \\sigma or C, got ''"),
        ({"out": 3}, "notation.out: expected a LaTeX symbol such as \\sigma or C, got 3"),
        ({"out": "a\\\\b"}, "notation.out: a backslash followed by '\\\\' is not allowed"),
        ({"weight_index": "to_from"}, "notation.weight_index: expected one of from-to, "
         "to-from, got 'to_from'"),
        ({"weight_layer": 2}, "notation.weight_layer: expected one of source, target, got 2"),
        ({"layer_parens": "yes"}, "notation.layer_parens: expected true or false, got 'yes'"),
        ({"first_layer": 2}, "notation.first_layer: expected 0 or 1, got 2"),
        ({"first_layer": True}, "notation.first_layer: expected 0 or 1, got True"),
    ],
)
def test_bad_notation_fields_are_rejected_with_the_field_named(table, message):
    with pytest.raises(SpecError) as info:
        from_spec(table)
    assert str(info.value).startswith(message)


def test_bad_command_line_preset_names_the_flag():
    with pytest.raises(SpecError, match=r"^--notation: expected one of net-out"):
        from_spec({}, preset="bogus")


@pytest.mark.parametrize(
    "given, latex",
    [
        ("σ", r"\sigma"),
        ("Σ", r"\Sigma"),
        ("ς", r"\varsigma"),
        ("σx", r"\sigma x"),
        ("Α", "A"),
        (r"\hat{y}", r"\hat{y}"),
        (r"\mathrm{net}\,x", r"\mathrm{net}\,x"),
        (r"\operatorname{out}\;x", r"\operatorname{out}\;x"),
    ],
)
def test_symbols_are_escaped_to_safe_latex(given, latex):
    assert notation.check_symbol(given, "notation.out") == latex


def test_the_notation_printer_names_every_symbol():
    import sympy

    from symnn.naming import symbol
    from symnn.render.printer import NotationPrinter, SymbolNames

    nielsen = notation.get("nielsen")
    names = SymbolNames(lambda name: notation.latex_name(name, nielsen))
    printer = NotationPrinter({"symbol_names": names})
    expr = symbol("delta[3,1]") * symbol("out[2,1]")
    assert printer.doprint(expr) == r"\delta_{1}^{2} a_{1}^{1}"
    assert sympy.latex(expr) != printer.doprint(expr)
    assert printer.doprint(sympy.Symbol("k")) == "k"  # not an id: SymPy's own name
