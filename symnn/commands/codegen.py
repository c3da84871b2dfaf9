"""``symnn codegen SPEC [-o FILE] [--style vectorized|unrolled] [--dtype float64|float32]``.

Writes a standalone NumPy module computing the spec's network, loss, gradients and
training (see ``symnn.render.numpy`` and docs/codegen.md). Without ``-o`` the module
goes to standard output. The module is rendered in full before anything is written, and
a file is written under a temporary name and renamed, so an error leaves no partial file.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from symnn import limits, spec
from symnn.derive import derive
from symnn.evaluate import evaluate
from symnn.output import write_atomic
from symnn.render.numpy import DTYPES, STYLES, UNROLLED_LIMIT, example_arrays, render

DEMO_MODULE = "worked_example_001.py"
DEMO_UNROLLED = "worked_example_001_unrolled.py"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn codegen``."""
    parser.add_argument("spec", help="network spec (TOML)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the module here (default: standard output)")
    parser.add_argument("--style", choices=STYLES, default="vectorized",
                        help="vectorized (arrays, fast; default) or unrolled (one line per "
                             f"neuron and gradient; nets up to {UNROLLED_LIMIT} parameters)")
    parser.add_argument("--dtype", choices=DTYPES, default="float64",
                        help="floating-point type of parameters and arrays (default: float64)")
    limits.add_max_parameters(parser, "codegen")


def run(args: argparse.Namespace) -> int:
    """Generate the module and write it."""
    network_spec = spec.load(args.spec)
    limits.check_network(network_spec, "codegen", args.max_parameters)
    derivation = derive(network_spec)
    text = render(derivation, style=args.style, dtype=args.dtype, source=args.spec)
    if args.output:
        write_atomic(Path(args.output), text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def import_file(path: Path, name: str) -> ModuleType:
    """Import a generated module from its file."""
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def demo(outdir: Path, stream: TextIO) -> None:
    """The codegen part of the demo: write the worked example's module, train one step."""
    from symnn import examples

    source = examples.path(examples.WORKED_EXAMPLE)
    network_spec = spec.load(source)
    derivation = derive(network_spec)
    label = f"examples/{examples.WORKED_EXAMPLE}"
    print("== symnn codegen: the worked example as a NumPy module ==", file=stream)
    for name, style in ((DEMO_MODULE, "vectorized"), (DEMO_UNROLLED, "unrolled")):
        write_atomic(outdir / name, render(derivation, style=style, source=label))
        print(f"wrote {name} ({style})", file=stream)
    module = import_file(outdir / DEMO_MODULE, "symnn_demo_worked_example_001")
    params, X, Y = example_arrays(network_spec)
    rate = float(network_spec.values.learning_rate)
    before = module.loss(params, X, Y)
    after = module.loss(module.sgd_step(params, X, Y, rate), X, Y)
    exact = evaluate(derivation)
    exact_before, exact_after = exact.as_float("E"), exact.as_float("E'")
    print(f"one training step of {DEMO_MODULE} on the worked example, learning rate {rate}:",
          file=stream)
    print(f"  E  before the step: {before:.10f}   (derivation: {exact_before:.10f})", file=stream)
    print(f"  E' after the step:  {after:.10f}   (derivation: {exact_after:.10f})", file=stream)
