"""Rows printed from a family's template are the rows printed one by one.

``symnn derive`` prints each family of rows (``dE/dw[3,j,k]`` for every j, k) once with
marks and fills in each member's names (``symnn.render.templates``). These tests print
every row both ways, on nets whose indices reach two digits (``w_{19}`` but
``w_{1,10}``), with activations whose derivative has a power (tanh: braces around a
base with a superscript), softmax (its neurons are coupled: printed one by one), a
shared bias, values and the update step, a batch trained by Adam (ids with ``#s`` and
``@t``), another notation (ŷ_{10}, w^{(1)}_{10,12}).
"""

from __future__ import annotations

import io
from fractions import Fraction

import pytest

from symnn import notation, spec
from symnn.derive import derive
from symnn.document import Member, quantities
from symnn.evaluate import evaluate
from symnn.naming import index_pattern
from symnn.render.listing import JsonPrinter, TablePrinter, write_table


def values(layers: list[int], targets: list) -> dict:
    """Small exact values for a net of these sizes."""
    def number(*i):
        return Fraction((sum(i) * 7) % 11 - 5, 20)
    return {
        "inputs": [number(k) for k in range(layers[0])],
        "targets": targets,
        "weights": [[[number(m, j, k) for k in range(layers[m])]
                     for j in range(layers[m + 1])] for m in range(len(layers) - 1)],
        "biases": [[number(m, j) for j in range(layers[m + 1])] for m in range(len(layers) - 1)],
        "learning_rate": Fraction(1, 2),
    }


NETS = {
    "sigmoid-mse-values": {"network": {"layers": [11, 10, 3], "activation": "sigmoid",
                                       "loss": "mse"},
                           "values": values([11, 10, 3], [0, 1, 0])},
    "tanh-shared-bias": {"network": {"layers": [3, 12, 2], "activation": "tanh",
                                     "loss": "half-sse", "bias": "per-layer"}},
    "adam-batch": {"network": {"layers": [3, 4, 2], "activation": "sigmoid", "loss": "mse"},
                   "values": {**values([3, 4, 2], [0, 1]), "inputs": [[1, 0, -1], [0, 1, 2]],
                              "targets": [[0, 1], [1, 0]], "optimizer": "adam", "steps": 2,
                              "learning_rate": Fraction(1, 10)}},
    "layer-superscript": {"network": {"layers": [12, 3, 10], "activation": "relu",
                                      "loss": "mse"},
                          "notation": {"preset": "layer-superscript"}},
    "relu-softmax": {"network": {"layers": [10, 4, 3], "activation": ["relu", "softmax"],
                                 "loss": "cross-entropy"}},
}


def printed_both_ways(data: dict):
    derivation = derive(spec.from_dict(data))
    numbers = evaluate(derivation) if derivation.spec.values else None
    chosen = notation.from_spec(derivation.spec)
    json_printer, table_printer = JsonPrinter(chosen), TablePrinter()
    rows = list(quantities(derivation, numbers))
    for row in rows:
        if isinstance(row, Member):
            whole = row.quantity
            assert json_printer.doprint(row) == JsonPrinter(chosen).doprint(whole), row.id
            assert table_printer.doprint(row) == TablePrinter().doprint(whole), row.id
    return rows, json_printer.templates._templates, json_printer.templates._forms


@pytest.mark.parametrize("name", list(NETS))
def test_every_member_prints_as_its_whole_row(name):
    rows, templates, forms = printed_both_ways(NETS[name])
    members = [row for row in rows if isinstance(row, Member)]
    assert len(members) > 0.9 * len(rows)
    used = {key[0] for key, template in templates.items() if template is not None}
    assert {"w", "dE/dw", "dE/dx", "net", "delta"} <= used
    assert forms and all(form is not None for (pattern, _), form in forms.items()
                         if not set("#@'") & set(pattern))  # names filled in too


def test_softmax_neurons_are_printed_one_by_one():
    _, templates, _ = printed_both_ways(NETS["relu-softmax"])
    assert templates[("delta", (3, None), "")] is None  # δ_j mentions every out[3,i]
    assert templates[("delta", (2, None), "")] is not None


def test_the_table_has_every_row():
    derivation = derive(spec.from_dict(NETS["sigmoid-mse-values"]))
    out = io.StringIO()
    write_table(quantities(derivation, evaluate(derivation)), out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + len(list(quantities(derivation, evaluate(derivation))))
    assert lines[-1].split()[0] == "E'"
    assert next(x for x in lines if x.startswith("dE/dw[2,10,11]")).split()[1] == (
        "delta[2,10]*out[1,11]")


def test_index_patterns():
    positions = {3: (0, 2), 2: (1, 1)}
    assert index_pattern("w[3,2,1]", positions, 3) == "w[3,{0},{1}]"
    assert index_pattern("w[3,2,2]", positions, 3) is None  # another neuron of layer 2
    assert index_pattern("d[2]", positions, 3) == "d[{0}]"
    assert index_pattern("b[3]'", positions, 3) == "b[3]'"
    assert index_pattern("dout[3,2]/dnet[3,2]", positions, 3) == "dout[3,{0}]/dnet[3,{0}]"
