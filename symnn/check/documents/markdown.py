r"""Read the math of a Markdown (or plain text) document with markdown-it-py.

Math is what the parser finds: ``$…$`` and ``$$…$$`` (mdit-py-plugins' dollarmath),
``\(…\)`` and ``\[…\]`` (texmath, brackets), amsmath environments standing alone
(``\begin{align}…\end{align}``), and Liquid ``{% katex %}…{% endkatex %}`` blocks (a block
rule of ours). Code blocks (fenced, such as mermaid diagrams, and indented), HTML blocks,
``<script>`` and other Liquid tags are never read as math: the parser makes them tokens of
their own, which are skipped. HTML comments carry directives: ``<!-- symnn: skip -->``
skips the next block of math, ``<!-- symnn: spec FILE -->`` switches the spec for the
rest of the document. A fenced ``toml`` block with a ``[network]`` table is the
document's own spec.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.texmath import texmath_plugin

from symnn.check.documents.source import Block, Source, directive
from symnn.errors import SpecError

MAX_FRONT_MATTER = 50_000  # characters of a front matter read for its symnn: key
MATH_TOKENS = ("math_inline", "math_inline_double", "math_block", "math_block_label", "amsmath")
LIQUID_KATEX = re.compile(r"\{%-?\s*katex(?:\s+display)?\s*-?%\}")
LIQUID_END = re.compile(r"\{%-?\s*endkatex\s*-?%\}")


@cache
def parser() -> MarkdownIt:
    """The Markdown parser: CommonMark with the math plugins and the Liquid katex rule."""
    md = MarkdownIt("commonmark").use(front_matter_plugin)
    md.use(dollarmath_plugin, allow_space=True, allow_digits=False, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    md.use(amsmath_plugin)
    md.block.ruler.before("paragraph", "liquid_katex", _liquid_katex)
    md.inline.ruler.before("math_inline", "liquid", _liquid_tag)
    return md


def read(text: str, name: str) -> Source:
    """The math blocks of a Markdown document, in order."""
    source = Source(name, text)
    state: dict = {}
    source.blocks, source.spec_text = blocks(text, state=state)
    source.front = state.get("front")
    source.names = state.get("names", {})
    return source


def blocks(text: str, base: int = 0, state: dict | None = None):
    """The math of a Markdown text (offsets shifted by ``base``) and its own spec, if any.

    ``state`` carries the directives in force from one call to the next (notebook cells).
    """
    tokens = parser().parse(text)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    found: list[Block] = []
    state = {} if state is None else state
    state.setdefault("spec", None)
    state.setdefault("skip", False)
    state["cursor"] = 0
    spec_text = None
    for token in tokens:
        start = starts[token.map[0]] if token.map and token.map[0] < len(starts) else None
        if token.type in ("html_block", "html_inline"):
            directive(token.content, state)
        elif token.type == "front_matter":
            state["front"] = front_matter(token.content)
        elif token.type == "fence" and token.info.strip().lower() == "toml":
            spec_text = spec_text or _toml_spec(token.content, state)
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "html_inline":
                    directive(child.content, state)
                elif child.type in MATH_TOKENS:
                    found.append(_block(text, child.content, start, state, base, False))
        elif token.type in MATH_TOKENS:
            found.append(_block(text, token.content, start, state, base, True))
    return found, spec_text


def _block(text: str, content: str, start, state: dict, base: int, display: bool) -> Block:
    """A math token as a Block, found in the text at or after the reading cursor."""
    origin = max(state["cursor"], start or 0)
    offset = text.find(content, origin)
    if offset < 0:
        offset = text.find(content.strip(), origin)
    placed = offset >= 0
    if not placed:  # rewritten by the parser (a blockquote's "> "): the block's start
        offset = origin
    else:
        state["cursor"] = offset + len(content)
    block = Block(content, base + offset, state["spec"], state["skip"], display, placed)
    state["skip"] = False
    return block


def _toml_spec(content: str, state: dict) -> str | None:
    """A ```toml block: the document's spec ([network]), or names of its own ([names])."""
    try:
        table = tomllib.loads(content)
    except tomllib.TOMLDecodeError:
        return None
    if isinstance(table.get("network"), dict):
        return content
    if isinstance(table.get("names"), dict):
        state.setdefault("names", {}).update(table["names"])
    return None


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases (a front matter never needs them)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not read")
        return super().compose_node(parent, index)


def front_matter(content: str) -> dict | None:
    """The ``symnn:`` key of a YAML front matter, as a table (None when there is none).

    ``symnn: net.toml`` names the spec file; ``symnn: {spec: FILE, names: {…}}`` or a
    table holding the spec itself (``network``, ``values``, ``notation``, ``names``).
    """
    if len(content) > MAX_FRONT_MATTER or "symnn" not in content:
        return None
    try:
        data = yaml.load(content, Loader=_NoAliases)  # a SafeLoader without aliases
    except yaml.YAMLError:
        return None  # not YAML (a TOML front matter, say): not ours to read
    if not isinstance(data, dict) or "symnn" not in data:
        return None
    value = data["symnn"]
    if isinstance(value, str):
        return {"spec": value}
    if not isinstance(value, dict):
        shown = type(value).__name__
        raise SpecError(f"front matter: symnn: expected a spec file or a table, got {shown}")
    return value


def _liquid_katex(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A Liquid ``{% katex %}…{% endkatex %}`` block: math, as Jekyll's KaTeX plugin has it."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    opening = LIQUID_KATEX.match(state.src, begin, state.eMarks[start_line])
    if opening is None:
        return False
    closing = LIQUID_END.search(state.src, opening.end())
    if closing is None:
        return False
    last = start_line
    while last < end_line and state.eMarks[last] < closing.end():
        last += 1
    if last >= end_line:
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = state.src[opening.end() : closing.start()]
    token.map = [start_line, last + 1]
    token.markup = "katex"
    state.line = last + 1
    return True


def _liquid_tag(state: StateInline, silent: bool) -> bool:
    """A Liquid tag ``{% … %}`` or output ``{{ … }}`` inline: one token, never math."""
    for opening, closing in (("{%", "%}"), ("{{", "}}")):
        if state.src.startswith(opening, state.pos):
            end = state.src.find(closing, state.pos + 2)
            if end < 0:
                return False
            if not silent:
                token = state.push("liquid", "", 0)
                token.content = state.src[state.pos : end + 2]
            state.pos = end + 2
            return True
    return False
