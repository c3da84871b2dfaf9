"""Each new cause named on generated slips, with the later lines right given the slip
(also on the lines of issue 17: ∂out/∂net, Δw, and sums over the outputs).

Random 2-2-2, 3-2-2 and 2-3-1 nets (sigmoid or tanh hidden layers, sigmoid outputs, each
squared loss). For every net a slip is made by hand, here, in plain float arithmetic from
the core's exact values (not from the checker's models): the slipped line is claimed to
six significant digits, and the lines computed from it afterwards are claimed as a
student would compute them from that rounded number. The checker must name the cause on
the slipped line, judge every later line correct given the carried value, and say that
the sheet first goes wrong there.

One Checker per net (the slip models are built once and reused for every sheet).
"""

import math
import random
from decimal import Decimal

import pytest

from symnn import notation, spec
from symnn.check.verdict import Checker
from symnn.check.worksheet import read_claims
from symnn.derive import derive
from symnn.evaluate import evaluate

SHAPES = [(2, 2, 2), (3, 2, 2), (2, 3, 1)]
LOSSES = ["mse", "half-sse", "sse"]
NETS = 12
RATE = 0.5


def _net(seed: int) -> str:
    rng = random.Random(seed)
    shape = SHAPES[seed % 3]
    hidden = ("sigmoid", "tanh")[seed // 3 % 2]
    loss = LOSSES[seed // 6 % 3]

    def number() -> str:
        return f"{rng.uniform(-0.9, 0.9):.2f}"

    weights = [
        [[number() for _ in range(shape[m])] for _ in range(shape[m + 1])] for m in range(2)
    ]
    biases = [[number() for _ in range(shape[m + 1])] for m in range(2)]
    inputs = [f"{rng.uniform(0.05, 1):.2f}" for _ in range(shape[0])]
    targets = [str(rng.choice([0, 1])) for _ in range(shape[2])]

    def toml(value) -> str:
        return str(value).replace("'", "")

    return f"""
[network]
layers = {list(shape)}
activation = ["{hidden}", "sigmoid"]
loss = "{loss}"

[values]
inputs = {toml(inputs)}
targets = {toml(targets)}
weights = {toml(weights)}
biases = {toml(biases)}
learning_rate = {RATE}
"""


def _six(value: float) -> str:
    """A number written to six significant digits."""
    return f"{Decimal(repr(value)):.6g}" if abs(value) >= 1e-4 else f"{value:.6e}"


def _slope(name: str, out: float) -> float:
    return {"sigmoid": out * (1 - out), "tanh": 1 - out * out}[name]


class Net:
    """A generated net: its spec text, exact values as floats, and one Checker."""

    def __init__(self, seed: int):
        self.text = _net(seed)
        self.spec = spec.loads(self.text)
        derivation = derive(self.spec)
        self.x = {k: float(v) for k, v in evaluate(derivation).values.items()}
        self.shape = self.spec.layers
        self.hidden = self.spec.activations[0]
        self.checker = Checker(derivation, notation.from_spec(self.spec))

    def check(self, claims: dict[str, float]) -> list:
        lines = "\n".join(f'"{key}" = "{_six(value)}"' for key, value in claims.items())
        sheet = spec.loads(self.text + "\n[claims]\n" + lines)
        return self.checker.check(read_claims(sheet, self.checker.names))

    def rounded(self, value: float) -> float:
        return float(_six(value))


def _output_delta_slip(net: Net, slope: float) -> dict[str, float]:
    """δ₁ of the output layer made with ``slope`` for φ′, and the lines after it."""
    x = net.x
    delta = net.rounded(x["dE/dout[3,1]"] * slope)
    claims = {"delta[3,1]": delta}
    for k in range(1, net.shape[1] + 1):
        gradient = net.rounded(delta * x[f"out[2,{k}]"])
        claims[f"dE/dw[3,1,{k}]"] = gradient
        claims[f"w[3,1,{k}]'"] = x[f"w[3,1,{k}]"] - RATE * gradient
    claims["dE/db[3,1]"] = delta
    return claims


def _hidden_delta_slip(net: Net, slope: float, j: int = 1) -> dict[str, float]:
    """δ_j of the hidden layer made with ``slope`` for φ′, and the lines after it."""
    x = net.x
    delta = net.rounded(x[f"dE/dout[2,{j}]"] * slope)
    claims = {f"delta[2,{j}]": delta}
    for k in range(1, net.shape[0] + 1):
        gradient = net.rounded(delta * x[f"out[1,{k}]"])
        claims[f"dE/dw[2,{j},{k}]"] = gradient
        claims[f"w[2,{j},{k}]'"] = x[f"w[2,{j},{k}]"] - RATE * gradient
    return claims


def activation_derivative(net: Net) -> list[dict]:
    other = {"sigmoid": "tanh", "tanh": "sigmoid"}[net.hidden]
    out = net.x["out[2,1]"]
    return [
        _output_delta_slip(net, _slope("tanh", net.x["out[3,1]"])),
        _hidden_delta_slip(net, _slope(other, out)),
    ]


def missing_activation_derivative(net: Net) -> list[dict]:
    return [_output_delta_slip(net, 1.0), _hidden_delta_slip(net, 1.0)]


def transposed_weight(net: Net) -> list[dict]:
    if net.shape[1] != net.shape[2]:
        return []
    x = net.x
    sheets = []
    for j in (1, 2):
        wrong = sum(x[f"delta[3,{i}]"] * x[f"w[3,{j},{i}]"] for i in (1, 2))
        claim = net.rounded(wrong)
        delta = net.rounded(claim * _slope(net.hidden, x[f"out[2,{j}]"]))
        later = {f"delta[2,{j}]": delta}
        for k in range(1, net.shape[0] + 1):
            later[f"dE/dw[2,{j},{k}]"] = net.rounded(delta * x[f"out[1,{k}]"])
        sheets.append({f"dE/dout[2,{j}]": claim, **later})
        # the forward pass into the output layer with the matrix read transposed
        transposed = sum(x[f"w[3,{k},{j}]"] * x[f"out[2,{k}]"] for k in (1, 2)) + x[f"b[3,{j}]"]
        claim = net.rounded(transposed)
        sheets.append({f"net[3,{j}]": claim, f"out[3,{j}]": 1 / (1 + math.exp(-claim))})
    return sheets


def net_for_out(net: Net) -> list[dict]:
    x = net.x
    sheets = []
    for k in (1, 2):
        gradient = net.rounded(x["delta[3,1]"] * x[f"net[2,{k}]"])
        sheets.append({f"dE/dw[3,1,{k}]": gradient,
                       f"w[3,1,{k}]'": x[f"w[3,1,{k}]"] - RATE * gradient})
    return sheets


def _loss_after(net: Net, changed: dict[str, float]) -> float:
    """E after the update step, every parameter updated by the exact gradient except the
    ``changed`` ones (the student's rounded numbers), by a forward pass in floats."""
    x = net.x

    def after(param: str) -> float:
        if param in changed:
            return float(_six(changed[param]))
        return x[param] - RATE * x["dE/d" + param]

    outs = [x[f"out[1,{k}]"] for k in range(1, net.shape[0] + 1)]
    for layer, name in ((2, net.hidden), (3, "sigmoid")):
        nets = [
            sum(after(f"w[{layer},{j},{k}]") * o for k, o in enumerate(outs, start=1))
            + after(f"b[{layer},{j}]")
            for j in range(1, net.shape[layer - 1] + 1)
        ]
        outs = [math.tanh(v) if name == "tanh" else 1 / (1 + math.exp(-v)) for v in nets]
    targets = [float(t) for t in net.spec.values.targets]
    squares = sum((d - y) ** 2 for d, y in zip(targets, outs, strict=True))
    return {"mse": squares / len(outs), "half-sse": squares / 2, "sse": squares}[net.spec.loss]


def update_sign(net: Net) -> list[dict]:
    x = net.x
    sheets = []
    for k in (1, 2):
        param = f"w[3,1,{k}]"
        uphill = {param: x[param] + RATE * x["dE/d" + param]}
        sheets.append({f"{param}'": uphill[param], "E'": _loss_after(net, uphill)})
    return sheets


def activation_derivative_factor(net: Net) -> list[dict]:
    """φ′ of another activation claimed as the factor ∂out/∂net itself, then δ from it."""
    x = net.x
    other = {"sigmoid": "tanh", "tanh": "sigmoid"}[net.hidden]
    sheets = []
    for layer, name in ((3, "tanh"), (2, other)):
        factor = net.rounded(_slope(name, x[f"out[{layer},1]"]))
        delta = net.rounded(x[f"dE/dout[{layer},1]"] * factor)
        later = {f"delta[{layer},1]": delta}
        for k in range(1, net.shape[layer - 2] + 1):
            later[f"dE/dw[{layer},1,{k}]"] = net.rounded(delta * x[f"out[{layer - 1},{k}]"])
        sheets.append({f"dout[{layer},1]/dnet[{layer},1]": factor, **later})
    return sheets


def update_sign_change(net: Net) -> list[dict]:
    """Δw written uphill, +η ∂E/∂w, then w' = w + Δw from it."""
    x = net.x
    sheets = []
    for k in (1, 2):
        param = f"w[3,1,{k}]"
        change = net.rounded(RATE * x["dE/d" + param])
        sheets.append({f"D{param}": change, f"{param}'": x[param] + change})
    return sheets


def missing_output_term(net: Net) -> list[dict]:
    """A sum over the outputs without output j's term: E (then E − E′), or a hidden
    neuron's ∂E/∂out (then its δ and ∂E/∂w)."""
    x, outputs = net.x, net.shape[2]
    if outputs < 2:
        return []
    sheets = []
    squares = {"mse": 1 / outputs, "half-sse": 0.5, "sse": 1.0}[net.spec.loss]
    targets = [float(t) for t in net.spec.values.targets]
    for j in range(1, outputs + 1):
        term = squares * (targets[j - 1] - x[f"out[3,{j}]"]) ** 2
        partial = net.rounded(x["E"] - term)
        if abs(term) > 1e-3:
            sheets.append({"E": partial, "E - E'": partial - x["E'"]})
    for h in range(1, net.shape[1] + 1):
        kept = net.rounded(x["delta[3,1]"] * x[f"w[3,1,{h}]"])  # output 2 left out
        delta = net.rounded(kept * _slope(net.hidden, x[f"out[2,{h}]"]))
        later = {f"delta[2,{h}]": delta}
        for k in range(1, net.shape[0] + 1):
            later[f"dE/dw[2,{h},{k}]"] = net.rounded(delta * x[f"out[1,{k}]"])
        sheets.append({f"dE/dout[2,{h}]": kept, **later})
    return sheets


# label: (the cause the checker must name, the sheets with that slip)
SLIPS = {
    "activation-derivative": ("activation-derivative", activation_derivative),
    "activation-derivative on dout/dnet": ("activation-derivative",
                                           activation_derivative_factor),
    "missing-activation-derivative": ("missing-activation-derivative",
                                      missing_activation_derivative),
    "transposed-weight": ("transposed-weight", transposed_weight),
    "net-for-out": ("net-for-out", net_for_out),
    "update-sign": ("update-sign", update_sign),
    "update-sign on Dw": ("update-sign", update_sign_change),
    "missing-output-term": ("missing-output-term", missing_output_term),
}


@pytest.fixture(scope="module")
def nets() -> list[Net]:
    return [Net(seed) for seed in range(NETS)]


@pytest.mark.parametrize("label", list(SLIPS))
def test_each_new_cause_is_named_on_twenty_generated_slips(nets, label):
    cause, make = SLIPS[label]
    named = 0
    for net in nets:
        for claims in make(net):
            verdicts = net.check(claims)
            first, *later = verdicts
            assert first.verdict == "wrong", (net.text, claims, first.note)
            assert cause in first.causes, (net.text, claims, first.note)
            wrong_later = [(v.claim.id, v.verdict, v.note) for v in later
                           if v.verdict not in ("correct", "correct-with-carried")]
            assert not wrong_later, (net.text, claims, wrong_later)
            assert any(v.verdict == "correct-with-carried" for v in later)
            named += 1
    assert named >= 20
