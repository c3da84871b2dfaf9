"""Every number a worked example writes: the claimable ids beyond the derivation's own.

The derivation defines net, out, E, ∂E/∂out, δ and the gradients; the update step adds
``p'`` and the forward pass after it (``evaluate.update_definitions``). This module adds,
for the ids a reader asks about (``derive --only``, a worksheet's claims):

- ``dA/dB`` for A in E[j], net, out and B in net, out, w, b: the sum over the paths from
  B to A, as backpropagation takes it. Walking from B to each quantity C that uses B
  directly, ``dA/dB = Σ_C dA/dC · dC/dB``; ``dC/dB`` of a direct use is a *local factor*
  (``dnet[l,j]/dw[l,j,k] = out[l-1,k]``, ``dnet[l,j]/dout[l-1,k] = w[l,j,k]``,
  ``dnet[l,j]/db = 1``, ``dout[l,j]/dnet[l,j] = φ'``, ``dE[j]/dout[L,j]``). It is exactly
  0 where B does not feed A, and 1 for ``dA/dA``.
- ``E[j]`` (the loss entry's ``term``; E = Σ_j E[j]) and ``E[j]'`` after the step.
- ``Dw[l,j,k] = −η ∂E/∂w[l,j,k]`` (so ``w' = w + Dw``) and ``Db`` (0 for frozen biases).

Each definition is in symbols of other ids, so a claimed value is carried downstream.
For the claimed ids, ``extend`` also rewrites the derivation's own definitions to go
through them: a claimed local factor of B makes ∂E/∂B the sum of its chains over those
factors, claimed ``dE[j]/dB`` make ∂E/∂B their sum over the outputs (for B a net, weight
or bias only if no factor of B's own chain is claimed; for B an out always, as a hidden
neuron's ∂E/∂out is the sum of what each output contributes), claimed ``E[j]`` make E
their sum, a claimed ``Dw`` makes ``w' = w + Dw``. The values are unchanged; a claimed
number flows into every line computed from it, as when working by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from dataclasses import replace
from functools import cache

import sympy

from symnn import continued, losses, optimizers
from symnn.algebra import product, total
from symnn.compiled import compute, to_number, to_sympy, working_precision
from symnn.derive import Derivation
from symnn.errors import SymnnError
from symnn.evaluate import is_training
from symnn.naming import (
    DERIVATIVE,
    STATE_KINDS,
    QuantityId,
    at,
    canonical,
    change_id,
    derivative_id,
    is_output_error,
    kind_of,
    parameter_of_change,
    parse_id,
    qid,
    symbol,
    updated_id,
)
from symnn.network import Network

ONE = sympy.S.One
# Kinds of a batch as a whole (parameters, their changes and state; the mean gradients).
BATCH_KINDS = ("w", "b", "Dw", "Db", "dE/dw", "dE/db", *(f"{state}_{kind}"
               for state in STATE_KINDS for kind in ("w", "b")))


# ---------------------------------------------------------------------------- validity


def check(network: Network, text: str) -> QuantityId:
    """The parsed id if it names a quantity (or a slice) of this network, else ValueError."""
    parsed = parse_id(canonical(text))
    _suffix_ranges(network, parsed)
    if parsed.kind == DERIVATIVE:
        for part in (parsed.of, parsed.wrt):
            _ranges(network, part)
        if parsed.of.kind == "out" and parsed.of.indices[0] == 1:
            raise ValueError(f"{text!r}: an input does not depend on anything")
        return parsed
    _ranges(network, parsed)
    if parsed.updated and parsed.kind == "out" and parsed.indices[0] == 1:
        raise ValueError(f"{text!r}: an input does not change in the update step")
    return parsed


def _suffix_ranges(network: Network, parsed: QuantityId) -> None:
    """ValueError if the sample or step of an id is not one of the worked example's."""
    values = network.spec.values
    batch = values.batch_size if values is not None and values.is_batch else 0
    steps = values.steps if values is not None and values.learning_rate is not None else 0
    if parsed.sample is not None and parsed.sample > batch:
        expected = f"1 to {batch}" if batch else "no sample: [values] holds one sample"
        raise ValueError(f"{parsed}: sample {parsed.sample}, expected {expected}")
    last = continued.max_steps(network.spec) if steps else 0
    last -= 1 if parsed.kind in ("Dw", "Db") else 0
    if parsed.step > last:
        worked = f"the worked example takes {steps} step{'s' if steps != 1 else ''}"
        if not steps:
            worked = "[values] has no learning rate, so no step is taken"
        raise ValueError(f"{parsed}: step {parsed.step}, expected 0 to {max(last, 0)} ({worked})")
    if parsed.kind[1:2] == "_" and parsed.kind.startswith(STATE_KINDS):
        optimizer = values.optimizer if steps else "none"
        state = parsed.kind[0]
        if not steps or state not in optimizers.get(optimizer).state:
            raise ValueError(f"{parsed}: the optimizer ({optimizer}) keeps no state {state}")
        if not parsed.step:
            raise ValueError(f"{parsed}: a state starts at 0; name it after a step "
                             f"({at(str(parsed), step=1)})")
    if parsed.kind in BATCH_KINDS[:4] and parsed.sample is not None:
        raise ValueError(f"{parsed}: a parameter is the same for every sample (no #s)")
    whole_batch = parsed.kind in BATCH_KINDS or (parsed.kind == "E" and not parsed.indices)
    if batch and parsed.sample is None and not whole_batch:
        raise ValueError(
            f"{parsed}: [values] holds a batch of {batch} samples; name the sample, as in "
            f"{at(str(parsed), 1, parsed.step)}"
        )


def _ranges(network: Network, atom: QuantityId) -> list[range]:
    """The range of each index of an id; ValueError if an index is outside it."""
    depth, kind, indices = network.depth, atom.kind, atom.indices
    outputs = range(1, network.size(depth) + 1)
    if kind == "E":
        if indices and losses.get(network.spec.loss).term is None:
            raise ValueError(
                f"{atom}: the loss {network.spec.loss!r} is not a sum over the outputs, so "
                "it has no per-output error E[j]"
            )
        ranges = [outputs] if indices else []
    elif kind == "d":
        ranges = [outputs]
    elif kind == "dE/dx":
        ranges = [range(1, network.size(1) + 1)]
    else:
        ranges = _layer_ranges(network, atom)
    for index, allowed, position in zip(indices, ranges, itertools.count()):
        if index is None and position == 0 and len(ranges) > 1:
            raise ValueError(f"{atom}: ':' stands for a neuron, not a layer")
        if index is not None and index not in allowed:
            raise ValueError(
                f"{atom}: index {position + 1} is {index}, expected {allowed.start} to "
                f"{allowed.stop - 1}"
            )
    return ranges


def _layer_ranges(network: Network, atom: QuantityId) -> list[range]:
    kind, indices = atom.kind, atom.indices
    if kind.startswith(STATE_KINDS) and kind[1:2] == "_":  # m_w: the optimizer state of a w
        kind = kind[2:]
    first = 1 if kind == "out" else 2
    layers = range(first, network.depth + 1)
    layer = indices[0]
    if layer is None:
        raise ValueError(f"{atom}: ':' stands for a neuron, not a layer")
    if layer not in layers:
        raise ValueError(f"{atom}: layer {layer}, expected {first} to {network.depth}")
    neurons = range(1, network.size(layer) + 1)
    if kind in ("w", "dE/dw", "Dw"):
        return [layers, neurons, range(1, network.size(layer - 1) + 1)]
    if kind in ("b", "dE/db", "Db"):
        shape = {"per-neuron": 2, "per-layer": 1}.get(network.spec.bias)
        if shape is None:
            raise ValueError(f"{atom}: the network has no biases")
        if len(indices) != shape:
            example = qid("b", layer, 1) if shape == 2 else qid("b", layer)
            raise ValueError(f"{atom}: this network's biases are named like {example}")
        return [layers, neurons][:shape]
    return [layers, neurons]


def elements(network: Network, parsed: QuantityId) -> str | list:
    """The id of a quantity, or for a slice the nested list of the ids of its elements.

    The list nests in the order the ``:`` are written: ``w[3,:,:]`` is rows of receiving
    neurons j, each a list over the sending neurons k.
    """
    atoms = [parsed.of, parsed.wrt] if parsed.kind == DERIVATIVE else [parsed]
    slots = [
        (a, p, allowed)
        for a, atom in enumerate(atoms)
        for p, (index, allowed) in enumerate(zip(atom.indices, _ranges(network, atom), strict=True))
        if index is None
    ]

    def fill(chosen: list[int]) -> str | list:
        if len(chosen) == len(slots):
            parts = [list(atom.indices) for atom in atoms]
            for (a, p, _), value in zip(slots, chosen, strict=True):
                parts[a][p] = value
            filled = [
                replace(atom, indices=tuple(part)) for atom, part in zip(atoms, parts, strict=True)
            ]
            if parsed.kind == DERIVATIVE:
                return derivative_id(str(filled[0]), str(filled[1])) + parsed.suffix
            return canonical(str(filled[0]))
        return [fill([*chosen, value]) for value in slots[len(chosen)][2]]

    return fill([])


def flatten(nested: str | list) -> list[str]:
    """The ids of ``elements`` in reading order."""
    if isinstance(nested, str):
        return [nested]
    return [i for part in nested for i in flatten(part)]


# ---------------------------------------------------------------------------- the paths


class Paths:
    """Which quantity uses which directly, and the local factor of each direct use."""

    def __init__(self, derivation: Derivation):
        self.derivation = derivation
        self.network = derivation.network
        self.term = losses.get(self.network.spec.loss).term
        self.feeds = cache(self._feeds)
        self.training = is_training(derivation)
        self.leaves = {*self.network.input_ids(), *self.network.target_ids()}

    def suffixed(self, expr: sympy.Expr, sample: int | None, step: int) -> sympy.Expr:
        """A definition of the single sample at the given parameters, for one sample of
        the batch and at the parameters after ``step`` steps: parameters take the step,
        inputs and targets the sample, every other quantity both."""
        names = {}
        for s in expr.free_symbols:
            if s.name in self.leaves:
                names[s] = symbol(at(s.name, sample))
            elif parse_id(s.name).kind in ("w", "b"):
                names[s] = symbol(at(s.name, step=step))
            else:
                names[s] = symbol(at(s.name, sample, step))
        return expr.xreplace(names)

    def consumers(self, quantity: str) -> list[str]:
        """The quantities whose definitions use this one directly."""
        network, parsed = self.network, parse_id(quantity)
        depth = network.depth
        if parsed.kind == "w":
            return [qid("net", *parsed.indices[:2])]
        if parsed.kind == "b":
            layer = parsed.indices[0]
            if len(parsed.indices) == 2:
                return [qid("net", layer, parsed.indices[1])]
            return [qid("net", layer, j) for j in range(1, network.size(layer) + 1)]
        if parsed.kind == "net":
            layer, j = parsed.indices
            if self.derivation.layer(layer).elementwise:
                return [qid("out", layer, j)]
            return [qid("out", layer, i) for i in range(1, network.size(layer) + 1)]
        if parsed.kind == "out":
            layer, k = parsed.indices
            if layer < depth:
                return [qid("net", layer + 1, i) for i in range(1, network.size(layer + 1) + 1)]
            return [qid("E", k)] if self.term is not None else ["E"]
        return []

    def _feeds(self, source: str, target: str) -> bool:
        """True when ``source`` is used, directly or not, by ``target``."""
        return any(c == target or self._feeds_via(c, target) for c in self.consumers(source))

    def _feeds_via(self, consumer: str, target: str) -> bool:
        return consumer != "E" and not is_output_error(consumer) and self.feeds(
            consumer, target
        )

    def local(self, consumer: str, source: str) -> sympy.Expr:
        """∂consumer/∂source for a direct use: the layer's Leibniz factor of that step."""
        c, s = parse_id(consumer), parse_id(source)
        if c.kind == "net":
            item = self.derivation.layer(c.indices[0])
            j = c.indices[1]
            if s.kind == "w":
                return item.dnet_dweight(j, s.indices[2]).value
            if s.kind == "b":
                return item.dnet_dbias(j, source).value
            return item.dnet_dbelow(j, s.indices[1], source).value
        if c.kind == "out":
            item = self.derivation.layer(c.indices[0])
            if item.elementwise:
                return item.dout_dnet(c.indices[1]).value
            return item.jacobian(c.indices[1], s.indices[1]).value
        if c.kind == "E" and c.indices:
            return sympy.diff(self.error_term(c.indices[0]), symbol(source))
        return self.derivation.definitions[qid("dE/dout", *s.indices)]

    def error_term(self, j: int, updated: bool = False) -> sympy.Expr:
        """E[j] (or E[j]') in the symbols of out[L,j] and d[j]."""
        depth = self.network.depth
        out = qid("out", depth, j, updated=updated)
        return self.term(symbol(out), symbol(qid("d", j)), self.network.size(depth))

    def derivative(self, of: str, wrt: str) -> sympy.Expr:
        """The definition of d(of)/d(wrt): a local factor, or the sum over the uses of wrt."""
        if of == wrt:
            return ONE
        uses = self.consumers(wrt)
        if of in uses:
            return self.local(of, wrt)
        terms = [
            product(_through(of, c), symbol(derivative_id(c, wrt)))
            for c in uses
            if self.feeds(c, of)
        ]
        return total(terms) if terms else sympy.S.Zero


def _through(of: str, consumer: str) -> sympy.Expr:
    """The symbol of d(of)/d(consumer); dE/dE[j] is 1."""
    if of == "E" and is_output_error(consumer):
        return ONE
    return symbol(derivative_id(of, consumer))


# ---------------------------------------------------------------------------- definitions


def extend(
    derivation: Derivation,
    definitions: dict[str, sympy.Expr],
    leaves: Collection[str],
    claimed: Iterable[str],
    rate: sympy.Rational | None,
    omitted_output: int | None = None,
    factors: dict[str, sympy.Expr] | None = None,
) -> dict[str, sympy.Expr]:
    """The definitions with the claimed ids added and the derivation's routed through them.

    ``omitted_output`` builds the slip of a sum over the outputs that leaves output j out
    (E, and ∂E/∂out of the last hidden layer); ``factors`` replace the definitions of some
    local factors (a slip's φ′ as ``dout[l,j]/dnet[l,j]``).
    """
    claimed = [c for c in dict.fromkeys(claimed) if c not in leaves]
    extra = [c for c in claimed if c not in definitions]
    if not extra and omitted_output is None:
        return definitions
    paths = Paths(derivation)
    result = dict(definitions)
    far = [c for c in extra if continued.is_continued(derivation, c)]
    if far:  # after more steps than the worked example takes: numbers, not definitions
        result.update(continued.values(derivation, far))
        extra = [c for c in extra if c not in result]
    rewired = _rewired(paths, [c for c in claimed if c not in far], omitted_output)
    result.update(rewired)
    todo = extra + [s.name for expr in rewired.values() for s in expr.free_symbols]
    while todo:
        key = todo.pop()
        if key in result or key in leaves:
            continue
        expr = _factor(paths, factors or {}, key)
        if expr is None:
            expr = _definition(paths, key, rate)
        result[key] = expr
        todo.extend(s.name for s in expr.free_symbols)
    return _ordered(result, leaves)


def _factor(paths: Paths, factors: dict[str, sympy.Expr], key: str) -> sympy.Expr | None:
    """A slip's definition of a local factor, for one sample and step too."""
    if key in factors:
        return factors[key]
    parsed = parse_id(key)
    base = parsed.base
    if base == key or base not in factors:
        return None
    return paths.suffixed(factors[base], parsed.sample, parsed.step)


def _definition(paths: Paths, key: str, rate: sympy.Rational | None) -> sympy.Expr:
    """The definition of one claimable id that the derivation does not define."""
    parsed = parse_id(key)
    if parsed.kind in ("Dw", "Db") and (parsed.step or paths.training):
        param, step = parsed.base[1:], parsed.step  # the change of step t+1: w@(t+1) − w@t
        return total([symbol(at(param, step=step + 1)), -symbol(at(param, step=step))])
    if parsed.sample is not None or parsed.step:
        return paths.suffixed(_definition(paths, parsed.base, rate), parsed.sample, parsed.step)
    if parsed.kind == DERIVATIVE:
        return paths.derivative(str(parsed.of), str(parsed.wrt))
    if parsed.kind == "E":
        return paths.error_term(parsed.indices[0])
    if parsed.kind in ("Dw", "Db"):
        param = key[1:]
        frozen = parsed.kind == "Db" and not paths.network.spec.values.update_biases
        if frozen:
            return sympy.S.Zero
        if rate is None:
            raise KeyError(key)
        return product(-rate, symbol(derivative_id("E", param)))
    raise KeyError(key)


def _rewired(paths: Paths, claimed: list[str], omitted: int | None) -> dict[str, sympy.Expr]:
    """The derivation's definitions that go through claimed ids instead (same values)."""
    network = paths.network
    depth = network.depth
    outputs = range(1, network.size(depth) + 1)
    rewired: dict[str, sympy.Expr] = {}
    sums_over_outputs: set[str] = set()
    for key in claimed:
        parsed = parse_id(key)
        if parsed.kind in ("Dw", "Db") and (parsed.step or paths.training):
            continue  # defined from the parameters after the optimizer's step
        if parsed.sample is not None or parsed.step:
            for base, expr in _rewired(paths, [parsed.base], None).items():
                suffixed = at(base, parsed.sample, parsed.step)
                rewired[suffixed] = paths.suffixed(expr, parsed.sample, parsed.step)
            continue
        if parsed.kind == DERIVATIVE:
            of, wrt = str(parsed.of), str(parsed.wrt)
            if parsed.of.kind == "E":
                sums_over_outputs.add(wrt)
            elif of in paths.consumers(wrt):
                rewired[derivative_id("E", wrt)] = total([
                    product(_through("E", c), symbol(derivative_id(c, wrt)))
                    for c in paths.consumers(wrt)
                ])
        elif parsed.kind == "E" and parsed.indices:
            rewired["E"] = total([symbol(qid("E", j)) for j in outputs])
        elif parsed.kind in ("Dw", "Db"):
            param = parameter_of_change(key)
            rewired[updated_id(param)] = total([symbol(param), symbol(change_id(param))])
    if omitted is not None:
        rewired["E"] = total([symbol(qid("E", j)) for j in outputs if j != omitted])
        if depth > 2:
            hidden = range(1, network.size(depth - 1) + 1)
            sums_over_outputs |= {qid("out", depth - 1, k) for k in hidden}
    for wrt in sums_over_outputs:
        key = derivative_id("E", wrt)
        if key in rewired and kind_of(wrt) != "out":
            continue  # δ, ∂E/∂w, ∂E/∂b: a claimed chain of the total comes first
        kept = [j for j in outputs if j != omitted]
        rewired[key] = total(
            [symbol(derivative_id(qid("E", j), wrt)) for j in kept]
        )
    return rewired


def _ordered(definitions: dict[str, sympy.Expr], leaves: Collection[str]) -> dict:
    """The definitions in an order where each comes after those it uses."""
    ordered: dict[str, sympy.Expr] = {}
    visiting: set[str] = set()
    for start in definitions:
        stack = [(start, False)]
        while stack:
            key, done = stack.pop()
            if key in ordered:
                continue
            if done:
                ordered[key] = definitions[key]
                continue
            if key in visiting:
                continue
            visiting.add(key)
            stack.append((key, True))
            uses = sorted(s.name for s in definitions[key].free_symbols)
            for name in reversed(uses):  # the first in name order is placed first
                if name in definitions and name not in ordered:
                    stack.append((name, False))
    return ordered


# ---------------------------------------------------------------------------- values


def values(derivation: Derivation, ids: Iterable[str], numbers: dict) -> dict:
    """The values of claimable ids, computed from ``numbers`` (``evaluate``'s values)."""
    from symnn.evaluate import update_definitions

    spec_values = derivation.spec.values
    rate = None if spec_values.learning_rate is None else sympy.Rational(spec_values.learning_rate)
    definitions = dict(derivation.definitions)
    if rate is not None:
        definitions.update(update_definitions(derivation, rate))
    leaves = {k for k in numbers if k not in definitions}
    wanted = list(ids)
    extended = extend(derivation, definitions, leaves, wanted, rate)
    result = {}
    with working_precision():
        env = {k: to_number(v) for k, v in numbers.items()}
        for key, expr in extended.items():
            if key in env:
                continue
            if all(s.name in env for s in expr.free_symbols):
                number = compute(expr, env)
                if number is not None:
                    env[key] = number
        for key in wanted:
            if key in env:
                result[key] = numbers[key] if key in numbers else to_sympy(env[key])
    return result


# ---------------------------------------------------------------------------- listing

LISTED_LIMIT = 60  # parameters: nets up to this size list every claimable id


def listed_ids(derivation: Derivation) -> list[str]:
    """The claimable ids beyond the derivation's, listed for names and suggestions.

    Every local factor, E[j], ∂E[j]/∂(net, out, w, b), the changes and the pass after
    the step; for nets above ``LISTED_LIMIT`` parameters none (canonical ids are still
    read, by ``check``).
    """
    network = derivation.network
    if derivation.spec.parameter_count > LISTED_LIMIT:
        return []
    paths = Paths(derivation)
    depth = network.depth
    sources = [
        qid(kind, layer, j)
        for layer in range(2, depth + 1)
        for kind in ("net", "out")
        for j in range(1, network.size(layer) + 1)
    ]
    inputs = network.input_ids()
    sources = inputs + sources + network.parameter_ids()
    is_input = set(inputs).__contains__
    ids: list[str] = []
    for source in sources:
        ids += [derivative_id(c, source) for c in paths.consumers(source) if c != "E"]
    if paths.term is not None:
        outputs = range(1, network.size(depth) + 1)
        ids += [qid("E", j) for j in outputs]
        for j in outputs:
            ids += [
                derivative_id(qid("E", j), source)
                for source in sources
                if not is_input(source)
            ]
    values = derivation.spec.values
    if values is not None and values.learning_rate is not None:
        ids += [change_id(p) for p in network.parameter_ids()]
        if paths.term is not None:
            ids += [qid("E", j, updated=True) for j in range(1, network.size(depth) + 1)]
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------------------- selection


def select(network: Network, texts: Iterable[str], option: str = "--only") -> list[str]:
    """The element ids named by ``texts`` (ids or slices), or SymnnError naming the bad one."""
    chosen: list[str] = []
    for text in texts:
        try:
            parsed = check(network, text.strip())
        except ValueError as exc:
            reason = str(exc) if not str(exc).startswith("not a canonical id") else (
                "not an id; ids look like w[2,1,1], dout[3,1]/dnet[3,1], E[1], Dw[3,1,1], "
                "out[2,:]"
            )
            raise SymnnError(f"{option}: {text!r}: {reason}") from None
        chosen += flatten(elements(network, parsed))
    return list(dict.fromkeys(chosen))


def definitions(derivation: Derivation, ids: Iterable[str]) -> dict[str, sympy.Expr]:
    """The definitions of claimable ids the derivation does not define (in symbols of ids)."""
    spec_values = derivation.spec.values
    rate = None
    if spec_values is not None and spec_values.learning_rate is not None:
        rate = sympy.Rational(spec_values.learning_rate)
    paths = Paths(derivation)
    found = {}
    for key in ids:
        if key in derivation.definitions or continued.is_continued(derivation, key):
            continue
        try:
            found[key] = _definition(paths, key, rate)
        except KeyError:
            continue
    return found


def subject(quantity_id: str, network: Network) -> str:
    """The parameter, input or neuron a claimable id is about (for ``latex --only``).

    dA/dB: B; E[j] and E[j]': out[L,j]; Dw, Db: the parameter; net', out': the neuron.
    """
    parsed = parse_id(quantity_id)
    if parsed.kind == DERIVATIVE:
        return str(parsed.wrt)
    if parsed.kind == "E" and parsed.indices:
        return qid("out", network.depth, parsed.indices[0])
    if parsed.kind in ("Dw", "Db"):
        return parsed.base[1:]
    if parsed.kind in ("net", "out"):
        return parsed.base
    return quantity_id
