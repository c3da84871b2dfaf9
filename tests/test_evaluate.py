"""Numbers: exact rationals where the value is rational, 50 digits otherwise.

The worked example (seed 001) is recomputed here independently with mpmath, by the
tutorial's formulas, and compared with symnn to 45 digits.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy

from symnn import examples, spec
from symnn.derive import derive
from symnn.evaluate import evaluate

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
