"""``symnn assign TEMPLATE --roster students.csv --outdir DIR [--no-pdf]``: a variant per
student.

DIR gets a folder per student (named by the id) with ``problem.md``, ``problem.tex``,
``problem.pdf``, ``worksheet.toml`` (to fill in) and ``key.toml`` (the answer key); and
the class files ``assignment.toml`` (the template), ``roster.csv``, ``answer-key.csv``
and the PrairieLearn question under ``prairielearn/``. Every variant is drawn and every
document rendered before the first file is written, so bad input leaves nothing behind.
``symnn grade DIR`` reads the class files back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symnn import notation
from symnn.check.verdict import Checker
from symnn.classroom import documents, prairielearn, roster, template
from symnn.classroom.draw import draw
from symnn.errors import SymnnError
from symnn.output import write_folder
from symnn.render.latex import compile_pdf

TEMPLATE_COPY = "assignment.toml"
ROSTER_COPY = "roster.csv"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn assign``."""
    parser.add_argument("template", help="a spec with an [assignment] table (TOML)")
    parser.add_argument("--roster", required=True, metavar="CSV",
                        help="the class list: CSV with a header row and an 'id' column")
    parser.add_argument("--outdir", required=True, metavar="DIR",
                        help="write one folder per student and the class files here")
    parser.add_argument("--no-pdf", action="store_true",
                        help="write problem.tex but do not run pdflatex")


def run(args: argparse.Namespace) -> int:
    """Draw every student's variant and write the documents."""
    files, count = build(Path(args.template), Path(args.roster))
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        raise SymnnError(f"--outdir: {outdir} is a file; expected a directory")
    pdfs = [] if args.no_pdf else [p for p in files if p.endswith(".tex")]
    rendered = {p.removesuffix(".tex") + ".pdf": compile_pdf(files[p]) for p in pdfs}
    write_folder(outdir, {**files, **rendered})
    print(f"wrote {count} variants to {outdir}", file=sys.stderr)
    return 0


def build(template_path: Path, roster_path: Path) -> tuple[dict[str, str], int]:
    """Every file of the assignment folder (relative path -> text), PDFs excepted, and
    the number of students."""
    assignment = template.load(template_path)
    students = roster.load(roster_path)
    variants, asked, names, chosen = [], None, None, None
    for student in students.ids:
        if asked is None:
            first = draw(assignment, student, [])  # to learn the network's ids
            chosen = notation.from_spec(first.spec)
            names = Checker(first.derivation, chosen).names
            asked = assignment.asked(names)
        variants.append(draw(assignment, student, [a.id for a in asked]))
    files = {
        TEMPLATE_COPY: template_path.read_text(encoding="utf-8"),
        ROSTER_COPY: students.text(),
        documents.CLASS_KEY: documents.class_key(variants, assignment, asked),
    }
    for variant in variants:
        folder = variant.student
        answers = documents.key_answers(variant, assignment, asked)
        files[f"{folder}/{documents.WORKSHEET}"] = documents.worksheet(
            variant, assignment, names, asked)
        files[f"{folder}/{documents.KEY}"] = documents.worksheet(
            variant, assignment, names, asked, answers)
        for fmt, text in documents.problems(variant, assignment, names, chosen, asked).items():
            files[f"{folder}/{documents.PROBLEM}.{fmt}"] = text
    for name, text in prairielearn.export(variants, assignment, names, asked).items():
        files[f"{prairielearn.FOLDER}/{name}"] = text
    return files, len(variants)
