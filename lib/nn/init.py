r"""Weight initializers: zeros/constant, LeCun, Glorot/Xavier, He/Kaiming, orthogonal.

The variance-scaling family draws every weight with mean 0 and

.. math::
    \operatorname{Var}(W_{jk}) = \frac{s}{n}, \qquad
    n = \begin{cases} n_{\text{in}} & \texttt{fan\_in} \\
                      n_{\text{out}} & \texttt{fan\_out} \\
                      (n_{\text{in}} + n_{\text{out}})/2 & \texttt{fan\_avg,} \end{cases}

so that the variance of a layer's outputs (``fan_in``) or of its
back-propagated gradients (``fan_out``) equals that of its inputs:

* **LeCun** (:math:`s = 1`, fan_in): linear or tanh-like units (LeCun,
  Bottou, Orr & Müller 1998, "Efficient BackProp", §4.6);
* **Glorot / Xavier** (:math:`s = 1`, fan_avg, a compromise between the
  forward and backward conditions), derived for a *linear* activation
  (Glorot & Bengio 2010, "Understanding the difficulty of training deep
  feedforward neural networks", AISTATS, eq. 12 and 16);
* **He / Kaiming** (:math:`s = 2`, fan_in): the factor 2 makes up for a ReLU
  zeroing half its inputs; with leaky-ReLU slope :math:`a`,
  :math:`s = 2/(1 + a^2)` (He, Zhang, Ren & Sun 2015, "Delving Deep into
  Rectifiers", ICCV, eq. 10 and 15).

Each comes in three distributions with the same standard deviation
:math:`\sigma = \sqrt{s/n}`: ``"uniform"`` on :math:`[-\sqrt3\,\sigma, \sqrt3\,\sigma]`,
``"normal"`` :math:`\mathcal N(0, \sigma^2)`, and ``"truncated_normal"``,
a normal cut at two of its standard deviations whose pre-truncation
standard deviation is :math:`\sigma/0.87962566103423978` -- the standard
deviation of a standard normal truncated to :math:`[-2, 2]` -- so the
*truncated* draw has standard deviation :math:`\sigma` (the convention of
Keras's ``VarianceScaling``; without the correction it would be 12% too small).

Shapes follow the layout of :func:`lib.nn.layers.linear_forward`: a weight is
``(fan_out, fan_in)``; a convolution kernel ``(out, in, *kernel)`` has
:math:`n_{\text{in}} = \text{in}\cdot\prod\text{kernel}` and
:math:`n_{\text{out}} = \text{out}\cdot\prod\text{kernel}` (the PyTorch layout).
``rng`` is a ``np.random.Generator`` or an integer seed.
"""
from __future__ import annotations

import math

import numpy as np

from lib import checks

__all__ = [
    "TRUNCATED_NORMAL_STD", "MODES", "DISTRIBUTIONS", "fans", "scaled_std",
    "zeros", "constant", "variance_scaling", "lecun", "glorot", "xavier", "he", "kaiming",
    "orthogonal", "pytorch_linear", "keras_dense", "PRESETS",
]

#: Standard deviation of a standard normal truncated to [-2, 2]:
#: :math:`\sqrt{1 - 4\varphi(2)/(2\Phi(2) - 1)}`.
TRUNCATED_NORMAL_STD = 0.87962566103423978
MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("uniform", "normal", "truncated_normal")


def _shape(shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1 for k in shape):
        raise ValueError(f"shape must be a non-empty tuple of positive integers, got {shape!r}")
    return tuple(int(k) for k in shape)


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(checks.integer("rng", rng, 0))


def fans(shape) -> tuple[int, int]:
    r""":math:`(n_{\text{in}}, n_{\text{out}})` of a weight of shape ``(out, in, *kernel)``; a 1-D shape ``(k,)`` has both equal to :math:`k`."""
    shape = _shape(shape)
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def scaled_std(shape, scale=1.0, mode="fan_in") -> float:
    r""":math:`\sigma = \sqrt{s/n}` with :math:`n` chosen by ``mode`` (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    fan_in, fan_out = fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return math.sqrt(checks.positive("scale", scale) / n)


def zeros(shape, dtype=np.float64) -> np.ndarray:
    """All zeros: right for biases; for weights it makes every unit of a layer identical forever (symmetry is never broken)."""
    return np.zeros(_shape(shape), dtype=dtype)


def constant(shape, value, dtype=np.float64) -> np.ndarray:
    """Every entry equal to ``value`` (e.g. batch norm's :math:`\\gamma = 1`)."""
    return np.full(_shape(shape), checks.finite("value", value), dtype=dtype)


def _truncated_standard_normal(rng, shape) -> np.ndarray:
    """Standard normal draws conditioned on :math:`|z| \\le 2`, by redrawing the ones outside (about 4.6%)."""
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2
    return z


def variance_scaling(shape, rng, scale=1.0, mode="fan_in", distribution="normal", dtype=np.float64) -> np.ndarray:
    r"""Zero-mean draws with standard deviation :math:`\sigma = \sqrt{s/n}` (:func:`scaled_std`) in the given distribution.

    ``"uniform"``: :math:`\mathcal U(-\sqrt3\sigma, \sqrt3\sigma)`;
    ``"normal"``: :math:`\mathcal N(0, \sigma^2)`; ``"truncated_normal"``:
    :math:`\mathcal N(0, (\sigma/0.8796\ldots)^2)` cut at :math:`\pm 2` of its
    own standard deviations, whose standard deviation is :math:`\sigma`.
    (The general form of Keras's ``VarianceScaling``; LeCun et al. 1998;
    Glorot & Bengio 2010; He et al. 2015.)
    """
    shape = _shape(shape)
    std = scaled_std(shape, scale, mode)
    rng = _rng(rng)
    if distribution == "uniform":
        limit = math.sqrt(3) * std
        w = rng.uniform(-limit, limit, shape)
    elif distribution == "normal":
        w = std * rng.standard_normal(shape)
    elif distribution == "truncated_normal":
        w = std / TRUNCATED_NORMAL_STD * _truncated_standard_normal(rng, shape)
    else:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    return w.astype(dtype, copy=False)


def lecun(shape, rng, distribution="normal", mode="fan_in", dtype=np.float64) -> np.ndarray:
    r"""LeCun: :math:`\operatorname{Var} W = 1/n_{\text{in}}`; uniform limit :math:`\sqrt{3/n_{\text{in}}}` (LeCun et al. 1998, §4.6)."""
    return variance_scaling(shape, rng, 1.0, mode, distribution, dtype)


def glorot(shape, rng, distribution="uniform", mode="fan_avg", dtype=np.float64) -> np.ndarray:
    r"""Glorot/Xavier: :math:`\operatorname{Var} W = 2/(n_{\text{in}} + n_{\text{out}})`; uniform limit :math:`\sqrt{6/(n_{\text{in}} + n_{\text{out}})}` (Glorot & Bengio 2010, eq. 16)."""
    return variance_scaling(shape, rng, 1.0, mode, distribution, dtype)


def he(shape, rng, distribution="normal", mode="fan_in", negative_slope=0.0, dtype=np.float64) -> np.ndarray:
    r"""He/Kaiming: :math:`\operatorname{Var} W = 2/((1 + a^2)\,n_{\text{in}})`, :math:`a` = ``negative_slope`` of a leaky ReLU (He et al. 2015, eq. 10, 15).

    :math:`a = 0` (ReLU) gives std :math:`\sqrt{2/n}`; :math:`a = \sqrt5`
    gives PyTorch's ``nn.Linear`` default (:func:`pytorch_linear`).
    """
    slope = checks.finite("negative_slope", negative_slope)
    return variance_scaling(shape, rng, 2.0 / (1 + slope * slope), mode, distribution, dtype)


xavier = glorot
kaiming = he


def orthogonal(shape, rng, gain=1.0, dtype=np.float64) -> np.ndarray:
    r"""A (semi-)orthogonal matrix times ``gain``: rows orthonormal if ``out <= in``, columns otherwise.

    Drawn uniformly (Haar measure) from the QR factorization of a Gaussian
    matrix with the signs of :math:`\operatorname{diag} R` folded into
    :math:`Q` (Mezzadri 2007, "How to generate random matrices from the
    classical compact groups", Notices AMS 54(5)). Every singular value is
    1, so a deep linear network keeps the norm of every signal (Saxe,
    McClelland & Ganguli 2014, "Exact solutions to the nonlinear dynamics of
    learning in deep linear neural networks", ICLR). Shapes with more than
    two axes are flattened to ``(out, in * prod(kernel))``.
    """
    shape = _shape(shape)
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 axes for an orthogonal matrix, got {shape!r}")
    rows, cols = shape[0], math.prod(shape[1:])
    a = _rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    q = q.T if rows < cols else q
    return (checks.finite("gain", gain) * q).reshape(shape).astype(dtype, copy=False)


# --------------------------------------------------------------------------- framework defaults
def pytorch_linear(fan_in, fan_out, rng, dtype=np.float64):
    r"""PyTorch's ``nn.Linear`` default: ``(W, b)`` both :math:`\mathcal U(-1/\sqrt{n_{\text{in}}}, 1/\sqrt{n_{\text{in}}})`.

    PyTorch calls ``kaiming_uniform_(W, a=math.sqrt(5))``: gain
    :math:`\sqrt{2/(1+5)} = 1/\sqrt3`, std :math:`1/\sqrt{3 n_{\text{in}}}`,
    uniform limit :math:`\sqrt3 \cdot` std :math:`= 1/\sqrt{n_{\text{in}}}` --
    LeCun uniform with a third of its variance -- and the bias from the same
    interval (``torch/nn/modules/linear.py``, ``reset_parameters``). ``W`` is drawn first.
    """
    rng = _rng(rng)
    W = he((fan_out, fan_in), rng, "uniform", negative_slope=math.sqrt(5), dtype=dtype)
    bound = 1 / math.sqrt(fan_in)
    return W, rng.uniform(-bound, bound, fan_out).astype(dtype, copy=False)


def keras_dense(fan_in, fan_out, rng, dtype=np.float64):
    r"""Keras's ``Dense`` default: ``W`` Glorot uniform, :math:`\mathcal U(\pm\sqrt{6/(n_{\text{in}}+n_{\text{out}})})`, and ``b = 0`` (``kernel_initializer="glorot_uniform"``, ``bias_initializer="zeros"``)."""
    return glorot((fan_out, fan_in), rng, "uniform", dtype=dtype), np.zeros(checks.integer("fan_out", fan_out, 1), dtype=dtype)


#: Named initial ``(W, b)`` for a linear layer: the two frameworks' defaults, and
#: each scheme/distribution pair with a zero bias (``"he_normal"``, ``"glorot_uniform"``, ...).
PRESETS = {"pytorch": pytorch_linear, "keras": keras_dense}


def _scheme_preset(scheme, distribution):
    def preset(fan_in, fan_out, rng, dtype=np.float64):
        return scheme((fan_out, fan_in), rng, distribution, dtype=dtype), np.zeros(fan_out, dtype=dtype)

    preset.__doc__ = f"``W`` by :func:`{scheme.__name__}` ({distribution}), ``b = 0``."
    return preset


for _scheme in (lecun, glorot, he):
    for _distribution in DISTRIBUTIONS:
        PRESETS[f"{_scheme.__name__}_{_distribution}"] = _scheme_preset(_scheme, _distribution)
PRESETS["orthogonal"] = lambda fan_in, fan_out, rng, dtype=np.float64: (
    orthogonal((fan_out, fan_in), rng, dtype=dtype), np.zeros(fan_out, dtype=dtype))
