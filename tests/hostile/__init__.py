"""A corpus of hostile and bad inputs, one module per class of case (see runner.py).

Each module defines ``CASES``: a list of :class:`Case`. A case is a command line and the
files it reads, written into an empty directory; the runner runs each case in a child
process limited to 1 GB of address space and 5 s of wall-clock time, and
``tests/test_hostile.py`` asserts that each exits 0, 1 or 2, prints no traceback, and
leaves no file behind but its inputs and the outputs it reports writing. Large inputs
are built by code here, not stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MODULES = (
    "size", "numbers", "claims", "nesting", "formulas", "meaning", "files", "worksheet",
)


@dataclass(frozen=True)
class Case:
    """One run: ``symnn ARGS`` in a directory holding ``files`` (name -> text or bytes).

    ``status``: the exit statuses allowed (a subset of 0, 1, 2). ``stderr`` / ``stdout``:
    a text the standard error / output must contain. ``outputs``: files the run may leave
    behind. ``counts``: (text, n) pairs; the text occurs n times in stdout + stderr.
    """

    name: str
    args: tuple[str, ...]
    files: dict = field(default_factory=dict)
    status: tuple[int, ...] = (2,)
    stderr: str = ""
    stdout: str = ""
    outputs: tuple[str, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()


WEIGHTS = "[[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]"


def sheet(claims: str = "", **values: str) -> str:
    """The worked example (2-2-2, sigmoid, MSE) as a worksheet; ``values`` replace fields."""
    fields = {
        "layers": "[2, 2, 2]", "activation": '"sigmoid"', "loss": '"mse"',
        "inputs": "[0.5, 0.25]", "targets": "[0, 1]", "weights": WEIGHTS,
        "biases": "[[0, 0], [0, 0]]", "learning_rate": "0.5",
    }  # fmt: skip
    fields.update(values)
    network = {k: fields.pop(k) for k in ("layers", "activation", "loss")}
    text = "[network]\n" + "".join(f"{k} = {v}\n" for k, v in network.items())
    text += "[values]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items())
    return text + ("[claims]\n" + claims if claims else "")


def network(layers: str, activation: str = "sigmoid", loss: str = "mse") -> str:
    """A spec without values."""
    return f'[network]\nlayers = {layers}\nactivation = "{activation}"\nloss = "{loss}"\n'


def every(command_names: tuple[str, ...], name: str, text: str, **kwargs) -> list[Case]:
    """The same spec under several commands."""
    return [
        Case(f"{name}-{command}", (command, "spec.toml"), {"spec.toml": text}, **kwargs)
        for command in command_names
    ]
