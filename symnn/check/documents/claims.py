r"""Turn a document's equations into the checker's claims, and say why others are skipped.

An equation ``A = B = … = v`` whose leftmost side names a quantity of the network (read
through the notation, as worksheet names are: ``names.Names``) and whose rightmost side
is a number is a claim: the name as written, the id it resolves to, the value with its
written digits, and the formula of the middle side nearest the number (the one with the
numbers in it) when the formula grammar reads it. Every other equation is skipped with a
reason (``SKIP_REASONS``), or listed as unreadable when it looks like a claim but cannot be
read (a malformed number such as ``0.0.76``, a name the network does not have).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from symnn.check import digits
from symnn.check.digits import Written
from symnn.check.documents import matrices
from symnn.check.documents.chains import Equation, Side, blank, split
from symnn.check.documents.general import DERIVATIVE
from symnn.check.documents.source import Block, Source, shorten
from symnn.check.formula import FormulaError, NameRef, parse_formula, parse_ref
from symnn.check.names import Names, Reading
from symnn.check.worksheet import Claim

GENERAL = "general formula"
SKIP_REASONS = {
    "prose": "prose math (no equation)",
    "unknown": "no known name",
    "notation": "definition of notation",
    GENERAL: "general formula (free indices)",
    "no-number": "formula without a number",
    "local": "local derivative (not a quantity of its own)",
    "point": "a function at a number",
}
# a script of free indices: x_j, w_{ij}, x^{l+1}, w^{L-1}, w_{i,j} (not w_{h1}, E_{total})
FREE_INDEX = re.compile(r"[_^]\s*(?:\{[ijklLmn0-9+\-,() ]*[ijklL][ijklLmn0-9+\-,() ]*\}|[ijklL])")
POINT = re.compile(r"\((?:[^()]*[^\w^_{])?[-+]?\d+(?:\.\d+)?\s*(?:,[^()]*)?\)\s*$")  # L(3.01)
SPACING = re.compile(r"\\[,;:! ]|~|\\(?:quad|qquad)\b|\s|[{}]")
TRAILING = re.compile(r"(?:\\l?dots|\\cdots|\.\.\.|…)$")
NUMBERISH = re.compile(r"[+\-]?[\d.]*\d[\d.]*")
LOCAL = re.compile(r"\\frac\{\\partial\s*(.+?)\}\{\\partial\s*(.+)\}")  # ∂A/∂B
MAX_NAME = 500  # characters of a left side read as a name
SHOWN = 40  # characters of a left side shown in a note


@dataclass(frozen=True)
class Located:
    """A claim read from a document: where it stands and the equation as written."""

    claim: Claim
    line: int  # the line of the claimed number
    text: str  # the equation as written
    end: int | None  # offset in the document right after the number (annotations go there)
    remark: str = ""  # what the reader could not use (a formula it cannot read)
    moved_from: str | None = None  # the id the name reads as, when the number fits another


@dataclass(frozen=True)
class General:
    """An equation with free indices, to be checked for every index value."""

    line: int
    text: str
    sides: tuple[str, ...]  # the sides' texts, labels blanked
    end: int | None  # offset in the document right after the equation


@dataclass(frozen=True)
class Skipped:
    """An equation that is not a claim, or one that cannot be read, with the reason."""

    line: int
    text: str
    reason: str  # a key of SKIP_REASONS, or "unreadable"
    note: str = ""


def read(source: Source, block: Block, names: Names, constants: dict, matrix=None,
         before: str | None = None):
    """The claims, general formulas and skipped equations of one math block.

    ``matrix(text)`` reads a side as a matrix of expressions in ids (``general.Formulas``):
    with it, a chain whose number is a matrix of numbers is a claim per entry. ``before``
    is the last equation of the display block before, when it ends in a formula: a block
    that begins with ``=`` continues it (``out_{h1} = \\frac{1}{1+e^{-net_{h1}}}`` then
    ``= 0.593``).
    """
    located: list[Located] = []
    general: list[General] = []
    skipped: list[Skipped] = []
    clean = blank(block.text)
    for number, equation in enumerate(split(block.text)):
        written = block.text[equation.start : equation.end]
        line = source.line(block.offset + equation.start)
        if number == 0 and before and not equation.sides[0].text and len(equation.sides) > 1:
            joined = _continued(source, block, equation, before, names, constants)
            if joined is not None:
                located.append(joined)
                continue
        if len(equation.sides) < 2:
            skipped.append(Skipped(line, written, "prose"))
            continue
        entries = _numbers(block.text, equation.sides[-1]) if matrix else None
        if entries is not None:
            found, problem = _matrix_claims(equation, clean, entries, matrix, constants)
            for claim, offset, note in found:
                end = block.offset + offset if block.placed else None
                line = source.line(block.offset + offset)
                located.append(Located(claim, line, written, end, note))
            if problem:
                skipped.append(Skipped(line, written, *problem))
            continue
        claim, remark = _claim(equation, clean, names, constants)
        if claim is None and remark[0] == GENERAL:
            sides = tuple(_text(clean, side) for side in equation.sides)
            end = block.offset + equation.end if block.placed else None
            general.append(General(line, written, sides, end))
            continue
        if claim is None:
            skipped.append(Skipped(line, written, *remark))
            continue
        value_side = equation.sides[-1]
        line = source.line(block.offset + value_side.start)
        end = block.offset + value_side.end if block.placed else None
        located.append(Located(claim, line, written, end, remark))
    return located, general, skipped


def _claim(equation: Equation, clean: str, names: Names, constants: dict):
    """``(Claim, remark)`` for a claim, or ``(None, (reason, note))`` for a skipped one."""
    first, *middle, last = equation.sides
    name = tidy(_text(clean, first))
    value = number(_text(clean, last))
    reading = names.read(name) if len(name) <= MAX_NAME else None
    if reading is not None and POINT.search(name):
        return None, ("point", "")  # L(3) = 16: a function at a number, not the network's
    if reading is None:
        if _free(name):
            return None, (GENERAL, "")
        if value is None and _matrix_form(name):
            return None, (GENERAL, "")  # Z_1 = W_1 X + b_1: a matrix form at given layers
        if _derivative_of_known(name, names):
            return None, ("local", "")
        if isinstance(value, Written) and _looks_like_name(name):
            closest = names.suggest(name, 3)
            problem = names.problem(name)
            why = f" ({problem})" if problem else ""
            return None, ("unreadable", f"unknown quantity {name!r}{why}; closest: {closest}")
        return None, ("unknown", "")
    if value == "malformed":
        return None, ("unreadable", f"malformed number {last.text!r}")
    if value is None:
        sides = [_text(clean, side) for side in equation.sides[1:]]
        if all(names.read(side) is not None for side in sides if len(side) <= MAX_NAME):
            return None, ("notation", "")
        return None, (GENERAL, "")  # a formula without a number: checked for every index
    formula, remark = None, ""
    for side in reversed(middle):
        text = _text(clean, side)
        problem = _unreadable_formula(text, names, constants)
        if problem is None:
            formula, remark = text, ""
            break
        remark = remark or f"formula {side.text!r} not read: {problem}"
    return Claim(first.text, reading, value, formula), remark


def _continued(source, block: Block, equation: Equation, before: str, names, constants):
    """The claim of an equation that continues the block before's last one, or None."""
    written = before + " " + block.text[equation.start : equation.end]
    joined = split(written)
    if len(joined) != 1:
        return None
    claim, remark = _claim(joined[0], blank(written), names, constants)
    if claim is None:
        return None
    value_side = equation.sides[-1]
    end = block.offset + value_side.end if block.placed else None
    return Located(claim, source.line(block.offset + value_side.start), written, end, remark)


def last_formula(block: Block) -> str | None:
    """A display block's last equation when it ends in a formula (no number), else None."""
    equations = split(block.text) if block.display else []
    if not equations or len(equations[-1].sides) < 2:
        return None
    last = equations[-1]
    if number(last.sides[-1].text) is not None or not last.sides[0].text:
        return None
    return block.text[last.start : last.end]


def _numbers(text: str, side: Side) -> list[list[tuple[Written, int]]] | None:
    """A side that is one matrix of numbers: its entries and their ends in the block."""
    found = matrices.literals(side.text, strict=False)
    if len(found) != 1 or found[0][:2] != (0, len(side.text)):
        return None
    rows, cursor = [], side.start + found[0][0]
    cells = matrices.grid(found[0][2])
    if sum(len(row) for row in cells) > matrices.MAX_ENTRIES:
        return None
    for row in cells:
        entries = []
        for cell in row:
            value = number(cell)
            if not isinstance(value, Written):
                return None
            cursor = text.index(cell, cursor) + len(cell)
            entries.append((value, cursor))
        rows.append(entries)
    if len({len(row) for row in rows}) != 1:
        return None
    return rows


def _matrix_claims(equation: Equation, clean: str, entries, matrix, constants: dict):
    """A claim per entry of a matrix of numbers: ``([(Claim, end)], problem or None)``."""
    first, *middle, _last = equation.sides
    left = _text(clean, first)
    try:
        value, note = matrix(left)
    except FormulaError as exc:
        return [], ("unreadable", f"matrix {shorten(left, SHOWN)!r} not read: {exc.reason}")
    shape = (len(entries), len(entries[0]))
    if value is None:
        return [], ("unreadable", f"matrix {shorten(left, SHOWN)!r}: a name in it is no quantity")
    if not isinstance(value, sympy.MatrixBase):
        value = sympy.Matrix([[value]])
    if value.shape != shape:
        shown = f"{value.rows}×{value.cols}"
        return [], ("unreadable", f"{shape[0]}×{shape[1]} numbers for the {shown} {left!r}")
    formulas = _entry_formulas(middle, clean, shape, constants)
    found = []
    for r, row in enumerate(entries):
        for c, (written, end) in enumerate(row):
            reading = _entry_reading(left, value[r, c], (r + 1, c + 1))
            if reading is None:
                return [], ("unreadable", f"{shorten(left, SHOWN)!r}: an entry is no quantity")
            formula = formulas[r][c] if formulas else None
            found.append((Claim(reading.written, reading, written, formula), end, note))
    return found, None


def _entry_reading(left: str, expr, where: tuple[int, int]) -> Reading | None:
    """The reading of one entry: its id when it is one quantity, else an expression name."""
    if not isinstance(expr, sympy.Expr) or not expr.free_symbols:
        return None
    if any(s.name.startswith(DERIVATIVE) for s in expr.free_symbols):
        return None  # a local derivative the model does not compute
    if isinstance(expr, sympy.Symbol):
        return Reading(expr.name, f"{' '.join(left.split())}{list(where)}", True)
    shown = f"{' '.join(left.split())}[{where[0]},{where[1]}]"
    return Reading(shown, shown, False, expression=expr)


def _entry_formulas(middle, clean: str, shape, constants: dict):
    """The entries of the middle side nearest the numbers, when it is one matrix of them."""
    if not middle:
        return None
    text = _text(clean, middle[-1])
    found = matrices.literals(text, strict=False)
    if len(found) != 1 or found[0][:2] != (0, len(text)):
        return None
    rows = matrices.grid(found[0][2])
    if (len(rows), len({len(row) for row in rows}) and len(rows[0])) != shape:
        return None
    return [[cell for cell in row] for row in rows]


def _text(clean: str, side: Side) -> str:
    """A side's text with labels blanked out, stripped."""
    return clean[side.start : side.end].strip()


def number(text: str) -> Written | str | None:
    """A side that is a number: its ``Written`` digits, ``"malformed"``, or None."""
    compact = SPACING.sub("", text).replace("−", "-").replace(r"\text-", "-")
    compact = TRAILING.sub("", compact).rstrip(".,;")
    written = digits.read(compact)
    if written is not None and "e" not in compact.lower():
        return written
    return "malformed" if NUMBERISH.fullmatch(compact) else None


def _free(text: str) -> bool:
    """True when a name carries a letter index (``x_j^l``, ``w^{L-1}_{ij}``)."""
    return bool(FREE_INDEX.search(text))


def _matrix_form(text: str) -> bool:
    """True for a matrix literal or a matrix name at a given layer (``W_2``, ``\\delta_3``)."""
    return bool(matrices.ENVIRONMENT.search(text) or matrices.GIVEN_LAYER.search(text))


def _derivative_of_known(text: str, names: Names) -> bool:
    """True for ∂A/∂B where A and B are quantities (a local factor such as ∂out/∂net)."""
    match = LOCAL.fullmatch(text)
    return bool(match) and all(names.read(part) is not None for part in match.groups())


def tidy(text: str) -> str:
    """A name with TeX's optional spaces removed: ``\\frac {∂E}{∂w}`` -> ``\\frac{∂E}{∂w}``."""
    text = re.sub(r"\\frac\s+\{", r"\\frac{", text.strip())
    text = re.sub(r"\}\s+\{", "}{", text)
    return re.sub(r"\\partial\s*", r"\\partial ", text)


def _looks_like_name(text: str) -> bool:
    try:
        parse_ref(text)
    except FormulaError:
        return False
    return True


def _unreadable_formula(text: str, names: Names, constants: dict) -> str | None:
    """None when the formula grammar reads ``text`` to a real number, else the reason."""

    def resolve(ref: NameRef):
        quantity_id = names.of_ref(ref)
        if quantity_id is not None:
            return constants["exact"].get(quantity_id)
        bare = ref.sub is None and ref.sup is None and ref.prefix is None
        if bare and ref.derivative_of is None:
            return constants.get(ref.base)
        return None

    try:
        value = parse_formula(text, resolve)
    except FormulaError as exc:
        return exc.reason
    value = value if value.is_Rational else value.evalf(30)
    if not (value.is_number and value.is_real and value.is_finite):
        return "does not evaluate to a real number"
    if isinstance(value, sympy.Expr):
        return None
    return "not a number"
