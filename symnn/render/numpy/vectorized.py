"""The vectorized style: one block per layer on arrays whose rows are samples.

The linear parts are laid out by the template (``net = out @ W.T + b``,
``dE_dout = delta @ W``, ``dE_dw = delta.T @ out``). Every elementwise expression — the
activation, its derivative, the loss, ∂E/∂y and the output error signal — is the
derivation's expression for neuron j made into an array expression by ``vectorize`` and
emitted in place by ``InPlace``. The batch mean (or, in a training step, learning rate /
batch size) multiplies the output δ once and flows linearly through the backward pass.
"""

from __future__ import annotations

import sympy

from symnn.derive import Derivation
from symnn.naming import qid
from symnn.render.numpy.arrays import (
    LayerArrays,
    array_name,
    layer_arrays,
    representatives,
    vectorize,
    vectorize_layer,
)
from symnn.render.numpy.inplace import InPlace
from symnn.render.numpy.printer import EXP_MAX, CodePrinter, RowMax, RowSum
from symnn.render.numpy.source import bias_key, weight_key, wrap_all
from symnn.render.numpy.stability import (
    activation_output,
    output_delta,
    stabilize,
    stable_loss,
)


def vectorized_context(derivation: Derivation) -> dict:
    """The statements of the vectorized module: forward, loss and backward per layer."""
    depth = derivation.network.depth
    arrays = {layer: layer_arrays(derivation, layer) for layer in range(2, depth + 1)}
    printer = CodePrinter(_printed_names(arrays.values()))
    deltas = {layer: vector_delta(derivation, arrays[layer]) for layer in arrays}
    per_sample = vectorize(stable_loss(derivation), arrays[depth], None)
    loss = _without_row_sums(per_sample)
    in_loss = _names(loss)
    in_backward = set().union(*[_names(delta) for delta, _ in deltas.values()])
    in_backward |= {array_name("out", layer) for layer in range(1, depth)}
    if not deltas[depth][0].free_symbols:
        in_backward.add(array_name("out", depth))  # for np.full_like
    needed = in_loss | in_backward
    kept = [array_name("out", 1)]
    for layer in arrays:
        net = array_name("net", layer)
        kept += [net] if net in needed else []
        kept.append(array_name("out", layer))
    return {
        "forward": [
            _forward_layer(derivation, arrays[layer], printer, array_name("net", layer) in needed)
            for layer in arrays
        ],
        "backward": [
            _backward_layer(derivation, arrays[layer], *deltas[layer], printer)
            for layer in range(depth, 1, -1)
        ],
        "kept": kept,
        "kept_in_loss": [name if name in in_loss else "_" for name in kept],
        "kept_in_backward": [name if name in in_backward else "_" for name in kept],
        "loss_lines": _loss_lines(per_sample, loss, arrays[depth], printer),
    }


def _printed_names(layers) -> dict[sympy.Symbol, str]:
    """The printer's names: each array symbol is named as it is, and ``_EXP_MAX``."""
    names = {EXP_MAX: "_EXP_MAX"}
    for item in layers:
        names.update({s: s.name for s in [*item.arrays.values(), *item.scalars.values()]})
    return names


def _names(expr: sympy.Expr) -> set[str]:
    """The names of the arrays an expression reads."""
    return {s.name for s in expr.free_symbols}


def _loss_lines(per_sample: sympy.Expr, loss: sympy.Expr, arrays: LayerArrays,
                printer: CodePrinter) -> list[str]:
    """``total = np.sum(...)`` of the loss, after a comment with E of each sample."""
    lines = [f"# E of each sample (row), printed from the derivation: {_ascii(per_sample)}"]
    if set(arrays.scalars.values()) & loss.free_symbols:
        lines.append(_net_max_line(arrays, printer))
    lines.append(f"total = np.sum({printer.doprint(loss)})")
    return wrap_all(lines)


def _without_row_sums(expr: sympy.Expr) -> sympy.Expr:
    """An expression with the same total over the whole batch array, row sums dropped
    where they only add up terms: sum(c*RowSum(x) + y) = sum(c*x) + sum(y)."""
    if isinstance(expr, RowSum):
        return expr.args[0]
    if expr.is_Add:
        return sympy.Add(*[_without_row_sums(t) for t in expr.args])
    if expr.is_Mul:
        sums = [f for f in expr.args if isinstance(f, RowSum)]
        if len(sums) == 1 and all(f.is_number for f in expr.args if f is not sums[0]):
            return expr.xreplace({sums[0]: sums[0].args[0]})
    return expr


def _ascii(expr: sympy.Expr) -> str:
    """A plain-text form of an array expression for a comment (RowSum is a row sum)."""
    return str(expr).replace("RowSum", "rowsum")


def vector_delta(derivation: Derivation, arrays: LayerArrays) -> tuple[sympy.Expr, str]:
    """δ of a layer as one array expression, and a comment saying where it comes from."""
    network = derivation.network
    layer = arrays.layer
    neurons = representatives(network.size(layer))
    if layer == network.depth:
        forms = {j: output_delta(derivation, j) for j in neurons}
        vector = vectorize_layer({j: f[0] for j, f in forms.items()}, arrays)
        return min([vector, sympy.factor_terms(vector)], key=sympy.count_ops), forms[1][1]
    per_neuron = {
        j: stabilize(sympy.piecewise_fold(derivation.definitions[qid("delta", layer, j)]))
        for j in neurons
    }
    return vectorize_layer(per_neuron, arrays), "dE/dout * dout/dnet"


def _net_max_line(arrays: LayerArrays, printer: CodePrinter) -> str:
    """``net_max_l = np.max(net_l, axis=1, keepdims=True)`` for a softmax layer."""
    (shift,) = arrays.scalars.values()
    return f"{shift.name} = {printer.doprint(RowMax(arrays.arrays['net']))}"


def _forward_layer(derivation: Derivation, arrays: LayerArrays, printer: CodePrinter,
                   net_needed: bool) -> dict:
    """A layer's block in ``_forward``: the template writes net, these lines make out
    (overwriting net's buffer unless the loss or the backward pass reads net)."""
    layer = arrays.layer
    network = derivation.network
    neurons = representatives(network.size(layer))
    outputs = activation_output(derivation, layer, neurons)
    per_neuron = {j: outputs[qid("out", layer, j)] for j in neurons}
    expr = vectorize_layer(per_neuron, arrays)
    net, out = arrays.arrays["net"], arrays.arrays["out"]
    statements = []
    if arrays.scalars:
        statements.append(_net_max_line(arrays, printer))
    statements.append(f"# {out.name} = {printer.doprint(expr)}")
    emitter = InPlace(printer, {net}, set(arrays.scalars.values()),
                      donated=None if net_needed else net)
    statements += emitter.lines(out.name, expr)
    return {
        "net": net.name,
        "source": array_name("out", layer - 1),
        "weight_key": weight_key(layer),
        "bias_key": bias_key(network.spec, layer),
        "lines": wrap_all(statements),
    }


def _backward_layer(derivation: Derivation, arrays: LayerArrays, delta: sympy.Expr,
                    comment: str, printer: CodePrinter) -> dict:
    """A layer's block in ``_backward``: δ, then (by the template) the gradients and the
    ∂E/∂out of the layer below."""
    layer = arrays.layer
    network = derivation.network
    spec = network.spec
    name = arrays.arrays["delta"].name
    statements = [f"# {name} = {printer.doprint(delta)}  ({comment})"]
    full = {s for k, s in arrays.arrays.items() if k != "delta"}
    if not delta.free_symbols & full:
        statements.append(f"{name} = np.full_like(out_{layer}, {printer.doprint(delta)})")
    else:
        donated = arrays.arrays["dE/dout"] if layer < network.depth else None
        statements += InPlace(printer, full, set(arrays.scalars.values()), donated).lines(
            name, delta
        )
    below = None
    if layer > 2:
        below = f"{array_name('dE/dout', layer - 1)} = {name} @ params[\"{weight_key(layer)}\"]"
    return {
        "delta": name,
        "source": array_name("out", layer - 1),
        "dE_dw": array_name("dE/dw", layer),
        "dE_db": array_name("dE/db", layer) if spec.bias != "none" else None,
        "per_layer_bias": spec.bias == "per-layer",
        "weight_key": weight_key(layer),
        "bias_key": bias_key(spec, layer),
        "lines": wrap_all(statements),
        "below": below,
    }

