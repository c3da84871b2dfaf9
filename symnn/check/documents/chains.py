r"""Split one block of math into equations, and each equation into its sides.

A block as authors write it holds several equations: ``A = 0.15 \quad B = 0.53``, rows
``\\`` of an ``align``, ``x = 0.5, y = 0.25``, ``&`` alignment. Each equation is a chain
``A = B = … = v`` (``\approx`` counts as ``=``). A row that begins with ``=`` or ``&=``
continues the equation of the row above.

The block is scanned once, token by token (a command ``\name``, ``\\``, one character),
with the nesting depth of ``{}``, ``()``, ``[]`` and ``\begin…\end`` environments: only
separators at depth 0 split. Every piece keeps its span in the block text, so a reader
can give each side its source line and an annotation can be inserted right after it.
Labels (``\label{…}``, ``\tag{…}``, ``\nonumber``) and display wrappers
(``\begin{equation*}``, ``aligned``, ``align`` …) are blanked to spaces first, which keeps
every offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Environments that only lay out equations: their \begin/\end are blanked, their rows split.
WRAPPERS = (
    "equation", "equation*", "align", "align*", "aligned", "alignat", "alignat*", "alignedat",
    "gather", "gather*", "gathered", "split", "multline", "multline*", "eqnarray",
    "eqnarray*", "flalign", "flalign*", "displaymath", "math",
)
IGNORED_ARGUMENT = ("label", "tag", "tag*", "eqref", "hspace", "vspace")  # with one {…}
IGNORED = ("nonumber", "notag", "displaystyle", "textstyle", "qed", "nolinebreak")
SPACES = ("quad", "qquad")  # split equations
EQUALS = ("=", r"\approx")  # chain equations
OPEN, CLOSE = "{([", "})]"
TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|.", re.S)


@dataclass(frozen=True)
class Side:
    """One side of an equation: its text as written and its span in the block."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Equation:
    """A chain ``A = B = … = v``: its sides, in order (one side: no ``=`` at all)."""

    sides: tuple[Side, ...]

    @property
    def start(self) -> int:
        """Offset of the equation's first character in the block."""
        return self.sides[0].start

    @property
    def end(self) -> int:
        """Offset just after the equation's last character in the block."""
        return self.sides[-1].end


def blank(text: str) -> str:
    """The block with labels and display wrappers replaced by spaces (same length)."""
    chars = list(text)
    for match in _commands(text):
        name = match.group()[1:]
        end = match.end()
        if name in ("begin", "end"):
            argument = _argument(text, end)
            if argument is None or argument[0] not in WRAPPERS:
                continue
            end = argument[1]
            if name == "begin" and argument[0].startswith("alignat"):
                extra = _argument(text, end)  # \begin{alignat}{2}
                end = extra[1] if extra else end
        elif name in IGNORED_ARGUMENT:
            argument = _argument(text, end)
            end = argument[1] if argument else end
        elif name not in IGNORED:
            continue
        chars[match.start() : end] = " " * (end - match.start())
    return "".join(chars)


def _commands(text: str) -> Iterator[re.Match]:
    return (m for m in TOKEN.finditer(text) if m.group().startswith("\\") and len(m.group()) > 2)


def _argument(text: str, start: int) -> tuple[str, int] | None:
    """The ``{…}`` argument right after ``start`` (spaces allowed): its text and end."""
    match = re.compile(r"\s*\{([^{}]*)\}").match(text, start)
    return (match[1].strip(), match.end()) if match else None


def split(text: str) -> list[Equation]:
    """The equations of a block of math, in order, with continuation rows joined."""
    clean = blank(text)
    equations: list[Equation] = []
    for row_start, row_end in _split_at(clean, 0, len(clean), _is_row_break):
        pieces = _pieces(clean, row_start, row_end)
        for number, (start, end) in enumerate(pieces):
            sides = _sides(text, clean, start, end)
            if not sides:
                continue
            first = sides[0]
            continues = number == 0 and equations and first.text == "" and len(sides) > 1
            if continues:
                equations[-1] = Equation(equations[-1].sides + sides[1:])
            else:
                equations.append(Equation(sides))
    return equations


def _pieces(clean: str, start: int, end: int) -> list[tuple[int, int]]:
    """The equations of one row; a list in brackets, ``[x = 0.5, y = 0.25]``, is opened."""
    pieces = []
    for a, b in _split_at(clean, start, end, _is_piece_break):
        a, b = _trim(clean, a, b)
        inner = _bracketed(clean, a, b)
        if inner and _has_equals(clean, *inner):
            pieces.extend(_pieces(clean, *inner))
        else:
            pieces.append((a, b))
    return pieces


def _bracketed(clean: str, start: int, end: int) -> tuple[int, int] | None:
    """The inside of a span that is one bracket pair ``[…]``, ``(…)`` or ``\\{…\\}``."""
    if end - start < 2 or clean[start] not in "[(" or clean[end - 1] not in "])":
        return None
    depth = 0
    for match in TOKEN.finditer(clean, start, end):
        token = match.group()
        if token in OPEN:
            depth += 1
        elif token in CLOSE:
            depth -= 1
            if depth == 0:
                return (start + 1, end - 1) if match.end() == end else None
    return None


def _sides(text: str, clean: str, start: int, end: int) -> tuple[Side, ...]:
    """The sides of one equation; the first is empty for a row that begins with ``=``."""
    spans = list(_split_at(clean, start, end, _is_equals))
    sides = []
    for index, (a, b) in enumerate(spans):
        a, b = _trim(clean, a, b)
        if a == b and index > 0:
            continue  # "a == b" or a trailing "="
        sides.append(Side(text[a:b] if a < b else "", a, b))
    if len(sides) == 1 and not sides[0].text:
        return ()
    return tuple(sides)


def _trim(clean: str, start: int, end: int) -> tuple[int, int]:
    """A span without surrounding spaces, ``&``, ``.`` and TeX spacing commands."""
    tokens = [m for m in TOKEN.finditer(clean, start, end) if not _blank_token(m.group())]
    if not tokens:
        return start, start
    last = len(tokens)
    while last > 1 and tokens[last - 1].group() in (".", ","):  # the sentence's full stop
        last -= 1
    return tokens[0].start(), tokens[last - 1].end()


def _blank_token(token: str) -> bool:
    return token.isspace() or token in ("&", "~", r"\,", r"\;", r"\:", r"\!", r"\ ") or (
        token[1:] in SPACES
    )


# ---------------------------------------------------------------------------- scanning


def _tokens(clean: str, start: int, end: int) -> Iterator[re.Match]:
    """The tokens of a span that stand at nesting depth 0."""
    depth = 0
    for match in TOKEN.finditer(clean, start, end):
        token = match.group()
        if token in OPEN or token in (r"\{", r"\begin"):
            depth += 1
        elif token in CLOSE or token in (r"\}", r"\end"):
            depth = max(depth - 1, 0)
        elif depth == 0:
            yield match


def _split_at(clean: str, start: int, end: int, is_break) -> Iterator[tuple[int, int]]:
    """Spans between the depth-0 tokens for which ``is_break`` is true."""
    piece = start
    for match in _tokens(clean, start, end):
        if is_break(match, clean, piece):
            yield piece, match.start()
            piece = match.end()
    yield piece, end


def _is_row_break(match: re.Match, clean: str, piece: int) -> bool:
    return match.group() in ("\\\\", r"\cr", r"\newline")


def _is_piece_break(match: re.Match, clean: str, piece: int) -> bool:
    token = match.group()
    if token[1:] in SPACES or token == ";":
        return True
    if token == ",":  # "x = 0.5, y = 0.25" lists equations; "f(a, b)" is nested anyway
        return _has_equals(clean, piece, match.start()) and _has_equals(
            clean, match.end(), len(clean), stop=True
        )
    if token == "&":  # "x &= 1", "x & = & 1" align; "a = 1 & b = 2" separates two equations
        rest = clean[match.end() :].lstrip()
        before = clean[piece : match.start()].strip()
        return bool(before) and not rest.startswith(EQUALS) and not before.endswith(EQUALS)
    return False


def _has_equals(clean: str, start: int, end: int, stop: bool = False) -> bool:
    """True when a span holds ``=`` at depth 0 (with ``stop``: before the next separator)."""
    for match in _tokens(clean, start, end):
        token = match.group()
        if token in EQUALS:
            return True
        if stop and (token in (",", ";", "&", "\\\\") or token[1:] in SPACES):
            return False
    return False


def _is_equals(match: re.Match, *_) -> bool:
    return match.group() in EQUALS
