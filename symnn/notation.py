"""How quantities are written in LaTeX, per notation preset.

A ``Notation`` holds the reader's conventions; ``latex_name`` writes one canonical id in
it (``symnn.render.printer.NotationPrinter`` prints whole expressions so named). Presets
(each taken from one of the seeds' tutorials):

- ``net-out`` (seed 001): neurons x with ``net``/``out``, w_{ij}^l from neuron i of layer l
  to neuron j of layer l+1, b_j^l, layers counted from 1, φ, E, d, δ, η.
- ``nielsen`` (seed 003): activations a, weighted inputs z, w^l_{jk} into neuron j of
  layer l from neuron k of layer l−1, σ, cost C, targets y, layers counted from 0.
- ``layer-superscript`` (seed 004): w^{(l)}_{to,from}, a^{(l)}_j, z^{(l)}_j, inputs x_k,
  outputs ŷ_j, targets y_j, φ, loss 𝓛, layers counted from 0 in parentheses.

A spec's ``[notation]`` table picks a preset (``preset = "nielsen"``) and overrides it
field by field (``from_spec``); each field's key is the attribute name of ``Notation``.
Symbols are LaTeX; ``check_symbol`` accepts letters, digits, braces and a fixed list of
commands, turns Unicode Greek letters into their commands, and rejects everything that
could break a document (``# & % $ _ ^ ~``, unknown commands, unbalanced braces).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

from symnn.errors import SpecError
from symnn.naming import DERIVATIVE, PRIMED, parse_id
from symnn.spec import check_keys


@dataclass(frozen=True)
class Notation:
    """A reader's notation: the symbols and index conventions of their text.

    Every field except ``name`` and ``depth`` can be overridden in a spec's ``[notation]``
    table. ``depth`` (the canonical number of the output layer) lets ``latex_name`` give
    the outputs their own symbol (ŷ_j); ``from_spec`` sets it from the spec.
    """

    name: str
    out: str = r"\mathrm{out}\,x"  # a neuron's value after the activation
    net: str = r"\mathrm{net}\,x"  # a neuron's value before the activation
    neuron: str = "x"  # the label of a neuron in the diagram ("" = the out symbol)
    input: str = "x"  # the inputs (out of the input layer)
    input_layer: bool = True  # inputs carry the layer number (x_k^1) or not (x_k)
    output: str = ""  # the outputs of the net without a layer number ("" = out^L_j)
    target: str = "d"
    weight: str = "w"
    bias: str = "b"
    loss: str = "E"
    delta: str = r"\delta"
    activation: str = r"\phi"
    learning_rate: str = r"\eta"
    weight_index: str = "from-to"  # w_{ij}: from i to j (seed 001); "to-from": w_{jk}
    weight_layer: str = "source"  # w^l leaves layer l (seed 001); "target": enters layer l
    first_layer: int = 1  # the number of the input layer (seed 003 and 004 count from 0)
    layer_parens: bool = False  # w^{(2)} instead of w^{2}
    depth: int = 0  # the output layer's number, set by from_spec (0: unknown, no ŷ)
    delta_sign: str = "dE/dnet"  # δ = ∂E/∂net, or "-dE/dnet" (update w ← w + η δ out)

    def layer(self, number: int | Layer) -> str:
        """The superscript for a layer: a canonical number (input layer = 1) or a Layer."""
        shown = number.text() if isinstance(number, Layer) else str(number + self.first_layer - 1)
        return f"({shown})" if self.layer_parens else shown


@dataclass(frozen=True)
class Layer:
    """A layer in index form: a letter and a shift, e.g. ``Layer("l", -1)`` is l−1."""

    letter: str = "l"
    shift: int = 0

    def __add__(self, step: int) -> Layer:
        return Layer(self.letter, self.shift + step)

    def __sub__(self, step: int) -> Layer:
        return Layer(self.letter, self.shift - step)

    def text(self) -> str:
        """``l``, ``l+1`` or ``l-1``."""
        if self.shift == 0:
            return self.letter
        return f"{self.letter}{'+' if self.shift > 0 else '-'}{abs(self.shift)}"


PRESETS: dict[str, Notation] = {
    "net-out": Notation("net-out"),
    "nielsen": Notation(
        "nielsen",
        out="a",
        net="z",
        neuron="",
        input="a",
        target="y",
        loss="C",
        activation=r"\sigma",
        weight_index="to-from",
        weight_layer="target",
        first_layer=0,
    ),
    "layer-superscript": Notation(
        "layer-superscript",
        out="a",
        net="z",
        neuron="",
        input="x",
        input_layer=False,
        output=r"\hat{y}",
        target="y",
        loss=r"\mathcal{L}",
        weight_index="to-from",
        weight_layer="target",
        first_layer=0,
        layer_parens=True,
    ),
}
DEFAULT = "net-out"

# The fields a [notation] table may set, by kind of value.
SYMBOL_FIELDS = (
    "out", "net", "input", "target", "weight", "bias", "loss", "delta", "activation",
    "learning_rate",
)
OPTIONAL_SYMBOL_FIELDS = ("neuron", "output")  # "" means: use the out symbol
CHOICE_FIELDS = {
    "weight_index": ("from-to", "to-from"),
    "weight_layer": ("source", "target"),
    "delta_sign": ("dE/dnet", "-dE/dnet"),
}
BOOL_FIELDS = ("input_layer", "layer_parens")
INT_FIELDS = {"first_layer": (0, 1)}
NOTATION_KEYS = (
    "preset", *SYMBOL_FIELDS, *OPTIONAL_SYMBOL_FIELDS, *CHOICE_FIELDS, *BOOL_FIELDS,
    *INT_FIELDS,
)

# LaTeX commands a notation symbol may use: they exist in amsmath/amssymb and in KaTeX.
GREEK_COMMANDS = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
OTHER_COMMANDS = (
    "mathrm mathit mathbf mathsf mathtt mathcal mathbb mathfrak boldsymbol operatorname "
    "hat widehat tilde widetilde bar overline vec dot ddot check breve acute grave "
    "ell imath jmath nabla partial"
)
ALLOWED_COMMANDS = frozenset(f"{GREEK_COMMANDS} {OTHER_COMMANDS}".split(" "))
# Spacing commands made of one non-letter: \, \; \: \! and "\ ".
SPACING = frozenset(",;:! ")
# Characters with a meaning in TeX that a symbol must not contain, and why.
FORBIDDEN = {
    "#": "a macro parameter character",
    "&": "an alignment tab",
    "%": "a comment character",
    "$": "a math-mode switch",
    "_": "a subscript (symnn adds the indices itself)",
    "^": "a superscript (symnn adds the layer itself)",
    "~": "an unbreakable space",
}
# Unicode Greek capitals without a LaTeX command of their own look like Latin letters.
_LATIN_CAPITALS = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX", strict=True))


def get(name: str) -> Notation:
    """A preset by name; the error lists the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise SpecError(f"unknown notation {name!r}; known: {', '.join(PRESETS)}") from None


def from_spec(spec, preset: str | None = None) -> Notation:
    """The notation of a spec: its ``[notation]`` preset (or ``preset``) with overrides.

    ``spec`` is a NetworkSpec (its raw ``notation`` table is read) or the table itself.
    ``preset``, e.g. from ``--notation``, replaces the table's ``preset``; the table's
    other fields still apply on top. Errors name the field: ``notation.loss: ...``.
    """
    table = spec if isinstance(spec, dict) else spec.notation
    check_keys(table, NOTATION_KEYS, "notation.")
    base_name = preset if preset is not None else table.get("preset", DEFAULT)
    if not isinstance(base_name, str) or base_name not in PRESETS:
        where = "--notation" if preset is not None else "notation.preset"
        raise SpecError(f"{where}: expected one of {', '.join(PRESETS)}, got {base_name!r}")
    changes = {key: _field_value(key, value) for key, value in table.items() if key != "preset"}
    if not isinstance(spec, dict):
        changes["depth"] = spec.depth
    return dataclasses.replace(PRESETS[base_name], **changes)


def _field_value(key: str, value):
    """One validated ``[notation]`` field."""
    where = f"notation.{key}"
    if key in SYMBOL_FIELDS:
        return check_symbol(value, where)
    if key in OPTIONAL_SYMBOL_FIELDS:
        return "" if value == "" else check_symbol(value, where)
    if key in CHOICE_FIELDS:
        choices = CHOICE_FIELDS[key]
        if value not in choices:
            raise SpecError(f"{where}: expected one of {', '.join(choices)}, got {value!r}")
        return value
    if key in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise SpecError(f"{where}: expected true or false, got {value!r}")
        return value
    allowed = INT_FIELDS[key]
    if isinstance(value, bool) or value not in allowed:
        raise SpecError(f"{where}: expected {' or '.join(map(str, allowed))}, got {value!r}")
    return value


def check_symbol(value, where: str) -> str:
    """A notation symbol as safe LaTeX, or SpecError saying what is wrong with it.

    Unicode Greek letters become commands (σ -> ``\\sigma``). Allowed: ASCII letters,
    digits, spaces, ``' ( ) , . - + * /``, balanced braces, the commands in
    ``ALLOWED_COMMANDS`` and the spacing commands ``\\, \\; \\: \\!``.
    """
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: expected a LaTeX symbol such as \\sigma or C, got {value!r}")
    text = "".join(_greek_command(ch, where, value) for ch in value)
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in FORBIDDEN:
            raise SpecError(
                f"{where}: {ch!r} is not allowed in a symbol ({FORBIDDEN[ch]}), got {value!r}"
            )
        if ch == "\\":
            i += _command_length(text, i, where, value)
            continue
        if ch in "{}":
            depth += 1 if ch == "{" else -1
            if depth < 0:
                raise SpecError(f"{where}: unbalanced braces, got {value!r}")
        elif not (ch.isascii() and (ch.isalnum() or ch in " '(),.-+*/")):
            raise SpecError(f"{where}: character {ch!r} is not allowed in a symbol, got {value!r}")
        i += 1
    if depth != 0:
        raise SpecError(f"{where}: unbalanced braces, got {value!r}")
    return text[:-1] if text.endswith(" ") and not text.endswith("\\ ") else text


def _greek_command(ch: str, where: str, value: str) -> str:
    """A Unicode Greek letter as its LaTeX command (followed by a space); others unchanged."""
    if ch.isascii():
        return ch
    name = unicodedata.name(ch, "")
    match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (FINAL )?([A-Z]+)", name)
    if not match:
        raise SpecError(
            f"{where}: character {ch!r} is not ASCII; write it as a LaTeX command, got {value!r}"
        )
    if ch in _LATIN_CAPITALS:
        return _LATIN_CAPITALS[ch]
    letter = match[3].lower()
    letter = {"lamda": "lambda", "omicron": "o"}.get(letter, letter)
    if match[2]:
        letter = "var" + letter
    if letter == "o":
        return "o"
    command = letter.capitalize() if match[1] == "CAPITAL" else letter
    return f"\\{command} "


def _command_length(text: str, start: int, where: str, value: str) -> int:
    """The length of the allowed command at ``text[start]`` (a backslash), or raise."""
    following = text[start + 1 : start + 2]
    if following and following in SPACING:
        return 2
    match = re.match(r"[A-Za-z]+", text[start + 1 :])
    if not match:
        shown = following or "end of text"
        raise SpecError(f"{where}: a backslash followed by {shown!r} is not allowed, got {value!r}")
    if match[0] not in ALLOWED_COMMANDS:
        raise SpecError(
            f"{where}: \\{match[0]} is not an allowed command (allowed: Greek letters, "
            f"\\mathrm, \\mathcal, \\hat, \\bar, \\operatorname, ...), got {value!r}"
        )
    return 1 + len(match[0])


def latex_name(quantity_id: str, notation: Notation) -> str:
    """A canonical id written in a notation, e.g. ``w[3,2,1]`` -> ``w_{12}^{2}`` (net-out)."""
    parsed = parse_id(quantity_id)
    if parsed.sample is not None or parsed.step:
        primed = parsed.step == 1 and parsed.kind in PRIMED  # w', E', out': the prime
        name = name_at(parsed.kind, parsed.indices, notation, True) if primed \
            else latex_name(parsed.base, notation)
        if parsed.sample is not None:
            name = f"{{{name}}}^{{({parsed.sample})}}"
        return name if primed or not parsed.step else f"{{{name}}}^{{[{parsed.step}]}}"
    if parsed.kind == DERIVATIVE:
        return (
            rf"\frac{{\partial {latex_name(str(parsed.of), notation)}}}"
            rf"{{\partial {latex_name(str(parsed.wrt), notation)}}}"
        )
    return plain_name(parsed.kind, parsed.indices, notation)


def plain_name(kind: str, indices: tuple, notation: Notation) -> str:
    """The name of a quantity of one sample at the given parameters (not a derivative
    dA/dB). Its neuron indices may be numbers or, as ``symnn.render.templates`` passes
    them, ints that print as format fields."""
    if kind in ("Dw", "Db"):
        return r"\Delta " + name_at(kind[1:], indices, notation)
    if kind == "dE/dnet":
        return name_at("delta", indices, notation)
    return name_at(kind, indices, notation)


def name_at(kind: str, indices: tuple, notation: Notation, updated: bool = False) -> str:
    """The name of a quantity at indices that are numbers or, in index form, letters.

    A layer index is a canonical number (input layer = 1) or a ``Layer``; neuron indices
    are numbers or letters such as ``"j"``. ``name_at("w", (Layer("l"), "j", "k"), n)``
    is the index form of a weight into layer l, e.g. ``w_{kj}^{l-1}`` in net-out.
    ``updated``: the value after the step, primed as ``scripted`` writes it (``w'^{l-1}_{kj}``).
    """
    if kind in ("net", "out"):
        return _neuron_name(kind, indices[0], indices[1], notation, updated)
    if kind == "w":
        layer, to, frm = indices
        order = (frm, to) if notation.weight_index == "from-to" else (to, frm)
        shown = layer - 1 if notation.weight_layer == "source" else layer
        return scripted(notation.weight, _pair(*order), notation.layer(shown), updated)
    if kind == "b":
        sub = indices[1] if len(indices) == 2 else None
        return scripted(notation.bias, sub, notation.layer(indices[0]), updated)
    if kind == "d":
        return scripted(notation.target, indices[0], None)
    if kind == "delta":
        return scripted(notation.delta, indices[1], notation.layer(indices[0]))
    if kind == "E":
        return scripted(notation.loss, indices[0] if indices else None, None, updated)
    if "_" in kind:  # an optimizer state of a parameter: m_w -> m_{w...}
        state, param = kind.split("_")
        return scripted(state, name_at(param, indices, notation), None, updated)
    wrt = {"dE/dout": "out", "dE/dw": "w", "dE/db": "b", "dE/dx": "out"}[kind]
    inner = (1, *indices) if kind == "dE/dx" else indices
    return rf"\frac{{\partial {notation.loss}}}{{\partial {name_at(wrt, inner, notation)}}}"


def scripted(stem: str, sub, sup, prime: bool = False) -> str:
    r"""A symbol with its subscript and superscript (each None when absent).

    A prime (the value after the step) goes on the symbol itself, before its scripts:
    ``w'^{2}_{11}``, ``b'^{3}_{1}``, ``\mathrm{out}\,x'^{3}_{1}``, ``E'``, in every notation
    and in the general formulas (``w'^{l-1}_{kj}``), so that it never reads as part of a
    superscript (``l-1'``). TeX takes ``'^{2}`` as one superscript ``\prime 2``; the
    superscript must come right after the prime (``w'_{11}^{2}`` is a double superscript).
    """
    text = stem + ("'" if prime else "")
    scripts = [("^", sup), ("_", sub)] if prime else [("_", sub), ("^", sup)]
    return text + "".join(f"{mark}{{{value}}}" for mark, value in scripts if value is not None)


def _neuron_name(kind: str, layer, j, notation: Notation, prime: bool = False) -> str:
    """net or out of neuron j of a layer; inputs and outputs may have their own symbols."""
    if kind == "out" and layer == 1:
        shown = notation.layer(1) if notation.input_layer else None
        return scripted(notation.input, j, shown, prime)
    if kind == "out" and notation.output and layer in (Layer("L"), notation.depth):
        return scripted(notation.output, j, None, prime)
    stem = notation.net if kind == "net" else notation.out
    return scripted(stem, j, notation.layer(layer), prime)


def _pair(first, second) -> str:
    """Two indices side by side, with a comma once either has two digits (w_{10,3})."""
    if isinstance(first, int) and isinstance(second, int) and max(first, second) >= 10:
        return f"{first},{second}"
    return f"{first}{second}"


def matrix_name(kind: str, layer: int | Layer, notation: Notation) -> str:
    """The name of a layer's vector or matrix in the matrix form, e.g. ``\\mathbf{W}^{2}``.

    ``kind`` is ``w`` (weights: rows = neurons of the receiving layer), ``b``, ``net``,
    ``out``, ``delta`` or ``d`` (targets); ``layer`` is the canonical layer of the
    quantity (for ``w`` and ``b`` the receiving layer), or a ``Layer`` in index form.
    """
    if kind == "w":
        shown = layer - 1 if notation.weight_layer == "source" else layer
        stem = notation.weight.upper() if _is_letter(notation.weight) else notation.weight
        return f"{_bold(stem)}^{{{notation.layer(shown)}}}"
    if kind == "d":
        return _bold(notation.target)
    if kind == "out" and layer == 1:
        name = _bold(notation.input)
        return f"{name}^{{{notation.layer(1)}}}" if notation.input_layer else name
    if kind == "out" and notation.output and layer in (Layer("L"), notation.depth):
        return _bold(notation.output)
    stem = {"b": notation.bias, "net": notation.net, "out": notation.out,
            "delta": notation.delta}[kind]
    return f"{_bold(stem)}^{{{notation.layer(layer)}}}"


def _is_letter(text: str) -> bool:
    return len(text) == 1 and text.isascii() and text.isalpha()


def _bold(stem: str) -> str:
    """A bold symbol: ``\\mathbf`` for one Latin letter, else ``\\boldsymbol``.

    A prefixed letter (``\\mathrm{out}\\,x``) keeps its prefix upright: only the letter
    turns bold (``\\mathrm{out}\\,\\mathbf{x}``).
    """
    prefixed = re.fullmatch(r"(.*\\,)([A-Za-z])", stem)
    if prefixed:
        return rf"{prefixed[1]}\mathbf{{{prefixed[2]}}}"
    return rf"\mathbf{{{stem}}}" if _is_letter(stem) else rf"\boldsymbol{{{stem}}}"
