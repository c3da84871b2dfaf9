"""Training worked exactly: batches, several steps, the optimizers, against PyTorch float64.

Every number symnn gives for the parameters, the optimizer state and the batch loss after
each step agrees with ``torch.optim`` (float64, the same optimizer and steps) to 1e-10.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from tools import compile_latex, katex_errors, markdown_math_blocks, pdf_page_pngs
from torch_training import torch_run

from symnn import claimable, continued, optimizers, spec
from symnn.cli import main
from symnn.commands.codegen import import_file
from symnn.derive import derive
from symnn.errors import SpecError
from symnn.evaluate import evaluate, worked_definitions
from symnn.naming import at, parse_id, python_name, state_id
from symnn.render.latex import render as render_document
from symnn.render.numpy import render
from symnn.render.numpy.module import example_arrays

BATCH_NET = """
[network]
layers = [2, 2, 2]
activation = "sigmoid"
loss = "mse"

[values]
inputs = [[0.5, 0.25], [0.1, -0.3], [0.9, 0.6]]
targets = [[0, 1], [1, 0], [1, 1]]
weights = [[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]
biases = [[0, 0.1], [0.2, 0]]
"""
CASES = {
    "sgd": "optimizer = 'sgd'\nlearning_rate = 0.5\nsteps = 3",
    "sgd-decay": "optimizer = 'sgd'\nlearning_rate = 0.5\nsteps = 2\nweight_decay = 0.01",
    "momentum": "optimizer = 'momentum'\nlearning_rate = 0.5\nsteps = 3\nmomentum = 0.8",
    "nesterov": "optimizer = 'nesterov'\nlearning_rate = 0.5\nsteps = 3",
    "rmsprop": "optimizer = 'rmsprop'\nsteps = 3\nalpha = 0.9\nweight_decay = 0.1",
    "adam": "optimizer = 'adam'\nlearning_rate = 0.1\nsteps = 3",
    "adam-decay": "optimizer = 'adam'\nlearning_rate = 0.1\nsteps = 3\nweight_decay = 0.5\n"
                  "beta1 = 0.5\nbeta2 = 0.75\neps = 0.001",
}


def load(case: str, extra: str = "") -> spec.NetworkSpec:
    return spec.loads(BATCH_NET + CASES[case] + "\n" + extra)


@pytest.mark.parametrize("case", list(CASES))
def test_every_number_agrees_with_torch_optim(case):
    network_spec = load(case)
    numbers = evaluate(derive(network_spec))
    oracle = torch_run(network_spec)
    assert len(oracle) > 20
    for quantity_id, value in oracle.items():
        assert quantity_id in numbers, quantity_id
        assert abs(numbers.as_float(quantity_id) - value) < 1e-10, quantity_id


def test_frozen_biases_and_a_single_sample_agree_with_torch():
    network_spec = spec.loads(
        BATCH_NET.replace("[[0.5, 0.25], [0.1, -0.3], [0.9, 0.6]]", "[0.5, 0.25]")
        .replace("[[0, 1], [1, 0], [1, 1]]", "[0, 1]")
        + CASES["adam"] + "\nupdate_biases = false"
    )
    numbers = evaluate(derive(network_spec))
    for quantity_id, value in torch_run(network_spec).items():
        assert abs(numbers.as_float(quantity_id) - value) < 1e-10, quantity_id
    assert numbers["b[2,2]@3"] == sympy.Rational(1, 10)
    assert "out[3,1]@2" in numbers and "out[3,1]#1" not in numbers  # one sample: no #s


def test_batch_ids_and_means():
    numbers = evaluate(derive(load("adam")))
    samples = [numbers[f"dE/dw[2,1,1]#{s}@2"] for s in (1, 2, 3)]
    assert abs(numbers["dE/dw[2,1,1]@2"] - sum(samples) / 3) < 1e-45
    losses = [numbers[f"E#{s}"] for s in (1, 2, 3)]
    assert abs(numbers["E"] - sum(losses) / 3) < 1e-45
    assert "out[3,1]#2" in numbers and "out[3,1]" not in numbers
    assert "E@3" in numbers and "E#2@3" in numbers and "out[3,1]#1@3" not in numbers
    assert "m_w[3,2,1]@3" in numbers and "s_b[2,1]'" in numbers


def test_adam_first_step_is_exact_by_hand():
    """Step 1 of Adam: m' = (1−β₁)g, s' = (1−β₂)g², w' = w − η g/(|g| + ε) exactly."""
    derivation = derive(load("adam"))
    numbers = evaluate(derivation)
    g = numbers["dE/dw[3,1,2]"]
    eta, eps = sympy.Rational(1, 10), sympy.Rational(1, 10**8)
    assert abs(numbers["m_w[3,1,2]'"] - g / 10) < 1e-48
    expected = sympy.Rational(1, 2) - eta * g / (abs(g) + eps)
    assert abs(numbers["w[3,1,2]'"] - expected) < 1e-45


def test_identity_net_stays_exact_through_momentum_steps():
    network_spec = spec.loads("""
[network]
layers = [1, 1]
activation = "identity"
loss = "half-sse"
[values]
inputs = [[1], [2]]
targets = [[1], [0]]
weights = [[[0.5]]]
biases = [[0]]
optimizer = "momentum"
learning_rate = 0.1
momentum = 0.5
steps = 2
""")
    numbers = evaluate(derive(network_spec))
    # E per sample ½(wx + b − d)²; by hand: g_w = mean((wx+b−d)x), g_b = mean(wx+b−d).
    w, b, v_w, v_b = Fraction(1, 2), Fraction(0), Fraction(0), Fraction(0)
    for t in (1, 2):
        errors = [(w * x + b - d, x) for x, d in ((1, 1), (2, 0))]
        g_w = sum(e * x for e, x in errors) / 2
        g_b = sum(e for e, _ in errors) / 2
        v_w, v_b = Fraction(1, 2) * v_w + g_w, Fraction(1, 2) * v_b + g_b
        w, b = w - Fraction(1, 10) * v_w, b - Fraction(1, 10) * v_b
        suffix = "'" if t == 1 else "@2"
        assert numbers["w[2,1,1]" + suffix] == sympy.Rational(w)
        assert numbers["v_b[2,1]" + suffix] == sympy.Rational(v_b)


def test_the_rule_is_printed_from_the_registry():
    rule = optimizers.step_rule("adam", 2, {"learning_rate": Fraction(1, 10),
                                            "beta1": Fraction(9, 10),
                                            "beta2": Fraction(999, 1000),
                                            "eps": Fraction(1, 10**8)})
    assert list(rule) == ["m", "s", "p"]
    assert rule["m"] == sympy.Rational(9, 10) * optimizers.OLD["m"] + optimizers.G / 10
    definitions = worked_definitions(derive(load("adam")))
    assert definitions["m_w[2,1,1]@2"] == (
        sympy.Rational(9, 10) * sympy.Symbol("m_w[2,1,1]'", real=True)
        + sympy.Symbol("dE/dw[2,1,1]@1", real=True) / 10
    )


def test_ids_with_sample_and_step():
    assert str(parse_id("w[2,1,1]@1")) == "w[2,1,1]'"
    assert str(parse_id("out[3,1]#2@0")) == "out[3,1]#2"
    assert at("out[3,1]", 2, 3) == "out[3,1]#2@3"
    assert at("E", step=1) == "E'"
    assert state_id("m", "b[2,1]", 2) == "m_b[2,1]@2"
    assert python_name("dE/dw[2,1,1]#2@3") == "dE_dw_2_1_1_s2_at3"
    with pytest.raises(ValueError):
        parse_id("w[2,1,1]#0")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("optimizer = 'adamw'", "values.optimizer: unknown optimizer 'adamw'; known: sgd, "
                                "momentum, nesterov, rmsprop, adam"),
        ("optimizer = 3", "values.optimizer: expected a name (string), got 3"),
        ("steps = 0", "values.steps: expected an integer from 1 to 100, got 0"),
        ("steps = 2.5", "values.steps: expected an integer from 1 to 100, got 2.5"),
        ("beta1 = 0.9", "values.beta1: not a hyper-parameter of optimizer 'sgd' (it is one of "
                        "adam)"),
        ("optimizer = 'adam'\nbeta2 = 1", "values.beta2: expected a number in [0, 1), got 1"),
        ("optimizer = 'momentum'\nmomentum = -0.5",
         "values.momentum: expected a number in [0, 1), got -0.5"),
        ("weight_decay = -1", "values.weight_decay: expected a number >= 0, got -1"),
        ("optimizer = 'rmsprop'\neps = 'x'", "values.eps: expected a number, got 'x'"),
    ],
)
def test_bad_training_values(extra, message):
    with pytest.raises(SpecError) as error:
        spec.loads(BATCH_NET + extra)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("inputs", "targets", "message"),
    [
        ("[[0.5, 0.25], [0.1]]", "[[0, 1], [1, 0]]", "values.inputs[1]: expected 2 numbers, got 1"),
        ("[[0.5, 0.25], [0.1, 0.2]]", "[[0, 1]]",
         "values.targets: expected 2 samples (as values.inputs), got 1"),
        ("[[0.5, 0.25], [0.1, 0.2]]", "[0, 1]",
         "values.targets: expected a batch of 2 samples (as values.inputs), got a list of 2 "
         "numbers"),
    ],
)
def test_bad_batches(inputs, targets, message):
    text = BATCH_NET.replace("[[0.5, 0.25], [0.1, -0.3], [0.9, 0.6]]", inputs)
    text = text.replace("[[0, 1], [1, 0], [1, 1]]", targets)
    with pytest.raises(SpecError) as error:
        spec.loads(text)
    assert str(error.value) == message


def test_optimizer_without_learning_rate_takes_torch_default():
    values = load("rmsprop").values
    assert values.learning_rate == Fraction(1, 100)
    assert dict(values.hyper) == {"alpha": Fraction(9, 10), "eps": Fraction(1, 10**8),
                                  "weight_decay": Fraction(1, 10)}


@pytest.mark.parametrize("case", ["adam", "adam-decay", "nesterov", "rmsprop"])
def test_generated_module_reproduces_the_steps(tmp_path, case):
    """optimizer_step of the generated module, run as many steps as the spec says, gives
    the derivation's parameters and optimizer state to 1e-10."""
    network_spec = load(case)
    derivation = derive(network_spec)
    path = tmp_path / f"trained_{case.replace('-', '_')}.py"
    path.write_text(render(derivation))
    module = import_file(path, path.stem)
    params, X, Y = example_arrays(network_spec)
    values = network_spec.values
    state = module.init_state(params, values.optimizer)
    hyper = {k: float(v) for k, v in values.hyper_parameters.items()}
    for _ in range(values.steps):
        params = module.optimizer_step(params, X, Y, state, optimizer=values.optimizer, **hyper)
    numbers = evaluate(derivation)
    t = values.steps
    for key, array in params.items():
        layer = int(key[1:]) + 1
        for index, x in np.ndenumerate(array):
            param = f"{key[0].lower()}[{layer},{','.join(str(i + 1) for i in index)}]"
            assert abs(x - numbers.as_float(at(param, step=t))) < 1e-10, param
            for kind in optimizers.get(values.optimizer).state:
                exact = numbers.as_float(state_id(kind, param, t))
                assert abs(state[kind][key][index] - exact) < 1e-10
    assert abs(module.loss(params, X, Y) - numbers.as_float(at("E", step=t))) < 1e-10


WORKSHEET = Path(__file__).resolve().parent.parent / "examples" / "adam-batch-worksheet.toml"


def test_worksheet_with_a_batch_and_adam_steps_names_each_injected_slip(capsys):
    assert main(["check", str(WORKSHEET), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    causes = {c["id"]: c["cause"] for c in report["claims"] if c["verdict"] != "correct"}
    assert causes == {
        "E": "batch-sum",
        "dE/dw[2,1,1]": "batch-not-averaged",
        "w[3,1,1]'": "no-bias-correction",
        "m_w[3,2,1]@2": "momentum-old-gradient",
    }
    assert report["summary"]["correct"] == 10


def test_training_document_compiles_and_its_math_renders_in_katex(tmp_path):
    derivation = derive(spec.loads(WORKSHEET.read_text()))
    tex_source = render_document(derivation, "tex")
    assert r"\section*{6. Training}" in tex_source or "6. Training" in tex_source
    assert r"{m_{w_{12}^{2}}}^{[2]} &= " in tex_source
    # the rule in symbols, then in numbers; every sample of the batch; the intro says so
    assert (r"\left(1 - \beta_1\right) + \beta_1 \, m'_{w_{12}^{2}} = (-0.02052) \cdot "
            r"\left(1 - 0.9\right) + 0.9 \cdot (-0.003191) \approx -0.004924") in tex_source
    assert r"\mathbf{x}^{(3)} &= (0.9, 0.6)^{\top}, \quad \mathbf{d}^{(3)} = (1, 1)^{\top}" \
        in tex_source
    assert "then takes 3 steps of adam on a batch of 3 samples" in tex_source
    assert "sample 1 of the batch of 3; section 6 works the training" in tex_source
    compact = render_document(derivation, "tex", style="compact")
    assert "sample 1 of the batch of 3; section 5 works the training" in compact
    assert "after one step of gradient descent" not in compact  # no SGD step claimed
    pdf = compile_latex(tex_source, tmp_path)
    assert len(pdf_page_pngs(pdf, tmp_path, dpi=20)) >= 10
    markdown = render_document(derivation, "markdown")
    blocks = markdown_math_blocks(markdown)
    assert any("{E}^{[3]}" in b for b in blocks)
    assert katex_errors(blocks) == [None] * len(blocks)


# ---------------------------------------------------------------- ids of issue 17 with #s, @t


@pytest.mark.parametrize(
    ("text", "kind", "sample", "step"),
    [("dout[3,1]/dnet[3,1]#2", "d/d", 2, 0), ("out[3,1]@2", "out", None, 2),
     ("Dw[2,1,1]@2", "Dw", None, 2), ("E[1]@3", "E", None, 3), ("out[3,:]#2", "out", 2, 0),
     ("dE[1]/dw[3,1,1]#2@3", "d/d", 2, 3), ("delta[3,1]#1@1", "delta", 1, 1)],
)
def test_claimable_ids_take_the_sample_and_step_suffixes(text, kind, sample, step):
    parsed = parse_id(text)
    assert (str(parsed), parsed.kind, parsed.sample, parsed.step) == (text, kind, sample, step)


def test_a_prime_is_step_one():
    assert str(parse_id("out[3,1]@1")) == str(parse_id("out[3,1]'")) == "out[3,1]'"
    assert str(parse_id("E[2]#1@1")) == "E[2]#1'"
    assert str(parse_id("dE/dw[2,1,1]@1")) == "dE/dw[2,1,1]@1"  # no prime on a gradient
    with pytest.raises(ValueError, match="d does not change in a step"):
        parse_id("d[1]@2")


def test_claimable_ids_of_samples_and_steps_are_evaluated():
    derivation = derive(load("adam"))
    numbers = evaluate(derivation)
    ids = ["dout[3,1]/dnet[3,1]#2", "Dw[2,1,1]@2", "E[1]#3@3", "E[2]#3@3"]
    values = claimable.values(derivation, ids, numbers.values)
    out = numbers["out[3,1]#2"]
    assert values["dout[3,1]/dnet[3,1]#2"] == out * (1 - out)
    assert values["Dw[2,1,1]@2"] == numbers["w[2,1,1]@3"] - numbers["w[2,1,1]@2"]
    assert abs(values["E[1]#3@3"] + values["E[2]#3@3"] - numbers["E#3@3"]) < 1e-45
    assert claimable.select(derivation.network, ["out[3,:]#2"]) == ["out[3,1]#2", "out[3,2]#2"]
    for bad, message in [
        ("out[3,1]@2", "name the sample, as in out[3,1]#1@2"),
        ("out[3,1]#4", "sample 4, expected 1 to 3"),
        ("w[2,1,1]#1", "a parameter is the same for every sample"),
        ("E@30000", "step 30000, expected 0 to 27777 (the worked example takes 3 steps)"),
        ("Dw[2,1,1]@27777", "step 27777, expected 0 to 27776"),  # 10⁶ / (12 params · 3)
        ("m_w[2,1,1]", "a state starts at 0; name it after a step (m_w[2,1,1]')"),
        ("v_w[2,1,1]@1", "the optimizer (adam) keeps no state v"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            claimable.check(derivation.network, bad)


def test_a_single_sample_after_steps_has_per_output_errors_and_the_pass_after_them():
    network_spec = spec.loads(
        BATCH_NET.replace("[[0.5, 0.25], [0.1, -0.3], [0.9, 0.6]]", "[0.5, 0.25]")
        .replace("[[0, 1], [1, 0], [1, 1]]", "[0, 1]") + CASES["sgd"]
    )
    derivation = derive(network_spec)
    numbers = evaluate(derivation)
    ids = ["E[1]@3", "E[2]@3", "out[3,1]@3", "dout[3,1]/dnet[3,1]@1"]
    values = claimable.values(derivation, ids, numbers.values)
    assert abs(values["E[1]@3"] + values["E[2]@3"] - numbers["E@3"]) < 1e-45
    assert abs(values["E[1]@3"] - values["out[3,1]@3"] ** 2 / 2) < 1e-45  # mse, d = 0
    out = claimable.values(derivation, ["out[3,1]'"], numbers.values)["out[3,1]'"]
    assert abs(values["dout[3,1]/dnet[3,1]@1"] - out * (1 - out)) < 1e-45
    assert "out[3,1]@3" not in numbers  # the pass after the last step: claimable, not listed


def test_claims_of_samples_and_steps_are_judged(tmp_path, capsys):
    claims = {
        "dout[3,1]/dnet[3,1]#2": "0.2032", "out[3,1]#1@2": "0.6345", "E[1]#3@3": "0.07044",
        "Dw[2,1,1]@2": "-0.0918", "out[3,:]#2": "[0.7164, 0.4545]",
    }
    text = WORKSHEET.read_text().split("[claims]")[0] + "[claims]\n" + "".join(
        f'"{k}" = {v}\n' for k, v in claims.items())
    path = tmp_path / "sheet.toml"
    path.write_text(text)
    assert main(["check", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {c["id"]: c["verdict"] for c in report["claims"]} == dict.fromkeys(claims, "correct")


# ---------------------------------------------------------------- steps past the worked example


def test_steps_past_the_worked_example_are_iterated_and_agree_with_torch():
    network_spec = load("adam")  # 3 worked steps
    derivation = derive(network_spec)
    ids = ["E@200", "w[3,1,1]@200", "m_w[3,1,2]@200", "s_w[2,2,1]@150", "b[2,1]@151",
           "Dw[2,1,1]@150", "E[1]#2@200", "E[2]#2@200", "E#2@200",
           "dout[3,1]/dnet[3,1]#1@200", "out[3,1]#1@200"]
    values = continued.values(derivation, ids)
    oracle = torch_run(network_spec, steps=200)
    for key in ids[:5]:
        assert abs(float(values[key]) - oracle[key]) < 1e-10, key
    assert abs(values["Dw[2,1,1]@150"] - (oracle["w[2,1,1]@151"] - oracle["w[2,1,1]@150"])) \
        < 1e-12
    assert abs(values["E[1]#2@200"] + values["E[2]#2@200"] - values["E#2@200"]) < 1e-15
    out = values["out[3,1]#1@200"]
    assert abs(values["dout[3,1]/dnet[3,1]#1@200"] - out * (1 - out)) < 1e-15


def test_mazur_after_10000_steps(capsys):
    """The post: "after repeating this process 10,000 times ... the error plummets to
    0.0000351085": that is the error computed in round 10,000, before its update (E@9999);
    the outputs it quotes lie between those after 10,002 and 10,003 steps."""
    assert main(["check", "examples/mazur-2015-worksheet.toml", "--format", "json"]) == 1
    lines = json.loads(capsys.readouterr().out)["claims"]
    verdicts = {c["id"]: (c["verdict"], c["exact"][:12]) for c in lines if "@" in c["id"]}
    e10000 = next(c for c in lines if c["id"] == "E@10000")
    assert e10000["cause"] == "step-off-by-one"
    assert e10000["note"].startswith("likely cause: 0.0000351085 is the value one step earlier")
    assert verdicts == {
        "E@10000": ("wrong", "0.0000351018"),
        "E@9999": ("correct", "0.0000351085"),
        "out[3,1]@10000": ("wrong", "0.0159136204"),
        "out[3,2]@10000": ("wrong", "0.9840642735"),
    }


def test_derive_only_takes_ids_with_samples_and_steps(capsys):
    ids = ["dout[3,1]/dnet[3,1]#2", "E[1]#3@3", "m_w[2,:,1]@2", "Dw[2,1,1]@1", "E@50"]
    assert main(["derive", str(WORKSHEET), "--json", "--only", *ids]) == 0
    rows = json.loads(capsys.readouterr().out)["quantities"]
    assert list(rows) == ["dout[3,1]/dnet[3,1]#2", "E[1]#3@3", "m_w[2,1,1]@2", "m_w[2,2,1]@2",
                          "Dw[2,1,1]@1", "E@50"]
    assert rows["dout[3,1]/dnet[3,1]#2"]["expression"] == "out[3,1]#2*(1 - out[3,1]#2)"
    assert rows["Dw[2,1,1]@1"]["expression"] == "w[2,1,1]@2 - w[2,1,1]'"
    assert rows["E@50"]["expression"] == "E at the parameters after 50 steps"


def test_derive_only_of_the_loss_and_a_samples_gradient_in_a_batch(capsys):
    """E with a suffix is the worked example's; a sample's id is not the plain one's."""
    ids = ["E@3", "E#2", "E'", "dE/dw[3,2,1]#2", "out[3,1]#2"]
    assert main(["derive", str(WORKSHEET), "--json", "--only", *ids]) == 0
    rows = json.loads(capsys.readouterr().out)["quantities"]
    assert {key: row["expression"] for key, row in rows.items()} == {
        "E@3": "E at the parameters after 3 steps",
        "E#2": "(d[1]#2 - out[3,1]#2)**2/2 + (d[2]#2 - out[3,2]#2)**2/2",
        "E'": "E#1'/3 + E#2'/3 + E#3'/3",
        "dE/dw[3,2,1]#2": "delta[3,2]#2*out[2,1]#2",
        "out[3,1]#2": "1/(1 + exp(-net[3,1]#2))",
    }
    assert round(rows["E@3"]["value"], 10) == 0.220266815
    assert round(rows["dE/dw[3,2,1]#2"]["value"], 10) == 0.0562077647
