"""Benchmark: time and peak memory of deriving every gradient, by network size.

    python bench/derive.py            # all sizes
    python bench/derive.py --quick    # skip the largest

Each size runs in a fresh subprocess so its peak memory (ru_maxrss, minus the process's
size after importing symnn) is its own. The reference in the same run is the naive way:
expand the whole loss and call ``sympy.diff`` once per parameter, on sizes where that
finishes; the ratio says how much faster the chain-rule derivation is there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

SIZES = [[2, 2, 2], [4, 4, 2], [8, 8, 3], [16, 16, 4], [64, 32, 10], [784, 20, 20, 10],
         [784, 64, 64, 10]]
NAIVE_SIZES = [[2, 2, 2], [4, 4, 2], [8, 8, 3]]
LIMIT_SECONDS, LIMIT_MB = 2.0, 300.0  # the targets for 784-20-20-10

CHILD = r"""
import json, resource, sys, time
import sympy
from symnn import spec
from symnn.derive import derive
from symnn.naming import symbol
layers, naive = json.loads(sys.argv[1]), sys.argv[2] == "naive"
network_spec = spec.from_dict({"network": {"layers": layers, "activation": "sigmoid",
                                           "loss": "mse"}})
derive(spec.from_dict({"network": {"layers": [2, 2], "activation": "sigmoid",
                                   "loss": "mse"}}))  # warm SymPy's caches of φ'
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
derivation = derive(network_spec)
if naive:
    loss = derivation.expand("E")
    grads = [sympy.diff(loss, symbol(p)) for p in derivation.network.parameter_ids()]
seconds = time.perf_counter() - start
peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak,
                  "parameters": network_spec.parameter_count,
                  "gradients": len(derivation.gradients)}))
"""


def measure(layers: list[int], naive: bool = False) -> dict:
    """Run one derivation in a fresh interpreter and return its measurements."""
    mode = "naive" if naive else "chain"
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(layers), mode],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    """Print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the largest size")
    args = parser.parse_args()
    sizes = SIZES[:-1] if args.quick else SIZES
    print(f"{'layers':<18}{'parameters':>11}{'seconds':>10}{'peak MB':>10}"
          f"{'naive s':>10}{'naive/chain':>13}")
    for layers in sizes:
        chain = measure(layers)
        naive_text, ratio_text = "", ""
        if layers in NAIVE_SIZES:
            naive = measure(layers, naive=True)
            naive_text = f"{naive['seconds']:.2f}"
            ratio_text = f"{naive['seconds'] / chain['seconds']:.0f}x"
        name = "-".join(map(str, layers))
        print(f"{name:<18}{chain['parameters']:>11}{chain['seconds']:>10.3f}"
              f"{chain['peak_mb']:>10.1f}{naive_text:>10}{ratio_text:>13}", flush=True)
        if layers == [784, 20, 20, 10]:
            verdict = chain["seconds"] < LIMIT_SECONDS and chain["peak_mb"] < LIMIT_MB
            print(f"  target 784-20-20-10: < {LIMIT_SECONDS} s and < {LIMIT_MB} MB: "
                  f"{'met' if verdict else 'NOT met'}", flush=True)


if __name__ == "__main__":
    main()
