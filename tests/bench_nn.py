"""Speed and memory of one training step of a lib.nn network: ``python -m tests.bench_nn`` from the repo root.

One line per network size. A *training step* is what :func:`lib.gradient_descent.descend`
does per step: :meth:`lib.nn.NetworkObjective.grad` on a mini-batch (gather the
batch, forward, softmax head, backward into a fresh flat gradient) and one
:class:`lib.optimizers.SGD` update of the flat parameter vector in place.

* 784-256-256-10 ReLU MLP, batch 128, float64 and float32: the step time and
  its ratio to the **matmul floor** -- the same step's matrix products alone
  (per layer: forward ``x W^T`` and backward ``dout^T x``; ``dout W`` for every
  layer but the first, as the input needs no gradient and the step skips it),
  timed on arrays of the same shapes and dtype in the same run. Goal: ratio <= 1.5.
  The floor with the first layer's ``dout W`` too (the issue's wording) is printed
  alongside.
* 2-64-64-2 ReLU MLP, batch 32, float64: the ratio to a straight-line NumPy
  version of the same step written as one function (no layers, no objects).
  Goal: ratio <= 1.5.
* Memory: tracemalloc's peak during one step, compared with the activations'
  size (every layer's output for the batch) and with the size of theta; and
  whether theta was copied (its buffer must be updated in place).

Timings are CPU seconds of the computing thread (``time.thread_time``) with
BLAS limited to that one thread (``OPENBLAS_NUM_THREADS=1`` unless set), so
other processes on a shared 2-core machine neither inflate nor scramble them;
the compared functions are interleaved in rounds and medians reported.
steps/s is 1 / step time. Exits 1 if a goal is missed, after printing a
profile of the step (where the time goes).
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

import lib.nn as nn  # noqa: E402
from lib.optimizers import SGD  # noqa: E402

GOAL = 1.5


def relu_mlp(widths, dtype):
    layers = []
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers += [nn.Linear(a, b)] + ([nn.Activation("relu")] if k < len(widths) - 2 else [])
    return nn.Sequential(layers, dtype=dtype)


def setup(widths, batch, dtype, batches=10, seed=0):
    """A network, its objective on random data of ``batches`` mini-batches, theta, an SGD step and batch indices."""
    rng = np.random.default_rng(seed)
    model = relu_mlp(widths, dtype)
    X = rng.standard_normal((batch * batches, widths[0]))
    y = rng.integers(0, widths[-1], batch * batches)
    objective = nn.NetworkObjective(model, X, y, "softmax")
    theta = model.init(seed)
    order = rng.permutation(batch * batches).reshape(batches, batch)
    return objective, theta, order


def lib_step(objective, theta, order, sgd):
    """The training step: ``descend``'s loop body, over the prepared batches in turn."""
    state, k = sgd.init(theta), [0]

    def step():
        idx = order[k[0] % len(order)]
        k[0] += 1
        sgd.step(theta, objective.grad(theta, idx), state)
    return step


class _NoUpdate:
    """An optimizer that does nothing: times the gradient alone."""

    def init(self, theta):
        return {}

    def step(self, theta, g, state):
        return theta, state


def matmul_floor(widths, batch, dtype, first_dx=False, seed=1):
    """The step's matrix products alone, on arrays of the same shapes: x W^T, dout^T x per layer, dout W but for layer 0."""
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal((batch, n)).astype(dtype) for n in widths[:-1]]
    Ws = [rng.standard_normal((b, a)).astype(dtype) for a, b in zip(widths[:-1], widths[1:])]
    douts = [rng.standard_normal((batch, b)).astype(dtype) for b in widths[1:]]

    def floor():
        for k, (x, W, dout) in enumerate(zip(xs, Ws, douts)):
            x @ W.T
            dout.T @ x
            if k > 0 or first_dx:
                dout @ W
    return floor


def straight_line_step(objective, theta, order, lr):
    """The same step as one NumPy function for a 3-layer ReLU MLP with a softmax head: no layers, no objects."""
    X, y = objective.X, objective.y
    (W1, b1), (W2, b2), (W3, b3) = [(p["W"], p["b"]) for p in objective.model.params(theta) if p]  # views, made once
    k = [0]

    def step():
        idx = order[k[0] % len(order)]
        k[0] += 1
        x, t = X[idx], y[idx]
        h1 = x @ W1.T + b1
        r1 = np.maximum(h1, 0)
        h2 = r1 @ W2.T + b2
        r2 = np.maximum(h2, 0)
        z = r2 @ W3.T + b3
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(t)), t] -= 1
        p /= len(t)
        dW3, db3 = p.T @ r2, p.sum(axis=0)
        dh2 = (p @ W3) * (h2 > 0)
        dW2, db2 = dh2.T @ r1, dh2.sum(axis=0)
        dh1 = (dh2 @ W2) * (h1 > 0)
        dW1, db1 = dh1.T @ x, dh1.sum(axis=0)
        for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            param -= lr * grad
    return step


def interleaved_medians(functions, per_round, rounds):
    """Median seconds per call of each function, timed in alternating rounds of ``per_round`` calls."""
    times = [[] for _ in functions]
    for f in functions:                    # warm-up
        for _ in range(max(1, per_round // 4)):
            f()
    for _ in range(rounds):
        for k, f in enumerate(functions):
            start = time.thread_time()
            for _ in range(per_round):
                f()
            times[k].append((time.thread_time() - start) / per_round)
    return [float(np.median(t)) for t in times]


def traced_peak(f):
    """Peak bytes allocated (tracemalloc) during one call of ``f``."""
    tracemalloc.start()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def memory(objective, theta, order, sgd, widths, batch):
    """(peak bytes of one step, of its gradient alone, activation bytes, theta bytes, theta updated in place)."""
    step = lib_step(objective, theta, order, sgd)
    step()
    address, before = theta.__array_interface__["data"][0], theta.copy()
    peak = traced_peak(step)
    grad_peak = traced_peak(lambda: objective.grad(theta, order[0]))
    activations = batch * (widths[0] + 2 * sum(widths[1:-1]) + widths[-1]) * theta.itemsize  # input, pre/post-ReLU, logits
    in_place = theta.__array_interface__["data"][0] == address and not np.array_equal(before, theta)
    return peak, grad_peak, activations, theta.nbytes, in_place


def profile(step, calls=200):
    """The top of a cProfile of ``step``, as text."""
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(calls)])
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def bench_large(dtype, rounds):
    widths, batch = (784, 256, 256, 10), 128
    objective, theta, order = setup(widths, batch, dtype)
    sgd = SGD(1e-3)
    step, floor = lib_step(objective, theta, order, sgd), matmul_floor(widths, batch, dtype)
    gradient = lib_step(objective, theta, order, _NoUpdate())
    t_step, t_grad, t_floor, t_full = interleaved_medians(
        [step, gradient, floor, matmul_floor(widths, batch, dtype, first_dx=True)], per_round=5, rounds=rounds)
    peak, grad_peak, activations, theta_bytes, in_place = memory(objective, theta, order, sgd, widths, batch)
    ratio = t_step / t_floor
    print(f"784-256-256-10 ReLU, batch 128, {np.dtype(dtype).name:7s}: step {t_step * 1e3:6.2f} ms, "
          f"{1 / t_step:6.1f} steps/s, matmul floor {t_floor * 1e3:5.2f} ms, ratio {ratio:4.2f} "
          f"(goal <= {GOAL}) {'OK' if ratio <= GOAL else 'OVER'}; gradient alone ratio {t_grad / t_floor:4.2f}; "
          f"floor with layer 0's dx {t_full * 1e3:5.2f} ms, ratio {t_step / t_full:4.2f}")
    print(f"    memory: step peak {peak / 1e6:4.2f} MB = {peak / activations:4.2f} x activations "
          f"({activations / 1e6:4.2f} MB); gradient alone {grad_peak / 1e6:4.2f} MB = {grad_peak / activations:4.2f} x "
          f"activations; theta {theta_bytes / 1e6:4.2f} MB {'updated in place' if in_place else 'COPIED'}")
    return ratio <= GOAL and in_place, step


def bench_small(rounds):
    widths, batch = (2, 64, 64, 2), 32
    objective, theta, order = setup(widths, batch, np.float64)
    lr = 1e-3
    a, b = theta.copy(), theta.copy()
    lib_step(objective, a, order, SGD(lr))()
    straight_line_step(objective, b, order, lr)()
    if not np.allclose(a, b, rtol=1e-12, atol=1e-15):
        raise AssertionError("the straight-line step does not compute the library's step")
    step = lib_step(objective, theta, order, SGD(lr))
    straight = straight_line_step(objective, theta.copy(), order, lr)
    t_step, t_straight = interleaved_medians([step, straight], per_round=100, rounds=4 * rounds)
    ratio = t_step / t_straight
    print(f"2-64-64-2 ReLU, batch 32, float64: step {t_step * 1e6:7.1f} us, {1 / t_step:8.0f} steps/s, "
          f"straight-line NumPy {t_straight * 1e6:6.1f} us ({1 / t_straight:8.0f} steps/s), ratio {ratio:4.2f} "
          f"(goal <= {GOAL}) {'OK' if ratio <= GOAL else 'OVER'}")
    return ratio <= GOAL, step


def main(rounds=15):
    results = [bench_large(np.float64, rounds), bench_large(np.float32, rounds), bench_small(rounds)]
    for ok, step in results:
        if not ok:
            print(profile(step))
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
