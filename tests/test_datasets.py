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
