"""Worksheets whose every line is hostile: one verdict or one error per line, quickly."""

from tests.hostile import Case, sheet
from tests.hostile.formulas import TOWERS

# Each line is an input error: all are reported, one line each (exit 2).
BAD_LINES = [
    "E = 0." + "1" * 5000,
    "'out[2,1]' = 1e999",
    "'out[2,2]' = \"1e-999\"",
    "'net[2,1]' = nan",
    "'net[2,2]' = [1, 2]",
    "'out[3,1]' = { value = 0.5, formula = '" + "(" * 900 + "1" + ")" * 900 + "' }",
    "'out[3,2]' = { value = 0.5, formula = '" + "\\sigma(" * 20 + "1" + ")" * 20 + "' }",
    "'net[3,1]' = { value = 0.5, formula = '().__class__' }",
    "'net[3,2]' = { value = 0.5, formula = '10^{100000}' }",
    "'dE/dw[3,1,1]' = { value = 0.5, formula = 'e^{1e10}' }",
    "'dE/dw[3,1,2]' = { value = 0.5, formula = '\\input{/etc/passwd}' }",
    "'" + "x" * 600 + "' = 0.5",
    "'dE/dw[3,2,1]' = { value = 0.5, formula = '" + "1+" * 1500 + "1' }",
]
# Each line is a claim with a formula too large to evaluate: a verdict per line (exit 1).
IDS = ["E", "out[2,1]", "out[2,2]", "net[2,1]", "net[2,2]", "out[3,1]", "out[3,2]",
       "net[3,1]", "net[3,2]", "dE/dw[3,1,1]"]  # fmt: skip
FORMULA_LINES = [
    f"'{quantity}' = {{ value = 0.3, formula = '{formula}' }}"
    for quantity, formula in zip(IDS, TOWERS.values(), strict=True)
]

CASES = [
    Case("worksheet-every-line-an-error", ("check", "sheet.toml"),
         {"sheet.toml": sheet("\n".join(BAD_LINES) + "\n")},
         counts=(("symnn: error: claims.", len(BAD_LINES)),)),
    Case("worksheet-every-formula-a-tower", ("check", "sheet.toml", "--format", "json"),
         {"sheet.toml": sheet("\n".join(FORMULA_LINES) + "\n")}, status=(1,),
         counts=(("formula not judged", len(FORMULA_LINES)),)),
]
