r"""A small CART decision tree (regression or classification) with impurity-decrease importances.

CART (Breiman, Friedman, Olshen & Stone 1984, *Classification and Regression Trees*, ch. 2--4 and
8; Hastie, Tibshirani & Friedman 2009, *ESL* §9.2) grows a binary tree greedily. At a node holding
the examples :math:`t`, every feature :math:`j` and threshold :math:`c` (a midpoint between two
consecutive distinct values) is tried, and the split :math:`t_L = \{x_j \le c\}`,
:math:`t_R = \{x_j > c\}` with the largest impurity decrease is kept:

.. math::
    \Delta(j, c; t) = N_t\, i(t) - N_{t_L}\, i(t_L) - N_{t_R}\, i(t_R),

with the impurity :math:`i` the mean squared deviation from the node mean (regression) or the Gini
index :math:`\sum_k p_k(1-p_k)` (classification). Only **one** feature takes part in each split --
the mechanism the chapter's notes credit with "no collinearity". Growth stops at ``max_depth``,
below ``2 * min_leaf`` examples, or when no split decreases the impurity. A leaf predicts its mean
(regression) or its class frequencies (classification).

Ties between equally good splits go to the lowest feature index, then the lowest threshold, so a
tree is a deterministic function of its data.

The importance of feature :math:`j` is its total impurity decrease over the splits that use it,
as a share of the total (Breiman et al. 1984 §5.3.4; the "mean decrease in impurity" of ESL
§10.13.1 eq. 10.42 and of random forests, Breiman 2001):

.. math::
    I_j = \frac{\sum_{t:\, j(t) = j} \Delta(t)}{\sum_{t} \Delta(t)}.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib import checks


@dataclass
class Node:
    """One node: a leaf (``feature is None``) with its ``value``, or a split ``x[feature] <= threshold``."""
    value: np.ndarray                 # mean target (shape (1,)) or class frequencies (shape (K,))
    n: int
    impurity: float
    feature: int | None = None
    threshold: float | None = None
    decrease: float = 0.0             # N_t i(t) - N_L i(L) - N_R i(R) of this split
    left: "Node | None" = None
    right: "Node | None" = None

    @property
    def is_leaf(self) -> bool:
        return self.feature is None


def _best_split(x: np.ndarray, stats: np.ndarray, min_leaf: int, gini: bool) -> tuple[float, float]:
    r"""Best threshold on one feature: ``(decrease, threshold)``, or ``(0, nan)`` if none is allowed.

    ``stats`` holds per-example sufficient statistics: ``[y, y^2]`` (regression) or one-hot labels
    (classification). Sorted by ``x``, cumulative sums give every left/right node's
    :math:`N\,i` at once: :math:`\sum y^2 - (\sum y)^2/N` (squared error) or
    :math:`N - \sum_k n_k^2/N` (Gini).
    """
    order = np.argsort(x, kind="stable")
    xs, cs = x[order], np.cumsum(stats[order], axis=0)
    n = xs.size
    total = cs[-1]
    nl = np.arange(1, n)                                   # left sizes for cuts after position 0..n-2
    left, right = cs[:-1], total - cs[:-1]
    nr = n - nl

    def weighted(c, m):                                    # N * impurity of a node from its sums
        if gini:
            return m - np.sum(c ** 2, axis=1) / m
        return c[:, 1] - c[:, 0] ** 2 / m

    parent = weighted(total[None, :], np.array([n]))[0]
    gain = parent - weighted(left, nl) - weighted(right, nr)
    valid = (xs[1:] > xs[:-1]) & (nl >= min_leaf) & (nr >= min_leaf)
    if not valid.any():
        return 0.0, np.nan
    gain = np.where(valid, gain, -np.inf)
    k = int(np.argmax(gain))                               # first (lowest threshold) among ties
    return float(gain[k]), float((xs[k] + xs[k + 1]) / 2)


@dataclass
class DecisionTree:
    r"""CART regression or classification tree (see the module docstring).

    Parameters
    ----------
    task : ``"regression"`` (squared-error impurity, leaves predict means) or ``"classification"``
        (Gini impurity, leaves predict class frequencies; labels ``0..K-1``).
    max_depth : depth limit (a root-only tree has depth 0).
    min_leaf : fewest training examples a leaf may hold.
    """
    task: str = "regression"
    max_depth: int = 4
    min_leaf: int = 5
    root: Node | None = field(default=None, repr=False)
    n_features: int = field(default=0, repr=False)
    n_classes: int = field(default=0, repr=False)
    _offset: float = field(default=0.0, repr=False)

    def __post_init__(self):
        if self.task not in ("regression", "classification"):
            raise ValueError(f"task must be 'regression' or 'classification', got {self.task!r}")
        checks.integer("max_depth", self.max_depth, 0)
        checks.integer("min_leaf", self.min_leaf, 1)

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y) -> "DecisionTree":
        """Grow the tree on ``X`` (shape ``(N, d)``) and targets ``y`` (shape ``(N,)``)."""
        X = checks.finite_array("X", X)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"X must be a 2-D array of shape (N, d), got shape {X.shape}")
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
        if self.task == "classification":
            if not (np.issubdtype(y.dtype, np.integer) and y.min() >= 0):
                raise ValueError("y must hold integer class labels 0..K-1 for classification")
            self.n_classes = int(y.max()) + 1
            stats = np.eye(self.n_classes)[y]
        else:
            y = checks.finite_array("y", y)
            self._offset = float(y.mean())                 # impurity is shift-invariant; centring keeps
            yc = y - self._offset                          # sum y^2 - (sum y)^2 / N free of cancellation
            stats = np.column_stack([yc, yc ** 2])
        self.n_features = X.shape[1]
        self.root = self._grow(X, stats, depth=0)
        return self

    def _leaf(self, stats: np.ndarray) -> Node:
        n = stats.shape[0]
        if self.task == "classification":
            p = stats.sum(axis=0) / n
            return Node(p, n, float(1.0 - p @ p))
        mean = stats[:, 0].mean()
        return Node(np.array([mean + self._offset]), n, float(max(stats[:, 1].mean() - mean ** 2, 0.0)))

    def _grow(self, X: np.ndarray, stats: np.ndarray, depth: int) -> Node:
        node = self._leaf(stats)
        if depth >= self.max_depth or node.n < 2 * self.min_leaf or node.impurity <= 0:
            return node
        best = (0.0, None, None)
        for j in range(X.shape[1]):
            gain, c = _best_split(X[:, j], stats, self.min_leaf, self.task == "classification")
            if gain > best[0] * (1 + 1e-12) + 1e-12 * node.n * node.impurity:  # strictly better: ties keep the lower j
                best = (gain, j, c)
        gain, j, c = best
        if j is None:
            return node
        go_left = X[:, j] <= c
        node.feature, node.threshold, node.decrease = j, c, gain
        node.left = self._grow(X[go_left], stats[go_left], depth + 1)
        node.right = self._grow(X[~go_left], stats[~go_left], depth + 1)
        return node

    # ------------------------------------------------------------------ using the tree
    def _check_fitted(self, X) -> np.ndarray:
        if self.root is None:
            raise ValueError("the tree is not fitted: call fit(X, y) first")
        X = checks.finite_array("X", X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n, {self.n_features}), got {X.shape}")
        return X

    def _leaf_values(self, X: np.ndarray) -> np.ndarray:
        out = np.empty((X.shape[0], self.root.value.size))
        stack = [(self.root, np.arange(X.shape[0]))]
        while stack:
            node, idx = stack.pop()
            if node.is_leaf:
                out[idx] = node.value
                continue
            go_left = X[idx, node.feature] <= node.threshold
            stack += [(node.left, idx[go_left]), (node.right, idx[~go_left])]
        return out

    def predict(self, X) -> np.ndarray:
        """Leaf means (regression) or most frequent leaf class (classification; ties: lowest label)."""
        values = self._leaf_values(self._check_fitted(X))
        return values[:, 0] if self.task == "regression" else np.argmax(values, axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Class frequencies of each example's leaf, shape ``(n, K)`` (classification only)."""
        if self.task != "classification":
            raise ValueError("predict_proba needs task='classification'")
        return self._leaf_values(self._check_fitted(X))

    def nodes(self) -> list[Node]:
        """Every node, depth first (root first)."""
        if self.root is None:
            raise ValueError("the tree is not fitted: call fit(X, y) first")
        out, stack = [], [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            if not node.is_leaf:
                stack += [node.right, node.left]
        return out

    def impurity_decrease(self) -> np.ndarray:
        r"""Total :math:`\sum_{t: j(t)=j}\Delta(t)` per feature (unnormalized; divide by :math:`N` for a mean)."""
        out = np.zeros(self.n_features)
        for node in self.nodes():
            if not node.is_leaf:
                out[node.feature] += node.decrease
        return out

    def feature_importances(self) -> np.ndarray:
        r"""Impurity-decrease importances :math:`I_j`, summing to 1 (all 0 for a root-only tree)."""
        total = self.impurity_decrease()
        return total / total.sum() if total.sum() > 0 else total

    def depth(self) -> int:
        def walk(node):
            return 0 if node.is_leaf else 1 + max(walk(node.left), walk(node.right))
        if self.root is None:
            raise ValueError("the tree is not fitted: call fit(X, y) first")
        return walk(self.root)
