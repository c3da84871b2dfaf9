"""Training with generated modules: the checked-in digits classifier end to end, the
mini-batch loop, and float32 modules staying float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from symnn import spec
from symnn.commands.codegen import import_file
from symnn.derive import derive
from symnn.render.numpy import render

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits (shipped inside the package), scaled to [0, 1], split
    into 1437 training and 360 test samples with a fixed permutation."""
    X, labels = load_digits(return_X_y=True)
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1437], order[1437:]
    return X[train], labels[train], X[test], labels[test]


def test_generated_digits_classifier_reaches_95_percent(digits):
    module = import_file(GENERATED / "digits_softmax.py", "generated_digits_softmax")
    X, labels, X_test, labels_test = digits
    params, history = module.train(
        module.init_params(seed=0), X, np.eye(10)[labels], epochs=30, batch_size=32,
        learning_rate=0.5, X_test=X_test, Y_test=np.eye(10)[labels_test],
    )
    accuracy = np.mean(module.predict(params, X_test) == labels_test)
    assert accuracy >= 0.95
    assert len(history["loss"]) == len(history["test_loss"]) == 30
    assert history["loss"][-1] < history["loss"][0] < 2.31  # below log(10) after one epoch
    assert history["test_loss"][-1] == pytest.approx(
        module.loss(params, X_test, np.eye(10)[labels_test]))


def test_generated_mnist_net_matches_pytorch():
    """The checked-in 784-20-20-10 sigmoid/MSE module (seed 001's MNIST net)."""
    module = import_file(GENERATED / "mnist_784_20_20_10.py", "generated_mnist")
    params = module.init_params(seed=1)
    rng = np.random.default_rng(2)
    X, Y = rng.uniform(size=(8, 784)), np.eye(10)[rng.integers(0, 10, 8)]
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    a = torch.tensor(X)
    for m in (1, 2, 3):
        a = torch.sigmoid(a @ tensors[f"W{m}"].T + tensors[f"b{m}"])
    (((torch.tensor(Y) - a) ** 2).sum(dim=1) / 10).mean().backward()
    grads = module.gradients(params, X, Y)
    for key, tensor in tensors.items():
        expected = tensor.grad.numpy()
        np.testing.assert_allclose(grads[key], expected, rtol=0,
                                   atol=1e-10 * np.abs(expected).max(), err_msg=key)


def test_train_shuffles_batches_and_leaves_params_alone(tmp_path):
    network_spec = spec.from_dict({"network": {
        "layers": [3, 4, 2], "activation": ["tanh", "sigmoid"], "loss": "mse"}})
    path = tmp_path / "small.py"
    path.write_text(render(derive(network_spec)))
    module = import_file(path, "train_small")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10, 3)), rng.uniform(size=(10, 2))
    start = module.init_params(seed=4)
    kept = {k: v.copy() for k, v in start.items()}
    params, history = module.train(start, X, Y, epochs=2, batch_size=4, learning_rate=0.3,
                                   seed=9)
    for key in kept:
        np.testing.assert_array_equal(start[key], kept[key])
    assert list(history) == ["loss"]
    # The same loop written out: a permutation per epoch, batches of 4, 4 and 2.
    expected = {k: v.copy() for k, v in kept.items()}
    order_rng = np.random.default_rng(9)
    for _ in range(2):
        order = order_rng.permutation(10)
        for batch in (order[:4], order[4:8], order[8:]):
            grads = module.gradients(expected, X[batch], Y[batch])
            expected = {k: v - 0.3 * grads[k] for k, v in expected.items()}
    for key in expected:
        np.testing.assert_allclose(params[key], expected[key], rtol=1e-13)
    assert history["loss"][-1] == pytest.approx(module.loss(params, X, Y))


@pytest.mark.parametrize("style", ["vectorized", "unrolled"])
@pytest.mark.parametrize("network", [
    {"layers": [3, 4, 3], "activation": ["relu", "softmax"], "loss": "cross-entropy"},
    {"layers": [3, 4, 2], "activation": ["softplus", "sigmoid"], "loss": "binary-cross-entropy",
     "bias": "per-layer"},
    {"layers": [3, 3, 1], "activation": ["leaky-relu", "identity"], "loss": "output",
     "bias": "none"},
])
def test_float32_stays_float32(tmp_path, style, network):
    network_spec = spec.from_dict({"network": network})
    derivation = derive(network_spec)
    modules = {}
    for dtype in ("float32", "float64"):
        path = tmp_path / f"net_{style}_{dtype}.py"
        path.write_text(render(derivation, style=style, dtype=dtype))
        modules[dtype] = import_file(path, f"{tmp_path.name}_{path.stem}")
    single, double = modules["float32"], modules["float64"]
    assert single.DTYPE is np.float32
    params = single.init_params(seed=2)
    assert all(v.dtype == np.float32 for v in params.values())
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 3))  # float64 input: the module works in its own dtype
    n = network["layers"][-1]
    Y = None if network["loss"] == "output" else np.eye(n)[rng.integers(0, n, 5)]
    assert single.forward(params, X).dtype == np.float32
    assert single.loss(params, X, Y).dtype == np.float32
    grads = single.gradients(params, X, Y)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert all(v.dtype == np.float32 for v in single.sgd_step(params, X, Y, 0.1).values())
    trained, _ = single.train(params, X, Y, epochs=2, batch_size=2, learning_rate=0.1)
    assert all(v.dtype == np.float32 for v in trained.values())
    exact = double.gradients({k: v.astype(np.float64) for k, v in params.items()}, X, Y)
    for key, value in exact.items():
        np.testing.assert_allclose(grads[key], value, rtol=0,
                                   atol=1e-5 * max(1.0, np.abs(value).max()), err_msg=key)
