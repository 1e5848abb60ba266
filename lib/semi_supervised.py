r"""Semi-supervised learning on a graph: label propagation as the harmonic solution.

Build a similarity graph on *all* points, labelled and unlabelled (:func:`knn_graph`), and
ask for class scores :math:`F` that equal the given labels on the labelled set :math:`L` and
are as smooth as possible over the graph,

.. math::
    \min_F \tfrac12 \sum_{i,j} w_{ij}\,\lVert F_i - F_j\rVert^2
    \quad\text{s.t.}\quad F_L = Y_L .

The minimizer is *harmonic*, each unlabelled score the weighted mean of its neighbours',
:math:`F_i = \sum_j w_{ij} F_j / d_i`; with the graph Laplacian :math:`\Delta = D - W` split
into labelled and unlabelled blocks,

.. math::
    F_U = \Delta_{UU}^{-1}\, W_{UL}\, Y_L

(:func:`harmonic_solution`; Zhu, Ghahramani & Lafferty 2003, ICML, eq. 5). It is the fixed point
of the label-propagation iteration "average the neighbours, clamp the labelled"
(:func:`propagate`; Zhu & Ghahramani 2002, CMU-CALD-02-107). Labels flow along paths of
short edges, so they fill a cluster before they cross a low-density gap: the *cluster*
(*manifold*) assumption of semi-supervised learning (Chapelle, Schölkopf & Zien 2006,
*Semi-Supervised Learning*, §1.2). :func:`extend` scores new points by their neighbours'
scores (the harmonic extension; Delalleau, Bengio & Le Roux 2005, AISTATS).
"""
from __future__ import annotations

import numpy as np

from lib import checks
from lib.clustering import squared_distances
from lib.softmax import one_hot

__all__ = ["knn_graph", "harmonic_solution", "propagate", "extend", "nearest_neighbour"]


def _points(name, X) -> np.ndarray:
    X = checks.finite_array(name, X)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError(f"{name} must be a 2-D array (n, d) with n >= 2, got shape {X.shape}")
    return X


def _kernel(d2_knn, bandwidth):
    r"""Gaussian weights :math:`\exp(-d^2/2s^2)`; ``bandwidth`` None: :math:`s` the median distance to the k nearest neighbours."""
    if bandwidth is None:
        s2 = float(np.median(d2_knn))
        s2 = s2 if s2 > 0 else 1.0
    else:
        s2 = checks.positive("bandwidth", bandwidth) ** 2
    return np.exp(-d2_knn / (2 * s2)), s2


def knn_graph(X, k: int = 10, bandwidth: float | None = None) -> np.ndarray:
    r"""Symmetric k-nearest-neighbour graph with Gaussian edge weights, shape ``(n, n)``.

    :math:`w_{ij} = \exp(-\lVert x_i - x_j\rVert^2 / 2s^2)` if :math:`j` is among the ``k`` nearest
    neighbours of :math:`i` or :math:`i` among those of :math:`j`, else 0; :math:`w_{ii} = 0`.
    ``bandwidth`` :math:`s` defaults to the root of the median squared k-NN distance.
    """
    X = _points("X", X)
    n = len(X)
    k = checks.integer("k", k, 1, n - 1)
    d2 = squared_distances(X, X)
    np.fill_diagonal(d2, np.inf)
    nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    weights, _ = _kernel(d2[rows, nearest.ravel()], bandwidth)
    W = np.zeros((n, n))
    W[rows, nearest.ravel()] = weights
    return np.maximum(W, W.T)


def _graph(W) -> np.ndarray:
    W = checks.finite_array("W", W)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or (W < 0).any() or not np.allclose(W, W.T):
        raise ValueError("W must be a symmetric square matrix of non-negative weights")
    return W


def _labelled(labelled, y, n, classes):
    idx = np.asarray(labelled)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or (idx < 0).any() or (idx >= n).any():
        raise ValueError(f"labelled must be a non-empty 1-D array of point indices in [0, {n})")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("labelled must not repeat an index")
    y = np.asarray(y)
    if y.shape != idx.shape or y.dtype.kind not in "iu" or (y < 0).any() or (y >= classes).any():
        raise ValueError(f"y must hold one integer label in [0, {classes}) per labelled index")
    return idx, y


def _reachable(W, idx) -> np.ndarray:
    """Points joined to a labelled point by a path of positive weights (breadth-first, as matrix products)."""
    seen = np.zeros(len(W), bool)
    seen[idx] = True
    frontier = seen.copy()
    while frontier.any():
        new = (W[frontier].sum(0) > 0) & ~seen
        seen |= new
        frontier = new
    return seen


def harmonic_solution(W, labelled, y, classes: int) -> np.ndarray:
    r"""Class scores :math:`F` (n, K) of the harmonic solution :math:`F_U = \Delta_{UU}^{-1} W_{UL} Y_L`, :math:`F_L = Y_L` one-hot.

    Each row is a probability vector: the probability that a random walk on the graph started
    at the point first hits a labelled point of each class (Zhu, Ghahramani & Lafferty 2003).
    Points with no path to any labelled point get the labelled class frequencies (the walk never
    arrives; :math:`\Delta_{UU}` would be singular there).
    """
    W = _graph(W)
    n = len(W)
    classes = checks.integer("classes", classes, 2)
    idx, y = _labelled(labelled, y, n, classes)
    F = np.empty((n, classes))
    YL = one_hot(y, classes)
    F[idx] = YL
    reach = _reachable(W, idx)
    unl = np.setdiff1d(np.flatnonzero(reach), idx)
    if unl.size:
        lap = np.diag(W[unl].sum(1)) - W[np.ix_(unl, unl)]
        F[unl] = np.linalg.solve(lap, W[np.ix_(unl, idx)] @ YL)
        F[unl] = np.clip(F[unl], 0.0, 1.0)
        F[unl] /= F[unl].sum(1, keepdims=True)
    F[~reach] = YL.mean(0)
    return F


def propagate(W, labelled, y, classes: int, iterations: int = 100) -> np.ndarray:
    r"""Label propagation (Zhu & Ghahramani 2002): repeat :math:`F \leftarrow D^{-1} W F`, then reset :math:`F_L = Y_L`.

    Starts from uniform scores on the unlabelled points; converges to :func:`harmonic_solution`
    on every point that a path joins to a labelled one. Isolated points (no edges) keep their start.
    """
    W = _graph(W)
    n = len(W)
    classes = checks.integer("classes", classes, 2)
    iterations = checks.integer("iterations", iterations, 0)
    idx, y = _labelled(labelled, y, n, classes)
    YL = one_hot(y, classes)
    degree = W.sum(1)
    P = W / np.where(degree > 0, degree, 1.0)[:, None]
    F = np.full((n, classes), 1.0 / classes)
    F[idx] = YL
    isolated = degree == 0
    for _ in range(iterations):
        F = np.where(isolated[:, None], F, P @ F)
        F[idx] = YL
    return F


def extend(X_graph, F, X_new, k: int = 10, bandwidth: float | None = None) -> np.ndarray:
    r"""Scores of new points: the kernel-weighted mean of the scores of their ``k`` nearest graph points.

    :math:`F(x) = \sum_{j\in N_k(x)} w(x, x_j) F_j / \sum_{j\in N_k(x)} w(x, x_j)`, the harmonic
    condition applied at :math:`x` (Delalleau, Bengio & Le Roux 2005). With :math:`F` the one-hot
    labels of a labelled set alone it is a kernel-weighted k-nearest-neighbour classifier.
    Weights are computed relative to the nearest neighbour, so a point far from every graph
    point still gets a finite, normalized score.
    """
    X_graph = _points("X_graph", X_graph)
    F = checks.finite_array("F", F)
    if F.ndim != 2 or len(F) != len(X_graph):
        raise ValueError(f"F must have one row per graph point ({len(X_graph)}), got shape {F.shape}")
    X_new = checks.finite_array("X_new", X_new)
    if X_new.ndim != 2 or X_new.shape[1] != X_graph.shape[1]:
        raise ValueError(f"X_new must have shape (m, {X_graph.shape[1]}), got {X_new.shape}")
    k = checks.integer("k", k, 1, len(X_graph))
    d2 = squared_distances(X_new, X_graph)
    nearest = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(X_graph) else np.tile(np.arange(len(X_graph)), (len(X_new), 1))
    d2k = np.take_along_axis(d2, nearest, 1)
    _, s2 = _kernel(d2k, bandwidth)
    w = np.exp(-(d2k - d2k.min(1, keepdims=True)) / (2 * s2))
    scores = np.einsum("mk,mkc->mc", w, F[nearest])
    return scores / w.sum(1, keepdims=True)


def nearest_neighbour(X_labelled, y, X_new) -> np.ndarray:
    """1-nearest-neighbour labels of ``X_new`` from the labelled points alone (the supervised baseline)."""
    X_labelled = checks.finite_array("X_labelled", X_labelled)
    y = np.asarray(y)
    if X_labelled.ndim != 2 or len(X_labelled) < 1 or y.shape != (len(X_labelled),):
        raise ValueError("X_labelled must be a non-empty 2-D array with one label in y per row")
    X_new = checks.finite_array("X_new", X_new)
    if X_new.ndim != 2 or X_new.shape[1] != X_labelled.shape[1]:
        raise ValueError(f"X_new must have shape (m, {X_labelled.shape[1]}), got {X_new.shape}")
    return y[squared_distances(X_new, X_labelled).argmin(1)]
