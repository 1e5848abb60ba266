"""Tests for lib.datasets: seeded synthetic data."""

import numpy as np
import pytest

from lib.datasets import linear_regression_data


def test_shapes_and_defaults():
    X, y = linear_regression_data()
    assert X.shape == (1000, 1) and y.shape == (1000,)
    assert X.dtype == y.dtype == np.float64


def test_same_seed_same_data_different_seed_different_data():
    X1, y1 = linear_regression_data(n=50, seed=3)
    X2, y2 = linear_regression_data(n=50, seed=3)
    X3, _ = linear_regression_data(n=50, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_noiseless_targets_are_exactly_linear():
    X, y = linear_regression_data(n=20, w=2.0, b=-1.0, noise=0.0)
    np.testing.assert_allclose(y, 2.0 * X[:, 0] - 1.0, rtol=0, atol=1e-14)


def test_inputs_are_standard_normal():
    X, _ = linear_regression_data(n=100_000, seed=1)
    assert abs(X.mean()) < 0.02 and abs(X.std() - 1.0) < 0.02


def test_least_squares_recovers_parameters():
    X, y = linear_regression_data(n=100_000, w=2.0, b=-1.0, noise=0.5, seed=2)
    w_hat, b_hat = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    assert w_hat == pytest.approx(2.0, abs=0.01) and b_hat == pytest.approx(-1.0, abs=0.01)
    residual = y - (w_hat * X[:, 0] + b_hat)
    assert residual.std() == pytest.approx(0.5, rel=0.02)


def test_vector_weights_give_several_features():
    X, y = linear_regression_data(n=30, w=[1.0, -2.0, 0.5], noise=0.0)
    assert X.shape == (30, 3)
    np.testing.assert_allclose(y, X @ [1.0, -2.0, 0.5] - 1.0, atol=1e-13)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n": 0}, "n"),
        ({"n": 2.5}, "n"),
        ({"n": True}, "n"),
        ({"noise": -0.1}, "noise"),
        ({"noise": np.nan}, "noise"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"w": np.inf}, "w"),
        ({"w": [[1.0]]}, "w"),
        ({"b": np.nan}, "b"),
    ],
)
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        linear_regression_data(**kwargs)


# --------------------------------------------------------------------------- data for neural networks
from lib.datasets import GLYPHS, REGRESSION_TARGETS, concentric_circles, glyphs, regression_1d, spirals, two_moons

GENERATORS = [two_moons, concentric_circles, spirals, regression_1d, glyphs]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_seeded(make):
    X1, y1 = make(seed=5)
    X2, y2 = make(seed=5)
    X3, _ = make(seed=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert np.isfinite(X1).all() and len(X1) == len(y1)


def test_two_moons_and_circles_shapes_and_geometry():
    X, y = two_moons(n=101, noise=0.0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0, atol=1e-12)             # the upper half circle
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0, atol=1e-12)
    assert (X[y == 0, 1] >= 0).all() and (X[y == 1, 1] <= 0.5).all()              # half circles, interleaved
    X, y = concentric_circles(n=100, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.0, 0.3), atol=1e-12)


def test_spirals_arms_start_at_the_origin_and_reach_radius_one():
    X, y = spirals(n_per_class=50, classes=4, noise=0.0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [50] * 4
    r = np.hypot(*X.T).reshape(4, 50)
    np.testing.assert_allclose(r[:, 0], 0.0, atol=1e-15)
    np.testing.assert_allclose(r[:, -1], 1.0)


@pytest.mark.parametrize("target", sorted(REGRESSION_TARGETS))
def test_regression_1d_noise_free_targets(target):
    X, y = regression_1d(n=50, target=target, noise=0.0)
    assert X.shape == (50, 1) and np.all(np.diff(X[:, 0]) >= 0) and np.abs(X).max() <= 1
    np.testing.assert_array_equal(y, REGRESSION_TARGETS[target](X[:, 0]))


def test_glyphs_are_templates_at_an_offset():
    X, y = glyphs(n_per_class=20, noise=0.0)
    assert X.shape == (120, 8, 8) and np.bincount(y).tolist() == [20] * len(GLYPHS)
    assert set(np.unique(X)) == {0.0, 1.0}
    for label in range(len(GLYPHS)):
        images = X[y == label]
        assert len({img.tobytes() for img in images}) > 1         # the glyph moves around
        assert len({img.sum() for img in images}) == 1            # but its stroke does not change
    assert len({X[y == k][0].sum() for k in range(len(GLYPHS))} | {0}) > 2


@pytest.mark.parametrize("call, name", [
    (lambda: two_moons(n=1), "n"),
    (lambda: two_moons(noise=-1.0), "noise"),
    (lambda: concentric_circles(factor=1.0), "factor"),
    (lambda: concentric_circles(seed=-1), "seed"),
    (lambda: spirals(classes=1), "classes"),
    (lambda: spirals(n_per_class=1), "n_per_class"),
    (lambda: regression_1d(target="sin"), "target"),
    (lambda: regression_1d(noise=np.inf), "noise"),
    (lambda: glyphs(n_per_class=0), "n_per_class"),
])
def test_network_data_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()
