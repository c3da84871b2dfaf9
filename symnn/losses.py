"""The loss functions symnn knows, each defined once as a SymPy expression per sample.

Contract of an entry in ``LOSSES``: a name, a function building E from the list of
output-neuron symbols ``ys`` and target symbols ``ds``, a LaTeX formula in the generic
names y_j, d_j, n (for documents), whether it needs targets, the outputs it is defined
for (``outputs``: a log loss needs outputs in (0, 1) or (0, ∞); the spec refuses an output
activation whose values leave that interval), what targets mean (``targets``: "any"
number, "probabilities" each in [0, 1], or a "distribution": each in [0, 1] and summing
to 1; ``symnn.spec`` checks them), and, for a loss that is a sum over the outputs, the
term of one output ``term(y, d, n)`` (E = Σ_j term(y_j, d_j, n); for mse that is
(d_j − y_j)²/n). Derivatives come from ``sympy.diff``. Over a batch of samples the loss
is the mean of the per-sample losses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from symnn.errors import SpecError


@dataclass(frozen=True)
class Loss:
    """One loss function: its name, SymPy builder and general formula in LaTeX."""

    name: str
    build: Callable[[list, list], sympy.Expr]
    formula_latex: str
    needs_targets: bool = True
    outputs: sympy.Interval = sympy.S.Reals  # the outputs y for which E is a real number
    targets: str = "any"  # "any" | "probabilities" | "distribution"
    term: Callable[..., sympy.Expr] | None = None  # E[j] of a sum over the outputs


def _squared_errors(ys, ds):
    return sympy.Add(*[(d - y) ** 2 for y, d in zip(ys, ds, strict=True)])


def _mse(ys, ds):
    return sympy.Rational(1, len(ys)) * _squared_errors(ys, ds)


def _half_sse(ys, ds):
    return sympy.Rational(1, 2) * _squared_errors(ys, ds)


def _sse(ys, ds):
    return _squared_errors(ys, ds)


def _cross_entropy(ys, ds):
    return -sympy.Add(*[d * sympy.log(y) for y, d in zip(ys, ds, strict=True)])


def _binary_cross_entropy(ys, ds):
    pairs = zip(ys, ds, strict=True)
    return -sympy.Add(*[d * sympy.log(y) + (1 - d) * sympy.log(1 - y) for y, d in pairs])


def _mse_term(y, d, n):
    return sympy.Rational(1, n) * (d - y) ** 2


def _half_sse_term(y, d, n):
    return sympy.Rational(1, 2) * (d - y) ** 2


def _sse_term(y, d, n):
    return (d - y) ** 2


def _cross_entropy_term(y, d, n):
    return -d * sympy.log(y)


def _binary_cross_entropy_term(y, d, n):
    return -(d * sympy.log(y) + (1 - d) * sympy.log(1 - y))


def _output(ys, ds):
    return ys[0]


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse, r"\frac{1}{n}\sum_{j=1}^{n} (d_j - y_j)^2", term=_mse_term),
    "half-sse": Loss(
        "half-sse", _half_sse, r"\frac{1}{2}\sum_{j=1}^{n} (d_j - y_j)^2", term=_half_sse_term
    ),
    "sse": Loss("sse", _sse, r"\sum_{j=1}^{n} (d_j - y_j)^2", term=_sse_term),
    "cross-entropy": Loss(
        "cross-entropy",
        _cross_entropy,
        r"-\sum_{j=1}^{n} d_j \log y_j",
        outputs=sympy.Interval.open(0, sympy.oo),
        targets="distribution",
        term=_cross_entropy_term,
    ),
    "binary-cross-entropy": Loss(
        "binary-cross-entropy",
        _binary_cross_entropy,
        r"-\sum_{j=1}^{n} \left[ d_j \log y_j + (1 - d_j) \log (1 - y_j) \right]",
        outputs=sympy.Interval.open(0, 1),
        targets="probabilities",
        term=_binary_cross_entropy_term,
    ),
    "output": Loss("output", _output, r"y_1", needs_targets=False),
}


def get(name: str) -> Loss:
    """Look a loss up by name; the error lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise SpecError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
