"""``symnn check WORKSHEET|DOC [--spec SPEC] [--format text|markdown|json] [--notation P]``.

Judges every claim of a worksheet (a spec with ``[values]`` and ``[claims]``): correct,
correct given the rounded values carried, rounding slip, or wrong with the likely cause.
Exit status 0 when every claim is correct (or correct given carried values), 1 when any
is a slip or wrong, 2 on bad input. A spec without claims prints the grading key.

A document (Markdown or plain text; or any file given with ``--spec``) is read as its
author wrote it (``symnn.check.documents``): every equation that names a quantity and
gives a number is judged the same way, reported with its line; ``--annotate OUT`` writes
a copy with a mark after each checked equation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from symnn import limits
from symnn.check import documents, lines, report, worksheet
from symnn.check.verdict import Checker, exit_status
from symnn.derive import derive
from symnn.errors import SpecError
from symnn.notation import PRESETS

DEMO_REPORT = "worked-example-001-check.md"
DEMO_WORKSHEET = "worked-example-001-worksheet.toml"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn check``."""
    parser.add_argument(
        "worksheet",
        help="a spec with [values] and [claims] (TOML), or a document (.md, .txt) with --spec",
    )
    parser.add_argument(
        "--spec", default=None, help="the network and its values, for checking a document"
    )
    parser.add_argument(
        "--annotate",
        metavar="OUT",
        default=None,
        help="write a copy of the document with a mark after every checked equation",
    )
    parser.add_argument(
        "--format", choices=report.FORMATS, default="text", help="report format (default: text)"
    )
    parser.add_argument(
        "--notation",
        choices=list(PRESETS),
        default=None,
        help="read names in this notation preset (default: the worksheet's [notation])",
    )
    limits.add_max_parameters(parser, "check")


def run(args: argparse.Namespace) -> int:
    """Check the worksheet (or the document) and print the report (or the grading key)."""
    if args.spec is not None or Path(args.worksheet).suffix.lower() in documents.SUFFIXES:
        text, status = documents.report_file(
            args.worksheet, args.spec, args.format, args.notation, args.annotate
        )
    elif args.annotate is not None:
        raise SpecError("--annotate: only a document is annotated (give --spec SPEC)")
    else:
        text, status = check_file(args.worksheet, args.format, args.notation, args.max_parameters)
    sys.stdout.write(text)
    return status


def check_file(
    path: str | Path, fmt: str = "text", preset: str | None = None,
    max_parameters: int | None = None,
) -> tuple[str, int]:
    """The rendered report of a worksheet and the exit status it calls for."""
    sheet = worksheet.load(path, preset)
    limits.check_network(sheet.spec, "check", max_parameters)
    checker = Checker(derive(sheet.spec), sheet.notation)
    claims = worksheet.read_claims(sheet.spec, checker.names)
    if not claims:
        return report.render_key(checker.every_value(), checker.names, sheet.source, fmt), 0
    judged = checker.check(claims)
    first = checker.first_wrong(judged)
    verdicts = lines.by_line(judged, checker.names)
    text = report.render(verdicts, checker.names, sheet.source, fmt, first)
    return text, exit_status(verdicts)


def demo(outdir: Path, stream: TextIO) -> None:
    """The check part of the demo: the report on the seeds' worked example."""
    from symnn import examples

    path = examples.path(DEMO_WORKSHEET)
    text, status = check_file(path, "text")
    markdown, _ = check_file(path, "markdown")
    print("== symnn check: the seeds' hand calculation, line by line ==", file=stream)
    stream.write(text)
    meaning = "a claim is a slip or wrong" if status else "every claim passes"
    print(f"(symnn check exits with status {status}: {meaning})", file=stream)
    target = outdir / DEMO_REPORT
    target.write_text(markdown, encoding="utf-8")
    copy = outdir / DEMO_WORKSHEET
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"Markdown report: {target}", file=stream)
    print(f"Edit the worksheet and check it again: symnn check {copy}", file=stream)
