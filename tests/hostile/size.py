"""Networks too large for a command: refused from the spec before anything is allocated."""

from itertools import pairwise

from tests.hostile import Case, every, network, sheet

ALL = ("derive", "codegen", "latex")


def zero_values(layers: list[int]) -> str:
    """A [values] table of zeros for a net of these sizes."""
    def zeros(n: int) -> str:
        return "[" + ", ".join(["0"] * n) + "]"
    weights = [f"[{', '.join([zeros(a)] * b)}]" for a, b in pairwise(layers)]
    return (f"[values]\ninputs = {zeros(layers[0])}\ntargets = {zeros(layers[-1])}\n"
            f"weights = [{', '.join(weights)}]\nbiases = [{', '.join(map(zeros, layers[1:]))}]\n")


CASES = [
    *every(ALL, "100000-wide", network("[100000, 100000, 10]"), stderr="at most 10000"),
    *every(ALL, "2000-2000-2", network("[2000, 2000, 2]"), stderr="--max-parameters"),
    *every(ALL, "layer-1e20", network("[100000000000000000000, 2]"), stderr="at most 10000"),
    *every(ALL, "101-layers", network(str([1] * 101)), stderr="at most 100"),
    *every(ALL, "softmax-30", network("[2, 30]", "softmax", "cross-entropy"),
           stderr="a softmax layer has at most 20"),
    Case("latex-lifted-limit-still-refuses", ("latex", "spec.toml", "--max-parameters", "10"),
         {"spec.toml": network("[2, 2, 2]")}, stderr="at most 10 with --max-parameters"),
    Case("check-over-its-limit", ("check", "sheet.toml", "--max-parameters", "5"),
         {"sheet.toml": sheet("E = 0.3\n")}, stderr="symnn check handles at most 5"),
    Case("derive-values-over-its-limit", ("derive", "spec.toml"),
         {"spec.toml": network("[100, 200, 2]") + zero_values([100, 200, 2])},
         stderr="symnn derive with [values] handles at most 20000 by default"),
    Case("max-parameters-not-a-number", ("derive", "spec.toml", "--max-parameters", "1e99"),
         {"spec.toml": network("[2, 2, 2]")}, stderr="expected a positive integer"),
    Case("codegen-to-file-refused", ("codegen", "spec.toml", "-o", "out.py"),
         {"spec.toml": network("[2000, 2000, 2]")}, stderr="--max-parameters"),
]
