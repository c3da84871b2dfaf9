r"""Read the math of a LaTeX document with pylatexenc's walker.

Math is what the walker finds: ``$…$``, ``$$…$$``, ``\(…\)``, ``\[…\]`` and the display
environments (``equation``, ``align``, ``gather``, ``multline``, ``eqnarray``, starred or
not), anywhere in the document (also inside section titles and other environments).
Verbatim-like environments are never read. A comment ``% symnn: skip`` skips the next math,
``% symnn: spec FILE`` switches the spec for what follows.
"""

from __future__ import annotations

import re

from pylatexenc.latexwalker import (
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexMacroNode,
    LatexMathNode,
    LatexWalker,
    LatexWalkerError,
)

from symnn.check.documents.chains import WRAPPERS
from symnn.check.documents.source import Block, Source, directive
from symnn.errors import SpecError

VERBATIM = ("verbatim", "verbatim*", "lstlisting", "minted", "comment", "Verbatim")
DIRECTIVE = re.compile(r"^\s*symnn:\s*(skip|spec\s+(\S+))\s*$")


def read(text: str, name: str) -> Source:
    """The math blocks of a LaTeX document, in order."""
    try:
        nodes, _, _ = LatexWalker(text, tolerant_parsing=True).get_latex_nodes()
    except LatexWalkerError as exc:  # tolerant parsing raises only on what it cannot skip
        raise SpecError(f"{name}: cannot read the LaTeX: {exc}") from None
    source = Source(name, text)
    state = {"spec": None, "skip": False}
    _walk(nodes, text, source.blocks, state)
    return source


def _walk(nodes, text: str, blocks: list[Block], state: dict) -> None:
    for node in nodes or []:
        if node is None:
            continue
        if isinstance(node, LatexCommentNode):
            directive(node.comment, state, DIRECTIVE)
        elif isinstance(node, LatexMathNode):
            opening, closing = node.delimiters
            start = node.pos + len(opening)
            content = text[start : node.pos + node.len - len(closing)]
            blocks.append(_block(content, start, state, node.displaytype == "display"))
        elif isinstance(node, LatexEnvironmentNode):
            if node.environmentname in VERBATIM:
                continue
            if node.environmentname in WRAPPERS:
                content = text[node.pos : node.pos + node.len]
                blocks.append(_block(content, node.pos, state, True))
                continue
            _walk(node.nodelist, text, blocks, state)
        elif isinstance(node, LatexMacroNode) and node.nodeargd is not None:
            _walk([a for a in node.nodeargd.argnlist if a is not None], text, blocks, state)
        elif getattr(node, "nodelist", None):
            _walk(node.nodelist, text, blocks, state)


def _block(content: str, offset: int, state: dict, display: bool) -> Block:
    block = Block(content, offset, state["spec"], state["skip"], display)
    state["skip"] = False
    return block
