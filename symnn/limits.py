"""The limits symnn enforces before doing any work, in one place (listed in docs/limits.md).

Every limit is checked from the input's size or text before anything big is allocated,
and a violation is one :class:`~symnn.errors.SpecError` line naming the field, the limit
and, where one makes sense, how to lift it. The numbers:

- **Network size per command** (``MAX_PARAMETERS``): weights plus biases. derive and
  codegen admit 784-256-256-10 (269,322 parameters); derive with ``[values]``
  (``MAX_VALUES_PARAMETERS``) works every number out exactly and admits 784-20-20-10;
  latex writes a few lines per weight and check searches the claimant's slips, so they
  stop earlier. ``--max-parameters N``
  (or ``check_network(spec, command, max_parameters=N)``) lifts the limit.
- **Layer width** ``MAX_WIDTH`` neurons, and ``MAX_COUPLED_WIDTH`` for a layer whose
  activation couples its neurons (softmax: every output depends on every net, so the
  work grows with the square of the width). **Depth** ``MAX_DEPTH`` layers: the cost of
  a derivation grows faster than linearly with depth.
- **Input text**: a spec or worksheet file of at most ``MAX_FILE_BYTES``; TOML arrays and
  inline tables nested at most ``MAX_TOML_DEPTH`` deep and strings of at most
  ``MAX_STRING`` characters and at most ``MAX_KEY_DOTS`` dotted key parts per line
  (checked on the raw text, before the parser, which recurses
  and reads long strings slowly).
- **Numbers read from text** (spec values, claimed values): at most ``MAX_DIGITS``
  significant digits, and a size of 0 or between 10^-``MAX_EXPONENT`` and
  10^``MAX_EXPONENT``; at most ``MAX_NUMBER_TEXT`` characters as written. A worksheet
  has at most ``MAX_CLAIMS`` claims.
- **Formulas** (``symnn.check.formula``): their own limits on length, nesting, exponents
  and the size of every intermediate value (``FORMULA_MAX_LOG10``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from symnn.errors import SpecError

# Parameters (weights + biases) a command accepts by default; --max-parameters lifts it.
MAX_PARAMETERS = {
    "derive": 300_000,  # 784-256-256-10 has 269,322
    "codegen": 300_000,
    "latex": 60_000,  # typesetting every layer's sums: ~15 s of CPU at 784-64-64-10
    "check": 5_000,  # the slip search re-runs the network per candidate: ~5 s here
}
# derive with [values] works out every number exactly (and the step): ~16 s of CPU at
# 784-20-20-10 (16,330), so 784-256-256-10 would take minutes; --max-parameters lifts it.
MAX_VALUES_PARAMETERS = 20_000
MAX_WIDTH = 10_000  # neurons in one layer
MAX_COUPLED_WIDTH = 20  # neurons in a softmax layer (work ~ width squared)
MAX_DEPTH = 100  # layers, the input layer included

MAX_FILE_BYTES = 4 * 1024 * 1024  # a spec or worksheet file (TOML reads ~1 MB per second)
MAX_TOML_DEPTH = 32  # nested [ and { in TOML text
MAX_KEY_DOTS = 1_000  # dots joining key parts on one line (a.b.c = 1 has 2)
MAX_STRING = 100_000  # characters of a TOML string (names, formulas, notation)

MAX_DIGITS = 100  # significant digits of a number read from text
MAX_EXPONENT = 300  # a nonzero number lies between 10^-300 and 10^300 in size
MAX_NUMBER_TEXT = 1_000  # characters of a number as written (a quoted claim)
MAX_CLAIMS = 2_000  # claims in one worksheet

FORMULA_MAX_LOG10 = 1_000  # every intermediate value of a formula is below 10^1000
SHOWN = 60  # characters of a user's value quoted in an error message


def add_max_parameters(parser, command: str) -> None:
    """The ``--max-parameters N`` option of a command (argparse)."""
    parser.add_argument(
        "--max-parameters", type=_positive_int, metavar="N", default=None,
        help=f"refuse nets with more than N weights and biases "
             f"(default: {MAX_PARAMETERS[command]})",
    )


def _positive_int(text: str) -> int:
    if not text.isdigit() or len(text) > 12 or int(text) < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text[:SHOWN]!r}")
    return int(text)


def check_network(spec, command: str, max_parameters: int | None = None) -> None:
    """Refuse a network too large for ``command`` before any work is done.

    ``max_parameters`` replaces the command's default limit (``MAX_PARAMETERS``).
    """
    layers = spec.layers
    if len(layers) > MAX_DEPTH:
        raise SpecError(
            f"network.layers: {len(layers)} layers; symnn handles at most {MAX_DEPTH}"
        )
    for i, size in enumerate(layers):
        if size > MAX_WIDTH:
            raise SpecError(
                f"network.layers[{i}]: {size} neurons; a layer has at most {MAX_WIDTH}"
            )
    _check_coupled(spec)
    limit = MAX_PARAMETERS[command] if max_parameters is None else max_parameters
    what = command
    if command == "derive" and spec.values is not None:
        what = "derive with [values]"
        limit = MAX_VALUES_PARAMETERS if max_parameters is None else max_parameters
    count = spec.parameter_count
    if count > limit:
        lift = "by default (--max-parameters N lifts the limit)"
        if max_parameters is not None:
            lift = "with --max-parameters"
        raise SpecError(
            f"network.layers: {count} parameters; symnn {what} handles at most {limit} {lift}"
        )


def _check_coupled(spec) -> None:
    from symnn import activations

    for i, name in enumerate(spec.activations):
        size = spec.layers[i + 1]
        if not activations.get(name).elementwise and size > MAX_COUPLED_WIDTH:
            raise SpecError(
                f"network.layers[{i + 1}]: {size} neurons with {name}; a {name} layer has at "
                f"most {MAX_COUPLED_WIDTH} (every output depends on every input)"
            )


def check_decimal(value: Decimal, where: str) -> None:
    """Refuse a decimal with too many digits or too large or small a size."""
    if not value.is_finite():
        raise SpecError(f"{where}: expected a finite number, got {shown(value)}")
    digits = value.as_tuple().digits
    significant = len(digits)
    if significant > MAX_DIGITS:
        raise SpecError(
            f"{where}: a number of {significant} significant digits (at most {MAX_DIGITS})"
        )
    if not any(digits):
        return
    size = value.adjusted()
    if size >= MAX_EXPONENT or size < -MAX_EXPONENT:
        raise SpecError(
            f"{where}: expected a number of size between 1e-{MAX_EXPONENT} and "
            f"1e{MAX_EXPONENT}, got {shown(value)}"
        )


def check_rational(value: Fraction | int, where: str) -> None:
    """Refuse an exact number (from the Python API) too large to compute with."""
    value = Fraction(value)
    bits = max(value.numerator.bit_length(), value.denominator.bit_length())
    if bits > 4 * MAX_EXPONENT or (value and not _in_range(value)):
        raise SpecError(
            f"{where}: expected a number of size between 1e-{MAX_EXPONENT} and "
            f"1e{MAX_EXPONENT} of at most {MAX_DIGITS} digits, got {shown(value)}"
        )


def _in_range(value: Fraction) -> bool:
    size = abs(value)
    return Fraction(1, 10**MAX_EXPONENT) <= size < 10**MAX_EXPONENT


def check_number_text(text: str, where: str) -> None:
    """Refuse a number written with too many characters before it is read."""
    if len(text) > MAX_NUMBER_TEXT:
        raise SpecError(
            f"{where}: a number written with {len(text)} characters (at most {MAX_NUMBER_TEXT})"
        )


def check_file_size(size: int, where: str) -> None:
    """Refuse an input file larger than ``MAX_FILE_BYTES``."""
    if size > MAX_FILE_BYTES:
        raise SpecError(
            f"{where}: {size} bytes; a spec or worksheet has at most {MAX_FILE_BYTES}"
        )


# Where a string or comment starting at a quote or '#' ends (an unterminated one is not
# matched, and its characters are scanned as if outside a string).
_TOML_SKIPPED = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""(?:"{1,2})?'
    r"|'''.*?'''(?:'{1,2})?"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*",
    re.DOTALL,
)
# Brackets, quotes, '#', newlines, and dots that join key parts: any dot but a decimal
# point between digits, and ".1" in 1.1.1 (digits joined by dots are a dotted key).
_TOML_SPECIAL = re.compile(r"[\[\]{}\"'#\n]|(?<![\d_])\.|\.(?![\d_])|\.[\d_]+(?=\.[\d_])")


def check_toml_text(text: str, source: str) -> None:
    """Refuse TOML text nested too deeply, with too long a string or too long a dotted
    key, before parsing it (the parser recurses, and is slow on those).

    Strings ("…", '…' and their triple-quoted forms) and comments are skipped, so
    brackets inside them do not count; a table header ``[a]`` counts 1, ``[[a]]`` 2.
    A dot counts as joining key parts unless it is a decimal point (between digits).
    """
    depth = dots = pos = 0
    while match := _TOML_SPECIAL.search(text, pos):
        char, pos = match.group(), match.end()
        if char == "\n":
            dots = 0
        elif char[0] == ".":
            dots += 1
            if dots > MAX_KEY_DOTS:
                _refuse(source, text, pos, f"more than {MAX_KEY_DOTS} dotted key parts")
        elif char in "[{":
            depth += 1
            if depth > MAX_TOML_DEPTH:
                nested = f"arrays or tables nested more than {MAX_TOML_DEPTH} deep"
                _refuse(source, text, pos, nested)
        elif char in "]}":
            depth = max(0, depth - 1)
        else:
            skipped = _TOML_SKIPPED.match(text, pos - 1)
            if skipped:
                length = skipped.end() - skipped.start()
                if length > MAX_STRING and char != "#":
                    string = f"a string of {length} characters (at most {MAX_STRING})"
                    _refuse(source, text, pos, string)
                pos = skipped.end()


def _refuse(source: str, text: str, offset: int, what: str) -> None:
    line = text.count("\n", 0, offset) + 1
    raise SpecError(f"{source}: {what} (line {line})")


def shown(value: object, width: int = SHOWN) -> str:
    """A user's value for an error message: its repr, cut to ``width`` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, Decimal):
        text = str(value) if len(value.as_tuple().digits) < 10 * width else f"{value:.10e}"
    elif isinstance(value, dict):
        return "a table"
    elif isinstance(value, list):
        text = repr(value) if len(value) <= 8 and len(repr(value)) <= width else ""
        return text or f"a list of {len(value)}"
    elif isinstance(value, str) and len(value) > width:
        text = repr(value[:width])
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
