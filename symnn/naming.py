"""How every quantity is named: canonical id, SymPy symbol, Python identifier.

One module owns names so that the derivation, the renderers and the checker agree.

Canonical ids (layers and neurons count from 1; layer 1 is the input layer):

    net[l,j]  out[l,j]  delta[l,j]  dE/dout[l,j]  E  E'
    w[l,j,k]  (into neuron j of layer l from neuron k of layer l-1)
    b[l,j]    (per-neuron bias)          b[l]  (one shared bias per layer)
    d[j]      (target of output neuron j)
    dE/dw[l,j,k]  dE/db[l,j]  dE/db[l]  dE/dx[k]
    w[l,j,k]'  b[l,j]'  b[l]'           (parameters after one step)
    v_w[l,j,k]  m_w[l,j,k]  s_w[l,j,k]  (the optimizer's state of a parameter; v_b, m_b,
                                         s_b for biases: see symnn.optimizers)

The inputs are the outputs of layer 1: ``out[1,k]``.

Two optional suffixes, in this order, compose with every id:

    #s   the sample s of a batch (1-based): out[3,1]#2, delta[3,1]#2, dE/dw[2,1,1]#2.
         Without it: the single sample, or for E and parameter gradients the batch mean.
    @t   at the parameters after t optimizer steps: w[2,1,1]@2, E@3, dE/dw[2,1,1]@1,
         m_w[2,1,1]@2. ``@1`` is written ``'`` (today's one-step name: ``w[2,1,1]'``,
         ``E'``); ``@0`` is written without a suffix.

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
# The optimizer's state of each parameter (symnn.optimizers): v velocity (momentum),
# m first moment (Adam), s mean square (RMSProp, Adam); ``_w``/``_b`` the parameter kind.
STATE_KINDS = ("v", "m", "s")
INDEX_COUNT.update({f"{state}_{kind}": INDEX_COUNT[kind] for state in STATE_KINDS
                    for kind in ("w", "b")})

# An id: a kind, optional [i,j,k] indices, optional sample ``#s``, optional step (a
# trailing prime for step 1, or ``@t``).
ID_PATTERN = re.compile(
    r"^(?P<kind>net|out|delta|dE/dout|dE/dw|dE/db|dE/dx|[vms]_[wb]|w|b|d|E)"
    r"(?:\[(?P<idx>[1-9][0-9]*(?:,[1-9][0-9]*)*)\])?"
    r"(?:#(?P<sample>[1-9][0-9]*))?(?:(?P<prime>')|@(?P<step>0|[1-9][0-9]*))?$"
)
SAMPLE_MARK = "#"  # out[3,1]#2: sample 2 of the batch
STEP_MARK = "@"  # w[2,1,1]@2: after 2 steps
PRIME = "'"  # w[2,1,1]': after 1 step (the name of @1)

# A gradient's kind is this prefix and the kind of what it is taken with respect to.
GRADIENT_PREFIX = "dE/d"

# Python identifiers for generated code: the id with punctuation replaced.
#   out[2,1] -> out_2_1, dE/dw[3,1,1] -> dE_dw_3_1_1, w[2,1,1]' -> w_2_1_1_new,
#   w[2,1,1]@2 -> w_2_1_1_at2, out[3,1]#2 -> out_3_1_s2
PYTHON_NEW_SUFFIX = "_new"


@dataclass(frozen=True)
class QuantityId:
    """A parsed canonical id: its kind, its indices, its sample (None: the single sample
    or the batch mean) and its step (0: the given parameters)."""

    kind: str
    indices: tuple[int, ...] = ()
    sample: int | None = None
    step: int = 0

    def __str__(self) -> str:
        text = self.kind
        if self.indices:
            text += "[" + ",".join(str(i) for i in self.indices) + "]"
        if self.sample is not None:
            text += f"{SAMPLE_MARK}{self.sample}"
        if self.step == 1:
            return text + PRIME
        return text + (f"{STEP_MARK}{self.step}" if self.step else "")

    @property
    def updated(self) -> bool:
        """True for a value after one or more steps."""
        return self.step > 0

    @property
    def base(self) -> str:
        """The id without its sample and step: ``out[3,1]#2@1`` -> ``out[3,1]``."""
        return str(QuantityId(self.kind, self.indices))

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
    step = 1 if match["prime"] else int(match["step"] or 0)
    sample = int(match["sample"]) if match["sample"] else None
    return QuantityId(kind, indices, sample, step)


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


def at(quantity_id: str, sample: int | None = None, step: int = 0) -> str:
    """An id of the base quantity ``quantity_id`` for one sample and after some steps:
    ``at('out[3,1]', 2, 1) == "out[3,1]#2'"``, ``at('w[2,1,1]', step=2) == 'w[2,1,1]@2'``."""
    parsed = parse_id(quantity_id)
    return str(QuantityId(parsed.kind, parsed.indices, sample, step))


def state_id(state: str, param_id: str, step: int = 0) -> str:
    """The id of an optimizer state of a parameter: ``state_id('m', 'w[2,1,1]', 2)`` is
    ``m_w[2,1,1]@2``."""
    parsed = parse_id(param_id)
    return str(QuantityId(f"{state}_{parsed.kind}", parsed.indices, step=step))


def parameter_of_state(state: str) -> str:
    """The parameter a state id belongs to: ``m_w[2,1,1]@2`` -> ``w[2,1,1]``."""
    parsed = parse_id(state)
    return str(QuantityId(parsed.kind.split("_", 1)[1], parsed.indices))


@cache
def symbol(canonical_id: str) -> sympy.Symbol:
    """The SymPy symbol standing for a quantity; its name is the canonical id."""
    return sympy.Symbol(canonical_id, real=True)


def python_name(canonical_id: str) -> str:
    """A Python identifier for a quantity: ``dE/dw[3,1,1]`` -> ``dE_dw_3_1_1``."""
    parsed = parse_id(canonical_id)
    name = parsed.kind.replace("/", "_")
    name += "".join(f"_{i}" for i in parsed.indices)
    if parsed.sample is not None:
        name += f"_s{parsed.sample}"
    if parsed.step > 1:
        return name + f"_at{parsed.step}"
    return name + (PYTHON_NEW_SUFFIX if parsed.step == 1 else "")


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


def updated_id(param_id: str, step: int = 1) -> str:
    """The id of a parameter after ``step`` steps: ``w[2,1,1]`` -> ``w[2,1,1]'``."""
    return at(param_id, step=step)

