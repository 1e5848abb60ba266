"""Chapter-specific checks of the activation-function experiments (lib/figures/activations.py)."""
import math

import numpy as np
import pytest

import lib.figures.activations as act
from lib.nn import activations as A


def test_properties_match_the_closed_forms():
    rows = {r["name"]: r for r in act.comparison_table()}
    assert rows["sigmoid"]["d_max"] == pytest.approx(0.25, abs=1e-12)
    assert rows["tanh"]["d_max"] == pytest.approx(1.0, abs=1e-12)
    assert rows["sigmoid"]["mean"] == pytest.approx(0.5, abs=1e-12)
    assert abs(rows["tanh"]["mean"]) < 1e-12
    assert rows["relu"]["mean"] == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-6)   # E max(u, 0)
    assert rows["relu"]["zero_grad"] == pytest.approx(0.5, abs=1e-3)
    assert rows["gelu"]["minimum"] == pytest.approx(-0.17, abs=1e-3)
    assert rows["gelu"]["d_max"] == pytest.approx(1.1289, abs=1e-4)
    assert rows["softplus"]["phi0"] == pytest.approx(math.log(2))
    for name in ("leaky_relu", "elu", "gelu", "softplus", "sigmoid", "tanh"):
        assert rows[name]["zero_grad"] == 0


def test_gradient_fractions_add_up_and_reject_bad_input():
    for name in act.NAMES:
        g = act.gradient_fractions(name, -2.0, 2.0)
        assert sum(g.values()) == pytest.approx(1.0)
    assert act.gradient_fractions("leaky_relu", -2.0, 2.0)["zero"] == 0
    with pytest.raises(ValueError, match="^spread"):
        act.gradient_fractions("tanh", 0.0, 0.0)
    with pytest.raises(ValueError, match="^mean"):
        act.expected_output("tanh", float("nan"), 1.0)
    with pytest.raises(ValueError, match="^name"):
        act.phi("swish", np.zeros(2))


def test_collapse_reproduces_a_random_linear_network_and_refuses_a_relu_one():
    x = np.random.default_rng(0).standard_normal((50, 2))
    model = act.mlp(4, "identity", width=8)
    theta = model.init(seed=3)
    W, b = act.collapse(model, theta)
    np.testing.assert_allclose(model.forward(theta, x, update_state=False)[0], x @ W.T + b, atol=1e-12)
    relu = act.mlp(2, "relu", width=8)
    with pytest.raises(ValueError, match="^model"):
        act.collapse(relu, relu.init(seed=0))
    with pytest.raises(ValueError, match="^depth"):
        act.mlp(-1, "relu")


def test_deep_linear_nets_end_at_logistic_regression():
    c = act.linear_collapse(3)
    assert c["relative_distance"] < 1e-4
    assert c["accuracy_deep"] == c["accuracy_lr"]
    assert act.plane_residual(2, "identity") < 1e-12 < 0.1 < act.plane_residual(2, "tanh")


def test_relu_interpolant_is_exact_at_the_knots_and_errs_like_one_over_n_squared():
    model = act.shallow_relu(8)
    knots = np.linspace(-1, 1, 9)
    out = model.forward(act.relu_interpolant("sine", 8), knots[:, None], update_state=False)[0][:, 0]
    np.testing.assert_allclose(out, np.sin(3 * knots), atol=1e-12)
    rows = {r["width"]: r for r in act.approximation_table("sine")}
    assert rows[64]["built_sup"] <= (2 / 64) ** 2 * 9 / 8
    assert rows[32]["built_sup"] / rows[64]["built_sup"] == pytest.approx(4, rel=0.1)
    with pytest.raises(ValueError, match="^width"):
        act.relu_interpolant("sine", 0)
    with pytest.raises(ValueError, match="^knots"):
        act.interpolant_theta([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="^target"):
        act.relu_interpolant("square", 4)


def test_positive_inputs_force_one_sign_per_example_but_not_per_batch():
    assert act.sign_agreement("sigmoid", 1) == 1.0
    assert act.sign_agreement("tanh_shifted", 1) == 1.0
    assert 0.3 < act.sign_agreement("tanh", 1) < 0.7
    assert act.sign_agreement("sigmoid", 32) < 0.5
    rows = {r["kind"]: r for r in act.zigzag_summary()}
    assert rows["tanh_shifted"]["condition"] > 5 * rows["tanh"]["condition"]
    assert rows["tanh_shifted"]["steps_gd"] > rows["tanh"]["steps_gd"]
    with pytest.raises(ValueError, match="^kind"):
        act.zig_inputs("relu")


def test_dead_relu_units_of_the_first_layer_never_change_and_leaky_ones_do():
    relu, leaky = act.dead_units("relu", 0.1), act.dead_units("leaky_relu", 0.1)
    first = relu["layers"][0]
    assert first["dead_start"] >= 1 and first["frozen"] == first["dead_start"]
    assert all(layer["frozen"] == 0 for layer in leaky["layers"])


def test_overfit_check_interpolates_noise():
    for row in act.overfit_check(noise=0.3, sizes=(16, 64)):
        assert row["train_noisy"] < 1e-10
        assert row["test_noisy"] > 0.15 > row["test_clean"]


def test_timings_are_positive_numbers():
    cost = act.cost_per_evaluation(n=1000, repeats=1)
    assert set(cost) == set(act.NAMES) and all(f > 0 and d > 0 for f, d in cost.values())


def test_the_activations_are_lib_nn_ones():
    x = np.linspace(-3, 3, 7)
    for name in act.NAMES:
        np.testing.assert_array_equal(act.phi(name, x), getattr(A, name)(x))
