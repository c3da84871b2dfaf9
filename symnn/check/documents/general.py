r"""General formulas: equations with free indices (j, i, k, l; L the output layer).

A general formula such as ``\delta_j^l = (\sum w_{ji}^l \delta_i^{l+1}) \phi'(net x_j^l)``
is instantiated for every value of its free indices that names quantities of the spec's
network (``l`` over the layers in the notation's numbering, the neuron indices over the
neurons), and each side is compared with the leftmost one through the derivation: every
name is read with the worksheet's ``Names``; ``∂A/∂B`` that is no quantity of its own is
differentiated from the derivation's definitions (the local factor, or the chain rule
through the forward pass); ``\phi(net …)`` is the neuron's out and ``\phi'(net …)`` its
∂out/∂net; ``\sum`` runs over the neurons its index can take (a bare ``\sum`` over the
index that is free in its body but not on the left). The comparison is an identity test:
both sides are evaluated exactly at ``POINTS`` random values of every input, target,
weight and bias, so a formula that holds only at the worked example's numbers fails.

When a side is wrong for some indices, the slips of ``SLIPS`` are tried one and two at a
time on its text; one that makes it right is named (``index-swap``: w_{ji} for w_{ij};
``layer-index``: δ^l for δ^{l+1}; ``index``: δ_j for δ_i; ``sign``), with the corrected
formula in the author's notation. A formula that names no quantity of this network for
any index value is reported as not about this network.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy

from symnn.check.digits import Written
from symnn.check.documents import matrices
from symnn.check.documents.source import shorten
from symnn.check.formula import FormulaError, NameRef, parse_formula
from symnn.check.model import run
from symnn.check.names import Names, primed
from symnn.naming import gradient_id, kind_of, parse_id, qid, symbol, updated_id

LETTERS = "ijkl"  # free indices; L is the output layer, n and m are sizes
POINTS = 2  # random points of the identity test
SEED = 20260318
TOLERANCE = sympy.Rational(1, 10**20)
MAX_INSTANCES = 64  # index assignments tried per formula
MAX_VARIANTS = 120  # slip variants (and pairs) tried per side
SHOWN = 60  # characters of a side shown in a note
SCRIPT = re.compile(r"([_^])\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\\[a-zA-Z]+|[^\s{}\\])")
ACTIVATION = re.compile(
    r"(?P<f>\\phi|\\varphi|\\sigma|\\theta|f|g)\s*(?P<prime>'|’|‘|´|\^\{?\\prime\}?)?\s*"
    r"(?:\\left)?\(\s*(?P<arg>[^()]*?)\s*(?:\\right)?\)"
)
SUM = re.compile(r"\\sum\s*(?:_\s*(?:\{(?P<sub>[^{}]*)\}|(?P<sub1>[a-z])))?"
                 r"\s*(?:\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?\s*")
PRODUCT = re.compile(r"\}\s*\((?=[^(),]*[+-])")  # x_1^{2}(1-x), {out x}(1-out x): products
ARGUMENTS = re.compile(r"^(?P<head>[^()]{1,80}?)\s*\((?P<args>[^()+-]*)\)\s*$")  # E(\vec{x})
PLACEHOLDER, PLACEHOLDER_START = "Q", 900001  # Q_{900001}: a written-out sum in a side
DERIVATIVE = "∂:"  # prefix of the symbol standing for ∂A/∂B in a parsed side
INDEX_SCRIPT = re.compile(r"[ijklLmn0-9+\-,() =]*")  # a script made of indices
SLIPS = ("index-swap", "layer-index", "index", "sign", "transpose", "missing-factor")
WHOLE = ("sign", "missing-factor")  # slips of the whole side, not of one script
BY_NET = re.compile(  # ∂E/∂(net x_j^l): a δ written as a derivative
    r"\\frac\s*\{\s*\\partial\s*[A-Z][^{}]*\}\s*\{\s*\\partial\s*"
    r"(?P<net>[^{}]*(?:\{[^{}]*\}[^{}]*)*)\}"
)
DEFINED = re.compile(r"(?P<base>[A-Z]|\\delta)\s*_\s*\{?\s*(?P<letter>l)\s*\}?")  # X_l = [..]
WRITTEN = matrices.WRITTEN_NAME
UPDATED = re.compile(r"\{(.*)\}'", re.S)  # {W_l}': the matrix after the update step


@dataclass(frozen=True)
class Misfit:
    """A side whose matrices do not fit together (a product of 2×1 and 2×1): wrong."""

    reason: str


@dataclass
class FormulaVerdict:
    """The verdict on a general formula."""

    line: int
    text: str
    verdict: str  # "correct", "wrong", "not-about-this-network", "unread"
    note: str
    instances: list[str] = field(default_factory=list)  # ids the left side stood for
    causes: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    end: int | None = None  # offset in the document right after the equation


class Formulas:
    """Checks general formulas against one checker's derivation."""

    def __init__(self, checker):
        self.checker = checker
        self.names: Names = checker.names
        self.model = checker.model
        network = checker.derivation.network
        notation = self.names.notation
        first = notation.first_layer
        self.layers = list(range(first, first + network.depth))
        self.output = first + network.depth - 1
        self.width = max(network.size(m) for m in range(1, network.depth + 1))
        self.points = [self._point(random.Random(SEED + k)) for k in range(POINTS)]
        self._memo: dict = {}
        self._sum_table: dict[str, sympy.Expr] = {}  # placeholder label -> a sum written out
        self._parsed: dict = {}
        self.defined: dict = {}  # matrix name -> its literal for a layer (the document's)
        self._matrix_mode = False  # every side of the formula in hand is read as a matrix
        self._missing: str | None = None  # the last text read to no quantity
        notation = self.names.notation
        self.symbols = {  # a lowercase vector name (z^l, w^{l+1}) -> the name it stands for
            notation.out: "X", notation.net: "Z", notation.bias: "B", notation.weight: "W",
            notation.delta: "\\delta", notation.target: "Y",
        }
        self.constants = {"n": sympy.Integer(network.size(network.depth))}
        rate = checker.derivation.spec.values.learning_rate
        if rate is not None:
            self.constants[notation.learning_rate] = sympy.Rational(rate)

    # ---------------------------------------------------------------- the points

    def _point(self, rng: random.Random) -> dict:
        """Every quantity at random leaf values (exact), with a memo for derivatives."""
        pins = {}
        for key in self.model.leaves:
            kind = parse_id(key).kind
            low, high = (5, 95) if kind in ("d", "out") else (-90, 90)
            value = sympy.Rational(rng.randint(low, high), 100)
            pins[key] = value if value != 0 else sympy.Rational(1, 7)
        values = dict(pins)
        values.update(run(self.model, pins))
        return {"values": values, "grad": {}}

    @cached_property
    def _net_of(self) -> dict:
        """The expanded definition of each net -> its symbol (σ of a written-out net)."""
        return {
            sympy.expand(definition): symbol(key)
            for key, definition in self.model.definitions.items()
            if kind_of(key) == "net" and not key.endswith("'")
        }

    @cached_property
    def _forward(self) -> list[str]:
        """The forward pass: net, out and E (not the gradients, not the update step)."""
        keys = []
        for key in self.model.definitions:
            if key.endswith("'"):
                continue  # the update step and the pass after it
            if key == "E" or kind_of(key) in ("net", "out"):
                keys.append(key)
        return keys

    def derivative(self, point: dict, numerator: str, denominator: str):
        """∂numerator/∂denominator through the forward pass (others of a layer held)."""
        memo = point["grad"].setdefault(numerator, {numerator: sympy.Integer(1)})
        if denominator in memo:
            return memo[denominator]
        values = point["values"]
        total = sympy.Integer(0)
        for key in self._forward:
            definition = self.model.definitions[key]
            variable = next((s for s in definition.free_symbols if s.name == denominator), None)
            if variable is None or key == denominator:
                continue
            outer = self.derivative(point, numerator, key)
            if outer == 0:
                continue
            local = sympy.diff(definition, variable)
            local = local.xreplace({s: values[s.name] for s in local.free_symbols})
            total += outer * local
        memo[denominator] = total
        return total

    # ---------------------------------------------------------------- one formula

    def check(self, sides: list[str], line: int, text: str) -> FormulaVerdict:
        """Instantiate every side for every index value and compare it with the first."""
        left = sides[0]
        defines = self._define(sides)
        self._matrix_mode = any(matrices.is_matrix_side(side, self.symbols) for side in sides)
        letters = sorted(c for c in _script_letters(left) if c in LETTERS)
        assignments = _assignments(letters, self.layers, self.width)[:MAX_INSTANCES]
        if any(left.strip() in side for side in sides[1:]) and (
            self._parameter(left, assignments) or matrices.WRITTEN_NAME.fullmatch(left.strip())
        ):
            left = "{" + left + "}'"  # w = w - η ∂E/∂w: the left side is the updated value
        every = [left, *sides[1:]]
        known, problems, missing = {}, {}, {}
        for number, values in enumerate(assignments):
            for index, side in enumerate(every):
                self._missing = None
                try:
                    known[index, number] = self._value(side, values, 0) is not None
                except FormulaError as exc:
                    problems.setdefault(index, exc.reason)
                    known[index, number] = False
                left_known = index == 0 or known[0, number]
                if not known[index, number] and self._missing and self._matrix_mode and left_known:
                    missing.setdefault(index, f"{shorten(self._missing, 50)} names no quantity "
                                              "of this network")
        numbers = range(len(assignments))
        readable = [i for i in range(1, len(every))
                    if any(known[0, n] and known[i, n] for n in numbers)]
        unread = [i for i in range(1, len(every)) if i not in readable] if readable else []
        valid = [assignments[n] for n in numbers
                 if readable and known[0, n] and all(known[i, n] for i in readable)]
        if not valid:
            problem = next(iter(problems.values()), None)
            if problem and not _unresolved(problem):
                return FormulaVerdict(line, text, "unread", f"cannot be read: {problem}")
            if not letters:
                return FormulaVerdict(line, text, "unread",
                                      "a name in it is no quantity of this network")
            return FormulaVerdict(line, text, "not-about-this-network",
                                  "names no quantity of this network for any index value")
        instances = [i for i in (self._left_id(left, values) for values in valid) if i]
        not_read = [
            f"side {index + 1} ({shorten(every[index], SHOWN)}) not read: "
            + (problems.get(index) or missing.get(index)
               or "a name in it is no quantity of this network")
            for index in unread
        ]
        wrong_sides = []
        for index in readable:
            bad = [values for values in valid if not self._same(left, every[index], values)]
            if bad:
                wrong_sides.append((index, every[index], bad))
        if not wrong_sides:
            shown = _shown_assignments(valid)
            note = "; ".join([defines + f"holds for {shown}", *not_read])
            return FormulaVerdict(line, text, "correct", note, instances=instances)
        verdict = FormulaVerdict(line, text, "wrong", "", instances=instances)
        notes = []
        for index, side, bad in wrong_sides:
            where = _shown_assignments(bad)
            found = self._explain(left, side, bad + [v for v in valid if v not in bad])
            what = f"side {index + 1} ({shorten(side, SHOWN)}) is wrong for {where}"
            shapes = self._shapes(left, side, bad[0])
            if shapes:
                what += f" ({shapes})"
            if found:
                causes, corrected = found
                verdict.causes += [c for c in causes if c not in verdict.causes]
                verdict.corrected.append(corrected)
                what += f": {' and '.join(causes)}; it should read {corrected}"
            notes.append(what)
        verdict.note = "; ".join(notes + not_read)
        return verdict

    def _define(self, sides: list[str]) -> str:
        """Record ``W_l = \\begin{bmatrix}…\\end{bmatrix}`` as the document's ``W_l``."""
        name = DEFINED.fullmatch(sides[0].strip())
        if len(sides) != 2 or name is None:
            return ""
        found = matrices.literals(sides[1].strip(), strict=False)
        if len(found) != 1 or found[0][:2] != (0, len(sides[1].strip())):
            return ""
        body, letter, output = found[0][2], name["letter"], self.output
        self.defined[name["base"]] = lambda layer: _instantiate(body, {letter: layer}, output)
        self._memo.clear()
        self._parsed.clear()
        return f"defines {sides[0].strip()}; "

    def _shapes(self, left: str, side: str, values: dict) -> str:
        """``a 2×2 matrix where the left side is a number`` when the shapes differ."""
        a, b = self._value(left, values, 0), self._value(side, values, 0)
        if isinstance(b, Misfit):
            return b.reason
        if a is None or b is None or isinstance(a, Misfit):
            return ""
        if matrices.shape_of(a) == matrices.shape_of(b):
            return ""
        return f"{_shape(b)} where the left side is {_shape(a)}"

    def _parameter(self, left: str, assignments: list[dict]) -> bool:
        """True when the left side names a weight or bias (for some index value)."""
        for values in assignments:
            found = self._left_id(left, values)
            if found is not None:
                return parse_id(found).kind in ("w", "b")
        return False

    def _left_id(self, left: str, values: dict) -> str | None:
        reading = self.names.read(_instantiate(left, values, self.output))
        return reading.id if reading else None

    def _value(self, side: str, values: dict, k: int):
        """A side's exact value at point ``k``, or None when a name is not in the network."""
        key = (side, tuple(sorted(values.items())), self._matrix_mode)
        if key not in self._memo:
            self._memo[key] = self._expression(side, values)
        if (key, k) not in self._memo:
            self._memo[key, k] = self._at(self._memo[key], self.points[k])
        return self._memo[key, k]

    def _same(self, left: str, side: str, values: dict) -> bool:
        """True when both sides agree at every point (the next point only if this one does)."""
        for k in range(len(self.points)):
            a, b = self._value(left, values, k), self._value(side, values, k)
            if a is None or b is None or not _close(a, b):
                return False
        return True

    def _expression(self, side: str, values: dict):
        """A side instantiated, with a symbol per quantity (None: a name is not in the net).

        A matrix form is a ``sympy.Matrix`` of such expressions (``matrices``).
        """
        text = _instantiate(side, values, self.output)
        matrix = self._matrix_mode or matrices.is_matrix_side(side, self.symbols)
        if matrix and not self._is_call(text):
            return self._matrix(text)
        return self._scalar(text, values)

    def _is_call(self, text: str) -> bool:
        arguments = ARGUMENTS.match(text)
        return bool(arguments) and self.names.read(arguments["head"]) is not None

    def _scalar(self, text: str, values: dict | None = None) -> sympy.Expr | None:
        """An instantiated scalar text read (None: a name is not in the network)."""
        text = self._activations(self._flat_names(text))
        text = PRODUCT.sub(r"} \\cdot (", text)
        arguments = ARGUMENTS.match(text)
        if arguments and self.names.read(arguments["head"]) is not None:
            return symbol(self.names.read(arguments["head"]).id)
        if primed(text):  # the value after the update: a name, not a formula
            reading = self.names.read(text) if len(text) < 200 else None
            return None if reading is None else symbol(reading.id)
        try:
            text = self._sums(text, values or {})
        except LookupError:
            return None
        value = self._parse(text)
        if value is None:
            self._missing = text  # what could not be read, for the report
        return value

    @cached_property
    def _flat(self) -> tuple[re.Pattern | None, dict]:
        """One pattern for every flat name of [names] (``out_{o1}``, ``w_5``, ``w5``)."""
        forms, ids = [], {}
        for alias, quantity_id in sorted(self.names.aliases.items(), key=lambda a: -len(a[0])):
            match = re.fullmatch(r"([A-Za-z]+?)(?:_([A-Za-z0-9]+)|([0-9]+))", alias)
            if match is None:
                continue
            base, sub = match[1], match[2] or match[3]
            loose = "" if match[2] else f"|{re.escape(sub)}"
            group = f"f{len(ids)}"
            ids[group] = quantity_id
            forms.append(
                rf"(?P<{group}>(?<![A-Za-z\\]){re.escape(base)}\s*"
                rf"(?:_\s*\{{\s*{re.escape(sub)}\s*\}}|_\s*{re.escape(sub)}{loose})(?![A-Za-z0-9]))"
            )
        return (re.compile("|".join(forms)) if forms else None), ids

    def _flat_names(self, text: str) -> str:
        """Flat names written as the notation's names (``out_{o1}`` -> out x₁³), to parse."""
        pattern, ids = self._flat
        if pattern is None:
            return text

        def name(match: re.Match) -> str:
            latex = self.names.latex(ids[match.lastgroup])
            after_partial = text[: match.start()].rstrip().endswith("\\partial")
            return f" {latex}" if after_partial else "{" + latex + "}"  # ∂ takes no braces

        return pattern.sub(name, text)

    def _matrix(self, text: str):
        """A matrix form read into a matrix of expressions (None: a name is not in the net)."""
        updated = UPDATED.fullmatch(text.strip())
        reader = matrices.Reader(self._scalar, self._vector, self._prefixed, self._activate,
                                 self._gradient, self.symbols, self.names.notation.first_layer)
        try:
            value = matrices.Parser(updated[1] if updated else text, reader, self.defined).parse()
        except LookupError:
            return None
        except matrices.ShapeError as exc:
            return Misfit(exc.reason)
        if updated:
            value = value.applyfunc(_updated) if isinstance(value, sympy.MatrixBase) else value
        return value

    def matrix_claim(self, text: str):
        """A side with no free index read as a matrix of expressions in ids (or None), and
        a note on how it was read.

        A matrix of numbers in it is read as the matrix of the network whose values they
        are (``[0.9 & 0.5 \\\\ …] - 0.5 [0.078 & …]`` is ``W_2 - η ∂E/∂W_2``), and an entry
        ``p - η ∂E/∂p`` is the parameter after the update step, ``p'``.
        """
        if _script_letters(text) & set(LETTERS):
            return None, ""
        named = self._numbers_as_names(text)
        note = "" if named == text else f"its matrices of numbers read as {' '.join(named.split())}"
        text = _instantiate(named, {}, self.output)
        if self._is_call(text):
            return self._scalar(text), note
        value = self._matrix(text)
        if isinstance(value, sympy.MatrixBase):
            value = value.applyfunc(self._as_updated)
        return value, note

    def _numbers_as_names(self, text: str) -> str:
        """Each matrix of numbers replaced by the one matrix name whose values they are."""
        from symnn.check.documents.claims import number

        for start, end, body in reversed(matrices.literals(text, strict=False)):
            rows = [[number(cell) for cell in row] for row in matrices.grid(body)]
            if not rows or any(not isinstance(w, Written) for row in rows for w in row):
                continue
            fits = [name for name, values in self._named_values
                    if values.shape == (len(rows), len(rows[0])) and all(
                        _identifies(w, v) for w, v in zip(
                            [w for row in rows for w in row], values, strict=False))
                    and all(len(row) == values.cols for row in rows)]
            if len(fits) == 1:
                text = text[:start] + " " + fits[0] + " " + text[end:]
        return text

    @cached_property
    def _named_values(self) -> list[tuple[str, sympy.Matrix]]:
        """(name, exact values) of every matrix name at every layer: W, ∂E/∂W, B, ∂E/∂B, X."""
        exact = self.checker.exact
        found = []
        for layer in self.layers:
            for name in (f"W_{{{layer}}}", rf"\frac{{\partial E}}{{\partial W_{{{layer}}}}}",
                         f"B_{{{layer}}}", rf"\frac{{\partial E}}{{\partial B_{{{layer}}}}}",
                         f"X_{{{layer}}}"):
                try:
                    value = self._matrix(name)
                except FormulaError:
                    continue
                if isinstance(value, sympy.MatrixBase) and all(
                    s.name in exact for s in value.free_symbols
                ):
                    found.append((name, value.xreplace({s: exact[s.name]
                                                        for s in value.free_symbols})))
        return found

    def _as_updated(self, entry):
        """``p - η ∂E/∂p`` as the symbol of p after the update step (else the entry)."""
        rate = self.constants.get(self.names.notation.learning_rate)
        if rate is None or not isinstance(entry, sympy.Expr):
            return entry
        for variable in entry.free_symbols:
            try:
                parsed = parse_id(variable.name)
            except ValueError:
                continue
            if parsed.kind not in ("w", "b"):
                continue
            step = variable - rate * symbol(gradient_id(variable.name))
            if sympy.expand(entry - step) == 0 and updated_id(variable.name) in self.checker.exact:
                return symbol(updated_id(variable.name))
        return entry

    # ---------------------------------------------------------------- matrix names

    def _vector(self, base: str, layer: int) -> sympy.Matrix | None:
        """The derivation's matrix for a name: X (out), B, \\delta, W at a layer; Y."""
        network = self.checker.derivation.network
        internal = layer - self.names.notation.first_layer + 1
        base = self.symbols.get(base, base)
        if base == "nabla":  # ∇_a C: the loss's gradient by the outputs
            ids = [qid("out", network.depth, j) for j in range(1, network.size(network.depth) + 1)]
            return sympy.Matrix([self._gradient(symbol(i)) for i in ids])
        if base in ("Y", "D"):
            ids = [qid("d", j) for j in range(1, network.size(network.depth) + 1)]
        elif not 1 <= internal <= network.depth:
            return None
        elif base in ("X", "A", "Z"):
            kind = "net" if base == "Z" else "out"
            ids = [qid(kind, internal, j) for j in range(1, network.size(internal) + 1)]
        elif base == "\\delta":
            ids = [qid("delta", internal, j) for j in range(1, network.size(internal) + 1)]
        elif base == "W":  # net = W out: rows the receiving neurons, columns the sending
            receiving = internal + (1 if self.names.notation.weight_layer == "source" else 0)
            if not 2 <= receiving <= network.depth:
                return None
            rows, cols = network.size(receiving), network.size(receiving - 1)
            return sympy.Matrix(rows, cols, lambda j, i: symbol(qid("w", receiving, j + 1, i + 1)))
        elif base == "B" and internal > 1:
            ids = [network.bias_of(internal, j) for j in range(1, network.size(internal) + 1)]
        else:
            return None
        known = self.points[0]["values"]
        if not all(i is not None and i in known for i in ids):
            return None
        return sympy.Matrix([symbol(i) for i in ids])

    def _prefixed(self, prefix: str, matrix: sympy.Matrix) -> sympy.Matrix:
        """``net X``/``out X``: every entry's neuron, as its net or its out."""

        def entry(value):
            parsed = parse_id(value.name) if isinstance(value, sympy.Symbol) else None
            if parsed is None or parsed.kind not in ("net", "out"):
                raise FormulaError(f"{prefix} of an entry that is not a neuron", prefix, 0)
            name = qid(prefix, *parsed.indices)
            if name not in self.points[0]["values"]:
                raise LookupError(name)
            return symbol(name)

        return matrix.applyfunc(entry)  # LookupError: a name the network does not have

    def _activate(self, value, prime: bool):
        """φ(net x) -> out x; φ'(net x) -> ∂out x/∂net x, for one entry."""
        if not isinstance(value, sympy.Symbol):
            value = self._net_of.get(sympy.expand(value), value)  # σ(w a + b): the net it is
        parsed = parse_id(value.name) if isinstance(value, sympy.Symbol) else None
        if parsed is None or parsed.kind != "net":
            raise FormulaError("\\phi of an entry that is not a net value", str(value), 0)
        out = qid("out", *parsed.indices)
        if prime:
            return sympy.Symbol(f"{DERIVATIVE}{out}|{value.name}", real=True)
        return symbol(out)

    def _gradient(self, value):
        """∂E/∂(entry): the gradient the derivation has, or the chain rule through E."""
        if not isinstance(value, sympy.Symbol):
            raise FormulaError("a derivative by an entry that is not a quantity", str(value), 0)
        try:
            gradient = gradient_id(value.name)
        except (ValueError, KeyError):
            gradient = None
        if gradient is not None and gradient in self.points[0]["values"]:
            return symbol(gradient)
        return sympy.Symbol(f"{DERIVATIVE}E|{value.name}", real=True)

    def _parse(self, text: str) -> sympy.Expr | None:
        """The formula with a symbol per quantity, or None when a name is not in the net."""
        if text not in self._parsed:
            try:
                self._parsed[text] = parse_formula(text, self._symbol)
            except FormulaError as exc:
                if not _unresolved(exc.reason):
                    raise
                self._parsed[text] = None
        return self._parsed[text]

    def _at(self, expr, point: dict):
        if expr is None or isinstance(expr, Misfit):
            return expr
        if isinstance(expr, sympy.MatrixBase):
            entries = [self._at(entry, point) for entry in expr]
            if any(entry is None for entry in entries):
                return None
            return sympy.ImmutableMatrix(expr.rows, expr.cols, entries)
        numbers = {}
        for variable in expr.free_symbols:
            value = self._number(variable.name, point)
            if value is None:
                return None
            numbers[variable] = value
        value = expr.xreplace(numbers)
        return value if value.is_Rational else value.doit().evalf(40)

    def _number(self, name: str, point: dict):
        if name.startswith(DERIVATIVE):
            numerator, denominator = name[len(DERIVATIVE):].split("|")
            return self.derivative(point, numerator, denominator)
        return point["values"].get(name)

    def _symbol(self, ref: NameRef):
        """A name in a formula: the symbol of its quantity (or of ∂A/∂B), or a constant."""
        if ref.base == PLACEHOLDER and ref.sup is None and ref.sub in self._sum_table:
            return self._sum_table[ref.sub]
        quantity_id = self.names.of_ref(ref)
        if quantity_id is None and ref.prefix is not None and ref.derivative_of is None:
            reading = self.names.read(str(ref))  # out x_1^1: an input under its out name
            quantity_id = reading.id if reading else None
        if quantity_id is None and ref.base == "n" and ref.sup is None and ref.sub in (
            "L", str(self.output)
        ):
            return self.constants["n"]  # n_L: the size of the output layer
        if quantity_id is not None and quantity_id in self.points[0]["values"]:
            return symbol(quantity_id)
        if ref.derivative_of is not None:  # a local factor such as ∂out/∂net: differentiated
            numerator = self.names.of_ref(replace(ref.derivative_of, derivative_of=None))
            denominator = self.names.of_ref(replace(ref, derivative_of=None))
            if numerator is None or denominator is None:
                return None
            return sympy.Symbol(f"{DERIVATIVE}{numerator}|{denominator}", real=True)
        if ref.sub is None and ref.sup is None and ref.prefix is None:
            return self.constants.get(ref.base)
        return None

    def _activations(self, text: str) -> str:
        r"""``\phi(net x)`` -> out x; ``\phi'(net x)`` -> ∂out x/∂net x (names of the notation)."""

        def swap(match: re.Match) -> str:
            reading = self.names.read(match["arg"])
            if reading is None or parse_id(reading.id).kind != "net":
                return match.group()
            out = self.names.latex("out" + reading.id[3:])
            net = self.names.latex(reading.id)
            if match["prime"]:
                return rf"\frac{{\partial {out}}}{{\partial {net}}}"
            return "{" + out + "}"

        return ACTIVATION.sub(swap, text)

    def _sums(self, text: str, free: dict) -> str:
        """Each ``\\sum`` written out over the neurons its index takes (instantiated)."""
        match = SUM.search(text)
        if match is None:
            return text
        body, end = _sum_body(text, match.end())
        index = match["sub"] or match["sub1"] or ""
        index = index.split("=")[0].strip()
        if index not in LETTERS or not index:
            candidates = [c for c in _script_letters(body) if c in LETTERS and c not in free]
            if not candidates:
                raise LookupError("no summation index")
            index = candidates[0]
        terms = []
        for value in range(1, self.width + 1):
            term = self._activations(_instantiate(body, {index: value}, self.output))
            if self._resolvable(term):
                terms.append(self._parse(term))
        if not terms:
            raise LookupError("an empty sum")
        # the sum stands in the text as one placeholder name for its expression
        label = str(PLACEHOLDER_START + len(self._sum_table))
        self._sum_table[label] = sympy.Add(*terms)
        expanded = f"{{{PLACEHOLDER}_{{{label}}}}}"
        return self._sums(text[: match.start()] + expanded + text[end:], free)

    def _resolvable(self, text: str) -> bool:
        try:
            return self._parse(text) is not None
        except FormulaError:
            return False

    # ---------------------------------------------------------------- slips

    def _explain(self, left: str, side: str, valid: list[dict]):
        """The slips (one or two) whose correction makes ``side`` equal the left side."""
        singles = list(_variants(side, self.symbols)) + self._factors(left)
        pairs = sorted(itertools.combinations(singles, 2), key=lambda p: abs(p[0][1] - p[1][1]))
        tried = 0
        for combos in ([(v,) for v in singles], pairs):  # pairs on one name first
            for combo in combos:
                spans = sorted((v[1], v[2]) for v in combo if v[0] not in WHOLE)
                if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
                    continue  # two changes of one script
                tried += 1
                if tried > MAX_VARIANTS:
                    return None
                text = _apply(side, combo)
                if self._holds(left, text, valid):
                    return sorted({v[0] for v in combo}, key=SLIPS.index), text
        return None

    def _factors(self, left: str) -> list[tuple[str, int, int, str]]:
        """``missing-factor``: δ written without φ'(net) (``⊙ σ'(z^l)`` in a matrix form)."""
        notation = self.names.notation
        written = left.strip()
        by_net = BY_NET.fullmatch(written)
        if by_net and (by_net["net"].startswith(("net", notation.net))):
            argument = by_net["net"].strip()  # ∂E/∂net x_j^l: φ'(net x_j^l) is its factor
        elif written.startswith(notation.delta) and not written[len(notation.delta):][:1].isalpha():
            argument = f"{notation.net} {written[len(notation.delta):].strip()}"
        else:
            return []
        joiner = r" \odot " if self._matrix_mode else r" \cdot "
        return [("missing-factor", 0, 0, f"{joiner}{notation.activation}'({argument})")]

    def _holds(self, left: str, side: str, valid: list[dict]) -> bool:
        try:
            return all(self._same(left, side, values) for values in valid)
        except FormulaError:
            return False


# ---------------------------------------------------------------------------- text


def _script_letters(text: str) -> set[str]:
    """The letters of index scripts (``_{ij}``, ``^{l+1}``; not ``_{total}`` or ``_{h1}``)."""
    letters = set()
    for match in SCRIPT.finditer(text):
        content = match[2]
        if content.startswith("\\") or not INDEX_SCRIPT.fullmatch(content.strip("{}")):
            continue
        letters.update(c for c in content if c.isalpha())
    return letters


def _instantiate(text: str, values: dict, output: int) -> str:
    """Index letters in scripts replaced by their values (``x_j^{l+1}`` -> ``x_1^{3}``)."""

    def script(match: re.Match) -> str:
        content = match[2]
        if content.startswith("\\"):
            return match.group()
        inner = content[1:-1] if content.startswith("{") else content
        if re.search(r"\\[a-zA-Z]", inner):
            return match.group()
        replaced = "".join(
            str(values[c]) if c in values else (str(output) if c == "L" else c) for c in inner
        )
        if re.fullmatch(r"\d+(?:\s*[+-]\s*\d+)+", replaced):
            replaced = str(eval_sum(replaced))
        return f"{match[1]}{{{replaced}}}"

    return SCRIPT.sub(script, text)


def eval_sum(text: str) -> int:
    """``3-1`` -> 2: the integer arithmetic of an instantiated script (no eval)."""
    total, sign, number = 0, 1, ""
    for char in text.replace(" ", "") + "+":
        if char.isdigit():
            number += char
            continue
        total += sign * int(number)
        number = ""
        sign = 1 if char == "+" else -1
    return total


def _sum_body(text: str, start: int) -> tuple[str, int]:
    """The summand after ``\\sum``: a braced group, or the product up to ``+ - = )``."""
    rest = text[start:]
    if rest.startswith("{"):
        depth = 0
        for index, char in enumerate(rest):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                return rest[1:index], start + index + 1
    depth = 0
    for index, char in enumerate(rest):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            if depth == 0:
                return rest[:index], start + index
            depth -= 1
        elif depth == 0 and char in "+-=" and index > 0 and rest[index - 1] not in "^_{":
            return rest[:index], start + index
        if rest.startswith(r"\right", index) and depth == 0:
            return rest[:index], start + index
    return rest, len(text)


def _variants(side: str, symbols: dict) -> list[tuple[str, int, int, str]]:
    """Single slips to undo, as (cause, start, end, replacement) of a script of the side."""
    found = []
    for match in SCRIPT.finditer(side):
        kind, content = match[1], match[2]
        if content.startswith("\\"):
            continue
        inner = content[1:-1] if content.startswith("{") else content
        start, end = match.span()
        letters = [c for c in inner if c in LETTERS]
        if kind == "_" and len(letters) == 2:
            first, second = letters
            swapped = "".join(second if c == first else first if c == second else c for c in inner)
            found.append(("index-swap", start, end, f"_{{{swapped}}}"))
        if kind == "_" and len(letters) == 1 and len(inner.strip()) == 1:
            for other in sorted(_script_letters(side) & set(LETTERS) - {letters[0], "l"}):
                found.append(("index", start, end, f"_{{{other}}}"))
        names = kind == "_" and any(m.end() == end for m in WRITTEN.finditer(side))
        if kind == "^" or names:  # x^{l}, and the layer of a matrix name: X_{l}
            found += [("layer-index", start, end, new) for new in _layer_shifts(kind, inner)]
    found += _literal_variants(side)
    found.append(("sign", len(side), len(side), ""))
    if matrices.is_matrix_side(side, symbols):
        found += _transpose_variants(side, symbols)
    return found


def _layer_shifts(kind: str, inner: str) -> list[str]:
    """``^{l+1}`` and ``^{l-1}`` for ``^{l}``: the scripts one layer off."""
    layer = re.fullmatch(r"\s*([lL])\s*(?:([+-])\s*(\d+))?\s*", inner)
    if layer is None:
        return []
    offset = int(layer[3] or 0) * (-1 if layer[2] == "-" else 1)
    shifted = [offset + shift for shift in (1, -1)]
    return [f"{kind}{{{layer[1]}{'' if new == 0 else f'{new:+d}'}}}" for new in shifted]


def _literal_variants(side: str) -> list[tuple[str, int, int, str]]:
    """A layer slip made in every entry of a matrix literal, undone in all of them at once."""
    found = []
    for start, end, _body in matrices.literals(side, strict=False):
        text = side[start:end]
        scripts = {(m[1], m[2]) for m in SCRIPT.finditer(text) if m[1] == "^"}
        for kind, content in sorted(scripts):
            inner = content[1:-1] if content.startswith("{") else content
            for new in _layer_shifts(kind, inner):
                changed = SCRIPT.sub(
                    lambda m, k=kind, c=content, n=new: n if (m[1], m[2]) == (k, c) else m[0],
                    text,
                )
                found.append(("layer-index", start, end, changed))
    return found


def _transpose_variants(side: str, symbols: dict) -> list[tuple[str, int, int, str]]:
    """A transpose taken away, or put after a bracket, a matrix or a matrix name."""
    found = [("transpose", m.start(), m.end(), "") for m in matrices.TRANSPOSE.finditer(side)]
    ends = [m.end() for m in re.finditer(r"\\right\s*\)|\)|\\end\s*\{[bpvBV]?matrix\}", side)]
    ends += [m.end() for m in WRITTEN.finditer(side)]
    taken = {m.start() for m in matrices.TRANSPOSE.finditer(side)}
    found += [("transpose", end, end, "^{T}") for end in sorted(set(ends)) if end not in taken]
    found += [  # w^{l+1} -> {w^{l+1}}^{T}: a superscripted name is braced first
        ("transpose", m.start(), m.end(), "{" + m[0] + "}^{T}")
        for m in matrices.WRITTEN_SUPERSCRIPT.finditer(side)
        if m["base"] in symbols and m.end() not in taken
    ]
    return found


def _apply(side: str, changes) -> str:
    """The side with the changes made (right to left, so offsets stay valid)."""
    text = side
    negate, factor = False, ""
    for cause, start, end, new in sorted(changes, key=lambda c: -c[1]):
        if cause == "sign":
            negate = True
            continue
        if cause == "missing-factor":
            factor = new
            continue
        text = text[:start] + new + text[end:]
    if factor:
        text = f"\\left({text}\\right){factor}"
    return f"-\\left({text}\\right)" if negate else text


def _assignments(letters: list[str], layers: list[int], width: int) -> list[dict]:
    ranges = [layers if c == "l" else range(1, width + 1) for c in letters]
    return [dict(zip(letters, combo, strict=True)) for combo in itertools.product(*ranges)]


def _close(x, y) -> bool:
    if isinstance(x, Misfit) or isinstance(y, Misfit):
        return False
    x, y = matrices.plain(x), matrices.plain(y)
    if isinstance(x, sympy.MatrixBase) or isinstance(y, sympy.MatrixBase):
        same = matrices.shape_of(x) == matrices.shape_of(y)
        return same and all(_close(a, b) for a, b in zip(x, y, strict=True))
    scale = max(abs(sympy.N(y, 30)), sympy.Integer(1))
    return abs(sympy.N(x - y, 30)) <= TOLERANCE * scale


def _identifies(written: Written, value) -> bool:
    """A written number names a value: equal, or matching it at two or more digits."""
    return written.value == value or (written.significant >= 2 and written.matches(value))


def _shape(value) -> str:
    rows, cols = matrices.shape_of(value)
    return "a number" if (rows, cols) == (1, 1) else f"a {rows}×{cols} matrix"


def _updated(value):
    """An entry's value after the update step (a weight or bias)."""
    if not isinstance(value, sympy.Symbol):
        raise FormulaError("an update of an entry that is not a parameter", str(value), 0)
    return symbol(updated_id(value.name))


def _unresolved(reason: str) -> bool:
    return "unknown" in reason or "resolve" in reason or "not a quantity" in reason


def _shown_assignments(assignments: list[dict]) -> str:
    """``l=2, i=1..2, j=1..2`` (ranges per letter) or ``every index`` without letters."""
    if not assignments or not assignments[0]:
        return "this network"
    parts = []
    for letter in assignments[0]:
        values = sorted({a[letter] for a in assignments})
        shown = str(values[0]) if len(values) == 1 else (
            f"{values[0]}..{values[-1]}" if values == list(range(values[0], values[-1] + 1))
            else ",".join(map(str, values))
        )
        parts.append(f"{letter}={shown}")
    return ", ".join(parts)
