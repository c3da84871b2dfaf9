"""The report on a document: one entry per claim with its source line, in three formats.

Printers over the judged claims (``check.DocumentCheck``): each entry gives the line where
the claimed number stands, the id the name was read as, the equation as written, the
verdict and the note. Skipped equations are counted by reason; unreadable ones are listed
with theirs. Every form is built in full before anything is written.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter

from symnn.check.digits import show
from symnn.check.documents.check import DocumentCheck
from symnn.check.documents.claims import SKIP_REASONS
from symnn.check.documents.source import shorten
from symnn.check.report import LABELS, summary_line
from symnn.check.verdict import PASSING, summary

FORMATS = ("text", "markdown", "json")
FORMULA_LABELS = {
    "correct": "correct",
    "wrong": "wrong",
    "not-about-this-network": "not about this network",
    "unread": "not read",
}
SHOWN_TEXT = 70  # characters of an equation shown in the text report
NOTE_WIDTH = 100
JSON_DIGITS = 20


def render(result: DocumentCheck, fmt: str) -> str:
    """The report in one of ``FORMATS``."""
    return {"text": _text, "markdown": _markdown, "json": _json}[fmt](result)


def exit_status(result: DocumentCheck) -> int:
    """0 when every claim passes and every equation could be read, else 1."""
    failing = any(v.verdict not in PASSING for v in result.verdicts)
    failing = failing or any(f.verdict == "wrong" for f in result.formulas)
    return 1 if failing or _unreadable(result) else 0


def _unreadable(result: DocumentCheck) -> list:
    return [s for s in result.skipped if s.reason == "unreadable"]


def skipped_counts(result: DocumentCheck) -> dict[str, int]:
    """How many equations were skipped, by reason (those that occur, in a fixed order)."""
    counts = Counter(s.reason for s in result.skipped if s.reason != "unreadable")
    return {reason: counts[reason] for reason in SKIP_REASONS if counts[reason]}


def _skipped_line(result: DocumentCheck) -> str:
    counts = skipped_counts(result)
    parts = [f"{n} {SKIP_REASONS[reason]}" for reason, n in counts.items()]
    return "skipped: " + (", ".join(parts) if parts else "nothing")


def _header(result: DocumentCheck) -> str:
    specs = ", ".join(result.checkers_named())
    notations = sorted({c.names.notation.name for c in result.checkers.values()})
    return (
        f"symnn check {result.source.name}: {len(result.judged)} claims "
        f"(spec {specs}, notation {', '.join(notations)})"
    )


def _text(result: DocumentCheck) -> str:
    header = ("line", "id", "equation as written", "claimed", "verdict")
    rows = [
        (
            str(j.located.line),
            j.verdict.claim.id,
            shorten(j.located.text, SHOWN_TEXT),
            j.verdict.claim.written.text,
            LABELS[j.verdict.verdict],
        )
        for j in result.judged
    ]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]

    def line(row) -> str:
        return "  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip()

    lines = [_header(result), "", line(header)]
    for row, judged in zip(rows, result.judged, strict=True):
        lines.append(line(row))
        note = _note(judged)
        if note:
            lines.append(textwrap.fill(note, NOTE_WIDTH, initial_indent="    ",
                                       subsequent_indent="    "))
    if result.formulas:
        lines += ["", f"general formulas: {_formula_summary(result)}", ""]
        for formula in result.formulas:
            lines.append(
                f"{formula.line:<5} {FORMULA_LABELS[formula.verdict]:<24} "
                f"{shorten(formula.text, SHOWN_TEXT)}"
            )
            if formula.verdict != "correct" or " not read: " in formula.note:
                lines.append(textwrap.fill(formula.note, NOTE_WIDTH, initial_indent="    ",
                                           subsequent_indent="    "))
    unreadable = _unreadable(result)
    if unreadable:
        lines += ["", "cannot be read:"]
        lines += [f"  line {s.line}: {shorten(s.text, SHOWN_TEXT)}: {s.note}" for s in unreadable]
    lines += ["", _skipped_line(result), summary_line(result.verdicts)]
    return "\n".join(lines) + "\n"


def _note(judged) -> str:
    parts = [judged.verdict.note, judged.located.remark]
    return "; ".join(p for p in parts if p)


def _markdown(result: DocumentCheck) -> str:
    lines = [
        f"# Check of `{result.source.name}`",
        "",
        f"{_header(result).split(': ', 1)[1]}: {summary_line(result.verdicts)}. "
        f"{_skipped_line(result).capitalize()}.",
        "",
        "| line | id | equation as written | claimed | exact | verdict | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for judged in result.judged:
        verdict = judged.verdict
        label = LABELS[verdict.verdict]
        if verdict.verdict not in PASSING:
            label = f"**{label}**"
        cells = [
            str(judged.located.line),
            f"`{verdict.claim.id}`",
            "$" + " ".join(judged.located.text.split()) + "$",
            verdict.claim.written.text,
            show(verdict.exact),
            label,
            _note(judged),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if result.formulas:
        lines += ["", f"## General formulas: {_formula_summary(result)}", "",
                  "| line | formula as written | verdict | note |", "|---|---|---|---|"]
        for formula in result.formulas:
            label = FORMULA_LABELS[formula.verdict]
            label = f"**{label}**" if formula.verdict == "wrong" else label
            cells = [str(formula.line), "$" + " ".join(formula.text.split()) + "$", label,
                     formula.note]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    unreadable = _unreadable(result)
    if unreadable:
        lines += ["", "Cannot be read:", ""]
        lines += [f"- line {s.line}: `{' '.join(s.text.split())}`: {s.note}" for s in unreadable]
    return "\n".join(lines) + "\n"


def _json(result: DocumentCheck) -> str:
    document = {
        "document": result.source.name,
        "specs": result.checkers_named(),
        "claims": [_claim_json(j) for j in result.judged],
        "formulas": [_formula_json(f) for f in result.formulas],
        "unreadable": [
            {"line": s.line, "text": s.text, "reason": s.note} for s in _unreadable(result)
        ],
        "skipped": skipped_counts(result),
        "summary": summary(result.verdicts),
        "exit_status": exit_status(result),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _claim_json(judged) -> dict:
    verdict = judged.verdict
    claim = verdict.claim
    return {
        "line": judged.located.line,
        "id": claim.id,
        "text": judged.located.text,
        "name": claim.key,
        "claimed": claim.written.text,
        "exact": show(verdict.exact, JSON_DIGITS),
        "verdict": verdict.verdict,
        "note": _note(judged),
        "cause": verdict.cause,
        "causes": verdict.causes,
        "formula": claim.formula,
        "read_as": claim.id if judged.located.moved_from else None,
        "name_reads_as": judged.located.moved_from or claim.id,
        "spec": judged.spec,
    }


def _formula_json(formula) -> dict:
    return {
        "line": formula.line,
        "id": formula.instances[0] if formula.instances else None,
        "instances": formula.instances,
        "text": formula.text,
        "verdict": formula.verdict,
        "note": formula.note,
        "causes": formula.causes,
        "corrected": formula.corrected,
    }


def _formula_summary(result: DocumentCheck) -> str:
    counts = Counter(f.verdict for f in result.formulas)
    return ", ".join(f"{counts[k]} {FORMULA_LABELS[k]}" for k in FORMULA_LABELS if counts[k])
