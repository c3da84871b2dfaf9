"""The class's filled worksheets, found in one folder.

- ``ID.toml``: a student's worksheet (its ``[claims]`` table is read; the ``[network]``
  and ``[values]`` in it are ignored: every student is graded against their own variant);
- ``*.csv``: a spreadsheet export with an ``id`` column and one column per quantity
  (a canonical id or a name in the notation); an empty cell is no answer, and a row
  with no answer at all is no submission.

A student with no submission, or with two, gets a reason instead of claims; so does a
TOML file that cannot be read. Files and rows that belong to no student of the roster
are listed as strays.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from symnn import limits
from symnn.classroom.roster import ID_COLUMN
from symnn.errors import SpecError

MAX_BYTES = 1_000_000  # a worksheet larger than this is not read


@dataclass
class Submission:
    """One student's answers as written (name -> raw value), or why there are none."""

    student: str
    sources: list[str] = field(default_factory=list)
    claims: dict | None = None
    problem: str | None = None


def collect(folder: Path, students: list[str]) -> tuple[dict[str, Submission], list[str]]:
    """Every student's submission, and the strays (files or rows of no student)."""
    found = {s: Submission(s) for s in students}
    strays: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        submission = found.get(path.stem)
        if submission is None:
            strays.append(f"{path.name}: no student with id {path.stem!r} in the roster")
            continue
        claims, problem = _read_toml(path)
        _add(submission, path.name, claims, problem)
    for path in sorted(folder.glob("*.csv")):
        rows, problem = _read_csv(path)
        if problem is not None:
            strays.append(f"{path.name}: {problem}")
            continue
        for line, student, claims in rows:
            where = f"{path.name} line {line}"
            if student not in found:
                strays.append(f"{where}: no student with id {student!r} in the roster")
                continue
            _add(found[student], where, claims, None)
    for submission in found.values():
        if not submission.sources:
            submission.problem = "no submission (no ID.toml and no row in a CSV file)"
        elif len(submission.sources) > 1:
            submission.claims = None
            submission.problem = f"two submissions: {', '.join(submission.sources)}"
    return found, strays


def _add(submission: Submission, source: str, claims: dict | None, problem: str | None) -> None:
    submission.sources.append(source)
    submission.claims, submission.problem = claims, problem


def _read_toml(path: Path) -> tuple[dict | None, str | None]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, f"{path.name}: larger than {MAX_BYTES} bytes"
        text = path.read_text(encoding="utf-8")
        limits.check_toml_text(text, path.name)
        data = tomllib.loads(text, parse_float=Decimal)
    except SpecError as exc:
        return None, str(exc)
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path.name}: cannot read: {exc}"
    except tomllib.TOMLDecodeError as exc:
        return None, f"{path.name}: TOML syntax error: {exc}"
    claims = data.get("claims")
    if not isinstance(claims, dict):
        return None, f"{path.name}: no [claims] table"
    return claims, None


def _read_csv(path: Path) -> tuple[list[tuple[int, str, dict]], str | None]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return [], f"larger than {MAX_BYTES} bytes"
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], f"cannot read: {exc}"
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or ID_COLUMN not in [h.strip() for h in rows[0]]:
        return [], "no 'id' column in the header row"
    header = [h.strip() for h in rows[0]]
    result = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        student = cells.pop(ID_COLUMN, "")
        claims = {name: value for name, value in cells.items() if name}
        if any(claims.values()):  # a row of blank cells is no submission
            result.append((line, student, claims))
    return result, None
