"""Chapter-specific checks of the batch-normalization experiments (lib/figures/batch_norm.py)."""

import numpy as np
import pytest

import lib.figures.batch_norm as bn
from lib.gradcheck import check_gradient
from lib.nn import BatchNorm, NetworkObjective, Sequential
from lib.nn.layers import batchnorm_forward, update_running_stats


def test_learning_rate_explorable_names_the_divergence_step():
    run = bn.training_run(3.16228, False)[1]
    assert run.diverged
    assert bn._ending(run, "without BN") == f"without BN: diverged at step {run.diverged_at}"


def test_gradient_check_accepts_the_layer_and_rejects_constant_statistics():
    errors = bn.gradient_checks()
    wrong = errors.pop("dx with mu_B, sigma_B held constant (wrong)")
    assert max(errors.values()) < 1e-7
    assert wrong > 1e-2
    sums = bn.gradient_sums()
    assert sums["sum of dx"] < 1e-12 and sums["sum of x_hat * dx"] < 1e-12


def test_constant_stats_layer_has_the_evaluation_mode_gradient():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3))
    layer = bn.ConstantStatsBatchNorm(3)
    params, grads = {"gamma": np.array([1.0, 2.0, 0.5]), "beta": np.zeros(3)}, {"gamma": np.empty(3), "beta": np.empty(3)}
    out, cache = layer.forward(x, params, layer.initial_state(np.float64), True, False)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout, cache, grads)
    np.testing.assert_allclose(dx, dout * params["gamma"] / np.sqrt(x.var(axis=0) + layer.eps))


def test_identity_needs_the_standard_deviation_not_the_variance():
    r = bn.identity_settings()
    assert np.all(r["gamma = standard deviation"] < 1e-12)
    far_from_one = np.abs(r["sigma_B"] - 1) > 0.3
    assert np.all(r["gamma = variance"][far_from_one] > 0.1)


def test_a_batch_of_copies_maps_every_input_to_beta():
    r = bn.batch_of_one()
    assert "at least 2" in r["error"]
    np.testing.assert_allclose(r["copies"], np.tile(r["beta"], (3, 1)))
    assert r["logits_spread"]["training mode, batch of copies"] == 0.0
    assert r["logits_spread"]["evaluation mode"] > 1


def test_train_eval_gap_shrinks_with_the_batch():
    gaps = bn.mode_gaps()
    values = [gaps[b][0] for b in bn.GAP_BATCHES]
    assert all(a > b for a, b in zip(values, values[1:]))
    with pytest.raises(ValueError, match="batch"):
        bn.mode_outputs(1)


def test_momentum_conventions_are_complements():
    assert bn.new_batch_weight(0.1, "pytorch") == 0.1
    assert bn.new_batch_weight(0.99, "keras") == pytest.approx(0.01)
    np.testing.assert_allclose(bn.running_estimates(0.1, "pytorch")[0], bn.running_estimates(0.9, "keras")[0], rtol=1e-12)
    with pytest.raises(ValueError, match="convention"):
        bn.new_batch_weight(0.1, "tensorflow")
    with pytest.raises(ValueError, match="value"):
        bn.new_batch_weight(1.5, "pytorch")
    # the biased variance settles at (m-1)/m of the unbiased one
    biased = bn.running_summary(0.1, "pytorch", unbiased=False)["var"]
    unbiased = bn.running_summary(0.1, "pytorch")["var"]
    assert biased / unbiased == pytest.approx((bn.STREAM_BATCH - 1) / bn.STREAM_BATCH)


def test_scale_invariance_holds_away_from_eps():
    r = bn.scale_invariance()
    assert r[100.0]["output change"] < 1e-4
    assert r[100.0]["a * gradient / gradient at a = 1"] == pytest.approx(1, abs=1e-4)  # eps: a relative 1e-5
    assert r[1e-3]["output change"] > 0.1  # a^2 sigma^2 comparable to eps


def test_algorithm2_statistics_are_unbiased_batch_averages():
    model, theta = bn.trained_bn_net()
    X, _ = bn.data("train")
    state = bn.algorithm2_statistics(model, theta, X, batch=8, batches=3)
    first = [i for i, layer in enumerate(model.layers) if isinstance(layer, BatchNorm)][0]
    rng = np.random.default_rng(0)
    model.train()
    rows = [rng.choice(len(X), 8, replace=False) for _ in range(3)]
    inputs = [model.activations(theta, X[r])[first - 1] for r in rows]
    model.eval()
    np.testing.assert_allclose(state[first]["mean"], np.mean([x.mean(0) for x in inputs], axis=0))
    np.testing.assert_allclose(state[first]["var"], 8 / 7 * np.mean([x.var(0) for x in inputs], axis=0))


def test_noisy_shift_is_identity_in_evaluation_and_on_passes_without_update():
    layer = bn.NoisyShift(4, shift=0.5, scale=(0.5, 2.0))
    x = np.arange(8.0).reshape(2, 4)
    state = layer.initial_state(np.float64)
    assert layer.forward(x, {}, state, False, False)[0] is x
    assert layer.forward(x, {}, state, True, False)[0] is x
    out, multiplier = layer.forward(x, {}, state, True, True)
    assert state["passes"] == 1 and not np.allclose(out, x)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x), multiplier, {}), multiplier)


def test_noisy_shift_backward_matches_finite_differences_for_one_draw():
    layer = bn.NoisyShift(4, shift=0.5, scale=(0.5, 2.0), seed=3)
    rng = np.random.default_rng(0)
    x, R = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))

    def forward(x_):  # a fresh counter: every call draws the noise of pass 1
        return layer.forward(x_, {}, layer.initial_state(np.float64), True, True)

    err = check_gradient(lambda x_: np.sum(R * forward(x_)[0]),
                         lambda x_: layer.backward(R, forward(x_)[1], {}), x)
    assert err < 1e-8


@pytest.mark.parametrize("bad", [dict(depth=0), dict(bn=False, noise=0.3), dict(noise=-1.0, bn=True)])
def test_mlp_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        bn.mlp(**bad)


def test_bad_split_and_scale_raise():
    with pytest.raises(ValueError, match="split"):
        bn.data("validation")
    with pytest.raises(ValueError, match="scale"):
        bn.scaled_he(0.0)
    with pytest.raises(ValueError, match="scale"):
        bn.NoisyShift(4, scale=(2.0, 1.0))


def test_training_mode_batch_norm_output_has_mean_beta_and_std_gamma():
    r = bn.four_steps()
    np.testing.assert_allclose(r["y"].mean(axis=0), r["beta"], atol=1e-12)
    np.testing.assert_allclose(r["y"].std(axis=0), r["gamma"], rtol=1e-4)
    assert r["y"].max() > 1 and r["y"].min() < 0  # standardized, then scaled and shifted: not in [0, 1]


def test_update_running_stats_keras_conversion():
    mean, var = np.zeros(1), np.ones(1)
    for _ in range(100):
        mean, var = update_running_stats(mean, var, np.array([3.0]), np.array([4.0]), m=8,
                                         momentum=bn.new_batch_weight(0.99, "keras"), unbiased=False)
    assert mean[0] == pytest.approx(3 * (1 - 0.99 ** 100))


def test_batchnorm_gradient_on_convolution_shaped_input():
    rng = np.random.default_rng(0)
    x = 2 + 3 * rng.standard_normal((2, 3, 4, 4))
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    R = rng.standard_normal(x.shape)
    from lib.nn.layers import batchnorm_backward
    err = check_gradient(lambda x_: np.sum(R * batchnorm_forward(x_, gamma, beta)[0]),
                         lambda x_: batchnorm_backward(R, batchnorm_forward(x_, gamma, beta)[1])[0], x)
    assert err < 1e-7
