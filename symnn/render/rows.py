"""Rows of ``symnn.document`` as LaTeX math, shared by JSON and the documents.

``MathPrinter`` prints a row's right-hand side with one ``NotationPrinter``: on one
line (``doprint``, as ``derive --json`` gives it) or split over aligned lines
(``lines``, as the documents lay it out). Both come from the same printed pieces, so
JSON and the documents write every quantity alike.
"""

from __future__ import annotations

import sympy

from symnn.document import Definition, Products, RowPrinter
from symnn.render.printer import NotationPrinter, sum_lines

TERMS_PER_LINE = 4  # terms of a long sum per line
PRODUCTS_PER_LINE = 2  # products of δ's factors per line


class MathPrinter(RowPrinter):
    """A row's right-hand side as LaTeX: one line, or pieces for aligned lines."""

    def __init__(self, expressions: NotationPrinter):
        self.expressions = expressions

    def _print_Definition(self, row: Definition) -> str:
        return self.expressions.doprint(row.expr)

    def _print_Products(self, row: Products) -> str:
        return " + ".join(self.products(row.pairs))

    def lines(self, row: Definition | Products) -> list[str]:
        """The right-hand side in pieces, one per aligned line, without joiners."""
        if isinstance(row, Products):
            terms = self.products(row.pairs)
            return [" + ".join(terms[i : i + PRODUCTS_PER_LINE])
                    for i in range(0, len(terms), PRODUCTS_PER_LINE)]
        return sum_lines(row.expr, self.expressions, TERMS_PER_LINE)

    def products(self, pairs) -> list[str]:
        """``a \\cdot b`` for each pair, a sum or a negative number in parentheses."""
        return [rf"{self.factor(a)} \cdot {self.factor(b)}" for a, b in pairs]

    def factor(self, expr: sympy.Expr) -> str:
        """An expression printed as a factor: parentheses around a sum or a minus sign."""
        text = self.expressions.doprint(expr)
        if isinstance(expr, sympy.Add) or text.startswith("-"):
            return rf"\left({text}\right)"
        return text
