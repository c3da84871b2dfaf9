"""Read the math of a Jupyter notebook: its Markdown cells, each with the Markdown reader.

The notebook is read with nbformat; code cells and outputs are never read. The Markdown
cells are joined (a blank line between cells) into the text the blocks' offsets refer
to, and every line of that text is mapped to its line in the ``.ipynb`` file (where the
cell's source line stands in the JSON), so a report's line numbers point into the file.
"""

from __future__ import annotations

import json
from copy import deepcopy

import nbformat

from symnn.check.documents import markdown
from symnn.check.documents.source import Source
from symnn.errors import SpecError


def read(text: str, name: str) -> Source:
    """The math blocks of a notebook's Markdown cells, in order."""
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a file that is not one
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(f"{name}: expected a Jupyter notebook (JSON): {reason}") from None
    joined, segments, line_map = "", [], []
    cursor = 0
    state: dict = {}
    blocks = []
    spec_text = None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        start = len(joined)
        found, spec = markdown.blocks(cell.source, base=start, state=state)
        blocks += found
        spec_text = spec_text or spec
        for line in cell.source.split("\n"):
            cursor, number = _file_line(text, line, cursor)
            line_map.append(number)
        line_map.append(line_map[-1])  # the blank line between cells
        joined += cell.source + "\n\n"
        segments.append((start, start + len(cell.source), index))
    source = Source(name, joined, blocks, spec_text)
    source.names = state.get("names", {})
    source.line_map = line_map
    source.notebook = (notebook, segments)
    return source


def _file_line(text: str, line: str, cursor: int) -> tuple[int, int]:
    """Where a cell's source line stands in the notebook file: (new cursor, 1-based line)."""
    for encoded in (json.dumps(line, ensure_ascii=False)[1:-1], json.dumps(line)[1:-1]):
        if not encoded:
            continue
        found = text.find(encoded, cursor)
        if found >= 0:
            return found + len(encoded), text.count("\n", 0, found) + 1
    return cursor, text.count("\n", 0, cursor) + 1


def rebuild(source: Source, inserts: list[tuple[int, str]]) -> str:
    """The notebook with the marks inserted into its Markdown cells (as nbformat writes it)."""
    notebook, segments = source.notebook
    copy = deepcopy(notebook)
    for start, end, index in segments:
        cell = copy.cells[index]
        text = cell.source
        for offset, mark in sorted(
            (item for item in inserts if start <= item[0] <= end), key=lambda item: -item[0]
        ):
            text = text[: offset - start] + mark + text[offset - start :]
        cell.source = text
    return nbformat.writes(copy)
