"""Renderers: views of a Derivation as documents (``latex``) and code (``numpy``).

``environment()`` is the one Jinja2 environment of the package. It loads templates from
the repository's ``templates/`` folder next to the package when run from a checkout,
else from the installed ``symnn.templates`` package (a wheel).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from symnn.render.fit import fit_rows

PAIR_WIDTH = 88  # shown characters of two rows side by side that fit a page (10pt, A4)
# Characters with a meaning in LaTeX prose, and what to write instead.
TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
    "&": r"\&", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
}
MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|$"


def tex_escape(text: str) -> str:
    """Plain text made safe for LaTeX prose: ``my_net#2.toml`` -> ``my\\_net\\#2.toml``."""
    return "".join(TEX_SPECIAL.get(ch, ch) for ch in str(text))


def markdown_escape(text: str) -> str:
    """Plain text made safe for Markdown prose (every special character backslashed)."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in str(text))


def side_by_side(blocks: list) -> list[list[str]]:
    """Blocks of aligned rows (``a &= b``) two by two in one block of four columns
    (``a &= b & c &= d``) where two blocks of the same height fit the width of the page
    (``PAIR_WIDTH`` characters shown, by ``shown_length``); any other block stands
    alone, and the pairs read row by row. Rows given as strings come back as one block,
    paired only if the widest left row and the widest right row fit together (they
    share the columns of one display; so they keep one reading order)."""
    if blocks and isinstance(blocks[0], str):
        rows = [[row] for row in blocks]
        # one align*: its columns are as wide as their widest row
        fits = len(blocks) < 2 or _width(blocks[::2]) + _width(blocks[1::2]) <= PAIR_WIDTH
        return [[row for block in side_by_side(rows) for row in block] if fits else blocks]
    paired, start = [], 0
    while start < len(blocks):
        left = list(blocks[start])
        right = list(blocks[start + 1]) if start + 1 < len(blocks) else None
        if right is None or len(left) != len(right) or \
                _width(left) + _width(right) > PAIR_WIDTH:
            paired.append(left)
            start += 1
            continue
        paired.append([f"{a} & {b}" for a, b in zip(left, right, strict=True)])
        start += 2
    return paired


def _width(rows: list[str]) -> int:
    return max(shown_length(row) for row in rows)


def shown_length(latex: str) -> int:
    """A rough count of the characters a row of math shows: commands, braces, scripts'
    markers and spaces do not count."""
    text = re.sub(r"\\[A-Za-z]+", "#", latex)
    return len(re.sub(r"[{}_^ &\\,]", "", text))


def template_root() -> Path:
    """The templates: a checkout's own ``templates/`` folder when the package runs from
    one (so an editable install elsewhere cannot lend its copy), else the installed
    ``symnn.templates`` package."""
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if (checkout / "latex" / "content.j2").is_file() and (checkout / "__init__.py").is_file():
        return checkout
    return Path(str(resources.files("symnn.templates")))


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment for every template (strict: an unknown name is an error)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_root())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["tex_escape"] = tex_escape
    env.filters["md_escape"] = markdown_escape
    env.filters["side_by_side"] = side_by_side
    env.filters["fit"] = fit_rows
    return env
