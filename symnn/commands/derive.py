"""``symnn derive SPEC [--json | --jsonl] [--only ID ...] [--expand]``: every quantity,
its formula and its value.

The rows come from ``symnn.document.quantities`` and are printed by
``symnn.render.listing``: the text table, JSON (written row by row) or JSON Lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from symnn import claimable, limits, notation, spec
from symnn.derive import derive
from symnn.document import quantities
from symnn.errors import SymnnError
from symnn.evaluate import evaluate
from symnn.render.listing import write_json, write_jsonl, write_table

EXPAND_LIMIT = 200  # parameters; beyond this the expanded expressions are unreadable


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn derive``."""
    parser.add_argument("spec", help="network spec (TOML)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON instead of a table")
    form.add_argument("--jsonl", action="store_true",
                      help="print JSON Lines: one object per quantity, with its id")
    parser.add_argument(
        "--only", nargs="+", metavar="ID", default=[],
        help="these quantities only, e.g. 'dout[3,1]/dnet[3,1]' 'E[1]' 'Dw[3,1,1]' 'out[2,:]' "
        "(quote them in the shell)",
    )
    parser.add_argument(
        "--expand",
        action="store_true",
        help=f"also give each quantity in inputs, weights and biases (nets up to "
        f"{EXPAND_LIMIT} parameters)",
    )
    limits.add_max_parameters(parser, "derive")


def run(args: argparse.Namespace) -> int:
    """Derive the spec and print the table, JSON or JSON Lines."""
    network_spec = spec.load(args.spec)
    limits.check_network(network_spec, "derive", args.max_parameters)
    chosen = notation.from_spec(network_spec)
    if args.expand and network_spec.parameter_count > EXPAND_LIMIT:
        raise SymnnError(
            f"--expand: the net has {network_spec.parameter_count} parameters; expanded "
            f"expressions are offered up to {EXPAND_LIMIT}"
        )
    derivation = derive(network_spec)
    numbers = evaluate(derivation) if network_spec.values else None
    only = claimable.select(derivation.network, args.only) if args.only else None
    rows = quantities(derivation, numbers, expand=args.expand, only=only)
    if args.json:
        write_json(rows, chosen, sys.stdout)
    elif args.jsonl:
        write_jsonl(rows, chosen, sys.stdout)
    else:
        write_table(rows, sys.stdout)
    return 0


def demo(outdir: Path, stream: TextIO) -> None:
    """The derive part of the demo: the worked example's table."""
    from symnn import examples

    network_spec = spec.load(examples.path(examples.WORKED_EXAMPLE))
    derivation = derive(network_spec)
    print("== symnn derive: the seeds' worked example (2-2-2, sigmoid, MSE) ==", file=stream)
    write_table(quantities(derivation, evaluate(derivation)), stream)
