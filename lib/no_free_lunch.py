r"""No free lunch: black-box search and off-training-set learning, enumerated exactly.

**Search** (Wolpert & Macready 1997, IEEE Trans. Evol. Comput. 1(1):67--82). A finite search
space :math:`\mathcal X = \{0,\dots,n-1\}`, a finite value set :math:`\mathcal Y = \{0,\dots,m-1\}`,
and every function :math:`f:\mathcal X\to\mathcal Y` (:func:`all_functions`, :math:`m^n` of them).
A black-box search algorithm chooses its next point from the history
:math:`d_t = ((x_1,y_1),\dots,(x_t,y_t))` alone, :math:`x_{t+1} = a(d_t)`, and never revisits a
point. Theorem 1 of the paper: for any two such algorithms :math:`a_1, a_2` and any :math:`k`,

.. math:: \sum_f P(d^y_k \mid f, k, a_1) = \sum_f P(d^y_k \mid f, k, a_2),

so every performance measure :math:`\Phi(d^y_k)` of the observed values has the same distribution
under the uniform prior on :math:`f`. Exactly: each value sequence of length :math:`k` is produced by
:math:`m^{\,n-k}` functions, whatever the algorithm (:func:`value_sequence_counts`). Schumacher, Vose &
Whitley (2001) show that the same equality over a *set* of functions holds for all algorithms iff
the set is closed under permutation (:func:`closed_under_permutation`).

**Learning** (Wolpert 1996, Neural Computation 8(7):1341--1390). Inputs :math:`\{0,1\}^d`, labels
:math:`\{0,1\}`, every target :math:`f:\{0,1\}^d\to\{0,1\}` (:func:`all_targets`). A learner sees the
labels of the training inputs and predicts the others; under the uniform prior on targets its
off-training-set accuracy is exactly :math:`1/|\mathcal Y| = 1/2`, whatever the learner
(:func:`ots_correct`).

Algorithms are small callables ``a(xs, ys, n) -> next point``; a seeded algorithm is one
deterministic algorithm per seed.
"""
from __future__ import annotations

import math

import numpy as np

from lib import checks

#: Largest number of functions :func:`all_functions` enumerates.
MAX_FUNCTIONS = 2 ** 20


# --------------------------------------------------------------------------- the functions
def all_functions(n: int, m: int) -> np.ndarray:
    r"""Every :math:`f:\{0..n-1\}\to\{0..m-1\}` as the rows of an ``(m**n, n)`` int array.

    Row :math:`i` holds the base-:math:`m` digits of :math:`i`, point 0 first:
    :math:`f_i(x) = \lfloor i / m^x\rfloor \bmod m`.
    """
    n = checks.integer("n", n, 1)
    m = checks.integer("m", m, 2)
    if m ** n > MAX_FUNCTIONS:
        raise ValueError(f"n, m give m**n = {m ** n} functions; at most {MAX_FUNCTIONS} are enumerated")
    i = np.arange(m ** n)
    return (i[:, None] // m ** np.arange(n)[None, :]) % m


def _functions(F) -> np.ndarray:
    F = np.asarray(F)
    if F.ndim != 2 or F.shape[0] < 1 or F.shape[1] < 1 or not np.issubdtype(F.dtype, np.integer) or F.min() < 0:
        raise ValueError(f"F must be a non-empty 2-d array of nonnegative integers (one function per row), got shape {F.shape}")
    return F


def smooth_on_ring(F) -> np.ndarray:
    r"""Mask of the functions whose neighbours on the ring differ by at most 1: :math:`|f(x+1 \bmod n)-f(x)|\le 1`."""
    F = _functions(F)
    return np.all(np.abs(np.roll(F, -1, axis=1) - F) <= 1, axis=1)


def needles(F, m: int) -> np.ndarray:
    """Mask of the needle-in-a-haystack functions: value ``m - 1`` at exactly one point, 0 elsewhere."""
    F = _functions(F)
    m = checks.integer("m", m, 2)
    return (np.sum(F == m - 1, axis=1) == 1) & (np.sum(F == 0, axis=1) == F.shape[1] - 1)


def _histogram_keys(F: np.ndarray, m: int) -> np.ndarray:
    """One integer per function: its value histogram (how many points take each value), encoded in base n+1."""
    counts = np.stack([np.sum(F == y, axis=1) for y in range(m)], axis=1)
    return counts @ (F.shape[1] + 1) ** np.arange(m)


def closed_under_permutation(F, m: int) -> bool:
    r"""Whether the set of rows of ``F`` is closed under permutation of the points.

    :math:`F` is c.u.p. if :math:`f\in F \Rightarrow f\circ\sigma\in F` for every permutation
    :math:`\sigma` of :math:`\mathcal X`. The permutations of :math:`f` are exactly the functions with
    the same value histogram :math:`(c_0,\dots,c_{m-1})`, of which there are
    :math:`n!/\prod_y c_y!`; so (duplicates removed) :math:`F` is c.u.p. iff every histogram in it
    occurs that many times.
    """
    F = np.unique(_functions(F), axis=0)
    m = checks.integer("m", m, int(F.max()) + 1 if F.max() >= 1 else 2)
    n = F.shape[1]
    keys, counts = np.unique(_histogram_keys(F, m), return_counts=True)
    for key, count in zip(keys, counts):
        c = [(int(key) // (n + 1) ** y) % (n + 1) for y in range(m)]
        if count != math.factorial(n) // math.prod(math.factorial(k) for k in c):
            return False
    return True


def permutation_closure(F, m: int, universe=None) -> np.ndarray:
    """Mask over ``universe`` (default: :func:`all_functions`) of every permutation of some row of ``F``:
    the smallest c.u.p. set containing ``F``."""
    F = _functions(F)
    m = checks.integer("m", m, int(F.max()) + 1 if F.max() >= 1 else 2)
    U = all_functions(F.shape[1], m) if universe is None else _functions(universe)
    return np.isin(_histogram_keys(U, m), _histogram_keys(F, m))


# --------------------------------------------------------------------------- search algorithms
class Sweep:
    r"""Visit the points left to right, :math:`0, 1, \dots, n-1`, whatever the values."""

    name = "left-to-right sweep"
    revisits = False

    def __call__(self, xs, ys, n):
        return len(xs)


class RandomOrder:
    """Visit the points in one random order without repeats (a seeded permutation of the :math:`n` points)."""

    revisits = False

    def __init__(self, seed: int = 0):
        self.seed = checks.integer("seed", seed, 0)
        self.name = "random order"
        self._orders = {}

    def order(self, n: int) -> np.ndarray:
        if n not in self._orders:
            self._orders[n] = np.random.default_rng(self.seed).permutation(n)
        return self._orders[n]

    def __call__(self, xs, ys, n):
        return int(self.order(n)[len(xs)])


def _first_unvisited(order, visited):
    for x in order:
        if x not in visited:
            return int(x)
    raise ValueError("xs already holds every point: there is no unvisited point left")


class HillClimber:
    r"""Greedy hill climbing on the ring :math:`x \pm 1 \bmod n`, without revisits.

    Start at ``start``. Then look at the best point seen so far (the latest one among ties, so the
    climber walks along plateaus) and evaluate its unvisited ring neighbour, :math:`x+1` first, then
    :math:`x-1`. When both are visited -- a local maximum -- jump to the first unvisited point of a
    seeded random order. ``maximize=False`` climbs down instead: it explores around the *worst*
    point, the "anti-climber" that should be bad at maximizing.
    """

    revisits = False

    def __init__(self, start: int = 0, seed: int = 0, maximize: bool = True):
        self.start = checks.integer("start", start, 0)
        self.seed = checks.integer("seed", seed, 0)
        self.maximize = bool(maximize)
        self.name = "hill climber" if self.maximize else "anti-climber"
        self._orders = {}

    def __call__(self, xs, ys, n):
        if not xs:
            if self.start >= n:
                raise ValueError(f"start must be < n = {n}, got {self.start}")
            return self.start
        visited = set(xs)
        sign = 1 if self.maximize else -1
        scores = [sign * y for y in ys]
        best = xs[len(scores) - 1 - int(np.argmax(scores[::-1]))]
        for x in ((best + 1) % n, (best - 1) % n):
            if x not in visited:
                return x
        if n not in self._orders:
            self._orders[n] = np.random.default_rng(self.seed).permutation(n)
        return _first_unvisited(self._orders[n], visited)


class NearestNeighbourSurrogate:
    r"""A model-based search: predict each unvisited point's value by its nearest visited point on the ring
    (the mean of the two when tied) and evaluate the unvisited point with the highest prediction
    (the lowest index among ties). Starts at point 0."""

    name = "surrogate model"
    revisits = False

    def __call__(self, xs, ys, n):
        if not xs:
            return 0
        seen = np.asarray(xs)
        values = np.asarray(ys, dtype=float)
        points = np.arange(n)
        d = np.abs(points[:, None] - seen[None, :])
        d = np.minimum(d, n - d)
        nearest = d == d.min(axis=1, keepdims=True)
        prediction = (nearest * values).sum(axis=1) / nearest.sum(axis=1)
        prediction[seen] = -np.inf
        return int(np.argmax(prediction))


class RevisitingClimber:
    r"""A stochastic hill climber that *may revisit*: propose :math:`x\pm1` (a seeded coin), evaluate it even
    if seen before, move there if its value is at least the current one. Breaks the no-revisit condition
    of the theorem; the seeded coin flips are the same for every function."""

    name = "revisiting climber"
    revisits = True

    def __init__(self, seed: int = 0, start: int = 0):
        self.seed = checks.integer("seed", seed, 0)
        self.start = checks.integer("start", start, 0)
        self._coins = np.random.default_rng(self.seed).integers(0, 2, 4096)

    def __call__(self, xs, ys, n):
        if not xs:
            return self.start % n
        current, value = self.start % n, ys[0]
        for x, y in zip(xs[1:], ys[1:]):
            if y >= value:
                current, value = x, y
        step = 1 if self._coins[len(xs) % len(self._coins)] else -1
        return (current + step) % n


def trace(algorithm, f, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run ``algorithm`` on the function ``f`` (one row of values) for ``k`` evaluations (default: every point).

    Returns the points and the observed values. An algorithm whose ``revisits`` is false must
    return a new point each time (``ValueError`` otherwise).
    """
    f = np.asarray(f)
    if f.ndim != 1 or f.size < 1:
        raise ValueError(f"f must be a non-empty 1-d array of values, got shape {f.shape}")
    n = f.size
    revisits = getattr(algorithm, "revisits", False)
    k = n if k is None else checks.integer("k", k, 1, None if revisits else n)
    xs, ys = [], []
    for _ in range(k):
        x = int(algorithm(xs, ys, n))
        if not 0 <= x < n:
            raise ValueError(f"algorithm returned the point {x}, outside 0..{n - 1}")
        if not revisits and x in xs:
            raise ValueError(f"algorithm revisited the point {x} although its revisits is False")
        xs.append(x)
        ys.append(int(f[x]))
    return np.array(xs), np.array(ys)


def traces(algorithm, F, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    r""":func:`trace` on every row of ``F``: points and values, each ``(len(F), k)``.

    An algorithm is a function of its history, so two functions that gave the same values so far get the
    same next point: the algorithm is called once per distinct prefix of values (at most
    :math:`\sum_{t<k} m^t` calls) and its answer is shared by every function with that prefix.
    """
    F = _functions(F)
    N, n = F.shape
    revisits = getattr(algorithm, "revisits", False)
    k = n if k is None else checks.integer("k", k, 1, None if revisits else n)
    base = int(F.max()) + 1
    xs = np.zeros((N, k), dtype=int)
    ys = np.zeros((N, k), dtype=int)
    prefix = np.zeros(N, dtype=np.int64)
    rows = np.arange(N)
    for t in range(k):
        unique, first, inverse = np.unique(prefix, return_index=True, return_inverse=True)
        nxt = np.empty(len(unique), dtype=int)
        for j, r in enumerate(first):
            history = xs[r, :t].tolist()
            x = int(algorithm(history, ys[r, :t].tolist(), n))
            if not 0 <= x < n:
                raise ValueError(f"algorithm returned the point {x}, outside 0..{n - 1}")
            if not revisits and x in history:
                raise ValueError(f"algorithm revisited the point {x} although its revisits is False")
            nxt[j] = x
        xs[:, t] = nxt[inverse.ravel()]
        ys[:, t] = F[rows, xs[:, t]]
        prefix = np.unique(prefix * base + ys[:, t], return_inverse=True)[1].ravel()  # group ids stay < N
    return xs, ys


# --------------------------------------------------------------------------- performance measures
def best_so_far(ys) -> np.ndarray:
    r"""The best value found after each evaluation, :math:`\max_{s\le t} y_s` (rows are runs)."""
    ys = np.asarray(ys)
    if ys.ndim != 2 or ys.shape[1] < 1:
        raise ValueError(f"ys must be a 2-d array (runs x evaluations), got shape {ys.shape}")
    return np.maximum.accumulate(ys, axis=1)


def hitting_time(ys, target) -> np.ndarray:
    r"""The first evaluation :math:`t` (1-based) with :math:`y_t \ge` ``target`` (per row; ``k + 1`` if never).

    With ``target`` the maximum of each function and a run over every point, this is a function of
    the observed values alone, so Theorem 1 covers it.
    """
    ys = np.asarray(ys)
    if ys.ndim != 2:
        raise ValueError(f"ys must be a 2-d array (runs x evaluations), got shape {ys.shape}")
    target = np.broadcast_to(np.asarray(target), (ys.shape[0],))
    hit = ys >= target[:, None]
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, ys.shape[1] + 1)


def value_sequence_counts(ys, m: int) -> np.ndarray:
    r"""How many runs produced each value sequence :math:`(y_1,\dots,y_k)`: an array of :math:`m^k` counts.

    Sequence :math:`(y_1,\dots,y_k)` is counted at index :math:`\sum_t y_t m^{t-1}`. For an algorithm
    without revisits run on all :math:`m^n` functions, every count is :math:`m^{\,n-k}`
    (eq-nfl-counting).
    """
    ys = np.asarray(ys)
    m = checks.integer("m", m, 2)
    if ys.ndim != 2 or ys.shape[1] < 1 or ys.min() < 0 or ys.max() >= m:
        raise ValueError(f"ys must be a 2-d array of values in 0..{m - 1}, got shape {ys.shape}")
    if m ** ys.shape[1] > MAX_FUNCTIONS:
        raise ValueError(f"m**k = {m ** ys.shape[1]} sequences are too many to count")
    code = ys @ (m ** np.arange(ys.shape[1]))
    return np.bincount(code, minlength=m ** ys.shape[1])


def travel_time(xs, n: int, near: float = 1.0, far: float = 2.0) -> np.ndarray:
    """Cumulative time of each run when an evaluation next to the previous point on the ring costs ``near``
    and any other costs ``far`` (the first costs ``near``): a cost that depends on the points, not the values."""
    xs = np.asarray(xs)
    n = checks.integer("n", n, 2)
    near, far = checks.positive("near", near), checks.positive("far", far)
    if xs.ndim != 2:
        raise ValueError(f"xs must be a 2-d array (runs x evaluations), got shape {xs.shape}")
    step = np.abs(np.diff(xs, axis=1))
    adjacent = (step == 1) | (step == n - 1)
    cost = np.concatenate([np.full((xs.shape[0], 1), near), np.where(adjacent, near, far)], axis=1)
    return np.cumsum(cost, axis=1)


def best_within(ys, time, budget: float) -> np.ndarray:
    """Best value found by the evaluations that finish within ``budget`` (-1 when none does)."""
    ys, time = np.asarray(ys), np.asarray(time)
    if ys.shape != time.shape or ys.ndim != 2:
        raise ValueError(f"ys and time must be 2-d arrays of one shape, got {ys.shape} and {time.shape}")
    budget = checks.finite("budget", budget, 0.0)
    return np.where(time <= budget, ys, -1).max(axis=1)


# --------------------------------------------------------------------------- supervised learning
def boolean_inputs(d: int) -> np.ndarray:
    r"""The :math:`2^d` points of :math:`\\{0,1\\}^d` as rows (bit :math:`j` of row :math:`i` is bit :math:`j` of :math:`i`)."""
    d = checks.integer("d", d, 1, 4)
    return (np.arange(2 ** d)[:, None] >> np.arange(d)[None, :]) & 1


def all_targets(d: int) -> np.ndarray:
    r"""Every target :math:`f:\\{0,1\\}^d\\to\\{0,1\\}`: a ``(2**(2**d), 2**d)`` uint8 array (at most :math:`2^{16}` rows)."""
    d = checks.integer("d", d, 1, 4)
    return all_functions(2 ** d, 2).astype(np.uint8)


def hamming_cut(T, d: int) -> np.ndarray:
    r"""For each target (row of ``T``), the number of edges of the cube :math:`\{0,1\}^d` whose ends get different labels.

    0 for the constants, :math:`2^{d-1}` for a single bit, :math:`d\,2^{d-1}` for parity: small means smooth in Hamming distance.
    """
    d = checks.integer("d", d, 1, 4)
    T = np.asarray(T)
    if T.ndim != 2 or T.shape[1] != 2 ** d:
        raise ValueError(f"T must have 2**d = {2 ** d} columns, got shape {T.shape}")
    idx = np.arange(2 ** d)
    cut = np.zeros(len(T), dtype=int)
    for j in range(d):
        lo = idx[(idx >> j) & 1 == 0]
        cut += np.sum(T[:, lo] != T[:, lo | (1 << j)], axis=1)
    return cut


def smooth_prior(T, d: int, kappa: float) -> np.ndarray:
    r"""Prior over the targets :math:`P(f)\propto e^{-\kappa\,\mathrm{cut}(f)}` (:func:`hamming_cut`); ``kappa = 0`` is uniform."""
    kappa = checks.finite("kappa", kappa, 0.0)
    cut = hamming_cut(T, d)
    exponent = -kappa * (cut - cut.min())
    w = np.exp(np.maximum(exponent, -700.0)) * (exponent > -700.0)  # no underflow: weights below e^-700 are 0
    return w / w.sum()


def _labels(patterns: int, s: int) -> np.ndarray:
    """Every labelling of ``s`` training inputs, ``(2**s, s)``; pattern index = sum of y_i 2^i."""
    return ((np.arange(patterns)[:, None] >> np.arange(s)[None, :]) & 1).astype(np.uint8)


def _hamming(A, B):
    return np.sum(A[:, None, :] != B[None, :, :], axis=2)


def knn_predict(X_train, Y, X_test, k: int = 1) -> np.ndarray:
    r"""k-nearest-neighbour vote in Hamming distance, for every labelling ``Y`` (rows) of the training inputs at once.

    The :math:`k` nearest training inputs of each test input (all of them if fewer; ties in distance broken by
    training order) vote; a tied vote predicts 0.
    Returns ``(len(Y), len(X_test))``.
    """
    k = min(checks.integer("k", k, 1), len(X_train))
    order = np.argsort(_hamming(X_test, X_train), axis=1, kind="stable")[:, :k]  # (t, k)
    votes = np.asarray(Y)[:, order].sum(axis=2)  # (P, t)
    return (2 * votes > k).astype(np.uint8)


def majority_predict(X_train, Y, X_test) -> np.ndarray:
    """Predict the majority label of the training set everywhere (0 on a tie)."""
    Y = np.asarray(Y)
    return np.repeat((2 * Y.sum(axis=1) > Y.shape[1]).astype(np.uint8)[:, None], len(X_test), axis=1)


def anti_predict(X_train, Y, X_test) -> np.ndarray:
    """Predict the opposite of the 1-nearest-neighbour rule: a learner built to be wrong."""
    return 1 - knn_predict(X_train, Y, X_test, 1)


def constant_predict(X_train, Y, X_test) -> np.ndarray:
    """A lookup table: the memorized label at a training input, 0 at every other input (it ignores the data off the training set).r"""
    Y = np.asarray(Y)
    same = _hamming(X_test, X_train) == 0  # (t, s)
    seen = same.any(axis=1)
    memorized = Y[:, same.argmax(axis=1)]
    return np.where(seen[None, :], memorized, 0).astype(np.uint8)


#: The learners compared: name -> ``predict(X_train, Y, X_test)`` for every labelling ``Y`` at once.
LEARNERS = {
    "1-NN": lambda Xtr, Y, Xte: knn_predict(Xtr, Y, Xte, 1),
    "3-NN": lambda Xtr, Y, Xte: knn_predict(Xtr, Y, Xte, 3),
    "majority": majority_predict,
    "lookup": constant_predict,
    "anti-1-NN": anti_predict,
}


def _split(train, d: int) -> tuple[np.ndarray, np.ndarray]:
    train = np.asarray(train, dtype=int)
    if train.ndim != 1 or train.size < 1 or train.size >= 2 ** d or len(set(train.tolist())) != train.size \
            or train.min() < 0 or train.max() >= 2 ** d:
        raise ValueError(f"train must hold between 1 and {2 ** d - 1} distinct inputs in 0..{2 ** d - 1}, got {train}")
    return train, np.setdiff1d(np.arange(2 ** d), train)


def _targets(T, d: int) -> np.ndarray:
    T = np.asarray(T)
    if T.ndim != 2 or T.shape[1] != 2 ** d or T.shape[0] < 1 or not np.isin(T, (0, 1)).all():
        raise ValueError(f"T must be a non-empty 0/1 array with 2**d = {2 ** d} columns, got shape {T.shape}")
    return T


def ots_correct(learner, T, train, d: int) -> np.ndarray:
    r"""Number of correct off-training-set predictions for each target (row of ``T``), training on the inputs ``train``.

    The learner sees :math:`(x, f(x))` for :math:`x\in` ``train`` and predicts :math:`f` on the other
    inputs. Its predictions depend on the training labels only, so they are computed once per labelling
    (:math:`2^s`) and looked up for each target. Over all :math:`2^{2^d}` targets the total is exactly
    half of :math:`2^{2^d}(2^d - s)` (eq-nfl-ots).
    """
    d = checks.integer("d", d, 1, 4)
    T = _targets(T, d)
    train, test = _split(train, d)
    X, s = boolean_inputs(d), train.size
    table = learner(X[train], _labels(2 ** s, s), X[test])  # (2**s, t)
    pattern = T[:, train].astype(np.int64) @ (1 << np.arange(s))
    return np.sum(table[pattern] == T[:, test], axis=1)


def _grouped_by_training_labels(T, train, d: int, prior):
    """The targets, the training and test inputs, the prior ``w`` (default uniform; ``ValueError`` unless it is
    ``len(T)`` nonnegative weights summing to 1), each target's training labelling as an integer ``pattern``, and
    the prior mass ``W[p]`` of each labelling ``p``."""
    T = _targets(T, d)
    train, test = _split(train, d)
    w = np.full(len(T), 1.0 / len(T)) if prior is None else checks.finite_array("prior", prior)
    if w.shape != (len(T),) or w.min() < 0 or not np.isclose(w.sum(), 1.0):
        raise ValueError(f"prior must be {len(T)} nonnegative weights summing to 1")
    pattern = T[:, train].astype(np.int64) @ (1 << np.arange(train.size))
    return T, train, test, w, pattern, np.bincount(pattern, weights=w, minlength=2 ** train.size)


def ots_accuracy(learners, T, train, d: int, prior=None) -> np.ndarray:
    r"""Expected off-training-set accuracy of each learner under a prior over the targets (rows of ``T``).

    .. math:: \mathrm{acc} = \sum_f P(f)\,\frac{1}{|\mathcal X_{\rm test}|}\sum_{x\notin\text{train}}
              \mathbb 1\bigl(h_{d(f)}(x) = f(x)\bigr),

    computed by grouping the targets by their training labels :math:`p`: with
    :math:`W_1[p,x] = \sum_{f:\,p(f)=p} P(f) f(x)` and :math:`W[p] = \sum_{f:\,p(f)=p} P(f)`, a learner that
    predicts :math:`h_p(x)` scores :math:`\sum_{p,x}\bigl(h_p(x) W_1[p,x] + (1-h_p(x))(W[p]-W_1[p,x])\bigr)/|\mathcal X_{\rm test}|`.
    ``prior`` defaults to uniform. Returns one accuracy per learner (a mapping name -> predict, or a list).
    """
    d = checks.integer("d", d, 1, 4)
    T, train, test, w, pattern, W = _grouped_by_training_labels(T, train, d, prior)
    s = train.size
    W1 = np.stack([np.bincount(pattern, weights=w * T[:, x], minlength=2 ** s) for x in test], axis=1)
    X, labels = boolean_inputs(d), _labels(2 ** s, s)
    learners = list(learners.values()) if isinstance(learners, dict) else list(learners)
    out = []
    for learner in learners:
        h = learner(X[train], labels, X[test])
        out.append(float(np.sum(h * W1 + (1 - h) * (W[:, None] - W1)) / test.size))
    return np.array(out)


def training_sets(d: int, s: int, count: int, seed: int = 0) -> np.ndarray:
    r"""``count`` random training sets of ``s`` distinct inputs of :math:`\\{0,1\\}^d`, ``(count, s)``."""
    d = checks.integer("d", d, 1, 4)
    s = checks.integer("s", s, 1, 2 ** d - 1)
    count = checks.integer("count", count, 1)
    rng = np.random.default_rng(seed)
    return np.array([np.sort(rng.choice(2 ** d, s, replace=False)) for _ in range(count)])


def train_accuracy(learners, T, train, d: int, prior=None) -> np.ndarray:
    r"""Expected accuracy of each learner on its own training inputs under a prior over the targets (default uniform).

    The training labels fix the predictions there, so this is :math:`\sum_p W[p]\,\mathrm{acc}_p` over the
    labellings :math:`p` of the training inputs. Together with :func:`ots_accuracy` it gives the accuracy on
    all inputs, :math:`(s\,\mathrm{acc}_{\rm train} + t\,\mathrm{acc}_{\rm OTS})/2^d`, which is *not* the same for
    every learner under the uniform prior: a learner that memorizes its training set scores above 1/2.
    """
    d = checks.integer("d", d, 1, 4)
    T, train, _, _, _, W = _grouped_by_training_labels(T, train, d, prior)
    s = train.size
    X, labels = boolean_inputs(d), _labels(2 ** s, s)
    learners = list(learners.values()) if isinstance(learners, dict) else list(learners)
    return np.array([float(W @ np.mean(learner(X[train], labels, X[train]) == labels, axis=1)) for learner in learners])
