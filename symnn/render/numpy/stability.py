"""The expressions as the generated code computes them: stable forms of the derivation's.

Each rewrite turns a SymPy expression into an equal SymPy expression:

- softmax: the nets of the layer are shifted by their maximum (``net_max``);
  ``softmax_shift`` asks SymPy to confirm that softmax is unchanged by such a shift.
- logs of outputs in the loss (cross-entropy, binary cross-entropy): for sigmoid and
  softmax outputs, log(out) and log(1 − out) are replaced by ``expand_log`` of the log of
  the activation's own expression: log-softmax ``net − net_max − log Σ exp(net − net_max)``
  and log-sigmoid ``−log(1 + exp(−net))`` (``stable_loss``).
- log(1 + exp(u)) (softplus, log-sigmoid) becomes max(u, 0) + log1p(exp(−|u|))
  (``stable_softplus``).
- the logistic 1/(1 + exp(u)) gets its exponent clipped at ``_EXP_MAX``, 1 below the
  largest argument exp takes without overflow in the module's dtype (``clip_logistic``);
  the value changes by less than the smallest normal number of the dtype.
- the output error signal ∂E/∂y · φ′ is simplified by SymPy (``output_delta``), so a
  sigmoid with (binary) cross-entropy computes out − d without dividing by out, and
  softmax with cross-entropy uses the derivation's simplified out − d.
"""

from __future__ import annotations

from functools import cache

import sympy
from sympy.codegen.cfunctions import log1p

from symnn import activations
from symnn.derive import Derivation
from symnn.errors import SymnnError
from symnn.naming import qid, symbol
from symnn.network import Network
from symnn.render.numpy.printer import EXP_MAX


def _rewrite(expr: sympy.Expr, rule) -> sympy.Expr:
    """Apply ``rule`` bottom-up; ``rule(node)`` returns a replacement or None."""
    if expr.is_Atom:
        return expr
    args = [_rewrite(a, rule) for a in expr.args]
    node = expr.func(*args) if args != list(expr.args) else expr
    replaced = rule(node)
    return node if replaced is None else replaced


def _one_plus_exp(expr: sympy.Expr) -> sympy.Expr | None:
    """u if ``expr`` is 1 + exp(u), else None."""
    if expr.is_Add and len(expr.args) == 2 and sympy.S.One in expr.args:
        (other,) = (a for a in expr.args if a != sympy.S.One)
        if isinstance(other, sympy.exp):
            return other.args[0]
    return None


def clip_logistic(expr: sympy.Expr) -> sympy.Expr:
    """1/(1 + exp(u)) -> 1/(1 + exp(min(u, _EXP_MAX))): no overflow for any u.

    For u > _EXP_MAX the true value is below 1/(1 + exp(_EXP_MAX)), which is smaller than
    the dtype's smallest normal number; the clipped value differs from it by less.
    """

    def rule(node):
        if node.is_Pow and node.exp == -1:
            u = _one_plus_exp(node.base)
            if u is not None and not isinstance(u, sympy.Min):
                return 1 / (1 + sympy.exp(sympy.Min(u, EXP_MAX)))
        return None

    return _rewrite(expr, rule)


def stable_softplus(expr: sympy.Expr) -> sympy.Expr:
    """log(1 + exp(u)) -> max(u, 0) + log1p(exp(−|u|)), which never overflows."""

    def rule(node):
        if isinstance(node, sympy.log):
            u = _one_plus_exp(node.args[0])
            if u is not None:
                return sympy.Max(u, 0) + log1p(sympy.exp(-sympy.Abs(u)))
        return None

    return _rewrite(expr, rule)


def stabilize(expr: sympy.Expr) -> sympy.Expr:
    """Both rewrites: stable log(1 + exp(u)) first, then the clipped logistic."""
    return clip_logistic(stable_softplus(expr))


@cache
def softmax_shift_is_exact(size: int = 3) -> bool:
    """SymPy's confirmation that every activation whose entry says ``shift_invariant``
    (softmax) is unchanged when every net of the layer is shifted by c."""
    zs = sympy.symbols(f"z1:{size + 1}", real=True)
    c = sympy.Symbol("c", real=True)
    invariant = [a for a in activations.ACTIVATIONS.values() if a.shift_invariant]
    for activation in invariant:
        for j in range(size):
            f = activation.build(list(zs), j)
            shifted = f.xreplace({z: z - c for z in zs})
            if sympy.simplify(shifted - f) != 0:
                return False
    return True


def net_max_symbol(layer: int) -> sympy.Symbol:
    """The symbol of a softmax layer's largest net (per sample)."""
    return sympy.Symbol(f"net_max_{layer}", real=True)


def softmax_shift(derivation: Derivation, layer: int,
                  neurons: list[int] | None = None) -> dict[str, sympy.Expr]:
    """The outputs of a softmax layer (all, or the given neurons) with the nets shifted
    by their maximum."""
    if not softmax_shift_is_exact():
        raise SymnnError("codegen: SymPy could not confirm that softmax is shift-invariant")
    network = derivation.network
    shift = net_max_symbol(layer)
    nets = [symbol(net_id) for net_id in neuron_ids(network, "net", layer)]
    shifted = {net: net - shift for net in nets}
    return {
        out_id: derivation.definitions[out_id].xreplace(shifted)
        for out_id in neuron_ids(network, "out", layer, neurons)
    }


def activation_output(derivation: Derivation, layer: int,
                      neurons: list[int] | None = None) -> dict[str, sympy.Expr]:
    """Each neuron's output (all, or the given neurons) as it is computed: stable forms of
    the derivation's φ(net)."""
    network = derivation.network
    if activations.get(network.activation(layer)).shift_invariant:
        return softmax_shift(derivation, layer, neurons)
    return {
        out_id: stabilize(derivation.definitions[out_id])
        for out_id in neuron_ids(network, "out", layer, neurons)
    }


def stable_loss(derivation: Derivation) -> sympy.Expr:
    """The loss E with log(out) and log(1 − out) of sigmoid/softmax outputs rewritten.

    The log of the activation's expression is expanded by SymPy (``expand_log``), which
    turns log(softmax) into log-softmax and log(sigmoid) into −log(1 + exp(−net)); the
    remaining log(1 + exp(u)) is then made stable by ``stable_softplus``.
    """
    network = derivation.network
    depth = network.depth
    activation = activations.get(network.activation(depth))
    loss = derivation.definitions["E"]
    if not activation.log_expands:
        return stabilize(loss)
    outputs = (
        softmax_shift(derivation, depth)
        if activation.shift_invariant
        else {k: derivation.definitions[k] for k in neuron_ids(network, "out", depth)}
    )
    logs = {}
    for out_id, value in outputs.items():
        out = symbol(out_id)
        logs[sympy.log(out)] = sympy.expand_log(sympy.log(value), force=True)
        if activation.log_complement_expands:
            logs[sympy.log(1 - out)] = sympy.expand_log(
                sympy.log(sympy.together(1 - value)), force=True
            )
    return stabilize(loss.xreplace(logs))


def output_delta(derivation: Derivation, j: int) -> tuple[sympy.Expr, str]:
    """δ of output neuron j as computed, and a comment saying where it comes from.

    Softmax with cross-entropy: the derivation's simplified form (out − d) under its
    condition. Elementwise outputs: ∂E/∂out · ∂out/∂net with the derivation's ∂E/∂out
    substituted, in the shortest of SymPy's forms (as is, factor, cancel).
    """
    network = derivation.network
    depth = network.depth
    delta_id = qid("delta", depth, j)
    signal = derivation.error_signals[delta_id]
    if signal.simplified is not None:
        return signal.simplified, f"softmax with {network.spec.loss}, {signal.condition}"
    value = derivation.definitions[delta_id]
    if not activations.get(network.activation(depth)).elementwise:
        return sympy.expand(value), "softmax: the sum over i of dE/dout_i * dout_i/dnet_j"
    grad_id = qid("dE/dout", depth, j)
    value = value.xreplace({symbol(grad_id): derivation.definitions[grad_id]})
    candidates = [value, sympy.factor(value), sympy.cancel(value)]
    best = min(candidates, key=sympy.count_ops)
    return best, "dE/dout * dout/dnet, simplified by SymPy"


def neuron_ids(network: Network, kind: str, layer: int,
               neurons: list[int] | None = None) -> list[str]:
    """The ids of one kind for every neuron of a layer (``out[3,1]``, ``out[3,2]``, ...),
    or for the given neurons."""
    if neurons is None:
        neurons = range(1, network.size(layer) + 1)
    return [qid(kind, layer, j) for j in neurons]

