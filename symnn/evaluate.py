"""Every quantity of a derivation at the spec's values, exactly or to 50 digits.

Decimal inputs are exact rationals. A quantity whose value is rational (a weighted sum,
relu, identity, the update step of such a net) stays an exact ``sympy.Rational``; anything
through exp/log/tanh becomes a ``sympy.Float`` with ``DIGITS`` significant digits.

One SGD step: ``w' = w − η ∂E/∂w`` (biases too unless ``update_biases = false``), and
``E'`` is the loss of the same sample after the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symnn.compiled import DIGITS
from symnn.derive import Derivation
from symnn.errors import SpecError
from symnn.naming import gradient_id, symbol, updated_id


@dataclass
class Numbers:
    """The value of every quantity, keyed by canonical id, in derivation order."""

    values: dict[str, sympy.Expr]

    def __getitem__(self, quantity_id: str) -> sympy.Expr:
        return self.values[quantity_id]

    def __contains__(self, quantity_id: str) -> bool:
        return quantity_id in self.values

    def is_exact(self, quantity_id: str) -> bool:
        """True when the value is an exact rational."""
        return self.values[quantity_id].is_Rational

    def as_float(self, quantity_id: str) -> float:
        """The value rounded to a Python float."""
        return float(self.values[quantity_id])


def leaf_values(derivation: Derivation) -> dict[str, sympy.Expr]:
    """Inputs, targets, weights and biases of the spec's ``[values]`` as exact rationals."""
    values = derivation.spec.values
    if values is None:
        raise SpecError("values: the spec has no [values] table, so there is nothing to evaluate")
    network = derivation.network
    leaves: dict[str, sympy.Expr] = {}
    leaves.update(zip(network.input_ids(), map(sympy.Rational, values.inputs), strict=True))
    if values.targets is not None:
        leaves.update(zip(network.target_ids(), map(sympy.Rational, values.targets), strict=True))
    for m, matrix in enumerate(values.weights):
        layer = m + 2
        for ids, row in zip(network.weight_ids(layer), matrix, strict=True):
            leaves.update(zip(ids, map(sympy.Rational, row), strict=True))
        if network.spec.bias == "per-neuron":
            leaves.update(
                zip(network.bias_ids(layer), map(sympy.Rational, values.biases[m]), strict=True)
            )
        elif network.spec.bias == "per-layer":
            leaves[network.bias_ids(layer)[0]] = sympy.Rational(values.biases[m])
    return leaves


def evaluate(derivation: Derivation) -> Numbers:
    """Evaluate every quantity, the update step and the loss after it."""
    leaves = leaf_values(derivation)
    numbers = _evaluate(derivation.definitions, dict(leaves))
    rate = derivation.spec.values.learning_rate
    if rate is not None:
        numbers.update(_update_step(derivation, numbers, sympy.Rational(rate)))
    return Numbers(numbers)


def _evaluate(definitions: dict[str, sympy.Expr], env: dict[str, sympy.Expr]) -> dict:
    """Evaluate definitions in order; each may use the leaves and earlier quantities."""
    by_symbol = {symbol(k): v for k, v in env.items()}
    for quantity_id, expr in definitions.items():
        if any(s not in by_symbol for s in expr.free_symbols):
            continue  # needs a leaf that is absent, e.g. targets of the ``output`` loss
        value = expr.xreplace(by_symbol)
        if not value.is_Rational:
            value = value.evalf(DIGITS)
        env[quantity_id] = value
        by_symbol[symbol(quantity_id)] = value
    return env


def _update_step(derivation: Derivation, numbers: dict, rate: sympy.Rational) -> dict:
    """Updated parameters ``p'`` and the loss ``E'`` after one SGD step."""
    network = derivation.network
    update_biases = derivation.spec.values.update_biases
    updated: dict[str, sympy.Expr] = {}
    after = {k: v for k, v in numbers.items() if k in network.input_ids() + network.target_ids()}
    for param in network.parameter_ids():
        is_bias = param.startswith("b")
        step = 0 if (is_bias and not update_biases) else rate * numbers[gradient_id(param)]
        updated[updated_id(param)] = numbers[param] - step
        after[param] = updated[updated_id(param)]
    forward = {k: v for k, v in derivation.definitions.items() if k.startswith(("net", "out"))}
    forward["E"] = derivation.definitions["E"]
    after = _evaluate(forward, after)
    if "E" in after:
        updated["E'"] = after["E"]
    return updated
