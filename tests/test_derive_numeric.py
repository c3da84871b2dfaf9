"""Every gradient of the derivation equals PyTorch float64 autograd and central differences.

The PyTorch network is written here from the spec independently of symnn (torch's own
activation and loss functions); symnn's numbers come from ``symnn.evaluate`` (50 digits).
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
import torch

from symnn import spec
from symnn.activations import ACTIVATIONS
from symnn.derive import derive
from symnn.errors import SpecWarning
from symnn.evaluate import evaluate
from symnn.losses import LOSSES
from symnn.naming import gradient_id, qid

# One sample as a vector (softmax over dim 0, losses summed over it): not the batch maps
# of tests/torch_training.py, on purpose, so this oracle shares no code with that one.
TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky-relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "identity": lambda z: z,
    "softplus": torch.nn.functional.softplus,
    "softmax": lambda z: torch.softmax(z, dim=0),
}
TORCH_LOSSES = {
    "mse": lambda y, d: ((d - y) ** 2).mean(),
    "half-sse": lambda y, d: 0.5 * ((d - y) ** 2).sum(),
    "sse": lambda y, d: ((d - y) ** 2).sum(),
    "cross-entropy": lambda y, d: -(d * torch.log(y)).sum(),
    "binary-cross-entropy": lambda y, d: -(d * torch.log(y) + (1 - d) * torch.log(1 - y)).sum(),
    "output": lambda y, d: y[0],
}
# Losses taking log(y) need outputs in (0, 1).
PROBABILITY_OUTPUTS = {"cross-entropy": "softmax", "binary-cross-entropy": "sigmoid"}


def random_case(seed: int, hidden: str, loss: str, bias: str) -> dict:
    """A random net (2-4 layers of 1-4 neurons) with values written as short decimals."""
    rng = random.Random(seed)
    layers = [rng.randint(1, 4) for _ in range(rng.randint(3, 4))]
    output = PROBABILITY_OUTPUTS.get(loss, hidden if hidden != "softmax" else "sigmoid")
    if loss == "output":
        layers[-1] = 1
    if output == "softmax":
        layers[-1] = max(layers[-1], 2)
    hidden_act = "tanh" if hidden == "softmax" else hidden

    def number():
        return float(f"{rng.uniform(-1.5, 1.5):.3f}")

    def probability():
        return float(f"{rng.uniform(0.05, 0.95):.2f}")

    values = {
        "inputs": [number() for _ in range(layers[0])],
        "targets": [probability() for _ in range(layers[-1])],
        "weights": [
            [[number() for _ in range(a)] for _ in range(b)]
            for a, b in itertools.pairwise(layers)
        ],
    }
    if bias == "per-neuron":
        values["biases"] = [[number() for _ in range(n)] for n in layers[1:]]
    elif bias == "per-layer":
        values["biases"] = [number() for _ in layers[1:]]
    return {
        "network": {
            "layers": layers,
            "activation": [hidden_act] * (len(layers) - 2) + [output],
            "loss": loss,
            "bias": bias,
        },
        "values": values,
    }


def torch_gradients(case: dict, x_requires_grad: bool = True) -> dict[str, float]:
    """Gradients of the loss by torch autograd, keyed by symnn's canonical ids."""
    net, vals = case["network"], case["values"]
    x = torch.tensor(vals["inputs"], dtype=torch.float64, requires_grad=x_requires_grad)
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in vals["weights"]]
    biases = [torch.tensor(b, dtype=torch.float64, requires_grad=True)
              for b in vals.get("biases", [])]
    loss = torch_loss(case, x, weights, biases)
    loss.backward()
    grads = {qid("dE/dx", k + 1): float(g) for k, g in enumerate(x.grad)}
    for m, w in enumerate(weights):
        for j in range(w.shape[0]):
            for k in range(w.shape[1]):
                grads[qid("dE/dw", m + 2, j + 1, k + 1)] = float(w.grad[j, k])
    for m, b in enumerate(biases):
        if net["bias"] == "per-layer":
            grads[qid("dE/db", m + 2)] = float(b.grad)
        else:
            for j in range(b.shape[0]):
                grads[qid("dE/db", m + 2, j + 1)] = float(b.grad[j])
    return grads


def torch_loss(case, x, weights, biases):
    """The loss of the case's network, computed by torch."""
    net, vals = case["network"], case["values"]
    out = x
    for m, w in enumerate(weights):
        z = w @ out + (biases[m] if biases else 0)
        out = TORCH_ACTIVATIONS[net["activation"][m]](z)
    d = torch.tensor(vals["targets"], dtype=torch.float64)
    return TORCH_LOSSES[net["loss"]](out, d)


def derive_case(case: dict):
    """The derivation of a random case. Distribution targets (cross-entropy) are drawn
    independently, so they seldom sum to 1: the spec must warn, and the gradients are
    still compared as written."""
    targets = sum(Fraction(repr(t)) for t in case["values"]["targets"])
    if LOSSES[case["network"]["loss"]].targets == "distribution" and targets != 1:
        with pytest.warns(SpecWarning, match=r"^values\.targets: cross-entropy targets sum to"):
            return derive(spec.from_dict(case))
    return derive(spec.from_dict(case))


CASES = [
    (hidden, loss, bias, seed)
    for seed, (hidden, loss, bias) in enumerate(
        (h, lo, b)
        for h in ACTIVATIONS
        for lo in LOSSES
        for b in ("per-neuron", "per-layer", "none")
    )
]


@pytest.mark.parametrize(("hidden", "loss", "bias", "seed"), CASES)
def test_gradients_equal_torch_autograd(hidden, loss, bias, seed):
    case = random_case(seed, hidden, loss, bias)
    derivation = derive_case(case)
    numbers = evaluate(derivation)
    expected = torch_gradients(case)
    params = derivation.network.parameter_ids() + derivation.network.input_ids()
    assert sorted(expected) == sorted(gradient_id(p) for p in params)
    for grad, value in expected.items():
        ours = numbers.as_float(grad)
        assert abs(ours - value) <= 1e-12 * abs(value) + 1e-15, (grad, ours, value)


@pytest.mark.parametrize(("hidden", "loss", "bias", "seed"), CASES[::5])
def test_gradients_equal_central_differences(hidden, loss, bias, seed):
    case = random_case(seed, hidden, loss, bias)
    derivation = derive_case(case)
    numbers = evaluate(derivation)
    vals = case["values"]
    step = 1e-6
    for m, matrix in enumerate(vals["weights"]):
        for j, row in enumerate(matrix):
            for k in range(len(row)):
                def loss_at(delta, m=m, j=j, k=k):
                    weights = [torch.tensor(w, dtype=torch.float64) for w in vals["weights"]]
                    weights[m][j, k] += delta
                    x = torch.tensor(vals["inputs"], dtype=torch.float64)
                    biases = [torch.tensor(b, dtype=torch.float64)
                              for b in vals.get("biases", [])]
                    return float(torch_loss(case, x, weights, biases))

                central = (loss_at(step) - loss_at(-step)) / (2 * step)
                ours = numbers.as_float(qid("dE/dw", m + 2, j + 1, k + 1))
                assert abs(ours - central) <= 1e-6 * max(1.0, abs(ours)), (m, j, k)


def test_the_torch_oracle_notices_a_wrong_gradient():
    """Perturbing one of symnn's values must break the comparison (the test can fail)."""
    case = random_case(3, "sigmoid", "mse", "per-neuron")
    numbers = evaluate(derive_case(case))
    expected = torch_gradients(case)
    wrong = numbers.as_float("dE/dw[2,1,1]") * (1 + 1e-9)
    assert abs(wrong - expected["dE/dw[2,1,1]"]) > 1e-12 * abs(expected["dE/dw[2,1,1]"])
