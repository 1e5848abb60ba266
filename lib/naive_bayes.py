r"""Gaussian naive Bayes, with posteriors computed in log space, and the calibration measures to judge it.

Naive Bayes models each class :math:`k` by a prior :math:`\pi_k` and *independent* per-feature
Gaussians (Hastie, Tibshirani & Friedman 2009, *ESL* §6.6.3; Rish 2001, "An empirical study of the
naive Bayes classifier", IJCAI Workshop on Empirical Methods in AI):

.. math::
    \log p(y=k \mid x) = \underbrace{\log\pi_k + \sum_{j=1}^{d} \log\mathcal{N}(x_j;\, \mu_{kj}, \sigma_{kj}^2)}_{a_k(x)}
    \;-\; \operatorname{LSE}\bigl(a_1(x), \dots, a_K(x)\bigr).

The joint log-likelihoods :math:`a_k` are sums of :math:`d` terms and easily reach :math:`-10^3`;
exponentiating them would underflow to 0/0, so the normalization is a log-sum-exp
(:func:`lib.softmax.logsumexp`, exact for every finite input) and probabilities are exponentiated only
at the end.

Fitting is by maximum likelihood: class frequencies, per-class means and variances (the variance
divides by :math:`N_k`), plus ``var_smoothing`` times the largest feature variance added to every
variance so that a constant feature does not give a zero variance (the same guard as scikit-learn's
``GaussianNB``).

The independence assumption matters when features are dependent: a feature that appears :math:`m`
times contributes its log-likelihood ratio :math:`m` times, so the posterior log-odds are inflated
and the probabilities overconfident. :func:`log_loss`, :func:`reliability` and
:func:`expected_calibration_error` measure that (Niculescu-Mizil & Caruana 2005, "Predicting good
probabilities with supervised learning", ICML; Guo et al. 2017, "On calibration of modern neural
networks", ICML).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib import checks
from lib.softmax import logsumexp

LOG_2PI = float(np.log(2 * np.pi))


def _inputs(X, d: int | None = None) -> np.ndarray:
    X = checks.finite_array("X", X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a 2-D array of shape (N, d), got shape {X.shape}")
    if d is not None and X.shape[1] != d:
        raise ValueError(f"X must have {d} columns like the training inputs, got {X.shape[1]}")
    return X


def _labels(y, n: int | None = None, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or (n is not None and y.size != n):
        raise ValueError(f"{name} must be a 1-D array of {n if n is not None else 'N'} labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (y.size and y.min() < 0):
        raise ValueError(f"{name} must hold integer class labels 0..K-1")
    return y


@dataclass
class GaussianNaiveBayes:
    r"""Gaussian naive Bayes (see the module docstring). Labels are ``0..K-1``; every class must occur.

    After :meth:`fit`: ``log_prior`` (shape ``(K,)``), ``mean`` and ``var`` (shape ``(K, d)``).
    """
    var_smoothing: float = 1e-9
    log_prior: np.ndarray | None = field(default=None, repr=False)
    mean: np.ndarray | None = field(default=None, repr=False)
    var: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        checks.finite("var_smoothing", self.var_smoothing, low=0.0)

    def fit(self, X, y) -> "GaussianNaiveBayes":
        r""":math:`\hat\pi_k = N_k/N`, :math:`\hat\mu_{kj}` the class mean, :math:`\hat\sigma^2_{kj}` the class variance + smoothing."""
        X = _inputs(X)
        y = _labels(y, X.shape[0])
        K = int(y.max()) + 1
        counts = np.bincount(y, minlength=K)
        if (counts == 0).any():
            raise ValueError(f"y must contain every class 0..{K - 1}; class {int(np.argmin(counts))} is missing")
        onehot = np.eye(K)[y]                                       # (N, K)
        self.mean = onehot.T @ X / counts[:, None]
        resid = X - self.mean[y]
        var = onehot.T @ resid ** 2 / counts[:, None]
        floor = self.var_smoothing * float(np.max(X.var(axis=0)))
        if floor <= 0 and (var <= 0).any():
            raise ValueError("X has a feature that is constant within a class: use var_smoothing > 0")
        self.var = var + floor
        self.log_prior = np.log(counts / X.shape[0])
        return self

    def _check(self, X) -> np.ndarray:
        if self.mean is None:
            raise ValueError("the model is not fitted: call fit(X, y) first")
        return _inputs(X, self.mean.shape[1])

    def feature_log_likelihoods(self, X) -> np.ndarray:
        r"""Per-feature terms :math:`\log\mathcal{N}(x_j;\mu_{kj},\sigma_{kj}^2) = -\tfrac12\bigl[\log(2\pi\sigma_{kj}^2) + (x_j-\mu_{kj})^2/\sigma_{kj}^2\bigr]`, shape ``(n, K, d)``.

        Naive Bayes *adds* these over :math:`j` -- the independence assumption in one line: a feature
        present twice is added twice.
        """
        X = self._check(X)
        z2 = (X[:, None, :] - self.mean[None]) ** 2 / self.var[None]
        return -0.5 * (np.log(self.var)[None] + LOG_2PI + z2)

    def joint_log_likelihood(self, X) -> np.ndarray:
        r""":math:`a_k(x) = \log\pi_k + \sum_j \log\mathcal{N}(x_j;\mu_{kj},\sigma_{kj}^2)`, shape ``(n, K)``."""
        return self.log_prior + self.feature_log_likelihoods(X).sum(axis=2)

    def predict_log_proba(self, X) -> np.ndarray:
        r""":math:`\log p(y=k\mid x) = a_k(x) - \operatorname{LSE}_k a_k(x)`, by :func:`lib.softmax.logsumexp`."""
        a = self.joint_log_likelihood(X)
        with np.errstate(under="ignore"):      # e^{a_k - max a} below 1e-308 is 0: exact enough, not an error
            return a - logsumexp(a, axis=1)[:, None]

    def predict_proba(self, X) -> np.ndarray:
        """Posterior class probabilities, shape ``(n, K)``."""
        with np.errstate(under="ignore"):      # a log-probability below -745 is a probability of 0
            return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        """Most probable class (ties: lowest label)."""
        return np.argmax(self.joint_log_likelihood(X), axis=1)


# --------------------------------------------------------------------------- calibration
def log_loss(log_proba, y) -> float:
    r"""Mean negative log-likelihood :math:`-\frac1n\sum_i \log p(y_i \mid x_i)` from log-probabilities (nats).

    Taking log-probabilities (not probabilities) keeps a confident mistake finite: a probability that
    rounds to 0 has a log-probability of, say, :math:`-800`, and costs exactly that.
    """
    log_proba = checks.array("log_proba", log_proba)
    if log_proba.ndim != 2:
        raise ValueError(f"log_proba must have shape (n, K), got {log_proba.shape}")
    y = _labels(y, log_proba.shape[0])
    if y.max() >= log_proba.shape[1]:
        raise ValueError(f"y has label {int(y.max())} but log_proba has only {log_proba.shape[1]} classes")
    if (log_proba > 1e-9).any():
        raise ValueError("log_proba must be log-probabilities (<= 0)")
    return float(-np.mean(log_proba[np.arange(y.size), y]))


def _binary(p, y) -> tuple[np.ndarray, np.ndarray]:
    p = checks.finite_array("p", p)
    if p.ndim != 1 or ((p < 0) | (p > 1)).any():
        raise ValueError("p must be a 1-D array of probabilities in [0, 1]")
    y = _labels(y, p.size)
    if y.size and y.max() > 1:
        raise ValueError("y must hold binary labels 0/1")
    return p, y


def reliability(p, y, bins: int = 10) -> dict[str, np.ndarray]:
    r"""Reliability diagram data: per equal-width bin of the predicted :math:`p(y=1)`, the mean prediction,
    the observed frequency of :math:`y = 1`, and the count (DeGroot & Fienberg 1983; Niculescu-Mizil &
    Caruana 2005). A calibrated model has frequency = prediction in every bin. Empty bins give NaN
    means and count 0. Returns ``{"edges", "predicted", "observed", "count"}``.
    """
    p, y = _binary(p, y)
    bins = checks.integer("bins", bins, 1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    sums_p = np.bincount(which, weights=p, minlength=bins)
    sums_y = np.bincount(which, weights=y.astype(float), minlength=bins)
    safe = np.maximum(count, 1)
    predicted = np.where(count > 0, sums_p / safe, np.nan)
    observed = np.where(count > 0, sums_y / safe, np.nan)
    return {"edges": edges, "predicted": predicted, "observed": observed, "count": count}


def expected_calibration_error(p, y, bins: int = 10) -> float:
    r""":math:`\mathrm{ECE} = \sum_b \frac{n_b}{n}\,\lvert \bar y_b - \bar p_b\rvert` over the bins of :func:`reliability` (Guo et al. 2017)."""
    r = reliability(p, y, bins)
    n = r["count"].sum()
    used = r["count"] > 0
    return float(np.sum(r["count"][used] / n * np.abs(r["observed"][used] - r["predicted"][used])))
