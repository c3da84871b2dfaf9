"""The checker's model agrees with the core's evaluation, and pins carry claimed values."""

from dataclasses import replace
from itertools import pairwise

import pytest
import sympy

from symnn import spec
from symnn.check.model import Options, build_model, carried_sources, run
from symnn.compiled import FLOAT
from symnn.derive import derive
from symnn.evaluate import evaluate


def network(layers, activation, loss, bias="per-neuron", rate="0.5", update_biases=True,
            targets=None):
    """A spec dict with small deterministic values."""
    sizes = list(layers)
    weights = [
        [[round(0.1 * ((i + 2 * j + 3 * m) % 7) - 0.3, 2) for j in range(a)] for i in range(b)]
        for m, (a, b) in enumerate(pairwise(sizes))
    ]
    values = {
        "inputs": [0.5, -0.25, 0.75][: sizes[0]],
        "weights": weights,
    }
    if targets is not None:
        values["targets"] = targets
    if bias == "per-neuron":
        values["biases"] = [[0.1 * (j + 1) for j in range(b)] for b in sizes[1:]]
    elif bias == "per-layer":
        values["biases"] = [0.2 for _ in sizes[1:]]
    if rate is not None:
        values["learning_rate"] = float(rate)
        values["update_biases"] = update_biases
    return spec.from_dict({
        "network": {"layers": sizes, "activation": activation, "loss": loss, "bias": bias},
        "values": values,
    })


SPECS = {
    "sigmoid-mse": network([2, 2, 2], "sigmoid", "mse", targets=[0, 1]),
    "tanh-half-sse": network([3, 2, 2], "tanh", "half-sse", targets=[1, 0]),
    "relu-per-layer": network([2, 3, 1], ["relu", "identity"], "sse", "per-layer", targets=[1]),
    "softmax-ce": network([2, 3, 3], ["sigmoid", "softmax"], "cross-entropy", targets=[0, 1, 0]),
    "leaky-relu": network([2, 3, 2], ["leaky-relu", "sigmoid"], "mse", targets=[1, 0]),
    "no-bias-update": network([2, 2, 2], "sigmoid", "mse", update_biases=False, targets=[0, 1]),
    "no-bias": network([2, 2, 1], ["softplus", "sigmoid"], "binary-cross-entropy", "none",
                       targets=[1]),
    "no-rate": network([2, 2, 2], "sigmoid", "mse", rate=None, targets=[0, 1]),
    "output-loss": network([2, 2, 1], "tanh", "output"),
}


@pytest.mark.parametrize("name", SPECS)
def test_model_values_equal_the_core_evaluation(name):
    derivation = derive(SPECS[name])
    model = build_model(derivation)
    ours = {**model.leaves, **run(model)}
    core = evaluate(derivation).values
    after = {k for k in model.ids() if k.endswith("'") and k.startswith(("net", "out"))}
    assert set(model.ids()) == set(core) | after  # the pass after the step is claimable only
    for key, value in core.items():
        assert abs(ours[key] - value) <= sympy.Rational(1, 10**45), (name, key)


@pytest.mark.parametrize("name", SPECS)
def test_float_screening_agrees_with_the_exact_values(name):
    model = build_model(derive(SPECS[name]))
    exact, approximate = run(model), run(model, arithmetic=FLOAT)
    assert set(exact) == set(approximate)
    for key, value in exact.items():
        assert approximate[key] == pytest.approx(float(value), rel=1e-12, abs=1e-15), key


def test_loss_option_equals_a_spec_with_that_loss():
    sheet = SPECS["sigmoid-mse"]
    other = {**build_model(derive(sheet), Options(loss="sse")).leaves,
             **run(build_model(derive(sheet), Options(loss="sse")))}
    core = evaluate(derive(replace(sheet, loss="sse"))).values
    for key in ("E", "dE/dw[2,1,1]", "w[3,2,1]'", "E'"):
        assert abs(other[key] - core[key]) <= sympy.Rational(1, 10**45)


def test_pins_replace_values_downstream_only():
    model = build_model(derive(SPECS["sigmoid-mse"]))
    pins = {"out[2,1]": sympy.Rational(53, 100)}
    computed = run(model, pins, ["net[3,1]", "out[2,1]"])
    exact = run(model)
    assert computed["out[2,1]"] == exact["out[2,1]"]  # its own value is computed
    expected = (
        sympy.Rational(53, 100) * model.leaves["w[3,1,1]"]
        + exact["out[2,2]"] * model.leaves["w[3,1,2]"]
        + model.leaves["b[3,1]"]
    )
    assert abs(computed["net[3,1]"] - expected) <= sympy.Rational(1, 10**45)
    assert carried_sources(model, "net[3,1]", pins) == ["out[2,1]"]
    assert carried_sources(model, "dE/dw[3,1,1]", pins) == ["out[2,1]"]
    assert carried_sources(model, "net[2,2]", pins) == []
