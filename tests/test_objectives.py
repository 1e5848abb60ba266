"""Tests for lib.objectives: the finite-sum interface, least squares and the tilted landscapes."""

import numpy as np
import pytest

from lib.datasets import linear_regression_data
from lib.gradcheck import check_gradient, numerical_gradient
from lib.objectives import LeastSquares, SaddleLandscape, SharpWideLandscape, TiltedLandscape


def least_squares(n=40, d=3, seed=0):
    X, y = linear_regression_data(n=n, w=np.arange(1.0, d + 1), b=0.5, noise=0.3, seed=seed)
    return LeastSquares(X, y)


OBJECTIVES = {
    "least_squares": least_squares,
    "sharp_wide": lambda: TiltedLandscape(SharpWideLandscape(), n=30, noise=2.0, seed=0),
    "saddle": lambda: TiltedLandscape(SaddleLandscape(), n=30, noise=0.5, seed=0),
}


@pytest.fixture(params=sorted(OBJECTIVES))
def objective(request):
    return OBJECTIVES[request.param]()


@pytest.fixture
def theta(objective):
    return np.random.default_rng(1).uniform(-1.5, 1.5, objective.dim)


# --- the common interface, for every objective -------------------------------


def test_interface_shapes(objective, theta):
    assert isinstance(objective.n, int) and isinstance(objective.dim, int)
    assert isinstance(objective.loss(theta), float)
    assert objective.grad(theta).shape == (objective.dim,)
    assert objective.per_example_grads(theta).shape == (objective.n, objective.dim)


def test_grad_matches_numerical_gradient(objective, theta):
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7


def test_minibatch_grad_matches_numerical_gradient(objective, theta):
    idx = np.array([3, 0, 7, 3])
    assert check_gradient(lambda t: objective.loss(t, idx), lambda t: objective.grad(t, idx), theta) < 1e-7


def test_per_example_grads_match_numerical_gradients(objective, theta):
    per_example = objective.per_example_grads(theta)
    for i in (0, 5, objective.n - 1):
        numerical = numerical_gradient(lambda t: objective.loss(t, np.array([i])), theta)
        np.testing.assert_allclose(per_example[i], numerical, rtol=1e-6, atol=1e-8)


def test_mean_of_per_example_grads_is_grad(objective, theta):
    np.testing.assert_allclose(objective.per_example_grads(theta).mean(axis=0), objective.grad(theta), atol=1e-12)


def test_batch_grad_is_mean_of_its_rows_with_repeats(objective, theta):
    idx = np.array([2, 2, 9])
    expected = objective.per_example_grads(theta)[idx].mean(axis=0)
    np.testing.assert_allclose(objective.grad(theta, idx), expected, atol=1e-12)


def test_full_index_set_equals_full_objective(objective, theta):
    everything = np.arange(objective.n)
    assert objective.loss(theta, everything) == pytest.approx(objective.loss(theta), rel=1e-12)
    np.testing.assert_allclose(objective.grad(theta, everything), objective.grad(theta), atol=1e-12)


def test_bad_theta(objective):
    with pytest.raises(ValueError, match="^theta must have shape"):
        objective.loss(np.zeros(objective.dim + 1))
    with pytest.raises(ValueError, match="^theta must contain only finite"):
        objective.grad(np.full(objective.dim, np.nan))


@pytest.mark.parametrize("idx", [[], [-1], [10**6], [0.5], [[0, 1]], [True, False]])
def test_bad_idx(objective, theta, idx):
    with pytest.raises(ValueError, match=r"^idx\b"):
        objective.grad(theta, np.array(idx))


def test_overflow_gives_inf_without_warning(objective):
    huge = np.full(objective.dim, 1e300)
    assert objective.loss(huge) == np.inf
    objective.grad(huge)  # may be inf, must not warn
    objective.per_example_grads(huge)


# --- least squares --------------------------------------------------------------


def test_least_squares_hand_computed():
    # x = (1, 2), y = (1, 3), theta = (w, b) = (1, 0): residuals (0, -1)
    # loss = 1/2 * (0 + 1) / 2 = 0.25;  grad = mean(r_i * (x_i, 1)) = ((0 - 2) / 2, (0 - 1) / 2) = (-1, -0.5)
    objective = LeastSquares([[1.0], [2.0]], [1.0, 3.0])
    assert objective.n == 2 and objective.dim == 2
    assert objective.loss([1.0, 0.0]) == 0.25
    np.testing.assert_array_equal(objective.grad([1.0, 0.0]), [-1.0, -0.5])
    np.testing.assert_array_equal(objective.per_example_grads([1.0, 0.0]), [[0.0, 0.0], [-2.0, -1.0]])
    np.testing.assert_allclose(objective.minimizer(), [2.0, -1.0])  # the line through both points


def test_minimizer_has_zero_gradient():
    objective = least_squares(n=200)
    np.testing.assert_allclose(objective.grad(objective.minimizer()), 0.0, atol=1e-12)


def test_minimizer_is_a_minimum():
    objective = least_squares()
    best = objective.minimizer()
    nudges = np.random.default_rng(2).normal(scale=0.01, size=(20, objective.dim))
    assert all(objective.loss(best + nudge) > objective.loss(best) for nudge in nudges)


def test_hessian_is_jacobian_of_grad():
    objective = least_squares()
    theta = np.linspace(-1, 1, objective.dim)
    jacobian = np.array([numerical_gradient(lambda t, j=j: objective.grad(t)[j], theta) for j in range(objective.dim)])
    np.testing.assert_allclose(objective.hessian(), jacobian, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(objective.hessian(theta), objective.hessian())


@pytest.mark.parametrize(
    "X, y, name",
    [
        (np.ones(5), np.ones(5), "X"),
        (np.ones((0, 2)), np.ones(0), "X"),
        (np.full((3, 1), np.inf), np.ones(3), "X"),
        (np.ones((5, 1)), np.ones(4), "y"),
        (np.ones((5, 1)), np.ones((5, 1)), "y"),
        (np.ones((2, 1)), [1.0, np.nan], "y"),
    ],
)
def test_least_squares_validates_shapes(X, y, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        LeastSquares(X, y)


# --- the tilted landscape ----------------------------------------------------------


@pytest.mark.parametrize("f0", [SharpWideLandscape(), SaddleLandscape()], ids=["sharp_wide", "saddle"])
def test_tilts_sum_to_exactly_zero(f0):
    objective = TiltedLandscape(f0, n=1001, noise=0.37, seed=5)
    assert np.all(objective.tilts.sum(axis=0) == 0.0)
    assert np.all(objective.tilts.mean(axis=0) == 0.0)
    assert np.all(objective.tilts[::-1].sum(axis=0) == 0.0)  # in any order


def test_full_objective_is_exactly_f0():
    f0 = SaddleLandscape()
    objective = TiltedLandscape(f0, n=500, noise=1.0, seed=0)
    theta = np.array([0.3, 0.0])
    assert objective.loss(theta) == f0.value(theta)
    np.testing.assert_array_equal(objective.grad(theta), f0.grad(theta))
    np.testing.assert_array_equal(objective.grad(theta, np.arange(500)), f0.grad(theta))
    assert objective.grad(theta)[1] == 0.0  # so batch GD on the line y = 0 stays on it


def test_tilt_covariance_scales_with_noise():
    for noise in (0.5, 2.0):
        objective = TiltedLandscape(SaddleLandscape(), n=4000, noise=noise, seed=1)
        np.testing.assert_allclose(objective.tilt_covariance(), noise**2 * np.eye(2), atol=0.1 * noise**2)


def test_per_example_noise_does_not_depend_on_theta():
    objective = TiltedLandscape(SharpWideLandscape(), n=50, noise=1.0, seed=2)
    deviations = [objective.per_example_grads(t) - objective.grad(t) for t in ([0.0, 0.0], [1.4, 0.3])]
    np.testing.assert_allclose(deviations[0], deviations[1], atol=1e-12)


def test_zero_noise_has_zero_tilts_and_seed_determinism():
    assert not TiltedLandscape(SaddleLandscape(), n=10, noise=0.0).tilts.any()
    a, b = (TiltedLandscape(SharpWideLandscape(), n=10, seed=7) for _ in range(2))
    np.testing.assert_array_equal(a.tilts, b.tilts)
    assert not np.array_equal(a.tilts, TiltedLandscape(SharpWideLandscape(), n=10, seed=8).tilts)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n": 0}, "n"),
        ({"n": 1.5}, "n"),
        ({"noise": -1.0}, "noise"),
        ({"noise": np.inf}, "noise"),
        ({"seed": -2}, "seed"),
    ],
)
def test_tilted_landscape_validation(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        TiltedLandscape(SaddleLandscape(), **kwargs)


# --- the two landscapes f0 ---------------------------------------------------------


@pytest.mark.parametrize("f0", [SharpWideLandscape(), SaddleLandscape()], ids=["sharp_wide", "saddle"])
def test_f0_derivatives(f0):
    for theta in np.random.default_rng(3).uniform(-2, 2, size=(5, 2)):
        assert check_gradient(f0.value, f0.grad, theta) < 1e-7
        jacobian = np.array([numerical_gradient(lambda t, j=j: f0.grad(t)[j], theta) for j in range(2)])
        np.testing.assert_allclose(f0.hessian(theta), jacobian, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f0", [SharpWideLandscape(), SaddleLandscape()], ids=["sharp_wide", "saddle"])
def test_stationary_points_are_classified(f0):
    for point in f0.minima():
        np.testing.assert_allclose(f0.grad(point), 0.0, atol=1e-9)
        assert np.all(np.linalg.eigvalsh(f0.hessian(point)) > 0)
    for point in f0.saddles():
        np.testing.assert_allclose(f0.grad(point), 0.0, atol=1e-9)
        low, high = np.linalg.eigvalsh(f0.hessian(point))
        assert low < 0 < high


@pytest.mark.parametrize("f0", [SharpWideLandscape(), SaddleLandscape()], ids=["sharp_wide", "saddle"])
def test_f0_broadcasts_over_grids(f0):
    grid = np.random.default_rng(4).uniform(-2, 2, size=(3, 4, 2))
    assert f0.value(grid).shape == (3, 4)
    assert f0.grad(grid).shape == (3, 4, 2) and f0.hessian(grid).shape == (3, 4, 2, 2)
    assert f0.value(grid)[1, 2] == f0.value(grid[1, 2])
    np.testing.assert_array_equal(f0.grad(grid)[2, 3], f0.grad(grid[2, 3]))


def test_sharp_wide_geometry():
    f0 = SharpWideLandscape()
    (wide, sharp), (saddle,) = f0.minima(), f0.saddles()
    assert f0.value(wide) < f0.value(sharp) < f0.value(saddle)  # wide is deeper; sharp is a local minimum
    sharpness = [np.linalg.eigvalsh(f0.hessian(m)).max() for m in (wide, sharp)]
    assert sharpness[1] > 10 * sharpness[0]
    assert f0.value(saddle) - f0.value(sharp) < 0.5  # a shallow basin
    assert np.linalg.norm(saddle - sharp) < 0.5  # ... and a narrow one


def test_saddle_landscape_points():
    f0 = SaddleLandscape()
    np.testing.assert_array_equal(f0.saddles(), [[0.0, 0.0]])
    np.testing.assert_array_equal(np.abs(f0.minima()), [[0.0, 1.0], [0.0, 1.0]])


@pytest.mark.parametrize("name", ["curvature", "depth", "width", "distance"])
def test_sharp_wide_validation(name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        SharpWideLandscape(**{name: 0.0})
