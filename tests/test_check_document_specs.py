"""Where a document's spec and names come from: a symnn: key in its front matter (a spec
file, or the spec itself), and [names] of its own in a ```toml block.

Source: tests/documents/mazur-2015.md (Matt Mazur, "A Step by Step Backpropagation
Example", 2015), checked once with tests/corpus/mazur-2015.toml and once with the same
spec without its [names], the post's names given by the post itself.
"""

import json
from pathlib import Path

import pytest

from symnn.check.documents import check as documents
from symnn.cli import main

HERE = Path(__file__).resolve().parent
MAZUR = HERE / "documents" / "mazur-2015.md"
MAZUR_SPEC = HERE / "corpus" / "mazur-2015.toml"


def split_spec() -> tuple[str, str]:
    """Mazur's spec without its [names] table, and the table."""
    text = MAZUR_SPEC.read_text(encoding="utf-8")
    start = text.index("[names]")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    return text[:start] + text[end:], text[start:end]


def rows(result):
    return [(j.located.line, j.verdict.claim.id, j.verdict.verdict) for j in result.judged]


def test_front_matter_names_the_spec_and_a_toml_block_the_names(tmp_path):
    bare, names = split_spec()
    (tmp_path / "bare.toml").write_text(bare, encoding="utf-8")
    post = MAZUR.read_text(encoding="utf-8")
    header = f"---\ntitle: Mazur\nsymnn: bare.toml\n---\n```toml\n{names}```\n"
    (tmp_path / "post.md").write_text(header + post, encoding="utf-8")
    shift = header.count("\n")
    expected = [(line + shift, qid, verdict)
                for line, qid, verdict in rows(documents.check(MAZUR, MAZUR_SPEC))]
    result = documents.check(tmp_path / "post.md", None)
    assert rows(result) == expected
    assert len(expected) == 20
    assert result.checkers_named() == ["bare.toml"]


def test_front_matter_holding_the_spec_and_names(tmp_path, capsys):
    text = """---
symnn:
  network: {layers: [2, 2, 2], activation: sigmoid, loss: half-sse, bias: per-layer}
  values:
    inputs: [0.05, 0.10]
    targets: [0.01, 0.99]
    weights: [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
    biases: [0.35, 0.60]
  names: {out_h1: "out[2,1]", out_o1: "out[3,1]"}
---
$$out_{h1} = 0.593269992 \\quad out_{o1} = 0.25$$
"""
    (tmp_path / "post.md").write_text(text, encoding="utf-8")
    assert main(["check", str(tmp_path / "post.md"), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(c["line"], c["id"], c["verdict"], c["spec"]) for c in report["claims"]] == [
        (11, "out[2,1]", "correct", "post.md (front matter)"),
        (11, "out[3,1]", "wrong", "post.md (front matter)"),
    ]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("symnn: [1, 2]", "front matter: symnn: expected a spec file or a table, got list"),
        ("symnn:\n  network: {layers: [2, 2], activation: nope, loss: mse}\n  values: {}",
         "front matter: symnn: network.activation: "),
        ("symnn:\n  spec: net.toml\n  names: {w1: 'w[9,9,9]'}",
         "names.w1: expected a canonical id of this network"),
        ("symnn: missing.toml", "missing.toml"),
    ],
)
def test_bad_front_matter(tmp_path, capsys, front, message):
    bare, _ = split_spec()
    (tmp_path / "net.toml").write_text(bare, encoding="utf-8")
    (tmp_path / "post.md").write_text(f"---\n{front}\n---\n$$E = 1$$\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "post.md")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("symnn: error: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1


def test_a_front_matter_without_symnn_is_not_read(tmp_path, capsys):
    (tmp_path / "post.md").write_text("---\ntitle: [unclosed\n---\n$$E = 1$$\n",
                                      encoding="utf-8")
    assert main(["check", str(tmp_path / "post.md")]) == 2
    assert "a symnn: key in its front matter" in capsys.readouterr().err


def test_a_missing_spec_named_by_the_front_matter_says_where_it_was_named(tmp_path, capsys):
    post = "---\nsymnn: missing.toml\n---\n$$E = 1$$\n"
    (tmp_path / "post.md").write_text(post, encoding="utf-8")
    assert main(["check", str(tmp_path / "post.md")]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"symnn: error: front matter: symnn: {tmp_path / 'missing.toml'}: no such file\n"
    )
