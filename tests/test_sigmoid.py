"""Tests for the extensions of lib.sigmoid: derivative, softplus, BCE from logits, logistic regression."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from lib.datasets import logistic_1d
from lib.gradcheck import check_gradient, numerical_gradient
from lib.gradient_descent import descend
from lib.glm import LogisticRegression
from lib.sigmoid import (
    binary_cross_entropy_from_logits,
    binary_cross_entropy_grad,
    naive_overflows,
    naive_sigmoid,
    sigmoid,
    sigmoid_grad,
    sigmoid_second_derivative,
    softplus,
    step,
)
from lib.softmax import softmax

X_GRID = np.linspace(-30, 30, 241)
EXTREME = np.array([-1e4, -800.0, -745.0, -40.0, 0.0, 40.0, 745.0, 800.0, 1e4])
reals = st.floats(-50, 50, allow_nan=False)


# ------------------------------------------------------------------ derivatives against finite differences
@pytest.mark.parametrize("x0", [-15.0, -3.0, -0.5, 0.0, 0.7, 4.0, 8.0])
def test_sigmoid_grad_matches_finite_differences(x0):
    f = lambda x: float(sigmoid(x[0]))
    assert check_gradient(f, lambda x: np.array([sigmoid_grad(x[0])]), np.array([x0])) < 1e-7


@pytest.mark.parametrize("x0", [-6.0, -1.0, 0.3, 2.5])
def test_second_derivative_matches_finite_differences(x0):
    f = lambda x: float(sigmoid_grad(x[0]))
    assert check_gradient(f, lambda x: np.array([sigmoid_second_derivative(x[0])]), np.array([x0])) < 1e-6


def test_softplus_derivative_is_sigmoid():
    for x0 in (-8.0, -1.0, 0.0, 2.0, 9.0):
        assert check_gradient(lambda x: float(softplus(x[0])), lambda x: sigmoid(x), np.array([x0])) < 1e-7


def test_bce_grad_matches_finite_differences():
    rng = np.random.default_rng(0)
    z, y = rng.normal(0, 3, 6), np.array([0, 1, 1, 0, 0.3, 1.0])
    f = lambda v: float(np.sum(binary_cross_entropy_from_logits(v, y)))
    assert check_gradient(f, lambda v: binary_cross_entropy_grad(v, y), z) < 1e-7


# ------------------------------------------------------------------ values against scipy
def test_values_against_scipy():
    s = special.expit(X_GRID)
    np.testing.assert_allclose(sigmoid_grad(X_GRID), s * special.expit(-X_GRID), rtol=1e-13)
    np.testing.assert_allclose(sigmoid_grad(X_GRID), stats.logistic.pdf(X_GRID), rtol=1e-12)
    np.testing.assert_allclose(softplus(X_GRID), np.logaddexp(0, X_GRID), rtol=1e-13)
    y = (X_GRID > 1).astype(float)
    reference = -(y * special.log_expit(X_GRID) + (1 - y) * special.log_expit(-X_GRID))
    np.testing.assert_allclose(binary_cross_entropy_from_logits(X_GRID, y), reference, rtol=1e-9, atol=1e-300)


def test_known_values():
    assert sigmoid_grad(0.0) == 0.25
    assert softplus(0.0) == pytest.approx(np.log(2), rel=1e-15)
    assert binary_cross_entropy_from_logits(0.0, 1.0) == pytest.approx(np.log(2), rel=1e-15)
    np.testing.assert_array_equal(step([-2.0, 0.0, 3.0]), [0.0, 0.5, 1.0])
    assert naive_sigmoid(0.0) == 0.5 and naive_sigmoid(2.0) == pytest.approx(float(sigmoid(2.0)), rel=1e-15)


def test_tail_derivative_keeps_relative_accuracy():
    # 1 - sigma(40) rounds to 0, but sigma'(40) = e^-40 / (1 + e^-40)^2 is representable
    assert sigmoid_grad(40.0) == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert binary_cross_entropy_from_logits(40.0, 1.0) == pytest.approx(np.exp(-40.0), rel=1e-12)


# ------------------------------------------------------------------ properties
@settings(max_examples=50, deadline=None)
@given(reals)
def test_symmetry_and_product_form(x):
    assert abs(sigmoid(-x) - (1 - sigmoid(x))) < 1e-15
    assert sigmoid_grad(x) <= 0.25
    assert sigmoid_grad(x) == pytest.approx(float(special.expit(x) * special.expit(-x)), rel=1e-13)
    if x <= 0:  # there 1 - sigma(x) is accurate, so the textbook product agrees to rounding
        assert sigmoid_grad(x) == pytest.approx(float(sigmoid(x) * (1 - sigmoid(x))), rel=1e-13)


@settings(max_examples=50, deadline=None)
@given(reals)
def test_two_class_softmax_is_sigmoid(z):
    assert softmax(np.array([z, 0.0]))[0] == pytest.approx(float(sigmoid(z)), rel=1e-12, abs=1e-300)


@settings(max_examples=50, deadline=None)
@given(reals, st.floats(0, 1))
def test_bce_nonnegative_and_minimised_at_target(z, y):
    loss = binary_cross_entropy_from_logits(z, y)
    assert loss >= 0
    entropy = float(special.entr(y) + special.entr(1 - y))
    assert loss >= entropy - 1e-12  # Gibbs: cross-entropy >= entropy


def test_monotone_on_a_dense_grid():
    x = np.linspace(-36, 36, 20001)
    assert (np.diff(sigmoid(x)) >= 0).all()  # near 1 neighbouring values round to the same float
    assert (np.diff(sigmoid(x[x < 5])) > 0).all() and (np.diff(sigmoid(-x)) < 0).sum() > 0


# ------------------------------------------------------------------ extreme but finite input
def test_extreme_inputs_are_finite_and_silent():
    ones = np.ones_like(EXTREME)
    for values in (sigmoid_grad(EXTREME), sigmoid_second_derivative(EXTREME), softplus(EXTREME),
                   binary_cross_entropy_from_logits(EXTREME, ones),
                   binary_cross_entropy_from_logits(EXTREME, 0 * ones),
                   binary_cross_entropy_grad(EXTREME, ones), naive_sigmoid(EXTREME)):
        assert np.isfinite(values).all()
    assert binary_cross_entropy_from_logits(-1e4, 1.0) == 1e4
    assert binary_cross_entropy_from_logits(1e4, 1.0) == 0.0
    np.testing.assert_array_equal(naive_overflows(EXTREME), EXTREME < -709.79)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, name", [
    (lambda: sigmoid_grad(np.nan), "x"),
    (lambda: softplus([1.0, np.nan]), "x"),
    (lambda: naive_sigmoid(np.nan), "x"),
    (lambda: step(np.nan), "x"),
    (lambda: binary_cross_entropy_from_logits([np.nan], [1.0]), "z"),
    (lambda: binary_cross_entropy_from_logits([np.inf], [1.0]), "z"),
    (lambda: binary_cross_entropy_from_logits([1.0], [1.5]), "y"),
    (lambda: binary_cross_entropy_from_logits([1.0], [-0.1]), "y"),
    (lambda: binary_cross_entropy_from_logits([1.0, 2.0], [1.0]), "y"),
    (lambda: binary_cross_entropy_grad([1.0], [np.nan]), "y"),
    (lambda: LogisticRegression(np.ones(3), np.ones(3)), "X"),
    (lambda: LogisticRegression(np.ones((3, 1)), np.ones(2)), "y"),
    (lambda: LogisticRegression(np.ones((3, 1)), [0, 1, 2]), "y"),
    (lambda: LogisticRegression(np.ones((3, 1)), np.ones(3)).loss(np.zeros(3)), "theta"),
    (lambda: LogisticRegression(np.ones((3, 1)), np.ones(3)).grad(np.zeros(2), idx=[5]), "idx"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


# ------------------------------------------------------------------ logistic regression objective
def _problem():
    x, y = logistic_1d(n=60, seed=3)
    return LogisticRegression(x[:, None], y)


def test_logistic_regression_gradients():
    problem, theta = _problem(), np.array([0.8, -0.3])
    assert check_gradient(problem.loss, problem.grad, theta) < 1e-7
    idx = np.array([0, 5, 5, 17])
    assert check_gradient(lambda t: problem.loss(t, idx), lambda t: problem.grad(t, idx), theta) < 1e-7
    np.testing.assert_allclose(problem.per_example_grads(theta).mean(axis=0), problem.grad(theta), atol=1e-15)
    for j in range(2):
        np.testing.assert_allclose(numerical_gradient(lambda t: problem.grad(t)[j], theta),
                                   problem.hessian(theta)[j], rtol=1e-6, atol=1e-9)


def test_logistic_regression_fit_is_a_stationary_point_with_valid_probabilities():
    problem = _problem()
    run = descend(problem, np.zeros(2), 1.0, steps=3000, record_every=1000)
    assert np.linalg.norm(problem.grad(run.final_theta)) < 1e-8
    assert np.all(np.diff(run.losses) <= 0)
    p = problem.predict_proba(run.final_theta, problem.A[:, :1])
    # at the maximum-likelihood fit the predicted probabilities sum to the number of positives
    assert p.sum() == pytest.approx(problem.y.sum(), rel=1e-8)
    assert np.all(np.linalg.eigvalsh(problem.hessian(run.final_theta)) > 0)


def test_logistic_regression_extreme_parameters_are_finite():
    problem = _problem()
    assert np.isfinite(problem.loss(np.array([1e4, 1e4]))) and np.isfinite(problem.grad(np.array([-1e4, 1e4]))).all()


def test_logistic_1d_is_seeded_and_binary():
    x1, y1 = logistic_1d(n=50, seed=7)
    x2, y2 = logistic_1d(n=50, seed=7)
    np.testing.assert_array_equal(x1, x2) and np.testing.assert_array_equal(y1, y2)
    assert set(np.unique(y1)) <= {0.0, 1.0} and x1.shape == y1.shape == (50,)
    with pytest.raises(ValueError, match="^n"):
        logistic_1d(n=0)
