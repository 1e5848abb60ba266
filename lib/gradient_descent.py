r"""Batch, stochastic and mini-batch gradient descent on finite sums.

All three are one algorithm (Robbins & Monro 1951, "A Stochastic
Approximation Method", Ann. Math. Statist. 22(3); Bottou, Curtis & Nocedal
2018, "Optimization Methods for Large-Scale Machine Learning", SIAM Review
60(2), §3-4):

.. math::
    \theta_{t+1} = \theta_t - \eta\, g_t, \qquad
    g_t = \frac{1}{|B_t|} \sum_{i \in B_t} \nabla \ell_i(\theta_t),

with :math:`B_t` all :math:`N` examples (batch GD), one example (SGD) or
:math:`B` examples (mini-batch GD). :func:`descend` runs any of them, with
any update rule of :mod:`lib.optimizers` (plain, heavy-ball, Nesterov,
RMSProp, Adam), on any objective following the interface documented in
:mod:`lib.objectives`;
:func:`gradient_noise` and :func:`predicted_gradient_noise` measure and
predict :math:`\mathbb{E}\lVert g_t - \nabla f \rVert^2`.
"""

import math
from dataclasses import dataclass

import numpy as np

from lib import checks
from lib.optimizers import SGD, Momentum, as_optimizer

__all__ = [
    "Trajectory",
    "minibatches",
    "gd_step",
    "momentum_step",
    "descend",
    "batch_gradient_descent",
    "stochastic_gradient_descent",
    "minibatch_gradient_descent",
    "minibatch_gradients",
    "gradient_noise",
    "predicted_gradient_noise",
]


def _batch_size(batch_size, n):
    return n if batch_size is None else checks.integer("batch_size", batch_size, 1, n)


def _parameters(name, theta, objective):
    # a copy (the caller's array is never touched) in theta's own floating dtype: a float32
    # network trains in float32; anything else becomes float64
    dtype = theta.dtype if isinstance(theta, np.ndarray) and np.issubdtype(theta.dtype, np.floating) else float
    theta = np.array(theta, dtype=dtype)
    if theta.shape != (objective.dim,):
        raise ValueError(f"{name} must have shape ({objective.dim},), got {theta.shape}")
    if not np.isfinite(theta).all():
        raise ValueError(f"{name} must contain only finite numbers")
    return theta


def _initial_loss(objective, theta):
    loss = objective.loss(theta)
    if not np.isfinite(loss):
        raise ValueError(f"theta0 gives a non-finite loss ({loss}); start closer to the data's scale")
    return loss


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


def minibatches(n, batch_size, rng, drop_last=True):
    r"""Endless stream of index arrays: shuffled epochs cut into mini-batches.

    Each epoch draws a fresh permutation :math:`\pi` of :math:`\{0,\dots,n-1\}`
    and yields :math:`\pi_{[0:B]}, \pi_{[B:2B]}, \dots`, so examples are sampled
    *without replacement* within an epoch ("random reshuffling"; Bottou 2012,
    "Stochastic Gradient Descent Tricks", in *Neural Networks: Tricks of the
    Trade*; Bottou, Curtis & Nocedal 2018, §4).

    If :math:`B` does not divide :math:`n`, the last, short batch of each
    epoch is *dropped* (``drop_last=True``, the default), so every step
    averages exactly :math:`B` gradients and has the same noise level
    (:func:`predicted_gradient_noise`); the :math:`n \bmod B` skipped
    examples differ from epoch to epoch. With ``drop_last=False`` the short
    batch is kept and every example is used exactly once per epoch.
    ``batch_size == n`` yields ``arange(n)`` in order (full batch) and does
    not touch ``rng``. ``rng`` is a ``np.random.Generator`` or an integer seed.
    """
    n = checks.integer("n", n, 1)
    batch_size = checks.integer("batch_size", batch_size, 1, n)
    rng = np.random.default_rng(rng)
    usable = n - n % batch_size if drop_last else n
    while True:
        order = np.arange(n) if batch_size == n else rng.permutation(n)
        for start in range(0, usable, batch_size):
            yield order[start : start + batch_size]


def gd_step(theta, g, lr):
    r"""One gradient step, :math:`\theta_{t+1} = \theta_t - \eta\, g_t` (Cauchy 1847; Robbins & Monro 1951).

    Pure: returns a new array; the rule itself is :class:`lib.optimizers.SGD`.
    ``g`` must have the shape of ``theta``. Overflow gives ``inf`` silently.
    """
    optimizer = SGD(lr)
    theta = checks.finite_array("theta", theta).copy()
    return optimizer.step(theta, g, optimizer.init(theta))[0]


def momentum_step(theta, velocity, g, lr, beta):
    r"""One heavy-ball step, :math:`v_{t+1} = \beta v_t - \eta g_t`, :math:`\theta_{t+1} = \theta_t + v_{t+1}` (Polyak 1964).

    Pure: returns new ``(theta, velocity)``; the rule itself is
    :class:`lib.optimizers.Momentum`. Start from :math:`v_0 = 0`;
    ``velocity`` and ``g`` must have the shape of ``theta``.
    """
    optimizer = Momentum(lr, beta)
    theta = checks.finite_array("theta", theta).copy()
    velocity = checks.finite_array("velocity", velocity).copy()
    if velocity.shape != theta.shape:
        raise ValueError(f"velocity must have the shape of theta {theta.shape}, got {velocity.shape}")
    theta, state = optimizer.step(theta, g, {"velocity": velocity})
    return theta, state["velocity"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    r"""What :func:`descend` (and :func:`lib.glm.irls`) records; the ``k`` rows are recorded steps, in order.

    ``thetas`` (k, dim), ``losses`` (k,) full objective :math:`f(\theta)`,
    ``steps`` (k,) step index of each record, ``grads_evaluated`` (k,)
    cumulative number of per-example gradients computed, ``diverged_at``
    the step at which the run was stopped because it blew up (None if it
    was not), ``batch_size`` as used, ``optimizer`` the update rule (a
    :mod:`lib.optimizers` object; None for IRLS's Newton steps), and
    ``converged``: True/False where the method tests convergence
    (:func:`lib.glm.irls`), None where it runs a fixed number of steps
    (:func:`descend`). All recorded numbers are finite.
    """

    thetas: np.ndarray
    losses: np.ndarray
    steps: np.ndarray
    grads_evaluated: np.ndarray
    diverged_at: int | None
    batch_size: int
    optimizer: object | None
    converged: bool | None = None

    def __post_init__(self):
        for name in ("thetas", "losses", "steps", "grads_evaluated"):
            getattr(self, name).flags.writeable = False

    @property
    def lr(self):
        """The optimizer's learning rate (None for IRLS)."""
        return getattr(self.optimizer, "lr", None)

    @property
    def diverged(self):
        """True if the run was stopped because the loss blew up."""
        return self.diverged_at is not None

    @property
    def status(self) -> str:
        """What happened, in words, for a figure title or a printed line:
        "diverged at step 12", "converged after 6 steps", "ran 300 steps"."""
        if self.diverged:
            return f"diverged at step {self.diverged_at}"
        last = int(self.steps[-1])
        if self.converged is True:
            return f"converged after {last} steps"
        if self.converged is False:
            return f"did not converge in {last} steps"
        return f"ran {last} steps"

    @property
    def final_theta(self):
        """The last recorded parameters."""
        return self.thetas[-1]

    @property
    def final_loss(self):
        """The last recorded full loss."""
        return float(self.losses[-1])


class _Recorder:
    """Preallocated storage for at most ``capacity`` records."""

    def __init__(self, capacity, dim):
        self.thetas, self.losses = np.empty((capacity, dim)), np.empty(capacity)
        self.steps, self.grads = np.empty(capacity, dtype=int), np.empty(capacity, dtype=int)
        self.k = 0

    def add(self, step, theta, loss, grads_evaluated):
        k = self.k
        self.thetas[k], self.losses[k], self.steps[k], self.grads[k] = theta, loss, step, grads_evaluated
        self.k += 1

    def trajectory(self, diverged_at, batch_size, optimizer):
        arrays = [a[: self.k].copy() for a in (self.thetas, self.losses, self.steps, self.grads)]
        return Trajectory(*arrays, diverged_at=diverged_at, batch_size=batch_size, optimizer=optimizer)


# --------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------


def _record_every(record_every, steps):
    """Steps between records; ``None`` records only the start and the end."""
    return max(1, steps) if record_every is None else checks.integer("record_every", record_every, 1)


def descend(objective, theta0, optimizer, batch_size=None, steps=100, seed=0, record_every=1, blowup=1e6):
    r"""Run (mini-batch / stochastic / batch) gradient descent with any update rule and record the trajectory.

    .. math::
        g_t = \frac{1}{|B_t|}\sum_{i\in B_t} \nabla \ell_i(\theta_t), \qquad
        \theta_{t+1} = \operatorname{step}(\theta_t, g_t)

    (Robbins & Monro 1951; Bottou, Curtis & Nocedal 2018, Algorithm 4.1).
    ``optimizer`` is any :mod:`lib.optimizers` object (``SGD(lr)``,
    ``Momentum(lr, beta)``, ``Nesterov``, ``RMSProp``, ``Adam``) or a
    positive number, short for ``SGD(lr)``: :math:`\theta_{t+1} = \theta_t
    - \eta g_t`. Batches come from :func:`minibatches` seeded with ``seed``
    (shuffled epochs, short last batch dropped); ``batch_size=None`` (or
    ``n``) is full-batch GD, ``1`` is SGD. ``objective`` needs ``n``,
    ``dim``, ``loss`` and ``grad`` (:mod:`lib.objectives`).

    Records :math:`\theta_t`, the full loss :math:`f(\theta_t)` and the
    cumulative number of per-example gradients at step 0, every
    ``record_every`` steps and at the last step; the full loss is computed
    only at those steps. ``record_every=None`` records only the start and
    the end (memory :math:`O(\dim\theta)` for a long run of a large model).
    ``theta0`` is copied once; the optimizer then updates that copy in place.

    Divergence: the run stops at step :math:`t` -- ``diverged_at = t`` -- as
    soon as :math:`\theta_t` is not finite or a recorded full loss is not
    finite or exceeds ``blowup`` :math:`\times \max(1, f(\theta_0))`. Step
    :math:`t` itself is not recorded, so every recorded number is finite.
    A finite blow-up is noticed at the next recorded step. No
    RuntimeWarning is emitted.
    """
    theta = _parameters("theta0", theta0, objective)
    optimizer = as_optimizer(optimizer)
    batch_size = _batch_size(batch_size, objective.n)
    steps = checks.integer("steps", steps, 0)
    record_every = _record_every(record_every, steps)
    blowup = checks.positive("blowup", blowup)
    batches = minibatches(objective.n, batch_size, checks.integer("seed", seed, 0))

    loss = _initial_loss(objective, theta)
    threshold = blowup * max(1.0, loss)
    recorder = _Recorder(steps // record_every + 2, objective.dim)
    recorder.add(0, theta, loss, 0)
    state, evaluated, diverged_at = optimizer.init(theta), 0, None
    full_batch = batch_size == objective.n
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            idx = next(batches)
            g = objective.grad(theta, None if full_batch else idx)
            evaluated += len(idx)
            theta, state = optimizer.step(theta, g, state)
            if not math.isfinite(theta.sum()):  # a sum is finite only if every entry is
                diverged_at = t
                break
            if t % record_every == 0 or t == steps:
                loss = objective.loss(theta)
                if not (np.isfinite(loss) and loss <= threshold):
                    diverged_at = t
                    break
                recorder.add(t, theta, loss, evaluated)
    return recorder.trajectory(diverged_at, batch_size, optimizer)


def batch_gradient_descent(objective, theta0, optimizer, steps=100, record_every=1, blowup=1e6):
    r"""Batch (full-gradient) descent, :math:`\theta_{t+1} = \theta_t - \eta \nabla f(\theta_t)` (Cauchy 1847).

    :func:`descend` with ``batch_size=None``; deterministic. ``optimizer``
    is a learning rate or any :mod:`lib.optimizers` object.
    """
    return descend(objective, theta0, optimizer, None, steps, 0, record_every, blowup)


def stochastic_gradient_descent(objective, theta0, optimizer, steps=100, seed=0, record_every=1, blowup=1e6):
    r"""SGD, :math:`\theta_{t+1} = \theta_t - \eta \nabla \ell_{i_t}(\theta_t)` (Robbins & Monro 1951).

    :func:`descend` with ``batch_size=1``; :math:`i_t` runs through shuffled epochs.
    """
    return descend(objective, theta0, optimizer, 1, steps, seed, record_every, blowup)


def minibatch_gradient_descent(objective, theta0, optimizer, batch_size, steps=100, seed=0, record_every=1,
                               blowup=1e6):
    r"""Mini-batch GD, :math:`\theta_{t+1} = \theta_t - \frac{\eta}{B}\sum_{i \in B_t} \nabla \ell_i(\theta_t)`.

    :func:`descend` with the given ``batch_size`` (Bottou, Curtis & Nocedal 2018, §4).
    """
    return descend(objective, theta0, optimizer, batch_size, steps, seed, record_every, blowup)


# --------------------------------------------------------------------------
# Gradient noise
# --------------------------------------------------------------------------


def _per_example_grads(objective, theta):
    """``objective.per_example_grads(theta)``, an optional method of the interface."""
    if not callable(getattr(objective, "per_example_grads", None)):
        raise ValueError(f"objective must define per_example_grads(theta) to measure gradient noise; "
                         f"{type(objective).__name__} does not")
    return objective.per_example_grads(_parameters("theta", theta, objective))


def _deviations(objective, theta):
    r"""Rows :math:`\nabla \ell_i(\theta) - \nabla f(\theta)`, shape (n, dim)."""
    per_example = _per_example_grads(objective, theta)
    return per_example - per_example.mean(axis=0)


def _overflow_to_inf(value):
    """A mean square that overflowed (inf, or nan from inf - inf) is reported as inf."""
    return float(value) if np.isfinite(value) else float("inf")


def _random_batches(rng, n, batch_size, draws, replace):
    """Index array (draws, batch_size); without replacement, each row starts a random permutation."""
    if replace or batch_size == 1:  # one draw: with and without replacement coincide
        return rng.integers(0, n, size=(draws, batch_size))
    return rng.permuted(np.broadcast_to(np.arange(n), (draws, n)), axis=1)[:, :batch_size]


def _batch_means(rows, batch_size, draws, rng, replace):
    """Yield, chunk by chunk, the means of ``rows`` over ``draws`` random batches (bounded memory)."""
    n, dim = rows.shape
    chunk = max(1, 2**20 // max(n, batch_size * dim))
    for start in range(0, draws, chunk):
        idx = _random_batches(rng, n, batch_size, min(chunk, draws - start), bool(replace))
        yield rows[idx].mean(axis=1)


@np.errstate(all="ignore")
def minibatch_gradients(objective, theta, batch_size, draws=1000, seed=0, replace=False):
    r"""``draws`` independent mini-batch gradients at ``theta``, shape ``(draws, dim)``.

    .. math::
        g_B = \frac{1}{B}\sum_{i \in B} \nabla \ell_i(\theta),

    each batch of size :math:`B` drawn uniformly with or without replacement
    (Robbins & Monro 1951; Bottou, Curtis & Nocedal 2018, §4). Their mean is
    :math:`\nabla f(\theta)` (unbiasedness).
    """
    batch_size = checks.integer("batch_size", batch_size, 1, objective.n)
    draws = checks.integer("draws", draws, 1)
    rng = np.random.default_rng(checks.integer("seed", seed, 0))
    rows = _per_example_grads(objective, theta)
    return np.concatenate(list(_batch_means(rows, batch_size, draws, rng, replace)))


@np.errstate(all="ignore")
def gradient_noise(objective, theta, batch_size, draws=2000, seed=0, replace=False):
    r"""Monte-Carlo estimate of the mini-batch gradient noise :math:`\mathbb{E}\lVert g_B - \nabla f(\theta)\rVert^2`.

    .. math::
        \widehat{\mathbb{E}} = \frac{1}{K}\sum_{k=1}^{K}
        \Bigl\lVert \frac{1}{B}\sum_{i \in B_k} \bigl(\nabla\ell_i(\theta) - \nabla f(\theta)\bigr) \Bigr\rVert^2

    over ``draws`` :math:`= K` independent batches :math:`B_k` of size
    :math:`B`, drawn with or without replacement (Bottou, Curtis & Nocedal
    2018, §5.2; compare :func:`predicted_gradient_noise`). Vectorized over
    draws, in chunks of bounded memory. Overflow gives ``inf``, without warning.
    """
    batch_size = checks.integer("batch_size", batch_size, 1, objective.n)
    draws = checks.integer("draws", draws, 1)
    rng = np.random.default_rng(checks.integer("seed", seed, 0))
    deviations = _deviations(objective, theta)
    total = sum(np.sum(noise * noise) for noise in _batch_means(deviations, batch_size, draws, rng, replace))
    return _overflow_to_inf(total / draws)


@np.errstate(all="ignore")
def predicted_gradient_noise(objective, theta, batch_size, replace=False):
    r"""The exact mini-batch gradient noise :math:`\mathbb{E}\lVert g_B - \nabla f(\theta)\rVert^2`.

    .. math::
        \sigma^2 = \frac1N \sum_{i=1}^{N} \lVert \nabla\ell_i(\theta) - \nabla f(\theta) \rVert^2, \qquad
        \mathbb{E}\lVert g_B - \nabla f \rVert^2 =
        \begin{cases}
          \sigma^2 / B & \text{with replacement,} \\
          \dfrac{\sigma^2}{B}\,\dfrac{N - B}{N - 1} & \text{without (finite-population correction).}
        \end{cases}

    The variance of a sample mean (Cochran 1977, *Sampling Techniques*,
    3rd ed., Thm 2.2; Bottou, Curtis & Nocedal 2018, §5.2). A full batch
    without replacement (:math:`B = N`) has no noise.
    """
    batch_size = checks.integer("batch_size", batch_size, 1, objective.n)
    deviations = _deviations(objective, theta)
    n = deviations.shape[0]
    sigma2 = _overflow_to_inf(np.mean(np.sum(deviations * deviations, axis=1)))
    if replace:
        return sigma2 / batch_size
    if batch_size == n:
        return 0.0
    return sigma2 / batch_size * (n - batch_size) / (n - 1)
