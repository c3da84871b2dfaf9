"""Print a family of rows once, then fill in each member's names.

The members of a ``symnn.document.Family`` (``dE/dw[3,j,k]`` for every j, k) differ only
in the neuron indices of the quantities their rows mention. A printer prints the
family's representative once with *marks* in place of the names of those quantities;
the marks become fields of a format string, and each member's row is the format string
filled with its own names: no SymPy expression is built or printed per member.

A mark keeps the first and last character of the name it stands for, and every
character between, so that a printer's choices that look at printed text (a thin space
between two numbers, braces around a base with a superscript) come out as for the real
name. Each template is checked against the real printing of the family's first members
and of the first member of every new number of index digits (``w_{19}`` and
``w_{1,10}`` differ in more than their digits); a family whose check fails, or whose
representative mentions another neuron of a member's layer (softmax couples the
neurons of its layer), is printed row by row.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from symnn.document import Family, Member
from symnn.naming import index_pattern

_MARK = re.compile(r"(?s).\x00([LT])(\d+)\x01.*?\x02.")
CHECKED = 3  # members checked against the real printing, the representative included
_MISSING = object()


class Unfit(Exception):
    """The representative's row cannot be printed as a template."""


class Marks:
    """The quantities a representative's row mentions, as marks of its members' names."""

    def __init__(self, family: Family):
        self.positions = family.positions
        self.depth = family.depth
        self.patterns: list[str] = []  # the id of each marked quantity, over member indices
        self._numbers: dict[str, int] = {}

    def latex(self, quantity_id: str, name: str) -> str:
        """A quantity's LaTeX name, marked if it depends on the member."""
        return self._mark("L", quantity_id, name)

    def text(self, quantity_id: str) -> str:
        """A quantity's id, marked if it depends on the member."""
        return self._mark("T", quantity_id, quantity_id)

    def _mark(self, form: str, quantity_id: str, shown: str) -> str:
        number = self._numbers.get(quantity_id)
        if number is None:
            pattern = index_pattern(quantity_id, self.positions, self.depth)
            if pattern is None:
                raise Unfit(f"{quantity_id} is another neuron of a member's layer")
            if "{" not in pattern:
                return shown  # the same for every member
            number = self._numbers[quantity_id] = len(self.patterns)
            self.patterns.append(pattern)
        if len(shown) < 2:
            raise Unfit(f"{shown!r} is too short to mark")
        return f"{shown[0]}\x00{form}{number}\x01{shown[1:-1]}\x02{shown[-1]}"


class Field:
    """A printed string with the names of a member's quantities as format fields."""

    __slots__ = ("form",)

    def __init__(self, form: str):
        self.form = form


class Template:
    """A representative's printed row as one format string.

    ``printed`` is what a marked printer gives (strings, dicts, lists of them);
    ``serialize`` writes such a thing as one string (JSON text, or the string itself)
    and ``escape`` writes a string as ``serialize`` writes it inside. Fields ``{0}``..
    are the member's neuron indices (within the ids the row mentions), then one field
    per LaTeX name, whose ids ``latex_ids`` gives as format strings over the indices.
    """

    def __init__(self, printed, marks: Marks, size: int, serialize: Callable,
                 escape: Callable[[str], str]):
        self.size = size
        self.checks = 0  # members checked against the real printing
        self.latex_ids: list[str] = []
        self._slots: dict[int, int] = {}
        self._patterns = marks.patterns
        fields: list[Field] = []
        rest = serialize(self._compile(printed, fields))
        pieces = []
        for number, field in enumerate(fields):
            before, found, rest = rest.partition(escape(_token(number)))
            assert found, number
            pieces += [_literal(before), escape(field.form)]
        self.form = "".join([*pieces, _literal(rest)])

    def _compile(self, printed, fields: list[Field]):
        """``printed`` with each marked string replaced by a token for its Field."""
        if isinstance(printed, str):
            if "\x00" not in printed:
                return printed
            parts, end = [], 0
            for match in _MARK.finditer(printed):
                parts.append(_literal(printed[end : match.start()]))
                parts.append(self._field(match[1], int(match[2])))
                end = match.end()
            parts.append(_literal(printed[end:]))
            fields.append(Field("".join(parts)))
            return _token(len(fields) - 1)
        if isinstance(printed, dict):
            return {key: self._compile(value, fields) for key, value in printed.items()}
        if isinstance(printed, (list, tuple)):
            return type(printed)(self._compile(value, fields) for value in printed)
        return printed

    def _field(self, form: str, number: int) -> str:
        if form == "T":
            return self._patterns[number]
        if number not in self._slots:
            self._slots[number] = len(self.latex_ids)
            self.latex_ids.append(self._patterns[number])
        return f"{{{self.size + self._slots[number]}}}"

    def fill(self, indices: tuple[int, ...], name: Callable[[str], str]) -> str:
        """The member's printed row: ``name(id)`` gives a quantity's escaped LaTeX name."""
        return self.form.format(*indices, *[name(p.format(*indices)) for p in self.latex_ids])


def _token(number: int) -> str:
    return f"\x03{number}\x03"


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class Templates:
    """A printer's templates, one per family, built and checked on first use.

    ``real(row)`` prints a full row, ``marked(marks)`` gives a function that prints a
    row with ``marks`` in place of names (both give what ``serialize`` takes);
    ``name(id)`` is a quantity's LaTeX name, ``escape`` as for ``Template``.
    """

    def __init__(self, real: Callable, marked: Callable[[Marks], Callable],
                 name: Callable[[str], str], serialize: Callable = str,
                 escape: Callable[[str], str] = str):
        self.real = real
        self.marked = marked
        self.serialize = serialize
        self.escape = escape
        self._name = name
        self._names: dict[str, str] = {}
        self._templates: dict[tuple, Template | None] = {}
        self._checked: dict[tuple, dict] = {}  # family key -> digits checked

    def name(self, quantity_id: str) -> str:
        """A quantity's LaTeX name, escaped (each computed once)."""
        try:
            return self._names[quantity_id]
        except KeyError:
            text = self._names[quantity_id] = self.escape(self._name(quantity_id))
            return text

    def doprint(self, member: Member) -> str:
        """The member's printed row (without its value), serialized."""
        family = member.family
        template = self._templates.get(family.key, _MISSING)
        if template is _MISSING:
            template = self._templates[family.key] = self._build(family)
            self._checked[family.key] = {}
        if template is None:
            return self.serialize(self.real(family.row(member.id)))
        printed = template.fill(member.indices, self.name)
        checked = self._checked[family.key]  # digits of the indices -> members checked
        digits = tuple(map(len, map(str, member.indices)))
        if digits not in checked or template.checks < CHECKED:
            checked[digits] = True
            template.checks += 1
            real = self.serialize(self.real(family.row(member.id)))
            if printed != real:
                self._templates[family.key] = None
                return real
        return printed

    def _build(self, family: Family) -> Template | None:
        marks = Marks(family)
        try:
            printed = self.marked(marks)(family.row(family.representative))
        except Unfit:
            return None
        return Template(printed, marks, len(family.positions), self.serialize, self.escape)
