"""Tests of lib.glm: families, canonical-link gradients, IRLS, the GLM objective and the two-layer network."""
import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import warnings

from lib.glm import (
    BERNOULLI, CATEGORICAL, FAMILIES, GAUSSIAN, POISSON, GLMObjective, LeastSquares, LogisticRegression,
    design_matrix, irls,
)
from lib.nn import TwoLayerNet
from lib.gradcheck import check_gradient, numerical_gradient
from lib.gradient_descent import Trajectory, descend
from lib.optimizers import Momentum

SCALAR = [GAUSSIAN, BERNOULLI, POISSON]
rng0 = np.random.default_rng(0)


def scalar_problem(family, n=200, w=1.0, b=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 1))
    return X, family.sample(family.mean(b + w * X[:, 0]), rng)


# --------------------------------------------------------------------------- values against scipy
def test_nll_matches_scipy():
    eta = np.array([-2.0, -0.3, 0.0, 1.7])
    y_real = np.array([0.5, -1.0, 2.0, 1.0])
    assert np.allclose(GAUSSIAN.nll(y_real, eta), -scipy.stats.norm.logpdf(y_real, loc=eta))
    y01 = np.array([0.0, 1.0, 1.0, 0.0])
    assert np.allclose(BERNOULLI.nll(y01, eta), -scipy.stats.bernoulli.logpmf(y01, scipy.special.expit(eta)))
    counts = np.array([0.0, 3.0, 1.0, 12.0])
    assert np.allclose(POISSON.nll(counts, eta), -scipy.stats.poisson.logpmf(counts, np.exp(eta)))
    logits = rng0.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    expected = -scipy.special.log_softmax(logits, axis=1)[np.arange(4), labels]
    assert np.allclose(CATEGORICAL.nll(labels, logits), expected)


def test_poisson_deviance_matches_formula_with_zero_log_zero():
    y = np.array([0.0, 1.0, 4.0, 10.0])
    eta = np.array([0.2, -1.0, 1.5, 2.0])
    mu = np.exp(eta)
    expected = 2 * (scipy.special.xlogy(y, y / mu) - (y - mu))
    assert np.allclose(POISSON.deviance(y, eta), expected)
    assert np.allclose(BERNOULLI.deviance(np.array([0.0, 1.0]), np.array([0.3, 0.3])),
                       2 * BERNOULLI.nll(np.array([0.0, 1.0]), np.array([0.3, 0.3])))
    assert np.allclose(GAUSSIAN.deviance(y, eta), (y - eta) ** 2)
    assert (POISSON.deviance(y, POISSON.link(np.maximum(y, 1e-300)) + 0 * y)[1:] < 1e-12).all()


def test_links_invert_means_and_variance_functions():
    eta = np.linspace(-5, 5, 11)
    for family in SCALAR:
        assert np.allclose(family.link(family.mean(eta)), eta)
    assert np.allclose(POISSON.variance(np.array([0.5, 3.0])), [0.5, 3.0])
    assert np.allclose(BERNOULLI.variance(np.array([0.5, 0.1])), [0.25, 0.09])
    mu = CATEGORICAL.mean(rng0.normal(size=(3, 4)))
    shift = CATEGORICAL.link(mu) - np.log(mu)
    assert np.allclose(shift, 0)
    V = CATEGORICAL.variance(mu)
    assert np.allclose(V.sum(axis=2), 0)  # rows of diag(mu) - mu mu^T sum to zero


def test_variance_is_derivative_of_mean():
    """For a canonical link dmu/deta = V(mu) (McCullagh & Nelder 1989, §2.5)."""
    eta = np.linspace(-3, 3, 7)
    for family in SCALAR:
        numeric = numerical_gradient(lambda e, family=family: family.mean(e).sum(), eta)
        assert np.allclose(numeric, family.variance(family.mean(eta)), atol=1e-7)


# --------------------------------------------------------------------------- the key identity
@pytest.mark.parametrize("family", SCALAR, ids=lambda f: f.name)
def test_canonical_gradient_is_mean_minus_y(family):
    rng = np.random.default_rng(1)
    eta = rng.normal(size=6)
    y = family.sample(family.mean(eta), rng)
    assert check_gradient(lambda e: family.nll(y, e).sum(), lambda e: family.grad_eta(y, e), eta) < 1e-7
    assert np.allclose(family.grad_eta(y, eta), family.mean(eta) - y)


def test_categorical_gradient_is_softmax_minus_one_hot():
    eta = rng0.normal(size=(5, 3))
    y = np.array([0, 1, 2, 2, 0])
    assert check_gradient(lambda e: CATEGORICAL.nll(y, e).sum(), lambda e: CATEGORICAL.grad_eta(y, e), eta) < 1e-7
    p = np.array([[0.2, 0.3, 0.5]])
    assert np.allclose(CATEGORICAL.grad_eta(np.array([1]), np.log(p)), [[0.2, -0.7, 0.5]])


# --------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=6), st.floats(-50, 50))
def test_categorical_nll_is_shift_invariant(logits, shift):
    eta = np.array([logits])
    y = np.array([len(logits) - 1])
    assert np.allclose(CATEGORICAL.nll(y, eta), CATEGORICAL.nll(y, eta + shift), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(-30, 30), st.integers(0, 40))
def test_deviance_is_non_negative(eta, count):
    assert POISSON.deviance(np.array([float(count)]), np.array([eta]))[0] >= -1e-9
    assert BERNOULLI.deviance(np.array([float(count % 2)]), np.array([eta]))[0] >= 0
    assert GAUSSIAN.deviance(np.array([count / 3]), np.array([eta]))[0] >= 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-20, 20), min_size=2, max_size=5))
def test_categorical_mean_is_a_distribution(logits):
    mu = CATEGORICAL.mean(np.array([logits]))
    assert np.all(mu >= 0) and abs(mu.sum() - 1) < 1e-12


# --------------------------------------------------------------------------- extreme but finite
def test_extreme_logits_give_finite_losses_and_gradients():
    eta = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    for family in (GAUSSIAN, BERNOULLI):
        assert np.isfinite(family.nll(y, eta)).all() and np.isfinite(family.grad_eta(y, eta)).all()
    assert np.allclose(BERNOULLI.nll(y, eta)[[0, 4]], [1e4, 1e4])
    eta_c = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    assert np.isfinite(CATEGORICAL.nll(np.array([1, 1]), eta_c)).all()
    assert np.allclose(CATEGORICAL.nll(np.array([1, 1]), eta_c), [2e4, 0.0])
    # Poisson: finite up to exp's range; -1e4 is fine, far above it e^eta itself is inf (no warning)
    counts = np.array([3.0, 0.0, 2.0, 0.0, 0.0])
    small = np.array([-1e4, -1e4, 0.0, 700.0, 700.0])
    assert np.isfinite(POISSON.nll(counts, small)).all() and np.isfinite(POISSON.grad_eta(counts, small)).all()
    assert POISSON.nll(np.array([0.0]), np.array([1e4]))[0] == np.inf
    assert np.isfinite(POISSON.nll(np.array([1e6]), np.array([np.log(1e6)]))).all()


def test_impossible_events_give_inf_without_warning():
    assert BERNOULLI.link(np.array([0.0, 1.0])).tolist() == [-np.inf, np.inf]
    assert POISSON.link(np.array([0.0]))[0] == -np.inf
    assert CATEGORICAL.link(np.array([[1.0, 0.0]]))[0, 1] == -np.inf


# --------------------------------------------------------------------------- fitting
@pytest.mark.parametrize("family,lr", [(GAUSSIAN, 0.5), (BERNOULLI, 2.0), (POISSON, 0.05)], ids=["gauss", "bern", "pois"])
def test_irls_and_gradient_descent_reach_the_same_coefficients(family, lr):
    X, y = scalar_problem(family)
    fit = irls(family, X, y)
    thetas, nlls = fit.thetas, fit.losses
    assert isinstance(fit, Trajectory) and fit.converged and not fit.diverged
    assert np.all(np.diff(nlls) <= 1e-12)  # Newton on a convex NLL from this start only goes down here
    run = descend(GLMObjective(family, X, y), np.zeros(2), Momentum(lr / 2, 0.9), steps=400, record_every=400)
    assert np.allclose(run.final_theta, thetas[-1], atol=1e-6)
    # the fitted score equation A^T (y - mu) = 0
    A = design_matrix(X)
    assert np.abs(A.T @ (y - family.mean(A @ thetas[-1]))).max() < 1e-8


def test_gaussian_irls_is_least_squares_in_one_step():
    X, y = scalar_problem(GAUSSIAN)
    thetas = irls(GAUSSIAN, X, y).thetas
    assert np.allclose(thetas[1], np.linalg.lstsq(design_matrix(X), y, rcond=None)[0])


@pytest.mark.parametrize("family", [GAUSSIAN, BERNOULLI, POISSON, CATEGORICAL], ids=lambda f: f.name)
def test_glm_objective_gradients(family):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    if family is CATEGORICAL:
        obj = GLMObjective(family, X, rng.integers(0, 3, 30), classes=3)
    else:
        obj = GLMObjective(family, X, family.sample(family.mean(X @ [0.5, -0.3]), rng))
    theta = 0.3 * rng.normal(size=obj.dim)
    assert check_gradient(obj.loss, obj.grad, theta) < 1e-7
    idx = np.array([0, 3, 3, 7])
    assert check_gradient(lambda t: obj.loss(t, idx), lambda t: obj.grad(t, idx), theta) < 1e-7
    assert np.allclose(obj.per_example_grads(theta).mean(axis=0), obj.grad(theta))


def test_two_layer_network_gradient_and_output_is_inverse_link():
    X, y = scalar_problem(BERNOULLI, n=40)
    X = np.column_stack([X, X**2])
    net = TwoLayerNet(BERNOULLI, X, y, hidden=4)
    theta = net.init(seed=1) + 0.1
    assert check_gradient(net.loss, net.grad, theta) < 1e-7
    assert np.allclose(net.per_example_grads(theta).mean(axis=0), net.grad(theta))
    assert np.allclose(BERNOULLI.link(net.predict(theta)), net.eta(theta))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,name", [
    (lambda: BERNOULLI.nll(np.array([0.0, 2.0]), np.zeros(2)), "y"),
    (lambda: BERNOULLI.nll(np.array([0.0, 1.0]), np.zeros(3)), "y"),
    (lambda: BERNOULLI.nll(np.array([0.0]), np.array([np.nan])), "eta"),
    (lambda: BERNOULLI.link(np.array([-0.1])), "mu"),
    (lambda: POISSON.nll(np.array([1.5]), np.zeros(1)), "y"),
    (lambda: POISSON.nll(np.array([-1.0]), np.zeros(1)), "y"),
    (lambda: POISSON.variance(np.array([-1.0])), "mu"),
    (lambda: GAUSSIAN.nll(np.array([np.nan]), np.zeros(1)), "y"),
    (lambda: CATEGORICAL.nll(np.array([3]), np.zeros((1, 3))), "y"),
    (lambda: CATEGORICAL.nll(np.array([0, 1]), np.zeros((1, 3))), "y"),
    (lambda: CATEGORICAL.link(np.array([[0.5, 0.6]])), "mu"),
    (lambda: CATEGORICAL.link(np.array([[1.2, -0.2]])), "mu"),
    (lambda: CATEGORICAL.mean(np.zeros(3)), "eta"),
    (lambda: irls(CATEGORICAL, np.zeros((3, 1)), np.zeros(3)), "family"),
    (lambda: irls(POISSON, np.zeros((3, 1)), np.zeros(4)), "y"),
    (lambda: irls(POISSON, np.zeros(3), np.zeros(3)), "X"),
    (lambda: irls(POISSON, np.zeros((3, 1)), np.zeros(3), iterations=0), "iterations"),
    (lambda: GLMObjective(CATEGORICAL, np.zeros((3, 1)), np.zeros(3), classes=1), "classes"),
    (lambda: GLMObjective("poisson", np.zeros((3, 1)), np.zeros(3)), "family"),
    (lambda: GLMObjective(POISSON, np.zeros((3, 1)), np.zeros(3)).loss(np.zeros(3)), "theta"),
    (lambda: TwoLayerNet(BERNOULLI, np.zeros((3, 1)), np.zeros(3), hidden=0), "hidden"),
    (lambda: GLMObjective(POISSON, np.zeros((3, 1)), np.zeros((3, 1))), "y"),
    (lambda: LogisticRegression(np.zeros((3, 1)), np.zeros(2)), "y"),
    (lambda: LeastSquares(np.zeros((3, 1)), np.zeros(4)), "y"),
    (lambda: LogisticRegression(np.zeros((3, 1)), np.zeros(3)).predict_proba(np.zeros(2), np.zeros((3, 2))), "X"),
    (lambda: GLMObjective(POISSON, np.zeros((3, 2)), np.zeros(3)).predict(np.zeros(3), np.zeros((3, 1))), "X"),
    (lambda: irls(BERNOULLI, np.zeros((3, 1)), np.zeros(3), tol=0.0), "tol"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_families_registry():
    assert set(FAMILIES) == {"Gaussian", "Bernoulli", "Poisson", "categorical"}
    rng = np.random.default_rng(0)
    mu = np.array([[0.2, 0.3, 0.5]] * 20000)
    freq = np.bincount(CATEGORICAL.sample(mu, rng), minlength=3) / 20000
    assert np.allclose(freq, [0.2, 0.3, 0.5], atol=0.015)
    assert abs(POISSON.sample(np.full(20000, 4.0), rng).mean() - 4.0) < 0.05


# --------------------------------------------------------------------------- IRLS reports non-convergence
def separable_problem():
    X = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    return X, (X[:, 0] > 0).astype(float)


@pytest.mark.parametrize("family, X, y", [
    (BERNOULLI, *separable_problem()),
    (BERNOULLI, np.linspace(-1, 1, 8)[:, None], np.zeros(8)),
    (BERNOULLI, np.linspace(-1, 1, 8)[:, None], np.ones(8)),
    (POISSON, np.linspace(-1, 1, 8)[:, None], np.zeros(8)),
], ids=["separable", "all-zero", "all-one", "poisson-zeros"])
@pytest.mark.parametrize("iterations", [25, 2000])
def test_irls_reports_that_no_finite_mle_exists(family, X, y, iterations):
    """Separation or labels at the boundary: not converged, iterates growing, no warning, every number finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = irls(family, X, y, iterations=iterations)
    assert fit.converged is False
    assert np.isfinite(fit.thetas).all() and np.isfinite(fit.losses).all()
    assert np.all(np.diff(fit.losses) <= 1e-12)  # the NLL keeps falling towards its infimum
    assert np.abs(fit.thetas[-1]).max() > 10


def test_irls_converges_and_says_so():
    X, y = scalar_problem(BERNOULLI)
    fit = irls(BERNOULLI, X, y)
    assert fit.converged and fit.diverged_at is None and len(fit.steps) < 26
    np.testing.assert_array_equal(fit.grads_evaluated, np.arange(len(fit.steps)) * len(y))
    assert fit.optimizer is None and fit.lr is None and fit.batch_size == len(y)


# --------------------------------------------------------------------------- one implementation per model
def numerical_jacobian(grad, theta):
    return np.array([numerical_gradient(lambda t, j=j: grad(t)[j], theta) for j in range(theta.size)])


def test_named_models_are_views_of_the_glm_objective():
    X, y = scalar_problem(GAUSSIAN, n=50)
    theta = np.array([0.3, -0.2])
    ls, gauss = LeastSquares(X, y), GLMObjective(GAUSSIAN, X, y)
    np.testing.assert_array_equal(ls.grad(theta), gauss.grad(theta))
    assert ls.loss(theta) == pytest.approx(gauss.loss(theta) - 0.5 * np.log(2 * np.pi), rel=1e-14)
    assert ls.loss(theta) == pytest.approx(0.5 * np.mean((design_matrix(X) @ theta - y) ** 2), rel=1e-15)
    Xb, yb = scalar_problem(BERNOULLI, n=50)
    logistic, bern = LogisticRegression(Xb, yb), GLMObjective(BERNOULLI, Xb, yb)
    assert logistic.loss(theta) == bern.loss(theta)
    np.testing.assert_array_equal(logistic.grad(theta), bern.grad(theta))
    np.testing.assert_allclose(logistic.hessian(theta), numerical_jacobian(logistic.grad, theta), atol=1e-7)


def test_overflowing_eta_gives_inf_loss_and_nan_grad_without_warning():
    X, y = scalar_problem(POISSON, n=20)
    obj = GLMObjective(POISSON, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert obj.loss(np.array([1e308, 1e308])) == np.inf
        assert np.isnan(obj.grad(np.array([1e308, 1e308]))).all()
        assert obj.loss(np.array([0.0, 800.0])) == np.inf  # e^eta itself overflows
