"""One student's sheet graded: the checker's verdicts, and points per asked quantity.

The checker (``symnn.check``) reads the claims and judges them against the student's own
variant; this module only turns verdicts into marks. A mark is one of ``MARKS``:

| mark | points |
|---|---|
| ``correct``, ``correct-with-carried`` | all |
| ``rounding-slip`` (one unit off in the last digit) | ``rounding_credit`` of them |
| ``too-few-digits`` (right, but fewer significant digits than required) | ``rounding_credit`` |
| ``wrong`` (with the checker's cause when a slip reproduces it), ``missing`` | none |

A number with fewer digits than required is not penalized when it equals the value
rounded to the required digits (``0.1`` for ``0.100``: a spreadsheet drops the zeros).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from symnn import notation
from symnn.check import worksheet
from symnn.check.names import Names
from symnn.check.verdict import PASSING, Checker, FirstWrong, Verdict
from symnn.classroom.draw import rounded
from symnn.classroom.submissions import Submission
from symnn.classroom.template import Asked, Assignment
from symnn.errors import SymnnError
from symnn.spec import NetworkSpec

MARKS = ("correct", "correct-with-carried", "rounding-slip", "too-few-digits", "wrong",
         "missing")
UNEXPLAINED = "unexplained"  # a wrong number no slip of the checker reproduces


@dataclass(frozen=True)
class Mark:
    """The mark of one asked quantity."""

    id: str
    mark: str
    points: Fraction
    out_of: Fraction
    answer: str = ""  # the number as written
    cause: str | None = None  # the checker's cause of a wrong number

    @property
    def slip(self) -> str | None:
        """What went wrong, as counted in the class report (None: nothing, or missing)."""
        if self.mark in ("rounding-slip", "too-few-digits"):
            return self.mark
        if self.mark == "wrong":
            return self.cause or UNEXPLAINED
        return None

    @property
    def cell(self) -> str:
        """The gradebook cell: the mark, with the cause of a wrong number."""
        return f"wrong:{self.slip}" if self.mark == "wrong" else self.mark


@dataclass
class Result:
    """A student's grade: marks per asked quantity, or the reason the sheet is unreadable."""

    student: str
    out_of: Fraction
    marks: list[Mark] = field(default_factory=list)
    problem: str | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    names: Names | None = None
    first_wrong: FirstWrong | None = None  # where the sheet first goes wrong

    @property
    def score(self) -> Fraction:
        """The points earned (0 for an unreadable sheet)."""
        return sum((m.points for m in self.marks), Fraction(0))


def grade(variant: NetworkSpec, assignment: Assignment, asked: list[Asked],
          submission: Submission, checker: Checker | None = None) -> Result:
    """Grade one submission against the student's variant spec."""
    out_of = sum((a.points for a in asked), Fraction(0))
    result = Result(submission.student, out_of)
    if submission.problem is not None:
        result.problem = submission.problem
        return result
    if checker is None:
        from symnn.derive import derive

        checker = Checker(derive(variant), notation.from_spec(variant))
    given = {k: v for k, v in submission.claims.items() if not _blank(v)}
    try:
        claims = worksheet.read_claims(dataclasses.replace(variant, claims=given), checker.names)
        verdicts = checker.check(claims)
    except SymnnError as exc:
        result.problem = str(exc)
        return result
    unread = [v for v in verdicts if v.verdict == "unreadable"]
    if unread:  # a name that reads as nothing: the submission is not graded line by line
        result.problem = f"claims.{worksheet.quoted_key(unread[0].claim.key)}: {unread[0].note}"
        return result
    first: dict[str, Verdict] = {}
    for verdict in verdicts:
        first.setdefault(verdict.claim.id, verdict)
    result.marks = [_mark(item, first.get(item.id), assignment) for item in asked]
    result.verdicts, result.names = verdicts, checker.names
    result.first_wrong = checker.first_wrong(verdicts)
    return result


def _blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def _mark(item: Asked, verdict: Verdict | None, assignment: Assignment) -> Mark:
    if verdict is None:
        return Mark(item.id, "missing", Fraction(0), item.points)
    written = verdict.claim.written
    mark = verdict.verdict
    if mark in PASSING and _too_few_digits(verdict, assignment.digits):
        mark = "too-few-digits"
    share = {"correct": 1, "correct-with-carried": 1, "wrong": 0}.get(
        mark, assignment.rounding_credit)
    cause = verdict.cause if mark == "wrong" else None
    return Mark(item.id, mark, item.points * share, item.points, written.text, cause)


def _too_few_digits(verdict: Verdict, digits: int) -> bool:
    written = verdict.claim.written
    if written.significant >= digits:
        return False
    reference = verdict.exact if verdict.verdict == "correct" else verdict.carried
    return reference is None or written.value != sympy.Rational(rounded(reference, digits))
