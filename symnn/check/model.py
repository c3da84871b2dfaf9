"""The oracle the checker asks: every quantity as a definition over other quantities.

A ``Model`` is the derivation's definitions (net, out, E, dE/dout, δ, gradients) plus the
update step (``w' = w − η·∂E/∂w``) and the forward pass after it (``E'``), as the core
writes them (``symnn.evaluate.update_definitions``), in evaluation order, with the leaves
(inputs, targets, weights, biases) as exact rationals. Numbers come from the core's
compiled closures (``symnn.compiled``), so an unpinned run gives ``evaluate``'s values.
For a batch, several steps or another optimizer than SGD the definitions are the whole
worked example (``symnn.evaluate.worked_definitions``: every sample, step and optimizer
state), so claims carry across samples and steps.

``run`` evaluates a model with some quantities *pinned* to given numbers: each quantity
is computed from its definition at the current values of its dependencies, then the pin
(if any) replaces it for everything downstream. Pinning the claimant's own claims gives
"the value recomputed from the rounded values you carried". The slips of ``slips.py``
are models built with different options (another loss, the factor 2 dropped, …).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import sympy

from symnn import activations, claimable, losses
from symnn.algebra import product
from symnn.compiled import EXACT, Arithmetic, compute, to_sympy, working_precision
from symnn.continued import is_continued
from symnn.derive import Derivation, derive
from symnn.evaluate import (
    is_training,
    leaf_values,
    update_definitions,
    worked_definitions,
)
from symnn.naming import derivative_id, kind_of, parse_id, qid, symbol, updated_id

# How a slip may change φ′ of a layer (``Options.slopes``): the derivative of another
# activation written in the output (σ(1−σ) for a tanh layer), 1 (left out), relu′(0) = 1,
# or the output form evaluated at net instead of out.
SLOPE_KINDS = ("sigmoid", "tanh", "one", "relu-at-0", "at-net")
# How a slip may change a layer's forward pass (``Options.forward``): φ not applied,
# φ applied twice, or the weight matrix read transposed.
FORWARD_KINDS = ("no-activation", "twice", "transposed")


@dataclass(frozen=True)
class Options:
    """How to build a model; the defaults give the network as specified.

    ``output_scale`` multiplies ∂E/∂out of the output layer (a dropped factor 2 is ½, a
    flipped sign −1); ``rate`` replaces the learning rate; ``leaves`` overrides leaf values;
    ``updated_backprop`` back-propagates through the *updated* weights of the next layer;
    ``loss`` re-derives the network with another loss; ``slopes`` and ``forward`` change
    φ′ or the forward pass of some layers (pairs ``(layer, kind)``, kinds above);
    ``gradient_from_net`` computes ∂E/∂w with the sending neuron's net instead of its out;
    ``transposed_backprop`` back-propagates through w[l+1,j,i] instead of w[l+1,i,j];
    ``batch_weights`` weighs the samples in the batch loss and gradients (instead of 1/n)
    and ``optimizer_slip`` works the optimizer wrongly (``symnn.evaluate.SLIPS``).
    ``omitted_output`` leaves output j out of the sums over the outputs (E, and ∂E/∂out
    of the last hidden layer).
    """

    output_scale: sympy.Rational = sympy.S.One
    rate: sympy.Rational | None = None
    leaves: tuple[tuple[str, sympy.Rational], ...] = ()
    updated_backprop: bool = False
    loss: str | None = None
    omitted_output: int | None = None
    slopes: tuple[tuple[int, str], ...] = ()
    forward: tuple[tuple[int, str], ...] = ()
    gradient_from_net: bool = False
    transposed_backprop: bool = False
    batch_weights: tuple | None = None
    optimizer_slip: str | None = None


def combine(a: Options, b: Options) -> Options | None:
    """Both slips at once, or None when they change the same thing."""
    if (a.rate is not None and b.rate is not None) or (a.loss and b.loss):
        return None
    if (a.updated_backprop and b.updated_backprop) or (
        a.gradient_from_net and b.gradient_from_net
    ) or (a.transposed_backprop and b.transposed_backprop) or (
        a.omitted_output is not None and b.omitted_output is not None
    ):
        return None
    if (a.batch_weights and b.batch_weights) or (a.optimizer_slip and b.optimizer_slip):
        return None
    for mine, theirs in ((a.leaves, b.leaves), (a.slopes, b.slopes), (a.forward, b.forward)):
        if {k for k, _ in mine} & {k for k, _ in theirs}:
            return None
    if a.output_scale != 1 and b.output_scale != 1 and a.output_scale == b.output_scale:
        return None
    return Options(
        output_scale=a.output_scale * b.output_scale,
        rate=a.rate if a.rate is not None else b.rate,
        leaves=a.leaves + b.leaves,
        updated_backprop=a.updated_backprop or b.updated_backprop,
        loss=a.loss or b.loss,
        slopes=a.slopes + b.slopes,
        forward=a.forward + b.forward,
        gradient_from_net=a.gradient_from_net or b.gradient_from_net,
        transposed_backprop=a.transposed_backprop or b.transposed_backprop,
        batch_weights=a.batch_weights or b.batch_weights,
        optimizer_slip=a.optimizer_slip or b.optimizer_slip,
        omitted_output=a.omitted_output if a.omitted_output is not None else b.omitted_output,
    )


@dataclass
class Model:
    """Definitions in evaluation order (id -> expr in symbols of other ids) and leaves."""

    definitions: dict[str, sympy.Expr]
    leaves: dict[str, sympy.Rational]
    derivation: Derivation
    updates: dict[str, sympy.Expr] = field(default_factory=dict)  # p', the pass after, E'
    _leaf_numbers: dict = field(default_factory=dict, repr=False)
    shared: dict = field(default_factory=dict, repr=False)  # caches lent to slip models

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
        return {k: _free_names(expr) for k, expr in self.definitions.items()}

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



@lru_cache(maxsize=100_000)
def _free_names(expr: sympy.Expr) -> list[str]:
    """The ids an expression reads, sorted (cached: slip models share most definitions)."""
    return sorted(s.name for s in expr.free_symbols)


def build_model(
    derivation: Derivation,
    options: Options | None = None,
    base: Model | None = None,
    claimed: Collection[str] = (),
    expressions: dict[str, sympy.Expr] | None = None,
) -> Model:
    """The model of a derivation (with a learning rate: the update step and ``E'``).

    ``base``, the model of the same derivation without options, lends its leaves, its
    update step when the options keep the loss and the learning rate (it is the same
    expression), and the derivations and update steps of other losses and rates it has
    already built for other slips.
    ``claimed`` ids beyond the derivation's (``symnn.claimable``) and ``expressions``
    (claim names such as ``E - E'``, by their text) are added as definitions.
    """
    options = options or Options()
    shared = base.shared if base is not None else {}
    if options.loss is not None:
        key = ("derivation", options.loss)
        if key not in shared:
            shared[key] = derive(replace(derivation.spec, loss=options.loss))
        derivation = shared[key]
    network = derivation.network
    leaves = dict(base.leaves if base is not None else leaf_values(derivation))
    leaves.update(options.leaves)
    definitions = dict(derivation.definitions)
    if options.output_scale != 1:
        for j in range(1, network.size(network.depth) + 1):
            key = qid("dE/dout", network.depth, j)
            definitions[key] = options.output_scale * definitions[key]
    values = derivation.spec.values
    rate = options.rate
    if rate is None and values.learning_rate is not None:
        rate = sympy.Rational(values.learning_rate)
    if is_training(derivation):
        _change_layers(definitions, network, options, shared)
        definitions = worked_definitions(derivation, definitions, rate,
                                         batch_weights=options.batch_weights,
                                         slip=options.optimizer_slip)
        return _with_claims(derivation, definitions, leaves, options, claimed, expressions,
                            rate, {}, shared, base)
    if base is not None and options.loss is None and options.rate is None:
        updates = base.updates
    elif rate is None:
        updates = {}
    else:
        key = ("updates", options.loss, rate)
        if key not in shared:
            shared[key] = update_definitions(derivation, rate)
        updates = shared[key]
    _change_layers(definitions, network, options, shared)
    if options.updated_backprop and updates:
        definitions = _backprop_through_updates(definitions, updates, network.depth)
    for key, expr in updates.items():
        definitions.setdefault(key, expr)
    return _with_claims(derivation, definitions, leaves, options, claimed, expressions, rate,
                        updates, shared, base)


def _with_claims(derivation: Derivation, definitions: dict, leaves: dict, options: Options,
                 claimed: Collection[str], expressions: dict | None, rate, updates: dict,
                 shared: dict, base: Model | None) -> Model:
    """The model with the claimed ids and expressions added (``claimable.extend``). Values
    after more steps than worked (``symnn.continued``) are the base model's: no slip
    reaches that far."""
    network = derivation.network
    if base is not None:
        definitions.update({k: base.definitions[k] for k in claimed
                            if k in base.definitions and is_continued(derivation, k)})
    expressions = expressions or {}
    claimed = [c for c in claimed if c not in expressions]
    for key, expr in expressions.items():
        definitions[key] = expr
        claimed += [s.name for s in expr.free_symbols]
    factors = {
        derivative_id(qid("out", layer, j), qid("net", layer, j)): _slope(network, layer, j, kind)
        for layer, kind in options.slopes
        for j in range(1, network.size(layer) + 1)
    }
    definitions = claimable.extend(
        derivation, definitions, leaves, claimed, rate, options.omitted_output, factors
    )
    return Model(definitions, leaves, derivation, updates, shared=shared)


def _change_layers(definitions: dict, network, options: Options, shared: dict) -> None:
    """Apply the slips of ``options`` that rewrite single definitions (in place; the
    rewritten definitions of each slip are built once per base model, in ``shared``)."""
    changes = [("forward", *item) for item in options.forward]
    changes += [("slope", *item) for item in options.slopes]
    if options.gradient_from_net:
        changes.append(("gradient-from-net", 0, ""))
    if options.transposed_backprop:
        changes.append(("transposed-backprop", 0, ""))
    for change in changes:
        if change not in shared:
            shared[change] = _rewrite(definitions, network, *change)
        definitions.update(shared[change])


def _rewrite(definitions: dict, network, what: str, layer: int, kind: str) -> dict:
    """The definitions one slip changes, rewritten."""
    changed = {}
    if what == "forward":
        for j in range(1, network.size(layer) + 1):
            if kind == "transposed":
                key = qid("net", layer, j)
                changed[key] = definitions[key].xreplace(_transpose(network, layer))
            else:
                net = symbol(qid("net", layer, j))
                name = network.activation(layer)
                once = activations.expression(name, net, network.leaky_slope)
                twice = activations.expression(name, once, network.leaky_slope)
                changed[qid("out", layer, j)] = net if kind == "no-activation" else twice
    elif what == "slope":
        for j in range(1, network.size(layer) + 1):
            slope = _slope(network, layer, j, kind)
            changed[qid("delta", layer, j)] = product(symbol(qid("dE/dout", layer, j)), slope)
    elif what == "gradient-from-net":
        for layer in range(3, network.depth + 1):
            for j, row in enumerate(network.weight_ids(layer), start=1):
                for k in range(1, len(row) + 1):
                    changed[qid("dE/dw", layer, j, k)] = product(
                        symbol(qid("delta", layer, j)), symbol(qid("net", layer - 1, k))
                    )
    else:  # transposed back-propagation
        for layer in range(2, network.depth):
            if network.size(layer) != network.size(layer + 1):
                continue
            swap = _transpose(network, layer + 1)
            for j in range(1, network.size(layer) + 1):
                key = qid("dE/dout", layer, j)
                changed[key] = definitions[key].xreplace(swap)
    return changed


def _transpose(network, layer: int) -> dict:
    """w[l,j,k] -> w[l,k,j] for a square weight matrix."""
    size = network.size(layer)
    return {
        symbol(qid("w", layer, j, k)): symbol(qid("w", layer, k, j))
        for j in range(1, size + 1)
        for k in range(1, size + 1)
    }


def _slope(network, layer: int, j: int, kind: str) -> sympy.Expr:
    """φ′ of neuron j as a slip writes it (see ``SLOPE_KINDS``)."""
    out, net = symbol(qid("out", layer, j)), symbol(qid("net", layer, j))
    if kind == "one":
        return sympy.S.One
    if kind == "relu-at-0":
        return sympy.Piecewise((sympy.S.One, net >= 0), (sympy.S.Zero, True))
    name = network.activation(layer) if kind == "at-net" else kind
    in_output = activations.derivative_in_output(name, network.leaky_slope)
    return in_output.subs(activations.A, net if kind == "at-net" else out)


def _backprop_through_updates(definitions: dict, updates: dict, depth: int) -> dict:
    """Hidden ∂E/∂out computed with the next layer's updated weights (a common slip)."""
    result: dict[str, sympy.Expr] = {}
    for key, expr in definitions.items():
        parsed = parse_id(key) if kind_of(key) == "dE/dout" else None
        if parsed and parsed.indices[0] < depth:
            swap = {}
            for s in expr.free_symbols:
                if kind_of(s.name) == "w":
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
    Float with 50 digits) or, with ``arithmetic=FLOAT``, a Python float for searches (or
    another arithmetic's numbers, e.g. ``float64.BOUND``). A
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
            computed[key] = to_sympy(value) if arithmetic is EXACT else value
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
    ys = [symbol(qid("out", network.depth, j)) for j in range(1, network.size(network.depth) + 1)]
    ds = [symbol(t) for t in network.target_ids()]
    return sympy.expand(losses.get(other).build(ys, ds) - derivation.definitions["E"]) == 0

