"""Benchmark: time of ``symnn.evaluate.evaluate`` against the old xreplace/evalf way.

    python bench/evaluate.py            # 2-2-2, 64-32-10, 784-20-20-10
    python bench/evaluate.py --quick    # skip 784-20-20-10 (the reference takes a minute)

Each net has sigmoid layers, the MSE loss, per-neuron biases, a learning rate (so the
update step and E' are evaluated too) and random decimal values (seeded). ``evaluate``
is timed on its first call in the process (closures compiled, as the CLI runs it); the
reference is the evaluation ``symnn.evaluate`` used before, kept here only: every
definition substituted with ``xreplace`` and evaluated with ``evalf(50)``. The script
also checks both give the same ids, the same exactness and values within 10^-45.
"""

from __future__ import annotations

import argparse
import random
import time
from fractions import Fraction
from itertools import pairwise

import sympy

from symnn import spec
from symnn.derive import Derivation, derive
from symnn.evaluate import evaluate, leaf_values
from symnn.naming import gradient_id, symbol, updated_id

SIZES = [[2, 2, 2], [64, 32, 10], [784, 20, 20, 10]]
DIGITS = 50
TOLERANCE = sympy.Rational(1, 10**45)


def random_spec(layers: list[int], seed: int = 1) -> spec.NetworkSpec:
    """A sigmoid/MSE net with random 3-decimal values and a learning rate."""
    rng = random.Random(seed)

    def decimal(low: float, high: float) -> Fraction:
        return Fraction(f"{rng.uniform(low, high):.3f}")

    targets = [Fraction(int(j == 0)) for j in range(layers[-1])]
    return spec.from_dict({
        "network": {"layers": layers, "activation": "sigmoid", "loss": "mse"},
        "values": {
            "inputs": [decimal(0, 1) for _ in range(layers[0])],
            "targets": targets,
            "weights": [[[decimal(-0.5, 0.5) for _ in range(a)] for _ in range(b)]
                        for a, b in pairwise(layers)],
            "biases": [[decimal(-0.5, 0.5) for _ in range(b)] for b in layers[1:]],
            "learning_rate": Fraction(1, 10),
        },
    })


# ------------------------------------------------- the reference: the old way, verbatim

def reference_evaluate(derivation: Derivation) -> dict[str, sympy.Expr]:
    """Every quantity by ``xreplace`` + ``evalf``, the update step and ``E'``."""
    numbers = _reference(derivation.definitions, dict(leaf_values(derivation)))
    rate = derivation.spec.values.learning_rate
    if rate is not None:
        numbers.update(_reference_update(derivation, numbers, sympy.Rational(rate)))
    return numbers


def _reference(definitions: dict, env: dict) -> dict:
    by_symbol = {symbol(k): v for k, v in env.items()}
    for quantity_id, expr in definitions.items():
        if any(s not in by_symbol for s in expr.free_symbols):
            continue
        value = expr.xreplace(by_symbol)
        if not value.is_Rational:
            value = value.evalf(DIGITS)
        env[quantity_id] = value
        by_symbol[symbol(quantity_id)] = value
    return env


def _reference_update(derivation: Derivation, numbers: dict, rate: sympy.Rational) -> dict:
    network = derivation.network
    update_biases = derivation.spec.values.update_biases
    updated: dict = {}
    after = {k: v for k, v in numbers.items() if k in network.input_ids() + network.target_ids()}
    for param in network.parameter_ids():
        is_bias = param.startswith("b")
        step = 0 if (is_bias and not update_biases) else rate * numbers[gradient_id(param)]
        updated[updated_id(param)] = numbers[param] - step
        after[param] = updated[updated_id(param)]
    forward = {k: v for k, v in derivation.definitions.items() if k.startswith(("net", "out"))}
    forward["E"] = derivation.definitions["E"]
    after = _reference(forward, after)
    if "E" in after:
        updated["E'"] = after["E"]
    return updated


# ------------------------------------------------------------------------------ main

def agreement(ours: dict, reference: dict) -> str:
    """'yes' when ids, order, exactness and values (within 10^-45) agree, else what differs."""
    if list(ours) != list(reference):
        return "NO: different ids"
    for key, value in reference.items():
        if ours[key].is_Rational != value.is_Rational:
            return f"NO: exactness of {key}"
        if abs(ours[key] - value) > TOLERANCE * max(1, abs(value)):
            return f"NO: value of {key}"
    return "yes"


def main() -> None:
    """Print one line per net: quantities, seconds of each way, the ratio, agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 784-20-20-10")
    args = parser.parse_args()
    sizes = SIZES[:-1] if args.quick else SIZES
    print(f"{'layers':<16}{'quantities':>11}{'evaluate s':>12}{'reference s':>13}"
          f"{'ratio':>9}  agree")
    for layers in sizes:
        derivation = derive(random_spec(layers))
        start = time.perf_counter()
        ours = evaluate(derivation).values
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        reference = reference_evaluate(derivation)
        reference_seconds = time.perf_counter() - start
        name = "-".join(map(str, layers))
        print(f"{name:<16}{len(ours):>11}{seconds:>12.3f}{reference_seconds:>13.3f}"
              f"{reference_seconds / seconds:>8.1f}x  {agreement(ours, reference)}", flush=True)


if __name__ == "__main__":
    main()
