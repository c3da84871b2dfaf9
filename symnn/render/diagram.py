"""Where the labels of the network diagram go, so that none overlaps another.

The drawing is in cm: neurons are circles of ``NEURON_RADIUS`` at their centres, an edge
joins two centres, a label is a box of ``label_size`` around its centre. A bias is an
arrow into its neuron from a label above it on the left. Edge labels are placed one by
one at the first of ``POSITIONS`` (fractions of the way along the edge) where the box
meets no neuron and no label placed before; an edge with no such place has no label.
``overlaps`` is what the tests check on the coordinates written to the TikZ picture.
"""

from __future__ import annotations

from dataclasses import dataclass

NEURON_RADIUS = 0.57  # cm: 11 mm circles, their thick line and a little air
POSITIONS = (0.3, 0.7, 0.5, 0.2, 0.8, 0.4, 0.6)  # along an edge, from its source
CHAR_WIDTH, PADDING, LABEL_HEIGHT = 0.12, 0.14, 0.42  # cm, \scriptsize with inner sep
BIAS_OFFSET = (-0.95, 0.62)  # cm from a neuron's centre to its bias label's centre
VALUE_DROP = 0.8  # cm from a neuron's centre down to its value (--diagram values)


@dataclass(frozen=True)
class Box:
    """An axis-parallel box by its centre and size (cm)."""

    x: float
    y: float
    width: float
    height: float

    def meets(self, other: Box) -> bool:
        """True when the two boxes overlap (touching edges do not count)."""
        return (abs(self.x - other.x) * 2 < self.width + other.width
                and abs(self.y - other.y) * 2 < self.height + other.height)


def label_size(shown_characters: int) -> tuple[float, float]:
    """Width and height (cm) of a label showing this many characters."""
    return CHAR_WIDTH * shown_characters + PADDING, LABEL_HEIGHT


def neuron_box(x: float, y: float) -> Box:
    """The square around a neuron's circle."""
    return Box(x, y, 2 * NEURON_RADIUS, 2 * NEURON_RADIUS)


def place(edges: list[tuple[tuple[float, float], tuple[float, float], int]],
          obstacles: list[Box]) -> list[Box | None]:
    """For each edge (source centre, target centre, characters of its label), the box of
    its label, or None when it has no place free of the obstacles and earlier labels."""
    taken = list(obstacles)
    placed: list[Box | None] = []
    for (x0, y0), (x1, y1), characters in edges:
        width, height = label_size(characters)
        chosen = None
        for t in POSITIONS:
            box = Box(round(x0 + t * (x1 - x0), 2), round(y0 + t * (y1 - y0), 2), width, height)
            if not any(box.meets(other) for other in taken):
                chosen = box
                break
        if chosen is not None:
            taken.append(chosen)
        placed.append(chosen)
    return placed


def overlaps(boxes: list[Box]) -> list[tuple[Box, Box]]:
    """Every pair of boxes that overlap."""
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.meets(b)]
