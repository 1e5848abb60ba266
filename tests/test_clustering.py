"""lib.clustering: k-means, Gaussian mixtures by EM, PCA and the adjusted Rand index."""
import warnings

import numpy as np
import pytest

from lib.clustering import adjusted_rand_index, gmm, gmm_log_density, kmeans, pca, within_sum_of_squares
from lib.datasets import gaussian_blobs

BLOBS, LABELS = gaussian_blobs(60, centers=((-4.0, 0.0), (4.0, 0.0), (0.0, 6.0)), std=0.7, seed=3)


# --------------------------------------------------------------------------- k-means
def test_kmeans_recovers_well_separated_blobs():
    fit = kmeans(BLOBS, 3, seed=0)
    assert adjusted_rand_index(LABELS, fit.labels) == 1.0
    centres = sorted(map(tuple, np.round(fit.centers)))
    assert centres == [(-4.0, 0.0), (0.0, 6.0), (4.0, 0.0)]


def test_kmeans_is_a_fixed_point_of_lloyd_and_reports_its_objective():
    fit = kmeans(BLOBS, 3, seed=1)
    for j in range(3):  # every centre is the mean of its points, every point at its nearest centre
        np.testing.assert_allclose(fit.centers[j], BLOBS[fit.labels == j].mean(0), atol=1e-12)
    np.testing.assert_array_equal(fit.predict(BLOBS), fit.labels)
    inertia = sum(((BLOBS[fit.labels == j] - fit.centers[j]) ** 2).sum() for j in range(3))
    assert fit.inertia == pytest.approx(inertia, rel=1e-12)
    assert within_sum_of_squares(BLOBS, fit.labels) == pytest.approx(inertia, rel=1e-12)


def test_within_sum_of_squares_known_value_and_bad_labels():
    assert within_sum_of_squares([[0.0], [2.0], [10.0]], [0, 0, 1]) == 2.0
    with pytest.raises(ValueError, match=r"^labels must have one entry per row of X \(3\)"):
        within_sum_of_squares([[0.0], [2.0], [10.0]], [0, 1])


def test_kmeans_objective_falls_with_k_and_one_cluster_is_the_mean():
    inertias = [kmeans(BLOBS, k, seed=0).inertia for k in (1, 2, 3, 6)]
    assert all(a > b for a, b in zip(inertias, inertias[1:]))
    np.testing.assert_allclose(kmeans(BLOBS, 1).centers[0], BLOBS.mean(0))
    assert kmeans(BLOBS, len(BLOBS), n_init=1).inertia == pytest.approx(0.0, abs=1e-20)


def test_kmeans_is_seeded():
    a, b = kmeans(BLOBS, 4, seed=5), kmeans(BLOBS, 4, seed=5)
    np.testing.assert_array_equal(a.labels, b.labels)


def test_kmeans_with_identical_points_and_huge_values():
    same = np.ones((10, 2))
    fit = kmeans(same, 3, seed=0)
    assert fit.inertia == 0.0 and np.isfinite(fit.centers).all()
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        fit = kmeans(BLOBS * 1e150, 3, seed=0)
    assert adjusted_rand_index(LABELS, fit.labels) == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"X": np.ones(5), "k": 2}, r"^X must be a non-empty 2-D array"),
    ({"X": [[np.nan, 1.0]], "k": 1}, r"^X must not contain NaN"),
    ({"X": [[np.inf, 1.0]], "k": 1}, r"^X must contain only finite numbers"),
    ({"X": np.ones((4, 2)), "k": 5}, r"^k must be an integer in \[1, 4\]"),
    ({"X": np.ones((4, 2)), "k": 2, "n_init": 0}, r"^n_init must be an integer >= 1"),
])
def test_kmeans_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kmeans(**kwargs)


# --------------------------------------------------------------------------- Gaussian mixtures
def test_gmm_log_density_of_one_component_is_the_gaussian_formula():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 3))
    mu, A = rng.normal(size=3), rng.normal(size=(3, 3))
    S = A @ A.T + np.eye(3)
    d = X - mu
    expected = -0.5 * np.einsum("ij,jk,ik->i", d, np.linalg.inv(S), d) - 0.5 * np.log(np.linalg.det(2 * np.pi * S))
    np.testing.assert_allclose(gmm_log_density(X, [1.0], mu[None], S[None]), expected, rtol=1e-12)


def test_gmm_log_density_of_a_mixture_is_the_log_of_the_weighted_sum():
    X = np.array([[0.0], [1.5], [-3.0]])
    w, mu, S = np.array([0.3, 0.7]), np.array([[0.0], [2.0]]), np.array([[[1.0]], [[0.25]]])
    pdf = lambda x, m, v: np.exp(-(x - m) ** 2 / (2 * v)) / np.sqrt(2 * np.pi * v)  # noqa: E731
    expected = np.log(0.3 * pdf(X[:, 0], 0.0, 1.0) + 0.7 * pdf(X[:, 0], 2.0, 0.25))
    np.testing.assert_allclose(gmm_log_density(X, w, mu, S), expected, rtol=1e-12)


def test_gmm_log_density_stays_finite_far_from_every_component():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out = gmm_log_density(np.array([[1e6, -1e6]]), [0.5, 0.5], np.zeros((2, 2)), np.stack([np.eye(2)] * 2))
    assert np.isfinite(out).all() and out[0] < -1e11


def test_em_never_lowers_the_likelihood_and_finds_the_blobs():
    fit = gmm(BLOBS, 3, seed=0)
    assert np.all(np.diff(fit.history) >= -1e-10)
    assert fit.converged
    assert adjusted_rand_index(LABELS, fit.predict(BLOBS)) == 1.0
    np.testing.assert_allclose(fit.weights, [1 / 3] * 3, atol=1e-6)
    np.testing.assert_allclose(fit.responsibilities(BLOBS).sum(1), 1.0)
    assert fit.log_density(BLOBS).mean() == pytest.approx(fit.history[-1], abs=1e-5)


def test_gmm_with_one_component_is_the_sample_mean_and_covariance():
    fit = gmm(BLOBS, 1, seed=0, reg=1e-12)
    np.testing.assert_allclose(fit.means[0], BLOBS.mean(0), rtol=1e-12)
    np.testing.assert_allclose(fit.covariances[0], np.cov(BLOBS.T, bias=True), rtol=1e-9)


def test_gmm_survives_duplicate_points():
    X = np.vstack([np.zeros((20, 2)), BLOBS])
    fit = gmm(X, 4, seed=0)
    assert np.isfinite(fit.history).all()


@pytest.mark.parametrize("args, match", [
    (([[0.0]], [0.5, 0.6], [[0.0], [1.0]], [[[1.0]], [[1.0]]]), r"^weights must be a 1-D array"),
    (([[0.0]], [1.0], [[0.0, 1.0]], [[[1.0]]]), r"^means must have shape \(1, 1\)"),
    (([[0.0]], [1.0], [[0.0]], [[[-1.0]]]), r"^covariances must be symmetric positive definite"),
])
def test_gmm_log_density_bad_input_is_named(args, match):
    with pytest.raises(ValueError, match=match):
        gmm_log_density(*args)


def test_gmm_bad_input_is_named():
    with pytest.raises(ValueError, match=r"^reg must be a positive finite number"):
        gmm(BLOBS, 2, reg=0.0)
    with pytest.raises(ValueError, match=r"^k must be an integer in"):
        gmm(BLOBS, 0)


# --------------------------------------------------------------------------- PCA
def test_pca_finds_the_long_axis_and_its_variance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 2)) * [3.0, 0.5] @ np.array([[np.cos(0.5), np.sin(0.5)], [-np.sin(0.5), np.cos(0.5)]])
    mean, components, variances = pca(X, 2)
    assert abs(components[0] @ [np.cos(0.5), np.sin(0.5)]) == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(variances, np.sort(np.linalg.eigvalsh(np.cov(X.T)))[::-1], rtol=1e-10)
    np.testing.assert_allclose(components @ components.T, np.eye(2), atol=1e-12)


def test_pca_bad_k_is_named():
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 2\]"):
        pca(np.ones((5, 2)), 3)


# --------------------------------------------------------------------------- adjusted Rand index
def test_ari_known_values():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 2, 2]) == 1.0  # renaming does not matter
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    # Hubert & Arabie's formula by hand: n_ij = [[2, 1], [0, 2]], pairs 1 + 0 + 0 + 1 = 2, rows 3 + 1, cols 1 + 3
    assert adjusted_rand_index([0, 0, 0, 1, 1], [0, 0, 1, 1, 1]) == pytest.approx((2 - 16 / 10) / (4 - 16 / 10))
    assert adjusted_rand_index([0, 0, 0], [1, 1, 1]) == 1.0


def test_ari_of_random_partitions_is_near_zero():
    rng = np.random.default_rng(0)
    values = [adjusted_rand_index(rng.integers(0, 3, 300), rng.integers(0, 3, 300)) for _ in range(50)]
    assert abs(np.mean(values)) < 0.005


def test_ari_bad_input_is_named():
    with pytest.raises(ValueError, match=r"^a and b must label the same points"):
        adjusted_rand_index([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match=r"^a must be a non-empty 1-D array"):
        adjusted_rand_index([], [])
