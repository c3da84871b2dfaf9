"""Regenerate the pictures of the worked example's notes under docs/images/.

    python scripts/docs_pages.py

Writes docs/images/worked-example-001-page-N.png (the PDF's pages at 100 dpi, by
pdftoppm), docs/images/worked-example-001-compact-page-N.png (the same with
``--style compact``) and docs/images/worked-example-001.svg (the diagram of the Markdown
notes), so a reader sees what ``symnn latex`` gives before installing.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symnn import examples, spec  # noqa: E402
from symnn.derive import derive  # noqa: E402
from symnn.render.latex import compile_pdf, diagram_svg, render  # noqa: E402

IMAGES = ROOT / "docs" / "images"
STEM = "worked-example-001"


def main() -> None:
    """Write the page PNGs and the SVG."""
    path = examples.path(examples.WORKED_EXAMPLE)
    derivation = derive(spec.load(path))
    IMAGES.mkdir(parents=True, exist_ok=True)
    for old in IMAGES.glob(f"{STEM}-*page-*.png"):
        old.unlink()
    for style, prefix in (("full", f"{STEM}-page"), ("compact", f"{STEM}-compact-page")):
        with tempfile.TemporaryDirectory() as work:
            pdf = Path(work) / f"{STEM}.pdf"
            pdf.write_bytes(compile_pdf(render(derivation, "tex", source=path.name,
                                               style=style)))
            subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(IMAGES / prefix)],
                           check=True)
    (IMAGES / f"{STEM}.svg").write_text(diagram_svg(derivation), encoding="utf-8")
    for image in sorted(IMAGES.glob(f"{STEM}*")):
        print(image.relative_to(ROOT))


if __name__ == "__main__":
    main()
