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
  over all neurons of the layer becomes a row sum; the result must be the same for the
  first and the last j, the layer's ``representatives``) and printed by ``CodePrinter``,
  a subclass of SymPy's ``NumPyPrinter``.
- ``unrolled`` (nets up to ``UNROLLED_LIMIT`` parameters): one line per neuron and per
  gradient, the derivation's definitions printed with the names of
  ``naming.python_name`` (a softmax output's δ as Σ_i ∂E/∂out_i · ∂out_i/∂net_j from its
  chain of factors); each name holds one value per sample.

Numerical stability comes from rewriting the SymPy expressions before printing
(``stability`` lists each rewrite). Speed: an elementwise expression of a large array is
emitted by ``InPlace`` as a chain of in-place ufunc calls on one buffer.

Modules, each one concern:

- ``printer``: ``CodePrinter`` and the row reductions ``RowSum``/``RowMax``;
- ``source``: line width, wrapping, the params keys ``W1``/``b1``;
- ``stability``: the stable forms of the derivation's expressions;
- ``arrays``: a layer's array symbols; a per-neuron expression -> an array expression;
- ``inplace``: an array expression -> in-place ufunc statements;
- ``vectorized``, ``unrolled``: each style's template context;
- ``module``: options, the structure check, the shared context and ``render``.
"""

from symnn.render.numpy.arrays import (
    VectorizeError,
    layer_arrays,
    vectorize,
    vectorize_layer,
)
from symnn.render.numpy.inplace import InPlace
from symnn.render.numpy.module import (
    DTYPES,
    STYLES,
    UNROLLED_LIMIT,
    check_linear_structure,
    example_arrays,
    render,
)
from symnn.render.numpy.printer import EXP_MAX, CodePrinter, RowMax, RowSum
from symnn.render.numpy.stability import (
    clip_logistic,
    softmax_shift,
    softmax_shift_is_exact,
    stable_loss,
    stable_softplus,
)
from symnn.render.numpy.unrolled import unrolled_context
from symnn.render.numpy.vectorized import vectorized_context

__all__ = [
    "DTYPES",
    "EXP_MAX",
    "STYLES",
    "UNROLLED_LIMIT",
    "CodePrinter",
    "InPlace",
    "RowMax",
    "RowSum",
    "VectorizeError",
    "check_linear_structure",
    "clip_logistic",
    "example_arrays",
    "layer_arrays",
    "render",
    "softmax_shift",
    "softmax_shift_is_exact",
    "stable_loss",
    "stable_softplus",
    "unrolled_context",
    "vectorize",
    "vectorize_layer",
    "vectorized_context",
]
