"""Time ``symnn check DOC --spec SPEC`` on the seed tutorial against the worksheet check.

Prints the seconds of each (best of 3, in one process, after a warm-up that pays the
imports) and their ratio: the document check reads the whole seed (Markdown parsing,
chain splitting, the general formulas' identity tests) on top of the same judge.

    python bench/check_document.py
"""

from __future__ import annotations

import time
from pathlib import Path

from symnn.check.documents import report_file
from symnn.commands.check import check_file

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "documents" / "seed-001.md"
SPEC = ROOT / "examples" / "worked-example-001.toml"
WORKSHEET = ROOT / "examples" / "worked-example-001-worksheet.toml"


def best(function, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print both times and the ratio."""
    check_file(WORKSHEET)  # warm-up: imports
    sheet = best(lambda: check_file(WORKSHEET))
    document = best(lambda: report_file(SEED, SPEC))
    print(f"worksheet check: {sheet:.2f} s")
    print(f"document check of the seed: {document:.2f} s")
    print(f"ratio document / worksheet: {document / sheet:.2f}")


if __name__ == "__main__":
    main()
