r"""Activation functions and their derivatives, stable for every finite input.

Each activation :math:`\phi` comes as a pair: ``name(x)`` gives
:math:`\phi(x)` and ``name_grad(x)`` gives :math:`\phi'(x)`, elementwise, for
arrays of any shape. float32 input stays float32; anything else becomes
float64. No function overflows, warns or returns NaN for finite input (the
formulas are rearranged so every exponent is :math:`\le 0`). NaN input
raises ``ValueError`` naming ``x``.

:data:`ACTIVATIONS` maps each name to its :class:`Activation` pair of
*unchecked* kernels (``relu.kernel``, ``relu_grad.kernel``), which the
activation layer (:func:`lib.nn.layers.activation_forward`) uses: inside a
network a NaN must flow on, to be reported as divergence, not raise.
At a kink (ReLU at 0) the derivative returned is the one-sided value used by
every framework: :math:`\phi'(0) = 0` for ReLU, the slope of the negative side
for leaky ReLU and ELU.
"""
import functools
import math
from typing import Callable, NamedTuple

import numpy as np

from lib import sigmoid as _sigmoid

__all__ = [
    "identity", "identity_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad",
    "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "elu", "elu_grad",
    "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad", "softplus", "softplus_grad",
    "Activation", "ACTIVATIONS", "activation",
]


def _float_array(x) -> np.ndarray:
    """``x`` as a float32 or float64 array without NaN (ValueError naming ``x`` otherwise)."""
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64, copy=False)
    if np.isnan(x).any():
        raise ValueError("x must not contain NaN")
    return x


def _elementwise(kernel):
    """The public form of ``kernel``: checks ``x`` (:func:`_float_array`), then applies it.

    ``public.kernel`` is the unchecked function; the layers call it, because
    inside a network a NaN must pass through to be reported as divergence.
    """

    @functools.wraps(kernel)
    def checked(x, **options):
        x = _float_array(x)
        return np.asarray(kernel(x, **options), dtype=x.dtype)  # a kernel may return a boolean mask

    checked.kernel = kernel
    return checked


def _like(y, x) -> np.ndarray:
    """``y`` in the dtype of ``x`` (functions reused from :mod:`lib.sigmoid` compute in float64)."""
    return np.asarray(y).astype(x.dtype, copy=False)


def _nan_passing(f, x) -> np.ndarray:
    """``f(x)`` in ``x``'s dtype, NaN entries passed through untouched.

    :mod:`lib.sigmoid` rejects NaN; inside a diverging network a NaN must
    flow on so that training can report the divergence.
    """
    nan = np.isnan(x)
    if not nan.any():
        return _like(f(x), x)
    out = np.full_like(x, np.nan)
    out[~nan] = f(x[~nan])
    return out


# --------------------------------------------------------------------------- identity, sigmoid, tanh
@_elementwise
def identity(x) -> np.ndarray:
    r""":math:`\phi(x) = x`: a linear unit; a stack of them collapses to one linear map."""
    return x.copy()


@_elementwise
def identity_grad(x) -> np.ndarray:
    r""":math:`\phi'(x) = 1`."""
    return np.ones_like(x)


@_elementwise
def sigmoid(x) -> np.ndarray:
    r""":math:`\sigma(x) = 1/(1+e^{-x})`, the stable form of :func:`lib.sigmoid.sigmoid`.

    The logistic unit of early networks (Rumelhart, Hinton & Williams 1986,
    "Learning representations by back-propagating errors", Nature 323).
    """
    return _nan_passing(_sigmoid.sigmoid, x)


@_elementwise
def sigmoid_grad(x) -> np.ndarray:
    r""":math:`\sigma'(x) = \sigma(x)\,\sigma(-x) \le 1/4` (:func:`lib.sigmoid.sigmoid_grad`, accurate in both tails)."""
    return _nan_passing(_sigmoid.sigmoid_grad, x)


@_elementwise
def tanh(x) -> np.ndarray:
    r""":math:`\tanh x = (e^{x} - e^{-x})/(e^{x} + e^{-x}) = 2\sigma(2x) - 1`, zero-centred, in :math:`(-1, 1)`.

    (LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp", §4.4,
    recommend it over the logistic sigmoid because its outputs are zero-centred.)
    """
    return np.tanh(x)


@_elementwise
def tanh_grad(x) -> np.ndarray:
    r""":math:`\tanh'(x) = 1 - \tanh^2 x = \operatorname{sech}^2 x = \dfrac{4 e^{-2|x|}}{(1 + e^{-2|x|})^2}`.

    The last form never overflows and keeps full relative accuracy in the
    tails, where :math:`1 - \tanh^2 x` rounds to 0 for :math:`|x| \gtrsim 19`.
    """
    with np.errstate(under="ignore"):
        e = np.exp(-2 * np.minimum(np.abs(x), 400))  # beyond |x| = 400, e is 0 anyway
    return 4 * e / ((1 + e) * (1 + e))


# --------------------------------------------------------------------------- rectifiers
@_elementwise
def relu(x) -> np.ndarray:
    r""":math:`\operatorname{ReLU}(x) = \max(x, 0)` (Nair & Hinton 2010, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML; Glorot, Bordes & Bengio 2011, "Deep Sparse Rectifier Neural Networks", AISTATS)."""
    return np.maximum(x, 0)


@_elementwise
def relu_grad(x) -> np.ndarray:
    r""":math:`\operatorname{ReLU}'(x) = \mathbb{1}(x > 0)`: 0 for every :math:`x \le 0` -- not "always 1" (the dying-ReLU problem).

    The kernel returns the boolean mask itself (a product with it casts on
    the fly); the public function returns it as numbers.
    """
    return x > 0


@_elementwise
def leaky_relu(x, slope=0.01) -> np.ndarray:
    r""":math:`\phi(x) = x` for :math:`x > 0`, :math:`a x` otherwise, :math:`a` = ``slope`` (Maas, Hannun & Ng 2013, "Rectifier Nonlinearities Improve Neural Network Acoustic Models", ICML)."""
    return np.where(x > 0, x, _slope(slope) * x)


@_elementwise
def leaky_relu_grad(x, slope=0.01) -> np.ndarray:
    r""":math:`\phi'(x) = 1` for :math:`x > 0`, :math:`a` otherwise."""
    return np.where(x > 0, 1, _slope(slope)).astype(x.dtype)


@_elementwise
def elu(x, alpha=1.0) -> np.ndarray:
    r""":math:`\operatorname{ELU}(x) = x` for :math:`x > 0`, :math:`\alpha\,(e^{x} - 1)` otherwise.

    Computed with ``expm1`` of :math:`\min(x, 0)`, so no exponent is positive
    and small negative inputs keep full accuracy (Clevert, Unterthiner &
    Hochreiter 2016, "Fast and Accurate Deep Network Learning by Exponential
    Linear Units (ELUs)", ICLR).
    """
    return np.where(x > 0, x, _alpha(alpha) * np.expm1(np.minimum(x, 0)))


@_elementwise
def elu_grad(x, alpha=1.0) -> np.ndarray:
    r""":math:`\operatorname{ELU}'(x) = 1` for :math:`x > 0`, :math:`\alpha e^{x}` otherwise."""
    with np.errstate(under="ignore"):
        return np.where(x > 0, 1, _alpha(alpha) * np.exp(np.minimum(x, 0))).astype(x.dtype)


# --------------------------------------------------------------------------- GELU, softplus
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _normal_cdf(x) -> np.ndarray:
    r""":math:`\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)`, with the C library's ``erfc`` (accurate in the lower tail, where :math:`1 + \operatorname{erf}` would cancel)."""
    return _like(0.5 * _erfc(-_SQRT_HALF * x.astype(np.float64)).astype(np.float64), x)


def _normal_pdf(x) -> np.ndarray:
    r""":math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}`, with :math:`|x|` clipped at 40 where :math:`\varphi` is already 0 in float64 (no overflow in :math:`x^2`)."""
    x = np.clip(x, -40, 40)
    with np.errstate(under="ignore"):
        return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


@_elementwise
def gelu(x) -> np.ndarray:
    r""":math:`\operatorname{GELU}(x) = x\,\Phi(x)`, :math:`\Phi` the standard normal CDF (exact form).

    (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units (GELUs)",
    arXiv:1606.08415.) NumPy has no ``erf``; :math:`\Phi` uses
    ``math.erfc`` elementwise, which is exact to the last digits but
    slower than a ufunc -- use :func:`gelu_tanh` where speed matters.
    """
    with np.errstate(under="ignore"):
        return x * _normal_cdf(x)


@_elementwise
def gelu_grad(x) -> np.ndarray:
    r""":math:`\operatorname{GELU}'(x) = \Phi(x) + x\,\varphi(x)`."""
    with np.errstate(under="ignore"):
        return _normal_cdf(x) + x * _like(_normal_pdf(x), x)


def _gelu_tanh_argument(x):
    r""":math:`u = \sqrt{2/\pi}\,(x + 0.044715 x^3)` and :math:`du/dx`, with :math:`|x|` clipped at 30 (beyond it :math:`\sigma(2u)` is exactly 0 or 1 in float64)."""
    x = np.clip(x, -30, 30)
    return _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x), _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)


@_elementwise
def gelu_tanh(x) -> np.ndarray:
    r"""The tanh approximation :math:`\tfrac12 x\,(1 + \tanh u) = x\,\sigma(2u)`, :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`.

    (Hendrycks & Gimpel 2016, eq. 2; the form used by BERT and GPT-2.) The
    identity :math:`\tfrac12(1 + \tanh u) = \sigma(2u)` with the stable
    :func:`sigmoid` keeps the tiny negative tail accurate instead of rounding
    :math:`1 + \tanh u` to 0.
    """
    u, _ = _gelu_tanh_argument(x)
    return x * sigmoid.kernel(2 * u)


@_elementwise
def gelu_tanh_grad(x) -> np.ndarray:
    r""":math:`\frac{d}{dx}\,x\,\sigma(2u) = \sigma(2u) + 2x\,\sigma'(2u)\,u'(x)`, :math:`u'(x) = \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)`."""
    u, du = _gelu_tanh_argument(x)
    return sigmoid.kernel(2 * u) + x * (2 * sigmoid_grad.kernel(2 * u) * du)  # the bracket is 0 where x is huge


@_elementwise
def softplus(x) -> np.ndarray:
    r""":math:`\operatorname{softplus}(x) = \log(1 + e^{x}) = \max(x, 0) + \log(1 + e^{-|x|})` (:func:`lib.sigmoid.softplus`).

    A smooth ReLU (Dugas, Bengio, Bélisle, Nadeau & Garcia 2001,
    "Incorporating Second-Order Functional Knowledge for Better Option
    Pricing", NeurIPS; Glorot, Bordes & Bengio 2011).
    """
    return _nan_passing(_sigmoid.softplus, x)


@_elementwise
def softplus_grad(x) -> np.ndarray:
    r""":math:`\operatorname{softplus}'(x) = \sigma(x)`."""
    return sigmoid.kernel(x)


# --------------------------------------------------------------------------- parameters, registry
def _slope(slope) -> float:
    if isinstance(slope, bool) or not isinstance(slope, (int, float)) or not (0 <= slope < 1):
        raise ValueError(f"slope must be a number in [0, 1), got {slope!r}")
    return float(slope)


def _alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not (0 < alpha < math.inf):
        raise ValueError(f"alpha must be a positive finite number, got {alpha!r}")
    return float(alpha)


class Activation(NamedTuple):
    """An activation :math:`\\phi` and its derivative :math:`\\phi'` as unchecked kernels ``f(x, **options)`` (NaN passes through)."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]


ACTIVATIONS = {
    a.name: a
    for a in (
        Activation(f.__name__, f.kernel, df.kernel)
        for f, df in [
            (identity, identity_grad), (sigmoid, sigmoid_grad), (tanh, tanh_grad), (relu, relu_grad),
            (leaky_relu, leaky_relu_grad), (elu, elu_grad), (gelu, gelu_grad), (gelu_tanh, gelu_tanh_grad),
            (softplus, softplus_grad),
        ]
    )
}


def activation(name) -> Activation:
    """The :class:`Activation` called ``name`` (one of :data:`ACTIVATIONS`); ValueError naming ``activation`` otherwise."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]
