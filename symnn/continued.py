"""Training continued past the worked example: values after many steps, by iteration.

The worked example (``symnn.evaluate``) writes every step it takes as definitions, so
claimed values carry from step to step; that is right for the few steps worked by hand
and wrong for the "after 10,000 rounds" a tutorial quotes at its end. An id ``@t`` with
t beyond the spec's ``steps`` (up to ``MAX_STEPS``) is the value after continuing the same
optimizer on the same batch, computed here by iterating numbers, never expressions: from
the parameters and optimizer state after the worked steps, each step evaluates the
derivation's definitions (compiled once by ``symnn.compiled``, float64) per sample, the
batch means, and the optimizer's rule (``symnn.optimizers``; t is a number in its bias
correction). A pass after t steps (net, out, E, E[j], ∂out/∂net, …) is then the
claimable definitions (``symnn.claimable``) at those parameters. Values have float64's
precision (about 15 digits; iterated, a few fewer), enough to judge the digits a
tutorial prints. Nothing is carried into them: a claim of one is judged by its value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction
from weakref import WeakKeyDictionary

import sympy

from symnn import optimizers
from symnn.compiled import FLOAT, compile_expr
from symnn.derive import Derivation
from symnn.naming import at, gradient_id, kind_of, parse_id, state_id

MAX_STEPS = 100_000  # steps an id may be after (the worked example takes at most 100)
MAX_WORK = 1_000_000  # steps × parameters × samples iterated (a few seconds of CPU)
FLOAT_DIGITS = 15  # significant digits of a float64 value
STEP = sympy.Symbol("t", positive=True)  # the step number in a compiled rule
# derivation -> {step: parameters and state after it, "values": id -> value}
_CACHE: WeakKeyDictionary = WeakKeyDictionary()


def max_steps(network_spec) -> int:
    """The most steps an id may be after: ``MAX_STEPS``, fewer for a large net or batch
    (``MAX_WORK``), never fewer than the worked example's own."""
    values = network_spec.values
    work = network_spec.parameter_count * values.batch_size
    return max(values.steps, min(MAX_STEPS, MAX_WORK // max(work, 1)))


def is_continued(derivation: Derivation, quantity_id: str) -> bool:
    """True for an id after more steps than the worked example takes."""
    values = derivation.spec.values
    if values is None or values.learning_rate is None:
        return False
    try:
        parsed = parse_id(quantity_id)
    except ValueError:  # a claim's expression, such as E - E'
        return False
    return parsed.step + (parsed.kind in ("Dw", "Db")) > values.steps


def values(derivation: Derivation, ids: Iterable[str], numbers: dict | None = None) -> dict:
    """The values (SymPy numbers) of continued ids, from ``numbers`` (``evaluate``'s, which
    are computed when not given)."""
    known = _CACHE.setdefault(derivation, {}).setdefault("values", {})
    wanted = [i for i in dict.fromkeys(ids) if i not in known]
    if not wanted:
        return {i: known[i] for i in ids}
    parsed = {i: parse_id(i) for i in wanted}
    steps = set()
    for p in parsed.values():
        steps.add(p.step)
        if p.kind in ("Dw", "Db"):
            steps.add(p.step + 1)
    states = _states(derivation, numbers, steps)
    result = {}
    for key, p in parsed.items():
        if p.kind in ("Dw", "Db"):
            param = p.base[1:]
            after, before = states[p.step + 1][param], states[p.step][param]
            result[key] = _number(after - before)
            continue
        state = states[p.step]
        base = str(replace(p, step=0))
        if base in state:  # a parameter or an optimizer state
            result[key] = _number(state[base])
        elif p.sample is None and derivation.spec.values.is_batch:  # E, ∂E/∂w: the mean
            count = derivation.spec.values.batch_size
            total = sum(_pass(derivation, state, s, p.base) for s in range(1, count + 1))
            result[key] = _number(total / count)
        else:
            result[key] = _number(_pass(derivation, state, p.sample, p.base))
    known.update(result)
    return {i: known[i] for i in ids}


def _pass(derivation: Derivation, state: dict, sample: int | None, quantity_id: str):
    """A quantity of one sample's pass at the parameters of ``state`` (a number)."""
    from symnn import claimable

    network = derivation.network
    values = derivation.spec.values
    s = (sample or 1) - 1
    env = dict(zip(network.input_ids(), map(Fraction, values.batch_inputs[s]), strict=True))
    if values.batch_targets is not None:
        env.update(zip(network.target_ids(), map(float, values.batch_targets[s]),
                       strict=True))
    env.update({p: state[p] for p in network.parameter_ids()})
    definitions = claimable.extend(derivation, derivation.definitions, set(env),
                                   [quantity_id], None)
    for key, expr in definitions.items():
        env[key] = compile_expr(expr, FLOAT)(env)
    return env[quantity_id]


def _states(derivation: Derivation, numbers: dict | None, wanted: set[int]) -> dict[int, dict]:
    """Parameters and optimizer state (id -> number) after each wanted number of steps."""
    cache = _CACHE.setdefault(derivation, {})
    missing = sorted(t for t in wanted if t not in cache)
    if not missing:
        return cache
    values = derivation.spec.values
    start = values.steps
    if start not in cache:
        if numbers is None:
            from symnn.evaluate import evaluate

            numbers = evaluate(derivation).values
        params = derivation.network.parameter_ids()
        optimizer = optimizers.get(values.optimizer)
        cache[start] = {p: float(numbers[at(p, step=start)]) for p in params}
        cache[start].update({
            state_id(kind, p): float(numbers[state_id(kind, p, start)])
            for kind in optimizer.state for p in params
            if state_id(kind, p, start) in numbers
        })
    current = max((t for t in cache if isinstance(t, int) and t <= missing[0]),
                  default=start)
    state = cache[current]
    step = _Stepper(derivation)
    for t in range(current + 1, missing[-1] + 1):
        state = step(state, t)
        if t in wanted:
            cache[t] = state
    return cache


class _Stepper:
    """One optimizer step on numbers: the batch-mean gradients, then the rule."""

    def __init__(self, derivation: Derivation):
        values = derivation.spec.values
        network = derivation.network
        self.params = network.parameter_ids()
        self.frozen = {p for p in self.params if kind_of(p) == "b" and not values.update_biases}
        self.optimizer = optimizers.get(values.optimizer)
        hyper = {**values.hyper_parameters}
        self.decay = float(hyper.get(optimizers.WEIGHT_DECAY, 0))
        rule = optimizers.step_rule(values.optimizer, STEP, hyper)
        self.rule = [(kind, compile_expr(expr, FLOAT)) for kind, expr in rule.items()]
        self.definitions = [(k, compile_expr(e, FLOAT))
                            for k, e in derivation.definitions.items()]
        self.gradients = [gradient_id(p) for p in self.params]
        inputs, targets = network.input_ids(), network.target_ids()
        self.samples = []
        for s, x in enumerate(values.batch_inputs):
            leaves = dict(zip(inputs, map(float, x), strict=True))
            if values.batch_targets is not None:
                leaves.update(zip(targets, map(float, values.batch_targets[s]), strict=True))
            self.samples.append(leaves)

    def __call__(self, current: dict, t: int) -> dict:
        sums = dict.fromkeys(self.gradients, 0.0)
        for leaves in self.samples:
            env = {**leaves, **{p: current[p] for p in self.params}}
            for key, compiled in self.definitions:
                env[key] = compiled(env)
            for g in self.gradients:
                sums[g] += env[g]
        count = len(self.samples)
        after = dict(current)
        for param, g in zip(self.params, self.gradients, strict=True):
            if param in self.frozen:
                continue
            env = {"p": current[param], "g": sums[g] / count + self.decay * current[param],
                   STEP.name: float(t)}
            for kind in self.optimizer.state:
                env[optimizers.OLD[kind].name] = current.get(state_id(kind, param), 0)
            for kind, compiled in self.rule:
                value = compiled(env)
                if kind == "p":
                    after[param] = value
                else:
                    env[optimizers.NEW[kind].name] = value
                    after[state_id(kind, param)] = value
        return after


def _number(value: float) -> sympy.Float:
    """A float64 result as SymPy: ``FLOAT_DIGITS`` significant digits."""
    return sympy.Float(value, FLOAT_DIGITS)
