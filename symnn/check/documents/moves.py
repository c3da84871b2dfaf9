"""Names that move: a number that fits a quantity next to the one its name reads as.

Authors reuse a name for the value after the update step, write ``x_2^2`` for the input
``x_2^1``, or put the net value under the out name. When a claim without a formula is
wrong and its number is (at the digits written) the exact value of one nearby quantity,
the claim is read as that quantity and judged again: the same quantity before or after
the update step, or the other of net/out of the same neuron (names authors reuse on
purpose). The same neuron of the layer before or after is a slip in the name, not a
reuse: the claim keeps its name and its verdict (wrong, as a worksheet line with that
name is), and the note says which quantity the number is (``slipped``).
``[names]`` in the spec fixes a reading for good.
"""

from __future__ import annotations

from dataclasses import replace

from symnn.check.names import Reading
from symnn.check.slips import OTHER_QUANTITY
from symnn.check.worksheet import Claim
from symnn.naming import parse_id, qid

NEURON_KINDS = ("net", "out")


def nearby(quantity_id: str, known: set[str]) -> list[tuple[str, bool]]:
    """The quantities a name may have moved to, nearest first, that the network has:
    ``(id, slip)``, slip True for the same neuron one layer off (a slip in the name)."""
    try:
        parsed = parse_id(quantity_id)
    except ValueError:
        return []
    found = [(qid(parsed.kind, *parsed.indices, updated=not parsed.updated), False)]
    if parsed.kind in NEURON_KINDS and not parsed.updated:
        layer, neuron = parsed.indices
        other = NEURON_KINDS[1 - NEURON_KINDS.index(parsed.kind)]
        found.append((qid(other, layer, neuron), False))
        found += [(qid(parsed.kind, layer + step, neuron), True)
                  for step in (-1, 1) if layer + step > 0]
    return [(f, slip) for f, slip in found if f in known and f != quantity_id]


def slipped(claims: list[Claim], verdicts: list, exact: dict) -> dict[int, str]:
    """Wrong claims whose number is the same neuron's one layer off: index -> that id."""
    found = {}
    for index, (claim, verdict) in enumerate(zip(claims, verdicts, strict=True)):
        if _movable(claim, verdict):
            for other, slip in nearby(claim.id, set(exact)):
                if claim.written.matches(exact[other]):
                    if slip:
                        found[index] = other
                    break
    return found


def _movable(claim: Claim, verdict) -> bool:
    return verdict.verdict == "wrong" and claim.formula is None and verdict.cause in (
        None, OTHER_QUANTITY
    )


def reread(claims: list[Claim], verdicts: list, exact: dict) -> dict[int, Claim]:
    """Claims to read as a nearby quantity: index -> the claim with its new reading."""
    known = set(exact)
    moved = {}
    for index, (claim, verdict) in enumerate(zip(claims, verdicts, strict=True)):
        if not _movable(claim, verdict):
            continue
        for other, slip in nearby(claim.id, known):
            if claim.written.matches(exact[other]):
                if not slip:
                    moved[index] = replace(claim, reading=Reading(other, claim.key, True))
                break
    return moved
