r"""Seeded synthetic data sets (nothing is downloaded).

Every generator takes a ``seed`` and draws from ``np.random.default_rng(seed)``,
so the same arguments always give the same arrays.
"""
import numpy as np

from lib import checks


def _weights(w):
    w = np.atleast_1d(np.asarray(w, dtype=float))
    if w.ndim != 1 or w.size == 0 or not np.isfinite(w).all():
        raise ValueError(f"w must be a finite number or a non-empty 1-D array, got {w!r}")
    return w


def linear_regression_data(n=1000, w=2.0, b=-1.0, noise=0.5, x_mean=0.0, seed=0):
    r"""Noisy samples from a linear model.

    .. math::
        x_i \sim \mathcal{N}(\mu_x \mathbf{1}, I_d), \qquad
        y_i = w^\top x_i + b + \sigma\,\varepsilon_i, \qquad
        \varepsilon_i \sim \mathcal{N}(0, 1),

    the textbook regression setting (Bishop 2006, *Pattern Recognition and
    Machine Learning*, §3.1; Hastie, Tibshirani & Friedman 2009, *The Elements
    of Statistical Learning*, §3.2). ``w`` is a number (then ``d = 1``) or a
    1-D array of ``d`` weights; ``noise`` is :math:`\sigma`; ``x_mean`` is
    :math:`\mu_x` (a non-zero mean correlates slope and intercept, which makes
    the least-squares loss surface an elongated valley).

    Returns ``(X, y)`` with ``X`` of shape ``(n, d)`` and ``y`` of shape ``(n,)``.
    """
    n = checks.integer("n", n, 1)
    w = _weights(w)
    b = checks.finite("b", b)
    noise = checks.finite("noise", noise, low=0.0)
    x_mean = checks.finite("x_mean", x_mean)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    X = x_mean + rng.standard_normal((n, w.size))
    y = X @ w + b + noise * rng.standard_normal(n)
    return X, y
