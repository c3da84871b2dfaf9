"""The matrix form of backpropagation, per layer, as a view of the scalar derivation.

For a non-input layer l with n_l neurons (rows = neurons of layer l, columns = neurons of
layer l−1, so ``net = W out + b``):

    netˡ      = Wˡ outˡ⁻¹ + bˡ                       (n_l × 1)
    δᴸ        = ∇_out E ⊙ φ′(netᴸ)                   elementwise output activation
    δᴸ        = Jᵀ ∇_out E                           softmax (J = ∂out/∂net, n_L × n_L)
    δˡ        = (Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ φ′(netˡ)               hidden layers
    ∂E/∂Wˡ    = δˡ (outˡ⁻¹)ᵀ                         (n_l × n_{l−1})
    ∂E/∂bˡ    = δˡ   (per-layer bias: the sum of δˡ's entries)

Every entry is built from the symbols and factors of the Derivation (SymPy's
MatrixSymbol calculus is not used: it is wrong in places). ``check_against_scalar``
compares each entry with the scalar definitions; the tests call it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symnn.derive import Derivation
from symnn.naming import gradient_id, qid, symbol


@dataclass(frozen=True)
class LayerMatrices:
    """The matrices of one layer; ``slope`` is φ′ as a column, or J for softmax."""

    layer: int
    weights: sympy.Matrix
    biases: sympy.Matrix | None
    inputs: sympy.Matrix
    net: sympy.Matrix
    slope: sympy.Matrix
    dE_dout: sympy.Matrix
    delta: sympy.Matrix
    dE_dW: sympy.Matrix
    dE_db: sympy.Matrix | None

    @property
    def is_jacobian(self) -> bool:
        """True when the layer is softmax and ``slope`` is the full Jacobian."""
        return self.slope.shape[1] > 1

    @property
    def shape(self) -> tuple[int, int]:
        """(neurons of this layer, neurons of the previous layer): the shape of W."""
        return self.weights.shape


def layer_matrices(derivation: Derivation, layer: int) -> LayerMatrices:
    """The matrix form of one layer (2 ≤ layer ≤ L) in symbols of the derivation."""
    network = derivation.network
    rows, cols = network.size(layer), network.size(layer - 1)
    weights = sympy.Matrix(rows, cols, lambda j, k: symbol(qid("w", layer, j + 1, k + 1)))
    inputs = _column(qid("out", layer - 1, k) for k in range(1, cols + 1))
    bias_ids = network.bias_ids(layer)
    biases = None
    net = weights * inputs
    if bias_ids:
        biases = sympy.Matrix([symbol(network.bias_of(layer, j)) for j in range(1, rows + 1)])
        net = net + biases
    delta_ids = [qid("delta", layer, j) for j in range(1, rows + 1)]
    slope = _slope(derivation, layer, delta_ids)
    dE_dout = _dE_dout(derivation, layer)
    elementwise = slope.shape[1] == 1
    delta = dE_dout.multiply_elementwise(slope) if elementwise else slope.T * dE_dout
    delta_symbols = _column(delta_ids)
    dE_dW = delta_symbols * inputs.T
    dE_db = None
    if network.spec.bias == "per-neuron":
        dE_db = delta_symbols
    elif network.spec.bias == "per-layer":
        dE_db = sympy.Matrix([sum(delta_symbols)])
    return LayerMatrices(
        layer, weights, biases, inputs, net, slope, dE_dout, delta, dE_dW, dE_db
    )


def _column(ids) -> sympy.Matrix:
    return sympy.Matrix([symbol(i) for i in ids])


def _slope(derivation: Derivation, layer: int, delta_ids: list[str]) -> sympy.Matrix:
    """φ′(net) as a column, or the softmax Jacobian J[i, j] = ∂out_i/∂net_j."""
    signals = [derivation.error_signals[d] for d in delta_ids]
    if all(len(s.terms) == 1 for s in signals):
        return sympy.Matrix([s.terms[0][1].value for s in signals])
    size = len(delta_ids)
    return sympy.Matrix(size, size, lambda i, j: signals[j].terms[i][1].value)


def _dE_dout(derivation: Derivation, layer: int) -> sympy.Matrix:
    """∇_out E at the output layer; (Wˡ⁺¹)ᵀ δˡ⁺¹ for a hidden layer."""
    network = derivation.network
    size = network.size(layer)
    if layer == network.depth:
        return _column_of(derivation, [qid("dE/dout", layer, j) for j in range(1, size + 1)])
    following = network.size(layer + 1)
    weights_next = sympy.Matrix(
        following, size, lambda i, j: symbol(qid("w", layer + 1, i + 1, j + 1))
    )
    deltas_next = _column(qid("delta", layer + 1, i) for i in range(1, following + 1))
    return weights_next.T * deltas_next


def _column_of(derivation: Derivation, ids: list[str]) -> sympy.Matrix:
    return sympy.Matrix([derivation.definitions[i] for i in ids])


def check_against_scalar(derivation: Derivation, layer: int) -> list[str]:
    """Ids whose matrix-form entry differs from the scalar definition (empty: all agree)."""
    view = layer_matrices(derivation, layer)
    network = derivation.network
    defs = derivation.definitions
    dE_dout_symbols = {symbol(qid("dE/dout", layer, j)): view.dE_dout[j - 1]
                       for j in range(1, network.size(layer) + 1)}
    mismatches = []
    for j in range(1, network.size(layer) + 1):
        pairs = [
            (qid("net", layer, j), view.net[j - 1]),
            (qid("delta", layer, j), view.delta[j - 1]),
        ]
        if layer < network.depth:
            pairs.append((qid("dE/dout", layer, j), view.dE_dout[j - 1]))
        pairs += [
            (qid("dE/dw", layer, j, k), view.dE_dW[j - 1, k - 1])
            for k in range(1, network.size(layer - 1) + 1)
        ]
        for quantity_id, entry in pairs:
            scalar = defs[quantity_id].xreplace(dE_dout_symbols)
            if sympy.simplify(sympy.expand(scalar - entry)) != 0:
                mismatches.append(quantity_id)
    if view.dE_db is not None:
        for b_id, entry in zip(network.bias_ids(layer), view.dE_db, strict=True):
            if sympy.expand(defs[gradient_id(b_id)] - entry) != 0:
                mismatches.append(gradient_id(b_id))
    return mismatches
