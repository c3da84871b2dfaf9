"""Render a Derivation as a standalone NumPy module (templates in ``templates/numpy/``).

Two styles, one API (``LAYERS``, ``ACTIVATIONS``, ``LOSS``, ``init_params``, ``forward``,
``loss``, ``gradients``, ``sgd_step``, ``train``, and ``predict`` for classifiers):

- ``vectorized``: one block per layer on arrays whose rows are samples. The linear
  parts are laid out by the template (``net = out @ W.T + b``, ``dE_dout = delta @ W``,
  ``dE_dw = delta.T @ out``); ``check_linear_structure`` first confirms that the
  derivation has exactly that form. Every elementwise expression — the activation, its
  derivative (in terms of the output where SymPy found one, else of net), the loss, ∂E/∂y
  and the output error signal — is the derivation's expression for neuron j, turned into
  an array expression by ``vectorize`` (neuron j's symbols become the layer's array, a sum
  over all neurons of the layer becomes a row sum; the result must be the same for every
  j) and printed by ``CodePrinter``, a subclass of SymPy's ``NumPyPrinter``.
- ``unrolled`` (nets up to ``UNROLLED_LIMIT`` parameters): one line per neuron and per
  gradient, the derivation's definitions printed with the names of
  ``naming.python_name`` (a softmax output's δ as Σ_i ∂E/∂out_i · ∂out_i/∂net_j from its
  chain of factors); each name holds one value per sample.

Numerical stability comes from rewriting the SymPy expressions before printing:

- softmax: the nets of the layer are shifted by their maximum (``net_max``);
  ``softmax_shift`` asks SymPy to confirm that softmax is unchanged by such a shift.
- logs of outputs in the loss (cross-entropy, binary cross-entropy): for sigmoid and
  softmax outputs, log(out) and log(1 − out) are replaced by ``expand_log`` of the log of
  the activation's own expression: log-softmax ``net − net_max − log Σ exp(net − net_max)``
  and log-sigmoid ``−log(1 + exp(−net))`` (``stable_loss``).
- log(1 + exp(u)) (softplus, log-sigmoid) becomes max(u, 0) + log1p(exp(−|u|))
  (``stable_softplus``).
- the logistic 1/(1 + exp(u)) gets its exponent clipped at ``_EXP_MAX``, 1 below the
  largest argument exp takes without overflow in the module's dtype (``clip_logistic``);
  the value changes by less than the smallest normal number of the dtype.
- the output error signal ∂E/∂y · φ′ is simplified by SymPy (``output_delta``), so a
  sigmoid with (binary) cross-entropy computes out − d without dividing by out, and
  softmax with cross-entropy uses the derivation's simplified out − d.

Speed: an elementwise expression of a large array is emitted by ``InPlace`` as a chain of
in-place ufunc calls on one buffer (after a comment holding the whole expression), since
allocating temporaries costs more than the arithmetic; the batch mean (or, in a training
step, learning rate / batch size) multiplies the output δ once and flows linearly through
the backward pass.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cache

import sympy
from sympy.codegen.cfunctions import log1p
from sympy.printing.numpy import NumPyPrinter

from symnn import activations, losses
from symnn.derive import Derivation
from symnn.errors import SymnnError
from symnn.naming import parse_id, python_name, qid, symbol
from symnn.render import environment
from symnn.spec import NetworkSpec

STYLES = ("vectorized", "unrolled")
DTYPES = ("float64", "float32")
UNROLLED_LIMIT = 200  # parameters: one line per parameter stays readable up to about this
LINE_WIDTH = 100  # ruff's line-length in pyproject.toml
INDENT = "    "

# The scalar that the logistic's exponent is clipped at; a module constant of that name.
EXP_MAX = sympy.Symbol("_EXP_MAX", positive=True)


class RowSum(sympy.Function):
    """Σ over the neurons of a layer, for each sample: ``np.sum(x, axis=1, keepdims=True)``."""

    nargs = 1


class RowMax(sympy.Function):
    """The largest value over the neurons of a layer, for each sample."""

    nargs = 1


# ---------------------------------------------------------------------------------------
# Printing


class CodePrinter(NumPyPrinter):
    """SymPy's NumPy printer writing ``np.``, with every symbol named by ``names``.

    Overrides: ``1/x`` instead of ``x**(-1.0)``; a two-branch Piecewise as ``np.where``;
    relations infix; two-argument Min/Max as ``np.minimum``/``np.maximum``; the row
    reductions ``RowSum``/``RowMax``. A symbol missing from ``names`` is an error, so no
    canonical id (``out[2,1]``) can slip into code.
    """

    def __init__(self, names: dict[sympy.Symbol, str]):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})
        self.names = names

    def _module_format(self, fqn, register=True):
        text = super()._module_format(fqn, register)
        return "np." + text[len("numpy."):] if text.startswith("numpy.") else text

    def _as_ordered_terms(self, expr, order=None):
        """Terms as a person writes them: ``1 - out``, ``out - Y``, ``x*w + x*w + b``."""
        return sorted(super()._as_ordered_terms(expr, order=order), key=_term_rank)

    def _print_Symbol(self, expr):
        if expr not in self.names:
            raise SymnnError(f"codegen: no Python name for the symbol {expr.name!r}")
        return self.names[expr]

    def _print_Pow(self, expr, rational=False):
        return self._hprint_Pow(expr, rational=rational, sqrt="numpy.sqrt")

    def _print_Piecewise(self, expr):
        if len(expr.args) == 2 and expr.args[1].cond == sympy.true:
            (value, cond), (other, _) = expr.args
            where = self._module_format("numpy.where")
            text = f"{where}({self._print(cond)}, {self._print(value)}, {self._print(other)})"
            if value.is_number and other.is_number:
                return f"{text}.astype(DTYPE)"  # np.where of two numbers gives integers
            return text
        return super()._print_Piecewise(expr)

    def _print_Abs(self, expr):
        return f"{self._module_format('numpy.abs')}({self._print(expr.args[0])})"

    def _print_Relational(self, expr):
        lhs, rhs = self._print(expr.lhs), self._print(expr.rhs)
        return f"{lhs} {expr.rel_op} {rhs}"

    def _print_Min(self, expr):
        return self._print_extremum(expr, "minimum", "min")

    def _print_Max(self, expr):
        return self._print_extremum(expr, "maximum", "max")

    def _print_extremum(self, expr, pairwise: str, reduction: str) -> str:
        args = sorted(expr.args, key=lambda a: (a.is_number or a == EXP_MAX,
                                                 sympy.default_sort_key(a)))
        printed = ", ".join(self._print(a) for a in args)
        if len(args) == 2:
            return f"{self._module_format('numpy.' + pairwise)}({printed})"
        return f"{self._module_format('numpy.' + reduction)}([{printed}], axis=0)"

    def _print_RowSum(self, expr):
        return self._print_row_reduction(expr, "numpy.sum")

    def _print_RowMax(self, expr):
        return self._print_row_reduction(expr, "numpy.max")

    def _print_row_reduction(self, expr, function: str) -> str:
        name, arg = self._module_format(function), self._print(expr.args[0])
        return f"{name}({arg}, axis=1, keepdims=True)"


def _term_rank(term: sympy.Expr) -> tuple:
    """Sort key of a term: positive before negative, numbers first, biases last, then
    the symbols' names with their numbers compared as numbers (``x_2`` before ``x_10``)."""
    names = sorted(s.name for s in term.free_symbols)
    natural = tuple(
        tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)) for name in names
    )
    is_bias = term.is_Symbol and term.name.startswith("b[")
    return (term.could_extract_minus_sign(), not term.is_number, is_bias, natural)


def wrap(statement: str, indent: str = INDENT, width: int = LINE_WIDTH) -> list[str]:
    """Lines of one assignment or comment, each at most ``width`` characters with indent.

    A long assignment's right-hand side is put in parentheses and broken before ``+`` or
    ``-`` operators, preferring those least deep inside parentheses; a long comment is
    broken at spaces.
    """
    if len(indent + statement) <= width:
        return [indent + statement]
    if statement.startswith("#"):
        body = textwrap.wrap(statement[1:].strip(), width - len(indent) - 2)
        return [f"{indent}# {line}" for line in body]
    target, op, value = re.match(r"^(\S+) (=|\+=|-=|\*=|/=) (.*)$", statement).groups()
    inner = indent + INDENT
    lines = []
    while len(inner + value) > width:
        breaks = _break_points(value)
        fitting = [(depth, -pos, pos) for pos, depth in breaks if len(inner) + pos <= width]
        if not fitting:
            break
        _, _, pos = min(fitting)
        lines.append(inner + value[:pos])
        value = value[pos + 1:]
    lines.append(inner + value)
    return [f"{indent}{target} {op} (", *lines, f"{indent})"]


def _break_points(text: str) -> list[tuple[int, int]]:
    """(position, parenthesis depth) of each space before a binary ``+`` or ``-``."""
    points, depth = [], 0
    for pos, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == " " and text[pos + 1:pos + 3] in ("+ ", "- ") and pos > 0:
            points.append((pos, depth))
    return points


# ---------------------------------------------------------------------------------------
# Rewrites for numerical stability (each a SymPy expression -> an equal SymPy expression)


def _rewrite(expr: sympy.Expr, rule) -> sympy.Expr:
    """Apply ``rule`` bottom-up; ``rule(node)`` returns a replacement or None."""
    if expr.is_Atom:
        return expr
    args = [_rewrite(a, rule) for a in expr.args]
    node = expr.func(*args) if args != list(expr.args) else expr
    replaced = rule(node)
    return node if replaced is None else replaced


def _one_plus_exp(expr: sympy.Expr) -> sympy.Expr | None:
    """u if ``expr`` is 1 + exp(u), else None."""
    if expr.is_Add and len(expr.args) == 2 and sympy.S.One in expr.args:
        (other,) = (a for a in expr.args if a != sympy.S.One)
        if isinstance(other, sympy.exp):
            return other.args[0]
    return None


def clip_logistic(expr: sympy.Expr) -> sympy.Expr:
    """1/(1 + exp(u)) -> 1/(1 + exp(min(u, _EXP_MAX))): no overflow for any u.

    For u > _EXP_MAX the true value is below 1/(1 + exp(_EXP_MAX)), which is smaller than
    the dtype's smallest normal number; the clipped value differs from it by less.
    """

    def rule(node):
        if node.is_Pow and node.exp == -1:
            u = _one_plus_exp(node.base)
            if u is not None and not isinstance(u, sympy.Min):
                return 1 / (1 + sympy.exp(sympy.Min(u, EXP_MAX)))
        return None

    return _rewrite(expr, rule)


def stable_softplus(expr: sympy.Expr) -> sympy.Expr:
    """log(1 + exp(u)) -> max(u, 0) + log1p(exp(−|u|)), which never overflows."""

    def rule(node):
        if isinstance(node, sympy.log):
            u = _one_plus_exp(node.args[0])
            if u is not None:
                return sympy.Max(u, 0) + log1p(sympy.exp(-sympy.Abs(u)))
        return None

    return _rewrite(expr, rule)


def stabilize(expr: sympy.Expr) -> sympy.Expr:
    """Both rewrites: stable log(1 + exp(u)) first, then the clipped logistic."""
    return clip_logistic(stable_softplus(expr))


@cache
def softmax_shift_is_exact(size: int = 3) -> bool:
    """SymPy's confirmation that softmax is unchanged when every net is shifted by c."""
    zs = sympy.symbols(f"z1:{size + 1}", real=True)
    c = sympy.Symbol("c", real=True)
    for j in range(size):
        f = activations.get("softmax").build(list(zs), j)
        shifted = f.xreplace({z: z - c for z in zs})
        if sympy.simplify(shifted - f) != 0:
            return False
    return True


def net_max_symbol(layer: int) -> sympy.Symbol:
    """The symbol of a softmax layer's largest net (per sample)."""
    return sympy.Symbol(f"net_max_{layer}", real=True)


def softmax_shift(derivation: Derivation, layer: int) -> dict[str, sympy.Expr]:
    """Each output of a softmax layer with the nets shifted by their maximum."""
    if not softmax_shift_is_exact():
        raise SymnnError("codegen: SymPy could not confirm that softmax is shift-invariant")
    network = derivation.network
    shift = net_max_symbol(layer)
    nets = [symbol(qid("net", layer, i)) for i in range(1, network.size(layer) + 1)]
    shifted = {net: net - shift for net in nets}
    return {
        qid("out", layer, j): derivation.definitions[qid("out", layer, j)].xreplace(shifted)
        for j in range(1, network.size(layer) + 1)
    }


def activation_output(derivation: Derivation, layer: int) -> dict[str, sympy.Expr]:
    """Each neuron's output as it is computed: stable forms of the derivation's φ(net)."""
    network = derivation.network
    if network.activation(layer) == "softmax":
        return softmax_shift(derivation, layer)
    return {
        out_id: stabilize(derivation.definitions[out_id])
        for out_id in (qid("out", layer, j) for j in range(1, network.size(layer) + 1))
    }


def stable_loss(derivation: Derivation) -> sympy.Expr:
    """The loss E with log(out) and log(1 − out) of sigmoid/softmax outputs rewritten.

    The log of the activation's expression is expanded by SymPy (``expand_log``), which
    turns log(softmax) into log-softmax and log(sigmoid) into −log(1 + exp(−net)); the
    remaining log(1 + exp(u)) is then made stable by ``stable_softplus``.
    """
    network = derivation.network
    depth = network.depth
    name = network.activation(depth)
    loss = derivation.definitions["E"]
    if name not in ("sigmoid", "softmax"):
        return stabilize(loss)
    outputs = (
        softmax_shift(derivation, depth)
        if name == "softmax"
        else {k: derivation.definitions[k] for k in _ids("out", depth, network.size(depth))}
    )
    logs = {}
    for out_id, value in outputs.items():
        out = symbol(out_id)
        logs[sympy.log(out)] = sympy.expand_log(sympy.log(value), force=True)
        if name == "sigmoid":
            logs[sympy.log(1 - out)] = sympy.expand_log(
                sympy.log(sympy.together(1 - value)), force=True
            )
    return stabilize(loss.xreplace(logs))


def output_delta(derivation: Derivation, j: int) -> tuple[sympy.Expr, str]:
    """δ of output neuron j as computed, and a comment saying where it comes from.

    Softmax with cross-entropy: the derivation's simplified form (out − d) under its
    condition. Elementwise outputs: ∂E/∂out · ∂out/∂net with the derivation's ∂E/∂out
    substituted, in the shortest of SymPy's forms (as is, factor, cancel).
    """
    network = derivation.network
    depth = network.depth
    delta_id = qid("delta", depth, j)
    signal = derivation.error_signals[delta_id]
    if signal.simplified is not None:
        return signal.simplified, f"softmax with {network.spec.loss}, {signal.condition}"
    value = derivation.definitions[delta_id]
    if network.activation(depth) != "softmax":
        grad_id = qid("dE/dout", depth, j)
        value = value.xreplace({symbol(grad_id): derivation.definitions[grad_id]})
    else:
        value = sympy.expand(value)
        return value, "softmax: the sum over i of dE/dout_i * dout_i/dnet_j"
    candidates = [value, sympy.factor(value), sympy.cancel(value)]
    best = min(candidates, key=sympy.count_ops)
    return best, "dE/dout * dout/dnet, simplified by SymPy"


def _ids(kind: str, layer: int, size: int) -> list[str]:
    return [qid(kind, layer, j) for j in range(1, size + 1)]


# ---------------------------------------------------------------------------------------
# Vectorization: a per-neuron expression -> an expression of the layer's arrays


class VectorizeError(SymnnError):
    """A per-neuron expression that has no array form the renderer knows."""


@dataclass(frozen=True)
class LayerArrays:
    """The array symbols standing for a layer's per-neuron quantities.

    ``arrays`` maps a kind (``out``, ``net``, ``delta``, ``dE/dout``, ``d``) to the symbol of
    the whole layer's array; ``scalars`` maps a per-sample layer quantity (the softmax
    shift) to its array symbol.
    """

    layer: int
    size: int
    arrays: dict[str, sympy.Symbol]
    scalars: dict[sympy.Symbol, sympy.Symbol]

    def neuron(self, s: sympy.Symbol) -> tuple[str, int] | None:
        """(kind, neuron) if ``s`` is a per-neuron quantity of this layer, else None."""
        try:
            parsed = parse_id(s.name)
        except ValueError:
            return None
        if parsed.kind == "d" and "d" in self.arrays:
            return "d", parsed.indices[0]
        if parsed.kind in self.arrays and len(parsed.indices) == 2 and (
            parsed.indices[0] == self.layer
        ):
            return parsed.kind, parsed.indices[1]
        return None


def vectorize(expr: sympy.Expr, arrays: LayerArrays, j: int | None) -> sympy.Expr:
    """The array form of a per-neuron expression (neuron j, or the layer as a whole).

    Symbols of neuron j become the layer's arrays; a sum whose terms are one template
    taken over all neurons i (all but j when j is given) becomes a row sum, with the
    factors that do not depend on i taken out: Σ_{i≠j} t(i) = RowSum(t) − t(j).
    """
    if arrays.size == 1:
        subs = {symbol(qid(k, arrays.layer, 1)) if k != "d" else symbol(qid("d", 1)): v
                for k, v in arrays.arrays.items()}
        result = expr.xreplace({**subs, **arrays.scalars})
    else:
        result = _Vectorizer(arrays, j).run(expr)
    left = [s.name for s in result.free_symbols if arrays.neuron(s)]
    if left:
        raise VectorizeError(f"codegen: cannot vectorize {expr} (left: {', '.join(left)})")
    return result


class _Vectorizer:
    def __init__(self, arrays: LayerArrays, j: int | None):
        self.arrays = arrays
        self.j = j
        self.others = {kind: sympy.Dummy(f"{s.name}_i", real=True)
                       for kind, s in arrays.arrays.items()}
        expected = set(range(1, arrays.size + 1))
        self.complete = expected - {j} if j is not None else expected

    def run(self, expr: sympy.Expr) -> sympy.Expr:
        if expr.is_Symbol:
            if expr in self.arrays.scalars:
                return self.arrays.scalars[expr]
            found = self.arrays.neuron(expr)
            if found and found[1] == self.j:
                return self.arrays.arrays[found[0]]
            return expr
        if expr.is_Atom:
            return expr
        args = [self.run(a) for a in expr.args]
        if expr.is_Add:
            return self._sum(args)
        return expr.func(*args)

    def _indices(self, term: sympy.Expr) -> set[int]:
        return {n[1] for s in term.free_symbols if (n := self.arrays.neuron(s))}

    def _template(self, term: sympy.Expr, i: int) -> sympy.Expr:
        subs = {}
        for s in term.free_symbols:
            found = self.arrays.neuron(s)
            if found and found[1] == i:
                subs[s] = self.others[found[0]]
        return term.xreplace(subs)

    def _sum(self, terms: list[sympy.Expr]) -> sympy.Expr:
        local, groups = [], {}
        for term in terms:
            indices = self._indices(term)
            if not indices:
                local.append(term)
            elif len(indices) == 1:
                (i,) = indices
                groups.setdefault(self._template(term, i), []).append((i, term))
            else:
                raise VectorizeError(f"codegen: a term mixes several neurons: {term}")
        result = list(local)
        for template, members in groups.items():
            if {i for i, _ in members} != self.complete or len(members) != len(self.complete):
                result += [term for _, term in members]
                continue
            back = {other: self.arrays.arrays[kind] for kind, other in self.others.items()}
            inside = [f for f in sympy.Mul.make_args(template) if f.free_symbols & set(back)]
            outside = [f for f in sympy.Mul.make_args(template) if f not in inside]
            result.append(sympy.Mul(*outside) * RowSum(sympy.Mul(*inside).xreplace(back)))
            if self.j is not None:
                result.append(-template.xreplace(back))
        return sympy.Add(*result)


def vectorize_layer(
    per_neuron: dict[int, sympy.Expr], arrays: LayerArrays
) -> sympy.Expr:
    """The one array expression of a per-neuron quantity; the same for every neuron j."""
    forms = {j: vectorize(expr, arrays, j) for j, expr in per_neuron.items()}
    first = forms[min(forms)]
    for j, form in forms.items():
        if sympy.expand(form - first) != 0:
            raise VectorizeError(
                f"codegen: layer {arrays.layer}: neuron {j} has a different form "
                f"({form}) from neuron 1 ({first})"
            )
    return first


# ---------------------------------------------------------------------------------------
# In-place emission of elementwise array expressions

# Functions with a NumPy ufunc of the same meaning, by SymPy class.
UFUNCS = {
    sympy.exp: "np.exp",
    sympy.log: "np.log",
    sympy.tanh: "np.tanh",
    sympy.Abs: "np.abs",
    log1p: "np.log1p",
}


class InPlace:
    """Statements computing an array expression in one buffer with in-place ufuncs.

    ``arrays`` are the symbols standing for arrays of the layer's full shape (batch,
    neurons), ``rows`` those of shape (batch, 1); ``donated`` (optional) is an array whose
    buffer may be overwritten. Sums, products, numeric powers, the functions of ``UFUNCS``
    and min/max with a scalar are computed in place; any other node is printed whole.
    """

    def __init__(self, printer: CodePrinter, arrays: set, rows: set = frozenset(),
                 donated: sympy.Symbol | None = None):
        self.printer = printer
        self.arrays = set(arrays)
        self.rows = set(rows)
        self.donated = donated

    def _donate(self, expr: sympy.Expr) -> None:
        """Keep the donated buffer only if ``expr`` reads it once (else it is clobbered)."""
        if self.donated is not None and expr.count(self.donated) != 1:
            self.donated = None

    def lines(self, target: str, expr: sympy.Expr) -> list[str]:
        """The statements leaving the value of ``expr`` in a variable named ``target``."""
        if not self._is_full(expr):
            return [f"{target} = {self.printer.doprint(expr)}"]
        self._donate(expr)
        if self._is_leaf(expr):
            return [f"{target} = {self.printer.doprint(expr)}.copy()"]  # never an alias
        return self._emit(expr, target)

    def _depends(self, expr) -> bool:
        return bool(expr.free_symbols & (self.arrays | self.rows))

    def _is_full(self, expr) -> bool:
        """True when ``expr`` has the full shape (an array outside any row reduction)."""
        if expr.is_Symbol:
            return expr in self.arrays
        if isinstance(expr, RowSum | RowMax):
            return False
        return any(self._is_full(a) for a in expr.args)

    def _fresh(self, expr, dest) -> list[str]:
        return [f"{dest} = {self.printer.doprint(expr)}"]

    def _is_leaf(self, expr) -> bool:
        """True for an array symbol whose buffer must not be overwritten."""
        return expr.is_Symbol and expr != self.donated

    def _emit(self, expr, dest) -> list[str]:
        if expr == self.donated:
            return [f"{dest} = {self.printer.doprint(expr)}"]
        if expr.is_Mul:
            return self._combine(expr, dest, sympy.Mul)
        if expr.is_Add:
            return self._combine(expr, dest, sympy.Add)
        if expr.is_Pow and expr.exp.is_number:
            return self._power(expr, dest)
        if expr.func in UFUNCS and len(expr.args) == 1:
            return self._unary(expr, f"{UFUNCS[expr.func]}({dest}, out={dest})", dest)
        if isinstance(expr, sympy.Min | sympy.Max) and len(expr.args) == 2:
            operands = [a for a in expr.args if self._depends(a)]
            if len(operands) == 1:
                (bound,) = (a for a in expr.args if a is not operands[0])
                ufunc = "np.minimum" if isinstance(expr, sympy.Min) else "np.maximum"
                step = f"{ufunc}({dest}, {self.printer.doprint(bound)}, out={dest})"
                return self._unary(expr, step, dest, operands[0])
        return self._fresh(expr, dest)

    def _unary(self, expr, step: str, dest: str, operand=None) -> list[str]:
        operand = expr.args[0] if operand is None else operand
        if self._is_leaf(operand):
            return self._fresh(expr, dest)
        return [*self._emit(operand, dest), step]

    def _power(self, expr, dest) -> list[str]:
        exponent = expr.exp
        if exponent == -1:
            step = f"np.reciprocal({dest}, out={dest})"
        elif exponent == 2:
            step = f"np.square({dest}, out={dest})"
        else:
            step = f"np.power({dest}, {self.printer.doprint(exponent)}, out={dest})"
        return self._unary(expr, step, dest)

    def _combine(self, expr, dest, op) -> list[str]:
        scalar = op(*[a for a in expr.args if not self._depends(a)])
        parts = [a for a in expr.args if self._depends(a)]
        if op is sympy.Mul and scalar == -1 and len(parts) == 1:
            return self._unary(expr, f"np.negative({dest}, out={dest})", dest, parts[0])
        first = self._accumulator(parts, op)
        if first is None:
            return self._fresh(expr, dest)
        lines = self._emit(first, dest)
        rest = list(parts)
        rest.remove(first)
        if rest and not first.is_Symbol:
            # Until the first in-place step, the buffer holds ``first``: reuse it.
            current = sympy.Symbol(dest)
            self.printer.names.setdefault(current, dest)
            rest[0] = rest[0].xreplace({first: current})
        identity = sympy.S.One if op is sympy.Mul else sympy.S.Zero
        for part in [*rest, *([scalar] if scalar != identity else [])]:
            lines.append(self._step(dest, part, op))
        return lines

    def _accumulator(self, parts, op):
        """The part computed first into the buffer: the donated array, else a full-shaped
        compound (a numerator for products); None if only simple parts remain."""
        if self.donated in parts:
            return self.donated
        candidates = [p for p in parts if self._is_full(p) and not _is_simple(p)]
        candidates.sort(key=lambda p: op is sympy.Mul and _is_reciprocal(p))
        return candidates[0] if candidates else None

    def _step(self, dest, part, op) -> str:
        if op is sympy.Mul:
            if _is_reciprocal(part):
                return f"{dest} /= {self.printer.doprint(1 / part)}"
            return f"{dest} *= {self.printer.doprint(part)}"
        if part.could_extract_minus_sign():
            return f"{dest} -= {self.printer.doprint(-part)}"
        return f"{dest} += {self.printer.doprint(part)}"


def _is_simple(expr) -> bool:
    """An array or a number times an array: cheaper printed whole than built in place."""
    return expr.is_Symbol or (expr.is_Mul and len(expr.args) == 2 and expr.args[0].is_number
                              and expr.args[1].is_Symbol)


def _is_reciprocal(expr) -> bool:
    return expr.is_Pow and expr.exp == -1


# ---------------------------------------------------------------------------------------
# The module


def check_size(spec: NetworkSpec, style: str) -> None:
    """Refuse the unrolled style for nets above ``UNROLLED_LIMIT`` parameters."""
    if style not in STYLES:
        raise SymnnError(f"--style: expected one of {', '.join(STYLES)}, got {style!r}")
    count = spec.parameter_count
    if style == "unrolled" and count > UNROLLED_LIMIT:
        raise SymnnError(
            f"--style unrolled: the net has {count} parameters; unrolled code (one line per "
            f"parameter) is offered up to {UNROLLED_LIMIT}; use --style vectorized"
        )


def render(derivation: Derivation, *, style: str = "vectorized", dtype: str = "float64",
           source: str = "<spec>") -> str:
    """The text of the generated module for a derivation.

    ``source`` names the spec in the module's docstring (say, the path as given on the
    command line); nothing else varies, so the output is deterministic.
    """
    check_size(derivation.spec, style)
    if dtype not in DTYPES:
        raise SymnnError(f"--dtype: expected one of {', '.join(DTYPES)}, got {dtype!r}")
    check_linear_structure(derivation)
    context = module_context(derivation, style, dtype, source)
    if style == "vectorized":
        context.update(vectorized_context(derivation))
    else:
        context.update(unrolled_context(derivation))
    return environment().get_template(f"numpy/{style}.py.j2").render(**context)


def check_linear_structure(derivation: Derivation) -> None:
    """Confirm the derivation has the linear structure the templates lay out.

    For neuron 1 and the last neuron of every layer: net = Σ_k w·out + b, dE/dout of a
    hidden neuron = Σ_i δ·w, dE/dw = δ·out, dE/db = δ (or Σ_j δ for a shared bias).
    """
    network = derivation.network
    defs = derivation.definitions
    for layer in range(2, network.depth + 1):
        size = network.size(layer)
        for j in sorted({1, size}):
            sources = range(1, network.size(layer - 1) + 1)
            expected_net = sympy.Add(*[
                symbol(qid("w", layer, j, k)) * symbol(qid("out", layer - 1, k)) for k in sources
            ])
            bias = network.bias_of(layer, j)
            if bias is not None:
                expected_net += symbol(bias)
            _expect(defs, qid("net", layer, j), expected_net)
            delta = symbol(qid("delta", layer, j))
            for k in sorted({1, network.size(layer - 1)}):
                _expect(defs, qid("dE/dw", layer, j, k), delta * symbol(qid("out", layer - 1, k)))
            if layer > 2:
                expected = sympy.Add(*[
                    symbol(qid("delta", layer, i)) * symbol(qid("w", layer, i, k))
                    for i in range(1, size + 1)
                ])
                _expect(defs, qid("dE/dout", layer - 1, k), expected)
        for b_id in network.bias_ids(layer):
            neurons = [parse_id(b_id).indices[1]] if len(parse_id(b_id).indices) == 2 else range(
                1, size + 1
            )
            expected = sympy.Add(*[symbol(qid("delta", layer, j)) for j in neurons])
            _expect(defs, "dE/d" + b_id, expected)


def _expect(defs: dict, quantity_id: str, expected: sympy.Expr) -> None:
    if sympy.expand(defs[quantity_id] - expected) != 0:
        raise SymnnError(
            f"codegen: {quantity_id} = {defs[quantity_id]} does not have the form the "
            f"template writes ({expected})"
        )


def module_context(derivation: Derivation, style: str, dtype: str, source: str) -> dict:
    """What every style's template needs: constants, docstring facts, parameter keys."""
    spec = derivation.spec
    network = derivation.network
    layers = []
    for layer in range(2, network.depth + 1):
        layers.append({
            "number": layer,
            "size": network.size(layer),
            "activation": network.activation(layer),
            "weight_key": weight_key(layer),
            "bias_key": bias_key(spec, layer),
        })
    update_biases = spec.values.update_biases if spec.values else True
    keys = [k for item in layers for k in (item["weight_key"], item["bias_key"]) if k]
    signal = derivation.error_signals[qid("delta", network.depth, 1)]
    notes = []
    if signal.simplified is not None:
        notes = textwrap.wrap(
            f"The output error signal of softmax with cross-entropy is computed in its "
            f"simplified form out - d, which holds when {signal.condition}.", 88
        )
    return {
        "style": style,
        "dtype": dtype,
        "source": source,
        "command_lines": _command_lines(source, style, dtype),
        "sizes": "-".join(str(n) for n in spec.layers),
        "network_lines": textwrap.wrap(
            f"Network: {spec.layers[0]} inputs; "
            + "; ".join(f"layer {i['number']}: {i['size']} {i['activation']}" for i in layers)
            + f"; biases {spec.bias}.", 88),
        "layers": layers,
        "inputs": spec.layers[0],
        "outputs": spec.layers[-1],
        "loss_name": spec.loss,
        "loss_latex": losses.get(spec.loss).formula_latex,
        "needs_targets": losses.get(spec.loss).needs_targets,
        "bias": spec.bias,
        "update_biases": update_biases,
        "layers_text": _tuple_literal([str(n) for n in spec.layers]),
        "activations_text": _tuple_literal([f'"{name}"' for name in spec.activations]),
        "updated_text": _tuple_literal(
            [f'"{k}"' for k in keys if k.startswith("W") or update_biases]
        ),
        "classifier": classifier(spec),
        "notes": notes,
    }


def example_arrays(spec: NetworkSpec) -> tuple[dict, object, object]:
    """(params, X, Y) of a spec's ``[values]`` as float64 arrays for a generated module:
    one sample; Y is None for a loss without targets."""
    import numpy as np  # only here: the renderer itself does not need NumPy

    values = spec.values
    if values is None:
        raise SymnnError("values: the spec has no [values] table")
    params = {}
    for layer, matrix in enumerate(values.weights, start=2):
        params[weight_key(layer)] = np.array([[float(x) for x in row] for row in matrix])
        if spec.bias == "per-neuron":
            params[bias_key(spec, layer)] = np.array([float(x) for x in values.biases[layer - 2]])
        elif spec.bias == "per-layer":
            params[bias_key(spec, layer)] = np.array([float(values.biases[layer - 2])])
    X = np.array([[float(x) for x in values.inputs]])
    Y = None if values.targets is None else np.array([[float(x) for x in values.targets]])
    return params, X, Y


def _tuple_literal(items: list[str]) -> str:
    """Python source of a tuple: ``("a", "b")``, ``("a",)``."""
    return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"


def weight_key(layer: int) -> str:
    """The params key of the weights feeding a layer: layer 2 is fed by ``W1``."""
    return f"W{layer - 1}"


def bias_key(spec: NetworkSpec, layer: int) -> str | None:
    """The params key of a layer's biases, or None without biases."""
    return None if spec.bias == "none" else f"b{layer - 1}"


def classifier(spec: NetworkSpec) -> str | None:
    """How ``predict`` reads the outputs: "argmax", "threshold" (one sigmoid), or None."""
    if spec.layers[-1] > 1:
        return "argmax"
    if spec.activations[-1] == "sigmoid":
        return "threshold"
    return None


def _command_lines(source: str, style: str, dtype: str) -> list[str]:
    """The ``symnn codegen`` command that makes the module, on one or two lines."""
    command = f"symnn codegen {source} --style {style} --dtype {dtype}"
    if len(command) <= 90:
        return [command]
    return [f"symnn codegen {source} \\", f"    --style {style} --dtype {dtype}"]


def array_name(kind: str, layer: int) -> str:
    """The Python name of a layer's whole array: ``out_3`` for the ``out[3,j]``."""
    extra = 2 if kind == "dE/dw" else 1
    return python_name(qid(kind, layer, *[1] * extra)).removesuffix("_1" * extra)


# ---------------------------------------------------------------------------------------
# The vectorized style


def _array(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def layer_arrays(derivation: Derivation, layer: int) -> LayerArrays:
    """The array symbols of a layer: out_l, net_l, delta_l, dE_dout_l (and Y, net_max)."""
    network = derivation.network
    arrays = {kind: _array(array_name(kind, layer)) for kind in ("out", "net", "delta", "dE/dout")}
    if layer == network.depth:
        arrays["d"] = _array("Y")
    scalars = {}
    if network.activation(layer) == "softmax":
        scalars[net_max_symbol(layer)] = _array(net_max_symbol(layer).name)
    return LayerArrays(layer, network.size(layer), arrays, scalars)


def vectorized_context(derivation: Derivation) -> dict:
    """The statements of the vectorized module: forward, loss and backward per layer."""
    network = derivation.network
    depth = network.depth
    arrays = {layer: layer_arrays(derivation, layer) for layer in range(2, depth + 1)}
    names = {EXP_MAX: "_EXP_MAX"}
    for item in arrays.values():
        names.update({s: s.name for s in [*item.arrays.values(), *item.scalars.values()]})
    printer = CodePrinter(names)
    deltas = {layer: vector_delta(derivation, arrays[layer]) for layer in arrays}
    per_sample = vectorize(stable_loss(derivation), arrays[depth], None)
    loss = _without_row_sums(per_sample)
    needed = {s.name for expr, _ in deltas.values() for s in expr.free_symbols}
    needed |= {s.name for s in loss.free_symbols}
    kept = ["out_1"]
    for layer in range(2, depth + 1):
        net = array_name("net", layer)
        kept += [net] if net in needed else []
        kept.append(array_name("out", layer))
    in_loss = {s.name for s in loss.free_symbols}
    in_backward = {s.name for expr, _ in deltas.values() for s in expr.free_symbols}
    in_backward |= {array_name("out", layer) for layer in range(1, depth)}
    if not deltas[depth][0].free_symbols:
        in_backward.add(array_name("out", depth))  # for np.full_like
    forward = [_forward_layer(derivation, arrays[layer], printer, needed) for layer in arrays]
    backward = [
        _backward_layer(derivation, arrays[layer], *deltas[layer], printer)
        for layer in range(depth, 1, -1)
    ]
    loss_lines = [f"# E of each sample (row), printed from the derivation: {_ascii(per_sample)}"]
    if set(arrays[depth].scalars.values()) & loss.free_symbols:
        loss_lines.append(_net_max_line(arrays[depth], printer))
    loss_lines.append(f"total = np.sum({printer.doprint(loss)})")
    return {
        "forward": forward,
        "backward": backward,
        "kept": kept,
        "kept_in_loss": [name if name in in_loss else "_" for name in kept],
        "kept_in_backward": [name if name in in_backward else "_" for name in kept],
        "loss_lines": _wrap_all(loss_lines),
    }


def _without_row_sums(expr: sympy.Expr) -> sympy.Expr:
    """An expression with the same total over the whole batch array, row sums dropped
    where they only add up terms: sum(c*RowSum(x) + y) = sum(c*x) + sum(y)."""
    if isinstance(expr, RowSum):
        return expr.args[0]
    if expr.is_Add:
        return sympy.Add(*[_without_row_sums(t) for t in expr.args])
    if expr.is_Mul:
        sums = [f for f in expr.args if isinstance(f, RowSum)]
        if len(sums) == 1 and all(f.is_number for f in expr.args if f is not sums[0]):
            return expr.xreplace({sums[0]: sums[0].args[0]})
    return expr


def _ascii(expr: sympy.Expr) -> str:
    """A plain-text form of an array expression for a comment (RowSum is a row sum)."""
    return str(expr).replace("RowSum", "rowsum")


def _wrap_all(statements: list[str]) -> list[str]:
    return [line for statement in statements for line in wrap(statement)]


def vector_delta(derivation: Derivation, arrays: LayerArrays) -> tuple[sympy.Expr, str]:
    """δ of a layer as one array expression, and a comment saying where it comes from."""
    network = derivation.network
    layer = arrays.layer
    size = network.size(layer)
    if layer == network.depth:
        forms = {j: output_delta(derivation, j) for j in range(1, size + 1)}
        vector = vectorize_layer({j: f[0] for j, f in forms.items()}, arrays)
        return min([vector, sympy.factor_terms(vector)], key=sympy.count_ops), forms[1][1]
    per_neuron = {
        j: stabilize(sympy.piecewise_fold(derivation.definitions[qid("delta", layer, j)]))
        for j in range(1, size + 1)
    }
    return vectorize_layer(per_neuron, arrays), "dE/dout * dout/dnet"


def _net_max_line(arrays: LayerArrays, printer: CodePrinter) -> str:
    (shift,) = arrays.scalars.values()
    return f"{shift.name} = {printer.doprint(RowMax(arrays.arrays['net']))}"


def _forward_layer(derivation: Derivation, arrays: LayerArrays, printer: CodePrinter,
                   needed: set[str]) -> dict:
    layer = arrays.layer
    network = derivation.network
    outputs = activation_output(derivation, layer)
    per_neuron = {j: outputs[qid("out", layer, j)] for j in range(1, network.size(layer) + 1)}
    expr = vectorize_layer(per_neuron, arrays)
    net, out = arrays.arrays["net"], arrays.arrays["out"]
    statements = []
    if arrays.scalars:
        statements.append(_net_max_line(arrays, printer))
    statements.append(f"# {out.name} = {printer.doprint(expr)}")
    emitter = InPlace(printer, {net}, set(arrays.scalars.values()),
                      donated=None if net.name in needed else net)
    statements += emitter.lines(out.name, expr)
    return {
        "net": net.name,
        "out": out.name,
        "source": array_name("out", layer - 1),
        "weight_key": weight_key(layer),
        "bias_key": bias_key(network.spec, layer),
        "lines": _wrap_all(statements),
    }


def _backward_layer(derivation: Derivation, arrays: LayerArrays, delta: sympy.Expr,
                    comment: str, printer: CodePrinter) -> dict:
    layer = arrays.layer
    network = derivation.network
    spec = network.spec
    name = arrays.arrays["delta"].name
    statements = [f"# {name} = {printer.doprint(delta)}  ({comment})"]
    full = {s for k, s in arrays.arrays.items() if k != "delta"}
    if not delta.free_symbols & full:
        statements.append(f"{name} = np.full_like(out_{layer}, {printer.doprint(delta)})")
    else:
        donated = arrays.arrays["dE/dout"] if layer < network.depth else None
        statements += InPlace(printer, full, set(arrays.scalars.values()), donated).lines(
            name, delta
        )
    below = None
    if layer > 2:
        below = f"{array_name('dE/dout', layer - 1)} = {name} @ params[\"{weight_key(layer)}\"]"
    return {
        "number": layer,
        "delta": name,
        "source": array_name("out", layer - 1),
        "dE_dw": array_name("dE/dw", layer),
        "dE_db": array_name("dE/db", layer) if spec.bias != "none" else None,
        "per_layer_bias": spec.bias == "per-layer",
        "weight_key": weight_key(layer),
        "bias_key": bias_key(spec, layer),
        "lines": _wrap_all(statements),
        "below": below,
    }


# ---------------------------------------------------------------------------------------
# The unrolled style


def unrolled_context(derivation: Derivation) -> dict:
    """The lines of the unrolled module: unpacking, forward, loss, backward, assembly."""
    network = derivation.network
    spec = network.spec
    depth = network.depth
    defs = derivation.definitions
    printer = CodePrinter(_UnrolledNames())
    unpack = []
    for layer in range(2, depth + 1):
        unpack += _unpack(network.weight_ids(layer), f'params["{weight_key(layer)}"]')
        if spec.bias != "none":
            unpack += _unpack(network.bias_ids(layer), f'params["{bias_key(spec, layer)}"]')
    unpack += _unpack(network.input_ids(), "np.asarray(X, dtype=DTYPE).T")
    forward = []
    for layer in range(2, depth + 1):
        forward.append(f"# layer {layer}: {network.activation(layer)}")
        forward += [_assign(printer, i, defs[i]) for i in _ids("net", layer, network.size(layer))]
        if network.activation(layer) == "softmax":
            nets = [symbol(i) for i in _ids("net", layer, network.size(layer))]
            forward.append(f"{net_max_symbol(layer).name} = {printer.doprint(sympy.Max(*nets))}")
        forward += [_assign(printer, i, e) for i, e in activation_output(derivation, layer).items()]
    output_names = ", ".join(python_name(i) for i in _ids("out", depth, network.size(depth)))
    targets = []
    if losses.get(spec.loss).needs_targets:
        targets = _unpack(network.target_ids(), "np.asarray(Y, dtype=DTYPE).T")
    loss = [f"E = {printer.doprint(stable_loss(derivation))}"]
    backward = []
    for layer in range(depth, 1, -1):
        size = network.size(layer)
        if layer == depth:
            backward += _unrolled_output_deltas(derivation, printer)
        else:
            backward += [_assign(printer, i, defs[i]) for i in _ids("dE/dout", layer, size)]
            backward += [
                _assign(printer, i, stabilize(sympy.piecewise_fold(defs[i])))
                for i in _ids("delta", layer, size)
            ]
        backward += [
            _assign(printer, "dE/d" + w, defs["dE/d" + w])
            for row in network.weight_ids(layer) for w in row
        ]
        backward += [
            _assign(printer, "dE/d" + b, defs["dE/d" + b]) for b in network.bias_ids(layer)
        ]
    assembly = []
    for layer in range(2, depth + 1):
        grads = [[python_name("dE/d" + w) for w in row] for row in network.weight_ids(layer)]
        assembly += _dict_entry(weight_key(layer), grads)
        if spec.bias != "none":
            biases = [python_name("dE/d" + b) for b in network.bias_ids(layer)]
            assembly += _dict_entry(bias_key(spec, layer), biases)
    return {
        "unpack": unpack,
        "forward": _wrap_all(forward),
        "output_names": output_names,
        "targets": targets,
        "loss": _wrap_all(loss),
        "backward": _wrap_all(backward),
        "assembly": assembly,
    }


def _unrolled_output_deltas(derivation: Derivation, printer: CodePrinter) -> list[str]:
    """The output layer's δ lines. A softmax output without the simplified form, whose
    ∂E/∂out divides by no output, gets its ∂E/∂out lines and δ_j = Σ_i ∂E/∂out_i ·
    ∂out_i/∂net_j from the chain of factors; otherwise δ is ``output_delta`` (division
    free where SymPy can make it so), with ∂E/∂out in a comment."""
    network = derivation.network
    depth, size = network.depth, network.size(network.depth)
    defs = derivation.definitions
    lines = []
    signal = derivation.error_signals[qid("delta", depth, 1)]
    divides = any(sympy.fraction(sympy.together(defs[i]))[1] != 1
                  for i in _ids("dE/dout", depth, size))
    if network.activation(depth) == "softmax" and signal.simplified is None and not divides:
        lines += [_assign(printer, i, defs[i]) for i in _ids("dE/dout", depth, size)]
        for j in range(1, size + 1):
            terms = derivation.error_signals[qid("delta", depth, j)].terms
            value = sympy.Add(*[symbol("dE/dout" + a.denominator.removeprefix("out")) * b.value
                                for a, b in terms])
            lines.append(f"# delta_{depth}_{j} = sum over i of dE_dout_{depth}_i * "
                         f"dout_{depth}_i/dnet_{depth}_{j} (softmax)")
            lines.append(_assign(printer, qid("delta", depth, j), value))
        return lines
    for j in range(1, size + 1):
        value, comment = output_delta(derivation, j)
        grad = qid("dE/dout", depth, j)
        lines.append(f"# {python_name(grad)} = {printer.doprint(defs[grad])}; {comment}")
        lines.append(_assign(printer, qid("delta", depth, j), value))
    return lines


class _UnrolledNames(dict):
    """Python names for canonical ids (``naming.python_name``), made on first use."""

    def __missing__(self, s: sympy.Symbol) -> str:
        if s == EXP_MAX:
            return "_EXP_MAX"
        if s.name.startswith("net_max_"):
            return s.name
        return python_name(s.name)

    def __contains__(self, s) -> bool:
        return True


def _assign(printer: CodePrinter, quantity_id: str, expr: sympy.Expr) -> str:
    name = python_name(quantity_id)
    if not expr.free_symbols or expr.free_symbols <= {EXP_MAX}:
        return f"{name} = np.full_like(out_1_1, {printer.doprint(expr)})"
    return f"{name} = {printer.doprint(expr)}"


def _dict_entry(key: str, names: list) -> list[str]:
    """Indented lines of ``"key": [[a, b], [c, d]],`` (a list of names or of rows)."""
    items = [_list(item) for item in names]
    return _bracketed(f'"{key}": {_list(names)},', f'"{key}": [', items, "],", INDENT * 2)


def _unpack(ids: list, source: str) -> list[str]:
    """Indented lines unpacking ``source``: ``(a, b), (c, d) = source`` for a matrix of
    ids, ``a, b = source`` for a list."""
    rows = [_tuple([python_name(i) for i in row]) if isinstance(row, list) else python_name(row)
            for row in ids]
    return _bracketed(f"{_tuple(rows, bare=True)} = {source}", "(", rows, f") = {source}",
                      INDENT)


def _bracketed(one_line: str, opening: str, items: list[str], closing: str,
               indent: str) -> list[str]:
    """``one_line`` if it fits, else ``opening``, the items (rows one per line, names
    filled into lines) and ``closing``; a long row is broken after commas."""
    if len(indent + one_line) <= LINE_WIDTH:
        return [indent + one_line]
    inner = indent + INDENT
    rows = items if any(item.startswith(("(", "[")) for item in items) else [", ".join(items)]
    lines = [indent + opening]
    for row in rows:
        lines += textwrap.wrap(row + ",", LINE_WIDTH, initial_indent=inner,
                               subsequent_indent=inner if len(rows) == 1 else inner + INDENT,
                               break_on_hyphens=False, break_long_words=False)
    return [*lines, indent + closing]


def _list(item) -> str:
    """``[a, b]`` for a list of names (nested lists too); a name as it is."""
    return "[" + ", ".join(_list(i) for i in item) + "]" if isinstance(item, list) else item


def _tuple(items: list[str], bare: bool = False) -> str:
    """``(a, b)``; ``(a,)`` for one item; without parentheses if ``bare`` and several."""
    if len(items) == 1:
        return f"({items[0]},)"
    inner = ", ".join(items)
    return inner if bare else f"({inner})"
