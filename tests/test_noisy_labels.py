"""lib.noisy_labels: transition matrices, label corruption and the forward-corrected softmax regression."""
import warnings

import numpy as np
import pytest

from lib.glm import SoftmaxRegression
from lib.gradcheck import check_gradient
from lib.gradient_descent import descend
from lib.noisy_labels import ForwardCorrected, asymmetric_noise, check_transition, complementary, corrupt, symmetric_noise
from lib.optimizers import Adam

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 4))
Y = RNG.integers(0, 3, 30)


# --------------------------------------------------------------------------- transition matrices
def test_transition_matrices_known_values():
    np.testing.assert_allclose(symmetric_noise(0.3, 2), [[0.7, 0.3], [0.3, 0.7]])
    np.testing.assert_allclose(symmetric_noise(0.4, 3), [[0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]])
    np.testing.assert_allclose(asymmetric_noise(0.3, 2), [[0.7, 0.3], [0.0, 1.0]])
    np.testing.assert_allclose(asymmetric_noise(0.25, 3), [[0.75, 0.25, 0], [0, 0.75, 0.25], [0, 0, 1]])
    np.testing.assert_allclose(complementary(3), [[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])
    for T in (symmetric_noise(0.9, 4), asymmetric_noise(1.0, 5), complementary(6)):
        np.testing.assert_allclose(check_transition(T).sum(1), 1.0)


@pytest.mark.parametrize("call, match", [
    (lambda: symmetric_noise(1.5, 2), r"^rho must be a number in \[0, 1\]"),
    (lambda: asymmetric_noise(-0.1, 2), r"^rho must be a number in \[0, 1\]"),
    (lambda: complementary(1), r"^classes must be an integer >= 2"),
    (lambda: check_transition([[0.5, 0.6], [0.5, 0.5]]), r"^T must have non-negative rows that sum to 1"),
    (lambda: check_transition(np.ones((2, 3)) / 3), r"^T must be a square \(K, K\) matrix"),
    (lambda: corrupt([0, 3], np.eye(2)), r"^y must be a 1-D array of integer labels in \[0, 2\)"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- corruption
def test_corrupt_flips_at_the_rates_of_T():
    y = np.repeat([0, 1, 2], 20000)
    T = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0], [0.05, 0.05, 0.9]])
    noisy = corrupt(y, T, seed=3)
    for i in range(3):
        rates = np.bincount(noisy[y == i], minlength=3) / 20000
        np.testing.assert_allclose(rates, T[i], atol=0.01)
    np.testing.assert_array_equal(corrupt(y, np.eye(3)), y)
    np.testing.assert_array_equal(corrupt(y, T, seed=3), noisy)
    assert np.all(corrupt(y, complementary(3), seed=1) != y)


# --------------------------------------------------------------------------- forward correction
@pytest.mark.parametrize("T", [np.eye(3), symmetric_noise(0.3, 3), asymmetric_noise(0.4, 3), complementary(3)])
def test_forward_corrected_gradient_matches_finite_differences(T):
    objective = ForwardCorrected(X, corrupt(Y, T, seed=1), T)
    theta = RNG.normal(size=objective.dim)
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7
    idx = np.array([0, 4, 4, 9])
    assert check_gradient(lambda t: objective.loss(t, idx), lambda t: objective.grad(t, idx), theta) < 1e-7
    np.testing.assert_allclose(objective.per_example_grads(theta).mean(0), objective.grad(theta), atol=1e-12)


def test_identity_T_is_plain_softmax_regression():
    theta = RNG.normal(size=15)
    plain, corrected = SoftmaxRegression(X, Y, 3), ForwardCorrected(X, Y, np.eye(3))
    assert corrected.loss(theta) == pytest.approx(plain.loss(theta), rel=1e-12)
    np.testing.assert_allclose(corrected.grad(theta), plain.grad(theta), atol=1e-12)


def test_loss_is_the_log_of_the_noisy_probability():
    T = symmetric_noise(0.2, 3)
    objective = ForwardCorrected(X, Y, T)
    theta = RNG.normal(size=objective.dim)
    q = objective.noisy_proba(theta)
    np.testing.assert_allclose(q, objective.predict_proba(theta) @ T)
    assert objective.loss(theta) == pytest.approx(-np.mean(np.log(q[np.arange(30), Y])), rel=1e-12)


def test_forward_correction_recovers_the_clean_boundary():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 4000)
    x = rng.normal(size=(4000, 1)) + np.where(y == 1, 1.0, -1.0)[:, None]
    T = asymmetric_noise(0.35, 2)
    noisy = corrupt(y, T, seed=2)
    crossings = {}
    for name, matrix in (("plain", np.eye(2)), ("corrected", T)):
        objective = ForwardCorrected(x, noisy, matrix)
        W, b = objective.unpack(descend(objective, np.zeros(4), Adam(0.2), steps=200, record_every=None).final_theta)
        crossings[name] = -(b[1] - b[0]) / (W[0, 1] - W[0, 0])
    assert abs(crossings["corrected"]) < 0.1 < -crossings["plain"]


def test_extreme_logits_stay_finite():
    objective = ForwardCorrected(X, Y, asymmetric_noise(0.3, 3))  # zeros in T: -inf terms inside log-sum-exp
    theta = np.full(objective.dim, 1e3) * np.sign(RNG.normal(size=objective.dim))
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        loss, grad = objective.loss(theta), objective.grad(theta)
    assert np.isfinite(loss) and np.isfinite(grad).all()


def test_overflowing_logits_give_inf_and_nan_without_warning():
    objective = ForwardCorrected(X * 1e3, Y, symmetric_noise(0.1, 3))  # logits of order 1e310: beyond the floats
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert objective.loss(np.full(objective.dim, 1e307)) == np.inf
        assert np.isnan(objective.grad(np.full(objective.dim, 1e307))).all()


def test_impossible_labels_are_named():
    T = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # no clean class produces label 0
    with pytest.raises(ValueError, match=r"^T must give every observed label a positive probability"):
        ForwardCorrected(X, np.zeros(30, int), T)
