r"""Softmax and log-sum-exp, computed stably.

.. math::
    \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad
    \operatorname{LSE}(z) = \log \sum_j e^{z_j}
    = m + \log \sum_j e^{z_j - m}, \quad m = \max_j z_j.

Subtracting the maximum changes nothing mathematically (softmax is
shift-invariant) and keeps every exponent :math:`\le 0`, so nothing
overflows (Bridle 1990, "Probabilistic Interpretation of Feedforward
Classification Network Outputs"; Goodfellow, Bengio & Courville 2016, §4.1
and §6.2.2.3).
"""
import numpy as np


def _logits(z) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"z must have at least one entry along its last axis, got shape {z.shape}")
    if np.isnan(z).any():
        raise ValueError("z must not contain NaN")
    return z


def logsumexp(z, axis: int = -1) -> np.ndarray:
    r""":math:`\log\sum_j e^{z_j}` along ``axis``, without overflow (max subtracted first)."""
    z = _logits(z)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # all -inf (or +inf) rows: nothing to subtract
    # z - m may overflow to -inf (exp gives the right 0); log(0) = -inf is right for an all -inf row
    with np.errstate(divide="ignore", over="ignore"):
        out = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def log_softmax(z, axis: int = -1) -> np.ndarray:
    r""":math:`\log\operatorname{softmax}(z)_k = z_k - \operatorname{LSE}(z)`, stable for any finite logits."""
    z = _logits(z)
    with np.errstate(over="ignore"):  # a gap beyond the float range gives -inf: probability 0
        return z - np.expand_dims(logsumexp(z, axis=axis), axis)


def softmax(z, axis: int = -1) -> np.ndarray:
    r""":math:`\operatorname{softmax}(z)_k = e^{z_k - \operatorname{LSE}(z)}`; rows sum to 1, entries in :math:`[0, 1]`."""
    return np.exp(log_softmax(z, axis=axis))
