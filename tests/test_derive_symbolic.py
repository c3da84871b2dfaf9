"""The chain-rule derivation equals sympy.diff of the fully expanded loss, exactly.

For every parameter and input of small nets, every activation, every loss, every bias
mode: ``expand(dE/dθ) - diff(expand(E), θ)`` is identically zero (tests/oracles.py).
2-2-2 runs the full product; 3-4-2 runs every activation × loss with the bias mode
rotating, so each (activation, loss) and each bias mode is covered on the larger net.
"""

from __future__ import annotations

import itertools
import random

import pytest
import sympy

from symnn import spec
from symnn.activations import ACTIVATIONS
from symnn.derive import derive
from symnn.losses import LOSSES
from symnn.naming import gradient_id, symbol
from tests.oracles import is_identically_zero, random_value, vanishes_at_random_points

BIAS_MODES = ("per-neuron", "per-layer", "none")


def small_spec(layers, activation, loss, bias):
    """A spec with ``activation`` on the output layer and tanh before it for softmax."""
    if loss == "output":
        layers = [*layers[:-1], 1]
    hidden = "tanh" if activation == "softmax" else activation
    acts = [hidden] * (len(layers) - 2) + [activation]
    return spec.from_dict(
        {"network": {"layers": layers, "activation": acts, "loss": loss, "bias": bias}}
    )


def mismatches(network_spec) -> list[str]:
    """Parameters and inputs whose chain-rule gradient differs from sympy.diff."""
    derivation = derive(network_spec)
    network = derivation.network
    loss = derivation.expand("E")
    bad = []
    for quantity in network.parameter_ids() + network.input_ids():
        chain = derivation.expand(gradient_id(quantity))
        if not is_identically_zero(chain - sympy.diff(loss, symbol(quantity))):
            bad.append(quantity)
    return bad


def accepted(activation: str, loss: str) -> bool:
    """The spec accepts the pair (a log loss needs outputs it can take the log of)."""
    return ACTIVATIONS[activation].values.is_subset(LOSSES[loss].outputs)


PAIRS = [pair for pair in itertools.product(ACTIVATIONS, LOSSES) if accepted(*pair)]
CASES_222 = [(act, loss, bias) for (act, loss), bias in itertools.product(PAIRS, BIAS_MODES)]
CASES_342 = [(act, loss, BIAS_MODES[i % 3]) for i, (act, loss) in enumerate(PAIRS)]


@pytest.mark.parametrize(("activation", "loss", "bias"), CASES_222)
def test_chain_rule_equals_diff_on_2_2_2(activation, loss, bias):
    assert mismatches(small_spec([2, 2, 2], activation, loss, bias)) == []


@pytest.mark.parametrize(("activation", "loss", "bias"), CASES_342)
def test_chain_rule_equals_diff_on_3_4_2(activation, loss, bias):
    assert mismatches(small_spec([3, 4, 2], activation, loss, bias)) == []


def test_the_oracle_rejects_a_wrong_gradient():
    """A gradient missing the activation's slope must be caught (the oracle can fail)."""
    derivation = derive(small_spec([2, 2, 2], "sigmoid", "mse", "per-neuron"))
    wrong = derivation.expand("dE/dout[3,1]") * derivation.expand("out[2,1]")
    right = sympy.diff(derivation.expand("E"), symbol("w[3,1,1]"))
    assert not is_identically_zero(wrong - right)
    assert is_identically_zero(derivation.expand("dE/dw[3,1,1]") - right)


def test_the_oracle_proves_softplus_and_softmax_identities():
    x, y = sympy.symbols("x y", real=True)
    softplus = sympy.log(1 + sympy.exp(x))
    assert is_identically_zero((1 - sympy.exp(-softplus)) - sympy.diff(softplus, x))
    s = sympy.exp(x) / (sympy.exp(x) + sympy.exp(y))
    assert is_identically_zero(s * (1 - s) - sympy.diff(s, x))
    assert not is_identically_zero(s * s - sympy.diff(s, x))


@pytest.mark.parametrize("activation", ["relu", "leaky-relu"])
def test_the_oracle_sees_both_branches_of_relu(activation):
    """Leaves drawn with either sign: a net whose relus all took their positive branch
    (slope 1 where relu's is 0, or leaky-relu's 1/100) is caught at the random points,
    not only by simplify."""
    derivation = derive(small_spec([2, 2, 2], activation, "mse", "per-neuron"))
    right = sympy.diff(derivation.expand("E"), symbol("w[2,1,1]"))
    linear = right.replace(lambda e: isinstance(e, sympy.Piecewise), lambda e: e.args[0].expr)
    assert vanishes_at_random_points(derivation.expand("dE/dw[2,1,1]") - right)
    assert not vanishes_at_random_points(linear - right)


def test_the_oracle_draws_make_some_relu_units_inactive():
    derivation = derive(small_spec([2, 2, 2], "relu", "mse", "per-neuron"))
    nets = [derivation.expand(f"net[{layer},{j}]") for layer in (2, 3) for j in (1, 2)]
    leaves = sorted(set().union(*(net.free_symbols for net in nets)), key=str)
    rng = random.Random(0)
    signs = set()
    for _ in range(2):
        point = {leaf: random_value(rng, leaf) for leaf in leaves}
        signs |= {sympy.sign(net.subs(point)) for net in nets}
    assert signs == {-1, 1}
