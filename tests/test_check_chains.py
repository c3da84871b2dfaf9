"""Splitting a block of math into equation chains (symnn/check/documents/chains.py)."""

import pytest

from symnn.check.documents.chains import split


def sides(text: str) -> list[list[str]]:
    return [[side.text for side in equation.sides] for equation in split(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # seed 001, line 165: two chains separated by \quad
            r"net \ x_1^2= 0.5 \cdot 0.25 + 0 = 0.15 \quad out \ x_1^2=\frac{1}{1+e^{-0.15}}=0.53",
            [[r"net \ x_1^2", r"0.5 \cdot 0.25 + 0", "0.15"],
             [r"out \ x_1^2", r"\frac{1}{1+e^{-0.15}}", "0.53"]],
        ),
        (r"a = 1 \qquad b = 2", [["a", "1"], ["b", "2"]]),
        (r"[x_1^1=0.5, x_2^2=0.25]", [["x_1^1", "0.5"], ["x_2^2", "0.25"]]),
        (r"E(x_1^3,x_2^3)=0.38.", [["E(x_1^3,x_2^3)", "0.38"]]),
        (r"f(a, b) = c", [["f(a, b)", "c"]]),
        (  # a row that begins with &= continues the chain above; labels are blanked
            "\\begin{aligned} out_{h1} &= \\frac{1}{1+e^{-net_{h1}}} \\label{eq:1} \\\\\n"
            " &= 0.593269992 \\end{aligned}",
            [["out_{h1}", r"\frac{1}{1+e^{-net_{h1}}}", "0.593269992"]],
        ),
        (r"a &= 1 & b &= 2 \\ c &= 3", [["a", "1"], ["b", "2"], ["c", "3"]]),
        (r"y \approx 0.59", [["y", "0.59"]]),
        (  # the matrix's & and \\ stand inside \begin{bmatrix}: one equation
            r"W = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}",
            [["W", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"]],
        ),
        (r"G(V,A)", [["G(V,A)"]]),
        (r"= 0.5", [["", "0.5"]]),
    ],
)
def test_split(text, expected):
    assert sides(text) == expected


def test_spans_point_into_the_block():
    text = r"\begin{equation} a = 0.25 \quad b = 0.5 \end{equation}"
    equations = split(text)
    assert [text[e.sides[-1].start : e.sides[-1].end] for e in equations] == ["0.25", "0.5"]
    assert text[equations[1].start : equations[1].end] == "b = 0.5"
