"""Tests of the LaTeX/KaTeX test helpers in tests/tools.py: each check must be able to fail."""

from pathlib import Path

import pytest

from tests.tools import compile_latex, katex_errors, markdown_math_blocks, pdf_page_pngs

VALID_TEX = r"""\documentclass{article}
\usepackage{amsmath,amssymb,bm}
\usepackage{tikz}
\begin{document}
\[ \frac{\partial E}{\partial w_{11}^{(2)}} = \delta_1^{(2)}\, a_1^{(1)} \]
\begin{align}
  \bm{\delta}^{L} &= \nabla_{a} E \odot \sigma'(z^{L}) \\
  y &= \begin{bmatrix} 1 \\ 2 \end{bmatrix}
\end{align}
\begin{tikzpicture}\draw (0,0) circle (1);\end{tikzpicture}
\end{document}
"""


def test_valid_tex_compiles_to_a_pdf_with_a_page(tmp_path: Path) -> None:
    pdf = compile_latex(VALID_TEX, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_page_pngs(pdf, tmp_path / "png")
    assert [p.name for p in pages] == ["page-1.png"]
    assert pages[0].read_bytes().startswith(b"\x89PNG")


def test_undefined_command_raises_with_the_error_line(tmp_path: Path) -> None:
    tex = VALID_TEX.replace(r"\end{document}", "$\\undefinedcommand$\n\\end{document}")
    with pytest.raises(AssertionError, match=r"Undefined control sequence") as info:
        compile_latex(tex, tmp_path)
    assert "undefinedcommand" in str(info.value)


def test_raw_unicode_greek_is_rejected_by_pdflatex(tmp_path: Path) -> None:
    tex = VALID_TEX.replace(r"\end{document}", "$σ$\n\\end{document}")
    with pytest.raises(AssertionError, match=r"Unicode character σ") as info:
        compile_latex(tex, tmp_path)
    assert "l.11 $σ" in str(info.value)


def test_pdf_page_pngs_orders_pages_numerically(tmp_path: Path) -> None:
    body = "\n".join(r"x\newpage" for _ in range(11))
    pdf = compile_latex(
        f"\\documentclass{{article}}\\begin{{document}}{body}\\end{{document}}", tmp_path
    )
    pages = pdf_page_pngs(pdf, tmp_path / "png", dpi=10)
    assert [p.name for p in pages] == [f"page-{i:02d}.png" for i in range(1, 12)]


@pytest.mark.parametrize(
    "tex",
    [
        r"\frac{a}{b}",
        r"\begin{aligned}x&=1\end{aligned}",
        r"\begin{bmatrix}1\\2\end{bmatrix}\odot\operatorname{diag}(v)",
        r"\underbrace{x\,y}_\text{chain rule}",
    ],
)
def test_katex_accepts(tex: str) -> None:
    assert katex_errors([tex]) == [None]


@pytest.mark.parametrize(
    "tex, message",
    [
        (r"\label{x}", r"\label"),
        (r"\mbox{a}", r"\mbox"),
        (r"\text{a_b}", "_"),
        (r"x = $y$", "$"),
    ],
)
def test_katex_rejects(tex: str, message: str) -> None:
    [error] = katex_errors([tex])
    assert error is not None
    assert "KaTeX parse error" in error and message in error


def test_katex_results_line_up_with_inputs() -> None:
    assert katex_errors([]) == []
    results = katex_errors([r"a", r"\label{x}", r"b", r"\mbox{c}", "c"])
    assert [r is None for r in results] == [True, False, True, False, True]


SAMPLE_MARKDOWN = r"""# Backprop

Inline $w_{11}^{(2)}$ and $E$ but not prices like $5 and $6, nor \$7 or `$code$`.

$$
\frac{\partial E}{\partial w} = \delta\, a
$$

```python
x = "$$not math$$"
```

$$\begin{aligned}a&=1\\b&=2\end{aligned}$$
Escaped \$ after the blocks, then $x$.
"""


def test_markdown_math_blocks_finds_exactly_the_math() -> None:
    assert markdown_math_blocks(SAMPLE_MARKDOWN) == [
        r"w_{11}^{(2)}",
        "E",
        r"\frac{\partial E}{\partial w} = \delta\, a",
        r"\begin{aligned}a&=1\\b&=2\end{aligned}",
        "x",
    ]


def test_markdown_math_blocks_rejects_an_unclosed_display_block() -> None:
    with pytest.raises(ValueError, match="unclosed"):
        markdown_math_blocks("$$a$$\n\n$$\nb = c\n")
