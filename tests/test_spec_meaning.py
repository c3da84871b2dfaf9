"""Meaning checks on a spec: a log loss needs outputs it can take the log of.

Cross-entropy takes log y: the outputs must be positive (softmax, sigmoid, softplus);
binary cross-entropy also takes log(1 − y): the outputs must lie in (0, 1) (softmax, or
sigmoid with one output per class). tanh, relu, leaky-relu and identity outputs with a
log loss used to give a finite E from ``derive`` while the generated module returned nan;
now every command refuses the spec with one line and exit status 2, before writing.
"""

import pytest

from symnn.cli import main

REFUSED = [
    ("tanh", "cross-entropy", "(0, ∞)", "(−1, 1)"),
    ("relu", "cross-entropy", "(0, ∞)", "[0, ∞)"),
    ("identity", "cross-entropy", "(0, ∞)", "(−∞, ∞)"),
    ("leaky-relu", "cross-entropy", "(0, ∞)", "(−∞, ∞)"),
    ("tanh", "binary-cross-entropy", "(0, 1)", "(−1, 1)"),
    ("relu", "binary-cross-entropy", "(0, 1)", "[0, ∞)"),
    ("identity", "binary-cross-entropy", "(0, 1)", "(−∞, ∞)"),
    ("softplus", "binary-cross-entropy", "(0, 1)", "(0, ∞)"),
]
ALLOWED = [
    ("softmax", "cross-entropy"),
    ("sigmoid", "cross-entropy"),
    ("softplus", "cross-entropy"),
    ("sigmoid", "binary-cross-entropy"),
    ("softmax", "binary-cross-entropy"),
    ("tanh", "mse"),
    ("identity", "half-sse"),
]


def _spec(tmp_path, output: str, loss: str):
    path = tmp_path / "net.toml"
    path.write_text(
        f'[network]\nlayers = [2, 2, 2]\nactivation = ["sigmoid", "{output}"]\n'
        f'loss = "{loss}"\n\n[values]\ninputs = [0.5, 0.25]\ntargets = [0, 1]\n'
        "weights = [[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]\n"
        "biases = [[0, 0], [0, 0]]\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(("output", "loss", "needed", "given"), REFUSED)
def test_a_log_loss_on_outputs_it_cannot_take_the_log_of_is_refused(
    tmp_path, capsys, output, loss, needed, given
):
    path = _spec(tmp_path, output, loss)
    message = (
        f"symnn: error: network.loss: {loss} takes the log of the outputs, so it needs an "
        f"output activation with values in {needed} (softmax or sigmoid), got {output} "
        f"with values in {given}\n"
    )
    for command in (["derive", str(path)], ["check", str(path)],
                    ["codegen", str(path), "-o", str(tmp_path / "net.py")]):
        assert main(command) == 2
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", message)
    assert not (tmp_path / "net.py").exists()


@pytest.mark.parametrize(("output", "loss"), ALLOWED)
def test_outputs_a_loss_can_take_are_accepted(tmp_path, capsys, output, loss):
    assert main(["derive", str(_spec(tmp_path, output, loss))]) == 0
