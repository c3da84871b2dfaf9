"""Numbers in a spec with too many digits or too large an exponent: one line each."""

from tests.hostile import WEIGHTS, Case, sheet

HUGE = "1e100000000"
TINY = "1e-100000000"
LONG = "0." + "1" * 5000
BIG_INT = "1" + "0" * 5000


def _case(name: str, stderr: str, **values: str) -> Case:
    return Case(name, ("derive", "spec.toml"), {"spec.toml": sheet(**values)}, stderr=stderr)


CASES = [
    _case("weight-1e100000000", "values.weights[0][0][0]: expected a number of size",
          weights=WEIGHTS.replace("0.25", HUGE, 1)),
    _case("input-1e100000000", "values.inputs[0]", inputs=f"[{HUGE}, 0.25]"),
    _case("input-1e-100000000", "values.inputs[1]", inputs=f"[0.5, {TINY}]"),
    _case("rate-1e100000000", "values.learning_rate", learning_rate=HUGE),
    _case("rate-1e-100000000", "values.learning_rate", learning_rate=TINY),
    _case("target-1e999", "values.targets[0]", targets="[1e999, 1]"),
    _case("input-5000-digits", "values.inputs[0]: a number of 5000 significant digits",
          inputs=f"[{LONG}, 0.25]"),
    _case("integer-5000-digits", "4300 digits", inputs=f"[{BIG_INT}, 0.25]"),
    _case("integer-4000-digits", "values.inputs[0]: expected a number of size",
          inputs=f"[{BIG_INT[:4000]}, 0.25]"),
    _case("input-inf", "values.inputs[0]: expected a finite number", inputs="[inf, 0.25]"),
    _case("input-nan", "values.inputs[0]: expected a finite number", inputs="[nan, 0.25]"),
    _case("layer-as-float", "network.layers[0]: expected a positive integer, got 2.0",
          layers="[2.0, 2, 2]"),
    _case("weights-wrong-shape", "values.weights[0]: expected 2 rows",
          weights="[[[0.5]] , [[0.5]]]"),
]

# Every number within bounds, but an identity net multiplies them: 1e299 to the 8th power
# and beyond after the update step. Refused or computed, never a traceback.
GROWING = {
    "activation": '"identity"', "inputs": "[1e299, 1e299]", "learning_rate": "1e299",
    "weights": "[[[1e299, 1e299], [1e299, 1e299]], [[1e299, 1e299], [1e299, 1e299]]]",
}  # fmt: skip
CASES += [
    Case(f"identity-net-of-1e299-{command}", (command, "spec.toml"),
         {"spec.toml": sheet("E = 0.5\n", **GROWING)}, status=(0, 1, 2))
    for command in ("derive", "check", "codegen", "latex")
]
