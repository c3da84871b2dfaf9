"""Conventions of real tutorials, declared in the worksheet and checked end to end.

- ``[values] weights_layout = "input-by-output"``: a matrix with a row per sending neuron
  (h = x W + b);
- ``[values] bias_input = -1``: biases given as thresholds θ, weights on a constant input
  of −1 (b = −θ, so a claim about θ is minus the network's b);
- ``[notation] delta_sign = "-dE/dnet"``: δ = −∂E/∂net (updates w ← w + η δ out);
- ``[notation]`` overrides with the tutorial's own letters (h, z, o, y).

tests/corpus/negnevitsky-xor.toml uses the first three together: Negnevitsky's XOR step,
every number of the book checked under its own names.
"""

import json
from pathlib import Path

import pytest
import sympy

from symnn import spec
from symnn.cli import main
from symnn.derive import derive
from symnn.errors import SpecError
from symnn.evaluate import evaluate
from tests.specs import WORKED_EXAMPLE_NET

CORPUS = Path(__file__).parent / "corpus"


def check_json(path, capsys) -> tuple[int, dict]:
    status = main(["check", str(path), "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def test_negnevitskys_xor_step_checks_in_the_books_conventions(capsys):
    status, document = check_json(CORPUS / "negnevitsky-xor.toml", capsys)
    assert status == 0
    verdicts = {c["key"]: (c["id"], c["verdict"]) for c in document["claims"]}
    assert verdicts["delta5"] == ("delta[3,1]", "correct")  # −0.1274 = −(∂E/∂net)
    assert verdicts["theta5'"] == ("b[3,1]'", "correct")  # 0.3127 = −b'
    assert verdicts["w14'"] == ("w[2,2,1]'", "correct")  # row per sending neuron
    assert {v for _, v in verdicts.values()} == {"correct"}
    delta5 = next(c for c in document["claims"] if c["key"] == "delta5")
    assert delta5["exact_float"] == pytest.approx(0.1273828538)
    assert "δ = −∂E/∂net" in delta5["note"]


def test_a_matrix_with_a_row_per_sending_neuron_is_the_transposed_default():
    by_output = spec.loads(WORKED_EXAMPLE_NET)
    by_input = spec.loads(
        WORKED_EXAMPLE_NET.replace(
            "weights = [[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]",
            'weights_layout = "input-by-output"\n'
            "weights = [[[0.25, 0.35], [0.1, -0.3]], [[0.9, -0.7], [0.5, 0.3]]]",
        )
    )
    assert by_input.values.weights == by_output.values.weights
    assert evaluate(derive(by_input)).values == evaluate(derive(by_output)).values


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ('weights_layout = "row-major"\nweights = [[[1, 2, 3]], [[1]]]',
         "values.weights_layout: expected one of output-by-input, input-by-output, "
         "got 'row-major'"),
        ('weights_layout = "input-by-output"\nweights = [[[1, 2, 3]], [[1]]]',
         "values.weights[0]: expected 3 rows (neurons of layer 1) of 1 numbers, got a list of 1"),
        ("bias_input = 0\nweights = [[[1, 2, 3]], [[1]]]",
         "values.bias_input: expected 1 or -1, got 0"),
    ],
)
def test_bad_conventions_are_one_line(values, message):
    text = (
        '[network]\nlayers = [3, 1, 1]\nactivation = "sigmoid"\nloss = "mse"\n'
        f"[values]\ninputs = [1, 2, 3]\ntargets = [1]\n{values}\nbiases = [[0], [0]]\n"
    )
    with pytest.raises(SpecError) as error:
        spec.loads(text)
    assert str(error.value) == message


def _sheet(tmp_path, extra: str, claims: str) -> Path:
    path = tmp_path / "sheet.toml"
    path.write_text(WORKED_EXAMPLE_NET + extra + "\n[claims]\n" + claims, encoding="utf-8")
    return path


def test_a_delta_in_the_networks_sign_is_wrong_when_the_sheet_declares_the_other(
    tmp_path, capsys
):
    # δ₁³ = ∂E/∂net = 0.14801: a sheet declaring δ = −∂E/∂net writes −0.148
    declared = '[notation]\ndelta_sign = "-dE/dnet"\n'
    status, document = check_json(_sheet(tmp_path, declared, '"delta[3,1]" = -0.148\n'), capsys)
    assert (status, document["claims"][0]["verdict"]) == (0, "correct")
    status, document = check_json(_sheet(tmp_path, declared, '"delta[3,1]" = 0.148\n'), capsys)
    assert (status, document["claims"][0]["cause"]) == (1, "sign")
    status, document = check_json(_sheet(tmp_path, "", '"delta[3,1]" = 0.148\n'), capsys)
    assert (status, document["claims"][0]["verdict"]) == (0, "correct")


def test_a_threshold_on_the_input_minus_one_is_minus_the_bias(tmp_path, capsys):
    # biases θ = 0.1 on the input −1: b = −0.1; the claims about θ are in θ's sign
    net = WORKED_EXAMPLE_NET.replace(
        "biases = [[0, 0], [0, 0]]", "bias_input = -1\nbiases = [[0.1, 0.1], [0.1, 0.1]]"
    )
    exact = evaluate(derive(spec.loads(net))).values
    assert exact["b[2,1]"] == -sympy.Rational("0.1")
    theta_gradient = -float(exact["dE/db[3,1]"])
    path = tmp_path / "theta.toml"
    path.write_text(
        net + f'\n[claims]\n"b[2,1]" = 0.1\n"dE/db[3,1]" = "{theta_gradient:.4f}"\n'
        f'"b[3,1]\'" = "{0.1 - 0.5 * theta_gradient:.4f}"\n',
        encoding="utf-8",
    )
    status, document = check_json(path, capsys)
    assert status == 0, document
    assert [c["verdict"] for c in document["claims"]] == ["correct"] * 3


def test_a_tutorials_own_letters_through_notation_overrides(tmp_path, capsys):
    # h for hidden outputs, z for nets, o for the outputs, y for targets, layers from 0
    overrides = (
        '[notation]\npreset = "layer-superscript"\nout = "h"\nnet = "z"\noutput = "o"\n'
        'target = "y"\nloss = "E"\n'
    )
    claims = (
        "'z_1^{(1)}' = { value = 0.15, formula = '0.5 \\cdot 0.25 + 0.25 \\cdot 0.1' }\n"
        "'h_1^{(1)}' = { value = 0.5374, formula = '\\sigma(z_1^{(1)})' }\n"
        "'o_1' = 0.6783\n"
        "'\\delta_1^{(2)}' = { value = 0.148, formula = '(o_1 - y_1) o_1 (1 - o_1)' }\n"
        "'\\frac{\\partial E}{\\partial w_{11}^{(2)}}' = 0.0795\n"
    )
    status, document = check_json(_sheet(tmp_path, overrides, claims), capsys)
    assert status == 0
    assert [c["id"] for c in document["claims"]] == [
        "net[2,1]", "out[2,1]", "out[3,1]", "delta[3,1]", "dE/dw[3,1,1]"
    ]
    assert all(c["read_as"] == "notation" for c in document["claims"])
    assert [c["verdict"] for c in document["claims"]] == ["correct"] * 5
