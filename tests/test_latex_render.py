"""The documents of ``symnn latex``: goldens, the numbers they print, names, options, CLI.

Goldens live in tests/golden/latex/. After an intended change of the output, regenerate
them with ``SYMNN_UPDATE_GOLDEN=1 python -m pytest tests/test_latex_render.py`` and review
the diff before committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sympy

from symnn import examples, notation, spec
from symnn.cli import main
from symnn.derive import derive
from symnn.evaluate import evaluate
from symnn.naming import qid
from symnn.render import markdown_escape, tex_escape
from symnn.render.general import IndexForm, instantiate, with_sizes
from symnn.render.latex import DETAIL_LIMIT, Document, render
from symnn.render.printer import number_tex
from tests.tools import katex_errors, markdown_math_blocks

GOLDEN = Path(__file__).parent / "golden" / "latex"
UPDATE = os.environ.get("SYMNN_UPDATE_GOLDEN") == "1"
WORKED = examples.path(examples.WORKED_EXAMPLE)


@pytest.fixture(scope="module")
def worked():
    return derive(spec.load(WORKED))


@pytest.mark.parametrize("fmt, suffix", [("markdown", ".md"), ("tex", ".tex")])
def test_worked_example_matches_its_golden_byte_for_byte(worked, fmt, suffix):
    svg = "worked-example-001.svg" if fmt == "markdown" else None  # as the demo writes it
    text = render(worked, fmt, source=WORKED.name, svg_name=svg)
    golden = GOLDEN / f"worked-example-001{suffix}"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with SYMNN_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_the_seed_s_first_line_appears_as_the_seed_writes_it(worked):
    text = render(worked, "markdown")
    assert r"\mathrm{net}\,x_{1}^{2} &= x_{1}^{1} \, w_{11}^{1} + x_{2}^{1} \, w_{21}^{1} + " \
        r"b_{1}^{2}" in text
    assert r"&= 0.5 \cdot 0.25 + 0.25 \cdot 0.1 + 0 = 0.15" in text
    assert r"&= 0.5 \cdot 0.35 + 0.25 \cdot (-0.3) + 0 = 0.1" in text
    assert "Numbers are rounded to 4 significant digits" in text


def _shown_values(markdown: str) -> dict[str, str]:
    """Every quantity a row names on its left, with the last value shown for it."""
    shown: dict[str, str] = {}
    for block in markdown_math_blocks(markdown):
        current = None
        for line in block.split(r" \\"):
            line = line.strip().removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
            for number, row in enumerate(line.strip().split(r", \quad ")):
                if number:  # "E' \approx 0.35" after a comma: its own quantity
                    row = re.sub(r" (=|\\approx) ", r" &\1 ", row, count=1)
                if "&" not in row:
                    continue
                left = row.split("&", 1)[0].strip()
                if left:
                    current = left
                match = re.search(r"(=|\\approx) (-?[0-9.]+(?: \\cdot 10\^\{-?\d+\})?)$", row)
                if match and current:
                    shown[current] = match[1] + " " + match[2]
    return shown


def _expected(value: sympy.Expr) -> str:
    """The value as the document promises: exact decimals whole, else 4 digits."""
    if value.is_Rational and len(str(sympy.Float(value, 30)).rstrip("0")) < 12:
        exact = format(float(value), ".15g")
        return f"= {exact}"
    return r"\approx " + format(float(value), ".4g")


def test_every_number_printed_is_the_derivations_number_rounded_as_stated(worked):
    numbers = evaluate(worked)
    chosen = notation.from_spec(worked.spec)
    shown = _shown_values(render(worked, "markdown"))
    checked = 0
    for quantity_id, value in numbers.values.items():
        name = notation.latex_name(quantity_id, chosen)
        if name in shown:
            assert shown[name] == _expected(value), quantity_id
            checked += 1
    # net, out (4 each), E, δ (4), dE/dw (8), dE/db (4), dE/dx (2), 12 updates, E'
    assert checked == 4 + 4 + 1 + 4 + 8 + 4 + 2 + 12 + 1


def test_the_update_step_and_the_loss_after_it(worked):
    text = render(worked, "markdown")
    assert r"w'^{2}_{11} &= w_{11}^{2} - \eta \, \frac{\partial E}{\partial w_{11}^{2}} " \
           r"= 0.9 - 0.5 \cdot 0.07955 \approx 0.8602" in text
    assert r"w'^{2}_{21} &= 0.5 - 0.5 \cdot 0.0777 \approx 0.4611" in text
    assert r"E &\approx 0.3838, \quad E' \approx 0.3502, \quad E' - E \approx -0.03357" in text


def test_delta_is_marked_under_a_brace_and_reused_by_the_layer_before(worked):
    text = render(worked, "markdown")
    assert (r"\underbrace{\frac{\partial E}{\partial \mathrm{out}\,x_{1}^{2}} \cdot "
            r"\frac{\partial \mathrm{out}\,x_{1}^{2}}{\partial \mathrm{net}\,x_{1}^{2}}}"
            r"_{\delta_{1}^{2}}") in text
    assert r"&= \left(\delta_{1}^{3} \, w_{11}^{2} + \delta_{2}^{3} \, w_{12}^{2}\right) \cdot" \
        in text
    assert r"\underbrace{0.6783 \cdot 0.2182}_{\delta_{1}^{3} \approx 0.148} \cdot 0.5374" in text


@pytest.mark.parametrize(
    "value, shown",
    [
        (sympy.Rational(3, 20), "0.15"),
        (sympy.Rational(-3, 10), "-0.3"),
        (sympy.Rational(1, 3), "0.3333"),
        (sympy.Rational(123456789, 10**9), "0.1235"),
        (sympy.Float("0.52497918747894", 30), "0.525"),
        (sympy.Float("0.0000123456", 30), r"1.235 \cdot 10^{-5}"),
        (sympy.Rational(12345, 10**9), r"1.2345 \cdot 10^{-5}"),
        (sympy.Float("-1234567.8", 30), r"-1.235 \cdot 10^{6}"),
        (sympy.Float("0.99996", 30), "1"),
        (sympy.Integer(0), "0"),
    ],
)
def test_number_formatting(value, shown):
    assert number_tex(value) == shown


def test_index_form_agrees_with_the_scalar_derivation():
    text = """
[network]
layers = [3, 2, 2, 2]
activation = ["tanh", "sigmoid", "identity"]
loss = "sse"
bias = "per-layer"
"""
    derivation = derive(spec.loads(text))
    form = IndexForm(derivation, notation.get("nielsen"))
    sizes = {layer: derivation.network.size(layer) for layer in range(1, 5)}
    defs = derivation.definitions
    for layer in (2, 3, 4):
        for j in (1, 2):
            for generic, concrete in [
                (form.net()[1], qid("net", layer, j)),
                (form.weight_gradient()[1], qid("dE/dw", layer, j, 2)),
            ]:
                expr = instantiate(with_sizes(generic, sizes, layer, 4), layer, 4, j=j, k=2)
                assert sympy.expand(expr - defs[concrete]) == 0, concrete
            if layer < 4:
                generic = with_sizes(form.hidden_dE_dout()[1], sizes, layer, 4)
                expr = instantiate(generic, layer, 4, j=j)
                assert sympy.expand(expr - defs[qid("dE/dout", layer, j)]) == 0
        bias = with_sizes(form.bias_gradient()[1], sizes, layer, 4)
        assert sympy.expand(instantiate(bias, layer, 4) - defs[f"dE/db[{layer}]"]) == 0
    loss = with_sizes(form.loss()[1], sizes, 4, 4)
    assert sympy.expand(instantiate(loss, 4, 4) - defs["E"]) == 0
    for k in (1, 2, 3):
        expr = instantiate(with_sizes(form.input_gradient()[1], sizes, 2, 4), 2, 4, k=k)
        assert sympy.expand(expr - defs[qid("dE/dx", k)]) == 0


@pytest.mark.parametrize("loss", ["mse", "half-sse", "sse", "cross-entropy",
                                  "binary-cross-entropy"])
def test_general_loss_formula_agrees_with_the_loss(loss):
    derivation = derive(spec.from_dict({"network": {
        "layers": [2, 3], "activation": "sigmoid", "loss": loss}}))
    form = IndexForm(derivation, notation.get("net-out"))
    general = with_sizes(form.loss()[1], {2: 3}, 2, 2)
    assert sympy.simplify(instantiate(general, 2, 2) - derivation.definitions["E"]) == 0


LARGE = """
[network]
layers = [8, 6, 4]
activation = "sigmoid"
loss = "mse"
"""


def test_large_nets_have_no_per_weight_lines_unless_asked():
    derivation = derive(spec.loads(LARGE))
    assert derivation.spec.parameter_count > DETAIL_LIMIT
    text = render(derivation, "markdown")
    assert r"\underbrace" not in text
    assert "individual lines for chosen" in text
    asked = render(derivation, "markdown", only=["w[2,1,3]", "dE/dx[2]"])
    assert asked.count(r"\underbrace") == 1 + 6  # the weight, then the input over 6 neurons
    assert r"\frac{\partial E}{\partial w_{31}^{1}} &= \underbrace" in asked
    assert r"\frac{\partial E}{\partial x_{2}^{1}} &= \underbrace" in asked
    assert r"\frac{\partial E}{\partial w_{11}^{1}} &=" not in asked


def test_only_also_narrows_a_small_net(worked):
    text = render(worked, "markdown", only=["delta[3,2]"])
    assert r"\delta_{2}^{3} &= \frac{\partial E}" in text
    assert r"\delta_{1}^{3} &= \frac{\partial E}" not in text
    assert r"\underbrace" not in text


def test_a_spec_preset_and_field_overrides_reach_every_section(tmp_path):
    text = WORKED.read_text() + '\n[notation]\npreset = "nielsen"\nloss = "J"\n'
    derivation = derive(spec.loads(text))
    document = render(derivation, "markdown")
    assert r"\frac{\partial J}{\partial w_{11}^{2}}" in document
    assert r"\frac{\partial C}" not in document and r"\partial E}" not in document
    assert r"J &\approx 0.3838" in document


def test_jupyter_reprs(worked):
    document = Document(worked, "layer-superscript")
    assert document._repr_markdown_() == render(
        worked, "markdown", notation.from_spec(worked.spec, preset="layer-superscript"))
    latex = document._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert r"\frac{\partial \mathcal{L}}{\partial w_{11}^{(1)}} &= \delta_{1}^{(1)} \, x_{1}" \
        r" \approx 0.02848" in latex
    assert katex_errors([latex.strip("$")]) == [None]


def test_prose_escaping():
    assert tex_escape("my_net#2 & 50%.toml") == r"my\_net\#2 \& 50\%.toml"
    assert markdown_escape("a_b*c") == r"a\_b\*c"


def _spec_file(tmp_path: Path, name: str, extra: str = "") -> Path:
    path = tmp_path / name
    path.write_text(WORKED.read_text() + extra, encoding="utf-8")
    return path


def test_cli_escapes_a_file_name_that_would_break_latex(tmp_path, capsys):
    path = _spec_file(tmp_path, "my_net#1&50%.toml")
    assert main(["latex", str(path), "--format", "tex"]) == 0
    out = capsys.readouterr().out
    assert r"\texttt{my\_net\#1\&50\%.toml}" in out


@pytest.mark.parametrize(
    "extra, message",
    [
        ('\n[notation]\nloss = "E_1"\n', "symnn: error: notation.loss: '_' is not allowed"),
        ('\n[notation]\nweight = "w#"\n', "symnn: error: notation.weight: '#' is not allowed"),
        ('\n[notation]\nout = "a&b"\n', "symnn: error: notation.out: '&' is not allowed"),
        ('\n[notation]\nnet = "z%"\n', "symnn: error: notation.net: '%' is not allowed"),
    ],
)
def test_cli_rejects_names_that_would_break_latex_and_writes_nothing(tmp_path, capsys, extra,
                                                                     message):
    path = _spec_file(tmp_path, "net.toml", extra)
    output = tmp_path / "notes.tex"
    assert main(["latex", str(path), "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not output.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_cli_bad_only_id_is_one_line_and_no_file(tmp_path, capsys):
    output = tmp_path / "notes.md"
    assert main(["latex", str(WORKED), "-o", str(output), "--only", "w[2,1,1]", "w[9,9,9]"]) == 2
    err = capsys.readouterr().err
    assert err == ("symnn: error: --only: 'w[9,9,9]' is not a quantity of this network; "
                   "expected ids such as w[2,1,1], b[2,1], net[2,1], delta[3,1], dE/dx[1]\n")
    assert not output.exists()


def test_cli_values_that_make_the_loss_complex_are_an_error(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[network]\nlayers = [1, 1]\nactivation = "tanh"\nloss = "cross-entropy"\n'
                    '[values]\ninputs = [1]\ntargets = [1]\nweights = [[[-2]]]\n'
                    'biases = [[0]]\n', encoding="utf-8")
    output = tmp_path / "notes.md"
    assert main(["latex", str(path), "-o", str(output)]) == 2
    assert capsys.readouterr().err == (
        "symnn: error: network.loss: cross-entropy takes the log of the outputs, so it needs "
        "an output activation with values in (0, ∞) (softmax or sigmoid), got tanh with "
        "values in (−1, 1)\n")
    assert not output.exists()


def test_cli_unknown_preset(capsys):
    assert main(["latex", str(WORKED), "--notation", "knuth"]) == 2
    assert capsys.readouterr().err == ("symnn: error: --notation: expected one of net-out, "
                                       "nielsen, layer-superscript, got 'knuth'\n")


def test_cli_format_follows_the_suffix_and_the_file_is_complete(tmp_path, worked):
    for suffix, fmt in ((".md", "markdown"), (".tex", "tex")):
        output = tmp_path / f"notes{suffix}"
        assert main(["latex", str(WORKED), "-o", str(output)]) == 0
        svg = "notes.svg" if fmt == "markdown" else None
        assert output.read_text(encoding="utf-8") == render(worked, fmt, source=WORKED.name,
                                                            svg_name=svg)
    fragment = tmp_path / "part.tex"
    assert main(["latex", str(WORKED), "--format", "fragment", "-o", str(fragment)]) == 0
    assert r"\documentclass" not in fragment.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "notes.svg", "notes.tex",
                                                          "part.tex"]


def test_cli_pdf_without_pdflatex_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    output = tmp_path / "notes.pdf"
    assert main(["latex", str(WORKED), "--format", "pdf", "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symnn: error: --format pdf: pdflatex is not installed; install "
                          "TeX Live (Debian/Ubuntu: apt-get install --no-install-recommends "
                          "texlive-latex-base texlive-latex-recommended texlive-pictures")
    assert not output.exists()


def test_cli_pdf_with_pdflatex(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["latex", str(WORKED), "--format", "pdf"]) == 0
    pdf = tmp_path / "worked-example-001.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert capsys.readouterr().err == "wrote worked-example-001.pdf\n"
    assert [p.name for p in tmp_path.iterdir()] == ["worked-example-001.pdf"]


def test_demo_writes_markdown_tex_and_pdf(tmp_path):
    import io

    from symnn.commands import latex

    stream = io.StringIO()
    latex.demo(tmp_path, stream)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["worked-example-001.md", "worked-example-001.pdf",
                     "worked-example-001.svg", "worked-example-001.tex"]
    assert (tmp_path / "worked-example-001.md").read_text() == (
        GOLDEN / "worked-example-001.md").read_text()
    for name in names:
        assert str(tmp_path / name) in stream.getvalue()
