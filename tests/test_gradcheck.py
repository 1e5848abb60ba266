"""Tests for lib.gradcheck: central differences and the relative error."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib.gradcheck import check_gradient, numerical_gradient, relative_error

RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 5))  # deliberately not symmetric
b = RNG.standard_normal(5)


def quadratic_form(x):
    return 0.5 * x @ A @ x + b @ x


def quadratic_form_grad(x):
    return 0.5 * (A + A.T) @ x + b


# --- known functions: the checker agrees with the true gradient -------------


def test_quadratic_form():
    x = RNG.standard_normal(5)
    assert check_gradient(quadratic_form, quadratic_form_grad, x) < 1e-8


def test_sum_of_sines_any_shape():
    x = RNG.uniform(-3, 3, size=(3, 4))
    assert check_gradient(lambda z: np.sum(np.sin(z)), np.cos, x) < 1e-8


def test_exp():
    x = RNG.uniform(-2, 2, size=6)
    assert check_gradient(lambda z: np.sum(np.exp(z)), np.exp, x) < 1e-8


def test_scalar_input():
    assert check_gradient(lambda z: z**3, lambda z: 3 * z**2, np.array(1.5)) < 1e-8


def test_numerical_gradient_values():
    # d/dx (x0^2 x1) = (2 x0 x1, x0^2) = (12, 4) at (2, 3)
    g = numerical_gradient(lambda z: z[0] ** 2 * z[1], np.array([2.0, 3.0]))
    np.testing.assert_allclose(g, [12.0, 4.0], rtol=1e-9)


# --- wrong gradients are caught -----------------------------------------------


def test_detects_symmetric_part_mistake():
    # A common bug: using A x as the gradient of x^T A x / 2 when A is not symmetric.
    x = RNG.standard_normal(5)
    assert check_gradient(quadratic_form, lambda z: A @ z + b, x) > 1e-2


def test_detects_sign_error():
    x = RNG.uniform(-3, 3, size=4)
    assert check_gradient(lambda z: np.sum(np.sin(z)), lambda z: -np.cos(z), x) > 0.5


def test_detects_small_offset():
    x = RNG.uniform(-2, 2, size=6)
    assert check_gradient(lambda z: np.sum(np.exp(z)), lambda z: np.exp(z) + 1e-3, x) > 1e-5


# --- no side effects --------------------------------------------------------


def test_does_not_mutate_x():
    x = np.array([1.0, 2.0, 3.0])
    keep = x.copy()
    numerical_gradient(lambda z: np.sum(z**2), x)
    check_gradient(lambda z: np.sum(z**2), lambda z: 2 * z, x)
    np.testing.assert_array_equal(x, keep)


def test_function_mutating_its_argument_is_harmless():
    def rude(z):
        value = np.sum(z**2)
        z[...] = 1e9
        return value

    np.testing.assert_allclose(numerical_gradient(rude, np.array([1.0, -2.0])), [2.0, -4.0], rtol=1e-8)


def test_integer_input_is_promoted():
    np.testing.assert_allclose(numerical_gradient(lambda z: np.sum(z**2), np.array([1, 2])), [2.0, 4.0], rtol=1e-8)


# --- relative error -----------------------------------------------------------


def test_relative_error_definition():
    # ||(3, 4) - (0, 0)|| / (5 + 0) = 1;  ||(1, 0) - (0, 1)|| / (1 + 1) = sqrt(2) / 2
    assert relative_error([3.0, 4.0], [0.0, 0.0]) == 1.0
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0


def test_relative_error_scale_invariant_and_overflow_free():
    a, b2 = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.001])
    expected = relative_error(a, b2)
    assert relative_error(1e300 * a, 1e300 * b2) == pytest.approx(expected, rel=1e-12)
    assert relative_error(1e-6 * a, 1e-6 * b2) == pytest.approx(expected, rel=1e-9)


def test_relative_error_floor_for_tiny_vectors():
    # Below norm 1e-12 the denominator is floored: 1e-20 / 1e-12 = 1e-8, not 1.
    assert relative_error([1e-20], [0.0]) == pytest.approx(1e-8)


def test_relative_error_non_finite_is_inf():
    assert relative_error([1.0, np.nan], [1.0, 1.0]) == np.inf
    assert relative_error([1.0, np.inf], [1.0, 1.0]) == np.inf


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, 4, elements=st.floats(allow_nan=False, allow_infinity=False)),
    arrays(np.float64, 4, elements=st.floats(allow_nan=False, allow_infinity=False)),
)
def test_relative_error_symmetric_and_bounded(a, b2):
    err = relative_error(a, b2)
    assert err == relative_error(b2, a)
    assert 0.0 <= err <= 1.0 + 1e-12


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("h", [0, -1e-5, np.nan, np.inf, "1e-5", True])
def test_bad_h(h):
    with pytest.raises(ValueError, match="^h must be"):
        numerical_gradient(np.sum, np.ones(2), h=h)


def test_non_finite_x():
    with pytest.raises(ValueError, match="^x must"):
        numerical_gradient(np.sum, np.array([1.0, np.nan]))


def test_non_scalar_f():
    with pytest.raises(ValueError, match="^f must return a scalar"):
        numerical_gradient(lambda z: z, np.ones(2))


def test_wrong_grad_shape():
    with pytest.raises(ValueError, match="^grad must return"):
        check_gradient(np.sum, lambda z: np.ones(3), np.ones(2))


def test_shape_mismatch():
    with pytest.raises(ValueError, match="^a and b"):
        relative_error(np.ones(2), np.ones(3))
