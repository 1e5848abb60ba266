"""lib.regression: OLS, its sampling variance and VIF against closed forms and Monte Carlo; ridge; PCA regression."""
import warnings

import numpy as np
import pytest

from lib import regression as r


def correlated(n=60, rho=0.9, seed=0, d=2):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, d))
    X = z.copy()
    X[:, 1] = rho * z[:, 0] + np.sqrt(1 - rho ** 2) * z[:, 1]
    return X


def augmented(X):
    return np.column_stack([np.ones(len(X)), X])


@pytest.fixture(autouse=True)
def strict():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------- OLS
def test_ols_matches_lstsq_with_an_intercept_column():
    X = correlated(rho=0.95)
    y = X @ [1.0, -2.0] + 0.5 + np.random.default_rng(1).standard_normal(len(X))
    fit = r.ols(X, y)
    ref = np.linalg.lstsq(augmented(X), y, rcond=None)[0]
    assert fit.intercept == pytest.approx(ref[0], abs=1e-12)
    np.testing.assert_allclose(fit.coef, ref[1:], atol=1e-12)
    assert fit.identifiable and fit.rank == 2
    np.testing.assert_allclose(fit.predict(X), augmented(X) @ ref, atol=1e-12)


def test_ols_without_intercept_and_with_many_targets():
    X = correlated(rho=0.5)
    Y = np.random.default_rng(2).standard_normal((len(X), 3))
    fit = r.ols(X, Y, intercept=False)
    np.testing.assert_allclose(fit.coef, np.linalg.lstsq(X, Y, rcond=None)[0], atol=1e-12)
    assert fit.coef.shape == (2, 3)


def test_ols_residual_is_orthogonal_to_a_nearly_collinear_design():
    # rho = 1 - 1e-12: X^T X has condition number ~1e24 and cannot be inverted in floating point; the SVD still
    # satisfies the normal equations to rounding
    X = correlated(rho=1 - 1e-12)
    y = X.sum(axis=1) + np.random.default_rng(3).standard_normal(len(X))
    fit = r.ols(X, y)
    resid = y - fit.predict(X)
    Xc = X - X.mean(axis=0)
    assert np.max(np.abs(Xc.T @ resid)) < 1e-9 * np.linalg.norm(Xc) * np.linalg.norm(y)


def test_rank_deficient_design_gives_the_minimum_norm_solution():
    x = np.random.default_rng(4).standard_normal(40)
    X = np.column_stack([x, x])
    y = 2 * x + 1
    fit = r.ols(X, y)
    assert not fit.identifiable and fit.rank == 1
    np.testing.assert_allclose(fit.coef, [1.0, 1.0], atol=1e-12)      # the split of 2 with the smallest norm
    np.testing.assert_allclose(fit.predict(X), y, atol=1e-12)


def test_ols_is_scale_equivariant_at_extreme_scales():
    X = correlated(rho=0.8)
    y = X @ [1.0, 1.0] + np.random.default_rng(5).standard_normal(len(X))
    base = r.ols(X, y).coef
    for scale in (1e-150, 1e150):
        np.testing.assert_allclose(r.ols(X * scale, y).coef * scale, base, rtol=1e-10)


def test_ols_many_matches_ols_per_design():
    rng = np.random.default_rng(6)
    Xs = rng.standard_normal((5, 30, 3))
    ys = rng.standard_normal((5, 30))
    coef, b0 = r.ols_many(Xs, ys)
    for k in range(5):
        fit = r.ols(Xs[k], ys[k])
        np.testing.assert_allclose(coef[k], fit.coef, atol=1e-12)
        assert b0[k] == pytest.approx(fit.intercept, abs=1e-12)


# --------------------------------------------------------------------------- variance and VIF
def test_vif_of_two_columns_is_one_over_one_minus_r_squared():
    X = correlated(rho=0.97)
    rr = np.corrcoef(X.T)[0, 1]
    np.testing.assert_allclose(r.vif(X), [1 / (1 - rr ** 2)] * 2, rtol=1e-10)


def test_vif_is_the_diagonal_of_the_inverse_correlation_matrix():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((100, 4)) @ rng.standard_normal((4, 4))
    np.testing.assert_allclose(r.vif(X), np.diag(np.linalg.inv(np.corrcoef(X.T))), rtol=1e-9)


def test_vif_edge_cases():
    x = np.random.default_rng(8).standard_normal(30)
    assert np.all(np.isinf(r.vif(np.column_stack([x, 2 * x - 1]))))
    assert r.vif(x[:, None]).tolist() == [1.0]
    with pytest.raises(ValueError, match="constant column"):
        r.vif(np.column_stack([x, np.ones(30)]))


def test_coef_covariance_is_sigma2_vif_over_the_column_spread():
    X = correlated(rho=0.9)
    cov = r.coef_covariance(X, 2.0)
    spread = np.sum((X - X.mean(axis=0)) ** 2, axis=0)
    np.testing.assert_allclose(np.diag(cov), 2.0 * r.vif(X) / spread, rtol=1e-10)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(cov, 2.0 * np.linalg.inv(Xc.T @ Xc), rtol=1e-10)   # well conditioned here


def test_coef_covariance_refuses_a_rank_deficient_design():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="not identifiable"):
        r.coef_covariance(np.column_stack([x, x]), 1.0)


@pytest.mark.parametrize("rho", [0.0, 0.99])
def test_monte_carlo_of_refits_matches_the_covariance_formula(rho):
    X = correlated(rho=rho, n=40)
    beta = np.array([1.0, 1.0])
    B = r.refit_coefficients(X, beta, noise=0.7, draws=40_000, seed=1)
    cov = r.coef_covariance(X, 0.49)
    np.testing.assert_allclose(B.mean(axis=0), beta, atol=4 * np.sqrt(np.diag(cov) / 40_000).max())
    # each variance estimate has relative standard error sqrt(2 / draws) = 0.7%
    np.testing.assert_allclose(np.var(B, axis=0, ddof=1), np.diag(cov), rtol=0.03)
    assert np.corrcoef(B.T)[0, 1] == pytest.approx(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]), abs=0.02)


def test_prediction_variance_formula_and_monte_carlo():
    X = correlated(rho=0.95, n=40)
    X0 = np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 0.0]])
    v = r.prediction_variance(X, X0, 1.0)
    A = augmented(X)
    ref = np.einsum("ij,jk,ik->i", augmented(X0), np.linalg.inv(A.T @ A), augmented(X0))
    np.testing.assert_allclose(v, ref, rtol=1e-10)
    Y = X @ [1.0, 1.0] + np.random.default_rng(2).standard_normal((len(X), 20_000)).T
    fits = r.ols(X, Y.T)
    preds = X0 @ fits.coef + fits.intercept
    np.testing.assert_allclose(preds.var(axis=1, ddof=1), v, rtol=0.04)
    assert v[1] > 5 * v[0]                                    # across the correlated direction: far larger


def test_prediction_variance_is_infinite_off_a_singular_design_only():
    x = np.random.default_rng(9).standard_normal(30)
    v = r.prediction_variance(np.column_stack([x, x]), np.array([[1.0, 1.0], [1.0, -1.0]]), 1.0)
    assert np.isfinite(v[0]) and np.isinf(v[1])


# --------------------------------------------------------------------------- ridge and PCR
def test_ridge_matches_the_regularized_normal_equations():
    X = correlated(rho=0.9)
    y = X @ [1.0, 1.0] + np.random.default_rng(10).standard_normal(len(X))
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    for lam in (0.1, 3.0, 100.0):
        ref = np.linalg.solve(Xc.T @ Xc + lam * np.eye(2), Xc.T @ yc)
        fit = r.ridge(X, y, lam)
        np.testing.assert_allclose(fit.coef, ref, rtol=1e-10)
        assert fit.intercept == pytest.approx(y.mean() - X.mean(axis=0) @ ref)
    np.testing.assert_allclose(r.ridge(X, y, 0.0).coef, r.ols(X, y).coef, atol=1e-12)


def test_ridge_path_rows_are_ridge_fits_and_shrink_to_zero():
    X = correlated(rho=0.99)
    y = X @ [1.0, 1.0] + np.random.default_rng(11).standard_normal(len(X))
    lams = np.array([0.0, 0.5, 10.0, 1e8])
    path = r.ridge_path(X, y, lams)
    for lam, row in zip(lams, path):
        np.testing.assert_allclose(row, r.ridge(X, y, lam).coef, atol=1e-12)
    assert np.linalg.norm(path[-1]) < 1e-5
    # the disagreement between the correlated coefficients (the low-variance direction) shrinks first
    assert abs(path[2, 0] - path[2, 1]) < 0.2 * abs(path[0, 0] - path[0, 1])


def test_ridge_effective_df():
    X = correlated(rho=0.5)
    assert r.ridge_effective_df(X, 0.0) == 2.0
    dfs = [r.ridge_effective_df(X, lam) for lam in (0.1, 1.0, 10.0, 1e9)]
    assert all(a > b for a, b in zip(dfs, dfs[1:])) and dfs[-1] < 1e-6


def test_ridge_moments_match_monte_carlo_and_beat_ols_somewhere():
    X = correlated(rho=0.99, n=30)
    beta = np.array([1.0, 1.0])
    rng = np.random.default_rng(12)
    Y = (X @ beta)[:, None] + rng.standard_normal((len(X), 40_000))
    mean, cov = r.ridge_moments(X, beta, 1.0, 2.0)
    fits = r.ridge(X, Y, 2.0).coef.T
    np.testing.assert_allclose(fits.mean(axis=0), mean, atol=0.01)
    np.testing.assert_allclose(np.cov(fits.T), cov, rtol=0.04, atol=1e-4)
    ols_mse = np.trace(r.coef_covariance(X, 1.0))
    m0, c0 = r.ridge_moments(X, beta, 1.0, 0.0)
    assert np.sum((m0 - beta) ** 2) + np.trace(c0) == pytest.approx(ols_mse)
    mses = [np.sum((m - beta) ** 2) + np.trace(c) for m, c in (r.ridge_moments(X, beta, 1.0, lam) for lam in (0.1, 1, 10))]
    assert min(mses) < ols_mse                                 # Hoerl & Kennard's existence theorem, here


def test_pca_regression():
    X = correlated(rho=0.95)
    y = X @ [1.0, 1.0] + np.random.default_rng(13).standard_normal(len(X))
    np.testing.assert_allclose(r.pca_regression(X, y, 2).coef, r.ols(X, y).coef, atol=1e-12)
    one = r.pca_regression(X, y, 1).coef
    _, _, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    assert abs(one @ Vt[1]) < 1e-12                           # nothing along the dropped direction
    scores = (X - X.mean(axis=0)) @ Vt[0]
    assert one @ Vt[0] == pytest.approx(scores @ (y - y.mean()) / (scores @ scores))
    assert np.all(r.pca_regression(X, y, 0).coef == 0)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, name", [
    (lambda: r.ols(np.ones(5), np.ones(5)), "X"),
    (lambda: r.ols(np.ones((5, 2)), np.ones(4)), "y"),
    (lambda: r.ols(np.full((5, 2), np.nan), np.ones(5)), "X"),
    (lambda: r.ols(np.ones((5, 2)), np.ones(5), intercept="yes"), "intercept"),
    (lambda: r.ridge(correlated(), np.ones(60), -1.0), "lam"),
    (lambda: r.ridge_path(correlated(), np.ones(60), [-1.0]), "lams"),
    (lambda: r.pca_regression(correlated(), np.ones(60), 3), "components"),
    (lambda: r.coef_covariance(correlated(), -1.0), "noise_var"),
    (lambda: r.refit_coefficients(correlated(), [1.0], 1.0, 10), "beta"),
    (lambda: r.refit_coefficients(correlated(), [1.0, 1.0], 1.0, 0), "draws"),
    (lambda: r.prediction_variance(correlated(), np.ones((2, 3)), 1.0), "X0"),
    (lambda: r.ridge_moments(correlated(), [1.0, 1.0, 1.0], 1.0, 1.0), "beta"),
    (lambda: r.ols_many(np.ones((2, 5)), np.ones((2, 5))), "X"),
    (lambda: r.ols(correlated(), np.ones(60)).predict(np.ones((3, 3))), "X"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
