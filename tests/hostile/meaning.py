"""Values that parse but mean nothing for the network: errors (or a warning) naming the field."""

from tests.hostile import Case, sheet


def _case(name: str, stderr: str, status=(2,), **values: str) -> Case:
    return Case(name, ("derive", "spec.toml"), {"spec.toml": sheet(**values)},
                status=status, stderr=stderr)


CE = {"loss": '"cross-entropy"', "activation": '["sigmoid", "softmax"]'}
CASES = [
    _case("negative-learning-rate", "values.learning_rate: expected a number >= 0",
          learning_rate="-0.5"),
    _case("cross-entropy-target-2", "values.targets[0]: the cross-entropy loss needs a "
          "probability in [0, 1], got 2", targets="[2, -1]", **CE),
    _case("cross-entropy-target-negative", "values.targets[1]", targets="[1, -0.5]", **CE),
    _case("cross-entropy-targets-sum-1.1", "symnn: warning: values.targets: cross-entropy "
          "targets sum to 1.1, not 1", status=(0,), targets="[0.5, 0.6]", **CE),
    _case("binary-cross-entropy-target-2", "values.targets[0]: the binary-cross-entropy loss",
          targets="[2, 0]", loss='"binary-cross-entropy"'),
    _case("mse-targets-anything", "", status=(0,), targets="[5, -7]"),
]
