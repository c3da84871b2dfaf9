"""The optimizers symnn knows, each defined once by its update rule as SymPy expressions.

Contract of an entry in ``OPTIMIZERS``: a name; its hyper-parameters (the ``[values]``
keys it reads besides ``learning_rate`` and ``weight_decay``, named and defaulted as the
arguments of ``torch.optim``); its state (kinds from ``STATE``, each starting at 0); a
function ``rule(t)`` giving, for step number ``t`` (1-based), the new value of each state
and then of the parameter (key ``"p"``), in the generic symbols below; the general
formula in LaTeX for documents; ``moment``, the state that carries the momentum (a decayed
sum of gradients) if any, and whether the rule has a bias correction (then the rule
without it is ``rule(sympy.oo)``: β^t → 0). The checker's slips read these two. Nothing
else is stored: the numbers of a step, its LaTeX with numbers and the generated NumPy code
are all printed from ``rule``.

Generic symbols of a rule:

- ``P`` the parameter before the step, ``G`` its gradient: the batch mean ∂E/∂p plus
  ``weight_decay``·p (L2, applied by every optimizer before its rule, as PyTorch does);
- ``OLD[kind]`` a state before the step, ``NEW[kind]`` after it (a rule may use the new
  value of a state it computed before, e.g. Adam's parameter uses the new m and s);
- ``HYPER[name]`` each hyper-parameter, ``HYPER["learning_rate"]`` the learning rate η.

The definitions are PyTorch's (float64 ``torch.optim`` gives the same numbers):

- ``sgd``: p ← p − η g
- ``momentum`` (``SGD(momentum=μ)``): v ← μ v + g; p ← p − η v
- ``nesterov`` (``SGD(momentum=μ, nesterov=True)``): v ← μ v + g; p ← p − η (g + μ v)
- ``rmsprop`` (``RMSprop(alpha, eps)``): s ← α s + (1 − α) g²; p ← p − η g / (√s + ε)
- ``adam`` (``Adam(betas=(β₁, β₂), eps)``): m ← β₁ m + (1 − β₁) g;
  s ← β₂ s + (1 − β₂) g²; p ← p − η (m / (1 − β₁ᵗ)) / (√(s / (1 − β₂ᵗ)) + ε)

``momentum`` defaults to 0.9 (PyTorch's SGD default of 0 would make it plain SGD).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sympy

from symnn.errors import SpecError

STATE = {
    "v": "velocity (momentum buffer)",
    "m": "first moment (mean of the gradients)",
    "s": "second moment (mean of the squared gradients)",
}
P = sympy.Symbol("p", real=True)
G = sympy.Symbol("g", real=True)
OLD = {kind: sympy.Symbol(kind, real=True) for kind in STATE}
NEW = {kind: sympy.Symbol(kind + "_new", real=True) for kind in STATE}
HYPER_NAMES = ("learning_rate", "momentum", "alpha", "beta1", "beta2", "eps")
HYPER = {name: sympy.Symbol(name, positive=True) for name in HYPER_NAMES}
WEIGHT_DECAY = "weight_decay"
DECAY = sympy.Symbol("weight_decay", positive=True)  # λ of g = ∂E/∂p + λp, in documents
# PyTorch's defaults (torch.optim, 2.x); learning_rate's is the optimizer's own.
DEFAULTS = {
    "momentum": Fraction(9, 10),
    "alpha": Fraction(99, 100),
    "beta1": Fraction(9, 10),
    "beta2": Fraction(999, 1000),
    "eps": Fraction(1, 10**8),
    WEIGHT_DECAY: Fraction(0),
}
# Allowed ranges of the hyper-parameters: (low, high, whether high itself is allowed).
RANGES = {
    "learning_rate": (0, None),
    "momentum": (0, 1),
    "alpha": (0, 1),
    "beta1": (0, 1),
    "beta2": (0, 1),
    "eps": (0, None),
    WEIGHT_DECAY: (0, None),
}


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its hyper-parameters, state, update rule and general formula."""

    name: str
    hyper: tuple[str, ...]
    state: tuple[str, ...]
    rule: Callable[[int], dict[str, sympy.Expr]]
    default_learning_rate: Fraction
    formula_latex: str
    moment: str | None = None
    bias_corrected: bool = False


def _sgd(t: int) -> dict[str, sympy.Expr]:
    return {"p": P - HYPER["learning_rate"] * G}


def _momentum(t: int) -> dict[str, sympy.Expr]:
    v, mu, eta = NEW["v"], HYPER["momentum"], HYPER["learning_rate"]
    return {"v": mu * OLD["v"] + G, "p": P - eta * v}


def _nesterov(t: int) -> dict[str, sympy.Expr]:
    v, mu, eta = NEW["v"], HYPER["momentum"], HYPER["learning_rate"]
    return {"v": mu * OLD["v"] + G, "p": P - eta * (G + mu * v)}


def _rmsprop(t: int) -> dict[str, sympy.Expr]:
    alpha, eta, eps = HYPER["alpha"], HYPER["learning_rate"], HYPER["eps"]
    return {
        "s": alpha * OLD["s"] + (1 - alpha) * G**2,
        "p": P - eta * G / (sympy.sqrt(NEW["s"]) + eps),
    }


def _adam(t: int) -> dict[str, sympy.Expr]:
    beta1, beta2 = HYPER["beta1"], HYPER["beta2"]
    eta, eps = HYPER["learning_rate"], HYPER["eps"]
    m_hat = NEW["m"] / (1 - beta1**t)
    s_hat = NEW["s"] / (1 - beta2**t)
    return {
        "m": beta1 * OLD["m"] + (1 - beta1) * G,
        "s": beta2 * OLD["s"] + (1 - beta2) * G**2,
        "p": P - eta * m_hat / (sympy.sqrt(s_hat) + eps),
    }


OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Optimizer("sgd", (), (), _sgd, Fraction(1, 1000), r"p_{t} = p_{t-1} - \eta g_t"),
    "momentum": Optimizer(
        "momentum", ("momentum",), ("v",), _momentum, Fraction(1, 1000),
        r"v_t = \mu v_{t-1} + g_t,\quad p_t = p_{t-1} - \eta v_t", moment="v",
    ),
    "nesterov": Optimizer(
        "nesterov", ("momentum",), ("v",), _nesterov, Fraction(1, 1000),
        r"v_t = \mu v_{t-1} + g_t,\quad p_t = p_{t-1} - \eta (g_t + \mu v_t)", moment="v",
    ),
    "rmsprop": Optimizer(
        "rmsprop", ("alpha", "eps"), ("s",), _rmsprop, Fraction(1, 100),
        r"s_t = \alpha s_{t-1} + (1 - \alpha) g_t^2,\quad "
        r"p_t = p_{t-1} - \eta \frac{g_t}{\sqrt{s_t} + \epsilon}",
    ),
    "adam": Optimizer(
        "adam", ("beta1", "beta2", "eps"), ("m", "s"), _adam, Fraction(1, 1000),
        r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t,\quad "
        r"s_t = \beta_2 s_{t-1} + (1 - \beta_2) g_t^2,\quad "
        r"p_t = p_{t-1} - \eta \frac{m_t / (1 - \beta_1^t)}"
        r"{\sqrt{s_t / (1 - \beta_2^t)} + \epsilon}",
        moment="m", bias_corrected=True,
    ),
}


def get(name: str) -> Optimizer:
    """Look an optimizer up by name; the error lists the known ones."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise SpecError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}") from None


def general_rule(name: str, t) -> dict[str, sympy.Expr]:
    """The rule of step ``t`` in the symbols of its hyper-parameters (``HYPER``), as the
    documents write it before the numbers."""
    return get(name).rule(t)


def step_rule(name: str, t, hyper: dict[str, Fraction]) -> dict[str, sympy.Expr]:
    """The rule of step ``t`` with the hyper-parameters' numbers in it (exact); ``t`` may
    be ``sympy.oo`` (the rule without bias correction)."""
    numbers = {HYPER[k]: sympy.Rational(v) for k, v in hyper.items() if k in HYPER}
    return {key: expr.xreplace(numbers) for key, expr in get(name).rule(t).items()}
