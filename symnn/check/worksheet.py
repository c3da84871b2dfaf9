"""A worksheet: a spec with ``[values]`` and ``[claims]``, read with the digits as written.

Each claim is ``NAME = NUMBER`` or ``NAME = { value = NUMBER, formula = 'LaTeX' }``.
NAME is a canonical id (``dE/dw[3,1,1]``) or a name in the active notation
(``'\\frac{\\partial E}{\\partial w_{11}^2}'``). NUMBER is a TOML number, whose text is
kept (``-0.20`` claims two decimals), or a quoted decimal (``"0.20"``).

A name with ``:`` (``out[2,:]``, ``w[3,:,:]``) claims a whole layer: its value is a TOML
array shaped as the slice (``claimable.elements``), and each element becomes a claim of
its own with the line's key (``line`` numbers the worksheet's lines). A name that reads
as nothing becomes a claim with ``error`` set, so the other lines are still judged.

Every claim is read, and the errors of all bad claims are reported together (one line
each, :class:`~symnn.errors.SpecErrors`). Numbers are bounded as in ``symnn.limits``
(digits, size, length as written) before they are converted; a worksheet has at most
``limits.MAX_CLAIMS`` claims.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from symnn import claimable, limits, notation, spec
from symnn.check import digits
from symnn.check.digits import Written
from symnn.check.formula import FormulaError, check_syntax
from symnn.check.names import Names, Reading, primed, strip_prime
from symnn.errors import SpecError, SpecErrors
from symnn.naming import DERIVATIVE, kind_of, parse_id
from symnn.spec import NetworkSpec

CLAIM_KEYS = ("value", "formula")
MAX_NAME_LENGTH = 500  # characters in a claim's name
SHOWN_NAME_LENGTH = 60  # characters of a name quoted in an error
EXPECTED = "a number as written (0.53, \"0.53\", or { value = 0.53, formula = '...' })"


@dataclass(frozen=True)
class Claim:
    """One claimed number: the name as written, the id it was read as, digits, formula."""

    key: str
    reading: Reading
    written: Written | None  # its value in the network's convention (see ``scale``)
    formula: str | None = None
    scale: int = 1  # −1: written in a convention that negates the network's value
    line: int = 0  # the worksheet line (several claims share one for a slice)
    error: str | None = None  # the name could not be read: why, and the closest names

    @property
    def id(self) -> str:
        """The canonical id the claim's name was read as."""
        return self.reading.id


@dataclass(frozen=True)
class Worksheet:
    """A loaded worksheet: its spec, the notation its names are read in, and its source."""

    spec: NetworkSpec
    notation: notation.Notation
    source: str


def load(path: str | Path, preset: str | None = None) -> Worksheet:
    """Read a worksheet file; ``preset`` overrides the ``[notation]`` preset."""
    network_spec = spec.load(path)
    if network_spec.values is None:
        raise SpecError("values: a worksheet needs a [values] table (inputs, targets, weights)")
    return Worksheet(network_spec, notation.from_spec(network_spec, preset), Path(path).name)


def read_claims(network_spec: NetworkSpec, names: Names) -> list[Claim]:
    """The claims of a spec's ``[claims]`` table, in the order written.

    Raises :class:`SpecErrors` with one error per bad line when any line is bad.
    """
    table = network_spec.claims
    if len(table) > limits.MAX_CLAIMS:
        raise SpecError(f"claims: {len(table)} claims; a worksheet has at most {limits.MAX_CLAIMS}")
    claims, errors = [], []
    for line, (key, raw) in enumerate(table.items()):
        try:
            claims += _line_claims(network_spec, names, line, key, raw)
        except SpecError as exc:
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    return claims


def _line_claims(network_spec: NetworkSpec, names: Names, line: int, key: str, raw) -> list:
    """The claims of one line of ``[claims]`` (several for a slice)."""
    claims = []
    where = f"claims.{quoted_key(key)}"
    if len(key) > MAX_NAME_LENGTH:
        raise SpecError(f"{where}: a name of {len(key)} characters (at most {MAX_NAME_LENGTH})")
    _needs_rate(key, network_spec, names, where)
    sliced = _slice(key, names)
    if sliced is not None:
        return _slice_claims(key, sliced, raw, where, line, network_spec, names)
    formula = None
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in CLAIM_KEYS]
        if unknown:
            raise SpecError(
                f"{where}.{unknown[0]}: unknown key; expected one of {', '.join(CLAIM_KEYS)}"
            )
        if "value" not in raw:
            raise SpecError(f"{where}.value: missing (the number claimed)")
        formula = raw.get("formula")
        if formula is not None and not isinstance(formula, str):
            raise SpecError(f"{where}.formula: expected LaTeX text, got {_shown(formula)}")
        if formula is not None:
            _check_formula(formula, f"{where}.formula")
        where, raw = f"{where}.value", raw["value"]
    written = read_number(raw, where)
    name_at = f"claims.{quoted_key(key)}"
    try:
        reading = names.require(key, name_at)
    except SpecError as exc:
        unread = Reading(key, key, by_notation=False)
        error = str(exc).removeprefix(f"{name_at}: ")
        return [Claim(key, unread, written, formula, line=line, error=error)]
    if kind_of(reading.id) in ("Dw", "Db") and network_spec.values.learning_rate is None:
        raise SpecError(f"{where}: a change in the update step needs values.learning_rate")
    scale = claim_scale(reading.id, network_spec, names.notation)
    if scale == -1:
        written = replace(written, value=-written.value)
    claims.append(Claim(key, reading, written, formula, scale, line))
    return claims


def read_number(raw: object, where: str, expected: str = EXPECTED) -> Written:
    """A claimed number, bounded in length, digits and size before it is converted."""
    if isinstance(raw, str):
        limits.check_number_text(raw, where)
        text = raw.strip().replace("−", "-")
        if digits.NUMBER_TEXT.match(text):
            limits.check_decimal(Decimal(text), where)
    elif isinstance(raw, Decimal) and raw.is_finite():
        limits.check_decimal(raw, where)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        limits.check_rational(raw, where)
    written = digits.read(raw)
    if written is None:
        raise SpecError(f"{where}: expected {expected}, got {_shown(raw)}")
    return written


def _check_formula(text: str, where: str) -> None:
    """A formula's syntax and limits, checked before any claim is judged."""
    try:
        check_syntax(text)
    except FormulaError as exc:
        column = f" at column {exc.column}" if exc.column else ""
        raise SpecError(f"{where}: {exc.reason}{column}") from None




def _slice(key: str, names: Names):
    """The nested element ids of a slice name (``out[2,:]``), or None if it is not one."""
    try:
        parsed = parse_id(key)
    except ValueError:
        return None
    if not parsed.is_slice or names.network is None:
        return None
    try:
        claimable.check(names.network, key)
    except ValueError:
        return None
    return claimable.elements(names.network, parsed)


def _slice_claims(
    key: str, nested, raw, where: str, line: int, network_spec: NetworkSpec, names: Names
) -> list[Claim]:
    """One claim per element of a slice, its value read from the array at that place
    (a weight matrix in the author's orientation: ``_oriented``)."""
    nested, rows = _oriented(key, nested, network_spec)
    shape = _shape(nested)
    if _shape(raw) != shape:
        raise SpecError(
            f"{where}: expected an array shaped {' x '.join(map(str, shape))} (numbers or "
            f"quoted numbers, rows = {rows}), got {_shown(raw)}"
        )
    claims = []
    for (quantity_id, value), place in zip(
        _pairs(nested, raw), _places(nested), strict=True
    ):
        written = read_number(value, f"{where}{place}", "a number as written")
        scale = claim_scale(quantity_id, network_spec, names.notation)
        if scale == -1:
            written = replace(written, value=-written.value)
        reading = Reading(quantity_id, key, by_notation=False)
        claims.append(Claim(key, reading, written, None, scale, line))
    return claims


def _oriented(key: str, nested, network_spec: NetworkSpec) -> tuple[list, str]:
    """The element ids of a slice as the worksheet writes its arrays, and what its rows
    are. A whole weight matrix (``w[3,:,:]``, ``dE/dw[3,:,:]``, ``Dw[3,:,:]``) has rows
    of receiving neurons, or of sending neurons when ``[values]`` declares
    ``weights_layout = "input-by-output"`` (then it is read transposed)."""
    parsed = parse_id(key)
    matrix = parsed
    if parsed.kind == DERIVATIVE:  # dE[1]/dw[3,:,:]: the matrix of the denominator
        matrix = None if parsed.of.is_slice else parsed.wrt
    values = network_spec.values
    whole = matrix is not None and matrix.indices[1:] == (None, None)
    if not whole or values is None or values.weights_layout != "input-by-output":
        return nested, "the first ':'"
    return [list(column) for column in zip(*nested, strict=True)], \
        "the sending neurons (weights_layout = \"input-by-output\")"


def _shape(nested) -> tuple[int, ...] | None:
    if not isinstance(nested, list):
        return ()
    inner = {_shape(part) for part in nested}
    if len(inner) != 1 or None in inner:
        return None if nested else (0,)
    return (len(nested), *inner.pop())


def _pairs(ids, values):
    if isinstance(ids, str):
        return [(ids, values)]
    return [pair for i, v in zip(ids, values, strict=True) for pair in _pairs(i, v)]


def _places(ids, prefix: str = "") -> list[str]:
    if isinstance(ids, str):
        return [prefix]
    return [p for n, part in enumerate(ids) for p in _places(part, f"{prefix}[{n}]")]


def claim_scale(quantity_id: str, network_spec: NetworkSpec, reading: notation.Notation) -> int:
    """−1 when the worksheet's conventions write a quantity as minus the network's value:
    δ declared as −∂E/∂net (``[notation] delta_sign``), or a bias given as the weight on a
    constant input −1 (``[values] bias_input``: b = −θ, and so ∂E/∂θ = −∂E/∂b)."""
    kind = kind_of(quantity_id)  # None for an expression name
    if kind == "delta" and reading.delta_sign == "-dE/dnet":
        return -1
    values = network_spec.values
    if kind in ("b", "dE/db") and values is not None and values.bias_input == -1:
        return -1
    return 1


def _needs_rate(key: str, network_spec: NetworkSpec, names: Names, where: str) -> None:
    """A value after the update step, in a worksheet without a learning rate: say so."""
    if network_spec.values.learning_rate is not None or not primed(key):
        return
    if names.read(strip_prime(key)[0]) is not None:
        raise SpecError(
            f"{where}: a value after the update step needs values.learning_rate in the worksheet"
        )


def quoted_key(key: str) -> str:
    """A claim key as written in TOML (quoted), shortened if it is long."""
    if len(key) > SHOWN_NAME_LENGTH:
        key = key[: SHOWN_NAME_LENGTH - 1] + "…"
    return f"'{key}'" if "\\" in key and "'" not in key else f'"{key}"'


def _shown(raw: object) -> str:
    if isinstance(raw, list):
        return f"a list of {len(raw)}"
    return limits.shown(raw)
