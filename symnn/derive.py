"""Backpropagation by the chain rule, per layer, instantiated per scalar on demand.

``derive(spec)`` returns a ``Derivation``. Every quantity has a *definition*: a short
SymPy expression in the symbols of other quantities (never the expanded loss), so the
work grows linearly with the number of parameters:

    dE/dout[L,j] = ∂E/∂out[L,j]                      (sympy.diff of the loss)
    delta[l,j]   = dE/dout[l,j] · φ'(net[l,j])       (softmax: Σ_i dE/dout[L,i] · ∂out_i/∂net_j)
    dE/dout[l,j] = Σ_i delta[l+1,i] · w[l+1,i,j]     (hidden layers: the δ recursion)
    dE/dw[l,j,k] = delta[l,j] · out[l-1,k]
    dE/db[l,j]   = delta[l,j]          dE/db[l] = Σ_j delta[l,j]
    dE/dx[k]     = Σ_j delta[2,j] · w[2,j,k]

Each layer object (``symnn.layers``) owns its forward definitions and its Leibniz factors
(∂out/∂net, ∂net/∂w, ∂net/∂b, ∂net/∂out below) and derives φ' once per layer. The
Derivation's mappings (``definitions``, ``error_signals``, ``gradients``, ``dout_dnet``)
list every id in a fixed order but build an entry only when it is first read, so a
command pays only for what it uses. Alongside the definitions, each error signal and
gradient keeps its chain of Leibniz factors for documents and the checker. ``expand``
substitutes definitions down to inputs, targets, weights and biases.
"""

from __future__ import annotations

import sympy

from symnn.algebra import product, total
from symnn.layers import Dense
from symnn.lazymap import LazyMap
from symnn.leibniz import ErrorSignal, Factor, Gradient
from symnn.naming import QuantityId, gradient_wrt, parse_id, qid, symbol
from symnn.network import Network, build
from symnn.spec import NetworkSpec

__all__ = ["Derivation", "ErrorSignal", "Factor", "Gradient", "derive"]


class Derivation:
    """Everything derived for a network: definitions, error signals, gradients.

    Each mapping is a ``LazyMap``: iteration gives every id in the derivation's order
    (forward pass, E, then backwards layer by layer: ∂E/∂out, δ, ∂E/∂w, ∂E/∂b; then
    ∂E/∂x), and an entry is built on first access.
    """

    def __init__(self, network: Network):
        self.network = network
        sizes = network.spec.layers
        neurons = sum(sizes[1:])
        parameters = network.spec.parameter_count
        gradients = neurons + parameters + sizes[0]
        self.gradients = LazyMap(self._gradient_ids, self._gradient, self._is_gradient,
                                 gradients)
        self.definitions = LazyMap(self._definition_ids, self._definition,
                                   self._is_definition, 3 * neurons + 1 + gradients)
        self.error_signals = LazyMap(self._signal_ids, self._error_signal, self._is_signal,
                                     neurons)
        elementwise = [item for item in network.layers.values() if item.elementwise]
        self.dout_dnet = LazyMap(
            lambda: [i for item in reversed(elementwise) for i in item.ids("out")],
            self._dout_dnet, self._is_dout, sum(item.size for item in elementwise))
        self._expand_cache: dict[str, sympy.Expr] = {}

    def __repr__(self) -> str:
        return f"Derivation({'-'.join(map(str, self.spec.layers))}, {self.spec.loss})"

    @property
    def spec(self) -> NetworkSpec:
        """The spec the network was built from."""
        return self.network.spec

    def layer(self, index: int) -> Dense:
        """The layer object of non-input layer ``index`` (2..L)."""
        return self.network.layers[index]

    def expression(self, quantity_id: str) -> sympy.Expr:
        """The definition of a quantity in symbols of other quantities."""
        return self.definitions[quantity_id]

    def expand(self, quantity_id: str) -> sympy.Expr:
        """The quantity in inputs, targets, weights and biases only (for small nets)."""
        cache = self._expand_cache
        if quantity_id not in cache:
            expr = self.definitions[quantity_id]
            inner = {
                s: self.expand(s.name) for s in expr.free_symbols if s.name in self.definitions
            }
            cache[quantity_id] = expr.xreplace(inner)
        return cache[quantity_id]

    def chains(self, quantity_id: str) -> list[list[Factor]]:
        """The Leibniz chains whose products sum to a gradient or an error signal.

        A weight has one chain; a shared bias, a hidden ∂E/∂out and an input have one per
        neuron they feed; δ of a softmax output has one per output neuron.
        """
        if quantity_id in self.error_signals:
            return [list(term) for term in self.error_signals[quantity_id].terms]
        gradient = self.gradients[quantity_id]
        return [self.leibniz_chain(quantity_id, i) for i in range(len(gradient.terms))]

    def leibniz_chain(self, gradient_id: str, term: int = 0) -> list[Factor]:
        """The full chain of one term of a gradient: ∂E/∂out · ∂out/∂net · ∂net/∂(param).

        For softmax outputs, whose δ is a sum, the first factor is ∂E/∂net itself.
        """
        delta_id, last = self.gradients[gradient_id].terms[term]
        signal = self.error_signals[delta_id]
        if len(signal.terms) == 1:
            return [*signal.terms[0], last]
        net_id = last.numerator
        return [Factor("E", net_id, self.definitions[delta_id]), last]

    # -- the ids, in order ---------------------------------------------------------------
    def _backward_ids(self, with_deltas: bool) -> list[str]:
        network = self.network
        depth = network.depth
        ids = network.layers[depth].ids("dE/dout")
        for index in range(depth, 1, -1):
            item = network.layers[index]
            if index < depth:
                ids += item.ids("dE/dout")
            if with_deltas:
                ids += item.ids("delta")
            ids += [qid("dE/dw", index, j, k)
                    for j in range(1, item.size + 1) for k in range(1, item.below + 1)]
            ids += [qid("dE/db", *parse_id(b).indices) for b in item.bias_ids()]
        return ids + [qid("dE/dx", k) for k in range(1, network.size(1) + 1)]

    def _definition_ids(self) -> list[str]:
        return [*self.network.forward, "E", *self._backward_ids(with_deltas=True)]

    def _gradient_ids(self) -> list[str]:
        return self._backward_ids(with_deltas=False)

    def _signal_ids(self) -> list[str]:
        layers = reversed(self.network.layers.values())
        return [i for item in layers for i in item.ids("delta")]

    # -- membership ----------------------------------------------------------------------
    def _parsed(self, quantity_id: str) -> QuantityId | None:
        try:
            parsed = parse_id(quantity_id)
        except ValueError:
            return None
        return None if parsed.suffixed else parsed

    def _is_neuron(self, parsed: QuantityId) -> bool:
        return parsed.indices[0] >= 2 and self.network.has_neuron(*parsed.indices)

    def _is_gradient(self, quantity_id: str) -> bool:
        parsed = self._parsed(quantity_id)
        if parsed is None:
            return False
        network, indices = self.network, parsed.indices
        if parsed.kind == "dE/dout":
            return self._is_neuron(parsed)
        if parsed.kind == "dE/dx":
            return indices[0] <= network.size(1)
        if parsed.kind in ("dE/dw", "dE/db"):
            return gradient_wrt(quantity_id) in self._parameters
        return False

    @property
    def _parameters(self) -> set[str]:
        if not hasattr(self, "_parameter_set"):
            self._parameter_set = set(self.network.parameter_ids())
        return self._parameter_set

    def _is_signal(self, quantity_id: str) -> bool:
        parsed = self._parsed(quantity_id)
        return parsed is not None and parsed.kind == "delta" and self._is_neuron(parsed)

    def _is_dout(self, quantity_id: str) -> bool:
        parsed = self._parsed(quantity_id)
        if parsed is None or parsed.kind != "out" or not self._is_neuron(parsed):
            return False
        return self.layer(parsed.indices[0]).elementwise

    def _is_definition(self, quantity_id: str) -> bool:
        return (quantity_id == "E" or self.network.is_forward(quantity_id)
                or self._is_signal(quantity_id) or self._is_gradient(quantity_id))

    # -- the entries ---------------------------------------------------------------------
    def _dE_dout(self, index: int):
        """∂E/∂out[index, i] as a function of i (the definitions, built when asked)."""
        return lambda i: self.definitions[qid("dE/dout", index, i)]

    def _definition(self, quantity_id: str) -> sympy.Expr:
        if quantity_id == "E":
            return self.network.loss
        if self.network.is_forward(quantity_id):
            return self.network.forward[quantity_id]
        parsed = parse_id(quantity_id)
        if parsed.kind == "delta":
            index, j = parsed.indices
            return self.layer(index).delta_value(j, self._dE_dout(index))
        if parsed.kind == "dE/dout" and parsed.indices[0] == self.network.depth:
            return sympy.diff(self.network.loss, symbol(gradient_wrt(quantity_id)))
        terms = self.gradients[quantity_id].terms
        return total([product(symbol(delta_id), factor.value) for delta_id, factor in terms])

    def _gradient(self, quantity_id: str) -> Gradient:
        parsed = parse_id(quantity_id)
        wrt = gradient_wrt(quantity_id)
        depth = self.network.depth
        if parsed.kind == "dE/dout" and parsed.indices[0] == depth:
            return Gradient(quantity_id, wrt, ())
        if parsed.kind in ("dE/dout", "dE/dx"):
            index, k = (parsed.indices[0] + 1, parsed.indices[1]) if parsed.kind == "dE/dout" \
                else (2, parsed.indices[0])
            above = self.layer(index)
            terms = tuple((qid("delta", index, j), above.dnet_dbelow(j, k, wrt))
                          for j in range(1, above.size + 1))
        elif parsed.kind == "dE/dw":
            index, j, k = parsed.indices
            terms = ((qid("delta", index, j), self.layer(index).dnet_dweight(j, k)),)
        else:
            item = self.layer(parsed.indices[0])
            terms = tuple((qid("delta", item.index, j), item.dnet_dbias(j, wrt))
                          for j in item.bias_neurons(wrt))
        return Gradient(quantity_id, wrt, terms)

    def _error_signal(self, delta_id: str) -> ErrorSignal:
        index, j = parse_id(delta_id).indices
        item = self.layer(index)
        terms = item.delta_terms(j, self._dE_dout(index))
        targets = [symbol(t) for t in self.network.target_ids()]
        simplified, condition = item.simplified(j, self.definitions[delta_id], targets)
        return ErrorSignal(delta_id, terms, simplified, condition)

    def _dout_dnet(self, out_id: str) -> Factor:
        index, j = parse_id(out_id).indices
        return self.layer(index).dout_dnet(j)


def derive(spec: NetworkSpec) -> Derivation:
    """Derive every gradient of a spec's network by the chain rule (entries on demand)."""
    return Derivation(build(spec))
