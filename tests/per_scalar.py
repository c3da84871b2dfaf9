"""The reference the layer forms are checked against: every quantity derived per scalar.

This is symnn's eager derivation as it was before the layer objects: it builds every
definition, error signal and gradient directly from the spec, neuron by neuron and weight
by weight (the softmax Jacobian by ``sympy.diff`` for every pair of neurons, the
activation's slope by ``subs`` for every neuron). ``tests/test_layer_forms.py`` asserts
that ``symnn.derive``'s entries, which the layers instantiate from one form per layer, are
the same SymPy objects in the same order.
"""

from __future__ import annotations

import sympy

from symnn import activations, losses
from symnn.leibniz import ErrorSignal, Factor, Gradient
from symnn.naming import gradient_id, qid, symbol


def reference(spec) -> dict:
    """{"definitions", "error_signals", "gradients", "dout_dnet"} of a spec, all built."""
    sizes, depth = spec.layers, spec.depth
    slope = sympy.Rational(spec.leaky_slope)
    result = {"definitions": {}, "error_signals": {}, "gradients": {}, "dout_dnet": {}}
    defs = result["definitions"]
    for layer in range(2, depth + 1):
        name = spec.activations[layer - 2]
        nets = []
        for j in range(1, sizes[layer - 1] + 1):
            weighted = sympy.Add(*[symbol(qid("w", layer, j, k)) * symbol(qid("out", layer - 1, k))
                                   for k in range(1, sizes[layer - 2] + 1)])
            bias = _bias_of(spec, layer, j)
            defs[qid("net", layer, j)] = weighted if bias is None else weighted + symbol(bias)
            nets.append(symbol(qid("net", layer, j)))
        for j, net in enumerate(nets, start=1):
            if activations.get(name).elementwise:
                defs[qid("out", layer, j)] = activations.expression(name, net, slope)
            else:
                defs[qid("out", layer, j)] = activations.get(name).build(nets, j - 1)
    outputs = [symbol(qid("out", depth, j)) for j in range(1, sizes[-1] + 1)]
    targets = [symbol(qid("d", j)) for j in range(1, sizes[-1] + 1)]
    defs["E"] = losses.get(spec.loss).build(outputs, targets)
    for j in range(1, sizes[-1] + 1):
        grad = qid("dE/dout", depth, j)
        defs[grad] = sympy.diff(defs["E"], outputs[j - 1])
        result["gradients"][grad] = Gradient(grad, qid("out", depth, j), ())
    for layer in range(depth, 1, -1):
        if layer < depth:
            for j in range(1, sizes[layer - 1] + 1):
                _add(result, qid("dE/dout", layer, j), qid("out", layer, j), tuple(
                    (qid("delta", layer + 1, i),
                     Factor(qid("net", layer + 1, i), qid("out", layer, j),
                            symbol(qid("w", layer + 1, i, j))))
                    for i in range(1, sizes[layer] + 1)))
        _error_signals(spec, result, layer, targets, slope)
        _parameters(spec, result, layer)
    for k in range(1, sizes[0] + 1):
        _add(result, qid("dE/dx", k), qid("out", 1, k), tuple(
            (qid("delta", 2, j),
             Factor(qid("net", 2, j), qid("out", 1, k), symbol(qid("w", 2, j, k))))
            for j in range(1, sizes[1] + 1)))
    return result


def _bias_of(spec, layer: int, j: int) -> str | None:
    return {"per-neuron": qid("b", layer, j), "per-layer": qid("b", layer),
            "none": None}[spec.bias]


def _add(result: dict, grad: str, wrt: str, terms: tuple) -> None:
    result["gradients"][grad] = Gradient(grad, wrt, terms)
    result["definitions"][grad] = sympy.Add(*[symbol(d) * f.value for d, f in terms])


def _error_signals(spec, result: dict, layer: int, targets: list, slope) -> None:
    name = spec.activations[layer - 2]
    size = spec.layers[layer - 1]
    outs = [symbol(qid("out", layer, i)) for i in range(1, size + 1)]
    defs = result["definitions"]
    for j in range(1, size + 1):
        out_id, net_id = qid("out", layer, j), qid("net", layer, j)
        delta_id = qid("delta", layer, j)
        if activations.get(name).elementwise:
            in_output = activations.derivative_in_output(name, slope)
            value = (in_output.subs(activations.A, symbol(out_id)) if in_output is not None
                     else activations.derivative(name, slope).subs(activations.Z, symbol(net_id)))
            factor = Factor(out_id, net_id, value)
            result["dout_dnet"][out_id] = factor
            terms = ((Factor("E", out_id, defs[qid("dE/dout", layer, j)]), factor),)
            defs[delta_id] = symbol(qid("dE/dout", layer, j)) * value
        else:
            terms = tuple(
                (Factor("E", qid("out", layer, i), defs[qid("dE/dout", layer, i)]),
                 Factor(qid("out", layer, i), net_id,
                        activations.softmax_jacobian_entry(i - 1, j - 1, outs)))
                for i in range(1, size + 1))
            total = sympy.Add(*[a.value * b.value for a, b in terms])
            defs[delta_id] = sympy.factor_terms(sympy.expand(total))
        simplified, condition = _softmax_simplification(spec, layer, j, defs[delta_id], targets)
        result["error_signals"][delta_id] = ErrorSignal(delta_id, terms, simplified, condition)


def _softmax_simplification(spec, layer: int, j: int, value, targets: list):
    if spec.activations[layer - 2] != "softmax" or len(targets) < 2:
        return None, None
    replaced = targets[-1] if j != len(targets) else targets[-2]
    rest = sympy.Add(*[t for t in targets if t != replaced])
    candidate = sympy.expand(value.xreplace({replaced: 1 - rest}))
    local = {symbol(qid("out", layer, j)), *targets}
    if not candidate.free_symbols <= local or sympy.count_ops(candidate) >= sympy.count_ops(value):
        return None, None
    return candidate, "the targets sum to 1 (one-hot or probabilities)"


def _parameters(spec, result: dict, layer: int) -> None:
    size, below = spec.layers[layer - 1], spec.layers[layer - 2]
    for j in range(1, size + 1):
        for k in range(1, below + 1):
            factor = Factor(qid("net", layer, j), qid("w", layer, j, k),
                            symbol(qid("out", layer - 1, k)))
            _add(result, qid("dE/dw", layer, j, k), qid("w", layer, j, k),
                 ((qid("delta", layer, j), factor),))
    biases = {"per-neuron": [(qid("b", layer, j), [j]) for j in range(1, size + 1)],
              "per-layer": [(qid("b", layer), list(range(1, size + 1)))], "none": []}
    for b_id, neurons in biases[spec.bias]:
        _add(result, gradient_id(b_id), b_id, tuple(
            (qid("delta", layer, j), Factor(qid("net", layer, j), b_id, sympy.S.One))
            for j in neurons))
