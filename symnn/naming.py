"""How every quantity is named: canonical id, SymPy symbol, Python identifier.

One module owns names so that the derivation, the renderers and the checker agree.

Canonical ids (layers and neurons count from 1; layer 1 is the input layer):

    net[l,j]  out[l,j]  delta[l,j]  dE/dout[l,j]  E  E'
    w[l,j,k]  (into neuron j of layer l from neuron k of layer l-1)
    b[l,j]    (per-neuron bias)          b[l]  (one shared bias per layer)
    d[j]      (target of output neuron j)
    dE/dw[l,j,k]  dE/db[l,j]  dE/db[l]  dE/dx[k]
    w[l,j,k]'  b[l,j]'  b[l]'           (parameters after one SGD step)

The inputs are the outputs of layer 1: ``out[1,k]``.

A SymPy symbol's name *is* its canonical id, so any expression of the derivation can be
printed with canonical names, and renderers map symbols to their own notation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import sympy

# Kinds of quantity and the number of indices each takes. "dE/" kinds are gradients.
INDEX_COUNT = {
    "net": 2,
    "out": 2,
    "delta": 2,
    "dE/dout": 2,
    "w": 3,
    "b": (1, 2),
    "d": 1,
    "dE/dw": 3,
    "dE/db": (1, 2),
    "dE/dx": 1,
    "E": 0,
}

# An id: a kind, optional [i,j,k] indices, optional trailing prime (updated value).
ID_PATTERN = re.compile(
    r"^(?P<kind>net|out|delta|dE/dout|dE/dw|dE/db|dE/dx|w|b|d|E)"
    r"(?:\[(?P<idx>[1-9][0-9]*(?:,[1-9][0-9]*)*)\])?(?P<prime>')?$"
)

# A gradient's kind is this prefix and the kind of what it is taken with respect to.
GRADIENT_PREFIX = "dE/d"

# Python identifiers for generated code: the id with punctuation replaced.
#   out[2,1] -> out_2_1, dE/dw[3,1,1] -> dE_dw_3_1_1, w[2,1,1]' -> w_2_1_1_new
PYTHON_NEW_SUFFIX = "_new"


@dataclass(frozen=True)
class QuantityId:
    """A parsed canonical id: its kind, its indices and whether it is the updated value."""

    kind: str
    indices: tuple[int, ...] = ()
    updated: bool = False

    def __str__(self) -> str:
        text = self.kind
        if self.indices:
            text += "[" + ",".join(str(i) for i in self.indices) + "]"
        return text + ("'" if self.updated else "")

    @property
    def layer(self) -> int | None:
        """The layer index for kinds that have one (not ``d``, ``dE/dx`` or ``E``)."""
        if self.kind in ("d", "dE/dx", "E"):
            return None
        return self.indices[0] if self.indices else None


@lru_cache(maxsize=1 << 16)
def parse_id(text: str) -> QuantityId:
    """Parse a canonical id such as ``dE/dw[3,1,1]``; raise ValueError if malformed."""
    match = ID_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"not a canonical id: {text!r}")
    kind = match["kind"]
    indices = tuple(int(i) for i in match["idx"].split(",")) if match["idx"] else ()
    expected = INDEX_COUNT[kind]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if len(indices) not in allowed:
        raise ValueError(f"{text!r}: {kind} takes {' or '.join(map(str, allowed))} indices")
    return QuantityId(kind, indices, bool(match["prime"]))


def kind_of(name: str) -> str | None:
    """The kind of a canonical id (``b[2,1]`` -> ``b``), or None if ``name`` is not one."""
    try:
        return parse_id(name).kind
    except ValueError:
        return None


def qid(kind: str, *indices: int, updated: bool = False) -> str:
    """Build a canonical id string: ``qid('w', 2, 1, 1) == 'w[2,1,1]'``."""
    text = f"{kind}[{','.join(map(str, indices))}]" if indices else kind
    return text + "'" if updated else text


@cache
def symbol(canonical_id: str) -> sympy.Symbol:
    """The SymPy symbol standing for a quantity; its name is the canonical id."""
    return sympy.Symbol(canonical_id, real=True)


def python_name(canonical_id: str) -> str:
    """A Python identifier for a quantity: ``dE/dw[3,1,1]`` -> ``dE_dw_3_1_1``."""
    parsed = parse_id(canonical_id)
    name = parsed.kind.replace("/", "_")
    name += "".join(f"_{i}" for i in parsed.indices)
    return name + (PYTHON_NEW_SUFFIX if parsed.updated else "")


def gradient_id(param_id: str) -> str:
    """The id of the loss gradient with respect to a parameter or input.

    ``w[2,1,1]`` -> ``dE/dw[2,1,1]``; ``out[1,k]`` (an input) -> ``dE/dx[k]``.
    """
    parsed = parse_id(param_id)
    if parsed.kind == "out" and parsed.indices[0] == 1:
        return qid("dE/dx", parsed.indices[1])
    return str(QuantityId(GRADIENT_PREFIX + parsed.kind, parsed.indices))


def gradient_wrt(grad_id: str) -> str:
    """The quantity a gradient is taken with respect to (the inverse of ``gradient_id``).

    ``dE/dw[2,1,1]`` -> ``w[2,1,1]``; ``dE/dx[k]`` -> ``out[1,k]`` (an input).
    """
    parsed = parse_id(grad_id)
    if not parsed.kind.startswith(GRADIENT_PREFIX):
        raise ValueError(f"not a gradient id: {grad_id!r}")
    if parsed.kind == "dE/dx":
        return qid("out", 1, parsed.indices[0])
    return qid(parsed.kind.removeprefix(GRADIENT_PREFIX), *parsed.indices)


def updated_id(param_id: str) -> str:
    """The id of a parameter after the update step: ``w[2,1,1]`` -> ``w[2,1,1]'``."""
    return param_id + "'"

