"""Numbers: exact rationals where the value is rational, 50 digits otherwise.

The worked example (seed 001) is recomputed here independently with mpmath, by the
tutorial's formulas, and compared with symnn to 45 digits.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import mpmath
import pytest
import sympy

from symnn import examples, spec
from symnn.derive import derive
from symnn.evaluate import evaluate, leaf_values
from symnn.naming import gradient_id, updated_id

mpmath.mp.dps = 60


def worked_example_by_hand() -> dict[str, mpmath.mpf]:
    """The seed-001 example with mpmath: forward, MSE, backward, one step with η = 0.5."""
    x = [mpmath.mpf("0.5"), mpmath.mpf("0.25")]
    d = [0, 1]
    w2 = [[mpmath.mpf("0.25"), mpmath.mpf("0.1")], [mpmath.mpf("0.35"), mpmath.mpf("-0.3")]]
    w3 = [[mpmath.mpf("0.9"), mpmath.mpf("0.5")], [mpmath.mpf("-0.7"), mpmath.mpf("0.3")]]

    def sigmoid(z):
        return 1 / (1 + mpmath.exp(-z))

    def forward(w2, w3, b2, b3):
        h = [sigmoid(sum(w2[j][k] * x[k] for k in range(2)) + b2[j]) for j in range(2)]
        y = [sigmoid(sum(w3[j][k] * h[k] for k in range(2)) + b3[j]) for j in range(2)]
        return h, y, sum((d[j] - y[j]) ** 2 for j in range(2)) / 2

    h, y, loss = forward(w2, w3, [0, 0], [0, 0])
    delta3 = [(y[j] - d[j]) * y[j] * (1 - y[j]) for j in range(2)]
    delta2 = [sum(delta3[i] * w3[i][j] for i in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
    g3 = [[delta3[j] * h[k] for k in range(2)] for j in range(2)]
    g2 = [[delta2[j] * x[k] for k in range(2)] for j in range(2)]
    eta = mpmath.mpf("0.5")
    new_w2 = [[w2[j][k] - eta * g2[j][k] for k in range(2)] for j in range(2)]
    new_w3 = [[w3[j][k] - eta * g3[j][k] for k in range(2)] for j in range(2)]
    new_b2 = [-eta * delta2[j] for j in range(2)]
    new_b3 = [-eta * delta3[j] for j in range(2)]
    return {
        "out[2,1]": h[0], "out[2,2]": h[1], "out[3,1]": y[0], "out[3,2]": y[1], "E": loss,
        "delta[3,1]": delta3[0], "delta[3,2]": delta3[1],
        "delta[2,1]": delta2[0], "delta[2,2]": delta2[1],
        "dE/dw[3,1,1]": g3[0][0], "dE/dw[3,2,2]": g3[1][1], "dE/dw[2,1,2]": g2[0][1],
        "dE/db[2,2]": delta2[1], "w[3,1,1]'": new_w3[0][0], "w[2,2,1]'": new_w2[1][0],
        "b[3,2]'": new_b3[1], "E'": forward(new_w2, new_w3, new_b2, new_b3)[2],
    }


@pytest.fixture(scope="module")
def worked_numbers():
    network_spec = spec.load(examples.path(examples.WORKED_EXAMPLE))
    return evaluate(derive(network_spec))


@pytest.mark.parametrize("quantity", list(worked_example_by_hand()))
def test_worked_example_to_45_digits(worked_numbers, quantity):
    expected = worked_example_by_hand()[quantity]
    ours = mpmath.mpf(str(worked_numbers[quantity].evalf(55)))
    assert abs(ours - expected) < mpmath.mpf(10) ** -45, (quantity, ours, expected)


def test_worked_example_rational_quantities_are_exact(worked_numbers):
    assert worked_numbers["net[2,1]"] == sympy.Rational(3, 20)
    assert worked_numbers["net[2,2]"] == sympy.Rational(1, 10)
    assert worked_numbers["w[3,1,1]"] == sympy.Rational(9, 10)
    assert worked_numbers.is_exact("net[2,1]")
    assert not worked_numbers.is_exact("out[2,1]")
    assert str(worked_numbers["E"])[:12] == "0.3837888449"
    assert str(worked_numbers["E'"])[:12] == "0.3502231657"


def test_identity_net_is_exact_throughout():
    """Linear nets stay rational: every value equals a Fraction computation exactly."""
    network_spec = spec.from_dict({
        "network": {"layers": [2, 1], "activation": "identity", "loss": "half-sse",
                    "bias": "per-layer"},
        "values": {"inputs": [0.5, -2], "targets": [1], "weights": [[[0.1, 0.3]]],
                   "biases": [0.2], "learning_rate": 0.1},
    })
    numbers = evaluate(derive(network_spec))
    y = Fraction(1, 20) + Fraction(-6, 10) + Fraction(1, 5)  # -0.35
    delta = y - 1
    assert numbers["out[2,1]"] == sympy.Rational(y)
    assert numbers["E"] == sympy.Rational(delta * delta / 2)
    assert numbers["dE/dw[2,1,2]"] == sympy.Rational(delta * -2)
    assert numbers["dE/db[2]"] == sympy.Rational(delta)
    assert numbers["b[2]'"] == sympy.Rational(Fraction(1, 5) - Fraction(1, 10) * delta)
    assert all(numbers.is_exact(k) for k in numbers.values)


def test_biases_stay_fixed_when_not_updated():
    network_spec = spec.load(examples.path(examples.WORKED_EXAMPLE))
    text = examples.path(examples.WORKED_EXAMPLE).read_text().replace(
        "update_biases = true", "update_biases = false"
    )
    numbers = evaluate(derive(spec.loads(text)))
    assert numbers["b[3,1]'"] == 0
    assert numbers["w[3,1,1]'"] == evaluate(derive(network_spec))["w[3,1,1]'"]


def test_no_learning_rate_means_no_update_step():
    text = examples.path(examples.WORKED_EXAMPLE).read_text().replace(
        "learning_rate = 0.5\n", ""
    )
    numbers = evaluate(derive(spec.loads(text)))
    assert "E" in numbers
    assert "E'" not in numbers
    assert "w[3,1,1]'" not in numbers


# ------------------------------------ compiled evaluation = SymPy's xreplace + evalf(50)

def by_xreplace(derivation) -> dict[str, sympy.Expr]:
    """The reference: each definition by ``xreplace`` + ``evalf(50)`` in order, then the
    update step and the forward pass again (how ``symnn.evaluate`` worked before)."""

    def run(definitions, values):
        for key, expr in definitions.items():
            if all(s.name in values for s in expr.free_symbols):
                value = expr.xreplace({s: values[s.name] for s in expr.free_symbols})
                values[key] = value if value.is_Rational else value.evalf(50)
        return values

    values = run(derivation.definitions, dict(leaf_values(derivation)))
    network, given = derivation.network, derivation.spec.values
    if given.learning_rate is None:
        return values
    after = {k: values[k] for k in network.input_ids() + network.target_ids() if k in values}
    for param in network.parameter_ids():
        frozen = param.startswith("b") and not given.update_biases
        step = 0 if frozen else sympy.Rational(given.learning_rate) * values[gradient_id(param)]
        values[updated_id(param)] = after[param] = values[param] - step
    forward = {k: e for k, e in derivation.definitions.items() if k.startswith(("net", "out"))}
    after = run({**forward, "E": derivation.definitions["E"]}, after)
    if "E" in after:
        values["E'"] = after["E"]
    return values


def small_net(layers, activation, loss, weights, inputs, targets=None, biases=None,
              rate=Fraction(1, 10)):
    """A spec from explicit values (biases zero unless given)."""
    values = {"inputs": inputs, "weights": weights, "learning_rate": rate,
              "biases": biases or [[0] * n for n in layers[1:]]}
    if targets is not None:
        values["targets"] = targets
    return spec.from_dict({
        "network": {"layers": layers, "activation": activation, "loss": loss},
        "values": values,
    })


MIXED = {
    # relu neuron 2 is dead (net < 0): its δ, gradients and update are exact under a
    # sigmoid output (SymPy's Float·0 is an exact 0)
    "relu-dead": small_net([2, 2, 1], ["relu", "sigmoid"], "mse",
                           [[[0.5, 0.25], [-1, 0.5]], [[0.75, -0.5]]], [1, 0.5], [1]),
    # nets of 0: σ(0) = 1/2 and tanh(0) = 0 exactly
    "sigmoid-at-zero": small_net([2, 2, 1], "sigmoid", "mse",
                                 [[[0, 0], [0, 0]], [[0, 0]]], [1, 2], [1]),
    # σ(200) rounds to 1: 1 − σ(200) is SymPy's exact 0, and so are E, δ and gradients
    "sigmoid-saturated": small_net([1, 1], "sigmoid", "mse", [[[200]]], [1], [1]),
    "tanh-at-zero": small_net([2, 1, 1], ["tanh", "sigmoid"], "half-sse",
                              [[[1, -2]], [[0.5]]], [1, 0.5], [0]),
    "leaky-softplus-ce": small_net([2, 2, 1], ["leaky-relu", "softplus"],
                                   "cross-entropy",
                                    [[[0.5, -1], [0.25, 0.5]], [[0.3, -0.2]]], [0.5, 0.75],
                                    [1], biases=[[0.1, -0.1], [0.05]]),
    # d·log(y) with d = 0 is an exact 0
    "softmax-ce": small_net([2, 2, 3], ["sigmoid", "softmax"], "cross-entropy",
                            [[[0.5, -1], [0.25, 0.5]], [[0.3, -0.2], [0.1, 0.4], [-0.6, 0.2]]],
                            [0.5, 0.75], [0, 1, 0]),
    "output-loss": small_net([2, 2, 1], "tanh", "output",
                             [[[0.5, -1], [0.25, 0.5]], [[0.3, -0.2]]], [0.5, 0.75]),
    # the log of a negative output: SymPy's complex value, left to SymPy
    # (the spec refuses identity outputs with a log loss; slip models can still meet one)
    "identity-ce-complex": replace(
        small_net([1, 1], "identity", "mse", [[[-0.5]]], [1], [1]), loss="cross-entropy"
    ),
}


@pytest.mark.parametrize("name", MIXED)
def test_values_and_exactness_equal_xreplace_evalf(name):
    derivation = derive(MIXED[name])
    ours, reference = evaluate(derivation).values, by_xreplace(derivation)
    assert list(ours) == list(reference)
    for key, value in reference.items():
        assert ours[key].is_Rational == value.is_Rational, (name, key, ours[key], value)
        assert abs(ours[key] - value) < sympy.Rational(1, 10**45), (name, key)


def test_exact_zeros_and_halves_stay_exact():
    dead = evaluate(derive(MIXED["relu-dead"]))
    assert dead["net[2,2]"] == sympy.Rational(-3, 4)
    for key in ("out[2,2]", "delta[2,2]", "dE/dw[2,2,1]", "dE/dw[3,1,2]", "dE/db[2,2]"):
        assert dead[key] == 0 and dead.is_exact(key), key
    assert dead["w[2,2,1]'"] == -1 and dead["b[2,2]'"] == 0
    assert not dead.is_exact("delta[2,1]")
    halves = evaluate(derive(MIXED["sigmoid-at-zero"]))
    assert halves["out[3,1]"] == sympy.Rational(1, 2)
    assert halves["E"] == sympy.Rational(1, 4)
    assert [k for k in halves.values if not halves.is_exact(k)] == ["E'"]  # σ(nonzero)
    assert evaluate(derive(MIXED["tanh-at-zero"]))["out[2,1]"] == 0
    saturated = evaluate(derive(MIXED["sigmoid-saturated"]))
    assert not saturated.is_exact("out[2,1]")
    for key in ("E", "dE/dout[2,1]", "delta[2,1]", "dE/dw[2,1,1]", "E'"):
        assert saturated[key] == 0 and saturated.is_exact(key), key


def test_a_value_that_is_not_real_is_sympys():
    numbers = evaluate(derive(MIXED["identity-ce-complex"]))
    assert numbers["out[2,1]"] == sympy.Rational(-1, 2)
    real, imaginary = numbers["E"].as_real_imag()  # -log(-1/2) = log 2 − iπ
    assert abs(real - sympy.log(2).evalf(60)) < sympy.Rational(1, 10**45)
    assert abs(imaginary + sympy.pi.evalf(60)) < sympy.Rational(1, 10**45)
    assert numbers["w[2,1,1]'"] == sympy.Rational(-7, 10)  # the gradient is rational


def test_floats_have_50_significant_digits(worked_numbers):
    value = worked_numbers["out[2,1]"]
    assert isinstance(value, sympy.Float)
    assert value._prec == sympy.Float(1, 50)._prec
