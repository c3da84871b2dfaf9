"""In-place emission: an elementwise array expression as ufunc calls on one buffer.

Allocating temporaries for a large array costs more than the arithmetic, so ``InPlace``
computes an expression by a chain of in-place ufunc calls (the caller writes the whole
expression in a comment above them).
"""

from __future__ import annotations

import sympy
from sympy.codegen.cfunctions import log1p

from symnn.render.numpy.printer import CodePrinter, RowMax, RowSum

# Functions with a NumPy ufunc of the same meaning, by SymPy class.
UFUNCS = {
    sympy.exp: "np.exp",
    sympy.log: "np.log",
    sympy.tanh: "np.tanh",
    sympy.Abs: "np.abs",
    log1p: "np.log1p",
}


class InPlace:
    """Statements computing an array expression in one buffer with in-place ufuncs.

    ``arrays`` are the symbols standing for arrays of the layer's full shape (batch,
    neurons), ``rows`` those of shape (batch, 1); ``donated`` (optional) is an array whose
    buffer may be overwritten. Sums, products, numeric powers, the functions of ``UFUNCS``
    and min/max with a scalar are computed in place; any other node is printed whole.
    """

    def __init__(self, printer: CodePrinter, arrays: set, rows: set = frozenset(),
                 donated: sympy.Symbol | None = None):
        self.printer = printer
        self.arrays = set(arrays)
        self.rows = set(rows)
        self.donated = donated

    def _donate(self, expr: sympy.Expr) -> None:
        """Keep the donated buffer only if ``expr`` reads it once (else it is clobbered)."""
        if self.donated is not None and expr.count(self.donated) != 1:
            self.donated = None

    def lines(self, target: str, expr: sympy.Expr) -> list[str]:
        """The statements leaving the value of ``expr`` in a variable named ``target``."""
        if not self._is_full(expr):
            return [f"{target} = {self.printer.doprint(expr)}"]
        self._donate(expr)
        if self._is_leaf(expr):
            return [f"{target} = {self.printer.doprint(expr)}.copy()"]  # never an alias
        return self._emit(expr, target)

    def _depends(self, expr) -> bool:
        return bool(expr.free_symbols & (self.arrays | self.rows))

    def _is_full(self, expr) -> bool:
        """True when ``expr`` has the full shape (an array outside any row reduction)."""
        if expr.is_Symbol:
            return expr in self.arrays
        if isinstance(expr, RowSum | RowMax):
            return False
        return any(self._is_full(a) for a in expr.args)

    def _fresh(self, expr, dest) -> list[str]:
        return [f"{dest} = {self.printer.doprint(expr)}"]

    def _is_leaf(self, expr) -> bool:
        """True for an array symbol whose buffer must not be overwritten."""
        return expr.is_Symbol and expr != self.donated

    def _emit(self, expr, dest) -> list[str]:
        if expr == self.donated:
            return self._fresh(expr, dest)
        if expr.is_Mul:
            return self._combine(expr, dest, sympy.Mul)
        if expr.is_Add:
            return self._combine(expr, dest, sympy.Add)
        if expr.is_Pow and expr.exp.is_number:
            return self._power(expr, dest)
        if expr.func in UFUNCS and len(expr.args) == 1:
            return self._unary(expr, f"{UFUNCS[expr.func]}({dest}, out={dest})", dest)
        if isinstance(expr, sympy.Min | sympy.Max) and len(expr.args) == 2:
            operands = [a for a in expr.args if self._depends(a)]
            if len(operands) == 1:
                (bound,) = (a for a in expr.args if a is not operands[0])
                ufunc = "np.minimum" if isinstance(expr, sympy.Min) else "np.maximum"
                step = f"{ufunc}({dest}, {self.printer.doprint(bound)}, out={dest})"
                return self._unary(expr, step, dest, operands[0])
        return self._fresh(expr, dest)

    def _unary(self, expr, step: str, dest: str, operand=None) -> list[str]:
        operand = expr.args[0] if operand is None else operand
        if self._is_leaf(operand):
            return self._fresh(expr, dest)
        return [*self._emit(operand, dest), step]

    def _power(self, expr, dest) -> list[str]:
        exponent = expr.exp
        if exponent == -1:
            step = f"np.reciprocal({dest}, out={dest})"
        elif exponent == 2:
            step = f"np.square({dest}, out={dest})"
        else:
            step = f"np.power({dest}, {self.printer.doprint(exponent)}, out={dest})"
        return self._unary(expr, step, dest)

    def _combine(self, expr, dest, op) -> list[str]:
        scalar = op(*[a for a in expr.args if not self._depends(a)])
        parts = [a for a in expr.args if self._depends(a)]
        if op is sympy.Mul and scalar == -1 and len(parts) == 1:
            return self._unary(expr, f"np.negative({dest}, out={dest})", dest, parts[0])
        first = self._accumulator(parts, op)
        if first is None:
            return self._fresh(expr, dest)
        lines = self._emit(first, dest)
        rest = list(parts)
        rest.remove(first)
        if rest and not first.is_Symbol:
            # Until the first in-place step, the buffer holds ``first``: reuse it.
            current = sympy.Symbol(dest)
            self.printer.names.setdefault(current, dest)
            rest[0] = rest[0].xreplace({first: current})
        identity = sympy.S.One if op is sympy.Mul else sympy.S.Zero
        for part in [*rest, *([scalar] if scalar != identity else [])]:
            lines.append(self._step(dest, part, op))
        return lines

    def _accumulator(self, parts, op):
        """The part computed first into the buffer: the donated array, else a full-shaped
        compound (a numerator for products); None if only simple parts remain."""
        if self.donated in parts:
            return self.donated
        candidates = [p for p in parts if self._is_full(p) and not _is_simple(p)]
        candidates.sort(key=lambda p: op is sympy.Mul and _is_reciprocal(p))
        return candidates[0] if candidates else None

    def _step(self, dest, part, op) -> str:
        if op is sympy.Mul:
            if _is_reciprocal(part):
                return f"{dest} /= {self.printer.doprint(1 / part)}"
            return f"{dest} *= {self.printer.doprint(part)}"
        if part.could_extract_minus_sign():
            return f"{dest} -= {self.printer.doprint(-part)}"
        return f"{dest} += {self.printer.doprint(part)}"


def _is_simple(expr) -> bool:
    """An array or a number times an array: cheaper printed whole than built in place."""
    return expr.is_Symbol or (expr.is_Mul and len(expr.args) == 2 and expr.args[0].is_number
                              and expr.args[1].is_Symbol)


def _is_reciprocal(expr) -> bool:
    return expr.is_Pow and expr.exp == -1

