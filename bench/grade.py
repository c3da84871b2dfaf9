"""Benchmark: ``symnn grade`` of a class of 2-2-2 sheets against checking them one by one.

    python bench/grade.py              # 100 students
    python bench/grade.py --students 40

Assigns ``examples/assignment-2-2-2.toml`` to N students (no PDF), hands in every
student's answer key with one line changed for every other student (a slip, graded
wrong), then times

- ``grade``: ``symnn grade`` of the whole class (gradebook, feedback, report, PNG);
- the reference: ``symnn check`` (``check_file``) of the same N sheets, one by one, as
  a teacher would without ``grade``.

It prints both times (wall clock, and the CPU time of this process, which a busy
machine does not inflate), their ratio, and whether grading stays under 30 s (the
target on 2 cores).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symnn.cli import main  # noqa: E402
from symnn.commands.check import check_file  # noqa: E402

TEMPLATE = ROOT / "examples" / "assignment-2-2-2.toml"
TARGET_SECONDS = 30


def hand_in(hw: Path, subs: Path, students: list[str]) -> list[Path]:
    """Every student's key as their sheet; every other one with delta[3,1] negated."""
    sheets = []
    for index, student in enumerate(students):
        text = (hw / student / "key.toml").read_text()
        if index % 2:
            lines = []
            for line in text.splitlines():
                if line.startswith('"delta[3,1]"'):
                    key, value = line.split("=", 1)
                    number = value.split("#")[0].strip().strip('"')
                    flipped = number[1:] if number.startswith("-") else "-" + number
                    line = f'{key}= "{flipped}"'
                lines.append(line)
            text = "\n".join(lines) + "\n"
        sheet = subs / f"{student}.toml"
        sheet.write_text(text)
        sheets.append(sheet)
    return sheets


def run(count: int) -> None:
    """Assign, hand in, and time grading against one-by-one checking."""
    work = Path(tempfile.mkdtemp(prefix="symnn-bench-grade-"))
    try:
        students = [f"s{i:03d}" for i in range(1, count + 1)]
        roster = work / "students.csv"
        roster.write_text("id\n" + "\n".join(students) + "\n")
        start, cpu = time.perf_counter(), time.process_time()
        assert main(["assign", str(TEMPLATE), "--roster", str(roster), "--outdir",
                     str(work / "hw"), "--no-pdf"]) == 0
        assigned, assigned_cpu = time.perf_counter() - start, time.process_time() - cpu
        subs = work / "subs"
        subs.mkdir()
        sheets = hand_in(work / "hw", subs, students)
        start, cpu = time.perf_counter(), time.process_time()
        assert main(["grade", str(work / "hw"), "--submissions", str(subs),
                     "--outdir", str(work / "grades")]) == 0
        graded, graded_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        statuses = [check_file(sheet)[1] for sheet in sheets]
        checked, checked_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert statuses.count(1) == count // 2
        verdict = "under" if graded < TARGET_SECONDS else "OVER"
        print(f"students {count}                 wall       CPU")
        print(f"symnn assign (no PDF)    {assigned:8.2f} s {assigned_cpu:8.2f} s")
        print(f"symnn grade              {graded:8.2f} s {graded_cpu:8.2f} s  "
              f"({verdict} the {TARGET_SECONDS} s target)")
        print(f"symnn check, one by one  {checked:8.2f} s {checked_cpu:8.2f} s  (reference)")
        print(f"ratio grade / check      {graded / checked:8.2f}   {graded_cpu / checked_cpu:8.2f}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    run(parser.parse_args().students)
