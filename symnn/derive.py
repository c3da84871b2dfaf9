"""Backpropagation by the chain rule, per scalar, with the error signals δ.

``derive(spec)`` returns a ``Derivation``. Every quantity has a *definition*: a short
SymPy expression in the symbols of other quantities (never the expanded loss), so the
work grows linearly with the number of parameters:

    dE/dout[L,j] = ∂E/∂out[L,j]                      (sympy.diff of the loss)
    delta[l,j]   = dE/dout[l,j] · φ'(net[l,j])       (softmax: Σ_i dE/dout[L,i] · ∂out_i/∂net_j)
    dE/dout[l,j] = Σ_i delta[l+1,i] · w[l+1,i,j]     (hidden layers: the δ recursion)
    dE/dw[l,j,k] = delta[l,j] · out[l-1,k]
    dE/db[l,j]   = delta[l,j]          dE/db[l] = Σ_j delta[l,j]
    dE/dx[k]     = Σ_j delta[2,j] · w[2,j,k]

φ' is written in terms of the neuron's output where SymPy finds such a form (sigmoid:
out(1-out)), else in terms of net (relu). Alongside the definitions, each error signal
and gradient keeps its chain of Leibniz factors for documents and the checker.
``expand`` substitutes definitions down to inputs, targets, weights and biases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy

from symnn import activations
from symnn.algebra import product, total
from symnn.naming import parse_id, qid, symbol
from symnn.network import Network, build
from symnn.spec import NetworkSpec


@dataclass(frozen=True)
class Factor:
    """One Leibniz factor ∂numerator/∂denominator and its value in symbols of quantities."""

    numerator: str
    denominator: str
    value: sympy.Expr


@dataclass(frozen=True)
class ErrorSignal:
    """δ = ∂E/∂net of one neuron, as a sum of products of two factors.

    Elementwise activations have one term (∂E/∂out · ∂out/∂net); softmax has one term per
    output neuron. ``simplified`` is a shorter equal form valid under ``condition``
    (softmax with cross-entropy: out − d when the targets sum to 1).
    """

    id: str
    terms: tuple[tuple[Factor, Factor], ...]
    simplified: sympy.Expr | None = None
    condition: str | None = None


@dataclass(frozen=True)
class Gradient:
    """∂E/∂(quantity) = Σ δ · ∂net/∂(quantity) over the neurons the quantity feeds.

    ``terms`` pairs the id of each δ with the factor ∂net/∂(quantity). The output
    layer's dE/dout has no terms: it is differentiated from the loss directly.
    """

    id: str
    wrt: str
    terms: tuple[tuple[str, Factor], ...]


@dataclass
class Derivation:
    """Everything derived for a network: definitions, error signals, gradients."""

    network: Network
    definitions: dict[str, sympy.Expr] = field(default_factory=dict)
    error_signals: dict[str, ErrorSignal] = field(default_factory=dict)
    gradients: dict[str, Gradient] = field(default_factory=dict)
    dout_dnet: dict[str, Factor] = field(default_factory=dict)  # keyed by out id

    @property
    def spec(self) -> NetworkSpec:
        """The spec the network was built from."""
        return self.network.spec

    def expression(self, quantity_id: str) -> sympy.Expr:
        """The definition of a quantity in symbols of other quantities."""
        return self.definitions[quantity_id]

    def expand(self, quantity_id: str) -> sympy.Expr:
        """The quantity in inputs, targets, weights and biases only (for small nets)."""
        return self._expanded(quantity_id)

    def _expanded(self, quantity_id: str) -> sympy.Expr:
        cache = self._expand_cache
        if quantity_id not in cache:
            expr = self.definitions[quantity_id]
            inner = {
                s: self._expanded(s.name) for s in expr.free_symbols if s.name in self.definitions
            }
            cache[quantity_id] = expr.xreplace(inner)
        return cache[quantity_id]

    @cached_property
    def _expand_cache(self) -> dict[str, sympy.Expr]:
        return {}

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


def derive(spec: NetworkSpec) -> Derivation:
    """Derive every gradient of a spec's network by the chain rule."""
    network = build(spec)
    derivation = Derivation(network)
    defs = derivation.definitions
    defs.update(network.forward)
    defs["E"] = network.loss
    depth = network.depth
    for j in range(1, network.size(depth) + 1):
        out_id = qid("out", depth, j)
        defs[qid("dE/dout", depth, j)] = sympy.diff(network.loss, symbol(out_id))
        derivation.gradients[qid("dE/dout", depth, j)] = Gradient(
            qid("dE/dout", depth, j), out_id, ()
        )
    for layer in range(depth, 1, -1):
        if layer < depth:
            _hidden_dE_dout(derivation, layer)
        _error_signals(derivation, layer)
        _parameter_gradients(derivation, layer)
    _input_gradients(derivation)
    return derivation


def _hidden_dE_dout(derivation: Derivation, layer: int) -> None:
    network = derivation.network
    for j in range(1, network.size(layer) + 1):
        out_id = qid("out", layer, j)
        terms = tuple(
            (
                qid("delta", layer + 1, i),
                Factor(qid("net", layer + 1, i), out_id, symbol(qid("w", layer + 1, i, j))),
            )
            for i in range(1, network.size(layer + 1) + 1)
        )
        _add_gradient(derivation, qid("dE/dout", layer, j), out_id, terms)


def _add_gradient(derivation: Derivation, grad_id: str, wrt: str, terms: tuple) -> None:
    derivation.gradients[grad_id] = Gradient(grad_id, wrt, terms)
    derivation.definitions[grad_id] = total(
        [product(symbol(delta_id), factor.value) for delta_id, factor in terms]
    )


def _error_signals(derivation: Derivation, layer: int) -> None:
    network = derivation.network
    name = network.activation(layer)
    size = network.size(layer)
    outs = [symbol(qid("out", layer, i)) for i in range(1, size + 1)]
    defs = derivation.definitions
    for j in range(1, size + 1):
        out_id, net_id = qid("out", layer, j), qid("net", layer, j)
        if activations.get(name).elementwise:
            factor = Factor(out_id, net_id, _activation_slope(network, name, out_id, net_id))
            derivation.dout_dnet[out_id] = factor
            d_out = Factor("E", out_id, defs[qid("dE/dout", layer, j)])
            terms = ((d_out, factor),)
        else:
            terms = tuple(
                (
                    Factor("E", qid("out", layer, i), defs[qid("dE/dout", layer, i)]),
                    Factor(
                        qid("out", layer, i),
                        net_id,
                        activations.softmax_jacobian_entry(i - 1, j - 1, outs),
                    ),
                )
                for i in range(1, size + 1)
            )
        delta_id = qid("delta", layer, j)
        value = _delta_value(terms, layer, j)
        defs[delta_id] = value
        simplified, condition = _softmax_simplification(network, layer, j, value)
        derivation.error_signals[delta_id] = ErrorSignal(delta_id, terms, simplified, condition)


def _delta_value(terms: tuple, layer: int, j: int) -> sympy.Expr:
    """δ's definition: dE/dout · φ' for one term, else the simplified sum of products."""
    if len(terms) == 1:
        ((_, slope),) = terms
        return symbol(qid("dE/dout", layer, j)) * slope.value
    total = sympy.Add(*[a.value * b.value for a, b in terms])
    return sympy.factor_terms(sympy.expand(total))


def _activation_slope(network: Network, name: str, out_id: str, net_id: str) -> sympy.Expr:
    slope = network.leaky_slope
    in_output = activations.derivative_in_output(name, slope)
    if in_output is not None:
        return in_output.subs(activations.A, symbol(out_id))
    return activations.derivative(name, slope).subs(activations.Z, symbol(net_id))


def _softmax_simplification(network: Network, layer: int, j: int, value: sympy.Expr):
    """Softmax + cross-entropy: δ_j = out_j Σ_i d_i − d_j, which is out_j − d_j if Σ d = 1.

    Substitutes one target other than d_j by 1 minus the others; kept only if the result
    is shorter and involves no other neuron's output (the form the tutorials show).
    """
    targets = [symbol(t) for t in network.target_ids()]
    if layer != network.depth or network.activation(layer) != "softmax" or len(targets) < 2:
        return None, None
    replaced = targets[-1] if j != len(targets) else targets[-2]
    rest = sympy.Add(*[t for t in targets if t != replaced])
    candidate = sympy.expand(value.xreplace({replaced: 1 - rest}))
    local = {symbol(qid("out", layer, j)), *targets}
    if not candidate.free_symbols <= local or sympy.count_ops(candidate) >= sympy.count_ops(value):
        return None, None
    return candidate, "the targets sum to 1 (one-hot or probabilities)"


def _parameter_gradients(derivation: Derivation, layer: int) -> None:
    network = derivation.network
    for j, row in enumerate(network.weight_ids(layer), start=1):
        delta_id, net_id = qid("delta", layer, j), qid("net", layer, j)
        for k, w_id in enumerate(row, start=1):
            factor = Factor(net_id, w_id, symbol(qid("out", layer - 1, k)))
            _add_gradient(derivation, qid("dE/dw", layer, j, k), w_id, ((delta_id, factor),))
    size = network.size(layer)
    for b_id in network.bias_ids(layer):
        shared = network.spec.bias == "per-layer"
        neurons = range(1, size + 1) if shared else [parse_id(b_id).indices[1]]
        terms = tuple(
            (qid("delta", layer, j), Factor(qid("net", layer, j), b_id, sympy.S.One))
            for j in neurons
        )
        _add_gradient(derivation, "dE/d" + b_id, b_id, terms)


def _input_gradients(derivation: Derivation) -> None:
    network = derivation.network
    for k, x_id in enumerate(network.input_ids(), start=1):
        terms = tuple(
            (qid("delta", 2, j), Factor(qid("net", 2, j), x_id, symbol(qid("w", 2, j, k))))
            for j in range(1, network.size(2) + 1)
        )
        _add_gradient(derivation, qid("dE/dx", k), x_id, terms)
