"""The wheel holds every package: pyproject lists its packages by hand, so a new
subpackage that is not listed would be missing from a non-editable install."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.tools import REPO_ROOT


def listed_packages() -> set[str]:
    """The packages pyproject.toml names for setuptools."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def source_packages() -> set[str]:
    """Every folder under symnn/ with an __init__.py, as a dotted package name."""
    root = REPO_ROOT / "symnn"
    return {
        ".".join(Path(init).parent.relative_to(REPO_ROOT).parts)
        for init in root.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_every_subpackage_is_listed_in_pyproject():
    missing = source_packages() - listed_packages()
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
