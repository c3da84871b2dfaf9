"""The document model: one set of rows, printed alike by JSON and the documents.

``derive --json`` gives each quantity the LaTeX the documents write for it (same names,
same term order, δ as the products of its factor values); JSON Lines has the same rows;
a Leibniz factor that is a quantity is referred to by id, not printed again.
"""

from __future__ import annotations

import io
import json
import re

import pytest
import sympy

from symnn import notation, spec
from symnn.derive import derive
from symnn.document import Definition, Member, Products, Quantity, RowPrinter, quantities, statement
from symnn.evaluate import evaluate
from symnn.render.latex import render
from symnn.render.listing import write_json, write_jsonl, write_table
from symnn.render.printer import NotationPrinter
from tests.specs import WORKED_EXAMPLE_NET

SOFTMAX_NET = """
[network]
layers = [2, 3, 3]
activation = ["relu", "softmax"]
loss = "cross-entropy"

[values]
inputs = [0.5, -1]
targets = [0, 1, 0]
weights = [[[0.1, 0.2], [-0.3, 0.4], [0.5, 0.6]], [[0.7, -0.8, 0.9], [0.1, 0.2, 0.3], [1, -1, 0.5]]]
biases = [[0.1, 0, -0.1], [0, 0.2, 0]]
learning_rate = 0.1
"""


def json_rows(derivation, numbers) -> dict:
    out = io.StringIO()
    write_json(quantities(derivation, numbers), notation.from_spec(derivation.spec), out)
    return json.loads(out.getvalue())["quantities"]


def joined_rows(tex: str) -> str:
    """The document with aligned continuation rows joined and alignment marks dropped."""
    text = re.sub(r" \\\\(\[1\.6ex\])?\n\s*&\\quad ", " ", tex)
    return text.replace(" &= ", " = ").replace("\n  &", "\n  ")


@pytest.mark.parametrize("text", [WORKED_EXAMPLE_NET, SOFTMAX_NET], ids=["sigmoid", "softmax"])
def test_json_latex_is_what_the_document_writes_for_every_quantity(text):
    derivation = derive(spec.loads(text))
    rows = json_rows(derivation, evaluate(derivation))
    document = joined_rows(render(derivation, "tex"))
    full = {f"w[{layer},1,1]" for layer in range(2, derivation.network.depth + 1)}
    checked = 0
    for quantity_id, row in rows.items():
        if quantity_id == "E'" or (quantity_id.endswith("'") and quantity_id[:-1] not in full):
            continue  # updates are written in symbols for the first weight of each layer
        name, _, rhs = row["latex"].partition(" = ")
        assert name in document, quantity_id
        if not rhs:
            continue
        written = (f"= {rhs} ", f"= {rhs}\n", rf"\left({rhs}\right)")
        assert any(w in document for w in written), (quantity_id, rhs)
        checked += 1
    assert checked == len([i for i, r in rows.items() if " = " in r["latex"]
                           and (not i.endswith("'") or i[:-1] in full)])


def test_sums_read_as_the_documents_write_them():
    derivation = derive(spec.loads(WORKED_EXAMPLE_NET))
    rows = json_rows(derivation, None)
    assert rows["net[2,1]"]["expression"] == "out[1,1]*w[2,1,1] + out[1,2]*w[2,1,2] + b[2,1]"
    assert rows["net[2,1]"]["latex"] == (
        r"\mathrm{net}\,x_{1}^{2} = x_{1}^{1} \, w_{11}^{1} + x_{2}^{1} \, w_{21}^{1} + b_{1}^{2}")
    assert rows["dE/dout[3,2]"]["expression"] == "out[3,2] - d[2]"
    assert rows["delta[3,2]"]["latex"] == (
        r"\delta_{2}^{3} = \left(\mathrm{out}\,x_{2}^{3} - d_{2}\right) \cdot "
        r"\mathrm{out}\,x_{2}^{3} \, \left(1 - \mathrm{out}\,x_{2}^{3}\right)")


def test_indices_in_numeric_order_and_a_long_error_signal_by_its_symbol():
    derivation = derive(spec.from_dict({"network": {"layers": [12, 6, 1],
                                                    "activation": "sigmoid", "loss": "mse"}}))
    rows = json_rows(derivation, None)
    terms = rows["net[2,1]"]["expression"].split(" + ")
    assert terms[:3] == ["out[1,1]*w[2,1,1]", "out[1,2]*w[2,1,2]", "out[1,3]*w[2,1,3]"]
    assert terms[-2:] == ["out[1,12]*w[2,1,12]", "b[2,1]"]
    assert statement(derivation, "delta[2,1]") == Products(
        "delta[2,1]", ((derivation.definitions["dE/dout[2,1]"],
                        derivation.dout_dnet["out[2,1]"].value),))
    wide = derive(spec.from_dict({"network": {"layers": [2, 2, 5], "activation": "sigmoid",
                                              "loss": "mse"}}))
    pairs = statement(wide, "delta[2,1]").pairs
    assert pairs[0][0].name == "dE/dout[2,1]"  # 5 terms > LONG_SUM: written by its name


def test_factors_that_are_quantities_are_referred_to_by_id():
    derivation = derive(spec.loads(WORKED_EXAMPLE_NET))
    rows = json_rows(derivation, None)
    assert rows["dE/dw[2,1,1]"]["chain"] == [[
        {"of": "E", "wrt": "out[2,1]", "id": "dE/dout[2,1]"},
        {"of": "out[2,1]", "wrt": "net[2,1]", "expression": "out[2,1]*(1 - out[2,1])"},
        {"of": "net[2,1]", "wrt": "w[2,1,1]", "id": "out[1,1]"},
    ]]
    softmax = derive(spec.loads(SOFTMAX_NET))
    chain = json_rows(softmax, None)["dE/dw[3,1,1]"]["chain"]
    assert chain == [[{"of": "E", "wrt": "net[3,1]", "id": "delta[3,1]"},
                      {"of": "net[3,1]", "wrt": "w[3,1,1]", "id": "out[2,1]"}]]


def test_json_lines_have_the_same_rows_with_their_ids():
    derivation = derive(spec.loads(WORKED_EXAMPLE_NET))
    numbers = evaluate(derivation)
    out = io.StringIO()
    write_jsonl(quantities(derivation, numbers), notation.from_spec(derivation.spec), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {line.pop("id"): line for line in lines} == json_rows(derivation, numbers)


def test_each_distinct_expression_is_printed_once():
    derivation = derive(spec.from_dict({"network": {"layers": [6, 4, 3],
                                                    "activation": "sigmoid", "loss": "mse"}}))
    printed = []

    class Counting(NotationPrinter):
        def _print_Add(self, expr, order=None):
            printed.append(expr)
            return super()._print_Add(expr, order)

    printer = Counting({"symbol_names": {}})
    for row in quantities(derivation):
        row = row.quantity if isinstance(row, Member) else row
        for chain in row.chains or ():
            for factor in chain:
                printer.doprint(factor.value)
    assert len(printed) == len(set(printed)) > 3


def test_a_row_printer_dispatches_on_the_row_class():
    class Names(RowPrinter):
        def _print_Definition(self, row):
            return f"def {row.id}"

    assert Names().doprint(Definition("E", sympy.S.One)) == "def E"
    with pytest.raises(TypeError, match="Names cannot print a Quantity"):
        Names().doprint(Quantity("E"))


def test_table_and_empty_json():
    derivation = derive(spec.loads(WORKED_EXAMPLE_NET))
    out = io.StringIO()
    write_table(quantities(derivation, evaluate(derivation)), out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["quantity", "formula", "value"]
    assert next(x for x in lines if x.startswith("delta[3,1]")).split() == [
        "delta[3,1]", "dE/dout[3,1]*out[3,1]*(1", "-", "out[3,1])", "0.148010172"]
    assert next(x for x in lines if x.startswith("b[3,1]'")).split() == [
        "b[3,1]'", "b[3,1]", "-", "eta*dE/db[3,1]", "-0.074005086"]
    empty = io.StringIO()
    write_json([], notation.get("net-out"), empty)
    assert json.loads(empty.getvalue()) == {"quantities": {}}
