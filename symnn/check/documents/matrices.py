r"""Matrix and vector forms in general formulas, read into matrices of the derivation.

A side such as ``W_l \cdot out \ X_l + B_{l+1}``, ``\delta_L (X_{L-1})^T`` or
``\phi\left(\begin{bmatrix} net \ x^l_1 \\ \vdots \\ net \ x^l_m \end{bmatrix}\right)``
is read by a small recursive-descent parser over the side's tokens:

    expr   := [+|-] term (('+'|'-') term)*
    term   := factor (['\cdot' | '\odot'] factor)*        (no operator: a product)
    factor := atom ('^T' | '^t' | '^\top')*
    atom   := matrix literal | matrix name | '(' expr ')' | \phi(expr) | \phi'(expr)
              | ∂E/∂(matrix name) | a scalar (any other run of text, read by the caller)

A matrix literal (``bmatrix``, ``pmatrix`` …) is split into rows (``\\``) and cells
(``&``); ``\vdots``, ``\cdots`` and ``\ddots`` stand for the entries left out, which are
written out from the last row and column (the entry ``w^l_{n,m}`` with the index
positions that differ from the first row's and column's), as far as the entries name
quantities of the network. A matrix name is a capital with a layer subscript (``X_l``,
``net \ X_{l+1}``, ``W_{L-1}``, ``B_l``), ``\delta_L``, or ``Y`` (the targets); the
document's own definitions (``W_l = \begin{bmatrix}…\end{bmatrix}``) come first, the
derivation's vectors (out, net, biases, error signals) otherwise. The values are SymPy
matrices of the scalar expressions the caller reads each entry to, so a side is compared
entry by entry, and a product whose shapes do not fit is an error of its own
(``ShapeError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy

from symnn.check.documents.chains import TOKEN
from symnn.check.formula import FormulaError

ENVIRONMENT = re.compile(r"\\begin\s*\{([bpvBV]?matrix|smallmatrix)\}")
ELLIPSES = (r"\vdots", r"\cdots", r"\ddots", r"\ldots", r"\dots", "…", "...")
BLANK = re.compile(r"^(?:\s|\\[ ,;:!]|\\\n|~)+|(?:\s|\\[ ,;:!]|\\\n|~)+$")
# a matrix name: optional net/out, a capital or \delta, a layer subscript (instantiated)
NAME = re.compile(
    r"(?P<prefix>(?:net|out)(?:\s|\\[ ,;:!])*)?(?P<base>\\delta|(?<![A-Za-z\\])[A-Za-z])\s*"
    r"_\s*(?P<layer>\{\s*-?\d+\s*\}|\d)(?!\s*\^\s*\{?\s*(?:[^Tt\\\s{]|\\(?!top)))"
)
# a matrix name as written, before its layer letter has a value: X_l, W_{L-1}, \delta_L
WRITTEN_NAME = re.compile(
    r"(?:\\delta|(?<![A-Za-z\\])[A-Z])\s*_\s*(?:\{\s*[lL]\s*(?:[+-]\s*\d+\s*)?\}|[lL])"
    r"(?![A-Za-z])"
)
# a vector name with its layer as a superscript and no neuron index: z^L, w^{3}, \delta^{2}
SUPERSCRIPT = re.compile(
    r"(?P<base>\\delta|(?<![A-Za-z\\])[a-z])\s*\^\s*(?P<layer>\{\s*-?\d+\s*\}|\d)(?!\s*_)"
)
WRITTEN_SUPERSCRIPT = re.compile(
    r"(?P<base>\\delta|(?<![A-Za-z\\])[a-z])\s*\^\s*(?:\{\s*[lL]\s*(?:[+-]\s*\d+\s*)?\}|[lL])"
    r"(?![A-Za-z])(?!\s*_)"
)
GIVEN_LAYER = re.compile(r"(?<![A-Za-z\\])[A-Z]\s*_\s*\{?\s*\d")  # W_2, X_{1}: given layers
NABLA = re.compile(r"\\nabla\s*_\s*(?:\{[^{}]*\}|[A-Za-z])\s*(?:[A-Z]|\\mathcal\s*\{[A-Z]\})")
WRITTEN_TRANSPOSE = re.compile(r"\^\s*(?:\{\s*(?:T|\\top)\s*\}|T|\\top)(?![A-Za-z])")
TARGETS = re.compile(r"(?<![A-Za-z\\])(?P<base>[A-Za-z])(?![A-Za-z_^{(])")
GRADIENT = re.compile(  # ∂E/∂(matrix): E, C, \mathcal{L}, E_{total}, E(\vec{x}) on top
    r"\\frac\s*\{\s*\\partial\s*(?:[A-Z]|\\mathcal\s*\{[A-Z]\})(?:_\{?[a-z]+\}?)?"
    r"(?:\s*\([^(){}]*\))?\s*\}\s*\{\s*\\partial\s*"
)
TRANSPOSE = re.compile(r"\^\s*(?:\{\s*(?:T|t|\\top)\s*\}|T|t|\\top)(?![A-Za-z])")
ACTIVATION = re.compile(r"(?:\\phi|\\varphi|\\sigma)\s*(?P<prime>'|’|‘|´|\^\{?\\prime\}?)?\s*"
                        r"(?=\\left\s*\(|\()")
OPEN = re.compile(r"\\left\s*\(|\(")
BRACE = re.compile(r"\{")
MAX_SIZE = 64  # entries written out per dimension of a literal with dots
MAX_DEPTH = 60  # brackets nested in a matrix form
MAX_ENTRIES = 1024  # entries of one matrix literal


class ShapeError(FormulaError):
    """Matrices whose shapes do not fit the operation between them."""

    def __init__(self, reason: str):
        super().__init__(reason, "", 0)


@dataclass
class Reader:
    """What the parser needs from the caller (``general.Formulas``)."""

    scalar: Callable[[str], sympy.Expr | None]  # a scalar text read (None: unknown names)
    vector: Callable[[str, int], sympy.Matrix | None]  # (base, layer) -> the derivation's
    prefixed: Callable[[str, sympy.Matrix], sympy.Matrix]  # net/out of each entry
    activate: Callable[[sympy.Expr, bool], sympy.Expr]  # φ(x) or φ'(x) of one entry
    gradient: Callable[[sympy.Expr], sympy.Expr]  # ∂E/∂(entry)
    symbols: dict  # the notation's lowercase symbols that name vectors: a, z, b, w, \delta
    first_layer: int = 1  # the input layer's number (a bare X)


def is_matrix_side(text: str, symbols: dict | None = None) -> bool:
    """True when a side (as written) holds a matrix literal, a matrix name, ``\\odot``, a
    transpose, or a vector name of the notation (``z^l``: a symbol with a layer only)."""
    return bool(
        ENVIRONMENT.search(text) or WRITTEN_NAME.search(text) or WRITTEN_TRANSPOSE.search(text)
        or r"\odot" in text or r"\nabla" in text or GIVEN_LAYER.search(text)
        or any(m["base"] in (symbols or {}) for m in WRITTEN_SUPERSCRIPT.finditer(text))
    )


def literals(text: str, strict: bool = True) -> list[tuple[int, int, str]]:
    """The matrix environments of a text: (start, end, body), outermost only (``strict``
    False: an environment without its end is left out instead of an error)."""
    found, position = [], 0
    while (match := ENVIRONMENT.search(text, position)) is not None:
        end = _environment_end(text, match)
        if end is None and not strict:
            break
        if end is None:
            raise FormulaError(f"\\begin{{{match[1]}}} without its \\end", text, match.start())
        close = text.rfind(r"\end", match.end(), end)
        found.append((match.start(), end, text[match.end() : close]))
        position = end
    return found


def _environment_end(text: str, match: re.Match) -> int | None:
    name = re.escape(match[1])
    pattern = re.compile(rf"\\(begin|end)\s*\{{{name}\}}")
    depth = 0
    for token in pattern.finditer(text, match.start()):
        depth += 1 if token[1] == "begin" else -1
        if depth == 0:
            return token.end()
    return None


def grid(body: str) -> list[list[str]]:
    """The rows and cells of a literal's body, as written (empty cells dropped)."""
    rows = []
    for row in _split(body, "\\\\"):
        cells = [_strip(cell) for cell in _split(row, "&")]
        cells = [cell for cell in cells if cell]
        if cells:
            rows.append(cells)
    return rows


def _split(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for match in TOKEN.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif token == r"\begin":
            depth += 1
        elif token == r"\end":
            depth -= 1
        elif depth == 0 and token == separator:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def _strip(cell: str) -> str:
    return BLANK.sub("", cell)


def expand(rows: list[list[str]], read: Callable[[str], sympy.Expr | None]) -> sympy.Matrix | None:
    """The literal's matrix, the left-out entries written out (None: a name is unknown)."""
    row_gap = any(all(c in ELLIPSES for c in row) for row in rows)
    rows = [row for row in rows if not all(c in ELLIPSES for c in row)]
    col_gap = any(c in ELLIPSES for row in rows for c in row)
    rows = [[c for c in row if c not in ELLIPSES] for row in rows]
    if sum(len(row) for row in rows) > MAX_ENTRIES:
        raise FormulaError(f"a matrix of more than {MAX_ENTRIES} entries", "", 0)
    if not rows or len({len(row) for row in rows}) != 1:
        raise FormulaError("a matrix with rows of different lengths", "", 0)
    template = _template(rows, row_gap, col_gap)
    known_rows = len(rows) - (1 if row_gap else 0)
    known_cols = len(rows[0]) - (1 if col_gap else 0)

    def cell(r: int, c: int) -> str:
        if r <= known_rows and c <= known_cols:
            return rows[r - 1][c - 1]
        return template(r, c)

    height = _size(lambda r: cell(r, 1), read) if row_gap else len(rows)
    width = _size(lambda c: cell(1, c), read) if col_gap else len(rows[0])
    if height < known_rows or width < known_cols:
        return None
    entries = []
    for r in range(1, height + 1):
        for c in range(1, width + 1):
            value = read(cell(r, c))
            if value is None:
                return None
            entries.append(value)
    return sympy.Matrix(height, width, entries)


def _size(cell: Callable[[int], str], read) -> int:
    """How many entries along a dimension name quantities (1, 2, … until one does not)."""
    size = 0
    while size < MAX_SIZE:
        try:
            if read(cell(size + 1)) is None:
                break
        except FormulaError:
            break
        size += 1
    return size


def _template(rows: list[list[str]], row_gap: bool, col_gap: bool):
    """The entry (r, c) written from the last row and column (its index tokens replaced)."""
    last = _tokens(rows[-1][-1])
    row_positions = _differing(last, rows[0][-1]) if row_gap else []
    col_positions = _differing(last, rows[-1][0]) if col_gap else []

    def entry(r: int, c: int) -> str:
        tokens = list(last)
        for position in row_positions:
            tokens[position] = str(r)
        for position in col_positions:
            tokens[position] = str(c)
        return "".join(tokens)

    return entry


def _tokens(text: str) -> list[str]:
    return [m.group() for m in TOKEN.finditer(text)]


def _differing(last: list[str], other: str) -> list[int]:
    """Positions where two entries differ by an index (a letter against a number)."""
    tokens = _tokens(other)
    if len(tokens) != len(last):
        raise FormulaError("the entries left out of a matrix cannot be written out", "", 0)
    return [i for i, (a, b) in enumerate(zip(last, tokens, strict=True)) if a != b]


# ---------------------------------------------------------------------------- the parser


class Parser:
    """Reads one instantiated side into a SymPy matrix (or a scalar expression)."""

    def __init__(self, text: str, reader: Reader, defined: dict):
        self.text = text
        self.reader = reader
        self.defined = defined  # base -> a literal's text for a layer value (document)
        self.pos = 0
        self.depth = 0

    def parse(self):
        """The side's value: a ``sympy.Matrix`` or a scalar expression (None: unknown)."""
        value = self._expr()
        self._space()
        if self.pos != len(self.text):
            raise FormulaError("unexpected text in a matrix form", self.text, self.pos)
        return value

    # ------------------------------------------------------------ grammar

    def _expr(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"brackets nested more than {MAX_DEPTH} deep", self.text, self.pos)
        try:
            return self._sum()
        finally:
            self.depth -= 1

    def _sum(self):
        self._space()
        sign = 1
        if self._peek("-"):
            self.pos += 1
            sign = -1
        elif self._peek("+"):
            self.pos += 1
        value = _scale(sign, self._term())
        while True:
            self._space()
            if self._peek("+") or self._peek("-"):
                negative = self.text[self.pos] == "-"
                self.pos += 1
                other = self._term()
                value = _add(value, _scale(-1 if negative else 1, other))
            else:
                return value

    def _term(self):
        value = self._factor()
        while True:
            self._space()
            if self._command(r"\odot"):
                value = _hadamard(value, self._factor())
            elif self._command(r"\cdot") or self._command(r"\times") or self._starts_factor():
                value = _product(value, self._factor())
            else:
                return value

    def _factor(self):
        value = self._atom()
        while True:
            self._space()
            match = TRANSPOSE.match(self.text, self.pos)
            if match is None:
                return value
            self.pos = match.end()
            value = value.T if isinstance(value, sympy.MatrixBase) else value

    def _atom(self):
        self._space()
        text, pos = self.text, self.pos
        for pattern, handler in (
            (ENVIRONMENT, self._literal),
            (GRADIENT, self._gradient),
            (ACTIVATION, self._activation),
            (NAME, self._name),
            (NABLA, self._nabla),
            (SUPERSCRIPT, self._superscript),
            (TARGETS, self._targets),
            (OPEN, self._group),
            (BRACE, self._brace),
        ):
            match = pattern.match(text, pos)
            if match is not None:
                return handler(match)
        return self._scalar()

    def _starts_factor(self) -> bool:
        if self.pos >= len(self.text):
            return False
        char = self.text[self.pos]
        if char in "+-)=}" or self.text.startswith(r"\right", self.pos):
            return False
        return not (self._peek_command(r"\odot") or self._peek_command(r"\cdot"))

    # ------------------------------------------------------------ atoms

    def _literal(self, match: re.Match):
        end = _environment_end(self.text, match)
        if end is None:
            raise FormulaError("a matrix without its \\end", self.text, match.start())
        close = self.text.rfind(r"\end", match.end(), end)
        self.pos = end
        matrix = expand(grid(self.text[match.end() : close]), self.reader.scalar)
        return _known(matrix)

    def _name(self, match: re.Match):
        if not self._is_name(match):
            return self._scalar()
        self.pos = match.end()
        layer = int(match["layer"].strip("{} "))
        prefix = (match["prefix"] or "").strip(" \\,;:!")
        base = match["base"]
        if base in self.defined:
            matrix = expand(grid(self.defined[base](layer)), self.reader.scalar)
        else:
            matrix = self.reader.vector(base, layer)
        matrix = _known(matrix)
        return self.reader.prefixed(prefix, matrix) if prefix else matrix

    def _is_name(self, match: re.Match) -> bool:
        """A capital or δ; a lowercase letter only as the notation's bias or weight (b_1)."""
        base = match["base"]
        return base == r"\delta" or base.isupper() or self.reader.symbols.get(base) in ("B", "W")

    def _superscript(self, match: re.Match):
        if match["base"] not in self.reader.symbols:
            return self._scalar()
        self.pos = match.end()
        return _known(self.reader.vector(match["base"], int(match["layer"].strip("{} "))))

    def _nabla(self, match: re.Match):
        self.pos = match.end()
        return _known(self.reader.vector("nabla", 0))

    def _targets(self, match: re.Match):
        base = match["base"]
        if base == "X":  # the inputs
            self.pos = match.end()
            return _known(self.reader.vector("X", self.reader.first_layer))
        if base not in "YD" and self.reader.symbols.get(base) != "Y":
            return self._scalar()
        self.pos = match.end()
        return _known(self.reader.vector(base, 0))

    def _gradient(self, match: re.Match):
        name = NAME.match(self.text, match.end())
        vector = SUPERSCRIPT.match(self.text, match.end())
        if name is not None and self._is_name(name):
            matrix = self._name(name)
        elif vector is not None and vector["base"] in self.reader.symbols:
            self.pos = match.end()
            matrix = self._superscript(vector)
        else:
            return self._scalar()
        self._space()
        if not self._peek("}"):
            raise FormulaError("a derivative by a matrix not closed", self.text, self.pos)
        self.pos += 1
        return matrix.applyfunc(self.reader.gradient)

    def _activation(self, match: re.Match):
        self.pos = match.end()
        argument = self._group(OPEN.match(self.text, self.pos))
        prime = bool(match["prime"])
        if isinstance(argument, sympy.MatrixBase):
            return argument.applyfunc(lambda entry: self.reader.activate(entry, prime))
        return self.reader.activate(argument, prime)

    def _group(self, match: re.Match):
        self.pos = match.end()
        value = self._expr()
        self._space()
        closing = re.compile(r"\\right\s*\)|\)").match(self.text, self.pos)
        if closing is None:
            raise FormulaError("a bracket not closed", self.text, self.pos)
        self.pos = closing.end()
        return value

    def _brace(self, match: re.Match):
        self.pos = match.end()
        value = self._expr()
        self._space()
        if not self._peek("}"):
            raise FormulaError("a brace not closed", self.text, self.pos)
        self.pos += 1
        return value

    def _scalar(self):
        """A run of text up to the next operator, bracket or matrix, read as a scalar."""
        start, depth = self.pos, 0
        for match in TOKEN.finditer(self.text, self.pos):
            token = match.group()
            if depth == 0 and match.start() > start and self._boundary(match):
                self.pos = match.start()
                break
            depth += {"{": 1, "}": -1}.get(token, 0)
        else:
            self.pos = len(self.text)
        chunk = self.text[start : self.pos].strip()
        if not chunk:
            raise FormulaError("a term is missing", self.text, start)
        value = self.reader.scalar(chunk)
        if value is None:
            raise LookupError(chunk)
        return value

    def _boundary(self, match: re.Match) -> bool:
        token = match.group()
        if token in "+-()=" or token in (r"\cdot", r"\odot", r"\times", r"\left", r"\right"):
            return True
        at = match.start()
        if any(p.match(self.text, at) for p in (ENVIRONMENT, ACTIVATION, GRADIENT, NABLA)):
            return True
        name = NAME.match(self.text, at)
        if name is not None and self._is_name(name):
            return True
        vector = SUPERSCRIPT.match(self.text, at)
        return vector is not None and vector["base"] in self.reader.symbols

    # ------------------------------------------------------------ helpers

    def _space(self) -> None:
        while True:
            match = re.compile(r"\s+|\\[ ,;:!]|\\\n|~|\\quad|\\qquad").match(self.text, self.pos)
            if match is None or match.end() == self.pos:
                return
            self.pos = match.end()

    def _peek(self, char: str) -> bool:
        return self.text.startswith(char, self.pos)

    def _peek_command(self, command: str) -> bool:
        pattern = re.compile(re.escape(command) + r"(?![A-Za-z])")
        return pattern.match(self.text, self.pos) is not None

    def _command(self, command: str) -> bool:
        if self._peek_command(command):
            self.pos += len(command)
            return True
        return False


def _known(matrix):
    if matrix is None:
        raise LookupError("a name is not in the network")
    return matrix


def _shape(value) -> str:
    return f"{value.rows}×{value.cols}" if isinstance(value, sympy.MatrixBase) else "a number"


def _scale(factor, value):
    return value * factor if factor != 1 else value


def _add(a, b):
    a, b = plain(a), plain(b)
    matrices = isinstance(a, sympy.MatrixBase), isinstance(b, sympy.MatrixBase)
    if matrices[0] != matrices[1] or (all(matrices) and a.shape != b.shape):
        raise ShapeError(f"a sum of {_shape(a)} and {_shape(b)}")
    return a + b


def _product(a, b):
    a, b = plain(a), plain(b)
    if isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase):
        if a.cols != b.rows:
            raise ShapeError(f"a product of {_shape(a)} and {_shape(b)}")
        return plain(a * b)
    return a * b


def _hadamard(a, b):
    a, b = plain(a), plain(b)
    if not (isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase)):
        return a * b
    if a.shape != b.shape:
        raise ShapeError(f"an elementwise product of {_shape(a)} and {_shape(b)}")
    return a.multiply_elementwise(b)


def plain(value):
    """A 1×1 matrix as its entry (a row times a column is a number)."""
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        return value[0, 0]
    return value


def shape_of(value) -> tuple[int, int]:
    """(rows, columns); a number is 1×1."""
    value = plain(value)
    return value.shape if isinstance(value, sympy.MatrixBase) else (1, 1)
