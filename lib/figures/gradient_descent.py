r"""Figures and experiments of the chapter on batch, stochastic and mini-batch GD.

The chapter's problems, each seeded:

* a one-feature linear regression :math:`y = 2x - 1 + 0.5\varepsilon` with
  :math:`x \sim \mathcal{N}(1.5, 1)`, fitted by least squares in
  :math:`\theta = (w, b)`. Its Hessian has eigenvalues 3.81 and 0.25
  (condition number 15; 4 and 0.25 in the population), so paths zig-zag and
  BGD diverges for :math:`\eta > 2/\lambda_{\max} \approx 0.525`;
* a sharp-and-wide landscape and a saddle (:mod:`lib.objectives`) with
  mini-batch noise of known size, for the claims about local optima.

Every function here only calls :mod:`lib.gradient_descent` and plots.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib import style
from lib.datasets import linear_regression_data
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.gradient_descent import descend, gradient_noise, minibatch_gradients, predicted_gradient_noise
from lib.gradient_descent import minibatches
from lib.objectives import LeastSquares, SaddleLandscape, SharpWideLandscape, TiltedLandscape

#: Where every regression run starts: (w, b).
THETA0 = np.array([-0.5, 2.5])
#: Examples in the regression problem used by the paths and the noise figures.
N = 1000
#: Steps shown in the paths explorable.
PATH_STEPS = 100
#: Per-example gradients every method may spend in the equal-cost comparison.
BUDGET = 10_000
#: Learning rates of the equal-cost comparison (BGD: near 2/(λmin+λmax)).
SGD_LR, BGD_LR = 0.05, 0.4
#: Learning rates offered to the mini-batch curve of the equal-cost comparison.
MINIBATCH_LRS = (0.05, 0.2, 0.4)
C = style.PALETTE


@lru_cache(maxsize=None)
def regression(n: int = N, seed: int = 0) -> LeastSquares:
    """The chapter's least-squares problem with ``n`` examples."""
    X, y = linear_regression_data(n=n, w=2.0, b=-1.0, noise=0.5, x_mean=1.5, seed=seed)
    return LeastSquares(X, y)


def loss_gap(problem: LeastSquares, theta) -> np.ndarray:
    r""":math:`f(\theta) - f(\theta^\star) = \tfrac12 (\theta-\theta^\star)^\top H (\theta-\theta^\star)`, exact for least squares.

    Broadcasts over leading axes of ``theta[..., p]`` (for contour plots).
    """
    d = np.asarray(theta, dtype=float) - problem.minimizer()
    return 0.5 * np.einsum("...i,ij,...j->...", d, problem.hessian(), d)


def curvature(problem: LeastSquares) -> tuple[float, float]:
    """Smallest and largest Hessian eigenvalue."""
    lam = np.linalg.eigvalsh(problem.hessian())
    return float(lam[0]), float(lam[-1])


# --------------------------------------------------------------------------- explorable 1: paths
#: The learning rates offered by the paths explorable (0.01 to 1, 17 steps, log-spaced).
LR_GRID = Slider("lr", 0.01, 1.0, steps=17, scale="log", default=0.1, label="learning rate η")


@lru_cache(maxsize=None)
def path(lr: float, batch: int) -> object:
    """One run of ``PATH_STEPS`` steps from :data:`THETA0` on :func:`regression`."""
    return descend(regression(), THETA0, lr, batch_size=batch, steps=PATH_STEPS, seed=1, blowup=1e4)


def paths():
    """Optimisation paths on the loss surface, for a learning rate and a batch size."""
    problem = regression()
    star, lam_max = problem.minimizer(), curvature(problem)[1]

    def make(fig):
        surface, curve = fig.subplots(1, 2, width_ratios=[1.15, 1])
        W, B = np.meshgrid(np.linspace(-1.5, 4.0, 150), np.linspace(-4.5, 4.0, 150))
        surface.contour(W, B, loss_gap(problem, np.stack([W, B], -1)), levels=np.geomspace(0.01, 60, 10),
                        colors="0.55", linewidths=0.7)
        surface.plot(*THETA0, "o", color=C["black"], ms=6, label=r"start $\theta_0$")
        surface.plot(*star, "*", color=C["black"], ms=13, zorder=5, animated=True)  # drawn over the path
        trace, = surface.plot([], [], "-o", color=C["vermillion"], ms=2.5, lw=1, animated=True, label="path")
        surface.set(xlim=(-1.5, 4.0), ylim=(-4.5, 4.0), xlabel="weight $w$", ylabel="bias $b$",
                    title="Path from start ● to minimum ★\non the loss surface $f(w, b)$")
        gap, = curve.semilogy([], [], color=C["vermillion"], animated=True)
        curve.set(xlim=(0, PATH_STEPS), ylim=(1e-8, 1e5), xlabel="step $t$",
                  ylabel=r"loss gap $f(\theta_t) - f(\theta^\star)$")
        status = curve.set_title("\n", fontsize=10)
        status.set_animated(True)

        def update(lr, batch):
            run = path(lr, batch)
            trace.set_data(run.thetas[:, 0], run.thetas[:, 1])
            gap.set_data(run.steps, np.maximum(run.losses - problem.loss(star), 1e-12))
            verdict = (f"diverged at step {run.diverged_at}" if run.diverged
                       else f"gap after {PATH_STEPS} steps: {run.losses[-1] - problem.loss(star):.1e}")
            status.set_text(f"ηλmax = {lr * lam_max:.2f} (BGD stable < 2)\n{verdict}")
            status.set_color(C["vermillion"] if run.diverged else C["black"])
            return f"η = {lr:.3g}, B = {batch}: η times λmax = {lr * lam_max:.2f}; {verdict}"

        return update

    return explore(
        make,
        [LR_GRID,
         Dropdown("batch", [1, 10, 100, N], default=10, label="batch size B",
                  option_labels=["1 (SGD)", "10", "100", f"{N} = N (BGD)"])],
        alt="Left: contour lines of the least-squares loss over weight and bias, with the path of gradient "
            "descent from the start point. Right: the loss gap against the step on a log scale.",
        height=3.3,
    )


def tail_gaps(lrs=(0.237, 0.422), batches=(N, 100, 10, 1), tail: int = 30) -> dict[tuple[float, int], float]:
    """Median loss gap over the last ``tail`` steps of :func:`path`, per (η, B); η snapped to :data:`LR_GRID`.

    The numbers the paths explorable shows at the end of its runs: where the
    gap of a constant-η run has levelled off (the noise floor) or how far BGD got.
    """
    problem = regression()
    fstar = problem.loss(problem.minimizer())
    grid = np.array(LR_GRID.values)
    out = {}
    for lr in lrs:
        snapped = float(grid[np.argmin(np.abs(grid - lr))])
        for b in batches:
            out[snapped, b] = float(np.median(path(snapped, b).losses[-tail:] - fstar))
    return out


# --------------------------------------------------------------------------- explorable 2: equal cost
@lru_cache(maxsize=None)
def run_at_cost(n: int, batch: int, lr: float):
    """Gradient descent with batch size ``batch`` on ``regression(n)``, stopped after :data:`BUDGET` per-example gradients."""
    steps = BUDGET // batch
    return descend(regression(n), THETA0, lr, batch_size=batch, steps=steps, seed=2,
                   record_every=max(1, steps // 100))


def equal_cost_summary(ns=(1000, 10_000, 100_000)) -> dict[int, dict]:
    """What the equal-cost explorable shows for SGD and BGD, per ``n``.

    ``sgd_reach``: per-example gradients SGD spends until the gap is 1% of its
    start (None: never); ``sgd_floor``: SGD's median gap at the end of the
    budget (:func:`noise_floor`); ``bgd_steps``: BGD steps the budget pays for;
    ``bgd_gap``: BGD's gap after them.
    """
    out = {}
    for n in ns:
        problem = regression(n)
        fstar = problem.loss(problem.minimizer())
        sgd, bgd = run_at_cost(n, 1, SGD_LR), run_at_cost(n, n, BGD_LR)
        out[n] = {"sgd_reach": evaluations_to_reach(sgd, problem), "sgd_floor": noise_floor(sgd, problem),
                  "bgd_steps": int(bgd.steps[-1]), "bgd_gap": float(bgd.losses[-1] - fstar)}
    return out


def noise_floor(run, problem, tail: int = 20) -> float:
    """Median loss gap over the last ``tail`` records of a run: where a constant-η method levels off."""
    return float(np.median(run.losses[-tail:] - problem.loss(problem.minimizer())))


def gradients_until(run, reached: np.ndarray) -> int | None:
    """Per-example gradients spent at the first record where ``reached`` is true (None: never)."""
    hit = np.flatnonzero(reached)
    return int(run.grads_evaluated[hit[0]]) if hit.size else None


def evaluations_to_reach(run, problem, fraction: float = 0.01) -> int | None:
    """Per-example gradients spent when the loss gap first fell to ``fraction`` of its start (None: never)."""
    gap = run.losses - problem.loss(problem.minimizer())
    return gradients_until(run, gap <= fraction * gap[0])


def equal_cost():
    """Loss gap against per-example gradients computed, for BGD, SGD and one mini-batch size and learning rate."""
    def make(fig):
        ax = fig.add_subplot()
        ax.set(xscale="log", yscale="log", xlim=(1, 1.4e5), ylim=(1e-5, 40),
               xlabel=f"per-example gradients computed (budget {BUDGET:,})", ylabel=r"$f(\theta) - f(\theta^\star)$")
        lines = {
            "sgd": ax.plot([], [], color=C["vermillion"], animated=True, label=f"SGD, η = {SGD_LR}")[0],
            "mb": ax.plot([], [], color=C["blue"], animated=True, label="B and η chosen")[0],
            "bgd": ax.plot([], [], "s-", color=C["green"], ms=5, animated=True, label=f"BGD, η = {BGD_LR}")[0],
        }
        ax.axvspan(BUDGET, 1.4e5, color="0.92", zorder=0)
        ax.text(BUDGET * 1.15, 2e-5, "beyond\nbudget", color="0.3", va="bottom")
        one_pass = ax.axvline(1, color="0.3", ls="--", lw=1.2, animated=True)
        pass_label = ax.text(1, 15, "one pass ", color="0.3", ha="right", va="center", animated=True)
        status = ax.set_title("\n")
        status.set_animated(True)
        # Below the axes, so that no curve is ever hidden behind it.
        fig.legend(handles=list(lines.values()), loc="outside lower center", ncol=3)

        def update(n, batch, lr):
            problem = regression(n)
            runs = {"sgd": run_at_cost(n, 1, SGD_LR), "mb": run_at_cost(n, batch, lr), "bgd": run_at_cost(n, n, BGD_LR)}
            fstar = problem.loss(problem.minimizer())
            for key, run in runs.items():
                lines[key].set_data(np.maximum(run.grads_evaluated, 1), run.losses - fstar)
            one_pass.set_xdata([n, n])
            pass_label.set_x(n)
            reached = {k: evaluations_to_reach(r, problem) for k, r in runs.items()}
            said = {k: "never" if v is None else f"{v:,}" for k, v in reached.items()}
            status.set_text(f"Gradients until the gap is 1% of its start:\n"
                            f"SGD {said['sgd']}, B = {batch} (η = {lr}) {said['mb']}, BGD {said['bgd']}")
            return (f"N = {n:,}: gradients until the gap is 1% of its start: SGD {said['sgd']}, "
                    f"B = {batch} with η = {lr} {said['mb']}, BGD {said['bgd']}")

        return update

    return explore(
        make,
        [Dropdown("n", [1000, 10_000, 100_000], default=10_000, label="examples N",
                  option_labels=["1,000", "10,000", "100,000"]),
         Dropdown("batch", [8, 32, 256], default=32, label="mini-batch B"),
         Dropdown("lr", MINIBATCH_LRS, default=SGD_LR, label="mini-batch η")],
        alt="Loss gap against the number of per-example gradients computed, log-log, for SGD, one mini-batch "
            "size and full-batch gradient descent, with a dashed line at one pass over the data.",
        height=4.0,
    )


# --------------------------------------------------------------------------- explorable 3: gradient noise
@lru_cache(maxsize=None)
def noise_at(batch: int, replace: bool):
    """Mini-batch gradients at :data:`THETA0` (300 draws), measured and predicted noise."""
    problem = regression()
    cloud = minibatch_gradients(problem, THETA0, batch, draws=300, seed=3, replace=replace)
    measured = gradient_noise(problem, THETA0, batch, draws=1000, seed=4, replace=replace)
    return cloud, measured, predicted_gradient_noise(problem, THETA0, batch, replace=replace)


BATCH_GRID = Slider("batch", 1, N, steps=13, scale="log", integer=True, default=32, label="batch size B")


def gradient_noise_figure():
    r"""Cloud of mini-batch gradients, and their standard error against B next to the :math:`\sigma/\sqrt{B}` law."""
    problem = regression()
    full = problem.grad(THETA0)
    sizes = np.array(BATCH_GRID.values)

    def make(fig):
        cloud_ax, law = fig.subplots(1, 2)
        cloud = cloud_ax.scatter([], [], s=6, color=C["blue"], alpha=0.5, animated=True)
        cloud_ax.plot(*full, "*", color=C["vermillion"], ms=14, animated=True, zorder=3)
        spread = minibatch_gradients(problem, THETA0, 1, draws=300, seed=3)
        lo, hi = np.percentile(spread, 2, axis=0), np.percentile(spread, 98, axis=0)
        cloud_ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), xlabel=r"$w$-component of $g_B$",
                     ylabel=r"$b$-component of $g_B$")
        cloud_ax.set_title("300 draws of $g_B$ (dots)\naround $\\nabla f$ (star)")
        sigma = np.sqrt(predicted_gradient_noise(problem, THETA0, 1, replace=True))
        grid = np.geomspace(1, N, 100)
        law.plot(grid, sigma / np.sqrt(grid), color=C["black"], lw=1, label=r"$\sigma/\sqrt{B}$ (with repl.)")
        law.plot(grid, sigma / np.sqrt(grid) * np.sqrt((N - grid) / (N - 1)), "--", color=C["green"], lw=1.2,
                 label="without replacement")
        measured = law.scatter([], [], s=18, color=C["blue"], zorder=3, animated=True, label="measured")
        here, = law.plot([], [], "o", ms=11, mfc="none", mec=C["vermillion"], mew=2, animated=True)
        floor = sigma / np.sqrt(20 * N)  # where a measured 0 (B = N without replacement) is drawn
        law.set(xscale="log", yscale="log", xlim=(0.8, N * 1.25), ylim=(floor / 1.5, sigma * 2.5),
                xlabel="batch size $B$", ylabel="standard error of $g_B$ (RMS)")
        law.legend(loc="lower left")
        status = law.set_title("\n")
        status.set_animated(True)

        def update(batch, replace):
            points, m, p = noise_at(batch, replace)
            cloud.set_offsets(points)
            values = [np.sqrt(noise_at(int(b), replace)[1]) for b in sizes]
            measured.set_offsets(np.column_stack([sizes, np.maximum(values, floor)]))
            here.set_data([batch], [max(np.sqrt(m), floor)])
            if p == 0:  # B = N without replacement: the whole data set, no error at all
                status.set_text(f"B = N: error 0\nfor {batch}× the cost of B = 1")
                return f"B = N = {batch} without replacement: the full gradient, error 0, {batch} times the cost of B = 1"
            error, shrink = np.sqrt(m), sigma / np.sqrt(m)
            status.set_text(f"B = {batch}: error = σ/{shrink:.3g}\nfor {batch}× the cost of B = 1")
            return (f"B = {batch}, {'with' if replace else 'without'} replacement: standard error {error:.3g} "
                    f"(predicted {np.sqrt(p):.3g}), sigma divided by {shrink:.3g}, for {batch} times the cost of B = 1")

        return update

    return explore(
        make,
        [BATCH_GRID, Toggle("replace", label="sample with replacement")],
        alt="Left: a cloud of mini-batch gradients around the full gradient. Right: the measured root-mean-square "
            "error of the mini-batch gradient against batch size on log-log axes next to the sigma over root B law.",
        height=3.6,
    )


EXPLORABLES = {"paths": paths, "equal_cost": equal_cost, "gradient_noise": gradient_noise_figure}


# --------------------------------------------------------------------------- claims: cost
@lru_cache(maxsize=None)
def first_pass(n: int = 100_000, tolerance: float = 0.05):
    """Per-example gradients SGD and BGD need to get within ``tolerance`` (relative) of the optimal loss."""
    problem = regression(n)
    fstar = problem.loss(problem.minimizer())
    runs = {"SGD": descend(problem, THETA0, SGD_LR, batch_size=1, steps=5_000, seed=6, record_every=50),
            "BGD": descend(problem, THETA0, BGD_LR, steps=40)}
    return {name: gradients_until(run, run.losses <= (1 + tolerance) * fstar) for name, run in runs.items()}


def cost_to_tolerance(ns=(1_000, 10_000, 100_000), tolerance: float = 0.05) -> dict[int, dict[str, int]]:
    """:func:`first_pass` for several data sizes: per-example gradients each method spends, per ``n``."""
    return {n: first_pass(n, tolerance) for n in ns}


# --------------------------------------------------------------------------- claims: direction of a step
def step_directions(batch: int = 1, draws: int = 100_000):
    """How SGD steps point at :data:`THETA0`: unbiasedness and angles.

    Returns the relative error of the mean of ``draws`` mini-batch gradients
    against the full gradient, the fraction of steps that go downhill
    (:math:`g_B^\top \nabla f > 0`), and the median angle in degrees between
    the step :math:`-g_B` and the direction to the minimizer.
    """
    problem = regression()
    g = minibatch_gradients(problem, THETA0, batch, draws=draws, seed=7)
    full = problem.grad(THETA0)
    to_star = problem.minimizer() - THETA0
    cos = (-g @ to_star) / (np.linalg.norm(g, axis=1) * np.linalg.norm(to_star))
    return {
        "mean_rel_error": float(np.linalg.norm(g.mean(0) - full) / np.linalg.norm(full)),
        "downhill_fraction": float(np.mean(g @ full > 0)),
        "median_angle_deg": float(np.degrees(np.median(np.arccos(np.clip(cos, -1, 1))))),
        "full_angle_deg": float(np.degrees(np.arccos(-full @ to_star / (np.linalg.norm(full) * np.linalg.norm(to_star))))),
    }


def noise_table(batch_sizes=(1, 10, 100, 500, 1000), replace: bool = False):
    r"""Gradient noise at :data:`THETA0`, measured (5,000 batches) and predicted, per batch size.

    Rows ``(B, measured, predicted, measured * B, rms, rms * sqrt(B))``, where
    ``measured`` estimates :math:`\mathbb{E}\lVert g_B - \nabla f\rVert^2` and
    ``rms`` is its square root, the standard error of :math:`g_B` (Goodfellow,
    Bengio & Courville 2016, §8.1.3): :math:`\sigma/\sqrt{B}` with replacement.
    """
    problem = regression()
    rows = []
    for b in batch_sizes:
        m = gradient_noise(problem, THETA0, b, draws=5000, seed=4, replace=replace)
        p = predicted_gradient_noise(problem, THETA0, b, replace=replace)
        rows.append((b, m, p, m * b, np.sqrt(m), np.sqrt(m * b)))
    return rows


def second_batch_slopes(batch: int = 100, epochs: int = 20_000, seed: int = 9) -> dict[str, float]:
    r"""How the second batch of an epoch depends on the first, at :data:`THETA0`: reshuffling vs replacement.

    With :math:`e_k = g_k - \nabla f` the error of the :math:`k`-th batch
    gradient, returns the least-squares slope
    :math:`\sum e_1^\top e_2 / \sum \lVert e_1\rVert^2` over ``epochs`` pairs,
    an estimate of :math:`c` in :math:`\mathbb{E}[g_2 \mid \mathcal{B}_1] - \nabla f = c\, e_1`:

    * ``"reshuffling"``: the first two batches of fresh epochs of
      :func:`lib.gradient_descent.minibatches`, the sampler :func:`descend`
      uses; the second batch is uniform over the :math:`N - B` examples the
      first did not use, so :math:`c = -B/(N-B)`;
    * ``"with replacement"``: two batches of :math:`B` independent uniform
      indices; :math:`c = 0` (unbiased given the past).

    Each slope comes with its standard error (keys ending in ``_se``). Also
    returns ``"predicted"`` :math:`= -B/(N-B)` and ``"relative_bias"``,
    the mean over epochs of :math:`\lVert c\, e_1\rVert / \lVert\nabla f\rVert`
    with the predicted :math:`c`: how far the second step's expected gradient
    is off, relative to the full gradient.
    """
    problem = regression()
    rows = problem.per_example_grads(THETA0)
    full = rows.mean(axis=0)
    rng = np.random.default_rng(seed)
    per_epoch = N // batch
    stream = minibatches(N, batch, rng)
    reshuffled = np.empty((epochs, 2, batch), dtype=int)
    for e in range(epochs):
        epoch = [next(stream) for _ in range(per_epoch)]
        reshuffled[e] = epoch[0], epoch[1]
    independent = rng.integers(0, N, size=(epochs, 2, batch))

    def slope(idx):
        """Least-squares slope of e_2 on e_1 through the origin, and its standard error."""
        err = rows[idx].mean(axis=2) - full  # (epochs, 2, dim)
        e1, e2 = err[:, 0], err[:, 1]
        c = np.sum(e1 * e2) / np.sum(e1**2)
        residual = np.sum((e2 - c * e1) ** 2) / (e1.size - 1)
        return float(c), float(np.sqrt(residual / np.sum(e1**2)))

    predicted = -batch / (N - batch)
    first_errors = np.linalg.norm(rows[reshuffled[:, 0]].mean(axis=1) - full, axis=1)
    (c_rr, se_rr), (c_wr, se_wr) = slope(reshuffled), slope(independent)
    return {"reshuffling": c_rr, "reshuffling_se": se_rr, "with replacement": c_wr, "with replacement_se": se_wr,
            "predicted": predicted,
            "relative_bias": float(np.mean(abs(predicted) * first_errors) / np.linalg.norm(full))}


# --------------------------------------------------------------------------- claims: local optima and saddles
#: Starts in the sharp and in the wide basin of both sharp-and-wide landscapes.
SHARP_START, WIDE_START = (1.5, 0.1), (0.0, 0.0)
#: The mirrored landscape: a deeper, slightly wider dimple, so the sharp minimum is the global one.
MIRRORED = dict(depth=1.2, width=0.28)
#: Learning rate and steps of the escape experiment (lr < 2 / 15.9, so BGD is stable in the sharp minimum).
ESCAPE_LR, ESCAPE_STEPS = 0.1, 300
SADDLE_START = np.array([1.0, 0.0])


@lru_cache(maxsize=None)
def landscape(mirrored: bool = False) -> TiltedLandscape:
    """The sharp-and-wide landscape, :math:`N = 1000` examples, tilt noise 2.

    By default the sharp minimum is the shallow, *local* one; ``mirrored=True``
    deepens the dimple (:data:`MIRRORED`) so that the sharp minimum is the
    *global* one and the wide minimum is local, with the same tilts (the same
    gradient noise) and about the same sharpness. Together the two separate
    "local vs global" from "sharp vs wide".
    """
    return TiltedLandscape(SharpWideLandscape(**(MIRRORED if mirrored else {})), n=1000, noise=2.0, seed=0)


def sharp_minimum(f: TiltedLandscape) -> np.ndarray:
    """The minimum of a sharp-and-wide landscape that lies in the dimple (the one nearest its centre)."""
    minima = f.minima()
    return minima[np.argmin(np.linalg.norm(minima - f.f0.centre, axis=1))]


@lru_cache(maxsize=None)
def saddle() -> TiltedLandscape:
    """The saddle landscape, :math:`N = 1000` examples, tilt noise 0.5."""
    return TiltedLandscape(SaddleLandscape(), n=1000, noise=0.5, seed=0)


def in_wide_basin(theta, mirrored: bool = False) -> bool:
    """True if ``theta`` is farther from the sharp minimum than the saddle between the basins is."""
    f = landscape(mirrored)
    sharp, ridge = sharp_minimum(f), f.saddles()[0]
    return bool(np.linalg.norm(np.asarray(theta) - sharp) > np.linalg.norm(ridge - sharp))


@lru_cache(maxsize=None)
def landscape_run(batch: int, seed: int, start: tuple = SHARP_START, lr: float = ESCAPE_LR, record_every: int = 1,
                  mirrored: bool = False):
    """One run of :data:`ESCAPE_STEPS` steps on :func:`landscape` (for BGD the seed plays no role)."""
    f = landscape(mirrored)
    return descend(f, np.array(start), lr, batch_size=batch, steps=ESCAPE_STEPS,
                   seed=seed if batch < f.n else 0, record_every=record_every)


def wide_fractions(start: tuple = SHARP_START, batch_sizes=(1, 4, 16, 1000), seeds=range(30),
                   mirrored: bool = False) -> dict[int, float]:
    """Fraction of runs (one per seed) that end in the wide basin, per batch size (1000 = BGD)."""
    def ends_wide(b, s):
        seed = s if b < landscape().n else 0
        run = landscape_run(b, seed, start, record_every=ESCAPE_STEPS, mirrored=mirrored)
        return in_wide_basin(run.final_theta, mirrored)

    return {b: float(np.mean([ends_wide(b, s) for s in seeds])) for b in batch_sizes}


def bgd_on_landscape() -> dict[str, str]:
    """Where BGD ends when started in the sharp basin, at a small and at a large learning rate."""
    f = landscape()
    wide, sharp = f.minima()
    sharp_bound = 2 / np.linalg.eigvalsh(f.hessian(sharp)).max()

    def where(theta):
        x, y, value = (round(float(v), 3) + 0.0 for v in (*theta, f.loss(theta)))  # + 0.0: no "-0.000"
        return f"({x:+.3f}, {y:+.3f}), f = {value:.3f}"

    rows = {"wide (global) minimum": where(wide), "sharp (local) minimum": where(sharp),
            "2 / lambda_max at the sharp minimum": f"{sharp_bound:.3f}"}
    for lr in (ESCAPE_LR, 0.5):
        end = landscape_run(f.n, 0, SHARP_START, lr).final_theta
        rows[f"BGD from {SHARP_START}, eta = {lr}, {ESCAPE_STEPS} steps, ends at"] = where(end)
    return rows


def landscape_minima(mirrored: bool = False) -> list[dict]:
    r"""Each minimum of :func:`landscape`: where, its loss, its sharpness and the barrier to the saddle.

    Rows (sharp minimum first) with ``name``, ``x``, ``f``, ``lambda_max``
    (largest Hessian eigenvalue), ``bound`` (:math:`2/\lambda_{\max}`, BGD's
    stability bound there) and ``barrier`` (saddle value minus minimum value).
    """
    f = landscape(mirrored)
    sharp, ridge = sharp_minimum(f), f.saddles()[0]
    lowest = f.minima()[0]
    rows = []
    for point in sorted(f.minima(), key=lambda p: -p[0]):
        lam = float(np.linalg.eigvalsh(f.hessian(point)).max())
        kind = "sharp" if np.allclose(point, sharp) else "wide"
        rows.append({"name": f"{kind} ({'global' if np.allclose(point, lowest) else 'local'})", "x": float(point[0]),
                     "f": float(f.loss(point)) + 0.0, "lambda_max": lam, "bound": 2 / lam,
                     "barrier": float(f.loss(ridge) - f.loss(point))})
    return rows


def saddle_runs(lr: float = 0.1, steps: int = 200) -> dict[str, np.ndarray]:
    """Final points of BGD and of SGD (B = 1, 8) started on the saddle's ridge line."""
    f = saddle()
    return {name: descend(f, SADDLE_START, lr, batch_size=b, steps=steps, seed=0).final_theta
            for name, b in (("BGD", None), ("SGD, B = 1", 1), ("mini-batch, B = 8", 8))}


def escape_figure():
    """Four panels: paths on both sharp-and-wide landscapes, share of runs leaving the sharp basin, the saddle."""
    fig = style.figure(height=6.4)
    (local_ax, global_ax), (bars, saddle_ax) = fig.subplots(2, 2)
    X, Y = np.meshgrid(np.linspace(-1.2, 2.2, 160), np.linspace(-1.2, 1.2, 100))
    for ax, mirrored, title in ((local_ax, False, "Sharp minimum is local"),
                                (global_ax, True, "Sharp minimum is global")):
        f = landscape(mirrored)
        ax.contour(X, Y, f.f0.value(np.stack([X, Y], -1)), levels=14, cmap=style.CMAP, linewidths=0.7)
        for seed in range(3):
            ax.plot(*landscape_run(1, seed, mirrored=mirrored).thetas.T, color=C["vermillion"], lw=0.6, alpha=0.8,
                    label="SGD, B = 1" if seed == 0 else None)
        ax.plot(*landscape_run(f.n, 0, mirrored=mirrored).thetas.T, "-o", color=C["blue"], lw=2.5, ms=3, label="BGD")
        ax.plot(*SHARP_START, "s", color=C["black"], ms=5, label="start")
        ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$", title=title)
    handles, labels = local_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=3)
    sizes = (1, 4, 16, 1000)
    x = np.arange(len(sizes))
    for offset, mirrored, color, label in ((-0.2, False, C["blue"], "sharp = local"),
                                           (0.2, True, C["orange"], "sharp = global")):
        heights = [100 * v for v in wide_fractions(SHARP_START, sizes, mirrored=mirrored).values()]
        bars.bar(x + offset, heights, width=0.4, color=color, label=label)
    bars.set_xticks(x, [str(b) if b < 1000 else "N" for b in sizes])
    bars.set(xlabel="batch size $B$", ylabel="runs ending wide (%)", ylim=(0, 150),
             title="From the sharp basin, 30 runs", yticks=[0, 25, 50, 75, 100])
    bars.legend(loc="upper right")
    s = saddle()
    X, Y = np.meshgrid(np.linspace(-1.6, 1.6, 120), np.linspace(-1.6, 1.6, 120))
    saddle_ax.contour(X, Y, s.f0.value(np.stack([X, Y], -1)), levels=14, cmap=style.CMAP, linewidths=0.7)
    for name, b, color in (("BGD", None, C["blue"]), ("SGD, B = 1", 1, C["vermillion"])):
        run = descend(s, SADDLE_START, 0.1, batch_size=b, steps=200, seed=0)
        saddle_ax.plot(*run.thetas.T, color=color, lw=1.5)
    saddle_ax.plot(0, 0, "x", color=C["black"], ms=8, mew=2)
    saddle_ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$", title="A saddle point (×)")
    return style.Still(fig, alt="Top: contours of two landscapes with a wide and a sharp minimum, the sharp one "
                                "local on the left and global on the right; in both, the BGD path stops in the sharp "
                                "minimum and SGD paths leave it for the wide one. Bottom left: percentage of runs "
                                "started in the sharp basin that end in the wide one, per batch size, for both "
                                "landscapes. Bottom right: a saddle, where BGD stops and SGD moves on to a minimum.")


# --------------------------------------------------------------------------- claims: noise floor, batch and η
def noise_floors(lrs=(0.01, 0.03, 0.1, 0.3), steps: int = 3000) -> dict[float, float]:
    """Mean loss gap of SGD (B = 1) over the second half of a long run, per learning rate."""
    problem = regression()
    fstar = problem.loss(problem.minimizer())
    out = {}
    for lr in lrs:
        run = descend(problem, THETA0, lr, batch_size=1, steps=steps, seed=8, record_every=10)
        out[lr] = float(np.mean(run.losses[len(run.losses) // 2:] - fstar))
    return out


def equal_cost_table(n: int = 10_000, settings=((1, SGD_LR), (32, 0.05), (32, 0.2), (32, 0.4), (256, 0.05),
                                                 (256, 0.4), (None, BGD_LR))):
    """Per (B, η): per-example gradients to reach a 1% loss gap, and the gap at the end of the budget.

    The gap at the end is :func:`noise_floor` (median of the last records) for
    the stochastic runs, and the last gap for BGD, which does not level off.
    """
    problem = regression(n)
    rows = []
    for batch, lr in settings:
        run = run_at_cost(n, batch or n, lr)
        end = noise_floor(run, problem) if batch else float(run.losses[-1] - problem.loss(problem.minimizer()))
        rows.append((batch or n, lr, evaluations_to_reach(run, problem), end))
    return rows
