"""Matrix and vector forms in a document: general formulas, numbers in matrices, slips.

Sources: tests/documents/nielsen-2015-chap2.md (Nielsen, "Neural Networks and Deep
Learning", chapter 2: the matrix equations of backpropagation) and
tests/documents/xbdev-numerical.md (xbdev.net, "Numerical Examples", a 2-2-2 net in
matrices); the seed's own matrix forms are in test_check_documents. The slips below
are written for the tests, in the seed's and Nielsen's notations.
"""

from pathlib import Path

import pytest

from symnn.check.documents import check as documents
from tests.specs import WORKED_EXAMPLE_NET

HERE = Path(__file__).resolve().parent
DOCUMENTS, CORPUS = HERE / "documents", HERE / "corpus"


def formulas(result):
    return [(f.line, f.verdict, f.causes) for f in result.formulas]


def claims(result):
    return [(j.located.line, j.verdict.claim.id, j.verdict.claim.written.text, j.verdict.verdict)
            for j in result.judged]


def test_nielsen_chapter_2_matrix_equations():
    result = documents.check(DOCUMENTS / "nielsen-2015-chap2.md", CORPUS / "nielsen-2015.toml")
    # (25), (BP1a), (BP2), (30), (BP3), (BP4), and (40)-(42) as one chain over & = & rows
    assert formulas(result) == [
        (12, "correct", []), (18, "correct", []), (24, "correct", []), (30, "correct", []),
        (35, "correct", []), (40, "correct", []), (46, "correct", []),
    ]
    assert result.formulas[2].note == "holds for l=2"
    assert result.skipped == []


NIELSEN_SLIPS = r"""
$$\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)$$

$$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^{l+1})$$

$$\delta^L = \nabla_a C$$

$$\delta^L = \nabla_a C \odot z^L$$

$$\frac{\partial C}{\partial w^L} = \delta^L (a^{L-1})^T \quad
\frac{\partial C}{\partial w^L} = \delta^L a^{L-1}$$
"""


def test_matrix_slips_named(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(NIELSEN_SLIPS, encoding="utf-8")
    result = documents.check(path, CORPUS / "nielsen-2015.toml")
    assert formulas(result) == [
        (2, "wrong", ["transpose"]),
        (4, "wrong", ["layer-index"]),
        (6, "wrong", ["missing-factor"]),
        (8, "wrong", []),
        (10, "correct", []),
        (11, "wrong", ["transpose"]),
    ]
    corrected = [f.corrected for f in result.formulas]
    assert corrected[:3] == [
        [r"({w^{l+1}}^{T} \delta^{l+1}) \odot \sigma'(z^l)"],
        [r"((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^{l})"],
        [r"\left(\nabla_a C\right) \odot \sigma'(z ^L)"],
    ]
    assert result.formulas[5].note == (
        r"side 2 (\delta^L a^{L-1}) is wrong for this network (a product of 2×1 and 2×1): "
        r"transpose; it should read \delta^L {a^{L-1}}^{T}"
    )


SEED_SLIPS = r"""
$$\delta _j^l=\sum {w_{ji}^l \delta _i^{l+1}}$$

$$\delta _j^L=\frac{-2(d_j-x_j^L)}{n}$$

$$out\ X_{l+1}=\phi (net \ X_{l+1}) \quad \delta _L = \frac{\partial E}{\partial net \ X_L}$$

$$\frac{\partial E}{\partial net \ x^l_j} = \sum_i w_{ji}^l \delta_i^{l+1}$$
"""


def test_missing_factor_in_the_seeds_notation(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(SEED_SLIPS, encoding="utf-8")
    (tmp_path / "net.toml").write_text(WORKED_EXAMPLE_NET, encoding="utf-8")
    result = documents.check(path, tmp_path / "net.toml")
    assert formulas(result)[:2] == [
        (2, "wrong", ["missing-factor"]), (4, "wrong", ["missing-factor"]),
    ]
    assert result.formulas[0].corrected == [
        r"\left(\sum {w_{ji}^l \delta _i^{l+1}}\right) \cdot \phi'(\mathrm{net}\,x _j^l)"
    ]
    assert "j=1..2, l=2" in result.formulas[0].note
    assert formulas(result)[2][1] == "correct"
    # δ written as ∂E/∂net: the factor is φ' of that net
    assert formulas(result)[-1] == (8, "wrong", ["missing-factor"])
    assert result.formulas[-1].corrected == [
        r"\left(\sum_i w_{ji}^l \delta_i^{l+1}\right) \cdot \phi'(net \ x^l_j)"
    ]


def test_xbdev_matrices_of_numbers():
    result = documents.check(DOCUMENTS / "xbdev-numerical.md", CORPUS / "xbdev-numerical.toml")
    rows = claims(result)
    # one claim per entry, each on the line where its number stands
    assert rows[:4] == [
        (11, "w[2,1,1]", "0.15", "correct"), (11, "w[2,1,2]", "0.20", "correct"),
        (11, "w[2,2,1]", "0.25", "correct"), (11, "w[2,2,2]", "0.30", "correct"),
    ]
    assert rows[8:] == [
        (19, "b[2]", "0.35", "correct"), (19, "b[2]", "0.35", "correct"),
        (23, "b[3]", "0.60", "correct"), (23, "b[3]", "0.60", "correct"),
        (27, "out[1,1]", "0.05", "correct"), (27, "out[1,2]", "0.10", "correct"),
    ]
    assert formulas(result) == [(31, "correct", [])]


EXPRESSIONS = r"""$$(W_2)^T \delta_3 = \begin{bmatrix}
0.229 \\
0.033
\end{bmatrix}$$

$$W_2 - \eta \frac{\partial E}{\partial W_2} = \begin{bmatrix} 0.86 & 0.46 \\
-0.66 & 0.33 \end{bmatrix}$$

$$\begin{bmatrix} net \ x_1^2 \\ net \ x_2^2 \end{bmatrix}
= \begin{bmatrix} 0.25 \cdot 0.5 + 0.1 \cdot 0.25 \\ 0.35 \cdot 0.5 - 0.3 \cdot 0.25 \end{bmatrix}
= \begin{bmatrix} 0.15 \\ 0.1 \end{bmatrix}$$

The output of the first hidden neuron:

$$out \ x_1^2 = \frac{1}{1+e^{-net \ x_1^2}}$$

which gives

$$= 0.5374$$

$$W_7 \delta_3 = \begin{bmatrix} 1 \\ 2 \end{bmatrix} \quad
W_2 \delta_3 = \begin{bmatrix} 1 \\ 2 \\ 3 \end{bmatrix}$$
"""


def test_expression_claims_and_a_value_in_the_next_block(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(EXPRESSIONS, encoding="utf-8")
    (tmp_path / "net.toml").write_text(WORKED_EXAMPLE_NET, encoding="utf-8")
    result = documents.check(path, tmp_path / "net.toml")
    rows = claims(result)
    assert rows == [
        (2, r"(W_2)^T \delta_3[1,1]", "0.229", "correct"),
        (3, r"(W_2)^T \delta_3[2,1]", "0.033", "correct"),
        (6, "w[3,1,1]'", "0.86", "correct"),  # the update step: the weights after it
        (6, "w[3,1,2]'", "0.46", "correct"),
        (7, "w[3,2,1]'", "-0.66", "correct"),
        (7, "w[3,2,2]'", "0.33", "rounding-slip"),
        (11, "net[2,1]", "0.15", "correct"),
        (11, "net[2,2]", "0.1", "correct"),
        (19, "out[2,1]", "0.5374", "correct"),
    ]
    by_line = {j.located.line: j for j in result.judged}
    assert by_line[11].verdict.claim.formula == r"0.35 \cdot 0.5 - 0.3 \cdot 0.25"
    assert by_line[19].located.text == (
        r"out \ x_1^2 = \frac{1}{1+e^{-net \ x_1^2}} = 0.5374"
    )
    assert [(s.line, s.reason, s.note) for s in result.skipped] == [
        (21, "unreadable", r"matrix 'W_7 \\delta_3': a name in it is no quantity"),
        (22, "unreadable", r"3×1 numbers for the 2×1 'W_2 \\delta_3'"),
    ]


@pytest.mark.parametrize("text", [r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}",
                                  r"\begin{bmatrix} 1 \\ 2"])
def test_malformed_matrices_are_reported_not_raised(tmp_path, text):
    path = tmp_path / "post.md"
    path.write_text(f"$$W_2 = {text}$$\n\n$$X_l = {text}$$\n", encoding="utf-8")
    (tmp_path / "net.toml").write_text(WORKED_EXAMPLE_NET, encoding="utf-8")
    result = documents.check(path, tmp_path / "net.toml")
    assert result.judged == []
    assert [f.verdict for f in result.formulas] == ["unread", "unread"]


UNNAMED = r"""$$\begin{bmatrix} 0.9 & 0.5 \\ -0.7 & 0.3 \end{bmatrix}
- 0.5 \begin{bmatrix} 0.0795 & 0.0777 \\ -0.0736 & -0.0719 \end{bmatrix}
= \begin{bmatrix} 0.86 & 0.46 \\ -0.66 & 0.39 \end{bmatrix}$$

$$\begin{bmatrix} 0 \\ 0 \end{bmatrix} + \begin{bmatrix} 1 \\ 1 \end{bmatrix}
= \begin{bmatrix} 1 \\ 1 \end{bmatrix}$$
"""


def test_an_update_written_as_matrices_with_no_name(tmp_path):
    """Matrices of numbers are read as the network's matrices whose values they are."""
    path = tmp_path / "post.md"
    path.write_text(UNNAMED, encoding="utf-8")
    (tmp_path / "net.toml").write_text(WORKED_EXAMPLE_NET, encoding="utf-8")
    result = documents.check(path, tmp_path / "net.toml")
    assert claims(result) == [
        (3, "w[3,1,1]'", "0.86", "correct"), (3, "w[3,1,2]'", "0.46", "correct"),
        (3, "w[3,2,1]'", "-0.66", "correct"), (3, "w[3,2,2]'", "0.39", "wrong"),
    ]
    assert result.judged[0].located.remark == (
        r"its matrices of numbers read as W_{2} - 0.5 \frac{\partial E}{\partial W_{2}}"
    )
    # the zero biases fit B_2 and B_3 alike: no reading, listed
    assert [(s.line, s.reason) for s in result.skipped] == [(5, "unreadable")]
