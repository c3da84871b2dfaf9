"""Run the hostile corpus: every case in a child process with 1 GB and 5 s, results as JSON.

``python -m tests.hostile.runner`` prints one JSON object per case (a list). symnn is
imported once here; each case runs in a child forked from this process (so it does not
pay the import again), which sets ``RLIMIT_AS`` to ``MEMORY`` bytes, runs
``symnn.cli.main(args)`` in the case's directory with stdout and stderr sent to files,
and exits with its status (1 with a traceback on an uncaught exception, as Python does).
A child still running after ``SECONDS`` of wall-clock time is killed; it also gets
``SECONDS`` of CPU time (``RLIMIT_CPU``). On a machine busier than its cores (load
average above the CPU count, e.g. other test runs), the wall-clock limit stretches by
load / cores so that waiting for a core is not counted as hanging; the CPU limit does
not stretch. ``JOBS`` children run at once.

Three harness cases check the harness itself: one sleeps past the time limit, one
allocates past the memory limit, one raises; the test expects each to be caught.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.hostile import MODULES, Case

MEMORY = 1 << 30  # bytes of address space per case
SECONDS = 5.0  # wall-clock time per case
JOBS = 3  # children at once (one may be the harness case that sleeps)
KEPT = 1 << 20  # characters of stdout/stderr kept per case


def corpus() -> list[Case]:
    """Every case of every module in ``MODULES``."""
    return [case for name in MODULES for case in importlib.import_module(
        f"tests.hostile.{name}").CASES]


def _sleep() -> int:
    time.sleep(60)
    return 0


def _allocate() -> int:
    return len(bytearray(2 * MEMORY))


def _crash() -> int:
    raise ValueError("the harness must report this traceback")


HARNESS = {"harness-timeout": _sleep, "harness-memory": _allocate, "harness-crash": _crash}


def _warm(root: Path) -> None:
    """Run each command once on the worked example, so that every module SymPy imports
    on first use is loaded before the children are forked (they then start at once)."""
    import contextlib
    import io

    from symnn import cli, examples

    spec, sheet = (str(examples.path(name)) for name in
                   (examples.WORKED_EXAMPLE, "worked-example-001-worksheet.toml"))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for args in (["derive", spec], ["codegen", spec], ["latex", spec, "--format", "markdown"],
                     ["check", sheet, "--format", "json"]):
            cli.main(args)


def _prepare(case: Case, root: Path) -> Path:
    folder = root / case.name
    folder.mkdir()
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def _child(function: Callable[[], int], folder: Path) -> None:
    """In the forked child: limits, redirections, the run, and the exit (never returns)."""
    status = 1
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        cpu = int(SECONDS) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        os.chdir(folder)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(folder.parent / f"{folder.name}.{name}",
                             os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(target, fd)
            os.close(target)
        try:
            status = function()
        except SystemExit as exc:  # argparse
            status = exc.code if isinstance(exc.code, int) else (exc.code is not None)
        except BaseException:
            traceback.print_exc()
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _start(function: Callable[[], int], folder: Path) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(function, folder)
    return pid


def _collect(name: str, folder: Path, status, seconds: float, inputs) -> dict:
    texts = {}
    for stream in ("stdout", "stderr"):
        path = folder.parent / f"{name}.{stream}"
        texts[stream] = path.read_text(encoding="utf-8", errors="replace")[:KEPT]
    left = sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and str(p.relative_to(folder)) not in inputs
    )
    return {"name": name, "status": status, "seconds": round(seconds, 3),
            "files": left, **texts}


def wall_limit() -> float:
    """``SECONDS``, stretched by load / cores when the machine is overloaded."""
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    return SECONDS * max(1.0, busy)


def run(jobs: list[tuple[str, Callable[[], int], dict]], root: Path) -> list[dict]:
    """Run ``(name, function, files)`` jobs, ``JOBS`` at a time; one result dict each."""
    pending = list(jobs)
    running: dict[int, tuple[str, Path, float, dict]] = {}
    results = []
    while pending or running:
        while pending and len(running) < JOBS:
            name, function, files = pending.pop(0)
            folder = _prepare(Case(name, (), files), root)
            running[_start(function, folder)] = (name, folder, time.monotonic(), files)
        pid, wait_status, usage = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            now, limit = time.monotonic(), wall_limit()
            for child, (_, _, started, _) in running.items():
                if now - started > limit:
                    os.kill(child, signal.SIGKILL)
            time.sleep(0.005)
            continue
        name, folder, started, files = running.pop(pid)
        seconds = time.monotonic() - started
        cpu = usage.ru_utime + usage.ru_stime
        if os.WIFSIGNALED(wait_status):
            signalled = os.WTERMSIG(wait_status)
            killed = signalled in (signal.SIGKILL, signal.SIGXCPU)
            status = "timeout" if killed else f"signal {signalled}"
        else:
            status = os.WEXITSTATUS(wait_status)
        result = _collect(name, folder, status, seconds, files)
        results.append({**result, "cpu": round(cpu, 3)})
    return sorted(results, key=lambda r: r["name"])


def _case_job(case: Case) -> tuple[str, Callable[[], int], dict]:
    from symnn.cli import main

    return case.name, lambda: main(list(case.args)), case.files


def main() -> int:
    """Run the harness cases and the corpus; print the results as JSON."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    jobs = [(name, function, {}) for name, function in HARNESS.items()]
    jobs += [_case_job(case) for case in corpus()]
    with tempfile.TemporaryDirectory(prefix="symnn-hostile-") as root:
        _warm(Path(root))
        results = run(jobs, Path(root))
    json.dump(results, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
