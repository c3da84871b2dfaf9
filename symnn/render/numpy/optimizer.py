"""The generated module's optimizers: each registry entry's rule printed as NumPy code.

For every optimizer of ``symnn.optimizers`` the context gives its state kinds, its
hyper-parameters with PyTorch's defaults, and the statements of one step for one
parameter array, printed by ``CodePrinter`` from the rule with ``t`` symbolic: ``p`` the
parameter, ``g`` its gradient (weight decay added), ``state["m"][key]`` a state before the
step, ``m`` after it. The template (``templates/numpy/module.py.j2``) lays them out in
``optimizer_step``.
"""

from __future__ import annotations

import sympy

from symnn import optimizers
from symnn.render.numpy.printer import CodePrinter

STEP = sympy.Symbol("t", positive=True, integer=True)


def optimizer_context() -> dict:
    """``optimizers``: one entry per registry entry, with the code of its step."""
    return {"optimizers": [_entry(o) for o in optimizers.OPTIMIZERS.values()]}


def _entry(optimizer: optimizers.Optimizer) -> dict:
    names = {optimizers.P: "p", optimizers.G: "g", STEP: "t"}
    names.update({s: name for name, s in optimizers.HYPER.items()})
    names.update({optimizers.OLD[k]: f'state["{k}"][key]' for k in optimizer.state})
    names.update({optimizers.NEW[k]: k for k in optimizer.state})
    printer = CodePrinter(names)
    lines = []
    for kind, expr in optimizer.rule(STEP).items():
        target = "new[key]" if kind == "p" else kind
        lines.append(f"{target} = {printer.doprint(expr)}")
    lines += [f'state["{k}"][key] = {k}' for k in optimizer.state]
    defaults = {"learning_rate": optimizer.default_learning_rate}
    defaults.update({k: optimizers.DEFAULTS[k] for k in optimizer.hyper})
    state = ", ".join(f'"{k}"' for k in optimizer.state) + ("," * (len(optimizer.state) == 1))
    settings = ", ".join(f'"{k}": {float(v)!r}' for k, v in defaults.items())
    return {
        "name": optimizer.name,
        "state_text": f"({state})",
        "defaults_text": f"{{{settings}}}",
        "hyper": list(optimizer.hyper),
        "lines": lines,
    }
