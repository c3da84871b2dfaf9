"""The matrix form agrees element by element with the scalar derivation; fast builders
equal SymPy's own constructors."""

from __future__ import annotations

import itertools

import pytest
import sympy

from symnn import spec
from symnn.algebra import product, total
from symnn.derive import derive
from symnn.matrix import check_against_scalar, layer_matrices


@pytest.mark.parametrize(
    ("output", "loss", "bias"),
    [
        ("sigmoid", "mse", "per-neuron"),
        ("softmax", "cross-entropy", "per-layer"),
        ("softmax", "mse", "none"),
        ("relu", "sse", "per-neuron"),
        ("softplus", "cross-entropy", "per-layer"),
        ("sigmoid", "binary-cross-entropy", "per-layer"),
        ("tanh", "half-sse", "none"),
    ],
)
def test_matrix_form_matches_scalar(output, loss, bias):
    network_spec = spec.from_dict({"network": {
        "layers": [3, 4, 3, 3], "activation": ["leaky-relu", "tanh", output],
        "loss": loss, "bias": bias}})
    derivation = derive(network_spec)
    for layer in (2, 3, 4):
        assert check_against_scalar(derivation, layer) == []


def test_matrix_shapes_and_softmax_jacobian():
    network_spec = spec.from_dict({"network": {
        "layers": [3, 4, 2], "activation": ["sigmoid", "softmax"], "loss": "cross-entropy"}})
    derivation = derive(network_spec)
    hidden, output = layer_matrices(derivation, 2), layer_matrices(derivation, 3)
    assert hidden.shape == (4, 3)
    assert hidden.dE_dW.shape == (4, 3)
    assert not hidden.is_jacobian
    assert output.is_jacobian
    assert output.slope.shape == (2, 2)
    out1, out2 = sympy.Symbol("out[3,1]", real=True), sympy.Symbol("out[3,2]", real=True)
    assert sympy.expand(output.slope[0, 1] + out1 * out2) == 0
    assert sympy.expand(output.slope[0, 0] - out1 * (1 - out1)) == 0


def test_check_against_scalar_can_fail():
    """A corrupted definition must be reported (the check is not vacuous)."""
    network_spec = spec.from_dict({"network": {
        "layers": [2, 2, 2], "activation": "sigmoid", "loss": "mse"}})
    derivation = derive(network_spec)
    derivation.definitions["dE/dw[3,1,2]"] *= 2
    assert check_against_scalar(derivation, 3) == ["dE/dw[3,1,2]"]


def test_fast_builders_equal_sympy():
    w = [sympy.Symbol(f"w[2,{j},{k}]", real=True) for j in range(1, 4) for k in range(1, 12)]
    a = [sympy.Symbol(f"out[1,{k}]", real=True) for k in range(1, 12)]
    pairs = list(itertools.product(w[:12], a))
    for left, right in pairs:
        built = product(left, right)
        assert built == sympy.Mul(left, right)
        assert built.args == sympy.Mul(left, right).args
        assert hash(built) == hash(sympy.Mul(left, right))
    terms = [product(wi, ai) for wi, ai in zip(w, a * 3, strict=False)]
    assert total(terms).args == sympy.Add(*terms).args
    assert total(terms) - sympy.Add(*terms) == 0
    x = sympy.Symbol("x", real=True)
    assert product(x, x) == x**2
    assert total([x, x]) == 2 * x
