"""Fast builders for the two shapes of expression a network has in bulk.

A 784-20-20-10 net has 16,000 products ``w·out`` and ``δ·out`` and sums of hundreds of
them. SymPy's ``Mul``/``Add`` constructors canonicalise each one (about 50 µs a product);
for products of two distinct symbols and sums of distinct non-numeric terms the canonical
form is just the arguments in SymPy's own sort order, which these functions build
directly. ``tests/test_algebra.py`` asserts they equal ``Mul(a, b)`` and ``Add(*terms)``.
"""

from __future__ import annotations

import sympy
from sympy.core.add import _addsort
from sympy.core.mul import _mulsort


def product(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    """``a * b`` for two different symbols; falls back to SymPy for anything else."""
    if not (a.is_Symbol and b.is_Symbol) or a == b:
        return a * b
    args = [a, b]
    _mulsort(args)
    return sympy.Mul._from_args(args)


def total(terms: list[sympy.Expr]) -> sympy.Expr:
    """The sum of terms; built directly when they are distinct products of symbols."""
    fast = len(terms) > 1 and all(t.is_Mul and len(t.args) == 2 and t.args[0].is_Symbol
                                  for t in terms)
    if not fast or len(set(terms)) != len(terms):
        return sympy.Add(*terms)
    args = list(terms)
    _addsort(args)
    return sympy.Add._from_args(args)
