"""Benchmark: one training step of a generated module against PyTorch and the matmul floor.

    python bench/step.py [--threads N] [--rounds R]

One step is forward, backward and the SGD update on a batch. For each net (784-20-20-10
and 784-256-256-10, sigmoid layers and MSE as in seed 001), batch size (1, 32, 256) and
dtype (float32, float64) it times, in the same process and interleaved:

- numpy: the module ``symnn codegen`` generates (vectorized style), ``sgd_step(...,
  inplace=True)`` as ``train`` uses it;
- torch: the same net on the CPU as a PyTorch user writes it (``F.linear``, ``sigmoid``,
  ``F.mse_loss``, ``backward``, ``torch.optim.SGD``);
- floor: only the matrix products a step needs (3 forward, 2 for δ, 3 for ∂E/∂W), as
  NumPy computes them: no step can be faster.

Both libraries get the same number of threads, set before either is imported (default
1: on a small machine shared with other work, a multi-threaded matrix product waits for
whichever of its threads the scheduler runs last, and the timings measure the load, not
the code; try ``--threads 2`` on a quiet machine). OpenBLAS threads spin after a call and
can slow PyTorch's threads several-fold in one process, so OPENBLAS_THREAD_TIMEOUT is set
to let them sleep at once.
Times are the minimum over rounds of the mean of several steps. This is a script, not a
test: it prints ratios and whether the targets of issue 4 are met.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for both NumPy (OpenBLAS) and PyTorch (default: 1)")
    parser.add_argument("--rounds", type=int, default=30, help="timing rounds (default 30)")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402  (after the thread settings)
import torch  # noqa: E402

from symnn import spec  # noqa: E402
from symnn.commands.codegen import import_file  # noqa: E402
from symnn.derive import derive  # noqa: E402
from symnn.render.numpy import render  # noqa: E402

NETS = ((784, 20, 20, 10), (784, 256, 256, 10))
BATCHES = (1, 32, 256)
DTYPES = ("float32", "float64")
LEARNING_RATE = 0.1
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def generated_modules(folder: Path) -> dict:
    """(layers, dtype) -> the imported module symnn generates for that net."""
    modules = {}
    for layers in NETS:
        started = time.perf_counter()
        network = {"layers": list(layers), "activation": "sigmoid", "loss": "mse"}
        derivation = derive(spec.from_dict({"network": network}))
        for dtype in DTYPES:
            name = "net_" + "_".join(map(str, layers)) + "_" + dtype
            path = folder / f"{name}.py"
            path.write_text(render(derivation, dtype=dtype, source="bench"))
            modules[layers, dtype] = import_file(path, name)
        print(f"generated {'-'.join(map(str, layers))} in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    return modules


def torch_step_function(params: dict, X: np.ndarray, Y: np.ndarray, dtype: str):
    """A PyTorch training step on copies of params; returns (step, tensors)."""
    kind = TORCH_DTYPES[dtype]
    tensors = {k: torch.tensor(v, dtype=kind, requires_grad=True) for k, v in params.items()}
    weights = [tensors[f"W{m}"] for m in range(1, len(params) // 2 + 1)]
    biases = [tensors[f"b{m}"] for m in range(1, len(params) // 2 + 1)]
    inputs, targets = torch.tensor(X, dtype=kind), torch.tensor(Y, dtype=kind)
    optimizer = torch.optim.SGD(list(tensors.values()), lr=LEARNING_RATE)

    def step():
        a = inputs
        for weight, bias in zip(weights, biases, strict=True):
            a = torch.sigmoid(torch.nn.functional.linear(a, weight, bias))
        loss = torch.nn.functional.mse_loss(a, targets)  # mean over samples and outputs
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step, tensors


def floor_function(params: dict, X: np.ndarray, Y: np.ndarray):
    """Only the matrix products of a step, on arrays of the right shapes and dtype."""
    weights = [params[f"W{m}"] for m in range(1, len(params) // 2 + 1)]
    outs = [X]
    for weight in weights:
        outs.append(outs[-1] @ weight.T)
    deltas = [np.ones_like(out) for out in outs[1:]]

    def step():
        a = X
        for weight in weights:
            a = a @ weight.T
        for m in range(len(weights) - 1, -1, -1):
            deltas[m].T @ outs[m]
            if m > 0:
                deltas[m] @ weights[m]

    return step


def timed(function, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        function()
    return (time.perf_counter() - started) / steps


def check_same_step(module, params, X, Y, dtype) -> float:
    """The largest relative difference between one numpy and one torch step."""
    step, tensors = torch_step_function(params, X, Y, dtype)
    step()
    ours = module.sgd_step(params, X, Y, LEARNING_RATE)
    worst = 0.0
    for key, tensor in tensors.items():
        expected = tensor.detach().numpy()
        worst = max(worst, float(np.max(np.abs(ours[key] - expected)) / np.max(np.abs(expected))))
    return worst


def measure(module, layers, batch, dtype) -> dict:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(batch, layers[0])).astype(dtype)
    Y = np.eye(layers[-1], dtype=dtype)[rng.integers(0, layers[-1], batch)]
    params = module.init_params(seed=0)
    difference = check_same_step(module, params, X, Y, dtype)
    torch_step, _ = torch_step_function(params, X, Y, dtype)
    functions = {
        "numpy": lambda: module.sgd_step(params, X, Y, LEARNING_RATE, inplace=True),
        "torch": torch_step,
        "floor": floor_function(params, X, Y),
    }
    for function in functions.values():
        timed(function, 3)
    steps = max(1, int(0.005 / max(timed(functions["torch"], 3), 1e-7)))  # ~5 ms a round
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(ARGS.rounds):
        for name, function in functions.items():
            best[name] = min(best[name], timed(function, steps))
    return {**best, "difference": difference}


def main() -> int:
    torch.set_num_threads(ARGS.threads)
    print("one training step (forward, backward, SGD update): sigmoid layers, MSE loss")
    print(f"threads: {ARGS.threads} for NumPy/OpenBLAS and PyTorch; OPENBLAS_THREAD_TIMEOUT="
          f"{os.environ['OPENBLAS_THREAD_TIMEOUT']}; numpy {np.__version__}, torch "
          f"{torch.__version__}; times: best of {ARGS.rounds} rounds, microseconds per step")
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: the load average was {load:.1f} on {os.cpu_count()} CPUs at the start; "
              f"other processes disturb the timings, multi-threaded ones most")
    with tempfile.TemporaryDirectory() as folder:
        modules = generated_modules(Path(folder))
        header = (f"{'net':<16}{'batch':>6}  {'dtype':<8}{'numpy':>10}{'torch':>10}"
                  f"{'floor':>10}{'torch/numpy':>13}{'numpy/floor':>13}  same step")
        print(header)
        results = {}
        for layers in NETS:
            for batch in BATCHES:
                for dtype in DTYPES:
                    r = measure(modules[layers, dtype], layers, batch, dtype)
                    results[layers, batch, dtype] = r
                    net = "-".join(map(str, layers))
                    print(f"{net:<16}{batch:>6}  {dtype:<8}{r['numpy'] * 1e6:>10.1f}"
                          f"{r['torch'] * 1e6:>10.1f}{r['floor'] * 1e6:>10.1f}"
                          f"{r['torch'] / r['numpy']:>12.2f}x{r['numpy'] / r['floor']:>12.2f}x"
                          f"  {r['difference']:.0e}", flush=True)
    print_targets(results)
    return 0


def print_targets(results: dict) -> None:
    """The three targets of issue 4, with the measured ratios."""
    small, large = NETS
    print("targets:")
    ratios = [results[small, 32, d]["torch"] / results[small, 32, d]["numpy"] for d in DTYPES]
    verdict = "met" if min(ratios) >= 2 else "NOT met"
    print(f"  784-20-20-10 batch 32 at least 2x faster than torch: "
          f"{', '.join(f'{d} {r:.2f}x' for d, r in zip(DTYPES, ratios, strict=True))}  {verdict}")
    ratios = {key: r["torch"] / r["numpy"] for key, r in results.items() if key[1] >= 32}
    worst_key = min(ratios, key=ratios.get)
    verdict = "met" if ratios[worst_key] >= 1 else "NOT met"
    print(f"  never slower than torch at batch >= 32: slowest relative to torch "
          f"{'-'.join(map(str, worst_key[0]))} batch {worst_key[1]} {worst_key[2]} "
          f"{ratios[worst_key]:.2f}x  {verdict}")
    ratios = [results[large, 256, d]["numpy"] / results[large, 256, d]["floor"] for d in DTYPES]
    verdict = "met" if max(ratios) <= 1.3 else "NOT met"
    print(f"  784-256-256-10 batch 256 within 1.3x of the matmul floor: "
          f"{', '.join(f'{d} {r:.2f}x' for d, r in zip(DTYPES, ratios, strict=True))}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
