r"""Figures and experiments of the chapter on softmax and cross-entropy.

* a three-class example with logits :math:`z = (z_0, z_1, 0)` (softmax is
  shift-invariant, so fixing :math:`z_2 = 0` loses nothing) and true class 1,
  the notes' middle class;
* a softmax-regression classifier trained by full-batch gradient descent
  (:func:`lib.gradient_descent.descend`) on three seeded Gaussian blobs;
* the experiments behind the notes' claims (alternatives to exp, the range of
  the loss, the gradient example, overflow of the naive formula).

Every function here only calls :mod:`lib.softmax` / :mod:`lib.gradient_descent` and plots or prints.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.colors import ListedColormap

from lib import style
from lib.datasets import gaussian_blobs
from lib.explorable import Dropdown, Slider, explore
from lib.gradcheck import numerical_gradient
from lib.gradient_descent import descend
from lib.sigmoid import sigmoid
from lib.glm import SoftmaxRegression
from lib.softmax import (softmax_cross_entropy, log_softmax, logsumexp, softmax_cross_entropy_grad, naive_cross_entropy, naive_softmax,
                         normalized_scores, softmax, softmax_with_temperature)

C = style.PALETTE
#: Class colours (class 0, 1, 2) used by every figure of the chapter.
CLASS_COLOURS = [C["blue"], C["orange"], C["green"]]
#: The true class of the logits explorable (the notes' "middle" class).
TRUE_CLASS = 1
#: The notes' probabilities; their logs are logits that reproduce them exactly.
NOTES_P = np.array([0.2, 0.3, 0.5])
#: Centres of the three blobs and the training settings of the classifier explorable.
CENTERS = ((-2.0, -1.0), (2.0, -1.0), (0.0, 2.0))
N_PER_CLASS = 50
MAX_STEPS = 300
LEARNING_RATE = 1.0
GRID = np.linspace(-6.0, 6.0, 121)


# --------------------------------------------------------------------------- explorable 1: logits
@lru_cache(maxsize=None)
def logit_state(z0: float, z1: float, temperature: float):
    """Probabilities, loss and gradient (w.r.t. the scaled logits z/T) for z = (z0, z1, 0) and class 1."""
    z = np.array([z0, z1, 0.0])
    p = softmax_with_temperature(z, temperature)
    scaled = z / temperature
    return p, softmax_cross_entropy(scaled, TRUE_CLASS), softmax_cross_entropy_grad(scaled, TRUE_CLASS)


def logits_explorable():
    """Bars of p = softmax(z/T), the loss of the true class and the gradient p - e_y."""
    classes = np.arange(3)
    labels = ["class 0", "class 1\n(true)", "class 2\n($z_2 = 0$)"]

    def make(fig):
        prob_ax, grad_ax = fig.subplots(1, 2)
        prob_bars = prob_ax.bar(classes, np.zeros(3), color=CLASS_COLOURS, animated=True)
        prob_ax.set(xticks=classes, xticklabels=labels, ylim=(0, 1.05),
                    ylabel=r"$p_k = \mathrm{softmax}(z/T)_k$", xlabel=r"class $k$")
        prob_title = prob_ax.set_title(" ")
        prob_title.set_animated(True)
        grad_bars = grad_ax.bar(classes, np.zeros(3), color=CLASS_COLOURS, animated=True)
        grad_ax.axhline(0, color=C["black"], lw=0.8)
        grad_ax.set(xticks=classes, xticklabels=labels, ylim=(-1.05, 1.05),
                    ylabel=r"$\partial L / \partial (z_k/T) = p_k - \mathbb{1}(y = k)$")
        grad_ax.set_xlabel("class $k$")
        grad_title = grad_ax.set_title(" ")
        grad_title.set_animated(True)

        def update(z0, z1, temperature):
            p, loss, g = logit_state(z0, z1, temperature)
            for k in classes:
                prob_bars[k].set_height(p[k])
                grad_bars[k].set_height(g[k])
            shown = ", ".join(f"{round(v, 3) + 0.0:+.3f}" for v in g)  # no "-0.000"
            prob_title.set_text(f"p = ({', '.join(f'{v:.3f}' for v in p)})\nloss L = {loss:.3f}")
            grad_title.set_text(f"gradient p − e₁ =\n({shown})")

        return update

    return explore(
        make,
        [Slider("z0", -6.0, 6.0, steps=5, default=0.0, label="logit z₀"),
         Slider("z1", -6.0, 6.0, steps=5, default=3.0, label="logit z₁ (true class)"),
         Dropdown("temperature", [0.25, 1.0, 4.0], default=1.0, label="temperature T")],
        alt="Left: three bars with the softmax probabilities of classes 0, 1 and 2 for the chosen logits and "
            "temperature; the title gives their values and the cross-entropy loss of the true class 1. Right: three bars "
            "with the gradient p minus the one-hot vector of the true class, values in the title; the true class's bar "
            "is negative, the others positive.",
        height=3.3,
    )


# --------------------------------------------------------------------------- explorable 2: classifier
@lru_cache(maxsize=None)
def blobs(spread: float):
    """The chapter's three-class data set and its softmax-regression objective."""
    X, y = gaussian_blobs(N_PER_CLASS, CENTERS, std=spread, seed=0)
    return SoftmaxRegression(X, y, 3)


@lru_cache(maxsize=None)
def training_run(spread: float, lr: float = LEARNING_RATE):
    """Full-batch gradient descent from theta = 0 for MAX_STEPS steps."""
    problem = blobs(spread)
    return descend(problem, np.zeros(problem.dim), lr, steps=MAX_STEPS)


@lru_cache(maxsize=None)
def regions(spread: float, steps: int, lr: float = LEARNING_RATE):
    """Predicted class on the plotting grid after ``steps`` steps, plus accuracy and weight norm."""
    problem, run = blobs(spread), training_run(spread, lr)
    theta = run.thetas[steps]
    XX, YY = np.meshgrid(GRID, GRID)
    grid_classes = problem.predict(theta, np.column_stack([XX.ravel(), YY.ravel()])).reshape(XX.shape)
    accuracy = float(np.mean(problem.predict(theta) == problem.y))
    return grid_classes, accuracy, float(np.linalg.norm(problem.unpack(theta)[0]))


def _light(colour, amount=0.65):
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(rgb + (1 - rgb) * amount)


def classifier_explorable():
    """Decision regions of softmax regression after t steps of GD, and the training loss curve."""
    step_slider = Slider("steps", 1, MAX_STEPS, steps=11, scale="log", integer=True, default=10,
                         label="gradient steps t")

    def make(fig):
        region_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1, 1.1])
        image = region_ax.imshow(np.zeros((GRID.size, GRID.size)), origin="lower", extent=(-6, 6, -6, 6),
                                 cmap=ListedColormap([_light(c) for c in CLASS_COLOURS]), vmin=-0.5, vmax=2.5,
                                 interpolation="nearest", animated=True)
        dots = [region_ax.scatter([], [], s=10, color=CLASS_COLOURS[k], edgecolors=C["black"], linewidths=0.3,
                                  marker="os^"[k], animated=True, label=f"class {k}") for k in range(3)]
        region_ax.set(xlim=(-6, 6), ylim=(-6, 6), xlabel="feature $x_1$  (colour: predicted class)", ylabel="feature $x_2$")
        region_ax.legend(loc="lower left", framealpha=0.8, frameon=True)
        region_title = region_ax.set_title(" ")
        region_title.set_animated(True)
        curve, = loss_ax.loglog([], [], color=C["black"], animated=True, label="training loss $f(\\theta_t)$")
        here, = loss_ax.loglog([], [], "o", color=C["vermillion"], ms=7, animated=True, label="step $t$")
        loss_ax.axhline(np.log(3), color=C["black"], ls="--", lw=1, label="log 3 (θ = 0, uniform)")
        loss_ax.set(xlim=(1, MAX_STEPS), ylim=(1e-3, 2), xlabel="gradient step $t$ (log scale)",
                    ylabel="cross-entropy (nats)", title=f"Training loss\n(full-batch GD, η = {LEARNING_RATE:g})")
        loss_ax.legend(loc="lower left")

        def update(steps, spread):
            problem, run = blobs(spread), training_run(spread)
            grid_classes, accuracy, norm = regions(spread, steps)
            image.set_data(grid_classes)
            for k in range(3):
                dots[k].set_offsets(problem.X[problem.y == k])
            region_title.set_text(f"t = {steps}: accuracy {accuracy:.0%}\nf = {run.losses[steps]:.3f}, ‖W‖ = {norm:.2f}")
            curve.set_data(run.steps[1: steps + 1], run.losses[1: steps + 1])
            here.set_data([steps], [run.losses[steps]])

        return update

    return explore(
        make,
        [step_slider,
         Dropdown("spread", [0.5, 1.0, 1.5], default=1.0, label="blob spread s",
                  option_labels=["0.5 (separable)", "1.0", "1.5 (overlapping)"])],
        alt="Left: the plane coloured by the class a softmax classifier predicts after t gradient steps, with the "
            "three blobs of training points. Right: the training cross-entropy against the step on a log scale, "
            "both axes logarithmic, with a dot at step t and a dashed line at log 3.",
        height=3.4,
    )


EXPLORABLES = {"logits": logits_explorable, "classifier": classifier_explorable}


# --------------------------------------------------------------------------- claim: the gradient example
def notes_gradient_example():
    """Logits log p for the notes' p = [0.2, 0.3, 0.5], class 1 true: softmax, analytic and numerical gradient."""
    z = np.log(NOTES_P)
    analytic = softmax_cross_entropy_grad(z, TRUE_CLASS)
    numeric = numerical_gradient(lambda t: softmax_cross_entropy(t, TRUE_CLASS), z)
    return {"logits": z, "softmax": softmax(z), "analytic": analytic, "numeric": numeric,
            "max_difference": float(np.max(np.abs(analytic - numeric)))}


# --------------------------------------------------------------------------- claim: why exp
def shift_invariance(transforms=("exp", "square", "relu"), shift: float = 5.0, seed: int = 0):
    """Largest change of the probabilities when every score of 1000 random score vectors is shifted by ``shift``."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(1000, 3)) + 2.0  # mostly positive, so relu is defined before and after
    out = {}
    for t in transforms:
        with np.errstate(all="ignore"):
            diff = np.abs(normalized_scores(Z + shift, t) - normalized_scores(Z, t))
        out[t] = float(np.nanmax(diff))
    return out


def monotonicity_example(z=(-3.0, 1.0, 0.0)):
    """Probabilities each normaliser gives to the scores ``z`` (the largest score is z[1])."""
    return {t: normalized_scores(np.array(z), t) for t in ("exp", "square", "relu")}


def _score_losses(Z, transform: str, label: int = 0) -> np.ndarray:
    """Row-wise :math:`-\\log(g(z_y)/\\sum_j g(z_j))` (inf where the probability is 0, nan for 0/0)."""
    with np.errstate(all="ignore"):
        return -np.log(normalized_scores(Z, transform)[:, label])


def midpoint_convexity_gap(transform: str, trials: int = 2000, seed: int = 0) -> float:
    r"""Largest :math:`L(\tfrac{a+b}{2}) - \tfrac12(L(a)+L(b))` over random pairs of score vectors (label 0).

    Positive means the loss is not convex in the scores. Pairs whose loss is not finite are skipped.
    """
    A, B = np.random.default_rng(seed).normal(scale=2.0, size=(2, trials, 3))
    La, Lb, Lmid = (_score_losses(Z, transform) for Z in (A, B, (A + B) / 2))
    ok = np.isfinite(La) & np.isfinite(Lb) & np.isfinite(Lmid)
    return float(np.max(Lmid[ok] - 0.5 * (La[ok] + Lb[ok])))


def hessian_min_eigenvalue(trials: int = 30, seed: int = 0) -> float:
    r"""Smallest eigenvalue of :math:`\nabla^2_z L` over random logits, the Hessian from finite differences of the gradient."""
    rng = np.random.default_rng(seed)
    smallest = np.inf
    for z in rng.normal(scale=3.0, size=(trials, 4)):
        H = np.stack([numerical_gradient(lambda t: softmax_cross_entropy_grad(t, 0)[k], z) for k in range(4)])
        smallest = min(smallest, float(np.linalg.eigvalsh((H + H.T) / 2).min()))
    return smallest


def alternatives_figure():
    """p_1 and the loss of class 1 as z_1 varies (z_0 = 1, z_2 = -0.5), for exp, square and relu."""
    z1 = np.linspace(-4, 4, 401)
    Z = np.column_stack([np.full_like(z1, 1.0), z1, np.full_like(z1, -0.5)])
    fig = style.figure(height=3.1)
    p_ax, loss_ax = fig.subplots(1, 2)
    names = {"exp": r"exp: $e^{z}$ (softmax)", "square": r"square: $z^2$", "relu": r"ReLU: $\max(z, 0)$"}
    colours = {"exp": C["blue"], "square": C["vermillion"], "relu": C["green"]}
    for t in ("exp", "square", "relu"):
        p = normalized_scores(Z, t)[:, 1]
        loss = _score_losses(Z, t, label=1)
        p_ax.plot(z1, p, color=colours[t], label=names[t])
        loss_ax.plot(z1, np.where(np.isfinite(loss), loss, np.nan), color=colours[t])
    p_ax.set(xlabel="score of class 1, $z_1$", ylabel="$p_1$", ylim=(-0.02, 1.02),
             title=r"$p_1$ as $z_1$ grows")
    fig.legend(loc="outside upper center", ncols=3)
    loss_ax.set(xlabel="score of the true class 1, $z_1$", ylabel=r"loss $-\log p_1$ (nats)", ylim=(0, 8),
                title="Loss of class 1")
    return style.Still(fig, alt="Two panels against the score of class 1. Left: its probability under exp, square and "
                                "ReLU normalisation; only exp rises monotonically, square dips to zero at a score of "
                                "zero and rises again for negative scores, ReLU is zero for negative scores. Right: the "
                                "loss; exp gives a smooth decreasing convex curve, square has a spike to infinity at "
                                "zero and falls towards 0 again as the score becomes very negative, ReLU is infinite "
                                "for negative scores.")


# --------------------------------------------------------------------------- claim: range of the loss
def margin_losses(margins=(-20, -5, 0, 5, 10, 20, 30, 40)):
    """Loss for logits (m, 0, 0) with true class 0: a margin m ahead (m > 0) or behind (m < 0)."""
    return {m: softmax_cross_entropy([float(m), 0.0, 0.0], 0) for m in margins}


def first_zero_margin(lo: float = 0.0, hi: float = 100.0, iterations: int = 60) -> float:
    """Smallest margin m at which the float64 loss of logits (m, 0, 0), class 0, rounds to exactly 0 (bisection)."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if softmax_cross_entropy([mid, 0.0, 0.0], 0) == 0.0 else (mid, hi)
    return hi


def range_figure():
    """Loss of the true class against its margin over the best rival: exact form and the computed loss."""
    m = np.linspace(-12, 40, 521)
    computed = -log_softmax(np.column_stack([m, np.zeros_like(m), np.zeros_like(m)]))[:, 0] + 0.0
    fig = style.figure(height=3.1)
    lin, log = fig.subplots(1, 2)
    lin.plot(m, computed, color=C["blue"], label=r"loss $L$")
    lin.plot(m, np.maximum(-m, 0), color=C["black"], ls="--", lw=1, label=r"asymptote $-m$")
    lin.set(xlim=(-12, 12), ylim=(0, 13), xlabel="margin $m = z_y - z_{\\mathrm{other}}$",
            ylabel="loss (nats)", title="Confidently wrong: unbounded")
    lin.legend(loc="upper right")
    positive = computed > 0
    subtracted = np.array([subtraction_loss([v, 0.0, 0.0], 0) for v in m])
    log.semilogy(m[positive], computed[positive], color=C["blue"], label=r"lib: $\mathrm{log1p}(2e^{-m})$")
    shown = subtracted > 0
    log.semilogy(m[shown], subtracted[shown], color=C["orange"], ls="--", label=r"$\mathrm{LSE}(z) - z_y$")
    zero_at = first_zero(subtraction_loss)
    log.axvline(zero_at, color=C["vermillion"], ls=":", lw=1.2)
    log.set(xlim=(0, 40), ylim=(1e-18, 2), xlabel="margin $m$", ylabel="loss (nats, log scale)",
            title="Confidently right: L > 0")
    log.legend(loc="lower left")
    return style.Still(fig, alt="Left: the cross-entropy against the margin of the true class, falling from about 12.7 "
                                "at margin -12 towards 0, following the line -m on the wrong side. Right: the same loss "
                                "on a log scale for positive margins: the library's log1p form is a straight line falling like "
                                "2 e^-m; the same loss computed as LSE(z) minus z_y wobbles and drops to exactly 0 at a "
                                f"margin of {zero_at:.0f} (dotted line).")


# --------------------------------------------------------------------------- claim: overflow
def overflow_table(shifts=(0.0, 700.0, 710.0, 1000.0, -740.0, -750.0, -1000.0)):
    r"""Naive and stable loss for logits c + (1, 0, -1), true class 1, for each shift c.

    Softmax is shift-invariant, so the exact loss is :math:`\log(e + 1 + e^{-1}) \approx 1.408` for every c.
    """
    return [(c, naive_cross_entropy(c + np.array([1.0, 0.0, -1.0]), 1),
             softmax_cross_entropy(c + np.array([1.0, 0.0, -1.0]), 1)) for c in shifts]


def naive_limit() -> float:
    """Largest logit at which naive softmax of (x, 0) is still finite: log of the largest float64."""
    return float(np.log(np.finfo(float).max))


def naive_softmax_of(z):
    """Naive and stable softmax of ``z`` side by side."""
    return naive_softmax(np.asarray(z, dtype=float)), softmax(np.asarray(z, dtype=float))


# --------------------------------------------------------------------------- links
def two_class_vs_sigmoid(seed: int = 0) -> float:
    r"""Largest :math:`|\operatorname{softmax}(z_0, z_1)_1 - \sigma(z_1 - z_0)|` over 1000 random pairs."""
    Z = np.random.default_rng(seed).normal(scale=5.0, size=(1000, 2))
    return float(np.max(np.abs(softmax(Z)[:, 1] - sigmoid(Z[:, 1] - Z[:, 0]))))


def temperature_table(z=(2.0, 1.0, 0.0), temperatures=(0.05, 0.5, 1.0, 5.0, 100.0)):
    """softmax(z / T) for a few temperatures."""
    return {T: softmax_with_temperature(np.array(z), T) for T in temperatures}


# --------------------------------------------------------------------------- claim: no minimizer on separable data
#: Length of the long runs, and the spreads compared (0.5: separable; 1.0: overlapping, not separable).
LONG_STEPS = 3000
LONG_SPREADS = (0.5, 1.0)


@lru_cache(maxsize=None)
def long_run(spread: float, steps: int = LONG_STEPS):
    r"""Steps, :math:`\lVert W_t\rVert_F`, losses and final gradient norm of GD (η = 1, θ₀ = 0) for ``steps`` steps.

    Continues :func:`training_run` (every step to :data:`MAX_STEPS`) with
    records every 10 steps; full-batch GD has no state besides θ, so the
    continuation is the same run.
    """
    problem, first = blobs(spread), training_run(spread)
    rest = descend(problem, first.thetas[-1], LEARNING_RATE, steps=steps - MAX_STEPS, record_every=10)
    t = np.concatenate([first.steps, MAX_STEPS + rest.steps[1:]])
    thetas = np.concatenate([first.thetas, rest.thetas[1:]])
    norms = np.array([np.linalg.norm(problem.unpack(theta)[0]) for theta in thetas])
    losses = np.concatenate([first.losses, rest.losses[1:]])
    return {"t": t, "norm": norms, "loss": losses, "grad_norm": float(np.linalg.norm(problem.grad(thetas[-1]))),
            "accuracy": float(np.mean(problem.predict(thetas[-1]) == problem.y))}


def norm_growth_table(at=(10, 100, 300, 1000, 3000)) -> dict:
    r""":math:`\lVert W_t\rVert` at the steps ``at`` for each of :data:`LONG_SPREADS`, plus final loss, gradient norm, accuracy."""
    out = {}
    for spread in LONG_SPREADS:
        run = long_run(spread)
        idx = np.searchsorted(run["t"], at)
        out[spread] = {"norm": dict(zip(at, run["norm"][idx].tolist())), "loss": float(run["loss"][-1]),
                       "grad_norm": run["grad_norm"], "accuracy": run["accuracy"]}
    return out


def norm_growth_figure():
    r""":math:`\lVert W_t\rVert` against :math:`\log t` and the training loss, separable against overlapping blobs."""
    fig = style.figure(height=3.2)
    norm_ax, loss_ax = fig.subplots(1, 2)
    colours = {0.5: C["blue"], 1.0: C["vermillion"]}
    names = {0.5: "spread 0.5 (separable)", 1.0: "spread 1.0 (overlapping)"}
    for spread in LONG_SPREADS:
        run = long_run(spread)
        norm_ax.semilogx(run["t"][1:], run["norm"][1:], color=colours[spread], ls="-" if spread == 0.5 else "--",
                         label=names[spread])
        loss_ax.loglog(run["t"][1:], run["loss"][1:], color=colours[spread], ls="-" if spread == 0.5 else "--")
    norm_ax.axvline(MAX_STEPS, color=C["black"], lw=0.8, ls=":")
    norm_ax.set(xlabel="gradient step $t$ (log scale)", ylabel=r"weight norm $\Vert W_t \Vert_F$",
                title="Weight norm against log t")
    fig.legend(loc="outside upper center", ncols=2)
    loss_ax.set(xlabel="gradient step $t$ (log scale)", ylabel="training loss (nats, log scale)",
                title="Training loss")
    return style.Still(fig, alt="Left: the Frobenius norm of the weights of softmax regression against the gradient "
                                "step on a logarithmic axis, for separable blobs (a line that keeps rising at a "
                                "steady rate per decade) and overlapping blobs (rising as fast up to step 300, "
                                "marked by a dotted line, then levelling off). Right: the training loss on log-log "
                                "axes, falling without end for the separable blobs and levelling off at about 0.13 "
                                "for the overlapping ones.")


# --------------------------------------------------------------------------- claims: the loss is a negative log-likelihood
def likelihood_illustration(n: int = 12, seed: int = 0) -> dict:
    r"""The mean loss of ``n`` random examples against :math:`-\frac1n\log\prod_i p_{i, y_i}` (an identity: an illustration)."""
    rng = np.random.default_rng(seed)
    Z, y = rng.normal(scale=2.0, size=(n, 3)), rng.integers(0, 3, n)
    likelihood = float(np.prod(softmax(Z)[np.arange(n), y]))
    return {"n": n, "likelihood": likelihood, "mean_loss": softmax_cross_entropy(Z, y),
            "minus_log_likelihood_over_n": -np.log(likelihood) / n}


def intercept_fit(counts=(10, 30, 60), steps: int = 400) -> dict:
    r"""Minimise the softmax loss of an intercept-only model (no features) by GD; compare softmax(b) with the class frequencies.

    The maximum-likelihood estimate of a categorical distribution is the
    vector of observed frequencies, so if the loss is the negative
    log-likelihood, its minimiser must give :math:`\operatorname{softmax}(b) = n_k/n`.
    """
    y = np.repeat(np.arange(len(counts)), counts)
    problem = SoftmaxRegression(np.zeros((y.size, 1)), y, len(counts))
    run = descend(problem, np.zeros(problem.dim), LEARNING_RATE, steps=steps, record_every=steps)
    b = problem.unpack(run.final_theta)[1]
    return {"frequencies": np.array(counts) / y.size, "softmax_b": softmax(b),
            "loss": float(run.final_loss), "entropy": float(-np.sum(np.array(counts) / y.size * np.log(np.array(counts) / y.size)))}


# --------------------------------------------------------------------------- claim: how the loss is computed
def subtraction_loss(z, label: int) -> float:
    r"""The loss computed as :math:`\operatorname{LSE}(z) - z_y` (two large numbers subtracted), for comparison.

    :func:`lib.softmax.softmax_cross_entropy` computes
    :math:`(m - z_y) + \operatorname{log1p}(\sum_{j\ne j^\ast} e^{z_j-m})` instead; when the
    true class leads, :math:`m - z_y = 0` and nothing cancels (Blanchard,
    Higham & Higham 2021).
    """
    z = np.asarray(z, dtype=float)
    return float(logsumexp(z) - z[label])


def first_zero(loss, lo: float = 0.0, hi: float = 1000.0, iterations: int = 60) -> float:
    """Smallest margin m at which ``loss(logits (m, 0, 0), class 0)`` is exactly 0 in float64 (bisection)."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if loss(np.array([mid, 0.0, 0.0]), 0) == 0.0 else (mid, hi)
    return hi


def zero_margins() -> dict:
    """Where each way of computing the loss of logits (m, 0, 0), class 0, first returns exactly 0."""
    return {"lib (log1p)": first_zero(softmax_cross_entropy), "LSE(z) - z_y": first_zero(subtraction_loss)}


def relative_errors(margins=(20, 30, 33)) -> dict:
    r"""Relative error of both routes against :math:`\operatorname{log1p}(2e^{-m})`, the exact loss of (m, 0, 0)."""
    out = {}
    for m in margins:
        exact = float(np.log1p(2 * np.exp(-m)))
        z = np.array([float(m), 0.0, 0.0])
        out[m] = (abs(softmax_cross_entropy(z, 0) - exact) / exact, abs(subtraction_loss(z, 0) - exact) / exact)
    return out


def shift_relative_errors(shifts=(0.0, 700.0)) -> dict:
    r"""Relative error of the lib loss and of :func:`subtraction_loss` for logits c + (1, 0, -1), class 1.

    The reference is :math:`1 + \operatorname{log1p}(e^{-1} + e^{-2}) = \log(e + 1 + e^{-1})`, accurate to an ulp.
    """
    exact = 1.0 + float(np.log1p(np.exp(-1.0) + np.exp(-2.0)))
    out = {}
    for c in shifts:
        z = c + np.array([1.0, 0.0, -1.0])
        out[c] = (abs(softmax_cross_entropy(z, 1) - exact) / exact, abs(subtraction_loss(z, 1) - exact) / exact)
    return out
