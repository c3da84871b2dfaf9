"""A corpus of public worked examples, in their own conventions: equivalent formulas and
float64 answers from plain Python are judged right, and a real slip is found.

Sources (the worksheets under tests/corpus/ name them in full):
- Mazur, "A Step by Step Backpropagation Example" (2015): flat names w1…w8, out_h1,
  E_total, per-layer biases, ½Σ loss;
- Negnevitsky, "Artificial Intelligence", section 6.4 (XOR): weights input-by-output,
  thresholds on the input −1, δ = y(1 − y)e = −∂E/∂net;
- Kushwaha, "Understanding Neural Networks: Softmax, Cross-Entropy, and Backpropagation"
  (PostNetwork Academy): z/a names, a two-class softmax with cross-entropy.

Each sheet is the worksheet file plus the cases below, checked once. A float64 case is
the number plain Python prints (``repr``) for the tutorial's own formula; an equivalent
formula is another way the tutorials write the same quantity (e^x/(1+e^x) for σ,
1/(1+e^{z₂−z₁}) for a two-class softmax, −ln(1 − ŷ₂) for −ln ŷ₁).
"""

import json
import math
from pathlib import Path

import pytest

from symnn.cli import main

CORPUS = Path(__file__).parent / "corpus"


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def mazur() -> list[tuple[str, str, str | None]]:
    """Mazur's net in plain Python floats, from the tutorial's inputs and weights."""
    i1, i2 = 0.05, 0.10
    w1, w2, w3, w4, w5, w6, w7, w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55
    b1, b2 = 0.35, 0.60
    out_h1 = sigmoid(w1 * i1 + w2 * i2 + b1 * 1)
    out_h2 = sigmoid(w3 * i1 + w4 * i2 + b1 * 1)
    out_o1 = sigmoid(w5 * out_h1 + w6 * out_h2 + b2 * 1)
    out_o2 = sigmoid(w7 * out_h1 + w8 * out_h2 + b2 * 1)
    e_total = 0.5 * (0.01 - out_o1) ** 2 + 0.5 * (0.99 - out_o2) ** 2
    delta_o1 = (out_o1 - 0.01) * out_o1 * (1 - out_o1)
    delta_o2 = (out_o2 - 0.99) * out_o2 * (1 - out_o2)
    d_w5 = delta_o1 * out_h1
    d_out_h1 = delta_o1 * w5 + delta_o2 * w7
    d_w1 = d_out_h1 * out_h1 * (1 - out_h1) * i1
    net_o2 = 0.5 * 0.593269992 + 0.55 * 0.596884378 + 0.6
    return [
        ("out_{h1}", repr(out_h1), None),
        ("out_{o1}", repr(out_o1), None),
        ("out_{o2}", repr(out_o2), None),
        ("E_{total}", repr(e_total), None),
        (r"\frac{\partial E_{total}}{\partial w_5}", repr(d_w5), None),
        ("w_5^{new}", repr(w5 - 0.5 * d_w5), None),
        ("∂E_total/∂out_h1", repr(d_out_h1), None),
        (r"\frac{\partial E_{total}}{\partial w_1}", repr(d_w1), None),
        ("w_1^{new}", repr(w1 - 0.5 * d_w1), None),
        # equivalent formulas, with the tutorial's rounded numbers
        ("out_{h2}", "0.596884378", r"\frac{e^{0.3925}}{1+e^{0.3925}}"),
        ("E", "0.298371109",
         r"\frac12(0.01-0.75136507)^2 + \frac12(0.99-0.772928465)^2"),
        ("dE/dw5", "0.082167041",
         r"(0.75136507-0.01) \cdot 0.75136507 (1-0.75136507) \cdot 0.593269992"),
        ("net_{o2}", f"{net_o2:.9f}",
         r"0.5 \cdot 0.593269992 + 0.55 \cdot 0.596884378 + 0.6 \cdot 1"),
    ]


def negnevitsky() -> list[tuple[str, str, str | None]]:
    """The XOR step in plain Python, in the book's conventions."""
    x1 = x2 = 1.0
    w13, w14, w23, w24, w35, w45 = 0.5, 0.9, 0.4, 1.0, -1.2, 1.1
    theta3, theta4, theta5, alpha = 0.8, -0.1, 0.3, 0.1
    y3 = sigmoid(x1 * w13 + x2 * w23 - theta3)
    y4 = sigmoid(x1 * w14 + x2 * w24 - theta4)
    y5 = sigmoid(y3 * w35 + y4 * w45 - theta5)
    delta5 = y5 * (1 - y5) * (0 - y5)
    delta3 = y3 * (1 - y3) * delta5 * w35
    return [
        ("y_3", repr(y3), None),
        ("y_5", repr(y5), None),
        ("delta_5", repr(delta5), None),
        ("w_{35}'", repr(w35 + alpha * y3 * delta5), None),
        ("theta_5'", repr(theta5 + alpha * -1 * delta5), None),
        ("delta_3", repr(delta3), None),
        ("theta_3'", repr(theta3 + alpha * -1 * delta3), None),
    ]


def postnetwork() -> list[tuple[str, str, str | None]]:
    """The softmax example in plain Python, from the tutorial's inputs and weights."""
    x = (1.0, 2.0, -1.0)
    a1 = sigmoid(0.2 * x[0] - 0.3 * x[1] + 0.4 * x[2] + 0.5)
    a2 = sigmoid(-0.5 * x[0] + 0.1 * x[1] + 0.2 * x[2] + 0.5)
    z3 = 0.3 * a1 + 0.4 * a2 + 0.1
    z4 = -0.1 * a1 + 0.2 * a2 + 0.1
    y1 = math.exp(z3) / (math.exp(z3) + math.exp(z4))
    y2 = math.exp(z4) / (math.exp(z3) + math.exp(z4))
    d3, d4 = y1 - 1, y2 - 0
    dh1 = (d3 * 0.3 + d4 * -0.1) * a1 * (1 - a1)
    dh2 = (d3 * 0.4 + d4 * 0.2) * a2 * (1 - a2)
    return [
        ("out[3,1]", repr(y1), None),
        ("out[3,2]", repr(y2), None),
        ("delta[3,1]", repr(d3), None),
        ("dE/dw[3,2,2]", repr(d4 * a2), None),
        ("w[3,1,1]'", repr(0.3 - 0.1 * d3 * a1), None),
        ("w[2,1,1]'", repr(0.2 - 0.1 * dh1 * x[0]), None),
        ("dE/dx[1]", repr(dh1 * 0.2 + dh2 * -0.5), None),
        # the two-class softmax as a sigmoid of the difference of the nets
        ("yhat1", "0.5671", r"\frac{1}{1+e^{-0.27022}}"),
        ("yhat2", "0.4329", r"\frac{1}{1+e^{0.27022}}"),
        # the loss from a rounded output, and from 1 − the other output
        ("L", "0.5671", r"-\ln(0.5671)"),
        ("E", "0.5671", r"-\ln(1-0.4329)"),
        ("dE/dw[3,1,1]", "-0.1842", "(0.5671-1)(0.4256)"),
        ("z4", "0.1574", "-0.1(0.426) + 0.2(0.5) + 0.1"),
    ]


SOURCES = {
    "mazur-2015.toml": mazur,
    "negnevitsky-xor.toml": negnevitsky,
    "postnetwork-softmax.toml": postnetwork,
}


def _toml_key(key: str) -> str:
    return f'"{key}"' if "'" in key else f"'{key}'"


def _sheet(tmp_path, name: str, cases) -> Path:
    lines = []
    for key, value, formula in cases:
        if formula is None:
            lines.append(f'{_toml_key(key)} = "{value}"')
        else:
            lines.append(f"{_toml_key(key)} = {{ value = \"{value}\", formula = '{formula}' }}")
    path = tmp_path / name
    path.write_text((CORPUS / name).read_text(encoding="utf-8") + "\n".join(lines) + "\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(SOURCES))
def test_equivalent_formulas_and_float64_answers_are_right(tmp_path, capsys, name):
    cases = SOURCES[name]()
    assert main(["check", str(_sheet(tmp_path, name, cases)), "--format", "json"]) == 0
    claims = json.loads(capsys.readouterr().out)["claims"]
    added = claims[-len(cases):]
    assert [c["key"] for c in added] == [key for key, _, _ in cases]
    for claim, (_, _, formula) in zip(added, cases, strict=True):
        assert claim["verdict"] == "correct", claim
        assert formula is not None or claim["float64_precision"] or len(claim["claimed"]) < 18
        if formula is not None:
            assert claim["formula"]["matches_network"], claim
            assert " but " not in claim["note"], claim


def test_the_corpus_has_at_least_thirty_cases():
    assert sum(len(make()) for make in SOURCES.values()) >= 30


def test_the_softmax_tutorials_own_slip_is_found(tmp_path, capsys):
    # The tutorial writes z(4) = −0.1(0.426) + 0.2(0.5) + 0.1 ≈ 0.185; it is 0.1574, and
    # the lines after it are its consequences (ŷ₁ ≈ 0.561 instead of 0.567).
    path = _sheet(tmp_path, "postnetwork-softmax.toml", [
        ("z4", "0.185", "-0.1(0.426) + 0.2(0.5) + 0.1"),
        ("yhat1", "0.5605", r"\dfrac{e^{0.428}}{e^{0.428}+e^{0.185}}"),
    ])
    assert main(["check", str(path), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    z4, yhat1 = document["claims"][-2:]
    assert (z4["verdict"], z4["cause"]) == ("wrong", "arithmetic")
    assert z4["note"].startswith("the formula is right but evaluates to 0.1574, not 0.185")
    assert yhat1["verdict"] == "correct-with-carried"
    assert document["first_wrong"]["text"] == (
        "first wrong: net x₂³ (arithmetic); 1 later line is right given it"
    )
