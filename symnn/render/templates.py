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
from symnn.naming import DERIVATIVE, index_fields, index_pattern, parse_id

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
        self.ids: list[str] = []  # ... and as the representative has it
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
            self.ids.append(quantity_id)
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
        self.latex_ids: list[tuple[str, str]] = []  # (pattern, the representative's id)
        self._slots: dict[int, int] = {}
        self._patterns = marks.patterns
        self._ids = marks.ids
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
            self.latex_ids.append((self._patterns[number], self._ids[number]))
        return f"{{{self.size + self._slots[number]}}}"

    def fill(self, indices: tuple[int, ...], names: list[str]) -> str:
        """The member's printed row, given the escaped LaTeX names of ``latex_ids``."""
        return self.form.format(*indices, *names)


def _token(number: int) -> str:
    return f"\x03{number}\x03"


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class Templates:
    """A printer's templates, one per family, built and checked on first use.

    ``real(row)`` prints a full row, ``marked(marks)`` gives a function that prints a
    row with ``marks`` in place of names (both give what ``serialize`` takes);
    ``name(id)`` is a quantity's LaTeX name, ``escape`` as for ``Template``;
    ``plain_name(kind, indices)`` (optional) names a quantity whose neuron indices print
    as format fields, so that names too are filled in per member.
    """

    def __init__(self, real: Callable, marked: Callable[[Marks], Callable],
                 name: Callable[[str], str], serialize: Callable = str,
                 escape: Callable[[str], str] = str, plain_name: Callable | None = None):
        self.real = real
        self.marked = marked
        self.serialize = serialize
        self.escape = escape
        self._name = name
        self._plain_name = plain_name
        self._names: dict[str, str] = {}
        self._forms: dict[tuple, str | None] = {}  # (pattern, digits) -> name format
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
        indices = member.indices
        digits = tuple(map(len, map(str, indices)))
        names = []
        for pattern, representative in template.latex_ids:
            form = self._forms.get((pattern, digits), _MISSING)
            if form is _MISSING:
                form = self._forms[pattern, digits] = self._name_form(representative, family,
                                                                      digits)
            names.append(self.name(pattern.format(*indices)) if form is None
                         else form.format(*indices))
        printed = template.fill(indices, names)
        checked = self._checked[family.key]  # digits of the indices -> members checked
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

    def _name_form(self, representative: str, family: Family, digits: tuple) -> str | None:
        """The escaped name of a family's quantity as a format string over member indices
        with these numbers of digits; None to name each member by ``name``."""
        parsed = parse_id(representative)
        if self._plain_name is None or parsed.kind == DERIVATIVE or parsed.step \
                or parsed.sample is not None:
            return None
        fields = index_fields(parsed, family.positions, family.depth)
        indices = tuple(index if field is None else _Field(10 ** (digits[field] - 1), field)
                        for index, field in zip(parsed.indices, fields, strict=True))
        text = self._plain_name(parsed.kind, indices)
        parts = _FIELD.split(text)  # literal, field, literal, ...
        if {int(f) for f in parts[1::2]} != {f for f in fields if f is not None}:
            return None  # a field was lost (an index computed with): name each member
        return "".join(_literal(self.escape(part)) if n % 2 == 0 else f"{{{part}}}"
                       for n, part in enumerate(parts))


class _Field(int):
    """A neuron index that prints as format field ``number``; as a number it has the
    member's number of digits (``w_{1,10}`` has a comma that ``w_{19}`` has not)."""

    field: int

    def __new__(cls, value: int, field: int):
        index = super().__new__(cls, value)
        index.field = field
        return index

    def __str__(self) -> str:
        return f"\x00{self.field}\x01"

    def __format__(self, spec: str) -> str:
        return str(self)


_FIELD = re.compile(r"\x00(\d+)\x01")
