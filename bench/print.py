"""Benchmark: printing the derivation (``symnn derive``: JSON, JSON Lines, the table).

    python bench/print.py            # the CLI on 784-20-20-10 and the printing ratio
    python bench/print.py --quick    # the printing ratio only (100-20-20-10)

1. The command line, end to end, each in a fresh process: wall and CPU seconds and peak
   memory (ru_maxrss of the child) of ``symnn derive examples/mnist-784-20-20-10.toml``
   with ``--json``, ``--jsonl`` and the table, against the start-up of ``symnn derive``
   of the 2-2-2 worked example in the same run. The issue's targets: ≤ 3 s beyond
   start-up and ≤ 400 MB; the verdict is on CPU time (the machine is shared).
2. Printing alone, in one process on 100-20-20-10 (CPU seconds, the rows built and
   printed as JSON): each family of rows printed once and filled in per row
   (``symnn.render.templates``), against two references: every row built and printed
   one by one (the document model before templates; the output is checked equal), and
   SymPy's own ``str()`` and ``latex()`` of every definition and of every chain factor
   as it occurs (the way ``derive --json`` printed before the document model).

Measured on the 2-core machine, 784-20-20-10, before templates (row by row) and after:
``derive --json`` 4.25 s wall and 160 MB (load 0.2) before; 2.2 s CPU (1.2 s beyond the
start-up of derive 2-2-2) and 76-93 MB after. The table: 2.99 s wall and 139 MB before;
1.4 s CPU (0.4 s beyond start-up) and 77 MB after.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIG = ROOT / "examples" / "mnist-784-20-20-10.toml"
WORKED = ROOT / "examples" / "worked-example-001.toml"
TARGET_SECONDS, TARGET_MB = 3.0, 400.0
MID = [100, 20, 20, 10]


def run_cli(*args: str) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak MB and output bytes of ``python -m symnn ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "symnn", *args], cwd=ROOT,
                          capture_output=True, check=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # ru_maxrss of children is the largest child so far: the commands run smallest first
    return seconds, cpu, after.ru_maxrss / 1024, len(proc.stdout)


def cli_table() -> None:
    """The command line on 784-20-20-10 against start-up (CPU time: the machine is shared)."""
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    print(f"{'command':<40}{'wall s':>8}{'cpu s':>8}{'beyond start-up':>17}{'peak MB':>9}"
          f"{'MB out':>8}")
    for what, args in (("symnn --help", ["--help"]),
                       ("derive 2-2-2 (start-up)", ["derive", str(WORKED.relative_to(ROOT))])):
        wall, cpu, peak, _ = run_cli(*args)
        print(f"{what:<40}{wall:>8.2f}{cpu:>8.2f}{'':>17}{peak:>9.0f}")
    startup = cpu
    for flags in (["--json"], ["--jsonl"], []):
        wall, cpu, peak, size = run_cli("derive", str(BIG.relative_to(ROOT)), *flags)
        name = " ".join(["derive 784-20-20-10", *flags])
        beyond = cpu - startup
        verdict = "met" if beyond <= TARGET_SECONDS and peak <= TARGET_MB else "NOT met"
        print(f"{name:<40}{wall:>8.2f}{cpu:>8.2f}{beyond:>17.2f}{peak:>9.0f}"
              f"{size / 1e6:>8.1f}  target: {verdict}", flush=True)


def printing_ratio() -> None:
    """Printing the rows of 100-20-20-10: from templates, row by row, and SymPy's own."""
    import sympy

    from symnn import notation, spec
    from symnn.derive import derive
    from symnn.document import Member, quantities
    from symnn.render.listing import write_json

    def fresh():
        return derive(spec.from_dict({"network": {"layers": MID, "activation": "sigmoid",
                                                  "loss": "mse"}}))

    derivation = fresh()
    chosen = notation.from_spec(derivation.spec)
    ours, start = io.StringIO(), time.process_time()
    write_json(quantities(derivation), chosen, ours)
    templates = time.process_time() - start
    derivation = fresh()
    whole, start = io.StringIO(), time.process_time()
    write_json((row.quantity if isinstance(row, Member) else row
                for row in quantities(derivation)), chosen, whole)
    row_by_row = time.process_time() - start
    assert whole.getvalue() == ours.getvalue()
    derivation = fresh()
    start = time.process_time()
    names = {}
    for quantity_id, expr in derivation.definitions.items():
        for sym in expr.free_symbols:
            names.setdefault(sym, notation.latex_name(sym.name, chosen))
        str(expr), sympy.latex(expr, symbol_names=names)
        if quantity_id in derivation.gradients or quantity_id in derivation.error_signals:
            for chain in derivation.chains(quantity_id):
                for factor in chain:
                    str(factor.value)
    reference = time.process_time() - start
    name = "-".join(map(str, MID))
    print(f"printing {name} (CPU s, rows built and printed): from templates {templates:.2f}, "
          f"row by row {row_by_row:.2f} ({row_by_row / templates:.1f}x), SymPy str()/latex() "
          f"of every definition and factor {reference:.2f} ({reference / templates:.1f}x)")


def main() -> None:
    """Print both parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the printing ratio only")
    args = parser.parse_args()
    if not args.quick:
        cli_table()
    printing_ratio()


if __name__ == "__main__":
    main()
