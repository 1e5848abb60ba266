r"""Per-layer diagnostics: how signals travel up a network and gradients travel down it.

A network :math:`x \mapsto h_1 \mapsto \dots \mapsto h_L \mapsto z` has *hidden
layers* -- here every :class:`~lib.nn.network.Activation` and
:class:`~lib.nn.network.Residual` layer of a
:class:`~lib.nn.network.Sequential` (:func:`hidden_layers`). For a hidden
activation layer :math:`h_l = \phi(s_l)` with pre-activation :math:`s_l`, the
chain rule writes the gradient that reaches layer :math:`l` as a product of
per-layer factors,

.. math::
    \delta_l = \frac{\partial L}{\partial s_l}
    = \operatorname{diag}\phi'(s_l)\, W_{l+1}^\top\, \delta_{l+1}
    = \Bigl[\prod_{k=l}^{L-1} \operatorname{diag}\phi'(s_k)\, W_{k+1}^\top\Bigr]\, \delta_L ,

so :math:`\lVert\delta_l\rVert` shrinks or grows geometrically with the
depth below the output when the factors' gains stay below or above 1
(Bengio, Simard & Frasconi 1994, "Learning long-term dependencies with
gradient descent is difficult", IEEE TNN 5(2); Hochreiter 1991; Glorot &
Bengio 2010, "Understanding the difficulty of training deep feedforward
neural networks", AISTATS, §4.2, eq. 2-7).

What this module measures, on one batch and without changing the model
(no running-statistics update, hooks removed afterwards):

* forward (:func:`forward_statistics`): per hidden layer the mean and the
  standard deviation of its output :math:`h_l` and the *saturated fraction*,
  the share of units whose derivative :math:`\phi'(s_l)` is at most ``tol``
  times the activation's largest derivative (:func:`saturated_fraction`) --
  for sigmoid and tanh the flat tails; for ReLU the units in the zero
  region, which pass no gradient at all;
* backward (:func:`backward_norms`): :math:`\lVert\delta_l\rVert`, the norm
  of the gradient at the input of hidden layer :math:`l` (for an activation
  layer the pre-activation :math:`s_l`: the back-propagated gradient of
  Glorot & Bengio's Fig. 7; for a residual block its input :math:`x_l`),
  recorded by :class:`~lib.nn.network.GradientNormRecorder`, and the norm of
  every linear layer's weight gradient :math:`\lVert\partial L/\partial W\rVert`;
* the per-layer factors :math:`\rho_l = \lVert\delta_l\rVert/\lVert\delta_{l+1}\rVert`
  (:func:`layer_factors`) and their geometric mean (:func:`mean_factor`);
* all of it at initialization (:func:`diagnose`) and along a training run of
  :func:`lib.gradient_descent.descend` (:func:`track`, :func:`train_and_track`).

:func:`scaled_init` and :func:`deep_mlp` build the deep networks these
diagnostics are usually run on: every hidden weight drawn with
:math:`\operatorname{Var} W = g^2/n_{\text{in}}`, so one *gain* :math:`g`
covers Glorot's "standard" init (:math:`g = 1/\sqrt3`, uniform: :math:`\mathcal U[\pm 1/\sqrt n]`),
LeCun / Xavier for square layers (:math:`g = 1`) and He (:math:`g = \sqrt2`).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from lib import checks
from lib.gradient_descent import descend
from lib.nn import init as initializers
from lib.nn.activations import ACTIVATIONS, activation as named_activation
from lib.nn.network import (
    Activation, ActivationRecorder, BatchNorm, GradientNormRecorder, Linear, NetworkObjective, Residual, Sequential,
)

__all__ = [
    "hidden_layers", "max_derivative", "saturated_fraction", "ForwardStats", "forward_statistics",
    "BackwardNorms", "backward_norms", "layer_factors", "mean_factor", "Diagnostics", "diagnose",
    "track", "train_and_track", "layer_values", "MeanField", "mean_field", "scaled_init", "deep_mlp",
]


# --------------------------------------------------------------------------- which layers
def hidden_layers(model) -> tuple[int, ...]:
    """Indices of the hidden layers of ``model``: its :class:`Activation` and :class:`Residual` layers, in order."""
    if not isinstance(model, Sequential):
        raise ValueError(f"model must be a Sequential, got {model!r}")
    return tuple(i for i, layer in enumerate(model.layers) if isinstance(layer, (Activation, Residual)))


def _options_key(options) -> tuple:
    return tuple(sorted(options.items()))


@lru_cache(maxsize=None)
def _max_derivative(name, options) -> float:
    grid = np.linspace(-20.0, 20.0, 40_001)
    return float(np.max(ACTIVATIONS[name].df(grid, **dict(options))))


def max_derivative(name, **options) -> float:
    r""":math:`\max_s \phi'(s)` for the activation ``name`` (on :math:`|s| \le 20`, a grid of step 0.001).

    0.25 for the sigmoid (at :math:`s = 0`: :math:`\sigma'(0) = \sigma(0)(1 - \sigma(0))`),
    1 for tanh and ReLU, about 1.13 for GELU; ``options`` as for the activation (``slope``, ``alpha``).
    """
    named_activation(name)
    return _max_derivative(name, _options_key(options))


def saturated_fraction(name, s, tol=0.1, **options) -> float:
    r"""Share of the pre-activations ``s`` where :math:`\phi'(s) \le \text{tol}\cdot\max\phi'`.

    Such a unit passes on at most ``tol`` of the gradient an unsaturated one
    would. With ``tol = 0.1``: :math:`|s| > 3.64` for the sigmoid
    (:math:`\sigma \notin [0.026, 0.974]`), :math:`|s| > 1.82` for tanh
    (:math:`|\tanh s| > 0.949`), and :math:`s \le 0` for ReLU, whose
    derivative there is exactly 0. ``tol`` in :math:`[0, 1)`.
    """
    tol = checks.finite("tol", tol, 0.0)
    if tol >= 1:
        raise ValueError(f"tol must be in [0, 1), got {tol!r}")
    s = np.asarray(s)
    if s.size == 0:
        raise ValueError("s must not be empty")
    limit = tol * max_derivative(name, **options)
    with np.errstate(all="ignore"):
        return float(np.mean(ACTIVATIONS[name].df(s, **options) <= limit))


# --------------------------------------------------------------------------- one batch
def _objective(objective) -> NetworkObjective:
    if not isinstance(objective, NetworkObjective):
        raise ValueError(f"objective must be a lib.nn.NetworkObjective, got {objective!r}")
    return objective


class _Hooked:
    """Context manager adding hooks to a model and removing them afterwards."""

    def __init__(self, model, forward=None, backward=None):
        self.model, self.forward, self.backward = model, forward, backward

    def __enter__(self):
        if self.forward is not None:
            self.model.forward_hooks.append(self.forward)
        if self.backward is not None:
            self.model.backward_hooks.append(self.backward)
        return self

    def __exit__(self, *exc):
        if self.forward is not None:
            self.model.forward_hooks.remove(self.forward)
        if self.backward is not None:
            self.model.backward_hooks.remove(self.backward)
        return False


def _pre_activation(layer, cache):
    """The input of the non-linearity of a hidden layer, from its forward cache."""
    if isinstance(layer, Residual):
        return cache[1][0]  # residual cache: (linear1, (h, name, options), linear2)
    return cache[0]


class ForwardStats(NamedTuple):
    """Per hidden layer: output mean and standard deviation, saturated fraction (arrays, one entry per layer)."""

    layers: tuple
    mean: np.ndarray
    std: np.ndarray
    saturated: np.ndarray


def forward_statistics(objective, theta, idx=None, tol=0.1) -> ForwardStats:
    r"""Mean and standard deviation of every hidden layer's output, and its saturated fraction.

    Over the batch ``idx`` of ``objective`` (all examples when None) and all
    units of the layer. The saturated fraction is :func:`saturated_fraction`
    of the layer's pre-activations (for a residual block, of its inner
    pre-activation :math:`W_1 x + b_1`). The model runs in its current mode
    with no state update; an ``inf`` or NaN output gives ``inf``/NaN statistics.
    """
    objective = _objective(objective)
    model, (X, _) = objective.model, objective._batch(idx)
    layers = hidden_layers(model)
    recorder = ActivationRecorder()
    with _Hooked(model, forward=recorder), np.errstate(all="ignore"):
        _, tape = model.forward(objective._theta(theta), X, update_state=False)
        mean = np.array([recorder.activations[i].mean() for i in layers])
        std = np.array([recorder.activations[i].std() for i in layers])
        saturated = np.array([
            saturated_fraction(model.layers[i].name, _pre_activation(model.layers[i], tape[i]), tol,
                               **getattr(model.layers[i], "options", {}))
            for i in layers])
    return ForwardStats(layers, mean, std, saturated)


class BackwardNorms(NamedTuple):
    r""":math:`\lVert\delta_l\rVert` per hidden layer (``grad``), and :math:`\lVert\partial L/\partial W\rVert` per linear layer (``weight``, at ``linear``)."""

    layers: tuple
    grad: np.ndarray
    linear: tuple
    weight: np.ndarray
    loss: float


def _linear_layers(model):
    return tuple(i for i, layer in enumerate(model.layers) if isinstance(layer, (Linear, Residual)))


def backward_norms(objective, theta, idx=None) -> BackwardNorms:
    r"""Norms of the back-propagated gradient at every hidden layer and of every weight gradient.

    One forward and one backward pass of the mean loss over the batch
    ``idx`` (all examples when None), recorded by
    :class:`~lib.nn.network.GradientNormRecorder`: ``grad[l]`` is
    :math:`\lVert\partial L/\partial\,\text{input of hidden layer } l\rVert`
    (Frobenius norm over the batch and the units), ``weight`` the norm of
    :math:`\partial L/\partial W` of each :class:`Linear` layer (for a
    :class:`Residual` block, of its two weights together). No state is
    updated. Non-finite values come out as ``inf``/NaN, without warnings.
    """
    objective = _objective(objective)
    model, (X, y) = objective.model, objective._batch(idx)
    recorder = GradientNormRecorder()
    with np.errstate(all="ignore"):
        z, tape = model.forward(objective._theta(theta), X, update_state=False)
        loss = objective.head.loss(z, y)
        with _Hooked(model, backward=recorder):
            model.backward(objective.head.grad(z, y), tape, np.empty(model.dim, model.dtype), input_grad=True)
    norms = recorder.history[-1]
    layers, linear = hidden_layers(model), _linear_layers(model)
    weight = [math.hypot(norms[i].get("W", 0.0), norms[i].get("W1", 0.0), norms[i].get("W2", 0.0)) for i in linear]
    return BackwardNorms(layers, np.array([norms[i]["input"] for i in layers]), linear, np.array(weight), loss)


def layer_factors(grad) -> np.ndarray:
    r"""Per-layer factors :math:`\rho_l = \lVert\delta_l\rVert / \lVert\delta_{l+1}\rVert`, :math:`l = 1, \dots, L-1`.

    ``grad`` holds :math:`\lVert\delta_1\rVert, \dots, \lVert\delta_L\rVert`
    (input side first, as :func:`backward_norms` returns them). A factor
    below 1 means the gradient shrank while crossing layer :math:`l+1`
    on its way down; the product of all factors is
    :math:`\lVert\delta_1\rVert/\lVert\delta_L\rVert`. A zero denominator
    gives ``inf`` (or NaN for 0/0), without warnings.
    """
    grad = np.asarray(grad, dtype=float)
    if grad.ndim != 1 or grad.size < 2:
        raise ValueError(f"grad must be a 1-D array of at least 2 norms, got shape {grad.shape}")
    with np.errstate(all="ignore"):
        return grad[:-1] / grad[1:]


def mean_factor(grad) -> float:
    r"""Geometric mean of the per-layer factors, :math:`(\lVert\delta_1\rVert/\lVert\delta_L\rVert)^{1/(L-1)}`.

    The gain per layer that, compounded over the :math:`L-1` layers between
    the last hidden layer and the first, gives the measured ratio.
    """
    factors = layer_factors(grad)
    with np.errstate(all="ignore"):
        return float(np.exp(np.mean(np.log(factors))))


class Diagnostics(NamedTuple):
    r"""Forward and backward statistics of the hidden layers (see :func:`diagnose`).

    For one :math:`\theta` each field is a 1-D array over hidden layers (``weight``:
    over linear layers) and ``loss`` a float; from :func:`track`, every field has a
    leading axis over the recorded steps, in ``steps``.
    """

    layers: tuple
    mean: np.ndarray
    std: np.ndarray
    saturated: np.ndarray
    grad: np.ndarray
    weight: np.ndarray
    loss: float | np.ndarray
    steps: np.ndarray | None = None


def diagnose(objective, theta, idx=None, tol=0.1) -> Diagnostics:
    """:func:`forward_statistics` and :func:`backward_norms` of ``objective``'s network at ``theta`` on one batch."""
    forward = forward_statistics(objective, theta, idx, tol)
    backward = backward_norms(objective, theta, idx)
    return Diagnostics(forward.layers, forward.mean, forward.std, forward.saturated, backward.grad,
                       backward.weight, backward.loss)


def track(objective, run, idx=None, tol=0.1, at=None) -> Diagnostics:
    r""":func:`diagnose` at the recorded :math:`\theta_t` of a :func:`lib.gradient_descent.descend` run.

    Every record is measured on the same batch ``idx`` (all examples when
    None), so the rows differ only through :math:`\theta_t`. ``at`` selects
    the recorded steps to measure (all when None; a step that was not
    recorded, e.g. after a divergence, is skipped). Returns one
    :class:`Diagnostics` whose fields are stacked over the measured records,
    with ``steps`` their step numbers.
    """
    thetas, steps = getattr(run, "thetas", None), getattr(run, "steps", None)
    if thetas is None or steps is None or len(thetas) == 0:
        raise ValueError(f"run must be a Trajectory with recorded thetas, got {run!r}")
    keep = np.ones(len(steps), bool) if at is None else np.isin(steps, np.asarray(at, dtype=int))
    rows = [diagnose(objective, theta, idx, tol) for theta in thetas[keep]]
    if not rows:
        raise ValueError(f"at must name at least one recorded step of the run (recorded: {list(steps)}), got {at!r}")
    stacked = [np.array([getattr(r, name) for r in rows]) for name in Diagnostics._fields[1:-1]]
    return Diagnostics(rows[0].layers, *stacked, steps=np.asarray(steps)[keep].copy())


def train_and_track(objective, theta0, optimizer, steps=100, batch_size=None, seed=0, record_every=10,
                    idx=None, tol=0.1, at=None):
    r"""Train with :func:`lib.gradient_descent.descend` and :func:`track` the recorded steps.

    Returns ``(run, diagnostics)``. The model's running statistics (batch
    norm) are reset before training, so a run does not depend on earlier
    ones. ``idx`` is the fixed probe batch (all examples when None); ``at``
    the recorded steps to diagnose (all when None).
    """
    objective = _objective(objective)
    objective.model.reset_state()
    run = descend(objective, theta0, optimizer, batch_size=batch_size, steps=steps, seed=seed,
                  record_every=record_every)
    return run, track(objective, run, idx, tol, at)


def layer_values(objective, theta, idx=None):
    r"""The raw values behind the statistics: every hidden layer's output and back-propagated gradient.

    Returns ``(outputs, grads)``, two lists over the hidden layers
    (:func:`hidden_layers`) of arrays of shape ``(batch, units)``:
    :math:`h_l` and :math:`\delta_l = \partial L/\partial\,\text{input of layer } l`
    for the mean loss over the batch ``idx`` (all examples when None) -- the
    values whose histograms Glorot & Bengio (2010) plot in their Figs. 6 and 7.
    No state is updated.
    """
    objective = _objective(objective)
    model, (X, y) = objective.model, objective._batch(idx)
    layers = hidden_layers(model)
    recorder, grads = ActivationRecorder(), {}

    def keep(index, layer, dx, _):
        if index in layers:
            grads[index] = np.array(dx)

    with np.errstate(all="ignore"):
        with _Hooked(model, forward=recorder):
            z, tape = model.forward(objective._theta(theta), X, update_state=False)
        with _Hooked(model, backward=keep):
            model.backward(objective.head.grad(z, y), tape, np.empty(model.dim, model.dtype), input_grad=True)
    return [recorder.activations[i] for i in layers], [grads[i] for i in layers]


# --------------------------------------------------------------------------- mean-field prediction
class MeanField(NamedTuple):
    r"""Predicted pre-activation variances :math:`q_1, \dots, q_L` and per-layer factors :math:`\rho_1, \dots, \rho_{L-1}`."""

    q: np.ndarray
    factors: np.ndarray


def mean_field(activation, gain, depth, q1=1.0, points=80, **options) -> MeanField:
    r"""The signal variance and the gradient factor per layer of a wide random network.

    For hidden layers with :math:`\operatorname{Var} W = g^2/n_{\text{in}}`,
    zero biases and many units, each pre-activation :math:`s_l` is close to
    :math:`\mathcal N(0, q_l)` and

    .. math::
        q_{l+1} = g^2\, \mathbb E_z\bigl[\phi(\sqrt{q_l}\,z)^2\bigr], \qquad
        \rho_l = \frac{\lVert\delta_l\rVert}{\lVert\delta_{l+1}\rVert}
        \approx g\,\sqrt{\mathbb E_z\bigl[\phi'(\sqrt{q_l}\,z)^2\bigr]}, \qquad z \sim \mathcal N(0, 1),

    because :math:`\delta_l = \phi'(s_l) \odot W_{l+1}^\top \delta_{l+1}` and a
    square random :math:`W` multiplies the expected squared norm by :math:`g^2`
    (Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli 2016, "Exponential
    expressivity in deep neural networks through transient chaos", NeurIPS,
    eq. 3; Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, "Deep
    information propagation", ICLR, :math:`\chi_1 = \rho^2`). For ReLU
    :math:`\rho = g/\sqrt2` at every :math:`q` (He et al. 2015); for a linear
    unit :math:`\rho = g` (Glorot & Bengio 2010, §4.2.1). Expectations by
    Gauss--Hermite quadrature with ``points`` nodes (an even number puts no
    node at the kink of a ReLU, so :math:`\mathbb E[\mathbb 1(z>0)] = 1/2`
    exactly). ``q1`` is the variance
    of the first hidden layer's pre-activations. Returns :class:`MeanField`
    with ``q`` of length ``depth`` and ``factors`` of length ``depth - 1``.
    """
    named_activation(activation)
    gain = checks.positive("gain", gain)
    depth = checks.integer("depth", depth, 2)
    q = checks.positive("q1", q1)
    points = checks.integer("points", points, 2)
    z, w = np.polynomial.hermite_e.hermegauss(points)
    w = w / w.sum()
    act = ACTIVATIONS[activation]
    qs, factors = [], []
    with np.errstate(under="ignore", over="ignore"):
        for _ in range(depth):
            q = min(max(q, np.finfo(float).tiny), np.finfo(float).max / 16)  # keep sqrt(q) z finite and > 0
            s = math.sqrt(q) * z
            qs.append(q)
            factors.append(gain * math.sqrt(float(w @ act.df(s, **options) ** 2)))
            q = gain * gain * float(w @ act.f(s, **options) ** 2)
    return MeanField(np.array(qs), np.array(factors[:-1]))


# --------------------------------------------------------------------------- deep networks
def scaled_init(gain=1.0, distribution="uniform"):
    r"""An initializer ``init(fan_in, fan_out, rng, dtype) -> (W, b)`` with :math:`\operatorname{Var} W = g^2/n_{\text{in}}`, :math:`b = 0`.

    :func:`lib.nn.init.variance_scaling` with scale :math:`g^2` and mode
    ``fan_in``. With the uniform distribution, :math:`g = 1/\sqrt3` is the
    "standard" :math:`\mathcal U[-1/\sqrt n, 1/\sqrt n]` of Glorot & Bengio
    (2010, eq. 1), :math:`g = 1` is LeCun (1998) and, for a square layer,
    Glorot's normalized init :math:`\mathcal U[\pm\sqrt{6/(n_{\text{in}}+n_{\text{out}})}]`
    (eq. 16), and :math:`g = \sqrt2` is He et al. (2015, eq. 10).
    """
    gain = checks.positive("gain", gain)
    if distribution not in initializers.DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {initializers.DISTRIBUTIONS}, got {distribution!r}")

    def init(fan_in, fan_out, rng, dtype=np.float64):
        W = initializers.variance_scaling((fan_out, fan_in), rng, gain * gain, "fan_in", distribution, dtype)
        return W, np.zeros(fan_out, dtype=dtype)

    init.__doc__ = f"Var W = {gain:.4g}^2 / fan_in ({distribution}), b = 0."
    return init


def deep_mlp(in_features, out_features, depth, width=32, activation="tanh", gain=1.0, residual=False,
             batchnorm=False, distribution="uniform", init=None, dtype=np.float64) -> Sequential:
    r"""A deep network with ``depth`` hidden non-linearities of ``width`` units.

    Plain (``residual=False``): ``depth`` times ``Linear -> [BatchNorm] -> activation``,
    then a linear output layer,

    .. math:: h_l = \phi(\mathrm{BN}(W_l h_{l-1} + b_l)), \qquad z = W_{L+1} h_L + b_{L+1}.

    Residual: a linear input layer, then ``depth`` blocks
    :math:`x_{l} = x_{l-1} + W_{l,2}\,\phi(W_{l,1} x_{l-1} + b_{l,1}) + b_{l,2}`
    (:class:`Residual`), each followed by a :class:`BatchNorm` when
    ``batchnorm`` (normalizing after the addition), then the linear output
    layer. Hidden weights use :func:`scaled_init` with ``gain``; the input
    and output layers use gain 1 (LeCun), so ``gain`` sets only the factors
    between hidden layers. ``init`` (a :data:`lib.nn.init.PRESETS` name or a
    callable ``init(fan_in, fan_out, rng, dtype) -> (W, b)``), when given,
    initializes *every* linear layer instead, e.g. ``"glorot_uniform"``.
    """
    in_features = checks.integer("in_features", in_features, 1)
    out_features = checks.integer("out_features", out_features, 1)
    depth = checks.integer("depth", depth, 1)
    width = checks.integer("width", width, 1)
    named_activation(activation)
    if init is None:
        hidden, edge = scaled_init(gain, distribution), scaled_init(1.0, distribution)
    else:
        hidden = edge = init
    layers = []
    if residual:
        layers.append(Linear(in_features, width, init=edge))
        for _ in range(depth):
            layers.append(Residual(width, activation=activation, init=hidden))
            if batchnorm:
                layers.append(BatchNorm(width))
    else:
        for k in range(depth):
            layers.append(Linear(in_features if k == 0 else width, width, init=edge if k == 0 else hidden))
            if batchnorm:
                layers.append(BatchNorm(width))
            layers.append(Activation(activation))
    layers.append(Linear(width, out_features, init=edge))
    return Sequential(layers, dtype=dtype)
