"""The common slips of hand-worked backpropagation, each a way to re-derive the network.

Contract of an entry in ``SLIPS``: a name and a function ``(derivation, names) -> [Variant]``
giving the variants of that slip that apply to the network (none when it cannot happen,
e.g. no learning rate, or when the variant would equal the network itself). A variant
either rebuilds the model with changed ``Options`` (the checker evaluates it from scratch
and from the claimant's carried values) or flips the sign of the value. The checker tries
them in this order and names the first that reproduces a wrong claim; a claim that
equals another quantity's value is the last resort (``OTHER_QUANTITY``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import sympy

from symnn.check.digits import show
from symnn.check.model import Options, same_loss
from symnn.check.names import Names
from symnn.derive import Derivation

SQUARED_LOSSES = {"mse": "(1/n)Σ(d − y)²", "half-sse": "½Σ(d − y)²", "sse": "Σ(d − y)²"}
MAX_SWAPPED_OUTPUTS = 10  # target swaps are tried for nets with at most this many outputs
OTHER_QUANTITY = "other-quantity"


@dataclass(frozen=True)
class Variant:
    """One way a slip can happen: a model option set, or the value with its sign flipped."""

    slip: str
    description: str
    options: Options | None = None
    negate: bool = False


def _sign(derivation: Derivation, names: Names) -> list[Variant]:
    return [Variant("sign", "the sign is flipped", negate=True)]


def _gradient_sign(derivation: Derivation, names: Names) -> list[Variant]:
    return [
        Variant(
            "gradient-sign",
            "∂E/∂y has the wrong sign (d − y where the derivative gives y − d), so the "
            "step goes uphill",
            Options(output_scale=sympy.Integer(-1)),
        )
    ]


def _missing_two(derivation: Derivation, names: Names) -> list[Variant]:
    if derivation.spec.loss not in SQUARED_LOSSES:
        return []
    return [
        Variant(
            "missing-2",
            "the factor 2 from differentiating the square is missing",
            Options(output_scale=sympy.Rational(1, 2)),
        )
    ]


def _missing_one_over_n(derivation: Derivation, names: Names) -> list[Variant]:
    outputs = derivation.spec.layers[-1]
    if derivation.spec.loss != "mse" or outputs == 1:
        return []
    return [
        Variant(
            "missing-1/n",
            f"the 1/n of the mean squared error is missing (n = {outputs} outputs)",
            Options(output_scale=sympy.Integer(outputs)),
        )
    ]


def _loss_convention(derivation: Derivation, names: Names) -> list[Variant]:
    loss = derivation.spec.loss
    if loss not in SQUARED_LOSSES:
        return []
    return [
        Variant(
            "loss-convention",
            f"the loss {SQUARED_LOSSES[other]} was used where the network's loss is "
            f"{SQUARED_LOSSES[loss]}",
            Options(loss=other),
        )
        for other in SQUARED_LOSSES
        if other != loss and not same_loss(derivation, other)
    ]


def _target_swap(derivation: Derivation, names: Names) -> list[Variant]:
    values = derivation.spec.values
    if values.targets is None or len(values.targets) > MAX_SWAPPED_OUTPUTS:
        return []
    ids = derivation.network.target_ids()
    targets = [sympy.Rational(t) for t in values.targets]
    variants = []
    for (i, a), (j, b) in combinations(enumerate(targets), 2):
        if a == b:
            continue
        pair = f"{names.plain(ids[i])} and {names.plain(ids[j])}"
        variants.append(
            Variant(
                "target-swap",
                f"the targets {pair} are swapped",
                Options(leaves=((ids[i], b), (ids[j], a))),
            )
        )
    return variants


def _updated_weight(derivation: Derivation, names: Names) -> list[Variant]:
    if derivation.spec.values.learning_rate is None or derivation.spec.depth < 3:
        return []
    return [
        Variant(
            "updated-weight",
            "the already updated weights of the next layer were used instead of the "
            "original ones when back-propagating to an earlier layer",
            Options(updated_backprop=True),
        )
    ]


def _no_learning_rate(derivation: Derivation, names: Names) -> list[Variant]:
    rate = derivation.spec.values.learning_rate
    if rate is None or rate == 1:
        return []
    return [
        Variant(
            "no-learning-rate",
            f"the learning rate η = {show(sympy.Rational(rate))} is missing from the update",
            Options(rate=sympy.Integer(1)),
        )
    ]


SLIPS: dict[str, Callable[[Derivation, Names], list[Variant]]] = {
    "sign": _sign,
    "gradient-sign": _gradient_sign,
    "missing-2": _missing_two,
    "missing-1/n": _missing_one_over_n,
    "loss-convention": _loss_convention,
    "target-swap": _target_swap,
    "updated-weight": _updated_weight,
    "no-learning-rate": _no_learning_rate,
}


def variants(derivation: Derivation, names: Names) -> list[Variant]:
    """Every variant of every slip that applies to the network, in catalogue order."""
    return [v for make in SLIPS.values() for v in make(derivation, names)]
