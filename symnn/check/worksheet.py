"""A worksheet: a spec with ``[values]`` and ``[claims]``, read with the digits as written.

Each claim is ``NAME = NUMBER`` or ``NAME = { value = NUMBER, formula = 'LaTeX' }``.
NAME is a canonical id (``dE/dw[3,1,1]``) or a name in the active notation
(``'\\frac{\\partial E}{\\partial w_{11}^2}'``). NUMBER is a TOML number, whose text is
kept (``-0.20`` claims two decimals), or a quoted decimal (``"0.20"``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from symnn import notation, spec
from symnn.check import digits
from symnn.check.digits import Written
from symnn.check.names import PRIMES, Names, Reading
from symnn.errors import SpecError
from symnn.naming import parse_id
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
    written: Written  # its value in the network's convention (see ``scale``)
    formula: str | None = None
    scale: int = 1  # −1: written in a convention that negates the network's value


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
    """The claims of a spec's ``[claims]`` table, in the order written."""
    claims = []
    for key, raw in network_spec.claims.items():
        where = f"claims.{quoted_key(key)}"
        if len(key) > MAX_NAME_LENGTH:
            raise SpecError(f"{where}: a name of {len(key)} characters (at most {MAX_NAME_LENGTH})")
        _needs_rate(key, network_spec, names, where)
        reading = names.require(key, where)
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
            where, raw = f"{where}.value", raw["value"]
        written = digits.read(raw)
        if written is None:
            raise SpecError(f"{where}: expected {EXPECTED}, got {_shown(raw)}")
        scale = claim_scale(reading.id, network_spec, names.notation)
        if scale == -1:
            written = replace(written, value=-written.value)
        claims.append(Claim(key, reading, written, formula, scale))
    return claims


def claim_scale(quantity_id: str, network_spec: NetworkSpec, reading: notation.Notation) -> int:
    """−1 when the worksheet's conventions write a quantity as minus the network's value:
    δ declared as −∂E/∂net (``[notation] delta_sign``), or a bias given as the weight on a
    constant input −1 (``[values] bias_input``: b = −θ, and so ∂E/∂θ = −∂E/∂b)."""
    kind = parse_id(quantity_id).kind
    if kind == "delta" and reading.delta_sign == "-dE/dnet":
        return -1
    values = network_spec.values
    if kind in ("b", "dE/db") and values is not None and values.bias_input == -1:
        return -1
    return 1


def _needs_rate(key: str, network_spec: NetworkSpec, names: Names, where: str) -> None:
    """A value after the update step, in a worksheet without a learning rate: say so."""
    if network_spec.values.learning_rate is not None or not key.rstrip().endswith(PRIMES):
        return
    if names.read(key.rstrip()[:-1].strip().removeprefix("{").removesuffix("}")) is not None:
        raise SpecError(
            f"{where}: a value after the update step needs values.learning_rate in the worksheet"
        )


def quoted_key(key: str) -> str:
    """A claim key as written in TOML (quoted), shortened if it is long."""
    if len(key) > SHOWN_NAME_LENGTH:
        key = key[: SHOWN_NAME_LENGTH - 1] + "…"
    return f"'{key}'" if "\\" in key and "'" not in key else f'"{key}"'


def _shown(raw: object) -> str:
    if isinstance(raw, Decimal):
        return str(raw)
    if isinstance(raw, dict):
        return "a table"
    if isinstance(raw, list):
        return "a list"
    return repr(raw)
