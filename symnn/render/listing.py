"""The quantities of ``symnn derive`` as JSON, JSON Lines or a text table.

Printers over ``symnn.document.Quantity`` rows. Expressions are printed by one
``TextPrinter`` (canonical ids, ``expression``) and one ``NotationPrinter`` (``latex``,
the same LaTeX as the documents), each printing a distinct expression once. JSON is
written row by row, never held whole: ``{"quantities": {id: row, ...}}`` with the
one quantity per line; JSON Lines gives one ``{"id": ..., ...}`` per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii as _quoted  # what json.dumps does to a str
from typing import TextIO

from symnn.document import LEARNING_RATE, Factor, Member, Quantity, RowPrinter
from symnn.naming import symbol
from symnn.notation import Notation, latex_name, plain_name
from symnn.render.printer import SymbolNames, TextPrinter, latex_printer
from symnn.render.rows import MathPrinter
from symnn.render.templates import Marks, Templates

DIGITS_SHOWN = 10  # significant digits in the table
DIGITS_JSON = 40  # significant digits of "digits" in JSON
FORMULA_WIDTH = 70  # longer formulas are cut in the table (the JSON has them whole)


class JsonPrinter(RowPrinter):
    """A quantity as the text of one JSON object: value, latex, expression[, digits,
    exact, chain, expanded]; a Leibniz factor as a dict: of, wrt, id or expression.

    With ``marks`` (``symnn.render.templates``) names and ids are printed as marks, to
    make the template of a family of rows; a ``Member`` row is printed from its family's
    template.
    """

    def __init__(self, notation: Notation, marks: Marks | None = None):
        self.notation = notation
        self.marks = marks
        if marks is None:
            self.text = TextPrinter({LEARNING_RATE: "eta"})
            names = SymbolNames(lambda name: latex_name(name, notation))
        else:
            self.text = TextPrinter(_MarkedIds(marks, {LEARNING_RATE: "eta"}))
            names = SymbolNames(lambda name: marks.latex(name, latex_name(name, notation)))
        names[LEARNING_RATE] = notation.learning_rate
        self.latex = latex_printer(names)
        self.math = MathPrinter(self.latex)
        self.templates = Templates(self._fields, lambda m: JsonPrinter(notation, m)._fields,
                                   lambda quantity_id: latex_name(quantity_id, notation),
                                   _serialize, _escape,
                                   lambda kind, indices: plain_name(kind, indices, notation))

    def name(self, quantity_id: str) -> str:
        """A quantity's LaTeX name in the notation."""
        return self.latex.doprint(symbol(quantity_id))

    def ref(self, quantity_id: str) -> str:
        """A quantity's id (marked when printing a template)."""
        return quantity_id if self.marks is None else self.marks.text(quantity_id)

    def _print_Quantity(self, row: Quantity) -> str:
        return _with_value(_serialize(self._fields(row)), row.value)

    def _print_Member(self, row: Member) -> str:
        return _with_value(self.templates.doprint(row), row.value)

    def _fields(self, row: Quantity) -> dict:
        """Everything but the value: latex, expression[, chain, expanded]."""
        out = {"latex": self.name(row.id), "expression": self.ref(row.id)}
        if row.statement is not None:
            out["latex"] += f" = {self.math.doprint(row.statement)}"
        if row.definition is not None:
            out["expression"] = self.text.doprint(row.definition)
        if row.update is not None:
            out.update(self._update(row))
        if row.chains is not None:
            out["chain"] = [[self.doprint(f) for f in chain] for chain in row.chains]
        if row.expanded is not None:
            out["expanded"] = self.text.doprint(row.expanded)
        return out

    def _update(self, row: Quantity) -> dict:
        rule = row.update
        if rule.after_step:
            after = rf"\big|_{{\text{{{rule.parameters}}}}}"
            return {"expression": f"{self.ref(rule.param)} at the {rule.parameters}",
                    "latex": f"{self.name(row.id)} = {self.name(rule.param)}{after}"}
        expression = self.text.doprint(rule.expression)
        if rule.fixed:
            expression += " (update_biases = false)"
        return {"expression": expression}

    def _print_Factor(self, factor: Factor) -> dict:
        out = {"of": self.ref(factor.of), "wrt": self.ref(factor.wrt)}
        if factor.id is not None:
            out["id"] = self.ref(factor.id)
        else:
            out["expression"] = self.text.doprint(factor.value)
        return out


class TablePrinter(RowPrinter):
    """A row as three cells: id, formula (cut at FORMULA_WIDTH), value."""

    def __init__(self, marks: Marks | None = None):
        self.marks = marks
        names = {LEARNING_RATE: "eta"}
        self.text = TextPrinter(names if marks is None else _MarkedIds(marks, names))
        self.templates = Templates(self._formula, lambda m: TablePrinter(m)._formula,
                                   lambda quantity_id: quantity_id)

    def ref(self, quantity_id: str) -> str:
        """A quantity's id (marked when printing a template)."""
        return quantity_id if self.marks is None else self.marks.text(quantity_id)

    def _print_Quantity(self, row: Quantity) -> tuple[str, str, str]:
        return self._cells(row.id, self._formula(row), row.value)

    def _print_Member(self, row: Member) -> tuple[str, str, str]:
        return self._cells(row.id, self.templates.doprint(row), row.value)

    def _cells(self, quantity_id: str, formula: str, value) -> tuple[str, str, str]:
        if len(formula) > FORMULA_WIDTH:
            formula = formula[: FORMULA_WIDTH - 3] + "..."
        return quantity_id, formula, "" if value is None else f"{float(value):.{DIGITS_SHOWN}g}"

    def _formula(self, row: Quantity) -> str:
        """The row's formula, whole."""
        if row.update is not None and row.update.after_step:
            return f"{self.ref(row.update.param)} at the {row.update.parameters}"
        if row.update is not None:
            formula = self.text.doprint(row.update.expression)
            return formula + (" (update_biases = false)" if row.update.fixed else "")
        if row.definition is None:
            return "(given)"
        return self.text.doprint(row.definition)


class _MarkedIds(dict):
    """Symbol -> name for a TextPrinter: the given names, else the marked id."""

    def __init__(self, marks: Marks, names: dict):
        super().__init__(names)
        self.marks = marks

    def get(self, sym, default=None):
        if sym in self:
            return self[sym]
        try:
            return self.marks.text(sym.name)
        except ValueError:
            return default


def _serialize(fields: dict) -> str:
    """The JSON text of latex and expression, a NUL, the JSON text of the rest (each
    without braces): a row's value goes first and its digits between the two."""
    head = {key: fields[key] for key in ("latex", "expression")}
    tail = {key: item for key, item in fields.items() if key not in head}
    return f"{json.dumps(head)[1:-1]}\x00{json.dumps(tail)[1:-1]}"


def _escape(text: str) -> str:
    """A string as it is written inside a JSON string."""
    return _quoted(text)[1:-1]


def _with_value(serialized: str, value) -> str:
    """One row's JSON object: value, latex, expression[, digits, exact][, the rest]."""
    head, _, tail = serialized.partition("\x00")
    if value is None:
        middle = ""
        shown = "null"
    else:
        digits = str(value) if value.is_Rational else str(value.evalf(DIGITS_JSON))
        exact = str(value) if value.is_Rational else None
        middle = f", \"digits\": {json.dumps(digits)}, \"exact\": {json.dumps(exact)}"
        shown = json.dumps(float(value))
    return f'{{"value": {shown}, {head}{middle}{", " if tail else ""}{tail}}}'


def write_json(rows: Iterable[Quantity | Member], notation: Notation, stream: TextIO) -> None:
    """``{"quantities": {id: row, ...}}``, row by row, one quantity per line."""
    printer = JsonPrinter(notation)
    stream.write('{"quantities": {')
    separator = "\n"
    for row in rows:
        stream.write(f"{separator}{_quoted(row.id)}: {printer.doprint(row)}")
        separator = ",\n"
    stream.write("\n}}\n")


def write_jsonl(rows: Iterable[Quantity | Member], notation: Notation, stream: TextIO) -> None:
    """One JSON object per line: ``{"id": ..., "value": ..., ...}``."""
    printer = JsonPrinter(notation)
    for row in rows:
        stream.write(f'{{"id": {_quoted(row.id)}, {printer.doprint(row)[1:]}\n')


def write_table(rows: Iterable[Quantity | Member], stream: TextIO) -> None:
    """A plain-text table: quantity, formula, value."""
    printer = TablePrinter()
    table = [("quantity", "formula", "value"), *(printer.doprint(row) for row in rows)]
    widths = [max(len(line[c]) for line in table) for c in range(2)]
    for name, formula, value in table:
        stream.write(f"{name:<{widths[0]}}  {formula:<{widths[1]}}  {value}".rstrip() + "\n")
