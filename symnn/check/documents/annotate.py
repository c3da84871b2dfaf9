r"""An annotated copy of a document: a mark right after every checked number.

The marks are math that KaTeX and LaTeX (amsmath, amssymb) both render: ``\checkmark``
(correct), ``\checkmark_{\text{carried}}`` (correct given the values carried), ``\approx``
with the value it rounds to (rounding slip), and a bold ``\times`` with the exact value
and the cause (wrong). The original document is never modified: the copy is built in
memory and written as a whole.
"""

from __future__ import annotations

import re

from symnn.check.digits import show
from symnn.check.documents.check import DocumentCheck, Judged

SHOWN_DIGITS = 6
TEXT_UNSAFE = re.compile(r"[^A-Za-z0-9 .,;:()'/+=-]")


def annotate(result: DocumentCheck) -> str:
    """The document's text with a mark inserted after each claimed number."""
    text = result.source.text
    inserts = [(j.located.end, mark(j)) for j in result.judged if j.located.end is not None]
    inserts += [
        (f.end, formula_mark(f))
        for f in result.formulas
        if f.end is not None and f.verdict in ("correct", "wrong")
    ]
    inserts.sort(key=lambda item: item[0])
    if result.source.notebook is not None:
        from symnn.check.documents.notebook import rebuild

        return rebuild(result.source, inserts)
    parts, last = [], 0
    for offset, text_mark in inserts:
        parts += [text[last:offset], text_mark]
        last = offset
    parts.append(text[last:])
    return "".join(parts)


def mark(judged: Judged) -> str:
    """The LaTeX mark for one verdict (starting with a thin space)."""
    verdict = judged.verdict
    exact = show(verdict.exact, SHOWN_DIGITS)
    if verdict.verdict == "correct":
        return r"\;\checkmark"
    if verdict.verdict == "correct-with-carried":
        return r"\;\checkmark_{\text{carried}}"
    if verdict.verdict == "rounding-slip":
        rounded = verdict.claim.written.show(verdict.exact)
        return rf"\;\approx\text{{ (rounding: exact {exact}, rounds to {rounded})}}"
    cause = f"; {_safe(verdict.cause)}" if verdict.cause else ""
    return rf"\;\boldsymbol{{\times}}\text{{ (exact {exact}{cause})}}"


def formula_mark(formula) -> str:
    """The mark for a general formula: it holds for every index, or the slips named."""
    if formula.verdict == "correct":
        return r"\;\checkmark"
    causes = ", ".join(formula.causes) or "wrong for some indices"
    return rf"\;\boldsymbol{{\times}}\text{{ ({_safe(causes)})}}"


def _safe(text: str) -> str:
    """Text that is safe inside ``\\text{}`` for both KaTeX and LaTeX."""
    return TEXT_UNSAFE.sub(" ", text)
