"""The vanishing-gradients chapter: lib.nn.diagnostics, lib.optimizers.ClipByNorm and the chapter's experiments."""
import math
import warnings

import numpy as np
import pytest

import lib.figures.vanishing_gradients as vg
from lib.datasets import two_moons
from lib.gradient_descent import descend
from lib.nn import BatchNorm, NetworkObjective, Sequential, diagnostics
from lib.nn import layers as L
from lib.optimizers import SGD, Adam, ClipByNorm, Momentum, as_optimizer


@pytest.fixture(autouse=True)
def strict():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def small_problem(depth=3, activation="tanh", gain=1.0, residual=False, batchnorm=False, n=40, width=8):
    X, y = two_moons(n, noise=0.1, seed=1)
    model = diagnostics.deep_mlp(2, 2, depth, width, activation, gain, residual, batchnorm)
    return NetworkObjective(model, X, y, "softmax")


# --------------------------------------------------------------------------- ClipByNorm
def test_clip_by_norm_rescales_long_gradients_to_the_threshold_and_keeps_their_direction():
    opt = ClipByNorm(SGD(0.5), max_norm=1.0)
    theta = np.zeros(3)
    state = opt.init(theta)
    theta, state = opt.step(theta, np.array([3.0, 4.0, 0.0]), state)
    np.testing.assert_allclose(theta, -0.5 * np.array([0.6, 0.8, 0.0]))
    assert state["norm"] == pytest.approx(5.0) and state["clipped"] == 1


def test_clip_by_norm_leaves_short_gradients_alone_and_matches_the_wrapped_optimizer():
    rng = np.random.default_rng(0)
    theta_a, theta_b = rng.normal(size=5), None
    theta_b = theta_a.copy()
    clipped, plain = ClipByNorm(Momentum(0.1, 0.9), max_norm=100.0), Momentum(0.1, 0.9)
    sa, sb = clipped.init(theta_a), plain.init(theta_b)
    for _ in range(5):
        g = rng.normal(size=5)
        theta_a, sa = clipped.step(theta_a, g, sa)
        theta_b, sb = plain.step(theta_b, g, sb)
    np.testing.assert_array_equal(theta_a, theta_b)
    assert sa["clipped"] == 0


def test_clip_by_norm_bounds_the_sgd_step_by_lr_times_threshold():
    opt = ClipByNorm(0.01, max_norm=2.0)  # a number is a learning rate for SGD
    assert isinstance(opt.optimizer, SGD) and opt.lr == 0.01 and as_optimizer(opt) is opt
    theta = np.zeros(4)
    state = opt.init(theta)
    for g in (np.full(4, 1e6), np.array([1e300, -1e300, 1e300, 0.0])):  # finite, huge: no overflow
        before = theta.copy()
        theta, state = opt.step(theta, g, state)
        assert np.linalg.norm(theta - before) == pytest.approx(0.02)


def test_clip_by_norm_passes_a_non_finite_gradient_on_so_descend_reports_divergence():
    opt = ClipByNorm(Adam(0.1), 1.0)
    theta, state = opt.step(np.zeros(2), np.array([np.inf, 1.0]), opt.init(np.zeros(2)))
    assert not np.isfinite(theta).all()


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1"])
def test_clip_by_norm_rejects_a_bad_threshold(bad):
    with pytest.raises(ValueError, match="max_norm"):
        ClipByNorm(SGD(0.1), bad)


def test_clip_by_norm_rejects_a_bad_optimizer():
    with pytest.raises(ValueError, match="optimizer"):
        ClipByNorm("sgd", 1.0)


def test_descend_drives_a_clipped_optimizer():
    f = small_problem()
    run = descend(f, f.model.init(0), ClipByNorm(Momentum(0.1), 1.0), batch_size=10, steps=20)
    assert run.lr == 0.1 and not run.diverged and run.final_loss < run.losses[0]


# --------------------------------------------------------------------------- diagnostics: building blocks
def test_hidden_layers_are_the_activation_and_residual_layers():
    plain = diagnostics.deep_mlp(2, 3, 4, 5, "relu", batchnorm=True)
    assert diagnostics.hidden_layers(plain) == (2, 5, 8, 11)  # Linear, BN, Activation per hidden layer
    residual = diagnostics.deep_mlp(2, 3, 4, 5, "relu", residual=True)
    assert diagnostics.hidden_layers(residual) == (1, 2, 3, 4)
    with pytest.raises(ValueError, match="model"):
        diagnostics.hidden_layers("not a model")


def test_max_derivative_and_saturated_fraction():
    assert diagnostics.max_derivative("sigmoid") == pytest.approx(0.25)
    assert diagnostics.max_derivative("tanh") == pytest.approx(1.0)
    assert diagnostics.max_derivative("relu") == 1.0
    assert diagnostics.max_derivative("elu", alpha=2.0) == pytest.approx(2.0, rel=1e-3)
    s = np.array([-5.0, -1.0, 0.5, 3.0, 1e300])
    assert diagnostics.saturated_fraction("relu", s) == pytest.approx(0.4)      # s <= 0 passes nothing
    assert diagnostics.saturated_fraction("sigmoid", s) == pytest.approx(0.4)   # |s| > 3.64
    assert diagnostics.saturated_fraction("tanh", s, tol=0.0) == pytest.approx(0.2)  # tanh'(1e300) == 0
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="tol"):
            diagnostics.saturated_fraction("tanh", s, tol=bad)
    with pytest.raises(ValueError, match="activation"):
        diagnostics.max_derivative("swish")


def test_layer_factors_and_mean_factor():
    np.testing.assert_allclose(diagnostics.layer_factors([1.0, 2.0, 8.0]), [0.5, 0.25])
    assert diagnostics.mean_factor([1e-6, 1e-3, 1.0]) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="grad"):
        diagnostics.layer_factors([1.0])


# --------------------------------------------------------------------------- diagnostics: measurements
def test_forward_statistics_match_the_layer_outputs():
    f = small_problem(activation="relu")
    theta = f.model.init(0)
    stats = diagnostics.forward_statistics(f, theta)
    outputs = f.model.activations(theta, f.X)
    for k, i in enumerate(stats.layers):
        assert stats.mean[k] == pytest.approx(outputs[i].mean())
        assert stats.std[k] == pytest.approx(outputs[i].std())
        assert stats.saturated[k] == pytest.approx(np.mean(outputs[i - 1] <= 0))  # ReLU's input


def manual_backward(f, theta, idx):
    """Input gradients of every layer by calling each layer's backward pass by hand."""
    model = f.model
    X, y = f.X[idx], f.y[idx]
    z, tape = model.forward(theta, X, update_state=False)
    dout = f.head.grad(z, y)
    grads, grad_views = {}, model._cut(np.empty(model.dim))
    for i in range(len(model.layers) - 1, -1, -1):
        dout = model.layers[i].backward(dout, tape[i], grad_views[i], True)
        grads[i] = dout
    return grads, grad_views


@pytest.mark.parametrize("residual,batchnorm", [(False, False), (True, False), (False, True)])
def test_backward_norms_match_a_manual_backward_pass(residual, batchnorm):
    f = small_problem(depth=4, activation="tanh", residual=residual, batchnorm=batchnorm)
    theta, idx = f.model.init(3), np.arange(20)
    norms = diagnostics.backward_norms(f, theta, idx)
    grads, views = manual_backward(f, theta, idx)
    np.testing.assert_allclose(norms.grad, [np.linalg.norm(grads[i]) for i in norms.layers])
    expected = [math.hypot(*(np.linalg.norm(views[i][k]) for k in views[i] if k.startswith("W"))) for i in norms.linear]
    np.testing.assert_allclose(norms.weight, expected)
    if not batchnorm:  # with BN the loss of a batch is defined in eval mode only (NetworkObjective)
        assert norms.loss == pytest.approx(f.loss(theta, idx))


def test_weight_gradient_norms_agree_with_the_objective_gradient():
    f = small_problem(depth=3, activation="sigmoid")
    theta = f.model.init(1)
    norms = diagnostics.backward_norms(f, theta)
    views = f.model.params(f.grad(theta).copy())
    np.testing.assert_allclose(norms.weight, [np.linalg.norm(views[i]["W"]) for i in norms.linear])


def test_diagnostics_leave_the_model_untouched():
    f = small_problem(depth=3, batchnorm=True)
    theta = f.model.init(0)
    before = [dict(s) for s in f.model.state]
    diagnostics.diagnose(f, theta)
    diagnostics.layer_values(f, theta)
    assert not f.model.forward_hooks and not f.model.backward_hooks
    for old, new in zip(before, f.model.state):
        for key in old:
            np.testing.assert_array_equal(old[key], new[key])


def test_layer_values_give_the_arrays_behind_the_norms():
    f = small_problem(depth=3)
    theta = f.model.init(2)
    outputs, deltas = diagnostics.layer_values(f, theta)
    d = diagnostics.diagnose(f, theta)
    np.testing.assert_allclose([h.std() for h in outputs], d.std)
    np.testing.assert_allclose([np.linalg.norm(x) for x in deltas], d.grad)


def test_a_deep_sigmoid_net_loses_the_gradient_geometrically():
    f = small_problem(depth=12, activation="sigmoid", width=16)
    d = diagnostics.diagnose(f, f.model.init(0))
    assert d.grad[0] / d.grad[-1] < 1e-5
    assert np.all(diagnostics.layer_factors(d.grad) < 0.5)  # sigma' <= 1/4 and |W| ~ 2


def test_track_and_train_and_track():
    f = small_problem()
    run, d = diagnostics.train_and_track(f, f.model.init(0), Momentum(0.1), steps=20, batch_size=10,
                                         record_every=5, at=(0, 10, 20, 99))
    np.testing.assert_array_equal(d.steps, [0, 10, 20])
    assert d.grad.shape == (3, 3) and d.std.shape == (3, 3) and d.loss.shape == (3,)
    assert d.loss[-1] < d.loss[0]
    with pytest.raises(ValueError, match="at"):
        diagnostics.track(f, run, at=(7,))
    with pytest.raises(ValueError, match="run"):
        diagnostics.track(f, "not a run")
    with pytest.raises(ValueError, match="objective"):
        diagnostics.diagnose("not an objective", f.model.init(0))


# --------------------------------------------------------------------------- mean field
@pytest.mark.parametrize("gain", [0.5, 1.0, math.sqrt(2), 3.0])
def test_mean_field_relu_factor_is_gain_over_root_two_at_every_layer(gain):
    mf = diagnostics.mean_field("relu", gain, 10)
    np.testing.assert_allclose(mf.factors, gain / math.sqrt(2))
    np.testing.assert_allclose(mf.q, (gain * gain / 2) ** np.arange(10), rtol=1e-12)


def test_mean_field_identity_and_small_tanh_factor_equal_the_gain():
    np.testing.assert_allclose(diagnostics.mean_field("identity", 0.7, 5).factors, 0.7)
    assert diagnostics.mean_field("tanh", 0.5, 40).factors[-1] == pytest.approx(0.5, rel=1e-6)


def test_mean_field_extremes_stay_finite():
    for act, gain in (("relu", 0.01), ("relu", 100.0), ("tanh", 100.0), ("sigmoid", 0.01)):
        mf = diagnostics.mean_field(act, gain, 200)
        assert np.isfinite(mf.q).all() and np.isfinite(mf.factors).all()


def test_mean_field_predicts_a_wide_network():
    for act, gain in (("sigmoid", 1.0), ("tanh", 0.8), ("relu", 1.2)):
        X = np.random.default_rng(0).standard_normal((64, 2))
        model = diagnostics.deep_mlp(2, 2, 10, 256, act, gain)
        f = NetworkObjective(model, X, np.arange(64) % 2)
        measured = diagnostics.mean_factor(diagnostics.backward_norms(f, model.init(0)).grad)
        predicted = np.exp(np.mean(np.log(diagnostics.mean_field(act, gain, 10).factors)))
        assert measured == pytest.approx(predicted, rel=0.08)


def test_mean_field_rejects_bad_arguments():
    with pytest.raises(ValueError, match="gain"):
        diagnostics.mean_field("tanh", 0.0, 5)
    with pytest.raises(ValueError, match="depth"):
        diagnostics.mean_field("tanh", 1.0, 1)
    with pytest.raises(ValueError, match="activation"):
        diagnostics.mean_field("swish", 1.0, 5)


# --------------------------------------------------------------------------- networks and inits
def test_scaled_init_has_the_requested_variance_and_glorots_standard_limit():
    W, b = diagnostics.scaled_init(2.0, "normal")(400, 300, 0)
    assert W.shape == (300, 400) and not b.any()
    assert W.var() == pytest.approx(4.0 / 400, rel=0.02)
    W, _ = diagnostics.scaled_init(1 / math.sqrt(3))(100, 100, 1)
    assert np.abs(W).max() <= 0.1 and np.abs(W).max() > 0.099  # U[-1/sqrt(n), 1/sqrt(n)]
    with pytest.raises(ValueError, match="distribution"):
        diagnostics.scaled_init(1.0, "cauchy")
    with pytest.raises(ValueError, match="gain"):
        diagnostics.scaled_init(-1.0)


def test_deep_mlp_structure():
    plain = diagnostics.deep_mlp(3, 2, 4, 8, "tanh")
    assert len(plain.layers) == 9 and plain.in_features == 3 and plain.out_features == 2
    res = diagnostics.deep_mlp(3, 2, 4, 8, "relu", residual=True, batchnorm=True)
    assert len(res.layers) == 1 + 4 * 2 + 1 and isinstance(res.layers[2], BatchNorm)
    glorot = diagnostics.deep_mlp(4, 4, 2, 4, "tanh", init="glorot_uniform")
    W = glorot.params(glorot.init(0))[0]["W"]
    assert np.abs(W).max() <= math.sqrt(6 / 8)
    assert isinstance(plain, Sequential)
    with pytest.raises(ValueError, match="depth"):
        diagnostics.deep_mlp(2, 2, 0)
    with pytest.raises(ValueError, match="activation"):
        diagnostics.deep_mlp(2, 2, 3, activation="swish")


# --------------------------------------------------------------------------- the chapter's experiments
def test_glorot_standard_init_loses_about_one_over_root_three_per_layer():
    study = vg.glorot_study()
    assert np.all(np.abs(study["standard"]["factors"][1:] - 1 / math.sqrt(3)) < 0.05)
    assert np.all(study["normalized"]["factors"] > study["standard"]["factors"] + 0.2)
    # weight gradients about level across layers even with the standard init (Glorot & Bengio, 4.2.1)
    weight = study["standard"]["weight"][:5]
    assert weight.max() / weight.min() < 1.2


def test_he_init_keeps_a_30_layer_relu_net_trainable_and_xavier_does_not():
    rows = vg.he_summary()
    xavier = [r for r in rows if r["init"].startswith("Xavier")]
    he = [r for r in rows if r["init"].startswith("He")]
    assert all(r["ratio"] < 1e-3 and r["loss"] > 0.6 for r in xavier)
    assert all(r["ratio"] > 0.05 and r["loss"] < 0.5 for r in he)


def test_batch_norm_output_is_standardized_not_squashed_into_0_1():
    numbers = vg.batchnorm_numbers()
    standard = numbers["gamma=1, beta=0"]
    assert standard["mean"] == pytest.approx(0, abs=1e-12) and standard["std"] == pytest.approx(1, abs=1e-4)
    assert standard["outside_0_1"] > 0.5 and standard["min"] < -2
    out, _ = L.batchnorm_forward(np.linspace(0.2, 0.8, 10)[:, None], np.ones(1), np.zeros(1))
    assert out.min() < 0  # even inputs inside [0, 1] leave it


def test_exploding_net_diverges_without_clipping_and_trains_with_it():
    run, norms = vg.clip_run(0.02, None)
    assert run.diverged and norms[0] > 1000
    run, _ = vg.clip_run(0.02, 10.0)
    assert not run.diverged and run.final_loss < 0.5


def test_residual_shortcuts_never_vanish_in_the_centrepiece_grid():
    for act in vg.ACTIVATION_NAMES:
        for gain in vg.GAINS:
            assert vg.flow_summary(5, act, gain, residual=True)["ratio_init"] > 0.5


def test_zero_centred_rows():
    z = vg.zero_centred(examples=5)
    assert z["sigmoid"]["one_signed_rows"] == 1.0 and z["tanh"]["one_signed_rows"] < 0.1
