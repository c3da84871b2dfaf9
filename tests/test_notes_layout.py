"""Notes a teacher would print: length, typesetting slips, layout (issue 10).

Wide displays (a weight matrix of 8 x 6 with its values, long sums) fit the page or
break between rows, checked on the PDF's log and word boxes.

The worked example's PDF fits 4 pages and still writes out the Leibniz chain of one
weight per layer; a number is written once, with "=" if exact and "≈" if rounded;
softmax δ takes its numbers in the form shown; juxtaposed factors are spaced; a zero
net gives e^{0}; η = 0 has no update section; headings stay with their content.
"""

from __future__ import annotations

import itertools
import re
import subprocess

import pytest

from symnn import notation, spec
from symnn.derive import derive
from symnn.render import shown_length, side_by_side
from symnn.render.diagram import Box, label_size, neuron_box, overlaps
from symnn.render.fit import display_width, fit_rows
from symnn.render.latex import render
from tests.specs import WORKED_EXAMPLE_NET
from tests.tools import compile_latex

HEADINGS = ("1. The network", "2. Forward pass", "3. The loss", "4. Backward pass",
            "5. Matrix form", "6. Update step", "Error signals", "Layer 2", "Layer 3",
            "Gradients of the weights and biases", "Gradients of the inputs",
            "Notation (the same symbols are used in every section):")


@pytest.fixture(scope="module")
def worked_pdf(tmp_path_factory):
    tex = render(derive(spec.loads(WORKED_EXAMPLE_NET)), "tex")
    pdf = compile_latex(tex, tmp_path_factory.mktemp("notes"))
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    return tex, [p for p in pages if p.strip()]


def test_the_worked_example_fits_four_pages_with_one_full_chain_per_layer(worked_pdf):
    tex, pages = worked_pdf
    assert len(pages) <= 4
    chains = re.findall(r"\\frac{\\partial E}{\\partial (w_{\d\d}\^{\d})} &= \\underbrace", tex)
    assert chains == ["w_{11}^{2}", "w_{11}^{1}"]
    assert r"\frac{\partial E}{\partial w_{21}^{2}} &= \delta_{1}^{3} \, " \
        r"\mathrm{out}\,x_{2}^{2} = 0.148 \cdot 0.525 \approx 0.0777" in tex


def test_headings_are_never_the_last_line_of_a_page(worked_pdf):
    _, pages = worked_pdf
    last = [line for line in pages[-1].splitlines() if line.strip()]
    assert len(last) >= 20  # no last page of three lines
    for number, page in enumerate(pages[:-1], start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        last = lines[-2] if lines[-1].isdigit() else lines[-1]  # before the page number
        assert last not in HEADINGS, (number, last)


def test_given_numbers_are_matrices_aligned_on_their_first_equals():
    tex = render(derive(spec.loads(WORKED_EXAMPLE_NET)), "tex")
    block = tex.split("The numbers of the example:")[1].split(r"\end{align*}")[0]
    rows = [r for r in block.strip().splitlines() if r.strip() != r"\begin{align*}"]
    assert all("&= " in row for row in rows)
    assert rows[1].strip().startswith(r"\mathbf{W}^{1} &= \begin{bmatrix} w_{11}^{1} & w_{21}^{1}")
    assert r"= \begin{bmatrix} 0.25 & 0.1 \\ 0.35 & -0.3 \end{bmatrix}" in rows[1]


def test_a_number_is_not_written_after_equals_and_again_after_approx(tmp_path):
    text = WORKED_EXAMPLE_NET.replace('loss = "mse"', 'loss = "output"').replace(
        "targets = [0, 1]\n", "").replace("layers = [2, 2, 2]", "layers = [2, 2, 1]").replace(
        "[[0.9, 0.5], [-0.7, 0.3]]]", "[[0.9, 0.5]]]").replace("[[0, 0], [0, 0]]", "[[0, 0], [0]]")
    tex = render(derive(spec.loads(text)), "tex")
    rows = tex.replace("\\\\\n", "\n").splitlines()
    for row, following in itertools.pairwise(rows):
        shown = re.fullmatch(r"\s*&= (-?[\d.]+)\s*", row)
        assert not (shown and following.strip() == rf"&\approx {shown[1]}"), row
        twice = re.search(r"= (-?[\d.]+) \\approx (-?[\d.]+)", row)
        assert not (twice and twice[1] == twice[2]), row
    assert "E &= \\mathrm{out}\\,x_{1}^{3} \\\\\n  &\\approx 0.6783" in tex


SOFTMAX = """
[network]
layers = [2, 2, 3]
activation = ["sigmoid", "softmax"]
loss = "cross-entropy"

[values]
inputs = [0, 0]
targets = [0, 1, 0]
weights = [[[0, 0], [0, 0]], [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]]
biases = [[0, 0], [0, 0, 0]]
learning_rate = 0
"""


def test_softmax_delta_takes_its_numbers_in_the_simplified_form():
    tex = render(derive(spec.loads(SOFTMAX)), "tex")
    assert (r"&= \mathrm{out}\,x_{2}^{3} - d_{2} \quad \text{(the targets sum to 1)} \\"
            "\n" r"  &= 0.3289 - 1 \approx -0.6711") in tex


def test_a_zero_net_gives_e_to_the_zero_and_no_update_section_for_a_zero_rate():
    tex = render(derive(spec.loads(SOFTMAX)), "tex")
    assert r"\frac{1}{1 + e^{0}} = 0.5" in tex
    assert "e^{- 0}" not in tex
    assert "Update step" not in tex and "learning rate" in tex  # η is still in the notation
    markdown = render(derive(spec.loads(SOFTMAX)), "markdown")
    assert "Update step" not in markdown


def test_juxtaposed_factors_are_spaced():
    tex = render(derive(spec.loads(WORKED_EXAMPLE_NET)), "tex")
    assert r"\delta_{1}^{3} \, \mathrm{out}\,x_{1}^{2}" in tex
    assert not re.search(r"\^\{\d+\} \\mathrm\{out\}", tex)  # δ¹₃ out x, W² out x


def test_side_by_side_pairs_blocks_of_one_height_that_fit():
    short, wide = ["a &= 1"], ["b &= " + "x + " * 60 + "x"]
    assert side_by_side([short, short, wide, short]) == [["a &= 1 & a &= 1"], wide, short]
    assert side_by_side([["a &= 1", "&= 2"], short]) == [["a &= 1", "&= 2"], short]
    assert side_by_side(["a &= 1", "c &= 2", "d &= 3"]) == [["a &= 1 & c &= 2", "d &= 3"]]
    assert side_by_side(["a &= 1", wide[0]]) == [["a &= 1", wide[0]]]


def _diagram_boxes(tex: str) -> tuple[list, list]:
    """Neuron and label boxes from the coordinates the TikZ picture gives them."""
    neurons = [neuron_box(float(x), float(y)) for x, y in re.findall(
        r"\\node\[neuron\] \(\w+\) at \((-?[\d.]+), (-?[\d.]+)\)", tex)]
    labels = [Box(float(x), float(y), *label_size(shown_length(text)))
              for x, y, text in re.findall(
                  r"\\node\[label\] at \((-?[\d.]+), (-?[\d.]+)\) \{\$(.*)\$\};", tex)]
    return neurons, labels


@pytest.mark.parametrize("layers, edges", [([2, 2, 2], 8), ([3, 4, 2], 20)])
def test_diagram_draws_biases_and_no_two_labels_overlap(layers, edges):
    derivation = derive(spec.from_dict({"network": {"layers": layers,
                                                    "activation": "sigmoid", "loss": "mse"}}))
    tex = render(derivation, "tex")
    neurons, labels = _diagram_boxes(tex)
    biases = sum(layers[1:])
    assert len(neurons) == sum(layers) and len(labels) == edges + biases
    assert overlaps(labels + neurons) == []
    assert r"\node[label] at (3.25, 1.42) {$b_{1}^{2}$};" in tex or layers != [2, 2, 2]
    assert len(re.findall(r"\\path \(-?[\d.]+, -?[\d.]+\) edge \(n\d+x\d+\);", tex)) == biases


def test_overlap_check_sees_an_overlap():
    a, b = Box(0, 0, 1, 0.4), Box(0.5, 0.1, 1, 0.4)
    assert overlaps([a, b, Box(5, 5, 1, 1)]) == [(a, b)]
    assert not Box(0, 0, 1, 1).meets(Box(1, 0, 1, 1))  # touching is not overlapping


def test_markdown_written_to_a_file_gets_the_diagram_as_svg_beside_it(tmp_path):
    from xml.etree import ElementTree

    from symnn.cli import main

    path = tmp_path / "net.toml"
    path.write_text(WORKED_EXAMPLE_NET)
    assert main(["latex", str(path), "-o", str(tmp_path / "notes.md")]) == 0
    markdown = (tmp_path / "notes.md").read_text()
    assert "![The network: neurons, weights and biases](notes.svg)" in markdown
    root = ElementTree.parse(tmp_path / "notes.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}circle")) == 6
    assert len(root.findall(f"{ns}line")) == 8 + 4  # weights and biases
    texts = ["".join(t.itertext()) for t in root.findall(f"{ns}text")]
    assert "w111" in texts and "b12" in texts and "x11" in texts  # w_{11}^{1}, b_{1}^{2}, x_1^1
    tex = render(derive(spec.loads(WORKED_EXAMPLE_NET)), "tex")
    assert len(root.findall(f"{ns}rect")) - 1 == tex.count(r"\node[label]")  # same labels
    assert "svg" not in render(derive(spec.loads(WORKED_EXAMPLE_NET)), "markdown")


def test_diagram_values_puts_outputs_on_neurons_and_gradients_on_edges(tmp_path, capsys):
    from symnn.cli import main

    tex = render(derive(spec.loads(WORKED_EXAMPLE_NET)), "tex", diagram="values")
    neurons, labels = _diagram_boxes(tex)
    assert overlaps(labels + neurons) == []
    assert r"\node[label] at (4.20, 0.00) {$0.5374$};" in tex  # out[2,1] under its neuron
    assert "{$-0.07361$}" in tex and "{$0.02848$}" in tex  # ∂E/∂w[3,2,1], ∂E/∂w[2,1,1]
    assert "on each edge the gradient of $E$" in tex
    path = tmp_path / "net.toml"
    path.write_text('[network]\nlayers = [2, 2, 1]\nactivation = "sigmoid"\nloss = "mse"\n')
    assert main(["latex", str(path), "--diagram", "values", "-o", str(tmp_path / "n.tex")]) == 2
    assert capsys.readouterr().err == (
        "symnn: error: --diagram values: the spec has no [values] table to draw\n")
    assert not (tmp_path / "n.tex").exists()


def test_docs_show_every_page_of_the_worked_example(worked_pdf):
    from pathlib import Path

    images = Path(__file__).resolve().parent.parent / "docs" / "images"
    pngs = sorted(images.glob("worked-example-001-page-*.png"))
    _, pages = worked_pdf
    assert len(pngs) == len(pages)  # python scripts/docs_pages.py makes them
    assert all(png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for png in pngs)
    assert (images / "worked-example-001.svg").read_text().startswith("<svg")


def _wide_net(layers: list[int], bias: str) -> str:
    """A net with values: inputs and weights of three decimals (wide numbers)."""
    numbers = itertools.count(1)

    def number() -> str:
        return f"{((next(numbers) * 37) % 19 - 9) / 10 + 0.001:.3f}"

    weights = [[[number() for _ in range(a)] for _ in range(b)]
               for a, b in itertools.pairwise(layers)]
    text = (f'[network]\nlayers = {layers}\nactivation = "sigmoid"\nloss = "mse"\n'
            f'bias = "{bias}"\n\n[values]\n'
            f'inputs = [{", ".join(number() for _ in range(layers[0]))}]\n'
            f'targets = [{", ".join("1" if j == 0 else "0" for j in range(layers[-1]))}]\n'
            f"weights = {weights}\nlearning_rate = 0.5\n").replace("'", "")
    if bias == "per-neuron":
        text += f"biases = {[[number() for _ in range(n)] for n in layers[1:]]}\n"
    return text.replace("'", "")


def test_wide_matrices_and_long_sums_fit_the_page_or_break_between_rows(tmp_path):
    # 8 neurons x 6 inputs: W (names and values) in the numbers block; 6-5-2: W 5 x 6 with
    # its bias, the matrix form of 5 x 6, gradients of the inputs with five terms
    documents = [render(derive(spec.loads(_wide_net(layers, bias))), "tex")
                 for layers, bias in (([6, 8], "none"), ([6, 5, 2], "per-neuron"))]
    assert r"\mathbf{W}^{1} &= \begin{bmatrix} w_{11}^{1} & w_{21}^{1}" in documents[0]
    head = documents[0].split("\\begin{document}\n")[0] + "\\begin{document}\n"
    bodies = [d.split("\\begin{document}\n")[1].split("\\end{document}")[0] for d in documents]
    pdf = compile_latex(head + "\\clearpage\n".join(bodies) + "\\end{document}\n", tmp_path)
    log = (tmp_path / "document.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', box)[1])
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', box))
    assert right <= page_width - 1.6 / 2.54 * 72 + 1  # the text area's right edge (1.6 cm)
    numbers_block = bodies[1].split("The numbers of the example:")[1].split(r"\end{align*}")[0]
    assert r"\mathbf{b}^{2} &= \begin{bmatrix} b_{1}^{2}" in numbers_block  # its own row


def test_fit_rows_breaks_between_parts_never_inside_a_matrix():
    matrix = r"\begin{bmatrix} " + r" & ".join(["0.123456"] * 6) + r" \end{bmatrix}"
    named = rf"\mathbf{{W}} &= {matrix} = {matrix}, \quad \mathbf{{b}} = {matrix}"
    assert fit_rows([named]) == [rf"\mathbf{{W}} &= {matrix}", f"&= {matrix}",
                                 rf"\mathbf{{b}} &= {matrix}"]
    total = " + ".join(["0.0402 \\cdot (-0.199)"] * 6)
    assert fit_rows([f"y &= a = {total} \\approx 1"]) == [
        "y &= a", "&= " + " + ".join(["0.0402 \\cdot (-0.199)"] * 5),
        "&\\quad + 0.0402 \\cdot (-0.199)", "&\\approx 1"]
    short, paired = "a &= b = c", "a &= " + "x + " * 40 + "x & c &= d"
    assert fit_rows([short, paired]) == [short, paired]
    assert display_width(matrix) == 2 + 6 * 9  # a matrix counts as its widest row
    assert display_width(r"\frac{\partial E}{\partial w_{11}^{2}}") == 1 + 5


@pytest.mark.parametrize("preset", ["net-out", "nielsen"])
def test_a_prime_stands_on_the_symbol_before_its_indices_everywhere(preset):
    derivation = derive(spec.loads(WORKED_EXAMPLE_NET))
    for fmt in ("tex", "markdown"):
        text = render(derivation, fmt, notation.from_spec(derivation.spec, preset))
        primed = re.findall(r"(\\?[A-Za-z]+)'(\S{0,3})", text)
        assert "}'" not in text  # never after the indices: {w_{11}^{2}}', w^{l-1}'
        names = {stem for stem, after in primed if after.startswith(("^", "_"))}
        assert names == {"w", "b"}, primed
        assert all(after.startswith(("^", "_", " ", "(", "\\")) or stem in ("E", "C")
                   for stem, after in primed), primed  # φ'(z), E', E' - E
    tex = render(derivation, "tex")
    assert r"w'^{l-1}_{kj} &= w_{kj}^{l-1} - \eta \, \frac{\partial E}" in tex
    assert r"b'^{3}_{2} &= 0 - 0.5 \cdot (-0.137) \approx 0.06849" in tex
