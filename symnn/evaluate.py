"""Every quantity of a derivation at the spec's values, exactly or to 50 digits.

Decimal inputs are exact rationals. A quantity whose value is rational (a weighted sum,
relu, identity, the update step of such a net) stays an exact ``sympy.Rational``; anything
through exp/log/tanh becomes a ``sympy.Float`` with ``DIGITS`` significant digits.

The definitions are evaluated as closures compiled by ``symnn.compiled`` (Fractions, and
mpmath at ``WORKING_DIGITS`` digits), which gives the values ``xreplace`` + ``evalf``
would, exact where they are exact, in seconds for a 784-20-20-10 net instead of a minute.
A value that is not a real number (the log of a negative output) is left to SymPy, as
``xreplace`` + ``evalf`` gives it (nan, zoo, a complex number).

One SGD step: ``w' = w − η ∂E/∂w`` (biases too unless ``update_biases = false``), and
``E'``, the loss of the same sample after the step (the forward pass after it,
``net[l,j]'`` and ``out[l,j]'``, is computed but not among the values returned).
``update_definitions`` writes the step as definitions, which the checker also evaluates
with claimed values pinned.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.core.add import _addsort

from symnn.algebra import product, total
from symnn.compiled import DIGITS, compute, to_number, to_sympy, working_precision
from symnn.derive import Derivation
from symnn.errors import SpecError
from symnn.naming import gradient_id, kind_of, symbol, updated_id


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
    values = leaf_values(derivation)
    definitions = derivation.definitions
    rate = derivation.spec.values.learning_rate
    if rate is not None:
        definitions = {**definitions, **update_definitions(derivation, sympy.Rational(rate))}
    with working_precision():
        _evaluate(definitions, values)
    return Numbers({k: v for k, v in values.items() if not _after_pass(k)})


def _after_pass(quantity_id: str) -> bool:
    """net and out after the step: claimable (``symnn.claimable``), not listed here."""
    return quantity_id.endswith("'") and quantity_id.startswith(("net", "out"))


def _evaluate(definitions: dict[str, sympy.Expr], values: dict[str, sympy.Expr]) -> None:
    """Evaluate definitions in order into ``values``; each may use earlier entries."""
    numbers = {k: to_number(v) for k, v in values.items()}
    for quantity_id, expr in definitions.items():
        try:
            number = compute(expr, numbers)
        except KeyError:  # a quantity it uses has no number: absent, or not a real number
            number = None
        if number is None:
            if any(s.name not in values for s in expr.free_symbols):
                continue  # needs a leaf that is absent, e.g. targets of the ``output`` loss
            value = _by_sympy(expr, values)
            if value.is_Rational or value.is_Float:
                numbers[quantity_id] = to_number(value)
        else:
            numbers[quantity_id] = number
            value = to_sympy(number)
        values[quantity_id] = value


def _by_sympy(expr: sympy.Expr, values: dict[str, sympy.Expr]) -> sympy.Expr:
    """SymPy's own value of ``expr`` (a nan, zoo or complex number the closures refuse)."""
    value = expr.xreplace({s: values[s.name] for s in expr.free_symbols})
    return value if value.is_Rational else value.evalf(DIGITS)


def update_definitions(derivation: Derivation, rate: sympy.Rational) -> dict[str, sympy.Expr]:
    """``p' = p − η·∂E/∂p`` for every parameter, the forward pass after it, and ``E'``.

    The forward pass after the step (``net[2,1]'``, ``out[2,1]'``) has the net's
    definitions with every parameter and net/out renamed to its value after the step.
    """
    network = derivation.network
    update_biases = derivation.spec.values.update_biases
    updates: dict[str, sympy.Expr] = {}
    after: dict[sympy.Symbol, sympy.Symbol] = {}
    for param in network.parameter_ids():
        frozen = kind_of(param) == "b" and not update_biases
        updates[updated_id(param)] = symbol(param) if frozen else _step(param, rate)
        after[symbol(param)] = symbol(updated_id(param))
    forward = list(network.forward)
    for key in forward:
        after[symbol(key)] = symbol(updated_id(key))
    for key in forward:
        updates[updated_id(key)] = _rename(derivation.definitions[key], after)
    updates["E'"] = _rename(derivation.definitions["E"], after)
    return updates


def _step(param: str, rate: sympy.Rational) -> sympy.Expr:
    """``p − η·∂E/∂p`` built directly in SymPy's canonical form (nets have 10⁴ of them)."""
    args = [symbol(param), sympy.Mul._from_args((-rate, symbol(gradient_id(param))))]
    _addsort(args)
    return sympy.Add._from_args(args)


def _rename(expr: sympy.Expr, names: dict) -> sympy.Expr:
    """``expr.xreplace(names)`` for symbol-to-symbol renaming, with the fast builders of
    ``symnn.algebra`` for the sums of products a forward pass is made of."""
    if expr.is_Symbol:
        return names.get(expr, expr)
    if not expr.args:
        return expr
    args = [_rename(a, names) for a in expr.args]
    if expr.is_Mul and len(args) == 2:
        return product(*args)
    if expr.is_Add:
        return total(args)
    return expr.func(*args)
