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
from functools import cache

import sympy
from sympy.printing.latex import LatexPrinter, _between_two_numbers_p
from sympy.printing.str import StrPrinter

from symnn.errors import SymnnError
from symnn.naming import is_bias_name

DIGITS_SHOWN = 4  # significant digits of a rounded number
EXACT_DIGITS = 8  # an exact decimal with at most this many significant digits is shown whole
SMALL, LARGE = Decimal("1e-4"), Decimal("1e6")  # outside [SMALL, LARGE): scientific notation
APPROX = r"\approx"
THIN = r" \, "  # between juxtaposed factors: δ out x reads as two factors
_BETWEEN_NUMBERS = _between_two_numbers_p  # sympy's test for "2 \cdot 3" in a product


class _Ordered:
    """The term order and the memo shared by the LaTeX and the text printer.

    Terms of a sum are sorted once by ``term_key`` (symnn's order, see the module
    docstring); SymPy's ``as_ordered_terms`` only breaks ties. A product of plain symbols
    is printed directly, factors sorted by name as SymPy sorts them. Every sum, product,
    power and symbol is printed once per printer and then taken from the memo, so a
    sub-expression shared by many quantities costs one printing.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo: dict[sympy.Basic, str] = {}

    def _print(self, expr, **kwargs) -> str:
        if kwargs or not isinstance(expr, _MEMO_TYPES):
            return super()._print(expr, **kwargs)
        memo = self._memo
        text = memo.get(expr)
        if text is None:
            method = _DIRECT.get(type(expr))
            if method is None:
                text = super()._print(expr)
            else:  # skip SymPy's dispatch by class; keep its nesting level
                self._print_level += 1
                try:
                    text = getattr(self, method)(expr)
                finally:
                    self._print_level -= 1
            memo[expr] = text
        return text

    def _print_Add(self, expr, order=None) -> str:
        if all(_is_monomial(t) for t in expr.args):  # no signs, no brackets: sort, join
            terms = sorted(expr.args, key=_monomial_key)
            return " + ".join(self._print(t) for t in terms)
        return super()._print_Add(expr, order=order)

    def _as_ordered_terms(self, expr, order=None):
        terms = list(expr.args)
        keys = [term_key(t) for t in terms]
        if len(set(keys)) < len(keys):  # a tie: SymPy's order decides between equal keys
            terms = super()._as_ordered_terms(expr, order=order)
            return sorted(terms, key=term_key)
        return [t for _, t in sorted(zip(keys, terms, strict=True), key=lambda p: p[0])]

    def _symbol_product(self, expr) -> list | None:
        """The factors of a product of plain symbols in SymPy's order, else None."""
        args = expr.args
        if all(type(a) is sympy.Symbol for a in args):
            return sorted(args, key=lambda a: a.name)
        return None


_MEMO_TYPES = (sympy.Add, sympy.Mul, sympy.Pow, sympy.Symbol)
_DIRECT = {sympy.Symbol: "_print_Symbol", sympy.Mul: "_print_Mul", sympy.Add: "_print_Add"}


class NotationPrinter(_Ordered, LatexPrinter):
    """sympy's LatexPrinter with the term order of a hand-written derivation.

    Symbols are named by the ``symbol_names`` mapping; a ``SymbolNames`` mapping names
    every canonical id in a notation on first use.
    """

    def _print_Symbol(self, expr, style="plain"):
        try:
            return self._settings["symbol_names"][expr]
        except KeyError:
            return super()._print_Symbol(expr, style)

    def _print_Mul(self, expr) -> str:
        factors = self._symbol_product(expr)
        if factors is None:
            text = super()._print_Mul(expr)
            return "0" if text == "- 0" else text  # −net at net = 0: e^{0}, not e^{-0}
        separator = self._settings["mul_symbol_latex"]
        numbers = self._settings["mul_symbol_latex_numbers"]
        text = last = ""
        for factor in factors:
            printed = self._print(factor)
            if _BETWEEN_NUMBERS[0].search(last) and _BETWEEN_NUMBERS[1].match(printed):
                text += numbers
            elif text:
                text += separator
            text += printed
            last = printed
        return text


class TextPrinter(_Ordered, StrPrinter):
    """sympy's StrPrinter (canonical ids as names) with the documents' term order.

    ``names`` renames symbols that are not quantities (the learning rate: ``eta``).
    """

    def __init__(self, names: dict | None = None):
        super().__init__()
        self.names = names or {}  # read by _print_Symbol

    def _print_Symbol(self, expr) -> str:
        return self.names.get(expr, expr.name)

    def _print_Mul(self, expr) -> str:
        factors = self._symbol_product(expr)
        if factors is None:
            return super()._print_Mul(expr)
        return "*".join(self._print(f) for f in factors)


class SymbolNames(dict):
    """Symbol -> LaTeX name, filled on first use by ``name(symbol.name)``; a symbol
    whose name ``name`` rejects (ValueError) is not in the mapping."""

    def __init__(self, name, *args):
        super().__init__(*args)
        self.name = name

    def __missing__(self, sym):
        try:
            text = self.name(sym.name)
        except ValueError:
            raise KeyError(sym) from None
        self[sym] = text
        return text


def term_key(term: sympy.Expr) -> tuple:
    """Sort key: negative terms after positive ones, a bias after other terms, and
    indices in numeric order (``x_2`` before ``x_10``)."""
    return (term.could_extract_minus_sign(), _is_bias(term), _natural(term))


def _is_bias(term: sympy.Expr) -> bool:
    return term.is_Symbol and is_bias_name(term.name)


def _monomial_key(term: sympy.Expr) -> tuple:
    """``term_key`` of a symbol or a product of symbols (never negative)."""
    if type(term) is sympy.Symbol:
        return (False, is_bias_name(term.name), (_natural_name(term.name),))
    return (False, False, tuple(_natural_name(n) for n in sorted(a.name for a in term.args)))


def _is_monomial(term: sympy.Expr) -> bool:
    """A symbol or a product of symbols: printed without sign or brackets in a sum."""
    if type(term) is sympy.Symbol:
        return True
    return term.is_Mul and all(type(a) is sympy.Symbol for a in term.args)


def _natural(term: sympy.Expr) -> tuple:
    """The names of a term's symbols with their numbers as integers."""
    if term.is_Symbol:
        return (_natural_name(term.name),)
    return tuple(_natural_name(name) for name in sorted(s.name for s in term.free_symbols))


@cache
def _natural_name(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def tex(expr: sympy.Expr, names: dict, *, numeric: bool = False) -> str:
    """LaTeX of an expression whose symbols are printed as ``names`` says.

    ``numeric=True`` writes products with ``\\cdot`` (for numbers substituted).
    """
    return latex_printer(names, numeric=numeric).doprint(expr)


def latex_printer(names: dict, *, numeric: bool = False) -> NotationPrinter:
    """A NotationPrinter naming symbols by ``names`` (kept by reference, so names added
    later are seen). Juxtaposed factors get a thin space (``\\delta \\, \\mathrm{out}``);
    ``numeric=True`` writes products with ``\\cdot``."""
    return NotationPrinter({"symbol_names": names, "mul_symbol": "dot" if numeric else THIN})


def sum_lines(expr: sympy.Expr, printer: NotationPrinter, per_line: int) -> list[str]:
    """A long sum split into lines of at most ``per_line`` terms (a list of LaTeX strings).

    Every line but the first starts with its sign. Anything that is not a sum of more
    than ``per_line`` terms comes back as one line.
    """
    if not isinstance(expr, sympy.Add) or len(expr.args) <= per_line:
        return [printer.doprint(expr)]
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
