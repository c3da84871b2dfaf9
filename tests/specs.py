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
