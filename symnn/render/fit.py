"""Rows of a display made to fit the width of the page.

A row of an aligned display (``lhs &= a = b \\approx c``) wider than ``LINE_WIDTH``
characters, as ``display_width`` estimates them, is broken between its parts, never
inside one: first at ``, \\quad`` between named parts (``W = [..] = [..], \\quad b =
[..]``: each part its own row, aligned on its ``=``), then before a relation (``&= b``,
``&\\approx c``), then between the terms of a sum (``&\\quad + t``). A matrix counts as
its widest row, a fraction as its wider half, so a matrix that fits stays whole. Rows
that hold two side-by-side displays (more than one ``&``) are left as they are
(``symnn.render.side_by_side`` only pairs rows that fit).
"""

from __future__ import annotations

import re

LINE_WIDTH = 84  # characters shown on one line of a display (10 pt, A4, 1.6 cm margins)
RELATIONS = (" = ", r" \approx ")
PARTS = r", \quad "
TERMS = (" + ", " - ")
# Commands that print nothing (or only change the font of what follows) and their width.
SILENT = {"left", "right", "mathrm", "mathbf", "mathit", "boldsymbol", "operatorname", "text",
          "hat", "bar", "tilde", "vec", "top", "displaystyle", "limits", "nolimits"}
SPACES = {"quad": 2.0, "qquad": 4.0}


def fit_rows(rows: list[str], width: float = LINE_WIDTH) -> list[str]:
    """The rows of one display, each too wide a row broken over several (see above)."""
    fitted: list[str] = []
    for row in rows:
        if len(_split_top(row, ("&",))) != 2 or display_width(row) <= width:
            fitted.append(row)
            continue
        fitted += _broken(row, width)
    return fitted


def _broken(row: str, width: float) -> list[str]:
    lhs, rhs = _split_top(row, ("&",))
    parts = _split_top(rhs, (PARTS,))
    if len(parts) > 1:
        rows = [f"{lhs}&{parts[0]}"] + [_aligned(part) for part in parts[1:]]
        return fit_rows(_merged(rows, width, PARTS), width)
    pieces = _split_top(rhs, RELATIONS, keep=True)
    if len(pieces) > 1:
        rows = [f"{lhs}&{pieces[0].lstrip()}"] + [f"&{piece.lstrip()}" for piece in pieces[1:]]
        rows = _merged(rows, width, " ")
        if len(rows) > 1:
            return fit_rows(rows, width)
    return _broken_sum(lhs, rhs, width)


def _broken_sum(lhs: str, rhs: str, width: float) -> list[str]:
    """A row whose right-hand side is one relation and a long sum: terms over rows."""
    rhs = rhs.strip()
    relation = next((r.strip() for r in RELATIONS if rhs.startswith(r.lstrip())), "")
    body = rhs[len(relation):].strip()
    terms = _split_top(body, TERMS, keep=True)
    if len(terms) < 2:
        return [f"{lhs}&{rhs}"]
    first = f"{lhs}&{relation} {terms[0].strip()}".replace("& ", "&", 1)
    rows = [first] + [rf"&\quad {term.strip()}" for term in terms[1:]]
    return _merged(rows, width, " ")


def _merged(rows: list[str], width: float, joiner: str) -> list[str]:
    """Consecutive rows joined back while the result fits (a continuation row's ``&`` is
    dropped when it joins the row before it)."""
    merged = [rows[0]]
    for row in rows[1:]:
        tail = row.split("&", 1)[1] if joiner == " " else row.replace("&", "", 1)
        candidate = merged[-1] + joiner + tail.removeprefix(r"\quad ")
        if display_width(candidate) <= width:
            merged[-1] = candidate
        else:
            merged.append(row)
    return merged


def _aligned(part: str) -> str:
    """A named part (``b = [..] = [..]``) as a row aligned on its first relation."""
    for relation in RELATIONS:
        pieces = _split_top(part, (relation,))
        if len(pieces) > 1:
            return f"{pieces[0].strip()} &{relation.lstrip()}{relation.join(pieces[1:])}"
    return f"&{part}"


def _split_top(text: str, separators: tuple[str, ...], keep: bool = False) -> list[str]:
    """``text`` split at the separators that stand outside braces, \\left…\\right and
    environments; with ``keep`` each piece after the first starts with its separator."""
    pieces, start, depth, i = [], 0, 0, 0
    while i < len(text):
        match = next((s for s in separators if text.startswith(s, i)), None) \
            if depth == 0 else None
        if match:
            pieces.append(text[start:i])
            start = i if keep else i + len(match)
            i += len(match)
            continue
        if text.startswith(r"\begin{", i) or text.startswith(r"\left", i):
            depth += 1
        elif text.startswith(r"\end{", i) or text.startswith(r"\right", i):
            depth -= 1
        elif text[i] == "\\":
            i += 2  # an escaped character or a command's backslash
            continue
        elif text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
        i += 1
    pieces.append(text[start:])
    return pieces if not keep or pieces[0].strip() else pieces[1:]


def display_width(tex: str) -> float:
    """About how many characters wide ``tex`` is set: commands that print one symbol count
    one, braces and scripts' markers nothing, a matrix its widest row, a fraction its
    wider half."""
    total, i = 0.0, 0
    while i < len(tex):
        ch = tex[i]
        if tex.startswith(r"\begin{", i):
            name_end = tex.index("}", i)
            end = _environment_end(tex, i, tex[i + 7 : name_end])
            rows = _split_top(tex[name_end + 1 : end], ("\\\\",))
            total += 2 + max(sum(display_width(cell) + 1 for cell in _split_top(row, ("&",)))
                             for row in rows)
            i = tex.index("}", end) + 1
        elif tex.startswith(r"\frac", i):
            numerator, after = _group(tex, i + 5)
            denominator, i = _group(tex, after)
            total += 1 + max(display_width(numerator), display_width(denominator))
        elif ch == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name = match[1]
            total += SPACES.get(name, 0.0 if name in SILENT or not name.isalpha() else 1.0)
            i += len(match[0])
        else:
            total += 0.0 if ch in "{}_^& " else 1.0
            i += 1
    return total


def _group(tex: str, start: int) -> tuple[str, int]:
    """The braced group at ``start`` (after spaces): its content and the index after it."""
    while tex[start] == " ":
        start += 1
    if tex[start] != "{":
        return tex[start], start + 1
    depth = 0
    for i in range(start, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        if depth == 0:
            return tex[start + 1 : i], i + 1
    return tex[start + 1 :], len(tex)


def _environment_end(tex: str, start: int, name: str) -> int:
    """The index of the ``\\end{name}`` that closes the environment begun at ``start``."""
    depth, i = 0, start
    opening, closing = rf"\begin{{{name}}}", rf"\end{{{name}}}"
    while i < len(tex):
        if tex.startswith(opening, i):
            depth += 1
        elif tex.startswith(closing, i):
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(tex)
