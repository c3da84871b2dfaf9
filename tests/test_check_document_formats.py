"""``symnn check`` on LaTeX notes, Jupyter notebooks and two public tutorials' Markdown.

tests/documents/mazur-2015.md holds the display math of Matt Mazur's "A Step by Step
Backpropagation Example" (2015) as written in the Markdown copy of
github.com/vortune/actual-number-backpropagation; its network is
tests/corpus/mazur-2015.toml (the tutorial's own names in [names]).
tests/documents/schiendorfer-2020.md holds excerpts of Alexander Schiendorfer's Jekyll
post "A worked example of backpropagation" (2020); its network is
tests/corpus/schiendorfer-2020.toml.
"""

import json
from pathlib import Path

import nbformat
import pytest

from symnn.check.documents import check as documents
from symnn.check.documents.annotate import annotate
from symnn.cli import main
from tests.specs import WORKED_EXAMPLE_NET
from tests.tools import compile_latex

HERE = Path(__file__).resolve().parent


@pytest.fixture()
def net(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(WORKED_EXAMPLE_NET, encoding="utf-8")
    return path


LATEX = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\begin{document}
\section{Forward pass of $out \ x_1^2 = 0.54$}
The first hidden neuron:
\begin{align}
net \ x_1^2 &= 0.5 \cdot 0.25 + 0.25 \cdot 0.1 \label{eq:net} \\
            &= 0.15
\end{align}
and \(out \ x_2^2 = 0.53\), while
\begin{verbatim}
$out \ x_2^2 = 9$
\end{verbatim}
% symnn: skip
\[ E = 9 \]
\begin{equation}
E = \frac{(0-0.6783)^2 + (1-0.4455)^2}{2} = 0.384
\end{equation}
\end{document}
"""


def test_latex_document(tmp_path, net):
    path = tmp_path / "notes.tex"
    path.write_text(LATEX, encoding="utf-8")
    result = documents.check(path, net)
    rows = [(j.located.line, j.verdict.claim.id, j.verdict.verdict) for j in result.judged]
    assert rows == [
        (4, "out[2,1]", "correct"),
        (8, "net[2,1]", "correct"),
        (10, "out[2,2]", "rounding-slip"),
        (17, "E", "correct"),
    ]
    copy = annotate(result)
    assert r"&= 0.15\;\checkmark" in copy
    mark = r"\;\approx\text{ (rounding: exact 0.524979, rounds to 0.52)}"
    assert r"out \ x_2^2 = 0.53" + mark + r"\)" in copy
    compile_latex(copy, tmp_path / "build")


def test_notebook(tmp_path, net):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A notebook\n\nThe net input: $net \\ x_1^2 = 0.15$"),
        nbformat.v4.new_code_cell("x = '$out \\\\ x_1^2 = 9$'"),
        nbformat.v4.new_markdown_cell("Then\n\n$$out \\ x_1^2 = 0.6$$\n"),
    ]
    path = tmp_path / "post.ipynb"
    nbformat.write(notebook, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    status = main(["check", str(path), "--spec", str(net), "--format", "json",
                   "--annotate", str(tmp_path / "annotated.ipynb")])
    assert status == 1
    return_lines = [(c["line"], c["id"], c["verdict"]) for c in _json(tmp_path, path, net)]
    assert [(lines[line - 1].strip(), qid, v) for line, qid, v in return_lines] == [
        ('"The net input: $net \\\\ x_1^2 = 0.15$"', "net[2,1]", "correct"),
        ('"$$out \\\\ x_1^2 = 0.6$$\\n"', "out[2,1]", "rounding-slip"),
    ]
    annotated = nbformat.read(tmp_path / "annotated.ipynb", as_version=4)
    nbformat.validate(annotated)
    assert annotated.cells[0].source.endswith(r"$net \ x_1^2 = 0.15\;\checkmark$")
    assert annotated.cells[1].source == notebook.cells[1].source


def _json(tmp_path, path, net):
    import contextlib
    import io

    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        main(["check", str(path), "--spec", str(net), "--format", "json"])
    return json.loads(stream.getvalue())["claims"]


def test_mazur_2015():
    result = documents.check(HERE / "documents" / "mazur-2015.md",
                             HERE / "corpus" / "mazur-2015.toml")
    rows = [(j.located.line, j.verdict.claim.id, j.verdict.claim.written.text,
             j.verdict.verdict) for j in result.judged]
    assert rows == [
        (15, "net[2,1]", "0.3775", "correct"),
        (23, "out[2,1]", "0.593269992", "correct"),
        (28, "out[2,2]", "0.596884378", "correct"),
        (35, "net[3,1]", "1.105905967", "correct"),
        (38, "out[3,1]", "0.75136507", "wrong"),
        (43, "out[3,2]", "0.772928465", "correct"),
        (54, "E", "0.298371109", "correct"),
        (64, "dout[3,1]/dnet[3,1]", "0.186815602", "correct"),
        (79, "w[3,1,1]'", "0.35891648", "correct"),
        (85, "w[3,1,2]'", "0.408666186", "correct"),
        (86, "w[3,2,1]'", "0.511301270", "correct"),
        (87, "w[3,2,2]'", "0.561370121", "correct"),
        (92, "dnet[3,1]/dout[2,1]", "0.40", "correct"),
        (100, "dE/dout[2,1]", "0.036350306", "correct"),
        (108, "dout[2,1]/dnet[2,1]", "0.241300709", "correct"),
        (119, "dE/dw[2,1,1]", "0.000438568", "correct"),
        (127, "w[2,1,1]'", "0.149780716", "correct"),
        (132, "w[2,1,2]'", "0.19956143", "correct"),
        (133, "w[2,2,1]'", "0.24975114", "correct"),
        (134, "w[2,2,2]'", "0.29950229", "correct"),
    ]
    wrong = result.judged[4].verdict
    assert wrong.cause == "formula"  # the tutorial's typo e^{-1.1059059067} for 1.105905967
    assert wrong.note.startswith(
        "the formula does not match the network: it uses net x₁³ = 1.1059059067"
    )


def test_schiendorfer_2020():
    """A Jekyll post: front matter, Liquid tags, HTML and code around its math."""
    from symnn.check.documents.report import skipped_counts

    result = documents.check(HERE / "documents" / "schiendorfer-2020.md",
                             HERE / "corpus" / "schiendorfer-2020.toml")
    rows = [(j.located.line, j.verdict.claim.id, j.verdict.claim.written.text,
             j.verdict.verdict) for j in result.judged]
    assert rows == [(22, "out[3,1]", "0.73", "correct"), (23, "out[3,2]", "0.12", "correct")]
    assert [(f.line, f.verdict) for f in result.formulas] == [
        (31, "correct"), (37, "unread"), (54, "correct"), (55, "unread"),
    ]
    # e_1^2 + e_2^2 names no quantity: the sides that can be read are checked, it is listed
    assert result.formulas[2].note == (
        "holds for this network; side 3 (e_1^2 + e_2^2) not read: a name in it is no "
        "quantity of this network"
    )
    # L(3) = 16 is the loss of the post's one-weight example, not of this network
    assert skipped_counts(result) == {"prose": 3, "unknown": 1, "point": 2}


def test_mazur_2015_formulas_in_flat_names(tmp_path):
    """Mazur's formulas are written in his flat names (out_{o1}, w_5, E_{total}): read
    through the spec's [names], they are checked like any general formula."""
    result = documents.check(HERE / "documents" / "mazur-2015.md",
                             HERE / "corpus" / "mazur-2015.toml")
    assert [(f.line, f.verdict) for f in result.formulas] == [
        (47, "unread"), (60, "correct"), (70, "correct"),
    ]
    slipped = (HERE / "documents" / "mazur-2015.md").read_text(encoding="utf-8").replace(
        r"\cdot out_{o1}(1-out_{o1}) \cdot out_{h1}", r"\cdot out_{o1}(1-out_{o1}) \cdot out_{h2}"
    )
    path = tmp_path / "post.md"
    path.write_text(slipped, encoding="utf-8")
    result = documents.check(path, HERE / "corpus" / "mazur-2015.toml")
    assert [(f.line, f.verdict) for f in result.formulas][2] == (70, "wrong")
    assert result.formulas[2].note.startswith("side 2 (-(target_{o1}-out_{o1}) ")
