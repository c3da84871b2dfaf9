"""The class list: a CSV file with a header row whose ``id`` column is the student id.

Other columns (``name``, ``email``, …) are kept and carried into the gradebook. An id
names the student's folder, so it is a short plain name: letters, digits, ``.``, ``_``
and ``-``, starting with a letter or a digit.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from symnn.errors import SpecError

ID_COLUMN = "id"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RESERVED = ("prairielearn",)  # folder names of the class files in the assignment folder


@dataclass(frozen=True)
class Roster:
    """The students in the order of the file, and the other columns of each."""

    columns: tuple[str, ...]  # the columns besides id, in file order
    students: tuple[dict[str, str], ...]  # each row: column -> text (id included)

    @property
    def ids(self) -> list[str]:
        """The student ids in file order."""
        return [row[ID_COLUMN] for row in self.students]

    def text(self) -> str:
        """The roster as CSV text (id first), as copied into the assignment folder."""
        return write_csv([ID_COLUMN, *self.columns], [
            [row[ID_COLUMN], *(row[c] for c in self.columns)] for row in self.students
        ])


def load(path: str | Path, where: str = "--roster") -> Roster:
    """Read and validate a roster file."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{where}: no such file: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{where}: cannot read {path}: {exc}") from None
    return parse(text, where)


def parse(text: str, where: str = "--roster") -> Roster:
    """A roster from CSV text."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SpecError(f"{where}: empty file; expected a header row with an 'id' column")
    header = [h.strip() for h in rows[0]]
    if ID_COLUMN not in header:
        raise SpecError(f"{where}: the header row has no 'id' column, got {', '.join(header)}")
    if len(set(header)) != len(header) or "" in header:
        raise SpecError(f"{where}: the header row has an empty or repeated column name")
    students, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise SpecError(f"{where}: line {number}: {len(row)} cells, expected {len(header)}")
        record = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        student = record[ID_COLUMN]
        if not STUDENT_ID.match(student) or student.lower() in RESERVED:
            raise SpecError(
                f"{where}: line {number}: id {student!r} is not a folder-safe name "
                "(letters, digits, '.', '_', '-'; at most 64)"
            )
        if student in seen:
            raise SpecError(f"{where}: line {number}: id {student!r} appears twice")
        seen.add(student)
        students.append(record)
    if not students:
        raise SpecError(f"{where}: no students (only a header row)")
    columns = tuple(h for h in header if h != ID_COLUMN)
    return Roster(columns, tuple(students))


def write_csv(header: list[str], rows: list[list[str]]) -> str:
    """CSV text with ``\\n`` line ends (the same bytes on every platform)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue()
