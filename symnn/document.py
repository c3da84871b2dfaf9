"""The derivation as format-neutral rows: built once, printed by every output.

A row holds canonical ids and SymPy expressions, never printed text. Each output is a
small printer over the rows with one ``_print_<Row>`` method per row kind, dispatched
as SymPy's ``Printer`` dispatches on the class of an expression
(``sympy/printing/printer.py``): ``symnn.render.listing`` (JSON, JSON Lines and the
text table of ``symnn derive``) and ``symnn.render.latex`` (LaTeX, Markdown, Jupyter).
Expressions inside rows are printed by the one ``NotationPrinter`` (LaTeX) or
``TextPrinter`` (canonical ids) of ``symnn.render.printer``, which print each distinct
expression once, in one term order, so that every output says the same thing.

Row kinds:

- ``Quantity``: one quantity of ``symnn derive``: its definition in symbols of other
  quantities (None for a given number), its value, its Leibniz chains, its update rule.
- ``Factor``: one Leibniz factor ∂of/∂wrt; ``id`` names the quantity the factor is (the
  hidden ∂E/∂out, a weight, an input), so printers refer to it instead of printing it.
- ``Update``: p' = p − η ∂E/∂p (or p' = p for a fixed bias, or E' after the step).
- ``Member``: a quantity of a ``Family`` (the quantities of one kind in one layer, such
  as ``dE/dw[3,j,k]``), whose row is built only if a printer asks: printers print a
  family once and fill in each member's names (``symnn.render.templates``), so that
  784-20-20-10's 34k rows cost no SymPy printing per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sympy

from symnn.continued import is_continued
from symnn.naming import gradient_id, neuron_layers, parse_id, plain_id, qid, symbol
from symnn.optimizers import WEIGHT_DECAY

if TYPE_CHECKING:
    from symnn.derive import Derivation
    from symnn.evaluate import Numbers

LEARNING_RATE = sympy.Symbol("_eta", real=True)  # named to sort first: η ∂E/∂w
LONG_SUM = 4  # a δ's ∂E/∂out with more terms is written by its symbol in δ's statement


@dataclass(frozen=True)
class Factor:
    """One Leibniz factor ∂of/∂wrt: its value, and the id of the quantity it is, if any."""

    of: str
    wrt: str
    value: sympy.Expr
    id: str | None = None


@dataclass(frozen=True)
class Update:
    """The update rule of a primed quantity: ``param' = param − η ∂E/∂param``.

    ``fixed``: a bias kept by ``update_biases = false`` (param' = param). For ``E'``
    (the loss after the step) ``param`` is ``E``.
    """

    param: str
    fixed: bool = False
    steps: int = 1
    continued: bool = False  # after more steps than worked (``symnn.continued``)

    @property
    def after_step(self) -> bool:
        """True for ``E'`` (``net'``, ``out'``, ``E@3``, anything continued): the value at
        the updated parameters (after ``steps`` steps)."""
        return self.continued or parse_id(self.param).kind in ("E", "net", "out")

    @property
    def parameters(self) -> str:
        """The parameters it is taken at: 'updated parameters', 'parameters after 3 steps'."""
        return "updated parameters" if self.steps == 1 else f"parameters after {self.steps} steps"

    @property
    def expression(self) -> sympy.Expr:
        """The right-hand side as an expression in quantity symbols and η."""
        if self.fixed or self.after_step:
            return symbol(self.param)
        return symbol(self.param) - LEARNING_RATE * symbol(gradient_id(self.param))


@dataclass(frozen=True)
class Definition:
    """``id = expr``: a quantity stated by an expression in symbols of other quantities."""

    id: str
    expr: sympy.Expr


@dataclass(frozen=True)
class Products:
    """``id = a₁ · b₁ + a₂ · b₂ + …``: δ as the sum of its chains' two factor values."""

    id: str
    pairs: tuple[tuple[sympy.Expr, sympy.Expr], ...]


@dataclass(frozen=True)
class Quantity:
    """One quantity: definition (None: given), the statement the documents write (a
    Definition or Products row), value (None: no numbers), chains, update rule."""

    id: str
    definition: sympy.Expr | None = None
    statement: Definition | Products | None = None
    value: sympy.Expr | None = None
    chains: tuple[tuple[Factor, ...], ...] | None = None
    update: Update | None = None
    expanded: sympy.Expr | None = None


class RowPrinter:
    """Prints a row by the ``_print_<Row>`` method of its class (or of a base class)."""

    def doprint(self, row):
        """The printed form of one row."""
        methods = self.__dict__.setdefault("_methods", {})
        method = methods.get(type(row))
        if method is None:
            method = methods[type(row)] = self._method(type(row))
        return method(row)

    def _method(self, row_class: type):
        for cls in row_class.__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method
        raise TypeError(f"{type(self).__name__} cannot print a {row_class.__name__}")


@dataclass(frozen=True, eq=False)
class Family:
    """The rows of one kind of quantity in one layer, e.g. ``dE/dw[3,j,k]`` for every j, k.

    Neurons of a layer are interchangeable, so the members of a family differ only in
    the names their rows mention: a printer may print the ``representative`` once, with
    marks where the names of its member's neurons go, and fill in each member's names
    (``symnn.render.templates``). ``positions`` maps each layer of a member's neuron
    indices to (position in ``Member.indices``, the representative's index); ``row(id)``
    builds any member's full row (without its value).
    """

    key: tuple
    representative: str
    positions: dict[int, tuple[int, int]]
    depth: int
    row: Callable[[str], Quantity]


class Member:
    """One quantity of a Family: its id, its neuron indices and its value (None: none)."""

    __slots__ = ("family", "id", "indices", "value")

    def __init__(self, quantity_id: str, family: Family, indices: tuple[int, ...],
                 value: sympy.Expr | None = None):
        self.id = quantity_id
        self.family = family
        self.indices = indices
        self.value = value

    def __repr__(self) -> str:
        return f"Member({self.id!r})"

    @property
    def quantity(self) -> Quantity:
        """The member's full row."""
        return replace(self.family.row(self.id), value=self.value)


def quantities(derivation: Derivation, numbers: Numbers | None = None,
               expand: bool = False, only: list[str] | None = None
               ) -> Iterator[Quantity | Member]:
    """The rows of ``symnn derive``: given numbers, then every definition, then the
    update step, each with its value when ``numbers`` are given. ``only``: these ids
    alone, in this order (any claimable id, ``symnn.claimable``).

    Without ``only`` and ``expand``, a quantity of a layer's neuron, weight or input is a
    ``Member`` of its family (built only if a printer asks), anything else a ``Quantity``.
    """
    definitions = derivation.definitions
    worked = _worked(derivation, numbers)
    extra: dict = {}
    if only is not None:
        from symnn import claimable
        from symnn.evaluate import Numbers

        ids = list(only)
        extra = claimable.definitions(derivation, [i for i in ids if i not in worked])
        if numbers is not None:
            numbers = Numbers({**numbers.values, **claimable.values(
                derivation, [i for i in only if i not in numbers], numbers.values)})
    else:
        given = _given_ids(derivation, numbers)
        ids = [*given, *definitions]
        if numbers is not None:
            ids += [k for k in numbers.values if k not in definitions and k not in given]
    memo: dict = {}
    families: dict | None = {} if only is None and not expand else None
    shapes: dict = {}
    depth = derivation.network.depth

    def row(quantity_id: str) -> Quantity:
        return _quantity(derivation, quantity_id, memo, worked, expand)

    for quantity_id in ids:
        value = numbers[quantity_id] if numbers is not None and quantity_id in numbers \
            else None
        if quantity_id in extra:
            yield Quantity(quantity_id, definition=extra[quantity_id],
                           statement=Definition(quantity_id, extra[quantity_id]), value=value)
            continue
        place = _place(quantity_id, depth, shapes) if families is not None else None
        if place is None:
            yield replace(row(quantity_id), value=value)
            continue
        key, indices, positions = place
        family = families.get(key)
        if family is None:
            family = families[key] = Family(key, quantity_id, positions(), depth, row)
        yield Member(quantity_id, family, indices, value)


def _quantity(derivation: Derivation, quantity_id: str, memo: dict, worked: dict,
              expand: bool = False) -> Quantity:
    """The row of one quantity of the derivation (or of its worked example's samples
    and steps), without its value."""
    definitions = derivation.definitions
    if quantity_id in worked and quantity_id not in definitions:  # a sample's, a step's
        return Quantity(quantity_id, definition=worked[quantity_id],
                        statement=statement(derivation, quantity_id, worked),
                        update=_update(derivation, quantity_id))
    expr = definitions.get(quantity_id)
    has_chains = quantity_id in derivation.gradients or \
        quantity_id in derivation.error_signals
    return Quantity(
        quantity_id,
        definition=expr,
        statement=statement(derivation, quantity_id),
        chains=chains(derivation, quantity_id, memo) if has_chains else None,
        update=_update(derivation, quantity_id),
        expanded=derivation.expand(quantity_id) if expand and expr is not None else None,
    )


def _place(quantity_id: str, depth: int, shapes: dict):
    """(family key, neuron indices, positions) of a quantity counted by neurons of
    distinct layers; None for anything else (E, a shared bias, a derivative).

    ``shapes`` remembers, per kind and layer, which indices count neurons."""
    plain = plain_id(quantity_id)
    if plain is None:
        return None
    kind, indices, suffix = plain
    shape_key = (kind, len(indices), indices[0], suffix)
    shape = shapes.get(shape_key)
    if shape is None:
        layers = neuron_layers(kind, indices, depth)
        counted = [p for p, layer in enumerate(layers) if layer is not None]
        distinct = len({layers[p] for p in counted}) == len(counted)
        constant = tuple(i if layer is None else None
                         for layer, i in zip(layers, indices, strict=True))
        key = (kind, constant, suffix)
        shape = shapes[shape_key] = (key, counted, layers) if counted and distinct else False
    if shape is False:
        return None
    key, counted, layers = shape
    members = tuple(indices[p] for p in counted)
    return key, members, lambda: {layers[p]: (n, indices[p]) for n, p in enumerate(counted)}


def statement(derivation: Derivation, quantity_id: str,
              definitions: dict | None = None) -> Definition | Products | None:
    """What the documents write for a quantity: δ as the products of its factor values
    (a hidden ∂E/∂out of more than LONG_SUM terms by its symbol), an updated parameter
    by its update rule, anything else by its definition (in ``definitions``, by default
    the derivation's); None for a given number."""
    signal = derivation.error_signals.get(quantity_id)
    if signal is not None:
        pairs = tuple((a.value, b.value) for a, b in signal.terms)
        first = pairs[0][0]
        if len(pairs) == 1 and isinstance(first, sympy.Add) and len(first.args) > LONG_SUM:
            pairs = ((symbol(gradient_id(signal.terms[0][0].denominator)), pairs[0][1]),)
        return Products(quantity_id, pairs)
    rule = _update(derivation, quantity_id)
    if rule is not None:
        return None if rule.after_step else Definition(quantity_id, rule.expression)
    expr = (derivation.definitions if definitions is None else definitions).get(quantity_id)
    return None if expr is None else Definition(quantity_id, expr)


def chains(derivation: Derivation, quantity_id: str,
           memo: dict | None = None) -> tuple[tuple[Factor, ...], ...]:
    """The Leibniz chains of a gradient or δ, each factor referring to its quantity.

    ``memo`` (factor object id -> row) lets a factor shared by many chains (δ's factors)
    be looked at once.
    """
    memo = {} if memo is None else memo
    rows = []
    for chain in derivation.chains(quantity_id):
        row = []
        for factor in chain:
            key = id(factor)
            if key not in memo:
                memo[key] = (factor, factor_row(derivation, factor))  # keeps factor alive
            row.append(memo[key][1])
        rows.append(tuple(row))
    return tuple(rows)


def factor_row(derivation: Derivation, factor) -> Factor:
    """A derivation's Leibniz factor as a row: ``id`` is set when the factor's value is
    a quantity (a symbol, or the definition of ∂E/∂out, ∂E/∂x or δ)."""
    value = factor.value
    ref = None
    if value.is_Symbol:
        ref = value.name
    elif factor.numerator == "E":
        wrt = parse_id(factor.denominator)
        candidate = qid("delta", *wrt.indices) if wrt.kind == "net" else gradient_id(str(wrt))
        if derivation.definitions.get(candidate) == value:
            ref = candidate
    return Factor(factor.numerator, factor.denominator, value, ref)


def _update(derivation: Derivation, quantity_id: str) -> Update | None:
    """The rule of a quantity after a step: E (net, out) at the parameters after the last
    step, or a parameter after one plain SGD step; None for anything else."""
    parsed = parse_id(quantity_id)
    if not parsed.step:
        return None
    values = derivation.spec.values
    base = str(replace(parsed, step=0))
    if is_continued(derivation, quantity_id):
        return Update(base, steps=parsed.step, continued=True)
    if parsed.kind in ("net", "out") or (parsed.kind == "E" and parsed.step == values.steps):
        return Update(base, steps=parsed.step)
    plain = values.optimizer == "sgd" and not dict(values.hyper).get(WEIGHT_DECAY)
    if parsed.kind not in ("w", "b") or parsed.step != 1 or not plain:
        return None
    fixed = parsed.kind == "b" and not values.update_biases
    return Update(base, fixed)


def _worked(derivation: Derivation, numbers: Numbers | None) -> dict:
    """The definitions of the worked example: of every sample and step when training."""
    from symnn.evaluate import is_training, worked_definitions

    if numbers is None or not is_training(derivation):
        return derivation.definitions
    return worked_definitions(derivation)


def _given_ids(derivation: Derivation, numbers: Numbers | None) -> list[str]:
    """Inputs, targets the loss uses, weights and biases (those with numbers, if any)."""
    network = derivation.network
    if numbers is not None:
        from symnn.evaluate import leaf_values

        return list(leaf_values(derivation))
    loss_symbols = derivation.definitions["E"].free_symbols
    targets = [t for t in network.target_ids() if symbol(t) in loss_symbols]
    return [*network.input_ids(), *targets, *network.parameter_ids()]
