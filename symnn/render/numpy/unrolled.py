"""The unrolled style: one line per neuron and per gradient, each name one value per sample.

The derivation's definitions are printed with the names of ``naming.python_name`` (a
softmax output's δ as Σ_i ∂E/∂out_i · ∂out_i/∂net_j from its chain of factors).
"""

from __future__ import annotations

import textwrap

import sympy

from symnn import losses
from symnn.derive import Derivation
from symnn.naming import python_name, qid, symbol
from symnn.render.numpy.printer import EXP_MAX, CodePrinter
from symnn.render.numpy.source import INDENT, LINE_WIDTH, bias_key, weight_key, wrap_all
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
    spec = network.spec
    depth = network.depth
    defs = derivation.definitions
    printer = CodePrinter(_UnrolledNames())
    unpack = []
    for layer in range(2, depth + 1):
        unpack += _unpack(network.weight_ids(layer), f'params["{weight_key(layer)}"]')
        if spec.bias != "none":
            unpack += _unpack(network.bias_ids(layer), f'params["{bias_key(spec, layer)}"]')
    unpack += _unpack(network.input_ids(), "np.asarray(X, dtype=DTYPE).T")
    forward = []
    for layer in range(2, depth + 1):
        forward.append(f"# layer {layer}: {network.activation(layer)}")
        nets = neuron_ids("net", layer, network.size(layer))
        forward += [_assign(printer, i, defs[i]) for i in nets]
        if network.activation(layer) == "softmax":
            largest = sympy.Max(*[symbol(i) for i in nets])
            forward.append(f"{net_max_symbol(layer).name} = {printer.doprint(largest)}")
        forward += [_assign(printer, i, e) for i, e in activation_output(derivation, layer).items()]
    output_names = ", ".join(python_name(i) for i in neuron_ids("out", depth, network.size(depth)))
    targets = []
    if losses.get(spec.loss).needs_targets:
        targets = _unpack(network.target_ids(), "np.asarray(Y, dtype=DTYPE).T")
    loss = [f"E = {printer.doprint(stable_loss(derivation))}"]
    backward = []
    for layer in range(depth, 1, -1):
        size = network.size(layer)
        if layer == depth:
            backward += _unrolled_output_deltas(derivation, printer)
        else:
            backward += [_assign(printer, i, defs[i]) for i in neuron_ids("dE/dout", layer, size)]
            backward += [
                _assign(printer, i, stabilize(sympy.piecewise_fold(defs[i])))
                for i in neuron_ids("delta", layer, size)
            ]
        backward += [
            _assign(printer, "dE/d" + w, defs["dE/d" + w])
            for row in network.weight_ids(layer) for w in row
        ]
        backward += [
            _assign(printer, "dE/d" + b, defs["dE/d" + b]) for b in network.bias_ids(layer)
        ]
    assembly = []
    for layer in range(2, depth + 1):
        grads = [[python_name("dE/d" + w) for w in row] for row in network.weight_ids(layer)]
        assembly += _dict_entry(weight_key(layer), grads)
        if spec.bias != "none":
            biases = [python_name("dE/d" + b) for b in network.bias_ids(layer)]
            assembly += _dict_entry(bias_key(spec, layer), biases)
    return {
        "unpack": unpack,
        "forward": wrap_all(forward),
        "output_names": output_names,
        "targets": targets,
        "loss": wrap_all(loss),
        "backward": wrap_all(backward),
        "assembly": assembly,
    }


def _unrolled_output_deltas(derivation: Derivation, printer: CodePrinter) -> list[str]:
    """The output layer's δ lines. A softmax output without the simplified form, whose
    ∂E/∂out divides by no output, gets its ∂E/∂out lines and δ_j = Σ_i ∂E/∂out_i ·
    ∂out_i/∂net_j from the chain of factors; otherwise δ is ``output_delta`` (division
    free where SymPy can make it so), with ∂E/∂out in a comment."""
    network = derivation.network
    depth, size = network.depth, network.size(network.depth)
    defs = derivation.definitions
    lines = []
    signal = derivation.error_signals[qid("delta", depth, 1)]
    divides = any(sympy.fraction(sympy.together(defs[i]))[1] != 1
                  for i in neuron_ids("dE/dout", depth, size))
    if network.activation(depth) == "softmax" and signal.simplified is None and not divides:
        lines += [_assign(printer, i, defs[i]) for i in neuron_ids("dE/dout", depth, size)]
        for j in range(1, size + 1):
            terms = derivation.error_signals[qid("delta", depth, j)].terms
            value = sympy.Add(*[symbol("dE/dout" + a.denominator.removeprefix("out")) * b.value
                                for a, b in terms])
            lines.append(f"# delta_{depth}_{j} = sum over i of dE_dout_{depth}_i * "
                         f"dout_{depth}_i/dnet_{depth}_{j} (softmax)")
            lines.append(_assign(printer, qid("delta", depth, j), value))
        return lines
    for j in range(1, size + 1):
        value, comment = output_delta(derivation, j)
        grad = qid("dE/dout", depth, j)
        lines.append(f"# {python_name(grad)} = {printer.doprint(defs[grad])}; {comment}")
        lines.append(_assign(printer, qid("delta", depth, j), value))
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
    name = python_name(quantity_id)
    if not expr.free_symbols or expr.free_symbols <= {EXP_MAX}:
        return f"{name} = np.full_like(out_1_1, {printer.doprint(expr)})"
    return f"{name} = {printer.doprint(expr)}"


def _dict_entry(key: str, names: list) -> list[str]:
    """Indented lines of ``"key": [[a, b], [c, d]],`` (a list of names or of rows)."""
    items = [_list(item) for item in names]
    return _bracketed(f'"{key}": {_list(names)},', f'"{key}": [', items, "],", INDENT * 2)


def _unpack(ids: list, source: str) -> list[str]:
    """Indented lines unpacking ``source``: ``(a, b), (c, d) = source`` for a matrix of
    ids, ``a, b = source`` for a list."""
    rows = [_tuple([python_name(i) for i in row]) if isinstance(row, list) else python_name(row)
            for row in ids]
    return _bracketed(f"{_tuple(rows, bare=True)} = {source}", "(", rows, f") = {source}",
                      INDENT)


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


def _tuple(items: list[str], bare: bool = False) -> str:
    """``(a, b)``; ``(a,)`` for one item; without parentheses if ``bare`` and several."""
    if len(items) == 1:
        return f"({items[0]},)"
    inner = ", ".join(items)
    return inner if bare else f"({inner})"
