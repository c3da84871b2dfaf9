"""The activation functions symnn knows, each defined once as a SymPy expression.

Contract of an entry in ``ACTIVATIONS``: a name, a function that builds the activation's
SymPy expression of the pre-activation ``z`` (for softmax: of the whole layer's vector),
its LaTeX symbol, whether it may only be used on the output layer, the kind of layer
that computes it (``symnn.layers.KINDS``), and three facts the code generator uses for
numerical stability (each confirmed symbolically where it is used), the interval
its values lie in (``values``: what a loss may take the log of). Nothing else is
stored: the derivative comes from ``sympy.diff``, and the form "in terms of the output"
(sigmoid: a(1-a), tanh: 1-a^2) is found by ``derivative_in_output`` symbolically.

Conventions:
- relu is ``Piecewise((z, z > 0), (0, True))``, so its derivative at 0 is 0 (not SymPy's
  Heaviside(0) = 1/2); leaky-relu likewise has derivative ``slope`` at 0.
- leaky-relu's slope is 1/100 unless the spec gives ``leaky_slope``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy

from symnn.errors import SpecError

Z = sympy.Symbol("z", real=True)
A = sympy.Symbol("a", real=True)
DEFAULT_LEAKY_SLOPE = sympy.Rational(1, 100)


@dataclass(frozen=True)
class Activation:
    """One activation function: its name, SymPy expression builder and LaTeX symbol."""

    name: str
    build: Callable[..., sympy.Expr]  # elementwise: build(z, slope); softmax: build(zs, j)
    latex: str
    output_only: bool = False
    values: sympy.Interval = sympy.S.Reals  # the values the activation takes
    layer_kind: str = "elementwise"  # the kind of layer in symnn.layers.KINDS
    shift_invariant: bool = False  # unchanged if every net of the layer is shifted by c
    log_expands: bool = False  # expand_log of log(φ) has no overflowing exp (log-sigmoid)
    log_complement_expands: bool = False  # the same for log(1 - φ)

    @property
    def elementwise(self) -> bool:
        """True for functions applied to each neuron alone (all but softmax)."""
        return self.layer_kind == "elementwise"


def _sigmoid(z, slope):
    return 1 / (1 + sympy.exp(-z))


def _tanh(z, slope):
    return sympy.tanh(z)


def _relu(z, slope):
    return sympy.Piecewise((z, z > 0), (0, True))


def _leaky_relu(z, slope):
    return sympy.Piecewise((z, z > 0), (slope * z, True))


def _identity(z, slope):
    return z


def _softplus(z, slope):
    return sympy.log(1 + sympy.exp(z))


def _softmax(zs, j):
    return sympy.exp(zs[j]) / sympy.Add(*[sympy.exp(z) for z in zs])


_UNIT = sympy.Interval.open(0, 1)
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid, r"\sigma", values=_UNIT, log_expands=True,
                          log_complement_expands=True),
    "tanh": Activation("tanh", _tanh, r"\tanh", values=sympy.Interval.open(-1, 1)),
    "relu": Activation("relu", _relu, r"\operatorname{ReLU}", values=sympy.Interval(0, sympy.oo)),
    "leaky-relu": Activation("leaky-relu", _leaky_relu, r"\operatorname{LReLU}"),
    "identity": Activation("identity", _identity, r"\operatorname{id}"),
    "softplus": Activation("softplus", _softplus, r"\operatorname{softplus}",
                           values=sympy.Interval.open(0, sympy.oo)),
    "softmax": Activation("softmax", _softmax, r"\operatorname{softmax}", output_only=True,
                          layer_kind="softmax", shift_invariant=True, log_expands=True,
                          values=_UNIT),
}


def get(name: str) -> Activation:
    """Look an activation up by name; the error lists the known ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise SpecError(f"unknown activation {name!r}; known: {known}") from None


def expression(name: str, z: sympy.Expr, slope=DEFAULT_LEAKY_SLOPE) -> sympy.Expr:
    """The elementwise activation ``name`` applied to ``z``."""
    return get(name).build(z, slope)


@cache
def derivative(name: str, slope=DEFAULT_LEAKY_SLOPE) -> sympy.Expr:
    """dφ/dz of an elementwise activation as an expression of ``Z``, from sympy.diff."""
    return sympy.diff(expression(name, Z, slope), Z)


@cache
def derivative_in_output(name: str, slope=DEFAULT_LEAKY_SLOPE) -> sympy.Expr | None:
    """dφ/dz written in terms of the output ``A`` = φ(z), or None if SymPy finds none.

    Found symbolically: first by replacing φ(z) inside φ'(z) (tanh), then by solving
    a = φ(z) for z and substituting (sigmoid, softplus). Each candidate is confirmed
    at two points before it is accepted.
    """
    f = expression(name, Z, slope)
    d = derivative(name, slope)
    if isinstance(f, sympy.Piecewise):
        return None
    direct = d.subs(f, A)
    if Z not in direct.free_symbols:
        return sympy.simplify(direct)
    try:
        solutions = sympy.solve(sympy.Eq(A, f), Z)
    except NotImplementedError:
        return None
    for z_of_a in solutions:
        candidate = sympy.simplify(d.subs(Z, z_of_a))
        if Z not in candidate.free_symbols and _agrees(candidate, f, d):
            return candidate
    return None


def _agrees(candidate: sympy.Expr, f: sympy.Expr, d: sympy.Expr) -> bool:
    for z0 in (sympy.Rational(3, 10), sympy.Rational(-7, 10)):
        gap = candidate.subs(A, f.subs(Z, z0)) - d.subs(Z, z0)
        if abs(sympy.N(gap, 30)) > 1e-25:
            return False
    return True


def softmax_jacobian_entry(i: int, j: int, outs: list[sympy.Expr]) -> sympy.Expr:
    """∂ out_i / ∂ net_j of softmax in terms of the outputs, derived with sympy.diff.

    Differentiates softmax_i(z) by z_j, then substitutes z_k = log(a_k) (a preimage of
    the outputs, since they sum to 1) and replaces the sum of outputs by 1.
    """
    zs = sympy.symbols(f"z1:{len(outs) + 1}", real=True)
    a_s = sympy.symbols(f"a1:{len(outs) + 1}", positive=True)
    entry = sympy.diff(_softmax(list(zs), i), zs[j])
    entry = entry.subs({z: sympy.log(a) for z, a in zip(zs, a_s, strict=True)})
    entry = sympy.simplify(entry.subs(sympy.Add(*a_s), 1))
    return entry.subs(dict(zip(a_s, outs, strict=True)))
