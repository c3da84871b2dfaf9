"""A fully connected layer with softmax: out_j = exp(net_j) / Σ_i exp(net_i).

Its output depends on every net of the layer, so δ_j = Σ_i ∂E/∂out_i · ∂out_i/∂net_j has
one term per neuron. The Jacobian entry ∂out_i/∂net_j in terms of the outputs is derived
once per layer for i = j and for i ≠ j (``activations.softmax_jacobian_entry``) and
renamed for each pair: softmax is the same function under any permutation of its nets.
With cross-entropy, δ_j simplifies to out_j − d_j when the targets sum to 1.
"""

from __future__ import annotations

from functools import cached_property

import sympy

from symnn import activations
from symnn.layers.dense import Dense
from symnn.leibniz import Factor
from symnn.naming import qid, symbol

CONDITION = "the targets sum to 1 (one-hot or probabilities)"


class Softmax(Dense):
    """Layer ``index`` of a spec: fully connected, softmax over the layer."""

    elementwise = False

    def out(self, j: int) -> sympy.Expr:
        """out[l,j] = exp(net[l,j]) / Σ_i exp(net[l,i])."""
        return self._out_form.xreplace({self._nets[0]: self._nets[j - 1],
                                        self._nets[j - 1]: self._nets[0]})

    @cached_property
    def _nets(self) -> list[sympy.Symbol]:
        return [symbol(i) for i in self.ids("net")]

    @cached_property
    def _outs(self) -> list[sympy.Symbol]:
        return [symbol(i) for i in self.ids("out")]

    @cached_property
    def _out_form(self) -> sympy.Expr:
        return activations.get(self.activation).build(self._nets, 0)

    def dout_dnet(self, j: int) -> Factor | None:
        """None: softmax's ∂out/∂net is a Jacobian, not one factor per neuron."""
        return None

    def jacobian(self, i: int, j: int) -> Factor:
        """∂out[l,i]/∂net[l,j] in terms of the outputs."""
        if self.size < 3:
            value = activations.softmax_jacobian_entry(i - 1, j - 1, self._outs)
        elif i == j:
            value = self._diagonal.xreplace({self._outs[0]: self._outs[j - 1]})
        else:
            o1, o2 = self._outs[0], self._outs[1]
            value = self._off_diagonal.xreplace({o2: self._outs[i - 1], o1: self._outs[j - 1]})
        return Factor(qid("out", self.index, i), qid("net", self.index, j), value)

    @cached_property
    def _diagonal(self) -> sympy.Expr:
        """∂out_1/∂net_1, in out_1 only."""
        value = activations.softmax_jacobian_entry(0, 0, self._outs)
        assert value.free_symbols <= {self._outs[0]}, value
        return value

    @cached_property
    def _off_diagonal(self) -> sympy.Expr:
        """∂out_2/∂net_1, in out_1 and out_2 only."""
        value = activations.softmax_jacobian_entry(1, 0, self._outs)
        assert value.free_symbols <= set(self._outs[:2]), value
        return value

    def delta_terms(self, j: int, dE_dout) -> tuple[tuple[Factor, Factor], ...]:
        """δ[l,j] = Σ_i ∂E/∂out[l,i] · ∂out[l,i]/∂net[l,j]."""
        return tuple(
            (Factor("E", qid("out", self.index, i), dE_dout(i)), self.jacobian(i, j))
            for i in range(1, self.size + 1)
        )

    def delta_value(self, j: int, dE_dout) -> sympy.Expr:
        """δ's definition: the sum of products, expanded and with common factors taken out."""
        terms = self.delta_terms(j, dE_dout)
        total = sympy.Add(*[a.value * b.value for a, b in terms])
        return sympy.factor_terms(sympy.expand(total))

    def simplified(self, j: int, value: sympy.Expr, targets: list[sympy.Symbol]):
        """Softmax + cross-entropy: δ_j = out_j Σ_i d_i − d_j, which is out_j − d_j if Σ d = 1.

        Substitutes one target other than d_j by 1 minus the others; kept only if the
        result is shorter and involves no other neuron's output (the form the tutorials
        show).
        """
        if len(targets) < 2:
            return None, None
        replaced = targets[-1] if j != len(targets) else targets[-2]
        rest = sympy.Add(*[t for t in targets if t != replaced])
        candidate = sympy.expand(value.xreplace({replaced: 1 - rest}))
        local = {self._outs[j - 1], *targets}
        if not candidate.free_symbols <= local or (
            sympy.count_ops(candidate) >= sympy.count_ops(value)
        ):
            return None, None
        return candidate, CONDITION
