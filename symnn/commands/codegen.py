"""``symnn codegen``: not written yet (in progress)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from symnn.errors import SymnnError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn codegen``."""
    parser.add_argument("spec")


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    raise SymnnError("codegen: not implemented yet")


def demo(outdir: Path, stream: TextIO) -> None:
    """Nothing yet."""
