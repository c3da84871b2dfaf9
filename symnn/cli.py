"""The ``symnn`` command line: one subcommand per module in ``symnn/commands``.

Every subcommand module provides ``configure(parser)`` and ``run(args) -> int``; those
named in ``symnn.commands.demo.DEMO_PARTS`` also ``demo(outdir, stream)`` (their part of
``symnn demo``). User errors (``SymnnError``) are
printed as one line ``symnn: error: …`` with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from symnn.errors import SpecWarning, SymnnError

# name -> (module, one-line help). Imported on use: each pulls in only what it needs.
COMMANDS = {
    "derive": ("symnn.commands.derive", "derive every gradient of a spec: table or JSON"),
    "latex": ("symnn.commands.latex", "write the derivation as LaTeX, Markdown or PDF"),
    "codegen": ("symnn.commands.codegen", "generate a standalone NumPy module"),
    "check": ("symnn.commands.check", "check a hand calculation (a worksheet)"),
    "train": ("symnn.commands.train", "train the generated module on a data set, plot the loss"),
    "assign": ("symnn.commands.assign", "draw every student's numbers: problems, worksheets, keys"),
    "grade": ("symnn.commands.grade", "grade a class's filled worksheets: gradebook, feedback"),
    "demo": ("symnn.commands.demo", "run everything on the built-in worked example"),
}


def command_module(name: str):
    """The module implementing a subcommand."""
    return importlib.import_module(COMMANDS[name][0])


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    Each subcommand's arguments come from its module, whose import pulls in SymPy; with
    ``only`` (a command name, or "" for none) only that module is imported, so
    ``symnn --help`` and each command start without importing the others.
    """
    parser = argparse.ArgumentParser(
        prog="symnn",
        description="Exact, checkable backpropagation. Without a command: symnn demo.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            command_module(name).configure(command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    argv = (sys.argv[1:] if argv is None else argv) or ["demo"]
    command = next((a for a in argv if not a.startswith("-")), "")
    args = build_parser(command if command in COMMANDS else "").parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", SpecWarning)
            warnings.showwarning = _show_warning
            return command_module(args.command).run(args)
    except SymnnError as exc:
        for line in exc.lines():
            print(f"symnn: error: {line}", file=sys.stderr)
        return 2
    except RecursionError:
        print(f"symnn: error: {args.command}: the input is nested too deeply", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"symnn: error: {args.command}: out of memory", file=sys.stderr)
        return 2
    except (OverflowError, ValueError, ArithmeticError) as exc:
        if not _too_large(exc):
            raise
        print(f"symnn: error: values: the network's numbers grow too large to compute with "
              f"or print ({type(exc).__name__}); use smaller values", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _too_large(exc: Exception) -> bool:
    """An exception that says a number is too large (for a float, a string, a Decimal)."""
    import decimal

    if isinstance(exc, OverflowError | decimal.InvalidOperation):
        return True
    return isinstance(exc, ValueError) and "integer string conversion" in str(exc)


def _show_warning(message, category, *_args, **_kwargs) -> None:
    """Warnings about the input as one line ``symnn: warning: …`` (others as usual)."""
    if issubclass(category, SpecWarning):
        print(f"symnn: warning: {message}", file=sys.stderr)
    else:
        print(f"{category.__name__}: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
