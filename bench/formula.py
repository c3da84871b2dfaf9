"""Benchmark: the formula parser on hostile and deep input stays cheap.

    python bench/formula.py

The checker parses formulas written by others (``symnn.check.formula``). Its tests
(tests/test_formula.py) assert what happens to hostile input (refused, with which
reason), deep but allowed nesting, and values too large to compute; this script
measures how long each takes, against the reference of an ordinary 100-character
formula parsed in the same run, and flags anything over ``BUDGET`` seconds of CPU.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET = 1.0  # CPU seconds: what a teacher's run over a class can spend on one formula
REFERENCE = r"\delta_1^3 \cdot w_{11}^2 + \delta_2^3 \cdot w_{21}^2 + \frac{1}{2}(d_1 - y_1)^2"


def cpu(function, repeat: int = 1) -> float:
    """CPU seconds of one call (the best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    """Time every case and print it against the reference."""
    from symnn.check.bounds import FormulaBudget, value
    from symnn.check.formula import FormulaError, parse_formula
    from tests.test_formula import DEEP_BUT_ALLOWED, HOSTILE, HUGE_VALUES, plain

    parse_formula("x", plain)  # builds the parser once
    reference = cpu(lambda: parse_formula(REFERENCE, plain))
    print(f"reference: an ordinary formula of {len(REFERENCE)} characters, "
          f"{reference * 1e3:.2f} ms CPU")

    def refused(text):
        try:
            parse_formula(text, plain)
        except FormulaError:
            return
        raise AssertionError(f"accepted: {text[:40]!r}")

    def bounded(text):
        try:
            value(parse_formula(text, plain), 50)
        except FormulaBudget:
            return
        raise AssertionError(f"evaluated: {text[:40]!r}")

    cases = [(f"hostile: {name}", lambda t=text: refused(t)) for name, text, _ in HOSTILE]
    cases += [(f"huge value: {text[:28]}", lambda t=text: bounded(t)) for text, _ in HUGE_VALUES]
    cases += [(f"deep, allowed: {name}", lambda t=text: parse_formula(t, plain))
              for name, text in DEEP_BUT_ALLOWED]
    functions = [r"\tanh(x\sigma(" * 3 + f"x + {i}" + "))" * 3 for i in range(35)]
    cases.append(("functions six deep, 35 terms", lambda: parse_formula("+".join(functions),
                                                                        plain)))
    over = 0
    print(f"{'case':<48}{'CPU ms':>10}{'x reference':>13}")
    for name, function in cases:
        seconds = cpu(function)  # the first call: SymPy's caches are cold for it
        over += seconds > BUDGET
        flag = "  OVER BUDGET" if seconds > BUDGET else ""
        print(f"{name:<48}{seconds * 1e3:>10.1f}{seconds / reference:>12.0f}x{flag}")
    print(f"{len(cases)} cases, {over} over {BUDGET} s of CPU")


if __name__ == "__main__":
    main()
