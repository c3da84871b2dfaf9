"""Benchmark: every row of issue 11's table, with the naive ``sympy.diff`` ratio.

    python bench/derive.py            # every row
    python bench/derive.py --quick    # skip 784-64-64-10 and 784-256-256-10 derive
    python bench/derive.py --suite    # also the test suite's row (4-6 minutes more)

Every measurement runs in a fresh interpreter (``python -m symnn …`` for the command
line, ``python -c`` for the library), so its time and peak memory are its own: the time
is the wall clock and the CPU time (user + system) of the child, the peak memory its
``ru_maxrss``; for library rows, minus the process's size after importing symnn. The
machine is shared, so the CPU time is the fair number; the verdicts use it, and the load
average is printed with the table.

Library rows, per size: ``derive()`` (the layer objects; entries are built when read),
then every definition, error signal, gradient and Leibniz chain built (what a command
that lists everything pays). The reference in the same run is the naive way: expand the
whole loss and call ``sympy.diff`` once per parameter, where that finishes; the ratio
says how much faster the chain-rule derivation with every entry built is there.

Command rows: start-up (``--help``, ``derive`` of 2-2-2), ``derive`` of 784-20-20-10 as
JSON and as the table (their target is CPU time beyond the start-up of ``derive``
2-2-2), ``codegen`` of 784-256-256-10, ``derive`` of 784-256-256-10 (table and JSON;
with ``[values]`` it must be refused in one line before any work), and with ``--suite``
the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile.size import zero_values  # noqa: E402  (the hostile size case's)

SIZES = [[2, 2, 2], [4, 4, 2], [8, 8, 3], [16, 16, 4], [64, 32, 10], [784, 20, 20, 10],
         [784, 64, 64, 10]]
NAIVE_SIZES = [[2, 2, 2], [4, 4, 2], [8, 8, 3]]
CLI_TIMEOUT = 300  # seconds; a command still running then is reported as not finished

CHILD = r"""
import json, resource, sys, time
import sympy
from symnn import spec
from symnn.derive import derive
from symnn.naming import symbol
layers, naive = json.loads(sys.argv[1]), sys.argv[2] == "naive"
network_spec = spec.from_dict({"network": {"layers": layers, "activation": "sigmoid",
                                           "loss": "mse"}})
warm = derive(spec.from_dict({"network": {"layers": [2, 2], "activation": "sigmoid",
                                          "loss": "mse"}}))
list(warm.definitions.values())  # warm SymPy's caches of φ'
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
clock = lambda: (time.perf_counter(), time.process_time())
start = clock()
derivation = derive(network_spec)
derived = clock()
if naive:
    loss = derivation.expand("E")
    grads = [sympy.diff(loss, symbol(p)) for p in derivation.network.parameter_ids()]
else:
    list(derivation.definitions.values())
    for quantity in [*derivation.error_signals, *derivation.gradients]:
        derivation.chains(quantity)
done = clock()
peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps({"derive": derived[0] - start[0], "derive_cpu": derived[1] - start[1],
                  "all": done[0] - start[0], "all_cpu": done[1] - start[1],
                  "peak_mb": peak, "parameters": network_spec.parameter_count,
                  "definitions": len(derivation.definitions)}))
"""

SPEC_784_256 = """[network]
layers = [784, 256, 256, 10]
activation = "sigmoid"
loss = "mse"
"""


def child_env() -> dict:
    """The environment of a child: this checkout first on the path."""
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def measure(layers: list[int], naive: bool = False) -> dict:
    """Run one library measurement in a fresh interpreter and return it."""
    mode = "naive" if naive else "chain"
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(layers), mode],
                         capture_output=True, text=True, check=True, env=child_env())
    return json.loads(out.stdout)


def run_command(args: list[str]) -> dict:
    """Run ``python -m symnn ARGS``; wall and CPU seconds, peak MB, output bytes, status."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "symnn", *args], stdout=out,
                                 stderr=subprocess.PIPE, env=child_env(), cwd=ROOT)
        deadline = start + CLI_TIMEOUT
        while (status := os.wait4(child.pid, os.WNOHANG))[0] == 0:
            if time.perf_counter() > deadline:
                child.kill()
                status = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        _, code, usage = status
        size = out.seek(0, 2)
    stderr = child.stderr.read().decode().strip().splitlines()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "bytes": size,
            "status": os.waitstatus_to_exitcode(code), "timeout": wall > CLI_TIMEOUT,
            "stderr": stderr[-1] if stderr else ""}


def library_table(quick: bool) -> list[tuple]:
    """Print the per-size table of the library; return the 784-20-20-10 verdict row."""
    sizes = SIZES[:-1] if quick else SIZES
    print(f"{'layers':<16}{'params':>8}{'derive() s':>11}{'cpu':>7}{'all s':>9}{'cpu':>7}"
          f"{'peak MB':>9}{'naive s':>9}{'naive/all':>11}")
    rows = []
    for layers in sizes:
        chain = measure(layers)
        naive_text, ratio_text = "", ""
        if layers in NAIVE_SIZES:
            naive = measure(layers, naive=True)
            naive_text = f"{naive['all']:.2f}"
            ratio_text = f"{naive['all_cpu'] / chain['all_cpu']:.0f}x"
        name = "-".join(map(str, layers))
        print(f"{name:<16}{chain['parameters']:>8}{chain['derive']:>11.3f}"
              f"{chain['derive_cpu']:>7.3f}{chain['all']:>9.2f}{chain['all_cpu']:>7.2f}"
              f"{chain['peak_mb']:>9.1f}{naive_text:>9}{ratio_text:>11}", flush=True)
        if layers == [784, 20, 20, 10]:
            rows.append(("derive() alone, 784-20-20-10 [a]", chain["derive"],
                         chain["derive_cpu"], chain["peak_mb"], 0.5, None, "", 0.0, False))
    return rows


def command_rows(quick: bool, directory: Path) -> list[tuple]:
    """Run each command-line row of the issue's table.

    A row is (what, wall, cpu, peak MB, target seconds, target MB, note, start-up cpu,
    on wall): the start-up CPU is subtracted before comparing with the target ("beyond
    start-up"), or 0; ``on wall`` compares the wall time instead (the test suite's).
    """
    big = directory / "784-256-256-10.toml"
    big.write_text(SPEC_784_256)
    valued = directory / "784-256-256-10-values.toml"
    valued.write_text(SPEC_784_256 + zero_values([784, 256, 256, 10]))
    mnist = "examples/mnist-784-20-20-10.toml"
    worked = "examples/worked-example-001.toml"
    commands = [
        ("symnn --help", ["--help"], 0.6, None, None),
        ("symnn derive, 2-2-2 (worked example)", ["derive", worked], 1.5, None, None),
        ("symnn derive --json, 784-20-20-10", ["derive", mnist, "--json"], 3.0, 400, "2-2-2"),
        ("symnn derive (table), 784-20-20-10", ["derive", mnist], 3.0, None, "2-2-2"),
        ("symnn codegen, 784-256-256-10", ["codegen", str(big)], 5.0, None, None),
    ]
    if not quick:
        commands += [
            ("symnn derive, 784-256-256-10", ["derive", str(big)], 30.0, 2048, None),
            ("symnn derive --json, 784-256-256-10", ["derive", str(big), "--json"], 30.0,
             2048, None),
            ("symnn derive, 784-256-256-10 [values]", ["derive", str(valued)], 30.0, 2048,
             None),
        ]
    rows, startup = [], 0.0
    for what, args, seconds, megabytes, baseline in commands:
        result = run_command(args)
        note = f"{result['bytes'] / 1e6:.1f} MB out" if result["bytes"] > 1e5 else ""
        if result["timeout"]:
            note = f"did not finish in {CLI_TIMEOUT} s"
        elif result["status"] == 2 and result["stderr"].startswith("symnn: error:"):
            note = f"refused: {result['stderr']}"
        elif result["status"] != 0:
            note = f"exit {result['status']}: {result['stderr']}"
        if args[:2] == ["derive", worked]:
            startup = result["cpu"]
        rows.append((what, result["wall"], result["cpu"], result["peak_mb"], seconds,
                     megabytes, note, startup if baseline else 0.0, False))
    return rows


def suite_row() -> tuple:
    """The test suite on this checkout, as CI runs it (``pytest`` with 2 workers)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x"], cwd=ROOT,
                          env=child_env(), capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - start
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    note = last if done.returncode == 0 else f"FAILED: {last}"
    return ("test suite, 2 workers [b]", wall, cpu, after.ru_maxrss / 1024, 180.0, None, note,
            0.0, True)


def print_targets(rows: list[tuple], suite: bool) -> None:
    """The issue's table: measured, target and verdict (on CPU time and peak memory).

    A refusal of one line (exit 2) meets a target that allows refusing; "beyond" is the
    CPU time minus the start-up of ``symnn derive`` of 2-2-2 where the target says so.
    """
    print(f"\n{'what':<42}{'wall s':>8}{'cpu s':>8}{'beyond':>8}{'peak MB':>9}  "
          f"{'target':<30}verdict")
    for what, wall, cpu, peak, seconds, megabytes, note, startup, on_wall in rows:
        target = ("<= " if not startup else "<= start-up + ") + f"{seconds} s" + (
            f", {megabytes} MB" if megabytes else "")
        beyond = (wall if on_wall else cpu) - startup
        refused = note.startswith("refused")
        met = refused or (beyond <= seconds and (megabytes is None or peak <= megabytes)
                          and (not note or note.endswith("out") or note.startswith("1")))
        shown = f"{beyond:>8.2f}" if startup else f"{'':>8}"
        print(f"{what:<42}{wall:>8.2f}{cpu:>8.2f}{shown}{peak:>9.0f}  {target:<30}"
              f"{'met' if met else 'NOT met'}{'  (' + note + ')' if note else ''}",
              flush=True)
    print("[a] peak MB with every entry built; derive() itself builds the layer objects only")
    print("[b] the verdict is on the wall time of the whole suite (its target is wall time "
          "on 2 cores); " + ("not run: add --suite" if not suite else
                             "the machine is shared: see the load average"))


def main() -> None:
    """Print the library table, then the issue's table with verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip 784-64-64-10 and the 784-256-256-10 derive")
    parser.add_argument("--suite", action="store_true",
                        help="also run the test suite (about 4-6 minutes on 2 cores)")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    rows = library_table(args.quick)
    with tempfile.TemporaryDirectory() as directory:
        rows += command_rows(args.quick, Path(directory))
    if args.suite:
        rows.append(suite_row())
    print_targets(rows, args.suite)


if __name__ == "__main__":
    main()
