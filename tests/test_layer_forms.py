"""The layer forms equal the per-scalar derivation, entry by entry and in order.

``symnn.derive`` asks each layer object for its quantities, which the layer instantiates
from forms derived once per layer (φ' in a or z, the softmax Jacobian for i = j and
i ≠ j, renamed per neuron). ``tests/per_scalar.py`` derives every quantity directly per
scalar, as symnn did before. Equal SymPy objects print the same, so every output built
on the derivation is unchanged; ``test_derive_symbolic`` checks the per-scalar
instances against ``sympy.diff``.
"""

from __future__ import annotations

import pytest

from symnn import activations, losses, spec
from symnn.derive import derive
from tests.per_scalar import reference

ELEMENTWISE = [name for name in activations.ACTIVATIONS if name != "softmax"]
NETS = [
    *[([2, 3, 2], [name, name], "mse", "per-neuron") for name in ELEMENTWISE],
    *[([2, 2, 3], ["tanh", "softmax"], loss, "per-layer")
      for loss in losses.LOSSES if loss != "output"],
    ([3, 2, 1], ["relu", "softmax"], "cross-entropy", "none"),
    ([2, 2, 4], ["leaky-relu", "softmax"], "cross-entropy", "per-neuron"),
    ([2, 4, 3, 2], ["softplus", "sigmoid", "softmax"], "cross-entropy", "per-neuron"),
    ([3, 2, 1], ["sigmoid", "identity"], "output", "per-layer"),
    ([2, 2, 2], ["sigmoid", "sigmoid"], "binary-cross-entropy", "none"),
]


def _spec(layers, acts, loss, bias):
    return spec.from_dict({"network": {"layers": layers, "activation": acts, "loss": loss,
                                       "bias": bias, "leaky_slope": 0.2}})


@pytest.mark.parametrize(("layers", "acts", "loss", "bias"), NETS)
def test_every_entry_equals_the_per_scalar_derivation(layers, acts, loss, bias):
    network_spec = _spec(layers, acts, loss, bias)
    expected = reference(network_spec)
    derivation = derive(network_spec)
    for name, entries in expected.items():
        mapping = getattr(derivation, name)
        assert list(mapping) == list(entries), name
        assert len(mapping) == len(entries), name
        for key, value in entries.items():
            assert key in mapping
            assert mapping[key] == value, (name, key)


def test_entries_are_built_only_when_read():
    derivation = derive(_spec([784, 20, 20, 10], ["sigmoid"] * 3, "mse", "per-neuron"))
    assert derivation.definitions["dE/dw[2,20,784]"] == derivation.expression("dE/dw[2,20,784]")
    built = derivation.definitions._built
    assert set(built) == {"dE/dw[2,20,784]"}
    assert len(derivation.definitions) == 2 * 50 + 1 + 2 * 50 + 16330 + 784
    assert "dE/dw[2,21,1]" not in derivation.definitions
    assert "dE/db[2]" not in derivation.gradients
    assert "w[2,1,1]" not in derivation.definitions
    assert set(built) == {"dE/dw[2,20,784]"}
