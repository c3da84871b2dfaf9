"""One report line per worksheet line: the claims of a slice's elements merged into one.

A slice (``out[2,:] = [0.59, 0.60]``) is judged element by element; its line gets the
worst element's verdict (in ``VERDICTS`` order), and the note names that element and
counts the verdicts of all of them. The element verdicts stay in ``elements``.
"""

from __future__ import annotations

from dataclasses import replace

from symnn.check.names import Names, Reading
from symnn.check.verdict import VERDICTS, Verdict
from symnn.naming import parse_id


def by_line(verdicts: list[Verdict], names: Names) -> list[Verdict]:
    """The verdicts with those of one slice line merged, in the worksheet's order."""
    lines: dict[int, list[Verdict]] = {}
    for verdict in verdicts:
        lines.setdefault(verdict.claim.line, []).append(verdict)
    return [
        _merged(group, names) if is_slice(group[0].claim.key) else group[0]
        for group in lines.values()
    ]


def is_slice(key: str) -> bool:
    """True when a claim's name is a slice such as ``out[2,:]``."""
    try:
        return parse_id(key).is_slice
    except ValueError:
        return False


def _merged(group: list[Verdict], names: Names) -> Verdict:
    worst = max(group, key=lambda v: VERDICTS.index(v.verdict))
    counts = [
        f"{sum(v.verdict == kind for v in group)} {kind}"
        for kind in VERDICTS
        if any(v.verdict == kind for v in group)
    ]
    element = worst.claim
    note = f"{len(group)} elements ({', '.join(counts)})"
    if worst.verdict != "correct":
        note += f"; {names.plain(element.id)} ({element.id}) = {element.written.text}"
        note += f": {worst.note}" if worst.note else ""
    key = element.key
    claim = replace(element, reading=Reading(key, key, by_notation=False))
    return replace(worst, claim=claim, note=note, elements=group)
