"""The learning-paradigms chapter's experiments (lib/figures/learning_paradigms.py): data, tasks and the key effects."""
import numpy as np
import pytest

import lib.figures.learning_paradigms as lp
from lib.datasets import glyphs


def test_glyph_positions_are_the_offsets_of_the_templates():
    X, shape, position = lp.glyph_data(0)
    assert X.shape == (600, 64) and set(np.unique(position)) == set(range(9))
    clean, _ = glyphs(100, noise=0.0, seed=0)
    rows, cols = position // 3, position % 3
    for k in range(0, 600, 37):  # the 6x6 template sits at (row offset, column offset): its corners are inside
        window = clean[k, rows[k] : rows[k] + 6, cols[k] : cols[k] + 6]
        assert window.sum() == clean[k].sum()


def test_diagonal_task():
    np.testing.assert_array_equal(lp.diagonal_task(np.arange(6)), [0, 0, 1, 1, 1, 0])


def test_noisy_bayes_crossing_known_values():
    assert lp.noisy_bayes_crossing("symmetric", 0.3) == 0.0
    assert lp.noisy_bayes_crossing("asymmetric", 0.0) == pytest.approx(0.0, abs=1e-15)
    assert lp.noisy_bayes_crossing("asymmetric", 0.3) == pytest.approx(0.5 * np.log(0.2 / 0.5))


def test_labelled_draws_are_balanced_and_seeded():
    _, y, _, _, _ = lp.ssl_problem("moons")
    idx = lp.labelled_draw(y, 8, 3)
    assert np.bincount(y[idx]).tolist() == [4, 4]
    np.testing.assert_array_equal(idx, lp.labelled_draw(y, 8, 3))


def test_propagation_beats_nearest_neighbour_only_where_the_cluster_assumption_holds():
    moons = [lp.ssl_run("moons", 4, s) for s in range(5)]
    cloud = [lp.ssl_run("cloud", 4, s) for s in range(5)]
    assert np.mean([r["propagation"] - r["supervised"] for r in moons]) > 0.1
    assert np.mean([r["propagation"] - r["supervised"] for r in cloud]) < 0.0


def test_asymmetric_noise_moves_the_boundary_and_forward_correction_moves_it_back():
    plain, corrected = lp.noise_fit("asymmetric", 0.3, False), lp.noise_fit("asymmetric", 0.3, True)
    assert plain["crossing"] < -0.5 and abs(corrected["crossing"]) < 0.15
    assert corrected["accuracy"] > plain["accuracy"] + 0.03


def test_symmetric_noise_keeps_the_boundary_but_not_the_log_loss():
    clean, noisy = lp.noise_fit("symmetric", 0.0, False), lp.noise_fit("symmetric", 0.3, False)
    assert abs(noisy["crossing"]) < 0.2 and abs(noisy["accuracy"] - clean["accuracy"]) < 0.02
    assert noisy["log_loss"] > clean["log_loss"] + 0.1
    assert 0.25 < noisy["flipped"] < 0.35


def test_clusters_are_classes_on_blobs_and_not_on_bars():
    scores = lp.clustering_scores()
    assert scores["blobs"]["kmeans"] > 0.9 and scores["stretched"]["kmeans"] < 0.1


def test_transfer_sources_learn_their_tasks():
    assert lp.pretrained("shape")[1] > 0.9 and lp.pretrained("position")[1] > 0.8


def test_explorables_say_what_they_show():
    ssl = lp.EXPLORABLES["semi_supervised"]()
    assert "one cloud" in ssl.describe(data="cloud", labelled=2)
    noise = lp.EXPLORABLES["label_noise"]()
    assert "forward-corrected" in noise.describe(kind="symmetric", rho=0.0, corrected=True)
