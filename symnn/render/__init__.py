"""Renderers: views of a Derivation as documents (``latex``) and code (``numpy``).

``environment()`` is the one Jinja2 environment of the package. It loads templates from
the installed ``symnn.templates`` package (the repository's ``templates/`` folder), so it
works from a checkout, an editable install and a wheel alike; a checkout's own
``templates/`` come first (an editable install maps ``symnn.templates`` to the checkout it
was installed from, which need not be the one whose ``symnn`` is imported).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

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


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment for every template (strict: an unknown name is an error)."""
    checkout = Path(__file__).resolve().parents[2] / "templates"
    root = checkout if (checkout / "numpy").is_dir() else resources.files("symnn.templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["tex_escape"] = tex_escape
    env.filters["md_escape"] = markdown_escape
    return env
