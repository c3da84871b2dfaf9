"""Formulas whose values are astronomically large: judged by value alone, with a note.

Each case is a worksheet of one claim; the claim gets a verdict (exit 0 or 1), and the
formula is refused from magnitude bounds on its parse tree, before any evaluation.
"""

from tests.hostile import Case, sheet

NOT_JUDGED = "formula not judged"
TOWERS = {
    "e-to-10-to-1000": "e^{10^{1000}}",
    "e-e-e-1000": "e^{e^{e^{1000}}}",
    "exp-exp-exp-exp-9": "\\exp(\\exp(\\exp(\\exp(9))))",
    "10-to-1000": "10^{1000}",
    "power-of-power": "(((2^{1000})^{1000})^{1000})",
    "e-to-10000": "e^{10000}",
    "sigma-of-huge-then-power": "(\\exp(2000)+1)^{999}",
    "tiny-then-reciprocal": "1/(0.1^{999})^{2}",
    "sqrt-of-huge": "\\sqrt{\\exp(\\exp(20))}",
    "many-products": "(10^{300})" * 12,
}
ODD = {
    "log-of-zero": "\\ln(0)",
    "log-of-negative": "\\ln(-1)",
    "sqrt-of-negative": "\\sqrt{-1}",
    "difference-of-equal-exps": "1/(e^{0.1}-e^{0.1})",
    "exp-of-log-of-negative": "e^{\\ln(0-1)}",
    "tanh-of-huge": "\\tanh(10^{999})",
    "scientific-exponent": "e^{1e10}",
    "2000-characters": "+".join(["0.1"] * 499),
}


def _claim(formula: str) -> str:
    return f"E = {{ value = 0.3, formula = '{formula}' }}\n"


CASES = [
    Case(f"formula-{name}", ("check", "sheet.toml"), {"sheet.toml": sheet(_claim(text))},
         status=(1,), stdout=NOT_JUDGED)
    for name, text in TOWERS.items()
] + [
    Case(f"formula-{name}", ("check", "sheet.toml"), {"sheet.toml": sheet(_claim(text))},
         status=(1, 2))
    for name, text in ODD.items()
]
