"""Chapter-specific checks of the gradient-descent experiments (lib/figures/gradient_descent.py)."""

import numpy as np
import pytest

import lib.figures.gradient_descent as gd


def test_mirrored_landscape_swaps_which_minimum_is_global_but_not_which_is_sharp():
    for mirrored, sharp_kind in ((False, "sharp (local)"), (True, "sharp (global)")):
        sharp, wide = gd.landscape_minima(mirrored)
        assert sharp["name"] == sharp_kind
        assert sharp["lambda_max"] > 10 * wide["lambda_max"]
        # the escape experiment's step is stable for BGD in both sharp minima
        assert gd.ESCAPE_LR < sharp["bound"]


def test_reshuffling_makes_the_second_batch_depend_on_the_first():
    slopes = gd.second_batch_slopes(batch=100, epochs=4000, seed=1)
    assert slopes["predicted"] == pytest.approx(-100 / 900)
    assert slopes["reshuffling"] == pytest.approx(slopes["predicted"], abs=0.05)
    assert abs(slopes["with replacement"]) < 0.05


def test_standard_error_falls_as_one_over_root_b_with_replacement():
    rows = gd.noise_table(batch_sizes=(1, 16, 256), replace=True)
    scaled = [row[5] for row in rows]  # rms * sqrt(B)
    assert np.ptp(scaled) / np.mean(scaled) < 0.1


def test_tail_gaps_snap_to_the_slider_grid():
    gaps = gd.tail_gaps(lrs=(0.24,), batches=(1,))
    (lr, batch), = gaps
    assert lr in gd.LR_GRID.values and batch == 1
