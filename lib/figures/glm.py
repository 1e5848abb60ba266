r"""Figures and experiments of the chapter on generalized linear models.

The chapter's problems, each seeded:

* one feature :math:`x \sim \mathrm{U}(-2, 2)` and a response drawn from a
  family at :math:`\eta = b + w x` (:func:`family_data`), for the
  family explorable and the held-out comparisons of matching GLM against
  least squares;
* a Poisson regression fitted by IRLS and by gradient descent from the same
  start (:func:`convergence`);
* a two-feature binary problem with a circular boundary, fitted by a
  one-hidden-layer network whose output layer is then refitted as a GLM
  on the learned features (:func:`network_as_glm`).

Every function here only calls :mod:`lib.glm`, :mod:`lib.gradient_descent`
and plots or prints.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from lib import style
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.glm import BERNOULLI, CATEGORICAL, FAMILIES, GAUSSIAN, POISSON, GLMObjective, design_matrix, irls
from lib.gradient_descent import descend
from lib.nn import TwoLayerNet
from lib.optimizers import Momentum
from lib.softmax import one_hot
from lib.sigmoid import log_sigmoid, sigmoid

C = style.PALETTE
#: Intercept b of the true linear predictor η = b + w x, per family.
INTERCEPT = {"Gaussian": 1.0, "Bernoulli": 0.0, "Poisson": 1.0}
#: Slopes offered by the family explorable.
SLOPES = Slider("slope", -1.5, 1.5, steps=7, default=1.0, label="true slope w")
SCALAR = ("Gaussian", "Bernoulli", "Poisson")
#: y-range drawn for each family.
YLIM = {"Gaussian": (-4.5, 6.5), "Bernoulli": (-0.45, 1.45), "Poisson": (-8, 60)}


# --------------------------------------------------------------------------- data
def family_data(name: str, slope: float, n: int = 150, seed: int = 0):
    r"""``(X, y)``: :math:`x \sim \mathrm{U}(-2, 2)`, :math:`y \sim` family with mean :math:`g^{-1}(b + w x)`."""
    family = FAMILIES[name]
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 1))
    return X, family.sample(family.mean(INTERCEPT[name] + slope * X[:, 0]), rng)


def categorical_data(n: int = 200, seed: int = 0):
    r"""Three classes, :math:`\eta_k = w_k x + b_k` with :math:`w = (-2, 0, 2)`, :math:`b = (0, 1, 0)`."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 1))
    eta = X * np.array([-2.0, 0.0, 2.0]) + np.array([0.0, 1.0, 0.0])
    return X, CATEGORICAL.sample(CATEGORICAL.mean(eta), rng)


def least_squares(X, y):
    r"""Least-squares coefficients :math:`(w, b)` = the Gaussian GLM's, by :func:`lib.glm.irls`."""
    return irls(GAUSSIAN, X, y).final_theta


# --------------------------------------------------------------------------- explorable 1: families
@lru_cache(maxsize=None)
def family_fits(name: str, slope: float):
    """Data, the matching GLM's and least squares' coefficients for one family and slope."""
    X, y = family_data(name, slope)
    return X[:, 0], y, irls(FAMILIES[name], X, y).final_theta, least_squares(X, y)


def standardized_residuals(name, x, y, theta, by_glm):
    r"""Pearson residuals :math:`(y - \hat\mu)/\sqrt{V(\hat\mu)}` (GLM) or :math:`(y - \hat\mu)/\hat\sigma` (least squares)."""
    eta = theta[0] * x + theta[1]
    if by_glm:
        family = FAMILIES[name]
        mu = family.mean(eta)
        return (y - mu) / np.sqrt(family.variance(mu))
    r = y - eta
    return r / np.sqrt(np.mean(r * r))


def family_panel_numbers(name: str, slope: float, residuals_of_glm: bool = True):
    """What a column of :func:`families` prints: the fraction of impossible least-squares means and the
    standard deviation of the standardized residuals on each half of the axis, ``(impossible, sd x<0, sd x>=0)``."""
    x, y, glm_theta, ls_theta = family_fits(name, slope)
    fitted = ls_theta[0] * x + ls_theta[1]
    low, high = {"Gaussian": (-np.inf, np.inf), "Bernoulli": (0, 1), "Poisson": (0, np.inf)}[name]
    outside = float(np.mean((fitted < low) | (fitted > high)))
    r = standardized_residuals(name, x, y, glm_theta if residuals_of_glm else ls_theta, residuals_of_glm)
    return outside, float(r[x < 0].std()), float(r[x >= 0].std())


def families():
    """Data, true mean, GLM and least-squares fits, and residuals for Gaussian, Bernoulli and Poisson targets."""
    grid = np.linspace(-2, 2, 101)

    def make(fig):
        fig.set_layout_engine("none")  # fixed margins: the constrained-layout solver costs seconds on 6 panels
        axes = fig.add_gridspec(2, 3, height_ratios=[1.5, 1], left=0.135, right=0.965, top=0.88, bottom=0.2,
                                wspace=0.42, hspace=0.62).subplots()
        art = {}
        for col, name in enumerate(SCALAR):
            top, bottom = axes[0, col], axes[1, col]
            top.set(xlim=(-2, 2), ylim=YLIM[name], xticks=[-2, 0, 2])
            bottom.set(xlim=(-2, 2), ylim=(-5, 5), xlabel="x", xticks=[-2, 0, 2], yticks=[-4, 0, 4])
            if name == "Bernoulli":
                top.axhspan(1, 1.45, color="0.9", zorder=0)
                top.axhspan(-0.45, 0, color="0.9", zorder=0)
            if name == "Poisson":
                top.axhspan(-8, 0, color="0.9", zorder=0)
            for level in (-2, 2):
                bottom.axhline(level, color="0.5", ls=":", lw=1)
            art[name] = dict(
                dots=top.plot([], [], "o", ms=2.5, alpha=0.45, color=C["sky"], animated=True, label="data y")[0],
                true=top.plot([], [], "--", color=C["black"], lw=1.3, animated=True, label="true mean")[0],
                glm=top.plot([], [], color=C["blue"], animated=True, label="matching GLM")[0],
                ls=top.plot([], [], color=C["vermillion"], animated=True, label="least squares")[0],
                # the numbers go into the titles, never over the data
                note=top.set_title(f"{name}, identity\n(the normal GLM)" if name == "Gaussian" else "\n"),
                res=bottom.plot([], [], "o", ms=2.5, alpha=0.6, animated=True)[0],
                spread=bottom.set_title(""),
            )
            if name != "Gaussian":
                art[name]["note"].set_animated(True)
            art[name]["spread"].set_animated(True)
        axes[0, 0].set_ylabel("y")
        axes[1, 0].set_ylabel("scaled\nresidual")
        # one legend for the figure, below the panels
        fig.legend(handles=[art["Gaussian"][k] for k in ("dots", "true", "glm", "ls")], loc="lower center", ncol=4,
                   columnspacing=1.0, handletextpad=0.4, borderaxespad=0.2)

        def update(slope, residuals_of_glm):
            for name in SCALAR:
                a = art[name]
                x, y, glm_theta, ls_theta = family_fits(name, slope)
                family = FAMILIES[name]
                a["dots"].set_data(x, y)
                a["true"].set_data(grid, family.mean(INTERCEPT[name] + slope * grid))
                a["glm"].set_data(grid, family.mean(glm_theta[0] * grid + glm_theta[1]))
                a["ls"].set_data(grid, ls_theta[0] * grid + ls_theta[1])
                outside, left, right = family_panel_numbers(name, slope, residuals_of_glm)
                link = {"Gaussian": "identity", "Bernoulli": "logit", "Poisson": "log"}[name]
                if name != "Gaussian":
                    a["note"].set_text(f"{name}, {link}\nLS {outside:.0%} impossible")
                r = standardized_residuals(name, x, y, glm_theta if residuals_of_glm else ls_theta, residuals_of_glm)
                a["res"].set_data(x, np.clip(r, -4.9, 4.9))
                a["res"].set_color(C["blue"] if residuals_of_glm else C["vermillion"])
                a["spread"].set_text(f"sd {left:.2f} | {right:.2f}")
            return ("least squares predicts impossible means for "
                    + ", ".join(f"{family_panel_numbers(n, slope)[0]:.0%} ({n})" for n in ("Bernoulli", "Poisson")))

        return update

    return explore(
        make,
        [SLOPES, Toggle("residuals_of_glm", default=True, label="residuals of the matching GLM")],
        alt="Three columns for Gaussian, Bernoulli and Poisson responses against x: simulated data, the true "
            "mean curve, the fitted matching GLM and the least-squares line; below each, standardized residuals "
            "of the chosen fit against x.",
        height=4.6,
    )


# --------------------------------------------------------------------------- explorable 2: IRLS vs GD
#: Iterations shown by the convergence explorable.
ITERATIONS = Slider("iteration", 1, 1000, steps=12, scale="log", integer=True, default=5, label="iteration t")
#: Gradient-descent learning rates offered.
GD_RATES = (0.1, 0.3)
GD_STEPS = 1000


@lru_cache(maxsize=None)
def convergence_problem():
    """The Poisson regression of the convergence figure (n = 200, w = 1, b = 0.5)."""
    rng = np.random.default_rng(7)
    X = rng.uniform(-2, 2, (200, 1))
    return X, POISSON.sample(POISSON.mean(0.5 + X[:, 0]), rng)


@lru_cache(maxsize=None)
def convergence(lr: float):
    """IRLS iterates and a gradient-descent run (learning rate ``lr``) from the same start."""
    X, y = convergence_problem()
    fit = irls(POISSON, X, y, iterations=30)
    thetas, nlls = fit.thetas, fit.losses
    run = descend(GLMObjective(POISSON, X, y), thetas[0], lr, steps=GD_STEPS, blowup=1e3)
    return thetas, nlls, run


def convergence_gaps(lr: float, iterations=(1, 2, 4, 7, 81, 152)) -> dict:
    """Per-example NLL gap to the optimum after t iterations, ``{t: (IRLS gap, GD gap)}`` (what :func:`irls_vs_gd` plots)."""
    thetas, nlls, run = convergence(lr)
    best = nlls[-1]
    out = {}
    for t in iterations:
        gd = run.losses[min(t, len(run.losses) - 1)] - best if not run.diverged else float("nan")
        out[t] = (float(nlls[min(t, len(nlls) - 1)] - best), float(gd))
    return out


def curvature_bound():
    r"""Largest eigenvalue of the mean-NLL Hessian :math:`\frac1N A^\top \operatorname{diag}(\hat\mu) A` at the optimum; GD is stable near it for :math:`\eta < 2/\lambda_{\max}`."""
    X, y = convergence_problem()
    thetas = irls(POISSON, X, y, iterations=30).thetas
    A = design_matrix(X)
    mu = POISSON.mean(A @ thetas[-1])
    return float(np.linalg.eigvalsh(A.T @ (mu[:, None] * A) / len(y))[-1])


def irls_vs_gd():
    """Fitted Poisson mean after t iterations of IRLS and of gradient descent, and the NLL gap of both."""
    X, y = convergence_problem()
    grid = np.linspace(-2, 2, 101)

    def make(fig):
        fig.set_layout_engine("none")  # fixed margins instead of the (slow) constrained-layout solver
        # stacked, for a phone column: the fitted means on top, the NLL gap below
        curve, gap = fig.add_gridspec(2, 1, left=0.16, right=0.97, top=0.95, bottom=0.08, hspace=0.42).subplots()
        curve.plot(X[:, 0], y, "o", ms=2.5, alpha=0.4, color=C["sky"], label="data (counts)")
        curve.plot(grid, POISSON.mean(0.5 + grid), "--", color=C["black"], lw=1.2, label=r"true mean $e^{0.5 + x}$")
        irls_line = curve.plot([], [], color=C["blue"], animated=True, label="IRLS")[0]
        gd_line = curve.plot([], [], color=C["orange"], animated=True, label="gradient descent")[0]
        curve.set(xlim=(-2, 2), ylim=(0, 25), xlabel="x", ylabel="count y",
                  title="Fitted mean $e^{b + w x}$ after t iterations")
        curve.legend(loc="upper left")
        gap.set(xscale="log", yscale="log", xlim=(1, 1.3 * GD_STEPS), ylim=(1e-15, 1e5),
                xlabel="iteration t + 1", ylabel="NLL gap to the\noptimum per example")
        gap.set_xticks([1, 10, 100, 1000], labels=["1", "10", "100", "1000"])
        gap.set_yticks([1e-15, 1e-10, 1e-5, 1], labels=["1e-15", "1e-10", "1e-5", "1"])
        gap.minorticks_off()
        irls_gap = gap.plot([], [], "o-", color=C["blue"], ms=3, animated=True, label="IRLS (Newton)")[0]
        gd_gap = gap.plot([], [], color=C["orange"], animated=True, label="gradient descent")[0]
        marker = gap.axvline(1, color="0.3", ls="--", lw=1, animated=True)
        gap.legend(loc="upper center", ncol=2)  # above every curve: the gaps stay below 10
        title = gap.set_title("")
        title.set_animated(True)

        def update(iteration, lr):
            thetas, nlls, run = convergence(lr)
            best = nlls[-1]
            k = min(iteration, len(thetas) - 1)
            irls_line.set_data(grid, POISSON.mean(thetas[k][0] * grid + thetas[k][1]))
            irls_gap.set_data(np.arange(1, len(nlls) + 1), np.maximum(nlls - best, 1e-15))
            last = len(run.steps) - 1
            j = min(iteration, last)
            theta = run.thetas[j]
            gd_line.set_data(grid, POISSON.mean(theta[0] * grid + theta[1]))
            gd_gap.set_data(run.steps + 1, np.maximum(run.losses - best, 1e-15))
            marker.set_xdata([iteration + 1, iteration + 1])
            state = (f"GD diverged at {run.diverged_at}" if run.diverged
                     else f"GD {max(run.losses[j] - best, 0):.1e}")
            title.set_text(f"gap at t = {iteration}: IRLS {max(nlls[k] - best, 0):.1e}, {state}")
            return title.get_text()

        return update

    return explore(
        make,
        [ITERATIONS, Dropdown("lr", GD_RATES, default=0.1, label="GD learning rate η")],
        alt="Top: Poisson counts against x with the true mean and the fitted means of IRLS and gradient descent "
            "after t iterations. Bottom: the per-example NLL gap to the optimum against the iteration, log-log, "
            "for both methods.",
        height=6.0,
    )


EXPLORABLES = {"families": families, "irls_vs_gd": irls_vs_gd}


# --------------------------------------------------------------------------- claims and tables
def gd_matches_irls():
    """Largest coefficient difference between IRLS and 400 full-batch GD steps with momentum 0.9, per family."""
    lrs = {"Gaussian": 0.25, "Bernoulli": 1.0, "Poisson": 0.025}
    out = {}
    for name in SCALAR:
        X, y = family_data(name, 1.0, n=300, seed=1)
        thetas = irls(FAMILIES[name], X, y).thetas
        run = descend(GLMObjective(FAMILIES[name], X, y), np.zeros(2), Momentum(lrs[name], 0.9), steps=400,
                      record_every=400)
        out[name] = (len(thetas) - 1, float(np.max(np.abs(run.final_theta - thetas[-1]))))
    return out


def canonical_gradient_errors(seed: int = 0):
    r"""Max :math:`|\partial\mathrm{NLL}/\partial\eta - (\mu - y)|` by central differences, per family, at random :math:`\eta`."""
    from lib.gradcheck import numerical_gradient

    rng = np.random.default_rng(seed)
    out = {}
    for name, family in FAMILIES.items():
        if name == "categorical":
            eta = rng.normal(size=(5, 3))
            y = rng.integers(0, 3, 5).astype(float)
        else:
            eta = rng.normal(size=5)
            y = family.sample(family.mean(eta), rng)
        numeric = numerical_gradient(lambda e, family=family, y=y: family.nll(y, e).sum(), eta)
        out[name] = float(np.max(np.abs(numeric - family.grad_eta(y, eta))))
    return out


#: True slope of the held-out comparison, per family (steep enough for least squares to leave the range).
HELD_OUT_SLOPE = {"Gaussian": 1.0, "Bernoulli": 3.0, "Poisson": 1.0}


def _held_out(name, slope=None):
    slope = HELD_OUT_SLOPE[name] if slope is None else slope
    family = FAMILIES[name]
    Xtr, ytr = family_data(name, slope, n=200, seed=11)
    Xte, yte = family_data(name, slope, n=5000, seed=12)
    glm_theta, ls_theta = irls(family, Xtr, ytr).final_theta, least_squares(Xtr, ytr)
    return family, Xte, yte, glm_theta, ls_theta


def held_out_nll(name: str, slope: float | None = None, eps: float = 0.01):
    """Held-out mean NLL of the matching GLM and of least squares for one family (``slope`` overrides :data:`HELD_OUT_SLOPE`).

    Returns ``(family, GLM NLL, least-squares NLL, least-squares NLL with means clipped into the
    family's range by eps, fraction of impossible least-squares means)``; an impossible mean gives NLL inf.
    """
    if name == "categorical":
        return _held_out_categorical(eps)
    family, Xte, yte, glm_theta, ls_theta = _held_out(name, slope)
    A = design_matrix(Xte)
    glm_nll = float(family.nll(yte, A @ glm_theta).mean())
    mu = A @ ls_theta
    if name == "Gaussian":
        return name, glm_nll, glm_nll, glm_nll, 0.0
    ok = (mu > 0) & (mu < 1) if name == "Bernoulli" else mu > 0
    with np.errstate(divide="ignore"):
        raw = np.where(ok, family.nll(yte, family.link(np.where(ok, mu, 0.5))), np.inf).mean()
    clipped = np.clip(mu, eps, 1 - eps) if name == "Bernoulli" else np.maximum(mu, eps)
    return name, glm_nll, float(raw), float(family.nll(yte, family.link(clipped)).mean()), float(1 - ok.mean())


def _held_out_categorical(eps):
    """Softmax regression (GD with momentum) against one least-squares line per class, on held-out data."""
    Xtr, ytr = categorical_data(200, seed=11)
    Xte, yte = categorical_data(5000, seed=12)
    objective = GLMObjective(CATEGORICAL, Xtr, ytr, classes=3)
    theta = descend(objective, np.zeros(objective.dim), Momentum(1.0, 0.9), steps=400, record_every=400).final_theta
    glm_nll = GLMObjective(CATEGORICAL, Xte, yte, classes=3).loss(theta)
    onehot = one_hot(ytr.astype(int), 3)
    A = design_matrix(Xte)
    mu = np.column_stack([A @ least_squares(Xtr, onehot[:, k]) for k in range(3)])
    ok = (mu > 0).all(axis=1)
    picked = mu[np.arange(len(yte)), yte.astype(int)]
    with np.errstate(divide="ignore"):
        raw = np.where(picked > 0, -np.log(np.where(picked > 0, picked, 1.0)), np.inf).mean()
    clipped = np.maximum(mu, eps)
    clipped /= clipped.sum(axis=1, keepdims=True)
    return "categorical", glm_nll, float(raw), float(-np.log(clipped[np.arange(len(yte)), yte.astype(int)]).mean()), float(1 - ok.mean())


def matching_family_vs_least_squares(eps: float = 0.01):
    """:func:`held_out_nll` for every family: the rows of the chapter's table."""
    return [held_out_nll(name, eps=eps) for name in (*SCALAR, "categorical")]


def poisson_variance_by_mean():
    """Held-out Poisson data: mean count and variance of least-squares residuals in the lower and upper thirds of x."""
    _, Xte, yte, _, ls_theta = _held_out("Poisson")
    x = Xte[:, 0]
    r = yte - design_matrix(Xte) @ ls_theta
    out = {}
    for label, mask in (("lowest third of x", x < -2 / 3), ("highest third of x", x > 2 / 3)):
        out[label] = (float(yte[mask].mean()), float(r[mask].var()))
    return out


@lru_cache(maxsize=None)
def circle_data(n: int = 400, seed: int = 3):
    r"""Two features in :math:`[-2, 2]^2`, :math:`y \sim \mathrm{Bernoulli}(\sigma(3(1.4 - \lVert x\rVert^2)))`."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    return X, BERNOULLI.sample(sigmoid(3 * (1.4 - (X * X).sum(axis=1))), rng)


@lru_cache(maxsize=None)
def trained_network(hidden: int = 6, steps: int = 2000):
    """A tanh network with a Bernoulli (sigmoid) output, trained by full-batch GD with momentum on :func:`circle_data`."""
    X, y = circle_data()
    net = TwoLayerNet(BERNOULLI, X, y, hidden=hidden)
    run = descend(net, net.init(seed=0), Momentum(0.5, 0.9), steps=steps, record_every=steps)
    return net, run.final_theta


def network_as_glm():
    """The network's output layer versus a logistic GLM refitted by IRLS on its learned features.

    Returns a dict of the numbers the chapter prints.
    """
    X, y = circle_data()
    net, theta = trained_network()
    H = net.features(theta)
    refit = irls(BERNOULLI, H, y).final_theta
    Xte, yte = circle_data(5000, seed=4)
    plain = irls(BERNOULLI, X, y).final_theta
    mu = net.predict(theta)
    return {
        "network train NLL": net.loss(theta),
        "GLM on learned features, train NLL": float(BERNOULLI.nll(y, design_matrix(H) @ refit).mean()),
        "max |mu_network - mu_GLM| on the training inputs": float(np.max(np.abs(net.predict(theta) - BERNOULLI.mean(design_matrix(H) @ refit)))),
        "network held-out NLL": float(BERNOULLI.nll(yte, net.eta(theta, Xte)).mean()),
        "logistic regression on raw x, held-out NLL": float(BERNOULLI.nll(yte, design_matrix(Xte) @ plain).mean()),
        "max |logit(mu) - z|": float(np.max(np.abs(BERNOULLI.link(mu) - net.eta(theta)))),
        "max |sigmoid(mu) - z|": float(np.max(np.abs(sigmoid(mu) - net.eta(theta)))),
    }


def link_roles(eta=(-3.0, 0.0, 3.0)):
    r"""For a few :math:`\eta`: :math:`\mu = \sigma(\eta)`, then :math:`\operatorname{logit}(\mu)` (link) and :math:`\sigma(\mu)` (sigmoid misused as link)."""
    eta = np.asarray(eta, dtype=float)
    mu = BERNOULLI.mean(eta)
    return eta, mu, BERNOULLI.link(mu), sigmoid(mu)


def network_figure():
    """Static figure: the network's predicted probability over the plane, and the learned features' GLM."""
    X, y = circle_data()
    net, theta = trained_network()
    fig = style.figure(height=7.0)
    left, right = fig.subplots(2, 1, height_ratios=[1.25, 1])  # stacked, for a phone column
    g = np.linspace(-2, 2, 81)
    G1, G2 = np.meshgrid(g, g)
    P = net.predict(theta, np.column_stack([G1.ravel(), G2.ravel()])).reshape(G1.shape)
    im = left.contourf(G1, G2, P, levels=np.linspace(0, 1, 11), cmap=style.CMAP)
    fig.colorbar(im, ax=left, label="predicted P(y = 1)")
    left.scatter(X[y == 1, 0], X[y == 1, 1], s=6, color=C["orange"], label="y = 1")
    left.scatter(X[y == 0, 0], X[y == 0, 1], s=6, color=C["black"], marker="x", lw=0.6, label="y = 0")
    left.set(xlim=(-2, 2), ylim=(-2, 2), xlabel="$x_1$", ylabel="$x_2$", title="Network output μ = σ(z)")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below the axes, off the data
    eta = net.eta(theta)
    order = np.argsort(eta)
    right.plot(eta, y + np.random.default_rng(0).uniform(-0.04, 0.04, len(y)), "o", ms=2.5, alpha=0.4,
               color=C["sky"], label="labels y (jittered)")
    right.plot(eta[order], net.predict(theta)[order], color=C["blue"], label="μ = σ(z), the inverse link")
    right.set(xlabel="linear predictor z = vᵀh + b", ylabel="label y and mean μ",
              title="Output layer = logistic GLM on h", ylim=(-0.1, 1.1))
    right.legend(loc="upper left")  # where no label and no curve is: y = 1 labels start at z = -3
    return style.Still(fig, alt="Top: the trained network's predicted probability over the plane with the "
                       "training points. Bottom: labels and the sigmoid curve against the linear predictor of the "
                       "output layer.")


def deviance_as_kl(support: int = 100):
    r"""Max :math:`|d_i - 2\,\mathrm{KL}(F(y_i)\,\|\,F(\hat\mu_i))|` per family, and the total deviance.

    :math:`F(m)` is the family's distribution with mean :math:`m`; the KL comes from
    :mod:`lib.information` (:func:`~lib.information.gaussian_kl` for the normal family,
    :func:`~lib.information.kl_divergence` on probability vectors otherwise: one-hot
    targets against :math:`\hat\mu` for Bernoulli and categorical, Poisson pmfs on
    :math:`0, \dots,` ``support`` built from :meth:`lib.glm.Poisson.nll`). The fits are
    those of :func:`family_data` at slope 1 (IRLS) and of :func:`categorical_data`
    (softmax regression, as in the held-out comparison).
    """
    from lib.information import gaussian_kl, kl_divergence

    out = {}
    for name in SCALAR:
        family = FAMILIES[name]
        X, y = family_data(name, 1.0)
        eta = design_matrix(X) @ irls(family, X, y).final_theta
        mu = family.mean(eta)
        if name == "Gaussian":
            kl = np.array([gaussian_kl(a, 1.0, b, 1.0) for a, b in zip(y, mu)])
        elif name == "Bernoulli":
            kl = kl_divergence(np.column_stack([y, 1 - y]), np.column_stack([mu, 1 - mu]))
        else:
            k = np.broadcast_to(np.arange(support + 1.0), (len(y), support + 1))

            def pmf(m):
                with np.errstate(divide="ignore"):
                    log_m = np.log(np.maximum(m, 1e-300))  # mean 0: the point mass at 0
                return np.exp(-POISSON.nll(k, np.broadcast_to(log_m[:, None], k.shape)))

            kl = kl_divergence(pmf(y), pmf(mu))
        d = family.deviance(y, eta)
        out[name] = (float(np.max(np.abs(d - 2 * kl))), float(d.sum()))
    X, y = categorical_data(200, seed=11)
    objective = GLMObjective(CATEGORICAL, X, y, classes=3)
    theta = descend(objective, np.zeros(objective.dim), Momentum(1.0, 0.9), steps=400, record_every=400).final_theta
    eta = design_matrix(X) @ theta.reshape(2, 3)
    d = CATEGORICAL.deviance(y, eta)
    kl = kl_divergence(one_hot(y.astype(int), 3), CATEGORICAL.mean(eta))
    out["categorical"] = (float(np.max(np.abs(d - 2 * kl))), float(d.sum()))
    return out


# --------------------------------------------------------------------------- links other than the canonical one
_erfc = np.vectorize(math.erfc, otypes=[float])

#: Inverse links :math:`\mu = h(z)` and their derivatives :math:`h'(z)`, for :func:`fit_link`.
#: logit/probit/cloglog map onto (0, 1), log/softplus onto (0, ∞), identity onto all of ℝ.
INVERSE_LINKS = {
    "identity": (lambda z: np.asarray(z, dtype=float), lambda z: np.ones_like(z)),
    "log": (np.exp, np.exp),
    "logit": (sigmoid, lambda z: sigmoid(z) * sigmoid(-z)),
    "probit": (lambda z: 0.5 * _erfc(-z / math.sqrt(2.0)), lambda z: np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)),
    "cloglog": (lambda z: -np.expm1(-np.exp(z)), lambda z: np.exp(z - np.exp(z))),
    "softplus": (lambda z: np.logaddexp(0.0, z), sigmoid),
}


def mean_nll(family_name: str, y, mu) -> float:
    r"""Mean NLL of ``family_name`` at means ``mu`` (any link); ``inf`` if a mean is impossible for the family.

    Bernoulli needs :math:`0 < \mu < 1`, Poisson :math:`\mu > 0`; the NLL is :meth:`lib.glm.Family.nll`
    at the canonical score :math:`g(\mu)`.
    """
    family, mu = FAMILIES[family_name], np.asarray(mu, dtype=float)
    if family_name == "Bernoulli" and ((mu <= 0) | (mu >= 1)).any():
        return math.inf
    if family_name == "Poisson" and (mu <= 0).any():
        return math.inf
    return float(family.nll(y, family.link(mu)).mean())


def bernoulli_nll_from_score(link: str, y, z) -> float:
    r"""Mean Bernoulli NLL :math:`-\frac1N\sum_i [y_i\log\mu_i + (1-y_i)\log(1-\mu_i)]` with :math:`\mu = h(z)`, from the score.

    :math:`\log\mu` and :math:`\log(1-\mu)` are computed without forming :math:`\mu` for the links that keep
    :math:`\mu` in (0, 1) (logit: :math:`\log\sigma(\pm z)`; probit: :math:`\log\Phi(\pm z)`; cloglog:
    :math:`\log(1-e^{-e^z})` and :math:`-e^z`), so a mean that rounds to 0 or 1 still gets its true, finite
    loss. The identity link gives ``inf`` where :math:`\mu \notin (0, 1)`.
    """
    y, z = np.asarray(y, dtype=float), np.asarray(z, dtype=float)
    if link == "logit":
        log_mu, log_not = log_sigmoid(z), log_sigmoid(-z)
    elif link == "probit":
        log_mu, log_not = np.log(0.5 * _erfc(-z / math.sqrt(2.0))), np.log(0.5 * _erfc(z / math.sqrt(2.0)))
    elif link == "cloglog":
        log_mu, log_not = np.log(-np.expm1(-np.exp(z))), -np.exp(z)
    elif link == "identity":
        return mean_nll("Bernoulli", y, z)
    else:
        raise ValueError(f"link must be logit, probit, cloglog or identity, got {link!r}")
    return float(-np.mean(y * log_mu + (1 - y) * log_not))


def fit_link(family_name: str, link: str, X, y, iterations: int = 200, tol: float = 1e-10):
    r"""Maximum-likelihood fit of a GLM with any link in :data:`INVERSE_LINKS`, by Fisher scoring.

    With :math:`\mu_i = h(z_i)`, :math:`z_i = \theta^\top a_i`, the score and the expected information are
    :math:`\sum_i (y_i - \mu_i)\,h'(z_i)/V(\mu_i)\; a_i` and :math:`A^\top W A`,
    :math:`W = \operatorname{diag}\bigl(h'(z_i)^2 / V(\mu_i)\bigr)`, so

    .. math:: \theta \leftarrow \theta + s\,(A^\top W A)^{-1} A^\top \bigl((y - \mu)\odot h'(z) / V(\mu)\bigr)

    (McCullagh & Nelder 1989, §2.5; for the canonical link :math:`h' = V` and this is :func:`lib.glm.irls`).
    The step length :math:`s` starts at 1 and is halved until the NLL is finite and not larger, which keeps
    every mean possible for links that can leave the family's range (identity for Poisson counts; Marschner
    2011, "glm2: fitting generalized linear models with convergence problems", R Journal 3(2)). Starts from
    the constant fit :math:`h(\theta_0) = \bar y`. When no halved step lowers the NLL the fit is reported as
    converged: that is also how a boundary optimum ends (Poisson counts with the identity link: the best line
    touches :math:`\mu = 0` at a zero count). Returns ``(theta, mean NLL, iterations, converged)``.
    """
    family, (h, dh) = FAMILIES[family_name], INVERSE_LINKS[link]
    A = design_matrix(X)
    y = np.asarray(y, dtype=float)
    lo, hi = (float(y.min()) - 1.0, float(y.max()) + 1.0) if link == "identity" else (-40.0, 40.0)
    target = float(np.clip(y.mean(), 1e-6, 1 - 1e-6)) if family_name == "Bernoulli" else max(float(y.mean()), 1e-6)
    for _ in range(200):  # bisection: h is increasing
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if float(h(np.array(mid))) < target else (lo, mid)
    theta = np.zeros(A.shape[1])
    theta[-1] = 0.5 * (lo + hi)

    def loss(z):
        if family_name == "Bernoulli" and link != "identity":
            return bernoulli_nll_from_score(link, y, z)
        return mean_nll(family_name, y, h(z))

    nll = loss(A @ theta)
    converged, t = False, 0
    for t in range(1, iterations + 1):
        z = A @ theta
        mu, d = h(z), dh(z)
        if family_name == "Bernoulli":  # the weights only: keep V(mu) > 0 where mu rounds to 0 or 1
            mu = np.clip(mu, 1e-12, 1 - 1e-12)
        v = family.variance(mu)
        step = np.linalg.solve(A.T @ ((d * d / v)[:, None] * A), A.T @ ((y - mu) * d / v))
        s = 1.0
        while True:
            trial = loss(A @ (theta + s * step))
            if trial <= nll or s < 1e-12:
                break
            s /= 2
        if trial > nll:  # no step lowers the NLL: a (boundary) optimum
            converged = True
            break
        theta, nll = theta + s * step, trial
        if np.max(np.abs(s * step)) < tol:
            converged = True
            break
    return theta, nll, t, converged


def link_isolation(eps: float = 0.01):
    r"""Held-out Poisson and Bernoulli NLL of fits that change the link and the family one at a time.

    The data are claim 4's (:func:`family_data`, slope 1 for counts, 3 for 0–1 labels; 200 training and
    5,000 held-out points). Every fit is scored by the *true* family's NLL. Only the identity link can
    predict an impossible mean; means of the other links that float rounding puts on the boundary
    (:math:`1 - e^{-e^{z}}` is exactly 1.0 for :math:`z > 3.6`) are scored from the score
    (:func:`bernoulli_nll_from_score`). ``eps`` clips the impossible means only. Returns ``{"Poisson": rows, "Bernoulli": rows}``, each row
    ``(family used, link, held-out NLL, NLL with impossible means clipped, fraction of impossible means,
    converged)``; the first row is the true mean.
    """
    plans = {"Poisson": (("Poisson", "log"), ("Poisson", "softplus"), ("Poisson", "identity"),
                         ("Gaussian", "log"), ("Gaussian", "identity")),
             "Bernoulli": (("Bernoulli", "logit"), ("Bernoulli", "probit"), ("Bernoulli", "cloglog"),
                           ("Gaussian", "identity"))}
    out = {}
    for name, plan in plans.items():
        slope = HELD_OUT_SLOPE[name]
        Xtr, ytr = family_data(name, slope, n=200, seed=11)
        Xte, yte = family_data(name, slope, n=5000, seed=12)
        A = design_matrix(Xte)
        truth = FAMILIES[name].mean(INTERCEPT[name] + slope * Xte[:, 0])
        rows = [("true mean", "-", mean_nll(name, yte, truth), mean_nll(name, yte, truth), 0.0, True)]
        for used, link in plan:
            theta, _, _, ok = fit_link(used, link, Xtr, ytr)
            z = A @ theta
            mu = INVERSE_LINKS[link][0](z)
            if link != "identity":  # means in range by construction: no clipping, no rounding onto the boundary
                nll = bernoulli_nll_from_score(link, yte, z) if name == "Bernoulli" else mean_nll(name, yte, mu)
                rows.append((used, link, nll, nll, 0.0, ok))
                continue
            bad = ((mu <= 0) | (mu >= 1)) if name == "Bernoulli" else mu <= 0
            inside = np.clip(mu, eps, 1 - eps) if name == "Bernoulli" else np.maximum(mu, eps)
            rows.append((used, link, mean_nll(name, yte, mu), mean_nll(name, yte, np.where(bad, inside, mu)),
                         float(bad.mean()), ok))
        out[name] = rows
    return out


# --------------------------------------------------------------------------- convexity is not convergence
def separable_run(steps=(10, 100, 1_000, 10_000), n: int = 60, seed: int = 5):
    r"""Logistic regression on separable data (:math:`y = 1` iff :math:`x > 0`): no minimizer exists.

    Full-batch gradient descent (step 1) from 0: the mean NLL tends to its infimum 0 and
    :math:`\lVert\theta\rVert` grows without bound (like :math:`\log t`; Soudry et al. 2018). Also runs
    :func:`lib.glm.irls`, which reports ``converged=False``. Returns
    ``({t: (NLL, ||theta||)}, irls converged, IRLS ||theta||)``.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 1))
    y = (X[:, 0] > 0).astype(float)
    objective = GLMObjective(BERNOULLI, X, y)
    run = descend(objective, np.zeros(2), 1.0, steps=max(steps), record_every=min(steps))
    out = {}
    for t in steps:
        k = int(np.searchsorted(run.steps, t))
        out[t] = (float(run.losses[k]), float(np.linalg.norm(run.thetas[k])))
    fit = irls(BERNOULLI, X, y)
    return out, bool(getattr(fit, "converged", False)), float(np.linalg.norm(fit.final_theta))


def far_start_run(lr: float = 0.1, start=(3.5, 0.5), steps: int = 200):
    r"""Gradient descent on :func:`convergence_problem` from a far start, with :math:`\eta < 2/\lambda_{\max}(\theta^\star)`.

    The Poisson Hessian :math:`\frac1N\sum_i e^{z_i} a_i a_i^\top` has no global bound, so the step bound at
    the optimum is local. Returns ``(lambda_max at the start, step at which the run diverged or None)``.
    """
    X, y = convergence_problem()
    A = design_matrix(X)
    theta0 = np.asarray(start, dtype=float)
    mu = POISSON.mean(A @ theta0)
    lam = float(np.linalg.eigvalsh(A.T @ (mu[:, None] * A) / len(y))[-1])
    run = descend(GLMObjective(POISSON, X, y), theta0, lr, steps=steps, blowup=1e6)
    return lam, run.diverged_at
