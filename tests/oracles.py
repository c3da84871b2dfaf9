"""Independent oracles for the derivation: exact zero tests for symbolic identities.

``is_identically_zero(expr)`` decides whether an expression in the network's leaves
(inputs, targets, weights, biases) is identically zero, exactly:

1. structurally zero;
2. otherwise the expression is *atomised*: every exp/log/tanh node and every power with a
   symbolic exponent becomes a fresh symbol (``exp(k·x)`` becomes ``t_x**k`` and
   ``exp(c·log u)`` is first written ``u**c`` so both sides of an identity share atoms).
   The result is a rational function; if it is identically zero then so is the original.
   It is evaluated in exact rational arithmetic at random points (Schwartz–Zippel: a
   nonzero rational function of degree D vanishes at a random point with coordinates
   drawn from 10^6 values with probability at most D/10^6 — two points are used). The
   network's leaves are drawn with either sign, so nets take both signs and relu and
   leaky-relu are checked on both branches (a Piecewise is a rational function on each).
3. if the atomised form is not zero at some point: the expression evaluated with 60
   digits at a random point far from 0 shows it is not identically zero; otherwise (an
   identity that needs exp/log laws beyond those above) ``sympy.cancel`` (small
   expressions), then ``sympy.simplify``.

Both steps walk the expression bottom-up with a memo (``_bottom_up``): an expanded loss
repeats each net in every expression downstream of it, and a walk without a memo pays
for every copy (a relu net's Piecewise doubles its net at each layer).

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


def _bottom_up(expr: sympy.Expr, rule, memo: dict) -> sympy.Expr:
    """Rebuild ``expr`` from the leaves up, replacing each node by ``rule(node)`` unless
    that is None. An expanded loss is a tree whose subtrees repeat (a net appears in
    every expression downstream of it); ``memo`` makes each distinct subtree cost once."""
    try:
        return memo[expr]
    except KeyError:
        pass
    node = expr
    if expr.args:
        args = tuple(_bottom_up(a, rule, memo) for a in expr.args)
        if args != expr.args:
            node = expr.func(*args)
    replaced = rule(node)
    result = node if replaced is None else replaced
    memo[expr] = result
    return result


def _powers_of_logs(expr: sympy.Expr) -> sympy.Expr:
    """Write every ``exp(a + c·log(u))`` as ``exp(a)·u**c``, bottom-up."""
    return _bottom_up(expr, lambda node: _split_exp(node) if _has_log_part(node) else None, {})


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
    """The expression with transcendental nodes replaced by fresh positive symbols.

    Bottom-up: a node's arguments are atomised before the node, so ``exp(u)`` is keyed by
    its atomised argument; substituting the atoms back gives the expression again.
    """
    atoms: dict = {}

    def atom(key):
        return atoms.setdefault(key, sympy.Dummy(positive=True))

    def rule(node):
        if isinstance(node, sympy.exp):
            rest, power = _exp_key(node.args[0])
            return atom(("exp", rest)) ** power
        if isinstance(node, (sympy.log, sympy.tanh)):
            return atom(node)
        if node.is_Pow and not node.exp.is_Number:
            return atom(node)
        return None

    return _bottom_up(_powers_of_logs(expr), rule, {})


def random_value(rng: random.Random, s: sympy.Symbol) -> sympy.Rational:
    """A random rational p/q (p, q in 1..10^6) for ``s``, negative half the time unless
    ``s`` is positive (an atom for exp/log/tanh): then nets take both signs and a relu
    unit is inactive at some points (its zero branch, leaky-relu's slope). A net is never
    exactly 0 but with probability ~10^-6."""
    value = sympy.Rational(rng.randint(1, 10**6), rng.randint(1, 10**6))
    return value if s.is_positive or rng.random() < 0.5 else -value


def vanishes_at_random_points(expr: sympy.Expr, seed: int = 0, points: int = 2) -> bool:
    """True if the atomised expression is exactly 0 at ``points`` random rational points."""
    rng = random.Random(seed)
    rational = atomised(expr)
    symbols = sorted(rational.free_symbols, key=str)
    for _ in range(points):
        point = {s: random_value(rng, s) for s in symbols}
        if _bottom_up(rational, point.get, {}) != 0:
            return False
    return True


def clearly_nonzero_somewhere(expr: sympy.Expr, seed: int = 1) -> bool:
    """True if ``expr``, evaluated with 60 digits at a random point, is far from 0: then
    it is not identically zero (an identity is 0, up to rounding, everywhere)."""
    rng = random.Random(seed)
    point = {s: sympy.Float(random_value(rng, s), 60)
             for s in sorted(expr.free_symbols, key=str)}
    value = _bottom_up(expr, point.get, {})
    return value.is_Number and abs(value) > sympy.Float("1e-30", 60)


def is_identically_zero(expr: sympy.Expr) -> bool:
    """Exact decision that ``expr`` is 0 for all values of its symbols (see module doc)."""
    if expr == 0 or vanishes_at_random_points(expr):
        return True
    if clearly_nonzero_somewhere(expr):
        return False
    if sympy.count_ops(expr) < 40 and sympy.cancel(expr) == 0:
        return True
    return sympy.simplify(expr) == 0
