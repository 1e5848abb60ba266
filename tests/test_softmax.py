"""Softmax cross-entropy, its gradient, temperature, the naive formula (lib.softmax) and softmax regression (lib.glm)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

from lib.datasets import gaussian_blobs
from tests import _exact
from lib.gradcheck import check_gradient
from lib.glm import CATEGORICAL, GLMObjective, SoftmaxRegression
from lib.softmax import (naive_cross_entropy, naive_softmax, normalized_score_loss, normalized_scores, one_hot,
                         softmax_cross_entropy, softmax_cross_entropy_grad, softmax_with_temperature)

RNG = np.random.default_rng(1)
EPS = np.finfo(float).eps
ANY_FINITE = st.floats(allow_nan=False, allow_infinity=False)
LOGITS = arrays(float, st.integers(2, 6), elements=st.floats(-50, 50))


def test_notes_example_gradient():
    z = np.log([0.2, 0.3, 0.5])
    np.testing.assert_allclose(softmax_cross_entropy_grad(z, 1), [0.2, -0.7, 0.5], atol=1e-15)
    assert check_gradient(lambda t: softmax_cross_entropy(t, 1), lambda t: softmax_cross_entropy_grad(t, 1), z) < 1e-9


def test_batch_gradient_against_finite_differences():
    z, y = RNG.normal(scale=3, size=(5, 4)), np.array([0, 3, 1, 1, 2])
    assert check_gradient(lambda t: softmax_cross_entropy(t, y), lambda t: softmax_cross_entropy_grad(t, y), z) < 1e-8


def test_values_against_scipy():
    z, y = RNG.normal(scale=4, size=(20, 5)), RNG.integers(0, 5, 20)
    reference = np.mean(special.logsumexp(z, axis=1) - z[np.arange(20), y])
    assert softmax_cross_entropy(z, y) == pytest.approx(reference, rel=1e-13)
    assert naive_cross_entropy(z, y) == pytest.approx(reference, rel=1e-12)
    np.testing.assert_allclose(softmax_with_temperature(z, 2.5), special.softmax(z / 2.5, axis=1), rtol=1e-12)
    np.testing.assert_allclose(one_hot(y, 5), np.eye(5)[y])


@settings(max_examples=50, deadline=None)
@given(LOGITS, st.floats(-100, 100), st.integers(0, 100))
def test_loss_shift_invariant_nonnegative_and_gradient_sums_to_zero(z, c, k):
    y = k % z.size
    assert softmax_cross_entropy(z + c, y) == pytest.approx(softmax_cross_entropy(z, y), rel=1e-9, abs=1e-9)
    assert softmax_cross_entropy(z, y) >= 0
    g = softmax_cross_entropy_grad(z, y)
    assert abs(g.sum()) < 1e-12 and -1 <= g[y] <= 0 and np.all(np.delete(g, y) >= 0)


@settings(max_examples=30, deadline=None)
@given(LOGITS)
def test_temperature_limits(z):
    p_cold, p_hot = softmax_with_temperature(z, 1e-3), softmax_with_temperature(z, 1e6)
    winners = z == z.max()
    if winners.all() or z.max() - z[~winners].max() > 0.1:  # the runner-up is clearly behind
        np.testing.assert_allclose(p_cold, winners / winners.sum(), atol=1e-12)
    np.testing.assert_allclose(p_hot, np.full(z.size, 1 / z.size), atol=1e-4)


def test_extreme_logits_are_finite_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
        assert softmax_cross_entropy(z, [0, 1]) == 0.0
        assert softmax_cross_entropy(z, [2, 2]) == pytest.approx(1.5e4)
        g = softmax_cross_entropy_grad(z, [2, 0])
        assert np.isfinite(g).all()
        np.testing.assert_allclose(g, [[0.5, 0, -0.5], [-0.5, 0.5, 0]])
        assert np.isnan(naive_cross_entropy([1000.0, 0.0, 0.0], 0))
        assert np.isnan(naive_softmax([1000.0, 0.0])).any()
        assert softmax_cross_entropy([1000.0, 0.0, 0.0], 0) == 0.0
        assert softmax_cross_entropy([-1e308, 1e308], 0) == np.inf  # an impossible event: inf, not nan
        assert np.isfinite(softmax_with_temperature([1e4, -1e4], 1e-3)).all()


def test_alternative_normalisers():
    np.testing.assert_allclose(normalized_scores([-3.0, 1.0, 0.0], "square"), [0.9, 0.1, 0.0])
    np.testing.assert_allclose(normalized_scores([2.0, 1.0], "exp"), special.softmax([2.0, 1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(normalized_scores([-1.0, -2.0], "relu")).all()
        assert normalized_score_loss([1.0, -2.0], 1, "relu") == np.inf
    assert normalized_score_loss([0.0, 0.0], 0, "exp") == pytest.approx(np.log(2))


def test_softmax_regression_gradient_and_interface():
    X, y = gaussian_blobs(n_per_class=10, seed=3)
    obj = SoftmaxRegression(X, y, 3)
    theta = RNG.normal(size=obj.dim)
    assert obj.dim == 9
    assert check_gradient(obj.loss, obj.grad, theta) < 1e-8
    idx = np.array([0, 5, 5, 29])
    assert check_gradient(lambda t: obj.loss(t, idx), lambda t: obj.grad(t, idx), theta) < 1e-8
    np.testing.assert_allclose(obj.per_example_grads(theta).mean(axis=0), obj.grad(theta), atol=1e-14)
    W, b = obj.unpack(theta)
    np.testing.assert_allclose(obj.pack(W, b), theta)
    assert obj.loss(np.zeros(obj.dim)) == pytest.approx(np.log(3))
    np.testing.assert_allclose(obj.predict_proba(theta).sum(axis=1), 1.0)
    assert obj.predict(theta).shape == (30,)


def test_softmax_regression_extreme_parameters_are_finite():
    X, y = gaussian_blobs(n_per_class=5, seed=0)
    obj = SoftmaxRegression(X, y, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        theta = np.full(obj.dim, 1e3) * np.tile([1.0, -1.0, 0.0], 3)
        assert np.isfinite(obj.loss(theta)) and np.isfinite(obj.grad(theta)).all()


@pytest.mark.parametrize("call, name", [
    (lambda: softmax_cross_entropy([0.0, 1.0], 2), "labels"),
    (lambda: softmax_cross_entropy([0.0, 1.0], -1), "labels"),
    (lambda: softmax_cross_entropy([[0.0, 1.0]], [0, 1]), "labels"),
    (lambda: softmax_cross_entropy([0.0, np.nan], 0), "logits"),
    (lambda: softmax_cross_entropy(np.zeros((2, 2, 2)), [0, 0]), "logits"),
    (lambda: softmax_cross_entropy_grad([0.0, 1.0], 0.5), "labels"),
    (lambda: softmax_with_temperature([0.0, 1.0], 0.0), "temperature"),
    (lambda: softmax_with_temperature([0.0, 1.0], np.nan), "temperature"),
    (lambda: one_hot([0, 3], 3), "labels"),
    (lambda: normalized_scores([0.0, 1.0], "cube"), "transform"),
    (lambda: SoftmaxRegression(np.zeros((3, 2)), [0, 1], 2), "y"),
    (lambda: SoftmaxRegression(np.zeros((3, 2)), [0, 1, 2], 2), "y"),
    (lambda: softmax_cross_entropy([np.inf, 0.0], 0), "logits"),
    (lambda: softmax_cross_entropy([-np.inf, 0.0], 1), "logits"),
    (lambda: softmax_cross_entropy_grad([np.inf, 0.0], 0), "logits"),
    (lambda: SoftmaxRegression(np.zeros((2, 1)), [0, 1], 2).logits(np.zeros(4), np.zeros((2, 3))), "X"),
    (lambda: SoftmaxRegression(np.zeros(3), [0, 1, 1], 2), "X"),
    (lambda: SoftmaxRegression([[np.nan], [0.0]], [0, 1], 2), "X"),
    (lambda: SoftmaxRegression(np.zeros((2, 1)), [0, 1], 1), "classes"),
    (lambda: SoftmaxRegression(np.zeros((2, 1)), [0, 1], 2).loss(np.zeros(3)), "theta"),
    (lambda: SoftmaxRegression(np.zeros((2, 1)), [0, 1], 2).grad(np.zeros(4), np.array([2])), "idx"),
    (lambda: gaussian_blobs(n_per_class=0), "n_per_class"),
    (lambda: gaussian_blobs(std=-1.0), "std"),
    (lambda: gaussian_blobs(centers=[1.0, 2.0]), "centers"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


# --------------------------------------------------------------------------- accuracy for every finite logit
@settings(max_examples=300, deadline=None)
@given(st.one_of(arrays(float, st.integers(1, 6), elements=ANY_FINITE),
                 st.builds(lambda c, z: c + z, ANY_FINITE, arrays(float, st.integers(1, 6), elements=st.floats(-60, 60)))),
       st.integers(0, 5))
def test_loss_keeps_relative_accuracy_for_every_finite_logit(z, k):
    r"""Within :math:`4u(K + \max_j|z_j - m|)` of a 60-digit reference; inf only where the loss exceeds the float range."""
    y = k % z.size
    exact = -_exact.log_softmax(z)[y]
    with np.errstate(over="ignore"):
        d = np.abs(z - z.max())
    tolerance = 4 * EPS * (z.size + d[d < 750].max())
    assert _exact.rel_err(softmax_cross_entropy(z, y), exact) <= tolerance


@pytest.mark.parametrize("margin", [1.0, 20.0, 33.9, 40.0, 100.0, 700.0])
def test_large_margins_keep_relative_accuracy(margin):
    """loss = log1p(sum_j e^(z_j - z_y)): for a margin of 40 it is 2 e^-40 = 8.5e-18, not 0 (LSE - z_y rounds to 0)."""
    z = np.array([margin, 0.0, 0.0])
    exact = -_exact.log_softmax(z)[0]
    assert _exact.rel_err(softmax_cross_entropy(z, 0), exact) <= 4 * EPS
    assert softmax_cross_entropy(z, 0) > 0


def test_the_issue_examples():
    assert softmax_cross_entropy([1e300, 1e300, 5.0], 0) == pytest.approx(np.log(2), rel=EPS)
    assert softmax_cross_entropy(1e15 + np.array([0.0, 1.0, 2.0]), 2) == pytest.approx(
        special.logsumexp([0.0, 1.0, 2.0]) - 2.0, rel=2 * EPS)
    np.testing.assert_allclose(softmax_cross_entropy_grad(np.array([1e300, 1e300, 5.0]), 0), [-0.5, 0.5, 0.0])


def test_softmax_regression_is_the_categorical_glm():
    X, y = gaussian_blobs(n_per_class=10, seed=3)
    view, glm = SoftmaxRegression(X, y, 3), GLMObjective(CATEGORICAL, X, y, classes=3)
    theta = RNG.normal(size=view.dim)
    assert isinstance(view, GLMObjective) and view.dim == glm.dim
    assert view.loss(theta) == glm.loss(theta)
    np.testing.assert_array_equal(view.grad(theta), glm.grad(theta))
    Z = view.logits(theta)
    assert view.loss(theta) == pytest.approx(softmax_cross_entropy(Z, y), rel=1e-15)
    np.testing.assert_allclose(view.grad(theta), view.pack(X.T @ softmax_cross_entropy_grad(Z, y),
                                                           softmax_cross_entropy_grad(Z, y).sum(axis=0)), atol=3e-16)
