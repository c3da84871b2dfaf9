"""How quantities are written in LaTeX, per notation preset.

A ``Notation`` holds the reader's conventions; ``latex_name`` writes one canonical id in
it and ``to_latex`` prints any derivation expression with its symbols so named. Presets:

- ``net-out`` (seed 001): neurons x with ``net``/``out``, w_{ij}^l from neuron i of layer l
  to neuron j of layer l+1, b_j^l, layers counted from 1, φ, E, d, δ, η.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy

from symnn.errors import SpecError
from symnn.naming import parse_id


@dataclass(frozen=True)
class Notation:
    """A reader's notation: the symbols and index conventions of their text."""

    name: str
    neuron: str = "x"
    net_prefix: str = r"\mathrm{net}\,"
    out_prefix: str = r"\mathrm{out}\,"
    weight: str = "w"
    bias: str = "b"
    target: str = "d"
    loss: str = "E"
    delta: str = r"\delta"
    activation: str = r"\varphi"
    learning_rate: str = r"\eta"
    weight_from_to: bool = True  # w_{ij}: from i to j (seed 001); False: w_{jk} to j from k
    weight_layer_is_source: bool = True  # w^l joins layer l to l+1 (seed 001)
    layer_offset: int = 0  # added to the 1-based layer number (seed 003 counts from 0)
    layer_parens: bool = False  # w^{(2)} instead of w^{2}

    def layer(self, number: int) -> str:
        """The superscript for a layer number."""
        shown = number + self.layer_offset
        return f"({shown})" if self.layer_parens else str(shown)


PRESETS: dict[str, Notation] = {
    "net-out": Notation("net-out"),
}
DEFAULT = "net-out"


def get(name: str) -> Notation:
    """A preset by name; the error lists the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise SpecError(f"unknown notation {name!r}; known: {', '.join(PRESETS)}") from None


def latex_name(quantity_id: str, notation: Notation) -> str:
    """A canonical id written in a notation, e.g. ``w[3,2,1]`` -> ``w_{12}^{2}`` (net-out)."""
    parsed = parse_id(quantity_id)
    prime = "'" if parsed.updated else ""
    kind, idx = parsed.kind, parsed.indices
    if kind in ("net", "out"):
        prefix = notation.net_prefix if kind == "net" else notation.out_prefix
        if kind == "out" and idx[0] == 1:
            prefix = ""
        return f"{prefix}{notation.neuron}_{{{idx[1]}}}^{{{notation.layer(idx[0])}}}"
    if kind == "w":
        layer, to, frm = idx
        order = (frm, to) if notation.weight_from_to else (to, frm)
        shown_layer = layer - 1 if notation.weight_layer_is_source else layer
        name = f"{notation.weight}_{{{_pair(*order)}}}^{{{notation.layer(shown_layer)}}}"
        return f"{{{name}}}'" if prime else name
    if kind == "b":
        sub = f"_{{{idx[1]}}}" if len(idx) == 2 else ""
        name = f"{notation.bias}{sub}^{{{notation.layer(idx[0])}}}"
        return f"{{{name}}}'" if prime else name
    if kind == "d":
        return f"{notation.target}_{{{idx[0]}}}"
    if kind == "delta":
        return f"{notation.delta}_{{{idx[1]}}}^{{{notation.layer(idx[0])}}}"
    if kind == "E":
        return notation.loss + prime
    wrt = {"dE/dout": "out", "dE/dw": "w", "dE/db": "b", "dE/dx": "out"}[kind]
    inner = (1, *idx) if kind == "dE/dx" else idx
    inner_id = f"{wrt}[{','.join(map(str, inner))}]"
    return rf"\frac{{\partial {notation.loss}}}{{\partial {latex_name(inner_id, notation)}}}"


def to_latex(expr: sympy.Expr, notation: Notation) -> str:
    """Print an expression of the derivation with every symbol named in the notation."""
    names = {s: latex_name(s.name, notation) for s in expr.free_symbols}
    return sympy.latex(expr, symbol_names=names)


@lru_cache(maxsize=4096)
def symbol_latex(quantity_id: str, notation_name: str = DEFAULT) -> str:
    """``latex_name`` for a preset given by name (cached)."""
    return latex_name(quantity_id, get(notation_name))


def _pair(first: int, second: int) -> str:
    """Two indices side by side, with a comma once either has two digits (w_{10,3})."""
    return f"{first}{second}" if max(first, second) < 10 else f"{first},{second}"
