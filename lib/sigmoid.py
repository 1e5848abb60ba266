r"""The logistic sigmoid and its inverse, computed stably.

.. math::
    \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}, \qquad
    \operatorname{logit}(p) = \log\frac{p}{1-p} = \sigma^{-1}(p).

The naive :math:`1/(1+e^{-x})` overflows in :math:`e^{-x}` for large
negative :math:`x`; here each sign uses the form whose exponent is
:math:`\le 0` (Verhulst 1845 named the logistic curve; Cox 1958, "The
Regression Analysis of Binary Sequences", for logistic regression).
"""
import numpy as np


def _reals(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if np.isnan(x).any():
        raise ValueError(f"{name} must not contain NaN")
    return x


def sigmoid(x) -> np.ndarray:
    r""":math:`\sigma(x) = 1/(1+e^{-x})` for :math:`x \ge 0`, :math:`e^{x}/(1+e^{x})` for :math:`x < 0`."""
    x = _reals(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(x) -> np.ndarray:
    r""":math:`\log\sigma(x) = -\log(1 + e^{-x}) = \min(x, 0) - \log(1 + e^{-|x|})`, finite for finite :math:`x`."""
    x = _reals(x)
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def logit(p) -> np.ndarray:
    r""":math:`\operatorname{logit}(p) = \log p - \log(1-p)`, the inverse of :func:`sigmoid`; :math:`\pm\infty` at 1 and 0."""
    p = _reals(p, "p")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)
