"""lib.optimizers: each update rule against a hand computation and an independent transcription of its paper."""
import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib.datasets import linear_regression_data
from lib.gradient_descent import descend
from lib.objectives import LeastSquares
from lib.optimizers import SGD, Adam, Momentum, Nesterov, RMSProp, as_optimizer

H = np.diag([1.0, 10.0])  # f(theta) = theta^T H theta / 2: gradient H theta, minimum at 0
THETA0 = np.array([1.0, -2.0])


def run(optimizer, grad, theta0, steps):
    theta = np.array(theta0, dtype=float)
    state = optimizer.init(theta)
    path = [theta.copy()]
    for _ in range(steps):
        theta, state = optimizer.step(theta, grad(theta), state)
        path.append(theta.copy())
    return np.array(path)


# --------------------------------------------------------------------------- one step by hand
def test_sgd_step_by_hand():
    # (1, -2) - 0.5 (4, -6) = (-1, 1)
    theta, _ = SGD(0.5).step(np.array([1.0, -2.0]), np.array([4.0, -6.0]), {})
    np.testing.assert_array_equal(theta, [-1.0, 1.0])


def test_momentum_two_steps_by_hand():
    # g = H theta. Step 1: v = -0.1 (1, -20) = (-0.1, 2); theta = (0.9, 0)
    # Step 2: g = (0.9, 0); v = 0.5 (-0.1, 2) - 0.1 (0.9, 0) = (-0.14, 1); theta = (0.76, 1)
    path = run(Momentum(0.1, 0.5), lambda t: H @ t, THETA0, 2)
    np.testing.assert_allclose(path[1:], [[0.9, 0.0], [0.76, 1.0]], rtol=1e-15, atol=1e-15)


def test_nesterov_two_steps_by_hand():
    # Stored phi. Step 1: g = (1, -20), v = (-0.1, 2), phi = phi + 0.5 v - 0.1 g = (1 - 0.05 - 0.1, -2 + 1 + 2) = (0.85, 1)
    # Step 2: g = (0.85, 10); v = 0.5 (-0.1, 2) - 0.1 (0.85, 10) = (-0.135, 0);
    #   phi = (0.85, 1) + 0.5 (-0.135, 0) - (0.085, 1) = (0.6975, 0)
    path = run(Nesterov(0.1, 0.5), lambda t: H @ t, THETA0, 2)
    np.testing.assert_allclose(path[1:], [[0.85, 1.0], [0.6975, 0.0]], rtol=1e-15, atol=1e-15)


def test_rmsprop_one_step_by_hand():
    # s = 0.1 g^2 = (0.1, 40); theta = theta - 0.01 g / (sqrt(s) + 1e-8)
    theta, state = RMSProp(0.01, 0.9, 1e-8).step(THETA0.copy(), H @ THETA0, {"square_avg": np.zeros(2)})
    expected = THETA0 - 0.01 * np.array([1.0, -20.0]) / (np.sqrt([0.1, 40.0]) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)
    np.testing.assert_allclose(state["square_avg"], [0.1, 40.0], rtol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # Bias correction: m_hat = g, v_hat = g^2, so the first step is lr * g / (|g| + eps) ~ lr * sign(g)
    optimizer = Adam(0.1)
    theta, state = optimizer.step(THETA0.copy(), np.array([1e-3, -50.0]), optimizer.init(THETA0))
    np.testing.assert_allclose(theta - THETA0, [-0.1, 0.1], rtol=1e-4)
    assert state["t"] == 1


# --------------------------------------------------------------------------- against the papers' formulations
def sutskever_nesterov(lr, beta, grad, theta0, steps):
    """Nesterov as written by Sutskever et al. 2013: the gradient at the look-ahead theta + beta v."""
    theta, v, lookahead = np.array(theta0, dtype=float), np.zeros(len(theta0)), []
    for _ in range(steps):
        v = beta * v - lr * grad(theta + beta * v)
        theta = theta + v
        lookahead.append(theta + beta * v)
    return np.array(lookahead)


def kingma_ba_adam(lr, b1, b2, eps, grad, theta0, steps):
    """Algorithm 1 of Kingma & Ba 2015, line by line."""
    theta, m, v = np.array(theta0, dtype=float), 0.0, 0.0
    out = []
    for t in range(1, steps + 1):
        g = grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        out.append(theta)
    return np.array(out)


def polyak_heavy_ball(lr, beta, grad, theta0, steps):
    """theta_{t+1} = theta_t - lr g_t + beta (theta_t - theta_{t-1})."""
    prev, theta, out = np.array(theta0, dtype=float), np.array(theta0, dtype=float), []
    for _ in range(steps):
        prev, theta = theta, theta - lr * grad(theta) + beta * (theta - prev)
        out.append(theta)
    return np.array(out)


def test_nesterov_is_sutskevers_look_ahead_form():
    grad = lambda t: H @ t + np.array([0.3, -0.1]) * np.sin(t)  # not quadratic, to exercise the look-ahead
    ours = run(Nesterov(0.05, 0.9), grad, THETA0 + 0.9 * 0.0, 60)[1:]
    np.testing.assert_allclose(ours, sutskever_nesterov(0.05, 0.9, grad, THETA0, 60), rtol=1e-12, atol=1e-14)


def test_adam_is_algorithm_1():
    grad = lambda t: H @ t + 0.5 * np.tanh(t)
    np.testing.assert_allclose(run(Adam(0.05), grad, THETA0, 200)[1:],
                               kingma_ba_adam(0.05, 0.9, 0.999, 1e-8, grad, THETA0, 200), rtol=1e-13, atol=1e-15)


def test_momentum_is_the_heavy_ball_recurrence():
    grad = lambda t: H @ t
    np.testing.assert_allclose(run(Momentum(0.05, 0.8), grad, THETA0, 100)[1:],
                               polyak_heavy_ball(0.05, 0.8, grad, THETA0, 100), rtol=1e-12, atol=1e-15)


def test_beta_zero_is_plain_gradient_descent():
    grad = lambda t: H @ t
    sgd = run(SGD(0.05), grad, THETA0, 30)
    np.testing.assert_allclose(run(Momentum(0.05, 0.0), grad, THETA0, 30), sgd, rtol=1e-15)
    np.testing.assert_allclose(run(Nesterov(0.05, 0.0), grad, THETA0, 30), sgd, rtol=1e-15)


# --------------------------------------------------------------------------- driven by descend
#: RMSProp with a constant step ends in a cycle of amplitude lr/2 around the minimum (5e-4 here).
OPTIMIZERS = [SGD(0.05), Momentum(0.05, 0.9), Nesterov(0.05, 0.9), RMSProp(0.001), Adam(0.05)]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_descend_drives_every_optimizer_to_the_least_squares_solution(optimizer):
    objective = LeastSquares(*linear_regression_data(n=200, seed=0))
    result = descend(objective, np.zeros(2), optimizer, steps=3000, record_every=None)
    assert result.optimizer is optimizer and result.lr == optimizer.lr
    np.testing.assert_allclose(result.final_theta, objective.minimizer(), atol=2e-3)


def test_descend_with_a_number_is_sgd():
    objective = LeastSquares(*linear_regression_data(n=50, seed=1))
    a = descend(objective, np.zeros(2), 0.1, batch_size=5, steps=40, seed=3)
    b = descend(objective, np.zeros(2), SGD(0.1), batch_size=5, steps=40, seed=3)
    np.testing.assert_array_equal(a.thetas, b.thetas)
    assert as_optimizer(0.1) == SGD(0.1)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_step_updates_in_place_and_never_warns_on_overflow(optimizer):
    optimizer = dataclasses.replace(optimizer, lr=10.0)
    theta = np.array([1e308, -1e308])
    state = optimizer.init(theta)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, state = optimizer.step(theta, np.array([-1e308, 1e308]), state)  # lr g and g^2 overflow
    assert out is theta  # no copy of theta
    assert not np.isfinite(theta).all() or not np.isfinite(np.concatenate([np.ravel(v) for v in state.values()])).all()


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.integers(1, 5), elements=st.floats(-1e3, 1e3)), st.sampled_from(OPTIMIZERS))
def test_a_zero_gradient_from_rest_leaves_theta_unchanged(theta, optimizer):
    before = theta.copy()
    out, _ = optimizer.step(theta, np.zeros_like(theta), optimizer.init(theta))
    np.testing.assert_array_equal(out, before)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, name", [
    (lambda: SGD(0.0), "lr"),
    (lambda: SGD(math.nan), "lr"),
    (lambda: Momentum(0.1, 1.0), "beta"),
    (lambda: Nesterov(0.1, -0.1), "beta"),
    (lambda: RMSProp(0.1, rho=1.0), "rho"),
    (lambda: RMSProp(0.1, eps=0.0), "eps"),
    (lambda: Adam(0.1, beta1=1.0), "beta1"),
    (lambda: Adam(0.1, beta2=-0.5), "beta2"),
    (lambda: Adam(-1.0), "lr"),
    (lambda: SGD(0.1).step(np.zeros(2), np.zeros((2, 1)), {}), "g must have the shape of theta"),
    (lambda: Adam().step(np.zeros(2), np.zeros(3), Adam().init(np.zeros(2))), "g must have the shape of theta"),
    (lambda: Momentum(0.1).step([0.0, 0.0], [1.0, 1.0], {"velocity": np.zeros(2)}), "theta must be a floating"),
    (lambda: as_optimizer("adam"), "optimizer must"),
    (lambda: as_optimizer(-0.1), "optimizer must"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        call()


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1, 0.9)])
def test_a_step_keeps_float32_and_allocates_no_parameter_sized_array(opt):
    import tracemalloc

    theta = np.ones(100_000, dtype=np.float32)
    g = np.full_like(theta, 0.5)
    state = opt.init(theta)
    opt.step(theta, g, state)  # first step may create buffers
    tracemalloc.start()
    opt.step(theta, g, state)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert theta.dtype == np.float32
    assert peak < theta.nbytes / 10, f"a step allocated {peak} bytes for a {theta.nbytes}-byte theta"
