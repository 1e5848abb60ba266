"""Tests for the weight-initialization chapter's experiments (lib/figures/initialization.py)."""
import math
import warnings

import numpy as np
import pytest

import lib.figures.initialization as fi
from lib.nn import init


def test_standard_init_is_uniform_one_over_root_fan_in_with_zero_bias():
    W, b = fi.standard_init(400, 300, np.random.default_rng(0))
    assert W.shape == (300, 400) and np.all(b == 0)
    assert np.abs(W).max() <= 1 / math.sqrt(400)
    assert np.abs(W).max() > 0.99 / math.sqrt(400)
    assert W.var() * 400 == pytest.approx(1 / 3, rel=0.02)


def test_constant_and_zero_presets():
    W, b = fi.constant_init(0.5)(3, 2, None)
    assert np.all(W == 0.5) and np.all(b == 0)
    W, b = fi.zero_init(3, 2, None)
    assert not W.any() and not b.any()
    with pytest.raises(ValueError, match="value"):
        fi.constant_init(float("nan"))


def test_unknown_scheme_and_bad_depth_are_named():
    with pytest.raises(ValueError, match="scheme"):
        fi.mlp(4, 2, 2, 4, "tanh", "xavier_magic")
    with pytest.raises(ValueError, match="depth"):
        fi.mlp(4, 2, 0, 4, "tanh", "glorot")
    with pytest.raises(ValueError, match="init"):
        fi.symmetry_run("random")
    with pytest.raises(ValueError, match="init"):
        fi.deep_linear(4, "uniform")


def test_notes_formulas_meet_their_criteria():
    for name, const, var, target in fi.notes_formulas(300, 100):
        assert var == pytest.approx(target, rel=1e-12), name
        assert const > 0


def test_truncated_std_matches_the_library_constant_and_falls_with_the_cut():
    assert fi.truncated_std(2.0) == pytest.approx(init.TRUNCATED_NORMAL_STD, abs=1e-15)
    assert fi.truncated_std(1.0) < fi.truncated_std(2.0) < fi.truncated_std(4.0) < 1
    assert fi.truncated_std(40.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="c"):
        fi.truncated_std(0.0)


def test_distribution_table_shows_the_twelve_percent_shortfall_without_correction():
    rows = fi.distribution_table(n=300)
    for dist in init.DISTRIBUTIONS:
        assert rows[dist][0] == pytest.approx(1.0, abs=0.01)
    assert rows["truncated, no correction"][0] == pytest.approx(init.TRUNCATED_NORMAL_STD, abs=0.01)
    assert rows["uniform"][1] <= math.sqrt(3) + 1e-12
    assert rows["truncated_normal"][1] <= 2 / init.TRUNCATED_NORMAL_STD + 1e-12


def test_relu_keeps_half_the_second_moment():
    for ratio in fi.relu_second_moment(n=200_000).values():
        assert ratio == pytest.approx(0.5, abs=0.01)


def test_framework_defaults():
    d = fi.framework_defaults()
    assert d["pytorch"]["fan_in_var"] == pytest.approx(1 / 3, rel=0.03)
    assert d["pytorch"]["limit_sqrt_n"] <= 1 + 1e-12
    assert d["keras"]["fan_in_var"] == pytest.approx(2 * 256 / 384, rel=0.03)
    assert d["keras"]["bias_max_sqrt_n"] == 0


def test_compromise_table_follows_the_predicted_gains():
    table = fi.compromise_table(draws=100)
    for mode, (f, fp, b, bp) in table.items():
        assert f == pytest.approx(fp, rel=0.15), mode
        assert b == pytest.approx(bp, rel=0.15), mode
    assert table["fan_in"][1] == pytest.approx(1) and table["fan_out"][3] == pytest.approx(1)


def test_propagation_he_keeps_relu_and_glorot_halves_it():
    he, glorot = fi.propagation("he", "relu", 20), fi.propagation("glorot", "relu", 20)
    assert 0.3 < he["std"][-1] / he["std"][0] < 3
    assert glorot["std"][-1] / glorot["std"][0] < 1e-2
    assert he["hist"].shape == (20, fi.HIST_BINS)
    assert 0.4 < he["zeros"].mean() < 0.6
    ratios = fi.variance_ratios(depth=20, schemes=("glorot", "he"), activations=("identity", "relu"))
    assert ratios["glorot", "identity"][0] == pytest.approx(1, abs=0.1)
    assert ratios["he", "relu"][0] == pytest.approx(1, abs=0.1)
    assert ratios["he", "identity"][0] == pytest.approx(2, abs=0.2)


def test_he_readings_and_saturation():
    readings = fi.he_readings()
    for pred, meas in readings.values():
        assert meas == pytest.approx(pred, rel=0.15)
    table = fi.saturation_table(gains=(1 / math.sqrt(3), 4.0))
    small, large = table[1 / math.sqrt(3)], table[4.0]
    assert small["saturated"] == 0 and small["grad_ratio"] < 0.05
    assert large["saturated"] > 0.3


def test_symmetry_constant_start_keeps_units_identical():
    const, glorot = fi.symmetry_run("constant"), fi.symmetry_run("glorot")
    assert np.all(const["spread"] == 0)
    assert const["loss"][-1] < const["loss"][0]  # it learns, as one unit
    assert glorot["spread"][-1] > 1 and glorot["accuracy"] > const["accuracy"]
    zeros = fi.symmetry_run("zeros")
    assert not zeros["W"].any()


def test_table1_ordering_and_paper_numbers():
    ours = fi.table1()
    assert ours["Tanh N"]["mean"] < ours["Tanh"]["mean"] < ours["Sigmoid"]["mean"]
    assert fi.PAPER_TABLE1["Tanh N"]["Shapeset-3x2"] < fi.PAPER_TABLE1["Tanh"]["Shapeset-3x2"]


def test_training_runs_are_finite_and_zero_init_stays_at_chance():
    r = fi.train_run("zeros", "tanh")
    assert r["loss"][-1] == pytest.approx(math.log(6), abs=1e-3)
    assert r["test_error"][-1] == pytest.approx(5 / 6)
    for s in fi.TRAIN_SCHEMES:
        run = fi.train_run(s, "relu")
        assert run["diverged_at"] is None and np.all(np.isfinite(run["loss"]))


def test_test_error_in_chunks_equals_accuracy_at_once():
    X, y, Xt, yt = fi.glyph_task()
    model = fi.mlp(64, 6, 2, 8, "tanh", "glorot")
    from lib.nn import NetworkObjective
    objective = NetworkObjective(model, X, y, "softmax")
    theta = model.init(0)
    assert fi.test_error(objective, theta, Xt, yt, chunk=7) == pytest.approx(1 - objective.accuracy(theta, Xt, yt))


def test_saxe_orthogonal_is_flatter_than_gaussian():
    assert fi.learning_time("orthogonal", 16) is not None
    assert fi.learning_time("orthogonal", 16) < (fi.learning_time("gaussian", 16) or math.inf)


def test_explorables_draw_every_frame_without_warnings_and_say_what_they_show():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for factory in fi.EXPLORABLES.values():
            exp = factory()
            for values in exp.corners():
                exp.draw(**values)
            said = exp._said  # what each drawn frame reads to screen readers
            assert said and all(isinstance(t, str) and t for t in said.values())
