"""``symnn train``: the digits classifier end to end, CSV data, the loss plot looked at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from symnn.cli import main

ROOT = Path(__file__).resolve().parent.parent
DIGITS_SPEC = ROOT / "examples" / "digits-softmax.toml"
BLUE, ORANGE = (31, 119, 180), (255, 127, 14)  # matplotlib's tab:blue and tab:orange


def pixels_of(image: np.ndarray, color: tuple) -> np.ndarray:
    """A mask of the pixels within a few levels of an RGB color."""
    rgb = (image[:, :, :3] * 255).round()
    return np.all(np.abs(rgb - np.array(color)) <= 8, axis=2)


def test_digits_reach_97_percent_and_the_plot_shows_two_curves(tmp_path, capsys):
    plot = tmp_path / "loss.png"
    status = main(["train", str(DIGITS_SPEC), "--epochs", "12", "--plot", str(plot)])
    out, err = capsys.readouterr()
    assert status == 0
    assert "epoch 12/12 [##############################]" in err
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.97
    assert out.startswith("optimizer adam, learning rate 0.01, 12 epochs in ")
    image = imread(plot)
    assert image.shape == (400, 640, 4)
    dark = np.all(image[:, :, :3] < 0.2, axis=2)
    # The axes: a frame line (spine) across most of the width and most of the height.
    assert dark.sum(axis=1).max() > 0.7 * 640
    assert dark.sum(axis=0).max() > 0.6 * 400
    # Two curves: each color covers many pixels spread over the epochs (columns).
    for color in (BLUE, ORANGE):
        mask = pixels_of(image, color)
        assert mask.sum() > 300
        assert np.ptp(np.nonzero(mask.any(axis=0))[0]) > 0.7 * 640
    # The curves fall: the leftmost blue pixels are higher (smaller row) than the rightmost.
    blue = pixels_of(image, BLUE)
    columns = np.nonzero(blue.any(axis=0))[0]
    first = np.nonzero(blue[:, columns[0]])[0].min()
    last = np.nonzero(blue[:, columns[-10]])[0].min()
    assert first < last


def write_csv(path: Path, rows: list[list[float]], header: str | None = None) -> None:
    lines = [header] if header else []
    lines += [",".join(f"{x:g}" for x in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


TWO_CLASS_SPEC = """
[network]
layers = [2, 4, 2]
activation = ["tanh", "softmax"]
loss = "cross-entropy"
"""


def test_csv_with_class_indices_and_a_header(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    rows = [[a, b, int(a + b > 0)] for a, b in X]
    write_csv(tmp_path / "data.csv", rows, header="x1,x2,class")
    (tmp_path / "net.toml").write_text(TWO_CLASS_SPEC)
    status = main(["train", str(tmp_path / "net.toml"), "--data", str(tmp_path / "data.csv"),
                   "--epochs", "40", "--optimizer", "momentum", "--learning-rate", "0.1"])
    out, _ = capsys.readouterr()
    assert status == 0
    assert "optimizer momentum, learning rate 0.1, 40 epochs" in out
    print(out)
    assert float(out.split("test accuracy ")[1].split()[0]) >= 0.9


@pytest.mark.parametrize(
    ("rows", "args", "message"),
    [
        ([[1, 2, 0], [1, 2]], [], "--data: {csv} row 2: expected 3 or 4 numbers (2 inputs, "
                                  "then the targets) in every row, got 2"),
        ([[1, 2, 0], [1, "x", 1]], [], "--data: {csv} row 2 column 2: expected a number, got 'x'"),
        ([[1, 2, 0], [1, 2, 5]], [], "--data: {csv}: a class index must be an integer from 0 "
                                     "to 1"),
        ([[1, 2, 0], [1, 2, 1]], ["--epochs", "0"], "--epochs: expected a positive integer, "
                                                    "got 0"),
        ([[1, 2, 0], [1, 2, 1]], ["--plot", "{dir}/loss.pdf"],
         "--plot: expected a file name ending in .png, got '{dir}/loss.pdf'"),
    ],
)
def test_bad_data_is_one_line_and_writes_nothing(tmp_path, capsys, rows, args, message):
    csv = tmp_path / "data.csv"
    csv.write_text("\n".join(",".join(str(x) for x in row) for row in rows) + "\n")
    (tmp_path / "net.toml").write_text(TWO_CLASS_SPEC)
    args = [a.replace("{dir}", str(tmp_path)) for a in args]
    plot = [] if "--plot" in args else ["--plot", str(tmp_path / "loss.png")]
    status = main(["train", str(tmp_path / "net.toml"), "--data", str(csv), *args, *plot])
    _, err = capsys.readouterr()
    assert status == 2
    assert err == "symnn: error: " + message.format(csv=csv, dir=tmp_path) + "\n"
    assert not (tmp_path / "loss.png").exists()


def test_digits_needs_a_64_10_net(tmp_path, capsys):
    (tmp_path / "net.toml").write_text(TWO_CLASS_SPEC)
    assert main(["train", str(tmp_path / "net.toml")]) == 2
    assert capsys.readouterr().err == (
        "symnn: error: --data digits: has 64 inputs and 10 classes; the spec's net has 2 "
        "inputs and 2 outputs\n")
