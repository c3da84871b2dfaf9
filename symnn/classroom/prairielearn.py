"""The variant set as a PrairieLearn question (``type`` v3): ``info.json``,
``question.html`` and ``server.py``.

``question.html`` shows the network and the student's numbers as ``{{params.NAME}}``
and has one ``pl-number-input`` per asked quantity (named by the quantity's Python
identifier, ``dE/dw[3,1,1]`` -> ``dE_dw_3_1_1``). ``server.py`` holds the whole set:
``generate`` picks a variant by ``data["variant_seed"]``, ``grade`` scores each part.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from fractions import Fraction
from html import escape

from symnn.check.names import Names
from symnn.classroom.documents import decimal, key_answers
from symnn.classroom.draw import Variant, rounded
from symnn.classroom.template import Asked, Assignment
from symnn.naming import python_name
from symnn.render import environment

FOLDER = "prairielearn"
EXACT_DIGITS = 30  # significant digits of the exact values kept in server.py


def export(variants: list[Variant], assignment: Assignment, names: Names,
           asked: list[Asked]) -> dict[str, str]:
    """The three files of the question (file name -> text)."""
    leaves = list(variants[0].derivation.network.input_ids())
    network = variants[0].derivation.network
    leaves += [q for q in network.target_ids() if q in variants[0].exact]
    leaves += network.parameter_ids()
    return {
        "info.json": _info(assignment),
        "question.html": _question(variants[0], assignment, names, asked, leaves),
        "server.py": _server(variants, assignment, asked, leaves),
    }


def _info(assignment: Assignment) -> str:
    digest = hashlib.sha256(f"{assignment.seed}\0{assignment.title}".encode()).hexdigest()
    info = {
        "uuid": str(uuid.UUID(digest[:32])),
        "title": assignment.title,
        "topic": "Backpropagation",
        "tags": ["symnn", "backpropagation"],
        "type": "v3",
    }
    return json.dumps(info, indent=4, ensure_ascii=False) + "\n"


def _label(latex: str) -> str:
    """LaTeX for a Mustache template: no ``{{`` (read as a tag), HTML-escaped."""
    return escape(latex.replace("{{", "{ {").replace("}}", "} }"))


def _question(variant: Variant, assignment: Assignment, names: Names, asked: list[Asked],
              leaves: list[str]) -> str:
    spec = variant.spec
    rate = spec.values.learning_rate
    given = [f"${_label(names.latex(q))} = $ {{{{params.{python_name(q)}}}}}" for q in leaves]
    if rate is not None:
        given.append("$\\eta = $ {{params.eta}}")
    lines = [
        "<pl-question-panel>",
        f"<p>{escape(assignment.title)}</p>",
        f"<p>A network with layers {escape(' - '.join(map(str, spec.layers)))}, activations "
        f"{escape(', '.join(spec.activations))}, loss {escape(spec.loss)}, biases "
        f"{escape(spec.bias)}. Your numbers:</p>",
        "<ul>",
        *(f"  <li>{item}</li>" for item in given),
        "</ul>",
        f"<p>Give each quantity to at least {assignment.digits} significant digits.</p>",
        "</pl-question-panel>",
        "",
    ]
    for item in asked:
        lines.append(
            f'<pl-number-input answers-name="{python_name(item.id)}" '
            f'label="${_label(names.latex(item.id))} =$" comparison="sigfig" '
            f'digits="{assignment.digits}" weight="{_weight(item)}"></pl-number-input>'
        )
    return "\n".join(lines) + "\n"


def _server(variants: list[Variant], assignment: Assignment, asked: list[Asked],
            leaves: list[str]) -> str:
    parts = [{"name": python_name(a.id), "id": a.id, "weight": _weight(a)} for a in asked]
    table = []
    for variant in variants:
        params = {python_name(q): decimal(Fraction(str(variant.exact[q]))) for q in leaves}
        rate = variant.spec.values.learning_rate
        if rate is not None:
            params["eta"] = decimal(rate)
        key = key_answers(variant, assignment, asked)
        table.append({
            "student": variant.student,
            "params": params,
            "key": {python_name(a.id): key[a.id] for a in asked},
            "exact": {python_name(a.id): rounded(variant.exact[a.id], EXACT_DIGITS)
                      for a in asked},
        })
    return environment().get_template("classroom/server.py.j2").render(
        source=assignment.source,
        title_comment=assignment.title.replace("\\", "/").replace('"""', "'''"),
        digits=assignment.digits,
        credit=float(assignment.rounding_credit),
        parts=repr(json.dumps(parts)),
        variants=repr(json.dumps(table, indent=1)),
    )


def _weight(item: Asked) -> int | float:
    points = item.points
    return int(points) if points.denominator == 1 else float(points)
