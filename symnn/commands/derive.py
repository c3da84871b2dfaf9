"""``symnn derive SPEC [--json] [--expand]``: every quantity, its formula and its value."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from symnn import claimable, limits, notation, spec
from symnn.derive import Derivation, derive
from symnn.errors import SymnnError
from symnn.evaluate import Numbers, evaluate, leaf_values
from symnn.naming import gradient_id, parse_id, symbol

EXPAND_LIMIT = 200  # parameters; beyond this the expanded expressions are unreadable
DIGITS_SHOWN = 10  # significant digits in the table
DIGITS_JSON = 40  # significant digits of "digits" in JSON
FORMULA_WIDTH = 70  # longer formulas are cut in the table (the JSON has them whole)


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``symnn derive``."""
    parser.add_argument("spec", help="network spec (TOML)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--only", nargs="+", metavar="ID", default=[],
        help="these quantities only, e.g. 'dout[3,1]/dnet[3,1]' 'E[1]' 'Dw[3,1,1]' 'out[2,:]' "
        "(quote them in the shell)",
    )
    parser.add_argument(
        "--expand",
        action="store_true",
        help=f"also give each quantity in inputs, weights and biases (nets up to "
        f"{EXPAND_LIMIT} parameters)",
    )

    limits.add_max_parameters(parser, "derive")

def run(args: argparse.Namespace) -> int:
    """Derive the spec and print the table or JSON."""
    network_spec = spec.load(args.spec)
    limits.check_network(network_spec, "derive", args.max_parameters)
    derivation = derive(network_spec)
    if args.expand and network_spec.parameter_count > EXPAND_LIMIT:
        raise SymnnError(
            f"--expand: the net has {network_spec.parameter_count} parameters; expanded "
            f"expressions are offered up to {EXPAND_LIMIT}"
        )
    numbers = evaluate(derivation) if network_spec.values else None
    only = claimable.select(derivation.network, args.only) if args.only else None
    rows = quantity_rows(derivation, numbers, expand=args.expand, only=only)
    if args.json:
        json.dump({"quantities": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(rows, sys.stdout)
    return 0


def quantity_rows(
    derivation: Derivation, numbers: Numbers | None, expand: bool = False, only=None
) -> dict:
    """Every quantity id -> {value, digits, exact, latex, expression[, chain, expanded]}.

    ``only``: these ids alone, in this order (any claimable id, ``symnn.claimable``).
    """
    preset = notation.get(notation.DEFAULT)
    leaves = leaf_values(derivation) if numbers else _leaf_ids(derivation)
    ids = list(leaves) + list(derivation.definitions)
    if numbers:
        ids += [k for k in numbers.values if k not in derivation.definitions and k not in leaves]
    extra: dict = {}
    if only is not None:
        ids, extra = only, claimable.definitions(derivation, only)
        if numbers:
            numbers = Numbers({**numbers.values, **claimable.values(
                derivation, [i for i in only if i not in numbers], numbers.values)})
    rows = {}
    for quantity_id in ids:
        expr = derivation.definitions.get(quantity_id, extra.get(quantity_id))
        name = notation.latex_name(quantity_id, preset)
        row = {
            "value": None,
            "latex": name if expr is None else f"{name} = {notation.to_latex(expr, preset)}",
            "expression": quantity_id if expr is None else str(expr),
        }
        if quantity_id.endswith("'") and quantity_id not in extra:
            row.update(_update_rule(derivation, quantity_id, preset))
        if numbers and quantity_id in numbers:
            value = numbers[quantity_id]
            row["value"] = float(value)
            row["digits"] = str(value.evalf(DIGITS_JSON)) if not value.is_Rational else str(value)
            row["exact"] = str(value) if value.is_Rational else None
        if quantity_id in derivation.gradients or quantity_id in derivation.error_signals:
            row["chain"] = _chain_rows(derivation, quantity_id)
        if expand and expr is not None:
            row["expanded"] = str(derivation.expand(quantity_id))
        rows[quantity_id] = row
    return rows


def _chain_rows(derivation: Derivation, quantity_id: str) -> list[list[dict]]:
    """The Leibniz chains of a gradient or δ: a list of products of factors ∂of/∂wrt."""
    return [
        [{"of": f.numerator, "wrt": f.denominator, "expression": str(f.value)} for f in chain]
        for chain in derivation.chains(quantity_id)
    ]


def _update_rule(derivation: Derivation, updated: str, preset) -> dict:
    """Expression and LaTeX of an updated quantity: p' = p − η·dE/dp, or E at the new p."""
    if updated == "E'":
        return {"expression": "E at the updated parameters",
                "latex": r"E' = E\big|_{\text{updated parameters}}"}
    param = updated[:-1]
    if parse_id(param).kind in ("net", "out"):
        after = r"\big|_{\text{updated parameters}}"
        return {"expression": f"{param} at the updated parameters",
                "latex": f"{notation.latex_name(updated, preset)} = "
                         f"{notation.latex_name(param, preset)}{after}"}
    values = derivation.spec.values
    if param.startswith("b") and not values.update_biases:
        return {"expression": f"{param} (update_biases = false)",
                "latex": f"{notation.latex_name(updated, preset)} = "
                         f"{notation.latex_name(param, preset)}"}
    grad = gradient_id(param)
    return {
        "expression": f"{param} - eta*{grad}",
        "latex": f"{notation.latex_name(updated, preset)} = {notation.latex_name(param, preset)}"
                 f" - {preset.learning_rate} {notation.latex_name(grad, preset)}",
    }


def _leaf_ids(derivation: Derivation) -> dict:
    network = derivation.network
    loss_symbols = derivation.definitions["E"].free_symbols
    targets = [t for t in network.target_ids() if symbol(t) in loss_symbols]
    return dict.fromkeys(network.input_ids() + targets + network.parameter_ids())


def print_table(rows: dict, stream: TextIO) -> None:
    """A plain-text table: quantity, formula, value."""
    table = [("quantity", "formula", "value")]
    for quantity_id, row in rows.items():
        value = "" if row["value"] is None else f"{row['value']:.{DIGITS_SHOWN}g}"
        formula = "(given)" if row["expression"] == quantity_id else row["expression"]
        if len(formula) > FORMULA_WIDTH:
            formula = formula[: FORMULA_WIDTH - 3] + "..."
        table.append((quantity_id, formula, value))
    widths = [max(len(line[c]) for line in table) for c in range(2)]
    for name, formula, value in table:
        print(f"{name:<{widths[0]}}  {formula:<{widths[1]}}  {value}".rstrip(), file=stream)


def demo(outdir: Path, stream: TextIO) -> None:
    """The derive part of the demo: the worked example's table."""
    from symnn import examples

    network_spec = spec.load(examples.path(examples.WORKED_EXAMPLE))
    derivation = derive(network_spec)
    print("== symnn derive: the seeds' worked example (2-2-2, sigmoid, MSE) ==", file=stream)
    print_table(quantity_rows(derivation, evaluate(derivation)), stream)
