"""The network as SymPy expressions: symbols for every quantity and the forward pass.

``build(spec)`` gives a ``Network``: the ids of inputs, targets and parameters, and the
forward definitions ``net[l,j] = Σ_k w[l,j,k]·out[l-1,k] + b`` and ``out[l,j] = φ(net[l,j])``
(softmax: ``out[L,j] = exp(net[L,j]) / Σ_i exp(net[L,i])``), and the loss E in the
symbols ``out[L,j]`` and ``d[j]``. Every expression is in symbols of other quantities, so
each stays short whatever the size of the net.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from symnn import activations, losses
from symnn.algebra import product, total
from symnn.naming import qid, symbol
from symnn.spec import NetworkSpec


@dataclass
class Network:
    """Symbols and forward definitions of a network spec."""

    spec: NetworkSpec
    forward: dict[str, sympy.Expr] = field(default_factory=dict)  # net and out, in order
    loss: sympy.Expr = sympy.S.Zero

    @property
    def depth(self) -> int:
        """L, the number of layers including the input layer."""
        return self.spec.depth

    @property
    def leaky_slope(self) -> sympy.Rational:
        """The slope of leaky-relu for negative inputs, exact."""
        return sympy.Rational(self.spec.leaky_slope)

    def size(self, layer: int) -> int:
        """The number of neurons of a layer (layers count from 1)."""
        return self.spec.layers[layer - 1]

    def activation(self, layer: int) -> str:
        """The activation name of a non-input layer."""
        return self.spec.activations[layer - 2]

    def input_ids(self) -> list[str]:
        """The inputs: the outputs of layer 1."""
        return [qid("out", 1, k) for k in range(1, self.size(1) + 1)]

    def target_ids(self) -> list[str]:
        """The targets d[j], one per output neuron."""
        return [qid("d", j) for j in range(1, self.size(self.depth) + 1)]

    def weight_ids(self, layer: int) -> list[list[str]]:
        """w[l,j,k] as rows (receiving neuron j) of columns (sending neuron k)."""
        return [
            [qid("w", layer, j, k) for k in range(1, self.size(layer - 1) + 1)]
            for j in range(1, self.size(layer) + 1)
        ]

    def bias_ids(self, layer: int) -> list[str]:
        """The biases of a layer: one per neuron, one shared, or none."""
        if self.spec.bias == "per-neuron":
            return [qid("b", layer, j) for j in range(1, self.size(layer) + 1)]
        if self.spec.bias == "per-layer":
            return [qid("b", layer)]
        return []

    def bias_of(self, layer: int, j: int) -> str | None:
        """The id of the bias added to neuron j of a layer, if any."""
        if self.spec.bias == "per-neuron":
            return qid("b", layer, j)
        if self.spec.bias == "per-layer":
            return qid("b", layer)
        return None

    def parameter_ids(self) -> list[str]:
        """Every weight and bias, layer by layer (weights row by row, then biases)."""
        ids: list[str] = []
        for layer in range(2, self.depth + 1):
            ids += [w for row in self.weight_ids(layer) for w in row]
            ids += self.bias_ids(layer)
        return ids


def build(spec: NetworkSpec) -> Network:
    """Build the symbolic forward pass and loss of a spec."""
    network = Network(spec)
    for layer in range(2, spec.depth + 1):
        nets = []
        for j in range(1, network.size(layer) + 1):
            weighted = total([
                product(symbol(qid("w", layer, j, k)), symbol(qid("out", layer - 1, k)))
                for k in range(1, network.size(layer - 1) + 1)
            ])
            bias = network.bias_of(layer, j)
            network.forward[qid("net", layer, j)] = (
                weighted if bias is None else sympy.Add(weighted, symbol(bias))
            )
            nets.append(symbol(qid("net", layer, j)))
        name = network.activation(layer)
        for j, net in enumerate(nets, start=1):
            if activations.get(name).elementwise:
                out = activations.expression(name, net, network.leaky_slope)
            else:
                out = activations.get(name).build(nets, j - 1)
            network.forward[qid("out", layer, j)] = out
    outputs = [symbol(qid("out", spec.depth, j)) for j in range(1, spec.layers[-1] + 1)]
    targets = [symbol(t) for t in network.target_ids()]
    network.loss = losses.get(spec.loss).build(outputs, targets)
    return network
