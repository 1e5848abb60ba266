"""lib.trees: CART splits on toy data where the split is known, impurity decreases by hand, importances."""
import warnings

import numpy as np
import pytest

from lib.trees import DecisionTree


@pytest.fixture(autouse=True)
def strict():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def test_regression_stump_by_hand():
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    tree = DecisionTree(max_depth=1, min_leaf=1).fit(X, y)
    assert tree.root.feature == 0 and tree.root.threshold == 2.5
    # N i(t) = sum of squared deviations: 4 * 0.25 at the root, 0 in both children
    assert tree.root.decrease == pytest.approx(1.0)
    np.testing.assert_allclose(tree.predict(np.array([[0.0], [2.4], [2.6], [9.0]])), [0, 0, 1, 1])


def test_gini_stump_by_hand():
    X = np.array([[0.0, 5.0], [1.0, 4.0], [2.0, 3.0], [3.0, 6.0]])
    y = np.array([0, 0, 1, 1])
    tree = DecisionTree("classification", max_depth=1, min_leaf=1).fit(X, y)
    assert tree.root.feature == 0 and tree.root.threshold == 1.5
    assert tree.root.decrease == pytest.approx(4 * 0.5)        # N * Gini(parent) = 4 * (1 - 0.5^2 - 0.5^2)
    np.testing.assert_allclose(tree.predict_proba(np.array([[0.5, 0.0], [2.5, 0.0]])), [[1, 0], [0, 1]])
    np.testing.assert_array_equal(tree.feature_importances(), [1.0, 0.0])


def test_finds_the_known_threshold_among_noise_features():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = (X[:, 2] > 0.3).astype(int)
    tree = DecisionTree("classification", max_depth=3, min_leaf=1).fit(X, y)
    assert tree.root.feature == 2
    below, above = X[X[:, 2] <= 0.3, 2].max(), X[X[:, 2] > 0.3, 2].min()
    assert tree.root.threshold == pytest.approx((below + above) / 2)
    assert tree.depth() == 1                                   # pure children: nothing left to split
    np.testing.assert_array_equal(tree.feature_importances(), [0, 0, 1])


def brute_force_best(X, y, min_leaf):
    best = (0.0, None, None)
    sse = lambda v: float(np.sum((v - v.mean()) ** 2)) if v.size else 0.0
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        for c in (values[:-1] + values[1:]) / 2:
            left = X[:, j] <= c
            if left.sum() < min_leaf or (~left).sum() < min_leaf:
                continue
            gain = sse(y) - sse(y[left]) - sse(y[~left])
            if gain > best[0] + 1e-9:
                best = (gain, j, c)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_root_split_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((60, 3)), 1)              # rounding makes ties in x
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.standard_normal(60)
    gain, j, c = brute_force_best(X, y, min_leaf=4)
    tree = DecisionTree(max_depth=1, min_leaf=4).fit(X, y)
    assert (tree.root.feature, tree.root.threshold) == (j, pytest.approx(c))
    assert tree.root.decrease == pytest.approx(gain)


def test_limits_are_respected_and_importances_sum_to_one():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 2))
    y = X[:, 0] * X[:, 1] + rng.standard_normal(300)
    tree = DecisionTree(max_depth=3, min_leaf=20).fit(X, y)
    assert tree.depth() <= 3
    assert min(node.n for node in tree.nodes() if node.is_leaf) >= 20
    assert tree.feature_importances().sum() == pytest.approx(1.0)
    # the decreases add up to the root's squared error minus the leaves'
    leaves = sum(node.n * node.impurity for node in tree.nodes() if node.is_leaf)
    assert tree.impurity_decrease().sum() == pytest.approx(tree.root.n * tree.root.impurity - leaves)


def test_an_exact_copy_changes_no_prediction_and_takes_no_importance():
    rng = np.random.default_rng(2)
    x, z = rng.standard_normal(500), rng.standard_normal(500)
    y = np.sin(2 * x) + 0.5 * z + 0.2 * rng.standard_normal(500)
    one = DecisionTree(max_depth=5, min_leaf=5).fit(np.column_stack([x, z]), y)
    two = DecisionTree(max_depth=5, min_leaf=5).fit(np.column_stack([x, x, z]), y)
    swapped = DecisionTree(max_depth=5, min_leaf=5).fit(np.column_stack([z, x, x]), y)
    t = rng.standard_normal((200, 2))
    np.testing.assert_array_equal(one.predict(t), two.predict(np.column_stack([t[:, 0], t[:, 0], t[:, 1]])))
    assert two.feature_importances()[1] == 0                   # ties go to the lower index
    np.testing.assert_allclose(two.feature_importances()[[0, 2]], one.feature_importances())
    (imp_x, imp_z) = one.feature_importances()
    np.testing.assert_allclose(swapped.feature_importances(), [imp_z, imp_x, 0.0])   # the first copy takes it all


def test_constant_target_gives_a_root_only_tree():
    tree = DecisionTree().fit(np.arange(10.0)[:, None], np.full(10, 3.0))
    assert tree.root.is_leaf and tree.predict(np.array([[100.0]]))[0] == 3.0
    np.testing.assert_array_equal(tree.feature_importances(), [0.0])


def test_large_offset_targets_keep_their_split():
    X = np.arange(20.0)[:, None]
    y = 1e9 + (X[:, 0] > 9.5) * 1e-3
    tree = DecisionTree(max_depth=1, min_leaf=1).fit(X, y)
    assert tree.root.threshold == 9.5


@pytest.mark.parametrize("call, name", [
    (lambda: DecisionTree(task="ranking"), "task"),
    (lambda: DecisionTree(max_depth=-1), "max_depth"),
    (lambda: DecisionTree(min_leaf=0), "min_leaf"),
    (lambda: DecisionTree().fit(np.ones(5), np.ones(5)), "X"),
    (lambda: DecisionTree().fit(np.ones((5, 1)), np.ones(4)), "y"),
    (lambda: DecisionTree("classification").fit(np.ones((3, 1)), np.array([0.5, 1.0, 0.0])), "y"),
    (lambda: DecisionTree().predict(np.ones((2, 1))), "fit"),
    (lambda: DecisionTree().fit(np.ones((5, 2)), np.ones(5)).predict(np.ones((2, 3))), "X"),
    (lambda: DecisionTree().fit(np.ones((5, 2)), np.ones(5)).predict_proba(np.ones((2, 2))), "classification"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
