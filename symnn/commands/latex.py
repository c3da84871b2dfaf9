"""``symnn latex SPEC [-o FILE] [--format tex|fragment|markdown|pdf] [--notation PRESET]
[--style full|compact] [--diagram names|values] [--only ID ...]``: the derivation as a
document for notes (``--style compact``: per layer one formula and a table of numbers).

Without ``-o`` the text formats go to standard output and a PDF to ``SPEC-STEM.pdf``.
Markdown written to a file gets the network diagram as an SVG beside it (``notes.md``:
``notes.svg``), which the document shows.
Without ``--format`` the format follows the suffix of ``-o`` (.tex, .md, .pdf), else tex.
The document is rendered in full before anything is written, and the file is written
to a temporary name and renamed, so an error never leaves a partial file behind.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TextIO

from symnn import limits, notation, spec
from symnn.derive import derive
from symnn.output import write_atomic
from symnn.render.latex import (
    DIAGRAM_STYLES,
    FORMATS,
    STYLES,
    compile_pdf,
    diagram_svg,
    render,
)

SUFFIX_FORMATS = {".tex": "tex", ".md": "markdown", ".markdown": "markdown", ".pdf": "pdf"}


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn latex``."""
    parser.add_argument("spec", help="network spec (TOML)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write here (default: standard output; pdf: SPEC-STEM.pdf)")
    parser.add_argument("--format", choices=FORMATS,
                        help="tex (standalone), fragment (for \\input), markdown (KaTeX/MathJax) "
                             "or pdf (runs pdflatex); default: from the suffix of -o, else tex")
    parser.add_argument("--notation", metavar="PRESET",
                        help=f"notation preset: {', '.join(notation.PRESETS)} (default: the "
                             "spec's [notation] preset, else net-out)")
    parser.add_argument("--style", choices=STYLES, default="full",
                        help="full (default: every chain, the matrix form) or compact (per layer "
                             "the general formula once, then a table of every neuron's numbers)")
    parser.add_argument("--diagram", choices=DIAGRAM_STYLES, default="names",
                        help="what the network diagram shows: names (default) or values "
                             "(outputs on the neurons, gradients on the edges; needs [values])")
    parser.add_argument("--only", nargs="+", metavar="ID", default=[],
                        help="per-item lines only for these ids, e.g. 'w[2,1,1]' 'delta[3,1]' "
                             "(quote them in the shell)")
    limits.add_max_parameters(parser, "latex")


def run(args: argparse.Namespace) -> int:
    """Render the document and write it."""
    network_spec = spec.load(args.spec)
    limits.check_network(network_spec, "latex", args.max_parameters)
    fmt = args.format or SUFFIX_FORMATS.get(Path(args.output or "").suffix.lower(), "tex")
    chosen = notation.from_spec(network_spec, preset=args.notation)
    derivation = derive(network_spec)
    source = Path(args.spec).name
    if fmt == "pdf":
        tex = render(derivation, "tex", chosen, args.only, source, diagram=args.diagram,
                     style=args.style)
        output = args.output or f"{Path(args.spec).stem}.pdf"
        write_atomic(Path(output), compile_pdf(tex))
        print(f"wrote {output}", file=sys.stderr)
        return 0
    svg_path = Path(args.output).with_suffix(".svg") if args.output and fmt == "markdown" \
        else None
    text = render(derivation, fmt, chosen, args.only, source,
                  svg_name=svg_path.name if svg_path else None, diagram=args.diagram,
                  style=args.style)
    if svg_path is not None:
        write_atomic(svg_path, diagram_svg(derivation, chosen, args.diagram).encode("utf-8"))
    if args.output:
        write_atomic(Path(args.output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def demo(outdir: Path, stream: TextIO) -> None:
    """The latex part of the demo: the worked example as Markdown, LaTeX and PDF."""
    from symnn import examples

    spec_path = examples.path(examples.WORKED_EXAMPLE)
    stem = spec_path.stem
    derivation = derive(spec.load(spec_path))
    print("== symnn latex: the worked example as notes ==", file=stream)
    write_atomic(outdir / f"{stem}.svg", diagram_svg(derivation).encode("utf-8"))
    print(f"{'svg':<9} {outdir / f'{stem}.svg'}", file=stream)
    for fmt, suffix in (("markdown", ".md"), ("tex", ".tex")):
        path = outdir / f"{stem}{suffix}"
        text = render(derivation, fmt, source=spec_path.name,
                      svg_name=f"{stem}.svg" if fmt == "markdown" else None)
        write_atomic(path, text.encode("utf-8"))
        print(f"{fmt:<9} {path}", file=stream)
    pdf = outdir / f"{stem}.pdf"
    if shutil.which("pdflatex") is None:
        print(f"pdf       not made: pdflatex is not installed ({PDF_HINT})", file=stream)
        return
    write_atomic(pdf, compile_pdf((outdir / f"{stem}.tex").read_text(encoding="utf-8")))
    print(f"pdf       {pdf}", file=stream)


PDF_HINT = "symnn latex --format pdf says how to install it"
