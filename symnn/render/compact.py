"""The compact notes (``symnn latex --style compact``): one line per quantity.

Per layer, the general formula once, written for that layer (its number in place of l,
the activation's own expression in place of φ), then a table with one row per neuron
(forward pass, error signals) or per parameter (gradient and updated value) holding its
numbers. Without ``[values]`` a row holds the neuron's or parameter's formula instead.
Every formula and number is printed by the builder of the full notes
(``symnn.render.latex``), so both styles write every quantity alike; only the layout
differs (``templates/latex/compact.j2``). The matrix form is left to the full notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from symnn import activations, optimizers
from symnn.evaluate import is_training
from symnn.naming import at, gradient_id, parse_id, qid, state_id, symbol, updated_id
from symnn.render import shown_length
from symnn.render.printer import number_tex, relation, sum_lines

if TYPE_CHECKING:
    from symnn.render.latex import _Builder

CELL_WIDTH = 44  # shown characters: a longer substitution is left out, the value stays
SAMPLE_COLUMNS = 4  # a training table shows each sample's gradient for a batch up to this


def context(builder: _Builder) -> dict:
    """The template context of the compact notes (see ``templates/latex/compact.j2``)."""
    compact = _Compact(builder)
    network = builder.section_network()
    network["notation_line"] = "; ".join(f"${s}$ {meaning}"
                                         for s, meaning in builder.notation_rows())
    update = builder.section_update()
    return {
        **builder.context_header(),
        "network": network,
        "forward": [compact.forward_layer(layer) for layer in range(2, builder.depth + 1)],
        "loss": compact.loss(network["loss_formula"]),
        "backward": [compact.backward_layer(layer) for layer in range(builder.depth, 1, -1)],
        "inputs": compact.inputs(),
        "update": update,
        # a batch, several steps or another optimizer: no single SGD step to tabulate
        "stepped": update["rate"] not in (None, "0") and not is_training(builder.derivation),
        "training": compact.training(),
        **builder.batch_intro("section 5 works the training"),
    }


class _Compact:
    """The per-layer formulas and the tables of one compact document."""

    def __init__(self, builder: _Builder):
        self.b = builder
        self.form = builder.form
        self.network = builder.network
        self.has_values = builder.numbers is not None

    # -- cells ---------------------------------------------------------------------------
    def value(self, quantity_id: str) -> str:
        """A value as a cell: ``0.15`` when exact, ``\\approx 0.5374`` when rounded."""
        shown = self.b.shown(quantity_id)
        return f"${shown[2:] if shown.startswith('= ') else shown}$"

    def worked(self, expr, quantity_id: str) -> str:
        """The numbers substituted into ``expr`` and the value, or the value alone when
        ``expr`` is one symbol or its substitution would be long."""
        expr = self.b._numeric_expr(sympy.sympify(expr))
        if expr.is_Symbol or expr.is_Number:
            return self.value(quantity_id)
        numbers = self.b.num(expr)
        if shown_length(numbers) > CELL_WIDTH or numbers == number_tex(self.b.numbers[quantity_id]):
            return self.value(quantity_id)
        return f"${numbers} {self.b.shown(quantity_id)}$"

    def formula(self, expr) -> str:
        r"""A formula as a cell (the rows of a document without numbers); a long sum
        keeps its first two terms and its last (``a + b + \dots + z``)."""
        text = self.b.sym(expr)
        if shown_length(text) > CELL_WIDTH and isinstance(expr, sympy.Add):
            terms = sum_lines(expr, self.b.printer, 1)
            text = " ".join([*terms[:2], r"+ \dots", terms[-1]])
        return f"${text}$"

    # -- forward pass --------------------------------------------------------------------
    def forward_layer(self, layer: int) -> dict:
        """net and out of a layer: the formula with j, then one row per neuron."""
        b, form = self.b, self.form
        net_j, out_j = form.symbol("net", layer, "j"), form.symbol("out", layer, "j")
        general = [f"{b.sym(net_j)} &= {b.sym(self.net_formula(layer))}",
                   f"{b.sym(out_j)} &= {b.sym(self.out_formula(layer))}"]
        rows = []
        for j in range(1, self.network.size(layer) + 1):
            net, out = qid("net", layer, j), qid("out", layer, j)
            if not b.show(net, out, qid("delta", layer, j)):
                continue
            definitions = b.derivation.definitions
            if self.has_values:
                rows.append([f"${j}$", self.worked(definitions[net], net), self.value(out)])
            else:
                rows.append([f"${j}$", self.formula(definitions[net]),
                             self.formula(self.short_out(layer, j))])
        return {
            "number": self.layer_number(layer),
            "activation": self.network.activation(layer),
            "general": general,
            "header": ["$j$", f"${b.sym(net_j)}$", f"${b.sym(out_j)}$"],
            "rows": rows,
        }

    def net_formula(self, layer: int) -> sympy.Expr:
        """Σ_k out^{l-1}_k w^l_{jk} (+ the bias) with the layer's own numbers."""
        k, form = sympy.Symbol("k"), self.form
        weighted = sympy.Sum(form.symbol("w", layer, "j", "k") * form.symbol("out", layer - 1, "k"),
                             (k, 1, self.network.size(layer - 1)))
        bias = {"per-neuron": (layer, "j"), "per-layer": (layer,), "none": None}[
            self.network.spec.bias]
        return weighted if bias is None else weighted + form.symbol("b", *bias)

    def out_formula(self, layer: int) -> sympy.Expr:
        """The activation's own expression in net^l_j (softmax: over the layer)."""
        form = self.form
        if not activations.get(self.network.activation(layer)).elementwise:
            i = sympy.Symbol("i")
            total = sympy.Sum(sympy.exp(form.symbol("net", layer, "i")),
                              (i, 1, self.network.size(layer)))
            return sympy.exp(form.symbol("net", layer, "j")) / total
        definition = self.b.derivation.definitions[qid("out", layer, 1)]
        generic = form.relabel(definition, layer, {1: "j"})
        return generic if generic is not None else form.activation_fn(
            form.symbol("net", layer, "j"))

    def short_out(self, layer: int, j: int) -> sympy.Expr:
        """out of one neuron in terms of its net (softmax: the general formula stands)."""
        if not activations.get(self.network.activation(layer)).elementwise:
            return symbol(qid("out", layer, j))
        return self.b.derivation.definitions[qid("out", layer, j)]

    # -- loss ----------------------------------------------------------------------------
    def loss(self, general: str | None) -> list[str]:
        """E in general, then for this network with its numbers and its value (on one
        line when they fit)."""
        rows = self.b.section_loss()["rows"]
        if not rows:
            return [general.replace(" = ", " &= ", 1)] if general else []
        line = " ".join([rows[0], *(row.lstrip("&") for row in rows[1:])])
        line = line.replace(r"\quad ", "")
        return [line] if shown_length(line) <= 2 * CELL_WIDTH else rows

    # -- backward pass -------------------------------------------------------------------
    def backward_layer(self, layer: int) -> dict:
        """δ, ∂E/∂w and ∂E/∂b of a layer: formulas with j, k, then the tables."""
        return {
            "number": self.layer_number(layer),
            "general": [*self.delta_general(layer), self.gradient_general(layer)],
            "deltas": self.delta_table(layer),
            "parameters": self.parameter_table(layer),
        }

    def delta_general(self, layer: int) -> list[str]:
        """δ^l_j as ∂E/∂out · ∂out/∂net, written for this layer."""
        b, form = self.b, self.form
        delta_j = form.symbol("delta", layer, "j")
        if not activations.get(self.network.activation(layer)).elementwise:
            return self.softmax_general(layer)
        dE = form.partial(("E",), ("out", layer, "j"))
        slope = form.partial(("out", layer, "j"), ("net", layer, "j"))
        if layer == self.network.depth:
            dE_expr = form.relabel(b.derivation.definitions[qid("dE/dout", layer, 1)],
                                   layer, {1: "j"})
        else:
            i = sympy.Symbol("i")
            dE_expr = sympy.Sum(form.symbol("delta", layer + 1, "i")
                                * form.symbol("w", layer + 1, "i", "j"),
                                (i, 1, self.network.size(layer + 1)))
        slope_expr = form.relabel(b.derivation.dout_dnet[qid("out", layer, 1)].value,
                                  layer, {1: "j"})
        row = rf"{b.sym(delta_j)} &= {dE} \cdot {slope}"
        if dE_expr is not None and slope_expr is not None:
            row += (rf" = {_factor(b.sym(dE_expr), dE_expr)} \cdot "
                    rf"{_factor(b.sym(slope_expr), slope_expr)}")
        return [row]

    def softmax_general(self, layer: int) -> list[str]:
        """δ of a softmax layer: the sum over the Jacobian, its two cases, and the short
        form when the loss gives one (cross-entropy, targets summing to 1)."""
        b, form = self.b, self.form
        i = sympy.Symbol("i")
        delta_j = b.sym(form.symbol("delta", layer, "j"))
        jacobian = form.partial(("out", layer, "i"), ("net", layer, "j"))
        terms = sympy.Sum(form.symbol("dE/dout", layer, "i") * form.named(
            f"zJ[{layer},i,j]", jacobian), (i, 1, self.network.size(layer)))
        rows = [f"{delta_j} &= {b.sym(terms)}"]
        signal = b.derivation.error_signals[qid("delta", layer, 1)]
        diagonal = form.relabel(signal.terms[0][1].value, layer, {1: "j"})
        off = form.relabel(signal.terms[1][1].value, layer, {1: "j", 2: "i"}) \
            if len(signal.terms) > 1 else None
        if diagonal is not None:
            cases = rf"{b.sym(diagonal)} & \text{{if }} i = j"
            if off is not None:
                cases += rf" \\ {b.sym(off)} & \text{{if }} i \neq j"
            rows.append(rf"{jacobian} &= \begin{{cases}} {cases} \end{{cases}}")
        if signal.simplified is not None and b._condition_holds():
            short = form.relabel(signal.simplified, layer, {1: "j"})
            if short is not None:
                rows.append(rf"{delta_j} &= {b.sym(short)} \quad "
                            r"\text{when the targets sum to 1}")
        return rows

    def gradient_general(self, layer: int) -> str:
        """∂E/∂w and ∂E/∂b of this layer in terms of δ, on one row."""
        b, form = self.b, self.form
        w = form.symbol("dE/dw", layer, "j", "k")
        chain = (rf"{form.partial(('E',), ('net', layer, 'j'))} \cdot "
                 rf"{form.partial(('net', layer, 'j'), ('w', layer, 'j', 'k'))}")
        delta = form.symbol("delta", layer, "j")
        rows = [f"{b.sym(w)} &= {chain} = {b.sym(delta * form.symbol('out', layer - 1, 'k'))}"]
        mode = self.network.spec.bias
        if mode == "per-neuron":
            rows.append(f"{b.sym(form.symbol('dE/db', layer, 'j'))} &= {b.sym(delta)}")
        elif mode == "per-layer":
            j = sympy.Symbol("j")
            total = sympy.Sum(delta, (j, 1, self.network.size(layer)))
            rows.append(f"{b.sym(form.symbol('dE/db', layer))} &= {b.sym(total)}")
        return r", \quad ".join([rows[0], *(row.replace(" &= ", " = ", 1) for row in rows[1:])])

    def delta_table(self, layer: int) -> dict:
        """One row per neuron: ∂E/∂out, ∂out/∂net and δ (softmax: ∂E/∂out and δ)."""
        b, form = self.b, self.form
        softmax = not activations.get(self.network.activation(layer)).elementwise
        header = ["$j$", self.slash(("E",), ("out", layer, "j"))]
        if not softmax:
            header.append(self.slash(("out", layer, "j"), ("net", layer, "j")))
        if softmax or self.has_values:  # else δ is the product of the two columns
            header.append(f"${b.sym(form.symbol('delta', layer, 'j'))}$")
        rows = []
        for j in range(1, self.network.size(layer) + 1):
            delta = qid("delta", layer, j)
            params = [*self.network.weight_ids(layer)[j - 1]]
            if self.network.bias_of(layer, j):
                params.append(self.network.bias_of(layer, j))
            if not b.show(delta, qid("net", layer, j), qid("out", layer, j), *params):
                continue
            rows.append([f"${j}$", *self.delta_cells(layer, j, softmax)])
        return {"header": header, "rows": rows}

    def delta_cells(self, layer: int, j: int, softmax: bool) -> list[str]:
        """The cells of one neuron's error signal."""
        b = self.b
        dE_id, delta = qid("dE/dout", layer, j), qid("delta", layer, j)
        dE = b.derivation.definitions[dE_id]
        slope = b.derivation.dout_dnet.get(qid("out", layer, j))
        signal = b.derivation.error_signals[delta]
        if not self.has_values:
            if not softmax:
                return [self.formula(dE), self.formula(slope.value)]
            shown = signal.simplified if signal.simplified is not None \
                else b.derivation.definitions[delta]
            return [self.formula(dE), self.formula(shown)]
        cells = [self.worked(dE, dE_id)]
        if not softmax:
            value = b.value_of(slope.value)
            numbers = b.num(slope.value)
            worked = shown_length(numbers) <= CELL_WIDTH and numbers != number_tex(value)
            cells.append(f"${numbers} {relation(value)} {number_tex(value)}$" if worked
                         else f"${_bare(value)}$")
            return [*cells, self.value(delta)]
        if signal.simplified is not None and b._condition_holds():
            return [*cells, self.worked(signal.simplified, delta)]
        return [*cells, self.value(delta)]

    def parameter_table(self, layer: int) -> dict:
        """One row per weight and bias: its value, ∂E/∂p and its value after the step."""
        b = self.b
        params = [w for row in self.network.weight_ids(layer) for w in row]
        params += self.network.bias_ids(layer)
        stepped = self.has_values and b.derivation.spec.values.learning_rate is not None \
            and not is_training(b.derivation)
        header = ["$p$"]
        if self.has_values:
            header.append("value")
        header.append(rf"$\partial {b.notation.loss} / \partial p$")
        if stepped:
            header.append("$p'$")
        rows = []
        for param in params:
            if not b.show(param):
                continue
            grad = gradient_id(param)
            definition = b.derivation.definitions[grad]
            row = [f"${b.name(param)}$"]
            if self.has_values:
                row += [self.value(param), self.worked(definition, grad)]
            else:
                row.append(self.formula(definition))
            if stepped:
                row.append(self.value(updated_id(param)))
            rows.append(row)
        return {"header": header, "rows": rows}

    # -- training ------------------------------------------------------------------------
    def training(self) -> dict | None:
        """A batch, several steps or another optimizer: per step the rule worked for one
        parameter (in symbols, then with numbers), a table of every parameter's gradient,
        optimizer state and value after the step, and the loss after it."""
        b = self.b
        if not is_training(b.derivation):
            return None
        values = b.derivation.spec.values
        params = b.network.parameter_ids()
        shown = [p for p in params if b.show(p)]
        first = (shown or params)[0]
        state = optimizers.get(values.optimizer).state
        samples = values.batch_size if values.is_batch and \
            values.batch_size <= SAMPLE_COLUMNS else 0
        steps = []
        for t, worked, names in b.training_steps():
            ids = [at(gradient_id(first), step=t - 1)] if values.is_batch else []
            ids += [state_id(kind, first, t) for kind in state]
            rule = [b.training_row(k, worked, names) for k in
                    [*ids, at(first, step=t)] if k in worked]
            rows = [self.training_cells(param, t, samples, state, worked) for param in shown]
            loss = at("E", step=t)
            steps.append({
                "number": t,
                "parameter": f"${b.name(first)}$",
                "rule": rule,
                "header": self.training_header(t, samples, [k for k in state if
                                                            state_id(k, first, t) in worked]),
                "rows": rows,
                "loss": b.training_row(loss, worked, names) if values.is_batch else
                f"{b.name(loss)} &{b._shown_all(loss)}",
            })
        return {**b.training_header(), "steps": steps, "sample_columns": samples,
                "samples_left_out": values.is_batch and not samples}

    def training_header(self, t: int, samples: int, state: list[str]) -> list[str]:
        """p, each sample's gradient, the batch mean, the state and p after step t."""
        loss = self.b.notation.loss
        gradient = rf"\partial {loss} / \partial p"
        if t == 1:
            after = [*(f"${kind}'_p$" for kind in state), "$p'$"]
        else:
            after = [*(f"${{{kind}_p}}^{{[{t}]}}$" for kind in state), f"$p^{{[{t}]}}$"]
        return ["$p$", *(rf"$({gradient})^{{({s})}}$" for s in range(1, samples + 1)),
                f"${gradient}$", *after]

    def training_cells(self, param: str, t: int, samples: int, state, worked) -> list[str]:
        """One parameter's row of step t's table: its values."""
        grad = gradient_id(param)
        ids = [at(grad, sample=s, step=t - 1) for s in range(1, samples + 1)]
        ids += [at(grad, step=t - 1)]
        ids += [k for k in (state_id(kind, param, t) for kind in state) if k in worked]
        ids.append(at(param, step=t))
        return [f"${self.b.name(param)}$", *(self.value_all(k) for k in ids)]

    def value_all(self, quantity_id: str) -> str:
        """A value of any sample or step as a cell (``\\approx`` when rounded)."""
        return f"${_bare(self.b.all_numbers[quantity_id])}$"

    # -- inputs --------------------------------------------------------------------------
    def inputs(self) -> dict:
        """∂E/∂x_k: the formula, then one row per input."""
        b = self.b
        j, form = sympy.Symbol("j"), self.form
        lhs = form.symbol("dE/dx", "k")
        rhs = sympy.Sum(form.symbol("delta", 2, "j") * form.symbol("w", 2, "j", "k"),
                        (j, 1, self.network.size(2)))
        rows = []
        for x in self.network.input_ids():
            if not b.show(x):
                continue
            grad = gradient_id(x)
            definition = b.derivation.definitions[grad]
            k = parse_id(x).indices[-1]
            cell = self.worked(definition, grad) if self.has_values else self.formula(definition)
            rows.append([f"${k}$", cell])
        header = ["$k$", self.slash(("E",), ("out", 1, "k"))]
        return {"general": f"{b.sym(lhs)} = {b.sym(rhs)}", "header": header, "rows": rows}

    def slash(self, numerator: tuple, denominator: tuple) -> str:
        """∂a/∂b with a slash, for a table's header (a fraction there is set too small)."""
        text = self.form.partial(numerator, denominator)
        top, bottom = text.removeprefix(r"\frac{").removesuffix("}").split("}{", 1)
        return f"${top} / {bottom}$"

    def layer_number(self, layer: int) -> int:
        return layer + self.b.notation.first_layer - 1


def _factor(text: str, expr) -> str:
    """Parentheses around a printed sum used as a factor."""
    parenthesised = isinstance(sympy.sympify(expr), sympy.Add | sympy.Sum)
    return rf"\left({text}\right)" if parenthesised else text


def _bare(value) -> str:
    """A value as a cell's math: the number, after ``\\approx`` when rounded."""
    rel = relation(value)
    return number_tex(value) if rel == "=" else f"{rel} {number_tex(value)}"
