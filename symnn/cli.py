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

from symnn.errors import SymnnError

# name -> (module, one-line help). Imported on use: each pulls in only what it needs.
COMMANDS = {
    "derive": ("symnn.commands.derive", "derive every gradient of a spec: table or JSON"),
    "latex": ("symnn.commands.latex", "write the derivation as LaTeX, Markdown or PDF"),
    "codegen": ("symnn.commands.codegen", "generate a standalone NumPy module"),
    "check": ("symnn.commands.check", "check a hand calculation (a worksheet)"),
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
        return command_module(args.command).run(args)
    except SymnnError as exc:
        print(f"symnn: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
