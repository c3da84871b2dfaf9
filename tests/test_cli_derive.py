"""``symnn derive`` (table and JSON) and ``symnn demo`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from symnn import examples

WORKED = str(examples.path(examples.WORKED_EXAMPLE))


def symnn(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symnn", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def expected_ids() -> set[str]:
    """Every id the issue names, for the 2-2-2 worked example."""
    ids = {"E", "E'", "d[1]", "d[2]", "out[1,1]", "out[1,2]", "dE/dx[1]", "dE/dx[2]"}
    for layer in (2, 3):
        for j in (1, 2):
            ids |= {f"net[{layer},{j}]", f"out[{layer},{j}]", f"delta[{layer},{j}]",
                    f"dE/dout[{layer},{j}]", f"b[{layer},{j}]", f"dE/db[{layer},{j}]",
                    f"b[{layer},{j}]'"}
            for k in (1, 2):
                ids |= {f"w[{layer},{j},{k}]", f"dE/dw[{layer},{j},{k}]", f"w[{layer},{j},{k}]'"}
    return ids


def test_json_has_every_id_with_values():
    result = symnn("derive", WORKED, "--json")
    assert result.returncode == 0, result.stderr
    quantities = json.loads(result.stdout)["quantities"]
    assert set(quantities) == expected_ids()
    assert quantities["net[2,1]"]["value"] == 0.15
    assert quantities["net[2,1]"]["exact"] == "3/20"
    assert quantities["dE/dw[3,1,1]"]["expression"] == "delta[3,1]*out[2,1]"
    assert quantities["dE/dw[3,1,1]"]["latex"] == (
        r"\frac{\partial E}{\partial w_{11}^{2}} = \delta_{1}^{3} \, \mathrm{out}\,x_{1}^{2}"
    )
    assert quantities["E"]["digits"].startswith("0.383788844933960712701058947")
    assert abs(quantities["E'"]["value"] - 0.35022316575557369) < 1e-15


def test_json_gives_the_leibniz_chains():
    quantities = json.loads(symnn("derive", WORKED, "--json").stdout)["quantities"]
    assert quantities["dE/dw[2,1,1]"]["chain"] == [[
        {"of": "E", "wrt": "out[2,1]", "id": "dE/dout[2,1]"},
        {"of": "out[2,1]", "wrt": "net[2,1]", "expression": "out[2,1]*(1 - out[2,1])"},
        {"of": "net[2,1]", "wrt": "w[2,1,1]", "id": "out[1,1]"},
    ]]
    assert quantities["dE/dout[2,1]"]["expression"] == "delta[3,1]*w[3,1,1] + delta[3,2]*w[3,2,1]"
    assert quantities["delta[3,2]"]["chain"] == [[
        {"of": "E", "wrt": "out[3,2]", "id": "dE/dout[3,2]"},
        {"of": "out[3,2]", "wrt": "net[3,2]", "expression": "out[3,2]*(1 - out[3,2])"},
    ]]
    assert quantities["dE/dout[3,2]"]["expression"] == "out[3,2] - d[2]"
    assert len(quantities["dE/dx[1]"]["chain"]) == 2  # through both hidden neurons
    assert "chain" not in quantities["net[2,1]"]


def test_jsonl_is_one_object_per_line_and_excludes_json():
    result = symnn("derive", WORKED, "--jsonl")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["id"] for line in lines} == expected_ids()
    assert lines[0] == {"id": "out[1,1]", "value": 0.5, "latex": "x_{1}^{1}",
                        "expression": "out[1,1]", "digits": "1/2", "exact": "1/2"}
    both = symnn("derive", WORKED, "--json", "--jsonl")
    assert both.returncode == 2 and both.stdout == ""
    assert "not allowed with argument" in both.stderr


def test_json_without_values_has_null_values(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('[network]\nlayers = [2, 3, 1]\nactivation = "relu"\nloss = "output"\n')
    quantities = json.loads(symnn("derive", str(path), "--json").stdout)["quantities"]
    assert quantities["dE/dw[2,3,2]"]["value"] is None
    assert "d[1]" not in quantities
    assert quantities["delta[3,1]"]["expression"] == (
        "dE/dout[3,1]*Piecewise((1, net[3,1] > 0), (0, True))"
    )


def test_expand_gives_the_substituted_expression():
    quantities = json.loads(symnn("derive", WORKED, "--json", "--expand").stdout)["quantities"]
    assert quantities["net[2,1]"]["expanded"] == "out[1,1]*w[2,1,1] + out[1,2]*w[2,1,2] + b[2,1]"
    assert "exp(" in quantities["dE/dw[2,1,1]"]["expanded"]


def test_table_lists_quantity_formula_value():
    result = symnn("derive", WORKED)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["quantity", "formula", "value"]
    row = next(line for line in lines if line.startswith("dE/dw[3,1,1]"))
    assert row.split() == ["dE/dw[3,1,1]", "delta[3,1]*out[2,1]", "0.07954508385"]


def test_no_arguments_runs_the_demo(tmp_path):
    result = symnn(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "symnn derive: the seeds' worked example" in result.stdout
    assert (tmp_path / "symnn-demo").is_dir()
