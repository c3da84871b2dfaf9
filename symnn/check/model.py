"""The oracle the checker asks: every quantity as a definition over other quantities.

A ``Model`` is the derivation's definitions (net, out, E, dE/dout, δ, gradients) plus the
update step (``w' = w − η·∂E/∂w``) and the forward pass after it (``E'``), as the core
writes them (``symnn.evaluate.update_definitions``), in evaluation order, with the leaves
(inputs, targets, weights, biases) as exact rationals. Numbers come from the core's
compiled closures (``symnn.compiled``), so an unpinned run gives ``evaluate``'s values.

``run`` evaluates a model with some quantities *pinned* to given numbers: each quantity
is computed from its definition at the current values of its dependencies, then the pin
(if any) replaces it for everything downstream. Pinning the claimant's own claims gives
"the value recomputed from the rounded values you carried". The slips of ``slips.py``
are models built with different options (another loss, the factor 2 dropped, …).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy

from symnn import claimable, losses
from symnn.compiled import EXACT, FLOAT, Arithmetic, compute, to_sympy, working_precision
from symnn.derive import Derivation, derive
from symnn.evaluate import leaf_values, update_definitions
from symnn.naming import parse_id, symbol, updated_id


@dataclass(frozen=True)
class Options:
    """How to build a model; the defaults give the network as specified.

    ``output_scale`` multiplies ∂E/∂out of the output layer (a dropped factor 2 is ½, a
    flipped sign −1); ``rate`` replaces the learning rate; ``leaves`` overrides leaf values;
    ``updated_backprop`` back-propagates through the *updated* weights of the next layer;
    ``loss`` re-derives the network with another loss; ``omitted_output`` leaves output j
    out of the sums over the outputs (E, and ∂E/∂out of the last hidden layer).
    """

    output_scale: sympy.Rational = sympy.S.One
    rate: sympy.Rational | None = None
    leaves: tuple[tuple[str, sympy.Rational], ...] = ()
    updated_backprop: bool = False
    loss: str | None = None
    omitted_output: int | None = None


@dataclass
class Model:
    """Definitions in evaluation order (id -> expr in symbols of other ids) and leaves."""

    definitions: dict[str, sympy.Expr]
    leaves: dict[str, sympy.Rational]
    derivation: Derivation
    updates: dict[str, sympy.Expr] = field(default_factory=dict)  # p', the pass after, E'
    _leaf_numbers: dict = field(default_factory=dict, repr=False)

    def leaf_numbers(self, arithmetic: Arithmetic) -> dict:
        """The leaves converted for an arithmetic (once)."""
        if arithmetic.name not in self._leaf_numbers:
            convert = arithmetic.from_sympy
            self._leaf_numbers[arithmetic.name] = {k: convert(v) for k, v in self.leaves.items()}
        return self._leaf_numbers[arithmetic.name]

    def dependencies(self, quantity_id: str) -> list[str]:
        """The ids a quantity's definition uses directly (none for a leaf)."""
        return self._deps.get(quantity_id, [])

    @cached_property
    def _deps(self) -> dict[str, list[str]]:
        return {
            k: sorted(s.name for s in expr.free_symbols) for k, expr in self.definitions.items()
        }

    @cached_property
    def position(self) -> dict[str, int]:
        """Each quantity's place in evaluation order (leaves first)."""
        return {k: i for i, k in enumerate([*self.leaves, *self.definitions])}

    def ids(self) -> list[str]:
        """Every quantity of the model: leaves, then definitions."""
        return [*self.leaves, *self.definitions]

    def cone(self, wanted: Iterable[str], pinned: Iterable[str] = ()) -> list[str]:
        """The definitions needed to compute ``wanted``, stopping at pinned ids, in order."""
        wanted, pinned = set(wanted), set(pinned)
        needed: set[str] = set()
        todo = [k for k in wanted if k in self.definitions]
        while todo:
            key = todo.pop()
            if key in needed:
                continue
            needed.add(key)
            for dep in self.dependencies(key):
                if dep in self.definitions and (dep not in pinned or dep in wanted):
                    todo.append(dep)
        return [k for k in self.definitions if k in needed]



def build_model(
    derivation: Derivation,
    options: Options | None = None,
    base: Model | None = None,
    claimed: Collection[str] = (),
    expressions: dict[str, sympy.Expr] | None = None,
) -> Model:
    """The model of a derivation (with a learning rate: the update step and ``E'``).

    ``base``, the model of the same derivation without options, lends its update step
    when the options keep the loss and the learning rate (it is the same expression).
    ``claimed`` ids beyond the derivation's (``symnn.claimable``) and ``expressions``
    (claim names such as ``E - E'``, by their text) are added as definitions.
    """
    options = options or Options()
    if options.loss is not None:
        derivation = derive(replace(derivation.spec, loss=options.loss))
    network = derivation.network
    leaves = dict(leaf_values(derivation))
    leaves.update(options.leaves)
    definitions = dict(derivation.definitions)
    if options.output_scale != 1:
        for j in range(1, network.size(network.depth) + 1):
            key = f"dE/dout[{network.depth},{j}]"
            definitions[key] = options.output_scale * definitions[key]
    values = derivation.spec.values
    rate = options.rate
    if rate is None and values.learning_rate is not None:
        rate = sympy.Rational(values.learning_rate)
    if base is not None and options.loss is None and options.rate is None:
        updates = base.updates
    else:
        updates = update_definitions(derivation, rate) if rate is not None else {}
    if options.updated_backprop and updates:
        definitions = _backprop_through_updates(definitions, updates, network.depth)
    for key, expr in updates.items():
        definitions.setdefault(key, expr)
    expressions = expressions or {}
    claimed = [c for c in claimed if c not in expressions]
    for key, expr in expressions.items():
        definitions[key] = expr
        claimed += [s.name for s in expr.free_symbols]
    definitions = claimable.extend(
        derivation, definitions, leaves, claimed, rate, options.omitted_output
    )
    return Model(definitions, leaves, derivation, updates)


def _backprop_through_updates(definitions: dict, updates: dict, depth: int) -> dict:
    """Hidden ∂E/∂out computed with the next layer's updated weights (a common slip)."""
    result: dict[str, sympy.Expr] = {}
    for key, expr in definitions.items():
        parsed = parse_id(key) if key.startswith("dE/dout") else None
        if parsed and parsed.indices[0] < depth:
            swap = {}
            for s in expr.free_symbols:
                if s.name.startswith("w["):
                    new = updated_id(s.name)
                    result.setdefault(new, updates[new])
                    swap[s] = symbol(new)
            expr = expr.xreplace(swap)
        result[key] = expr
    return result


def run(
    model: Model,
    pinned: dict[str, sympy.Expr] | None = None,
    wanted: Iterable[str] | None = None,
    arithmetic: Arithmetic = EXACT,
) -> dict:
    """Compute each wanted quantity from its definition, with ``pinned`` values carried.

    Returns id -> computed value for every definition evaluated: exact (a Rational, or a
    Float with 50 digits) or, with ``arithmetic=FLOAT``, a Python float for searches. A
    pinned quantity's own entry is its computed value, not its pin; a pinned leaf (input,
    target, weight, bias) replaces the leaf's value.
    """
    pinned = pinned or {}
    order = list(model.definitions) if wanted is None else model.cone(wanted, pinned)
    convert = arithmetic.from_sympy
    env = dict(model.leaf_numbers(arithmetic))
    env.update({k: convert(v) for k, v in pinned.items() if k in model.leaves})
    env.update({k: convert(v) for k, v in pinned.items() if k in model.definitions})
    computed: dict = {}
    with working_precision():
        for key in order:
            if any(d not in env for d in model.dependencies(key)):
                continue  # needs a leaf that is absent (targets of the ``output`` loss)
            value = compute(model.definitions[key], env, arithmetic)
            if value is None:
                continue  # not a real number, e.g. the log of a negative in a slip's model
            computed[key] = value if arithmetic is FLOAT else to_sympy(value)
            env[key] = convert(pinned[key]) if key in pinned else value
    return computed


def carried_sources(model: Model, quantity_id: str, pinned: Collection[str]) -> list[str]:
    """The pinned ids a quantity's recomputation reads (through unpinned quantities)."""
    sources: set[str] = set()
    seen: set[str] = set()
    todo = list(model.dependencies(quantity_id))
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        if key in pinned:
            sources.add(key)
        elif key in model.definitions:
            todo.extend(model.dependencies(key))
    return sorted(sources, key=model.position.__getitem__)


def same_loss(derivation: Derivation, other: str) -> bool:
    """True when loss ``other`` is the network's loss for its number of outputs."""
    network = derivation.network
    ys = [symbol(f"out[{network.depth},{j}]") for j in range(1, network.size(network.depth) + 1)]
    ds = [symbol(t) for t in network.target_ids()]
    return sympy.expand(losses.get(other).build(ys, ds) - derivation.definitions["E"]) == 0

