"""What ``symnn assign`` writes: per student the problem (Markdown, LaTeX → PDF), the
worksheet to fill in, the answer key; for the class, one answer key in CSV.

The worksheet is a spec with the student's ``[values]`` and a ``[claims]`` table with one
line per asked quantity, named by its canonical id and empty (``""``) until filled in.
The answer key is the same worksheet filled with the exact values rounded to the
required digits: ``symnn check key.toml`` judges every line correct.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction

from symnn.check.names import Names
from symnn.classroom.draw import Variant, rounded
from symnn.classroom.roster import write_csv
from symnn.classroom.template import Asked, Assignment
from symnn.notation import Notation
from symnn.render import environment, markdown_escape, tex_escape
from symnn.render.latex import network_context

WORKSHEET = "worksheet.toml"
KEY = "key.toml"
PROBLEM = "problem"  # .md, .tex (kept beside the PDF), .pdf
CLASS_KEY = "answer-key.csv"
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def problems(variant: Variant, assignment: Assignment, names: Names, notation: Notation,
             asked: list[Asked]) -> dict[str, str]:
    """The problem of one student as Markdown and standalone LaTeX: {"md": …, "tex": …}."""
    network = network_context(variant.derivation, notation)
    return {fmt: _problem(variant, assignment, names, network, asked, fmt)
            for fmt in ("md", "tex")}


def _problem(variant: Variant, assignment: Assignment, names: Names, network: dict,
             asked: list[Asked], fmt: str) -> str:
    escape = tex_escape if fmt == "tex" else markdown_escape
    code = (lambda s: rf"\texttt{{{tex_escape(s)}}}") if fmt == "tex" else (lambda s: f"`{s}`")
    context = dict(network)
    rows = [[f"${names.latex(a.id)}$", code(a.id), decimal(a.points)] for a in asked]
    context.update(
        macros="markdown/macros.j2" if fmt == "md" else "latex/macros.j2",
        title=escape(assignment.title),
        subtitle=escape(f"Problem of student {variant.student}"),
        digits=assignment.digits,
        worksheet=WORKSHEET,
        values_intro="Your numbers:",
        asked_rows=rows,
        total=decimal(sum(a.points for a in asked)),
        credit=decimal(assignment.rounding_credit),
    )
    template = f"classroom/problem.{fmt}.j2"
    text = environment().get_template(template).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text)


def worksheet(variant: Variant, assignment: Assignment, names: Names, asked: list[Asked],
              answers: dict[str, str] | None = None) -> str:
    """The worksheet TOML of one student; with ``answers`` (id -> text) the key."""
    kind = "answer key" if answers is not None else "worksheet"
    lines = [
        f"# {assignment.title}: {kind} of student {variant.student}",
        f"# Give every quantity to at least {assignment.digits} significant digits, e.g.",
        '#   "net[2,1]" = 0.153     or, with the formula you used,',
        "#   \"net[2,1]\" = { value = 0.153, formula = '0.5 \\cdot 0.25 + 0.25 \\cdot 0.1' }",
        '# Leave "" where you give no answer. Names are canonical ids (see the problem).',
        "",
    ]
    for table in ("network", "notation"):
        if assignment.base.get(table):
            lines += [f"[{table}]", *_table_lines(assignment.base[table]), ""]
    lines += ["[values]", *_table_lines(variant.values), "", "[claims]"]
    width = max(len(json.dumps(a.id)) for a in asked)
    for item in asked:
        value = '""' if answers is None else json.dumps(answers[item.id])
        key = json.dumps(item.id)
        lines.append(f"{key:<{width}} = {value:<12} # {names.plain(item.id)}")
    return "\n".join(lines) + "\n"


def key_answers(variant: Variant, assignment: Assignment, asked: list[Asked]) -> dict[str, str]:
    """The exact value of every asked quantity, rounded to the required digits."""
    return {a.id: rounded(variant.exact[a.id], assignment.digits) for a in asked}


def class_key(variants: list[Variant], assignment: Assignment, asked: list[Asked]) -> str:
    """The answer key of the whole class: one row per student, one column per quantity."""
    rows = []
    for variant in variants:
        answers = key_answers(variant, assignment, asked)
        rows.append([variant.student, *(answers[a.id] for a in asked)])
    return write_csv(["id", *(a.id for a in asked)], rows)


def _table_lines(table: dict) -> list[str]:
    return [f"{_key(k)} = {toml_value(v)}" for k, v in table.items()]


def _key(key: str) -> str:
    return key if BARE_KEY.match(key) else json.dumps(key)


def toml_value(value: object) -> str:
    """A TOML value: numbers as exact decimals, texts quoted, lists and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | Fraction):
        return decimal(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def decimal(value: int | Decimal | Fraction) -> str:
    """An exact decimal without trailing zeros (``Fraction(3, 20)`` -> ``0.15``)."""
    if isinstance(value, Decimal):
        return str(value)
    fraction = Fraction(value)
    number = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    text = f"{number.normalize():f}"
    return "0" if text == "-0" else text
