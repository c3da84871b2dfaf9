"""An assignment template: a spec with an ``[assignment]`` table.

```toml
[network]                      # as in any spec (and [notation], optionally [values])
layers = [2, 2, 2]
activation = "sigmoid"
loss = "mse"

[assignment]
title = "Homework 3"
seed = 2026                    # with the student id, fixes each student's numbers
digits = 3                     # significant digits every answer must have
rounding_credit = 0.5          # fraction of the points for a rounding slip (default 0.5)
points = 1                     # points per quantity, or { default = 1, "<ask entry>" = 2 }
ask = ["out of layer 2", "E", "gradients of layer 3", "w[3,1,1]'"]

[assignment.draw]              # per field of [values]: how every number of it is drawn
inputs = { min = 0.05, max = 0.95, decimals = 2 }
targets = { choices = [0, 1] }
weights = { min = -1, max = 1, decimals = 2 }
biases = [[0, 0], [0, 0]]      # a number or a list: fixed, the same for every student
learning_rate = 0.5
```

An ``ask`` entry is a canonical id (or a name in the template's notation), or a group:
``"<kind> of layer <l>"`` or ``"all <kind>"`` (every layer but the inputs) with a kind
of ``GROUPS``. Layers count as in canonical ids: the input layer is 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from symnn import spec
from symnn.check.names import Names
from symnn.errors import SpecError
from symnn.naming import parse_id

ASSIGNMENT_KEYS = ("title", "seed", "digits", "rounding_credit", "points", "ask", "draw")
DRAWN_FIELDS = ("inputs", "targets", "weights", "biases", "learning_rate")
RANGE_KEYS = ("min", "max", "decimals")
MAX_DECIMALS = 6
MAX_DIGITS = 12
DEFAULT_ROUNDING_CREDIT = Fraction(1, 2)
# A group of quantities asked at once: its word -> the kinds of id it takes (a trailing
# "'" marks the value after the update step).
GROUPS = {
    "net": ("net",),
    "out": ("out",),
    "delta": ("delta",),
    "dE/dout": ("dE/dout",),
    "dE/dw": ("dE/dw",),
    "dE/db": ("dE/db",),
    "gradients": ("dE/dw", "dE/db"),
    "dE/dx": ("dE/dx",),
    "w'": ("w'",),
    "b'": ("b'",),
    "updated": ("w'", "b'"),
}
GROUP_OF_LAYER = re.compile(r"^(?P<kind>\S+) of layer (?P<layer>[1-9][0-9]*)$")
GROUP_ALL = re.compile(r"^all (?P<kind>\S+)$")


@dataclass(frozen=True)
class Rule:
    """How the numbers of one field are drawn: fixed, a range of nice numbers, or choices."""

    fixed: object = None  # a number or a list, as in [values]
    low: Fraction | None = None
    high: Fraction | None = None
    decimals: int = 0
    choices: tuple[Fraction, ...] = ()


@dataclass(frozen=True)
class Asked:
    """One quantity the students must give, and its points."""

    id: str
    points: Fraction


@dataclass(frozen=True)
class Assignment:
    """A validated template: the spec's tables, what is drawn, what is asked."""

    base: dict  # the template's TOML without [assignment]: network, notation, values
    title: str
    seed: str
    digits: int
    rounding_credit: Fraction
    ask: tuple[str, ...]  # entries as written
    points: dict[str, Fraction]  # ask entry -> points (missing: default)
    default_points: Fraction
    draw: dict[str, Rule]
    source: str

    def asked(self, names: Names) -> list[Asked]:
        """Every asked quantity (groups expanded, in network order), once, with points."""
        result: dict[str, Fraction] = {}
        position = {quantity: i for i, quantity in enumerate(names.ids)}
        for index, entry in enumerate(self.ask):
            where = f"assignment.ask[{index}]"
            ids = _expand(entry, names, where)
            for quantity in ids:
                result.setdefault(quantity, self.points.get(entry, self.default_points))
        return [Asked(q, p) for q, p in sorted(result.items(), key=lambda i: position[i[0]])]


def load(path: str | Path) -> Assignment:
    """Read a template file."""
    path = Path(path)
    return loads(spec.read_toml_file(path), path.name)


def loads(text: str, source: str = "<template>") -> Assignment:
    """Read a template from TOML text."""
    data = spec.parse_toml(text, source)
    for key in data:
        if key not in (*spec.TOP_LEVEL_KEYS, "assignment"):
            raise SpecError(f"{key}: unknown table; expected one of "
                            f"{', '.join(spec.TOP_LEVEL_KEYS)}, assignment")
    if "assignment" not in data:
        raise SpecError("assignment: missing table [assignment] (what is drawn and asked)")
    table = data.pop("assignment")
    if not isinstance(table, dict):
        raise SpecError("assignment: expected a table")
    spec.from_dict({k: v for k, v in data.items() if k != "values"})  # the network is valid
    for key in table:
        if key not in ASSIGNMENT_KEYS:
            raise SpecError(
                f"assignment.{key}: unknown key; expected one of {', '.join(ASSIGNMENT_KEYS)}"
            )
    title = table.get("title", Path(source).stem)
    if not isinstance(title, str) or not title.strip():
        raise SpecError(f"assignment.title: expected a text, got {title!r}")
    seed = table.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise SpecError(f"assignment.seed: expected an integer or a text, got {seed!r}")
    digits = table.get("digits", 3)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise SpecError(f"assignment.digits: expected an integer 1 to {MAX_DIGITS}, got {digits!r}")
    credit = _fraction(table.get("rounding_credit", DEFAULT_ROUNDING_CREDIT),
                       "assignment.rounding_credit")
    if not 0 <= credit <= 1:
        raise SpecError(f"assignment.rounding_credit: expected 0 to 1, got {_shown(credit)}")
    ask = table.get("ask")
    if not isinstance(ask, list) or not ask or not all(isinstance(a, str) for a in ask):
        raise SpecError(f"assignment.ask: expected a list of ids or groups, got {ask!r}")
    default, points = _points(table.get("points", 1), ask)
    draw = _draw(table.get("draw", {}))
    return Assignment(data, title.strip(), str(seed), digits, credit, tuple(ask), points,
                      default, draw, source)


def _points(raw: object, ask: list[str]) -> tuple[Fraction, dict[str, Fraction]]:
    if not isinstance(raw, dict):
        return _positive(raw, "assignment.points"), {}
    default = _positive(raw.get("default", 1), "assignment.points.default")
    points = {}
    for key, value in raw.items():
        if key == "default":
            continue
        if key not in ask:
            raise SpecError(f"assignment.points.{key!r}: not an entry of assignment.ask")
        points[key] = _positive(value, f"assignment.points.{key!r}")
    return default, points


def _draw(raw: object) -> dict[str, Rule]:
    if not isinstance(raw, dict):
        raise SpecError(f"assignment.draw: expected a table, got {raw!r}")
    rules = {}
    for key, value in raw.items():
        where = f"assignment.draw.{key}"
        if key not in DRAWN_FIELDS:
            raise SpecError(f"{where}: unknown field; expected one of {', '.join(DRAWN_FIELDS)}")
        if isinstance(value, list | int | Decimal) and not isinstance(value, bool):
            rules[key] = Rule(fixed=value)
        elif isinstance(value, dict) and "choices" in value:
            if set(value) != {"choices"}:
                raise SpecError(f"{where}: a table with choices takes no other key")
            choices = value["choices"]
            if not isinstance(choices, list) or not choices:
                raise SpecError(f"{where}.choices: expected a list of numbers, got {choices!r}")
            rules[key] = Rule(choices=tuple(
                _fraction(c, f"{where}.choices[{i}]") for i, c in enumerate(choices)))
        elif isinstance(value, dict):
            rules[key] = _range(value, where)
        else:
            raise SpecError(
                f"{where}: expected a number, a list, {{ min, max, decimals }} or "
                f"{{ choices = [...] }}, got {value!r}"
            )
    return rules


def _range(value: dict, where: str) -> Rule:
    for key in value:
        if key not in RANGE_KEYS:
            raise SpecError(f"{where}.{key}: unknown key; expected one of {', '.join(RANGE_KEYS)}")
    for key in RANGE_KEYS:
        if key not in value:
            raise SpecError(f"{where}.{key}: missing")
    decimals = value["decimals"]
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not (
        0 <= decimals <= MAX_DECIMALS
    ):
        raise SpecError(f"{where}.decimals: expected 0 to {MAX_DECIMALS}, got {decimals!r}")
    low, high = _fraction(value["min"], f"{where}.min"), _fraction(value["max"], f"{where}.max")
    if low > high:
        raise SpecError(f"{where}: min {_shown(low)} is above max {_shown(high)}")
    return Rule(low=low, high=high, decimals=decimals)


def _expand(entry: str, names: Names, where: str) -> list[str]:
    """The ids an ask entry stands for: a group, or one id / notation name."""
    match = GROUP_OF_LAYER.match(entry.strip()) or GROUP_ALL.match(entry.strip())
    if match is None:
        reading = names.require(entry, where)
        return [reading.id]
    kind = match["kind"]
    if kind not in GROUPS:
        raise SpecError(f"{where}: unknown group {kind!r}; expected one of {', '.join(GROUPS)}")
    layer = int(match["layer"]) if "layer" in match.groupdict() else None
    ids = [q for q in names.ids if _in_group(q, GROUPS[kind], layer)]
    if layer is None:  # "all out": the inputs are given, not asked
        ids = [q for q in ids if parse_id(q).layer != 1]
    if not ids:
        raise SpecError(f"{where}: {entry!r} names no quantity of this network")
    return ids


def _in_group(quantity: str, kinds: tuple[str, ...], layer: int | None) -> bool:
    try:
        parsed = parse_id(quantity)
    except ValueError:
        return False
    kind = parsed.kind + ("'" if parsed.updated else "")
    return kind in kinds and (layer is None or parsed.layer == layer)


def _fraction(value: object, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise SpecError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise SpecError(f"{where}: expected a finite number, got {value}")
    return Fraction(value)


def _positive(value: object, where: str) -> Fraction:
    number = _fraction(value, where)
    if number <= 0:
        raise SpecError(f"{where}: expected a positive number, got {_shown(number)}")
    return number


def _shown(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))
