"""Fast builders for the two shapes of expression a network has in bulk.

A 784-20-20-10 net has 16,000 products ``w·out`` and ``δ·out`` and sums of hundreds of
them. SymPy's ``Mul``/``Add`` constructors canonicalise each one (about 50 µs a product);
for products of two distinct symbols and sums of distinct non-numeric terms the canonical
form is just the arguments in SymPy's own sort order, which these functions build
directly. ``tests/test_algebra.py`` asserts they equal ``Mul(a, b)`` and ``Add(*terms)``.
"""

from __future__ import annotations

from bisect import insort

import sympy
from sympy.core.add import _addsort
from sympy.core.basic import _args_sortkey
from sympy.core.mul import _mulsort


def _alike(symbols) -> bool:
    """True if all are symbols of one class with the same assumptions: SymPy's canonical
    order of such symbols (``Basic.compare``) is the order of their names."""
    first = symbols[0]
    kind, assumptions = type(first), getattr(first, "_assumptions0", None)
    return assumptions is not None and all(
        type(s) is kind and s._assumptions0 == assumptions for s in symbols
    )


def product(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    """``a * b`` for two different symbols; falls back to SymPy for anything else."""
    if not (a.is_Symbol and b.is_Symbol) or a == b:
        return a * b
    if _alike((a, b)):
        args = [a, b] if a.name < b.name else [b, a]
    else:
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
    if all(t.args[1].is_Symbol for t in args) and _alike([s for t in args for s in t.args]):
        args.sort(key=lambda t: (t.args[0].name, t.args[1].name))  # Mul.compare on names
    else:
        _addsort(args)
    return sympy.Add._from_args(args)


def plus_symbol(terms: sympy.Expr, extra: sympy.Symbol) -> sympy.Expr:
    """``terms + extra`` for a sum of products and a symbol that is not one of its terms
    (a net and its bias): the symbol is inserted at its place in the sorted terms."""
    if not terms.is_Add or extra in terms.args or any(t.is_Number for t in terms.args):
        return sympy.Add(terms, extra)
    args = list(terms.args)
    insort(args, extra, key=_args_sortkey)
    return sympy.Add._from_args(args)
