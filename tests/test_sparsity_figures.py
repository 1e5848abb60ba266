"""lib.nn.penalties (L1 penalties, sparsity measures) and the sparsity chapter's experiments (lib/figures/sparsity.py)."""
import warnings

import numpy as np
import pytest

import lib.figures.sparsity as sp
from lib.gradcheck import check_gradient
from lib.gradient_descent import descend
from lib.nn.network import Activation, ActivationRecorder, Dropout, Linear, NetworkObjective, Sequential
from lib.nn.penalties import L1Penalized, dead_units, near_zero_fraction, soft_threshold, zero_fraction

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 5))
Y = RNG.integers(0, 3, 12)


def small(activation="tanh", dropout=0.0):
    layers = [Linear(5, 6), Activation(activation)]
    layers += [Dropout(dropout, seed=1)] if dropout else []
    layers += [Linear(6, 4), Activation(activation), Linear(4, 3)]
    return Sequential(layers)


# --------------------------------------------------------------------------- L1Penalized
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "softplus"])
@pytest.mark.parametrize("l1_a, l1_w", [(0.0, 0.0), (0.3, 0.0), (0.0, 0.05), (0.3, 0.05)])
def test_penalized_gradient_matches_finite_differences(activation, l1_a, l1_w):
    model = small(activation)
    objective = L1Penalized(NetworkObjective(model, X, Y), l1_a, l1_w)
    theta = model.init(2)
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7
    idx = np.array([0, 3, 7])
    assert check_gradient(lambda t: objective.loss(t, idx), lambda t: objective.grad(t, idx), theta) < 1e-7


def test_penalized_gradient_with_dropout_reuses_the_training_mask():
    model = small("tanh", dropout=0.5)
    objective = L1Penalized(NetworkObjective(model, X, Y), 0.2, 0.01)
    theta = model.init(0)
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7  # grad draws a mask, loss reuses it


def test_penalty_is_the_formula():
    model = small("tanh")
    base = NetworkObjective(model, X, Y)
    theta = model.init(1)
    l1_a, l1_w = 0.3, 0.05
    objective = L1Penalized(base, l1_a, l1_w)
    outs = model.activations(theta, X)
    params = model.params(theta)
    expected = (l1_a * (np.abs(outs[1]).sum() + np.abs(outs[3]).sum()) / len(X)
                + l1_w * sum(np.abs(params[i]["W"]).sum() for i in (0, 2, 4)))
    assert objective.penalty(theta) == pytest.approx(expected, rel=1e-12)
    assert objective.loss(theta) == pytest.approx(base.loss(theta) + expected, rel=1e-12)
    assert objective.data_loss(theta) == base.loss(theta)


def test_no_penalty_is_the_wrapped_objective():
    model = small("relu")
    base = NetworkObjective(model, X, Y)
    objective = L1Penalized(base)
    theta = model.init(3)
    assert objective.loss(theta) == pytest.approx(base.loss(theta), rel=1e-14)
    np.testing.assert_allclose(objective.grad(theta), base.grad(theta), rtol=1e-13, atol=1e-15)
    assert objective.accuracy(theta) == base.accuracy(theta)


def test_penalize_only_chosen_layers():
    model = small("tanh")
    theta = model.init(4)
    only_first = L1Penalized(NetworkObjective(model, X, Y), 1.0, layers=[1])
    assert only_first.layers == (1,)
    assert only_first.penalty(theta) == pytest.approx(np.abs(model.activations(theta, X)[1]).sum() / len(X))
    assert check_gradient(only_first.loss, only_first.grad, theta) < 1e-7


def test_forward_and_backward_hooks_are_called():
    model = small("relu")
    recorder = ActivationRecorder()
    seen = []
    model.forward_hooks.append(recorder)
    model.backward_hooks.append(lambda i, layer, dx, grads: seen.append(i))
    L1Penalized(NetworkObjective(model, X, Y), 0.1).grad(model.init(0))
    assert sorted(recorder.activations) == list(range(len(model.layers)))
    assert seen == list(range(len(model.layers) - 1, -1, -1))


def test_descend_trains_a_penalized_network_and_the_penalty_adds_relu_zeros():
    model = small("relu")
    base = NetworkObjective(model, X, Y)
    theta0 = model.init(0)
    plain = descend(base, theta0, 0.1, steps=300)
    sparse = descend(L1Penalized(base, 0.05), theta0, 0.1, steps=300)
    assert plain.losses[-1] < plain.losses[0] and not sparse.diverged

    def zeros(theta):
        outs = model.activations(theta, X)
        return zero_fraction(np.concatenate([outs[1].ravel(), outs[3].ravel()]))

    assert zeros(sparse.final_theta) > zeros(plain.final_theta)


@pytest.mark.parametrize("kwargs, name", [
    ({"activation_l1": -0.1}, "activation_l1"),
    ({"weight_l1": float("nan")}, "weight_l1"),
    ({"layers": [99]}, "layers"),
    ({"layers": 3}, "layers"),
    ({"layers": ["a"]}, "layers"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        L1Penalized(NetworkObjective(small(), X, Y), **kwargs)


def test_objective_must_be_a_network_objective():
    with pytest.raises(ValueError, match="objective"):
        L1Penalized(object())


def test_bad_theta_is_named():
    objective = L1Penalized(NetworkObjective(small(), X, Y), 0.1)
    with pytest.raises(ValueError, match="theta"):
        objective.loss(np.zeros(3))
    with pytest.raises(ValueError, match="theta"):
        objective.grad(np.full(objective.dim, np.nan))


def test_huge_weights_give_inf_not_warnings():
    model = small("relu")
    objective = L1Penalized(NetworkObjective(model, X, Y), 0.1, 0.1)
    theta = np.full(objective.dim, 1e300)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert objective.loss(theta) == np.inf
        objective.grad(theta)


# --------------------------------------------------------------------------- measures
def test_zero_and_near_zero_fractions():
    a = np.array([[0.0, 0.005, -0.02], [0.0, 1.0, -0.0]])
    assert zero_fraction(a) == pytest.approx(3 / 6)
    assert near_zero_fraction(a, 0.01) == pytest.approx(4 / 6)
    assert near_zero_fraction(a, 0.1) == pytest.approx(5 / 6)


def test_dead_units():
    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(dead_units(a), [True, False, False])


def test_soft_threshold_is_the_proximal_map():
    w = np.array([-2.0, -0.3, 0.0, 0.2, 1.5])
    np.testing.assert_allclose(soft_threshold(w, 0.5), [-1.5, 0.0, 0.0, 0.0, 1.0])
    grid = np.linspace(-3, 3, 60001)
    for u in w:  # argmin_v 0.5 (v - u)^2 + t |v|
        best = grid[np.argmin(0.5 * (grid - u) ** 2 + 0.5 * np.abs(grid))]
        assert soft_threshold(np.array([u]), 0.5)[0] == pytest.approx(best, abs=1e-4)


@pytest.mark.parametrize("call, name", [
    (lambda: zero_fraction([]), "a"),
    (lambda: zero_fraction([np.nan]), "a"),
    (lambda: near_zero_fraction([1.0], 0.0), "eps"),
    (lambda: dead_units(np.zeros(3)), "a"),
    (lambda: soft_threshold([1.0], -1.0), "t"),
    (lambda: soft_threshold([np.inf], 1.0), "w"),
])
def test_measures_reject_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --------------------------------------------------------------------------- the chapter's experiments
def test_relu_zeros_at_a_symmetric_init_average_one_half():
    init = sp.init_zero_fractions(seeds=range(8))
    assert np.all(np.abs(init["mean"] - 0.5) < 3 * init["sd"] / np.sqrt(init["runs"]) + 0.02)


def test_smooth_activations_have_no_exact_zeros_at_init():
    for name in ("tanh", "sigmoid", "softplus"):
        assert all(row["exact"] == 0 for row in sp.layer_stats(name, "init"))


def test_silencing_relu_zeros_changes_nothing():
    s = sp.silencing("relu")
    assert s["changed"] == 0 and s["accuracy"] == s["silenced"] and s["suppressed"] > 0.2


def test_dropout_adds_zeros_only_in_train_mode():
    base = sp.dropout_zeros("relu", 0.0, False)
    assert sp.dropout_zeros("relu", 0.5, False) == base
    for got, s in zip(sp.dropout_zeros("relu", 0.5, True), base):
        assert got == pytest.approx(1 - 0.5 * (1 - s), abs=0.03)


def test_dead_first_layer_units_never_revive():
    r = sp.dead_run("relu", sp.LR_GRID.values[-1])
    assert r["revived"][0] == 0 and r["dead"][-1, 0] > 0
    assert np.all(np.diff(r["dead"][:, 0]) >= 0)  # layer 1's dead set only grows


def test_l1_point_rejects_an_unknown_setting():
    with pytest.raises(ValueError, match="setting"):
        sp.l1_fit("gelu_act", 0.1)
    with pytest.raises(ValueError, match="stage"):
        sp.layer_stats("relu", "halfway")


