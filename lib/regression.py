r"""Linear regression under collinearity: OLS, its sampling variance, VIF, ridge and PCA regression.

The model is :math:`y = \beta_0 + X\beta + \varepsilon` with a design :math:`X \in \mathbb{R}^{N\times d}`
held fixed and noise :math:`\varepsilon \sim \mathcal{N}(0, \sigma_\varepsilon^2 I)`. With an intercept,
every estimator here works on the centered design :math:`X_c = X - \mathbf{1}\bar{x}^\top` and centered
target, and :math:`\hat\beta_0 = \bar{y} - \bar{x}^\top\hat\beta` (the intercept is never penalized).

Everything goes through one thin singular value decomposition
:math:`X_c = U \operatorname{diag}(s) V^\top` (:math:`s_1 \ge \dots \ge s_d \ge 0`), never through an
explicit inverse of :math:`X^\top X`: forming :math:`X^\top X` squares the condition number, which is
exactly what collinearity makes large (Golub & Van Loan 2013, *Matrix Computations*, §5.3). In the SVD
basis the four estimators are one formula with different *filter factors* :math:`\phi_k` on the
components :math:`u_k^\top y` (Hastie, Tibshirani & Friedman 2009, *The Elements of Statistical
Learning*, §3.4.1 eq. 3.47 and §3.5.1):

.. math::
    \hat\beta = \sum_{k=1}^{d} \phi_k\, \frac{u_k^\top y}{s_k}\, v_k, \qquad
    \phi_k = \begin{cases}
        1 & \text{OLS (} s_k > 0\text{)} \\
        s_k^2/(s_k^2+\lambda) & \text{ridge} \\
        \mathbb{1}(k \le q) & \text{PCA regression on } q \text{ components.}
    \end{cases}

Sampling variance of OLS (Gauss--Markov setting; ESL eq. 3.8):

.. math::
    \operatorname{Var}\hat\beta = \sigma_\varepsilon^2 (X_c^\top X_c)^{-1}
    = \sigma_\varepsilon^2 \sum_k \frac{v_k v_k^\top}{s_k^2}, \qquad
    \operatorname{Var}\hat\beta_j = \frac{\sigma_\varepsilon^2}{\sum_i (x_{ij}-\bar{x}_j)^2}\,
    \mathrm{VIF}_j, \qquad \mathrm{VIF}_j = \frac{1}{1-R_j^2},

where :math:`R_j^2` is the :math:`R^2` of regressing column :math:`j` on the other columns (Marquardt
1970, "Generalized inverses, ridge regression, biased linear estimation, and nonlinear estimation",
Technometrics 12(3); Belsley, Kuh & Welsch 1980, *Regression Diagnostics*).

Ridge regression is Hoerl & Kennard (1970), "Ridge regression: biased estimation for nonorthogonal
problems", Technometrics 12(1); PCA regression (principal components regression) is ESL §3.5.1 and
Jolliffe (1982), "A note on the use of principal components in regression", JRSS C 31(3).

A design whose centered columns are linearly dependent (rank below :math:`d`) has no unique OLS
coefficients: :func:`ols` then returns the minimum-norm solution and reports ``identifiable=False``;
:func:`coef_covariance` raises ``ValueError``; :func:`vif` gives ``inf``; :func:`prediction_variance`
is ``inf`` off the column space.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import checks


# --------------------------------------------------------------------------- input checks
def _design(X, name: str = "X") -> np.ndarray:
    X = checks.finite_array(name, X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array of shape (N, d) with N, d >= 1, got shape {X.shape}")
    return X


def _targets(y, n: int, name: str = "y") -> np.ndarray:
    y = checks.finite_array(name, y)
    if y.ndim not in (1, 2) or y.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) or ({n}, m) to match X, got shape {y.shape}")
    return y


def _intercept(intercept) -> bool:
    if not isinstance(intercept, (bool, np.bool_)):
        raise ValueError(f"intercept must be True or False, got {intercept!r}")
    return bool(intercept)


@dataclass(frozen=True)
class Decomposition:
    r"""The thin SVD :math:`X_c = U\operatorname{diag}(s)V^\top` of the (centered) design and its numerical rank.

    ``rank`` counts singular values above :math:`\max(N, d)\,\epsilon\, s_1` (NumPy's ``matrix_rank``
    tolerance); the rest are treated as exact zeros.
    """
    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray
    x_mean: np.ndarray
    rank: int

    @property
    def positive(self) -> np.ndarray:
        """Mask of the singular values treated as non-zero."""
        return np.arange(self.s.size) < self.rank


def decompose(X, intercept: bool = True) -> Decomposition:
    """SVD of ``X`` (centered when ``intercept``), with its numerical rank."""
    X = _design(X)
    intercept = _intercept(intercept)
    x_mean = X.mean(axis=0) if intercept else np.zeros(X.shape[1])
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    tol = s[0] * max(X.shape) * np.finfo(float).eps if s.size else 0.0
    rank = int(np.sum(s > tol)) if s.size and s[0] > 0 else 0
    return Decomposition(U, s, Vt, x_mean, rank)


# --------------------------------------------------------------------------- fits
@dataclass(frozen=True)
class LinearFit:
    r"""A fitted linear model :math:`\hat y = \hat\beta_0 + x^\top\hat\beta`.

    ``coef`` is :math:`\hat\beta` (shape ``(d,)``, or ``(d, m)`` for ``m`` targets fitted at once);
    ``rank`` the numerical rank of the centered design; ``identifiable`` whether it is full
    (``rank == d``): otherwise the coefficients are one of infinitely many equally good ones.
    """
    coef: np.ndarray
    intercept: np.ndarray | float
    rank: int
    d: int

    @property
    def identifiable(self) -> bool:
        return self.rank == self.d

    def predict(self, X) -> np.ndarray:
        X = _design(X)
        if X.shape[1] != self.d:
            raise ValueError(f"X must have {self.d} columns like the training design, got {X.shape[1]}")
        return X @ self.coef + self.intercept


def _filtered_fit(dec: Decomposition, y: np.ndarray, phi: np.ndarray, intercept: bool) -> LinearFit:
    r""":math:`\hat\beta = V \operatorname{diag}(\phi / s) U^\top y_c` for filter factors ``phi`` (0 where s = 0)."""
    y_mean = y.mean(axis=0) if intercept else np.zeros(y.shape[1:])
    scale = np.zeros_like(dec.s)
    scale[dec.positive] = phi[dec.positive] / dec.s[dec.positive]
    proj = dec.U.T @ (y - y_mean)                       # u_k^T y_c, shape (d,) or (d, m)
    coef = dec.Vt.T @ (scale.reshape(-1, *([1] * (proj.ndim - 1))) * proj)
    b0 = y_mean - dec.x_mean @ coef
    return LinearFit(coef, float(b0) if np.ndim(b0) == 0 else b0, dec.rank, dec.s.size)


def ols(X, y, intercept: bool = True) -> LinearFit:
    r"""Ordinary least squares :math:`\hat\beta = \arg\min_\beta \lVert y_c - X_c\beta\rVert^2` by SVD.

    :math:`\hat\beta = \sum_{k \le r} v_k\,u_k^\top y_c / s_k`: the least-squares solution of smallest norm
    (the pseudo-inverse solution, Golub & Van Loan 2013 §5.5), unique when the rank :math:`r = d`.
    ``y`` may hold ``m`` response vectors as columns (shape ``(N, m)``): all are fitted by the same
    decomposition, as :func:`refit_coefficients` does.
    """
    X = _design(X)
    y = _targets(y, X.shape[0])
    dec = decompose(X, intercept)
    return _filtered_fit(dec, y, np.ones_like(dec.s), _intercept(intercept))


def ridge(X, y, lam, intercept: bool = True) -> LinearFit:
    r"""Ridge regression (Hoerl & Kennard 1970): :math:`\hat\beta_\lambda = (X_c^\top X_c + \lambda I)^{-1}X_c^\top y_c`.

    Computed as :math:`\sum_k v_k\,\frac{s_k}{s_k^2+\lambda}\,u_k^\top y_c` (ESL eq. 3.47): the component
    along each principal direction :math:`v_k` is the OLS one times :math:`s_k^2/(s_k^2+\lambda)`, so the
    low-variance directions -- the ones collinearity makes noisy -- are shrunk most. ``lam`` >= 0;
    ``lam = 0`` is :func:`ols`. The penalty :math:`\lambda\lVert\beta\rVert^2` is not scale-invariant:
    standardize the columns first when they have different units.
    """
    lam = checks.finite("lam", lam, low=0.0)
    X = _design(X)
    y = _targets(y, X.shape[0])
    dec = decompose(X, intercept)
    return _filtered_fit(dec, y, dec.s ** 2 / (dec.s ** 2 + lam) if lam > 0 else np.ones_like(dec.s),
                         _intercept(intercept))


def ridge_path(X, y, lams, intercept: bool = True) -> np.ndarray:
    r"""Coefficient paths :math:`\hat\beta_\lambda` for every ``lam`` in ``lams``: shape ``(len(lams), d)``.

    One SVD serves every :math:`\lambda` (ESL Fig. 3.8 plots these paths against the effective
    degrees of freedom, :func:`ridge_effective_df`).
    """
    lams = checks.finite_array("lams", lams)
    if lams.ndim != 1 or lams.size == 0 or (lams < 0).any():
        raise ValueError("lams must be a non-empty 1-D array of numbers >= 0")
    X = _design(X)
    y = _targets(y, X.shape[0])
    if y.ndim != 1:
        raise ValueError(f"y must be one response vector of shape ({X.shape[0]},), got shape {y.shape}")
    dec = decompose(X, intercept)
    proj = np.where(dec.positive, dec.U.T @ (y - (y.mean() if intercept else 0.0)), 0.0)
    s = dec.s
    with np.errstate(divide="ignore", invalid="ignore"):   # s = 0 with lam = 0: the filter is 0 there
        gain = np.where(dec.positive, s / (s ** 2 + lams[:, None]), 0.0)
    return (gain * proj) @ dec.Vt


def ridge_effective_df(X, lam, intercept: bool = True) -> float:
    r"""Effective degrees of freedom of ridge, :math:`\mathrm{df}(\lambda) = \sum_k s_k^2/(s_k^2+\lambda)` (ESL eq. 3.50).

    ``d`` (the rank) at :math:`\lambda = 0`, falling to 0 as :math:`\lambda \to \infty`.
    """
    lam = checks.finite("lam", lam, low=0.0)
    dec = decompose(X, intercept)
    s2 = dec.s[dec.positive] ** 2
    return float(np.sum(s2 / (s2 + lam))) if lam > 0 else float(dec.rank)


def ridge_moments(X, beta, noise_var, lam, intercept: bool = True) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and covariance of :math:`\hat\beta_\lambda` over fresh noise, :math:`X` fixed (Hoerl & Kennard 1970, §4).

    .. math::
        \mathbb{E}\hat\beta_\lambda = V\operatorname{diag}\Bigl(\frac{s_k^2}{s_k^2+\lambda}\Bigr)V^\top\beta,
        \qquad
        \operatorname{Var}\hat\beta_\lambda = \sigma_\varepsilon^2\,
        V\operatorname{diag}\Bigl(\frac{s_k^2}{(s_k^2+\lambda)^2}\Bigr)V^\top,

    so the mean squared error is :math:`\lVert\mathbb{E}\hat\beta_\lambda-\beta\rVert^2 +
    \operatorname{tr}\operatorname{Var}\hat\beta_\lambda`. At :math:`\lambda = 0` (full rank) this is
    OLS: unbiased with covariance :func:`coef_covariance`. Hoerl & Kennard's theorem 4.3: some
    :math:`\lambda > 0` always has a smaller mean squared error than OLS.
    """
    lam = checks.finite("lam", lam, low=0.0)
    noise_var = checks.finite("noise_var", noise_var, low=0.0)
    dec = decompose(X, intercept)
    beta = checks.finite_array("beta", beta)
    if beta.shape != (dec.s.size,):
        raise ValueError(f"beta must have shape ({dec.s.size},) to match X, got {beta.shape}")
    if lam == 0 and dec.rank < dec.s.size:
        raise ValueError("X is rank-deficient: with lam = 0 the coefficients are not identifiable")
    s2 = np.where(dec.positive, dec.s ** 2, 0.0)
    V = dec.Vt.T
    mean = V @ (s2 / (s2 + lam) * (dec.Vt @ beta))
    cov = noise_var * (V * (s2 / (s2 + lam) ** 2)) @ dec.Vt
    return mean, cov


def pca_regression(X, y, components: int, intercept: bool = True) -> LinearFit:
    r"""Principal components regression on the first ``components`` directions (ESL §3.5.1).

    Regress :math:`y_c` on the scores :math:`z_k = X_c v_k = s_k u_k`, :math:`k \le q`, which are
    uncorrelated, and map back: :math:`\hat\beta^{\mathrm{pcr}}_q = \sum_{k \le q} v_k\,u_k^\top y_c/s_k`
    (ESL eq. 3.62). Dropping the low-variance directions removes the variance collinearity causes --
    and, if the response depends on one of them, the signal too (Jolliffe 1982). ``components`` in
    ``[0, rank]``; ``components = rank`` is :func:`ols`.
    """
    X = _design(X)
    y = _targets(y, X.shape[0])
    dec = decompose(X, intercept)
    q = checks.integer("components", components, 0, dec.rank)
    return _filtered_fit(dec, y, (np.arange(dec.s.size) < q).astype(float), _intercept(intercept))


def ols_many(X, y, intercept: bool = True) -> tuple[np.ndarray, np.ndarray]:
    r"""``R`` independent OLS fits at once: designs ``X`` of shape ``(R, N, d)``, targets ``y`` of shape ``(R, N)``.

    The same minimum-norm SVD solution as :func:`ols`, with NumPy's stacked SVD, for Monte-Carlo studies
    that draw a fresh design every time. Returns ``(coef, intercept)`` of shapes ``(R, d)`` and ``(R,)``.
    """
    X = checks.finite_array("X", X)
    if X.ndim != 3 or min(X.shape) < 1:
        raise ValueError(f"X must have shape (R, N, d), got {X.shape}")
    y = checks.finite_array("y", y)
    if y.shape != X.shape[:2]:
        raise ValueError(f"y must have shape {X.shape[:2]} to match X, got {y.shape}")
    intercept = _intercept(intercept)
    x_mean = X.mean(axis=1, keepdims=True) if intercept else np.zeros((X.shape[0], 1, X.shape[2]))
    y_mean = y.mean(axis=1, keepdims=True) if intercept else np.zeros((X.shape[0], 1))
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    tol = s[:, :1] * max(X.shape[1:]) * np.finfo(float).eps
    keep = s > tol
    inv = np.divide(1.0, s, out=np.zeros_like(s), where=keep)
    proj = np.einsum("rnk,rn->rk", U, y - y_mean)
    coef = np.einsum("rkj,rk->rj", Vt, inv * proj)
    return coef, (y_mean[:, 0] - np.einsum("rj,rj->r", x_mean[:, 0], coef))


# --------------------------------------------------------------------------- sampling variance
def coef_covariance(X, noise_var, intercept: bool = True) -> np.ndarray:
    r""":math:`\operatorname{Var}\hat\beta = \sigma_\varepsilon^2 (X_c^\top X_c)^{-1} = \sigma_\varepsilon^2 V \operatorname{diag}(s^{-2}) V^\top`.

    The covariance of the OLS coefficients over fresh noise with the design fixed (ESL eq. 3.8).
    Raises ``ValueError`` when ``X`` is rank-deficient: the coefficients are then not identifiable and
    their variance along the null space is unbounded.
    """
    noise_var = checks.finite("noise_var", noise_var, low=0.0)
    dec = decompose(X, intercept)
    if dec.rank < dec.s.size:
        raise ValueError(f"X is rank-deficient (rank {dec.rank} < {dec.s.size} columns): "
                         "the coefficients are not identifiable and have no finite variance")
    return noise_var * (dec.Vt.T / dec.s ** 2) @ dec.Vt


def prediction_variance(X, X0, noise_var, intercept: bool = True) -> np.ndarray:
    r"""Variance of the fitted mean at new inputs ``X0``, :math:`\operatorname{Var}\hat y(x_0)`.

    .. math::
        \operatorname{Var}\bigl(\hat\beta_0 + x_0^\top\hat\beta\bigr)
        = \sigma_\varepsilon^2\Bigl(\tfrac1N + (x_0-\bar x)^\top (X_c^\top X_c)^{-1}(x_0-\bar x)\Bigr)
        = \sigma_\varepsilon^2\Bigl(\tfrac1N + \sum_k \frac{\bigl(v_k^\top(x_0-\bar x)\bigr)^2}{s_k^2}\Bigr)

    (without an intercept drop the :math:`1/N` and :math:`\bar x`). Small where :math:`x_0` lies along
    the directions the data spread over (large :math:`s_k`), large off them: collinearity hurts
    extrapolation, not interpolation. For a rank-deficient design the variance is ``inf`` at points
    with a component along the null space (relative tolerance ``1e-9``) and finite elsewhere -- the
    minimum-norm predictions there are the same for every least-squares solution.
    """
    noise_var = checks.finite("noise_var", noise_var, low=0.0)
    dec = decompose(X, intercept)
    X0 = _design(X0, "X0")
    if X0.shape[1] != dec.s.size:
        raise ValueError(f"X0 must have {dec.s.size} columns like X, got {X0.shape[1]}")
    z = (X0 - dec.x_mean) @ dec.Vt.T                      # coordinates along v_k
    pos = dec.positive
    quad = np.sum((z[:, pos] / dec.s[pos]) ** 2, axis=1)
    norm = np.linalg.norm(X0 - dec.x_mean, axis=1)
    off = np.linalg.norm(z[:, ~pos], axis=1) > 1e-9 * np.maximum(norm, 1.0)
    n = dec.U.shape[0]
    out = noise_var * ((1.0 / n if intercept else 0.0) + quad)
    return np.where(off, np.inf, out)


def vif(X) -> np.ndarray:
    r"""Variance inflation factors :math:`\mathrm{VIF}_j = 1/(1-R_j^2)` of the columns of ``X``.

    :math:`R_j^2` is the coefficient of determination of the least-squares regression (with intercept)
    of column :math:`j` on the other columns; computed as :math:`\mathrm{VIF}_j = \mathrm{TSS}_j /
    \mathrm{RSS}_j`, which keeps full accuracy when :math:`R_j^2` is close to 1. ``inf`` when column
    :math:`j` is an exact linear combination of the others (residual below :math:`10^{-12}` of the
    column's spread). Equal to the diagonal of the inverse correlation matrix (Marquardt 1970), and
    :math:`\operatorname{Var}\hat\beta_j = \sigma_\varepsilon^2\,\mathrm{VIF}_j/\sum_i(x_{ij}-\bar x_j)^2`.
    A single column has VIF 1. A constant column raises ``ValueError``.
    """
    X = _design(X)
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    tss = np.sum(Xc ** 2, axis=0)
    if (tss <= 0).any():
        raise ValueError(f"X has a constant column ({int(np.argmin(tss))}): its VIF is undefined")
    out = np.ones(d)
    for j in range(d):
        if d == 1:
            break
        others = np.delete(Xc, j, axis=1)
        fit = ols(others, Xc[:, j], intercept=False)
        resid = Xc[:, j] - others @ fit.coef
        rss = float(resid @ resid)
        out[j] = np.inf if rss <= 1e-24 * tss[j] else tss[j] / rss
    return out


def refit_coefficients(X, beta, noise, draws: int, seed: int = 0, intercept: bool = True,
                       beta0: float = 0.0) -> np.ndarray:
    r"""A Monte-Carlo of refits: ``draws`` OLS fits of :math:`y = \beta_0 + X\beta + \sigma_\varepsilon\varepsilon`, fresh noise each time.

    The design ``X`` is held fixed (the setting of :func:`coef_covariance`); each draw is a new
    noise vector :math:`\varepsilon \sim \mathcal{N}(0, I_N)` and a new least-squares fit by
    :func:`ols` (all draws fitted at once as the columns of one target matrix). Returns the
    coefficients, shape ``(draws, d)``; their sample covariance estimates
    :math:`\sigma_\varepsilon^2(X_c^\top X_c)^{-1}` with a relative error of about
    :math:`\sqrt{2/\text{draws}}` per variance.
    """
    X = _design(X)
    beta = checks.finite_array("beta", beta)
    if beta.shape != (X.shape[1],):
        raise ValueError(f"beta must have shape ({X.shape[1]},) to match X, got {beta.shape}")
    noise = checks.finite("noise", noise, low=0.0)
    draws = checks.integer("draws", draws, 1)
    rng = np.random.default_rng(checks.integer("seed", seed, 0))
    Y = (X @ beta + checks.finite("beta0", beta0))[:, None] + noise * rng.standard_normal((X.shape[0], draws))
    return ols(X, Y, intercept).coef.T
