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
from symnn.check.documents.chains import Equation, Side, blank, split
from symnn.check.documents.source import Block, Source
from symnn.check.formula import FormulaError, NameRef, parse_formula, parse_ref
from symnn.check.names import Names
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


def read(source: Source, block: Block, names: Names, constants: dict):
    """The claims, general formulas and skipped equations of one math block."""
    located: list[Located] = []
    general: list[General] = []
    skipped: list[Skipped] = []
    clean = blank(block.text)
    for equation in split(block.text):
        written = block.text[equation.start : equation.end]
        line = source.line(block.offset + equation.start)
        if len(equation.sides) < 2:
            skipped.append(Skipped(line, written, "prose"))
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
        if _derivative_of_known(name, names):
            return None, ("local", "")
        if isinstance(value, Written) and _looks_like_name(name):
            closest = names.suggest(name, 3)
            return None, ("unreadable", f"unknown quantity {name!r}; closest: {closest}")
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
