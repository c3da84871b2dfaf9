"""The unrolled style: one line per neuron and per gradient, each name one value per sample.

The derivation's definitions are printed with the names of ``naming.python_name`` (a
softmax output's δ as Σ_i ∂E/∂out_i · ∂out_i/∂net_j from its chain of factors).
"""

from __future__ import annotations

import textwrap

import sympy

from symnn import activations, losses
from symnn.derive import Derivation
from symnn.naming import gradient_id, python_name, qid, symbol
from symnn.render.numpy.printer import EXP_MAX, CodePrinter
from symnn.render.numpy.source import (
    INDENT,
    LINE_WIDTH,
    bias_key,
    tuple_source,
    weight_key,
    wrap_all,
)
from symnn.render.numpy.stability import (
    activation_output,
    net_max_symbol,
    neuron_ids,
    output_delta,
    stabilize,
    stable_loss,
)


def unrolled_context(derivation: Derivation) -> dict:
    """The lines of the unrolled module: unpacking, forward, loss, backward, assembly."""
    network = derivation.network
    printer = CodePrinter(_UnrolledNames())
    targets = []
    if losses.get(network.spec.loss).needs_targets:
        targets = _unpack(network.target_ids(), "np.asarray(Y, dtype=DTYPE).T")
    outputs = neuron_ids(network, "out", network.depth)
    return {
        "unpack": _unpack_parameters_and_inputs(derivation),
        "forward": wrap_all(_forward(derivation, printer)),
        "output_names": ", ".join(python_name(i) for i in outputs),
        "targets": targets,
        "loss": wrap_all([f"E = {printer.doprint(stable_loss(derivation))}"]),
        "backward": wrap_all(_backward(derivation, printer)),
        "assembly": _gradient_assembly(derivation),
    }


def _unpack_parameters_and_inputs(derivation: Derivation) -> list[str]:
    """Lines naming every weight, bias and input: ``(w_2_1_1, ...), ... = params["W1"]``."""
    network = derivation.network
    spec = network.spec
    lines = []
    for layer in range(2, network.depth + 1):
        lines += _unpack(network.weight_ids(layer), f'params["{weight_key(layer)}"]')
        if spec.bias != "none":
            lines += _unpack(network.bias_ids(layer), f'params["{bias_key(spec, layer)}"]')
    return lines + _unpack(network.input_ids(), "np.asarray(X, dtype=DTYPE).T")


def _forward(derivation: Derivation, printer: CodePrinter) -> list[str]:
    """Per layer: each net, the softmax shift if any, each output."""
    network = derivation.network
    statements = []
    for layer in range(2, network.depth + 1):
        statements.append(f"# layer {layer}: {network.activation(layer)}")
        nets = neuron_ids(network, "net", layer)
        statements += [_assign(printer, i, derivation.definitions[i]) for i in nets]
        if activations.get(network.activation(layer)).shift_invariant:
            largest = sympy.Max(*[symbol(i) for i in nets])
            statements.append(f"{net_max_symbol(layer).name} = {printer.doprint(largest)}")
        outputs = activation_output(derivation, layer)
        statements += [_assign(printer, i, expr) for i, expr in outputs.items()]
    return statements


def _backward(derivation: Derivation, printer: CodePrinter) -> list[str]:
    """Per layer from the output down: ∂E/∂out and δ of each neuron, then each gradient."""
    network = derivation.network
    defs = derivation.definitions
    statements = _output_deltas(derivation, printer)
    for layer in range(network.depth, 1, -1):
        if layer < network.depth:
            statements += [_assign(printer, i, defs[i])
                           for i in neuron_ids(network, "dE/dout", layer)]
            statements += [_assign(printer, i, stabilize(sympy.piecewise_fold(defs[i])))
                           for i in neuron_ids(network, "delta", layer)]
        gradients = [w for row in network.weight_ids(layer) for w in row]
        gradients += network.bias_ids(layer)
        statements += [_assign(printer, gradient_id(p), defs[gradient_id(p)])
                       for p in gradients]
    return statements


def _output_deltas(derivation: Derivation, printer: CodePrinter) -> list[str]:
    """The output layer's δ lines. A softmax output without the simplified form, whose
    ∂E/∂out divides by no output, gets its ∂E/∂out lines and δ_j = Σ_i ∂E/∂out_i ·
    ∂out_i/∂net_j from the chain of factors; otherwise δ is ``output_delta`` (division
    free where SymPy can make it so), with ∂E/∂out in a comment."""
    network = derivation.network
    depth = network.depth
    defs = derivation.definitions
    grads = neuron_ids(network, "dE/dout", depth)
    signal = derivation.error_signals[qid("delta", depth, 1)]
    divides = any(sympy.fraction(sympy.together(defs[i]))[1] != 1 for i in grads)
    elementwise = activations.get(network.activation(depth)).elementwise
    if not elementwise and signal.simplified is None and not divides:
        return _softmax_output_deltas(derivation, printer)
    lines = []
    for j, grad in enumerate(grads, start=1):
        value, comment = output_delta(derivation, j)
        lines.append(f"# {python_name(grad)} = {printer.doprint(defs[grad])}; {comment}")
        lines.append(_assign(printer, qid("delta", depth, j), value))
    return lines


def _softmax_output_deltas(derivation: Derivation, printer: CodePrinter) -> list[str]:
    """∂E/∂out of each output, then δ_j = Σ_i ∂E/∂out_i · ∂out_i/∂net_j."""
    network = derivation.network
    depth = network.depth
    grads = neuron_ids(network, "dE/dout", depth)
    lines = [_assign(printer, i, derivation.definitions[i]) for i in grads]
    for j in range(1, network.size(depth) + 1):
        delta_id = qid("delta", depth, j)
        value = sympy.Add(*[symbol(gradient_id(a.denominator)) * b.value
                            for a, b in derivation.error_signals[delta_id].terms])
        lines.append(f"# delta_{depth}_{j} = sum over i of dE_dout_{depth}_i * "
                     f"dout_{depth}_i/dnet_{depth}_{j} (softmax)")
        lines.append(_assign(printer, delta_id, value))
    return lines


def _gradient_assembly(derivation: Derivation) -> list[str]:
    """The entries of the returned gradient dict: ``"W1": [[dE_dw_2_1_1, ...], ...],``."""
    network = derivation.network
    spec = network.spec
    lines = []
    for layer in range(2, network.depth + 1):
        grads = [[python_name(gradient_id(w)) for w in row] for row in network.weight_ids(layer)]
        lines += _dict_entry(weight_key(layer), grads)
        if spec.bias != "none":
            biases = [python_name(gradient_id(b)) for b in network.bias_ids(layer)]
            lines += _dict_entry(bias_key(spec, layer), biases)
    return lines


class _UnrolledNames(dict):
    """Python names for canonical ids (``naming.python_name``), made on first use."""

    def __missing__(self, s: sympy.Symbol) -> str:
        if s == EXP_MAX:
            return "_EXP_MAX"
        if s.name.startswith("net_max_"):
            return s.name
        return python_name(s.name)

    def __contains__(self, s) -> bool:
        return True


def _assign(printer: CodePrinter, quantity_id: str, expr: sympy.Expr) -> str:
    """``name = expr``; a constant is spread over the batch with ``np.full_like``."""
    name = python_name(quantity_id)
    if expr.free_symbols <= {EXP_MAX}:
        return f"{name} = np.full_like(out_1_1, {printer.doprint(expr)})"
    return f"{name} = {printer.doprint(expr)}"


def _dict_entry(key: str, names: list) -> list[str]:
    """Indented lines of ``"key": [[a, b], [c, d]],`` (a list of names or of rows)."""
    items = [_list(item) for item in names]
    return _bracketed(f'"{key}": {_list(names)},', f'"{key}": [', items, "],", INDENT * 2)


def _unpack(ids: list, source: str) -> list[str]:
    """Indented lines unpacking ``source``: ``(a, b), (c, d) = source`` for a matrix of
    ids, ``a, b = source`` for a list."""
    rows = [tuple_source([python_name(i) for i in row]) if isinstance(row, list)
            else python_name(row) for row in ids]
    return _bracketed(f"{tuple_source(rows, bare=True)} = {source}", "(", rows,
                      f") = {source}", INDENT)


def _bracketed(one_line: str, opening: str, items: list[str], closing: str,
               indent: str) -> list[str]:
    """``one_line`` if it fits, else ``opening``, the items (rows one per line, names
    filled into lines) and ``closing``; a long row is broken after commas."""
    if len(indent + one_line) <= LINE_WIDTH:
        return [indent + one_line]
    inner = indent + INDENT
    rows = items if any(item.startswith(("(", "[")) for item in items) else [", ".join(items)]
    lines = [indent + opening]
    for row in rows:
        lines += textwrap.wrap(row + ",", LINE_WIDTH, initial_indent=inner,
                               subsequent_indent=inner if len(rows) == 1 else inner + INDENT,
                               break_on_hyphens=False, break_long_words=False)
    return [*lines, indent + closing]


def _list(item) -> str:
    """``[a, b]`` for a list of names (nested lists too); a name as it is."""
    return "[" + ", ".join(_list(i) for i in item) + "]" if isinstance(item, list) else item
