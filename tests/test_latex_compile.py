"""Every emitted document compiles with pdflatex and every Markdown formula renders in KaTeX.

Variants: every notation preset × every activation (hidden and output) × every loss,
with and without values, on a small net (per-weight lines) and a large one (index and
matrix form, ``--only``). To stay fast, each preset's standalone documents are checked
to be one preamble around their fragment, and the fragments are compiled in a few
batched documents (two pdflatex processes at a time); all Markdown formulas go through
one KaTeX process.
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import pytest

from symnn import activations, losses, notation, spec
from symnn.derive import derive
from symnn.render.latex import DETAIL_LIMIT, render
from tests.tools import compile_latex, katex_errors, markdown_math_blocks

PRESETS = list(notation.PRESETS)
ELEMENTWISE = [name for name, a in activations.ACTIVATIONS.items() if a.elementwise]
LOSSES = list(losses.LOSSES)
SMALL, LARGE = [2, 3, 2], [8, 6, 4]
# Output activations whose values keep every log finite for each loss.
SAFE_OUTPUT = {"cross-entropy": "sigmoid", "binary-cross-entropy": "sigmoid"}


def _values(layers: list[int], loss: str, seed: int) -> dict:
    """Deterministic values: inputs and weights in (-1, 1), targets that suit the loss."""
    numbers = itertools.count(seed)

    def number() -> Fraction:
        return Fraction((next(numbers) * 37) % 19 - 9, 10)

    outputs = layers[-1]
    targets = [Fraction(int(j == seed % outputs)) for j in range(outputs)]
    values = {
        "inputs": [float(number()) for _ in range(layers[0])],
        "weights": [[[float(number()) for _ in range(a)] for _ in range(b)]
                    for a, b in itertools.pairwise(layers)],
        "biases": [[float(number()) for _ in range(b)] for b in layers[1:]],
        "learning_rate": 0.5,
    }
    if losses.get(loss).needs_targets:
        values["targets"] = [float(t) for t in targets]
    return values


def _variants() -> list[tuple[str, dict, tuple[str, ...]]]:
    """(label, spec dict, --only ids) covering presets × activations × losses × values."""
    variants = []
    for p, preset in enumerate(PRESETS):
        pairs = [(act, LOSSES[(a + p) % len(LOSSES)]) for a, act in enumerate(ELEMENTWISE)]
        pairs += [(loss_act, loss) for loss_act, loss in (("softmax", "cross-entropy"),
                                                          ("softmax", "mse"))]
        pairs += [("sigmoid", loss) for loss in LOSSES if loss not in dict(pairs).values()]
        for (act, loss), with_values in itertools.product(pairs, (True, False)):
            layers = list(SMALL)
            if loss == "output":
                layers[-1] = 1
            hidden = act if act != "softmax" else "tanh"
            output = act
            refused = not activations.get(act).values.is_subset(losses.get(loss).outputs)
            if (with_values or refused) and loss in SAFE_OUTPUT and act != "softmax":
                output = SAFE_OUTPUT[loss]  # a log loss needs outputs it can take the log of
            network = {"layers": layers, "activation": [hidden, output], "loss": loss,
                       "bias": ("per-neuron", "per-layer", "none")[len(variants) % 3]}
            data = {"network": network, "notation": {"preset": preset}}
            if with_values:
                data["values"] = _values(layers, loss, len(variants))
                if network["bias"] == "none":
                    del data["values"]["biases"]
                elif network["bias"] == "per-layer":
                    data["values"]["biases"] = [0.25, -0.5]
            label = f"{preset} {hidden}/{output} {loss} {'values' if with_values else 'symbols'}"
            variants.append((label, data, ()))
        for with_values, only in ((True, ("w[2,1,1]", "delta[3,2]", "dE/dx[8]")), (False, ())):
            data = {"network": {"layers": LARGE, "activation": ["relu", "softmax"],
                                "loss": "cross-entropy"}, "notation": {"preset": preset}}
            if with_values:
                data["values"] = _values(LARGE, "cross-entropy", p)
            variants.append((f"{preset} large {'values' if with_values else 'symbols'}",
                             data, only))
    return variants


VARIANTS = _variants()


@pytest.fixture(scope="module")
def documents():
    """label -> (tex, fragment, markdown) for every variant."""
    result = {}
    for label, data, only in VARIANTS:
        derivation = derive(spec.from_dict(data))
        result[label] = tuple(render(derivation, fmt, only=only)
                              for fmt in ("tex", "fragment", "markdown"))
    return result


def test_the_variants_cover_every_preset_activation_loss_values_and_size():
    specs = [spec.from_dict(data) for _, data, _ in VARIANTS]
    for preset, act, loss, with_values in itertools.product(
            PRESETS, activations.ACTIVATIONS, LOSSES, (True, False)):
        assert any(s.notation["preset"] == preset and act in s.activations for s in specs)
        assert any(s.notation["preset"] == preset and s.loss == loss and
                   (s.values is not None) == with_values for s in specs), (preset, loss)
    sizes = {s.parameter_count > DETAIL_LIMIT for s in specs}
    assert sizes == {True, False}


def _split(tex: str) -> tuple[str, str, str]:
    head, rest = tex.split("\\begin{document}\n", 1)
    body, tail = rest.rsplit("\\end{document}", 1)
    return head + "\\begin{document}\n", body, "\\end{document}" + tail


def test_every_standalone_document_is_the_preamble_around_its_fragment(documents):
    preambles = set()
    for tex, fragment, _ in documents.values():
        head, body, tail = _split(tex)
        assert fragment.split("\n", 1)[1] == body  # the fragment starts with a comment line
        preambles.add((head, tail))
    assert len(preambles) == 1


def test_every_document_compiles_with_pdflatex(documents, tmp_path):
    head, _, tail = _split(next(iter(documents.values()))[0])
    batches: dict[str, list[str]] = {}
    for label, (tex, _, _) in documents.items():
        preset = label.split()[0]
        batches.setdefault(preset, []).append(
            f"% ---- {label}\n\\clearpage\n{_split(tex)[1]}")
    jobs = [(name, head + "\n".join(parts) + tail) for name, parts in batches.items()]

    def compile_one(job):
        name, source = job
        return compile_latex(source, tmp_path / name, name=name)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(compile_one, jobs))
    assert all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs)
    assert len(pdfs) == len(PRESETS)


def test_every_markdown_formula_renders_in_katex(documents):
    formulas, where = [], []
    for label, (_, _, markdown) in documents.items():
        for block in markdown_math_blocks(markdown):
            formulas.append(block)
            where.append(label)
    errors = [(w, f[:200], e) for w, f, e in zip(where, formulas, katex_errors(formulas),
                                                 strict=True) if e]
    assert errors == []
    assert len(formulas) > 1000


def test_markdown_avoids_what_katex_or_mathjax_or_jekyll_reject(documents):
    for label, (_, _, markdown) in documents.items():
        for block in markdown_math_blocks(markdown):
            for bad in (r"\label", r"\eqref", r"\mbox", r"\DeclareMathOperator", "$",
                        r"\begin{align}", r"\begin{align*}"):
                assert bad not in block, (label, bad)
            assert not re.search(r"\\text\{[^}]*_", block), label
            assert all(ord(ch) < 128 for ch in block), label
        for tex in documents[label][:2]:
            assert all(ord(ch) < 128 for ch in tex), label
