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


def logistic_1d(n=200, w=1.5, b=-0.5, x_scale=2.0, seed=0):
    r"""One-feature binary data drawn from the logistic model.

    .. math::
        x_i \sim \mathcal{N}(0, s^2), \qquad
        y_i \mid x_i \sim \operatorname{Bernoulli}\bigl(\sigma(w x_i + b)\bigr),

    the data-generating model of logistic regression (Cox 1958, "The
    Regression Analysis of Binary Sequences", JRSS B 20(2); Bishop 2006,
    §4.3.2). ``x_scale`` is :math:`s`. Returns ``(x, y)``: ``x`` of shape
    ``(n,)`` and ``y`` of shape ``(n,)`` with entries 0.0 or 1.0.
    """
    from lib.sigmoid import sigmoid

    n = checks.integer("n", n, 1)
    w, b = checks.finite("w", w), checks.finite("b", b)
    x_scale = checks.positive("x_scale", x_scale)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    x = x_scale * rng.standard_normal(n)
    y = (rng.random(n) < sigmoid(w * x + b)).astype(float)
    return x, y


def gaussian_blobs(n_per_class=50, centers=((-2.0, -1.0), (2.0, -1.0), (0.0, 2.0)), std=1.0, seed=0):
    r"""Isotropic Gaussian clusters, one per class.

    .. math::
        x_i \sim \mathcal{N}(\mu_{y_i}, s^2 I), \qquad y_i \in \{0, \dots, K-1\},

    ``n_per_class`` points around each row of ``centers`` (shape ``(K, d)``)
    with standard deviation ``std`` = :math:`s` -- the class-conditional model
    under which the Bayes posterior is exactly a softmax of linear scores
    (Bishop 2006, *Pattern Recognition and Machine Learning*, §4.2.1).

    Returns ``(X, y)``: ``X`` of shape ``(K * n_per_class, d)``, ``y`` int labels, class by class.
    """
    n = checks.integer("n_per_class", n_per_class, 1)
    mu = np.asarray(centers, dtype=float)
    if mu.ndim != 2 or mu.shape[0] < 1 or mu.shape[1] < 1 or not np.isfinite(mu).all():
        raise ValueError(f"centers must be a finite 2-D array of shape (K, d), got {mu!r}")
    s = checks.finite("std", std, low=0.0)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    X = np.repeat(mu, n, axis=0) + s * rng.standard_normal((mu.shape[0] * n, mu.shape[1]))
    y = np.repeat(np.arange(mu.shape[0]), n)
    return X, y
