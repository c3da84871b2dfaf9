"""symnn assign and symnn grade end to end, on a class of 40 and the 2-2-2 example template.

The students' sheets are written here the way people work by hand: every asked number is
computed (with mpmath, independently of symnn) from the student's own rounded earlier
numbers, then rounded to 3 significant digits. Some students then make one slip on one
line (carried into the lines after it), some sheets cannot be read. The gradebook's
scores and the histogram's counts must be exactly what was injected.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

from symnn import spec
from symnn.cli import main

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "assignment-2-2-2.toml"
DIGITS = 3
STUDENTS = [f"s{i:02d}" for i in range(1, 41)]
TWO_POINTS = {"dE/dw[2,1,1]", "dE/dw[2,1,2]", "dE/dw[2,2,1]", "dE/dw[2,2,2]",
              "dE/db[2,1]", "dE/db[2,2]"}  # "gradients of layer 2" = 2 in the template
TOTAL = 31
# slip -> (the line it is made on, what the student writes there)
SLIPS = {
    "sign": "dE/dw[3,2,2]",
    "update-sign": "w[3,1,1]'",
    "missing-2": "delta[3,1]",
    "missing-1/n": "delta[3,2]",
    "target-swap": "delta[3,2]",
    "updated-weight": "delta[2,1]",
    "no-learning-rate": "w[3,2,2]'",
    "other-quantity": "E",
    "unexplained": "E",
    "rounding-slip": "out[3,1]",
    "too-few-digits": "E",
    "missing-activation-derivative": "delta[3,1]",
    "activation-derivative": "delta[3,2]",
    "transposed-weight": "delta[2,1]",
    "net-for-out": "dE/dw[3,1,1]",
}


def rounded(value, digits: int = DIGITS) -> str:
    """``value`` (mpf) rounded to significant digits, half away from zero, as text."""
    number = Decimal(mpmath.nstr(value, 40, min_fixed=-100, max_fixed=100))
    quantum = Decimal(1).scaleb(number.adjusted() - digits + 1)
    result = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if result.adjusted() > number.adjusted():
        result = number.quantize(quantum.scaleb(1), rounding=ROUND_HALF_UP)
    return f"{result:f}"


def by_hand(values, slip: str | None = None) -> dict[str, str]:
    """Every asked number of a 2-2-2 sigmoid/mse net, each from the rounded ones before.

    ``slip`` makes that slip on its line of ``SLIPS``; the lines after use its number.
    """
    mpmath.mp.dps = 50
    m = lambda q: mpmath.mpf(q.numerator) / q.denominator  # noqa: E731
    x = [m(v) for v in values.inputs]
    d = [m(v) for v in values.targets]
    w2 = [[m(v) for v in row] for row in values.weights[0]]
    w3 = [[m(v) for v in row] for row in values.weights[1]]
    b2, b3 = ([m(v) for v in vec] for vec in values.biases)
    eta = m(values.learning_rate)
    sheet: dict[str, str] = {}

    def claim(quantity: str, value, slipped=None) -> mpmath.mpf:
        text = rounded(value)
        if slip is not None and SLIPS[slip] == quantity and slipped is not None:
            text = slipped(value)
        sheet[quantity] = text
        return mpmath.mpf(text)

    def slipped_if(name, make):
        return make if slip == name else None

    sigma = lambda z: 1 / (1 + mpmath.exp(-z))  # noqa: E731
    net2 = [w2[j][0] * x[0] + w2[j][1] * x[1] + b2[j] for j in range(2)]
    out2 = [claim(f"out[2,{j + 1}]", sigma(net2[j])) for j in range(2)]
    exact_out3 = [sigma(w3[j][0] * out2[0] + w3[j][1] * out2[1] + b3[j]) for j in range(2)]

    def round_slip(value):  # one unit off in the last digit, away from the exact rounding
        text = rounded(value)
        unit = Decimal(1).scaleb(Decimal(text).as_tuple().exponent)
        return str(Decimal(text) + unit)

    out3 = [claim("out[3,1]", exact_out3[0], slipped_if("rounding-slip", round_slip)),
            claim("out[3,2]", exact_out3[1])]
    error = ((d[0] - out3[0]) ** 2 + (d[1] - out3[1]) ** 2) / 2
    e_slips = {
        "other-quantity": lambda v: KEY_OUT31[0],
        "unexplained": lambda v: "7.77",
        "too-few-digits": lambda v: rounded(v, 2),
    }
    claim("E", error, e_slips.get(slip))
    swap = slip == "target-swap"
    targets = [d[1], d[0]] if swap else d
    delta3 = []
    for j in range(2):
        gradient = (out3[j] - d[j]) * out3[j] * (1 - out3[j])
        slipped = None
        if j == 0 and slip == "missing-2":
            slipped = lambda v: rounded(v / 2)  # noqa: E731
        if j == 1 and slip == "missing-1/n":
            slipped = lambda v: rounded(v * 2)  # noqa: E731
        if j == 1 and swap:
            slipped = lambda v: rounded((out3[1] - targets[1]) * out3[1] * (1 - out3[1]))  # noqa: E731
        if j == 0 and slip == "missing-activation-derivative":
            slipped = lambda v: rounded(out3[0] - d[0])  # noqa: E731
        if j == 1 and slip == "activation-derivative":  # 1 - out² (tanh's) for sigmoid
            slipped = lambda v: rounded((out3[1] - d[1]) * (1 - out3[1] ** 2))  # noqa: E731
        delta3.append(claim(f"delta[3,{j + 1}]", gradient, slipped))
    g3 = {}
    for j in range(2):
        for k in range(2):
            slipped = (lambda v: rounded(-v)) if (j, k) == (1, 1) and slip == "sign" else None
            if (j, k) == (0, 0) and slip == "net-for-out":  # δ · net of the sending neuron
                slipped = lambda v: rounded(delta3[0] * net2[0])  # noqa: E731
            g3[j, k] = claim(f"dE/dw[3,{j + 1},{k + 1}]", delta3[j] * out2[k], slipped)
    for j in range(2):
        claim(f"dE/db[3,{j + 1}]", delta3[j])
    updated = {(j, k): w3[j][k] - eta * g3[j, k] for j in range(2) for k in range(2)}
    delta2 = []
    for j in range(2):
        back = sum(delta3[i] * w3[i][j] for i in range(2)) * out2[j] * (1 - out2[j])
        slipped = None
        if j == 0 and slip == "updated-weight":
            after = [mpmath.mpf(rounded(updated[i, 0])) for i in range(2)]
            slipped = lambda v, a=after: rounded(  # noqa: E731
                sum(delta3[i] * a[i] for i in range(2)) * out2[0] * (1 - out2[0]))
        if j == 0 and slip == "transposed-weight":  # w[3,1,i] in place of w[3,i,1]
            slipped = lambda v: rounded(  # noqa: E731
                sum(delta3[i] * w3[0][i] for i in range(2)) * out2[0] * (1 - out2[0]))
        delta2.append(claim(f"delta[2,{j + 1}]", back, slipped))
    for j in range(2):
        for k in range(2):
            claim(f"dE/dw[2,{j + 1},{k + 1}]", delta2[j] * x[k])
    for j in range(2):
        claim(f"dE/db[2,{j + 1}]", delta2[j])
    for j in range(2):
        for k in range(2):
            slipped = None
            if (j, k) == (0, 0) and slip == "update-sign":
                slipped = lambda v: rounded(w3[0][0] + eta * g3[0, 0])  # noqa: E731
            if (j, k) == (1, 1) and slip == "no-learning-rate":
                slipped = lambda v: rounded(w3[1][1] - g3[1, 1])  # noqa: E731
            claim(f"w[3,{j + 1},{k + 1}]'", updated[j, k], slipped)
    return sheet


KEY_OUT31: list[str] = []  # set per student before by_hand runs: the key's out[3,1]


def toml_sheet(sheet: dict[str, str]) -> str:
    return "[claims]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in sheet.items())


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """Assign to 40 students, fill their sheets with known slips, grade twice."""
    base = tmp_path_factory.mktemp("classroom")
    roster = base / "students.csv"
    roster.write_text("id,name\n" + "".join(f"{s},Student {s[1:]}\n" for s in STUDENTS))
    for outdir in ("hw", "hw-again"):
        assert main(["assign", str(TEMPLATE), "--roster", str(roster), "--outdir",
                     str(base / outdir), "--no-pdf"]) == 0
    key = {row["id"]: row for row in csv.DictReader(io.StringIO(
        (base / "hw" / "answer-key.csv").read_text()))}
    subs = base / "subs"
    subs.mkdir()
    expected_scores: dict[str, Fraction] = {}
    expected_histogram: Counter = Counter()
    csv_rows = []
    plan: dict[str, str | None] = dict.fromkeys(STUDENTS[:12])
    values_of = {s: spec.load(base / "hw" / s / "worksheet.toml").values for s in STUDENTS}
    pending = list(SLIPS) * 2
    for student in STUDENTS[12:36]:
        targets = values_of[student].targets
        plan[student] = next((n for n in pending if n != "target-swap"
                              or targets[0] != targets[1]), None)
        if plan[student] is not None:
            pending.remove(plan[student])
    for student, slip in plan.items():
        values = values_of[student]
        KEY_OUT31[:] = [key[student]["out[3,1]"]]
        sheet = by_hand(values, slip)
        score = Fraction(TOTAL)
        if slip is not None:
            line = SLIPS[slip]
            points = 2 if line in TWO_POINTS else 1
            kind = slip
            if slip == "too-few-digits" and Decimal(sheet["E"]) == Decimal(rounded(
                    mpmath.mpf(by_hand(values)["E"]))):
                kind = None  # 0.14 for 0.140: the zeros a spreadsheet drops, no penalty
            if kind in ("rounding-slip", "too-few-digits"):
                score -= Fraction(points, 2)
            elif kind is not None:
                score -= points
            if kind is not None:
                expected_histogram[kind, line] += 1
        if student in STUDENTS[:6]:  # these hand in a spreadsheet row instead
            csv_rows.append((student, sheet))
        else:
            (subs / f"{student}.toml").write_text(toml_sheet(sheet))
        expected_scores[student] = score
    # a missing answer: 2 points lost, counted as missing, not as a slip
    sheet = by_hand(values_of["s12"])
    del sheet["dE/dw[2,2,2]"]
    (subs / "s12.toml").write_text(toml_sheet(sheet))
    expected_scores["s12"] = Fraction(TOTAL - 2)
    unreadable = {
        "s37": "no submission",
        "s38": "TOML syntax error",
        "s39": "unknown quantity 'net[9,9]'",
        "s40": "expected a number as written",
    }
    (subs / "s38.toml").write_text("[claims\n")
    sheet = by_hand(values_of["s39"])
    sheet["net[9,9]"] = "0.5"
    (subs / "s39.toml").write_text(toml_sheet(sheet))
    sheet = by_hand(values_of["s40"])
    sheet["E"] = "abc"
    csv_rows.append(("s40", sheet))
    columns = list(sheet)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", *columns])
    for student, answers in csv_rows:
        writer.writerow([student, *(answers.get(c, "") for c in columns)])
    (subs / "class.csv").write_text(text.getvalue())
    for student in unreadable:
        expected_scores[student] = Fraction(0)
    for outdir in ("grades", "grades-again"):
        assert main(["grade", str(base / "hw"), "--submissions", str(subs),
                     "--outdir", str(base / outdir)]) == 0
    return base, expected_scores, expected_histogram, unreadable, plan


def gradebook(base: Path) -> dict[str, dict[str, str]]:
    text = (base / "grades" / "gradebook.csv").read_text()
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_gradebook_scores_are_what_was_injected(classroom):
    base, expected, _, unreadable, _ = classroom
    book = gradebook(base)
    assert list(book) == STUDENTS
    assert {s: Fraction(row["score"]) for s, row in book.items()} == expected
    assert all(row["max"] == str(TOTAL) for row in book.values())
    for student, reason in unreadable.items():
        assert book[student]["status"] == "unreadable"
        assert reason in book[student]["reason"]
    assert book["s12"]["dE/dw[2,2,2]"] == "missing"
    assert book["s01"]["name"] == "Student 01"


def test_histogram_counts_are_what_was_injected(classroom):
    base, _, expected, _, plan = classroom
    report = (base / "grades" / "report.md").read_text()
    section = report.split("| slip | quantity | students |\n|---|---|---|\n")[1].split("\n\n")[0]
    found = Counter()
    for line in section.splitlines():
        slip, quantity, count = (c.strip() for c in line.strip("|").split("|"))
        found[slip, quantity.strip("`")] = int(count)
    assert found == expected
    assert {slip for slip, _ in expected} >= set(SLIPS) - {"too-few-digits"}
    book = gradebook(base)
    for student, slip in plan.items():
        if slip in ("sign", "missing-2", "updated-weight"):
            assert book[student][SLIPS[slip]] == f"wrong:{slip}"


def test_carried_lines_earn_full_marks(classroom):
    base, *_ = classroom
    cells = Counter(cell for row in gradebook(base).values() for key, cell in row.items()
                    if "[" in key or key == "E")
    assert cells["correct-with-carried"] > 0  # rounded numbers carried forward, credited


def test_the_same_run_twice_gives_the_same_bytes(classroom):
    base, *_ = classroom
    for first, second in (("hw", "hw-again"), ("grades", "grades-again")):
        files = sorted(p.relative_to(base / first) for p in (base / first).rglob("*")
                       if p.is_file())
        assert files == sorted(p.relative_to(base / second)
                               for p in (base / second).rglob("*") if p.is_file())
        for relative in files:
            assert (base / first / relative).read_bytes() == (
                base / second / relative).read_bytes(), relative
    png = (base / "grades" / "slips.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png


def test_grade_leaves_the_assignment_folder_alone(classroom):
    base, *_ = classroom
    before = {p: p.read_bytes() for p in (base / "hw").rglob("*") if p.is_file()}
    assert main(["grade", str(base / "hw"), "--submissions", str(base / "subs"),
                 "--outdir", str(base / "grades-third")]) == 0
    assert {p: p.read_bytes() for p in (base / "hw").rglob("*") if p.is_file()} == before
    assert main(["grade", str(base / "hw"), "--submissions", str(base / "subs"),
                 "--outdir", str(base / "hw" / "grades")]) == 2


def test_answer_key_checks_correct(classroom):
    from symnn.commands.check import check_file

    base, *_ = classroom
    text, status = check_file(base / "hw" / "s05" / "key.toml")
    assert status == 0 and "25 correct" in text


def test_prairielearn_server_generates_and_grades(classroom):
    base, *_ = classroom
    folder = base / "hw" / "prairielearn"
    loaded = importlib.util.spec_from_file_location("pl_server", folder / "server.py")
    server = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(server)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 42, "options": {}}
    server.generate(data)
    student = STUDENTS[42 % 40]
    values = spec.load(base / "hw" / student / "worksheet.toml").values
    assert data["params"]["student"] == student
    assert Fraction(data["params"]["out_1_1"]) == values.inputs[0]
    assert Fraction(data["params"]["w_3_2_1"]) == values.weights[1][1][0]
    key = {row["id"]: row for row in csv.DictReader(io.StringIO(
        (base / "hw" / "answer-key.csv").read_text()))}[student]
    submitted = {"E": key["E"], "out_2_1": key["out[2,1]"],
                 "dE_dw_2_1_1": "9", "delta_3_1": str(Decimal(key["delta[3,1]"]) + Decimal(
                     1).scaleb(Decimal(key["delta[3,1]"]).as_tuple().exponent))}
    data.update(submitted_answers=dict(submitted), raw_submitted_answers=dict(submitted),
                partial_scores={}, score=0.0, feedback={}, format_errors={})
    server.grade(data)
    scores = {k: v["score"] for k, v in data["partial_scores"].items()}
    assert scores["E"] == 1.0 and scores["out_2_1"] == 1.0
    assert scores["delta_3_1"] == 0.5 and scores["dE_dw_2_1_1"] == 0.0
    assert scores["out_3_1"] == 0.0  # not answered
    assert data["score"] == pytest.approx(2.5 / TOTAL)
    html = (folder / "question.html").read_text()
    assert 'answers-name="dE_dw_3_1_1"' in html and "{{params.out_1_1}}" in html


def test_one_student_problem_compiles_and_renders(tmp_path):
    """The problem of one student: a PDF by pdflatex (the same bytes twice), and Markdown
    math that KaTeX renders."""
    from tests.tools import katex_errors, markdown_math_blocks

    roster = tmp_path / "one.csv"
    roster.write_text("id\nada\n")
    for outdir in ("hw", "hw-again"):
        assert main(["assign", str(TEMPLATE), "--roster", str(roster), "--outdir",
                     str(tmp_path / outdir)]) == 0
    folder = tmp_path / "hw" / "ada"
    pdf = (folder / "problem.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf == (tmp_path / "hw-again/ada/problem.pdf").read_bytes()
    markdown = (folder / "problem.md").read_text()
    formulas = markdown_math_blocks(markdown)
    assert len(formulas) > 25 and katex_errors(formulas) == [None] * len(formulas)
    assert "Your numbers:" in markdown and "`dE/dw[3,1,1]`" in markdown


@pytest.mark.parametrize(
    ("roster", "template_edit", "message"),
    [
        ("name\nada\n", None, "--roster: the header row has no 'id' column, got name"),
        ("id\nada\nada\n", None, "--roster: line 3: id 'ada' appears twice"),
        ("id\n../x\n", None, "--roster: line 2: id '../x' is not a folder-safe name"),
        ("id\nada\n", ('"E",', '"E", "all nets",'),
         "assignment.ask[3]: unknown group 'nets'; expected one of net, out,"),
        ("id\nada\n", ("decimals = 2 }", "decimals = 2, step = 1 }"),
         "assignment.draw.inputs.step: unknown key; expected one of min, max, decimals"),
        ("id\nada\n", ("[assignment]", "[assignmen]"),
         "assignmen: unknown table; expected one of network, values, notation,"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, roster, template_edit,
                                                  message):
    text = TEMPLATE.read_text()
    if template_edit:
        assert template_edit[0] in text
        text = text.replace(*template_edit)
    (tmp_path / "t.toml").write_text(text)
    (tmp_path / "r.csv").write_text(roster)
    status = main(["assign", str(tmp_path / "t.toml"), "--roster", str(tmp_path / "r.csv"),
                   "--outdir", str(tmp_path / "out"), "--no-pdf"])
    error = capsys.readouterr().err
    assert status == 2 and error.startswith(f"symnn: error: {message}")
    assert error.count("\n") == 1 and not (tmp_path / "out").exists()


def test_grade_needs_an_assignment_folder(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    status = main(["grade", str(tmp_path), "--submissions", str(tmp_path / "subs"),
                   "--outdir", str(tmp_path / "g")])
    assert status == 2
    assert capsys.readouterr().err == (f"symnn: error: DIR: {tmp_path} is not a folder made by "
                                       "symnn assign (no assignment.toml)\n")


@pytest.mark.parametrize(
    ("activation", "inputs", "asked", "reason"),
    [
        ("relu", "[0.5, 0.25]", [], None),
        ("relu", "[0.4, -2]", [], "net[2,1] is 0"),  # 0.25*0.4 + 0.05*(-2)
        ("sigmoid", "[40, 0.25]", [], "out[2,1] is saturated (sigmoid at 10)"),
        ("sigmoid", "[0.5, 0.25]", ["net[2,1]"],
         "net[2,1] = 0.1375 is close to a rounding tie"),
        ("identity", "[0.5, 0.25]", ["out[2,2]"], None),
        ("identity", "[0.5, 0.25]", ["w[2,1,1]'"], "w[2,1,1]' has no value"),
        ("identity", "[0.5, 0]", ["dE/dw[2,1,2]"], "dE/dw[2,1,2] is 0"),
    ],
)
def test_degenerate_draws(activation, inputs, asked, reason):
    from symnn.classroom.draw import degenerate, near_tie
    from symnn.derive import derive
    from symnn.evaluate import evaluate

    text = (f'[network]\nlayers = [2, 2, 2]\nactivation = "{activation}"\nloss = "mse"\n'
            f"[values]\ninputs = {inputs}\ntargets = [0, 1]\n"
            "weights = [[[0.25, 0.05], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]\n"
            "biases = [[0, 0], [0, 0]]\n")
    derivation = derive(spec.loads(text))
    exact = evaluate(derivation).values
    assert degenerate(derivation, exact, asked, DIGITS) == reason
    import sympy

    assert near_tie(sympy.Rational("0.1255"), 3) and near_tie(sympy.Rational("-0.12549"), 3)
    assert not near_tie(sympy.Rational("0.1253"), 3)


def test_docs_show_the_example_template():
    """docs/assign.md's template is examples/assignment-2-2-2.toml (comments aside)."""
    import tomllib

    docs = (ROOT / "docs" / "assign.md").read_text()
    block = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    assert tomllib.loads(block) == tomllib.loads(TEMPLATE.read_text())
    assert [p.name for p in sorted((ROOT / "examples").glob("*.toml"))
            if "[assignment]" in p.read_text()] == [TEMPLATE.name]


def test_feedback_says_where_the_sheet_first_goes_wrong(classroom):
    from tests.tools import katex_errors, markdown_math_blocks

    base, *_, plan = classroom
    student = next(s for s, slip in plan.items() if slip == "missing-2")
    feedback = (base / "grades" / "feedback" / f"{student}.md").read_text()
    formulas = markdown_math_blocks(feedback)
    assert len(formulas) >= 50 and katex_errors(formulas) == [None] * len(formulas)
    assert feedback.startswith("# Homework 3: one step of backpropagation by hand: feedback "
                               f"for {student} (Student {student[1:]})\n\nScore: 30 of 31.")
    assert "**first wrong: δ₁³ (missing-2); " in feedback


def test_submissions_found_in_toml_and_csv(tmp_path):
    from symnn.classroom.submissions import collect

    (tmp_path / "ada.toml").write_text('[claims]\n"E" = 0.25\n')
    (tmp_path / "eve.toml").write_text('[claims]\n"E" = 0.25\n')
    (tmp_path / "class.csv").write_text(
        'id,E,"out[2,1]"\nada,,\nalan,0.3,\ngrace,0.3,0.5\ngrace,0.3,0.5\nbob,1,\n')
    found, strays = collect(tmp_path, ["ada", "alan", "grace", "joan"])
    assert found["ada"].claims == {"E": Decimal("0.25")} and found["ada"].problem is None
    assert found["alan"].claims == {"E": "0.3", "out[2,1]": ""}
    assert found["grace"].problem == "two submissions: class.csv line 4, class.csv line 5"
    assert found["joan"].problem == "no submission (no ID.toml and no row in a CSV file)"
    assert strays == ["eve.toml: no student with id 'eve' in the roster",
                      "class.csv line 6: no student with id 'bob' in the roster"]


def test_all_groups_leave_out_the_inputs():
    from symnn import notation
    from symnn.check.verdict import Checker
    from symnn.classroom import template
    from symnn.derive import derive

    text = TEMPLATE.read_text().split("points =")[0] + 'ask = ["all out", "out of layer 1"]\n'
    assignment = template.loads(text)
    network_spec = spec.load(ROOT / "examples" / "worked-example-001.toml")
    names = Checker(derive(network_spec), notation.from_spec(network_spec)).names
    assert [a.id for a in assignment.asked(names)] == [
        "out[1,1]", "out[1,2]", "out[2,1]", "out[2,2]", "out[3,1]", "out[3,2]"]
    gradients = template.loads(text.replace('"all out", "out of layer 1"', '"all gradients"'))
    ids = [a.id for a in gradients.asked(names)]
    assert len(ids) == 12 and ids[:2] == ["dE/dw[3,1,1]", "dE/dw[3,1,2]"]
