"""The generated module as a whole: options, structure check, template context, render."""

from __future__ import annotations

import textwrap

import sympy

from symnn import losses
from symnn.derive import Derivation
from symnn.errors import SymnnError
from symnn.naming import parse_id, qid, symbol
from symnn.render import environment
from symnn.render.numpy.source import bias_key, weight_key
from symnn.render.numpy.unrolled import unrolled_context
from symnn.render.numpy.vectorized import vectorized_context
from symnn.spec import NetworkSpec

STYLES = ("vectorized", "unrolled")
DTYPES = ("float64", "float32")
UNROLLED_LIMIT = 200  # parameters: one line per parameter stays readable up to about this


def check_size(spec: NetworkSpec, style: str) -> None:
    """Refuse the unrolled style for nets above ``UNROLLED_LIMIT`` parameters."""
    if style not in STYLES:
        raise SymnnError(f"--style: expected one of {', '.join(STYLES)}, got {style!r}")
    count = spec.parameter_count
    if style == "unrolled" and count > UNROLLED_LIMIT:
        raise SymnnError(
            f"--style unrolled: the net has {count} parameters; unrolled code (one line per "
            f"parameter) is offered up to {UNROLLED_LIMIT}; use --style vectorized"
        )


def render(derivation: Derivation, *, style: str = "vectorized", dtype: str = "float64",
           source: str = "<spec>") -> str:
    """The text of the generated module for a derivation.

    ``source`` names the spec in the module's docstring (say, the path as given on the
    command line); nothing else varies, so the output is deterministic.
    """
    check_size(derivation.spec, style)
    if dtype not in DTYPES:
        raise SymnnError(f"--dtype: expected one of {', '.join(DTYPES)}, got {dtype!r}")
    check_linear_structure(derivation)
    context = module_context(derivation, style, dtype, source)
    if style == "vectorized":
        context.update(vectorized_context(derivation))
    else:
        context.update(unrolled_context(derivation))
    return environment().get_template(f"numpy/{style}.py.j2").render(**context)


def check_linear_structure(derivation: Derivation) -> None:
    """Confirm the derivation has the linear structure the templates lay out.

    For neuron 1 and the last neuron of every layer: net = Σ_k w·out + b, dE/dout of a
    hidden neuron = Σ_i δ·w, dE/dw = δ·out, dE/db = δ (or Σ_j δ for a shared bias).
    """
    network = derivation.network
    defs = derivation.definitions
    for layer in range(2, network.depth + 1):
        size = network.size(layer)
        for j in sorted({1, size}):
            sources = range(1, network.size(layer - 1) + 1)
            expected_net = sympy.Add(*[
                symbol(qid("w", layer, j, k)) * symbol(qid("out", layer - 1, k)) for k in sources
            ])
            bias = network.bias_of(layer, j)
            if bias is not None:
                expected_net += symbol(bias)
            _expect(defs, qid("net", layer, j), expected_net)
            delta = symbol(qid("delta", layer, j))
            for k in sorted({1, network.size(layer - 1)}):
                _expect(defs, qid("dE/dw", layer, j, k), delta * symbol(qid("out", layer - 1, k)))
            if layer > 2:
                expected = sympy.Add(*[
                    symbol(qid("delta", layer, i)) * symbol(qid("w", layer, i, k))
                    for i in range(1, size + 1)
                ])
                _expect(defs, qid("dE/dout", layer - 1, k), expected)
        for b_id in network.bias_ids(layer):
            neurons = [parse_id(b_id).indices[1]] if len(parse_id(b_id).indices) == 2 else range(
                1, size + 1
            )
            expected = sympy.Add(*[symbol(qid("delta", layer, j)) for j in neurons])
            _expect(defs, "dE/d" + b_id, expected)


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
    layers = []
    for layer in range(2, network.depth + 1):
        layers.append({
            "number": layer,
            "size": network.size(layer),
            "activation": network.activation(layer),
            "weight_key": weight_key(layer),
            "bias_key": bias_key(spec, layer),
        })
    update_biases = spec.values.update_biases if spec.values else True
    keys = [k for item in layers for k in (item["weight_key"], item["bias_key"]) if k]
    signal = derivation.error_signals[qid("delta", network.depth, 1)]
    notes = []
    if signal.simplified is not None:
        notes = textwrap.wrap(
            f"The output error signal of softmax with cross-entropy is computed in its "
            f"simplified form out - d, which holds when {signal.condition}.", 88
        )
    return {
        "style": style,
        "dtype": dtype,
        "source": source,
        "command_lines": _command_lines(source, style, dtype),
        "sizes": "-".join(str(n) for n in spec.layers),
        "network_lines": textwrap.wrap(
            f"Network: {spec.layers[0]} inputs; "
            + "; ".join(f"layer {i['number']}: {i['size']} {i['activation']}" for i in layers)
            + f"; biases {spec.bias}.", 88),
        "layers": layers,
        "inputs": spec.layers[0],
        "outputs": spec.layers[-1],
        "loss_name": spec.loss,
        "loss_latex": losses.get(spec.loss).formula_latex,
        "needs_targets": losses.get(spec.loss).needs_targets,
        "bias": spec.bias,
        "update_biases": update_biases,
        "layers_text": _tuple_literal([str(n) for n in spec.layers]),
        "activations_text": _tuple_literal([f'"{name}"' for name in spec.activations]),
        "updated_text": _tuple_literal(
            [f'"{k}"' for k in keys if k.startswith("W") or update_biases]
        ),
        "classifier": classifier(spec),
        "notes": notes,
    }


def example_arrays(spec: NetworkSpec) -> tuple[dict, object, object]:
    """(params, X, Y) of a spec's ``[values]`` as float64 arrays for a generated module:
    one sample; Y is None for a loss without targets."""
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
    X = np.array([[float(x) for x in values.inputs]])
    Y = None if values.targets is None else np.array([[float(x) for x in values.targets]])
    return params, X, Y


def _tuple_literal(items: list[str]) -> str:
    """Python source of a tuple: ``("a", "b")``, ``("a",)``."""
    return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"


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

