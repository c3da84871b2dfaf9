"""Deeply nested TOML and formulas: one line, never a RecursionError."""

from tests.hostile import Case, network, sheet


def _spec(name: str, text: str, stderr: str) -> Case:
    return Case(name, ("derive", "spec.toml"), {"spec.toml": text}, stderr=stderr)


DEEP = "nested more than 32 deep"
CASES = [
    _spec("arrays-1000-deep", network("[2, 2]") + "x = " + "[" * 1000 + "]" * 1000 + "\n", DEEP),
    _spec("arrays-100000-deep", "x = " + "[" * 100_000 + "]" * 100_000 + "\n", DEEP),
    _spec("inline-tables-1000-deep", "x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n", DEEP),
    _spec("unclosed-arrays-100000", "x = " + "[" * 100_000 + "\n", DEEP),
    _spec("brackets-in-strings-are-not-nesting",
          network("[2, 2]") + 'x = "' + "[" * 5000 + '"\n', "x: unknown key"),
    _spec("weights-33-deep", sheet(weights="[" * 33 + "]" * 33), DEEP),
    _spec("dotted-key-10000", network("[2, 2]") + "a" + ".a" * 10_000 + " = 1\n",
          "more than 1000 dotted key parts (line 5)"),
    _spec("dotted-key-900", network("[2, 2]") + "a" + ".a" * 900 + " = 1\n", "a: unknown key"),
    Case("formula-900-parentheses", ("check", "sheet.toml"),
         {"sheet.toml": sheet("E = { value = 0.5, formula = '" + "(" * 900 + "1"
                              + ")" * 900 + "' }\n")},
         stderr="nested too deeply (more than 100 levels)"),
    Case("formula-functions-20-deep", ("check", "sheet.toml"),
         {"sheet.toml": sheet("E = { value = 0.5, formula = '" + "\\sigma(" * 20 + "1"
                              + ")" * 20 + "' }\n")},
         stderr="functions nested too deeply"),
]
