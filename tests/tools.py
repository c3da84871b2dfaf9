"""Helpers for tests that check LaTeX and KaTeX output.

Import them as ``from tests.tools import compile_latex, katex_errors, ...`` (the test
command ``python -m pytest`` is run from the repository root, which puts it on sys.path).

The external tools they drive (pdflatex, pdftoppm, node + the npm package ``katex``) are
installed by ``scripts/install-test-deps.sh``. When one is missing the helper raises
AssertionError saying so: a test of rendered output must not pass by being skipped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KATEX_SCRIPT = Path(__file__).resolve().parent / "katex_check.cjs"
INSTALL_HINT = "run `bash scripts/install-test-deps.sh` first"


def _require_program(name: str) -> str:
    """Return the path of program ``name`` on PATH, or fail with the install hint."""
    path = shutil.which(name)
    if path is None:
        raise AssertionError(f"{name} is not on PATH: {INSTALL_HINT}")
    return path


def _latex_errors(log: str, max_context: int = 8) -> str:
    """Return the error lines of a TeX log (those starting with ``!``), each followed by
    its context up to the ``l.<line>`` pointer into the source (at most ``max_context``
    lines)."""
    lines = log.splitlines()
    picked: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("!"):
            for context_line in lines[i : i + 1 + max_context]:
                picked.append(context_line)
                if context_line.startswith("l."):
                    break
            picked.append("")
    return "\n".join(picked)


def compile_latex(tex_source: str, workdir: Path, *, name: str = "document") -> Path:
    """Compile ``tex_source`` with pdflatex in ``workdir`` and return the PDF's path.

    Writes ``workdir/<name>.tex`` and runs ``pdflatex -interaction=nonstopmode
    -halt-on-error -no-shell-escape`` once. On failure raises AssertionError carrying the
    log's ``!`` error lines, each with its context down to the ``l.<line>`` pointer (or
    the end of the log if it has no ``!`` line); the full log stays at
    ``workdir/<name>.log``.
    """
    pdflatex = _require_program("pdflatex")
    workdir.mkdir(parents=True, exist_ok=True)
    tex_path = workdir / f"{name}.tex"
    tex_path.write_text(tex_source, encoding="utf-8")
    proc = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex_path.name],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=300,
    )
    pdf_path = workdir / f"{name}.pdf"
    if proc.returncode != 0 or not pdf_path.exists():
        log_path = workdir / f"{name}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        log = log or proc.stdout.decode("utf-8", errors="replace")
        # The ! lines say what went wrong; without any, show the end of the log instead
        # (minus TeX's closing memory statistics).
        details = _latex_errors(log)
        if not details:
            before_stats = log.split("Here is how much of TeX's memory you used:")[0]
            details = "\n".join(before_stats.splitlines()[-20:])
        raise AssertionError(f"pdflatex failed on {tex_path} (exit {proc.returncode}):\n{details}")
    return pdf_path


def katex_errors(formulas: list[str]) -> list[str | None]:
    """Render every formula with KaTeX and return, per formula, None if it rendered or
    KaTeX's error message if it did not.

    All formulas go through one node process (tests/katex_check.cjs), using
    ``katex.renderToString(tex, {throwOnError: true, displayMode: true})``. Pass formulas
    without their ``$``/``$$`` delimiters (as :func:`markdown_math_blocks` returns them).
    """
    if not formulas:
        return []
    node = _require_program("node")
    if not (REPO_ROOT / "node_modules" / "katex" / "package.json").exists():
        raise AssertionError(f"node_modules/katex is missing: {INSTALL_HINT}")
    proc = subprocess.run(
        [node, str(KATEX_SCRIPT)],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    if proc.returncode != 0:
        raise AssertionError(f"{KATEX_SCRIPT.name} failed (exit {proc.returncode}):\n{proc.stderr}")
    results = json.loads(proc.stdout)
    assert len(results) == len(formulas), "katex_check.cjs returned the wrong number of results"
    return results


# Fenced code blocks (``` or ~~~, up to the matching closing fence or the end) and inline
# code spans: math inside code is not math, so these are blanked out before scanning.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[ \t]*$|\Z)", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
# $$...$$ (may span lines), or $...$ on one line whose content neither starts nor ends
# with whitespace and whose closing $ is not followed by a digit (pandoc's rule); a dollar
# preceded by a backslash is a literal dollar, not a delimiter.
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?P<inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?![$\d])",
    re.S,
)


def markdown_math_blocks(markdown: str) -> list[str]:
    """Return the TeX inside every math delimiter of ``markdown``, in document order.

    Extracted, each with surrounding whitespace stripped:

    - display math ``$$ ... $$``, which may span several lines;
    - inline math ``$...$`` on a single line, where the text right after the opening
      ``$`` and right before the closing ``$`` is not whitespace and the closing ``$`` is
      not followed by a digit (pandoc's rule, so prose such as "costs $5 and $6" yields
      nothing).

    Not extracted: anything inside fenced code blocks (``` or ~~~) or inline code spans,
    ``\\$`` (an escaped, literal dollar), and ``\\(...\\)`` / ``\\[...\\]`` (not used by
    symnn). Raises ValueError if a ``$$`` is left unclosed, since a viewer would then
    render the rest of the document wrongly.
    """
    text = _FENCE.sub("", markdown)
    text = _CODE_SPAN.sub("", text)
    blocks: list[str] = []
    for match in _MATH.finditer(text):
        blocks.append((match["display"] or match["inline"]).strip())
    leftover = _MATH.sub("", text)
    if re.search(r"(?<!\\)\$\$", leftover):
        raise ValueError("markdown has an unclosed $$ display block")
    return blocks


def pdf_page_pngs(pdf: Path, outdir: Path, *, dpi: int = 80) -> list[Path]:
    """Render every page of ``pdf`` to ``outdir/page-<n>.png`` with pdftoppm and return
    the PNG paths in page order (for looking at the pages, e.g. with an image viewer)."""
    pdftoppm = _require_program("pdftoppm")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(outdir / "page")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pages = list(outdir.glob("page-*.png"))
    return sorted(pages, key=lambda p: int(p.stem.rsplit("-", 1)[1]))
