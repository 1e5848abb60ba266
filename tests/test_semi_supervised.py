"""lib.semi_supervised: the k-NN graph, the harmonic solution, label propagation and the extension to new points."""
import warnings

import numpy as np
import pytest

from lib.datasets import two_moons
from lib.semi_supervised import extend, harmonic_solution, knn_graph, nearest_neighbour, propagate

X, Y = two_moons(120, noise=0.05, seed=0)
LAB = np.array([0, 1, 60, 61])


# --------------------------------------------------------------------------- graph
def test_knn_graph_is_symmetric_with_k_neighbours_each_and_no_loops():
    W = knn_graph(X, k=5)
    np.testing.assert_array_equal(W, W.T)
    assert np.all(np.diag(W) == 0)
    assert np.all((W > 0).sum(1) >= 5)
    assert np.all((W >= 0) & (W <= 1))


def test_knn_graph_weights_are_the_gaussian_kernel():
    P = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    W = knn_graph(P, k=1, bandwidth=2.0)
    assert W[0, 1] == pytest.approx(np.exp(-1 / 8))
    assert W[1, 2] == pytest.approx(np.exp(-4 / 8))  # 2's nearest neighbour is 1, so the edge exists
    assert W[0, 2] == 0.0


def test_knn_graph_bad_input_is_named():
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 119\]"):
        knn_graph(X, k=120)
    with pytest.raises(ValueError, match=r"^X must be a 2-D array"):
        knn_graph(np.ones(4))
    with pytest.raises(ValueError, match=r"^bandwidth must be a positive finite number"):
        knn_graph(X, bandwidth=0.0)


# --------------------------------------------------------------------------- harmonic solution
def test_harmonic_solution_on_a_path_is_linear_interpolation():
    # a chain 0 - 1 - 2 - 3 - 4 of unit weights, 0 labelled class 0 and 4 labelled class 1
    W = np.diag(np.ones(4), 1) + np.diag(np.ones(4), -1)
    F = harmonic_solution(W, np.array([0, 4]), np.array([0, 1]), 2)
    np.testing.assert_allclose(F[:, 1], [0, 0.25, 0.5, 0.75, 1.0], atol=1e-12)


def test_harmonic_solution_is_harmonic_and_clamped():
    W = knn_graph(X, k=8)
    F = harmonic_solution(W, LAB, Y[LAB], 2)
    np.testing.assert_array_equal(F[LAB], np.eye(2)[Y[LAB]])
    unl = np.setdiff1d(np.arange(len(X)), LAB)
    mean_of_neighbours = (W @ F)[unl] / W.sum(1)[unl, None]
    np.testing.assert_allclose(F[unl], mean_of_neighbours, atol=1e-10)
    np.testing.assert_allclose(F.sum(1), 1.0, atol=1e-12)


def test_harmonic_solution_labels_two_moons_from_four_labels():
    F = harmonic_solution(knn_graph(X, k=8), LAB, Y[LAB], 2)
    assert np.mean(F.argmax(1) == Y) == 1.0


def test_propagation_converges_to_the_harmonic_solution():
    W = knn_graph(X, k=8)
    exact = harmonic_solution(W, LAB, Y[LAB], 2)
    gaps = [np.abs(propagate(W, LAB, Y[LAB], 2, iterations=t) - exact).max() for t in (10, 100, 3000)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-2  # a geometric rate set by the graph's spectral gap


def test_a_piece_without_labels_gets_the_label_frequencies():
    W = np.zeros((5, 5))
    W[0, 1] = W[1, 0] = W[3, 4] = W[4, 3] = 1.0  # {0, 1, 2?} and {3, 4}; 2 is isolated
    F = harmonic_solution(W, np.array([0]), np.array([1]), 3)
    np.testing.assert_allclose(F[1], [0, 1, 0])
    np.testing.assert_allclose(F[[2, 3, 4]], [[0, 1, 0]] * 3)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        P = propagate(W, np.array([0]), np.array([1]), 3, iterations=5)
    np.testing.assert_allclose(P[2], [1 / 3] * 3)  # isolated: keeps its start


@pytest.mark.parametrize("args, match", [
    ((np.array([[0.0, 1.0], [2.0, 0.0]]), [0], [0], 2), r"^W must be a symmetric square matrix"),
    ((np.eye(3) * 0, np.array([0, 0]), np.array([0, 1]), 2), r"^labelled must not repeat an index"),
    ((np.eye(3) * 0, np.array([5]), np.array([0]), 2), r"^labelled must be a non-empty 1-D array of point indices"),
    ((np.eye(3) * 0, np.array([0]), np.array([2]), 2), r"^y must hold one integer label in \[0, 2\)"),
    ((np.eye(3) * 0, np.array([0]), np.array([0]), 1), r"^classes must be an integer >= 2"),
])
def test_harmonic_solution_bad_input_is_named(args, match):
    with pytest.raises(ValueError, match=match):
        harmonic_solution(*args)


# --------------------------------------------------------------------------- new points
def test_extend_reproduces_the_scores_at_graph_points_far_from_others():
    P = np.array([[0.0, 0.0], [10.0, 0.0]])
    F = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = extend(P, F, np.array([[0.1, 0.0], [9.0, 0.0], [5.0, 0.0]]), k=2, bandwidth=0.5)
    assert out[0, 0] > 0.999 and out[1, 1] > 0.999
    np.testing.assert_allclose(out[2], [0.5, 0.5])
    np.testing.assert_allclose(out.sum(1), 1.0)


def test_extend_far_away_is_finite():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out = extend(X, np.eye(2)[Y], np.array([[1e6, -1e6]]), k=5)
    assert np.isfinite(out).all() and out.sum() == pytest.approx(1.0)


def test_nearest_neighbour_is_the_supervised_baseline():
    np.testing.assert_array_equal(nearest_neighbour(X[LAB], Y[LAB], X[LAB]), Y[LAB])
    with pytest.raises(ValueError, match=r"^X_new must have shape \(m, 2\)"):
        nearest_neighbour(X[LAB], Y[LAB], np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"^F must have one row per graph point"):
        extend(X, np.ones((3, 2)), X)
