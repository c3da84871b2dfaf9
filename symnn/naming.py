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

Claimable ids (every number a worked example writes; values in ``symnn.claimable``):

    E[j]                  the error of output j, for losses that are sums: E = Σ_j E[j]
    dA/dB                 the derivative of A (E, E[j], net[l,j], out[l,j]) with respect to
                          B (net, out, w, b): dout[l,j]/dnet[l,j], dnet[l,j]/dw[l,j,k],
                          dnet[l,j]/db[l,j], dnet[l,j]/dout[l-1,k], dE[j]/dw[l,j,k], ...
    dE/dnet[l,j]          another name of delta[l,j]
    Dw[l,j,k]  Db[l,j]  Db[l]           the change of a parameter in one step: w' − w
    net[l,j]'  out[l,j]'  E[j]'         the forward pass after the step

``:`` in place of a neuron index names a whole layer (``out[2,:]``, ``w[3,:,:]``).

Two optional suffixes, in this order, compose with every id above (after the whole
``dA/dB``):

    #s   the sample s of a batch (1-based): out[3,1]#2, delta[3,1]#2, dE/dw[2,1,1]#2,
         dout[3,1]/dnet[3,1]#2, out[3,:]#2. Without it: the single sample, or for E and
         parameter gradients the batch mean.
    @t   at the parameters after t optimizer steps: w[2,1,1]@2, E@3, out[3,1]@2,
         dE/dw[2,1,1]@1, m_w[2,1,1]@2; Dw[2,1,1]@t is the change of step t+1 (the one
         taken at the parameters after t steps: w@(t+1) − w@t). ``@1`` of net, out, w, b,
         E and the optimizer states is written ``'`` (``w[2,1,1]'``, ``E'``); ``@0`` is
         written without a suffix.

A SymPy symbol's name *is* its canonical id, so any expression of the derivation can be
printed with canonical names, and renderers map symbols to their own notation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import sympy

# Kinds of quantity and the number of indices each takes. "dE/" kinds are gradients.
INDEX_COUNT = {
    "net": 2,
    "out": 2,
    "delta": 2,
    "dE/dout": 2,
    "dE/dnet": 2,
    "w": 3,
    "b": (1, 2),
    "d": 1,
    "dE/dw": 3,
    "dE/db": (1, 2),
    "dE/dx": 1,
    "E": (0, 1),
    "Dw": 3,
    "Db": (1, 2),
}
# The optimizer's state of each parameter (symnn.optimizers): v velocity (momentum),
# m first moment (Adam), s mean square (RMSProp, Adam); ``_w``/``_b`` the parameter kind.
STATE_KINDS = ("v", "m", "s")
INDEX_COUNT.update({f"{state}_{kind}": INDEX_COUNT[kind] for state in STATE_KINDS
                    for kind in ("w", "b")})
DERIVATIVE = "d/d"  # the kind of a general derivative dA/dB (``of`` = A, ``wrt`` = B)
NUMERATORS = ("E", "net", "out")  # what a general derivative may differentiate
DENOMINATORS = ("net", "out", "w", "b")  # ... and with respect to what
# Kinds whose value after one step is written with a prime (``@1`` is accepted for all).
PRIMED = ("net", "out", "w", "b", "E", *(k for k in INDEX_COUNT if k[1:3] in ("_w", "_b")))
UNSTEPPED = ("d",)  # kinds that do not change in a step (a target)
SLICE = ":"  # an index standing for every neuron of its range
# The kinds of a gradient of E by the kind of what it is taken with respect to.
GRADIENT_KINDS = {"out": "dE/dout", "net": "dE/dnet", "w": "dE/dw", "b": "dE/db"}

# One quantity: a kind, optional [i,j,k] indices (a number or ':'). The grammar of an id:
#   id    := atom tail  |  "d" atom "/d" atom tail        (a derivative takes no prime)
#   tail  := ["#" sample] ["'" | "@" step]
# Suffixes of every id (a sample, a step) belong at the end of ID_TAIL, so that both forms
# take them.
ATOM_PATTERN = re.compile(
    r"(?P<kind>dE/dout|dE/dnet|dE/dw|dE/db|dE/dx|[vms]_[wb]|net|out|delta|Dw|Db|w|b|d|E)"
    r"(?:\[(?P<idx>(?:[1-9][0-9]*|:)(?:,(?:[1-9][0-9]*|:))*)\])?"
)
ID_TAIL = re.compile(
    r"(?:#(?P<sample>[1-9][0-9]*))?(?:(?P<prime>')|@(?P<step>0|[1-9][0-9]*))?$"
)
SAMPLE_MARK = "#"  # out[3,1]#2: sample 2 of the batch
STEP_MARK = "@"  # w[2,1,1]@2: after 2 steps
PRIME = "'"  # w[2,1,1]': after 1 step (the name of @1)
# The atom of an id with numeric indices, e.g. dE/dw[3,1,2] (quickly; ATOM_PATTERN decides).
PLAIN_ID = re.compile(r"(?P<kind>[A-Za-z_/]+)\[(?P<idx>[1-9][0-9]*(?:,[1-9][0-9]*)*)\]")

# A gradient's kind is this prefix and the kind of what it is taken with respect to.
GRADIENT_PREFIX = "dE/d"

# Python identifiers for generated code: the id with punctuation replaced.
#   out[2,1] -> out_2_1, dE/dw[3,1,1] -> dE_dw_3_1_1, w[2,1,1]' -> w_2_1_1_new,
#   w[2,1,1]@2 -> w_2_1_1_at2, out[3,1]#2 -> out_3_1_s2
PYTHON_NEW_SUFFIX = "_new"


@dataclass(frozen=True)
class QuantityId:
    """A parsed canonical id: its kind, its indices, its sample (None: the single sample
    or the batch mean) and its step (0: at the given parameters).

    An index is a number, or None for ``:`` (a whole layer). A general derivative dA/dB
    has kind ``DERIVATIVE`` and the two quantities (without suffixes) in ``of`` and ``wrt``.
    """

    kind: str
    indices: tuple[int | None, ...] = ()
    sample: int | None = None
    step: int = 0
    of: QuantityId | None = None
    wrt: QuantityId | None = None

    def __str__(self) -> str:
        if self.kind == DERIVATIVE:
            return f"d{self.of}/d{self.wrt}{self.suffix}"
        text = self.kind
        if self.indices:
            text += "[" + ",".join(SLICE if i is None else str(i) for i in self.indices) + "]"
        return text + self.suffix

    @property
    def suffix(self) -> str:
        """The sample and step suffix: ``#2@3``, ``'`` (step 1 of a primed kind) or ''."""
        text = f"{SAMPLE_MARK}{self.sample}" if self.sample is not None else ""
        if self.step == 1 and self.kind in PRIMED:
            return text + PRIME
        return text + (f"{STEP_MARK}{self.step}" if self.step else "")

    @property
    def updated(self) -> bool:
        """True for a value after one or more steps."""
        return self.step > 0

    @property
    def suffixed(self) -> bool:
        """True for a quantity of one sample of a batch or after one or more steps."""
        return self.sample is not None or self.step > 0

    @property
    def base(self) -> str:
        """The id without its sample and step: ``out[3,1]#2@1`` -> ``out[3,1]``."""
        return str(replace(self, sample=None, step=0))

    @property
    def layer(self) -> int | None:
        """The layer index for kinds that have one (not ``d``, ``dE/dx``, ``E`` or dA/dB)."""
        if self.kind in ("d", "dE/dx", "E", DERIVATIVE):
            return None
        return self.indices[0] if self.indices else None

    @property
    def is_slice(self) -> bool:
        """True when some index is ``:`` (the id names a vector or a matrix)."""
        if self.kind == DERIVATIVE:
            return self.of.is_slice or self.wrt.is_slice
        return None in self.indices


@lru_cache(maxsize=1 << 16)
def parse_id(text: str) -> QuantityId:
    """Parse a canonical id such as ``dE/dw[3,1,1]``; raise ValueError if malformed."""
    text = text.strip()
    plain = PLAIN_ID.match(text)
    if plain is not None and plain["kind"] in INDEX_COUNT:  # the common case, quickly
        atom = QuantityId(plain["kind"], tuple(map(int, plain["idx"].split(",")))), plain.end()
    else:
        atom = _atom(text, 0)
    if atom is not None and (tail := ID_TAIL.match(text, atom[1])) is not None:
        return _suffixed(_counted(atom[0], text), tail, text)
    of = _atom(text, 1) if text.startswith("d") else None
    if of is not None and text.startswith("/d", of[1]):
        wrt = _atom(text, of[1] + 2)
        tail = ID_TAIL.match(text, wrt[1]) if wrt is not None else None
        if tail is not None and not tail["prime"]:
            found = derivative(_counted(of[0], text), _counted(wrt[0], text), text)
            return _suffixed(found, tail, text)
    raise ValueError(f"not a canonical id: {text!r}")


def _atom(text: str, start: int) -> tuple[QuantityId, int] | None:
    """The atom (kind and indices) at ``start`` and where it ends, or None."""
    match = ATOM_PATTERN.match(text, start)
    if not match:
        return None
    indices = tuple(
        None if i == SLICE else int(i) for i in match["idx"].split(",")
    ) if match["idx"] else ()
    return QuantityId(match["kind"], indices), match.end()


def _counted(atom: QuantityId, text: str) -> QuantityId:
    """The atom if it has as many indices as its kind takes, else ValueError."""
    expected = INDEX_COUNT[atom.kind]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if len(atom.indices) not in allowed:
        raise ValueError(
            f"{text!r}: {atom.kind} takes {' or '.join(map(str, allowed))} indices"
        )
    return atom


def _suffixed(parsed: QuantityId, tail: re.Match, text: str) -> QuantityId:
    """The id with the sample and step of its tail (``'`` is ``@1``)."""
    if not tail[0]:
        return parsed  # no suffix: the atom as it is (most ids)
    if tail["prime"] and parsed.kind not in PRIMED:
        raise ValueError(f"{text!r}: {parsed.kind} has no value after the step")
    step = 1 if tail["prime"] else int(tail["step"] or 0)
    if step and parsed.kind in UNSTEPPED:
        raise ValueError(f"{text!r}: {parsed.kind} does not change in a step")
    sample = int(tail["sample"]) if tail["sample"] else None
    return replace(parsed, sample=sample, step=step)


def derivative(of: QuantityId, wrt: QuantityId, text: str = "") -> QuantityId:
    """The id of ∂of/∂wrt: a gradient kind for E (``dE/dw[...]``), else a general dA/dB."""
    text = text or f"d{of}/d{wrt}"
    if of.kind not in NUMERATORS or wrt.kind not in DENOMINATORS:
        raise ValueError(
            f"{text!r}: a derivative dA/dB takes A in {', '.join(NUMERATORS)} and B in "
            f"{', '.join(DENOMINATORS)}"
        )
    if of.kind == "E" and not of.indices:
        if wrt.kind == "out" and wrt.indices[0] == 1:
            return QuantityId("dE/dx", wrt.indices[1:])
        return QuantityId(GRADIENT_KINDS[wrt.kind], wrt.indices)
    return QuantityId(DERIVATIVE, of=of, wrt=wrt)


def canonical(text: str) -> str:
    """The canonical id of an id or another name of it (``dE/dnet[2,1]`` is ``delta[2,1]``)."""
    parsed = parse_id(text)
    if parsed.kind == "dE/dnet":
        parsed = replace(parsed, kind="delta")
    elif parsed.kind == "dE/dout" and parsed.indices[0] == 1:
        parsed = replace(parsed, kind="dE/dx", indices=parsed.indices[1:])
    return str(parsed)


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


def plain_id(text: str) -> tuple[str, tuple[int, ...], str] | None:
    """Kind, numeric indices and suffix (sample, step) of an id such as ``dE/dw[3,1,2]``
    or ``out[3,1]#2``, quickly, for ids the derivation made; None for any other text
    (E, a derivative, a slice)."""
    match = PLAIN_ID.match(text)
    if match is None or (tail := ID_TAIL.match(text, match.end())) is None:
        return None
    return match["kind"], tuple(map(int, match["idx"].split(","))), tail[0]


def neuron_layers(kind: str, indices: tuple, depth: int) -> tuple[int | None, ...]:
    """For each index of an id, the layer whose neuron it counts (None: the index is a
    layer number). ``w[3,2,1]`` -> (None, 3, 2); ``d[2]`` -> (depth,); ``dE/dx[4]`` -> (1,).
    """
    if kind == DERIVATIVE:
        raise ValueError("a derivative's indices belong to its two quantities")
    if kind in ("d", "E"):
        return (depth,) * len(indices)
    if kind == "dE/dx":
        return (1,)
    return (None, indices[0], indices[0] - 1)[: len(indices)]


def index_pattern(quantity_id: str, positions: dict[int, tuple[int, int]],
                  depth: int) -> str | None:
    """An id as a format string over neuron indices: the index of a neuron of layer l
    becomes ``{p}`` where ``positions[l] == (p, index)``; other indices stay.

    ``index_pattern('w[3,2,1]', {3: (0, 2), 2: (1, 1)}, 3) == 'w[3,{0},{1}]'``. None when
    the id counts another neuron of such a layer (it is not the same for every member of
    a family; ``symnn.render.templates``).
    """
    pattern = _index_pattern(parse_id(quantity_id), positions, depth)
    return None if pattern is None else str(pattern)


def _index_pattern(parsed: QuantityId, positions: dict, depth: int) -> QuantityId | None:
    if parsed.kind == DERIVATIVE:
        of = _index_pattern(parsed.of, positions, depth)
        wrt = _index_pattern(parsed.wrt, positions, depth)
        return None if of is None or wrt is None else replace(parsed, of=of, wrt=wrt)
    fields = index_fields(parsed, positions, depth)
    if fields is None:
        return None
    parts = [index if field is None else f"{{{field}}}"
             for index, field in zip(parsed.indices, fields, strict=True)]
    return replace(parsed, indices=tuple(parts))


def index_fields(parsed: QuantityId, positions: dict[int, tuple[int, int]],
                 depth: int) -> tuple[int | None, ...] | None:
    """For each index of a parsed id (not a derivative), the position ``p`` of
    ``positions[l] == (p, index)`` when it is that neuron of layer l, else None; None
    when it is another neuron of such a layer (see ``index_pattern``)."""
    fields = []
    layers = neuron_layers(parsed.kind, parsed.indices, depth)
    for index, layer in zip(parsed.indices, layers, strict=True):
        position, shared = positions.get(layer, (None, index))
        if index != shared:
            return None
        fields.append(position)
    return tuple(fields)


def at(quantity_id: str, sample: int | None = None, step: int = 0) -> str:
    """An id of the base quantity ``quantity_id`` for one sample and after some steps:
    ``at('out[3,1]', 2, 1) == "out[3,1]#2'"``, ``at('w[2,1,1]', step=2) == 'w[2,1,1]@2'``."""
    return str(replace(parse_id(quantity_id), sample=sample, step=step))


def state_id(state: str, param_id: str, step: int = 0) -> str:
    """The id of an optimizer state of a parameter: ``state_id('m', 'w[2,1,1]', 2)`` is
    ``m_w[2,1,1]@2``."""
    parsed = parse_id(param_id)
    return str(QuantityId(f"{state}_{parsed.kind}", parsed.indices, step=step))


def derivative_id(of: str, wrt: str) -> str:
    """The id of ∂of/∂wrt: ``derivative_id('out[3,1]', 'net[3,1]') == 'dout[3,1]/dnet[3,1]'``."""
    return canonical(str(derivative(parse_id(of), parse_id(wrt))))


def change_id(param_id: str) -> str:
    """The id of a parameter's change in one step: ``w[2,1,1]`` -> ``Dw[2,1,1]``."""
    return "D" + param_id


@cache
def symbol(canonical_id: str) -> sympy.Symbol:
    """The SymPy symbol standing for a quantity; its name is the canonical id."""
    return sympy.Symbol(canonical_id, real=True)


def python_name(canonical_id: str) -> str:
    """A Python identifier for a quantity: ``dE/dw[3,1,1]`` -> ``dE_dw_3_1_1``."""
    parsed = parse_id(canonical_id)
    if parsed.kind == DERIVATIVE:
        name = f"d{python_name(str(parsed.of))}_d{python_name(str(parsed.wrt))}"
    else:
        name = parsed.kind.replace("/", "_") + "".join(f"_{i}" for i in parsed.indices)
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


def with_kind(quantity_id: str, kind: str) -> str:
    """The id of another kind at the same indices, sample and step:
    ``with_kind('out[3,1]#2', 'dE/dout') == 'dE/dout[3,1]#2'``."""
    return str(replace(parse_id(quantity_id), kind=kind))


def generic_id(kind: str, *indices: str, updated: bool = False) -> str:
    """A quantity in index form, its indices letters or layer expressions:
    ``generic_id('w', 'l', 'j', 'k') == 'w[l,j,k]'`` (names of generic symbols);
    ``updated``: after the step (``w[l,j,k]'``)."""
    text = f"{kind}[{','.join(indices)}]" if indices else kind
    return text + PRIME if updated else text


def parameter_of_change(change: str) -> str:
    """The parameter a change id belongs to (the inverse of ``change_id``):
    ``Dw[2,1,1]`` -> ``w[2,1,1]``."""
    parsed = parse_id(change)
    if parsed.kind not in ("Dw", "Db"):
        raise ValueError(f"not a change id: {change!r}")
    return str(replace(parsed, kind=parsed.kind[1:]))


def is_output_error(name: str) -> bool:
    """True for the error of one output, ``E[j]`` (of any sample or step)."""
    return kind_of(name) == "E" and bool(parse_id(name).indices)


def is_bias_name(name: str) -> bool:
    """True for a bias, canonical or in index form: ``b[2,1]``, ``b[2]'``, ``b[l,j]``."""
    return name.startswith("b[")


def updated_id(param_id: str, step: int = 1) -> str:
    """The id of a parameter after ``step`` steps: ``w[2,1,1]`` -> ``w[2,1,1]'``."""
    return at(param_id, step=step)

