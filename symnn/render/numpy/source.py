"""How generated source is laid out: line width, wrapping, and the params keys."""

from __future__ import annotations

import re
import textwrap

from symnn.spec import NetworkSpec

LINE_WIDTH = 100  # ruff's line-length in pyproject.toml
INDENT = "    "


def wrap(statement: str, indent: str = INDENT, width: int = LINE_WIDTH) -> list[str]:
    """Lines of one assignment or comment, each at most ``width`` characters with indent.

    A long assignment's right-hand side is put in parentheses and broken before ``+`` or
    ``-`` operators, preferring those least deep inside parentheses; a long comment is
    broken at spaces.
    """
    if len(indent + statement) <= width:
        return [indent + statement]
    if statement.startswith("#"):
        body = textwrap.wrap(statement[1:].strip(), width - len(indent) - 2)
        return [f"{indent}# {line}" for line in body]
    target, op, value = re.match(r"^(\S+) (=|\+=|-=|\*=|/=) (.*)$", statement).groups()
    inner = indent + INDENT
    lines = []
    while len(inner + value) > width:
        breaks = _break_points(value)
        fitting = [(depth, -pos, pos) for pos, depth in breaks if len(inner) + pos <= width]
        if not fitting:
            break
        _, _, pos = min(fitting)
        lines.append(inner + value[:pos])
        value = value[pos + 1:]
    lines.append(inner + value)
    return [f"{indent}{target} {op} (", *lines, f"{indent})"]


def _break_points(text: str) -> list[tuple[int, int]]:
    """(position, parenthesis depth) of each space before a binary ``+`` or ``-``."""
    points, depth = [], 0
    for pos, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == " " and text[pos + 1:pos + 3] in ("+ ", "- ") and pos > 0:
            points.append((pos, depth))
    return points


def wrap_all(statements: list[str]) -> list[str]:
    """The lines of several statements, each wrapped by ``wrap``."""
    return [line for statement in statements for line in wrap(statement)]


def tuple_source(items: list[str], bare: bool = False) -> str:
    """Python source of a tuple: ``(a, b)``, ``(a,)``; ``a, b`` if ``bare`` (as the target
    of an unpacking; one item keeps its parentheses and comma)."""
    if len(items) == 1:
        return f"({items[0]},)"
    inner = ", ".join(items)
    return inner if bare else f"({inner})"


def weight_key(layer: int) -> str:
    """The params key of the weights feeding a layer: layer 2 is fed by ``W1``."""
    return f"W{layer - 1}"


def bias_key(spec: NetworkSpec, layer: int) -> str | None:
    """The params key of a layer's biases, or None without biases."""
    return None if spec.bias == "none" else f"b{layer - 1}"

