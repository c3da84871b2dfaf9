"""``symnn train SPEC [--data digits|FILE.csv] [--epochs N] [--plot loss.png]``.

Generates the spec's NumPy module (as ``symnn codegen`` does), trains it on a data set
with its ``train`` (any optimizer of ``symnn.optimizers``), shows a progress bar, prints
the final training and test loss (and accuracy for a classifier) and writes the loss
curve of both sets per epoch as a PNG (matplotlib, Agg).

Data sets: ``digits``, scikit-learn's bundled 8×8 digits (1797 samples, 64 inputs in
[0, 1], 10 one-hot classes; no download), or a CSV file whose rows are samples: the
inputs first, then either one column per output (one-hot or numeric targets) or, for a
net with several outputs, one class index (0-based). A first row that is not all numbers
is a header. Both are split after a seeded shuffle: 20 % of the samples are the test set.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from symnn import optimizers, spec
from symnn.derive import derive
from symnn.errors import SymnnError
from symnn.output import write_atomic

TEST_SHARE = 0.2  # of the samples, after a seeded shuffle
DEFAULT_LEARNING_RATE = 0.01  # without one in the spec's [values]
DEFAULT_OPTIMIZER = "adam"
BAR_WIDTH = 30
PLOT_SIZE = (6.4, 4.0)  # inches, at PLOT_DPI: 640 x 400 pixels
PLOT_DPI = 100


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn train``."""
    parser.add_argument("spec", help="network spec (TOML)")
    parser.add_argument("--data", default="digits",
                        help="digits (scikit-learn's bundled 8x8 digits) or a CSV file")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the data (30)")
    parser.add_argument("--batch-size", type=int, default=32, help="samples per step (32)")
    parser.add_argument("--optimizer", choices=list(optimizers.OPTIMIZERS), default=None,
                        help="default: the spec's [values] optimizer, else adam")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help=f"default: the spec's [values] learning_rate, else "
                        f"{DEFAULT_LEARNING_RATE}")
    parser.add_argument("--seed", type=int, default=0, help="initial parameters and shuffles")
    parser.add_argument("--plot", metavar="PNG", help="write the loss curves to this PNG")


def run(args: argparse.Namespace) -> int:
    """Generate the module, train it, print the results and write the plot."""
    network_spec = spec.load(args.spec)
    _check_counts(args)
    X, Y = load_data(args.data, network_spec)
    module = generated_module(network_spec)
    settings = training_settings(network_spec, args)
    (X_train, Y_train), (X_test, Y_test) = split(X, Y, args.seed)
    start = time.perf_counter()
    params, history = train_with_progress(module, X_train, Y_train, X_test, Y_test, args,
                                          settings, sys.stderr)
    seconds = time.perf_counter() - start
    print(summary(module, params, history, X_test, Y_test, settings, seconds))
    if args.plot:
        write_atomic(Path(args.plot), plot_png(history, f"{Path(args.spec).name} on {_name(args)}"))
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _check_counts(args: argparse.Namespace) -> None:
    for name in ("epochs", "batch_size"):
        value = getattr(args, name)
        if value < 1:
            flag = "--" + name.replace("_", "-")
            raise SymnnError(f"{flag}: expected a positive integer, got {value}")
    if args.learning_rate is not None and not args.learning_rate > 0:
        raise SymnnError(f"--learning-rate: expected a positive number, got {args.learning_rate}")
    if args.plot and not args.plot.lower().endswith(".png"):
        raise SymnnError(f"--plot: expected a file name ending in .png, got {args.plot!r}")


def _name(args: argparse.Namespace) -> str:
    return "digits" if args.data == "digits" else Path(args.data).name


def training_settings(network_spec: spec.NetworkSpec, args: argparse.Namespace) -> dict:
    """Optimizer, learning rate and hyper-parameters: flags, then [values], then defaults."""
    values = network_spec.values
    given = values is not None and values.learning_rate is not None
    optimizer = args.optimizer or (values.optimizer if given else DEFAULT_OPTIMIZER)
    hyper = {}
    if given and optimizer == values.optimizer:
        hyper = {k: float(v) for k, v in values.hyper}
    rate = args.learning_rate
    if rate is None:
        rate = float(values.learning_rate) if given else DEFAULT_LEARNING_RATE
    return {"optimizer": optimizer, "learning_rate": rate, **hyper}


def generated_module(network_spec: spec.NetworkSpec):
    """The spec's generated (vectorized, float64) module, imported from a temporary file."""
    from symnn.commands.codegen import import_file
    from symnn.render.numpy import render

    text = render(derive(network_spec), source="<symnn train>")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "symnn_train_module.py"
        path.write_text(text, encoding="utf-8")
        return import_file(path, "symnn_train_module")


def load_data(source: str, network_spec: spec.NetworkSpec):
    """(X, Y) as float64 arrays, checked against the net's inputs and outputs."""
    import numpy as np

    inputs, outputs = network_spec.layers[0], network_spec.layers[-1]
    if source == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise SymnnError("--data digits: needs scikit-learn (pip install scikit-learn)") \
                from None
        if (inputs, outputs) != (64, 10):
            raise SymnnError(
                f"--data digits: has 64 inputs and 10 classes; the spec's net has {inputs} "
                f"inputs and {outputs} outputs"
            )
        X, labels = load_digits(return_X_y=True)
        return X / 16.0, np.eye(10)[labels]
    return _read_csv(Path(source), inputs, outputs)


def _read_csv(path: Path, inputs: int, outputs: int):
    import numpy as np

    if not path.is_file():
        raise SymnnError(f"--data: no such file {str(path)!r} (expected digits or a CSV file)")
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SymnnError(f"--data: cannot read {path}: {exc}") from None
    rows = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if rows and not all(_is_number(c) for c in rows[0][1]):
        rows = rows[1:]  # a header
    widths = sorted({inputs + outputs, inputs + 1} if outputs > 1 else {inputs + 1})
    if len(rows) < 2:
        raise SymnnError(f"--data: {path} has {len(rows)} data rows; expected at least 2")
    table = []
    for n, row in rows:
        if len(row) not in widths or len(row) != len(rows[0][1]):
            raise SymnnError(
                f"--data: {path} row {n}: expected {' or '.join(map(str, widths))} numbers "
                f"({inputs} inputs, then the targets) in every row, got {len(row)}"
            )
        for c, cell in enumerate(row, start=1):
            if not _is_number(cell):
                raise SymnnError(f"--data: {path} row {n} column {c}: expected a number, "
                                 f"got {cell!r}")
        table.append([float(c) for c in row])
    data = np.array(table)
    X, targets = data[:, :inputs], data[:, inputs:]
    if targets.shape[1] == 1 and outputs > 1:
        classes = targets[:, 0]
        if not np.all((classes == np.round(classes)) & (classes >= 0) & (classes < outputs)):
            raise SymnnError(f"--data: {path}: a class index must be an integer from 0 to "
                             f"{outputs - 1}")
        return X, np.eye(outputs)[classes.astype(int)]
    return X, targets


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return value == value and abs(value) != float("inf")


def split(X, Y, seed: int):
    """((X, Y) of training, (X, Y) of test): a seeded shuffle, the last 20 % for test."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(X))
    cut = len(X) - max(1, round(TEST_SHARE * len(X)))
    train, test = order[:cut], order[cut:]
    return (X[train], Y[train]), (X[test], Y[test])


def train_with_progress(module, X, Y, X_test, Y_test, args, settings, stream: TextIO):
    """Train epoch by epoch with the module's ``train``, drawing a progress bar."""
    params = module.init_params(seed=args.seed)
    history = {"loss": [], "test_loss": []}
    state = module.init_state(params, settings["optimizer"])
    for epoch in range(1, args.epochs + 1):
        params = _epoch(module, params, X, Y, state, args.batch_size, settings,
                        args.seed + epoch)
        history["loss"].append(float(module.loss(params, X, Y)))
        history["test_loss"].append(float(module.loss(params, X_test, Y_test)))
        done = BAR_WIDTH * epoch // args.epochs
        stream.write(f"\repoch {epoch:>{len(str(args.epochs))}}/{args.epochs} "
                     f"[{'#' * done}{'.' * (BAR_WIDTH - done)}] loss {history['loss'][-1]:.4f}"
                     f" test {history['test_loss'][-1]:.4f}")
        stream.flush()
    stream.write("\n")
    return params, history


def _epoch(module, params, X, Y, state, batch_size, settings, seed):
    """One pass over the shuffled samples with the module's ``optimizer_step``."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(X))
    hyper = {k: v for k, v in settings.items() if k != "optimizer"}
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        params = module.optimizer_step(params, X[batch], Y[batch], state,
                                       optimizer=settings["optimizer"], inplace=True, **hyper)
    return params


def summary(module, params, history, X_test, Y_test, settings, seconds) -> str:
    """The final losses, the accuracy of a classifier, the settings and the time."""
    import numpy as np

    lines = [
        f"optimizer {settings['optimizer']}, learning rate {settings['learning_rate']:g}, "
        f"{len(history['loss'])} epochs in {seconds:.1f} s",
        f"final training loss {history['loss'][-1]:.6f}",
        f"final test loss {history['test_loss'][-1]:.6f}",
    ]
    if hasattr(module, "predict") and Y_test.shape[1] > 1:
        right = int(np.sum(module.predict(params, X_test) == np.argmax(Y_test, axis=1)))
        lines.append(f"test accuracy {right / len(X_test):.4f} ({right}/{len(X_test)})")
    return "\n".join(lines)


def plot_png(history: dict, title: str) -> bytes:
    """The training and test loss per epoch as a PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=PLOT_SIZE, dpi=PLOT_DPI)
    axes = figure.add_subplot()
    epochs = range(1, len(history["loss"]) + 1)
    axes.plot(epochs, history["loss"], color="tab:blue", label="training loss")
    axes.plot(epochs, history["test_loss"], color="tab:orange", label="test loss")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss (mean E over the samples)")
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
