"""lib.nn.activations: derivatives against finite differences, known values, extreme inputs, dtype, bad input."""
import math

import numpy as np
import pytest
from scipy import special

from lib import sigmoid as lib_sigmoid
from lib.gradcheck import check_gradient
from lib.nn import activations as A

NAMES = sorted(A.ACTIVATIONS)
EXTREMES = np.array([-1e308, -1e154, -800.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 800.0, 1e154, 1e308])


def generic_points(seed=0):
    """Points away from ReLU's kink, where central differences are exact to O(h^2)."""
    x = np.random.default_rng(seed).uniform(-4, 4, 200)
    return x[np.abs(x) > 1e-3]


def pair(name):
    """The public (checked) function and derivative called ``name``."""
    return A.ACTIVATIONS[name]._replace(f=getattr(A, name), df=getattr(A, name + "_grad"))


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name):
    act = pair(name)
    x = generic_points()
    w = np.random.default_rng(1).normal(size=x.shape)          # random dout: checks every entry, not a sum
    assert check_gradient(lambda v: np.sum(w * act.f(v)), lambda v: w * act.df(v), x) < 1e-7


@pytest.mark.parametrize("name", NAMES)
def test_extreme_finite_inputs_give_finite_values_without_warnings(name):
    act = pair(name)
    for f in (act.f, act.df):
        y = f(EXTREMES)
        assert np.isfinite(y).all(), (name, f.__name__, y)


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_and_nan_is_rejected(name):
    act = pair(name)
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    assert act.f(x32).dtype == np.float32 and act.df(x32).dtype == np.float32
    np.testing.assert_allclose(act.f(x32), act.f(x32.astype(np.float64)), rtol=1e-6, atol=1e-7)
    assert act.f([1, 2]).dtype == np.float64
    with pytest.raises(ValueError, match="^x must not contain NaN"):
        act.f(np.array([0.0, np.nan]))


@pytest.mark.parametrize("name", NAMES)
def test_kernels_pass_nan_through_and_match_the_public_functions(name):
    """Inside a network a NaN must flow on (to be reported as divergence), not raise."""
    kernels, x = A.ACTIVATIONS[name], np.array([-2.0, np.nan, 0.5])
    assert np.isnan(kernels.f(x)[1])                         # the derivative at NaN may be anything: it never raises
    for kernel, public in ((kernels.f, getattr(A, name)), (kernels.df, getattr(A, name + "_grad"))):
        np.testing.assert_array_equal(kernel(x)[[0, 2]], public(x[[0, 2]]))


def test_known_values_against_scipy():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(A.gelu(x), x * special.ndtr(x), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(A.gelu_grad(x), special.ndtr(x) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi),
                               rtol=1e-13, atol=1e-300)
    u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    np.testing.assert_allclose(A.gelu_tanh(x), 0.5 * x * (1 + np.tanh(u)), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(A.elu(x), np.where(x > 0, x, np.expm1(x)), rtol=1e-15)
    np.testing.assert_allclose(A.softplus(x), np.logaddexp(0, x), rtol=1e-15)
    np.testing.assert_allclose(A.tanh_grad(x), 1 / np.cosh(x) ** 2, rtol=1e-13)
    np.testing.assert_allclose(A.sigmoid(x), special.expit(x), rtol=1e-15)


def test_tails_keep_relative_accuracy():
    """Where the naive formulas round to 0, the stable ones keep every digit."""
    assert A.tanh_grad(np.array([20.0]))[0] == pytest.approx(4 * math.exp(-40), rel=1e-14)   # 1 - tanh^2 = 0 there
    assert A.gelu(np.array([-10.0]))[0] == pytest.approx(-10 * special.ndtr(-10), rel=1e-14)  # x (1 + erf) cancels
    assert A.gelu_tanh(np.array([-5.0]))[0] < 0                                             # 1 + tanh(u) would round off
    assert A.sigmoid_grad(np.array([-700.0]))[0] > 0


def test_sigmoid_and_softplus_are_lib_sigmoids():
    x = np.linspace(-50, 50, 11)
    np.testing.assert_array_equal(A.sigmoid(x), lib_sigmoid.sigmoid(x))
    np.testing.assert_array_equal(A.sigmoid_grad(x), lib_sigmoid.sigmoid_grad(x))
    np.testing.assert_array_equal(A.softplus(x), lib_sigmoid.softplus(x))


def test_relu_derivative_is_zero_on_the_negative_side_and_at_zero():
    np.testing.assert_array_equal(A.relu_grad([-2.0, -0.0, 0.0, 3.0]), [0, 0, 0, 1])
    np.testing.assert_array_equal(A.leaky_relu_grad([-2.0, 3.0], slope=0.2), [0.2, 1])
    np.testing.assert_array_equal(A.elu_grad([0.0], alpha=2.0), [2.0])


@pytest.mark.parametrize("call, name", [
    (lambda: A.leaky_relu([1.0], slope=1.5), "slope"),
    (lambda: A.leaky_relu_grad([1.0], slope=True), "slope"),
    (lambda: A.elu([1.0], alpha=0.0), "alpha"),
    (lambda: A.elu_grad([1.0], alpha=np.inf), "alpha"),
    (lambda: A.activation("swish"), "activation"),
])
def test_bad_parameters_are_named(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()
