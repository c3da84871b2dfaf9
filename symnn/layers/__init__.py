"""Layer kinds: each owns its forward definitions and its Leibniz factors.

As an op of micrograd's ``Value`` holds its forward computation and its local derivative
together, a layer kind holds, for one layer ``l`` of a network:

- its ids (``net[l,j]``, ``out[l,j]``, its weights and biases, built by ``symnn.naming``);
- its forward definitions: ``net(j)`` and ``out(j)``;
- its Leibniz factors: ``dout_dnet(j)`` (None if the activation is not elementwise),
  ``dnet_dweight(j, k)``, ``dnet_dbias(j, b_id)``, ``dnet_dbelow(j, k)`` (∂net/∂out of the
  layer below);
- its error signal δ_j = ∂E/∂net_j from the layer's ∂E/∂out: ``delta_terms(j, dE_dout)``,
  ``delta_value(j, terms)``, and ``simplified(j, value, targets)`` (a shorter form under a
  stated condition, or (None, None)).

Each kind derives what it can once per layer (the activation's derivative, the softmax
Jacobian) and instantiates it per neuron only when asked, so the cost of a derivation is
paid only for the quantities a command uses. A new kind is one module here and one entry
in ``KINDS``; an activation entry names its kind (``Activation.layer_kind``).
"""

from __future__ import annotations

from symnn import activations
from symnn.layers.dense import Dense
from symnn.layers.softmax import Softmax
from symnn.spec import NetworkSpec

KINDS: dict[str, type[Dense]] = {
    "elementwise": Dense,  # fully connected, one activation per neuron
    "softmax": Softmax,  # fully connected, softmax over the layer
}


def layer(spec: NetworkSpec, index: int) -> Dense:
    """The layer object of non-input layer ``index`` (2..L) of a spec."""
    name = spec.activations[index - 2]
    return KINDS[activations.get(name).layer_kind](spec, index)
