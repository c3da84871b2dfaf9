"""The examples in docs/check.md do what the page says."""

import json
import re
from pathlib import Path

from symnn.cli import main

DOC = (Path(__file__).resolve().parent.parent / "docs" / "check.md").read_text(encoding="utf-8")


def test_the_worksheet_example_checks_as_described(tmp_path, capsys):
    (toml,) = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    path = tmp_path / "sheet.toml"
    path.write_text(toml, encoding="utf-8")
    assert main(["check", str(path), "--format", "json"]) == 1
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert [(c["id"], c["verdict"]) for c in claims] == [
        ("net[2,1]", "correct"),
        ("out[2,1]", "rounding-slip"),
        ("dE/dw[3,1,1]", "correct-with-carried"),
        ("dE/db[3,2]", "wrong"),
        ("w[3,1,1]'", "correct"),
        ("E'", "correct"),
    ]
    assert claims[3]["formula"]["mismatch"] == "it uses d₂ = 0 where the target is 1"


def test_the_error_examples_are_real(tmp_path, capsys):
    (toml,) = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    network = toml.split("[claims]")[0]
    documented = [line for line in DOC.splitlines() if line.startswith("symnn: error:")]
    assert len(documented) == 1
    bad_claims = [
        "'out x_1^2' = { value = 0.54, formula = '\\frac{1}{1+e^{-0.15}' }\n",
    ]
    for claims, line in zip(bad_claims, documented, strict=True):
        path = tmp_path / "bad.toml"
        path.write_text(network + "[claims]\n" + claims, encoding="utf-8")
        assert main(["check", str(path)]) == 2
        error = capsys.readouterr().err.rstrip("\n")
        if line.endswith("..."):  # the page cuts the list of suggestions short
            assert error.startswith(line[:-3])
        else:
            assert error == line


def test_the_unreadable_name_example_is_real(tmp_path, capsys):
    (toml,) = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    network = toml.split("[claims]")[0]
    start = DOC.index("net x_3^2      0.1")
    documented = DOC[start : DOC.index("```", start)].splitlines()
    path = tmp_path / "bad.toml"
    path.write_text(network + "[claims]\n'net x_3^2' = 0.1\n", encoding="utf-8")
    assert main(["check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == documented[0]
    assert lines[4].startswith(documented[1].removesuffix("..."))


SLIP_ROWS = re.findall(
    r"^\| (?:`([a-z0-9/+-]+)`|two causes joined with `\+`) \|.*\| `([^`]+)` = (-?[0-9.]+)"
    r"(?:[^|]*`([a-z0-9/+-]+)`)?",
    DOC,
    re.M,
)


def test_every_example_of_the_slip_table_is_named_as_its_cause(tmp_path, capsys):
    (toml,) = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    network = toml.split("[claims]")[0]
    assert len(SLIP_ROWS) == 15
    for cause, quantity, value, joined in SLIP_ROWS:
        path = tmp_path / "slip.toml"
        path.write_text(network + f'[claims]\n"{quantity}" = "{value}"\n', encoding="utf-8")
        assert main(["check", str(path), "--format", "json"]) == 1
        (claim,) = json.loads(capsys.readouterr().out)["claims"]
        assert claim["verdict"] == "wrong"
        assert (cause or joined) in claim["causes"], (cause, joined, claim["note"])
