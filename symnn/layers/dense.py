"""A fully connected layer with an elementwise activation: out_j = φ(net_j).

    net[l,j] = Σ_k w[l,j,k]·out[l-1,k] + b      ∂net/∂w[l,j,k] = out[l-1,k]
    out[l,j] = φ(net[l,j])                       ∂net/∂b = 1,  ∂net/∂out[l-1,k] = w[l,j,k]
    δ[l,j]   = dE/dout[l,j] · φ'(net[l,j])

φ' is written in terms of the neuron's output where SymPy finds such a form (sigmoid:
out(1-out)), else in terms of net (relu). φ and φ' are derived once per layer in the
symbols z and a of ``symnn.activations`` and instantiated per neuron by renaming.
"""

from __future__ import annotations

from functools import cached_property

import sympy

from symnn import activations
from symnn.algebra import plus_symbol, product, total
from symnn.leibniz import Factor
from symnn.naming import parse_id, qid, symbol
from symnn.spec import NetworkSpec


class Dense:
    """Layer ``index`` (2..L) of a spec: fully connected, elementwise activation."""

    elementwise = True  # one ∂out/∂net factor per neuron

    def __init__(self, spec: NetworkSpec, index: int):
        self.index = index
        self.size = spec.layers[index - 1]
        self.below = spec.layers[index - 2]
        self.activation = spec.activations[index - 2]
        self.bias = spec.bias
        self.leaky_slope = sympy.Rational(spec.leaky_slope)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(layer {self.index}: {self.size} {self.activation})"

    # -- ids -----------------------------------------------------------------------------
    def ids(self, kind: str) -> list[str]:
        """The ids of one per-neuron kind (net, out, delta, dE/dout) of every neuron."""
        return [qid(kind, self.index, j) for j in range(1, self.size + 1)]

    def weight_ids(self) -> list[list[str]]:
        """w[l,j,k] as rows (receiving neuron j) of columns (sending neuron k)."""
        return [[qid("w", self.index, j, k) for k in range(1, self.below + 1)]
                for j in range(1, self.size + 1)]

    def bias_ids(self) -> list[str]:
        """The biases of the layer: one per neuron, one shared, or none."""
        if self.bias == "per-neuron":
            return self.ids("b")
        return [qid("b", self.index)] if self.bias == "per-layer" else []

    def bias_of(self, j: int) -> str | None:
        """The id of the bias added to neuron j, if any."""
        if self.bias == "per-neuron":
            return qid("b", self.index, j)
        return qid("b", self.index) if self.bias == "per-layer" else None

    def bias_neurons(self, b_id: str) -> list[int]:
        """The neurons a bias feeds: all of the layer's for a shared bias, else its own."""
        indices = parse_id(b_id).indices
        return list(range(1, self.size + 1)) if len(indices) == 1 else [indices[1]]

    # -- forward -------------------------------------------------------------------------
    @cached_property
    def _inputs(self) -> list[tuple[str, sympy.Symbol]]:
        """The id and symbol of out[l-1,k] for every k (the layer's inputs)."""
        ids = [qid("out", self.index - 1, k) for k in range(1, self.below + 1)]
        return [(i, symbol(i)) for i in ids]

    def net(self, j: int) -> sympy.Expr:
        """net[l,j] = Σ_k w[l,j,k]·out[l-1,k] (+ its bias)."""
        weighted = total([
            product(symbol(qid("w", self.index, j, k)), out)
            for k, (_, out) in enumerate(self._inputs, start=1)
        ])
        bias = self.bias_of(j)
        return weighted if bias is None else plus_symbol(weighted, symbol(bias))

    def out(self, j: int) -> sympy.Expr:
        """out[l,j] = φ(net[l,j])."""
        return self._out_form.xreplace({activations.Z: symbol(qid("net", self.index, j))})

    @cached_property
    def _out_form(self) -> sympy.Expr:
        return activations.expression(self.activation, activations.Z, self.leaky_slope)

    # -- Leibniz factors -----------------------------------------------------------------
    def dout_dnet(self, j: int) -> Factor | None:
        """∂out[l,j]/∂net[l,j] = φ', in out[l,j] where SymPy finds such a form."""
        out_id, net_id = qid("out", self.index, j), qid("net", self.index, j)
        form, variable = self._slope_form
        name = out_id if variable == activations.A else net_id
        return Factor(out_id, net_id, form.xreplace({variable: symbol(name)}))

    @cached_property
    def _slope_form(self) -> tuple[sympy.Expr, sympy.Symbol]:
        """φ' in the symbol a (the output) if SymPy finds that form, else in z (net)."""
        in_output = activations.derivative_in_output(self.activation, self.leaky_slope)
        if in_output is not None:
            return in_output, activations.A
        return activations.derivative(self.activation, self.leaky_slope), activations.Z

    def dnet_dweight(self, j: int, k: int) -> Factor:
        """∂net[l,j]/∂w[l,j,k] = out[l-1,k]."""
        return Factor(qid("net", self.index, j), qid("w", self.index, j, k),
                      self._inputs[k - 1][1])

    def dnet_dbias(self, j: int, b_id: str) -> Factor:
        """∂net[l,j]/∂b = 1 for the bias b that neuron j adds."""
        return Factor(qid("net", self.index, j), b_id, sympy.S.One)

    def dnet_dbelow(self, j: int, k: int, below_id: str) -> Factor:
        """∂net[l,j]/∂out[l-1,k] = w[l,j,k] (``below_id`` is out[l-1,k], an input on l=2)."""
        return Factor(qid("net", self.index, j), below_id, symbol(qid("w", self.index, j, k)))

    # -- error signal --------------------------------------------------------------------
    def delta_terms(self, j: int, dE_dout) -> tuple[tuple[Factor, Factor], ...]:
        """δ[l,j] as ∂E/∂out[l,j] · ∂out[l,j]/∂net[l,j]; ``dE_dout(i)`` is ∂E/∂out[l,i]."""
        d_out = Factor("E", qid("out", self.index, j), dE_dout(j))
        return ((d_out, self.dout_dnet(j)),)

    def delta_value(self, j: int, dE_dout) -> sympy.Expr:
        """δ's definition: dE/dout[l,j] · φ' (in the symbol dE/dout[l,j])."""
        return symbol(qid("dE/dout", self.index, j)) * self.dout_dnet(j).value

    def simplified(self, j: int, value: sympy.Expr, targets: list[sympy.Symbol]):
        """A shorter form of δ and its condition; an elementwise layer has none."""
        return None, None
