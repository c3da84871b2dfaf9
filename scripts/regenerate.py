"""Regenerate the checked-in modules of generated/ from the specs in examples/.

    python scripts/regenerate.py              write generated/*.py
    python scripts/regenerate.py --check      compare only; exit 1 if any file differs
    python scripts/regenerate.py --outdir D   write into D instead (the tests use this)

Each target is the output of ``symnn codegen SPEC --style STYLE --dtype DTYPE`` with the
spec named by its path relative to the repository root, so the result does not depend
on where the checkout lives. tests/test_codegen_golden.py fails if a fresh regeneration
differs from generated/ by a single byte.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symnn import spec  # noqa: E402  (after the path is set)
from symnn.derive import derive  # noqa: E402
from symnn.render.numpy import render  # noqa: E402

# output file -> (spec relative to the repository root, style, dtype)
TARGETS = {
    "worked_example_001.py": ("examples/worked-example-001.toml", "vectorized", "float64"),
    "worked_example_001_unrolled.py": ("examples/worked-example-001.toml", "unrolled", "float64"),
    "mnist_784_20_20_10.py": ("examples/mnist-784-20-20-10.toml", "vectorized", "float64"),
    "digits_softmax.py": ("examples/digits-softmax.toml", "vectorized", "float64"),
}


def generate() -> dict[str, str]:
    """The text of every target module, by file name."""
    texts, derivations = {}, {}
    for name, (source, style, dtype) in TARGETS.items():
        if source not in derivations:
            derivations[source] = derive(spec.load(ROOT / source))
        texts[name] = render(derivations[source], style=style, dtype=dtype, source=source)
    return texts


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check compare) every target; the exit status says if all agree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--outdir", type=Path, default=ROOT / "generated")
    args = parser.parse_args(argv)
    texts = generate()
    if args.check:
        stale = [name for name, text in texts.items()
                 if not (args.outdir / name).is_file()
                 or (args.outdir / name).read_bytes() != text.encode("utf-8")]
        extra = sorted(p.name for p in args.outdir.glob("*.py") if p.name not in texts)
        for name in stale:
            print(f"differs from a fresh regeneration: {args.outdir / name}")
        for name in extra:
            print(f"not produced by any target: {args.outdir / name}")
        return 1 if stale or extra else 0
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (args.outdir / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {args.outdir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
