"""PyTorch float64 as the oracle of training: the same net, batch, optimizer and steps.

``torch_run(spec)`` trains a net built from a spec's ``[values]`` with ``torch.optim`` and
returns the numbers symnn names by id: the parameters and the optimizer's state after each
step (``w[2,1,1]@2``, ``m_w[2,1,1]@2``) and the batch loss at the parameters after each
step (``E@3``). It is written from PyTorch's documentation, without symnn's derivation.
"""

from __future__ import annotations

import torch

TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky-relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),  # symnn's default slope
    "identity": lambda z: z,
    "softplus": torch.nn.functional.softplus,
    "softmax": lambda z: torch.softmax(z, dim=1),
}
# Which torch state holds which of symnn's states, per optimizer.
TORCH_STATE = {
    "momentum": {"v": "momentum_buffer"},
    "nesterov": {"v": "momentum_buffer"},
    "rmsprop": {"s": "square_avg"},
    "adam": {"m": "exp_avg", "s": "exp_avg_sq"},
}


def torch_loss(name: str, y: torch.Tensor, d: torch.Tensor | None) -> torch.Tensor:
    """The mean over the batch of each loss, written plainly from its textbook formula."""
    n = y.shape[1]
    per_sample = {
        "mse": lambda: ((d - y) ** 2).sum(dim=1) / n,
        "half-sse": lambda: ((d - y) ** 2).sum(dim=1) / 2,
        "sse": lambda: ((d - y) ** 2).sum(dim=1),
        "cross-entropy": lambda: -(d * torch.log(y)).sum(dim=1),
        "binary-cross-entropy": lambda: -(d * torch.log(y) + (1 - d) * torch.log(1 - y)).sum(1),
        "output": lambda: y[:, 0],
    }[name]()
    return per_sample.mean()


def _optimizer(values, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    hyper = {k: float(v) for k, v in values.hyper}
    lr, decay = float(values.learning_rate), hyper["weight_decay"]
    name = values.optimizer
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=decay)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=hyper["momentum"], weight_decay=decay,
                               nesterov=name == "nesterov")
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=hyper["alpha"], eps=hyper["eps"],
                                   weight_decay=decay)
    return torch.optim.Adam(params, lr=lr, betas=(hyper["beta1"], hyper["beta2"]),
                            eps=hyper["eps"], weight_decay=decay)


def torch_run(network_spec, steps: int | None = None) -> dict[str, float]:
    """Train with torch.optim as the spec says (``steps`` steps if given); the numbers by
    symnn id (per-neuron bias)."""
    values = network_spec.values
    steps = values.steps if steps is None else steps
    dtype = torch.float64
    weights = [torch.tensor([[float(x) for x in row] for row in m], dtype=dtype,
                            requires_grad=True) for m in values.weights]
    biases = [torch.tensor([float(x) for x in b], dtype=dtype, requires_grad=True)
              for b in values.biases]
    X = torch.tensor([[float(x) for x in s] for s in values.batch_inputs], dtype=dtype)
    D = torch.tensor([[float(x) for x in s] for s in values.batch_targets], dtype=dtype)
    trained = weights + (biases if values.update_biases else [])
    optimizer = _optimizer(values, trained)

    def loss() -> torch.Tensor:
        a = X
        for W, b, name in zip(weights, biases, network_spec.activations, strict=True):
            a = TORCH_ACTIVATIONS[name](a @ W.T + b)
        return torch_loss(network_spec.loss, a, D)

    numbers: dict[str, float] = {}
    for t in range(steps + 1):
        suffix = "" if t == 0 else "'" if t == 1 else f"@{t}"
        optimizer.zero_grad()
        value = loss()
        numbers["E" + suffix] = value.item()
        if t == steps:
            break
        value.backward()
        optimizer.step()
        after = "'" if t == 0 else f"@{t + 1}"
        for m, (W, b) in enumerate(zip(weights, biases, strict=True), start=2):
            for (j, k), x in _entries(W):
                numbers[f"w[{m},{j},{k}]{after}"] = x
                for ours, theirs in TORCH_STATE.get(values.optimizer, {}).items():
                    state = optimizer.state[W][theirs]
                    numbers[f"{ours}_w[{m},{j},{k}]{after}"] = state[j - 1, k - 1].item()
            for (j,), x in _entries(b):
                numbers[f"b[{m},{j}]{after}"] = x
    return numbers


def _entries(tensor: torch.Tensor):
    for index, x in enumerate(tensor.detach().flatten().tolist()):
        if tensor.dim() == 2:
            yield (index // tensor.shape[1] + 1, index % tensor.shape[1] + 1), x
        else:
            yield (index + 1,), x
