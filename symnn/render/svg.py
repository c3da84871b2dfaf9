"""The network diagram as SVG, for Markdown notes (Jekyll, Obsidian, GitHub show it).

Drawn from the same drawing as the TikZ picture (``_Builder.diagram`` in
``symnn.render.latex``: neuron centres, edges, placed labels and biases, in cm), so both
show the same network with the labels in the same places. LaTeX names become text
with sub- and superscripts as ``tspan`` elements: ``w_{11}^{1}`` is w, then 11 below
and 1 above.
"""

from __future__ import annotations

import math
import re
from html import escape

SCALE = 48  # px per cm
RADIUS = 0.55  # cm: the 11 mm circle
MARGIN = 1.0  # cm around the drawing
SYMBOLS = {  # LaTeX commands a name may use, as text
    "delta": "δ", "sigma": "σ", "phi": "φ", "eta": "η", "theta": "θ", "alpha": "α",
    "beta": "β", "gamma": "γ", "lambda": "λ", "mu": "μ", "nabla": "∇", "partial": "∂",
    "ell": "ℓ", "mathcal{L}": "𝓛",
}


def svg(drawing: dict) -> str:
    """The SVG document of a diagram."""
    nodes = {n["name"]: (float(c["x"]), float(n["y"])) for c in drawing["columns"]
             for n in c["nodes"] if not n["dots"]}
    xs = [float(c["x"]) for c in drawing["columns"]]
    ys = [float(n["y"]) for c in drawing["columns"] for n in c["nodes"]]
    ys += [float(c["bottom"]) - 0.4 for c in drawing["columns"]]
    ys += [float(b["y"]) for b in drawing["biases"]]
    left, right = min(xs) - MARGIN - 0.6, max(xs) + MARGIN
    top, bottom = max(ys) + MARGIN, min(ys) - MARGIN / 2
    width, height = (right - left) * SCALE, (top - bottom) * SCALE

    def at(x: float, y: float) -> tuple[float, float]:
        return round((x - left) * SCALE, 1), round((top - y) * SCALE, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="serif">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#444"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for edge in drawing["edges"]:
        parts.append(_arrow(at, nodes[edge["source"]], nodes[edge["target"]], RADIUS))
    for bias in drawing["biases"]:
        parts.append(_arrow(at, (float(bias["x"]), float(bias["y"])), nodes[bias["target"]], 0))
    for column in drawing["columns"]:
        x = float(column["x"])
        for node in column["nodes"]:
            cx, cy = at(x, float(node["y"]))
            if node["dots"]:
                parts.append(f'<text x="{cx}" y="{cy}" text-anchor="middle">⋮</text>')
                continue
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{RADIUS * SCALE:.1f}" fill="white" '
                         'stroke="black" stroke-width="1.6"/>')
            parts.append(_text(cx, cy + 5, node["label"], 16))
        bx, by = at(x, float(column["bottom"]))
        parts.append(f'<text x="{bx}" y="{by - 4}" text-anchor="middle" font-size="14">'
                     f'{escape(column["role"])} layer</text>')
        parts.append(f'<text x="{bx}" y="{by + 14}" text-anchor="middle" font-size="14">'
                     f'l = {column["number"]}</text>')
    for label in drawing["labels"] + drawing["biases"]:
        lx, ly = at(float(label["x"]), float(label["y"]))
        parts.append(_text(lx, ly + 4, label["text"], 12, box=True))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _arrow(at, start, end, gap: float) -> str:
    """A line from ``start`` to ``end`` (cm) that stops ``gap`` short of both circles'
    edges (0 at the start: a bias label), with an arrowhead."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    a = at(x0 + ux * gap, y0 + uy * gap)
    b = at(x1 - ux * RADIUS, y1 - uy * RADIUS)
    return (f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}" stroke="#444" '
            'stroke-width="1" marker-end="url(#arrow)"/>')


def _text(x: float, y: float, latex: str, size: int, box: bool = False) -> str:
    """A LaTeX name as centred SVG text (on a white box for labels over edges)."""
    stem, sub, sup = split_name(latex)
    spans = [escape(stem)]
    small = f'font-size="{size * 0.7:.0f}"'
    if sub:
        spans.append(f'<tspan dy="{size * 0.25:.0f}" {small}>{escape(sub)}</tspan>')
    if sup:
        shift = -size * (0.8 if sub else 0.5)
        spans.append(f'<tspan dy="{shift:.0f}" {small}>{escape(sup)}</tspan>')
    text = (f'<text x="{x}" y="{y}" text-anchor="middle" font-size="{size}" '
            f'font-style="italic">{"".join(spans)}</text>')
    if not box:
        return text
    width = size * 0.6 * (len(stem) + 0.7 * (len(sub) + len(sup))) + 4
    return (f'<rect x="{x - width / 2:.1f}" y="{y - size + 1:.1f}" width="{width:.1f}" '
            f'height="{size + 4}" fill="white"/>' + text)


def split_name(latex: str) -> tuple[str, str, str]:
    """``w_{11}^{1}`` -> ("w", "11", "1"); the stem's commands as text (``\\delta`` -> δ)."""
    match = re.fullmatch(r"(?P<stem>.*?)(?:_\{(?P<sub>[^{}]*)\})?(?:\^\{(?P<sup>[^{}]*)\})?",
                         latex.strip())
    return _plain(match["stem"]), _plain(match["sub"] or ""), _plain(match["sup"] or "")


def _plain(latex: str) -> str:
    """LaTeX of a symbol as text: commands by their characters, braces and spacing gone."""
    for command, text in sorted(SYMBOLS.items(), key=lambda item: -len(item[0])):
        latex = latex.replace("\\" + command, text)
    latex = re.sub(r"\\hat\{(\w)\}", "\\1\u0302", latex)
    latex = re.sub(r"\\[,;:! ]", " ", latex)
    latex = re.sub(r"\\[A-Za-z]+", "", latex)
    return re.sub(r"[{}]", "", latex).strip()
