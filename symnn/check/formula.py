r"""Parse the LaTeX people write in backpropagation notes into exact SymPy expressions.

The text is never evaluated: a lark LALR grammar of our own turns it into a parse tree and
SymPy objects are built from that tree (no ``eval``, ``sympify`` or ``sympy.parsing``).
What a *name* means depends on the reader's notation, so names are handed, as a
structured :class:`NameRef`, to a ``resolve`` callback supplied by the caller.

Supported grammar (informal; spaces, ``\,`` ``\;`` ``\:`` ``\!`` ``\ `` ``~`` ``\quad``
are ignored)::

    formula    := expr
    expr       := term (("+" | "-") term)*
    term       := signed (("*" | "\cdot" | "\times" | "/" | "\div") signed | power)*
    signed     := ("+" | "-")* power
    power      := name | atom [sup]
                | func [sup] (group [sup] | number [sup] | name)
    func       := \exp | \ln | \log | \sigma | \tanh | \sqrt
    atom       := number | group | \frac{expr}{expr} | \frac12 | derivative
                | \underbrace{expr}_{annotation}
    group      := (expr) | [expr] | {expr}    (also \left( \right), \bigl( \bigr) ...)
    derivative := \frac{\partial name [(args)]}{\partial name}
                | \partial name [(args)] / \partial name
    name       := [prefix] base [sub] [sup]      (sub and sup in either order)
    prefix     := net | out | \text{net} | \mathrm{out} | \operatorname{net} ...
    base       := a letter | \alpha \beta \gamma \delta \epsilon \varepsilon \eta
                  \theta \lambda \mu \nu \rho \tau | \hat{y} \bar{x} \tilde{x}
    sub        := _x | _12 | _{...} | _\text{...}          (also Unicode ₁₂)
    sup        := ^x | ^12 | ^-0.15 | ^{...}                (also Unicode ¹²³, ⁻¹)

Meaning:

- Numbers are plain decimals or integers and become exact rationals ("0.45" -> 9/20).
  Scientific notation (``1e-3``) is rejected rather than read as ``1·e - 3``.
- Juxtaposition is multiplication with the same precedence as ``\cdot`` and ``/``, left to
  right: ``-2(0-0.68)/2(0.68)`` is ``((-2)(0-0.68)/2)·0.68``. Unary minus binds looser
  than a power: ``-x^2`` is ``-(x^2)``.
- Unlike TeX, ``^`` and ``_`` take a whole number (``w_11``, ``e^-0.15``, ``e^0.21``);
  a letter script is one letter (``w_ij`` is ``w_i·j``; write ``w_{ij}``).
- ``e`` alone is Euler's number and ``e^{x}`` is ``exp(x)``; ``e_1`` is a name.
- ``\ln`` and ``\log`` are the natural log; ``\sigma(x)`` is ``1/(1+exp(-x))``. A
  function takes a group, or one number (with its power: ``\ln 2^3`` = ln 8), or one
  name; a power after a group applies to the result (``\sigma(x)^2`` = σ(x)²), and
  ``\tanh^2(x)`` is ``tanh(x)^2``.
- Rational arithmetic and polynomials in names are simplified as usual (``0.5·0.25`` is
  1/8, ``x x`` is x**2). Terms with exp, log, tanh, σ or irrational numbers are built
  unevaluated, folding only their rational parts (SymPy's automatic simplification of
  them costs time exponential in their nesting): compare them after ``.doit()``, or
  evaluate them with ``.evalf(subs=...)``, which is fast.
- Function arguments after the numerator of a derivative (``\partial E(\vec{x})``) and
  the annotation of ``\underbrace`` are ignored.

Names: :class:`NameRef` holds the prefix (``net``/``out``), the base, the subscript and
the superscript, each as normalised text (outer braces and spaces removed). A partial
derivative ∂N/∂D is the :class:`NameRef` of the denominator D with ``derivative_of`` set
to the numerator N. Resolution of a name: ``resolve(ref)``; if that gives ``None`` and
the name has a superscript (and is not a derivative), ``resolve(ref without the
superscript)`` raised to the superscript read as an expression (so ``x^2`` is x squared
in a notation whose superscripts are not layers); otherwise :class:`FormulaError`.
:func:`parse_name` is strict: the whole text must be one name that resolves as written.

Limits: at most ``max_length`` characters and ``max_depth`` nested brackets (checked by a
cheap scan before parsing); function arguments (``\sigma(``, ``e^{``) nest at most 6
deep; braces inside one script nest at most three deep; numeric
exponents are at most 1000 in size; a power of rationals is computed exactly only up
to 10,000 bits (larger ones stay unevaluated, for ``symnn.check.bounds`` to bound and
evaluate to 50 digits); unknown
commands, control characters and scientific notation are rejected up front.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import sympy
from lark import Lark, Token, Transformer_NonRecursive
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from symnn.errors import SymnnError

__all__ = [
    "FormulaError", "NameRef", "Resolver", "check_syntax", "parse_formula", "parse_name",
    "parse_ref",
]


class FormulaError(SymnnError):
    """A formula that cannot be parsed or names something unknown.

    ``str(err)`` is ``formula: <reason> at column <n> [(<note>)]`` followed by two lines:
    the text and a caret under column n. ``err.summary`` is the first line alone (for a
    one-line CLI message); ``err.column`` is 1-based, or None when no place applies.
    """

    def __init__(
        self, reason: str, text: str | None = None, pos: int | None = None, note: str = ""
    ):
        self.reason = reason
        self.text = text
        self.column = None if pos is None else pos + 1
        where = "" if pos is None else f" at column {pos + 1}"
        self.summary = f"formula: {reason}{where}" + (f" ({note})" if note else "")
        shown = self.summary if text is None or pos is None else self.summary + _caret(text, pos)
        super().__init__(shown)


def _caret(text: str, pos: int, width: int = 60) -> str:
    """Two lines: a window of the text around ``pos`` and a caret under it."""
    start = max(0, pos - width // 2)
    window = "".join(ch if ch.isprintable() else " " for ch in text[start : start + width])
    return f"\n    {window}\n    {' ' * (pos - start)}^"


@dataclass(frozen=True)
class NameRef:
    r"""A name as written, for the caller's ``resolve`` to interpret.

    ``prefix``: "net" or "out" when written before the name, else None.
    ``base``: a letter ("x", "E"), a Greek command ("\delta") or an accent ("\hat{y}").
    ``sub`` / ``sup``: script text without outer braces and spaces ("11", "1,2", "(2)").
    ``derivative_of``: for ∂N/∂D this ref describes D and ``derivative_of`` is N.
    """

    prefix: str | None
    base: str
    sub: str | None = None
    sup: str | None = None
    derivative_of: NameRef | None = None

    def __str__(self) -> str:
        text = (f"{self.prefix} " if self.prefix else "") + self.base
        text += "" if self.sub is None else "_{" + self.sub + "}"
        text += "" if self.sup is None else "^{" + self.sup + "}"
        if self.derivative_of is None:
            return text
        return f"\\partial {self.derivative_of}/\\partial {text}"


Resolver = Callable[[NameRef], "sympy.Expr | None"]

# ---------------------------------------------------------------------------- grammar

_BRACED = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"  # three levels of braces at most
_TEXT_CMD = r"\\(?:text|mathrm|textrm|operatorname|mathit|textit)"
_GREEK = "alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|nu|rho|tau"
_UNICODE_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
                  "η": "eta", "θ": "theta", "λ": "lambda", "μ": "mu"}  # fmt: skip
_ACCENT = r"\\(?:hat|bar|tilde|mathcal)\s*(?:\{\s*[a-zA-Z]\s*\}|[a-zA-Z])"
_GREEK_CHARS = "".join(_UNICODE_GREEK) + "ŷ"
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")

_GRAMMAR = rf"""
formula: expr
claim: name | derivative

expr: term ((PLUS | MINUS) term)*
term: signed ((MUL | DIV) signed | power)*
signed: (PLUS | MINUS)* power

power: name
     | atom SUP?
     | FUNC SUP? group SUP?   -> func_group
     | FUNC SUP? NUMBER SUP?  -> func_number
     | FUNC SUP? name         -> func_name

?atom: NUMBER
     | group
     | FRAC LBRACE expr RBRACE LBRACE expr RBRACE -> frac
     | FRAC_SHORT                                 -> frac_short
     | derivative
     | UNDERBRACE LBRACE expr RBRACE SUB?         -> underbrace

group: LPAR expr RPAR | LBRACK expr RBRACK | LBRACE expr RBRACE

derivative: FRAC LBRACE PARTIAL name call_args? RBRACE LBRACE PARTIAL name RBRACE
          | PARTIAL name call_args? DIV PARTIAL name
call_args: LPAR _arg (COMMA _arg)* RPAR
_arg: name | VEC

name: PREFIX? BASE SUB? SUP?
    | PREFIX? BASE SUP SUB

NUMBER: /\d+(?:\.\d+)?|\.\d+/
PLUS: "+"
MINUS: /-|−/
MUL: /\*|·|⋅|×|\\cdot(?![a-zA-Z])|\\times(?![a-zA-Z])/
DIV: /\/|\\div(?![a-zA-Z])/
LPAR: /(?:\\left|\\[bB]igg?l?)?\s*\(/
RPAR: /(?:\\right|\\[bB]igg?r?)?\s*\)/
LBRACK: /(?:\\left|\\[bB]igg?l?)?\s*\[/
RBRACK: /(?:\\right|\\[bB]igg?r?)?\s*\]/
LBRACE: "{{"
RBRACE: "}}"
COMMA: ","
FRAC.2: /\\[dt]?frac(?![a-zA-Z])/
FRAC_SHORT.3: /\\[dt]?frac\s*\d\s*\d/
FUNC: /\\(?:exp|ln|log|sigma|tanh|sqrt)(?![a-zA-Z])|σ/
PARTIAL: /\\partial(?![a-zA-Z])|∂/
UNDERBRACE: /\\underbrace(?![a-zA-Z])/
VEC: /\\vec\s*(?:\{{\s*[a-zA-Z]\s*\}}|[a-zA-Z])/
PREFIX.2: /net|out|{_TEXT_CMD}\s*\{{\s*(?:net|out)\s*\}}/
BASE: /[a-zA-Z]|\\(?:{_GREEK})(?![a-zA-Z])|{_ACCENT}|[{_GREEK_CHARS}]/
SUB: /_\s*(?:{_BRACED}|{_TEXT_CMD}\s*{_BRACED}|\d+|[a-zA-Z]|\\[a-zA-Z]+)|[₀-₉]+/
SUP: /\^\s*(?:{_BRACED}|[-−+]?\s*(?:\d+(?:\.\d+)?|\.\d+|[a-zA-Z])|\\[a-zA-Z]+)|⁻?[⁰¹²³⁴-⁹]+/

%ignore /(?:\s|\\[,;:!]|\\\s|~|\\q?quad(?![a-zA-Z]))+/
"""

_KNOWN_COMMANDS = frozenset(
    (
        *("frac", "dfrac", "tfrac", "cdot", "times", "div", "partial", "underbrace", "vec"),
        *("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr"),
        *("biggl", "biggr", "Biggl", "Biggr", "quad", "qquad", "hat", "bar", "tilde"),
        "mathcal",
        *("exp", "ln", "log", "sigma", "tanh", "sqrt"),
        *("text", "mathrm", "textrm", "operatorname", "mathit", "textit"),
        *_GREEK.split("|"),
    )
)
_HINTS = {
    "phi": "the activation is not known to the formula; write \\sigma(...) or \\tanh(...)",
    "varphi": "the activation is not known to the formula; write \\sigma(...) or \\tanh(...)",
}
_COMMAND = re.compile(r"\\([a-zA-Z]+|.?)", re.DOTALL)
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_SCIENTIFIC = re.compile(r"(?<![\w.^])(?:\d+\.?\d*|\.\d+)e[-+−]?\d")
# The bracket that opens the argument of a function (\sigma(, \tanh^2\left(, \sqrt{) or
# of e^{...}: the scan counts how deeply these nest.
_FUNCTION_OPENER = re.compile(
    r"(?:(?:\\(?:exp|ln|log|sigma|tanh|sqrt)(?![a-zA-Z])|σ)\s*(?:\^\s*(?:\{[^{}]*\}|[^\s{}])\s*)?"
    r"(?:\\left|\\[bB]igg?l?)?\s*[(\[{])|(?<![a-zA-Z\\])e\s*\^\s*\{"
)
_SCRIPT_NOTE = "a script needs an argument, and braces inside one nest at most 3 deep"
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())
_MAX_DIGITS = 1000
_MAX_EXPONENT = 1000
_MAX_POWER_BITS = 10_000
_MAX_FUNCTION_DEPTH = 6

# How values are combined. Rational numbers and polynomials in names are simplified as
# usual (0.5·0.25 is 1/8, x·x is x**2). Anything containing a function (exp, log, tanh)
# or a non-rational number is built unevaluated, only folding its rational parts: SymPy's
# automatic simplification asks assumptions of such terms that evaluate them numerically,
# and that cost grows exponentially with nesting (σ(x σ(x σ(…))) takes seconds at
# depth 6). Such results are equal after ``.doit()``; ``.evalf()`` works on them directly.


def _plain(*values: sympy.Expr) -> bool:
    """No function applications and no numbers that are not rational."""
    return not any(v.has(sympy.Function) or (v.is_number and not v.is_Rational) for v in values)


def _add(terms: list[sympy.Expr]) -> sympy.Expr:
    if _plain(*terms):
        return sympy.Add(*terms)
    rational = sympy.Add(*(t for t in terms if t.is_Rational))
    rest = [t for t in terms if not t.is_Rational]
    return sympy.Add(*([rational] if rational else []), *rest, evaluate=False)


def _mul(factors: list[sympy.Expr]) -> sympy.Expr:
    if _plain(*factors):
        return sympy.Mul(*factors)
    coefficient = sympy.Mul(*(f for f in factors if f.is_Rational))
    rest = [f for f in factors if not f.is_Rational]
    if coefficient == 0:
        return sympy.Integer(0)
    if coefficient == 1 and len(rest) == 1:
        return rest[0]
    return sympy.Mul(*([] if coefficient == 1 else [coefficient]), *rest, evaluate=False)


def _pow(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    return sympy.Pow(base, exponent, evaluate=_plain(base, exponent))


def _function(cls: type[sympy.Function]) -> Callable[[sympy.Expr], sympy.Expr]:
    """``cls(arg)``, simplified on the spot only when the argument is rational."""
    return lambda arg: cls(arg, evaluate=bool(arg.is_Rational))


_exp = _function(sympy.exp)


def _sigmoid(arg: sympy.Expr) -> sympy.Expr:
    one = sympy.Integer(1)
    return _pow(_add([one, _exp(_mul([-one, arg]))]), -one)


_FUNCTIONS = {
    "exp": _exp,
    "ln": _function(sympy.log),
    "log": _function(sympy.log),
    "tanh": _function(sympy.tanh),
    "sqrt": lambda arg: _pow(arg, sympy.Rational(1, 2)),
    "sigma": _sigmoid,
    "σ": _sigmoid,
}


def _apply(func: Token, arg: sympy.Expr) -> sympy.Expr:
    return _FUNCTIONS[func.value.lstrip("\\")](arg)


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="contextual", start=["formula", "claim"])


# ---------------------------------------------------------------------------- public API


def parse_formula(
    text: str, resolve: Resolver, *, max_length: int = 2000, max_depth: int = 100
) -> sympy.Expr:
    """Parse a formula such as ``\\frac{-2(0-0.45)}{2}(0.45)(1-0.45)`` into a SymPy expr."""
    _check_text(text, max_length, max_depth)
    return _guarded(_parse, _Context(text, resolve, fallback=True), text, "formula", 0)


def check_syntax(text: str, *, max_length: int = 2000, max_depth: int = 100) -> None:
    """Raise :class:`FormulaError` if ``text`` is not a formula (names are not resolved)."""
    parse_formula(text, _any_name, max_length=max_length, max_depth=max_depth)


def _any_name(ref: NameRef) -> sympy.Expr:
    return sympy.Symbol("name")


def parse_name(
    text: str, resolve: Resolver, *, max_length: int = 2000, max_depth: int = 100
) -> sympy.Expr:
    """Resolve a text that is exactly one name (``out x_1^2``, ``\\delta_1^3``, ∂E/∂w)."""
    _check_text(text, max_length, max_depth)
    ctx = _Context(text, resolve, fallback=False)
    node = _guarded(_parse, ctx, text, "claim", 0)
    if node.ref.base == "e" and node.ref.prefix is None and node.ref.sub is None:
        raise FormulaError("'e' is Euler's number, not a quantity", text, node.pos)
    return _guarded(_Build(ctx, 0).resolve, node)


def parse_ref(text: str, *, max_length: int = 2000, max_depth: int = 100) -> NameRef:
    """The :class:`NameRef` of a text that is exactly one name, without resolving it."""
    _check_text(text, max_length, max_depth)
    return _guarded(_parse, _Context(text, None, fallback=False), text, "claim", 0).ref


# ---------------------------------------------------------------------------- checks


def _check_text(text: str, max_length: int, max_depth: int) -> None:
    """Cheap scans that reject hostile or unsupported text before lark sees it."""
    if not isinstance(text, str):
        raise FormulaError(f"expected a string, got {type(text).__name__}")
    if len(text) > max_length:
        raise FormulaError(f"too long: {len(text)} characters (at most {max_length})")
    if not text.strip():
        raise FormulaError("empty formula")
    _check_characters(text)
    _check_commands(text)
    _check_brackets(text, max_depth)
    _check_numbers(text)


def _check_characters(text: str) -> None:
    match = _CONTROL.search(text)
    if match:
        code = f"U+{ord(match.group()):04X}"
        raise FormulaError(f"control or invisible character {code}", text, match.start())


def _check_commands(text: str) -> None:
    for match in _COMMAND.finditer(text):
        name = match.group(1)
        if name in _KNOWN_COMMANDS or (len(name) == 1 and name in ",;:! \t\n"):
            continue
        shown = "\\" + name
        hint = f" ({_HINTS[name]})" if name in _HINTS else ""
        reason = f"unknown command '{shown}'{hint}" if name else "unexpected '\\'"
        raise FormulaError(reason, text, match.start())
    sqrt_n = re.search(r"\\sqrt\s*\[", text)
    if sqrt_n:
        raise FormulaError("\\sqrt[n]{...} is not supported; write x^{1/n}", text, sqrt_n.start())


def _check_brackets(text: str, max_depth: int) -> None:
    """Brackets balance, nest at most ``max_depth`` deep, and functions nest at most 6 deep."""
    function_openers = {match.end() - 1 for match in _FUNCTION_OPENER.finditer(text)}
    stack: list[tuple[str, int]] = []
    functions = 0
    for pos, char in enumerate(text):
        if char in _OPENERS:
            stack.append((char, pos))
            functions += pos in function_openers
            if len(stack) > max_depth:
                raise FormulaError(f"nested too deeply (more than {max_depth} levels)", text, pos)
            if functions > _MAX_FUNCTION_DEPTH:
                reason = f"functions nested too deeply (more than {_MAX_FUNCTION_DEPTH} levels)"
                raise FormulaError(reason, text, pos)
        elif char in _CLOSERS:
            if not stack:
                raise FormulaError(f"unexpected '{char}'", text, pos)
            opener, where = stack.pop()
            functions -= where in function_openers
            if _OPENERS[opener] != char:
                note = f"the '{opener}' at column {where + 1} is still open"
                raise FormulaError(f"unexpected '{char}'", text, pos, note)
    if stack:
        opener, where = stack[-1]
        note = f"the '{opener}' at column {where + 1} is not closed"
        raise FormulaError("unexpected end of formula", text, len(text), note)


def _check_numbers(text: str) -> None:
    match = _SCIENTIFIC.search(text)
    if match:
        reason = "scientific notation is not supported; write the decimal (0.001 for 1e-3)"
        raise FormulaError(reason, text, match.start())


# ---------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Context:
    source: str  # the whole text, for error messages
    resolve: Resolver | None
    fallback: bool  # may a superscript that is not part of a name be read as an exponent?


@dataclass(frozen=True)
class _Name:
    ref: NameRef
    pos: int  # absolute offset in the source
    sup: Token | None  # the superscript token, in case it must be read as an exponent
    offset: int  # offset of the text the token positions are relative to


def _guarded(function, *args):
    """Call ``function``; SymPy recursing too deep on nested input becomes a FormulaError."""
    try:
        return function(*args)
    except RecursionError:
        raise FormulaError("nested too deeply to compute; simplify the nesting") from None


def _parse(ctx: _Context, text: str, start: str, offset: int):
    """Parse ``text`` (a slice of ``ctx.source`` beginning at ``offset``) and build it."""
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        reason, pos, note = _describe(exc, text)
        raise FormulaError(reason, ctx.source, offset + pos, note) from None
    try:
        return _Build(ctx, offset).transform(tree)
    except VisitError as exc:
        raise exc.orig_exc from None


def _describe(exc: UnexpectedInput, text: str) -> tuple[str, int, str]:
    """A reason, a position and a note for a lark error."""
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        command = _COMMAND.match(text, pos)
        shown = command.group() if command else text[pos]
        return f"unexpected '{shown}'", pos, _SCRIPT_NOTE if shown in "^_" else ""
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        return f"unexpected '{exc.token.value}'", exc.token.start_pos, ""
    return "unexpected end of formula", len(text), ""


def _script(token: Token) -> tuple[str, int]:
    """The text of a sub/superscript without ``_``/``^`` and outer braces, and its offset."""
    value = token.value
    if value[0] not in "_^":
        return value.translate(_SUPERSCRIPTS).translate(_SUBSCRIPTS), 0
    start = 1 + len(value[1:]) - len(value[1:].lstrip())
    if value[start] == "{":
        return value[start + 1 : -1], start + 1
    return value[start:], start


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _base(text: str) -> str:
    if text in _UNICODE_GREEK:
        return "\\" + _UNICODE_GREEK[text]
    if text == "ŷ":
        return "\\hat{y}"
    accent = re.fullmatch(r"\\(hat|bar|tilde|mathcal)\s*\{?\s*([a-zA-Z])\s*\}?", text)
    return f"\\{accent[1]}{{{accent[2]}}}" if accent else text


def _prefix(text: str) -> str:
    return "net" if "net" in text else "out"


class _Build(Transformer_NonRecursive):
    """Turns the parse tree into SymPy objects; names become :class:`_Name` first."""

    def __init__(self, ctx: _Context, offset: int):
        super().__init__()
        self.ctx = ctx
        self.offset = offset

    def _error(self, reason: str, pos: int) -> FormulaError:
        return FormulaError(reason, self.ctx.source, pos)

    # -- leaves and structure

    def NUMBER(self, token: Token) -> sympy.Rational:  # a lark terminal callback
        if len(token.value) > _MAX_DIGITS:
            raise self._error(
                f"number too long (at most {_MAX_DIGITS} digits)", self.offset + token.start_pos
            )
        whole, _, fraction = token.value.partition(".")
        return sympy.Rational(int(whole + fraction or "0"), 10 ** len(fraction))

    def formula(self, children):
        return children[0]

    def claim(self, children):
        return children[0]

    def group(self, children):
        return children[1]

    def underbrace(self, children):
        return children[2]

    def call_args(self, children):
        return None

    # -- arithmetic

    def expr(self, children):
        terms = [children[0]]
        for op, value in zip(children[1::2], children[2::2], strict=True):
            terms.append(value if op.type == "PLUS" else _mul([sympy.Integer(-1), value]))
        return _add(terms)

    def term(self, children):
        factors, rest = [children[0]], iter(children[1:])
        for item in rest:
            if isinstance(item, Token) and item.type == "DIV":
                factors.append(self._reciprocal(next(rest), item.start_pos))
            elif isinstance(item, Token):
                factors.append(next(rest))
            else:
                factors.append(item)
        return _mul(factors)

    def signed(self, children):
        minus = sum(1 for c in children[:-1] if c.type == "MINUS")
        return _mul([sympy.Integer(-1), children[-1]]) if minus % 2 else children[-1]

    def power(self, children):
        value = children[0]
        if isinstance(value, _Name):
            value = self.resolve(value)
        return self._power(value, children[1]) if len(children) == 2 else value

    def frac(self, children):
        return _mul([children[2], self._reciprocal(children[5], children[0].start_pos)])

    def frac_short(self, children):
        digits = re.findall(r"\d", children[0].value)
        pos = children[0].start_pos
        return _mul([sympy.Integer(digits[0]), self._reciprocal(sympy.Integer(digits[1]), pos)])

    # -- functions

    def func_group(self, children):
        func, outer, arg, after = self._function_parts(children)
        value = _apply(func, arg)
        value = self._power(value, outer) if outer else value
        return self._power(value, after) if after else value

    def func_number(self, children):
        func, outer, arg, after = self._function_parts(children)
        arg = self._power(arg, after) if after else arg
        value = _apply(func, arg)
        return self._power(value, outer) if outer else value

    def func_name(self, children):
        func, outer, name, _ = self._function_parts(children)
        value = _apply(func, self.resolve(name))
        return self._power(value, outer) if outer else value

    @staticmethod
    def _function_parts(children):
        """(function token, its superscript, argument, superscript after the argument)."""
        func, rest = children[0], list(children[1:])
        outer = rest.pop(0) if isinstance(rest[0], Token) and rest[0].type == "SUP" else None
        after = rest[1] if len(rest) > 1 else None
        return func, outer, rest[0], after

    # -- names

    def name(self, children):
        parts = {c.type: c for c in children}
        sub, sup = parts.get("SUB"), parts.get("SUP")
        ref = NameRef(
            prefix=_prefix(parts["PREFIX"].value) if "PREFIX" in parts else None,
            base=_base(parts["BASE"].value),
            sub=None if sub is None else _normalise(_script(sub)[0]),
            sup=None if sup is None else _normalise(_script(sup)[0]),
        )
        return _Name(ref, self.offset + children[0].start_pos, sup, self.offset)

    def derivative(self, children):
        numerator, denominator = (c for c in children if isinstance(c, _Name))
        ref = replace(denominator.ref, derivative_of=numerator.ref)
        return _Name(ref, self.offset + children[0].start_pos, None, self.offset)

    def resolve(self, name: _Name) -> sympy.Expr:
        """The value of a name: Euler's e, ``resolve(ref)``, or the superscript fallback."""
        ref = name.ref
        if ref.base == "e" and ref.prefix is None and ref.sub is None and not ref.derivative_of:
            if name.sup is None:
                return sympy.E
            return _exp(self._exponent(name.sup, name.offset))
        if self.ctx.resolve is None:
            raise self._error(f"unknown name '{ref}'", name.pos)
        value = self.ctx.resolve(ref)
        if value is None and name.sup is not None and self.ctx.fallback:
            bare = self.ctx.resolve(replace(ref, sup=None))
            if bare is not None:
                return self._power(bare, name.sup, name.offset)
        if value is None:
            raise self._error(f"unknown name '{ref}'", name.pos)
        return value

    # -- checked arithmetic

    def _exponent(self, token: Token, offset: int | None = None) -> sympy.Expr:
        text, start = _script(token)
        base = self.offset if offset is None else offset
        return _parse(self.ctx, text, "formula", base + token.start_pos + start)

    def _power(self, base, token: Token, offset: int | None = None) -> sympy.Expr:
        exponent = self._exponent(token, offset)
        pos = (self.offset if offset is None else offset) + token.start_pos
        if exponent.is_Number and abs(exponent) > _MAX_EXPONENT:
            raise self._error(f"exponent too large (at most {_MAX_EXPONENT})", pos)
        if base == 0 and exponent.is_Number and exponent < 0:
            raise self._error("division by zero", pos)
        if base.is_Rational and exponent.is_Rational:
            bits = max(abs(base.p).bit_length(), base.q.bit_length()) * abs(exponent)
            if bits > _MAX_POWER_BITS:  # too large to compute exactly: left for evalf
                return sympy.Pow(base, exponent, evaluate=False)
        value = _pow(base, exponent)
        if value.is_Pow and value.exp.is_Number and abs(value.exp) > _MAX_EXPONENT:
            raise self._error(f"exponent too large (at most {_MAX_EXPONENT})", pos)
        return value

    def _reciprocal(self, denominator, pos: int) -> sympy.Expr:
        if denominator == 0:
            raise self._error("division by zero", self.offset + pos)
        return _pow(denominator, sympy.Integer(-1))
