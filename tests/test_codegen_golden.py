"""generated/ is byte-identical to a fresh regeneration, and generated code passes ruff."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symnn import spec
from symnn.derive import derive
from symnn.render.numpy import render

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
REGENERATE = ROOT / "scripts" / "regenerate.py"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A folder holding a fresh regeneration by the documented command."""
    folder = tmp_path_factory.mktemp("fresh")
    result = subprocess.run([sys.executable, str(REGENERATE), "--outdir", str(folder)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return folder


def test_generated_equals_a_fresh_regeneration(fresh):
    names = sorted(p.name for p in fresh.glob("*.py"))
    assert names == sorted(p.name for p in GENERATED.glob("*.py"))
    assert {"worked_example_001.py", "mnist_784_20_20_10.py", "digits_softmax.py"} <= set(names)
    for name in names:
        assert (GENERATED / name).read_bytes() == (fresh / name).read_bytes(), (
            f"generated/{name} is stale: run python scripts/regenerate.py"
        )


def test_regenerate_check_reports_a_stale_file(fresh, tmp_path):
    shutil.copytree(fresh, tmp_path, dirs_exist_ok=True)
    (tmp_path / "digits_softmax.py").write_text("# edited by hand\n")
    result = subprocess.run(
        [sys.executable, str(REGENERATE), "--check", "--outdir", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert result.stdout == f"differs from a fresh regeneration: {tmp_path / 'digits_softmax.py'}\n"


NETWORKS = [
    {"layers": [2, 3, 2], "activation": ["relu", "softmax"], "loss": "cross-entropy"},
    {"layers": [4, 5, 3, 2], "activation": ["leaky-relu", "softplus", "sigmoid"],
     "loss": "binary-cross-entropy", "bias": "per-layer"},
    {"layers": [9, 8, 1], "activation": ["tanh", "identity"], "loss": "output", "bias": "none"},
    {"layers": [3, 4, 4], "activation": ["sigmoid", "softmax"], "loss": "mse"},
    {"layers": [12, 9, 1], "activation": ["tanh", "sigmoid"], "loss": "binary-cross-entropy"},
]


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory):
    """Modules of several nets in both styles and dtypes, in one folder."""
    folder = tmp_path_factory.mktemp("ruff")
    for i, network in enumerate(NETWORKS):
        derivation = derive(spec.from_dict({"network": network}))
        for style in ("vectorized", "unrolled"):
            for dtype in ("float64", "float32"):
                text = render(derivation, style=style, dtype=dtype)
                (folder / f"net{i}_{style}_{dtype}.py").write_text(text)
    return folder


@pytest.mark.parametrize("config", ["project", "ruff defaults"])
def test_generated_code_passes_ruff(generated_folder, config):
    options = ["--config", str(ROOT / "pyproject.toml")] if config == "project" else [
        "--isolated"]
    paths = [str(generated_folder), str(GENERATED)]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *options, *paths],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_ascii_and_imports_only_numpy(generated_folder):
    for path in [*generated_folder.glob("*.py"), *GENERATED.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert text.isascii(), path.name
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert imports == ["import numpy as np"], path.name
