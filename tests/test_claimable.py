"""Every number a worked example writes: the claimable ids, their values, and their checks.

Values of dA/dB are compared with sympy.diff of the expanded network and with central
differences of the model (a quantity pinned to its value ± h); per-output errors, changes
and the pass after the step with their definitions; claims of them with the checker.
"""

import json
import re
from itertools import pairwise

import pytest
import sympy

from symnn import claimable, spec
from symnn.check.model import build_model, run
from symnn.cli import main
from symnn.derive import derive
from symnn.evaluate import evaluate
from symnn.naming import canonical, parse_id, qid, symbol
from tests.specs import MAZUR_NET, WORKED_EXAMPLE_NET


def network(layers, activation, loss, bias="per-neuron", targets=None) -> str:
    """A spec as TOML text with small deterministic values and a learning rate of 0.5."""
    weights = [
        [[round(0.1 * ((i + 2 * j + 3 * m) % 7) - 0.3, 2) for j in range(a)] for i in range(b)]
        for m, (a, b) in enumerate(pairwise(layers))
    ]
    if bias == "per-neuron":
        biases = [[round(0.1 * (j + 1), 1) for j in range(b)] for b in layers[1:]]
    else:
        biases = [0.2 for _ in layers[1:]]
    return (
        f"[network]\nlayers = {list(layers)}\nactivation = {json.dumps(activation)}\n"
        f'loss = "{loss}"\nbias = "{bias}"\n[values]\n'
        f"inputs = {[0.5, -0.25, 0.75][: layers[0]]}\ntargets = {targets}\n"
        f"weights = {weights}\nbiases = {biases}\nlearning_rate = 0.5\n"
    )


TEXTS = {
    "2-2-2": network([2, 2, 2], "sigmoid", "half-sse", "per-layer", targets=[0.01, 0.99]),
    "3-2-2": network([3, 2, 2], "tanh", "mse", targets=[1, 0]),
    "2-3-1": network([2, 3, 1], ["relu", "sigmoid"], "sse", "per-layer", targets=[1]),
    "softmax": network([2, 2, 3], ["sigmoid", "softmax"], "cross-entropy", targets=[0, 1, 0]),
}
NETS = {name: spec.loads(text) for name, text in TEXTS.items()}


def pairs(derivation):
    """(A, B) of every family: local factors, zeros, paths across layers, per output."""
    network = derivation.network
    last, top = network.size(network.depth), network.depth
    bias = network.bias_ids(2)[-1]
    numerators = [qid("out", top, 1), qid("net", top, last), qid("E", 1), qid("E", last)]
    denominators = [qid("net", top, 1), qid("net", top, last), qid("out", 2, 1),
                    qid("net", 2, 1), qid("w", top, last, 1), qid("w", 2, 2, 1), bias,
                    qid("out", 1, 2)]
    return [(a, b) for a in numerators for b in denominators]


def oracle(derivation, of: str, wrt: str, leaves: dict) -> sympy.Expr:
    """d(of)/d(wrt) by sympy.diff: ``of`` in terms of ``wrt`` and the leaves, at the values."""
    forward = derivation.network
    top = forward.depth
    if of.startswith("E["):
        j = parse_id(of).indices[0]
        expr = claimable.Paths(derivation).error_term(j)
    else:
        expr = symbol(of)
    stop = symbol(wrt)
    for _ in range(2 * top):
        expr = expr.xreplace({
            s: derivation.definitions[s.name]
            for s in expr.free_symbols
            if s != stop and s.name in derivation.definitions
        })
    slope = sympy.diff(expr, stop)
    at = {stop: derivation.expand(wrt) if wrt in derivation.definitions else stop}
    value = slope.xreplace(at).xreplace({symbol(k): v for k, v in leaves.items()})
    return value.evalf(40)


@pytest.mark.parametrize("name", NETS)
def test_every_derivative_family_equals_sympy_diff_and_central_differences(name):
    derivation = derive(NETS[name])
    numbers = evaluate(derivation).values
    ids = [claimable.check(derivation.network, f"d{a}/d{b}") for a, b in pairs(derivation)]
    ids = [str(i) if i.kind == "d/d" else canonical(str(i)) for i in ids]
    values = claimable.values(derivation, ids, numbers)
    model = build_model(derivation, claimed=[a for a, _ in pairs(derivation)])
    leaves = model.leaves
    h = sympy.Rational(1, 10**12)
    for (a, b), quantity_id in zip(pairs(derivation), ids, strict=True):
        value = values[quantity_id]
        assert abs(value - oracle(derivation, a, b, leaves)) < 1e-30, (name, quantity_id)
        if a == b:
            continue
        at = sympy.Rational(numbers.get(b, leaves.get(b)))  # exact: a pin is not rounded
        up = run(model, {b: at + h}, [a])[a]
        down = run(model, {b: at - h}, [a])[a]
        assert abs((up - down) / (2 * h) - value) < 1e-15, (name, quantity_id)


def test_a_quantity_that_does_not_feed_another_has_derivative_exactly_zero():
    derivation = derive(NETS["2-2-2"])
    numbers = evaluate(derivation).values
    zero = ["dnet[2,1]/dw[2,2,2]", "dout[3,1]/dnet[3,2]", "dE[1]/dnet[3,2]", "dnet[2,1]/dnet[3,1]"]
    assert claimable.values(derivation, zero, numbers) == dict.fromkeys(zero, sympy.S.Zero)
    assert claimable.values(derivation, ["dnet[3,1]/dnet[3,1]"], numbers) == {
        "dnet[3,1]/dnet[3,1]": 1
    }


@pytest.mark.parametrize("name", NETS)
def test_errors_changes_and_the_pass_after_the_step(name):
    derivation = derive(NETS[name])
    network = derivation.network
    numbers = evaluate(derivation).values
    outputs = range(1, network.size(network.depth) + 1)
    params = network.parameter_ids()
    ids = [qid("E", j) for j in outputs] + [qid("E", j, updated=True) for j in outputs]
    ids += ["D" + p for p in params] + [k + "'" for k in network.forward]
    values = claimable.values(derivation, ids, numbers)
    assert abs(sum(values[qid("E", j)] for j in outputs) - numbers["E"]) < 1e-40
    assert abs(sum(values[qid("E", j, updated=True)] for j in outputs) - numbers["E'"]) < 1e-40
    for p in params:
        assert abs(values["D" + p] - (numbers[p + "'"] - numbers[p])) < 1e-45
    # the pass after the step is the forward pass at the updated parameters
    at = {symbol(k): v for k, v in numbers.items() if k in params or k in network.input_ids()}
    at.update({symbol(p): numbers[p + "'"] for p in params})
    for key in network.forward:
        value = derivation.expand(key).xreplace(at).evalf(45)
        assert abs(values[key + "'"] - value) < 1e-40, key


# ---------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("text", "kind"),
    [("dout[3,1]/dnet[3,1]", "d/d"), ("dE[1]/dw[2,1,2]", "d/d"), ("E[2]", "E"),
     ("E[2]'", "E"), ("Dw[3,1,2]", "Dw"), ("Db[2]", "Db"), ("net[2,1]'", "net"),
     ("out[2,:]", "out"), ("w[3,:,:]", "w"), ("dnet[3,1]/dout[2,:]", "d/d")],
)
def test_ids_round_trip(text, kind):
    parsed = parse_id(text)
    assert (str(parsed), parsed.kind) == (text, kind)


def test_other_names_of_a_quantity_and_bad_ids():
    assert canonical("dE/dnet[2,1]") == "delta[2,1]"
    assert canonical("dE/dout[1,2]") == "dE/dx[2]"
    assert canonical("dE/dw[3,1,1]") == "dE/dw[3,1,1]"
    for bad, message in [
        ("delta[2,1]'", "delta has no value after the step"),
        ("dw[2,1,1]/dout[2,1]", "a derivative dA/dB takes A in E, net, out"),
        ("Dw[2,1]", "Dw takes 3 indices"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_id(bad)
    network = derive(NETS["2-2-2"]).network
    for bad, message in [
        ("out[:,1]", "':' stands for a neuron, not a layer"),
        ("net[4,1]", "layer 4, expected 2 to 3"),
        ("b[2,1]", "this network's biases are named like b[2]"),
        ("w[3,1,3]", "index 3 is 3, expected 1 to 2"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            claimable.check(network, bad)


def test_a_slice_lists_its_elements_in_the_order_of_its_colons():
    network = derive(NETS["3-2-2"]).network
    assert claimable.elements(network, parse_id("w[2,:,:]")) == [
        ["w[2,1,1]", "w[2,1,2]", "w[2,1,3]"], ["w[2,2,1]", "w[2,2,2]", "w[2,2,3]"]
    ]
    assert claimable.elements(network, parse_id("dout[3,:]/dnet[3,:]")) == [
        ["dout[3,1]/dnet[3,1]", "dout[3,1]/dnet[3,2]"],
        ["dout[3,2]/dnet[3,1]", "dout[3,2]/dnet[3,2]"],
    ]
    assert claimable.elements(network, parse_id("dE/dnet[3,:]")) == ["delta[3,1]", "delta[3,2]"]


# ---------------------------------------------------------------------------- checks



def check(tmp_path, capsys, claims, net=MAZUR_NET):
    path = tmp_path / "sheet.toml"
    path.write_text(net + "[claims]\n" + claims, encoding="utf-8")
    status = main(["check", str(path), "--format", "json"])
    captured = capsys.readouterr()
    assert captured.err == ""
    return status, json.loads(captured.out)["claims"]


def test_claimed_values_are_carried_into_what_is_computed_from_them(tmp_path, capsys):
    claims = (
        '"dout[3,1]/dnet[3,1]" = 0.19\n"delta[3,1]" = 0.1409\n'  # 0.7414 * 0.19
        '"E[1]" = 0.27\n"E[2]" = 0.02\n"E" = 0.29\n'
        '"Dw[3,1,1]" = -0.04\n"w[3,1,1]\'" = "0.360"\n'
        '"out[2,:]" = [0.59, 0.60]\n"net[3,1]" = "1.1060"\n'
    )
    status, lines = check(tmp_path, capsys, claims)
    verdicts = {c["key"]: (c["verdict"], [s["id"] for s in c["carried_from"]]) for c in lines}
    assert verdicts["delta[3,1]"] == ("correct-with-carried", ["net[3,1]", "dout[3,1]/dnet[3,1]"])
    assert verdicts["E"] == ("correct-with-carried", ["E[1]", "E[2]"])
    assert verdicts["w[3,1,1]'"] == ("correct-with-carried", ["Dw[3,1,1]"])
    assert verdicts["net[3,1]"] == ("correct-with-carried", ["out[2,1]", "out[2,2]"])
    assert status == 0  # every line passes: the rounded claims are right at their digits


def test_a_slice_line_gets_its_worst_element_verdict(tmp_path, capsys):
    status, (line,) = check(tmp_path, capsys, '"out[2,:]" = ["0.5933", 0.5970]\n')
    assert status == 1
    assert (line["id"], line["verdict"]) == ("out[2,:]", "rounding-slip")
    assert line["note"].startswith("2 elements (1 correct, 1 rounding-slip); out x₂² (out[2,2])")
    assert [e["id"] for e in line["elements"]] == ["out[2,1]", "out[2,2]"]


def test_a_slice_of_the_wrong_shape_is_bad_input(tmp_path, capsys):
    path = tmp_path / "sheet.toml"
    path.write_text(MAZUR_NET + '[claims]\n"w[3,:,:]" = [0.4, 0.45]\n', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == (
        'symnn: error: claims."w[3,:,:]": expected an array shaped 2 x 2 (numbers or quoted '
        "numbers, rows = the first ':'), got a list of 2\n"
    )


def test_expression_names(tmp_path, capsys):
    claims = '"E - E\'" = 0.0073\n"out[3,1]*(1 - out[3,1])" = 0.1868\n"1 - out[2,1]" = 0.7\n'
    _, lines = check(tmp_path, capsys, claims)
    assert [(c["id"], c["verdict"]) for c in lines] == [
        ("E - E'", "correct"), ("out[3,1]*(1 - out[3,1])", "correct"),
        ("1 - out[2,1]", "wrong"),
    ]


def test_a_per_output_error_of_a_loss_that_is_not_a_sum_says_why(tmp_path, capsys):
    net = WORKED_EXAMPLE_NET.replace('loss = "mse"', 'loss = "output"').replace(
        "layers = [2, 2, 2]", "layers = [2, 2, 1]").replace(
        "[[0.9, 0.5], [-0.7, 0.3]]]", "[[0.9, 0.5]]]").replace(
        "biases = [[0, 0], [0, 0]]", "biases = [[0, 0], [0]]").replace("targets = [0, 1]\n", "")
    status, (line, other) = check(tmp_path, capsys, '"E[1]" = 0.5\n"out[2,1]" = 0.54\n', net)
    assert (status, line["verdict"], other["verdict"]) == (1, "unreadable", "correct")
    assert line["note"].startswith(
        "unknown quantity 'E[1]' (E[1]: the loss 'output' is not a sum over the outputs, so "
        "it has no per-output error E[j])"
    )


@pytest.mark.parametrize("name", ["2-2-2", "3-2-2", "softmax"])
def test_generated_slips_on_these_lines_are_named(name, tmp_path, capsys):
    derivation = derive(NETS[name])
    network = derivation.network
    top = network.depth
    exact = evaluate(derivation).values
    targets = derivation.spec.values.targets
    j = 1 + targets.index(max(targets))  # an output whose error is not 0
    terms = claimable.values(derivation, [qid("E", j), "Dw" + network.weight_ids(top)[0][0][1:]
                                          ], exact)
    missing = exact["E"] - terms[qid("E", j)]
    step = terms["Dw" + network.weight_ids(top)[0][0][1:]]
    claims = (
        f'"E" = "{sympy.Float(missing, 12)}"\n'
        f'"Dw{network.weight_ids(top)[0][0][1:]}" = "{sympy.Float(-step, 12)}"\n'
    )
    _, lines = check(tmp_path, capsys, claims, TEXTS[name])
    assert "missing-output-term" in lines[0]["causes"]
    assert "update-sign" in lines[1]["causes"]


def test_a_sum_over_the_outputs_of_a_hidden_neuron_missing_a_term(tmp_path, capsys):
    _, (line,) = check(tmp_path, capsys, '"dE/dout[2,1]" = 0.055399425\n')
    assert line["cause"] == "missing-output-term"
    assert "the term of output out x₂³ is missing" in line["note"]


def test_a_slip_in_the_activation_derivative_is_named(tmp_path, capsys):
    _, (line,) = check(tmp_path, capsys, '"dout[3,1]/dnet[3,1]" = 0.4355\n')
    assert line["cause"] == "activation-derivative"


def test_the_mazur_worksheet_gets_a_verdict_on_every_line(capsys):
    assert main(["check", "examples/mazur-2015-worksheet.toml", "--format", "json"]) == 1
    lines = json.loads(capsys.readouterr().out)["claims"]
    verdicts = [c["verdict"] for c in lines]
    assert len(lines) == 34 and "unreadable" not in verdicts
    assert all(c["read_as"] == "notation" for c in lines)  # the author's names, by [names]
    first_step = [c for c in lines if "@" not in c["id"]]  # after 10,000: test_training.py
    assert len(first_step) == 30
    assert {c["id"]: c["verdict"] for c in first_step if c["verdict"] != "correct"} == {
        "dE[2]/dout[2,1]": "rounding-slip",  # the post writes -0.019049119; exact -0.0190491183
        "E'": "wrong",  # the post writes 0.291027924; exact 0.2910277737
    }


# ---------------------------------------------------------------------------- --only


def test_derive_only_gives_the_claimable_ids(capsys):
    sheet = "examples/mazur-2015-worksheet.toml"
    ids = ["dout[3,1]/dnet[3,1]", "E[:]", "Dw[3,1,1]", "out[3,1]'", "dE/dnet[3,1]"]
    assert main(["derive", sheet, "--json", "--only", *ids]) == 0
    rows = json.loads(capsys.readouterr().out)["quantities"]
    assert list(rows) == [
        "dout[3,1]/dnet[3,1]", "E[1]", "E[2]", "Dw[3,1,1]", "out[3,1]'", "delta[3,1]"
    ]
    assert rows["dout[3,1]/dnet[3,1]"]["expression"] == "out[3,1]*(1 - out[3,1])"
    assert rows["dout[3,1]/dnet[3,1]"]["digits"].startswith("0.18681560180")
    assert rows["E[1]"]["digits"].startswith("0.27481108317615")
    assert rows["Dw[3,1,1]"]["digits"].startswith("-0.04108352028")
    assert rows["out[3,1]'"]["digits"].startswith("0.74208811")
    assert main(["derive", sheet, "--only", "E[3]"]) == 2
    assert capsys.readouterr().err == (
        "symnn: error: --only: 'E[3]': E[3]: index 1 is 3, expected 1 to 2\n"
    )


def test_latex_only_selects_what_a_claimable_id_is_about(capsys):
    sheet = "examples/mazur-2015-worksheet.toml"
    assert main(["latex", sheet, "--format", "markdown", "--only", "Dw[3,1,1]"]) == 0
    by_id = capsys.readouterr().out
    assert main(["latex", sheet, "--format", "markdown", "--only", "w[3,1,1]"]) == 0
    assert by_id == capsys.readouterr().out
    assert main(["latex", sheet, "--format", "markdown", "--only", "dout[3,:]/dnet[3,:]"]) == 0
    by_slice = capsys.readouterr().out
    assert main(["latex", sheet, "--format", "markdown", "--only", "net[3,1]", "net[3,2]"]) == 0
    assert _ids_sorted(by_slice) == _ids_sorted(capsys.readouterr().out)


def _ids_sorted(text: str) -> list[str]:
    """The lines of a document with each line's `ids` in sorted order (the selection is a set)."""
    return [" ".join(sorted(line.split())) for line in text.splitlines()]


def test_a_weight_matrix_is_read_in_the_authors_layout(tmp_path, capsys):
    """With weights_layout = "input-by-output" the worksheet's matrices have a row per
    sending neuron, as its weights do: a claimed w[l,:,:] or dE/dw[l,:,:] is read so."""
    net = WORKED_EXAMPLE_NET.replace(
        "weights = [[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]",
        'weights_layout = "input-by-output"\n'
        "weights = [[[0.25, 0.35], [0.1, -0.3]], [[0.9, -0.7], [0.5, 0.3]]]",
    )
    numbers = evaluate(derive(spec.loads(net)))
    by_input = [[f"{float(numbers[f'dE/dw[3,{j},{k}]']):.4g}" for j in (1, 2)] for k in (1, 2)]
    gradients = "[" + ", ".join("[" + ", ".join(row) + "]" for row in by_input) + "]"
    claims = f'"w[2,:,:]" = [[0.25, 0.35], [0.1, -0.3]]\n"dE/dw[3,:,:]" = {gradients}\n'
    status, lines = check(tmp_path, capsys, claims, net)
    assert status == 0 and [c["verdict"] for c in lines] == ["correct", "correct"]
    assert [e["id"] for e in lines[0]["elements"]] == [
        "w[2,1,1]", "w[2,2,1]", "w[2,1,2]", "w[2,2,2]"
    ]
    status, lines = check(tmp_path, capsys, '"w[2,:,:]" = [[0.25, 0.1], [0.35, -0.3]]\n', net)
    assert status == 1 and "4 elements (2 correct, 2 wrong)" in lines[0]["note"]
    status, lines = check(tmp_path, capsys, claims, WORKED_EXAMPLE_NET)  # the default layout
    assert [c["verdict"] for c in lines] == ["wrong", "wrong"]
