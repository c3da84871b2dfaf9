"""Judge each claim of a worksheet against the derivation's exact numbers.

Verdicts, tried in this order:

- ``correct``: the exact value rounds to the claim at the digits written;
- ``correct-with-carried``: the value recomputed from the claimant's own earlier claims
  (rounded values carried forward, as people work by hand) rounds to the claim;
- ``rounding-slip``: one unit off in the last digit written (of the exact value, or of the
  value from the carried claims), e.g. truncated instead of rounded;
- ``wrong``: anything else, with the first slip of ``slips.SLIPS`` that reproduces it.

A formula given with a claim is parsed by ``formula.parse_formula`` (names resolve to the
claimant's values: their claims, else values recomputed from them, else exact) and
compared with the claimed value (the arithmetic) and with the derivation's expression
instantiated with the claimant's numbers (the formula): their claims, the numbers the
formula writes for intermediate quantities, or exact values. A formula that matches none
of these makes the claim wrong whatever its value, and the checker looks for what it
does instead: a slip of the catalogue, or one number used in place of another
("it uses d₂ = 0 where the target is 1").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

import sympy

from symnn import claimable
from symnn.check import bounds, digits, slips
from symnn.check.digits import Written, show
from symnn.check.float64 import BOUND, Bounded
from symnn.check.formula import FormulaError, NameRef, parse_formula
from symnn.check.model import Model, build_model, carried_sources, run
from symnn.check.names import Names
from symnn.check.slips import OTHER_QUANTITY, STEP_OFF_BY_ONE, Variant
from symnn.check.worksheet import Claim, claim_scale, quoted_key
from symnn.compiled import EXACT, FLOAT, Arithmetic
from symnn.derive import Derivation
from symnn.errors import SpecError
from symnn.evaluate import DIGITS, evaluate
from symnn.naming import parse_id, symbol

VERDICTS = ("correct", "correct-with-carried", "rounding-slip", "wrong", "unreadable")
PASSING = ("correct", "correct-with-carried")
FORMULA_CAUSE = "formula"  # the formula is not the network's
ARITHMETIC_CAUSE = "arithmetic"  # the formula is right, its evaluation is not
CLOSE = sympy.Rational(1, 10**30)  # relative gap under which two computed numbers are equal
OTHER_QUANTITIES_SHOWN = 3
FORMULA_NUMBER = re.compile(r"\d+\.\d+|\.\d+|\d+")
MAX_SEARCH_CONE = 400  # formulas of quantities computed from more: no number-by-number search
MAX_TRIALS = 400  # numbers tried in place of others, per formula
ROLES = {"d": "the target", "w": "the weight", "b": "the bias"}
ROUNDING_MARGIN = sympy.Rational(3, 2)  # on the first-order spread of a formula's rounding
ROUNDING_RELATIVE = sympy.Rational(1, 1000)  # a formula's rounding spread at most this, relative
SYMBOLIC_DEPTH = 12  # definitions substituted into the network's expression, at most
SYMBOLIC_OPS = 3000  # ... while it stays this small
PAIR_DIGITS = 3  # two slips together are tried for claims with this many significant digits
MAX_PAIR_MODEL = 400  # ... and for networks with at most this many definitions


@dataclass
class FormulaCheck:
    """A claim's formula: its value, whether it is the network's, and the arithmetic."""

    text: str
    value: sympy.Expr
    matches_network: bool
    mismatch: str | None  # what the formula does instead, when it does not match
    arithmetic: str  # "right", "truncated", "last digit" or "wrong"
    numbers: dict | None = None  # the claimant's numbers it matched with (id -> value)
    within_rounding: bool = False  # matched up to the rounding of its own decimals


@dataclass
class Verdict:
    """The verdict on one claim, with the exact value and a note for the reader."""

    claim: Claim
    exact: sympy.Expr
    verdict: str
    note: str = ""
    cause: str | None = None  # the slip that reproduces a wrong claim, or "formula"
    causes: list[str] = field(default_factory=list)  # every slip that reproduces it
    carried: sympy.Expr | None = None  # recomputed from the claimant's carried values
    carried_from: list[str] = field(default_factory=list)
    formula: FormulaCheck | None = None
    elements: list[Verdict] = field(default_factory=list)  # a slice's, one per element


@dataclass
class FirstWrong:
    """Where a sheet first goes wrong (in evaluation order) and what follows from it.

    ``later_right`` are the later lines computed from it (through the network's
    definitions) that pass: right given the mistake carried forward, since a line is
    credited as carried only when it is the network's formula at the carried numbers;
    ``later_wrong`` are those that do not.
    """

    verdict: Verdict
    later_right: list[Verdict]
    later_wrong: list[Verdict]
    restated: bool = False  # a second claim of a quantity: later lines carry the first

    def text(self, names: Names) -> str:
        """``first wrong: δ₁³ (activation-derivative); 3 later lines are right given it``."""
        verdict = self.verdict
        cause = f" ({verdict.cause})" if verdict.cause else ""
        head = f"first wrong: {names.plain(verdict.claim.id)}{cause}"
        right, wrong = len(self.later_right), len(self.later_wrong)
        if self.restated:
            return f"{head}, restated: later lines are computed from your first claim of it"
        if not right and not wrong:
            return f"{head}; no later line is computed from it"
        parts = []
        if right:
            lines = "line is" if right == 1 else "lines are"
            parts.append(f"{right} later {lines} right given it")
        if wrong:
            shown = ", ".join(names.plain(v.claim.id) for v in self.later_wrong)
            lines = "line is" if wrong == 1 else "lines are"
            parts.append(f"{wrong} later {lines} not ({shown})")
        return f"{head}; " + ", ".join(parts)


class Checker:
    """Judges claims against one derivation, in one notation."""

    def __init__(self, derivation: Derivation, notation):
        self.derivation = derivation
        self.claimed: list[str] = []
        self.expressions: dict[str, sympy.Expr] = {}
        self.model = build_model(derivation)
        self.exact = evaluate(derivation).values
        listed = self.model.ids() + claimable.listed_ids(derivation)
        self.names = Names(listed, notation, derivation.spec.names, derivation.network)
        self._variants: list[Variant] | None = None
        self._pairs: list[tuple[tuple[int, int], Variant]] | None = None
        self._variant_models: dict = {}  # by variant index, or pair of indices
        self._variant_runs: dict[tuple, dict] = {}
        self._everything_carried: dict | None = None

    # ---------------------------------------------------------------- all claims

    def check(self, claims: list[Claim]) -> list[Verdict]:
        """The verdict on every claim, in the order given."""
        self.claims = claims
        readable = [c for c in claims if c.error is None]
        self._add_claimed(readable)
        self.pins: dict[str, sympy.Rational] = {}
        self.first_claim: dict[str, Claim] = {}
        for claim in readable:
            self.first_claim.setdefault(claim.id, claim)
            if claim.id in self.model.definitions and claim.id not in self.expressions:
                self.pins.setdefault(claim.id, claim.written.value)
        wanted = {c.id for c in readable if c.id in self.model.definitions}
        self.carried = run(self.model, self.pins, wanted)
        self._variant_runs.clear()
        self._everything_carried = None
        position = self.model.position
        self.judged: dict[int, Verdict] = {}
        self._index = {id(claim): i for i, claim in enumerate(claims)}
        judged = [i for i, claim in enumerate(claims) if claim.error is None]
        for index in sorted(judged, key=lambda i: position[claims[i].id]):
            self.judged[index] = self._judge(claims[index])
        for index, claim in enumerate(claims):
            if claim.error is not None:
                self.judged[index] = Verdict(claim, None, "unreadable", claim.error)
        return [self.judged[i] for i in range(len(claims))]

    def every_value(self) -> dict:
        """The exact value of every listed quantity (the grading key's), by id."""
        listed = [i for i in self.names.ids if i not in self.exact]
        model = build_model(self.derivation, claimed=listed) if listed else self.model
        computed = run(model, {}, listed) if listed else {}
        return {**self.exact, **{k: v for k, v in computed.items() if k in listed}}

    def _add_claimed(self, claims: list[Claim]) -> None:
        """Put claimed ids beyond the derivation's, and expression names, into the model."""
        self.expressions = {
            c.id: c.reading.expression for c in claims if c.reading.expression is not None
        }
        self.claimed = list(dict.fromkeys(c.id for c in claims if c.id not in self.exact))
        if not self.claimed:
            return
        self.model = build_model(
            self.derivation, claimed=self.claimed, expressions=self.expressions
        )
        self._variant_models.clear()
        computed = run(self.model, {}, self.claimed)
        self.exact.update({k: v for k, v in computed.items() if k not in self.exact})

    def first_wrong(self, verdicts: list[Verdict]) -> FirstWrong | None:
        """The first wrong line in evaluation order (claim order among equals), or None."""
        position = self.model.position
        wrong = [v for v in verdicts if v.verdict == "wrong"]
        if not wrong:
            return None
        first = min(wrong, key=lambda v: position[v.claim.id])
        if self.first_claim.get(first.claim.id) is not first.claim:
            return FirstWrong(first, [], [], restated=True)  # later lines carry the first claim
        downstream = {first.claim.id}
        for key in self.model.definitions:
            if any(d in downstream for d in self.model.dependencies(key)):
                downstream.add(key)
        later = [
            v for v in verdicts
            if v is not first and v.claim.id in downstream and v.claim.id != first.claim.id
        ]
        return FirstWrong(
            first,
            [v for v in later if v.verdict in PASSING],
            [v for v in later if v.verdict not in PASSING],
        )

    def _verdict_of(self, claim: Claim) -> str | None:
        """The verdict already given on a claim (claims are judged upstream first)."""
        verdict = self.judged.get(self._index[id(claim)])
        return None if verdict is None else verdict.verdict

    # ---------------------------------------------------------------- one claim

    def _judge(self, claim: Claim) -> Verdict:
        exact = self.exact[claim.id]
        sources = self._carried_sources(claim.id)
        carried = self.carried.get(claim.id) if sources else None
        try:
            formula = self._check_formula(claim) if claim.formula is not None else None
        except bounds.FormulaBudget as exc:
            verdict = self._by_value(claim, exact, carried, sources)
            note = f"formula not judged: {exc.reason}"
            verdict.note = f"{verdict.note}; {note}" if verdict.note else note
            return verdict
        verdict = self._by_value(claim, exact, carried, sources)
        if claim.scale == -1:
            verdict.note = "; ".join(filter(None, [verdict.note, _negated_note(claim)]))
        if formula is None:
            return verdict
        verdict.formula = formula
        if not formula.matches_network:
            return self._formula_mismatch(verdict, formula)
        if verdict.verdict not in PASSING and formula.arithmetic == "right" and (
            not formula.within_rounding
        ):
            self._carried_by_formula(verdict, formula)
        remarks = [verdict.note] if verdict.note else []
        value_explained = _close(formula.value, exact) or _close(formula.value, carried)
        slip_says_it = verdict.verdict == "rounding-slip" and value_explained
        if formula.arithmetic != "right" and verdict.verdict in PASSING:
            # the number passes; the formula's own rounded numbers give another one
            remarks.insert(
                0,
                f"the formula matches the network; with the rounded numbers it writes it "
                f"gives {show(formula.value)}",
            )
        elif formula.arithmetic == "wrong" or (
            formula.arithmetic != "right" and not slip_says_it
        ):
            remarks.insert(
                0,
                f"the formula is right but evaluates to {show(formula.value)}, "
                f"not {claim.written.text}",
            )
            if verdict.verdict == "wrong":
                verdict.cause = ARITHMETIC_CAUSE
        if not remarks:
            remarks.append("the formula matches the network")
        verdict.note = "; ".join(remarks)
        return verdict

    def _carried_by_formula(self, verdict: Verdict, formula: FormulaCheck) -> None:
        """Right formula, right arithmetic, rounded numbers: correct given those numbers."""
        qid = verdict.claim.id
        sources = [
            s
            for s in carried_sources(self.model, qid, formula.numbers)
            if formula.numbers[s] != self.exact[s]
        ] if qid in self.model.definitions else []
        if not sources:
            return
        shown = []
        for source in sources:
            written = self.first_claim.get(source)
            text = written.written.text if written else show(formula.numbers[source])
            shown.append(f"{self.names.plain(source)} = {text}")
        verdict.verdict, verdict.cause, verdict.causes = "correct-with-carried", None, []
        verdict.carried, verdict.carried_from = formula.value, sources
        verdict.note = (
            f"recomputed from the numbers your formula uses ({', '.join(shown)}): "
            f"{show(formula.value)} (the exact value rounds to "
            f"{verdict.claim.written.show(verdict.exact)})"
        )

    def _carried_sources(self, quantity_id: str) -> list[str]:
        """Claims this quantity is recomputed from that differ from their exact values."""
        if quantity_id not in self.model.definitions:
            return []
        return [
            s
            for s in carried_sources(self.model, quantity_id, self.pins)
            if self.pins[s] != self.exact[s]
        ]

    def _by_value(self, claim: Claim, exact, carried, sources: list[str]) -> Verdict:
        written = claim.written
        base = Verdict(claim, exact, "wrong", carried=carried, carried_from=sources)
        precision = " (judged at float64 precision)" if written.float64 else ""
        if written.matches(exact, self._float64_bound(claim, {})):
            base.verdict, base.note = "correct", precision.strip(" ()")
            return base
        if carried is not None and written.matches(carried, self._float64_bound(claim, self.pins)):
            base.verdict = "correct-with-carried"
            base.note = (
                f"recomputed from your {self._carried_text(sources)}: {show(carried)} "
                f"(the exact value rounds to {written.show(exact)})"
            )
            return base
        miss = written.off_by_one(exact)
        if miss is not None:
            base.verdict = "rounding-slip"
            base.note = f"{_miss_text(miss)}: {show(exact)} rounds to {written.show(exact)}"
            return base
        miss = written.off_by_one(carried) if carried is not None else None
        if miss is not None:
            base.verdict = "rounding-slip"
            base.note = (
                f"{_miss_text(miss)}: recomputed from your {self._carried_text(sources)} "
                f"it is {show(carried)}, which rounds to {written.show(carried)}"
            )
            return base
        causes, text = self._find_slip(claim, exact, carried)
        base.causes = causes
        base.cause = causes[0] if causes else None
        base.note = (f"likely cause: {text}" if text else "no common slip reproduces it")
        base.note += precision
        return base

    def _float64_bound(self, claim: Claim, pins: dict) -> Bounded | None:
        """The error bound of a float64 computation of a float64 claim's quantity, from the
        inputs (``pins`` empty) or from the claimant's numbers; None for other claims."""
        if not claim.written.float64 or claim.id not in self.model.definitions:
            return None
        return run(self.model, pins, [claim.id], BOUND).get(claim.id)

    def _carried_text(self, sources: list[str]) -> str:
        parts = []
        for source in sources:
            claim = self.first_claim[source]
            wrong = " (itself wrong)" if self._verdict_of(claim) == "wrong" else ""
            parts.append(f"{self.names.plain(source)} = {claim.written.text}{wrong}")
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    # ---------------------------------------------------------------- slips

    def _find_slip(self, claim: Claim, exact, carried) -> tuple[list[str], str | None]:
        """Every slip that reproduces a wrong claim (catalogue order) and a description:
        one slip, else the value of another quantity, else two slips together."""
        found = self._reproducing(claim, carried, list(enumerate(self.variants())))
        if found[0]:
            return found
        written = claim.written
        neighbour = self._step_off_by_one(claim)
        if neighbour is not None:
            other, when = neighbour
            return [STEP_OFF_BY_ONE], (
                f"{written.text} is the value one step {when}, {self.names.plain(other)} "
                f"({other}): the loss a training loop prints in round t is computed before "
                "that round's update"
            )
        others = [
            other
            for other, value in self.exact.items()
            if other != claim.id and written.value != 0 and written.matches(value)
        ][:OTHER_QUANTITIES_SHOWN]
        if others:
            names = " or ".join(f"{self.names.plain(o)} ({o})" for o in others)
            return [OTHER_QUANTITY], (
                f"{written.text} is the value of {names}: the claim may be about another quantity"
            )
        if written.significant >= PAIR_DIGITS and len(self.model.definitions) <= MAX_PAIR_MODEL:
            found = self._reproducing(claim, carried, self.pairs())
            if found[0]:
                return found
        return [], None

    def _step_off_by_one(self, claim: Claim) -> tuple[str, str] | None:
        """The same quantity one step earlier or later, if the claim is its value."""
        try:
            parsed = parse_id(claim.id)
        except ValueError:
            return None
        if not parsed.step or claim.written.value == 0:
            return None
        for step, when in ((parsed.step - 1, "earlier"), (parsed.step + 1, "later")):
            other = str(replace(parsed, step=step))
            try:
                claimable.check(self.derivation.network, other)
                value = self.exact.get(other)
                if value is None:
                    value = claimable.values(self.derivation, [other], self.exact)[other]
            except (ValueError, KeyError):
                continue
            if claim.written.matches(value):
                return other, when
        return None

    def _reproducing(self, claim: Claim, carried, variants) -> tuple[list[str], str | None]:
        """The slips among ``variants`` (key, Variant) that reproduce the claim.

        A slip that reproduces it from the claimant's own claims comes before one that
        reproduces it only from scratch (its other values contradict the claims).
        """
        found: list[tuple[bool, str, str, str]] = []  # (from scratch only, slip, text, value)
        for key, variant in variants:
            if any(slip == variant.slip for _, slip, _, _ in found):
                continue
            for with_pins in (True, False) if self.pins else (False,):
                value = self._variant_value(key, variant, claim.id, with_pins, claim.written)
                if value is not None and claim.written.matches(value):
                    carried_note = with_pins and carried is not None
                    suffix = " (with your carried values)" if carried_note else ""
                    found.append((not with_pins, variant.slip, variant.description + suffix,
                                  show(value)))
                    break
        if not found:
            return [], None
        found.sort(key=lambda item: item[0])
        causes = [slip for _, slip, _, _ in found]
        texts = [text for _, _, text, _ in found]
        return causes, f"{', or '.join(texts)}: that gives {found[0][3]}"

    def pairs(self) -> list[tuple[tuple[int, int], Variant]]:
        """Every two slips of different kinds that can happen together (built once)."""
        if self._pairs is None:
            singles = self.variants()
            self._pairs = []
            for i, first in enumerate(singles):
                for j in range(i + 1, len(singles)):
                    both = slips.pair(first, singles[j])
                    if both is not None:
                        self._pairs.append(((i, j), both))
        return self._pairs

    def variants(self) -> list[Variant]:
        """The slips that apply to this network (built once)."""
        if self._variants is None:
            self._variants = slips.variants(self.derivation, self.names)
        return self._variants

    def _variant_model(self, key, variant: Variant) -> Model:
        if key not in self._variant_models:
            self._variant_models[key] = build_model(
                self.derivation, variant.options, self.model, self.claimed, self.expressions
            )
        return self._variant_models[key]

    def _variant_value(self, key, variant: Variant, quantity_id: str, with_carried: bool, written):
        """A slip's value of a quantity, if it may match ``written`` (screened in floats)."""
        sign = -1 if variant.negate else 1
        if variant.options is None:
            value = self.carried.get(quantity_id) if with_carried else self.exact[quantity_id]
            return None if value is None or value == 0 else -value
        model = self._variant_model(key, variant)
        if quantity_id in model.leaves:
            return sign * model.leaves[quantity_id]
        pins = self.pins if with_carried else {}
        for arithmetic in (FLOAT, EXACT):
            known = self._variant_runs.setdefault((key, with_carried, arithmetic.name), {})
            if quantity_id not in known:
                known.update(run(model, pins, [quantity_id], arithmetic))
            value = known.get(quantity_id)
            if value is None or (arithmetic is FLOAT and not written.near(sign * value)):
                return None
        return sign * value

    # ---------------------------------------------------------------- formulas

    def _check_formula(self, claim: Claim) -> FormulaCheck:
        value = claim.scale * self._formula_value(claim)
        numbers = _formula_numbers(claim.formula)
        used = None
        environments = self._environments(self.model, [self.exact, self.carried], claim.id, numbers)
        symbolic = self._symbolic_match(claim, numbers)
        for env in environments if symbolic is not False else []:
            if self._gives(self.model, claim.id, env, value):
                used = env
                break
        if symbolic and used is None:
            used = self.pins  # the network's formula in names: its numbers are the claimant's
        rounded = False
        if used is None and symbolic is None:
            used = self._within_rounding(claim, value, environments)
            rounded = used is not None
        mismatch = None
        if used is None and symbolic is False and any(
            self._gives(self.model, claim.id, env, value) for env in environments
        ):
            mismatch = (
                "it is not the network's expression for this quantity, though it gives the "
                "same number at these values"
            )
        elif used is None:
            mismatch = self._explain_formula(claim, value, numbers)
        arithmetic = "right" if claim.written.matches(value) else (
            claim.written.off_by_one(value) or "wrong"
        )
        return FormulaCheck(
            claim.formula, value, used is not None, mismatch, arithmetic, used, rounded
        )

    def _symbolic_match(self, claim: Claim, numbers: list[Written]) -> bool | None:
        """Whether a formula written in names of quantities is the network's expression for
        the claim, decided on the expressions (None when the formula writes numbers that
        stand for other quantities, or is too large to decide).

        The formula is parsed with each name as the quantity's symbol; the network's
        definition is expanded through the quantities the formula does not name; the two
        are compared at random points (exact rationals, evaluated to 50 digits), the
        random-point test of the core's oracles.
        """
        given = {abs(v) for v in self.model.leaves.values()}
        if any(n.exponent < 0 and n.value not in given for n in numbers):
            return None
        if claim.id not in self.model.definitions:
            return None
        try:
            formula = parse_formula(claim.formula, self._resolve_symbol) * claim.scale
        except FormulaError:
            return None
        named = {s.name for s in formula.free_symbols}
        if not named:
            return None
        network = self.model.definitions[claim.id]
        leaves = {symbol(k): v for k, v in self.model.leaves.items() if k not in named}
        for _ in range(SYMBOLIC_DEPTH):
            inner = {
                s: self.model.definitions[s.name]
                for s in network.free_symbols
                if s.name not in named and s.name in self.model.definitions
            }
            if not inner:
                break
            network = network.xreplace(inner)
            if sympy.count_ops(network) > SYMBOLIC_OPS:
                return None
        network = network.xreplace(leaves)  # the given numbers the formula does not name
        return _same_at_random_points(formula.doit(), network, claim.id)

    def _resolve_symbol(self, ref: NameRef) -> sympy.Expr | None:
        """A name in a formula as the symbol of its quantity (in the claimant's sign)."""
        quantity_id = self.names.of_ref(ref)
        if quantity_id is not None:
            scale = claim_scale(quantity_id, self.derivation.spec, self.names.notation)
            return scale * symbol(quantity_id)
        return self._resolve(ref)

    def _within_rounding(self, claim: Claim, value, environments) -> dict | None:
        """The numbers with which the network's expression is the formula's value up to the
        rounding of the decimals the formula writes (each may be off by half a unit in its
        last digit: 0.53283 stands for a number in [0.532825, 0.532835]), or None. Numbers
        equal to a given value (an input, weight, bias, target, η) are taken as exact. The
        guard against numbers made up to fit: the spread may be no coarser than one unit
        of the claim's last digit (or a thousandth of the value), so a formula of one-digit
        numbers cannot pass for the network's.

        The spread is the first-order effect of those roundings: the formula re-evaluated
        with each decimal moved by half a unit, the changes added up (with a margin).
        """
        spread = self._rounding_spread(claim, value)
        if not spread:
            return None
        for env in environments:
            target = self._instantiate(self.model, claim.id, env)
            if target is None:
                continue
            coarsest = max(claim.written.unit, abs(digits.exact(target)) * ROUNDING_RELATIVE)
            gap = abs(digits.exact(target) - digits.exact(value))
            if gap <= spread <= coarsest:
                return env
        return None

    def _rounding_spread(self, claim: Claim, value) -> sympy.Rational:
        """How far a formula's value may move when its decimals move within their rounding."""
        text = claim.formula
        spread = sympy.Integer(0)
        given = {abs(v) for v in self.model.leaves.values()}
        rate = self.derivation.spec.values.learning_rate
        given |= set() if rate is None else {sympy.Rational(rate)}
        for match in FORMULA_NUMBER.finditer(text):
            number = digits.read(match[0])
            if number is None or number.exponent >= 0 or number.value in given:
                continue  # exact: integers (2 in 2(y − d)), inputs, weights, targets, η
            moved = Decimal(match[0]) + Decimal(5).scaleb(number.exponent - 1)
            try:
                other = parse_formula(text[: match.start()] + str(moved) + text[match.end():],
                                      self._resolve)
            except FormulaError:
                continue
            other = other if other.is_Rational else other.evalf(DIGITS)
            if other.is_number and other.is_finite:
                spread += abs(digits.exact(other) - digits.exact(value))
        return spread * ROUNDING_MARGIN

    def _environments(self, model: Model, values: list[dict], quantity_id: str, numbers):
        """The claimant's numbers a formula may use: claims, its own numbers, exact values."""
        written = self._written_pins(model, values, quantity_id, numbers)
        return [self.pins, {**written, **self.pins}, written, {}]

    def _formula_value(self, claim: Claim) -> sympy.Expr:
        where = f"claims.{quoted_key(claim.key)}.formula"
        try:
            expr = parse_formula(claim.formula, self._resolve)
        except bounds.FormulaBudget:
            raise
        except FormulaError as exc:
            column = f" at column {exc.column}" if exc.column else ""
            raise SpecError(f"{where}: {exc.reason}{column}") from None
        value = bounds.value(expr, DIGITS)
        if not (value.is_number and value.is_real and value.is_finite):
            raise SpecError(f"{where}: does not evaluate to a real number")
        return value

    def _resolve(self, ref: NameRef) -> sympy.Expr | None:
        """A name in a formula: the claimant's value of that quantity (or η, or n)."""
        quantity_id = self.names.of_ref(ref)
        if quantity_id is not None:
            scale = claim_scale(quantity_id, self.derivation.spec, self.names.notation)
            return scale * self._claimant_value(quantity_id)
        bare = ref.sub is None and ref.sup is None and ref.prefix is None
        if bare and ref.derivative_of is None:
            rate = self.derivation.spec.values.learning_rate
            if ref.base == self.names.notation.learning_rate and rate is not None:
                return sympy.Rational(rate)
            if ref.base == "n":
                return sympy.Integer(self.derivation.spec.layers[-1])
        return None

    def _claimant_value(self, quantity_id: str) -> sympy.Expr:
        if quantity_id in self.pins:
            return self.pins[quantity_id]
        if quantity_id in self.model.leaves:
            return self.model.leaves[quantity_id]
        if self._everything_carried is None:
            self._everything_carried = run(self.model, self.pins)
        return self._everything_carried.get(quantity_id, self.exact.get(quantity_id))

    def _written_pins(self, model: Model, values: list[dict], quantity_id: str, numbers):
        """Intermediate quantities pinned to the formula's numbers that round-match them.

        ``values`` are the quantities' values the numbers are compared with (exact and
        carried, or a slip's).
        """
        pins = {}
        decimals = [n for n in numbers if n.exponent < 0]
        for key in model.cone([quantity_id]):
            if key == quantity_id or key in self.pins:
                continue
            references = [v[key] for v in values if v.get(key) is not None]
            for number in decimals:
                for sign in (1, -1):
                    candidate = digits.Written(
                        number.text, sign * number.value, number.exponent, number.significant
                    )
                    if any(candidate.matches(r) for r in references):
                        pins.setdefault(key, candidate.value)
        return pins

    def _instantiate(
        self, model: Model, quantity_id: str, pins: dict, arithmetic: Arithmetic = EXACT
    ):
        if quantity_id in model.leaves:
            value = pins.get(quantity_id, model.leaves[quantity_id])
            return arithmetic.from_sympy(value)
        return run(model, pins, [quantity_id], arithmetic).get(quantity_id)

    def _gives(self, model: Model, quantity_id: str, pins: dict, value: sympy.Expr) -> bool:
        """True when the model with these pins computes ``value`` (screened in floats)."""
        approximate = self._instantiate(model, quantity_id, pins, FLOAT)
        target = float(value)
        if approximate is None or abs(approximate - target) > 1e-9 * max(1.0, abs(target)):
            return False
        return _close(value, self._instantiate(model, quantity_id, pins))

    def _explain_formula(self, claim, value, numbers: list[Written]) -> str:
        """What a formula that does not match the network computes instead.

        Tried in order: the opposite sign; one leaf (target, input, weight, bias) replaced
        by a number the formula writes (or 0, 1); a slip of the catalogue; one of the
        claimant's own intermediate values replaced.
        """
        qid = claim.id
        pins = self._environments(self.model, [self.exact, self.carried], qid, numbers)[1]
        if value != 0 and self._gives(self.model, qid, pins, -value):
            return "it has the opposite sign"
        search = len(self.model.cone([qid], pins)) <= MAX_SEARCH_CONE
        leaves, intermediates = self._substitutable(qid, pins) if search else ([], [])
        found = self._substitution(qid, value, leaves, _alternatives(numbers), pins)
        if found:
            return found
        for index, variant in enumerate(self.variants()):
            if variant.negate:
                continue
            model = self._variant_model(index, variant)
            values = [run(model, {}, [qid], FLOAT)]
            for env in self._environments(model, values, qid, numbers):
                if self._gives(model, qid, env, value):
                    return variant.description
        found = self._substitution(qid, value, intermediates, _alternatives(numbers), pins)
        if found:
            return found
        if not search:
            return "no common slip explains it (the network is too large to try each number)"
        return "no single slip or substituted number explains it"

    def _substitution(self, qid: str, value, nodes: list[str], alternatives, pins) -> str | None:
        """``it uses X = a where … is b`` if one number in place of another gives ``value``."""
        trials = 0
        for node in nodes:
            current = pins.get(node, self.exact.get(node))
            for alternative in alternatives:
                if alternative == current:
                    continue
                trials += 1
                if trials > MAX_TRIALS:
                    return None
                if self._gives(self.model, qid, {**pins, node: alternative}, value):
                    return (
                        f"it uses {self.names.plain(node)} = {show(alternative)} where "
                        f"{self._role(node)} is {show(current)}"
                    )
        return None

    def _substitutable(self, quantity_id: str, pins: dict) -> tuple[list[str], list[str]]:
        """The leaves and the pinned quantities a formula's value depends on, in order."""
        cone = self.model.cone([quantity_id], pins)
        used = {d for key in cone for d in self.model.dependencies(key)}
        leaves = [k for k in self.model.leaves if k in used]
        leaves.sort(key=lambda k: ["d", "out", "w", "b"].index(parse_id(k).kind))
        pinned = [k for k in reversed(self.model.definitions) if k in used and k in pins]
        return leaves, pinned

    def _role(self, quantity_id: str) -> str:
        parsed = parse_id(quantity_id)
        if parsed.kind in ROLES:
            return ROLES[parsed.kind]
        if parsed.kind == "out" and parsed.indices[0] == 1:
            return "the input"
        if quantity_id in self.pins:
            return "your value"
        return "its value"

    def _formula_mismatch(self, verdict: Verdict, formula: FormulaCheck) -> Verdict:
        """A claim whose formula is not the network's is wrong, whatever its value."""
        claim = verdict.claim
        parts = [f"the formula does not match the network: {formula.mismatch}"]
        if formula.arithmetic != "right":
            value = show(formula.value)
            parts.append(f"as written it evaluates to {value}, not {claim.written.text}")
        if verdict.verdict != "wrong":
            parts.append(f"the value alone would be {_alone(verdict)}")
        verdict.verdict, verdict.cause = "wrong", FORMULA_CAUSE
        verdict.note = "; ".join(parts)
        return verdict


def _same_at_random_points(a: sympy.Expr, b: sympy.Expr, seed: str) -> bool | None:
    """True when two expressions agree at two random points of their symbols (exact
    rationals in (1/10, 9/10), evaluated to 50 digits), False when they differ, None when
    a point gives no real number."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = random.Random(seed)
    for _ in range(2):
        point = {s: sympy.Rational(rng.randint(10**5, 9 * 10**5), 10**6) for s in symbols}
        left, right = (e.xreplace(point).evalf(DIGITS) for e in (a, b))
        if not (left.is_real and right.is_real and left.is_finite and right.is_finite):
            return None
        if abs(left - right) > CLOSE * max(1, abs(right)) * 10**10:
            return False
    return True


def _negated_note(claim: Claim) -> str:
    """What a claim written as minus the network's value is compared with."""
    what = "δ = −∂E/∂net" if parse_id(claim.id).kind == "delta" else "a bias on the input −1"
    return f"read with your sign convention ({what}): the network's value is minus your number"


def _alone(verdict: Verdict) -> str:
    """How a value would have been judged without its formula, in a few words."""
    if verdict.verdict == "rounding-slip":
        return f"a rounding slip ({verdict.note.split(':')[0]})"
    return verdict.verdict.replace("-", " ")


def _miss_text(miss: str) -> str:
    return "truncated instead of rounded" if miss == "truncated" else "off by one in the last digit"


def _close(a: sympy.Expr | None, b: sympy.Expr | None) -> bool:
    if a is None or b is None:
        return False
    scale = max(abs(digits.exact(b)), sympy.Integer(1))
    return abs(digits.exact(a) - digits.exact(b)) <= CLOSE * scale


def _formula_numbers(text: str) -> list[Written]:
    """The numbers written in a formula, once each, in order."""
    seen: dict[str, Written] = {}
    for token in FORMULA_NUMBER.findall(text):
        number = digits.read(token)
        if number is not None:
            seen.setdefault(str(number.value), number)
    return list(seen.values())


def _alternatives(numbers: list[Written]) -> list[sympy.Rational]:
    """Values a formula may have put in place of another: its numbers (±), 0 and 1."""
    values: list[sympy.Rational] = []
    for value in [n.value for n in numbers] + [sympy.Integer(0), sympy.Integer(1)]:
        for signed in (value, -value):
            if signed not in values:
                values.append(signed)
    return values


def summary(verdicts: list[Verdict]) -> dict[str, int]:
    """How many claims got each verdict."""
    return {kind: sum(1 for v in verdicts if v.verdict == kind) for kind in VERDICTS}


def exit_status(verdicts: list[Verdict]) -> int:
    """0 when every claim passes (correct, or correct given carried values), else 1."""
    return 0 if all(v.verdict in PASSING for v in verdicts) else 1
