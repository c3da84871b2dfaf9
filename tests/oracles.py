"""Independent oracles for the derivation: exact zero tests for symbolic identities.

``is_identically_zero(expr)`` decides whether an expression in the network's leaves
(inputs, targets, weights, biases) is identically zero, exactly:

1. structurally zero, or ``sympy.cancel`` proves it for small expressions;
2. otherwise the expression is *atomised*: every exp/log/tanh node and every power with a
   symbolic exponent becomes a fresh symbol (``exp(k·x)`` becomes ``t_x**k`` and
   ``exp(c·log u)`` is first written ``u**c`` so both sides of an identity share atoms).
   The result is a rational function; if it is identically zero then so is the original.
   It is evaluated in exact rational arithmetic at random points (Schwartz–Zippel: a
   nonzero rational function of degree D vanishes at a random point with coordinates
   drawn from 10^6 values with probability at most D/10^6 — two points are used).
3. if the atomised form is not zero at some point (an identity that needs exp/log
   laws beyond those above), fall back to ``sympy.simplify``.

Expanding the whole loss and calling ``simplify`` directly takes minutes per sigmoid
net; this takes well under a second.
"""

from __future__ import annotations

import random

import sympy

_FUNCTIONS = (sympy.exp, sympy.log, sympy.tanh)


def _log_part(term: sympy.Expr):
    """(u, c) when ``term`` is ``c·log(u)``, else None."""
    if isinstance(term, sympy.log):
        return term.args[0], sympy.S.One
    if term.is_Mul:
        logs = [f for f in term.args if isinstance(f, sympy.log)]
        if len(logs) == 1:
            return logs[0].args[0], term / logs[0]
    return None


def _has_log_part(node: sympy.Expr) -> bool:
    if not isinstance(node, sympy.exp):
        return False
    return any(_log_part(t) is not None for t in sympy.Add.make_args(node.args[0]))


def _split_exp(node: sympy.Expr) -> sympy.Expr:
    """exp(a + c·log(u) + …) written as exp(a)·u**c·… (SymPy does so only sometimes)."""
    rest, powers = [], []
    for term in sympy.Add.make_args(node.args[0]):
        part = _log_part(term)
        if part is None:
            rest.append(term)
        else:
            powers.append(sympy.Pow(*part))
    return sympy.exp(sympy.Add(*rest)) * sympy.Mul(*powers)


def _powers_of_logs(expr: sympy.Expr) -> sympy.Expr:
    """Write every ``exp(a + c·log(u))`` as ``exp(a)·u**c``, bottom-up."""
    return expr.replace(_has_log_part, _split_exp)


def _exp_key(arg: sympy.Expr) -> tuple[sympy.Expr, sympy.Integer]:
    """exp(arg) = t**k with t = exp(rest): returns (rest, k) for integer k, sign normalised."""
    sign = 1
    if arg.could_extract_minus_sign():
        sign, arg = -1, -arg
    coeff, rest = arg.as_content_primitive()
    if not coeff.is_Integer:
        coeff, rest = sympy.S.One, arg
    return rest, sign * coeff


def atomised(expr: sympy.Expr) -> sympy.Expr:
    """The expression with transcendental nodes replaced by fresh positive symbols."""
    expr = _powers_of_logs(expr)
    atoms: dict = {}

    def atom(key):
        return atoms.setdefault(key, sympy.Dummy(positive=True))

    mapping = {}
    for node in expr.atoms(sympy.exp):
        rest, power = _exp_key(node.args[0])
        mapping[node] = atom(("exp", rest)) ** power
    for node in expr.atoms(sympy.log, sympy.tanh):
        mapping[node] = atom(node)
    for node in expr.atoms(sympy.Pow):
        if not node.exp.is_Number:
            mapping[node] = atom(node)
    return expr.xreplace(mapping)


def vanishes_at_random_points(expr: sympy.Expr, seed: int = 0, points: int = 2) -> bool:
    """True if the atomised expression is exactly 0 at ``points`` random rational points."""
    rng = random.Random(seed)
    rational = atomised(expr)
    symbols = sorted(rational.free_symbols, key=str)
    for _ in range(points):
        point = {
            s: sympy.Rational(rng.randint(1, 10**6), rng.randint(1, 10**6)) for s in symbols
        }
        if rational.xreplace(point) != 0:
            return False
    return True


def is_identically_zero(expr: sympy.Expr) -> bool:
    """Exact decision that ``expr`` is 0 for all values of its symbols (see module doc)."""
    if expr == 0:
        return True
    if sympy.count_ops(expr) < 40 and sympy.cancel(expr) == 0:
        return True
    if vanishes_at_random_points(expr):
        return True
    return sympy.simplify(expr) == 0
