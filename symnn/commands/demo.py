"""``symnn demo [--outdir DIR]``: every feature on the built-in worked example (seed 001)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# The parts of the demo, in order; each is a subcommand module's ``demo(outdir, stream)``.
DEMO_PARTS = ("derive", "latex", "codegen", "check")


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn demo``."""
    parser.add_argument(
        "--outdir", default="symnn-demo", help="where to write the files (default: symnn-demo)"
    )


def run(args: argparse.Namespace) -> int:
    """Run each part of the demo in turn."""
    from symnn.cli import command_module

    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for part in DEMO_PARTS:
        command_module(part).demo(outdir, sys.stdout)
        print(file=sys.stdout)
    print(f"Files written to {outdir.resolve()}", file=sys.stdout)
    return 0
