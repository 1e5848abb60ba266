"""The softmax chapter's own experiments: weight growth on separable data, accuracy of the small loss, likelihood."""
import numpy as np
import pytest

import lib.figures.softmax_cross_entropy as sm


def test_weights_grow_like_log_t_only_on_separable_data():
    table = sm.norm_growth_table()
    separable, overlapping = table[0.5], table[1.0]
    # one decade late in the run: steady growth on separable data, almost none on overlapping data
    assert separable["norm"][3000] - separable["norm"][300] > 1.5
    assert overlapping["norm"][3000] - overlapping["norm"][300] < 1.0
    assert overlapping["norm"][3000] - overlapping["norm"][1000] < 0.1
    assert overlapping["grad_norm"] < 1e-5 < separable["grad_norm"]
    assert separable["accuracy"] == 1.0 and overlapping["loss"] > 0.1


def test_small_losses_keep_their_digits_unlike_the_difference():
    zeros = sm.zero_margins()
    assert zeros["lib (log1p)"] > 740 and 30 < zeros["LSE(z) - z_y"] < 40
    for lib_error, difference_error in sm.relative_errors().values():
        assert lib_error <= 1e-15
    assert sm.relative_errors()[33][1] > 0.01
    assert all(lib_error <= 1e-15 for lib_error, _ in sm.shift_relative_errors().values())


def test_loss_is_the_negative_log_likelihood_and_its_minimiser_the_frequencies():
    lik = sm.likelihood_illustration()
    assert lik["mean_loss"] == pytest.approx(lik["minus_log_likelihood_over_n"], rel=1e-12)
    fit = sm.intercept_fit()
    np.testing.assert_allclose(fit["softmax_b"], fit["frequencies"], atol=1e-6)
    assert fit["loss"] == pytest.approx(fit["entropy"], abs=1e-9)


def test_range_and_norm_figures_draw():
    assert sm.range_figure()._png.startswith(b"\x89PNG")
    assert sm.norm_growth_figure()._png.startswith(b"\x89PNG")
