"""The generated module as a whole: options, structure check, template context, render."""

from __future__ import annotations

import textwrap

import sympy

from symnn import losses
from symnn.derive import Derivation
from symnn.errors import SymnnError
from symnn.naming import gradient_id, qid, symbol
from symnn.render import environment
from symnn.render.numpy.arrays import representatives
from symnn.render.numpy.optimizer import optimizer_context
from symnn.render.numpy.source import bias_key, tuple_source, weight_key
from symnn.render.numpy.unrolled import unrolled_context
from symnn.render.numpy.vectorized import vectorized_context
from symnn.spec import NetworkSpec

# Each style's template (templates/numpy/<style>.py.j2) and what it adds to the context.
STYLE_CONTEXTS = {"vectorized": vectorized_context, "unrolled": unrolled_context}
STYLES = tuple(STYLE_CONTEXTS)
DTYPES = ("float64", "float32")
UNROLLED_LIMIT = 200  # parameters: one line per parameter stays readable up to about this


def render(derivation: Derivation, *, style: str = "vectorized", dtype: str = "float64",
           source: str = "<spec>") -> str:
    """The text of the generated module for a derivation.

    ``source`` names the spec in the module's docstring (say, the path as given on the
    command line); nothing else varies, so the output is deterministic.
    """
    check_options(derivation.spec, style, dtype)
    check_linear_structure(derivation)
    context = module_context(derivation, style, dtype, source)
    context.update(STYLE_CONTEXTS[style](derivation))
    return environment().get_template(f"numpy/{style}.py.j2").render(**context)


def check_options(spec: NetworkSpec, style: str, dtype: str) -> None:
    """Refuse an unknown style or dtype, and the unrolled style for nets above
    ``UNROLLED_LIMIT`` parameters."""
    if style not in STYLES:
        raise SymnnError(f"--style: expected one of {', '.join(STYLES)}, got {style!r}")
    count = spec.parameter_count
    if style == "unrolled" and count > UNROLLED_LIMIT:
        raise SymnnError(
            f"--style unrolled: the net has {count} parameters; unrolled code (one line per "
            f"parameter) is offered up to {UNROLLED_LIMIT}; use --style vectorized"
        )
    if dtype not in DTYPES:
        raise SymnnError(f"--dtype: expected one of {', '.join(DTYPES)}, got {dtype!r}")


def check_linear_structure(derivation: Derivation) -> None:
    """Confirm the derivation has the linear structure the templates lay out.

    For the first and the last neuron of every layer (the layer objects make every neuron
    from one form): net = Σ_k w·out + b, dE/dout of a
    hidden neuron = Σ_i δ·w, dE/dw = δ·out, dE/db = δ (or Σ_j δ for a shared bias).
    """
    for layer in range(2, derivation.network.depth + 1):
        _check_layer(derivation, layer)


def _check_layer(derivation: Derivation, layer: int) -> None:
    """``check_linear_structure`` for the weights and biases feeding one layer."""
    network, defs = derivation.network, derivation.definitions
    size, size_below = network.size(layer), network.size(layer - 1)
    deltas = {j: symbol(qid("delta", layer, j)) for j in range(1, size + 1)}
    outs_below = {k: symbol(qid("out", layer - 1, k)) for k in range(1, size_below + 1)}
    for j in representatives(size):
        net = sympy.Add(*[symbol(qid("w", layer, j, k)) * out for k, out in outs_below.items()])
        bias = network.bias_of(layer, j)
        _expect(defs, qid("net", layer, j), net if bias is None else net + symbol(bias))
        for k in representatives(size_below):
            _expect(defs, qid("dE/dw", layer, j, k), deltas[j] * outs_below[k])
    for k in representatives(size_below) if layer > 2 else ():
        back = sympy.Add(*[delta * symbol(qid("w", layer, i, k)) for i, delta in deltas.items()])
        _expect(defs, qid("dE/dout", layer - 1, k), back)
    for b_id in sorted({network.bias_of(layer, j) for j in representatives(size)} - {None}):
        neurons = derivation.layer(layer).bias_neurons(b_id)
        _expect(defs, gradient_id(b_id), sympy.Add(*[deltas[j] for j in neurons]))


def _expect(defs: dict, quantity_id: str, expected: sympy.Expr) -> None:
    if sympy.expand(defs[quantity_id] - expected) != 0:
        raise SymnnError(
            f"codegen: {quantity_id} = {defs[quantity_id]} does not have the form the "
            f"template writes ({expected})"
        )


def module_context(derivation: Derivation, style: str, dtype: str, source: str) -> dict:
    """What every style's template needs: constants, docstring facts, parameter keys."""
    spec = derivation.spec
    network = derivation.network
    computed = range(2, network.depth + 1)  # the layers with weights feeding them
    described = "; ".join(
        f"layer {layer}: {network.size(layer)} {network.activation(layer)}" for layer in computed
    )
    keys = [key for layer in computed for key in (weight_key(layer), bias_key(spec, layer))]
    update_biases = spec.values.update_biases if spec.values else True
    loss = losses.get(spec.loss)
    return {
        "style": style,
        "dtype": dtype,
        "source": source,
        "command_lines": _command_lines(source, style, dtype),
        "sizes": "-".join(str(n) for n in spec.layers),
        "network_lines": textwrap.wrap(
            f"Network: {spec.layers[0]} inputs; {described}; biases {spec.bias}.", 88
        ),
        "inputs": spec.layers[0],
        "outputs": spec.layers[-1],
        "loss_name": spec.loss,
        "loss_latex": loss.formula_latex,
        "needs_targets": loss.needs_targets,
        "bias": spec.bias,
        "update_biases": update_biases,
        "layers_text": tuple_source([str(n) for n in spec.layers]),
        "activations_text": tuple_source([f'"{name}"' for name in spec.activations]),
        "updated_text": tuple_source(
            [f'"{k}"' for k in keys if k and (k.startswith("W") or update_biases)]
        ),
        "classifier": classifier(spec),
        "notes": _notes(derivation),
        **optimizer_context(),
    }


def _notes(derivation: Derivation) -> list[str]:
    """Docstring lines on the simplified softmax error signal, if the module uses it."""
    signal = derivation.error_signals[qid("delta", derivation.network.depth, 1)]
    if signal.simplified is None:
        return []
    return textwrap.wrap(
        f"The output error signal of softmax with cross-entropy is computed in its "
        f"simplified form out - d, which holds when {signal.condition}.", 88
    )


def classifier(spec: NetworkSpec) -> str | None:
    """How ``predict`` reads the outputs: "argmax", "threshold" (one sigmoid), or None."""
    if spec.layers[-1] > 1:
        return "argmax"
    if spec.activations[-1] == "sigmoid":
        return "threshold"
    return None


def _command_lines(source: str, style: str, dtype: str) -> list[str]:
    """The ``symnn codegen`` command that makes the module, on one or two lines."""
    command = f"symnn codegen {source} --style {style} --dtype {dtype}"
    if len(command) <= 90:
        return [command]
    return [f"symnn codegen {source} \\", f"    --style {style} --dtype {dtype}"]


def example_arrays(spec: NetworkSpec) -> tuple[dict, object, object]:
    """(params, X, Y) of a spec's ``[values]`` as float64 arrays for a generated module:
    one row per sample of the batch; Y is None for a loss without targets."""
    import numpy as np  # only here: the renderer itself does not need NumPy

    values = spec.values
    if values is None:
        raise SymnnError("values: the spec has no [values] table")
    params = {}
    for layer, matrix in enumerate(values.weights, start=2):
        params[weight_key(layer)] = np.array([[float(x) for x in row] for row in matrix])
        if spec.bias == "per-neuron":
            params[bias_key(spec, layer)] = np.array([float(x) for x in values.biases[layer - 2]])
        elif spec.bias == "per-layer":
            params[bias_key(spec, layer)] = np.array([float(values.biases[layer - 2])])
    X = np.array([[float(x) for x in sample] for sample in values.batch_inputs])
    targets = values.batch_targets
    Y = None if targets is None else np.array([[float(x) for x in s] for s in targets])
    return params, X, Y
