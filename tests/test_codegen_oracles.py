"""Generated modules against independent oracles.

For every activation, loss and bias mode, in both styles, at batch 1 and batch 5:
gradients and loss equal PyTorch float64 autograd (1e-10 relative) and, at batch 1, the
derivation's exact values (symnn.evaluate, 50 digits); central finite differences agree;
one sgd_step reproduces the derivation's updated parameters and E'. Each module is
generated once into a temporary folder and imported.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

from symnn import spec
from symnn.commands.codegen import import_file
from symnn.derive import derive
from symnn.evaluate import evaluate
from symnn.naming import qid
from symnn.render.numpy import example_arrays, render
from tests.specs import WORKED_EXAMPLE_NET, changed
from tests.torch_training import TORCH_ACTIVATIONS, torch_loss

RTOL_TORCH = 1e-10  # relative to the largest gradient of the net
RTOL_EXACT = 1e-12
LEARNING_RATE = Fraction(1, 4)

# id -> (layers, activations, loss, bias). Every activation appears as a hidden and as an
# output layer, every loss and every bias mode at least once.
CASES = {
    **{
        f"hidden-{h}": ([3, 4, 2], [h, "sigmoid"], "mse", "per-neuron")
        for h in ("sigmoid", "tanh", "relu", "leaky-relu", "identity", "softplus")
    },
    **{
        f"output-{o}-mse": ([3, 4, 3], ["tanh", o], "mse", "per-neuron")
        for o in ("sigmoid", "tanh", "relu", "leaky-relu", "identity", "softplus", "softmax")
    },
    "half-sse-sigmoid": ([2, 3, 2], ["sigmoid", "sigmoid"], "half-sse", "per-neuron"),
    "half-sse-softmax": ([2, 3, 3], ["tanh", "softmax"], "half-sse", "per-neuron"),
    "sse-tanh": ([2, 3, 2], ["sigmoid", "tanh"], "sse", "per-neuron"),
    "sse-identity": ([2, 3, 2], ["relu", "identity"], "sse", "per-neuron"),
    **{
        f"output-loss-{o}": ([3, 3, 1], ["tanh", o], "output", "per-neuron")
        for o in ("sigmoid", "relu", "identity", "softplus")
    },
    "ce-sigmoid": ([3, 4, 3], ["sigmoid", "sigmoid"], "cross-entropy", "per-neuron"),
    "ce-softmax": ([3, 4, 3], ["sigmoid", "softmax"], "cross-entropy", "per-neuron"),
    "ce-softmax-2": ([3, 4, 2], ["tanh", "softmax"], "cross-entropy", "per-neuron"),
    "ce-softplus": ([3, 4, 3], ["sigmoid", "softplus"], "cross-entropy", "per-neuron"),
    "bce-sigmoid": ([3, 4, 3], ["tanh", "sigmoid"], "binary-cross-entropy", "per-neuron"),
    "bce-softmax": ([3, 4, 3], ["tanh", "softmax"], "binary-cross-entropy", "per-neuron"),
    "per-layer-deep": ([3, 4, 3, 3], ["relu", "tanh", "softmax"], "cross-entropy", "per-layer"),
    "per-layer-mse": ([2, 3, 2], ["sigmoid", "sigmoid"], "mse", "per-layer"),
    "none-deep": ([3, 4, 3, 3], ["leaky-relu", "softplus", "softmax"], "cross-entropy", "none"),
    "none-mse": ([2, 3, 2], ["tanh", "sigmoid"], "mse", "none"),
    "wide-lines": ([12, 9, 1], ["tanh", "sigmoid"], "binary-cross-entropy", "per-neuron"),
}
STYLES = ("vectorized", "unrolled")
BATCHES = (1, 5)

def torch_oracle(case: str, params: dict, X: np.ndarray, Y: np.ndarray | None):
    """(loss, gradients) by PyTorch float64 autograd, built without SymPy or symnn."""
    _, activations, loss, bias = CASES[case]
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
               for k, v in params.items()}
    a = torch.tensor(X, dtype=torch.float64)
    for m, name in enumerate(activations, start=1):
        z = a @ tensors[f"W{m}"].T
        if bias != "none":
            z = z + tensors[f"b{m}"]
        a = TORCH_ACTIVATIONS[name](z)
    targets = None if Y is None else torch.tensor(Y, dtype=torch.float64)
    value = torch_loss(loss, a, targets)
    value.backward()
    return value.item(), {k: t.grad.numpy() for k, t in tensors.items()}


def case_values(case: str, seed: int) -> dict:
    """A [values] table with exact rationals: k/8 inputs and weights, suitable targets."""
    layers, activations, loss, bias = CASES[case]
    rng = np.random.default_rng(seed)

    def rational(*shape):
        return np.vectorize(lambda k: Fraction(int(k), 8))(rng.integers(-8, 9, size=shape))

    values = {
        "inputs": list(rational(layers[0])),
        "weights": [rational(b, a).tolist() for a, b in itertools.pairwise(layers)],
        "learning_rate": LEARNING_RATE,
    }
    if bias == "per-neuron":
        values["biases"] = [list(rational(n)) for n in layers[1:]]
    elif bias == "per-layer":
        values["biases"] = list(rational(len(layers) - 1))
    n = layers[-1]
    if loss == "output":
        return values
    if activations[-1] == "softmax" or loss == "cross-entropy":
        values["targets"] = [Fraction(int(j == seed % n)) for j in range(n)]
    else:
        values["targets"] = [Fraction(int(k), 8) for k in rng.integers(0, 9, size=n)]
    return values


def case_spec(case: str, seed: int = 0) -> spec.NetworkSpec:
    """The case's spec with values (for the exact oracle)."""
    layers, activations, loss, bias = CASES[case]
    network = {"layers": layers, "activation": activations, "loss": loss, "bias": bias}
    return spec.from_dict({"network": network, "values": case_values(case, seed)})


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    """Import a generated module per (case, style), generating each on first use."""
    folder: Path = tmp_path_factory.mktemp("codegen-oracles")
    cache = {}

    def get(case: str, style: str):
        if (case, style) not in cache:
            derivation = derive(case_spec(case))
            path = folder / f"{case.replace('-', '_')}_{style}.py"
            path.write_text(render(derivation, style=style, source=f"case {case}"))
            cache[case, style] = import_file(path, f"oracle_{path.stem}")
        return cache[case, style]

    return get


def batch(case: str, size: int, seed: int):
    """(X, Y) of ``size`` samples; Y is one-hot for softmax or cross-entropy, else in [0, 1]."""
    layers, activations, loss, _ = CASES[case]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(size, layers[0]))
    n = layers[-1]
    if loss == "output":
        return X, None
    if activations[-1] == "softmax" or loss == "cross-entropy":
        return X, np.eye(n)[rng.integers(0, n, size)]
    return X, rng.uniform(0.05, 0.95, size=(size, n))


def assert_gradients_close(actual: dict, expected: dict, rtol: float) -> None:
    """Same keys, shapes and dtypes, and every entry within rtol of the largest gradient."""
    assert list(actual) == list(expected)
    scale = max(float(np.max(np.abs(v))) for v in expected.values())
    for key, value in expected.items():
        assert actual[key].shape == value.shape, key
        assert actual[key].dtype == np.float64, key
        np.testing.assert_allclose(actual[key], value, rtol=0, atol=rtol * scale, err_msg=key)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", CASES)
def test_gradients_equal_pytorch(modules, case, style):
    module = modules(case, style)
    params = module.init_params(seed=3)
    for size in BATCHES:
        X, Y = batch(case, size, seed=size)
        expected_loss, expected = torch_oracle(case, params, X, Y)
        assert_gradients_close(module.gradients(params, X, Y), expected, RTOL_TORCH)
        assert module.loss(params, X, Y) == pytest.approx(expected_loss, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", CASES)
def test_gradients_and_step_equal_the_exact_derivation(modules, case, style):
    module = modules(case, style)
    network_spec = case_spec(case)
    derivation = derive(network_spec)
    numbers = evaluate(derivation)
    params, X, Y = example_arrays(network_spec)
    exact = {}
    for layer in range(2, derivation.network.depth + 1):
        ids = derivation.network.weight_ids(layer)
        exact[f"W{layer - 1}"] = np.array([[numbers.as_float("dE/d" + w) for w in row]
                                           for row in ids])
        if network_spec.bias != "none":
            exact[f"b{layer - 1}"] = np.array(
                [numbers.as_float("dE/d" + b) for b in derivation.network.bias_ids(layer)]
            )
    assert_gradients_close(module.gradients(params, X, Y), exact, RTOL_EXACT)
    assert module.loss(params, X, Y) == pytest.approx(numbers.as_float("E"), rel=1e-13, abs=1e-15)
    stepped = module.sgd_step(params, X, Y, float(LEARNING_RATE))
    for layer in range(2, derivation.network.depth + 1):
        ids = derivation.network.weight_ids(layer)
        updated = [[numbers.as_float(w + "'") for w in row] for row in ids]
        np.testing.assert_allclose(stepped[f"W{layer - 1}"], updated, rtol=1e-13, atol=1e-15)
        biases = derivation.network.bias_ids(layer)
        if biases:
            updated = [numbers.as_float(b + "'") for b in biases]
            np.testing.assert_allclose(stepped[f"b{layer - 1}"], updated, rtol=1e-13, atol=1e-15)
    after = module.loss(stepped, X, Y)
    assert after == pytest.approx(numbers.as_float("E'"), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("case", CASES)
def test_central_finite_differences_agree(modules, case):
    module = modules(case, "vectorized")
    params = module.init_params(seed=5)
    X, Y = batch(case, 4, seed=7)
    grads = module.gradients(params, X, Y)
    h = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[key][index] += h
            up = module.loss(shifted, X, Y)
            shifted[key][index] -= 2 * h
            down = module.loss(shifted, X, Y)
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-7, err_msg=key)


@pytest.mark.parametrize("case", ["hidden-relu", "ce-softmax", "per-layer-deep", "none-deep"])
def test_styles_agree(modules, case):
    vectorized, unrolled = modules(case, "vectorized"), modules(case, "unrolled")
    params = vectorized.init_params(seed=11)
    X, Y = batch(case, 6, seed=2)
    np.testing.assert_allclose(unrolled.forward(params, X), vectorized.forward(params, X),
                               rtol=1e-14)
    assert_gradients_close(unrolled.gradients(params, X, Y), vectorized.gradients(params, X, Y),
                           1e-13)


def test_worked_example_step_reproduces_the_derivation(tmp_path):
    """Seed 001's hand calculation: gradients, w', b' and E' of one step at η = 0.5."""
    from symnn import examples

    network_spec = spec.load(examples.path(examples.WORKED_EXAMPLE))
    derivation = derive(network_spec)
    numbers = evaluate(derivation)
    params, X, Y = example_arrays(network_spec)
    for style in STYLES:
        path = tmp_path / f"worked_{style}.py"
        path.write_text(render(derivation, style=style))
        module = import_file(path, f"worked_{style}")
        grads = module.gradients(params, X, Y)
        assert grads["W2"][0, 0] == pytest.approx(numbers.as_float("dE/dw[3,1,1]"), rel=1e-14)
        assert grads["b2"][1] == pytest.approx(numbers.as_float("dE/db[3,2]"), rel=1e-14)
        new = module.sgd_step(params, X, Y, 0.5)
        for layer, key in ((2, "W1"), (3, "W2")):
            for j in (1, 2):
                for k in (1, 2):
                    expected = numbers.as_float(qid("w", layer, j, k) + "'")
                    assert new[key][j - 1, k - 1] == pytest.approx(expected, rel=1e-14)
        assert module.loss(new, X, Y) == pytest.approx(numbers.as_float("E'"), rel=1e-14)
        assert module.loss(params, X, Y) == pytest.approx(0.3837888449339607, rel=1e-14)
        assert params["W1"][0, 0] == 0.25  # sgd_step returned new arrays


def test_update_biases_false_keeps_the_biases(tmp_path):
    # nonzero biases, which must stay as they are
    text = changed(WORKED_EXAMPLE_NET, "[[0, 0], [0, 0]]", "[[0.1, -0.2], [0.3, 0.4]]")
    text += "update_biases = false\n"
    network_spec = spec.loads(text)
    derivation = derive(network_spec)
    numbers = evaluate(derivation)
    params, X, Y = example_arrays(network_spec)
    for style in STYLES:
        path = tmp_path / f"frozen_{style}.py"
        path.write_text(render(derivation, style=style))
        module = import_file(path, f"frozen_{style}")
        assert module.UPDATED == ("W1", "W2")
        new = module.sgd_step(params, X, Y, 0.5)
        np.testing.assert_array_equal(new["b1"], params["b1"])
        np.testing.assert_array_equal(new["b2"], params["b2"])
        assert new["W2"][1, 0] == pytest.approx(numbers.as_float("w[3,2,1]'"), rel=1e-14)
        assert module.loss(new, X, Y) == pytest.approx(numbers.as_float("E'"), rel=1e-13)
        inplace = {k: v.copy() for k, v in params.items()}
        assert module.sgd_step(inplace, X, Y, 0.5, inplace=True) is inplace
        np.testing.assert_array_equal(inplace["W1"], new["W1"])


def test_leaky_slope_from_the_spec(tmp_path):
    network_spec = spec.from_dict({"network": {
        "layers": [3, 4, 2], "activation": ["leaky-relu", "sigmoid"], "loss": "mse",
        "leaky_slope": 0.2,
    }})
    path = tmp_path / "leaky.py"
    path.write_text(render(derive(network_spec)))
    module = import_file(path, "leaky_02")
    params = module.init_params(seed=1)
    X = np.random.default_rng(0).normal(size=(6, 3))
    Y = np.random.default_rng(1).uniform(size=(6, 2))
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    hidden = torch.nn.functional.leaky_relu(torch.tensor(X) @ tensors["W1"].T + tensors["b1"], 0.2)
    out = torch.sigmoid(hidden @ tensors["W2"].T + tensors["b2"])
    (((torch.tensor(Y) - out) ** 2).sum(dim=1) / 2).mean().backward()
    expected = {k: t.grad.numpy() for k, t in tensors.items()}
    assert_gradients_close(module.gradients(params, X, Y), expected, RTOL_TORCH)
