"""The hostile corpus (tests/hostile/): every case exits 0, 1 or 2 within 5 s and 1 GB,
prints no traceback, and leaves no file but its inputs and the outputs it announces.

The corpus runs once, in one subprocess (``python -m tests.hostile.runner``) that forks a
child per case with the limits; this test reads its JSON results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from tests.hostile import runner

ROOT = Path(__file__).resolve().parent.parent


@cache
def results() -> dict[str, dict]:
    """The runner's result for every case, by name."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.runner"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    return {result["name"]: result for result in json.loads(done.stdout)}


def problems(case, result: dict) -> list[str]:
    """What is wrong with one case's result (empty when it behaved)."""
    found = []
    if result["status"] not in case.status:
        found.append(f"exit status {result['status']}, expected one of {case.status}")
    text = result["stdout"] + result["stderr"]
    if "Traceback" in text or "out of memory" in text:
        found.append("a traceback or an out-of-memory error")
    if case.stderr not in result["stderr"]:
        found.append(f"stderr lacks {case.stderr!r}")
    if case.stdout not in result["stdout"]:
        found.append(f"stdout lacks {case.stdout!r}")
    if 2 in case.status and result["status"] == 2:
        errors = [line for line in result["stderr"].splitlines() if line]
        allowed = ("symnn: error: ", "symnn ", "usage: ", " ")  # argparse: usage, then error
        if not all(line.startswith(allowed) for line in errors):
            found.append(f"stderr is not error lines: {result['stderr'][:300]!r}")
    if set(result["files"]) - set(case.outputs):
        found.append(f"left files behind: {result['files']}")
    for needle, count in case.counts:
        if text.count(needle) != count:
            found.append(f"{needle!r} occurs {text.count(needle)} times, expected {count}")
    return found


def test_every_hostile_case_ends_cleanly_within_its_limits():
    cases = runner.corpus()
    assert len({case.name for case in cases}) == len(cases), "case names must be unique"
    report = {case.name: problems(case, results()[case.name]) for case in cases}
    failures = {name: found for name, found in report.items() if found}
    assert not failures, json.dumps(failures, indent=1)
    busiest = max(results()[case.name]["cpu"] for case in cases)
    assert busiest < runner.SECONDS


def test_the_harness_catches_hangs_memory_blowups_and_tracebacks():
    assert results()["harness-timeout"]["status"] == "timeout"
    assert results()["harness-memory"]["stderr"].rstrip().endswith("MemoryError")
    crash = results()["harness-crash"]
    assert crash["status"] == 1
    assert "Traceback" in crash["stderr"] and "ValueError" in crash["stderr"]


def test_every_class_of_case_is_in_the_corpus():
    from tests.hostile import MODULES

    for name in MODULES:
        module = __import__(f"tests.hostile.{name}", fromlist=["CASES"])
        assert len(module.CASES) >= 2, name
