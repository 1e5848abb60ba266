"""Chapter-specific checks of the dropout experiments (lib/figures/dropout.py)."""
import warnings

import numpy as np
import pytest

import lib.figures.dropout as do
from lib.nn import Activation, Dropout, Linear, Sequential
from lib.nn.layers import dropout_mask


def test_entropy_is_n_bits_at_one_half_and_symmetric():
    assert do.mask_entropy_bits(8, 0.5) == pytest.approx(8.0)
    assert do.mask_entropy_bits(8, 0.1) == pytest.approx(do.mask_entropy_bits(8, 0.9))
    assert do.mask_entropy_bits(8, 0.0) == 0.0 and do.mask_entropy_bits(8, 1.0) == 0.0
    grid = np.linspace(0.01, 0.99, 99)
    assert grid[np.argmax([do.mask_entropy_bits(4, p) for p in grid])] == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "half"])
def test_entropy_names_a_bad_rate(bad):
    with pytest.raises(ValueError, match="p must"):
        do.mask_entropy_bits(4, bad)


def test_census_counts_masks_and_matches_the_entropy():
    m = do.mask_census(6, 0.5, draws=20_000, seed=1)
    assert m["possible"] == 64 and m["distinct"] == 64
    assert m["empirical_bits"] == pytest.approx(6.0, abs=0.02)
    rare = do.mask_census(6, 0.05, draws=20_000, seed=1)
    assert rare["top_share"] == pytest.approx(0.95**6, abs=0.02)


def test_inverted_dropout_keeps_the_mean_and_plain_dropout_scales_it():
    x = np.array([1.0, -2.0, 3.0])
    assert do.expected_activation(x, 0.5, draws=40_000) == pytest.approx(x, abs=0.05)
    assert do.expected_activation(x, 0.5, draws=40_000, inverted=False) == pytest.approx(0.5 * x, abs=0.03)


def test_training_masks_reproduce_the_layer_masks():
    layer = Dropout(0.3, seed=5)
    model = Sequential([Linear(4, 6), Activation("relu"), layer, Linear(6, 2)])
    theta = model.init(0)
    x = np.random.default_rng(0).standard_normal((3, 4)) + 2.0
    seen = []
    model.forward_hooks.append(lambda i, lay, out: seen.append(out.copy()) if i == 2 else None)
    for _ in range(2):
        model.forward(theta, x, update_state=True)
    masks = do.training_masks(layer, steps=2, batch=3, units=6).reshape(2, 3, 6)
    model.eval()
    relu = model.activations(theta, x)[1]
    for k in range(2):
        assert np.allclose(seen[k], relu * masks[k] / 0.7)


def test_thinned_network_equals_a_forward_pass_with_that_mask():
    model = Sequential([Linear(3, 5), Activation("relu"), Dropout(0.4, seed=2), Linear(5, 2)])
    theta = model.init(1)
    x = np.random.default_rng(2).standard_normal((4, 3))
    keep = np.array([True, False, True, True, False])
    sub = do.thinned(model, theta, [keep])
    model.eval()
    h = model.activations(theta, x)[1]
    W, b = model.params(theta)[3]["W"], model.params(theta)[3]["b"]
    expected = (h * keep / 0.6) @ W.T + b
    assert do.logits(model, sub, x) == pytest.approx(expected)
    with pytest.raises(ValueError, match="masks"):
        do.thinned(model, theta, [])


def test_geometric_mean_identity_and_arithmetic_gap():
    g = do.geometric_mean_check(units=8, p=0.3, seed=2)
    assert g["geometric_gap"] < 1e-12
    assert g["arithmetic_gap"] > 1e-3


def test_dropout_loss_is_ridge_in_expectation():
    X, y = do.linear_data()
    w = np.random.default_rng(3).standard_normal(5)
    for p in (0.1, 0.5, 0.7):
        assert do.dropout_loss_enumerated(X, y, w, -0.2, p) == pytest.approx(do.dropout_ridge_loss(X, y, w, -0.2, p), rel=1e-12)


def test_ridge_solution_zero_penalty_is_least_squares():
    X, y = do.linear_data()
    w, b = do.ridge_solution(X, y, 0.0)
    A = np.column_stack([X, np.ones(len(X))])
    assert np.append(w, b) == pytest.approx(np.linalg.lstsq(A, y, rcond=None)[0])


def test_dropout_trained_linear_regression_lands_on_the_gamma_ridge():
    fit = do.dropout_linear_fit(p=0.5)
    near = np.linalg.norm(fit["dropout"] - fit["ridge"])
    assert near < 0.05
    assert near < 0.1 * np.linalg.norm(fit["dropout"] - fit["ols"])
    assert near < 0.1 * np.linalg.norm(fit["dropout"] - fit["uniform_ridge"])


def test_steps_to_target_and_bad_key():
    curve = {"steps": np.array([0, 10, 20]), "test_error": np.array([0.9, 0.4, 0.3])}
    assert do.steps_to_target(curve, 0.4) == 10
    assert do.steps_to_target(curve, 0.1) is None
    with pytest.raises(ValueError, match="key"):
        do.steps_to_target(curve, 0.4, key="loss")


def test_every_example_of_a_batch_gets_its_own_sub_network():
    c = do.subnetwork_census(p=0.5, n_per_class=80)
    assert c["per_batch"] == do.BATCH and c["distinct"] == c["draws"]


def test_explorables_draw_their_corners_without_warning():
    for factory in do.EXPLORABLES.values():
        exp = factory()
        with warnings.catch_warnings(), np.errstate(all="raise"):
            warnings.simplefilter("error")
            for values in exp.corners():
                assert exp.render(**values).startswith(b"\x89PNG")
                assert exp.describe(**values)


def test_mask_viewer_masks_follow_the_dropout_layer():
    model, *_ = do.moons_run(0.5)
    drops = [layer for layer in model.layers if isinstance(layer, Dropout)]
    masks = do.moons_masks(0.5, 3)
    for layer, mask in zip(drops, masks):
        row = dropout_mask((20, 10), 0.5, np.random.default_rng((layer.seed, 3)))[0] > 0
        assert np.array_equal(mask, row)
