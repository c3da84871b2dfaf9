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
from typing import TextIO

from symnn.document import LEARNING_RATE, Factor, Quantity, RowPrinter
from symnn.naming import symbol
from symnn.notation import Notation, latex_name
from symnn.render.printer import SymbolNames, TextPrinter, latex_printer
from symnn.render.rows import MathPrinter

DIGITS_SHOWN = 10  # significant digits in the table
DIGITS_JSON = 40  # significant digits of "digits" in JSON
FORMULA_WIDTH = 70  # longer formulas are cut in the table (the JSON has them whole)


class JsonPrinter(RowPrinter):
    """A row as a JSON-ready dict: value, latex, expression[, digits, exact, chain, …]."""

    def __init__(self, notation: Notation):
        self.notation = notation
        self.text = TextPrinter({LEARNING_RATE: "eta"})
        names = SymbolNames(lambda name: latex_name(name, notation))
        names[LEARNING_RATE] = notation.learning_rate
        self.latex = latex_printer(names)
        self.math = MathPrinter(self.latex)

    def name(self, quantity_id: str) -> str:
        """A quantity's LaTeX name in the notation."""
        return self.latex.doprint(symbol(quantity_id))

    def _print_Quantity(self, row: Quantity) -> dict:
        out = {"value": None, "latex": self.name(row.id), "expression": row.id}
        if row.statement is not None:
            out["latex"] += f" = {self.math.doprint(row.statement)}"
        if row.definition is not None:
            out["expression"] = self.text.doprint(row.definition)
        if row.update is not None:
            out.update(self._update(row))
        if row.value is not None:
            value = row.value
            out["value"] = float(value)
            out["digits"] = str(value) if value.is_Rational else str(value.evalf(DIGITS_JSON))
            out["exact"] = str(value) if value.is_Rational else None
        if row.chains is not None:
            out["chain"] = [[self.doprint(f) for f in chain] for chain in row.chains]
        if row.expanded is not None:
            out["expanded"] = self.text.doprint(row.expanded)
        return out

    def _update(self, row: Quantity) -> dict:
        rule = row.update
        if rule.after_step:
            after = rf"\big|_{{\text{{{rule.parameters}}}}}"
            return {"expression": f"{rule.param} at the {rule.parameters}",
                    "latex": f"{self.name(row.id)} = {self.name(rule.param)}{after}"}
        expression = self.text.doprint(rule.expression)
        if rule.fixed:
            expression += " (update_biases = false)"
        return {"expression": expression}

    def _print_Factor(self, factor: Factor) -> dict:
        out = {"of": factor.of, "wrt": factor.wrt}
        if factor.id is not None:
            out["id"] = factor.id
        else:
            out["expression"] = self.text.doprint(factor.value)
        return out


class TablePrinter(RowPrinter):
    """A row as three cells: id, formula (cut at FORMULA_WIDTH), value."""

    def __init__(self):
        self.text = TextPrinter({LEARNING_RATE: "eta"})

    def _print_Quantity(self, row: Quantity) -> tuple[str, str, str]:
        value = "" if row.value is None else f"{float(row.value):.{DIGITS_SHOWN}g}"
        if row.update is not None and row.update.after_step:
            formula = f"{row.update.param} at the {row.update.parameters}"
        elif row.update is not None:
            formula = self.text.doprint(row.update.expression)
            formula += " (update_biases = false)" if row.update.fixed else ""
        elif row.definition is None:
            formula = "(given)"
        else:
            formula = self.text.doprint(row.definition)
        if len(formula) > FORMULA_WIDTH:
            formula = formula[: FORMULA_WIDTH - 3] + "..."
        return row.id, formula, value


def write_json(rows: Iterable[Quantity], notation: Notation, stream: TextIO) -> None:
    """``{"quantities": {id: row, ...}}``, row by row, one quantity per line."""
    printer = JsonPrinter(notation)
    stream.write('{"quantities": {')
    separator = "\n"
    for row in rows:
        stream.write(f"{separator}{json.dumps(row.id)}: {json.dumps(printer.doprint(row))}")
        separator = ",\n"
    stream.write("\n}}\n")


def write_jsonl(rows: Iterable[Quantity], notation: Notation, stream: TextIO) -> None:
    """One JSON object per line: ``{"id": ..., "value": ..., ...}``."""
    printer = JsonPrinter(notation)
    for row in rows:
        stream.write(json.dumps({"id": row.id, **printer.doprint(row)}) + "\n")


def write_table(rows: Iterable[Quantity], stream: TextIO) -> None:
    """A plain-text table: quantity, formula, value."""
    printer = TablePrinter()
    table = [("quantity", "formula", "value"), *(printer.doprint(row) for row in rows)]
    widths = [max(len(line[c]) for line in table) for c in range(2)]
    for name, formula, value in table:
        stream.write(f"{name:<{widths[0]}}  {formula:<{widths[1]}}  {value}".rstrip() + "\n")

