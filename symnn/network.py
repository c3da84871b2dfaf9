"""The network as SymPy expressions: symbols for every quantity and the forward pass.

``build(spec)`` gives a ``Network``: one layer object per non-input layer
(``symnn.layers``), the ids of inputs, targets and parameters, the forward definitions
``net[l,j] = Σ_k w[l,j,k]·out[l-1,k] + b`` and ``out[l,j] = φ(net[l,j])`` (softmax:
``out[L,j] = exp(net[L,j]) / Σ_i exp(net[L,i])``), built by the layers on first access,
and the loss E in the symbols ``out[L,j]`` and ``d[j]``. Every expression is in symbols
of other quantities, so each stays short whatever the size of the net.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from symnn import layers as layer_kinds
from symnn import losses
from symnn.lazymap import LazyMap
from symnn.naming import parse_id, qid, symbol
from symnn.spec import NetworkSpec

FORWARD_KINDS = ("net", "out")


@dataclass
class Network:
    """Symbols, layers and forward definitions of a network spec."""

    spec: NetworkSpec
    layers: dict[int, layer_kinds.Dense] = field(default_factory=dict)  # 2..L
    loss: sympy.Expr = sympy.S.Zero

    def __post_init__(self):
        if not self.layers:
            depth = self.spec.depth
            self.layers = {i: layer_kinds.layer(self.spec, i) for i in range(2, depth + 1)}
        count = 2 * sum(self.spec.layers[1:])
        self.forward = LazyMap(self._forward_ids, self._forward, self.is_forward, count)

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

    def has_neuron(self, layer: int, j: int) -> bool:
        """True if neuron j of a layer exists (layers count from 1)."""
        return 1 <= layer <= self.depth and 1 <= j <= self.size(layer)

    def input_ids(self) -> list[str]:
        """The inputs: the outputs of layer 1."""
        return [qid("out", 1, k) for k in range(1, self.size(1) + 1)]

    def target_ids(self) -> list[str]:
        """The targets d[j], one per output neuron."""
        return [qid("d", j) for j in range(1, self.size(self.depth) + 1)]

    def weight_ids(self, layer: int) -> list[list[str]]:
        """w[l,j,k] as rows (receiving neuron j) of columns (sending neuron k)."""
        return self.layers[layer].weight_ids()

    def bias_ids(self, layer: int) -> list[str]:
        """The biases of a layer: one per neuron, one shared, or none."""
        return self.layers[layer].bias_ids()

    def bias_of(self, layer: int, j: int) -> str | None:
        """The id of the bias added to neuron j of a layer, if any."""
        return self.layers[layer].bias_of(j)

    def parameter_ids(self) -> list[str]:
        """Every weight and bias, layer by layer (weights row by row, then biases)."""
        ids: list[str] = []
        for layer in range(2, self.depth + 1):
            ids += [w for row in self.weight_ids(layer) for w in row]
            ids += self.bias_ids(layer)
        return ids

    # -- forward definitions -------------------------------------------------------------
    def is_forward(self, quantity_id: str) -> bool:
        """True for the id of a net or out of a non-input layer."""
        try:
            parsed = parse_id(quantity_id)
        except ValueError:
            return False
        return (parsed.kind in FORWARD_KINDS and not parsed.suffixed
                and parsed.indices[0] >= 2 and self.has_neuron(*parsed.indices))

    def _forward_ids(self) -> list[str]:
        ids: list[str] = []
        for item in self.layers.values():
            ids += item.ids("net") + item.ids("out")
        return ids

    def _forward(self, quantity_id: str) -> sympy.Expr:
        parsed = parse_id(quantity_id)
        layer, j = parsed.indices
        item = self.layers[layer]
        return item.net(j) if parsed.kind == "net" else item.out(j)


def build(spec: NetworkSpec) -> Network:
    """Build the symbolic network of a spec: its layers and its loss (the forward
    definitions are built on first access)."""
    network = Network(spec)
    outputs = [symbol(i) for i in network.layers[spec.depth].ids("out")]
    targets = [symbol(t) for t in network.target_ids()]
    network.loss = losses.get(spec.loss).build(outputs, targets)
    return network
