"""``symnn check DOC --spec SPEC``: a Markdown document read and judged as written.

tests/documents/seed-001.md is a verbatim copy of the seed tutorial
shared/seeds/001_055d1030c9c2140a.txt ("Neural Networks explained in a mathematical
way"), so its line numbers are the tutorial's.
"""

import json
import re
from pathlib import Path

import pytest

from symnn.check import worksheet
from symnn.check.documents import check as documents
from symnn.check.documents import markdown
from symnn.check.verdict import Checker
from symnn.cli import main
from symnn.derive import derive
from tests.specs import WORKED_EXAMPLE_NET

HERE = Path(__file__).resolve().parent
SEED = HERE / "documents" / "seed-001.md"
VERDICT_KEYS = ("correct", "correct-with-carried", "rounding-slip", "wrong")
SPEC = HERE.parent / "examples" / "worked-example-001.toml"
WORKSHEET = HERE.parent / "examples" / "worked-example-001-worksheet.toml"


@pytest.fixture(scope="module")
def seed():
    return documents.check(SEED, SPEC)


def judged(result):
    return [
        (j.located.line, j.verdict.claim.id, j.verdict.claim.written.text, j.verdict.verdict,
         j.verdict.cause)
        for j in result.judged
    ]


def test_seed_verdicts_are_the_worksheets(seed):
    sheet = worksheet.load(WORKSHEET)
    checker = Checker(derive(sheet.spec), sheet.notation)
    expected = [
        (v.claim.id, v.claim.written.text, v.verdict, v.cause)
        for v in checker.check(worksheet.read_claims(sheet.spec, checker.names))
    ]
    found = [row[1:] for row in judged(seed)]
    targets = [("d[1]", "0", "correct", None), ("d[2]", "1", "correct", None)]
    # the seed's x_2^2 = 0.25 (the second input, x_2^1) is a slip in the name: wrong, as
    # in the worksheet, with the quantity the number is in the note
    assert expected[9] == ("out[2,2]", "0.25", "wrong", "other-quantity")
    assert [row for row in found if row not in targets] == expected
    assert [row for row in found if row in targets] == targets


def test_seed_claims_stand_on_their_lines(seed):
    rows = judged(seed)
    assert [(line, qid) for line, qid, *_ in rows[:4]] == [
        (165, "net[2,1]"), (165, "out[2,1]"), (167, "net[2,2]"), (167, "out[2,2]"),
    ]
    assert (321, "dE/db[3,2]", "-0.13", "wrong", "formula") in rows
    assert (181, "out[2,2]", "0.25", "wrong", "other-quantity") in rows
    slipped = next(j for j in seed.judged if j.verdict.claim.written.text == "0.25")
    assert slipped.located.moved_from is None
    assert slipped.verdict.note == (
        "the number is x₂¹ (out[1,2]), the same neuron one layer off: a slip in the name "
        "out x₂² (out[2,2])"
    )


def test_seed_skipped_lines_by_reason(seed):
    from symnn.check.documents.report import skipped_counts

    assert skipped_counts(seed) == {"prose": 74, "unknown": 4}
    assert len(seed.formulas) == 29


def test_cli_json(capsys):
    status = main(["check", str(SEED), "--spec", str(SPEC), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert {k: report["summary"][k] for k in VERDICT_KEYS} == {
        "correct": 14, "correct-with-carried": 4, "rounding-slip": 1, "wrong": 2,
    }
    first = report["claims"][1]
    assert {k: first[k] for k in ("line", "id", "text", "verdict", "note")} == {
        "line": 165,
        "id": "out[2,1]",
        "text": r"out \ x_1^2=\frac{1}{1+e^{-0.15}}=0.53",
        "verdict": "rounding-slip",
        "note": "truncated instead of rounded: 0.5374298453 rounds to 0.54",
    }


def test_text_and_markdown_reports(seed):
    from symnn.check.documents.report import render

    text = render(seed, "text").splitlines()
    assert text[0] == (
        f"symnn check seed-001.md: 21 claims (spec {SPEC}, notation net-out)"
    )
    assert text[-2:] == [
        "skipped: 74 prose math (no equation), 4 no known name",
        "14 correct, 4 correct given the values carried, 1 rounding slip, 2 wrong",
    ]
    markdown_lines = render(seed, "markdown").splitlines()
    assert markdown_lines[0] == "# Check of `seed-001.md`"
    assert markdown_lines[7] == (
        r"| 165 | `out[2,1]` | $out \ x_1^2=\frac{1}{1+e^{-0.15}}=0.53$ | 0.53 | 0.5374298453 "
        "| **rounding slip** | truncated instead of rounded: 0.5374298453 rounds to 0.54 |"
    )


def document(tmp_path, text: str, name: str = "post.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (tmp_path / "net.toml").write_text(WORKED_EXAMPLE_NET, encoding="utf-8")
    return path


def run(tmp_path, capsys, text: str, *options: str):
    path = document(tmp_path, text)
    status = main(["check", str(path), "--spec", str(tmp_path / "net.toml"), "--format", "json",
                   *options])
    captured = capsys.readouterr()
    return status, (json.loads(captured.out) if captured.out else None), captured.err


UNTIDY = r"""---
title: a post
---
Inline $out \ x_1^2 = 0.54$ and \(net \ x_1^2 = 0.15\).

```python
x = "$out \ x_1^2 = 9$"
```

    $out \ x_1^2 = 9$

<script>var s = "$out \ x_1^2 = 9$";</script>

```mermaid
graph LR; A["$E = 9$"]
```

{% katex display %}
net \ x_2^2 = 0.1
{% endkatex %}

\[
out \ x_2^2 = 0.525
\]

\begin{align}
E &= \frac{(0 - 0.6783)^2 + (1 - 0.4455)^2}{2} \\
  &= 0.384
\end{align}

<!-- symnn: skip -->
$$E = 9$$

$$\delta_1^3 = 0.0.76 \quad w_{99}^2 = 0.5$$
"""


def test_untidy_markdown(tmp_path, capsys):
    status, report, _ = run(tmp_path, capsys, UNTIDY)
    assert [(c["line"], c["id"], c["claimed"], c["verdict"]) for c in report["claims"]] == [
        (4, "out[2,1]", "0.54", "correct"),
        (4, "net[2,1]", "0.15", "correct"),
        (19, "net[2,2]", "0.1", "correct"),
        (23, "out[2,2]", "0.525", "correct"),
        (28, "E", "0.384", "correct"),
    ]
    assert report["unreadable"] == [
        {"line": 34, "text": r"\delta_1^3 = 0.0.76", "reason": "malformed number '0.0.76'"},
        {
            "line": 34,
            "text": "w_{99}^2 = 0.5",
            "reason": "unknown quantity 'w_{99}^2'; closest: "
            + report["unreadable"][1]["reason"].split("closest: ")[1],
        },
    ]
    assert status == 1


def test_spec_directive_switches_the_network(tmp_path, capsys):
    (tmp_path / "relu.toml").write_text(
        WORKED_EXAMPLE_NET.replace('"sigmoid"', '"relu"'), encoding="utf-8"
    )
    text = "$$out \\ x_1^2 = 0.54$$\n\n<!-- symnn: spec relu.toml -->\n$$out \\ x_1^2 = 0.15$$\n"
    status, report, _ = run(tmp_path, capsys, text)
    assert [(c["line"], c["verdict"], c["spec"]) for c in report["claims"]] == [
        (1, "correct", str(tmp_path / "net.toml")),
        (4, "correct", "relu.toml"),
    ]
    assert status == 0


def test_spec_in_a_toml_block(tmp_path, capsys):
    text = "```toml" + WORKED_EXAMPLE_NET + "```\n\n$$E = 0.38$$\n"
    path = document(tmp_path, text)
    assert main(["check", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(c["line"], c["id"], c["verdict"]) for c in report["claims"]] == [(15, "E", "correct")]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "symnn: error: --spec: a document needs a spec with [values] (--spec FILE, a "
             "symnn: key in its front matter, or a ```toml block with [network] and [values])"),
        (["--annotate", "SAME"], "symnn: error: --annotate: the original is never modified; "
                                 "name another file"),
    ],
)
def test_bad_input(tmp_path, capsys, options, message):
    path = document(tmp_path, "$$E = 0.38$$\n")
    options = [str(path) if o == "SAME" else o for o in options]
    if options:
        options += ["--spec", str(tmp_path / "net.toml")]
    before = path.read_text(encoding="utf-8")
    assert main(["check", str(path), *options]) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""
    assert path.read_text(encoding="utf-8") == before


def test_reader_finds_math_only_where_the_parser_does():
    blocks, spec_text = markdown.blocks("a `$x=1$` b $y = 2$ c\n\n~~~\n$$z = 3$$\n~~~\n")
    assert [b.text for b in blocks] == ["y = 2"]
    assert spec_text is None


def test_annotated_seed_renders_in_katex_and_latex(tmp_path, seed):
    from symnn.check.documents.annotate import annotate
    from tests.tools import compile_latex, katex_errors

    copy = annotate(seed)
    assert copy.count(r"\checkmark") == 41
    assert copy.count(r"\boldsymbol{\times}") == 7
    mark = r"=0.53\;\approx\text{ (rounding: exact 0.537430, rounds to 0.54)}$$"
    assert copy.splitlines()[164].endswith(mark)
    marked = [
        b.text for b in markdown.blocks(copy)[0] if r"\checkmark" in b.text or r"\times" in b.text
    ]
    assert len(marked) == 42
    assert katex_errors(marked) == [None] * len(marked)
    # blank lines inside $$ are fine in Markdown, a paragraph break in LaTeX: closed up
    marked = [re.sub(r"\n\s*\n", "\n", m) for m in marked]
    body = "\n".join(m if m.startswith(r"\begin{equation") else f"\\[ {m} \\]" for m in marked)
    compile_latex(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
        + body + "\n\\end{document}\n",
        tmp_path,
    )


def test_annotate_writes_a_copy(tmp_path, capsys):
    path = document(tmp_path, "$$E = 0.38$$ and $out \\ x_1^2 = 0.9$\n")
    out = tmp_path / "annotated.md"
    status = main(["check", str(path), "--spec", str(tmp_path / "net.toml"), "--annotate",
                   str(out)])
    capsys.readouterr()
    assert status == 1
    assert out.read_text(encoding="utf-8") == (
        "$$E = 0.38\\;\\checkmark$$ and "
        "$out \\ x_1^2 = 0.9\\;\\boldsymbol{\\times}\\text{ (exact 0.537430; other-quantity)}$\n"
    )
    assert path.read_text(encoding="utf-8") == "$$E = 0.38$$ and $out \\ x_1^2 = 0.9$\n"


# ---------------------------------------------------------------------------- general formulas


def formulas(result):
    return {f.line: (f.verdict, f.causes) for f in result.formulas}


def test_seed_general_formulas_and_their_index_slips(seed):
    found = formulas(seed)
    correct = [39, 49, 59, 103, 105, 107, 111, 191, 221, 225, 229, 233, 237, 251, 279, 283,
               287, 291, 295, 341, 351, 355, 369]
    assert [line for line, (verdict, _) in found.items() if verdict == "correct"] == correct
    assert {line: v for line, v in found.items() if v[0] == "wrong"} == {
        137: ("wrong", ["layer-index"]),
        197: ("wrong", ["transpose"]),
        327: ("wrong", ["layer-index", "index"]),
        331: ("wrong", ["index"]),
        335: ("wrong", ["layer-index"]),
    }
    assert len(found) == 29
    assert found[347] == ("not-about-this-network", [])
    by_line = {f.line: f for f in seed.formulas}
    assert by_line[331].corrected == [
        r"\left(\sum {w_{ji}^l \delta _{i}^{l+1}}\right) \phi´(net x_j^l)"
    ]
    assert by_line[335].corrected == [
        r"\frac{\partial E}{\partial net \ x^{l+1}_{j}}\frac{\partial net \ x^{l+1}_{j}}"
        r"{\partial w_{ij}^l}",
        r"\delta _j^{l+1} x_i^{l}",
    ]
    assert by_line[335].note.startswith("side 2 (")
    assert "is wrong for i=1..2, j=1..2, l=2: layer-index; it should read" in by_line[335].note
    assert by_line[105].note == "holds for j=1..2, l=1..2"
    # the matrix forms: the seed's own W_l read, a side it cannot read named with the entry
    assert by_line[49].note == "defines W_l; holds for l=1..2"
    assert by_line[137].corrected[0] == r"\phi (net \ X_{l+1})"
    assert by_line[251].note.startswith("holds for this network; side 3 (")
    assert by_line[251].note.endswith(
        r"not read: \frac{\partial net \ x^{2}_{1}}{\partial w^{2}_{.… names no quantity "
        "of this network"
    )


SLIPS = r"""
$$net \ x_j^{l+1}=\sum_i x_i^l w_{ji}^l + b_j^{l+1}$$

$$\delta_j^L = \frac{2(d_j-x_j^L)}{n}\phi'(net \ x_j^L)$$

$$\delta_j^L = \frac{-2(d_j-x_j^L)}{n} out \ x_j^L$$

$$\delta_j^{5} = \frac{\partial E}{\partial net \ x_j^{5}}$$

$$\frac{\partial E}{\partial w_{ij}^l} = \delta_j^{l+1} out \ x_i^l$$
"""


def test_general_formula_slips(tmp_path):
    path = document(tmp_path, SLIPS)
    result = documents.check(path, tmp_path / "net.toml")
    assert formulas(result) == {
        2: ("wrong", ["index-swap"]),
        4: ("wrong", ["sign"]),
        6: ("wrong", []),
        8: ("not-about-this-network", []),
        10: ("correct", []),
    }
    assert result.formulas[0].corrected == [r"\sum_i x_i^l w_{ij}^l + b_j^{l+1}"]
    assert result.formulas[2].note == (
        r"side 2 (\frac{-2(d_j-x_j^L)}{n} out \ x_j^L) is wrong for j=1..2"
    )
