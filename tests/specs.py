"""Spec texts shared by several test files."""

# The seeds' worked example (examples/worked-example-001.toml) without comments; tests
# append [claims] or change one line of it.
WORKED_EXAMPLE_NET = """
[network]
layers = [2, 2, 2]
activation = "sigmoid"
loss = "mse"

[values]
inputs = [0.5, 0.25]
targets = [0, 1]
weights = [[[0.25, 0.1], [0.35, -0.3]], [[0.9, 0.5], [-0.7, 0.3]]]
biases = [[0, 0], [0, 0]]
learning_rate = 0.5
"""

# Mazur's step-by-step example (one bias per layer, half-SSE), as test_claimable uses it.
MAZUR_NET = """
[network]
layers = [2, 2, 2]
activation = "sigmoid"
loss = "half-sse"
bias = "per-layer"

[values]
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
weights = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
biases = [0.35, 0.60]
learning_rate = 0.5
update_biases = false
"""


def changed(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced by ``new`` (fails if ``old`` is not there once)."""
    assert text.count(old) == 1, f"{old!r} stands {text.count(old)} times in the spec"
    return text.replace(old, new)
