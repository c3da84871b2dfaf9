"""``symnn check`` as a command: exit statuses, bad worksheets, the grading key, JSON."""

import json
import subprocess
import sys

import pytest

from symnn.cli import main
from tests.specs import WORKED_EXAMPLE_NET

NET = WORKED_EXAMPLE_NET


def sheet(tmp_path, claims: str = "", base: str = NET):
    path = tmp_path / "sheet.toml"
    path.write_text(base + ("\n[claims]\n" + claims if claims else ""), encoding="utf-8")
    return path


def check(tmp_path, capsys, claims: str, *options: str):
    status = main(["check", str(sheet(tmp_path, claims)), *options])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ---------------------------------------------------------------------------- exit status


def test_all_correct_exits_0(tmp_path, capsys):
    status, out, _ = check(tmp_path, capsys, "'out[2,1]' = 0.54\n'E' = 0.384\n")
    assert status == 0
    assert out.splitlines()[-1] == "2 correct"


def test_correct_given_carried_exits_0(tmp_path, capsys):
    status, out, _ = check(tmp_path, capsys, "'out[2,1]' = 0.5\n'net[3,1]' = 0.712\n")
    assert status == 0
    assert out.splitlines()[-1] == "1 correct, 1 correct given the values carried"


def test_a_rounding_slip_exits_1(tmp_path, capsys):
    status, out, _ = check(tmp_path, capsys, "'out[2,1]' = 0.53\n")
    assert status == 1
    assert out.splitlines()[-1] == "1 rounding slip"


def test_a_wrong_claim_exits_1(tmp_path, capsys):
    status, out, _ = check(tmp_path, capsys, "'out[2,1]' = 0.54\n'E' = 0.8\n")
    assert status == 1
    assert out.splitlines()[-1] == "1 correct, 1 wrong"


# ---------------------------------------------------------------------------- bad input

BAD = [
    (
        "'out[2,1]' = \"about 0.5\"\n",
        "claims.\"out[2,1]\": expected a number as written (0.53, \"0.53\", or "
        "{ value = 0.53, formula = '...' }), got 'about 0.5'",
    ),
    ("'out[2,1]' = true\n", "claims.\"out[2,1]\": expected a number as written"),
    ("'out[2,1]' = [0.5]\n", "claims.\"out[2,1]\": expected a number as written"),
    ("'out[2,1]' = nan\n", "claims.\"out[2,1]\": expected a number as written"),
    ("'out[2,1]' = inf\n", "claims.\"out[2,1]\": expected a number as written"),
    (
        "'out[2,1]' = { value = \"x\" }\n",
        "claims.\"out[2,1]\".value: expected a number as written",
    ),
    (
        "'out[2,1]' = { formula = '1/2' }\n",
        "claims.\"out[2,1]\".value: missing (the number claimed)",
    ),
    (
        "'out[2,1]' = { value = 0.5, note = 'x' }\n",
        "claims.\"out[2,1]\".note: unknown key; expected one of value, formula",
    ),
    (
        "'out[2,1]' = { value = 0.5, formula = 3 }\n",
        "claims.\"out[2,1]\".formula: expected LaTeX text, got 3",
    ),
    (
        "'out[2,1]' = { value = 0.54, formula = '\\frac{1}{1+e^{-0.15}' }\n",
        "claims.\"out[2,1]\".formula: unexpected end of formula at column 21",
    ),
    (
        "'out[2,1]' = { value = 0.54, formula = '1/(1+e^{-0.15} * )' }\n",
        "claims.\"out[2,1]\".formula: unexpected ')' at column 18",
    ),
    (
        "'out[2,1]' = { value = 0.54, formula = '__import__(\"os\").system(\"true\")' }\n",
        "claims.\"out[2,1]\".formula: unexpected '_' at column 1",
    ),
]


@pytest.mark.parametrize(("claims", "message"), BAD)
def test_bad_worksheet_exits_2_with_one_line(tmp_path, capsys, claims, message):
    status, out, err = check(tmp_path, capsys, claims)
    assert status == 2
    assert out == ""
    assert err.startswith(f"symnn: error: {message}")
    assert err.count("\n") == 1


HOSTILE = [
    (
        "'" + "x" * 1_000_000 + "' = 0.5\n",
        "a string of 1000002 characters (at most 100000) (line 15)",
    ),
    ("'" + "x" * 90_000 + "' = 0.5\n", "a name of 90000 characters (at most 500)"),
    ("'" + "(" * 10_000 + "1" + ")" * 10_000 + "' = 0.5\n", "a name of 20001 characters"),
    (
        "'out[2,1]' = { value = 0.5, formula = '" + "1+" * 45_000 + "1' }\n",
        "claims.\"out[2,1]\".formula: too long: 90001 characters (at most 2000)",
    ),
    (
        "'out[2,1]' = { value = 0.5, formula = '" + "(" * 10_000 + "1" + ")" * 10_000 + "' }\n",
        "claims.\"out[2,1]\".formula: too long: 20001 characters (at most 2000)",
    ),
    (
        "'out[2,1]' = { value = 0.5, formula = '" + "(" * 900 + "1" + ")" * 900 + "' }\n",
        "claims.\"out[2,1]\".formula: nested too deeply (more than 100 levels) at column 101",
    ),
    (
        "'out[2,1]' = { value = 0.5, formula = '().__class__.__bases__[0]' }\n",
        "claims.\"out[2,1]\".formula: unexpected ')' at column 2",
    ),
]


@pytest.mark.parametrize(("claims", "message"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_worksheet_is_refused_in_one_short_line(tmp_path, capsys, claims, message):
    status, out, err = check(tmp_path, capsys, claims)
    assert status == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and len(err) < 400


def test_worksheet_without_values(tmp_path, capsys):
    base = NET.split("[values]")[0]
    status = main(["check", str(sheet(tmp_path, "'E' = 0.38\n", base))])
    assert status == 2
    assert capsys.readouterr().err == (
        "symnn: error: values: a worksheet needs a [values] table (inputs, targets, weights)\n"
    )


@pytest.mark.parametrize("name", ["w[3,1,1]'", "E'", "{w_{11}^2}'"])
def test_updated_values_need_a_learning_rate(tmp_path, capsys, name):
    base = NET.replace("learning_rate = 0.5\n", "")
    quoted = f'"{name}"' if "'" in name else f"'{name}'"
    assert main(["check", str(sheet(tmp_path, f"{quoted} = 0.86\n", base))]) == 2
    assert capsys.readouterr().err.endswith(
        ": a value after the update step needs values.learning_rate in the worksheet\n"
    )


def test_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nothing.toml")]) == 2
    assert capsys.readouterr().err.endswith("nothing.toml: no such file\n")


def test_an_unreadable_name_gets_its_own_line_and_the_others_are_judged(tmp_path, capsys):
    status, out, err = check(tmp_path, capsys, "'net[9,1]' = 0.1\n'out[2,1]' = 0.54\n")
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[3].split() == ["net[9,1]", "0.1", "unreadable", "name"]
    assert lines[4].strip() == (
        "unknown quantity 'net[9,1]' (net[9,1]: layer 9, expected 2 to 3); closest: "
        "net[2,1] (net x₁²),"
    )
    assert lines[6].split()[-1] == "correct"
    assert lines[-1] == "1 correct, 1 unreadable name"


def test_bad_input_from_a_real_process(tmp_path):
    path = sheet(tmp_path, "'w_{11}^2' = \"about 0.5\"\n")
    proc = subprocess.run(
        [sys.executable, "-m", "symnn", "check", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("symnn: error: claims.\"w_{11}^2\": expected a number")
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


# ---------------------------------------------------------------------------- grading key


def test_blank_worksheet_prints_the_grading_key(tmp_path, capsys):
    status, out, _ = check(tmp_path, capsys, "")
    assert status == 0
    lines = out.splitlines()
    assert lines[2] == "[claims]"
    assert "'out[2,1]'            = 0.537429845344  # out x₁²" in lines
    assert "'dE/dw[3,1,1]'        = 0.0795450838493  # ∂E/∂w₁₁²" in lines
    assert "\"w[3,1,1]'\"           = 0.860227458075  # w'²₁₁" in lines
    assert "'dout[3,1]/dnet[3,1]' = 0.218193061827  # ∂out x₁³/∂net x₁³" in lines
    assert len([line for line in lines if " = " in line]) == 148


def test_the_grading_key_checks_as_all_correct(tmp_path, capsys):
    _, key, _ = check(tmp_path, capsys, "")
    path = tmp_path / "graded.toml"
    path.write_text(NET + key, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "148 correct"


def test_grading_key_as_json_and_markdown(tmp_path, capsys):
    status, out, _ = check(tmp_path, capsys, "", "--format", "json")
    document = json.loads(out)
    assert status == 0 and document["claims"] == []
    entry = {e["id"]: e for e in document["key"]}["net[3,2]"]
    assert entry == {
        "id": "net[3,2]",
        "name": "net x₂³",
        "latex": r"\mathrm{net}\,x_{2}^{3}",
        "exact": "-0.21870713549694268878",
        "exact_float": -0.21870713549694268,
    }
    _, markdown, _ = check(tmp_path, capsys, "", "--format", "markdown")
    assert r"| $\mathrm{net}\,x_{2}^{3}$ | `net[3,2]` | -0.218707135497 |" in markdown


# ---------------------------------------------------------------------------- JSON


def test_json_report_fields(tmp_path, capsys):
    claims = (
        "'out[2,1]' = 0.5\n'net[3,1]' = 0.712\n'out x_1^2' = 0.53\n"
        "'dE/db[3,2]' = { value = 0.111, formula = '(0.45-0)(0.45)(1-0.45)' }\n"
    )
    status, out, _ = check(tmp_path, capsys, claims, "--format", "json")
    assert status == 1
    document = json.loads(out)
    assert document["summary"] == {
        "correct": 1, "correct-with-carried": 1, "rounding-slip": 1, "wrong": 1, "unreadable": 0
    }
    assert document["exit_status"] == 1
    carried, slip, wrong = document["claims"][1:]
    assert carried["verdict"] == "correct-with-carried"
    assert carried["carried"] == "0.71248959373946999305"
    assert carried["carried_from"] == [{"id": "out[2,1]", "name": "out x₁²"}]
    assert (slip["key"], slip["id"], slip["read_as"]) == ("out x_1^2", "out[2,1]", "notation")
    assert (slip["claimed"], slip["verdict"]) == ("0.53", "rounding-slip")
    assert wrong["verdict"] == "wrong" and wrong["cause"] == "formula"
    assert wrong["formula"] == {
        "text": "(0.45-0)(0.45)(1-0.45)",
        "value": "0.111375",
        "matches_network": False,
        "mismatch": "it uses d₂ = 0 where the target is 1",
        "arithmetic": "right",
    }


def test_claimed_digits_are_kept_in_the_report(tmp_path, capsys):
    claims = "'net[3,2]' = -0.220\n'net[3,1]' = \"0.7462\"\n"
    _, out, _ = check(tmp_path, capsys, claims, "--format", "json")
    claims = json.loads(out)["claims"]
    assert [c["claimed"] for c in claims] == ["-0.220", "0.7462"]
    assert [c["verdict"] for c in claims] == ["rounding-slip", "correct"]


def test_a_suffix_that_does_not_apply_to_a_name_says_why(tmp_path, capsys):
    """A flat name with a sample or step suffix that names nothing here carries the
    reason of the id it reads as, in the report line and the JSON note."""
    base = NET + '\n[names]\nE_total = "E"\no1 = "out[3,1]"\nw5 = "w[3,1,1]\'"\n'
    claims = "'E_total#2' = 0.1\n'o1#1@2' = 0.5\n'w5@2' = 0.1\n'E_total' = 0.384\n"
    path = sheet(tmp_path, claims, base)
    assert main(["check", str(path), "--format", "json"]) == 1
    notes = {c["key"]: c["note"] for c in json.loads(capsys.readouterr().out)["claims"]}
    assert notes["E_total#2"].startswith(
        "unknown quantity 'E_total#2' (read as E#2: sample 2, expected no sample: "
        "[values] holds one sample); closest: ")
    assert notes["o1#1@2"].startswith(
        "unknown quantity 'o1#1@2' (read as out[3,1]#1@2: sample 1, expected no sample: "
        "[values] holds one sample); closest: ")
    assert notes["w5@2"].startswith(
        "unknown quantity 'w5@2' (w5 is w[3,1,1]', which takes no further sample or "
        "step suffix); closest: ")
    assert main(["check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("E_total#2 ")))
    assert lines[at].split()[-2:] == ["unreadable", "name"]
    note = " ".join(line.strip() for line in lines[at + 1: at + 3])
    assert note.startswith("unknown quantity 'E_total#2' (read as E#2: sample 2, expected "
                           "no sample: [values] holds one sample); closest: ")
