"""What ``symnn grade`` writes: the gradebook, per-student feedback, the class report.

- ``gradebook.csv``: one row per student of the roster (in roster order): id, the other
  roster columns, score, max, status (``graded`` or ``unreadable``), reason, and one
  column per asked quantity with its mark (``wrong:<cause>`` for a wrong number);
- ``feedback/ID.md``: the student's marks and the checker's notes on every line;
- ``report.md`` and ``slips.png``: the slip histogram (which slip, on which quantity,
  how many students) as a table and a bar chart, and the quantities most often wrong.

Everything is a function of the inputs only (no dates, sorted orders, a PNG without
the Software tag), so grading twice gives the same bytes.
"""

from __future__ import annotations

import io
from collections import Counter
from fractions import Fraction

from symnn.check import report
from symnn.classroom.documents import decimal
from symnn.classroom.grading import MARKS, Result
from symnn.classroom.roster import ID_COLUMN, Roster, write_csv
from symnn.classroom.template import Asked, Assignment

MARKDOWN_SPECIAL = "\\`*_|<>"
MOST_WRONG = 10  # quantities listed as most often wrong
CHART_DPI = 100


def gradebook(results: list[Result], roster: Roster, asked: list[Asked]) -> str:
    """The gradebook CSV."""
    header = [ID_COLUMN, *roster.columns, "score", "max", "status", "reason",
              *(a.id for a in asked)]
    rows = []
    for result, row in zip(results, roster.students, strict=True):
        cells = {m.id: m.cell for m in result.marks}
        rows.append([
            result.student, *(row[c] for c in roster.columns), decimal(result.score),
            decimal(result.out_of), "unreadable" if result.problem else "graded",
            result.problem or "", *(cells.get(a.id, "") for a in asked),
        ])
    return write_csv(header, rows)


def feedback(result: Result, assignment: Assignment, row: dict[str, str]) -> str:
    """One student's feedback in Markdown."""
    who = result.student + (f" ({row['name']})" if row.get("name") else "")
    lines = [f"# {_text(assignment.title)}: feedback for {_text(who)}", ""]
    if result.problem:
        lines += [f"Your submission could not be read: {_text(result.problem)}",
                  "", f"Score: 0 of {decimal(result.out_of)}.", ""]
        return "\n".join(lines)
    lines += [f"Score: {decimal(result.score)} of {decimal(result.out_of)}.", "",
              "| quantity | id | your answer | mark | points |", "|---|---|---|---|---|"]
    for mark in result.marks:
        lines.append(
            f"| ${result.names.latex(mark.id)}$ | `{mark.id}` | {mark.answer or '—'} | "
            f"{mark.cell} | {decimal(mark.points)} of {decimal(mark.out_of)} |"
        )
    if result.verdicts:
        checked = report.render(result.verdicts, result.names, result.student, "markdown",
                                result.first_wrong)
        lines += ["", "## Every line, as the checker sees it", "",
                  *checked.split("\n", 2)[2:]]
    return "\n".join(lines).rstrip("\n") + "\n"


def histogram(results: list[Result]) -> Counter:
    """(slip, quantity) -> how many students made that slip on that quantity."""
    return Counter((m.slip, m.id) for r in results for m in r.marks if m.slip)


def students_per_slip(results: list[Result]) -> Counter:
    """slip -> how many students made it on at least one quantity."""
    return Counter(slip for r in results for slip in {m.slip for m in r.marks if m.slip})


def class_report(results: list[Result], assignment: Assignment, asked: list[Asked],
                 strays: list[str], chart: str) -> str:
    """The class report in Markdown."""
    graded = [r for r in results if not r.problem]
    out_of = results[0].out_of if results else Fraction(0)
    mean = sum((r.score for r in graded), Fraction(0)) / len(graded) if graded else Fraction(0)
    order = {a.id: i for i, a in enumerate(asked)}
    lines = [
        f"# {_text(assignment.title)}: class report", "",
        f"{len(results)} students: {len(graded)} graded, {len(results) - len(graded)} "
        f"unreadable. Mean score of the graded: {float(mean):.2f} of {decimal(out_of)}.", "",
        "## Marks", "",
        "| mark | answers |", "|---|---|",
        *(f"| {kind} | {n} |" for kind, n in _marks(graded).items()), "",
        "## Slips", "",
        "Which slip, on which quantity, how many students.", "",
        "| slip | quantity | students |", "|---|---|---|",
    ]
    counts = histogram(results)
    for (slip, quantity), n in sorted(counts.items(),
                                      key=lambda i: (-i[1], i[0][0], order[i[0][1]])):
        lines.append(f"| {slip} | `{quantity}` | {n} |")
    lines += ["", "Students with each slip (on any quantity):", "",
              "| slip | students |", "|---|---|"]
    for slip, n in sorted(students_per_slip(results).items(), key=lambda i: (-i[1], i[0])):
        lines.append(f"| {slip} | {n} |")
    lines += ["", f"![students per slip]({chart})", "", "## Quantities most often wrong", "",
              "| quantity | not full marks | wrong | rounding slips | missing |",
              "|---|---|---|---|---|"]
    for quantity, row in _most_wrong(graded, asked):
        lines.append(f"| `{quantity}` | {' | '.join(map(str, row))} |")
    unreadable = [r for r in results if r.problem]
    if unreadable:
        lines += ["", "## Unreadable submissions", "", "| id | reason |", "|---|---|"]
        lines += [f"| {r.student} | {_text(r.problem)} |" for r in unreadable]
    if strays:
        lines += ["", "## Files and rows of no student", ""]
        lines += [f"- {_text(s)}" for s in strays]
    return "\n".join(lines) + "\n"


def _marks(graded: list[Result]) -> dict[str, int]:
    counts = Counter(m.mark for r in graded for m in r.marks)
    return {kind: counts[kind] for kind in MARKS}


def _most_wrong(graded: list[Result], asked: list[Asked]) -> list[tuple[str, tuple]]:
    rows = []
    for item in asked:
        marks = [m for r in graded for m in r.marks if m.id == item.id]
        short = sum(1 for m in marks if m.points < m.out_of)
        wrong = sum(1 for m in marks if m.mark == "wrong")
        slips = sum(1 for m in marks if m.mark in ("rounding-slip", "too-few-digits"))
        missing = sum(1 for m in marks if m.mark == "missing")
        if short:
            rows.append((item.id, (short, wrong, slips, missing)))
    rows.sort(key=lambda r: -r[1][0])  # stable: ties keep the order of the questions
    return rows[:MOST_WRONG]


def chart(results: list[Result], title: str) -> bytes:
    """A PNG bar chart: students per slip. Deterministic bytes (no metadata, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    counts = sorted(students_per_slip(results).items(), key=lambda i: (-i[1], i[0]))
    figure = Figure(figsize=(7, 0.45 * max(len(counts), 2) + 1.2), dpi=CHART_DPI)
    axes = figure.subplots()
    labels = [slip for slip, _ in counts][::-1]
    values = [n for _, n in counts][::-1]
    axes.barh(labels, values, color="#4c72b0")
    axes.set_xlabel("students")
    axes.set_title(title, fontsize=10)
    axes.xaxis.get_major_locator().set_params(integer=True)
    if not counts:
        axes.text(0.5, 0.5, "no slips", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _text(text: str) -> str:
    """Text for a Markdown line or table cell: its few special characters escaped."""
    escaped = "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in str(text))
    return escaped.replace("\n", " ")
