"""Benchmark: ``symnn check`` of a worksheet claiming every id of a 2-2-2 net.

    python bench/check_every_id.py

The worksheet is the grading key of the seeds' worked example (every quantity of the
derivation, every local factor, E[j], ∂E[j]/∂…, Dw, Db and the pass after the step),
claimed at 12 digits. It is checked in a fresh process (import included, as a user runs
it) and compared with the same check of the seed's 19-line worksheet in the same run;
the target is under 3 s of CPU for the full sheet.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NET = ROOT / "examples" / "worked-example-001.toml"
SEED_SHEET = ROOT / "examples" / "worked-example-001-worksheet.toml"
TARGET_SECONDS = 3.0


def cpu_seconds(args: list[str]) -> tuple[float, str]:
    """CPU time (user + system) of a child ``python -m symnn`` and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "symnn", *args], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return spent, proc.stdout


def main() -> None:
    """Print the CPU time of both checks and their ratio."""
    net = NET.read_text(encoding="utf-8").split("[claims]")[0]
    if "learning_rate" not in net:
        net = net.replace("[values]\n", "[values]\nlearning_rate = 0.5\n", 1)
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "blank.toml"
        blank.write_text(net, encoding="utf-8")
        _, key = cpu_seconds(["check", str(blank)])
        every = Path(tmp) / "every.toml"
        every.write_text(net + key, encoding="utf-8")
        claims = sum(1 for line in key.splitlines() if " = " in line)
        full, report = cpu_seconds(["check", str(every)])
        seed, _ = cpu_seconds(["check", str(SEED_SHEET)])
    print(f"every id of a 2-2-2 net: {claims} claims, {full:.2f} s CPU "
          f"({report.strip().splitlines()[-1]})")
    print(f"seed worksheet (19 claims): {seed:.2f} s CPU; ratio {full / seed:.2f}")
    verdict = "met" if full < TARGET_SECONDS else "NOT met"
    print(f"target: under {TARGET_SECONDS:.0f} s -> {verdict}")


if __name__ == "__main__":
    main()
