"""Tests for lib.gradient_descent: batch, stochastic and mini-batch GD."""

import dataclasses

import numpy as np
import pytest

from lib.datasets import linear_regression_data
from lib.gradient_descent import (
    batch_gradient_descent,
    descend,
    gd_step,
    gradient_noise,
    minibatch_gradient_descent,
    minibatches,
    momentum_step,
    predicted_gradient_noise,
    stochastic_gradient_descent,
)
from lib.objectives import LeastSquares, SaddleLandscape, SharpWideLandscape, TiltedLandscape
from lib.optimizers import SGD, Momentum

# Two examples, x = (1, 2), y = (1, 3), theta = (w, b), lr = 0.1, theta_0 = (0, 0).
TWO_POINTS = LeastSquares([[1.0], [2.0]], [1.0, 3.0])
LR = 0.1


def regression(n=1000, seed=0):
    return LeastSquares(*linear_regression_data(n=n, seed=seed))


class CountingObjective:
    """Wraps an objective and counts full-loss evaluations."""

    def __init__(self, objective):
        self.inner, self.n, self.dim, self.full_losses = objective, objective.n, objective.dim, 0

    def loss(self, theta, idx=None):
        self.full_losses += idx is None
        return self.inner.loss(theta, idx)

    def grad(self, theta, idx=None):
        return self.inner.grad(theta, idx)


# --- minibatches ----------------------------------------------------------------


def test_each_epoch_covers_every_index_once():
    batches = minibatches(12, 4, np.random.default_rng(0))
    for _ in range(5):
        epoch = np.concatenate([next(batches) for _ in range(3)])
        np.testing.assert_array_equal(np.sort(epoch), np.arange(12))


def test_epochs_are_reshuffled():
    batches = minibatches(12, 4, 0)
    first, second = (np.concatenate([next(batches) for _ in range(3)]) for _ in range(2))
    assert not np.array_equal(first, second)


def test_short_last_batch_is_dropped_by_default():
    batches = minibatches(10, 4, 0)
    epoch = [next(batches) for _ in range(2)]
    assert [len(b) for b in epoch] == [4, 4]
    assert len(np.unique(np.concatenate(epoch))) == 8  # no repeats within an epoch


def test_short_last_batch_kept_on_request():
    batches = minibatches(10, 4, 0, drop_last=False)
    epoch = [next(batches) for _ in range(3)]
    assert [len(b) for b in epoch] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(10))


def test_minibatches_deterministic_for_a_seed():
    a, b, c = minibatches(50, 7, 3), minibatches(50, 7, np.random.default_rng(3)), minibatches(50, 7, 4)
    first_a = [next(a) for _ in range(20)]
    np.testing.assert_array_equal(first_a, [next(b) for _ in range(20)])
    assert not np.array_equal(first_a, [next(c) for _ in range(20)])


def test_full_batch_is_in_order():
    batches = minibatches(5, 5, 0)
    for _ in range(3):
        np.testing.assert_array_equal(next(batches), np.arange(5))


@pytest.mark.parametrize("batch_size", [0, 11, 2.0, True])
def test_minibatches_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="^batch_size must"):
        next(minibatches(10, batch_size, 0))


# --- single steps, by hand ------------------------------------------------------------


def test_gd_step_by_hand():
    theta = np.array([1.0, -2.0])
    # (1, -2) - 0.5 * (4, -6) = (1 - 2, -2 + 3) = (-1, 1)
    np.testing.assert_array_equal(gd_step(theta, np.array([4.0, -6.0]), 0.5), [-1.0, 1.0])
    np.testing.assert_array_equal(theta, [1.0, -2.0])  # pure


def test_momentum_step_by_hand():
    # v = 0.9 * (1, 1) - 0.5 * (4, -6) = (0.9 - 2, 0.9 + 3) = (-1.1, 3.9);  theta = (1, -2) + v = (-0.1, 1.9)
    theta, velocity = momentum_step(np.array([1.0, -2.0]), np.array([1.0, 1.0]), np.array([4.0, -6.0]), 0.5, 0.9)
    np.testing.assert_allclose(velocity, [-1.1, 3.9], rtol=1e-15)
    np.testing.assert_allclose(theta, [-0.1, 1.9], rtol=1e-15)


def test_two_batch_steps_by_hand():
    # Step 1 at theta_0 = (0, 0): residuals r = w x + b - y = (-1, -3)
    #   grad = (mean(r x), mean(r)) = ((-1 - 6) / 2, (-1 - 3) / 2) = (-3.5, -2)
    #   theta_1 = (0, 0) - 0.1 (-3.5, -2) = (0.35, 0.2)
    # Step 2: r = (0.35 + 0.2 - 1, 0.7 + 0.2 - 3) = (-0.45, -2.1)
    #   grad = ((-0.45 - 4.2) / 2, (-0.45 - 2.1) / 2) = (-2.325, -1.275)
    #   theta_2 = (0.35 + 0.2325, 0.2 + 0.1275) = (0.5825, 0.3275)
    # Losses 1/2 mean(r^2): (1 + 9) / 4 = 2.5;  (0.2025 + 4.41) / 4 = 1.153125;
    #   at theta_2, r = (-0.09, -1.5075): (0.0081 + 2.27255625) / 4 = 0.5701640625
    run = batch_gradient_descent(TWO_POINTS, [0.0, 0.0], LR, steps=2)
    np.testing.assert_allclose(run.thetas, [[0.0, 0.0], [0.35, 0.2], [0.5825, 0.3275]], rtol=1e-14)
    np.testing.assert_allclose(run.losses, [2.5, 1.153125, 0.5701640625], rtol=1e-14)
    np.testing.assert_array_equal(run.steps, [0, 1, 2])
    np.testing.assert_array_equal(run.grads_evaluated, [0, 2, 4])
    assert run.diverged_at is None and run.batch_size == 2 and run.lr == LR and run.optimizer == SGD(LR)
    assert run.converged is None  # descend runs a fixed number of steps


def test_one_sgd_step_by_hand():
    # Per-example gradients at (0, 0): r_i (x_i, 1) = -1 * (1, 1) = (-1, -1) and -3 * (2, 1) = (-6, -3),
    # so theta_1 = -0.1 * grad = (0.1, 0.1) if example 0 is drawn and (0.6, 0.3) if example 1 is.
    expected = {0: [0.1, 0.1], 1: [0.6, 0.3]}
    for seed in range(4):
        (i,) = next(minibatches(2, 1, np.random.default_rng(seed)))
        run = stochastic_gradient_descent(TWO_POINTS, [0.0, 0.0], LR, steps=1, seed=seed)
        np.testing.assert_allclose(run.thetas[1], expected[i], rtol=1e-14)
        np.testing.assert_array_equal(run.grads_evaluated, [0, 1])


def test_two_momentum_steps_by_hand():
    # beta = 0.9, v_0 = 0. Gradients as in test_two_batch_steps_by_hand:
    #   v_1 = -0.1 (-3.5, -2) = (0.35, 0.2);  theta_1 = (0.35, 0.2)
    #   v_2 = 0.9 (0.35, 0.2) - 0.1 (-2.325, -1.275) = (0.315 + 0.2325, 0.18 + 0.1275) = (0.5475, 0.3075)
    #   theta_2 = (0.35 + 0.5475, 0.2 + 0.3075) = (0.8975, 0.5075)
    run = batch_gradient_descent(TWO_POINTS, [0.0, 0.0], Momentum(LR, 0.9), steps=2)
    np.testing.assert_allclose(run.thetas, [[0.0, 0.0], [0.35, 0.2], [0.8975, 0.5075]], rtol=1e-14)


def test_record_every_none_keeps_only_the_ends():
    run = descend(regression(100), np.zeros(2), 0.1, batch_size=10, steps=25, record_every=None)
    np.testing.assert_array_equal(run.steps, [0, 25])
    full = descend(regression(100), np.zeros(2), 0.1, batch_size=10, steps=25)
    np.testing.assert_array_equal(run.final_theta, full.final_theta)


class NoPerExample:
    """An objective without the optional per_example_grads: descend works, gradient noise says what is missing."""

    def __init__(self, objective):
        self.n, self.dim, self.loss, self.grad = objective.n, objective.dim, objective.loss, objective.grad


def test_per_example_grads_is_optional_for_descend():
    run = descend(NoPerExample(regression(50)), np.zeros(2), 0.1, batch_size=5, steps=20)
    np.testing.assert_array_equal(run.thetas, descend(regression(50), np.zeros(2), 0.1, batch_size=5, steps=20).thetas)


# --- descend: bookkeeping ------------------------------------------------------------


def test_wrappers_call_descend():
    o, theta0 = regression(100), np.zeros(2)
    pairs = [
        (batch_gradient_descent(o, theta0, 0.1, steps=5), descend(o, theta0, 0.1, None, 5)),
        (stochastic_gradient_descent(o, theta0, 0.1, steps=5, seed=2), descend(o, theta0, 0.1, 1, 5, 2)),
        (minibatch_gradient_descent(o, theta0, 0.1, 8, steps=5, seed=2), descend(o, theta0, 0.1, 8, 5, 2)),
    ]
    for wrapped, direct in pairs:
        np.testing.assert_array_equal(wrapped.thetas, direct.thetas)
        assert wrapped.batch_size == direct.batch_size


def test_record_every_and_lazy_full_loss():
    objective = CountingObjective(regression(100))
    run = descend(objective, np.zeros(2), 0.1, batch_size=10, steps=10, record_every=3)
    np.testing.assert_array_equal(run.steps, [0, 3, 6, 9, 10])
    np.testing.assert_array_equal(run.grads_evaluated, [0, 30, 60, 90, 100])
    assert objective.full_losses == 5  # only at recorded steps
    assert run.thetas.shape == (5, 2) and run.losses.shape == (5,)


def test_zero_steps_records_the_start():
    run = descend(regression(10), [1.0, 2.0], 0.1, steps=0)
    np.testing.assert_array_equal(run.thetas, [[1.0, 2.0]])
    np.testing.assert_array_equal(run.steps, [0])


def test_same_seed_same_run_different_seed_different_run():
    objective = regression(200)
    a, b, c = (descend(objective, np.zeros(2), 0.05, batch_size=4, steps=30, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.thetas, b.thetas)
    assert not np.array_equal(a.thetas, c.thetas)


def test_trajectory_is_immutable():
    run = descend(regression(10), np.zeros(2), 0.1, steps=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.optimizer = SGD(1.0)
    with pytest.raises(ValueError):
        run.thetas[0, 0] = 1.0
    assert run.final_loss == run.losses[-1] and not run.diverged


def test_theta0_is_not_mutated():
    theta0 = np.array([0.5, 0.5])
    descend(regression(10), theta0, 0.1, steps=3)
    np.testing.assert_array_equal(theta0, [0.5, 0.5])


# --- convergence and divergence ------------------------------------------------------


def test_batch_gd_converges_to_minimizer():
    objective = regression(500)
    run = batch_gradient_descent(objective, np.zeros(2), 0.5, steps=200)
    np.testing.assert_allclose(run.final_theta, objective.minimizer(), atol=1e-3)
    assert np.all(np.diff(run.losses) <= 1e-15)  # lr < 1 / L: monotone decrease (up to rounding)


def test_sgd_gets_within_5_percent_of_the_optimum_before_one_epoch():
    objective = regression(100_000, seed=0)
    optimum = objective.loss(objective.minimizer())
    run = stochastic_gradient_descent(objective, np.zeros(2), 0.01, steps=5000, record_every=100)
    assert run.grads_evaluated[-1] == 5000 < objective.n  # a twentieth of an epoch
    assert run.losses[0] > 20 * optimum
    assert np.all(run.losses[-10:] <= 1.05 * optimum)  # and it stays there


def test_large_lr_diverges_cleanly():
    run = batch_gradient_descent(regression(100), np.zeros(2), 10.0, steps=1000)
    assert run.diverged and 1 <= run.diverged_at <= 20
    assert len(run.steps) == run.diverged_at  # records 0 .. diverged_at - 1
    for array in (run.thetas, run.losses, run.grads_evaluated):
        assert np.all(np.isfinite(array))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("record_every", [1, 7])
@pytest.mark.parametrize("batch_size", [None, 1, 16])
def test_huge_lr_never_produces_nan(batch_size, record_every, momentum):
    objective = regression(100)
    optimizer = Momentum(1e3, momentum) if momentum else 1e3
    run = descend(objective, np.zeros(2), optimizer, batch_size, steps=500, record_every=record_every)
    assert run.diverged
    assert np.all(np.isfinite(run.thetas)) and np.all(np.isfinite(run.losses))


def test_blowup_threshold_is_respected():
    run = batch_gradient_descent(regression(100), np.zeros(2), 2.2, steps=1000, blowup=10.0)
    assert run.diverged
    assert np.all(run.losses <= 10.0 * max(1.0, run.losses[0]))


def test_huge_theta0_is_handled():
    objective = regression(100)
    run = batch_gradient_descent(objective, np.full(2, 1e150), 0.1, steps=50)
    assert np.all(np.isfinite(run.losses)) and run.losses[-1] < run.losses[0]
    with pytest.raises(ValueError, match="^theta0 gives a non-finite loss"):
        batch_gradient_descent(objective, np.full(2, 1e200), 0.1)  # its loss overflows


def test_overflowing_landscape_diverges_cleanly():
    objective = TiltedLandscape(SaddleLandscape(), n=100, noise=0.5)
    run = stochastic_gradient_descent(objective, [1.0, 0.5], 1e3, steps=100)
    assert run.diverged and np.all(np.isfinite(run.thetas))


# --- gradient noise --------------------------------------------------------------------


@pytest.mark.parametrize("replace", [True, False])
def test_gradient_noise_matches_prediction(replace):
    # Relative standard error of the estimate with 10_000 draws is about 2% (checked over 10 data seeds).
    objective = regression(200, seed=3)
    theta = np.array([0.5, 0.3])  # away from the optimum, so the noise is not just the label noise
    for batch_size in (1, 5, 40, 100):
        measured = gradient_noise(objective, theta, batch_size, draws=10_000, seed=1, replace=replace)
        predicted = predicted_gradient_noise(objective, theta, batch_size, replace=replace)
        assert measured == pytest.approx(predicted, rel=0.1)


def test_noise_times_batch_size_is_constant_with_replacement():
    objective = TiltedLandscape(SharpWideLandscape(), n=1000, noise=1.0)
    theta = np.array([1.0, 0.2])
    scaled = [b * gradient_noise(objective, theta, b, draws=4000, replace=True) for b in (1, 4, 16, 64)]
    np.testing.assert_allclose(scaled, np.trace(objective.tilt_covariance()), rtol=0.1)


def test_noise_at_huge_theta_does_not_warn():
    objective, theta = regression(50), np.full(2, 1e300)
    assert gradient_noise(objective, theta, 5, draws=10) == np.inf
    assert predicted_gradient_noise(objective, theta, 5) == np.inf


def test_finite_population_correction():
    objective = regression(50)
    theta = np.zeros(2)
    with_replacement = predicted_gradient_noise(objective, theta, 10, replace=True)
    assert predicted_gradient_noise(objective, theta, 10) == pytest.approx(with_replacement * 40 / 49)
    assert predicted_gradient_noise(objective, theta, 50) == 0.0
    assert gradient_noise(objective, theta, 50, draws=10) == pytest.approx(0.0, abs=1e-20)


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"optimizer": -1}, "optimizer"),
        ({"optimizer": 0.0}, "optimizer"),
        ({"optimizer": np.nan}, "optimizer"),
        ({"optimizer": np.inf}, "optimizer"),
        ({"optimizer": "0.1"}, "optimizer"),
        ({"optimizer": True}, "optimizer"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 11}, "batch_size"),
        ({"batch_size": 2.0}, "batch_size"),
        ({"steps": -1}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"theta0": [0.0]}, "theta0"),
        ({"theta0": [0.0, np.nan]}, "theta0"),
        ({"record_every": 0}, "record_every"),
        ({"seed": -1}, "seed"),
        ({"blowup": 0.0}, "blowup"),
    ],
)
def test_bad_arguments_are_named(kwargs, name):
    arguments = {"objective": regression(10), "theta0": [0.0, 0.0], "optimizer": 0.1} | kwargs
    with pytest.raises(ValueError, match=rf"^{name} must"):
        descend(**arguments)


def test_error_message_shows_the_value():
    with pytest.raises(ValueError, match=r"^optimizer must be .* or a positive finite learning rate, got -1$"):
        descend(regression(10), [0.0, 0.0], -1)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda o: gradient_noise(o, [0.0, 0.0], 2, draws=0), "draws"),
        (lambda o: gradient_noise(o, [0.0, 0.0], 0), "batch_size"),
        (lambda o: predicted_gradient_noise(o, [0.0, 0.0], 11), "batch_size"),
        (lambda o: gradient_noise(o, [0.0], 2), "theta must"),
        (lambda o: gd_step([0.0], [1.0], -0.1), "lr"),
        (lambda o: momentum_step([0.0], [0.0], [1.0], 0.1, 1.5), "beta"),
        (lambda o: gd_step(np.zeros(2), np.zeros((2, 1)), 0.1), "g must have the shape of theta"),
        (lambda o: momentum_step(np.zeros(2), np.zeros(2), np.zeros((2, 1)), 0.1, 0.5), "g must have the shape"),
        (lambda o: momentum_step(np.zeros(2), np.zeros(3), np.zeros(2), 0.1, 0.5), "velocity must"),
        (lambda o: gd_step([np.nan], [1.0], 0.1), "theta must"),
        (lambda o: gradient_noise(NoPerExample(o), [0.0, 0.0], 2), "objective must define per_example_grads"),
    ],
)
def test_other_bad_arguments(call, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        call(regression(10))


# --- SGD noise escapes sharp minima and saddles (fixed seeds, so deterministic) ----------


SEEDS = range(30)
SHARP_WIDE = SharpWideLandscape()  # curvature 1, depth 1, width 0.25, distance 1.5
WIDE, SHARP = SHARP_WIDE.minima()
BASIN_RADIUS = np.linalg.norm(SHARP_WIDE.saddles()[0] - SHARP)
START_IN_SHARP_BASIN = np.array([1.5, 0.1])


def escape_fraction(batch_size, lr=0.1, steps=500, noise=2.0):
    escaped = 0
    for seed in SEEDS:
        objective = TiltedLandscape(SHARP_WIDE, n=1000, noise=noise, seed=seed)
        run = descend(objective, START_IN_SHARP_BASIN, lr, batch_size, steps, seed=seed, record_every=steps)
        escaped += np.linalg.norm(run.final_theta - SHARP) > BASIN_RADIUS
    return escaped / len(SEEDS)


def test_batch_gd_stays_in_the_sharp_minimum():
    assert 0.1 * np.linalg.eigvalsh(SHARP_WIDE.hessian(SHARP)).max() < 2  # lr is stable there
    objective = TiltedLandscape(SHARP_WIDE, n=1000, noise=2.0)
    run = batch_gradient_descent(objective, START_IN_SHARP_BASIN, 0.1, steps=500, record_every=500)
    np.testing.assert_allclose(run.final_theta, SHARP, atol=1e-8)


def test_small_batch_sgd_escapes_to_the_wide_minimum():
    assert escape_fraction(batch_size=1) >= 0.9  # 0.97 on these 30 seeds (0.98 over seeds 0-49)


def test_large_batch_sgd_stays():
    assert escape_fraction(batch_size=64) <= 0.1  # 0.0 on these seeds (and over seeds 0-49)


def test_batch_gd_converges_to_the_saddle():
    objective = TiltedLandscape(SaddleLandscape(), n=1000, noise=0.5)
    run = batch_gradient_descent(objective, [1.0, 0.0], 0.1, steps=200, record_every=200)
    assert run.final_theta[1] == 0.0 and abs(run.final_theta[0]) < 1e-8


def test_sgd_leaves_the_saddle():
    ends = []
    for seed in SEEDS:
        objective = TiltedLandscape(SaddleLandscape(), n=1000, noise=0.5, seed=seed)
        run = stochastic_gradient_descent(objective, [1.0, 0.0], 0.1, steps=200, seed=seed, record_every=200)
        ends.append(run.final_theta)
    y = np.array(ends)[:, 1]
    assert np.mean(np.abs(y) > 0.5) >= 0.95  # 1.0 on these seeds (and over seeds 0-49)
    assert 0.25 <= np.mean(y > 0) <= 0.75  # both minima are reached: the direction is random


def test_descend_keeps_a_float32_start_in_float32_and_says_what_happened():
    from lib.objectives import LeastSquares
    from lib.datasets import linear_regression_data

    X, y = linear_regression_data(n=50, seed=1)
    problem = LeastSquares(X, y)
    calls = []
    grad = problem.grad
    problem.grad = lambda theta, idx=None: calls.append(theta.dtype) or grad(theta, idx)
    run = descend(problem, np.zeros(problem.dim, dtype=np.float32), 0.1, steps=5)
    assert set(calls) == {np.dtype(np.float32)}
    assert run.status == "ran 5 steps"
    blown = descend(problem, np.zeros(problem.dim), 50.0, steps=50)
    assert blown.diverged and blown.status == f"diverged at step {blown.diverged_at}"
