r"""Learning from inaccurate (and complementary) labels with a known noise transition matrix.

Class-conditional label noise flips a clean label :math:`y` to an observed :math:`\tilde y` with
probability :math:`T_{ij} = \Pr(\tilde y = j \mid y = i)`, independently of :math:`x`. Then the
noisy posterior is the clean one pushed through :math:`T`:

.. math::
    \tilde p(x) = T^\top p(x), \qquad \tilde p_j(x) = \sum_i T_{ij}\, p_i(x).

*Forward correction* (Patrini, Rozza, Menon, Nock & Qu 2017, "Making deep neural networks
robust to label noise: a loss correction approach", CVPR) trains the model's :math:`p_\theta(x)`
through the same map, minimizing :math:`-\log\bigl(T^\top p_\theta(x_i)\bigr)_{\tilde y_i}`; if
:math:`T` is invertible, the noisy likelihood is maximized by :math:`T^\top p_\theta = T^\top p`,
i.e. by the clean posterior. *Complementary labels* ("the image is *not* class :math:`j`") are the
special case :math:`T = (\mathbf 1\mathbf 1^\top - I)/(K-1)` (Ishida, Niu, Hu & Sugiyama 2017,
NeurIPS; Yu, Liu, Gong & Tao 2018, ECCV), one kind of *inexact* supervision in Zhou's (2018)
taxonomy of weak supervision.

* :func:`symmetric_noise`, :func:`asymmetric_noise`, :func:`complementary` -- transition matrices;
* :func:`corrupt` -- draw :math:`\tilde y` given :math:`y` and :math:`T`;
* :class:`ForwardCorrected` -- softmax regression with the forward-corrected loss
  (:math:`T = I` is plain softmax regression, :class:`lib.glm.SoftmaxRegression`).
"""
from __future__ import annotations

import numpy as np

from lib import checks
from lib.glm import SoftmaxRegression

__all__ = ["symmetric_noise", "asymmetric_noise", "complementary", "check_transition", "corrupt", "ForwardCorrected"]


def _rate(rho) -> float:
    if not (isinstance(rho, (int, float, np.floating)) and not isinstance(rho, bool) and 0 <= rho <= 1):
        raise ValueError(f"rho must be a number in [0, 1], got {rho!r}")
    return float(rho)


def symmetric_noise(rho: float, classes: int) -> np.ndarray:
    r"""Uniform flips: :math:`T = (1-\rho) I + \frac{\rho}{K-1}(\mathbf 1\mathbf 1^\top - I)`; a label is kept with probability :math:`1-\rho`."""
    rho, K = _rate(rho), checks.integer("classes", classes, 2)
    return (1 - rho) * np.eye(K) + rho / (K - 1) * (np.ones((K, K)) - np.eye(K))


def asymmetric_noise(rho: float, classes: int) -> np.ndarray:
    r"""One-way flips to the next class: :math:`T_{ii} = 1-\rho`, :math:`T_{i,i+1} = \rho` for :math:`i < K-1`; the last class is kept.

    For two classes: class 0 is flipped to 1 with probability :math:`\rho`, class 1 never -- noise that
    depends on the class, as when annotators confuse one class for a similar one (Patrini et al. 2017, §5).
    """
    rho, K = _rate(rho), checks.integer("classes", classes, 2)
    T = (1 - rho) * np.eye(K) + rho * np.eye(K, k=1)
    T[-1, -1] = 1.0
    return T


def complementary(classes: int) -> np.ndarray:
    r"""Complementary labels: :math:`\tilde y` uniform over the :math:`K-1` classes that are *not* :math:`y`."""
    K = checks.integer("classes", classes, 2)
    return (np.ones((K, K)) - np.eye(K)) / (K - 1)


def check_transition(T) -> np.ndarray:
    """``T`` as a row-stochastic ``(K, K)`` float matrix (rows are clean classes), or ``ValueError`` naming ``T``."""
    T = checks.finite_array("T", T)
    if T.ndim != 2 or T.shape[0] != T.shape[1] or T.shape[0] < 2:
        raise ValueError(f"T must be a square (K, K) matrix with K >= 2, got shape {T.shape}")
    if (T < 0).any() or not np.allclose(T.sum(1), 1.0, atol=1e-9):
        raise ValueError("T must have non-negative rows that sum to 1")
    return T


def corrupt(y, T, seed: int = 0) -> np.ndarray:
    r"""Noisy labels: :math:`\tilde y_i \sim \mathrm{Categorical}(T_{y_i,\cdot})`, independently of :math:`x_i`."""
    T = check_transition(T)
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu" or (y < 0).any() or (y >= len(T)).any():
        raise ValueError(f"y must be a 1-D array of integer labels in [0, {len(T)})")
    rng = np.random.default_rng(checks.integer("seed", seed, 0))
    cdf = np.cumsum(T[y], axis=1)
    u = rng.random(len(y))[:, None]
    return np.minimum((u >= cdf).sum(1), len(T) - 1)


class ForwardCorrected(SoftmaxRegression):
    r"""Softmax regression trained on noisy labels through a known transition matrix ``T`` (Patrini et al. 2017).

    .. math::
        p = \operatorname{softmax}(z), \quad z = W^\top x + b, \qquad
        \ell_i(\theta) = -\log \sum_k p_k\, T_{k\tilde y_i}
                       = -\operatorname{LSE}_k\bigl(\log p_k + \log T_{k\tilde y_i}\bigr),

    .. math::
        \frac{\partial \ell_i}{\partial z} = p - r, \qquad
        r_k = \frac{p_k T_{k\tilde y_i}}{\sum_j p_j T_{j\tilde y_i}} = \Pr(y = k \mid \tilde y_i, x_i),

    so the usual residual :math:`p - e_y` becomes :math:`p` minus the model's posterior of the clean
    label given the noisy one. :math:`r` is a softmax of :math:`\log p + \log T_{\cdot\tilde y}` and
    every term is a log-sum-exp: finite for any finite logits, with zeros in ``T`` allowed as long
    as every observed label has a clean class that can produce it. ``T = I`` gives the plain
    softmax cross-entropy. ``predict``/``predict_proba`` return the *clean* model :math:`p`.
    """

    def __init__(self, X, y_noisy, T):
        T = check_transition(T)
        super().__init__(X, y_noisy, len(T))
        if (T[:, self.y].sum(0) == 0).any():
            raise ValueError("T must give every observed label a positive probability from some clean class")
        self.T = T
        with np.errstate(divide="ignore"):
            self._logT = np.log(T)

    def _log_terms(self, theta, rows):
        r"""``(terms, log_p, Z)`` with classes along axis 0: :math:`\log p_k + \log T_{k\tilde y_i}`, :math:`\log p_k`, the logits.

        Max-shifted log-sum-exp in plain NumPy, on ``(K, n)`` arrays so that every reduction runs
        over the short class axis of a contiguous array (the careful :mod:`lib.softmax` versions,
        on ``(n, K)`` rows, cost several times the whole step here, for differences in the last ulp).
        """
        Z = np.ascontiguousarray(self._eta(theta, self.A[rows]).T)
        S = Z - Z.max(0)
        log_p = S - np.log(np.exp(S).sum(0))
        return log_p + self._logT[:, self.y[rows]], log_p, Z

    @np.errstate(all="ignore")
    def loss(self, theta, idx=None):
        r""":math:`\frac{1}{|B|}\sum_{i\in B} -\log (T^\top p_i)_{\tilde y_i}`."""
        terms, _, Z = self._log_terms(theta, self._rows(idx))
        if not np.isfinite(Z).all():
            return float("inf")
        m = terms.max(0)
        return float(-(m + np.log(np.exp(terms - m).sum(0))).mean())

    @np.errstate(all="ignore")
    def _residuals(self, theta, rows):
        r""":math:`p_i - r_i` per row, :math:`r_i = \operatorname{softmax}(\log p_i + \log T_{\cdot\tilde y_i})` (NaN where the logits overflow)."""
        terms, log_p, Z = self._log_terms(theta, rows)
        if not np.isfinite(Z).all():
            return np.full(Z.T.shape, np.nan)
        r = np.exp(terms - terms.max(0))
        return (np.exp(log_p) - r / r.sum(0)).T

    def noisy_proba(self, theta, X=None) -> np.ndarray:
        r""":math:`\tilde p = T^\top p`: the model's probabilities of the *observed* (noisy) labels."""
        return self.predict_proba(theta, X) @ self.T
