r"""Figures and experiments of the chapter on the logistic function and the sigmoid.

The chapter's data set is one feature drawn from the logistic model itself,
:math:`x \sim \mathcal{N}(0, 2^2)`, :math:`y \mid x \sim \operatorname{Bernoulli}(\sigma(1.5x - 0.5))`,
:math:`N = 200` (:func:`lib.datasets.logistic_1d`), fitted by maximum
likelihood with :func:`lib.gradient_descent.descend`. Every function here
only calls :mod:`lib.sigmoid` (and :mod:`lib.softmax`, :mod:`lib.gradcheck`)
and plots or returns numbers for the notebook to print.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib import style
from lib.datasets import logistic_1d
from lib.explorable import Slider, explore
from lib.gradcheck import numerical_gradient
from lib.glm import LogisticRegression
from lib.gradient_descent import descend
from lib.sigmoid import (
    binary_cross_entropy_from_logits,
    log_sigmoid,
    logit,
    naive_overflows,
    naive_sigmoid,
    sigmoid,
    sigmoid_grad,
    sigmoid_second_derivative,
    step,
)
from lib.softmax import softmax

C = style.PALETTE
#: True parameters of the data-generating model.
TRUE_W, TRUE_B = 1.5, -0.5
#: Number of examples.
N = 200
#: Learning rate and steps of the maximum-likelihood fit (the Hessian's largest eigenvalue is 0.92 at 0).
FIT_LR, FIT_STEPS = 1.0, 2000
#: Grid of the weight / bias sliders.
W_RANGE, B_RANGE = (-1.0, 3.0), (-2.0, 2.0)


@lru_cache(maxsize=None)
def problem() -> LogisticRegression:
    """The chapter's logistic-regression objective on :func:`lib.datasets.logistic_1d` data."""
    x, y = logistic_1d(n=N, w=TRUE_W, b=TRUE_B, seed=0)
    return LogisticRegression(x[:, None], y)


@lru_cache(maxsize=None)
def fit():
    """Maximum-likelihood fit by full-batch gradient descent from :math:`\\theta = 0` (a :class:`Trajectory`)."""
    return descend(problem(), np.zeros(2), FIT_LR, steps=FIT_STEPS, record_every=100)


def ml_summary() -> dict:
    """Fitted (w, b), its loss, the final gradient norm, and the loss of the constant model :math:`\\sigma(0) = 1/2`."""
    run, obj = fit(), problem()
    w, b = run.final_theta
    return {"w": w, "b": b, "loss": run.final_loss, "grad_norm": float(np.linalg.norm(obj.grad(run.final_theta))),
            "loss_at_zero": obj.loss(np.zeros(2)), "positives": int(obj.y.sum()),
            "predicted_positives": float(obj.predict_proba(run.final_theta, obj.A[:, :1]).sum())}


# --------------------------------------------------------------------------- explorable 1: fit by hand
@lru_cache(maxsize=None)
def _loss_surface():
    W, B = np.meshgrid(np.linspace(*W_RANGE, 41), np.linspace(*B_RANGE, 41))
    obj = problem()
    z = W[..., None] * obj.A[:, 0] + B[..., None]  # logits, shape (41, 41, N)
    loss = binary_cross_entropy_from_logits(z, np.broadcast_to(obj.y, z.shape)).mean(axis=-1)
    return W, B, loss


def fit_by_hand():
    """Fitted curve :math:`\\sigma(wx+b)` and its log-loss for slider values of w and b, against the ML fit."""
    obj = problem()
    x, y = obj.A[:, 0], obj.y
    jitter = np.random.default_rng(1).uniform(-0.04, 0.04, N)
    xs = np.linspace(-7, 7, 141)
    w_ml, b_ml = fit().final_theta
    loss_ml = fit().final_loss

    def make(fig):
        curve, surface = fig.subplots(1, 2, width_ratios=[1.3, 1])
        curve.plot(x[y == 1], 1 + jitter[y == 1], "|", color=C["blue"], ms=7, label="y = 1")
        curve.plot(x[y == 0], jitter[y == 0], "|", color=C["orange"], ms=7, label="y = 0")
        curve.plot(xs, sigmoid(w_ml * xs + b_ml), "--", color=C["black"], lw=1.2,
                   label="max. likelihood (★)")
        line, = curve.plot([], [], color=C["vermillion"], lw=2.2, animated=True, label=r"yours: $\sigma(wx+b)$ (●)")
        curve.set(xlim=(-7, 7), ylim=(-0.1, 1.1), xlabel="feature $x$", ylabel=r"$P(y=1 \mid x)$")
        fig.legend(handles=curve.get_legend_handles_labels()[0], loc="outside upper center", ncols=2)
        title = curve.set_title(" ")
        title.set_animated(True)
        W, B, loss = _loss_surface()
        surface.contour(W, B, loss, levels=np.geomspace(loss.min() * 1.01, loss.max(), 9), colors=C["black"], alpha=0.45,
                        linewidths=0.7)
        surface.plot(w_ml, b_ml, "*", color=C["black"], ms=12, label="max. likelihood")
        point, = surface.plot([], [], "o", color=C["vermillion"], ms=7, animated=True, label="your (w, b)")
        surface.set(xlim=W_RANGE, ylim=B_RANGE, xlabel="weight $w$", ylabel="bias $b$",
                    title="Mean log-loss $f(w, b)$")

        def update(w, b):
            line.set_data(xs, sigmoid(w * xs + b))
            point.set_data([w], [b])
            value = obj.loss(np.array([w, b]))
            title.set_text(f"mean log-loss {value:.3f} nats")

        return update

    return explore(
        make,
        [Slider("w", *W_RANGE, steps=9, default=0.0, label="weight w"),
         Slider("b", *B_RANGE, steps=5, default=0.0, label="bias b")],
        alt="Left: 0/1 labels of a one-feature data set drawn as ticks at heights 0 and 1, the logistic curve "
            "for the chosen weight and bias, and the maximum-likelihood curve dashed. Right: contour lines of the "
            "mean log-loss over weight and bias, with the chosen point and the maximum-likelihood star.",
        height=3.4,
    )


# --------------------------------------------------------------------------- explorable 2: slope and saturation
def saturation():
    """:math:`\\sigma(kx)`, its tangent at :math:`x_0`, and the derivative on a log scale."""
    xs = np.linspace(-8, 8, 161)
    ends = np.array([-8.0, 8.0])

    def make(fig):
        left, right = fig.subplots(1, 2)
        left.plot(xs, step(xs), color=C["black"], lw=1, ls=":", label="threshold $H(x)$")
        curve, = left.plot([], [], color=C["blue"], animated=True, label=r"$\sigma(kx)$")
        tangent, = left.plot([], [], color=C["vermillion"], lw=1.2, animated=True, label="tangent at $x_0$")
        dot, = left.plot([], [], "o", color=C["vermillion"], ms=6, animated=True)
        left.set(xlim=(-8, 8), ylim=(-0.15, 1.15), xlabel="input $x$", ylabel=r"output $\sigma(kx)$")
        left.set_title("σ(kx) and its tangent at x₀")
        right.axhline(0.25, color=C["black"], lw=1, ls="--", label=r"max of $\sigma'$: 1/4")
        dcurve, = right.semilogy([], [], color=C["green"], animated=True, label=r"$\sigma'(kx)$")
        ddot, = right.plot([], [], "o", color=C["vermillion"], ms=6, animated=True)
        right.set(xlim=(-8, 8), ylim=(1e-30, 10.0), xlabel="input $x$",
                  ylabel=r"$\sigma'(kx)$ (log scale)")
        fig.legend(handles=left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0],
                   loc="outside upper center", ncols=3)
        rtitle = right.set_title(" ")
        rtitle.set_animated(True)

        def update(x0, k):
            s0, d0 = sigmoid(k * x0), sigmoid_grad(k * x0)  # slope of sigma(kx) at x0 is k * d0
            curve.set_data(xs, sigmoid(k * xs))
            slope = k * d0
            tangent.set_data(ends, s0 + slope * (ends - x0))
            dot.set_data([x0], [s0])
            dcurve.set_data(xs, np.maximum(sigmoid_grad(k * xs), 1e-300))
            ddot.set_data([x0], [max(d0, 1e-300)])
            rtitle.set_text(f"σ'(kx₀) = {d0:.2g}\n= {100 * d0:.2g}% of the gradient")

        return update

    return explore(
        make,
        [Slider("x0", -8.0, 8.0, steps=9, default=2.0, label="point x₀"),
         Slider("k", 1.0, 8.0, steps=4, scale="log", default=1.0, label="steepness k")],
        alt="Left: the curve sigma(kx) with its tangent at a chosen point and the threshold function dotted. "
            "Right: the derivative sigma'(kx) on a log scale with a dashed line at its maximum 1/4.",
        height=3.4,
    )


EXPLORABLES = {"fit_by_hand": fit_by_hand, "saturation": saturation}


# --------------------------------------------------------------------------- static figure: properties
def properties_figure():
    """σ with its centre of symmetry (top left), σ' and σ'' (top right), and the logit (bottom)."""
    fig = style.figure(height=5.4)
    axes = fig.subplot_mosaic([["a", "b"], ["c", "c"]])
    a, b, c = axes["a"], axes["b"], axes["c"]
    x = np.linspace(-8, 8, 400)
    a.plot(x, sigmoid(x), color=C["blue"], label=r"$\sigma(x)$")
    a.plot(x, 1 - sigmoid(-x), ":", color=C["orange"], lw=2.5, label=r"$1-\sigma(-x)$")
    a.plot(0, 0.5, "o", color=C["black"], ms=5, label="centre")
    a.set(xlabel="$x$", ylabel="value", title="σ: point symmetry")
    a.legend(loc="upper left")
    b.plot(x, sigmoid_grad(x), color=C["green"], label=r"$\sigma'$")
    b.plot(x, sigmoid_second_derivative(x), color=C["purple"], ls="--", label=r"$\sigma''$")
    b.axhline(0.25, color=C["black"], lw=1, ls=":", label="1/4")
    b.set(xlabel="$x$", ylabel="derivative", ylim=(-0.12, 0.4), title="σ' ≤ 1/4, smooth")
    b.legend(loc="upper left")
    p = np.linspace(0.001, 0.999, 400)
    c.plot(p, logit(p), color=C["vermillion"])
    c.set(xlabel="probability $p$", ylabel="log-odds", ylim=(-7.5, 7.5),
          title=r"The inverse: $\mathrm{logit}(p) = \log\frac{p}{1-p}$")
    return style.Still(fig, alt="Three panels. Top left: the sigmoid and 1 minus sigmoid of minus x, which coincide, "
                                "with the centre point (0, 1/2). Top right: the first derivative, a bump of height "
                                "1/4 at 0, and the second derivative. Bottom: the logit, increasing from minus to "
                                "plus infinity on (0, 1).")


# --------------------------------------------------------------------------- claims
def claim_range() -> dict:
    """Where float64 σ reaches the endpoints 0 and 1, and the log-probabilities that stay informative."""
    up = np.arange(30.0, 40.0, 0.001)
    down = np.arange(-750.0, -740.0, 0.001)
    return {"first_one": float(up[np.argmax(sigmoid(up) == 1.0)]),
            "last_zero": float(down[np.flatnonzero(sigmoid(down) == 0.0)[-1]]),
            "open_interval_grid": bool(((sigmoid(np.linspace(-36, 36, 100001)) > 0)
                                        & (sigmoid(np.linspace(-36, 36, 100001)) < 1)).all()),
            "log_sigmoid_at_minus_800": float(log_sigmoid(-800.0)),
            "log_one_minus_at_40": float(log_sigmoid(-40.0))}


def claim_monotone() -> dict:
    """Increments of σ and of the logit on dense grids, and the smallest σ' there."""
    x = np.linspace(-30, 30, 60001)
    p = np.linspace(1e-6, 1 - 1e-6, 100001)
    s = sigmoid(x)
    return {"min_grad": float(sigmoid_grad(x).min()), "sigma_decreases": int((np.diff(s) < 0).sum()),
            "sigma_ties": int((np.diff(s) == 0).sum()), "first_tie_x": float(x[1:][np.diff(s) == 0].min()),
            "logit_decreases": int((np.diff(logit(p)) <= 0).sum()),
            "roundtrip_error": float(np.max(np.abs(logit(sigmoid(x[np.abs(x) <= 20])) - x[np.abs(x) <= 20])))}


def claim_smooth() -> dict:
    """σ' and σ'' against central differences on a grid: the closed forms hold, no kink anywhere."""
    grid = np.linspace(-10, 10, 81)
    d1 = np.array([numerical_gradient(lambda v: float(sigmoid(v[0])), np.array([t]))[0] for t in grid])
    d2 = np.array([numerical_gradient(lambda v: float(sigmoid_grad(v[0])), np.array([t]))[0] for t in grid])
    return {"first": float(np.max(np.abs(d1 - sigmoid_grad(grid)))),
            "second": float(np.max(np.abs(d2 - sigmoid_second_derivative(grid))))}


def claim_symmetry() -> dict:
    """:math:`\\max|\\sigma(-x) - (1-\\sigma(x))|` on a grid; the two sides agree to rounding."""
    x = np.linspace(-30, 30, 60001)
    return {"max_gap": float(np.max(np.abs(sigmoid(-x) - (1 - sigmoid(x))))),
            "sigma_at_zero": float(sigmoid(0.0))}


def claim_derivative() -> dict:
    """σ(1−σ) against finite differences; the maximum 1/4; saturation values; tail accuracy."""
    x = np.linspace(-10, 10, 2001)
    product = sigmoid(x) * (1 - sigmoid(x))
    fd = np.array([numerical_gradient(lambda v: float(sigmoid(v[0])), np.array([t]))[0] for t in x[::50]])
    return {"fd_error": float(np.max(np.abs(fd - product[::50]))),
            "argmax": float(x[np.argmax(product)]), "max": float(product.max()),
            "at_5": float(sigmoid_grad(5.0)), "at_10": float(sigmoid_grad(10.0)),
            "textbook_at_40": float(sigmoid(40.0) * (1 - sigmoid(40.0))), "stable_at_40": float(sigmoid_grad(40.0)),
            "depth_10": float(0.25 ** 10)}


def claim_threshold() -> dict:
    """σ(kx) against the step away from 0, and what each model's loss gives gradient descent."""
    x = np.linspace(-5, 5, 10001)
    far = np.abs(x) >= 0.1
    gap = {k: float(np.max(np.abs(sigmoid(k * x[far]) - step(x[far])))) for k in (1, 10, 100, 1000)}
    obj = problem()
    xd, y = obj.A[:, 0], obj.y

    def error_rate(theta):
        return float(np.mean(np.abs(step(theta[0] * xd + theta[1]) - y)))

    theta0 = np.array([0.3, 0.2])
    return {"gap": gap, "step_grad": numerical_gradient(error_rate, theta0, h=1e-5),
            "step_error": error_rate(theta0), "sigmoid_grad": obj.grad(theta0),
            "steps_run": fit().steps[-1], "fit_error": error_rate(fit().final_theta)}


def threshold_figure():
    """σ(kx) approaching the step; error rate (step model) against log-loss (sigmoid model) along w."""
    fig = style.figure(height=3.1)
    left, right = fig.subplots(1, 2)
    x = np.linspace(-4, 4, 801)
    for k, colour in zip((1, 4, 16, 64), ("sky", "blue", "green", "vermillion")):
        left.plot(x, sigmoid(k * x), color=C[colour], lw=1.5, label=f"k = {k}")
    left.plot(x, step(x), ":", color=C["black"], lw=2, label="step H")
    left.set(xlabel="$x$", ylabel="output σ(kx)", title="σ(kx) → step as k → ∞")
    left.legend(loc="lower right")
    obj = problem()
    xd, y = obj.A[:, 0], obj.y
    b_ml = fit().final_theta[1]
    w = np.linspace(-1, 4, 401)
    err = [np.mean(np.abs(step(v * xd + b_ml) - y)) for v in w]
    ll = [obj.loss(np.array([v, b_ml])) for v in w]
    right.plot(w, ll, color=C["blue"], label="log-loss, σ")
    right.plot(w, err, color=C["orange"], ls="--", label="error rate, H")
    right.set(xlabel=f"weight $w$ (b = {b_ml:.2f} fixed)", ylabel="loss", ylim=(0, 1.2),
              title="Smooth vs stepwise loss")
    right.legend(loc="upper right")
    return style.Still(fig, alt="Left: sigmoid of kx for k = 1, 4, 16, 64 and the threshold step; the curves "
                                "steepen towards the step. Right: along the weight, the log-loss of the sigmoid "
                                "model is a smooth valley while the error rate of the threshold model is flat "
                                "with small jumps.")


def two_class_softmax() -> float:
    r""":math:`\max_z |\sigma(z) - \operatorname{softmax}([0, z])_1|` over :math:`z \in [-40, 40]` (class 1 has logit z)."""
    z = np.linspace(-40, 40, 8001)
    return float(np.max(np.abs(sigmoid(z) - softmax(np.stack([np.zeros_like(z), z], axis=-1))[:, 1])))


def naive_versus_stable() -> list[tuple]:
    """(x, overflow in the naive formula?, naive σ, stable σ, naive loss −log σ, stable loss) for a few logits."""
    rows = []
    for x in (-800.0, -40.0, 0.0, 40.0):
        naive = float(naive_sigmoid(x))
        with np.errstate(divide="ignore"):
            naive_loss = float(-np.log(naive))
        rows.append((x, bool(naive_overflows(x)), naive, float(sigmoid(x)), naive_loss,
                     float(binary_cross_entropy_from_logits(x, 1.0))))
    return rows


# --------------------------------------------------------------------------- derivation 1: Bayes with Gaussian classes
#: The class-0 mean of the Bayes explorable (only the difference of the means matters: moving both is a translation).
BAYES_MEAN0 = -1.0


def gaussian_log_odds(x, mean0: float, mean1: float, std0: float, std1: float, prior1: float = 0.5) -> np.ndarray:
    r"""Posterior log-odds of class 1 for one-feature Gaussian class-conditionals, by Bayes' rule.

    .. math::
        a(x) = \log\frac{P(y=1\mid x)}{P(y=0\mid x)}
             = \log\frac{\pi_1\,\mathcal N(x;\mu_1,s_1^2)}{\pi_0\,\mathcal N(x;\mu_0,s_0^2)},
        \qquad P(y=1\mid x) = \sigma\bigl(a(x)\bigr),

    evaluated as the difference of the two log-densities (no exponentials, so
    nothing overflows). With a shared variance :math:`s_0 = s_1` the quadratic
    terms cancel and :math:`a(x) = wx + b`; otherwise :math:`a` is quadratic
    (Bishop 2006, *Pattern Recognition and Machine Learning*, §4.2.1; see
    :func:`gaussian_log_odds_coefficients`).
    """
    x = np.asarray(x, dtype=float)
    if not (std0 > 0 and std1 > 0):
        raise ValueError(f"std0 and std1 must be > 0, got {std0}, {std1}")
    if not 0 < prior1 < 1:
        raise ValueError(f"prior1 must lie in (0, 1), got {prior1}")

    def log_density(mean, std):
        return -0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi)

    return log_density(mean1, std1) - log_density(mean0, std0) + np.log(prior1 / (1 - prior1))


def gaussian_log_odds_coefficients(mean0: float, mean1: float, std0: float, std1: float,
                                   prior1: float = 0.5) -> tuple[float, float, float]:
    r"""The derivation's closed form :math:`a(x) = c_2x^2 + c_1x + c_0` of :func:`gaussian_log_odds`.

    .. math::
        c_2 = \frac{1}{2s_0^2} - \frac{1}{2s_1^2}, \quad
        c_1 = \frac{\mu_1}{s_1^2} - \frac{\mu_0}{s_0^2}, \quad
        c_0 = \frac{\mu_0^2}{2s_0^2} - \frac{\mu_1^2}{2s_1^2} + \log\frac{s_0}{s_1} + \log\frac{\pi_1}{\pi_0}.

    :math:`c_2 = 0` exactly when :math:`s_0 = s_1 = s`; then
    :math:`w = c_1 = (\mu_1-\mu_0)/s^2` and :math:`b = c_0 = (\mu_0^2-\mu_1^2)/(2s^2) + \log(\pi_1/\pi_0)`
    (Bishop 2006, eqs. 4.66–4.67, in one dimension).
    """
    c2 = 0.5 / std0**2 - 0.5 / std1**2
    c1 = mean1 / std1**2 - mean0 / std0**2
    c0 = mean0**2 / (2 * std0**2) - mean1**2 / (2 * std1**2) + np.log(std0 / std1) + np.log(prior1 / (1 - prior1))
    return float(c2), float(c1), float(c0)


def gaussian_class_data(n: int, mean0: float, mean1: float, std0: float, std1: float, seed: int = 0):
    r"""``(x, y)``: :math:`y \sim \operatorname{Bernoulli}(\tfrac12)`, :math:`x \mid y \sim \mathcal N(\mu_y, s_y^2)`."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(float)
    x = np.where(y == 1, mean1 + std1 * rng.standard_normal(n), mean0 + std0 * rng.standard_normal(n))
    return x, y


def bayes_linearity(mean1: float = 1.0, grid=np.linspace(-6.0, 6.0, 1201)) -> dict:
    r"""The Bayes log-odds against the closed form, and whether the posterior is monotone, for equal and unequal stds.

    For each case ``(s0, s1)`` in ``((1, 1), (1, 0.5))`` (class-0 mean
    :data:`BAYES_MEAN0`): the closed-form coefficients, the largest gap
    between :func:`gaussian_log_odds` and the closed form on ``grid``, and the
    number of times the posterior :math:`\sigma(a(x))` changes direction
    there. Every :math:`\sigma(wx+b)` is monotone, so a posterior that turns
    is not a sigmoid of a linear function of :math:`x`.
    """
    out = {}
    for s0, s1 in ((1.0, 1.0), (1.0, 0.5)):
        a = gaussian_log_odds(grid, BAYES_MEAN0, mean1, s0, s1)
        c2, c1, c0 = gaussian_log_odds_coefficients(BAYES_MEAN0, mean1, s0, s1)
        steps = np.sign(np.diff(sigmoid(a)))
        steps = steps[steps != 0]
        out[(s0, s1)] = {"c2": c2, "c1": c1, "c0": c0,
                         "max_gap": float(np.max(np.abs(a - (c2 * grid**2 + c1 * grid + c0)))),
                         "turns": int(np.sum(steps[1:] != steps[:-1]))}
    return out


def _fit_logistic(obj: LogisticRegression, steps: int):
    """Full-batch gradient descent (η = FIT_LR) from 0 on ``obj``: the one place this file calls ``descend``."""
    return descend(obj, np.zeros(obj.dim), FIT_LR, steps=steps, record_every=steps)


@lru_cache(maxsize=None)
def bayes_versus_ml(n: int = 5000, mean1: float = 1.0, steps: int = 1000, seed: int = 0) -> dict:
    r"""Maximum-likelihood logistic regression on data from the Gaussian class model, against Bayes' posterior.

    Equal stds (1, 1): the fitted :math:`(\hat w, \hat b)` should approach the
    Bayes :math:`(w, b)` of :func:`gaussian_log_odds_coefficients`, since the
    logistic model is then correctly specified. Unequal stds (1, 0.5): no
    :math:`\sigma(wx+b)` is the posterior, and the best one has a larger mean
    log-loss than the true posterior :math:`\sigma(a(x))`. Both log-losses are
    measured on the same ``n`` training points.
    """
    out = {}
    for s0, s1 in ((1.0, 1.0), (1.0, 0.5)):
        x, y = gaussian_class_data(n, BAYES_MEAN0, mean1, s0, s1, seed)
        obj = LogisticRegression(x[:, None], y)
        run = _fit_logistic(obj, steps)
        bayes_loss = float(np.mean(binary_cross_entropy_from_logits(gaussian_log_odds(x, BAYES_MEAN0, mean1, s0, s1), y)))
        c2, c1, c0 = gaussian_log_odds_coefficients(BAYES_MEAN0, mean1, s0, s1)
        out[(s0, s1)] = {"w": float(run.final_theta[0]), "b": float(run.final_theta[1]), "loss": float(run.final_loss),
                         "bayes_c2": c2, "bayes_w": c1, "bayes_b": c0, "bayes_loss": bayes_loss,
                         "grad_norm": float(np.linalg.norm(obj.grad(run.final_theta)))}
    return out


def bayes_posterior():
    r"""Two Gaussian classes (means, stds on sliders) and the posterior :math:`P(y=1\mid x) = \sigma(a(x))`."""
    xs = np.linspace(-6.0, 6.0, 161)

    def density(mean, std):
        return np.exp(-0.5 * ((xs - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))

    def make(fig):
        dens, post = fig.subplots(1, 2)
        line0, = dens.plot([], [], color=C["orange"], ls="--", animated=True, label="class 0: $p(x \\mid y=0)$")
        line1, = dens.plot([], [], color=C["blue"], animated=True, label="class 1: $p(x \\mid y=1)$")
        dens.set(xlim=(-6, 6), ylim=(0, 0.85), xlabel="feature $x$", ylabel="density",
                 title="Class-conditional densities")
        fig.legend(handles=[line0, line1], loc="outside upper left", ncols=2)
        post.axhline(0.5, color=C["black"], lw=0.8, ls=":")
        curve, = post.plot([], [], color=C["vermillion"], animated=True)
        post.set(xlim=(-6, 6), ylim=(-0.03, 1.03), xlabel="feature $x$", ylabel=r"posterior $P(y=1 \mid x)$")
        title = post.set_title(" ")
        title.set_animated(True)

        def update(mean1, std0, std1):
            line0.set_data(xs, density(BAYES_MEAN0, std0))
            line1.set_data(xs, density(mean1, std1))
            curve.set_data(xs, sigmoid(gaussian_log_odds(xs, BAYES_MEAN0, mean1, std0, std1)))
            c2, c1, c0 = gaussian_log_odds_coefficients(BAYES_MEAN0, mean1, std0, std1)
            if c2 == 0:
                title.set_text(f"log-odds {c1:.2f}x {c0:+.2f}\n(linear): a sigmoid")
            else:
                title.set_text(f"log-odds quadratic ({c2:+.2f}x²)\nnot a sigmoid")

        return update

    return explore(
        make,
        [Slider("mean1", -1.0, 3.0, steps=5, default=1.0, label="class-1 mean μ₁ (μ₀ = −1)"),
         Slider("std0", 0.5, 2.0, steps=3, scale="log", default=1.0, label="class-0 std s₀"),
         Slider("std1", 0.5, 2.0, steps=3, scale="log", default=1.0, label="class-1 std s₁")],
        alt="Left: the Gaussian densities of class 0 (mean -1) and class 1, with the chosen mean and standard "
            "deviations. Right: the posterior probability of class 1 given x, by Bayes' rule with equal priors; the "
            "title gives the log-odds as a function of x, linear when the two standard deviations are equal "
            "(the posterior is an increasing sigmoid) and quadratic when they differ (the posterior turns back).",
        height=3.4,
    )


EXPLORABLES["bayes"] = bayes_posterior
