"""The index form of a network's equations (net^l_j = Σ_k w^l_{jk} a^{l-1}_k + b^l_j, …).

The per-scalar Derivation has one definition per neuron and weight; a reader also wants
the general formulas with indices layer, j, k. ``IndexForm`` writes them as SymPy
expressions over *generic* symbols, named ``kind[l,j,k]`` with letters for indices
(``w[l+1,i,j]``), that print through ``notation.name_at``. The pieces that depend on the
activation or the loss (∂E/∂out of the output layer, φ′ in terms of the output, the
softmax Jacobian) are the derivation's own definitions for one neuron, relabelled: the
concrete ``out[3,1]`` becomes ``out[L,j]``. ``instantiate`` turns a generic formula back
into concrete symbols so tests can compare it with the derivation entry by entry.
"""

from __future__ import annotations

import re

import sympy

from symnn import activations, losses
from symnn.derive import Derivation
from symnn.naming import GRADIENT_KINDS, generic_id, parse_id, qid
from symnn.notation import Layer, Notation, latex_name, name_at
from symnn.render.printer import SymbolNames

GENERIC = re.compile(r"^(?P<kind>[A-Za-z/]+)\[(?P<idx>[^\]]*)\]$")
L_OUT, L_ANY = Layer("L"), Layer("l")


def _layer_of(text: str) -> Layer | int:
    """``l-1`` -> Layer("l", -1); ``2`` -> 2 (a canonical layer)."""
    if text.isdigit():
        return int(text)
    match = re.fullmatch(r"([A-Za-z])([+-]\d+)?", text)
    return Layer(match[1], int(match[2] or 0))


class IndexForm:
    """Generic symbols and the index-form formulas of one derivation in one notation."""

    def __init__(self, derivation: Derivation, notation: Notation):
        self.derivation = derivation
        self.network = derivation.network
        self.notation = notation
        # generic symbols as they are made; canonical ids named on first use
        self.names = SymbolNames(lambda name: latex_name(name, notation))
        self.activation_fn = _named_function("phi", notation.activation)
        self.slope_fn = _named_function("phiprime", notation.activation + "'")

    # -- symbols -------------------------------------------------------------------------
    def symbol(self, kind: str, *indices) -> sympy.Symbol:
        """The generic symbol of a quantity, e.g. ``symbol("w", Layer("l"), "j", "k")``."""
        sym = sympy.Symbol(generic_id(kind, *_texts(indices)), real=True)
        if sym not in self.names:
            self.names[sym] = self._latex(kind, indices)
        return sym

    def named(self, key: str, latex: str) -> sympy.Symbol:
        """A symbol that prints as given LaTeX (e.g. a Leibniz factor in a generic sum)."""
        sym = sympy.Symbol(key, real=True)
        self.names[sym] = latex
        return sym

    def _latex(self, kind: str, indices: tuple) -> str:
        if kind == "n":  # the size of a layer: n_{l-1}, without the layer's parentheses
            layer = indices[0]
            first = self.notation.first_layer
            shown = layer.text() if isinstance(layer, Layer) else layer + first - 1
            return f"n_{{{shown}}}"
        if kind == "_eta":  # named to sort first in a product: η ∂E/∂w
            return self.notation.learning_rate
        return name_at(kind, indices, self.notation)

    def size(self, layer) -> sympy.Symbol:
        """n_l, the number of neurons of a layer."""
        return self.symbol("n", layer)

    def relabel(self, expr: sympy.Expr, layer, neuron: dict[int, str]) -> sympy.Expr | None:
        """A concrete expression with its neuron numbers replaced by letters, or None.

        Every symbol must belong to ``layer`` (or be a target) and have a neuron number
        in ``neuron`` (e.g. {1: "j", 2: "i"}); ``layer`` is the generic layer to use.
        """
        replacements = {}
        for sym in expr.free_symbols:
            parsed = parse_id(sym.name)
            if parsed.kind == "d" and parsed.indices[0] in neuron:
                replacements[sym] = self.symbol("d", neuron[parsed.indices[0]])
            elif parsed.kind in ("out", "net") and parsed.indices[1] in neuron:
                replacements[sym] = self.symbol(parsed.kind, layer, neuron[parsed.indices[1]])
            else:
                return None
        return expr.xreplace(replacements)

    # -- formulas ------------------------------------------------------------------------
    def net(self) -> tuple[sympy.Symbol, sympy.Expr]:
        """net^l_j = Σ_k w^l_{jk} out^{l-1}_k (+ the bias)."""
        layer, k = L_ANY, sympy.Symbol("k")
        weighted = sympy.Sum(
            self.symbol("w", layer, "j", "k") * self.symbol("out", layer - 1, "k"),
            (k, 1, self.size(layer - 1)),
        )
        mode = self.network.spec.bias
        bias = {"per-neuron": (layer, "j"), "per-layer": (layer,), "none": None}[mode]
        rhs = weighted if bias is None else weighted + self.symbol("b", *bias)
        return self.symbol("net", layer, "j"), rhs

    def out(self) -> tuple[sympy.Symbol, sympy.Expr]:
        """out^l_j = φ(net^l_j)."""
        layer = L_ANY
        return self.symbol("out", layer, "j"), self.activation_fn(self.symbol("net", layer, "j"))

    def softmax_out(self) -> tuple[sympy.Symbol, sympy.Expr]:
        """out^L_j = e^{net^L_j} / Σ_i e^{net^L_i}."""
        i = sympy.Symbol("i")
        total = sympy.Sum(sympy.exp(self.symbol("net", L_OUT, "i")), (i, 1, self.size(L_OUT)))
        return self.symbol("out", L_OUT, "j"), sympy.exp(self.symbol("net", L_OUT, "j")) / total

    def loss(self) -> tuple[sympy.Symbol, sympy.Expr] | None:
        """E as c·Σ_j f(out^L_j, d_j), found from the loss's own builder; None if not."""
        loss = losses.get(self.network.spec.loss)
        out_j, d_j = self.symbol("out", L_OUT, "j"), self.symbol("d", "j")
        if not loss.needs_targets:
            return self.symbol("E"), loss.build([self.symbol("out", L_OUT, 1)], [])
        ys = sympy.symbols("y1:4", real=True)
        ds = sympy.symbols("t1:4", real=True)
        term = loss.build([ys[0]], [ds[0]])
        ratios = []
        for n in (2, 3):
            parts = sympy.Add(*[term.xreplace({ys[0]: ys[i], ds[0]: ds[i]}) for i in range(n)])
            ratios.append(sympy.simplify(loss.build(list(ys[:n]), list(ds[:n])) / parts))
        coeff, f = term.as_coeff_Mul()
        j, n = sympy.Symbol("j"), self.size(L_OUT)
        body = sympy.Sum(f.xreplace({ys[0]: out_j, ds[0]: d_j}), (j, 1, n))
        if ratios == [1, 1]:
            return self.symbol("E"), coeff * body
        if ratios == [sympy.Rational(1, 2), sympy.Rational(1, 3)]:
            return self.symbol("E"), coeff * body / n
        return None

    def output_dE_dout(self) -> sympy.Expr | None:
        """∂E/∂out^L_j from the derivation's definition for neuron 1, relabelled."""
        depth = self.network.depth
        return self.relabel(
            self.derivation.definitions[qid("dE/dout", depth, 1)], L_OUT, {1: "j"}
        )

    def slope(self, layer: int) -> sympy.Expr | None:
        """∂out^l_j/∂net^l_j of a layer's activation, relabelled (None for softmax)."""
        factor = self.derivation.dout_dnet.get(qid("out", layer, 1))
        if factor is None:
            return None
        generic = L_OUT if layer == self.network.depth else L_ANY
        return self.relabel(factor.value, generic, {1: "j"})

    def softmax_jacobian(self) -> tuple[sympy.Expr, sympy.Expr | None]:
        """∂out^L_i/∂net^L_j for i = j and for i ≠ j, relabelled from the derivation."""
        depth = self.network.depth
        signal = self.derivation.error_signals[qid("delta", depth, 1)]
        diagonal = self.relabel(signal.terms[0][1].value, L_OUT, {1: "j"})
        off = None
        if len(signal.terms) > 1:
            off = self.relabel(signal.terms[1][1].value, L_OUT, {1: "j", 2: "i"})
        return diagonal, off

    def softmax_simplified(self) -> sympy.Expr | None:
        """δ^L_j in its simplified form (softmax with cross-entropy), relabelled."""
        signal = self.derivation.error_signals[qid("delta", self.network.depth, 1)]
        if signal.simplified is None:
            return None
        return self.relabel(signal.simplified, L_OUT, {1: "j"})

    def hidden_dE_dout(self) -> tuple[sympy.Symbol, sympy.Expr]:
        """∂E/∂out^l_j = Σ_i δ^{l+1}_i w^{l+1}_{ij}: the δ recursion."""
        layer, i = L_ANY, sympy.Symbol("i")
        rhs = sympy.Sum(
            self.symbol("delta", layer + 1, "i") * self.symbol("w", layer + 1, "i", "j"),
            (i, 1, self.size(layer + 1)),
        )
        return self.symbol("dE/dout", layer, "j"), rhs

    def weight_gradient(self) -> tuple[sympy.Symbol, sympy.Expr]:
        """∂E/∂w^l_{jk} = δ^l_j out^{l-1}_k."""
        layer = L_ANY
        rhs = self.symbol("delta", layer, "j") * self.symbol("out", layer - 1, "k")
        return self.symbol("dE/dw", layer, "j", "k"), rhs

    def bias_gradient(self) -> tuple[sympy.Symbol, sympy.Expr] | None:
        """∂E/∂b^l_j = δ^l_j, or ∂E/∂b^l = Σ_j δ^l_j for one bias per layer."""
        layer, j = L_ANY, sympy.Symbol("j")
        mode = self.network.spec.bias
        if mode == "per-neuron":
            return self.symbol("dE/db", layer, "j"), self.symbol("delta", layer, "j")
        if mode == "per-layer":
            return self.symbol("dE/db", layer), sympy.Sum(self.symbol("delta", layer, "j"),
                                                       (j, 1, self.size(layer)))
        return None

    def input_gradient(self) -> tuple[sympy.Symbol, sympy.Expr]:
        """∂E/∂x_k = Σ_j δ^2_j w^2_{jk} (2 = the first layer after the inputs)."""
        j = sympy.Symbol("j")
        rhs = sympy.Sum(self.symbol("delta", 2, "j") * self.symbol("w", 2, "j", "k"),
                        (j, 1, self.size(2)))
        return self.symbol("dE/dx", "k"), rhs

    def update(self, kind: str) -> tuple[sympy.Symbol, sympy.Expr]:
        """p' = p − η ∂E/∂p for a weight (``"w"``) or a per-neuron bias (``"b"``)."""
        indices = (L_ANY, "j", "k") if kind == "w" else (L_ANY, "j")
        param = self.symbol(kind, *indices)
        rate = self.symbol("_eta")
        new = sympy.Symbol(generic_id(kind, *_texts(indices), updated=True))
        self.names[new] = name_at(kind, indices, self.notation, updated=True)
        return new, param - rate * self.symbol(GRADIENT_KINDS[kind], *indices)

    def partial(self, numerator: tuple, denominator: tuple) -> str:
        """∂(numerator)/∂(denominator) of two generic (kind, *indices) quantities."""
        num = self.notation.loss if numerator[0] == "E" else name_at(*_split(numerator),
                                                                    self.notation)
        den = name_at(*_split(denominator), self.notation)
        return rf"\frac{{\partial {num}}}{{\partial {den}}}"


def _texts(indices: tuple) -> list[str]:
    """Indices of a generic symbol as text: numbers, letters, layers in index form."""
    return [i.text() if isinstance(i, Layer) else str(i) for i in indices]


def _split(quantity: tuple) -> tuple:
    return quantity[0], tuple(quantity[1:])


def _named_function(name: str, latex: str):
    """A SymPy function that prints as ``latex\\left(arg\\right)``."""

    def _latex(self, printer, exp=None):
        text = rf"{latex}\left({printer._print(self.args[0])}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    return type(name, (sympy.Function,), {"_latex": _latex})


def instantiate(expr: sympy.Expr, layer: int, depth: int, **letters: int) -> sympy.Expr:
    """A generic formula at concrete indices: symbols become canonical ids, sums expand.

    ``layer`` is the value of layer, ``depth`` the value of L; ``letters`` give j, k, i. A
    sum over a letter is expanded over its range (n_… are looked up by the caller's
    ``sizes`` in the bound, which must already be numbers: use ``with_sizes``).
    """
    if isinstance(expr, sympy.Sum):
        body, (var, low, high) = expr.args[0], expr.args[1]
        return sympy.Add(*[
            instantiate(body, layer, depth, **{**letters, var.name: value})
            for value in range(int(low), int(high) + 1)
        ])
    if isinstance(expr, sympy.Symbol):
        match = GENERIC.match(expr.name)
        if not match:
            return expr
        indices = []
        for text in match["idx"].split(","):
            place = _layer_of(text) if not text.isalpha() or text in ("l", "L") else text
            if isinstance(place, Layer):
                base = layer if place.letter == "l" else depth
                indices.append(base + place.shift)
            elif isinstance(place, str):
                indices.append(letters[place])
            else:
                indices.append(place)
        return sympy.Symbol(qid(match["kind"], *indices), real=True)
    if not expr.args:
        return expr
    return expr.func(*[instantiate(a, layer, depth, **letters) for a in expr.args])


def with_sizes(expr: sympy.Expr, sizes: dict, layer: int, depth: int) -> sympy.Expr:
    """Replace every n_l symbol by the layer size (``sizes``: canonical layer -> size)."""
    replacements = {}
    for sym in expr.free_symbols:
        match = GENERIC.match(sym.name)
        if match and match["kind"] == "n":
            place = _layer_of(match["idx"])
            if isinstance(place, Layer):
                place = (layer if place.letter == "l" else depth) + place.shift
            replacements[sym] = sizes[place]
    return expr.xreplace(replacements)


def activation_formula(name: str, slope) -> sympy.Expr:
    """φ(z) of an elementwise activation, in the symbol z."""
    return activations.expression(name, activations.Z, slope)
