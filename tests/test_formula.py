"""Tests for symnn.check.formula: the LaTeX subset of hand-written backprop notes."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import math
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from sympy import Rational, Symbol, exp, log, sqrt, tanh

import symnn.check.formula as formula_module
from symnn.check.formula import FormulaError, NameRef, parse_formula, parse_name, parse_ref
from symnn.errors import SymnnError

# ------------------------------------------------------------------- test resolvers


def _derivative(resolver, ref: NameRef) -> sympy.Expr | None:
    """∂N/∂D as the symbol ``dN/dD`` (so ∂E/∂w[3,1,1] is ``dE/dw[3,1,1]``)."""
    numerator = resolver(ref.derivative_of)
    denominator = resolver(replace(ref, derivative_of=None))
    if numerator is None or denominator is None:
        return None
    return Symbol(f"d{numerator}/d{denominator}")


def _pair(sub: str) -> tuple[str, str] | None:
    parts = sub.split(",") if "," in sub else list(sub)
    return (parts[0], parts[1]) if len(parts) == 2 and all(p.isdigit() for p in parts) else None


def seed001(ref: NameRef) -> sympy.Expr | None:
    """Seed 001: x_j^l with net/out (out by default), w_{ij}^l from i in l to j in l+1."""
    if ref.derivative_of is not None:
        return _derivative(seed001, ref)
    layer, index = ref.sup, ref.sub
    if ref.base == "x" and layer and index and layer.isdigit() and index.isdigit():
        return Symbol(f"{ref.prefix or 'out'}[{layer},{index}]")
    if ref.prefix is not None:
        return None
    if ref.base == "w" and layer and layer.isdigit() and index and _pair(index):
        source, target = _pair(index)
        return Symbol(f"w[{int(layer) + 1},{target},{source}]")
    if ref.base in ("b", "\\delta") and layer and index:
        return Symbol(f"{'b' if ref.base == 'b' else 'delta'}[{layer},{index}]")
    if ref.base == "d" and index and layer is None:
        return Symbol(f"d[{index}]")
    if ref.base in ("E", "n", "\\eta") and index is None and layer is None:
        return Symbol(ref.base.lstrip("\\"))
    return None


def _layer003(sup: str | None) -> int | None:
    """Seed 003/004 layers are written ^{(l)} and count from 0."""
    if sup and sup.startswith("(") and sup.endswith(")") and sup[1:-1].isdigit():
        return int(sup[1:-1]) + 1
    return None


def seed003(ref: NameRef) -> sympy.Expr | None:
    """Seeds 003/004: a^{(l)}_j, z^{(l)}_j, w^{(l)}_{jk} (to j, from k), y, \\hat{y}, C."""
    if ref.derivative_of is not None:
        return _derivative(seed003, ref)
    layer, index = _layer003(ref.sup), ref.sub
    kinds = {"a": "out", "z": "net", "b": "b"}
    if ref.base in kinds and layer and index and index.isdigit():
        return Symbol(f"{kinds[ref.base]}[{layer},{index}]")
    if ref.base == "w" and layer and index and _pair(index):
        return Symbol(f"w[{layer},{','.join(_pair(index))}]")
    if ref.base in ("y", "\\hat{y}") and index and ref.sup is None:
        return Symbol(f"{'d' if ref.base == 'y' else 'yhat'}[{index}]")
    if ref.base == "C" and index is None and ref.sup is None:
        return Symbol("E")
    return None


def plain(ref: NameRef) -> sympy.Expr | None:
    """Letters are plain symbols; a subscript is part of the name; superscripts are powers."""
    if ref.derivative_of is not None or ref.prefix is not None or ref.sup is not None:
        return None
    return Symbol(ref.base if ref.sub is None else f"{ref.base}_{ref.sub}")


RESOLVERS = {"001": seed001, "003": seed003, "plain": plain}

# ------------------------------------------------------------------- corpus

S = Symbol
R = Rational
x, a, b, c, n = (S(v) for v in "xabcn")


def sig(v):
    return 1 / (1 + exp(-v))


CORPUS = [
    # seed 001: net/out x_j^l, w_{ij}^l, b_j^l, d_j, E, delta
    ("001", r"net \ x_1^2", S("net[2,1]")),
    (
        "001",
        r"x_1^1w_{11}^1+x_2^1w_{21}^1 + b_1^2",
        S("out[1,1]") * S("w[2,1,1]") + S("out[1,2]") * S("w[2,1,2]") + S("b[2,1]"),
    ),
    (
        "001",
        r"x_1^2w_{12}^2+x_2^2w_{22}^2+ b_2^3",
        S("out[2,1]") * S("w[3,2,1]") + S("out[2,2]") * S("w[3,2,2]") + S("b[3,2]"),
    ),
    ("001", r"\frac{1}{1+e^{-net \ x_1^2}}", sig(S("net[2,1]"))),
    (
        "001",
        r"\frac{(d_1-x_1^3)^2+(d_2-x_2^3)^2}{2}",
        ((S("d[1]") - S("out[3,1]")) ** 2 + (S("d[2]") - S("out[3,2]")) ** 2) / 2,
    ),
    ("001", r"\frac{(-0.68)^2+(0.55)^2}{2}", R(7649, 20000)),
    ("001", r"0.5 \cdot 0.25 + 0.25 \cdot 0.1 + 0", R(3, 20)),
    ("001", r"0.5 \cdot 0.35 + 0.25 \cdot (-0.3) + 0", R(1, 10)),
    ("001", r"\frac{1}{1+e^{-0.15}}", 1 / (1 + exp(R(-3, 20)))),
    ("001", r"\frac{1}{1+e^{0.21}}", 1 / (1 + exp(R(21, 100)))),
    ("001", r"\frac{-2(0-0.68)}{2}(0.68)(1-0.68)0.53", R(30634, 390625)),
    ("001", r"\frac{-2(1-0.45)}{2}(0.45)(1-0.45)", R(-1089, 8000)),
    ("001", r"\frac{-2(d_1-x_1^3)}{n}", -2 * (S("d[1]") - S("out[3,1]")) / n),
    ("001", r"out\ x_1^3(1-out\ x_1^3)", S("out[3,1]") * (1 - S("out[3,1]"))),
    ("001", r"\delta_1^3 x_1^2", S("delta[3,1]") * S("out[2,1]")),
    (
        "001",
        r"\frac{\partial E}{\partial out \ x^{3}_{1}}\frac{\partial out \ x^3_{1}}"
        r"{\partial net \ x^3_{1}} \frac{\partial net \ x^3_{1}}{\partial w^{2}_{11}}",
        S("dE/dout[3,1]") * S("dout[3,1]/dnet[3,1]") * S("dnet[3,1]/dw[3,1,1]"),
    ),
    (
        "001",
        r"w_{11}^2-\eta\frac{\partial E(\vec{x})}{\partial w^2_{11}}",
        S("w[3,1,1]") - S("eta") * S("dE/dw[3,1,1]"),
    ),
    (
        "001",
        r"\left(\frac{-2(0-0.68)}{2}\right)\left(0.68\right)\left[1-0.68\right]",
        R(68, 100) * R(68, 100) * R(32, 100),
    ),
    (
        "001",
        r"\sigma(net\,x_1^2)(1-\sigma(net\,x_1^2))",
        sig(S("net[2,1]")) * (1 - sig(S("net[2,1]"))),
    ),
    (
        "001",
        r"\dfrac{1}{2}\left((d_1-x_1^3)^2+(d_2-x_2^3)^2\right)",
        ((S("d[1]") - S("out[3,1]")) ** 2 + (S("d[2]") - S("out[3,2]")) ** 2) / 2,
    ),
    ("001", r"\tfrac12 (d_1 - out\;x_1^3)^2", (S("d[1]") - S("out[3,1]")) ** 2 / 2),
    ("001", r"b_1^3-\eta\delta_1^3", S("b[3,1]") - S("eta") * S("delta[3,1]")),
    ("001", r"\text{out}\,x_{1}^{3} - d_{1}", S("out[3,1]") - S("d[1]")),
    ("001", "0.53·(−0.7) + 0.52·0.3 + 0", R(-43, 200)),
    ("001", "δ₁³ · x₁²", S("delta[3,1]") * S("out[2,1]")),
    # seeds 003 / 004: a^{(l)}_j, z^{(l)}_j, w^{(l)}_{to from}, y, \hat{y}, C
    ("003", r"\sigma(z^{(1)}_2)", sig(S("net[2,2]"))),
    ("003", r"w^{(1)}_{2,3} a^{(0)}_3", S("w[2,2,3]") * S("out[1,3]")),
    ("003", r"w^{(1)}_{34}", S("w[2,3,4]")),
    (
        "003",
        r"(y_1-\hat{y}_1)^2 + (y_2 - \hat y_2)^2",
        (S("d[1]") - S("yhat[1]")) ** 2 + (S("d[2]") - S("yhat[2]")) ** 2,
    ),
    (
        "003",
        r"\frac{\partial C}{\partial a^{(3)}_1} \frac{\partial a^{(3)}_1}{\partial z^{(3)}_1}",
        S("dE/dout[4,1]") * S("dout[4,1]/dnet[4,1]"),
    ),
    ("003", r"\partial C/\partial w^{(1)}_{11}", S("dE/dw[2,1,1]")),
    (
        "003",
        r"\underbrace{ \frac{\partial C}{\partial a^{(3)}_1} \frac{\partial a^{(3)}_1}"
        r"{\partial z^{(3)}_1} }_\text{From $w^{(3)}$} \, \frac{\partial z^{(3)}_1}"
        r"{\partial w^{(3)}_{11}}",
        S("dE/dout[4,1]") * S("dout[4,1]/dnet[4,1]") * S("dnet[4,1]/dw[4,1,1]"),
    ),
    ("003", r"a^{(1)}_2 (1 - a^{(1)}_2)", S("out[2,2]") * (1 - S("out[2,2]"))),
    ("003", r"2(\hat{y}_1-y_1)", 2 * (S("yhat[1]") - S("d[1]"))),
    ("003", r"1-\tanh^2(z^{(2)}_1)", 1 - tanh(S("net[3,1]")) ** 2),
    ("003", r"\tanh(z^{(2)}_1)^2", tanh(S("net[3,1]")) ** 2),
    # plain symbols: superscripts fall back to powers
    ("plain", "x^2 + 2x + 1", x**2 + 2 * x + 1),
    ("plain", "x_1^2", S("x_1") ** 2),
    ("plain", r"e^{-x}", exp(-x)),
    ("plain", "e^x e", exp(x) * sympy.E),
    ("plain", r"\exp(-x)\ln(x) + \log x", exp(-x) * log(x) + log(x)),
    ("plain", r"\sqrt{x^2+1}", sqrt(x**2 + 1)),
    ("plain", r"\frac{1}{1+e^{-x}} - \sigma(x)", R(0)),
    ("plain", "σ(x)", sig(x)),
    ("plain", "0.5 x", x / 2),
    ("plain", "-x^2", -(x**2)),
    ("plain", "a/b c", a * c / b),
    ("plain", "(a)(b)", a * b),
    ("plain", "a - -b", a + b),
    ("plain", "--x", x),
    ("plain", ".5", R(1, 2)),
    ("plain", r"\ln 2^3", log(8)),
    ("plain", r"\tanh^2 x", tanh(x) ** 2),
    ("plain", r"\sigma(x)^2", sig(x) ** 2),
    ("plain", r"2 \times 3 \div 4 * 2", R(3)),
    ("plain", "{a+b}^2", (a + b) ** 2),
    ("plain", r"\Bigl( a \Bigr) \bigl[ b \bigr]", a * b),
    ("plain", r"a \cdot -b", -a * b),
    ("plain", "2^{-1} + 2^-2", R(3, 4)),
    ("plain", r"c^{\frac{1}{2}}", sqrt(c)),
]


def assert_same(parsed: sympy.Expr, expected: sympy.Expr) -> None:
    """Exactly equal; terms with functions are built unevaluated, so compare after doit()."""
    if expected.has(sympy.Function) or parsed.has(sympy.Function):
        assert parsed.doit() == expected
    else:
        assert parsed == expected


@pytest.mark.parametrize(("notation", "text", "expected"), CORPUS, ids=[t for _, t, _ in CORPUS])
def test_corpus_parses_to_exact_expression(notation, text, expected):
    assert_same(parse_formula(text, RESOLVERS[notation]), expected)


def test_rational_arithmetic_and_plain_algebra_are_simplified():
    assert parse_formula("0.5 \\cdot 0.25 + x x", plain) == R(1, 8) + x**2
    assert parse_formula("2 \\sigma(x) 3", plain) == sympy.Mul(6, sig(x), evaluate=False)


# ------------------------------------------------------------------- worked example 001

F = Fraction
WORKED_EXAMPLE = [  # (quantity, written as, exact value by an independent oracle)
    ("net x₁²", "0.5·0.25 + 0.25·0.1 + 0", F("0.5") * F("0.25") + F("0.25") * F("0.1")),
    ("out x₁²", "1/(1+e^−0.15)", 1 / (1 + exp(R(-15, 100)))),
    ("net x₂²", "0.5·0.35 + 0.25·(−0.3) + 0", F("0.5") * F("0.35") + F("0.25") * F("-0.3")),
    ("out x₂²", "1/(1+e^−0.1)", 1 / (1 + exp(R(-1, 10)))),
    ("net x₁³", "0.53·0.9 + 0.52·0.5 + 0", F("0.53") * F("0.9") + F("0.52") * F("0.5")),
    ("out x₁³", "1/(1+e^−0.74)", 1 / (1 + exp(R(-74, 100)))),
    ("net x₂³", "0.53·(−0.7) + 0.52·0.3 + 0", F("0.53") * F("-0.7") + F("0.52") * F("0.3")),
    ("out x₂³", "1/(1+e^0.21)", 1 / (1 + exp(R(21, 100)))),
    ("E", "((−0.68)² + 0.55²)/2", (F("-0.68") ** 2 + F("0.55") ** 2) / 2),
]
for _w, _act in (("w₁₁²", "0.53"), ("w₂₁²", "0.52")):
    WORKED_EXAMPLE.append(
        (
            f"∂E/∂{_w}",
            f"(−2(0−0.68)/2)(0.68)(1−0.68)({_act})",
            -2 * (0 - F("0.68")) / 2 * F("0.68") * (1 - F("0.68")) * F(_act),
        )
    )
for _w, _act in (("w₁₂²", "0.53"), ("w₂₂²", "0.52")):
    WORKED_EXAMPLE.append(
        (
            f"∂E/∂{_w}",
            f"(−2(1−0.45)/2)(0.45)(1−0.45)({_act})",
            -2 * (1 - F("0.45")) / 2 * F("0.45") * (1 - F("0.45")) * F(_act),
        )
    )
WORKED_EXAMPLE += [
    ("∂E/∂b₁³", "(−2(0−0.68)/2)(0.68)(1−0.68)", -2 * (0 - F("0.68")) / 2 * F("0.68") * F("0.32")),
    ("∂E/∂b₂³", "(−2(0−0.45)/2)(0.45)(1−0.45)", -2 * (0 - F("0.45")) / 2 * F("0.45") * F("0.55")),
]
WORKED_KEYS = {
    "net x₁²": "net[2,1]", "out x₁²": "out[2,1]", "net x₂²": "net[2,2]", "out x₂²": "out[2,2]",
    "net x₁³": "net[3,1]", "out x₁³": "out[3,1]", "net x₂³": "net[3,2]", "out x₂³": "out[3,2]",
    "E": "E", "∂E/∂w₁₁²": "dE/dw[3,1,1]", "∂E/∂w₂₁²": "dE/dw[3,1,2]", "∂E/∂w₁₂²": "dE/dw[3,2,1]",
    "∂E/∂w₂₂²": "dE/dw[3,2,2]", "∂E/∂b₁³": "dE/db[3,1]", "∂E/∂b₂³": "dE/db[3,2]",
}  # fmt: skip


@pytest.mark.parametrize(("quantity", "written", "value"), WORKED_EXAMPLE, ids=lambda v: str(v))
def test_worked_example_formulas_evaluate_exactly(quantity, written, value):
    expected = R(value.numerator, value.denominator) if isinstance(value, Fraction) else value
    assert_same(parse_formula(written, seed001), expected)
    assert parse_name(quantity, seed001) == Symbol(WORKED_KEYS[quantity])


def test_brief_example_is_exact():
    value = parse_formula("(-2(0-0.68)/2)(0.68)(1-0.68)(0.53)", seed001)
    assert value == R(7842304, 10**8)
    assert parse_formula(r"\frac{-2(0-0.45)}{2}(0.45)(1-0.45)", seed001) == R(891, 8000)


# ------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("out x_1^2", NameRef("out", "x", "1", "2")),
        (r"out\,x_1^2", NameRef("out", "x", "1", "2")),
        (r"\text{net}\,x_1^2", NameRef("net", "x", "1", "2")),
        (r"\mathrm{net}\ x^2_1", NameRef("net", "x", "1", "2")),
        ("net x₁²", NameRef("net", "x", "1", "2")),
        (r"\delta_1^3", NameRef(None, "\\delta", "1", "3")),
        (r"\delta _j^l", NameRef(None, "\\delta", "j", "l")),
        (r"w^{(1)}_{34}", NameRef(None, "w", "34", "(1)")),
        (r"w_{1, 2}^{l}", NameRef(None, "w", "1,2", "l")),
        ("w_11^2", NameRef(None, "w", "11", "2")),
        (r"x^{l+1}_1", NameRef(None, "x", "1", "l+1")),
        (r"\hat y_1", NameRef(None, "\\hat{y}", "1", None)),
        (r"\hat{y}", NameRef(None, "\\hat{y}", None, None)),
        ("E", NameRef(None, "E", None, None)),
        (
            r"\frac{\partial E}{\partial w_{11}^2}",
            NameRef(None, "w", "11", "2", derivative_of=NameRef(None, "E")),
        ),
        (
            r"\frac{\partial E(x_1^3,x_2^3)}{\partial w_{11}^2}",
            NameRef(None, "w", "11", "2", derivative_of=NameRef(None, "E")),
        ),
        ("∂E/∂w₁₁²", NameRef(None, "w", "11", "2", derivative_of=NameRef(None, "E"))),
        (
            r"\frac{\partial out \ x^L_{j}}{\partial net \ x^L_{j}}",
            NameRef("net", "x", "j", "L", derivative_of=NameRef("out", "x", "j", "L")),
        ),
        (r"\partial C/ \partial w^{(1)}", NameRef(None, "w", None, "(1)", NameRef(None, "C"))),
    ],
    ids=lambda v: str(v),
)
def test_parse_ref(text, ref):
    assert parse_ref(text) == ref


def test_name_ref_str_is_readable():
    ref = parse_ref(r"\frac{\partial E}{\partial out\,x_1^3}")
    assert str(ref) == r"\partial E/\partial out x_{1}^{3}"


def test_superscript_falls_back_to_exponent_only_when_name_is_unknown():
    calls = []

    def layered(ref):
        calls.append(ref)
        return Symbol("x_layer2") if ref == NameRef(None, "x", None, "2") else None

    assert parse_formula("x^2", layered) == Symbol("x_layer2")
    assert calls == [NameRef(None, "x", None, "2")]
    assert parse_formula("x^2", plain) == x**2


def test_parse_name_is_strict():
    assert parse_name(r"\delta_1^3", seed001) == Symbol("delta[3,1]")
    with pytest.raises(FormulaError, match=r"unknown name 'x\^\{2\}' at column 1"):
        parse_name("x^2", plain)
    for text in ("x + 1", "2", "e", r"\frac{1}{2}"):
        with pytest.raises(FormulaError):
            parse_name(text, plain)


def test_unknown_name_is_named_with_its_column():
    with pytest.raises(FormulaError) as info:
        parse_formula(r"0.5 + q_{11}^{7}", seed001)
    assert info.value.summary == "formula: unknown name 'q_{11}^{7}' at column 7"
    assert info.value.column == 7
    with pytest.raises(FormulaError, match=r"unknown name '\\partial E/\\partial w' at column 3"):
        parse_formula(r"1+\frac{\partial E}{\partial w}", seed001)


# ------------------------------------------------------------------- malformed input

MALFORMED = [
    (r"\frac{1}{", 10, "unexpected end of formula"),
    ("(1+2", 5, "unexpected end of formula"),
    ("1 + * 2", 5, "unexpected '*'"),
    ("x_", 2, "unexpected '_'"),
    ("x^", 2, "unexpected '^'"),
    (r"\frac{1}{2}}", 12, "unexpected '}'"),
    ("1 +", 4, "unexpected end of formula"),
    ("(1]", 3, "unexpected ']'"),
    ("x^{1}^{2}", 6, "unexpected '^{2}'"),
    ("net", 4, "unexpected end of formula"),
    (r"2 \cdot", 8, "unexpected end of formula"),
    (r"\frac{1}2", 9, "unexpected '2'"),
    ("1 = 2", 3, "unexpected '='"),
    ("a'", 2, "unexpected '''"),
    (r"\text{hello}", 1, r"unexpected '\text'"),
    (r"\ln\ln x", 4, r"unexpected '\ln'"),
    ("1/0", 2, "division by zero"),
    (r"2 + \frac{1}{1-1}", 5, "division by zero"),
    ("(1-1)^{-2}", 6, "division by zero"),
    (r"\frac{1}{e^{0}-1}", 1, "division by zero"),
    (r"\sum_i x_i", 1, r"unknown command '\sum'"),
    (r"\phi(x)", 1, r"unknown command '\phi'"),
    (r"\sqrt[3]{x}", 1, r"\sqrt[n]"),
    ("1e-3", 1, "scientific notation"),
    (r"e^{-\frac{1}{}}", 14, "unexpected '}'"),
]


@pytest.mark.parametrize(("text", "column", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_reports_column(text, column, reason):
    with pytest.raises(FormulaError) as info:
        parse_formula(text, plain)
    err = info.value
    assert isinstance(err, SymnnError)
    assert err.column == column
    assert err.summary.startswith(f"formula: {reason}")
    assert f"at column {column}" in err.summary
    lines = str(err).splitlines()
    assert lines[0] == err.summary
    assert lines[2].index("^") - lines[1].index(text[:1] or " ") == column - 1


def test_empty_and_non_string():
    for text in ("", "   "):
        with pytest.raises(FormulaError, match="empty formula"):
            parse_formula(text, plain)
    with pytest.raises(FormulaError, match="expected a string"):
        parse_formula(b"1+1", plain)


# ------------------------------------------------------------------- hostile input

HOSTILE = [
    ("python call", "__import__('os').system('x')", "unexpected '_'"),
    ("lambda", "lambda: 0", "unexpected ':'"),
    ("dunder", "x.__class__.__mro__", "unexpected '.'"),
    ("dunder after name", "x_{1}.__class__", "unexpected '.'"),
    ("input", r"\input{/etc/passwd}", r"unknown command '\input'"),
    ("def", r"\def\x{1}", r"unknown command '\def'"),
    ("nul", "1+\x00", "control or invisible character U+0000"),
    ("bidi", "1+\u202e2", "control or invisible character U+202E"),
    ("deep parens", "(" * 10_000 + "1" + ")" * 10_000, "too long"),
    ("deep fracs", r"\frac{" * 10_000, "too long"),
    ("megabyte", "1+" * 500_000 + "1", "too long"),
    ("deep within length", "(" * 500 + "1" + ")" * 500, "nested too deeply"),
    ("frac within length", r"\frac{" * 150 + "1" + "}{2}" * 150, "nested too deeply"),
    ("power tower", "9^{9^{9}}", "exponent too large"),
    ("long number", "1" * 1500, "number too long"),
    ("script nesting", "e^{e^{e^{e^{x}}}}", "unexpected '^'"),
]


DEEP_BUT_ALLOWED = [
    ("parens", "(" * 100 + "x" + ")" * 100),
    ("sigma", r"\sigma(" * 6 + "x" + ")" * 6),
    ("frac", r"\frac{1}{" * 50 + "2" + "}" * 50),
    ("minus", "-" * 1900 + "1"),
    ("sum", "+".join(["x"] * 999)),
]
HUGE_VALUES = [
    ("((10^{999})^{10})", "a power beyond 10^1000"),
    ("e^{10^{1000}}", "e to the power 10^1000 exceeds 10^1000"),
    ("\\exp(\\exp(\\exp(\\exp(9))))", "e to the power 8103 exceeds 10^1000"),
    ("10^{400}", "its value, about 10^400, exceeds 10^300"),
    ("e^{1000}-e^{1000}+(10^{300})(10^{300})(10^{300})(10^{300})", "10^1200"),
]


@pytest.mark.parametrize(("text", "reason"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_rejected(text, reason):
    with pytest.raises(FormulaError) as info:  # how quickly: bench/formula.py
        parse_formula(text, plain)
    if reason:
        assert reason in info.value.summary


@pytest.mark.parametrize(("text", "reason"), HUGE_VALUES)
def test_huge_values_are_parsed_but_bounded_before_evaluation(text, reason):
    from symnn.check.bounds import FormulaBudget, value

    expr = parse_formula(text, plain)
    with pytest.raises(FormulaBudget) as info:
        value(expr, 50)
    assert reason in info.value.reason


def test_bounded_evaluation_gives_the_value_of_ordinary_formulas():
    import mpmath

    from symnn.check.bounds import value

    with mpmath.workdps(40):
        expected = mpmath.mpf("1.0001") ** 1000  # 14,000 bits exactly: left to evalf
        got = value(parse_formula("(1.0001)^{1000}", plain), 30)
        assert abs(mpmath.mpf(str(got)) - expected) < mpmath.mpf("1e-28")
    assert value(parse_formula("0.5 \\cdot 0.25", plain), 30) == sympy.Rational(1, 8)


@pytest.mark.parametrize("text", ["(" * 10_000 + "1" + ")" * 10_000, r"\frac{" * 10_000])
def test_depth_is_checked_before_parsing_even_without_length_limit(text):
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse_formula(text, plain, max_length=10**7)


@pytest.mark.parametrize(
    ("text", "column"),
    [
        (r"\sigma(" * 7 + "x" + ")" * 7, 49),
        (r"\tanh(x\sigma(" * 3 + r"\exp\left(x" + r"\right)" + "))" * 3, 52),
        (r"\sqrt{e^{" * 3 + r"\ln(x)" + "}}" * 3, 31),
    ],
    ids=["sigma", "mixed", "sqrt-exp"],
)
def test_functions_nest_at_most_six_deep(text, column):
    with pytest.raises(FormulaError, match="functions nested too deeply") as info:
        parse_formula(text, plain)
    assert info.value.column == column


def test_functions_six_deep_are_parsed():
    terms = [r"\tanh(x\sigma(" * 3 + f"x + {i}" + "))" * 3 for i in range(35)]
    text = "+".join(terms)
    assert len(text) < 2000
    assert isinstance(parse_formula(text, plain), sympy.Add)  # how quickly: bench/formula.py
    value = parse_formula(terms[1], plain).evalf(30, subs={x: R(1, 2)})
    oracle = 0.5 + 1
    for _ in range(3):
        oracle = math.tanh(0.5 / (1 + math.exp(-oracle)))
    assert abs(value - oracle) < 1e-12


def test_recursion_error_becomes_formula_error():
    text = "x"
    for _ in range(40):
        text = f"({text}+1)^2"  # 80 levels of Pow(Add(...)) that SymPy cannot flatten
    parse_formula(text, plain)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 60)
    try:
        with pytest.raises(FormulaError, match="nested too deeply to compute"):
            parse_formula(text.replace("x", "y"), plain)
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize("text", [d[1] for d in DEEP_BUT_ALLOWED],
                         ids=[d[0] for d in DEEP_BUT_ALLOWED])
def test_deep_but_allowed_nesting_does_not_overflow_the_stack(text):
    assert isinstance(parse_formula(text, plain), sympy.Basic)


# ------------------------------------------------------------------- nothing is evaluated


def _forbidden(*_args, **_kwargs):
    raise AssertionError("user text reached an evaluating function")


def test_nothing_is_evaluated(monkeypatch):
    formula_module._parser()  # build the grammar first: lark may use ast.literal_eval
    sympify_module = importlib.import_module("sympy.core.sympify")
    original_sympify = sympify_module.sympify

    def guarded_sympify(value, *args, **kwargs):
        if isinstance(value, str):
            _forbidden()
        return original_sympify(value, *args, **kwargs)

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, _forbidden)
    monkeypatch.setattr(sympy, "sympify", guarded_sympify)
    monkeypatch.setattr(sympify_module, "sympify", guarded_sympify)
    monkeypatch.setattr(sympy, "parse_expr", _forbidden, raising=False)
    parsed = [parse_formula(text, RESOLVERS[notation]) for notation, text, _ in CORPUS]
    rejected = []
    for _, text, _ in HOSTILE:
        try:
            parse_formula(text, plain)
        except FormulaError:
            rejected.append(text)
    monkeypatch.undo()  # before asserting: pytest's own reporting needs compile()
    for value, (_, _, expected) in zip(parsed, CORPUS, strict=True):
        assert_same(value, expected)
    assert len(rejected) == len(HOSTILE)


def test_module_source_uses_no_evaluating_function():
    tree = ast.parse(Path(formula_module.__file__).read_text(encoding="utf-8"))
    banned = {"eval", "exec", "sympify", "parse_expr", "parse_latex", "lambdify", "S"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id not in banned | {"compile", "__import__"}
        if isinstance(node, ast.Attribute):
            assert node.attr not in banned
        if isinstance(node, ast.ImportFrom):
            assert "parsing" not in (node.module or "")
            assert not {alias.name for alias in node.names} & banned
        if isinstance(node, ast.Import):
            assert not any("parsing" in alias.name for alias in node.names)


def test_mathcal_loss_symbol_is_a_name():
    """The layer-superscript preset writes the loss as \\mathcal{L}."""
    ref = parse_ref(r"\frac{\partial \mathcal{L}}{\partial w^{(1)}_{11}}")
    assert ref.derivative_of.base == r"\mathcal{L}"
    assert (ref.base, ref.sub, ref.sup) == ("w", "11", "(1)")
    assert parse_ref(r"\mathcal L") == parse_ref(r"\mathcal{L}")
