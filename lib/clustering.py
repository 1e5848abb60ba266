r"""Unsupervised learning: k-means, Gaussian mixtures by EM, principal components, and a cluster-vs-class score.

* :func:`kmeans` -- Lloyd's algorithm (Lloyd 1982, "Least squares quantization in PCM",
  IEEE Trans. Inf. Theory 28(2)) from k-means++ seeds (Arthur & Vassilvitskii 2007, SODA),
  minimizing the within-cluster sum of squares

  .. math:: J(\mu, c) = \sum_{i=1}^{N} \lVert x_i - \mu_{c_i} \rVert^2 .

* :func:`gmm` -- a mixture of :math:`K` full-covariance Gaussians fitted by
  expectation--maximization (Dempster, Laird & Rubin 1977, JRSS B 39(1); Bishop 2006,
  *Pattern Recognition and Machine Learning*, §9.2), a *density* model

  .. math:: p(x) = \sum_{k=1}^{K} \pi_k\, \mathcal N(x \mid \mu_k, \Sigma_k),

  whose log-likelihood :func:`gmm_log_density` is computed with log-sum-exp and Cholesky factors.
* :func:`pca` -- principal components (Pearson 1901; Hotelling 1933) by the SVD of the centred data.
* :func:`adjusted_rand_index` -- agreement of two partitions, 1 for identical ones and 0 in
  expectation for a random one (Hubert & Arabie 1985, "Comparing partitions", J. Classification 2).

Every function validates its input (``ValueError`` naming the argument) and takes a ``seed``
for :func:`numpy.random.default_rng` where it draws.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lib import checks
from lib.softmax import logsumexp

__all__ = ["KMeans", "kmeans", "within_sum_of_squares", "GMM", "gmm", "gmm_log_density", "pca", "adjusted_rand_index"]

_LOG_2PI = math.log(2 * math.pi)


def _data(X) -> np.ndarray:
    X = checks.finite_array("X", X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a non-empty 2-D array (n, d), got shape {X.shape}")
    return X


def squared_distances(X, C) -> np.ndarray:
    r""":math:`\lVert x_i - c_k\rVert^2`, shape ``(n, K)``, clipped at 0 (the expanded form can round below it)."""
    d = (X * X).sum(1)[:, None] - 2 * X @ C.T + (C * C).sum(1)[None, :]
    return np.maximum(d, 0.0)


# --------------------------------------------------------------------------- k-means
@dataclass(frozen=True)
class KMeans:
    """A k-means fit: ``centers`` (K, d), ``labels`` (n,), ``inertia`` :math:`J`, Lloyd ``iterations`` of the best start."""

    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    iterations: int

    def predict(self, X) -> np.ndarray:
        """Index of the nearest centre for each row of ``X``."""
        X = _data(X)
        if X.shape[1] != self.centers.shape[1]:
            raise ValueError(f"X must have {self.centers.shape[1]} columns, got shape {X.shape}")
        return squared_distances(X, self.centers).argmin(1)


def _kmeans_plus_plus(X, k, rng) -> np.ndarray:
    r"""k-means++ seeding: each new centre drawn with probability :math:`\propto D(x)^2`, the squared distance to the nearest chosen one."""
    centers = [X[rng.integers(len(X))]]
    d2 = squared_distances(X, np.array(centers))[:, 0]
    for _ in range(1, k):
        total = d2.sum()
        i = rng.integers(len(X)) if total <= 0 else rng.choice(len(X), p=d2 / total)
        centers.append(X[i])
        d2 = np.minimum(d2, squared_distances(X, X[i : i + 1])[:, 0])
    return np.array(centers)


def _lloyd(X, centers, max_iter):
    """Alternate assignment and mean steps until the assignment stops changing; an emptied cluster keeps its centre."""
    labels = None
    for it in range(1, max_iter + 1):
        new = squared_distances(X, centers).argmin(1)
        if labels is not None and np.array_equal(new, labels):
            return centers, labels, it - 1
        labels = new
        for j in range(len(centers)):
            members = labels == j
            if members.any():
                centers[j] = X[members].mean(0)
    return centers, labels, max_iter


def kmeans(X, k: int, seed: int = 0, n_init: int = 10, max_iter: int = 300) -> KMeans:
    r"""k-means: Lloyd's algorithm from ``n_init`` k-means++ starts; the fit with the smallest :math:`J` wins.

    Each Lloyd iteration cannot increase :math:`J` (the assignment step minimizes it over
    :math:`c`, the mean step over :math:`\mu`), so every run stops at a local minimum.
    """
    X = _data(X)
    k = checks.integer("k", k, 1, len(X))
    n_init = checks.integer("n_init", n_init, 1)
    max_iter = checks.integer("max_iter", max_iter, 1)
    rng = np.random.default_rng(checks.integer("seed", seed, 0))
    best = None
    for _ in range(n_init):
        centers, labels, iterations = _lloyd(X, _kmeans_plus_plus(X, k, rng), max_iter)
        inertia = float(((X - centers[labels]) ** 2).sum())  # directly: the expanded form rounds
        if best is None or inertia < best.inertia:
            best = KMeans(centers, labels, inertia, iterations)
    return best


def within_sum_of_squares(X, labels) -> float:
    r"""The k-means objective :math:`J` of any partition: :math:`\sum_i \lVert x_i - \bar x_{c_i}\rVert^2`, :math:`\bar x_c` the mean of group :math:`c`."""
    X = _data(X)
    groups = np.asarray(labels)
    if groups.shape != (len(X),):
        raise ValueError(f"labels must have one entry per row of X ({len(X)}), got shape {groups.shape}")
    return float(sum(((X[groups == g] - X[groups == g].mean(0)) ** 2).sum() for g in np.unique(groups)))


# --------------------------------------------------------------------------- Gaussian mixture
@dataclass(frozen=True)
class GMM:
    r"""A Gaussian mixture: ``weights`` :math:`\pi` (K,), ``means`` (K, d), ``covariances`` (K, d, d);
    ``history`` the mean training log-likelihood after each EM step (non-decreasing), ``converged``."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    history: np.ndarray
    converged: bool

    def log_density(self, X) -> np.ndarray:
        r""":math:`\log p(x_i)` for each row of ``X`` (:func:`gmm_log_density`)."""
        return gmm_log_density(X, self.weights, self.means, self.covariances)

    def responsibilities(self, X) -> np.ndarray:
        r""":math:`\gamma_{ik} = \pi_k \mathcal N(x_i\mid\mu_k,\Sigma_k) / p(x_i)`, shape ``(n, K)``."""
        joint = _log_joint(_data(X), self.weights, self.means, self.covariances)
        return np.exp(joint - logsumexp(joint, axis=1)[:, None])

    def predict(self, X) -> np.ndarray:
        """The most responsible component for each row of ``X``."""
        return self.responsibilities(X).argmax(1)


def _log_joint(X, weights, means, covariances) -> np.ndarray:
    r""":math:`\log \pi_k + \log\mathcal N(x_i\mid\mu_k,\Sigma_k)`, shape ``(n, K)``, through the Cholesky factor of each :math:`\Sigma_k`."""
    n, d = X.shape
    out = np.empty((n, len(weights)))
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)
    for k, (mu, S) in enumerate(zip(means, covariances)):
        L = np.linalg.cholesky(S)
        z = np.linalg.solve(L, (X - mu).T)  # L z = x - mu
        out[:, k] = log_w[k] - 0.5 * (z * z).sum(0) - np.log(np.diag(L)).sum() - 0.5 * d * _LOG_2PI
    return out


def gmm_log_density(X, weights, means, covariances) -> np.ndarray:
    r""":math:`\log p(x_i) = \operatorname{LSE}_k\bigl(\log\pi_k + \log\mathcal N(x_i\mid\mu_k,\Sigma_k)\bigr)` per row of ``X``.

    Finite for any finite ``X`` (no exponential is formed outside :func:`lib.softmax.logsumexp`).
    """
    X = _data(X)
    weights = checks.finite_array("weights", weights)
    if weights.ndim != 1 or (weights < 0).any() or abs(weights.sum() - 1) > 1e-9:
        raise ValueError("weights must be a 1-D array of non-negative numbers summing to 1")
    means = checks.finite_array("means", means)
    covariances = checks.finite_array("covariances", covariances)
    K, d = len(weights), X.shape[1]
    if means.shape != (K, d) or covariances.shape != (K, d, d):
        raise ValueError(f"means must have shape ({K}, {d}) and covariances ({K}, {d}, {d}), got {means.shape} and {covariances.shape}")
    try:
        joint = _log_joint(X, weights, means, covariances)
    except np.linalg.LinAlgError:
        raise ValueError("covariances must be symmetric positive definite") from None
    return logsumexp(joint, axis=1)


def gmm(X, k: int, seed: int = 0, max_iter: int = 200, tol: float = 1e-6, reg: float = 1e-6) -> GMM:
    r"""Fit a :math:`K`-component full-covariance Gaussian mixture by EM, started from :func:`kmeans`.

    E step: responsibilities :math:`\gamma_{ik}`. M step (Bishop 2006, eqs. 9.24--9.26):

    .. math::
        N_k = \sum_i \gamma_{ik}, \quad \pi_k = N_k/N, \quad \mu_k = \frac{1}{N_k}\sum_i \gamma_{ik} x_i, \quad
        \Sigma_k = \frac{1}{N_k}\sum_i \gamma_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top + \varepsilon I ,

    with ``reg`` :math:`=\varepsilon` keeping every :math:`\Sigma_k` positive definite (the likelihood
    of a mixture is unbounded when a component collapses onto one point). Stops when the mean
    log-likelihood gains less than ``tol``. Each step cannot lower the likelihood (Dempster et al. 1977).
    """
    X = _data(X)
    n, d = X.shape
    k = checks.integer("k", k, 1, n)
    max_iter = checks.integer("max_iter", max_iter, 1)
    tol = checks.finite("tol", tol, 0.0)
    reg = checks.positive("reg", reg)
    start = kmeans(X, k, seed=seed, n_init=3)
    R = np.eye(k)[start.labels]
    history, converged = [], False
    for _ in range(max_iter):
        Nk = R.sum(0) + 1e-12
        weights = Nk / Nk.sum()
        means = (R.T @ X) / Nk[:, None]
        covariances = np.empty((k, d, d))
        for j in range(k):
            D = X - means[j]
            covariances[j] = (R[:, j, None] * D).T @ D / Nk[j] + reg * np.eye(d)
        joint = _log_joint(X, weights, means, covariances)
        log_p = logsumexp(joint, axis=1)
        R = np.exp(joint - log_p[:, None])
        history.append(float(log_p.mean()))
        if len(history) > 1 and history[-1] - history[-2] < tol:
            converged = True
            break
    return GMM(weights, means, covariances, np.array(history), converged)


# --------------------------------------------------------------------------- PCA
def pca(X, k: int):
    r"""The first ``k`` principal components of ``X``: ``(mean, components (k, d), variances (k,))``.

    With the centred data :math:`X_c = U S V^\top`, the components are the first rows of
    :math:`V^\top` and the variances :math:`s_j^2/(n-1)`; the scores of new data are
    :math:`(x - \bar x) V_k`. No labels are used (Pearson 1901; Hotelling 1933).
    """
    X = _data(X)
    k = checks.integer("k", k, 1, min(X.shape))
    mean = X.mean(0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:k], s[:k] ** 2 / max(len(X) - 1, 1)


# --------------------------------------------------------------------------- cluster-vs-class agreement
def _labels(name, a) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of labels, got shape {a.shape}")
    return np.unique(a, return_inverse=True)[1]


def adjusted_rand_index(a, b) -> float:
    r"""Adjusted Rand index of two partitions of the same points (Hubert & Arabie 1985).

    .. math::
        \mathrm{ARI} = \frac{\sum_{ij}\binom{n_{ij}}{2} - E}{\tfrac12\bigl[\sum_i\binom{a_i}{2}+\sum_j\binom{b_j}{2}\bigr] - E},
        \qquad E = \frac{\sum_i\binom{a_i}{2}\sum_j\binom{b_j}{2}}{\binom{n}{2}},

    with :math:`n_{ij}` the contingency table and :math:`a_i, b_j` its margins. Invariant to
    renaming the labels; 1 for identical partitions, 0 in expectation for independent ones.
    Two trivial partitions (all points in one group) agree perfectly: 1.
    """
    a, b = _labels("a", a), _labels("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must label the same points, got shapes {a.shape} and {b.shape}")
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    pairs = lambda m: (m * (m - 1) / 2).sum()  # noqa: E731
    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / (len(a) * (len(a) - 1) / 2) if len(a) > 1 else 0.0
    top = 0.5 * (rows + cols)
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))
