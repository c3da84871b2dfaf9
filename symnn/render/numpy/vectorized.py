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
from symnn.naming import python_name, qid
from symnn.render.numpy.inplace import InPlace
from symnn.render.numpy.printer import EXP_MAX, CodePrinter, RowMax, RowSum
from symnn.render.numpy.source import bias_key, weight_key, wrap_all
from symnn.render.numpy.stability import (
    activation_output,
    net_max_symbol,
    output_delta,
    stabilize,
    stable_loss,
)
from symnn.render.numpy.vectorize import LayerArrays, vectorize, vectorize_layer


def array_name(kind: str, layer: int) -> str:
    """The Python name of a layer's whole array: ``out_3`` for the ``out[3,j]``."""
    extra = 2 if kind == "dE/dw" else 1
    return python_name(qid(kind, layer, *[1] * extra)).removesuffix("_1" * extra)



def _array(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def layer_arrays(derivation: Derivation, layer: int) -> LayerArrays:
    """The array symbols of a layer: out_l, net_l, delta_l, dE_dout_l (and Y, net_max)."""
    network = derivation.network
    arrays = {kind: _array(array_name(kind, layer)) for kind in ("out", "net", "delta", "dE/dout")}
    if layer == network.depth:
        arrays["d"] = _array("Y")
    scalars = {}
    if network.activation(layer) == "softmax":
        scalars[net_max_symbol(layer)] = _array(net_max_symbol(layer).name)
    return LayerArrays(layer, network.size(layer), arrays, scalars)


def vectorized_context(derivation: Derivation) -> dict:
    """The statements of the vectorized module: forward, loss and backward per layer."""
    network = derivation.network
    depth = network.depth
    arrays = {layer: layer_arrays(derivation, layer) for layer in range(2, depth + 1)}
    names = {EXP_MAX: "_EXP_MAX"}
    for item in arrays.values():
        names.update({s: s.name for s in [*item.arrays.values(), *item.scalars.values()]})
    printer = CodePrinter(names)
    deltas = {layer: vector_delta(derivation, arrays[layer]) for layer in arrays}
    per_sample = vectorize(stable_loss(derivation), arrays[depth], None)
    loss = _without_row_sums(per_sample)
    needed = {s.name for expr, _ in deltas.values() for s in expr.free_symbols}
    needed |= {s.name for s in loss.free_symbols}
    kept = ["out_1"]
    for layer in range(2, depth + 1):
        net = array_name("net", layer)
        kept += [net] if net in needed else []
        kept.append(array_name("out", layer))
    in_loss = {s.name for s in loss.free_symbols}
    in_backward = {s.name for expr, _ in deltas.values() for s in expr.free_symbols}
    in_backward |= {array_name("out", layer) for layer in range(1, depth)}
    if not deltas[depth][0].free_symbols:
        in_backward.add(array_name("out", depth))  # for np.full_like
    forward = [_forward_layer(derivation, arrays[layer], printer, needed) for layer in arrays]
    backward = [
        _backward_layer(derivation, arrays[layer], *deltas[layer], printer)
        for layer in range(depth, 1, -1)
    ]
    loss_lines = [f"# E of each sample (row), printed from the derivation: {_ascii(per_sample)}"]
    if set(arrays[depth].scalars.values()) & loss.free_symbols:
        loss_lines.append(_net_max_line(arrays[depth], printer))
    loss_lines.append(f"total = np.sum({printer.doprint(loss)})")
    return {
        "forward": forward,
        "backward": backward,
        "kept": kept,
        "kept_in_loss": [name if name in in_loss else "_" for name in kept],
        "kept_in_backward": [name if name in in_backward else "_" for name in kept],
        "loss_lines": wrap_all(loss_lines),
    }


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
    size = network.size(layer)
    if layer == network.depth:
        forms = {j: output_delta(derivation, j) for j in range(1, size + 1)}
        vector = vectorize_layer({j: f[0] for j, f in forms.items()}, arrays)
        return min([vector, sympy.factor_terms(vector)], key=sympy.count_ops), forms[1][1]
    per_neuron = {
        j: stabilize(sympy.piecewise_fold(derivation.definitions[qid("delta", layer, j)]))
        for j in range(1, size + 1)
    }
    return vectorize_layer(per_neuron, arrays), "dE/dout * dout/dnet"


def _net_max_line(arrays: LayerArrays, printer: CodePrinter) -> str:
    (shift,) = arrays.scalars.values()
    return f"{shift.name} = {printer.doprint(RowMax(arrays.arrays['net']))}"


def _forward_layer(derivation: Derivation, arrays: LayerArrays, printer: CodePrinter,
                   needed: set[str]) -> dict:
    layer = arrays.layer
    network = derivation.network
    outputs = activation_output(derivation, layer)
    per_neuron = {j: outputs[qid("out", layer, j)] for j in range(1, network.size(layer) + 1)}
    expr = vectorize_layer(per_neuron, arrays)
    net, out = arrays.arrays["net"], arrays.arrays["out"]
    statements = []
    if arrays.scalars:
        statements.append(_net_max_line(arrays, printer))
    statements.append(f"# {out.name} = {printer.doprint(expr)}")
    emitter = InPlace(printer, {net}, set(arrays.scalars.values()),
                      donated=None if net.name in needed else net)
    statements += emitter.lines(out.name, expr)
    return {
        "net": net.name,
        "out": out.name,
        "source": array_name("out", layer - 1),
        "weight_key": weight_key(layer),
        "bias_key": bias_key(network.spec, layer),
        "lines": wrap_all(statements),
    }


def _backward_layer(derivation: Derivation, arrays: LayerArrays, delta: sympy.Expr,
                    comment: str, printer: CodePrinter) -> dict:
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
        "number": layer,
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

