r"""L1 penalties on a network's activations or weights, and the sparsity they are meant to produce.

A *sparse representation* has most entries exactly zero. Glorot, Bordes &
Bengio (2011, "Deep Sparse Rectifier Neural Networks", AISTATS, §3.2 and §4.1)
trained rectifier networks with an L1 penalty on the hidden activations, which
pushes pre-activations below zero where the rectifier turns them into true
zeros. :class:`L1Penalized` wraps a :class:`lib.nn.network.NetworkObjective`
and adds, for the examples :math:`B` of a batch,

.. math::
    f_\lambda(\theta) = \frac{1}{|B|}\sum_{i\in B}\Bigl[\ell_i(\theta)
        + \lambda_a \sum_{k\in K} \lVert a^{(k)}(x_i)\rVert_1\Bigr]
        + \lambda_w \sum_{l} \lVert W^{(l)}\rVert_1,

where :math:`a^{(k)}` is the output of layer :math:`k` (by default every
:class:`~lib.nn.network.Activation` layer) and :math:`W^{(l)}` runs over the
weight matrices of the :class:`~lib.nn.network.Linear` layers (biases are not
penalized). Its (sub)gradient adds

.. math::
    \frac{\partial f_\lambda}{\partial a^{(k)}_{ij}} \mathrel{+}= \frac{\lambda_a}{|B|}\operatorname{sign}(a^{(k)}_{ij}),
    \qquad
    \frac{\partial f_\lambda}{\partial W^{(l)}} \mathrel{+}= \lambda_w \operatorname{sign}(W^{(l)}),

with :math:`\operatorname{sign}(0) = 0`, to backpropagation; the activation term is
injected into the backward pass at the output of layer :math:`k` and flows down
through every layer below it. The weight term is the lasso penalty
(Tibshirani 1996, "Regression shrinkage and selection via the lasso", JRSS B
58(1)). Plain (sub)gradient steps on it make weights *small* but rarely exactly
zero -- they jitter around 0 with an amplitude of about :math:`\eta\lambda_w`;
exact zeros need a proximal step, :func:`soft_threshold` (Beck & Teboulle 2009,
"A fast iterative shrinkage-thresholding algorithm", SIAM J. Imaging Sci. 2(1)).

The measures: :func:`zero_fraction` (exact zeros, the paper's "true zeros"),
:func:`near_zero_fraction` (:math:`|a| < \varepsilon`), and
:func:`dead_units` (units that output zero on *every* example of a data set).
"""
from __future__ import annotations

import numpy as np

from lib import checks
from lib.nn.network import Activation, Linear, NetworkObjective
from lib.objectives import FiniteSumObjective

__all__ = ["L1Penalized", "zero_fraction", "near_zero_fraction", "dead_units", "soft_threshold"]


def zero_fraction(a) -> float:
    r"""Fraction of entries that are exactly zero: :math:`\frac{1}{|a|}\sum_{j} \mathbb 1(a_j = 0)`.

    The "exact sparsity" of Glorot, Bordes & Bengio (2011, §4.1). ``ValueError``
    naming ``a`` for an empty array or one holding NaN.
    """
    a = checks.array("a", a)
    if a.size == 0:
        raise ValueError("a must not be empty")
    return float(np.count_nonzero(a == 0) / a.size)


def near_zero_fraction(a, eps) -> float:
    r"""Fraction of entries with :math:`|a_j| < \varepsilon` (``eps`` > 0); exact zeros included.

    A smooth activation (softplus, sigmoid, tanh) can be *nearly* sparse without
    a single exact zero; this measure sees that, :func:`zero_fraction` does not.
    """
    a = checks.array("a", a)
    if a.size == 0:
        raise ValueError("a must not be empty")
    eps = checks.positive("eps", eps)
    return float(np.count_nonzero(np.abs(a) < eps) / a.size)


def dead_units(a) -> np.ndarray:
    r"""Boolean mask of the units (columns of ``a``, shape ``(examples, units)``) that are zero on every example.

    A ReLU unit :math:`j` with :math:`z_{ij} \le 0` for every training input
    :math:`x_i` outputs 0 and passes back a zero gradient to its incoming
    weights on every example: gradient descent on that data cannot revive it
    through its own weights ("dying ReLU"; Maas, Hannun & Ng 2013, "Rectifier
    nonlinearities improve neural network acoustic models", ICML workshop; Lu,
    Shin, Su & Karniadakis 2020, "Dying ReLU and initialization", Commun.
    Comput. Phys. 28(5)).
    """
    a = checks.array("a", a)
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"a must have shape (examples, units) with at least one example, got {a.shape}")
    return ~np.any(a != 0, axis=0)


def soft_threshold(w, t) -> np.ndarray:
    r"""The proximal map of :math:`t\lVert w\rVert_1`: :math:`\operatorname{sign}(w)\max(|w| - t, 0)`, elementwise.

    One proximal-gradient (ISTA) step for :math:`f + \lambda\lVert w\rVert_1` is
    :math:`w \leftarrow \operatorname{soft\_threshold}(w - \eta\nabla f, \eta\lambda)`;
    unlike a subgradient step it sets small weights to exactly 0 (Beck &
    Teboulle 2009; Tibshirani 1996). ``t`` >= 0.
    """
    w = checks.finite_array("w", w)
    t = checks.finite("t", t, low=0.0)
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


class L1Penalized(FiniteSumObjective):
    r"""A network objective plus L1 penalties on activations and/or weights (see the module docstring).

    ``objective`` is a :class:`~lib.nn.network.NetworkObjective`;
    ``activation_l1`` (:math:`\lambda_a`) and ``weight_l1`` (:math:`\lambda_w`)
    are >= 0; ``layers`` lists the indices of the layers whose outputs are
    penalized (default: every :class:`~lib.nn.network.Activation` layer).
    Follows the finite-sum interface (``n``, ``dim``, ``loss``, ``grad``), so
    :func:`lib.gradient_descent.descend` trains it; ``grad`` is a training pass
    (it updates batch-norm statistics and dropout counters, as the wrapped
    objective's does) and returns a fresh array. :meth:`data_loss` and
    :meth:`penalty` give the two parts of :meth:`loss`; :meth:`accuracy` is the
    wrapped objective's. Forward and backward hooks of the model are called as
    in :meth:`lib.nn.network.Sequential.forward` and ``backward``.
    """

    def __init__(self, objective, activation_l1=0.0, weight_l1=0.0, layers=None):
        if not isinstance(objective, NetworkObjective):
            raise ValueError(f"objective must be a NetworkObjective, got {objective!r}")
        self.objective, self.model = objective, objective.model
        self.activation_l1 = checks.finite("activation_l1", activation_l1, low=0.0)
        self.weight_l1 = checks.finite("weight_l1", weight_l1, low=0.0)
        count = len(self.model.layers)
        if layers is None:
            layers = [i for i, layer in enumerate(self.model.layers) if isinstance(layer, Activation)]
        try:
            layers = sorted({int(checks.integer("layers", i, 0, count - 1)) for i in layers})
        except TypeError:
            raise ValueError(f"layers must be a list of layer indices, got {layers!r}") from None
        self.layers = tuple(layers)
        self.weights = tuple(i for i, layer in enumerate(self.model.layers) if isinstance(layer, Linear))
        self.n, self.dim = objective.n, objective.dim

    def __repr__(self):
        return (f"L1Penalized(activation_l1={self.activation_l1:g}, weight_l1={self.weight_l1:g}, "
                f"layers={list(self.layers)})")

    # -- passes
    def _forward(self, theta, X, update):
        """Output, tape and the outputs of the penalized layers (the model's current mode)."""
        model = self.model
        x, tape, outputs = X, [], {}
        for i, (layer, params, state) in enumerate(zip(model.layers, model.params(theta), model.state)):
            x, cache = layer.forward(x, params, state, model.training, update)
            tape.append(cache)
            if i in self.layers:
                outputs[i] = x
            for hook in model.forward_hooks:
                hook(i, layer, x)
        return x, tape, outputs

    def _weight_penalty(self, theta) -> float:
        if self.weight_l1 == 0:
            return 0.0
        params = self.model.params(theta)
        return self.weight_l1 * float(sum(np.abs(params[i]["W"]).sum() for i in self.weights))

    def _activation_penalty(self, outputs, B) -> float:
        if self.activation_l1 == 0:
            return 0.0
        return self.activation_l1 * float(sum(np.abs(a).sum() for a in outputs.values())) / B

    def data_loss(self, theta, idx=None) -> float:
        r"""The wrapped objective's loss :math:`\frac{1}{|B|}\sum_i \ell_i(\theta)`, without the penalties."""
        return self.objective.loss(theta, idx)

    def penalty(self, theta, idx=None) -> float:
        r""":math:`\frac{\lambda_a}{|B|}\sum_i\sum_k\lVert a^{(k)}(x_i)\rVert_1 + \lambda_w\sum_l\lVert W^{(l)}\rVert_1` (no state update)."""
        X, _ = self.objective._batch(idx)
        theta = self.objective._theta(theta)
        with np.errstate(all="ignore"):
            _, _, outputs = self._forward(theta, X, False)
            return self._activation_penalty(outputs, len(X)) + self._weight_penalty(theta)

    def loss(self, theta, idx=None) -> float:
        r""":math:`f_\lambda(\theta)` on the batch ``idx`` (all examples when None); no state update; ``inf`` on overflow."""
        X, y = self.objective._batch(idx)
        theta = self.objective._theta(theta)
        with np.errstate(all="ignore"):
            z, _, outputs = self._forward(theta, X, False)
            value = self.objective.head.loss(z, y) + self._activation_penalty(outputs, len(X)) + self._weight_penalty(theta)
        return float(value) if np.isfinite(value) else np.inf

    def grad(self, theta, idx=None) -> np.ndarray:
        r""":math:`\nabla f_\lambda(\theta)` on the batch by backpropagation with the penalty terms injected; a training pass."""
        X, y = self.objective._batch(idx)
        theta = self.objective._theta(theta)
        model, B = self.model, len(X)
        grad = np.empty(self.dim, model.dtype)
        views = model._cut(grad)
        with np.errstate(all="ignore"):
            z, tape, outputs = self._forward(theta, X, True)
            dout = self.objective.head.grad(z, y)
            for i in range(len(model.layers) - 1, -1, -1):
                if self.activation_l1 and i in outputs:
                    dout = dout + (self.activation_l1 / B) * np.sign(outputs[i])
                layer = model.layers[i]
                dout = layer.backward(dout, tape[i], views[i], i > 0)
                for hook in model.backward_hooks:
                    hook(i, layer, dout, views[i])
            if self.weight_l1:
                params = model.params(theta)
                for i in self.weights:
                    views[i]["W"] += self.weight_l1 * np.sign(params[i]["W"])
        return grad

    def accuracy(self, theta, X=None, y=None) -> float:
        """The wrapped objective's accuracy (the penalties do not change predictions)."""
        return self.objective.accuracy(theta, X, y)
