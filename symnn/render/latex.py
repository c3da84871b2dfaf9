"""A derivation as a document for notes: standalone LaTeX, a fragment, Markdown or PDF.

``render(derivation, fmt, notation, only, source)`` builds one *context* (plain data:
every formula already printed as LaTeX by ``symnn.render.printer`` from the
derivation, never typed here) and lays it out with the templates under
``templates/latex`` and ``templates/markdown``. Sections, in this order: the network
(TikZ diagram, sizes, activations, loss, notation, given values), the forward pass, the
loss, the backward pass (error signals δ with their recursion, the chain of Leibniz
factors of every parameter with δ marked by an underbrace, gradients with respect to
the inputs), the matrix form per layer, and one update step; or, for a batch, several
steps or another optimizer than plain SGD, the training: each step's batch means and the
optimizer's rule (from ``symnn.optimizers``) with the numbers. For a batch, sections 2–5
work sample 1.

Large nets (more than ``DETAIL_LIMIT`` parameters) get the index form and the matrix
form (dimensions only for matrices above ``MATRIX_LIMIT``), and per-neuron or
per-weight lines only for the ids named in ``only``. ``Document`` wraps a derivation
for Jupyter (``_repr_markdown_``, ``_repr_latex_``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sympy

from symnn import activations, claimable, losses, optimizers
from symnn import notation as notations
from symnn.document import Definition, Products, statement
from symnn.errors import SymnnError
from symnn.evaluate import Numbers, evaluate, is_training, step_definitions, worked_definitions
from symnn.matrix import layer_matrices
from symnn.naming import (
    at,
    gradient_id,
    gradient_wrt,
    kind_of,
    parse_id,
    qid,
    state_id,
    symbol,
    updated_id,
)
from symnn.notation import Layer, Notation, matrix_name
from symnn.render import compact, environment, shown_length
from symnn.render import diagram as diagrams
from symnn.render.general import IndexForm, activation_formula
from symnn.render.rows import TERMS_PER_LINE, MathPrinter
from symnn.render.svg import svg

if TYPE_CHECKING:
    from symnn.derive import Derivation, Factor
from symnn.render.printer import (
    APPROX,
    DIGITS_SHOWN,
    latex_printer,
    number_tex,
    operand_tex,
    relation,
    sum_lines,
    tex,
)

FORMATS = ("tex", "fragment", "markdown", "pdf")
STYLES = {  # --style: the body template of each (shared by the LaTeX and Markdown families)
    "full": "latex/content.j2",  # every formula, chains, matrix form
    "compact": "latex/compact.j2",  # per layer one formula and a table of numbers
}
DIAGRAM_STYLES = ("names", "values")  # what the diagram's labels show
DETAIL_LIMIT = 50  # parameters (weights + biases); above: index and matrix form only
MATRIX_LIMIT = 6  # matrices with more rows or columns are given by their dimensions
OUTPUT_LIMIT = 6  # outputs; above, the loss is not written out term by term
DIAGRAM_NEURONS = 6  # neurons drawn per layer; more are elided with dots
DX, DY = 4.2, 1.6  # cm between layers and between neurons in the diagram
ROLE = {"input": "input", "hidden": "hidden", "output": "output"}
LOSS_TITLES = {  # how the document names each loss of symnn.losses.LOSSES
    "mse": "the mean squared error",
    "half-sse": "half the sum of squared errors",
    "sse": "the sum of squared errors",
    "cross-entropy": "the cross-entropy",
    "binary-cross-entropy": "the binary cross-entropy",
    "output": "the output of the single output neuron itself",
}
PDFLATEX_HINT = (
    "install TeX Live (Debian/Ubuntu: apt-get install --no-install-recommends "
    "texlive-latex-base texlive-latex-recommended texlive-pictures; macOS: MacTeX; "
    "Windows: MiKTeX), or use --format tex and compile it elsewhere"
)
ETA = symbol("_eta")  # sorts first in a product: η ∂E/∂w
AFTER = "E'"  # the loss after the update step


@dataclass
class Options:
    """What to put in a document besides the derivation itself."""

    notation: Notation
    only: tuple[str, ...] = ()
    source: str | None = None  # the spec's file name, shown in the title block
    detail: bool = field(default=True)


def render(
    derivation: Derivation,
    fmt: str = "tex",
    notation: Notation | None = None,
    only: tuple[str, ...] | list[str] = (),
    source: str | None = None,
    svg_name: str | None = None,
    diagram: str = "names",
    style: str = "full",
) -> str:
    """The document as text in format ``tex``, ``fragment`` or ``markdown`` and style
    ``full`` or ``compact`` (``STYLES``); a Markdown document shows the diagram from
    ``svg_name`` (written by ``diagram_svg``) if given."""
    if fmt not in ("tex", "fragment", "markdown"):
        raise SymnnError(f"--format: expected one of tex, fragment, markdown, got {fmt!r}")
    if style not in STYLES:
        raise SymnnError(f"--style: expected one of {', '.join(STYLES)}, got {style!r}")
    chosen = notation or notations.from_spec(derivation.spec)
    context = build_context(derivation, chosen, tuple(only), source, diagram, style)
    context["body"] = STYLES[style]
    context["network"]["diagram"]["svg"] = svg_name
    context["macros"] = "markdown/macros.j2" if fmt == "markdown" else "latex/macros.j2"
    template = {
        "tex": "latex/document.tex.j2",
        "fragment": "latex/fragment.tex.j2",
        "markdown": "markdown/document.md.j2",
    }[fmt]
    text = environment().get_template(template).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text)  # blank lines left by empty sections


def diagram_svg(derivation: Derivation, notation: Notation | None = None,
                diagram: str = "names") -> str:
    """The network diagram as SVG, from the same drawing as the TikZ picture."""
    chosen = notation or notations.from_spec(derivation.spec)
    builder = _Builder(derivation, chosen, (), None)
    builder.diagram_style = _diagram_style(derivation, diagram)
    return svg(builder.diagram())


def compile_pdf(tex_source: str) -> bytes:
    """The PDF of a standalone document, made by pdflatex in a temporary directory."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise SymnnError(f"--format pdf: pdflatex is not installed; {PDFLATEX_HINT}")
    with tempfile.TemporaryDirectory(prefix="symnn-latex-") as work:
        (Path(work) / "document.tex").write_text(tex_source, encoding="utf-8")
        proc = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
             "document.tex"],
            cwd=work, stdin=subprocess.DEVNULL, capture_output=True, timeout=300,
        )
        pdf = Path(work) / "document.pdf"
        if proc.returncode != 0 or not pdf.exists():
            log = proc.stdout.decode("utf-8", errors="replace").splitlines()
            errors = [line for line in log if line.startswith("!")][:3]
            raise SymnnError(
                f"--format pdf: pdflatex failed (exit {proc.returncode}): "
                f"{' '.join(errors) or 'see its log'}; --format tex gives the source"
            )
        return pdf.read_bytes()


class Document:
    """A derivation as a document; shows itself in Jupyter as Markdown or LaTeX."""

    def __init__(self, derivation: Derivation, notation: Notation | str | None = None,
                 only: tuple[str, ...] = ()):
        self.derivation = derivation
        if isinstance(notation, str):
            notation = notations.from_spec(derivation.spec, preset=notation)
        self.notation = notation or notations.from_spec(derivation.spec)
        self.only = tuple(only)

    def tex(self) -> str:
        """The standalone LaTeX document."""
        return render(self.derivation, "tex", self.notation, self.only)

    def fragment(self) -> str:
        """The LaTeX content without preamble, for ``\\input``."""
        return render(self.derivation, "fragment", self.notation, self.only)

    def markdown(self) -> str:
        """The Markdown document (KaTeX/MathJax math)."""
        return render(self.derivation, "markdown", self.notation, self.only)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        """The gradients (index form, and every value for a small net) as one display."""
        context = build_context(self.derivation, self.notation, self.only, None)
        lines = [*context["backward"]["general_gradients"]]
        for item in context["backward"]["gradients"]:
            lines.append(item["summary"])
        return "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"


def build_context(derivation: Derivation, notation: Notation, only: tuple[str, ...],
                  source: str | None, diagram: str = "names", style: str = "full") -> dict:
    """Everything the templates lay out, as plain data with LaTeX strings."""
    builder = _Builder(derivation, notation, only, source)
    builder.diagram_style = _diagram_style(derivation, diagram)
    return compact.context(builder) if style == "compact" else builder.context()


def _diagram_style(derivation: Derivation, style: str) -> str:
    """``names`` or ``values`` (which needs the spec's [values])."""
    if style not in DIAGRAM_STYLES:
        raise SymnnError(f"--diagram: expected one of {', '.join(DIAGRAM_STYLES)}, got {style!r}")
    if style == "values" and not derivation.spec.values:
        raise SymnnError("--diagram values: the spec has no [values] table to draw")
    return style


def network_context(derivation: Derivation, notation: Notation) -> dict:
    """The network section alone (diagram, layers, activations, loss, notation, values)."""
    return {"network": _Builder(derivation, notation, (), None).section_network()}


class _Builder:
    """Prints the pieces of one document; each ``section_*`` returns plain data."""

    def __init__(self, derivation: Derivation, notation: Notation, only: tuple[str, ...],
                 source: str | None):
        self.derivation = derivation
        self.network = derivation.network
        self.notation = notation
        self.depth = self.network.depth
        self.form = IndexForm(derivation, notation)
        self.all_numbers = evaluate(derivation) if derivation.spec.values else None
        self.numbers: Numbers | None = _first_sample(derivation, self.all_numbers)
        self.small = derivation.spec.parameter_count <= DETAIL_LIMIT
        self.only = _check_only(derivation, only)
        self.source = source
        self.diagram_style = "names"  # or "values": outputs on neurons, ∂E/∂w on edges
        self.names = self.form.names  # canonical ids on first use, index form as made
        self.names[ETA] = notation.learning_rate
        self.values: dict[sympy.Symbol, sympy.Expr] = {}
        self.number_names: dict[sympy.Symbol, str] = {}
        if self.numbers is not None:
            for quantity_id, value in self.numbers.values.items():
                self.values[symbol(quantity_id)] = value
                self.number_names[symbol(quantity_id)] = operand_tex(value, quantity_id)
            rate = derivation.spec.values.learning_rate
            if rate is not None:
                self.values[ETA] = sympy.Rational(rate)
                self.number_names[ETA] = operand_tex(sympy.Rational(rate))
        self.printer = latex_printer(self.names)
        self.number_printer = latex_printer(self.number_names, numeric=True)
        self.math = MathPrinter(self.printer)
        self.number_math = MathPrinter(self.number_printer)

    # -- printing helpers ----------------------------------------------------------------
    def sym(self, expr) -> str:
        """An expression in the reader's notation."""
        return self.printer.doprint(sympy.sympify(expr))

    def num(self, expr) -> str:
        """An expression with the numbers substituted (products with ``\\cdot``)."""
        if isinstance(expr, sympy.Piecewise):
            expr = self._branch(expr)
        return self.number_printer.doprint(sympy.sympify(expr))

    def value_of(self, expr) -> sympy.Expr:
        """The value of an expression at the spec's numbers."""
        result = sympy.sympify(expr).xreplace(self.values)
        return result if result.is_Rational else result.evalf(50)

    def shown(self, quantity_id: str) -> str:
        """``= 0.15`` or ``\\approx 0.5374`` for a quantity's value."""
        value = self.numbers[quantity_id]
        return f"{relation(value)} {number_tex(value, quantity_id)}"

    def _branch(self, expr: sympy.Piecewise) -> sympy.Expr:
        """The branch of a Piecewise that holds at the spec's numbers."""
        for branch, condition in expr.args:
            if bool(condition.xreplace(self.values)):
                return branch
        raise SymnnError(f"no branch of {expr} holds at the spec's values")

    def name(self, quantity_id: str) -> str:
        """A quantity's name in the notation."""
        return self.printer.doprint(symbol(quantity_id))

    def partial(self, factor: Factor) -> str:
        """∂numerator/∂denominator of a Leibniz factor."""
        return rf"\frac{{\partial {self.name(factor.numerator)}}}{{\partial " \
               rf"{self.name(factor.denominator)}}}"

    def sum_rows(self, expr, numeric: bool = False) -> list[str]:
        """A sum split over rows of ``TERMS_PER_LINE`` terms."""
        printer = self.number_printer if numeric else self.printer
        return sum_lines(sympy.sympify(expr), printer, TERMS_PER_LINE)

    def show(self, *quantity_ids: str) -> bool:
        """Whether per-item lines about these ids belong in the document."""
        if self.only:
            return any(i in self.only for i in quantity_ids)
        return self.small

    # -- the document --------------------------------------------------------------------
    def context(self) -> dict:
        """The template context."""
        return {
            **self.context_header(),
            "network": self.section_network(),
            "forward": self.section_forward(),
            "loss": self.section_loss(),
            "backward": self.section_backward(),
            "matrix": self.section_matrix(),
            "update": self.section_update(),
            "training": self.section_training(),
            **self.batch_intro(),
        }

    def batch_intro(self, training: str = "section 6 works the training") -> dict:
        """For a batch, what the numbers of section 1 are (sample 1's) and where the
        training is worked."""
        values = self.derivation.spec.values
        if values is None or not values.is_batch:
            return {}
        return {"values_intro": f"The numbers of the example (sample 1 of the batch of "
                                f"{values.batch_size}; {training}):"}

    def context_header(self) -> dict:
        """What every style's document says before its sections."""
        return {
            "title": self.title(),
            "source": self.source,
            "notation_name": self.notation.name,
            "digits": DIGITS_SHOWN,
            "detail_limit": DETAIL_LIMIT,
            "parameters": self.derivation.spec.parameter_count,
            "small": self.small,
            "only": sorted(self.only),  # a set: one order in every run
            "has_values": self.numbers is not None,
        }

    def title(self) -> str:
        sizes = "-".join(str(n) for n in self.derivation.spec.layers)
        return f"Backpropagation step by step: a {sizes} network"

    # -- 1. the network ------------------------------------------------------------------
    def section_network(self) -> dict:
        spec = self.derivation.spec
        layers = []
        for layer in range(1, self.depth + 1):
            role = "input" if layer == 1 else "output" if layer == self.depth else "hidden"
            layers.append({
                "number": layer + self.notation.first_layer - 1,
                "role": ROLE[role],
                "size": self.network.size(layer),
                "activation": "" if layer == 1 else self.network.activation(layer),
            })
        loss_form = self.form.loss()
        general_loss = None
        if loss_form is not None:
            general_loss = f"{self.sym(loss_form[0])} = {self.sym(loss_form[1])}"
        return {
            "layers": layers,
            "layer_rows": [[str(r["number"]), r["role"], str(r["size"]), r["activation"] or "none"]
                           for r in layers],
            "output_layer": self.depth + self.notation.first_layer - 1,
            "bias": {"per-neuron": "one per neuron", "per-layer": "one per layer",
                     "none": "none"}[spec.bias],
            "activations": self.activation_rows(),
            "relu_note": any(a in ("relu", "leaky-relu") for a in spec.activations),
            "loss_name": LOSS_TITLES.get(spec.loss, spec.loss),
            "outputs": self.network.size(self.depth),
            "loss_formula": general_loss,
            "notation_table": [[f"${symbol_tex}$", meaning]
                               for symbol_tex, meaning in self.notation_rows()],
            "values": self.given_values(),
            "diagram": self.diagram(),
        }

    def activation_rows(self) -> list[dict]:
        """One row per activation used: its layers, φ(z) and φ′(z) from SymPy."""
        rows = []
        slope = self.network.leaky_slope
        for name in dict.fromkeys(self.derivation.spec.activations):
            layers = [layer + self.notation.first_layer - 1 for layer in range(2, self.depth + 1)
                      if self.network.activation(layer) == name]
            phi, z = self.notation.activation, activations.Z
            if activations.get(name).elementwise:
                derivative = activations.derivative_in_output(name, slope)
                if derivative is None:
                    derivative = activations.derivative(name, slope)
                else:
                    derivative = derivative.xreplace({activations.A: self.form.activation_fn(z)})
                formula = (rf"{phi}(z) = {tex(activation_formula(name, slope), {})}, \qquad "
                           rf"{phi}'(z) = {tex(derivative, {})}")
            else:
                formula = None
            rows.append({"name": name, "layers": ", ".join(map(str, layers)),
                         "layer_word": "layers" if len(layers) > 1 else "layer",
                         "formula": formula, "variable": tex(z, {})})
        return rows

    def notation_rows(self) -> list[tuple[str, str]]:
        """The notation's table: a symbol in index form and what it stands for."""
        form, lay = self.form, Layer("l")
        rows = [
            (self.sym(form.symbol("out", 1, "k")), "input k"),
            (self.sym(form.symbol("net", lay, "j")),
             "weighted input of neuron j in layer l (before the activation)"),
            (self.sym(form.symbol("out", lay, "j")),
             "output of neuron j in layer l (after the activation)"),
        ]
        if self.notation.output:
            rows.append((self.sym(form.symbol("out", Layer("L"), "j")),
                         "output j of the network (layer L)"))
        rows.append((self.sym(form.symbol("w", lay, "j", "k")),
                     "weight from neuron k in layer l-1 to neuron j in layer l"))
        if self.derivation.spec.bias == "per-neuron":
            rows.append((self.sym(form.symbol("b", lay, "j")), "bias of neuron j in layer l"))
        elif self.derivation.spec.bias == "per-layer":
            rows.append((self.sym(form.symbol("b", lay)), "bias shared by layer l"))
        if losses.get(self.derivation.spec.loss).needs_targets:
            rows.append((self.sym(form.symbol("d", "j")), "target of output neuron j"))
        rows += [
            (self.notation.loss, "loss of the sample"),
            (self.sym(form.symbol("delta", lay, "j")),
             "error signal of neuron j in layer l: the derivative of the loss by its "
             "weighted input"),
            (self.notation.activation, "activation function"),
            (self.notation.learning_rate, "learning rate"),
            ("L", f"the output layer (here {self.depth + self.notation.first_layer - 1})"),
        ]
        return rows

    def given_values(self) -> list[str] | None:
        """The given numbers of a small net as vectors and matrices, names beside values:
        inputs and targets, then one row per layer (weights, biases), then η."""
        if self.numbers is None or not self.small:
            return None
        n = self.notation
        first = [self.named_matrix(matrix_name("out", 1, n),
                                   sympy.Matrix([symbol(i) for i in self.network.input_ids()]))]
        targets = [t for t in self.network.target_ids() if t in self.numbers]
        if targets:
            first.append(self.named_matrix(matrix_name("d", 0, n),
                                           sympy.Matrix([symbol(t) for t in targets])))
        rows = [_aligned(r", \quad ".join(first))]
        for layer in range(2, self.depth + 1):
            weights = sympy.Matrix([[symbol(w) for w in row]
                                    for row in self.network.weight_ids(layer)])
            parts = [self.named_matrix(matrix_name("w", layer, n), weights)]
            biases = [b for b in self.network.bias_ids(layer) if b in self.numbers]
            if len(biases) == 1 and self.derivation.spec.bias == "per-layer":
                parts.append(f"{self.name(biases[0])} {self.shown(biases[0])}")
            elif biases:
                parts.append(self.named_matrix(matrix_name("b", layer, n),
                                               sympy.Matrix([symbol(b) for b in biases])))
            rows.append(_aligned(r", \quad ".join(parts)))
        rate = self.derivation.spec.values.learning_rate
        if rate is not None:
            rows.append(f"{n.learning_rate} &= {number_tex(sympy.Rational(rate))}")
        return rows

    def named_matrix(self, name: str, matrix: sympy.Matrix) -> str:
        """``name = [entries' names] = [their values]``."""
        return (f"{name} = {self.bmatrix(matrix)} {self.approx_all(matrix)} "
                f"{self.bmatrix(matrix, True)}")

    def diagram(self) -> dict:
        """Coordinates and labels of the TikZ picture."""
        columns, edges = [], []
        labelled = self.small
        drawn: dict[int, list[int]] = {}
        below = 1.0 + (0.45 if self.values_drawn else 0.0)  # the caption under the neurons
        for layer in range(1, self.depth + 1):
            size = self.network.size(layer)
            shown = list(range(1, size + 1))
            if size > DIAGRAM_NEURONS:
                shown = [*range(1, DIAGRAM_NEURONS - 1), size]
            drawn[layer] = shown
            slots = len(shown) + (1 if size > DIAGRAM_NEURONS else 0)
            nodes = []
            for slot in range(slots):
                y = (slots - 1) / 2 - slot
                if size > DIAGRAM_NEURONS and slot == slots - 2:
                    nodes.append({"dots": True, "y": f"{DY * y:.2f}", "name": ""})
                    continue
                j = shown[slot if slot < slots - 2 or size <= DIAGRAM_NEURONS else slot - 1]
                nodes.append({"dots": False, "y": f"{DY * y:.2f}", "name": f"n{layer}x{j}",
                              "label": self.neuron_label(layer, j)})
            role = "input" if layer == 1 else "output" if layer == self.depth else "hidden"
            columns.append({"x": f"{DX * (layer - 1):.2f}", "nodes": nodes, "role": role,
                            "number": layer + self.notation.first_layer - 1,
                            "bottom": f"{DY * (-(slots - 1) / 2) - below:.2f}"})
        bottom = min(float(c["bottom"]) for c in columns)
        for column in columns:
            column["bottom"] = f"{bottom:.2f}"
        centre = {node["name"]: (float(column["x"]), float(node["y"]))
                  for column in columns for node in column["nodes"] if not node["dots"]}
        biases = self.diagram_biases(drawn, centre) if labelled else []
        texts = []
        for layer in range(2, self.depth + 1):
            for j in drawn[layer]:
                for k in drawn[layer - 1]:
                    source, target = f"n{layer - 1}x{k}", f"n{layer}x{j}"
                    edges.append({"source": source, "target": target})
                    texts.append((source, target, self.edge_text(qid("w", layer, j, k))))
        labels = self.node_values(centre) if self.values_drawn else []
        if labelled:
            obstacles = [diagrams.neuron_box(*xy) for xy in centre.values()]
            obstacles += [b["box"] for b in biases] + [v["box"] for v in labels]
            boxes = diagrams.place([(centre[a], centre[b], shown_length(t)) for a, b, t in texts],
                                   obstacles)
            labels += [{"x": f"{box.x:.2f}", "y": f"{box.y:.2f}", "text": text}
                       for (_, _, text), box in zip(texts, boxes, strict=True) if box is not None]
        caption = None
        if self.values_drawn:
            caption = (f"Under each neuron its output; on each edge the gradient of "
                       f"${self.notation.loss}$ by the edge's weight.")
        return {"columns": columns, "edges": edges, "labels": labels, "biases": biases,
                "caption": caption, "svg": None}

    @property
    def values_drawn(self) -> bool:
        """Whether the diagram shows numbers (``--diagram values`` and a spec with values)."""
        return self.diagram_style == "values" and self.numbers is not None

    def edge_text(self, weight: str) -> str:
        """An edge's label: the weight's name, or with ``--diagram values`` ∂E/∂w's value."""
        if not self.values_drawn:
            return self.name(weight)
        return number_tex(self.numbers[gradient_id(weight)])

    def node_values(self, centre: dict) -> list[dict]:
        """Each drawn neuron's output under its circle (labels placed before the edges')."""
        values = []
        for name, (x, y) in centre.items():
            layer, j = (int(part) for part in name[1:].split("x"))
            text = number_tex(self.numbers[qid("out", layer, j)])
            box = diagrams.Box(x, round(y - diagrams.VALUE_DROP, 2),
                               *diagrams.label_size(shown_length(text)))
            values.append({"x": f"{box.x:.2f}", "y": f"{box.y:.2f}", "text": text, "box": box})
        return values

    def diagram_biases(self, drawn: dict, centre: dict) -> list[dict]:
        """A bias arrow into every drawn neuron after the inputs, its label above left."""
        biases = []
        dx, dy = diagrams.BIAS_OFFSET
        for layer in range(2, self.depth + 1):
            for j in drawn[layer]:
                bias = self.network.bias_of(layer, j)
                if not bias:
                    continue
                x, y = centre[f"n{layer}x{j}"]
                text = self.name(bias)
                box = diagrams.Box(round(x + dx, 2), round(y + dy, 2),
                                   *diagrams.label_size(shown_length(text)))
                biases.append({"x": f"{box.x:.2f}", "y": f"{box.y:.2f}", "text": text,
                               "target": f"n{layer}x{j}", "box": box})
        return biases

    def neuron_label(self, layer: int, j: int) -> str:
        """A neuron's label in the diagram: the notation's neuron symbol with indices."""
        if layer == 1 or (layer == self.depth and self.notation.output):
            return self.name(qid("out", layer, j))
        stem = self.notation.neuron or self.notation.out
        return f"{stem}_{{{j}}}^{{{self.notation.layer(layer)}}}"

    # -- 2. forward pass -----------------------------------------------------------------
    def section_forward(self) -> dict:
        net_lhs, net_rhs = self.form.net()
        general = [f"{self.sym(net_lhs)} &= {self.sym(net_rhs)}"]
        out_lhs, out_rhs = self.form.out()
        general.append(f"{self.sym(out_lhs)} &= {self.sym(out_rhs)}")
        if not activations.get(self.network.activation(self.depth)).elementwise:
            lhs, rhs = self.form.softmax_out()
            general.append(rf"{self.sym(lhs)} &= {self.sym(rhs)} \quad \text{{(softmax)}}")
        layers = []
        for layer in range(2, self.depth + 1):
            blocks = []
            for j in range(1, self.network.size(layer) + 1):
                ids = (qid("net", layer, j), qid("out", layer, j), qid("delta", layer, j))
                if self.show(*ids):
                    blocks.append(self.forward_neuron(layer, j))
            layers.append({"number": layer + self.notation.first_layer - 1,
                           "activation": self.network.activation(layer), "blocks": blocks})
        return {"general": general, "layers": layers}

    def forward_neuron(self, layer: int, j: int) -> list[str]:
        """net and out of one neuron: formula, numbers substituted, value."""
        rows = []
        for quantity_id in (qid("net", layer, j), qid("out", layer, j)):
            expr = self.derivation.definitions[quantity_id]
            size = self.network.size(layer)
            if not activations.get(self.network.activation(layer)).elementwise \
                    and kind_of(quantity_id) == "out" \
                    and size > TERMS_PER_LINE:
                rows += self.long_softmax_rows(layer, j)
                continue
            rows += _chunked(f"{self.name(quantity_id)} &= ", self.sum_rows(expr), 1, joiner="")
            if self.numbers is not None and self._numeric_expr(expr).is_Symbol:
                rows.append(f"&{self.shown(quantity_id)}")  # one number: no "= x ≈ x"
            elif self.numbers is not None:
                numeric = self.sum_rows(self._numeric_expr(expr), numeric=True)
                rows += _chunked("&= ", numeric, 1, joiner="")
                rows[-1] += f" {self.shown(quantity_id)}"
        return rows

    def long_softmax_rows(self, layer: int, j: int) -> list[str]:
        """out of a wide softmax layer: the denominator as a sum over i, then the value."""
        i = sympy.Symbol("i")
        out_id = qid("out", layer, j)
        denominator = sympy.Sum(sympy.exp(self.form.symbol("net", layer, "i")),
                                (i, 1, self.network.size(layer)))
        expr = sympy.exp(symbol(qid("net", layer, j))) / denominator
        row = f"{self.name(out_id)} &= {self.sym(expr)}"
        return [row + (f" {self.shown(out_id)}" if self.numbers is not None else "")]

    def _numeric_expr(self, expr):
        return self._branch(expr) if isinstance(expr, sympy.Piecewise) else expr

    # -- 3. loss -------------------------------------------------------------------------
    def section_loss(self) -> dict:
        rows = []
        expr = self.derivation.definitions["E"]
        if self.network.size(self.depth) <= OUTPUT_LIMIT:
            rows = _chunked(f"{self.notation.loss} &= ", self.sum_rows(expr), 1, joiner="")
            if self.numbers is not None and "E" in self.numbers:
                numeric = [] if expr.is_Symbol else self.sum_rows(expr, numeric=True)
                rows += _chunked("&= ", numeric, 1, joiner="")
                rows.append(f"&{self.shown('E')}")
        elif self.numbers is not None and "E" in self.numbers:
            rows.append(f"{self.notation.loss} &{self.shown('E')}")
        return {"rows": rows}

    # -- 4. backward pass ----------------------------------------------------------------
    def section_backward(self) -> dict:
        deltas = []
        for layer in range(self.depth, 1, -1):
            for j in range(1, self.network.size(layer) + 1):
                params = [*self.network.weight_ids(layer)[j - 1]]
                bias = self.network.bias_of(layer, j)
                if bias:
                    params.append(bias)
                if self.show(qid("delta", layer, j), qid("net", layer, j),
                             qid("out", layer, j), *params):
                    deltas.append(self.delta_rows(layer, j))
        gradients = []
        for layer in range(self.depth, 1, -1):
            params = [w for row in self.network.weight_ids(layer) for w in row]
            params += self.network.bias_ids(layer)
            gradients += [self.gradient_rows(p) for p in params if self.show(p)]
        inputs = [self.gradient_rows(x) for x in self.network.input_ids() if self.show(x)]
        return {
            "general_deltas": self.general_deltas(),
            "general_gradients": self.general_gradients(),
            "general_inputs": self.general_inputs(),
            "deltas": deltas,
            "gradients": gradients,
            "inputs": inputs,
            "abridged": not self.only and any(len(g["rows"]) == 1 for g in gradients),
        }

    def general_deltas(self) -> list[str]:
        """δ of the output layer and the recursion for hidden layers, in index form."""
        form, out_layer = self.form, Layer("L")
        rows = []
        delta_L = form.symbol("delta", out_layer, "j")
        net_L = ("net", out_layer, "j")
        if not activations.get(self.network.activation(self.depth)).elementwise:
            rows += self._softmax_general(delta_L)
        else:
            chain = (rf"{form.partial(('E',), ('out', out_layer, 'j'))} \cdot "
                     rf"{form.partial(('out', out_layer, 'j'), net_L)}")
            row = rf"{self.sym(delta_L)} &= {form.partial(('E',), net_L)} = {chain}"
            dE, slope = form.output_dE_dout(), form.slope(self.depth)
            if dE is not None and slope is not None:
                row += rf" = {self.math.factor(dE)} \cdot {self.math.factor(slope)}"
            rows.append(row)
        if self.depth > 2:
            lay = Layer("l")
            lhs, rhs = form.hidden_dE_dout()
            delta_l = form.symbol("delta", lay, "j")
            rows.append(
                rf"{self.sym(delta_l)} &= {self.sym(lhs)} \cdot "
                rf"{form.partial(('out', lay, 'j'), ('net', lay, 'j'))} "
                rf"= \left({self.sym(rhs)}\right) \cdot "
                rf"{form.partial(('out', lay, 'j'), ('net', lay, 'j'))}"
                rf" \quad \text{{for }} l < L"
            )
            for layer in range(2, self.depth):
                slope = self.derivation.dout_dnet[qid("out", layer, 1)].value
                generic = form.relabel(slope, layer, {1: "j"})
                if generic is not None:
                    partial = form.partial(("out", layer, "j"), ("net", layer, "j"))
                    rows.append(rf"{partial} &= {self.sym(generic)} \quad "
                                rf"\text{{({self.network.activation(layer)})}}")
        return rows

    def _softmax_general(self, delta_L) -> list[str]:
        form, out_layer = self.form, Layer("L")
        i = sympy.Symbol("i")
        jacobian = form.named("zJ[L,i,j]", form.partial(("out", out_layer, "i"),
                                                        ("net", out_layer, "j")))
        terms = sympy.Sum(form.symbol("dE/dout", out_layer, "i") * jacobian,
                          (i, 1, form.size(out_layer)))
        rows = [rf"{self.sym(delta_L)} &= {self.sym(terms)}"]
        diagonal, off = form.softmax_jacobian()
        jac = form.partial(("out", out_layer, "i"), ("net", out_layer, "j"))
        if diagonal is not None:
            cases = rf"{self.sym(diagonal)} & \text{{if }} i = j"
            if off is not None:
                cases += rf" \\ {self.sym(off)} & \text{{if }} i \neq j"
            rows.append(rf"{jac} &= \begin{{cases}} {cases} \end{{cases}}")
        simplified = form.softmax_simplified()
        if simplified is not None:
            rows.append(rf"{self.sym(delta_L)} &= {self.sym(simplified)} \quad "
                        r"\text{when the targets sum to 1}")
        return rows

    def general_gradients(self) -> list[str]:
        """∂E/∂w and ∂E/∂b in index form."""
        form, lay = self.form, Layer("l")
        lhs, rhs = form.weight_gradient()
        chain = (rf"{form.partial(('E',), ('net', lay, 'j'))} \cdot "
                 rf"{form.partial(('net', lay, 'j'), ('w', lay, 'j', 'k'))}")
        rows = [f"{self.sym(lhs)} &= {chain} = {self.sym(rhs)}"]
        bias = form.bias_gradient()
        if bias is not None:
            rows.append(f"{self.sym(bias[0])} &= {self.sym(bias[1])}")
        return rows

    def general_inputs(self) -> list[str]:
        lhs, rhs = self.form.input_gradient()
        return [f"{self.sym(lhs)} &= {self.sym(rhs)}"]

    def delta_rows(self, layer: int, j: int) -> dict:
        """δ of one neuron: its Leibniz factors, their values, numbers, result."""
        delta_id = qid("delta", layer, j)
        signal = self.derivation.error_signals[delta_id]
        chain = [rf"{self.partial(a)} \cdot {self.partial(b)}" for a, b in signal.terms]
        rows = _chunked(f"{self.name(delta_id)} &= ", chain, 2)
        products = statement(self.derivation, delta_id)
        if products.pairs[0][0] is not signal.terms[0][0].value:  # a long ∂E/∂out by name
            rows = self.quantity_rows(products.pairs[0][0].name) + rows
        rows += _chunked("&= ", self.math.lines(products), 1, joiner="+")
        simplified = signal.simplified is not None and self._condition_holds()
        if simplified:
            rows.append(rf"&= {self.sym(signal.simplified)} \quad \text{{(the targets sum to 1)}}")
        if self.numbers is not None and simplified:  # the numbers go into the form shown
            rows.append(f"&= {self.num(signal.simplified)} {self.shown(delta_id)}")
        elif self.numbers is not None:
            numeric = Products(delta_id, tuple(
                (self._numeric_expr(a), self._numeric_expr(b)) for a, b in products.pairs))
            rows += _chunked("&= ", self.number_math.lines(numeric), 1, joiner="+")
            if len(signal.terms) == 1:
                values = [self.value_of(v) for v in products.pairs[0]]
                rows.append(rf"&= {operand_tex(values[0])} \cdot {operand_tex(values[1])} "
                            rf"{self.shown(delta_id)}")
            else:
                rows.append(f"&{self.shown(delta_id)}")
        return {"rows": rows}

    def quantity_rows(self, quantity_id: str) -> list[str]:
        """A quantity's definition over rows, then with numbers, then its value."""
        expr = self.derivation.definitions[quantity_id]
        rows = _chunked(f"{self.name(quantity_id)} &= ",
                        self.math.lines(Definition(quantity_id, expr)), 1, joiner="")
        if self.numbers is not None and not expr.is_Symbol:
            rows += _chunked("&= ", self.number_math.lines(Definition(quantity_id, expr)), 1,
                             joiner="")
            rows.append(f"&{self.shown(quantity_id)}")
        return rows

    def _condition_holds(self) -> bool:
        """Whether the targets sum to 1 (the condition of the softmax simplification)."""
        if self.numbers is None:
            return True
        return sum(self.numbers[t] for t in self.network.target_ids()) == 1

    def full_chain(self, quantity: str) -> bool:
        """Whether a gradient gets its Leibniz chain written out: the ids of ``--only``,
        else the first weight of each layer (the others follow the same pattern)."""
        if self.only:
            return quantity in self.only
        parsed = parse_id(quantity)
        return parsed.kind == "w" and parsed.indices[1:] == (1, 1)

    def gradient_rows(self, quantity: str) -> dict:
        """One parameter's (or input's) gradient: chain with δ marked, factors, number;
        one line (definition, numbers, value) unless ``full_chain``."""
        grad_id = gradient_id(quantity)
        gradient = self.derivation.gradients[grad_id]
        name = self.name(grad_id)
        if not self.full_chain(quantity):
            return self.short_gradient_rows(grad_id)
        pieces = []
        for term in range(len(gradient.terms)):
            pieces.append(self._marked_chain(grad_id, term))
        rows = _chunked(f"{name} &= ", pieces, 2)
        rows += _chunked("&= ", self.sum_rows(self.derivation.definitions[grad_id]), 1,
                         joiner="")
        summary = f"{name} = {self.sym(self.derivation.definitions[grad_id])}"
        if self.numbers is not None:
            numeric = []
            for delta_id, factor in gradient.terms:
                marked = self._marked_values(delta_id)
                numeric.append(rf"{marked} \cdot {operand_tex(self.value_of(factor.value))}")
            rows += _chunked("&= ", numeric, 2)
            rows.append(f"&{self.shown(grad_id)}")
            summary += f" {self.shown(grad_id)}"
        return {"rows": rows, "summary": summary.replace("=", "&=", 1)}

    def short_gradient_rows(self, grad_id: str) -> dict:
        """``∂E/∂p = δ out = 0.148 · 0.5374 ≈ 0.07955`` on one line."""
        definition = self.derivation.definitions[grad_id]
        row = f"{self.name(grad_id)} &= {self.sym(definition)}"
        if self.numbers is not None:
            if not definition.is_Symbol:
                row += f" = {self.num(definition)}"
            row += f" {self.shown(grad_id)}"
        summary = f"{self.name(grad_id)} &= {self.sym(definition)}"
        if self.numbers is not None:
            summary += f" {self.shown(grad_id)}"
        return {"rows": [row], "summary": summary}

    def _marked_chain(self, grad_id: str, term: int) -> str:
        """The Leibniz chain of one term with the factors that make δ under a brace."""
        chain = self.derivation.leibniz_chain(grad_id, term)
        delta_id = self.derivation.gradients[grad_id].terms[term][0]
        *inner, last = chain
        marked = r" \cdot ".join(self.partial(f) for f in inner)
        return (rf"\underbrace{{{marked}}}_{{{self.name(delta_id)}}} \cdot "
                rf"{self.partial(last)}")

    def _marked_values(self, delta_id: str) -> str:
        """The values of δ's factors under a brace labelled with δ's value."""
        signal = self.derivation.error_signals[delta_id]
        label = f"{self.name(delta_id)} {self.shown(delta_id)}"
        if len(signal.terms) == 1:
            values = [operand_tex(self.value_of(f.value)) for f in signal.terms[0]]
            return rf"\underbrace{{{values[0]} \cdot {values[1]}}}_{{{label}}}"
        return rf"\underbrace{{{operand_tex(self.numbers[delta_id])}}}_{{{label}}}"

    # -- 5. matrix form ------------------------------------------------------------------
    def section_matrix(self) -> list[dict]:
        return [self.matrix_layer(layer) for layer in range(self.depth, 1, -1)]

    def matrix_layer(self, layer: int) -> dict:
        """The matrix form of one layer: dimensions, net, δ, ∂E/∂W, ∂E/∂b."""
        rows_n, cols_n = self.network.size(layer), self.network.size(layer - 1)
        explicit = rows_n <= MATRIX_LIMIT and cols_n <= MATRIX_LIMIT
        # The matrices themselves only for explicit layers: building 20 x 784 products
        # to print their dimensions would cost seconds.
        view = layer_matrices(self.derivation, layer) if explicit else _Shape(
            biases=None if self.derivation.spec.bias == "none" else True,
            dE_db=None if self.derivation.spec.bias == "none" else True,
            is_jacobian=not activations.get(self.network.activation(layer)).elementwise,
        )
        n = self.notation
        W, x = matrix_name("w", layer, n), matrix_name("out", layer - 1, n)
        net, out = matrix_name("net", layer, n), matrix_name("out", layer, n)
        delta, b = matrix_name("delta", layer, n), matrix_name("b", layer, n)
        loss = n.loss
        dims = [rf"{W} \in \mathbb{{R}}^{{{rows_n} \times {cols_n}}}",
                rf"{x} \in \mathbb{{R}}^{{{cols_n}}}",
                rf"{net},\ {out},\ {delta} \in \mathbb{{R}}^{{{rows_n}}}"]
        lines = []
        bias = f" + {b}" if view.biases is not None else ""
        if view.biases is not None and self.derivation.spec.bias == "per-layer":
            bias = rf" + {b}\,\mathbf{{1}}"
        row = rf"{net} &= {W} \, {x}{bias}"
        if explicit:
            row += f" = {self.bmatrix(view.weights)} {self.bmatrix(view.inputs)}"
            if view.biases is not None:
                row += f" + {self.bmatrix(view.biases)}"
        lines.append(row)
        if explicit and self.numbers is not None:
            row = f"&= {self.bmatrix(view.weights, True)} {self.bmatrix(view.inputs, True)}"
            if view.biases is not None:
                row += f" + {self.bmatrix(view.biases, True)}"
            lines.append(row + f" {self.approx_all(view.net)} {self.bmatrix(view.net, True)}")
        lines += self.matrix_delta(layer, view, explicit, out, net, delta)
        grad_W = rf"\frac{{\partial {loss}}}{{\partial {W}}}"
        row = rf"{grad_W} &= {delta} \left({x}\right)^{{\top}}"
        if explicit:
            row += f" = {self.bmatrix(view.dE_dW)}"
        lines.append(row)
        if explicit and self.numbers is not None:
            row = (f"&= {self.bmatrix(view.delta, True)} {self.bmatrix(view.inputs.T, True)} "
                   f"{self.approx_all(view.dE_dW)} {self.bmatrix(view.dE_dW, True)}")
            lines.append(row)
        if view.dE_db is not None:
            grad_b = rf"\frac{{\partial {loss}}}{{\partial {b}}}"
            rhs = delta if self.derivation.spec.bias == "per-neuron" else \
                rf"\mathbf{{1}}^{{\top}} {delta}"
            lines.append(f"{grad_b} &= {rhs}")
        return {
            "number": layer + n.first_layer - 1,
            "previous": layer - 1 + n.first_layer - 1,
            "rows": rows_n,
            "columns": cols_n,
            "dims": r", \quad ".join(dims),
            "explicit": explicit,
            "lines": lines,
        }

    def matrix_delta(self, layer, view, explicit, out, net, delta) -> list[str]:
        """δ of a layer in matrix form (output: ∇E ⊙ φ′ or Jᵀ∇E; hidden: the recursion)."""
        n = self.notation
        phi = rf"{n.activation}'\left({net}\right)"
        op = r" \odot "
        if layer == self.depth:
            grad = rf"\frac{{\partial {n.loss}}}{{\partial {out}}}"
            if view.is_jacobian:
                J = rf"\frac{{\partial {out}}}{{\partial {net}}}"
                row = rf"{delta} &= \left({J}\right)^{{\top}} {grad}"
                op = " "
            else:
                row = rf"{delta} &= {grad} \odot {phi}"
        else:
            W_next = matrix_name("w", layer + 1, n)
            delta_next = matrix_name("delta", layer + 1, n)
            recursion = rf"\left({W_next}\right)^{{\top}} {delta_next}"
            row = rf"{delta} &= \left({recursion}\right) \odot {phi}"
        if not explicit:
            return [row]
        factors = (view.slope.T, view.dE_dout) if op == " " else (view.dE_dout, view.slope)
        lines = [row + " = " + op.join(self.bmatrix(m) for m in factors)]
        if self.numbers is not None:
            lines.append(f"&= {op.join(self.bmatrix(m, True) for m in factors)} "
                         f"{self.approx_all(view.delta)} {self.bmatrix(view.delta, True)}")
        return lines

    def bmatrix(self, matrix: sympy.Matrix, numeric: bool = False) -> str:
        """A matrix as ``bmatrix``: entries printed symbolically or as their values."""
        rows = []
        for r in range(matrix.rows):
            entries = []
            for c in range(matrix.cols):
                entry = matrix[r, c]
                entries.append(number_tex(self.value_of(entry)) if numeric else self.sym(entry))
            rows.append(" & ".join(entries))
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"

    def approx_all(self, matrix: sympy.Matrix) -> str:
        """``=`` when every entry of a matrix is shown exactly, else ``\\approx``."""
        return "=" if all(relation(self.value_of(e)) == "=" for e in matrix) else APPROX

    # -- 6. update step ------------------------------------------------------------------
    def section_update(self) -> dict:
        form = self.form
        general = []
        lhs, rhs = form.update("w")
        general.append(f"{self.sym(lhs)} &= {self.sym(rhs)}")
        if self.derivation.spec.bias == "per-neuron":
            lhs, rhs = form.update("b")
            general.append(f"{self.sym(lhs)} &= {self.sym(rhs)}")
        values = self.derivation.spec.values
        rate = values.learning_rate if values else None
        rows = []
        if rate is not None:
            for param in self.network.parameter_ids():
                if self.show(param):
                    rows.append(self.update_row(param))
        loss_rows = []
        if rate is not None and "E'" in self.numbers:
            before, after = self.numbers["E"], self.numbers["E'"]
            change = after - before
            after_name = self.name("E'")
            loss_rows = [r", \quad ".join([
                f"{self.notation.loss} &{self.shown('E')}",
                f"{after_name} {self.shown(AFTER)}",
                f"{after_name} - {self.notation.loss} {relation(change)} {number_tex(change)}",
            ])]
        return {
            "general": general,
            "learning_rate_name": self.notation.learning_rate,
            "rate": None if rate is None else number_tex(sympy.Rational(rate)),
            "rows": rows,
            "loss_rows": loss_rows,
            "biases_fixed": bool(values and not values.update_biases
                                 and self.derivation.spec.bias != "none"),
        }

    def update_row(self, param: str) -> str:
        """p' = p − η ∂E/∂p with numbers (the numbers only where the gradient is given
        by its result); biases stay when update_biases is false."""
        new = updated_id(param)
        is_bias = parse_id(param).kind == "b"
        if is_bias and not self.derivation.spec.values.update_biases:
            return f"{self.name(new)} &= {self.name(param)} {self.shown(new)}"
        expr = symbol(param) - ETA * symbol(gradient_id(param))
        if not self.full_chain(param):  # the rule is written above and for one per layer
            return f"{self.name(new)} &= {self.num(expr)} {self.shown(new)}"
        return f"{self.name(new)} &= {self.sym(expr)} = {self.num(expr)} {self.shown(new)}"


    # -- 6. training (a batch, several steps, another optimizer) -------------------------
    def section_training(self) -> dict | None:
        """Each step: the batch means, the optimizer's rule with numbers, the loss after."""
        values = self.derivation.spec.values
        if not is_training(self.derivation):
            return None
        optimizer = optimizers.get(values.optimizer)
        steps = []
        for t, worked, names in self.training_steps():
            means = [k for k in ("E", *map(gradient_id, self.network.parameter_ids()))
                     if values.is_batch and (k == "E" or self.show(k))]
            rows = [self.training_row(at(k, step=t - 1), worked, names) for k in means]
            for param in self.network.parameter_ids():
                if not self.show(param):
                    continue
                ids = [state_id(kind, param, t) for kind in optimizer.state]
                rows += [self.training_row(k, worked, names) for k in ids if k in worked]
                rows.append(self.training_row(at(param, step=t), worked, names))
            steps.append({"number": t, "rows": rows,
                          "loss": f"{self.name(at('E', step=t))} &"
                                  f"{self._shown_all(at('E', step=t))}"})
        return {**self.training_header(), "steps": steps}

    def training_header(self) -> dict:
        """What the training says before its steps: the summary, the samples of the
        batch, the optimizer's rule in general and its hyper-parameters."""
        values = self.derivation.spec.values
        optimizer = optimizers.get(values.optimizer)
        count = values.batch_size
        batch = f" on a batch of {count} samples" if values.is_batch else ""
        return {
            "summary": f"{values.steps} step{'s' if values.steps > 1 else ''} of "
                       f"{optimizer.name}{batch}",
            "batch": self.batch_rows() if values.is_batch else [],
            "optimizer": optimizer.name,
            "formula": optimizer.formula_latex,
            "hyper": ", ".join(f"{_HYPER_TEX[key]} = {number_tex(sympy.Rational(value))}"
                               for key, value in values.hyper_parameters.items()),
            "samples": values.batch_size,
        }

    def training_steps(self):
        """``(t, worked, names)`` for each step t: the worked definitions with step t's
        rule written in the hyper-parameters' symbols, and the numbers of every symbol
        (the hyper-parameters' included) for printing the rules with numbers."""
        values = self.derivation.spec.values
        worked = worked_definitions(self.derivation)
        names = {symbol(k): operand_tex(v, k) for k, v in self.all_numbers.values.items()}
        for key, value in values.hyper_parameters.items():
            general = optimizers.DECAY if key == optimizers.WEIGHT_DECAY else \
                optimizers.HYPER[key]
            self.names[general] = _HYPER_TEX[key]
            names[general] = operand_tex(sympy.Rational(value))
        rate = sympy.Rational(values.learning_rate)
        for t in range(1, values.steps + 1):
            worked = {**worked, **step_definitions(self.derivation, t, rate, general=True)}
            yield t, worked, names

    def batch_rows(self) -> list[str]:
        """``x^(s) = (…)ᵀ,  d^(s) = (…)ᵀ`` for each sample of the batch."""
        values = self.derivation.spec.values
        targets = values.batch_targets or [()] * values.batch_size
        rows = []
        for s, (x, d) in enumerate(zip(values.batch_inputs, targets, strict=True), start=1):
            row = rf"\mathbf{{x}}^{{({s})}} &= {_column(x)}"
            if d:
                row += rf", \quad \mathbf{{d}}^{{({s})}} = {_column(d)}"
            rows.append(row)
        return rows

    def training_row(self, quantity_id: str, worked: dict, names: dict) -> str:
        """``name = rule = rule with numbers ≈ value`` for one id of the worked example."""
        expr = worked[quantity_id]
        numeric = tex(expr, names, numeric=True)
        if numeric == number_tex(self.all_numbers[quantity_id], quantity_id):
            numeric = ""  # one number: v' = ∂E/∂w ≈ 0.02809, not = 0.02809 ≈ 0.02809
        return (f"{self.name(quantity_id)} &= {self.sym(expr)} "
                f"{f'= {numeric} ' if numeric else ''}{self._shown_all(quantity_id)}")

    def _shown_all(self, quantity_id: str) -> str:
        value = self.all_numbers[quantity_id]
        return f"{relation(value)} {number_tex(value, quantity_id)}"


# How the training section names each hyper-parameter (optimizers.HYPER_NAMES).
_HYPER_TEX = {"learning_rate": r"\eta", "momentum": r"\mu", "alpha": r"\alpha",
              "beta1": r"\beta_1", "beta2": r"\beta_2", "eps": r"\epsilon",
              optimizers.WEIGHT_DECAY: r"\lambda"}


def _column(numbers) -> str:
    """A vector of given numbers as a transposed row: ``(0.5, 0.25)^T``."""
    return "(" + ", ".join(number_tex(sympy.Rational(x)) for x in numbers) + r")^{\top}"


def _first_sample(derivation: Derivation, numbers: Numbers | None) -> Numbers | None:
    """For a batch, the numbers of sample 1 under the ids without ``#1`` (sections 2–5)."""
    if numbers is None or not derivation.spec.values.is_batch:
        return numbers
    values = dict(numbers.values)
    for key, value in numbers.values.items():
        parsed = parse_id(key)
        if parsed.sample == 1 and parsed.step == 0:
            values[parsed.base] = value
    return Numbers(values)


@dataclass(frozen=True)
class _Shape:
    """What the matrix form needs of a layer too large to write out entry by entry."""

    biases: object
    dE_db: object
    is_jacobian: bool


def _aligned(row: str) -> str:
    """A row aligned on its first ``=``."""
    return row.replace(" = ", " &= ", 1)


def _chunked(first: str, pieces: list[str], per_row: int, joiner: str = " + ") -> list[str]:
    """Pieces over rows of ``per_row``: the first row starts with ``first``, later rows
    are indented and start with ``joiner`` (pieces that carry their sign use "")."""
    rows = []
    for start in range(0, len(pieces), per_row):
        chunk = joiner.join(pieces[start : start + per_row])
        rows.append(f"{first}{chunk}" if start == 0 else rf"&\quad {joiner.strip()} {chunk}")
    return [row.replace(r"\quad  ", r"\quad ") for row in rows]


def _only_elements(network, only: tuple[str, ...]) -> list[tuple[str, str]]:
    """(as given, id) for every element named: a claimable id stands for what it is about
    (``claimable.subject``), a slice for each of its elements."""
    pairs = []
    for given in only:
        try:
            chosen = claimable.select(network, [given])
        except SymnnError:
            chosen = [given.strip()]
        pairs += [(given, claimable.subject(i, network) if "[" in i else i) for i in chosen]
    return pairs


def _check_only(derivation: Derivation, only: tuple[str, ...]) -> frozenset[str]:
    """The ids named by ``--only``, normalised to parameters, inputs and neuron ids."""
    network = derivation.network
    known = set(network.parameter_ids()) | set(network.input_ids())
    known |= {k for k in derivation.definitions if kind_of(k) in ("net", "out", "delta")}
    selected = set()
    for given, quantity in _only_elements(network, only):
        try:
            parsed = parse_id(quantity)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.kind in ("dE/dw", "dE/db"):
            quantity = gradient_wrt(quantity)
        elif parsed is not None and parsed.kind == "dE/dx":
            quantity = qid("out", 1, parsed.indices[0])
        if parsed is None or quantity not in known:
            raise SymnnError(
                f"--only: {given!r} is not a quantity of this network; expected ids such as "
                f"{qid('w', 2, 1, 1)}, {network.bias_ids(2)[0] if network.bias_ids(2) else ''}"
                f"{', ' if network.bias_ids(2) else ''}{qid('net', 2, 1)}, "
                f"{qid('delta', network.depth, 1)}, dE/dx[1]"
            )
        selected.add(quantity)
        if parsed.kind in ("net", "out", "delta"):
            selected |= {qid(k, *parsed.indices) for k in ("net", "out", "delta")}
    return frozenset(selected)
