"""Read and validate a network spec (TOML text, a file, or a dict) into plain dataclasses.

Numbers are kept exact: TOML floats are read from their decimal text (``0.1`` is 1/10),
Python floats from their shortest repr. Every error names the field, the value and what
was expected, e.g. ``network.layers[2]: expected a positive integer, got -3``. The
limits of ``symnn.limits`` on text (file size, nesting, digits and size of numbers) are
checked while reading; the network size is checked per command (``limits.check_network``).

Meaning checks: a learning rate is not negative; targets are what the loss allows (a
probability in [0, 1] each for binary cross-entropy and cross-entropy). Cross-entropy
targets that do not sum to 1 are allowed with a warning (``SpecWarning``): the loss and
its gradients are still defined, but δ of a softmax output is no longer out − d.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import sympy

from symnn import activations, limits, losses, optimizers
from symnn.errors import SpecError, SpecWarning
from symnn.limits import shown

BIAS_MODES = ("per-neuron", "per-layer", "none")
TOP_LEVEL_KEYS = ("network", "values", "notation", "names", "claims")
NETWORK_KEYS = ("layers", "activation", "loss", "bias", "leaky_slope")
TRAINING_KEYS = ("optimizer", "steps", *optimizers.HYPER_NAMES[1:], optimizers.WEIGHT_DECAY)
VALUES_KEYS = ("inputs", "targets", "weights", "biases", "learning_rate", "update_biases",
               "weights_layout", "bias_input", *TRAINING_KEYS)
MAX_SAMPLES = 1000  # samples of a worked batch in [values]
MAX_STEPS = 100  # optimizer steps worked exactly
# How ``weights[m]`` is laid out: a row per receiving neuron (W a + b, the default), or a
# row per sending neuron (the row-vector convention h = x W + b of many tutorials).
WEIGHT_LAYOUTS = ("output-by-input", "input-by-output")
BIAS_INPUTS = (1, -1)  # the constant input a bias weight multiplies (b = bias_input · weight)


@dataclass(frozen=True)
class Values:
    """The numbers of a worked example, exact. ``biases`` follows the bias mode.

    ``inputs``/``targets`` are the first sample; ``batch_inputs``/``batch_targets`` all
    samples (one for a single sample). Training happens when ``learning_rate`` is set
    (given, or the optimizer's default when ``optimizer`` or ``steps`` is given):
    ``steps`` steps of ``optimizer`` with the hyper-parameters ``hyper`` (name -> value,
    every one the optimizer reads plus ``weight_decay``, defaults filled in).
    """

    inputs: tuple[Fraction, ...]
    targets: tuple[Fraction, ...] | None
    weights: tuple[tuple[tuple[Fraction, ...], ...], ...]
    biases: tuple | None  # per-neuron: tuple of tuples; per-layer: tuple of numbers
    learning_rate: Fraction | None
    update_biases: bool = True
    bias_input: int = 1  # biases were given as weights on this constant input (b = ±weight)
    batch_inputs: tuple[tuple[Fraction, ...], ...] = ()
    batch_targets: tuple[tuple[Fraction, ...], ...] | None = None
    optimizer: str = "sgd"
    steps: int = 1
    hyper: tuple[tuple[str, Fraction], ...] = ()
    weights_layout: str = "output-by-input"  # as given; ``weights`` is output-by-input

    def __post_init__(self) -> None:
        if len(self.batch_inputs) <= 1:  # one sample: inputs and targets are the truth
            object.__setattr__(self, "batch_inputs", (self.inputs,))
            targets = None if self.targets is None else (self.targets,)
            object.__setattr__(self, "batch_targets", targets)

    @property
    def batch_size(self) -> int:
        """The number of samples."""
        return len(self.batch_inputs)

    @property
    def is_batch(self) -> bool:
        """True for more than one sample (per-sample ids then carry ``#s``)."""
        return self.batch_size > 1

    @property
    def hyper_parameters(self) -> dict[str, Fraction]:
        """Every hyper-parameter of the update rule, the learning rate included."""
        return {"learning_rate": self.learning_rate, **dict(self.hyper)}


@dataclass(frozen=True)
class NetworkSpec:
    """A validated network: sizes, one activation per non-input layer, loss, bias mode."""

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    bias: str = "per-neuron"
    leaky_slope: Fraction = Fraction(1, 100)
    values: Values | None = None
    notation: dict = field(default_factory=dict)  # raw; validated by symnn.notation
    claims: dict = field(default_factory=dict)  # raw; validated by symnn.check
    names: dict = field(default_factory=dict)  # raw flat names (w1 = "w[2,1,1]"); symnn.check

    @property
    def depth(self) -> int:
        """The number of layers including the input layer (L)."""
        return len(self.layers)

    @property
    def parameter_count(self) -> int:
        """How many weights and biases the network has."""
        weights = sum(a * b for a, b in zip(self.layers, self.layers[1:], strict=False))
        biases = {"per-neuron": sum(self.layers[1:]), "per-layer": self.depth - 1, "none": 0}
        return weights + biases[self.bias]


def load(path: str | Path) -> NetworkSpec:
    """Read a spec from a TOML file."""
    path = Path(path)
    return loads(read_toml_file(path), source=str(path))


def loads(text: str, source: str = "<spec>") -> NetworkSpec:
    """Read a spec from TOML text; floats are read as exact decimals."""
    return from_dict(parse_toml(text, source))


def read_toml_file(path: Path) -> str:
    """The text of a TOML file (a spec or a template), within the size limit."""
    if path.is_dir():
        raise SpecError(f"{path}: is a directory; expected a TOML spec file")
    if not path.is_file():
        raise SpecError(f"{path}: no such file")
    try:
        limits.check_file_size(path.stat().st_size, str(path))
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text as a table, floats as exact decimals; errors name ``source``."""
    limits.check_toml_text(text, source)
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise SpecError(f"{source}: TOML nested too deeply") from None
    except ValueError:  # Python reads integers of at most 4300 digits
        raise SpecError(f"{source}: an integer of more than 4300 digits") from None


def from_dict(data: dict[str, Any]) -> NetworkSpec:
    """Validate a spec given as a dict (the same structure as the TOML file)."""
    check_keys(data, TOP_LEVEL_KEYS, "")
    if "network" not in data:
        raise SpecError("network: missing table [network]")
    network = _table(data["network"], "network")
    check_keys(network, NETWORK_KEYS, "network.")
    layers = _layers(network)
    acts = _activations(network, len(layers))
    loss = _required_str(network, "loss", "network.loss")
    losses.get(loss)
    bias = network.get("bias", "per-neuron")
    if bias not in BIAS_MODES:
        raise SpecError(
            f"network.bias: expected one of {', '.join(BIAS_MODES)}, got {shown(bias)}"
        )
    _outputs_fit_loss(acts[-1], loss)
    if loss == "output" and layers[-1] != 1:
        raise SpecError(
            f"network.loss: 'output' needs exactly 1 output neuron, got {layers[-1]}"
        )
    slope = _number(network.get("leaky_slope", Fraction(1, 100)), "network.leaky_slope")
    values = None
    if "values" in data:
        values = _values(_table(data["values"], "values"), layers, bias, loss)
    return NetworkSpec(
        layers=layers,
        activations=acts,
        loss=loss,
        bias=bias,
        leaky_slope=slope,
        values=values,
        notation=_table(data.get("notation", {}), "notation"),
        claims=_table(data.get("claims", {}), "claims"),
        names=_table(data.get("names", {}), "names"),
    )


def _outputs_fit_loss(activation: str, loss: str) -> None:
    """A log loss needs outputs it can take the log of: cross-entropy positive outputs
    (softmax, sigmoid), binary cross-entropy outputs in (0, 1) (sigmoid per class)."""
    needed = losses.get(loss).outputs
    given = activations.get(activation).values
    if given.is_subset(needed):
        return
    raise SpecError(
        f"network.loss: {loss} takes the log of the outputs, so it needs an output "
        f"activation with values in {_interval(needed)} (softmax or sigmoid), got "
        f"{activation} with values in {_interval(given)}"
    )


def _interval(interval) -> str:
    """(0, 1), [0, ∞), (−∞, ∞)."""
    def end(value) -> str:
        return {sympy.oo: "∞", -sympy.oo: "−∞"}.get(value, str(value).replace("-", "−"))

    left = "(" if interval.left_open or interval.start == -sympy.oo else "["
    right = ")" if interval.right_open or interval.end == sympy.oo else "]"
    return f"{left}{end(interval.start)}, {end(interval.end)}{right}"


def check_keys(table: dict, allowed: tuple[str, ...], prefix: str) -> None:
    """Fail on the first key of ``table`` not in ``allowed``, naming the closest one."""
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(
                f"{prefix}{_key(key)}: unknown key{hint}; expected one of {', '.join(allowed)}"
            )


def _key(key: str) -> str:
    """A key for an error message, cut if it is long."""
    return key if len(key) <= limits.SHOWN else key[: limits.SHOWN - 1] + "…"


def _name(value: Any, where: str) -> str:
    """A name (string) of reasonable length, for a registry lookup."""
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected a name (string), got {shown(value)}")
    if len(value) > limits.SHOWN:
        raise SpecError(f"{where}: expected a name, got {len(value)} characters of text")
    return value


def _table(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected a table, got {shown(value)}")
    return value


def _required_str(table: dict, key: str, where: str) -> str:
    if key not in table:
        raise SpecError(f"{where}: missing")
    return _name(table[key], where)


def _layers(network: dict) -> tuple[int, ...]:
    if "layers" not in network:
        raise SpecError("network.layers: missing (expected a list of neuron counts)")
    layers = network["layers"]
    if not isinstance(layers, list):
        raise SpecError(
            f"network.layers: expected a list of positive integers, got {shown(layers)}"
        )
    for i, size in enumerate(layers):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SpecError(f"network.layers[{i}]: expected a positive integer, got {shown(size)}")
    if len(layers) < 2:
        raise SpecError(
            f"network.layers: expected at least 2 layers (input and output), got {len(layers)}"
        )
    return tuple(layers)


def _activations(network: dict, depth: int) -> tuple[str, ...]:
    if "activation" not in network:
        raise SpecError("network.activation: missing")
    given = network["activation"]
    if isinstance(given, str):
        names = [given] * (depth - 1)
        where = ["network.activation"] * (depth - 1)
    elif isinstance(given, list):
        if len(given) != depth - 1:
            raise SpecError(
                f"network.activation: expected one name per non-input layer ({depth - 1}), "
                f"got {len(given)}"
            )
        names = given
        where = [f"network.activation[{i}]" for i in range(len(given))]
    else:
        raise SpecError(f"network.activation: expected a name or a list, got {shown(given)}")
    for i, (name, place) in enumerate(zip(names, where, strict=True)):
        _name(name, place)
        try:
            act = activations.get(name)
        except SpecError as exc:
            raise SpecError(f"{place}: {exc}") from None
        if act.output_only and i != depth - 2:
            raise SpecError(f"{place}: {name} is allowed on the output layer only")
    return tuple(names)


def _number(value: Any, where: str) -> Fraction:
    """An exact Fraction from an int, a Decimal (TOML float) or a Python float.

    Digits and size are bounded (``limits.check_decimal``) before the Fraction is made.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise SpecError(f"{where}: expected a number, got {shown(value)}")
    if isinstance(value, Decimal):
        limits.check_decimal(value, where)
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpecError(f"{where}: expected a finite number, got {value}")
        value = Fraction(repr(value))
    limits.check_rational(value, where)
    return Fraction(value)


def _vector(value: Any, length: int, where: str) -> tuple[Fraction, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list of {length} numbers, got {shown(value)}")
    if len(value) != length:
        raise SpecError(f"{where}: expected {length} numbers, got {len(value)}")
    return tuple(_number(x, f"{where}[{i}]") for i, x in enumerate(value))


def _values(table: dict, layers: tuple[int, ...], bias: str, loss: str) -> Values:
    check_keys(table, VALUES_KEYS, "values.")
    if "inputs" not in table:
        raise SpecError("values.inputs: missing")
    inputs = _samples(table["inputs"], layers[0], "values.inputs", None)
    targets = None
    if losses.get(loss).needs_targets and "targets" not in table:
        raise SpecError(f"values.targets: missing (the {loss} loss needs targets)")
    if "targets" in table:
        targets = _samples(table["targets"], layers[-1], "values.targets", len(inputs))
        for sample in targets:
            _check_targets(sample, losses.get(loss))
    if "weights" not in table:
        raise SpecError("values.weights: missing")
    layout = table.get("weights_layout", WEIGHT_LAYOUTS[0])
    if layout not in WEIGHT_LAYOUTS:
        raise SpecError(
            f"values.weights_layout: expected one of {', '.join(WEIGHT_LAYOUTS)}, got {layout!r}"
        )
    weights = _weights(table["weights"], layers, layout)
    bias_input = table.get("bias_input", 1)
    if isinstance(bias_input, bool) or bias_input not in BIAS_INPUTS:
        raise SpecError(f"values.bias_input: expected 1 or -1, got {bias_input!r}")
    biases = _biases(table.get("biases"), layers, bias)
    if bias_input == -1 and biases is not None:  # θ on the input −1: the bias is −θ
        biases = tuple(-b if bias == "per-layer" else tuple(-x for x in b) for b in biases)
    update_biases = table.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SpecError(
            f"values.update_biases: expected true or false, got {shown(update_biases)}"
        )
    name, steps, rate, hyper = _training(table)
    return Values(
        inputs[0], None if targets is None else targets[0], weights, biases, rate,
        update_biases, int(bias_input), batch_inputs=inputs, batch_targets=targets,
        optimizer=name, steps=steps, hyper=hyper, weights_layout=layout,
    )


def _samples(value: Any, length: int, where: str, count: int | None) -> tuple:
    """One sample (a list of numbers) or a batch (a list of such lists), as a batch."""
    batch = isinstance(value, list) and bool(value) and all(isinstance(v, list) for v in value)
    if not batch:
        if count not in (None, 1):
            raise SpecError(
                f"{where}: expected a batch of {count} samples (as values.inputs), "
                f"got {_describe(value)} numbers"
            )
        return (_vector(value, length, where),)
    if len(value) > MAX_SAMPLES:
        raise SpecError(f"{where}: expected at most {MAX_SAMPLES} samples, got {len(value)}")
    if count is not None and len(value) != count:
        raise SpecError(
            f"{where}: expected {count} samples (as values.inputs), got {len(value)}"
        )
    return tuple(_vector(row, length, f"{where}[{s}]") for s, row in enumerate(value))


def _training(table: dict) -> tuple[str, int, Fraction | None, tuple]:
    """The optimizer, steps, learning rate and hyper-parameters of ``[values]``."""
    name = table.get("optimizer", "sgd")
    if not isinstance(name, str):
        raise SpecError(f"values.optimizer: expected a name (string), got {name!r}")
    try:
        optimizer = optimizers.get(name)
    except SpecError as exc:
        raise SpecError(f"values.optimizer: {exc}") from None
    steps = table.get("steps", 1)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise SpecError(
            f"values.steps: expected an integer from 1 to {MAX_STEPS}, got {shown(steps)}"
        )
    for key in optimizers.HYPER_NAMES[1:]:
        if key in table and key not in optimizer.hyper:
            users = [o.name for o in optimizers.OPTIMIZERS.values() if key in o.hyper]
            raise SpecError(
                f"values.{key}: not a hyper-parameter of optimizer {name!r} "
                f"(it is one of {', '.join(users)})"
            )
    rate = table.get("learning_rate")
    if rate is None and ("optimizer" in table or "steps" in table):
        rate = optimizer.default_learning_rate
    if rate is not None:
        rate = _hyper(rate, "learning_rate")
    keys = (*optimizer.hyper, optimizers.WEIGHT_DECAY)
    hyper = tuple(
        (key, _hyper(table.get(key, optimizers.DEFAULTS[key]), key)) for key in keys
    )
    return name, steps, rate, hyper


def _hyper(value: Any, key: str) -> Fraction:
    """A hyper-parameter checked against its range (``optimizers.RANGES``)."""
    where = f"values.{key}"
    number = _number(value, where)
    low, high = optimizers.RANGES[key]
    if number < low or (high is not None and number >= high):
        expected = f"a number in [{low}, {high})" if high is not None else f"a number >= {low}"
        if key == "learning_rate":
            expected += " (a step down the gradient)"
        raise SpecError(f"{where}: expected {expected}, got {shown(value)}")
    return number


def _check_targets(targets: tuple[Fraction, ...], loss: losses.Loss) -> None:
    """Targets the loss allows: probabilities in [0, 1]; a distribution should sum to 1."""
    if loss.targets == "any":
        return
    for j, target in enumerate(targets):
        if not 0 <= target <= 1:
            raise SpecError(
                f"values.targets[{j}]: the {loss.name} loss needs a probability in [0, 1], "
                f"got {float(target):g}"
            )
    if loss.targets == "distribution" and sum(targets) != 1:
        warnings.warn(
            f"values.targets: cross-entropy targets sum to {float(sum(targets)):g}, not 1; "
            f"the gradients are derived as written, but a softmax output's delta is not "
            f"out - d",
            SpecWarning,
            stacklevel=4,
        )


def _weights(value: Any, layers: tuple[int, ...], layout: str = WEIGHT_LAYOUTS[0]) -> tuple:
    """The weight matrices, each a row per receiving neuron; ``input-by-output`` matrices
    (a row per sending neuron) are read and transposed."""
    where = "values.weights"
    if not isinstance(value, list) or len(value) != len(layers) - 1:
        raise SpecError(
            f"{where}: expected a list of {len(layers) - 1} matrices "
            f"(one per non-input layer), got {_describe(value)}"
        )
    matrices = []
    for m, matrix in enumerate(value):
        rows, cols = layers[m + 1], layers[m]
        layer = m + 2
        if layout == "input-by-output":
            rows, cols, layer = cols, rows, m + 1
        place = f"{where}[{m}]"
        if not isinstance(matrix, list) or len(matrix) != rows:
            raise SpecError(
                f"{place}: expected {rows} rows (neurons of layer {layer}) of {cols} numbers, "
                f"got {_describe(matrix)}"
            )
        read = tuple(_vector(row, cols, f"{place}[{r}]") for r, row in enumerate(matrix))
        matrices.append(read if layout == WEIGHT_LAYOUTS[0] else tuple(zip(*read, strict=True)))
    return tuple(matrices)


def _biases(value: Any, layers: tuple[int, ...], bias: str) -> tuple | None:
    where = "values.biases"
    if bias == "none":
        if value is not None:
            raise SpecError(f"{where}: not allowed with network.bias = 'none'")
        return None
    count = len(layers) - 1
    if value is None:
        raise SpecError(f"{where}: missing (network.bias is {bias!r})")
    if not isinstance(value, list) or len(value) != count:
        raise SpecError(
            f"{where}: expected a list of {count} entries (one per non-input layer), "
            f"got {_describe(value)}"
        )
    if bias == "per-layer":
        return tuple(_number(x, f"{where}[{m}]") for m, x in enumerate(value))
    return tuple(
        _vector(vec, layers[m + 1], f"{where}[{m}]") for m, vec in enumerate(value)
    )


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)
