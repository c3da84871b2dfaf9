"""SymPy's NumPy printer for generated code, and the array functions it knows.

``CodePrinter`` writes ``np.`` calls with every symbol named by a given table; ``RowSum``
and ``RowMax`` are the per-sample reductions over a layer's neurons that vectorization
introduces; ``EXP_MAX`` is the module constant the logistic's exponent is clipped at.
"""

from __future__ import annotations

import re

import sympy
from sympy.printing.numpy import NumPyPrinter

from symnn.errors import SymnnError
from symnn.naming import kind_of

# The scalar that the logistic's exponent is clipped at; a module constant of that name.
EXP_MAX = sympy.Symbol("_EXP_MAX", positive=True)


class RowSum(sympy.Function):
    """Σ over the neurons of a layer, for each sample: ``np.sum(x, axis=1, keepdims=True)``."""

    nargs = 1


class RowMax(sympy.Function):
    """The largest value over the neurons of a layer, for each sample."""

    nargs = 1


# ---------------------------------------------------------------------------------------
# Printing


class CodePrinter(NumPyPrinter):
    """SymPy's NumPy printer writing ``np.``, with every symbol named by ``names``.

    Overrides: ``1/x`` instead of ``x**(-1.0)``; a two-branch Piecewise as ``np.where``;
    relations infix; two-argument Min/Max as ``np.minimum``/``np.maximum``; the row
    reductions ``RowSum``/``RowMax``. A symbol missing from ``names`` is an error, so no
    canonical id (``out[2,1]``) can slip into code.
    """

    def __init__(self, names: dict[sympy.Symbol, str]):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})
        self.names = names

    def _module_format(self, fqn, register=True):
        text = super()._module_format(fqn, register)
        return "np." + text[len("numpy."):] if text.startswith("numpy.") else text

    def _as_ordered_terms(self, expr, order=None):
        """Terms as a person writes them: ``1 - out``, ``out - Y``, ``x*w + x*w + b``."""
        return sorted(super()._as_ordered_terms(expr, order=order), key=_term_rank)

    def _print_Symbol(self, expr):
        if expr not in self.names:
            raise SymnnError(f"codegen: no Python name for the symbol {expr.name!r}")
        return self.names[expr]

    def _print_Pow(self, expr, rational=False):
        return self._hprint_Pow(expr, rational=rational, sqrt="numpy.sqrt")

    def _print_Piecewise(self, expr):
        if len(expr.args) == 2 and expr.args[1].cond == sympy.true:
            (value, cond), (other, _) = expr.args
            where = self._module_format("numpy.where")
            text = f"{where}({self._print(cond)}, {self._print(value)}, {self._print(other)})"
            if value.is_number and other.is_number:
                return f"{text}.astype(DTYPE)"  # np.where of two numbers gives integers
            return text
        return super()._print_Piecewise(expr)

    def _print_Abs(self, expr):
        return f"{self._module_format('numpy.abs')}({self._print(expr.args[0])})"

    def _print_Relational(self, expr):
        lhs, rhs = self._print(expr.lhs), self._print(expr.rhs)
        return f"{lhs} {expr.rel_op} {rhs}"

    def _print_Min(self, expr):
        return self._print_extremum(expr, "minimum", "min")

    def _print_Max(self, expr):
        return self._print_extremum(expr, "maximum", "max")

    def _print_extremum(self, expr, pairwise: str, reduction: str) -> str:
        args = sorted(expr.args, key=lambda a: (a.is_number or a == EXP_MAX,
                                                 sympy.default_sort_key(a)))
        printed = ", ".join(self._print(a) for a in args)
        if len(args) == 2:
            return f"{self._module_format('numpy.' + pairwise)}({printed})"
        return f"{self._module_format('numpy.' + reduction)}([{printed}], axis=0)"

    def _print_RowSum(self, expr):
        return self._print_row_reduction(expr, "numpy.sum")

    def _print_RowMax(self, expr):
        return self._print_row_reduction(expr, "numpy.max")

    def _print_row_reduction(self, expr, function: str) -> str:
        name, arg = self._module_format(function), self._print(expr.args[0])
        return f"{name}({arg}, axis=1, keepdims=True)"


def _term_rank(term: sympy.Expr) -> tuple:
    """Sort key of a term: positive before negative, numbers first, biases last, then
    the symbols' names with their numbers compared as numbers (``x_2`` before ``x_10``)."""
    names = sorted(s.name for s in term.free_symbols)
    natural = tuple(
        tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)) for name in names
    )
    is_bias = term.is_Symbol and kind_of(term.name) == "b"
    return (term.could_extract_minus_sign(), not term.is_number, is_bias, natural)

