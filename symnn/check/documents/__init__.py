"""Check a document as its author wrote it: one reader per format, the worksheet's judge.

A reader (``markdown``, and the registry ``READERS`` by file suffix) turns the document
into math blocks; ``chains`` splits each block into equations; ``claims`` turns equations
into the same ``Claim`` objects a worksheet yields; ``check`` judges them with the
worksheet's ``Checker``; ``report`` and ``annotate`` print the verdicts.
"""

from __future__ import annotations

from pathlib import Path

SUFFIXES = (".md", ".markdown", ".txt", ".tex", ".ipynb")  # read as documents, not worksheets


def report_file(path, spec_path, fmt: str = "text", preset=None, annotate=None):
    """The report on a document and its exit status; writes the annotated copy if asked."""
    from symnn.check.documents import annotate as annotation
    from symnn.check.documents import check, report
    from symnn.output import write_atomic

    result = check.check(path, spec_path, preset)
    text = report.render(result, fmt)
    if annotate is not None:
        target = Path(annotate)
        if target.resolve() == Path(path).resolve():
            raise check.SpecError("--annotate: the original is never modified; name another file")
        write_atomic(target, annotation.annotate(result))
    return text, report.exit_status(result)
