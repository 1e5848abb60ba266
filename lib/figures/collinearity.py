r"""Figures, explorables and experiments of the chapter on collinearity and overfitting.

The chapter's problems, each seeded:

* **two correlated inputs** (:func:`design`): :math:`x_1 = z_1`,
  :math:`x_2 = \rho z_1 + \sqrt{1-\rho^2}\,z_2` with :math:`z \sim \mathcal{N}(0, I)`, so both have
  unit variance and population correlation :math:`\rho` (:math:`\rho = 1` makes them identical);
  the response is :math:`y = x^\top\beta + \sigma_\varepsilon\varepsilon` with :data:`BETA` = (1, 1),
  :math:`\sigma_\varepsilon = 1`, fitted with an intercept by :mod:`lib.regression`;
* **two noisy measurements of one quantity** (:func:`measurements`) for the decision tree of
  :mod:`lib.trees`: :math:`x_a, x_b = u + \tau\varepsilon_{a,b}` with correlation
  :math:`1/(1+\tau^2)`, an independent input :math:`x_c`, and :math:`y = \sin 2u + x_c/2 + \text{noise}`;
* **a class with a copied feature** (:func:`copies_data`) for :mod:`lib.naive_bayes`: two classes,
  one feature measured :math:`m` times with correlation :math:`\rho_c` between the copies' noises,
  plus one independent feature.

Every function here calls those modules and plots; nothing is fitted here by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.patches import Ellipse

from lib import checks, style
from lib.explorable import Dropdown, Slider, explore
from lib.naive_bayes import GaussianNaiveBayes, expected_calibration_error, log_loss, reliability
from lib.softmax import log_softmax
from lib.regression import (coef_covariance, decompose, ols, ols_many, pca_regression, prediction_variance, refit_coefficients,
                            ridge, ridge_effective_df, ridge_moments, ridge_path, vif)
from lib.trees import DecisionTree

C = style.PALETTE
#: True coefficients of the regression problem: the response follows the direction the inputs share.
BETA = np.array([1.0, 1.0])
#: The same inputs with the response along the direction they *disagree* on (for the remedies).
BETA_ACROSS = np.array([1.0, -1.0])
#: Noise standard deviation of the regression problem.
NOISE = 1.0
#: Examples in the regression problem.
N = 50
#: A point along the data's shared direction and one across it, for the prediction variance.
ALONG, ACROSS = np.array([1.0, 1.0]), np.array([1.0, -1.0])


def design(n: int = N, rho: float = 0.9, seed: int = 0) -> np.ndarray:
    r"""``n`` rows of two unit-variance Gaussian inputs with correlation ``rho`` in [0, 1] (exact copies at 1)."""
    n = checks.integer("n", n, 2)
    rho = checks.finite("rho", rho, low=0.0)
    if rho > 1:
        raise ValueError(f"rho must be in [0, 1], got {rho}")
    z = np.random.default_rng(checks.integer("seed", seed, 0)).standard_normal((n, 2))
    return np.column_stack([z[:, 0], rho * z[:, 0] + np.sqrt(1.0 - rho ** 2) * z[:, 1]])


def response(X: np.ndarray, beta=BETA, seed: int = 1) -> np.ndarray:
    """:math:`y = X\\beta + \\sigma_\\varepsilon\\varepsilon`, seeded."""
    rng = np.random.default_rng(seed)
    return X @ np.asarray(beta, dtype=float) + NOISE * rng.standard_normal(X.shape[0])


def population_cov(rho: float) -> np.ndarray:
    return np.array([[1.0, rho], [rho, 1.0]])


# --------------------------------------------------------------------------- claim 1: variance and VIF
def variance_check(rhos=(0.0, 0.9, 0.99, 0.999), n: int = N, draws: int = 20_000, seed: int = 0) -> list[dict]:
    r"""Per :math:`\rho`: the design's VIF, :math:`\operatorname{Var}\hat\beta_1` from :math:`\sigma_\varepsilon^2(X_c^\top X_c)^{-1}`
    and from ``draws`` refits (design fixed, fresh noise), and the same for predictions along and across.

    The Monte Carlo is the experiment: had collinearity not inflated the coefficients' variance, the
    measured standard deviation would not grow with :math:`\rho`; had the formula been wrong, the
    ratio measured/formula would be off 1 by more than its sampling error :math:`\approx\sqrt{2/\text{draws}}`.
    """
    rows = []
    for rho in rhos:
        X = design(n, rho, seed)
        B = refit_coefficients(X, BETA, NOISE, draws, seed=seed + 1)
        cov = coef_covariance(X, NOISE ** 2)
        # the fitted mean at a point, each draw: intercept + x0 . beta_hat, from the same refits
        fits = ols(X, X @ BETA[:, None] + NOISE * np.random.default_rng(seed + 1).standard_normal((n, draws)))
        points = np.stack([ALONG, ACROSS])
        predicted = points @ fits.coef + fits.intercept                  # (2, draws)
        rows.append({
            "rho": rho, "r": float(np.corrcoef(X.T)[0, 1]), "vif": float(vif(X)[0]),
            "var_formula": float(cov[0, 0]), "var_mc": float(B[:, 0].var(ddof=1)),
            "sd_formula": float(np.sqrt(cov[0, 0])), "sd_mc": float(B[:, 0].std(ddof=1)),
            "corr_mc": float(np.corrcoef(B.T)[0, 1]),
            "pred_sd_formula": np.sqrt(prediction_variance(X, points, NOISE ** 2)),
            "pred_sd_mc": predicted.std(axis=1, ddof=1),
        })
    return rows


def three_inputs(n: int = N, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    r"""Three inputs where the third is nearly the sum of the other two: :math:`x_3 = x_1 + x_2 + 0.1\,e`,
    with :math:`x_1, x_2, e` independent standard normals. No pair is very correlated (about 0.7), yet
    :math:`x_3` is almost computable from the others."""
    z = np.random.default_rng(seed).standard_normal((n, 3))
    return np.column_stack([z[:, 0], z[:, 1], z[:, 0] + z[:, 1] + noise * z[:, 2]])


def multicollinearity_check(n: int = N, draws: int = 20_000, seed: int = 0) -> dict:
    """Pairwise correlations, VIFs and the sd of each coefficient (formula and refits) for :func:`three_inputs`."""
    X = three_inputs(n, seed=seed)
    beta = np.ones(3)
    B = refit_coefficients(X, beta, NOISE, draws, seed=seed + 1)
    corr = np.corrcoef(X.T)
    return {"max_pair_corr": float(np.max(np.abs(corr[np.triu_indices(3, 1)]))), "vif": vif(X),
            "sd_formula": np.sqrt(np.diag(coef_covariance(X, NOISE ** 2))), "sd_mc": B.std(axis=0, ddof=1)}


def cloud_summary(rhos=(0.0, 0.9, 0.99, 1.0), n: int = N) -> list[dict]:
    """What the cloud explorable shows at a few correlations: VIF, sd of the first coefficient (formula; inf when
    singular), and the standard error of the fitted mean at (1, 1) and at (1, -1)."""
    out = []
    for rho in rhos:
        X, B, _, v = cloud(rho, n)
        se = np.sqrt(prediction_variance(X, np.stack([ALONG, ACROSS]), NOISE ** 2))
        sd = np.sqrt(coef_covariance(X, NOISE ** 2)[0, 0]) if np.isfinite(v[0]) else np.inf
        out.append({"rho": rho, "vif": float(v[0]), "sd": float(sd), "sd_refits": float(B[:, 0].std(ddof=1)),
                    "se_along": float(se[0]), "se_across": float(se[1])})
    return out


# --------------------------------------------------------------------------- claim 3: overfitting
def excess_risk(fit, beta, cov) -> float:
    r"""Expected excess squared error of ``fit`` at a fresh input :math:`x_0 \sim \mathcal{N}(0, \Sigma)`:
    :math:`\hat\beta_0^2 + (\hat\beta-\beta)^\top\Sigma(\hat\beta-\beta)` (the true intercept is 0), exact."""
    delta = fit.coef - beta
    return float(fit.intercept ** 2 + delta @ cov @ delta)


def predicted_test_error(n: int, d: int) -> float:
    r"""Expected in-distribution test MSE of OLS with an intercept on :math:`d` Gaussian inputs, *any* covariance:

    .. math::
        \sigma_\varepsilon^2\Bigl(1 + \tfrac1N + \bigl(1+\tfrac1N\bigr)\tfrac{d}{N-d-2}\Bigr),

    from :math:`\mathbb{E}[(X_c^\top X_c)^{-1}] = \Sigma^{-1}/(N-d-2)` for the Wishart matrix
    :math:`X_c^\top X_c \sim W_d(\Sigma, N-1)` (Anderson 2003, *An Introduction to Multivariate
    Statistical Analysis*, §7.2): :math:`\Sigma` cancels, so the correlation between inputs cannot appear.
    """
    return NOISE ** 2 * (1 + 1 / n + (1 + 1 / n) * d / (n - d - 2))


def designs_many(count: int, n: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` independent designs of :func:`design`'s kind, shape ``(count, n, 2)``."""
    z = rng.standard_normal((count, n, 2))
    return np.stack([z[..., 0], rho * z[..., 0] + np.sqrt(1.0 - rho ** 2) * z[..., 1]], axis=-1)


def excess_risks(coef, intercept, beta, cov) -> np.ndarray:
    """:func:`excess_risk` for many fits at once (``coef`` of shape ``(R, d)``)."""
    delta = coef - beta
    return intercept ** 2 + np.einsum("ri,ij,rj->r", delta, cov, delta)


@lru_cache(maxsize=None)
def overfitting_check(rhos=(0.0, 0.9, 0.99, 0.999), n: int = N, designs: int = 20_000, seed: int = 10) -> list[dict]:
    r"""Averages over ``designs`` fresh training sets per :math:`\rho` (independent draws for every :math:`\rho`):
    training MSE, in-distribution test MSE (test inputs with the same correlation), test MSE off the
    correlated direction (independent test inputs), and the coefficient error
    :math:`\lVert\hat\beta-\beta\rVert^2`. Test errors are exact expectations over the test input for
    each fitted model (:func:`excess_risk`), averaged over training sets; ``test_in_se`` is the
    Monte-Carlo standard error of the in-distribution mean."""
    rows = []
    for i, rho in enumerate(rhos):
        rng = np.random.default_rng([seed, i])
        X = designs_many(designs, n, rho, rng)
        y = X @ BETA + NOISE * rng.standard_normal((designs, n))
        coef, b0 = ols_many(X, y)
        fitted = np.einsum("rnj,rj->rn", X, coef) + b0[:, None]
        test_in = NOISE ** 2 + excess_risks(coef, b0, BETA, population_cov(rho))
        rows.append({"rho": rho, "train": float(np.mean((y - fitted) ** 2)), "test_in": float(test_in.mean()),
                     "test_in_se": float(test_in.std(ddof=1) / np.sqrt(designs)),
                     "test_off": float(np.mean(NOISE ** 2 + excess_risks(coef, b0, BETA, np.eye(2)))),
                     "coef_err": float(np.mean(np.sum((coef - BETA) ** 2, axis=1))),
                     "predicted": predicted_test_error(n, 2)})
    return rows


@lru_cache(maxsize=None)
def redundancy_check(n: int = N, designs: int = 20_000, rho: float = 0.99, seed: int = 20) -> dict[str, dict]:
    r"""Test MSE when :math:`y = x_1 + \varepsilon` is fitted on :math:`x_1` alone, on :math:`x_1` and a
    collinear copy (correlation ``rho``), and on :math:`x_1` and an independent, useless input
    (independent draws for each).

    Overfitting predicts a cost for the *extra parameter* -- the same for both extra inputs, from
    :func:`predicted_test_error` with :math:`d = 1` and :math:`d = 2`; collinearity adds nothing to it.
    """
    out = {}
    for i, (name, r, d) in enumerate((("x1 alone", 0.0, 1), (f"x1 + copy (rho = {rho})", rho, 2),
                                      ("x1 + independent input", 0.0, 2))):
        rng = np.random.default_rng([seed, i])
        X = designs_many(designs, n, r, rng)[..., :d]
        y = X[..., 0] + NOISE * rng.standard_normal((designs, n))
        coef, b0 = ols_many(X, y)
        errs = NOISE ** 2 + excess_risks(coef, b0, np.array([1.0, 0.0])[:d], population_cov(r)[:d, :d])
        out[name] = {"test": float(errs.mean()), "se": float(errs.std(ddof=1) / np.sqrt(designs)),
                     "predicted": predicted_test_error(n, d)}
    return out


def overfitting_figure():
    """Coefficient error and test errors (in and off the correlated direction) against the correlation."""
    rhos = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
    rows = overfitting_check(rhos, designs=2000)
    x = [1 - r["rho"] for r in rows]
    fig = style.figure(height=3.4)
    coef_ax, test_ax = fig.subplots(1, 2)
    coef_ax.loglog(x, [r["coef_err"] for r in rows], "o-", color=C["vermillion"], label="measured")
    vifs = np.array([1 / (1 - r ** 2) for r in rhos])
    coef_ax.loglog(x, 2 * NOISE ** 2 / (N - 2 - 2) * vifs, "--", color=C["black"], lw=1.2,
                   label="2σ²·VIF/(N−4)")
    coef_ax.set(xlabel="1 − ρ (log scale)", ylabel=r"$\mathbb{E}\,\|\hat\beta-\beta\|^2$",
                title="Coefficient error")
    coef_ax.invert_xaxis()
    coef_ax.legend(loc="upper left")
    test_ax.semilogx(x, [r["test_off"] for r in rows], "s-", color=C["orange"], label="off the data's direction")
    test_ax.semilogx(x, [r["test_in"] for r in rows], "o-", color=C["blue"], label="like the training data")
    test_ax.semilogx(x, [r["train"] for r in rows], "^-", color=C["green"], label="training")
    test_ax.axhline(predicted_test_error(N, 2), color=C["black"], ls="--", lw=1.2, label="predicted, any ρ")
    test_ax.set(xlabel="1 − ρ (log scale)", ylabel="mean squared error", yscale="log", title="Prediction error")
    test_ax.invert_xaxis()
    handles, labels = test_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    return style.Still(fig, alt="Left: the mean squared error of the OLS coefficients against one minus the "
                                "correlation, rising like the variance inflation factor. Right: training error, "
                                "test error on inputs like the training data (flat, on the predicted line) and test "
                                "error on inputs off the correlated direction (rising) against the same axis.")


# --------------------------------------------------------------------------- explorable 1: sampling cloud
#: Correlations offered by the cloud explorable (the grid ends at exact copies).
RHOS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0)
CLOUD_DRAWS = 300
#: Standard errors of the fitted mean (in units of σε) whose contours the cloud explorable draws.
SE_LEVELS = (0.25, 0.5, 1.0, 2.0)


@lru_cache(maxsize=None)
def cloud(rho: float, n: int):
    """Design, refits, its SVD and VIF for the cloud explorable (design seed 0, noise seed 1)."""
    X = design(n, rho, seed=0)
    return X, refit_coefficients(X, BETA, NOISE, CLOUD_DRAWS, seed=1), decompose(X), vif(X)


def se_ellipse(dec, n: int, level: float) -> tuple[tuple, float, float, float]:
    r"""Centre, width, height and angle (degrees) of the contour :math:`\operatorname{SE}\hat y(x_0) = \text{level}\cdot\sigma_\varepsilon`.

    By the prediction variance (:func:`lib.regression.prediction_variance`) the contour is :math:`\sum_k (v_k^\top(x_0-\bar x))^2/s_k^2 = c^2 - 1/N`: an
    ellipse centred at :math:`\bar x` with semi-axes :math:`s_k\sqrt{c^2-1/N}` along :math:`v_k` (a segment
    along :math:`v_1` when :math:`s_2 = 0`)."""
    r = np.sqrt(level ** 2 - 1.0 / n)
    s = np.where(dec.positive, dec.s, 0.0)
    angle = float(np.degrees(np.arctan2(dec.Vt[0, 1], dec.Vt[0, 0])))
    return tuple(dec.x_mean), float(2 * s[0] * r), float(2 * s[1] * r), angle


def cloud_figure():
    """Left: OLS coefficients over fresh-noise refits, with the formula's 95% ellipse. Right: the inputs and
    contours of the standard error of the fitted mean over the input plane."""
    def make(fig):
        coef_ax, plane_ax = fig.subplots(1, 2)
        lim = (-3.0, 5.0)
        coef_ax.set(xlim=lim, ylim=lim, xlabel=r"$\hat\beta_1$", ylabel=r"$\hat\beta_2$", aspect="equal")
        coef_ax.plot(*BETA, "*", color=C["black"], ms=12, zorder=5)
        coef_ax.plot(lim, [2 - lim[0], 2 - lim[1]], ":", color=C["black"], lw=1)    # beta1 + beta2 = 2
        dots = coef_ax.scatter([], [], s=5, color=C["blue"], alpha=0.5, animated=True)
        ellipse = Ellipse((1, 1), 1, 1, fill=False, color=C["vermillion"], lw=2, animated=True)
        coef_ax.add_patch(ellipse)
        coef_title = coef_ax.set_title("\n")
        coef_title.set_animated(True)
        level_colors = (C["green"], C["blue"], C["purple"], C["orange"])
        contours = []
        for level, color in zip(SE_LEVELS, level_colors):
            patch = Ellipse((0, 0), 1, 1, fill=False, color=color, lw=1.8, animated=True, label=f"{level:g}σ")
            plane_ax.add_patch(patch)
            contours.append(patch)
        points = plane_ax.scatter([], [], s=6, color=C["black"], edgecolor="none", animated=True)
        plane_ax.plot(*ALONG, "o", color=C["vermillion"], ms=8)
        plane_ax.plot(*ACROSS, "s", color=C["vermillion"], ms=8)
        only_line, = plane_ax.plot([-3.5, 3.5], [-3.5, 3.5], color=C["vermillion"], lw=1.2, ls="--", animated=True)
        plane_ax.set(xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
        plane_title = plane_ax.set_title("\n")
        plane_title.set_animated(True)
        fig.legend(handles=contours, loc="outside lower center", ncol=4, title="contours of the SE of the fitted mean")

        def update(rho, n):
            X, B, dec, v = cloud(rho, n)
            dots.set_offsets(np.clip(B, lim[0] - 1, lim[1] + 1))
            for level, patch in zip(SE_LEVELS, contours):
                centre, width, height, angle = se_ellipse(dec, n, level)
                patch.set_center(centre)
                patch.set_width(width)
                patch.set_height(height)
                patch.set_angle(angle)
            points.set_offsets(X)
            only_line.set_visible(not np.isfinite(v[0]))
            sd_along, sd_across = np.sqrt(prediction_variance(X, np.stack([ALONG, ACROSS]), NOISE ** 2))
            if not np.isfinite(v[0]):
                ellipse.set_visible(False)
                coef_title.set_text("singular: coefficients\nnot identifiable (VIF = ∞)")
                plane_title.set_text(f"SE at ● {sd_along:.2f}σ,\nat ■ ∞ (x₂ = x₁ only)")
                return (f"rho = 1: the two inputs are identical, XᵀX is singular and the coefficients are not "
                        f"identifiable; every fit lies on the diagonal (minimum-norm solutions). The fitted mean "
                        f"has standard error {sd_along:.2f} sigma at (1, 1) and is undefined off the line x2 = x1.")
            cov = coef_covariance(X, NOISE ** 2)
            w, V = np.linalg.eigh(cov)
            r95 = np.sqrt(5.991)                                   # chi-square(2) 95% quantile
            ellipse.set_visible(True)
            ellipse.set_center(tuple(BETA))
            ellipse.set_width(2 * r95 * np.sqrt(w[1]))
            ellipse.set_height(2 * r95 * np.sqrt(w[0]))
            ellipse.set_angle(float(np.degrees(np.arctan2(V[1, 1], V[0, 1]))))
            sd1 = np.sqrt(cov[0, 0])
            coef_title.set_text(f"VIF = {v[0]:.3g}, sd(β̂₁) = {sd1:.2f}\n(refits: {B[:, 0].std(ddof=1):.2f})")
            plane_title.set_text(f"SE at ● {sd_along:.2f}σ,\nat ■ {sd_across:.2f}σ")
            return (f"VIF {v[0]:.3g}; the standard deviation of the first coefficient is {sd1:.2f} by the formula and "
                    f"{B[:, 0].std(ddof=1):.2f} over {CLOUD_DRAWS} refits; the fitted mean has standard error "
                    f"{sd_along:.2f} sigma at (1, 1), along the data, and {sd_across:.2f} sigma at (1, -1), across it.")

        return update

    return explore(
        make,
        [Dropdown("rho", list(RHOS), default=0.9, label="correlation ρ"),
         Dropdown("n", [20, 50, 200], default=N, label="examples N")],
        alt="Left: a cloud of OLS coefficient pairs from refits with fresh noise, with the 95% ellipse of the "
            "covariance formula and the true coefficients (1, 1). Right: the training inputs in the (x1, x2) plane "
            "with elliptical contours of the standard error of the fitted mean, long along the data and narrow "
            "across it.",
        height=3.9,
    )


# --------------------------------------------------------------------------- explorable 2: ridge
LAMBDAS = Slider("lam", 0.01, 1000.0, steps=16, scale="log", default=1.0, label="ridge λ")
RIDGE_RHOS = (0.0, 0.9, 0.99)
PATH_GRID = np.geomspace(1e-2, 1e3, 120)
#: Noise seed of the data set whose paths are drawn: chosen (and said so in the text) because its OLS estimate
#: at ρ = 0.99, (-0.29, 2.14), is a typical draw -- 1.2 standard deviations from (1, 1) -- with a sign flip.
RIDGE_NOISE_SEED = 12


@lru_cache(maxsize=None)
def ridge_curves(rho: float, beta: tuple = tuple(BETA), n: int = N) -> dict[str, np.ndarray]:
    r"""For one training set at correlation ``rho``: the ridge path, and -- exactly, over fresh noise with the
    design fixed (:func:`lib.regression.ridge_moments`) -- the coefficient MSE and the excess test error
    :math:`\sigma_\varepsilon^2/N + \mathbb{E}(\hat\beta_\lambda-\beta)^\top\Sigma(\hat\beta_\lambda-\beta)`
    for every :math:`\lambda` in :data:`PATH_GRID`, plus their OLS values."""
    beta = np.array(beta)
    X = design(n, rho, seed=0)
    y = response(X, beta, seed=RIDGE_NOISE_SEED)
    cov_pop = population_cov(rho)
    coef_mse, test = [], []
    for lam in PATH_GRID:
        mean, cov = ridge_moments(X, beta, NOISE ** 2, float(lam))
        bias = mean - beta
        coef_mse.append(bias @ bias + np.trace(cov))
        test.append(NOISE ** 2 / n + bias @ cov_pop @ bias + np.trace(cov_pop @ cov))
    ols_cov = coef_covariance(X, NOISE ** 2)
    return {"path": ridge_path(X, y, PATH_GRID), "ols": ols(X, y).coef, "coef_mse": np.array(coef_mse),
            "test": np.array(test), "ols_coef_mse": float(np.trace(ols_cov)),
            "ols_test": float(NOISE ** 2 / n + np.trace(cov_pop @ ols_cov)),
            "df": np.array([ridge_effective_df(X, float(lam)) for lam in PATH_GRID])}


def ridge_figure():
    """Ridge coefficient paths for one data set, and the exact coefficient and test errors against λ."""
    def make(fig):
        path_ax, err_ax = fig.subplots(1, 2)
        lines = [path_ax.semilogx(PATH_GRID, np.zeros_like(PATH_GRID), color=c, animated=True, label=lab)[0]
                 for c, lab in ((C["blue"], r"$\hat\beta_1$"), (C["orange"], r"$\hat\beta_2$"))]
        path_ax.axhline(1.0, color=C["black"], ls=":", lw=1)
        marks = [path_ax.plot([], [], "o", color=c, ms=7, animated=True)[0] for c in (C["blue"], C["orange"])]
        here_p = path_ax.axvline(1, color=C["black"], lw=1, animated=True)
        path_ax.set(xlim=(PATH_GRID[0], PATH_GRID[-1]), ylim=(-1.5, 3.0), xlabel="λ (log scale)",
                    ylabel="coefficient")
        path_title = path_ax.set_title("\n")
        path_title.set_animated(True)
        path_ax.legend(loc="upper right", ncol=2)
        coef_line, = err_ax.loglog(PATH_GRID, np.ones_like(PATH_GRID), color=C["vermillion"], animated=True,
                                   label="coefficient MSE")
        test_line, = err_ax.loglog(PATH_GRID, np.ones_like(PATH_GRID), color=C["green"], animated=True,
                                   label="test error − σ²")
        coef_ols = err_ax.axhline(1, color=C["vermillion"], ls="--", lw=1, animated=True)
        test_ols = err_ax.axhline(1, color=C["green"], ls="--", lw=1, animated=True)
        here_e = err_ax.axvline(1, color=C["black"], lw=1, animated=True)
        err_ax.set(xlim=(PATH_GRID[0], PATH_GRID[-1]), ylim=(3e-3, 30), xlabel="λ (log scale)",
                   ylabel="expected squared error")
        status = err_ax.set_title("\n")
        status.set_animated(True)
        fig.legend(handles=[coef_line, test_line], loc="outside lower center", ncol=2,
                   title="solid: ridge, dashed: OLS (λ = 0)")

        def update(lam, rho):
            cur = ridge_curves(rho)
            for j in range(2):
                lines[j].set_ydata(cur["path"][:, j])
            k = int(np.argmin(np.abs(np.log(PATH_GRID / lam))))
            for j in range(2):
                marks[j].set_data([PATH_GRID[k]], [cur["path"][k, j]])
            coef_line.set_ydata(cur["coef_mse"])
            test_line.set_ydata(cur["test"])
            coef_ols.set_ydata([cur["ols_coef_mse"]] * 2)
            test_ols.set_ydata([cur["ols_test"]] * 2)
            for line in (here_p, here_e):
                line.set_xdata([PATH_GRID[k]] * 2)
            b1, b2 = cur["path"][k]
            path_title.set_text(f"β̂ = ({b1:.2f}, {b2:.2f})\ndf = {cur['df'][k]:.2f}")
            status.set_text(f"coef. {cur['coef_mse'][k]:.2g} (OLS {cur['ols_coef_mse']:.2g})\n"
                            f"test {cur['test'][k]:.2g} (OLS {cur['ols_test']:.2g})")
            return (f"beta hat = ({b1:.2f}, {b2:.2f}), OLS ({cur['ols'][0]:.2f}, {cur['ols'][1]:.2f}); "
                    f"effective degrees of freedom {cur['df'][k]:.2f}; expected coefficient error "
                    f"{cur['coef_mse'][k]:.3g} against {cur['ols_coef_mse']:.3g} for OLS; expected excess test error "
                    f"{cur['test'][k]:.3g} against {cur['ols_test']:.3g}")

        return update

    return explore(
        make,
        [LAMBDAS, Dropdown("rho", list(RIDGE_RHOS), default=0.99, label="correlation ρ")],
        alt="Left: ridge coefficient paths of the two coefficients against lambda on a log scale for one data set, "
            "with the current lambda marked. Right: the expected squared error of the coefficients and the expected "
            "excess test error against lambda, with dashed lines at their OLS values.",
        height=3.6,
    )


# --------------------------------------------------------------------------- claims 6 and 7: remedies
def cv_ridge_lambda(X, y, lams=np.geomspace(1e-2, 1e3, 31), folds: int = 5) -> float:
    """The λ with the smallest ``folds``-fold cross-validated squared error (contiguous folds; one
    :func:`lib.regression.ridge_path` per fold serves every λ)."""
    n = X.shape[0]
    err = np.zeros(len(lams))
    for part in np.array_split(np.arange(n), folds):
        train = np.setdiff1d(np.arange(n), part)
        Xt, yt = X[train], y[train]
        coefs = ridge_path(Xt, yt, lams)                                  # (len(lams), d)
        b0 = yt.mean() - coefs @ Xt.mean(axis=0)
        err += np.sum((y[part][None] - (coefs @ X[part].T + b0[:, None])) ** 2, axis=1)
    return float(lams[int(np.argmin(err))])


@lru_cache(maxsize=None)
def remedies(rho: float = 0.99, designs: int = 200, n: int = N, seed: int = 30) -> dict:
    r"""OLS, ridge (λ by 5-fold cross-validation) and PCA regression on one component, over ``designs``
    training sets, with the response along the inputs' shared direction (:data:`BETA`) or across it
    (:data:`BETA_ACROSS`): mean coefficient error :math:`\lVert\hat\beta-\beta\rVert^2`, in-distribution
    test MSE and test MSE off the correlated direction (exact expectations per fit, :func:`excess_risk`)."""
    out = {}
    for name, beta in (("along", BETA), ("across", BETA_ACROSS)):
        rng = np.random.default_rng(seed)
        acc = {m: {"coef": [], "test_in": [], "test_off": []} for m in ("OLS", "ridge (CV)", "PCR, 1 component")}
        lams = []
        for _ in range(designs):
            X = design(n, rho, int(rng.integers(2 ** 31)))
            y = X @ beta + NOISE * rng.standard_normal(n)
            lam = cv_ridge_lambda(X, y)
            lams.append(lam)
            for m, fit in (("OLS", ols(X, y)), ("ridge (CV)", ridge(X, y, lam)), ("PCR, 1 component", pca_regression(X, y, 1))):
                acc[m]["coef"].append(np.sum((fit.coef - beta) ** 2))
                acc[m]["test_in"].append(NOISE ** 2 + excess_risk(fit, beta, population_cov(rho)))
                acc[m]["test_off"].append(NOISE ** 2 + excess_risk(fit, beta, np.eye(2)))
        out[name] = {m: {k: float(np.mean(v)) for k, v in d.items()} for m, d in acc.items()}
        out[name]["median lambda"] = float(np.median(lams))
    return out


# --------------------------------------------------------------------------- claim 4: trees
def measurements(n: int, rho: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two measurements :math:`x_a, x_b = u + \tau\varepsilon` of one quantity :math:`u \sim \mathcal N(0,1)`
    with correlation ``rho`` (:math:`\tau^2 = 1/\rho - 1`; ``rho = 1``: exact copies), an independent input
    :math:`x_c`, and :math:`y = \sin 2u + x_c/2 + 0.3\,\text{noise}`. Returns ``(X, y)``, columns
    :math:`(x_a, x_b, x_c)`."""
    rho = checks.finite("rho", rho, low=0.0)
    if not 0 < rho <= 1:
        raise ValueError(f"rho must be in (0, 1], got {rho}")
    rng = np.random.default_rng(seed)
    u, c = rng.standard_normal(n), rng.standard_normal(n)
    tau = np.sqrt(1 / rho - 1)
    xa, xb = u + tau * rng.standard_normal(n), u + tau * rng.standard_normal(n)
    return np.column_stack([xa, xb, c]), np.sin(2 * u) + 0.5 * c + 0.3 * rng.standard_normal(n)


TREE_DEPTH, TREE_LEAF = 5, 10


@lru_cache(maxsize=None)
def tree_check(rho: float = 0.95, n: int = 1000, n_test: int = 20_000, seeds: int = 20) -> dict[str, dict]:
    """Importances and test MSE of CART trees fitted on (x_a, x_c) and on (x_a, x_b, x_c), over ``seeds`` data sets;
    and, for exact copies, the same with the two copies' columns swapped."""
    out = {}
    settings = (("x_a, x_c", rho, [0, 2]), ("x_a, x_b, x_c", rho, [0, 1, 2]),
                ("x_a, x_c (rho = 1)", 1.0, [0, 2]), ("x_a, x_a', x_c (exact copy)", 1.0, [0, 1, 2]),
                ("x_a', x_a, x_c (copy first)", 1.0, [1, 0, 2]))
    for name, r, cols in settings:
        imps, mses = [], []
        for seed in range(seeds):
            X, y = measurements(n, r, seed)
            Xt, yt = measurements(n_test, r, 10_000 + seed)
            tree = DecisionTree(max_depth=TREE_DEPTH, min_leaf=TREE_LEAF).fit(X[:, cols], y)
            imp = np.zeros(3)
            imp[cols] = tree.feature_importances()
            imps.append(imp)
            mses.append(np.mean((yt - tree.predict(Xt[:, cols])) ** 2))
        imps = np.array(imps)
        out[name] = {"importance": imps.mean(axis=0), "importance_sd": imps.std(axis=0, ddof=1),
                     "test_mse": float(np.mean(mses)), "test_mse_se": float(np.std(mses, ddof=1) / np.sqrt(seeds)),
                     "importance_a_range": (float(imps[:, 0].min()), float(imps[:, 0].max()))}
    return out


def same_predictions_with_exact_copy(n: int = 1000, seed: int = 0) -> float:
    """Largest difference between a tree's predictions with and without an exact copy of x_a (0 = identical)."""
    X, y = measurements(n, 1.0, seed)
    Xt, _ = measurements(5000, 1.0, seed + 1)
    one = DecisionTree(max_depth=TREE_DEPTH, min_leaf=TREE_LEAF).fit(X[:, [0, 2]], y)
    two = DecisionTree(max_depth=TREE_DEPTH, min_leaf=TREE_LEAF).fit(X, y)
    return float(np.max(np.abs(one.predict(Xt[:, [0, 2]]) - two.predict(Xt))))


def tree_figure():
    """Importances of x_a, x_b, x_c: without the second measurement, with it, and with an exact copy either way round."""
    res = tree_check()
    names = ["x_a, x_c", "x_a, x_b, x_c", "x_a, x_a', x_c (exact copy)", "x_a', x_a, x_c (copy first)"]
    labels = ["$x_a$\nonly", "$x_a$ and $x_b$\nρ = 0.95", "exact copy\nsecond", "exact copy\nfirst"]
    fig = style.figure(height=3.6)
    ax = fig.add_subplot()
    x = np.arange(len(names))
    for j, (feat, color) in enumerate((("$x_a$", C["blue"]), ("$x_b$ (or copy)", C["orange"]), ("$x_c$", C["green"]))):
        heights = [res[k]["importance"][j] for k in names]
        errs = [res[k]["importance_sd"][j] for k in names]
        ax.bar(x + (j - 1) * 0.27, heights, width=0.27, yerr=errs, color=color, label=feat, capsize=2)
    ax.set_xticks(x, labels)
    ax.set(ylabel="impurity-decrease importance", ylim=(0, 1))
    ax.set_title("Mean ± sd over 20 data sets")
    fig.legend(loc="outside upper center", ncol=3)
    return style.Still(fig, alt="Grouped bars of tree feature importances for four settings: with one measurement "
                                "of the hidden quantity it takes about two thirds of the importance; with two "
                                "correlated measurements the share is split between them; with an exact copy all of "
                                "it goes to whichever copy comes first.")


# --------------------------------------------------------------------------- claim 5 and explorable 3: naive Bayes
#: Class means of the copied feature and of the independent one are +-MU.
MU = 0.6
COPY_TYPES = {"exact copies": 1.0, "correlated (ρ = 0.7)": 0.7, "independent": 0.0}
COPIES = tuple(range(1, 9))


def copies_data(n: int, m: int, rho: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Two equally likely classes :math:`y \in \{0, 1\}`, :math:`s = 2y-1`; ``m`` measurements
    :math:`x_j = s\mu + e_j` whose noises have unit variance and pairwise correlation ``rho``
    (``rho = 1``: exact copies), and one independent feature :math:`x_b = s\mu + e_b`.

    Returns ``(X, y, bayes_logit)``: the last is the exact log posterior odds,
    :math:`2\mu\,m\bar{x}/(1+(m-1)\rho) + 2\mu x_b` (the mean :math:`\bar x` of the copies is sufficient for
    them, with variance :math:`(1+(m-1)\rho)/m`)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = 2.0 * y - 1
    shared = rng.standard_normal(n)
    own = rng.standard_normal((n, m))
    e = np.sqrt(rho) * shared[:, None] + np.sqrt(1 - rho) * own
    copies = s[:, None] * MU + e
    xb = s * MU + rng.standard_normal(n)
    logit = 2 * MU * copies.sum(axis=1) / (1 + (m - 1) * rho) + 2 * MU * xb
    return np.column_stack([copies, xb]), y, logit


def _bayes_log_proba(logit: np.ndarray) -> np.ndarray:
    """Log posterior of classes 0 and 1 from the log odds: log-softmax of (0, logit)."""
    return log_softmax(np.column_stack([np.zeros_like(logit), logit]), axis=1)


@lru_cache(maxsize=None)
def naive_bayes_run(m: int, rho: float, n_train: int = 2000, n_test: int = 20_000, seed: int = 0) -> dict:
    """Fit naive Bayes with ``m`` copies; log-loss, accuracy, ECE and the reliability curve on a test set, next to
    the exact Bayes posterior's log-loss and accuracy."""
    X, y, _ = copies_data(n_train, m, rho, seed)
    Xt, yt, logit = copies_data(n_test, m, rho, seed + 1)
    model = GaussianNaiveBayes().fit(X, y)
    lp = model.predict_log_proba(Xt)
    p1 = np.exp(lp[:, 1])
    bayes = _bayes_log_proba(logit)
    terms = model.feature_log_likelihoods(Xt)                             # (n, 2, m + 1)
    nb_copies = (terms[:, 1, :m] - terms[:, 0, :m]).sum(axis=1)           # what NB adds up for the copies
    bayes_copies = 2 * MU * Xt[:, :m].sum(axis=1) / (1 + (m - 1) * rho)   # the exact log odds they carry
    c = bayes_copies - bayes_copies.mean()
    return {"log_loss": log_loss(lp, yt), "accuracy": float(np.mean(model.predict(Xt) == yt)),
            "ece": expected_calibration_error(p1, yt), "reliability": reliability(p1, yt, bins=10),
            "bayes_log_loss": log_loss(bayes, yt), "bayes_accuracy": float(np.mean((logit > 0) == yt)),
            "bayes_ece": expected_calibration_error(np.exp(bayes[:, 1]), yt),
            "confident": float(np.mean(np.maximum(p1, 1 - p1) > 0.99)),
            "copy_weight": float(c @ (nb_copies - nb_copies.mean()) / (c @ c)),
            "predicted_weight": 1 + (m - 1) * rho}


def naive_bayes_figure():
    """Reliability diagram of naive Bayes with m copies of a feature, and its log-loss against m."""
    def make(fig):
        rel_ax, loss_ax = fig.subplots(1, 2)
        rel_ax.plot([0, 1], [0, 1], ":", color=C["black"], lw=1)
        rel_line, = rel_ax.plot([], [], "o-", color=C["vermillion"], animated=True)
        rel_ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xlabel="predicted P(class 1)",
                   ylabel="observed frequency")
        rel_title = rel_ax.set_title("\n")
        rel_title.set_animated(True)
        colors = (C["vermillion"], C["orange"], C["blue"])
        for (name, rho), color in zip(COPY_TYPES.items(), colors):
            loss_ax.plot(COPIES, [naive_bayes_run(m, rho)["log_loss"] for m in COPIES], "o-", ms=4, color=color,
                         label=name)
        bayes, = loss_ax.plot(COPIES, np.zeros(len(COPIES)), "--", color=C["black"], lw=1.2, animated=True,
                              label="exact posterior (Bayes)")
        here, = loss_ax.plot([], [], "o", ms=12, mfc="none", mec=C["black"], mew=2, animated=True)
        loss_ax.set(xlabel="copies m of the feature", ylabel="test log-loss (nats)", xticks=COPIES)
        loss_title = loss_ax.set_title("\n")
        loss_title.set_animated(True)
        fig.legend(loc="outside lower center", ncol=2)

        def update(m, kind):
            rho = COPY_TYPES[kind]
            run = naive_bayes_run(m, rho)
            r = run["reliability"]
            used = r["count"] > 0
            rel_line.set_data(r["predicted"][used], r["observed"][used])
            rel_line.set_color(dict(zip(COPY_TYPES, colors))[kind])
            rel_title.set_text(f"ECE {run['ece']:.3f}\naccuracy {run['accuracy']:.3f}")
            here.set_data([m], [run["log_loss"]])
            bayes.set_ydata([naive_bayes_run(k, rho)["bayes_log_loss"] for k in COPIES])
            loss_title.set_text(f"log-loss {run['log_loss']:.3f}\n(Bayes {run['bayes_log_loss']:.3f})")
            return (f"{m} {kind} of the feature: naive Bayes test log-loss {run['log_loss']:.3f} nats against "
                    f"{run['bayes_log_loss']:.3f} for the exact posterior; expected calibration error "
                    f"{run['ece']:.3f}; accuracy {run['accuracy']:.3f} (Bayes {run['bayes_accuracy']:.3f})")

        return update

    return explore(
        make,
        [Slider("m", 1, 8, steps=8, integer=True, default=1, label="copies m"),
         Dropdown("kind", list(COPY_TYPES), default="exact copies", label="copies are")],
        alt="Left: reliability diagram of naive Bayes, observed frequency of class 1 against the predicted "
            "probability, next to the diagonal of perfect calibration. Right: test log-loss against the number of "
            "copies of one feature for exact copies, correlated copies and independent measurements, with the "
            "exact Bayes posterior's log-loss.",
        height=3.8,
    )


def reliability_figure(copies=(1, 2, 5)):
    """Reliability diagrams of naive Bayes with 1, 2 and 5 exact copies of a feature."""
    fig = style.figure(height=3.6)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], ":", color=C["black"], lw=1, label="calibrated")
    for m, color, marker in zip(copies, (C["blue"], C["orange"], C["vermillion"]), "os^"):
        run = naive_bayes_run(m, 1.0)
        r = run["reliability"]
        used = r["count"] > 0
        ax.plot(r["predicted"][used], r["observed"][used], marker + "-", color=color,
                label=f"m = {m}: log-loss {run['log_loss']:.2f}")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(class 1)", ylabel="observed frequency",
           title="Naive Bayes with m exact copies")
    fig.legend(loc="outside right upper")
    return style.Still(fig, alt="Reliability diagram: observed frequency against predicted probability for naive "
                                "Bayes with one, two and five exact copies of a feature; one copy follows the "
                                "diagonal, more copies flatten into an S-shape of overconfident predictions.")


EXPLORABLES = {"cloud": cloud_figure, "ridge": ridge_figure, "naive_bayes": naive_bayes_figure}
