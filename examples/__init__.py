"""The examples shipped inside the package as ``symnn.examples`` (repository: examples/)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

WORKED_EXAMPLE = "worked-example-001.toml"


def path(name: str) -> Path:
    """The installed path of a shipped example file."""
    return Path(str(resources.files("symnn.examples") / name))


def names() -> list[str]:
    """The names of all shipped example files."""
    return sorted(p.name for p in resources.files("symnn.examples").iterdir()
                  if p.name.endswith(".toml"))
