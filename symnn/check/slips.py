"""The common slips of hand-worked backpropagation, each a way to re-derive the network.

Contract of an entry in ``SLIPS``: a name and a function ``(derivation, names) -> [Variant]``
giving the variants of that slip that apply to the network (none when it cannot happen,
e.g. no learning rate, or when the variant would equal the network itself). A variant
either rebuilds the model with changed ``Options`` (the checker evaluates it from scratch
and from the claimant's carried values) or flips the sign of the value (alone, or the
value of another slip: ``pair``). When no single slip reproduces a number, the checker
tries two together and names both, joined with ``+``. The checker tries
them in this order and names the first that reproduces a wrong claim; a claim of a
value after t steps that is the value after t ± 1 steps comes next (``STEP_OFF_BY_ONE``),
and a claim that equals another quantity's value is the last resort (``OTHER_QUANTITY``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import sympy

from symnn import activations, losses, optimizers
from symnn.check.digits import show
from symnn.check.model import Options, combine, same_loss
from symnn.check.names import Names
from symnn.derive import Derivation
from symnn.evaluate import is_training
from symnn.naming import qid

SQUARED_LOSSES = {"mse": "(1/n)Σ(d − y)²", "half-sse": "½Σ(d − y)²", "sse": "Σ(d − y)²"}
MAX_SWAPPED_OUTPUTS = 10  # target swaps are tried for nets with at most this many outputs
MAX_BATCH_SLIPS = 8  # "one sample for the batch" is tried for batches up to this size
OTHER_QUANTITY = "other-quantity"
STEP_OFF_BY_ONE = "step-off-by-one"  # a value after t±1 steps claimed as after t (verdict.py)


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
    if is_training(derivation):  # worked as a whole training run: not modelled there
        return []
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


def _layers(derivation: Derivation) -> list[tuple[int, str]]:
    """(layer, activation) of every non-input layer."""
    network = derivation.network
    return [(layer, network.activation(layer)) for layer in range(2, network.depth + 1)]


def _layer_name(derivation: Derivation, layer: int) -> str:
    return "the output layer" if layer == derivation.network.depth else f"layer {layer}"


def _has_output_form(name: str, slope) -> bool:
    return activations.get(name).elementwise and (
        activations.derivative_in_output(name, slope) is not None
    )


def _activation_derivative(derivation: Derivation, names: Names) -> list[Variant]:
    slope = derivation.network.leaky_slope
    variants = []
    for layer, name in _layers(derivation):
        if not activations.get(name).elementwise:
            continue
        where = _layer_name(derivation, layer)
        for other in ("sigmoid", "tanh"):
            if other != name:
                formula = {"sigmoid": "out(1 − out)", "tanh": "1 − out²"}[other]
                variants.append(Variant(
                    "activation-derivative",
                    f"φ′ of {other}, {formula}, was used for the {name} of {where}",
                    Options(slopes=((layer, other),)),
                ))
        if name == "relu" and not _has_output_form(name, slope):
            variants.append(Variant(
                "activation-derivative",
                f"relu′(0) was taken as 1 in {where} (the derivative at 0 is 0)",
                Options(slopes=((layer, "relu-at-0"),)),
            ))
    return variants


def _missing_activation_derivative(derivation: Derivation, names: Names) -> list[Variant]:
    return [
        Variant(
            "missing-activation-derivative",
            f"the factor φ′ ({name}′) of {_layer_name(derivation, layer)} was left out: "
            "δ = ∂E/∂out instead of ∂E/∂out · φ′",
            Options(slopes=((layer, "one"),)),
        )
        for layer, name in _layers(derivation)
        if name != "identity"
    ]


def _transposed_weight(derivation: Derivation, names: Names) -> list[Variant]:
    network = derivation.network
    variants = []
    square = [layer for layer in range(2, network.depth + 1)
              if network.size(layer) == network.size(layer - 1) > 1]
    if any(layer > 2 for layer in square):
        variants.append(Variant(
            "transposed-weight",
            "back-propagated with w_kj in place of w_jk (the weight matrix read transposed)",
            Options(transposed_backprop=True),
        ))
    for layer in square:
        variants.append(Variant(
            "transposed-weight",
            f"the weights into {_layer_name(derivation, layer)} were read transposed in the "
            "forward pass",
            Options(forward=((layer, "transposed"),)),
        ))
    return variants


def _net_for_out(derivation: Derivation, names: Names) -> list[Variant]:
    network = derivation.network
    variants = []
    if network.depth > 2:
        variants.append(Variant(
            "net-for-out",
            "∂E/∂w was computed as δ · net of the sending neuron where its out belongs",
            Options(gradient_from_net=True),
        ))
    for layer, name in _layers(derivation):
        if not activations.get(name).elementwise or name == "identity":
            continue
        where = _layer_name(derivation, layer)
        variants.append(Variant(
            "net-for-out", f"φ ({name}) was not applied in {where}: out = net",
            Options(forward=((layer, "no-activation"),)),
        ))
        variants.append(Variant(
            "net-for-out", f"φ ({name}) was applied twice in {where}: out = φ(φ(net))",
            Options(forward=((layer, "twice"),)),
        ))
        if _has_output_form(name, network.leaky_slope):
            variants.append(Variant(
                "net-for-out",
                f"φ′ of {where} was evaluated at net where its out belongs",
                Options(slopes=((layer, "at-net"),)),
            ))
    return variants


def _update_sign(derivation: Derivation, names: Names) -> list[Variant]:
    rate = derivation.spec.values.learning_rate
    if rate is None:
        return []
    return [
        Variant(
            "update-sign",
            "the update went uphill: w + η·∂E/∂w instead of w − η·∂E/∂w",
            Options(rate=-sympy.Rational(rate)),
        )
    ]


def _no_bias_correction(derivation: Derivation, names: Names) -> list[Variant]:
    values = derivation.spec.values
    if values.learning_rate is None or not optimizers.get(values.optimizer).bias_corrected:
        return []
    return [Variant(
        "no-bias-correction",
        f"the bias correction of {values.optimizer} is missing: m and s were used where "
        "m/(1 − β₁ᵗ) and s/(1 − β₂ᵗ) belong",
        Options(optimizer_slip="no-bias-correction"),
    )]


def _batch_sum(derivation: Derivation, names: Names) -> list[Variant]:
    values = derivation.spec.values
    if not values.is_batch:
        return []
    return [Variant(
        "batch-sum",
        f"the batch loss and gradients were summed over the {values.batch_size} samples "
        "instead of averaged",
        Options(batch_weights=(sympy.S.One,) * values.batch_size),
    )]


def _batch_one_sample(derivation: Derivation, names: Names) -> list[Variant]:
    values = derivation.spec.values
    if not values.is_batch or values.batch_size > MAX_BATCH_SLIPS:
        return []
    count = values.batch_size
    return [
        Variant(
            "batch-not-averaged",
            f"the batch was not averaged: sample {s} alone was used for the batch loss and "
            "gradients",
            Options(batch_weights=tuple(sympy.S.One if i == s else sympy.S.Zero
                                        for i in range(1, count + 1))),
        )
        for s in range(1, count + 1)
    ]


def _momentum_old_gradient(derivation: Derivation, names: Names) -> list[Variant]:
    values = derivation.spec.values
    moment = optimizers.get(values.optimizer).moment
    if values.learning_rate is None or moment is None or values.steps < 2:
        return []
    return [Variant(
        "momentum-old-gradient",
        f"the momentum was applied to the previous step's gradient instead of to {moment} "
        f"({moment} = decay · g of step t−1 + … in place of decay · {moment} of step t−1 + …)",
        Options(optimizer_slip="old-gradient"),
    )]


def _missing_output_term(derivation: Derivation, names: Names) -> list[Variant]:
    if is_training(derivation):  # worked as a whole training run: not modelled there
        return []
    network = derivation.network
    outputs = network.size(network.depth)
    summed = losses.get(derivation.spec.loss).term is not None
    if outputs < 2 or outputs > MAX_SWAPPED_OUTPUTS or not summed:
        return []
    return [
        Variant(
            "missing-output-term",
            f"the term of output {names.plain(qid('out', network.depth, j))} is missing from "
            "a sum over the outputs",
            Options(omitted_output=j),
        )
        for j in range(1, outputs + 1)
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
    "activation-derivative": _activation_derivative,
    "missing-activation-derivative": _missing_activation_derivative,
    "transposed-weight": _transposed_weight,
    "net-for-out": _net_for_out,
    "update-sign": _update_sign,
    "no-bias-correction": _no_bias_correction,
    "batch-sum": _batch_sum,
    "batch-not-averaged": _batch_one_sample,
    "momentum-old-gradient": _momentum_old_gradient,
    "missing-output-term": _missing_output_term,
}


def variants(derivation: Derivation, names: Names) -> list[Variant]:
    """Every variant of every slip that applies to the network, in catalogue order."""
    return [v for make in SLIPS.values() for v in make(derivation, names)]


def pair(first: Variant, second: Variant) -> Variant | None:
    """Two slips of different kinds made together (``missing-2+activation-derivative``),
    or None when they change the same thing."""
    if first.slip == second.slip or (first.negate and second.negate):
        return None
    if first.negate or second.negate:
        options = first.options or second.options
    else:
        options = combine(first.options, second.options)
        if options is None:
            return None
    return Variant(
        f"{first.slip}+{second.slip}",
        f"{first.description}, and {second.description}",
        options,
        negate=first.negate or second.negate,
    )
