r"""The logistic sigmoid and its inverse, computed stably.

.. math::
    \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}, \qquad
    \operatorname{logit}(p) = \log\frac{p}{1-p} = \sigma^{-1}(p).

The naive :math:`1/(1+e^{-x})` overflows in :math:`e^{-x}` for large
negative :math:`x`; here each sign uses the form whose exponent is
:math:`\le 0` (Verhulst 1845 named the logistic curve; Cox 1958, "The
Regression Analysis of Binary Sequences", for logistic regression).

Also here: the derivative :math:`\sigma' = \sigma(1-\sigma)` (:func:`sigmoid_grad`,
:func:`sigmoid_second_derivative`), :func:`softplus`, the threshold :func:`step`,
the naive formula for contrast (:func:`naive_sigmoid`, :func:`naive_overflows`),
the binary cross-entropy from logits and its gradient. Logistic regression,
the Bernoulli GLM, is :class:`lib.glm.LogisticRegression`.
"""
import numpy as np

from lib import checks


def sigmoid(x) -> np.ndarray:
    r""":math:`\sigma(x) = 1/(1+e^{-x})` for :math:`x \ge 0`, :math:`e^{x}/(1+e^{x})` for :math:`x < 0`."""
    x = checks.array("x", x)
    with np.errstate(under="ignore"):  # in [0, 1]: never overflows; e^{-745} and below is 0
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(x) -> np.ndarray:
    r""":math:`\log\sigma(x) = -\log(1 + e^{-x}) = \min(x, 0) - \log(1 + e^{-|x|})`, finite for finite :math:`x`."""
    x = checks.array("x", x)
    with np.errstate(under="ignore"):
        return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def logit(p) -> np.ndarray:
    r""":math:`\operatorname{logit}(p) = \log p - \log(1-p)`, the inverse of :func:`sigmoid`; :math:`\pm\infty` at 1 and 0."""
    p = checks.array("p", p)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


# --------------------------------------------------------------------------
# Derivative, softplus, the naive formula and the threshold it approximates
# --------------------------------------------------------------------------


def naive_sigmoid(x) -> np.ndarray:
    r"""The textbook formula :math:`1/(1+e^{-x})` evaluated literally -- for contrast only.

    For :math:`x < -709.78` the intermediate :math:`e^{-x}` overflows to ``inf``
    (the result happens to round to 0, but the overflow is real and raises a
    ``RuntimeWarning`` in plain NumPy; it is silenced here so the book's
    outputs stay clean, and :func:`naive_overflows` reports it). The numpy-ml
    activations use this form; :func:`sigmoid` avoids it.
    """
    x = checks.array("x", x)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def naive_overflows(x) -> np.ndarray:
    r"""True where the naive formula's intermediate :math:`e^{-x}` overflows float64 (:math:`-x > \log(\text{max float}) \approx 709.78`)."""
    x = checks.array("x", x)
    return -x > np.log(np.finfo(float).max)


def sigmoid_grad(x) -> np.ndarray:
    r""":math:`\sigma'(x) = \sigma(x)\,(1-\sigma(x)) = \sigma(x)\,\sigma(-x)`, at most :math:`1/4` (at 0).

    The product :math:`\sigma(x)\sigma(-x)` keeps full relative accuracy in the
    tails, where :math:`1-\sigma(x)` would round to 0 for :math:`x \gtrsim 37`
    (Bishop 2006, *Pattern Recognition and Machine Learning*, eq. 4.88).
    """
    x = checks.array("x", x)
    return sigmoid(x) * sigmoid(-x)


def sigmoid_second_derivative(x) -> np.ndarray:
    r""":math:`\sigma''(x) = \sigma'(x)\,(1 - 2\sigma(x)) = \sigma'(x)\,(\sigma(-x) - \sigma(x))`."""
    x = checks.array("x", x)
    return sigmoid_grad(x) * (sigmoid(-x) - sigmoid(x))


def softplus(x) -> np.ndarray:
    r""":math:`\operatorname{softplus}(x) = \log(1+e^{x}) = \max(x, 0) + \log(1 + e^{-|x|}) = -\log\sigma(-x)`.

    Its derivative is :math:`\sigma(x)` (Dugas et al. 2001, "Incorporating
    Second-Order Functional Knowledge for Better Option Pricing", NeurIPS).
    """
    x = checks.array("x", x)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def step(x) -> np.ndarray:
    r"""The threshold (Heaviside) function: :math:`H(x) = 1` for :math:`x > 0`, :math:`0` for :math:`x < 0`, and :math:`H(0) = 1/2`.

    :math:`\sigma(kx) \to H(x)` as :math:`k \to \infty` for every :math:`x`
    (McCulloch & Pitts 1943 used the threshold unit; Rosenblatt 1958's
    perceptron too). :math:`H'(x) = 0` for every :math:`x \ne 0`.
    """
    x = checks.array("x", x)
    return np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5))


# --------------------------------------------------------------------------
# Binary cross-entropy from logits
# --------------------------------------------------------------------------


def _logits_and_labels(z, y):
    z = checks.array("z", z)
    if not np.isfinite(z).all():
        raise ValueError("z must contain only finite numbers")
    y = checks.array("y", y)
    if y.shape != z.shape:
        raise ValueError(f"y must have the shape of z {z.shape}, got {y.shape}")
    if ((y < 0) | (y > 1)).any():
        raise ValueError("y must lie in [0, 1] (a label or a target probability)")
    return z, y


def binary_cross_entropy_from_logits(z, y) -> np.ndarray:
    r"""Elementwise :math:`-y\log\sigma(z) - (1-y)\log(1-\sigma(z))` computed from the logit :math:`z`.

    .. math::
        \ell(z, y) = y\,\operatorname{softplus}(-z) + (1-y)\,\operatorname{softplus}(z)
                   = \operatorname{softplus}(z) - y\,z,

    the negative Bernoulli log-likelihood with :math:`p = \sigma(z)` (Cox
    1958, "The Regression Analysis of Binary Sequences"; Bishop 2006, eq.
    4.90). The first form never subtracts large numbers, so it is accurate
    to the last digit for any finite :math:`z` and labels in :math:`[0, 1]`.
    """
    z, y = _logits_and_labels(z, y)
    return y * softplus(-z) + (1.0 - y) * softplus(z)


def binary_cross_entropy_grad(z, y) -> np.ndarray:
    r""":math:`\partial \ell / \partial z = \sigma(z) - y` (Bishop 2006, eq. 4.91): prediction minus target."""
    z, y = _logits_and_labels(z, y)
    return sigmoid(z) - y
