"""lib.no_free_lunch: enumeration, search algorithms, performance measures, c.u.p. sets, off-training-set learning."""
import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import no_free_lunch as nfl

NONREVISITING = [nfl.Sweep(), nfl.RandomOrder(3), nfl.HillClimber(), nfl.HillClimber(start=2, seed=5),
                 nfl.NearestNeighbourSurrogate(), nfl.HillClimber(maximize=False)]


@pytest.fixture(autouse=True)
def strict():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------- enumeration
def test_all_functions_are_every_function_once():
    F = nfl.all_functions(3, 3)
    assert F.shape == (27, 3)
    assert {tuple(r) for r in F} == set(itertools.product(range(3), repeat=3))
    np.testing.assert_array_equal(F[5], [2, 1, 0])  # 5 = 2 + 1*3: point 0 first


@pytest.mark.parametrize("n, m, name", [(0, 2, "n"), (3, 1, "m"), (2.5, 2, "n"), (30, 4, "n, m")])
def test_all_functions_bad_input(n, m, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        nfl.all_functions(n, m)


def test_classes_known_members_and_cup():
    F = nfl.all_functions(4, 3)
    smooth = nfl.smooth_on_ring(F)
    assert smooth[np.all(F == [0, 1, 2, 1], axis=1)].all() and not smooth[np.all(F == [0, 2, 2, 1], axis=1)].any()
    assert nfl.needles(F, 3).sum() == 4
    assert nfl.closed_under_permutation(F[nfl.needles(F, 3)], 3)
    assert nfl.closed_under_permutation(F, 3)
    assert not nfl.closed_under_permutation(F[smooth], 3)
    closure = nfl.permutation_closure(F[smooth], 3)
    assert nfl.closed_under_permutation(F[closure], 3) and (closure >= smooth).all()
    assert not nfl.closed_under_permutation(np.array([[0, 1, 2, 2]]), 3)
    perms = np.array(sorted(set(itertools.permutations([0, 1, 2, 2]))))
    assert len(perms) == math.factorial(4) // 2 and nfl.closed_under_permutation(perms, 3)


def test_function_sets_bad_input():
    with pytest.raises(ValueError, match=r"^F must"):
        nfl.smooth_on_ring(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"^F must"):
        nfl.closed_under_permutation(np.array([[-1, 0]]), 2)
    with pytest.raises(ValueError, match=r"^m must"):
        nfl.closed_under_permutation(np.array([[0, 3]]), 2)


# --------------------------------------------------------------------------- algorithms
@pytest.mark.parametrize("algorithm", NONREVISITING, ids=lambda a: a.name)
def test_nonrevisiting_algorithms_visit_every_point_once(algorithm):
    F = nfl.all_functions(5, 2)
    xs, ys = nfl.traces(algorithm, F)
    assert all(sorted(row) == list(range(5)) for row in xs)
    np.testing.assert_array_equal(ys, np.take_along_axis(F, xs, axis=1))


@pytest.mark.parametrize("algorithm", NONREVISITING, ids=lambda a: a.name)
def test_traces_agree_with_one_run_at_a_time(algorithm):
    F = nfl.all_functions(4, 3)
    xs, ys = nfl.traces(algorithm, F, 3)
    for i in (0, 7, 40, 80):
        x1, y1 = nfl.trace(algorithm, F[i], 3)
        np.testing.assert_array_equal(xs[i], x1)
        np.testing.assert_array_equal(ys[i], y1)


def test_known_paths():
    f = np.array([0, 1, 3, 2, 0, 1])
    assert nfl.trace(nfl.Sweep(), f)[0].tolist() == [0, 1, 2, 3, 4, 5]
    # climber: 0 -> 1 (up) -> 2 (up) -> 3 (down; best stays 2) -> both neighbours of 2 seen: jump
    xs, ys = nfl.trace(nfl.HillClimber(), f, 4)
    assert xs.tolist() == [0, 1, 2, 3] and ys.tolist() == [0, 1, 3, 2]
    # surrogate: after 0 (value 0) every prediction is 0 -> lowest index 1; then 2 is nearest to 1 (value 1)
    assert nfl.trace(nfl.NearestNeighbourSurrogate(), f, 3)[0].tolist() == [0, 1, 2]


def test_the_theorem_value_sequences_are_equally_frequent():
    n, m = 5, 3
    F = nfl.all_functions(n, m)
    for algorithm in NONREVISITING:
        ys = nfl.traces(algorithm, F)[1]
        for k in range(1, n + 1):
            counts = nfl.value_sequence_counts(ys[:, :k], m)
            assert set(counts.tolist()) == {m ** (n - k)}, (algorithm.name, k)


def test_a_revisiting_algorithm_breaks_the_theorem():
    n, m = 5, 3
    ys = nfl.traces(nfl.RevisitingClimber(seed=1), nfl.all_functions(n, m), n)[1]
    assert len(set(nfl.value_sequence_counts(ys[:, :3], m).tolist())) > 1
    base = nfl.traces(nfl.Sweep(), nfl.all_functions(n, m))[1]
    assert nfl.best_so_far(ys)[:, -1].mean() < nfl.best_so_far(base)[:, -1].mean()


def test_revisiting_algorithm_may_run_longer_than_n():
    xs, _ = nfl.trace(nfl.RevisitingClimber(), np.array([0, 1, 0]), 10)
    assert len(xs) == 10 and len(set(xs.tolist())) <= 3


def test_a_revisit_is_caught():
    class Stuck:
        name, revisits = "stuck", False

        def __call__(self, xs, ys, n):
            return 0

    with pytest.raises(ValueError, match=r"^algorithm revisited the point 0"):
        nfl.trace(Stuck(), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"^algorithm revisited the point 0"):
        nfl.traces(Stuck(), nfl.all_functions(3, 2))


def test_bad_algorithm_arguments():
    with pytest.raises(ValueError, match=r"^seed must"):
        nfl.RandomOrder(-1)
    with pytest.raises(ValueError, match=r"^start must"):
        nfl.trace(nfl.HillClimber(start=7), np.zeros(3, int))
    with pytest.raises(ValueError, match=r"^k must"):
        nfl.trace(nfl.Sweep(), np.zeros(3, int), 4)
    with pytest.raises(ValueError, match=r"^f must"):
        nfl.trace(nfl.Sweep(), np.zeros((2, 2), int))


# --------------------------------------------------------------------------- measures
def test_measures_known_values():
    ys = np.array([[0, 2, 1, 3], [1, 1, 0, 0]])
    np.testing.assert_array_equal(nfl.best_so_far(ys), [[0, 2, 2, 3], [1, 1, 1, 1]])
    np.testing.assert_array_equal(nfl.hitting_time(ys, [3, 2]), [4, 5])
    np.testing.assert_array_equal(nfl.value_sequence_counts(np.array([[0, 1], [1, 0], [0, 1]]), 2), [0, 1, 2, 0])  # (y1, y2) at y1 + 2 y2
    xs = np.array([[0, 1, 3, 4], [5, 0, 2, 3]])
    np.testing.assert_array_equal(nfl.travel_time(xs, 6), [[1, 2, 4, 5], [1, 2, 4, 5]])
    np.testing.assert_array_equal(nfl.best_within(ys, nfl.travel_time(xs, 6), 2.0), [2, 1])
    np.testing.assert_array_equal(nfl.best_within(ys, nfl.travel_time(xs, 6), 0.5), [-1, -1])


def test_measures_bad_input():
    with pytest.raises(ValueError, match=r"^ys must"):
        nfl.best_so_far(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"^ys must"):
        nfl.value_sequence_counts(np.array([[0, 3]]), 2)
    with pytest.raises(ValueError, match=r"^budget must"):
        nfl.best_within(np.zeros((1, 2)), np.zeros((1, 2)), float("nan"))
    with pytest.raises(ValueError, match=r"^far must"):
        nfl.travel_time(np.zeros((1, 2), int), 4, far=0.0)


def test_huge_values_stay_exact():
    big = np.iinfo(np.int64).max // 2
    ys = np.array([[big, big - 1, big + 1]])
    assert nfl.best_so_far(ys)[0, -1] == big + 1
    assert nfl.hitting_time(ys, big + 1)[0] == 3


# --------------------------------------------------------------------------- learning
LEARNERS = list(nfl.LEARNERS.values())


def test_targets_and_cut_known_values():
    T = nfl.all_targets(3)
    assert T.shape == (256, 8) and T.dtype == np.uint8
    cut = nfl.hamming_cut(T, 3)
    X = nfl.boolean_inputs(3)
    parity = (X.sum(axis=1) % 2).astype(np.uint8)
    assert cut[np.all(T == parity, axis=1)][0] == 3 * 4
    assert cut[np.all(T == X[:, 0], axis=1)][0] == 4
    assert cut[np.all(T == 0, axis=1)][0] == 0
    assert np.bincount(cut).sum() == 256


@pytest.mark.parametrize("d, s", [(2, 1), (3, 3), (3, 7), (4, 6)])
def test_the_supervised_theorem_exact_totals(d, s):
    T = nfl.all_targets(d)
    train = nfl.training_sets(d, s, 1, seed=d + s)[0]
    t = 2 ** d - s
    for learner in LEARNERS:
        assert int(nfl.ots_correct(learner, T, train, d).sum()) * 2 == len(T) * t
    np.testing.assert_allclose(nfl.ots_accuracy(nfl.LEARNERS, T, train, d), 0.5, rtol=0, atol=1e-14)


def test_ots_accuracy_matches_the_per_target_count_under_any_prior():
    d = 3
    T = nfl.all_targets(d)
    w = nfl.smooth_prior(T, d, 0.7)
    train = np.array([0, 3, 5])
    acc = nfl.ots_accuracy(nfl.LEARNERS, T, train, d, w)
    direct = [w @ nfl.ots_correct(L, T, train, d) / 5 for L in LEARNERS]
    np.testing.assert_allclose(acc, direct, rtol=1e-12)
    names = list(nfl.LEARNERS)
    assert acc[names.index("1-NN")] > 0.5 > acc[names.index("anti-1-NN")]
    assert acc[names.index("1-NN")] + acc[names.index("anti-1-NN")] == pytest.approx(1.0)


def test_training_accuracy_differs_between_learners_under_the_uniform_prior():
    T = nfl.all_targets(3)
    acc = dict(zip(nfl.LEARNERS, nfl.train_accuracy(nfl.LEARNERS, T, np.array([1, 2, 6]), 3)))
    assert acc["1-NN"] == 1.0 and acc["lookup"] == 1.0 and acc["anti-1-NN"] == 0.0
    assert acc["majority"] == pytest.approx(0.75)  # 3 labels: majority matches all 3 w.p. 1/4, 2 of 3 w.p. 3/4


def test_knn_predict_known_values():
    X_train = np.array([[0, 0], [1, 1]])
    X_test = np.array([[0, 1], [1, 0]])
    Y = np.array([[1, 0], [1, 1]])
    np.testing.assert_array_equal(nfl.knn_predict(X_train, Y, X_test, 1), [[1, 1], [1, 1]])  # tie -> first
    np.testing.assert_array_equal(nfl.knn_predict(X_train, Y, X_test, 2), [[0, 0], [1, 1]])  # 1 of 2 votes -> 0
    np.testing.assert_array_equal(nfl.knn_predict(X_train, Y, X_test, 5), [[0, 0], [1, 1]])  # k capped at s


def test_smooth_prior_extremes_are_finite():
    T = nfl.all_targets(4)
    w = nfl.smooth_prior(T, 4, 1e6)
    assert np.isfinite(w).all() and w.sum() == pytest.approx(1.0)
    assert w[nfl.hamming_cut(T, 4) == 0].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(nfl.smooth_prior(T, 4, 0.0), 1 / len(T))


def test_learning_bad_input():
    T = nfl.all_targets(2)
    with pytest.raises(ValueError, match=r"^d must"):
        nfl.all_targets(5)
    with pytest.raises(ValueError, match=r"^train must"):
        nfl.ots_correct(LEARNERS[0], T, [0, 0], 2)
    with pytest.raises(ValueError, match=r"^train must"):
        nfl.ots_accuracy(LEARNERS, T, [0, 1, 2, 3], 2)
    with pytest.raises(ValueError, match=r"^prior must"):
        nfl.ots_accuracy(LEARNERS, T, [0], 2, np.full(len(T), 0.5))
    with pytest.raises(ValueError, match=r"^T must"):
        nfl.ots_accuracy(LEARNERS, T[:, :3], [0], 2)
    with pytest.raises(ValueError, match=r"^kappa must"):
        nfl.smooth_prior(T, 2, -1.0)
    with pytest.raises(ValueError, match=r"^s must"):
        nfl.training_sets(2, 4, 1)


# --------------------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 5), m=st.integers(2, 3), seed=st.integers(0, 1000), start=st.integers(0, 4),
       maximize=st.booleans())
def test_theorem_holds_for_random_climbers_and_orders(n, m, seed, start, maximize):
    F = nfl.all_functions(n, m)
    for algorithm in (nfl.RandomOrder(seed), nfl.HillClimber(start % n, seed, maximize)):
        ys = nfl.traces(algorithm, F)[1]
        k = 1 + seed % n
        assert set(nfl.value_sequence_counts(ys[:, :k], m).tolist()) == {m ** (n - k)}


def _cup_by_brute_force(F):
    rows = {tuple(r) for r in F}
    return all(tuple(np.array(r)[list(p)]) in rows for r in rows for p in itertools.permutations(range(F.shape[1])))


@settings(max_examples=40, deadline=None)
@given(picks=st.lists(st.integers(0, 80), min_size=1, max_size=30), closure=st.booleans())
def test_cup_test_agrees_with_brute_force(picks, closure):
    U = nfl.all_functions(4, 3)
    F = U[sorted(set(picks))]
    if closure:
        F = U[nfl.permutation_closure(F, 3, U)]
    assert nfl.closed_under_permutation(F, 3) == _cup_by_brute_force(F)
    if closure:
        assert nfl.closed_under_permutation(F, 3)
