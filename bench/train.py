"""Benchmark: ``symnn train`` on the digits spec against the same training in PyTorch.

    python bench/train.py [--epochs 30]

Times, in the same process, one thread each: the whole ``symnn train
examples/digits-softmax.toml --plot loss.png`` (generating the module, loading digits,
training with Adam, learning rate 0.01, batches of 32, the loss of both sets after every
epoch, the plot) and the same epochs of the same net written in PyTorch (float64,
``torch.optim.Adam``, the same batches, the two losses per epoch). Prints both times,
their ratio, the test accuracy, and whether issue 13's target (≥ 97 % in under 10 s)
is met. A script, not a test: wall times depend on the load of the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from symnn.cli import main  # noqa: E402

SPEC = ROOT / "examples" / "digits-softmax.toml"


def symnn_run(epochs: int) -> tuple[float, float]:
    """(seconds, test accuracy) of the whole ``symnn train`` command."""
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main(["train", str(SPEC), "--epochs", str(epochs), "--plot",
                  str(Path(folder) / "loss.png")])
        seconds = time.perf_counter() - start
    return seconds, float(out.getvalue().split("test accuracy ")[1].split()[0])


def torch_run(epochs: int) -> float:
    """Seconds of the same training written in PyTorch."""
    from sklearn.datasets import load_digits

    torch.set_num_threads(1)
    X, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    cut = len(X) - round(0.2 * len(X))
    X = torch.tensor(X / 16.0)
    Y = torch.tensor(labels)
    train, test = order[:cut], order[cut:]
    start = time.perf_counter()
    W1 = (torch.randn(32, 64, dtype=torch.float64) / 8).requires_grad_()
    b1 = torch.zeros(32, dtype=torch.float64, requires_grad=True)
    W2 = (torch.randn(10, 32, dtype=torch.float64) / 32**0.5).requires_grad_()
    b2 = torch.zeros(10, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([W1, b1, W2, b2], lr=0.01)

    def loss(rows):
        z = torch.tanh(X[rows] @ W1.T + b1) @ W2.T + b2
        return torch.nn.functional.cross_entropy(z, Y[rows])

    for epoch in range(1, epochs + 1):
        shuffled = np.random.default_rng(epoch).permutation(train)
        for i in range(0, len(shuffled), 32):
            optimizer.zero_grad()
            loss(shuffled[i:i + 32]).backward()
            optimizer.step()
        with torch.no_grad():
            loss(train), loss(test)
    return time.perf_counter() - start


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    ours, accuracy = symnn_run(args.epochs)
    theirs = torch_run(args.epochs)
    print(f"symnn train (whole command): {ours:.2f} s, test accuracy {accuracy:.4f}")
    print(f"pytorch (training loop only): {theirs:.2f} s")
    print(f"ratio symnn / pytorch: {ours / theirs:.2f}")
    met = accuracy >= 0.97 and ours < 10
    print(f"issue 13 target (>= 97 % in under 10 s): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main_bench()
