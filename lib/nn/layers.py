r"""Layers as forward/backward pairs with an explicit cache (the CS231n style).

Each layer is two small functions::

    out, cache = layer_forward(x, params...)
    dx, dparams... = layer_backward(dout, cache)

``backward`` receives :math:`\partial L/\partial\,\text{out}` and returns
:math:`\partial L/\partial x` and the parameters' gradients, by the chain
rule (Rumelhart, Hinton & Williams 1986, "Learning representations by
back-propagating errors", Nature 323; Goodfellow, Bengio & Courville 2016,
*Deep Learning*, §6.5). The cache holds what the forward pass computed that
the backward pass needs; nothing else is remembered. State that outlives a
pass -- batch norm's running statistics, dropout's random generator -- is
passed in and returned explicitly.

Conventions: a batch ``x`` has the examples along axis 0; a linear layer's
weight ``W`` has shape ``(out_features, in_features)``, so
:math:`\text{out} = x W^\top + b` (the layout of PyTorch's ``nn.Linear`` and
of the column-vector formula :math:`Wx + b`). Optional ``dW=``, ``db=``,
... arguments are preallocated arrays the gradients are written into (the
network writes them straight into one flat gradient vector). Layers check
shapes (``ValueError`` naming the argument) but not values: a NaN or ``inf``
passes through, so that training can report divergence instead of crashing
mid-step. float32 in gives float32 out.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lib.nn.activations import ACTIVATIONS, activation

__all__ = [
    "linear_forward", "linear_backward",
    "activation_forward", "activation_backward",
    "batchnorm_forward", "batchnorm_eval_forward", "batchnorm_backward", "update_running_stats",
    "dropout_mask", "dropout_forward", "dropout_backward",
    "residual_forward", "residual_backward",
]


def _where(layer) -> str:
    return f" in {layer}" if layer else ""


def _check_shape(name, a, shape, layer="") -> None:
    """ValueError naming ``a``'s argument (and the layer) unless ``a.shape == shape``."""
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {shape}{_where(layer)}, got {a.shape}")


# --------------------------------------------------------------------------- linear
def linear_forward(x, W, b, out=None, layer=""):
    r"""Affine layer :math:`\text{out} = x W^\top + b`, i.e. :math:`o_i = W x_i + b` for each row.

    ``x`` is ``(B, in)``, ``W`` is ``(out, in)``, ``b`` is ``(out,)``; the
    cache is ``(x, W)``. (Rosenblatt 1958's perceptron without the threshold;
    CS231n, "affine_forward".) ``out`` is an optional ``(B, out)`` buffer.
    """
    if x.ndim != 2 or x.shape[1] != W.shape[1]:
        raise ValueError(f"x must have shape (batch, {W.shape[1]}){_where(layer)}, got {x.shape}")
    if b.shape != W.shape[:1]:
        _check_shape("b", b, W.shape[:1], layer)
    out = np.matmul(x, W.T, out=out)
    out += b
    return out, (x, W)


def linear_backward(dout, cache, dW=None, db=None, input_grad=True):
    r"""Gradients of the affine layer.

    .. math::
        \frac{\partial L}{\partial x} = \delta\, W, \qquad
        \frac{\partial L}{\partial W} = \delta^\top x, \qquad
        \frac{\partial L}{\partial b} = \textstyle\sum_i \delta_i,

    with :math:`\delta = \partial L/\partial\,\text{out}`, shape ``(B, out)``.
    ``dW`` and ``db`` are optional buffers the gradients are written into.
    ``input_grad=False`` skips :math:`\delta W` (returned as None): the
    network's input needs no gradient, and for a wide input layer this
    product is a quarter of a training step's arithmetic.
    """
    x, W = cache
    if dout.shape != (x.shape[0], W.shape[0]):
        _check_shape("dout", dout, (x.shape[0], W.shape[0]))
    dW = np.matmul(dout.T, x, out=dW)
    db = np.add.reduce(dout, axis=0, out=db)  # the ufunc's reduce: no Python wrapper on the hot path
    return (dout @ W if input_grad else None), dW, db


# --------------------------------------------------------------------------- activation
def activation_forward(x, name="relu", **options):
    r"""Elementwise :math:`\text{out} = \phi(x)` for the activation ``name`` of :mod:`lib.nn.activations`.

    ``options`` (``slope`` for leaky ReLU, ``alpha`` for ELU) are passed on.
    The cache is ``(x, name, options)``.
    """
    f = ACTIVATIONS[name].f if name in ACTIVATIONS else activation(name).f  # activation() names a bad name
    return f(x, **options), (x, name, options)


def activation_backward(dout, cache):
    r""":math:`\partial L/\partial x = \delta \odot \phi'(x)`."""
    x, name, options = cache
    if dout.shape != x.shape:
        _check_shape("dout", dout, x.shape)
    return dout * ACTIVATIONS[name].df(x, **options)


# --------------------------------------------------------------------------- batch norm
class BatchNormCache(NamedTuple):
    """What :func:`batchnorm_backward` needs: normalized input, :math:`1/\\sqrt{\\sigma^2+\\epsilon}`, :math:`\\gamma`, batch stats, mode."""

    x_hat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    train: bool


def _channel_axes(x, gamma, layer=""):
    """Axes to average over (all but axis 1, the feature/channel axis) and the shape that broadcasts per channel."""
    if x.ndim < 2 or x.shape[1] != gamma.shape[0]:
        raise ValueError(f"x must have shape (batch, {gamma.shape[0]}, ...){_where(layer)}, got {x.shape}")
    axes = (0, *range(2, x.ndim))
    return axes, (1, -1) + (1,) * (x.ndim - 2)


def batchnorm_forward(x, gamma, beta, eps=1e-5, layer=""):
    r"""Batch normalization in training mode: the four steps of Ioffe & Szegedy (2015), Algorithm 1.

    .. math::
        \mu_B = \frac1m \sum_{i=1}^m x_i, \qquad
        \sigma_B^2 = \frac1m \sum_{i=1}^m (x_i - \mu_B)^2, \qquad
        \hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad
        y_i = \gamma\,\hat x_i + \beta,

    per feature (axis 1), averaging over the batch and any spatial axes
    (``x`` of shape ``(B, C)`` or ``(B, C, H, W)``; :math:`m` counts the
    averaged entries). The variance used to normalize is the *biased* one
    (divide by :math:`m`), as in the paper and in PyTorch and Keras. The
    output has mean :math:`\beta` and variance :math:`\gamma^2
    \sigma_B^2/(\sigma_B^2+\epsilon)` per feature -- not values in [0, 1].
    With :math:`\gamma = \sqrt{\sigma_B^2+\epsilon}` and :math:`\beta = \mu_B`
    it is the identity: :math:`\gamma` undoes the *standard deviation*, not
    the variance. (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating
    Deep Network Training by Reducing Internal Covariate Shift", ICML.)
    The cache's ``mean`` and ``var`` feed :func:`update_running_stats`.
    """
    axes, per_channel = _channel_axes(x, gamma, layer)
    _check_shape("beta", beta, gamma.shape, layer)
    m = x.size // gamma.shape[0]
    if m < 2:
        raise ValueError(f"x must hold at least 2 values per feature in training mode{_where(layer)}, got shape {x.shape}")
    mean = x.mean(axis=axes)
    centred = x - mean.reshape(per_channel)
    var = np.mean(centred * centred, axis=axes)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = centred * inv_std.reshape(per_channel)
    out = gamma.reshape(per_channel) * x_hat + beta.reshape(per_channel)
    return out, BatchNormCache(x_hat, inv_std, gamma, mean, var, True)


def batchnorm_eval_forward(x, gamma, beta, running_mean, running_var, eps=1e-5, layer=""):
    r"""Batch normalization in evaluation mode: the batch statistics replaced by running estimates.

    .. math::
        y = \gamma\,\frac{x - \hat\mu}{\sqrt{\hat\sigma^2 + \epsilon}} + \beta,

    a fixed affine map of each example on its own, so a batch of one is
    fine (in training mode a batch of one would normalize every value to 0).
    :math:`\hat\mu, \hat\sigma^2` come from :func:`update_running_stats`
    (Ioffe & Szegedy 2015, Algorithm 2).
    """
    axes, per_channel = _channel_axes(x, gamma, layer)
    for name, a in (("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        _check_shape(name, a, gamma.shape, layer)
    inv_std = 1 / np.sqrt(running_var + eps)
    x_hat = (x - running_mean.reshape(per_channel)) * inv_std.reshape(per_channel)
    out = gamma.reshape(per_channel) * x_hat + beta.reshape(per_channel)
    return out, BatchNormCache(x_hat, inv_std, gamma, running_mean, running_var, False)


def batchnorm_backward(dout, cache, dgamma=None, dbeta=None):
    r"""Gradients of batch norm, in either mode.

    .. math::
        \frac{\partial L}{\partial\gamma} = \sum_i \delta_i \hat x_i, \qquad
        \frac{\partial L}{\partial\beta} = \sum_i \delta_i,

    and, in training mode, where :math:`\mu_B` and :math:`\sigma_B^2` depend on every :math:`x_i`,

    .. math::
        \frac{\partial L}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma_B^2+\epsilon}}
        \Bigl(m\,\delta_i - \sum_j \delta_j - \hat x_i \sum_j \delta_j \hat x_j\Bigr)

    (Ioffe & Szegedy 2015, §3, simplified); in evaluation mode simply
    :math:`\partial L/\partial x_i = \gamma\,\delta_i/\sqrt{\hat\sigma^2+\epsilon}`.
    Returns ``dx, dgamma, dbeta``.
    """
    x_hat, inv_std, gamma = cache.x_hat, cache.inv_std, cache.gamma
    _check_shape("dout", dout, x_hat.shape)
    axes, per_channel = _channel_axes(x_hat, gamma)
    dbeta = dout.sum(axis=axes, out=dbeta)
    dgamma = (dout * x_hat).sum(axis=axes, out=dgamma)
    scale = (gamma * inv_std).reshape(per_channel)
    if not cache.train:
        return dout * scale, dgamma, dbeta
    m = x_hat.size // gamma.shape[0]
    dx = scale * (dout - (dbeta / m).reshape(per_channel) - x_hat * (dgamma / m).reshape(per_channel))
    return dx, dgamma, dbeta


def update_running_stats(running_mean, running_var, batch_mean, batch_var, m, momentum=0.1, unbiased=True):
    r"""One step of the running-average recurrence used at inference.

    .. math::
        \hat\mu \leftarrow (1 - \alpha)\,\hat\mu + \alpha\,\mu_B, \qquad
        \hat\sigma^2 \leftarrow (1 - \alpha)\,\hat\sigma^2 + \alpha\,\tfrac{m}{m-1}\,\sigma_B^2,

    an exponential moving average with :math:`\alpha` = ``momentum`` the
    weight of the *new batch*. The factor :math:`m/(m-1)` (Bessel's
    correction, ``unbiased=True``) makes the batch variance unbiased, as
    Ioffe & Szegedy (2015, Algorithm 2) prescribe.

    Mapping to the frameworks' defaults:

    * **PyTorch** ``BatchNorm1d(momentum=0.1)``: the same convention --
      ``momentum`` weights the new batch -- and the *unbiased* variance in
      ``running_var`` (the biased one normalizes the batch). Use
      ``momentum=0.1, unbiased=True`` (the defaults here).
    * **Keras** ``BatchNormalization(momentum=0.99)``: the opposite
      convention -- ``moving = momentum * moving + (1 - momentum) * batch``,
      so Keras's 0.99 is :math:`\alpha = 0.01` here -- and the *biased*
      variance. Use ``momentum=1 - keras_momentum, unbiased=False``.

    Pure: returns new ``(running_mean, running_var)``; ``m`` is the number of
    values averaged per feature (the batch size for 2-D input).
    """
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be a number in [0, 1], got {momentum!r}")
    if unbiased and m < 2:
        raise ValueError(f"m must be at least 2 for the unbiased variance, got {m!r}")
    correction = m / (m - 1) if unbiased else 1.0
    new_mean = (1 - momentum) * running_mean + momentum * batch_mean
    new_var = (1 - momentum) * running_var + momentum * correction * batch_var
    return new_mean, new_var


# --------------------------------------------------------------------------- dropout
def dropout_mask(shape, p, rng, dtype=np.float64):
    r"""An inverted-dropout mask: :math:`M = \mathbb{1}(U \ge p)/(1-p)`, :math:`U \sim \mathcal U(0,1)` elementwise.

    Each unit is dropped with probability :math:`p` and the survivors are
    scaled by :math:`1/(1-p)`, so :math:`\mathbb E[M] = 1`. ``rng`` is a
    ``np.random.Generator`` (or a seed).
    """
    p = _drop_probability(p)
    keep = np.random.default_rng(rng).random(shape) >= p
    return keep.astype(dtype) / (1 - p)  # a Python float keeps float32 float32


def dropout_forward(x, p=0.5, rng=None, mask=None, train=True):
    r"""Inverted dropout: :math:`\text{out} = x \odot M` in training, :math:`\text{out} = x` at evaluation.

    ``p`` is the probability of *dropping* a unit (PyTorch's ``p``, Keras's
    ``rate``; Srivastava et al. write :math:`p` for the probability of
    *keeping* one). Because the mask (:func:`dropout_mask`) is scaled by
    :math:`1/(1-p)` during training, :math:`\mathbb E[\text{out}] = x` and
    nothing changes at test time -- the original paper instead scaled the
    weights by :math:`1-p` at test time (Srivastava, Hinton, Krizhevsky,
    Sutskever & Salakhutdinov 2014, "Dropout: A Simple Way to Prevent Neural
    Networks from Overfitting", JMLR 15). Pass ``mask`` to fix it (tests);
    otherwise it is drawn from ``rng``. The cache is the mask (None at evaluation).
    """
    if not train:
        return x, None
    if mask is None:
        if rng is None:
            raise ValueError("rng must be a np.random.Generator or a seed in training mode when no mask is given")
        mask = dropout_mask(x.shape, p, rng, x.dtype)
    _check_shape("mask", mask, x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    r""":math:`\partial L/\partial x = \delta \odot M` (identity at evaluation, where the cache is None)."""
    if cache is None:
        return dout
    _check_shape("dout", dout, cache.shape)
    return dout * cache


def _drop_probability(p) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p < 1:
        raise ValueError(f"p must be a number in [0, 1), got {p!r}")
    return float(p)


# --------------------------------------------------------------------------- residual block
def residual_forward(x, W1, b1, W2, b2, name="relu", layer=""):
    r"""A residual block with an identity shortcut: :math:`\text{out} = x + F(x)`, :math:`F(x) = W_2\,\phi(W_1 x + b_1) + b_2`.

    The branch learns the *residual* :math:`F(x) = H(x) - x`; the shortcut
    carries :math:`x` (and, backward, the gradient) unchanged, so
    :math:`\partial\,\text{out}/\partial x = I + \partial F/\partial x` never
    vanishes with depth (He, Zhang, Ren & Sun 2016, "Deep Residual Learning
    for Image Recognition", CVPR, and "Identity Mappings in Deep Residual
    Networks", ECCV, whose pre-activation form keeps the shortcut a pure
    identity as here). ``W1`` is ``(hidden, features)``, ``W2`` is ``(features, hidden)``.
    """
    _check_shape("W2", W2, W1.shape[::-1], layer)
    h, linear1 = linear_forward(x, W1, b1, layer=layer)
    a, act = activation_forward(h, name)
    r, linear2 = linear_forward(a, W2, b2, layer=layer)
    return x + r, (linear1, act, linear2)


def residual_backward(dout, cache, dW1=None, db1=None, dW2=None, db2=None):
    r""":math:`\partial L/\partial x = \delta + (\partial F/\partial x)^\top \delta`: the shortcut adds :math:`\delta` itself.

    Returns ``dx, dW1, db1, dW2, db2``.
    """
    linear1, act, linear2 = cache
    da, dW2, db2 = linear_backward(dout, linear2, dW2, db2)
    dh = activation_backward(da, act)
    dx_branch, dW1, db1 = linear_backward(dh, linear1, dW1, db1)
    return dout + dx_branch, dW1, db1, dW2, db2
