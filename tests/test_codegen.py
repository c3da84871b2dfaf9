"""symnn codegen: the command, the printer, the in-place emitter, vectorization, stability."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy

from symnn import spec
from symnn.cli import main
from symnn.commands import codegen
from symnn.commands.codegen import import_file
from symnn.derive import derive
from symnn.errors import SymnnError
from symnn.evaluate import evaluate
from symnn.render import numpy as rn

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "examples" / "worked-example-001.toml"


def generate(tmp_path: Path, network: dict, style: str = "vectorized", dtype: str = "float64",
             name: str = "generated"):
    """Render a spec's module into tmp_path and import it."""
    path = tmp_path / f"{name}_{style}_{dtype}.py"
    path.write_text(rn.render(derive(spec.from_dict({"network": network})), style=style,
                              dtype=dtype))
    return import_file(path, f"{tmp_path.name}_{path.stem}")


# --- the command ----------------------------------------------------------------------


def test_stdout_is_the_rendered_module(capsys):
    assert main(["codegen", str(WORKED)]) == 0
    expected = rn.render(derive(spec.load(WORKED)), source=str(WORKED))
    assert capsys.readouterr().out == expected


def test_output_file_style_and_dtype(tmp_path, capsys):
    out = tmp_path / "net.py"
    assert main(["codegen", str(WORKED), "-o", str(out), "--style", "unrolled",
                 "--dtype", "float32"]) == 0
    text = out.read_text()
    assert "DTYPE = np.float32" in text
    assert "dE_dw_3_1_1 = delta_3_1*out_2_1" in text
    assert f"symnn codegen {WORKED}" in text and "--style unrolled --dtype float32" in text
    assert capsys.readouterr().err == f"wrote {out}\n"


def test_unrolled_refused_above_the_limit_without_a_file(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_text('[network]\nlayers = [10, 10, 10]\nactivation = "sigmoid"\nloss = "mse"\n')
    out = tmp_path / "big.py"
    assert main(["codegen", str(big), "--style", "unrolled", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "symnn: error: --style unrolled: the net has 220 parameters; unrolled code (one line "
        f"per parameter) is offered up to {rn.UNROLLED_LIMIT}; use --style vectorized\n"
    )
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [big]


def test_bad_inputs_exit_2_with_one_line(tmp_path, capsys):
    assert main(["codegen", str(tmp_path / "missing.toml")]) == 2
    assert capsys.readouterr().err == f"symnn: error: {tmp_path / 'missing.toml'}: no such file\n"
    assert main(["codegen", str(WORKED), "-o", str(tmp_path / "no" / "such.py")]) == 2
    assert capsys.readouterr().err == f"symnn: error: -o: no such directory: {tmp_path / 'no'}\n"
    with pytest.raises(SystemExit) as exc:
        main(["codegen", str(WORKED), "--style", "fancy"])
    assert exc.value.code == 2
    with pytest.raises(SymnnError, match=r"^--dtype: expected one of float64, float32, got"):
        rn.render(derive(spec.load(WORKED)), dtype="float16")


def test_demo_writes_the_module_and_trains_one_step(tmp_path):
    stream = io.StringIO()
    codegen.demo(tmp_path, stream)
    text = stream.getvalue()
    numbers = evaluate(derive(spec.load(WORKED)))
    before, after = numbers.as_float("E"), numbers.as_float("E'")
    assert f"E  before the step: {before:.10f}   (derivation: {before:.10f})" in text
    assert f"E' after the step:  {after:.10f}   (derivation: {after:.10f})" in text
    assert "E' after the step:  0.3502231658" in text
    for name in (codegen.DEMO_MODULE, codegen.DEMO_UNROLLED):
        module = import_file(tmp_path / name, f"demo_{Path(name).stem}")
        assert module.LAYERS == (2, 2, 2)


def test_the_output_is_deterministic():
    derivation = derive(spec.load(WORKED))
    first = rn.render(derivation, source="x.toml")
    assert first == rn.render(derive(spec.load(WORKED)), source="x.toml")
    assert not re.search(r"20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d", first)


# --- the design: templates lay out, SymPy computes ------------------------------------


def test_templates_hold_no_formula():
    """Activations, derivatives and losses come from the printer, never from a template.

    (The one numeric constant, the dtype's exp bound _EXP_MAX, is not a formula of the net.)
    """
    for path in (ROOT / "templates" / "numpy").glob("*.j2"):
        code = "\n".join(line for line in path.read_text().splitlines()
                         if not line.lstrip().startswith(("#", "{#", "_EXP_MAX = ")))
        for forbidden in ("np.exp", "np.tanh", "np.log", "np.where", "np.maximum", "1 - ",
                          "(1 -", "* (1", "softmax(", "sigmoid("):
            assert forbidden not in code, f"{path.name} spells out {forbidden!r}"


def test_expressions_come_from_the_derivation(tmp_path):
    """The sigmoid's derivative is the one SymPy found in terms of the output."""
    text = rn.render(derive(spec.load(WORKED)), style="unrolled")
    assert "delta_2_1 = dE_dout_2_1*out_2_1*(1 - out_2_1)" in text
    assert "dE_dout_2_1 = delta_3_1*w_3_1_1 + delta_3_2*w_3_2_1" in text
    assert "net_2_1 = out_1_1*w_2_1_1 + out_1_2*w_2_1_2 + b_2_1" in text


def test_printer_names_every_symbol_or_refuses():
    printer = rn.CodePrinter({sympy.Symbol("a"): "a"})
    assert printer.doprint(1 / (1 + sympy.exp(-sympy.Symbol("a")))) == "1/(1 + np.exp(-a))"
    with pytest.raises(SymnnError, match="no Python name for the symbol 'out\\[2,1\\]'"):
        printer.doprint(sympy.Symbol("out[2,1]"))


# --- the in-place emitter and vectorization --------------------------------------------

Z = sympy.Symbol("z", real=True)
G = sympy.Symbol("g", real=True)
M = sympy.Symbol("m", real=True)


@pytest.mark.parametrize("expr", [
    rn.clip_logistic(1 / (1 + sympy.exp(-Z))),
    G * Z * (1 - Z),
    G * (1 - Z**2),
    rn.stable_softplus(sympy.log(1 + sympy.exp(Z))),
    sympy.exp(Z - M) / rn.RowSum(sympy.exp(Z - M)),
    Z * rn.RowSum(G) - G,
    sympy.Rational(2, 3) * Z * (G - Z) * (Z - 1),
    sympy.piecewise_fold(G * sympy.Piecewise((1, Z > 0), (sympy.Rational(1, 100), True))),
    -Z,
    1 - Z,
    Z,
])
@pytest.mark.parametrize("donate", [None, Z, G])
def test_in_place_statements_compute_the_expression(expr, donate):
    names = {Z: "z", G: "g", M: "m", rn.EXP_MAX: "_EXP_MAX"}
    printer = rn.CodePrinter(names)
    rng = np.random.default_rng(0)
    z, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    m = z.max(axis=1, keepdims=True)
    env = {"np": np, "_EXP_MAX": 700.0}
    expected = eval(printer.doprint(expr), {**env, "z": z, "g": g, "m": m})
    lines = rn.InPlace(printer, {Z, G}, {M}, donated=donate).lines("result", expr)
    scope = {**env, "z": z.copy(), "g": g.copy(), "m": m}
    exec("\n".join(lines), scope)
    np.testing.assert_allclose(scope["result"], expected, rtol=1e-15)
    scope["result"] *= 2  # the caller may scale the result in place (delta *= scale)
    if donate is None or expr.count(donate) != 1:
        np.testing.assert_array_equal(scope["z"], z)
        np.testing.assert_array_equal(scope["g"], g)


def test_in_place_reuses_the_donated_buffer():
    printer = rn.CodePrinter({Z: "net_2", rn.EXP_MAX: "_EXP_MAX"})
    lines = rn.InPlace(printer, {Z}, donated=Z).lines("out_2", rn.clip_logistic(
        1 / (1 + sympy.exp(-Z))))
    assert lines == [
        "out_2 = net_2",
        "np.negative(out_2, out=out_2)",
        "np.minimum(out_2, _EXP_MAX, out=out_2)",
        "np.exp(out_2, out=out_2)",
        "out_2 += 1",
        "np.reciprocal(out_2, out=out_2)",
    ]


def test_softmax_is_vectorized_with_a_row_sum():
    derivation = derive(spec.from_dict({"network": {
        "layers": [2, 3], "activation": "softmax", "loss": "cross-entropy"}}))
    arrays = rn.layer_arrays(derivation, 2)
    outputs = rn.softmax_shift(derivation, 2)
    forms = {j: outputs[f"out[2,{j}]"] for j in (1, 2, 3)}
    net, shift = arrays.arrays["net"], next(iter(arrays.scalars.values()))
    assert rn.vectorize_layer(forms, arrays) == sympy.exp(net - shift) / rn.RowSum(
        sympy.exp(net - shift))
    loss = rn.vectorize(rn.stable_loss(derivation), arrays, None)
    assert "log" in str(loss) and "net_2" in str(loss) and "out_2" not in str(loss)


def test_vectorize_refuses_a_form_that_differs_between_neurons():
    derivation = derive(spec.load(WORKED))
    arrays = rn.layer_arrays(derivation, 3)
    out = sympy.Symbol("out[3,1]", real=True)
    other = sympy.Symbol("out[3,2]", real=True)
    with pytest.raises(rn.VectorizeError, match="neuron 2 has a different form"):
        rn.vectorize_layer({1: out, 2: 2 * other}, arrays)


def test_softmax_shift_is_confirmed_by_sympy():
    assert rn.softmax_shift_is_exact()


# --- numerical stability ----------------------------------------------------------------

STABLE = [
    *[([h, "sigmoid"], "mse") for h in ("sigmoid", "tanh", "relu", "leaky-relu", "identity",
                                         "softplus")],
    *[(["sigmoid", o], "mse") for o in ("tanh", "relu", "leaky-relu", "identity", "softplus",
                                          "softmax")],
    (["tanh", "sigmoid"], "cross-entropy"),
    (["tanh", "sigmoid"], "binary-cross-entropy"),
    (["tanh", "softmax"], "cross-entropy"),
    (["relu", "sigmoid"], "half-sse"),
]


@pytest.mark.parametrize("style", ["vectorized", "unrolled"])
@pytest.mark.parametrize(("activations", "loss"), STABLE)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_no_warnings_at_net_inputs_of_plus_minus_1000(tmp_path, activations, loss, style, dtype):
    """Every layer's net inputs reach ±1000: no overflow, division or invalid warnings."""
    network = {"layers": [2, 2, 3], "activation": activations, "loss": loss}
    module = generate(tmp_path, network, style, dtype)
    hidden = {"sigmoid": 1.0, "tanh": 1.0}.get(activations[0], 1000.0)  # φ(1000)
    c = 1000.0 / hidden
    params = {
        "W1": np.array([[1000.0, 0.0], [-1000.0, 0.0]]),
        "b1": np.zeros(2),
        "W2": np.array([[c, 0.0], [-c, 0.0], [0.0, 0.0]]),
        "b2": np.zeros(3),
    }
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    Y = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        forward = module.forward(params, X)
        value = module.loss(params, X, Y)
        grads = module.gradients(params, X, Y)
        module.sgd_step(params, X, Y, 0.1)
    assert np.all(np.isfinite(forward)) and np.isfinite(value)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    if loss == "cross-entropy" and activations[-1] == "sigmoid":
        # E of sample 1: -log σ(1000) = 0; of sample 2: -log σ(-1000) = 1000 (not inf).
        assert value == pytest.approx(500.0, rel=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_exp_max_bound(tmp_path, dtype):
    """exp(_EXP_MAX) is finite in the dtype, and the logistic's clipped tail lies below the
    dtype's smallest normal number (so clipping changes nothing a float can resolve)."""
    module = generate(tmp_path, {"layers": [1, 1], "activation": "sigmoid", "loss": "mse"},
                      dtype=dtype)
    bound = np.asarray(module._EXP_MAX, dtype=dtype)
    with np.errstate(over="raise"):
        assert np.isfinite(np.exp(bound))
    assert 1 / (1 + np.exp(np.float64(bound))) < np.finfo(dtype).smallest_normal
    saturated = module.forward({"W1": np.array([[1.0]], dtype=dtype),
                                "b1": np.array([-1e4], dtype=dtype)}, np.zeros((1, 1)))
    assert saturated.dtype == dtype and 0 < saturated[0, 0] < np.finfo(dtype).smallest_normal
