r"""A NumPy neural-network core: activations, layers, initializers, networks.

* :mod:`lib.nn.activations` -- activation functions and their derivatives;
* :mod:`lib.nn.layers` -- forward/backward pairs with explicit caches
  (linear, activation, batch norm, inverted dropout, residual block);
* :mod:`lib.nn.init` -- LeCun, Glorot, He, orthogonal initializers and the
  PyTorch / Keras defaults;
* :mod:`lib.nn.network` -- :class:`Sequential` (parameters as views into one
  flat vector), :class:`NetworkObjective` (a network as a finite-sum
  objective for :func:`lib.gradient_descent.descend`), hooks, and the GLM
  chapter's :class:`TwoLayerNet`.
"""
from lib.nn import activations, init, layers
from lib.nn.network import (
    HEADS,
    Activation,
    ActivationRecorder,
    BatchNorm,
    Dropout,
    GradientNormRecorder,
    Head,
    Layer,
    Linear,
    NetworkObjective,
    Residual,
    Sequential,
    TwoLayerNet,
)

__all__ = [
    "activations", "init", "layers", "Layer", "Linear", "Activation", "BatchNorm", "Dropout", "Residual",
    "Sequential", "ActivationRecorder", "GradientNormRecorder", "Head", "HEADS", "NetworkObjective", "TwoLayerNet",
]
