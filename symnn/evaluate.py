"""Every quantity of a derivation at the spec's values, exactly or to 50 digits.

Decimal inputs are exact rationals. A quantity whose value is rational (a weighted sum,
relu, identity, the update step of such a net) stays an exact ``sympy.Rational``; anything
through exp/log/tanh becomes a ``sympy.Float`` with ``DIGITS`` significant digits.

The definitions are evaluated as closures compiled by ``symnn.compiled`` (Fractions, and
mpmath at ``WORKING_DIGITS`` digits), which gives the values ``xreplace`` + ``evalf``
would, exact where they are exact, in seconds for a 784-20-20-10 net instead of a minute.
A value that is not a real number (the log of a negative output) is left to SymPy, as
``xreplace`` + ``evalf`` gives it (nan, zoo, a complex number).

Training (when ``[values]`` has a learning rate): ``steps`` steps of the spec's optimizer
(``symnn.optimizers``) on the batch of ``[values]``. ``worked_definitions`` writes the
whole worked example as definitions over ids with samples and steps (``symnn.naming``):
each sample's forward and backward pass at the parameters after t steps
(``out[3,1]#2@1``), the batch means (``E@1``, ``dE/dw[2,1,1]@1``), each step's optimizer
state and parameters (``m_w[2,1,1]@2``, ``w[2,1,1]@2``), and last the forward pass and
loss after the final step (``E@3``). A single sample keeps today's ids, and one SGD step
gives ``w' = w − η ∂E/∂w`` (biases too unless ``update_biases = false``) and ``E'``, the
loss of the same sample after the step. The forward pass after the final step
(``net[l,j]'``, ``out[l,j]'``, ``out[3,1]#2@3``) is computed but not among the values
returned (it is claimable: ``symnn.claimable``). The checker evaluates the same
definitions with claimed values pinned.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.core.add import _addsort

from symnn import optimizers
from symnn.algebra import product, total
from symnn.compiled import DIGITS, compute, to_number, to_sympy, working_precision
from symnn.derive import Derivation
from symnn.errors import SpecError
from symnn.naming import at, gradient_id, kind_of, parse_id, state_id, symbol


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


def samples(derivation: Derivation) -> list[int | None]:
    """The sample numbers of the batch, or ``[None]`` for a single sample (no ``#s``)."""
    values = derivation.spec.values
    return list(range(1, values.batch_size + 1)) if values.is_batch else [None]


def leaf_values(derivation: Derivation) -> dict[str, sympy.Expr]:
    """Inputs, targets, weights and biases of the spec's ``[values]`` as exact rationals."""
    values = derivation.spec.values
    if values is None:
        raise SpecError("values: the spec has no [values] table, so there is nothing to evaluate")
    network = derivation.network
    leaves: dict[str, sympy.Expr] = {}
    for s, sample in zip(samples(derivation), values.batch_inputs, strict=True):
        ids = [at(k, s) for k in network.input_ids()]
        leaves.update(zip(ids, map(sympy.Rational, sample), strict=True))
    if values.batch_targets is not None:
        for s, sample in zip(samples(derivation), values.batch_targets, strict=True):
            ids = [at(k, s) for k in network.target_ids()]
            leaves.update(zip(ids, map(sympy.Rational, sample), strict=True))
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
    """Evaluate every quantity of the worked example: every sample, step and state."""
    values = leaf_values(derivation)
    definitions = worked_definitions(derivation)
    with working_precision():
        _evaluate(definitions, values)
    final = _final_step(derivation)
    return Numbers({k: v for k, v in values.items() if not _after_pass(k, final)})


def _final_step(derivation: Derivation) -> int:
    """The number of steps the worked example takes (0 without a learning rate)."""
    values = derivation.spec.values
    return values.steps if values.learning_rate is not None else 0


def _after_pass(quantity_id: str, final: int) -> bool:
    """net and out after the final step: claimable (``symnn.claimable``), not listed here."""
    if not final or kind_of(quantity_id) not in ("net", "out"):
        return False
    return parse_id(quantity_id).step == final


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


SLIPS = ("no-bias-correction", "old-gradient")  # optimizer slips worked_definitions makes


def is_training(derivation: Derivation) -> bool:
    """True when the worked example is more than one plain SGD step on one sample."""
    values = derivation.spec.values
    if values is None or values.learning_rate is None:
        return False
    decay = dict(values.hyper).get(optimizers.WEIGHT_DECAY)
    return values.is_batch or values.steps > 1 or values.optimizer != "sgd" or bool(decay)


def worked_definitions(
    derivation: Derivation,
    definitions: dict[str, sympy.Expr] | None = None,
    rate: sympy.Rational | None = None,
    *,
    batch_weights: tuple | None = None,
    slip: str | None = None,
) -> dict[str, sympy.Expr]:
    """Every definition of the worked example, in evaluation order (see the module).

    ``definitions`` replaces the derivation's per-sample definitions (the checker's slips
    change some), ``rate`` the learning rate. Two more ways to work it wrongly, for the
    checker: ``batch_weights``, each sample's weight in the batch loss and gradients
    instead of 1/n (all 1: summed; one 1: that sample alone); ``slip``, one of ``SLIPS``:
    the optimizer's rule without bias correction, or its momentum state decaying the
    previous step's gradient instead of itself.
    """
    definitions = derivation.definitions if definitions is None else definitions
    values = derivation.spec.values
    if rate is None and values.learning_rate is not None:
        rate = sympy.Rational(values.learning_rate)
    steps = values.steps if rate is not None else 0
    result: dict[str, sympy.Expr] = {}
    for t in range(steps + 1):
        final = steps > 0 and t == steps
        result.update(_passes(derivation, definitions, t, final, batch_weights))
        if not final and steps:
            result.update(step_definitions(derivation, t + 1, rate, slip))
    return result


def update_definitions(derivation: Derivation, rate: sympy.Rational) -> dict[str, sympy.Expr]:
    """The definitions of the worked example beyond the derivation's own: for one SGD step
    ``p' = p − η·∂E/∂p`` for every parameter, the forward pass after it (``net[2,1]'``,
    ``out[2,1]'``: the net's definitions with every parameter and net/out renamed to its
    value after the step) and ``E'``."""
    worked = worked_definitions(derivation, rate=rate)
    return {k: v for k, v in worked.items() if k not in derivation.definitions}


def _passes(derivation: Derivation, definitions: dict, t: int, final: bool,
            weights: tuple | None = None) -> dict:
    """Each sample's pass at the parameters after t steps, then the batch means.

    The final pass (after the last step) is the forward pass and E only.
    """
    network = derivation.network
    batch = derivation.spec.values.is_batch
    if not batch and t == 0:
        return definitions
    params = network.parameter_ids()
    leaves = {*network.input_ids(), *network.target_ids()}
    keys = [*network.forward, "E"] if final else list(definitions)
    result: dict[str, sympy.Expr] = {}
    for s in samples(derivation):
        names = {symbol(p): symbol(at(p, step=t)) for p in params}
        names.update({symbol(k): symbol(at(k, s)) for k in leaves})
        for k in definitions:
            names[symbol(k)] = symbol(at(k, s, t))
        for k in keys:
            result[names[symbol(k)].name] = _rename(definitions[k], names)
    if batch:
        means = ["E"] if final else ["E", *map(gradient_id, params)]
        count = len(samples(derivation))
        for k in means:
            terms = [symbol(at(k, s, t)) for s in samples(derivation)]
            if weights is None:
                result[at(k, step=t)] = sympy.Rational(1, count) * total(terms)
            else:
                result[at(k, step=t)] = sympy.Add(*[w * x for w, x in zip(weights, terms,
                                                                         strict=True)])
    return result


def step_definitions(derivation: Derivation, step: int, rate: sympy.Rational,
                     slip: str | None = None, *, general: bool = False) -> dict:
    """Step number ``step``: each parameter's optimizer state and value after it.

    ``general``: the rule in the symbols of the hyper-parameters (``optimizers.HYPER``,
    ``optimizers.DECAY``) instead of their numbers, as the documents write it first."""
    values = derivation.spec.values
    optimizer = optimizers.get(values.optimizer)
    hyper = {**values.hyper_parameters, "learning_rate": rate}
    at_step = sympy.oo if slip == "no-bias-correction" else step
    if general:
        rule = optimizers.general_rule(values.optimizer, at_step)
    else:
        rule = optimizers.step_rule(values.optimizer, at_step, hyper)
    decay = sympy.Rational(hyper.get(optimizers.WEIGHT_DECAY, 0))
    if general and decay:
        decay = optimizers.DECAY
    t = step - 1
    result: dict[str, sympy.Expr] = {}
    for param in derivation.network.parameter_ids():
        before = symbol(at(param, step=t))
        if kind_of(param) == "b" and not values.update_biases:
            result[at(param, step=step)] = before
            continue
        if values.optimizer == "sgd" and not decay and not general:
            result[at(param, step=step)] = _step(before, _gradient(param, t, decay), rate)
            continue
        names = {optimizers.P: before, optimizers.G: _gradient(param, t, decay)}
        for kind in optimizer.state:
            old = sympy.S.Zero if t == 0 else symbol(state_id(kind, param, t))
            if slip == "old-gradient" and kind == optimizer.moment:
                old = sympy.S.Zero if t == 0 else _gradient(param, t - 1, decay)
            names[optimizers.OLD[kind]] = old
            names[optimizers.NEW[kind]] = symbol(state_id(kind, param, step))
        for kind, expr in rule.items():
            key = at(param, step=step) if kind == "p" else state_id(kind, param, step)
            result[key] = _substitute(expr, names)
    return result


def _gradient(param: str, t: int, decay: sympy.Expr) -> sympy.Expr:
    """g of a step from the parameters after t steps: ∂E/∂p (+ weight decay · p)."""
    gradient = symbol(at(gradient_id(param), step=t))
    return gradient + decay * symbol(at(param, step=t)) if decay else gradient


def _step(param: sympy.Symbol, gradient: sympy.Symbol, rate: sympy.Rational) -> sympy.Expr:
    """``p − η·g`` built directly in SymPy's canonical form (nets have 10⁴ of them)."""
    args = [param, sympy.Mul._from_args((-rate, gradient))]
    _addsort(args)
    return sympy.Add._from_args(args)


def _substitute(expr: sympy.Expr, names: dict) -> sympy.Expr:
    """A rule's expression at one parameter: the fast renaming for SGD's ``p − η·g``."""
    if all(v.is_Symbol for v in names.values()):
        return _rename(expr, names)
    return expr.xreplace(names)


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
