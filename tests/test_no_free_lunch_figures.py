"""The no-free-lunch chapter's experiments (lib/figures/no_free_lunch.py): the exact counts the chapter prints."""
import numpy as np
import pytest

import lib.figures.no_free_lunch as nf
from lib import no_free_lunch as nfl


def test_every_algorithm_gives_every_value_sequence_equally_often():
    for name in nf.ALGORITHMS:
        for k in range(1, nf.N_POINTS + 1):
            assert nf.sequence_count_values(name, k) == {nf.N_VALUES ** (nf.N_POINTS - k)}
    assert len(nf.sequence_count_values("revisit", 3)) > 1


def test_histograms_identical_on_cup_classes_only():
    for cls in ("all", "closure", "needle"):
        assert all(nf.histograms_identical(cls).values()), cls
    assert not any(nf.histograms_identical("smooth").values())
    assert not nf.histograms_identical("all", (*nf.ALGORITHMS, "revisit"))["best after k, every k"]


def test_class_sizes_and_cup():
    F = nf.functions()
    assert nf.class_mask("all").sum() == 4096
    assert nf.class_mask("smooth").sum() == 340 and nf.class_mask("rough").sum() == 36
    assert not nfl.closed_under_permutation(F[nf.class_mask("smooth")], nf.N_VALUES)
    assert not nfl.closed_under_permutation(F[nf.class_mask("rough")], nf.N_VALUES)
    assert nfl.closed_under_permutation(F[nf.class_mask("closure")], nf.N_VALUES)
    with pytest.raises(ValueError, match=r"^name must"):
        nf.class_mask("bumpy")


def test_climber_wins_on_smooth_functions_and_anti_climber_loses():
    k = 3
    assert nf.mean_best("climber", "smooth")[k - 1] > nf.mean_best("sweep", "smooth")[k - 1] > nf.mean_best("anti", "smooth")[k - 1]
    assert nf.mean_hitting("climber", "smooth") < nf.mean_hitting("anti", "smooth")
    assert nf.mean_best("anti", "rough")[k - 1] > nf.mean_best("climber", "rough")[k - 1]  # the order reverses
    win, lose, _ = nf.wins("climber", "anti", k, "all")
    assert win > 0 and lose > 0


def test_time_budget_breaks_the_equality():
    assert nf.travel_best("sweep") > nf.travel_best("random")


def test_learning_uniform_is_half_and_mixture_is_linear():
    r = nf.learning(8)
    np.testing.assert_allclose(r["uniform"], 0.5, atol=1e-14)
    assert (r["totals"] * 2 == 65536 * 8).all()
    np.testing.assert_allclose(nf.mixed_accuracy(0.3, 8), 0.7 * 0.5 + 0.3 * r["smooth"])
    assert r["train_uniform"].max() == 1.0 and r["train_uniform"].min() == 0.0
