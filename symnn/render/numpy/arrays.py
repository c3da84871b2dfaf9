"""A layer's arrays, and vectorization: a per-neuron expression -> one array expression.

``layer_arrays`` names the symbols standing for a whole layer (``out_3``, ``net_3``, ...);
``vectorize`` rewrites neuron j's expression in them (a sum over the layer's neurons
becomes a row sum) and ``vectorize_layer`` checks that the neurons given (the layer's
``representatives``) have the same form.

Every neuron of a layer is an instance of one form of its layer object
(``symnn.layers``; ``tests/test_layer_forms.py`` checks the instances against a direct
per-scalar derivation), so the generator reads the first and the last neuron of a layer
only: its cost does not grow with the width of the layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symnn import activations
from symnn.derive import Derivation
from symnn.errors import SymnnError
from symnn.naming import parse_id, python_name, qid
from symnn.render.numpy.printer import RowSum
from symnn.render.numpy.stability import net_max_symbol


class VectorizeError(SymnnError):
    """A per-neuron expression that has no array form the renderer knows."""


@dataclass(frozen=True)
class LayerArrays:
    """The array symbols standing for a layer's per-neuron quantities.

    ``arrays`` maps a kind (``out``, ``net``, ``delta``, ``dE/dout``, ``d``) to the symbol of
    the whole layer's array; ``scalars`` maps a per-sample layer quantity (the softmax
    shift) to its array symbol.
    """

    layer: int
    size: int
    arrays: dict[str, sympy.Symbol]
    scalars: dict[sympy.Symbol, sympy.Symbol]

    def neuron(self, s: sympy.Symbol) -> tuple[str, int] | None:
        """(kind, neuron) if ``s`` is a per-neuron quantity of this layer, else None."""
        try:
            parsed = parse_id(s.name)
        except ValueError:
            return None
        if parsed.kind == "d" and "d" in self.arrays:
            return "d", parsed.indices[0]
        if parsed.kind in self.arrays and len(parsed.indices) == 2 and (
            parsed.indices[0] == self.layer
        ):
            return parsed.kind, parsed.indices[1]
        return None


def representatives(size: int) -> list[int]:
    """The neurons the generator reads of a layer of ``size``: the first and the last."""
    return sorted({1, size})


def array_name(kind: str, layer: int) -> str:
    """The Python name of a layer's whole array: ``out_3`` for the ``out[3,j]``."""
    extra = 2 if kind == "dE/dw" else 1
    return python_name(qid(kind, layer, *[1] * extra)).removesuffix("_1" * extra)


def _array(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def layer_arrays(derivation: Derivation, layer: int) -> LayerArrays:
    """The array symbols of a layer: out_l, net_l, delta_l, dE_dout_l (and Y, net_max)."""
    network = derivation.network
    arrays = {kind: _array(array_name(kind, layer)) for kind in ("out", "net", "delta", "dE/dout")}
    if layer == network.depth:
        arrays["d"] = _array("Y")
    scalars = {}
    if activations.get(network.activation(layer)).shift_invariant:
        scalars[net_max_symbol(layer)] = _array(net_max_symbol(layer).name)
    return LayerArrays(layer, network.size(layer), arrays, scalars)


def vectorize(expr: sympy.Expr, arrays: LayerArrays, j: int | None) -> sympy.Expr:
    """The array form of a per-neuron expression (neuron j, or the layer as a whole).

    Symbols of neuron j become the layer's arrays; a sum whose terms are one template
    taken over all neurons i (all but j when j is given) becomes a row sum, with the
    factors that do not depend on i taken out: Σ_{i≠j} t(i) = RowSum(t) − t(j). In a
    layer of one neuron that neuron is j, even for the layer as a whole: nothing is summed.
    """
    result = _Vectorizer(arrays, 1 if arrays.size == 1 else j).run(expr)
    left = [s.name for s in result.free_symbols if arrays.neuron(s)]
    if left:
        raise VectorizeError(f"codegen: cannot vectorize {expr} (left: {', '.join(left)})")
    return result


class _Vectorizer:
    def __init__(self, arrays: LayerArrays, j: int | None):
        self.arrays = arrays
        self.j = j
        self.others = {kind: sympy.Dummy(f"{s.name}_i", real=True)
                       for kind, s in arrays.arrays.items()}
        expected = set(range(1, arrays.size + 1))
        self.complete = expected - {j} if j is not None else expected

    def run(self, expr: sympy.Expr) -> sympy.Expr:
        if expr.is_Symbol:
            if expr in self.arrays.scalars:
                return self.arrays.scalars[expr]
            found = self.arrays.neuron(expr)
            if found and found[1] == self.j:
                return self.arrays.arrays[found[0]]
            return expr
        if expr.is_Atom:
            return expr
        args = [self.run(a) for a in expr.args]
        if expr.is_Add:
            return self._sum(args)
        return expr.func(*args)

    def _indices(self, term: sympy.Expr) -> set[int]:
        return {n[1] for s in term.free_symbols if (n := self.arrays.neuron(s))}

    def _template(self, term: sympy.Expr, i: int) -> sympy.Expr:
        subs = {}
        for s in term.free_symbols:
            found = self.arrays.neuron(s)
            if found and found[1] == i:
                subs[s] = self.others[found[0]]
        return term.xreplace(subs)

    def _sum(self, terms: list[sympy.Expr]) -> sympy.Expr:
        local, groups = [], {}
        for term in terms:
            indices = self._indices(term)
            if not indices:
                local.append(term)
            elif len(indices) == 1:
                (i,) = indices
                groups.setdefault(self._template(term, i), []).append((i, term))
            else:
                raise VectorizeError(f"codegen: a term mixes several neurons: {term}")
        result = list(local)
        for template, members in groups.items():
            if {i for i, _ in members} != self.complete or len(members) != len(self.complete):
                result += [term for _, term in members]
                continue
            back = {other: self.arrays.arrays[kind] for kind, other in self.others.items()}
            inside = [f for f in sympy.Mul.make_args(template) if f.free_symbols & set(back)]
            outside = [f for f in sympy.Mul.make_args(template) if f not in inside]
            result.append(sympy.Mul(*outside) * RowSum(sympy.Mul(*inside).xreplace(back)))
            if self.j is not None:
                result.append(-template.xreplace(back))
        return sympy.Add(*result)


def vectorize_layer(
    per_neuron: dict[int, sympy.Expr], arrays: LayerArrays
) -> sympy.Expr:
    """The one array expression of a per-neuron quantity, the same for every neuron given
    (``representatives`` of the layer, or all)."""
    forms = {j: vectorize(expr, arrays, j) for j, expr in per_neuron.items()}
    first = forms[min(forms)]
    for j, form in forms.items():
        if sympy.expand(form - first) != 0:
            raise VectorizeError(
                f"codegen: layer {arrays.layer}: neuron {j} has a different form "
                f"({form}) from neuron 1 ({first})"
            )
    return first
