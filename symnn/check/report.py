"""The check report in three forms (terminal text, Markdown, JSON) and the grading key.

Every form is rendered to a string in full before anything is written, so a failure
never leaves half a report behind.
"""

from __future__ import annotations

import json
import textwrap

from symnn.check.digits import show
from symnn.check.names import Names
from symnn.check.verdict import VERDICTS, FirstWrong, Verdict, exit_status, summary

FORMATS = ("text", "markdown", "json")
LABELS = {
    "correct": "correct",
    "correct-with-carried": "correct given carried",
    "rounding-slip": "rounding slip",
    "wrong": "wrong",
    "unreadable": "unreadable name",
}
PLURALS = {  # (one, several)
    "correct": ("correct", "correct"),
    "correct-with-carried": ("correct given the values carried",) * 2,
    "rounding-slip": ("rounding slip", "rounding slips"),
    "wrong": ("wrong", "wrong"),
    "unreadable": ("unreadable name", "unreadable names"),
}
NOTE_WIDTH = 100
JSON_DIGITS = 20  # significant digits of exact values in JSON
KEY_DIGITS = 12  # significant digits of the grading key


def render(
    verdicts: list[Verdict],
    names: Names,
    source: str,
    fmt: str,
    first: FirstWrong | None = None,
) -> str:
    """The report on a worksheet's claims in one of ``FORMATS``; ``first`` is where the
    sheet first goes wrong (``Checker.first_wrong``), said once at the top."""
    render_format = {"text": _text, "markdown": _markdown, "json": _json}[fmt]
    return render_format(verdicts, names, source, first)


def summary_line(verdicts: list[Verdict]) -> str:
    """``11 correct, 4 correct given the values carried, …`` (verdicts that occur)."""
    counts = summary(verdicts)
    parts = [f"{counts[k]} {PLURALS[k][counts[k] > 1]}" for k in VERDICTS if counts[k]]
    return ", ".join(parts) or "no claims"


def _rows(verdicts: list[Verdict], names: Names) -> list[tuple[str, ...]]:
    return [
        (
            _name(v, names.plain),
            _id(v),
            v.claim.written.text,
            _exact(v),
            LABELS[v.verdict],
        )
        for v in verdicts
    ]


def _text(verdicts: list[Verdict], names: Names, source: str, first: FirstWrong | None) -> str:
    header = ("claim", "id", "claimed", "exact", "verdict")
    rows = _rows(verdicts, names)
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = [
        f"symnn check {source}: {len(verdicts)} claims, notation {names.notation.name}",
        *([first.text(names)] if first else []),
        "",
    ]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip()

    lines.append(line(header))
    for row, verdict in zip(rows, verdicts, strict=True):
        lines.append(line(row))
        if verdict.note:
            lines.append(
                textwrap.fill(
                    verdict.note, NOTE_WIDTH, initial_indent="    ", subsequent_indent="    "
                )
            )
    lines += ["", summary_line(verdicts)]
    return "\n".join(lines) + "\n"


def _markdown(
    verdicts: list[Verdict], names: Names, source: str, first: FirstWrong | None
) -> str:
    lines = [
        f"# Check of `{source}`",
        "",
        f"{len(verdicts)} claims, read in the notation `{names.notation.name}`: "
        f"{summary_line(verdicts)}.",
        "",
        *([f"**{first.text(names)}**", ""] if first else []),
        "| claim | id | claimed | exact | verdict | formula | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for verdict in verdicts:
        claim = verdict.claim
        label = LABELS[verdict.verdict]
        if verdict.verdict not in ("correct", "correct-with-carried"):
            label = f"**{label}**"
        formula = f"${claim.formula}$" if claim.formula else ""
        cells = [
            f"${_name(verdict, names.latex)}$" if _id(verdict) else f"`{claim.key}`",
            f"`{claim.id}`" if _id(verdict) else "",
            claim.written.text,
            _exact(verdict),
            label,
            formula,
            verdict.note,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _json(verdicts: list[Verdict], names: Names, source: str, first: FirstWrong | None) -> str:
    document = {
        "worksheet": source,
        "notation": names.notation.name,
        "first_wrong": None if first is None else _first_json(first, names),
        "claims": [_claim_json(v, names) for v in verdicts],
        "summary": summary(verdicts),
        "exit_status": exit_status(verdicts),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _first_json(first: FirstWrong, names: Names) -> dict:
    claim = first.verdict.claim
    return {
        "id": claim.id,
        "key": claim.key,
        "name": names.plain(claim.id),
        "cause": first.verdict.cause,
        "causes": first.verdict.causes,
        "later_right": [v.claim.id for v in first.later_right],
        "later_wrong": [v.claim.id for v in first.later_wrong],
        "consistent": not first.later_wrong,
        "text": first.text(names),
    }


def _claim_json(verdict: Verdict, names: Names) -> dict:
    claim = verdict.claim
    formula = verdict.formula
    readable = verdict.verdict != "unreadable"
    return {
        "id": claim.id if readable else None,
        "key": claim.key,
        "read_as": ("notation" if claim.reading.by_notation else "id") if readable else None,
        "name": names.plain(claim.id) if readable else None,
        "latex": names.latex(claim.id) if readable else None,
        "claimed": claim.written.text,
        "exact": None if verdict.exact is None else show(verdict.exact, JSON_DIGITS),
        "exact_float": None if verdict.exact is None else float(verdict.exact),
        "verdict": verdict.verdict,
        "note": verdict.note,
        "cause": verdict.cause,
        "causes": verdict.causes,
        "float64_precision": claim.written.float64,
        "carried": None if verdict.carried is None else show(verdict.carried, JSON_DIGITS),
        "carried_from": [
            {"id": i, "name": names.plain(i)} for i in verdict.carried_from
        ],
        "formula": None
        if formula is None
        else {
            "text": formula.text,
            "value": show(formula.value, JSON_DIGITS),
            "matches_network": formula.matches_network,
            "mismatch": formula.mismatch,
            "arithmetic": formula.arithmetic,
        },
    } | _elements_json(verdict, names)


def _elements_json(verdict: Verdict, names: Names) -> dict:
    """A slice line's element claims (nothing for a line of one quantity)."""
    if not verdict.elements:
        return {}
    return {"elements": [_claim_json(v, names) for v in verdict.elements]}


def _name(verdict: Verdict, form) -> str:
    """A claim's name in the notation (as written when it could not be read)."""
    return verdict.claim.key if verdict.verdict == "unreadable" else form(verdict.claim.id)


def _id(verdict: Verdict) -> str:
    return "" if verdict.verdict == "unreadable" else verdict.claim.id


def _exact(verdict: Verdict) -> str:
    return "" if verdict.exact is None else show(verdict.exact)


# ---------------------------------------------------------------------------- grading key


def render_key(exact: dict, names: Names, source: str, fmt: str) -> str:
    """A blank worksheet: every quantity with its exact value, to grade with."""
    ids = [i for i in names.ids if i in exact]
    if fmt == "json":
        entries = [
            {
                "id": i,
                "name": names.plain(i),
                "latex": names.latex(i),
                "exact": show(exact[i], JSON_DIGITS),
                "exact_float": float(exact[i]),
            }
            for i in ids
        ]
        document = {"worksheet": source, "notation": names.notation.name, "claims": [],
                    "key": entries}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        lines = [f"# Grading key for `{source}`", "", "| quantity | id | exact value |",
                 "|---|---|---|"]
        lines += [f"| ${names.latex(i)}$ | `{i}` | {show(exact[i], KEY_DIGITS)} |" for i in ids]
        return "\n".join(lines) + "\n"
    width = max(len(i) for i in ids) + 2
    lines = [
        f"# Grading key for {source}: no [claims], so here is every quantity with its exact",
        f"# value ({KEY_DIGITS} significant digits). Copy lines into [claims] to check them.",
        "[claims]",
    ]
    for i in ids:
        lines.append(f"{_toml_key(i):<{width}} = {show(exact[i], KEY_DIGITS)}  # {names.plain(i)}")
    return "\n".join(lines) + "\n"


def _toml_key(quantity_id: str) -> str:
    return f"\"{quantity_id}\"" if "'" in quantity_id else f"'{quantity_id}'"
