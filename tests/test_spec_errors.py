"""Bad specs: one line naming the field and what was expected, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.specs import WORKED_EXAMPLE_NET, changed

# The worked example from its first line ([network] is line 1, as the TOML errors count),
# without a learning rate.
GOOD = changed(WORKED_EXAMPLE_NET, "learning_rate = 0.5\n", "").lstrip("\n")


def run_symnn(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "symnn", *args], capture_output=True, text=True, timeout=120
    )


def derive_text(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return run_symnn("derive", str(path))


CASES = {
    "toml-syntax": (
        GOOD.replace('loss = "mse"', 'loss = "mse'),
        "TOML syntax error: ",
        "(at line 4, column",
    ),
    "unknown-activation": (
        GOOD.replace('"sigmoid"', '"sigmod"'),
        "network.activation: unknown activation 'sigmod'; known: sigmoid, tanh, relu, "
        "leaky-relu, identity, softplus, softmax",
        None,
    ),
    "unknown-loss": (
        GOOD.replace('"mse"', '"l2"'),
        "unknown loss 'l2'; known: mse, half-sse, sse, cross-entropy, "
        "binary-cross-entropy, output",
        None,
    ),
    "negative-layer": (
        GOOD.replace("[2, 2, 2]", "[2, -3, 2]"),
        "network.layers[1]: expected a positive integer, got -3",
        None,
    ),
    "fractional-layer": (
        GOOD.replace("[2, 2, 2]", "[2, 2.5, 2]"),
        "network.layers[1]: expected a positive integer, got 2.5",
        None,
    ),
    "one-layer": (
        "[network]\nlayers = [3]\nactivation = 'sigmoid'\nloss = 'mse'\n",
        "network.layers: expected at least 2 layers (input and output), got 1",
        None,
    ),
    "weights-rows": (
        GOOD.replace("[[0.9, 0.5], [-0.7, 0.3]]", "[[0.9, 0.5]]"),
        "values.weights[1]: expected 2 rows (neurons of layer 3) of 2 numbers, got a list of 1",
        None,
    ),
    "weights-columns": (
        GOOD.replace("[0.35, -0.3]", "[0.35, -0.3, 1]"),
        "values.weights[0][1]: expected 2 numbers, got 3",
        None,
    ),
    "biases-shape": (
        GOOD.replace("biases = [[0, 0], [0, 0]]", "biases = [[0, 0], [0]]"),
        "values.biases[1]: expected 2 numbers, got 1",
        None,
    ),
    "softmax-hidden": (
        GOOD.replace('activation = "sigmoid"', 'activation = ["softmax", "sigmoid"]'),
        "network.activation[0]: softmax is allowed on the output layer only",
        None,
    ),
    "output-loss-two-outputs": (
        GOOD.replace('"mse"', '"output"'),
        "network.loss: 'output' needs exactly 1 output neuron, got 2",
        None,
    ),
    "non-numeric": (
        GOOD.replace("inputs = [0.5, 0.25]", 'inputs = [0.5, "a"]'),
        "values.inputs[1]: expected a number, got 'a'",
        None,
    ),
    "nan": (
        GOOD.replace("inputs = [0.5, 0.25]", "inputs = [0.5, nan]"),
        "values.inputs[1]: expected a finite number, got NaN",
        None,
    ),
    "infinite": (
        GOOD.replace("targets = [0, 1]", "targets = [0, -inf]"),
        "values.targets[1]: expected a finite number, got -Infinity",
        None,
    ),
    "unknown-key": (
        GOOD.replace('activation = "sigmoid"', 'activaton = "sigmoid"'),
        "network.activaton: unknown key (did you mean 'activation'?); expected one of "
        "layers, activation, loss, bias, leaky_slope",
        None,
    ),
    "unknown-table": (
        GOOD + "\n[valeus]\nx = 1\n",
        "valeus: unknown key (did you mean 'values'?)",
        None,
    ),
    "boolean-number": (
        GOOD.replace("inputs = [0.5, 0.25]", "inputs = [0.5, true]"),
        "values.inputs[1]: expected a number, got True",
        None,
    ),
    "bad-bias-mode": (
        GOOD.replace('loss = "mse"', 'loss = "mse"\nbias = "shared"'),
        "network.bias: expected one of per-neuron, per-layer, none, got 'shared'",
        None,
    ),
    "missing-targets": (
        GOOD.replace("targets = [0, 1]\n", ""),
        "values.targets: missing (the mse loss needs targets)",
        None,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_spec_gives_one_precise_line(tmp_path, case):
    text, expected, also = CASES[case]
    result = derive_text(tmp_path, text)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("symnn: error: ")
    assert expected in lines[0]
    if also:
        assert also in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_file(tmp_path):
    result = run_symnn("derive", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert result.stderr == f"symnn: error: {tmp_path / 'nope.toml'}: no such file\n"


def test_directory_instead_of_file(tmp_path):
    result = run_symnn("derive", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"symnn: error: {tmp_path}: is a directory; expected a TOML spec file\n"


def test_empty_file(tmp_path):
    result = derive_text(tmp_path, "")
    assert result.returncode == 2
    assert result.stderr == "symnn: error: network: missing table [network]\n"


def test_the_good_spec_is_accepted(tmp_path):
    """The base text of every case above is valid: each case fails for its own reason."""
    result = derive_text(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    assert "dE/dw[2,1,1]" in result.stdout
