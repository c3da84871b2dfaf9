"""Names that move: a number that fits a quantity next to the one its name reads as.

Authors reuse a name for the value after the update step, write ``x_2^2`` for the input
``x_2^1``, or put the net value under the out name. When a claim without a formula is
wrong and its number is (at the digits written) the exact value of one nearby quantity,
the claim is read as that quantity and judged again: the same quantity before or after
the update step, the other of net/out of the same neuron, or the same neuron of the
layer before or after. ``[names]`` in the spec fixes a reading for good.
"""

from __future__ import annotations

from dataclasses import replace

from symnn.check.names import Reading
from symnn.check.slips import OTHER_QUANTITY
from symnn.check.worksheet import Claim
from symnn.naming import parse_id, qid

NEURON_KINDS = ("net", "out")


def nearby(quantity_id: str, known: set[str]) -> list[str]:
    """The quantities a name may have moved to, nearest first, that the network has."""
    try:
        parsed = parse_id(quantity_id)
    except ValueError:
        return []
    found = [qid(parsed.kind, *parsed.indices, updated=not parsed.updated)]
    if parsed.kind in NEURON_KINDS and not parsed.updated:
        layer, neuron = parsed.indices
        other = NEURON_KINDS[1 - NEURON_KINDS.index(parsed.kind)]
        found.append(qid(other, layer, neuron))
        found += [qid(parsed.kind, layer + step, neuron) for step in (-1, 1) if layer + step > 0]
    return [f for f in found if f in known and f != quantity_id]


def reread(claims: list[Claim], verdicts: list, exact: dict) -> dict[int, Claim]:
    """Claims to read as a nearby quantity: index -> the claim with its new reading."""
    known = set(exact)
    moved = {}
    for index, (claim, verdict) in enumerate(zip(claims, verdicts, strict=True)):
        if verdict.verdict != "wrong" or claim.formula is not None:
            continue
        if verdict.cause not in (None, OTHER_QUANTITY):
            continue
        for other in nearby(claim.id, known):
            if claim.written.matches(exact[other]):
                moved[index] = replace(claim, reading=Reading(other, claim.key, True))
                break
    return moved
