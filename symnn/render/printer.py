"""LaTeX for the documents: derivation expressions in the reader's notation, and numbers.

``tex(expr, names)`` prints a SymPy expression with every symbol written as ``names``
says (``notation.latex_name`` for symbols, or the shown number for numeric
substitution). Terms of a sum are ordered as a reader writes them: positive terms
first (``out − d``, not ``−d + out``), biases last (``x w + x w + b``), indices in
numeric order (``x_2`` before ``x_10``). The order of
factors and terms depends only on the symbols, never on what they are printed as, so
a formula and the same formula with numbers substituted line up term by term.

Numbers (``number_tex``): a value that is an exact decimal of at most
``EXACT_DIGITS`` significant digits is shown whole (``0.15``, relation ``=``); anything
else is rounded half away from zero to ``DIGITS_SHOWN`` significant digits, trailing
zeros dropped (relation ``\\approx``); magnitudes below 1e-4 or from 1e6 on are written
as ``1.234 \\cdot 10^{-5}``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

import sympy
from sympy.printing.latex import LatexPrinter

from symnn.errors import SymnnError

DIGITS_SHOWN = 4  # significant digits of a rounded number
EXACT_DIGITS = 8  # an exact decimal with at most this many significant digits is shown whole
SMALL, LARGE = Decimal("1e-4"), Decimal("1e6")  # outside [SMALL, LARGE): scientific notation
APPROX = r"\approx"


class NotationPrinter(LatexPrinter):
    """sympy's LatexPrinter with the term order of a hand-written derivation."""

    def _as_ordered_terms(self, expr, order=None):
        terms = super()._as_ordered_terms(expr, order=order)
        return sorted(terms, key=_term_rank)


def _term_rank(term: sympy.Expr) -> tuple:
    """Sort key: negative terms after positive ones, a bias after other terms, and
    indices in numeric order (``x_2`` before ``x_10``)."""
    is_bias = term.is_Symbol and term.name.startswith("b[")
    return (term.could_extract_minus_sign(), is_bias, _natural(term))


def _natural(term: sympy.Expr) -> tuple:
    """The names of a term's symbols with their numbers as integers."""
    names = sorted(s.name for s in term.free_symbols)
    return tuple(
        tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))
        for name in names
    )


def tex(expr: sympy.Expr, names: dict, *, numeric: bool = False) -> str:
    """LaTeX of an expression whose symbols are printed as ``names`` says.

    ``numeric=True`` writes products with ``\\cdot`` (for numbers substituted).
    """
    settings = {"symbol_names": names}
    if numeric:
        settings["mul_symbol"] = "dot"
    return NotationPrinter(settings).doprint(expr)


def sum_lines(expr: sympy.Expr, names: dict, per_line: int, *, numeric: bool = False):
    """A long sum split into lines of at most ``per_line`` terms (a list of LaTeX strings).

    Every line but the first starts with its sign. Anything that is not a sum of more
    than ``per_line`` terms comes back as one line.
    """
    if not isinstance(expr, sympy.Add) or len(expr.args) <= per_line:
        return [tex(expr, names, numeric=numeric)]
    printer = NotationPrinter({"symbol_names": names, "mul_symbol": "dot" if numeric else None})
    pieces = []
    for i, term in enumerate(printer._as_ordered_terms(expr)):
        sign = "-" if term.could_extract_minus_sign() else "+"
        body = printer._print(-term if sign == "-" else term)
        if printer._needs_add_brackets(-term if sign == "-" else term):
            body = rf"\left({body}\right)"
        pieces.append(body if i == 0 and sign == "+" else f"{sign} {body}")
    return [" ".join(pieces[i : i + per_line]) for i in range(0, len(pieces), per_line)]


def _decimal(value: sympy.Expr, where: str) -> Decimal:
    """The value as a Decimal with 60 significant digits; SymnnError if it is not real."""
    if value.is_Rational:
        with localcontext() as ctx:
            ctx.prec = 60
            return Decimal(int(value.p)) / Decimal(int(value.q))
    if not (value.is_Number and value.is_finite and value.is_real):
        raise SymnnError(
            f"{where}: not a real number at the spec's values ({sympy.N(value, 6)}); check the "
            "values against the activation and loss (e.g. the log of a number that is not "
            "positive)"
        )
    return Decimal(str(sympy.Float(value, 60)))


def is_exact(value: sympy.Expr) -> bool:
    """True when the value is shown whole: an exact decimal with few digits."""
    if not value.is_Rational:
        return False
    q = int(value.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    if q != 1:
        return False
    digits = _decimal(value, "value").normalize().as_tuple().digits
    return len(digits) <= EXACT_DIGITS


def rounded(value: sympy.Expr, where: str = "value") -> Decimal:
    """The value as shown: exact, or rounded half away from zero to DIGITS_SHOWN digits."""
    number = _decimal(value, where)
    if is_exact(value) or number == 0:
        return number.normalize()
    step = Decimal(1).scaleb(number.adjusted() - DIGITS_SHOWN + 1)
    return number.quantize(step, rounding=ROUND_HALF_UP).normalize()


def number_tex(value: sympy.Expr, where: str = "value") -> str:
    """LaTeX of a value as shown (see the module docstring)."""
    number = rounded(value, where)
    if number == 0:
        return "0"
    if SMALL <= abs(number) < LARGE or (is_exact(value) and abs(number) >= SMALL):
        return _plain(number)
    exponent = number.adjusted()
    mantissa = number.scaleb(-exponent)
    return rf"{_plain(mantissa)} \cdot 10^{{{exponent}}}"


def _plain(number: Decimal) -> str:
    """A Decimal in positional notation without trailing zeros."""
    text = format(number.normalize(), "f")
    return text[:-2] if text.endswith(".0") else text


def relation(value: sympy.Expr) -> str:
    """``=`` for a value shown whole, ``\\approx`` for a rounded one."""
    return "=" if is_exact(value) else APPROX


def operand_tex(value: sympy.Expr, where: str = "value") -> str:
    """A number as an operand inside a formula: negative numbers in parentheses."""
    text = number_tex(value, where)
    return f"({text})" if text.startswith("-") else text
