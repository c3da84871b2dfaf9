"""``symnn grade DIR --submissions SUBS [--outdir OUT]``: grade a class's worksheets.

DIR is a folder made by ``symnn assign`` (its ``assignment.toml``, ``roster.csv`` and
each student's ``worksheet.toml`` with their numbers); it is only read. SUBS holds the
filled worksheets (``ID.toml``) and spreadsheet exports (``*.csv``, one row per student).
OUT (default ``grades``) gets ``gradebook.csv``, ``report.md``, ``slips.png`` and
``feedback/ID.md``. A sheet that cannot be read gets its own gradebook line with the
reason, and grading goes on; exit status 0 unless DIR or SUBS themselves are bad (2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symnn import notation, spec
from symnn.check.verdict import Checker
from symnn.classroom import classreport, grading, roster, submissions, template
from symnn.classroom.documents import WORKSHEET
from symnn.commands.assign import ROSTER_COPY, TEMPLATE_COPY
from symnn.derive import derive
from symnn.errors import SymnnError
from symnn.output import write_folder

CHART = "slips.png"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn grade``."""
    parser.add_argument("assignment", metavar="DIR", help="a folder made by symnn assign")
    parser.add_argument("--submissions", required=True, metavar="SUBS",
                        help="a folder of filled worksheets: ID.toml files and/or CSV files")
    parser.add_argument("--outdir", default="grades", metavar="OUT",
                        help="write the gradebook, report and feedback here (default: grades)")


def run(args: argparse.Namespace) -> int:
    """Grade every student of the roster and write the results."""
    files = grade_folder(Path(args.assignment), Path(args.submissions), Path(args.outdir))
    outdir = Path(args.outdir)
    write_folder(outdir, files)
    print(f"wrote {outdir / 'gradebook.csv'} and {outdir / 'report.md'}", file=sys.stderr)
    return 0


def grade_folder(folder: Path, subs: Path, outdir: Path) -> dict[str, str | bytes]:
    """Every output file (relative path -> contents) of grading SUBS against DIR."""
    if not (folder / TEMPLATE_COPY).is_file():
        raise SymnnError(f"DIR: {folder} is not a folder made by symnn assign "
                         f"(no {TEMPLATE_COPY})")
    if not subs.is_dir():
        raise SymnnError(f"--submissions: no such directory: {subs}")
    if _inside(outdir, folder):
        raise SymnnError(f"--outdir: {outdir} is inside {folder}; symnn grade never writes there")
    assignment = template.load(folder / TEMPLATE_COPY)
    students = roster.load(folder / ROSTER_COPY, where=str(folder / ROSTER_COPY))
    found, strays = submissions.collect(subs, students.ids)
    results, asked = [], None
    for student in students.ids:
        variant = spec.load(folder / student / WORKSHEET)
        checker = Checker(derive(variant), notation.from_spec(variant))
        if asked is None:
            asked = assignment.asked(checker.names)
        results.append(grading.grade(variant, assignment, asked, found[student], checker))
    files: dict[str, str | bytes] = {
        "gradebook.csv": classreport.gradebook(results, students, asked),
        "report.md": classreport.class_report(results, assignment, asked, strays, CHART),
        CHART: classreport.chart(results, f"{assignment.title}: students per slip"),
    }
    for result, row in zip(results, students.students, strict=True):
        files[f"feedback/{result.student}.md"] = classreport.feedback(result, assignment, row)
    return files


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents
