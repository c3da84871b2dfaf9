"""The chain rule's vocabulary: a Leibniz factor, an error signal, a gradient.

These are plain records; the layers (``symnn.layers``) make them and the ``Derivation``
(``symnn.derive``) hands them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy


@dataclass(frozen=True)
class Factor:
    """One Leibniz factor ∂numerator/∂denominator and its value in symbols of quantities."""

    numerator: str
    denominator: str
    value: sympy.Expr


@dataclass(frozen=True)
class ErrorSignal:
    """δ = ∂E/∂net of one neuron, as a sum of products of two factors.

    Elementwise activations have one term (∂E/∂out · ∂out/∂net); softmax has one term per
    output neuron. ``simplified`` is a shorter equal form valid under ``condition``
    (softmax with cross-entropy: out − d when the targets sum to 1).
    """

    id: str
    terms: tuple[tuple[Factor, Factor], ...]
    simplified: sympy.Expr | None = None
    condition: str | None = None


@dataclass(frozen=True)
class Gradient:
    """∂E/∂(quantity) = Σ δ · ∂net/∂(quantity) over the neurons the quantity feeds.

    ``terms`` pairs the id of each δ with the factor ∂net/∂(quantity). The output
    layer's dE/dout has no terms: it is differentiated from the loss directly.
    """

    id: str
    wrt: str
    terms: tuple[tuple[str, Factor], ...]
