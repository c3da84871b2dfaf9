"""What a document reader yields: the math blocks of a document, where they stand.

Every reader (Markdown, LaTeX, notebook) turns a document into a ``Source``: its text and
its math ``Block`` objects in order, each with the offset of its math in the text (so a
report gives line numbers and an annotated copy can insert marks), the spec directive in
force and whether a ``symnn: skip`` directive covers it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

MAX_DOCUMENT = 2_000_000  # characters in a document
MAX_BLOCKS = 5_000  # math blocks read from one document
DIRECTIVE = re.compile(r"<!--\s*symnn:\s*(skip|spec\s+(\S+))\s*-->")


@dataclass(frozen=True)
class Block:
    """One piece of math as written, without its delimiters."""

    text: str
    offset: int  # where the math's first character stands in the document's text
    spec: str | None = None  # the spec file a `symnn: spec FILE` directive switched to
    skip: bool = False  # a `symnn: skip` directive stands right before it
    display: bool = True
    placed: bool = True  # False: the math was not found verbatim (offset is the block's)


@dataclass
class Source:
    """A document read by one reader: its text, math blocks and the spec it carries."""

    name: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    spec_text: str | None = None  # a ```toml block with [network]
    front: dict | None = None  # the front matter's symnn: table (spec file or the spec)
    names: dict = field(default_factory=dict)  # [names] of ```toml blocks without [network]
    line_map: list[int] | None = None  # line of the text -> line of the file (notebooks)
    notebook: tuple | None = None  # (notebook, [(start, end, cell index)]) for a notebook
    _starts: list[int] = field(default_factory=list, repr=False)

    def line(self, offset: int) -> int:
        """The 1-based line of an offset in the text (in the file, for a notebook)."""
        if not self._starts:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._starts, offset)
        if self.line_map:
            return self.line_map[min(line, len(self.line_map)) - 1]
        return line


def directive(comment: str, state: dict, pattern: re.Pattern = DIRECTIVE) -> None:
    """Apply a symnn directive comment to a reader's state: ``skip`` marks the next block,
    ``spec FILE`` switches the spec; any other comment leaves the state as it is."""
    match = pattern.search(comment)
    if match is None:
        return
    if match[1] == "skip":
        state["skip"] = True
    else:
        state["spec"] = match[2]



def shorten(text: str, width: int) -> str:
    """The text with its whitespace collapsed, cut to ``width`` characters with "…"."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
