r"""Figures and experiments of the chapter on activation functions.

Every activation comes from :mod:`lib.nn.activations`; every network is a
:class:`lib.nn.Sequential` trained by :func:`lib.gradient_descent.descend`.
The chapter's problems, each seeded:

* the activations' properties under a Gaussian input
  :math:`u \sim \mathcal N(m, s^2)`, computed by quadrature on a fixed grid
  (deterministic, so the printed numbers are exact to the digits shown);
* two moons (:func:`lib.datasets.two_moons`, 200 points) classified by
  MLPs of width 16 and depth 1--5, with and without a non-linearity, next to
  logistic regression fitted by IRLS (:func:`lib.glm.irls`);
* a 1-D target on :math:`[-1, 1]` (:func:`lib.datasets.regression_1d`) fitted by
  one ReLU hidden layer of 1--64 units, trained and constructed
  (:func:`relu_interpolant`), for universal approximation;
* a single linear unit fed all-positive (sigmoid) or zero-centred (tanh)
  inputs, trained by per-example SGD, for the zig-zag of LeCun et al. (1998);
* a two-hidden-layer ReLU / leaky-ReLU MLP on two moons, for dead units.

Expensive runs are cached with :func:`functools.lru_cache`, so the notebook's
cells and the explorables share them.
"""
from __future__ import annotations

import math
import timeit
from functools import lru_cache

import contourpy
import numpy as np

from lib import style
from lib.datasets import REGRESSION_TARGETS, regression_1d, two_moons
from lib.explorable import Dropdown, Slider, explore
from lib.glm import BERNOULLI, irls
from lib.gradient_descent import descend
from lib.nn import Activation, Linear, NetworkObjective, Sequential
from lib.nn import activations as A
from lib.optimizers import SGD, Adam

C = style.PALETTE

#: The activations the chapter compares, in the order of its table.
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus")
#: How the figures name them.
LABELS = {"identity": "none (linear)", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
          "leaky_relu": "leaky ReLU", "elu": "ELU", "gelu": "GELU", "softplus": "softplus"}
#: A derivative at least this large counts as a usable gradient (below it, and above 0: "tiny").
USABLE = 0.05


def _check_name(name: str, allowed=NAMES) -> str:
    if name not in allowed:
        raise ValueError(f"name must be one of {list(allowed)}, got {name!r}")
    return name


def phi(name: str, x) -> np.ndarray:
    r""":math:`\phi(x)` for the activation ``name`` (:mod:`lib.nn.activations`; leaky slope 0.01, ELU :math:`\alpha = 1`)."""
    return getattr(A, _check_name(name, NAMES + ("identity",)))(x)


def dphi(name: str, x) -> np.ndarray:
    r""":math:`\phi'(x)` for the activation ``name``."""
    return getattr(A, _check_name(name, NAMES + ("identity",)) + "_grad")(x)


# --------------------------------------------------------------------------- properties by quadrature
#: Standard-normal quadrature: nodes on [-10, 10] and normalized density weights.
_Z = np.linspace(-10.0, 10.0, 20_001)
_W = np.exp(-0.5 * _Z * _Z)
_W /= _W.sum()


def _spread(spread) -> float:
    if isinstance(spread, bool) or not isinstance(spread, (int, float)) or not (0 < spread < math.inf):
        raise ValueError(f"spread must be a positive finite number, got {spread!r}")
    return float(spread)


def _mean(mean) -> float:
    if isinstance(mean, bool) or not isinstance(mean, (int, float)) or not math.isfinite(mean):
        raise ValueError(f"mean must be a finite number, got {mean!r}")
    return float(mean)


@lru_cache(maxsize=None)
def expected_output(name: str, mean: float = 0.0, spread: float = 1.0) -> float:
    r""":math:`\mathbb E\,\phi(u)` for :math:`u \sim \mathcal N(\text{mean}, \text{spread}^2)` (quadrature on 20,001 points).

    Zero for an odd :math:`\phi` (tanh) at mean 0: the zero-centred output
    LeCun, Bottou, Orr & Müller (1998, "Efficient BackProp", §4.4) ask for.
    """
    return float(np.dot(_W, phi(name, _mean(mean) + _spread(spread) * _Z)))


@lru_cache(maxsize=None)
def gradient_fractions(name: str, mean: float = 0.0, spread: float = 1.0) -> dict[str, float]:
    r"""Probability that :math:`|\phi'(u)|` is exactly 0 (``"zero"``), in :math:`(0, \text{USABLE})` (``"tiny"``), or at least :data:`USABLE` (``"usable"``), :math:`u \sim \mathcal N(\text{mean}, \text{spread}^2)`.

    (GELU's derivative is negative for :math:`x < -0.75`; its size is what carries the gradient.)
    """
    d = np.abs(dphi(name, _mean(mean) + _spread(spread) * _Z))
    zero = float(np.dot(_W, d == 0))
    usable = float(np.dot(_W, d >= USABLE))
    return {"zero": zero, "tiny": max(0.0, 1.0 - zero - usable), "usable": usable}


def properties(name: str) -> dict:
    r"""The comparison table's row for ``name``, each entry measured, none typed in.

    ``low``, ``high``: :math:`\phi(-40)` and :math:`\phi(40)` (the range's ends);
    ``minimum``: :math:`\min\phi` on :math:`[-10, 10]` (GELU dips below 0);
    ``phi0``: :math:`\phi(0)`; ``mean``: :math:`\mathbb E\,\phi(u)`, :math:`u\sim\mathcal N(0,1)`;
    ``d_left``, ``d_right``: :math:`\phi'(-10)`, :math:`\phi'(10)` (saturation: near 0);
    ``d_max``, ``d_argmax``: the derivative's maximum on :math:`[-10, 10]` and where;
    ``zero_grad``: :math:`P(\phi'(u) = 0)` under :math:`\mathcal N(0, 1)` (the units a ReLU switches off).
    """
    x = _Z
    f, d = phi(name, x), dphi(name, x)
    k = int(np.argmax(d))
    ends = phi(name, np.array([-40.0, 40.0]))
    de = dphi(name, np.array([-10.0, 10.0]))
    return {"name": name, "low": float(ends[0]), "high": float(ends[1]), "minimum": float(f.min()),
            "phi0": float(phi(name, np.array([0.0]))[0]), "mean": expected_output(name),
            "d_left": float(de[0]), "d_right": float(de[1]), "d_max": float(d[k]), "d_argmax": float(x[k]),
            "zero_grad": gradient_fractions(name)["zero"]}


def comparison_table() -> list[dict]:
    """:func:`properties` of every activation in :data:`NAMES`."""
    return [properties(name) for name in NAMES]


def cost_per_evaluation(n: int = 100_000, repeats: int = 5) -> dict[str, tuple[float, float]]:
    r"""Nanoseconds per element of :math:`\phi` and of :math:`\phi'` on ``n`` standard-normal inputs (best of ``repeats``).

    A measurement of *this* NumPy implementation on *this* machine: it varies
    from run to run and machine to machine, and the book never checks or
    interprets it as a result. (:func:`lib.nn.activations.gelu` calls
    ``math.erfc`` element by element, which is why it is slow here; a fused
    GPU kernel costs about as much as ReLU.)
    """
    x = np.random.default_rng(0).standard_normal(n)
    out = {}
    for name in NAMES:
        f, df = getattr(A, name), getattr(A, name + "_grad")
        out[name] = tuple(min(timeit.repeat(lambda g=g: g(x), number=1, repeat=repeats)) / n * 1e9 for g in (f, df))
    return out


def curves_figure():
    """The seven activations (left) and their derivatives (right), with the derivative maxima 1/4 and 1 dashed."""
    fig = style.figure(height=3.6)
    left, right = fig.subplots(1, 2)
    x = np.linspace(-4, 4, 401)
    dashes = ("-", "-", "-", "--", "-.", "-", ":")  # leaky ReLU dashed over ReLU, so both show
    for name, colour, ls in zip(NAMES, style.CYCLE, dashes):
        left.plot(x, phi(name, x), color=colour, ls=ls, label=LABELS[name])
        right.plot(x, dphi(name, x), color=colour, ls=ls)
    for level in (0.25, 1.0):
        right.axhline(level, color=C["black"], lw=0.8, ls="--")
    right.text(-3.9, 0.27, "1/4", va="bottom")
    left.set(xlim=(-4, 4), ylim=(-1.5, 4), xlabel="input $x$", ylabel=r"$\phi(x)$", title="Activation φ")
    right.set(xlim=(-4, 4), ylim=(-0.2, 1.2), xlabel="input $x$", ylabel=r"$\phi'(x)$", title="Derivative φ′")
    fig.legend(handles=left.get_legend_handles_labels()[0], loc="outside upper center", ncols=4)
    return style.Still(fig, alt="Left: sigmoid, tanh, ReLU, leaky ReLU, ELU, GELU and softplus on [-4, 4]. Right: "
                                "their derivatives; sigmoid's peaks at 1/4, tanh's at 1, the rectifiers' are 1 for "
                                "positive inputs and 0 (ReLU) or small for negative ones, GELU's overshoots 1.")


# --------------------------------------------------------------------------- explorable 1: input distribution
MEANS = (-4.0, -2.0, 0.0, 2.0, 4.0)
SPREADS = (0.5, 2.0)
_X_PLOT = np.linspace(-10, 10, 401)


@lru_cache(maxsize=None)
def _curves(name: str):
    r""":math:`\phi` and :math:`\phi'` on the explorable's input axis."""
    return phi(name, _X_PLOT), dphi(name, _X_PLOT)


@lru_cache(maxsize=None)
def _output_histogram(name: str, mean: float, spread: float):
    """Density of :math:`\\phi(u)` on fixed bins of [-2, 6] (quadrature weights binned; mass outside clipped to the ends)."""
    edges = np.linspace(-2, 6, 161)
    values = np.clip(phi(name, mean + spread * _Z), edges[0], edges[-1] - 1e-9)
    mass, _ = np.histogram(values, bins=edges, weights=_W)
    return edges, mass / np.diff(edges)


def input_distribution():
    """Explorable: pick an activation and an input distribution; see the outputs and the share of usable gradients."""

    def make(fig):
        left, right = fig.subplots(1, 2)
        density = left.fill_between(_X_PLOT, 0, 0, color=C["sky"], alpha=0.3, lw=0, label="input density")
        density.set_animated(True)
        curve, = left.plot([], [], color=C["blue"], animated=True, label=r"$\phi(x)$")
        slope, = left.plot([], [], color=C["orange"], ls="--", animated=True, label=r"$\phi'(x)$")
        left.set(xlim=(-10, 10), ylim=(-1.6, 4), xlabel="input $x$", ylabel="value")
        hist = right.stairs(np.zeros(160), np.linspace(-2, 6, 161), fill=True, color=C["green"], alpha=0.6,
                            animated=True)
        centre = right.axvline(0, color=C["vermillion"], lw=1.5, animated=True, label="mean output")
        right.axvline(0, color=C["black"], lw=0.8, ls=":")
        right.set(xlim=(-2, 6), ylim=(0, 4), xlabel=r"output $\phi(u)$", ylabel="density (clipped at 4)")
        fig.legend(handles=[density, curve, slope, centre], loc="outside upper center", ncols=4)
        title = left.set_title(" \n ")
        title.set_animated(True)
        rtitle = right.set_title(" \n ")
        rtitle.set_animated(True)

        def update(name, mean, spread):
            pdf = np.exp(-0.5 * ((_X_PLOT - mean) / spread) ** 2) / (spread * math.sqrt(2 * math.pi))
            density.set_data(_X_PLOT, 0, 3.5 * pdf / pdf.max())
            f, d = _curves(name)
            curve.set_data(_X_PLOT, f)
            slope.set_data(_X_PLOT, d)
            edges, dens = _output_histogram(name, mean, spread)
            hist.set_data(np.minimum(dens, 4.0), edges)
            m = expected_output(name, mean, spread)
            centre.set_xdata([m, m])
            g = gradient_fractions(name, mean, spread)
            title.set_text(f"usable |φ′| ≥ {USABLE:g}: {g['usable']:.0%}\n"
                           f"tiny {g['tiny']:.0%}, exactly 0: {g['zero']:.0%}")
            rtitle.set_text(f"mean output {m:+.2f}\n(0 = zero-centred)")
            return (f"{LABELS[name]} on inputs with mean {mean:g} and spread {spread:g}: mean output {m:+.2f}; "
                    f"{g['usable']:.0%} of inputs get a usable derivative, {g['tiny']:.0%} a tiny one, "
                    f"{g['zero']:.0%} exactly zero")

        return update

    return explore(
        make,
        [Dropdown("name", list(NAMES), default="sigmoid", label="activation",
                  option_labels=[LABELS[n] for n in NAMES]),
         Slider("mean", MEANS[0], MEANS[-1], steps=len(MEANS), default=0.0, label="input mean m"),
         Dropdown("spread", list(SPREADS), default=2.0, label="input spread s")],
        alt="Left: the chosen activation and its derivative over the input axis, with the input density shaded. "
            "Right: the histogram of the outputs with the mean output marked.",
        height=3.6,
    )


# --------------------------------------------------------------------------- two moons: depth and linearity
MOONS_N, MOONS_WIDTH, MOONS_STEPS, MOONS_LR = 200, 16, 300, 0.02
DEPTHS = (1, 2, 3, 4, 5)
MOON_ACTIVATIONS = ("identity", "tanh", "relu")
_GX, _GY = np.meshgrid(np.linspace(-1.6, 2.6, 85), np.linspace(-1.2, 1.7, 60))
_GRID = np.column_stack([_GX.ravel(), _GY.ravel()])


@lru_cache(maxsize=None)
def moons():
    """The chapter's two-moons data: 200 points, noise 0.1, seed 0."""
    return two_moons(MOONS_N, noise=0.1, seed=0)


def mlp(depth: int, activation: str, width: int = MOONS_WIDTH, d_in: int = 2, d_out: int = 1, init="pytorch") -> Sequential:
    """``depth`` hidden layers of ``width`` units, each ``Linear`` then ``Activation(activation)``, and a linear output.

    ``activation="identity"`` gives a deep *linear* network (no non-linearity at all).
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be a non-negative integer, got {depth!r}")
    _check_name(activation, NAMES + ("identity",))
    layers, n = [], d_in
    for _ in range(depth):
        layers += [Linear(n, width, init=init), Activation(activation)]
        n = width
    return Sequential(layers + [Linear(n, d_out, init=init)])


@lru_cache(maxsize=None)
def moons_run(depth: int, activation: str):
    """A ``depth``-hidden-layer MLP trained on :func:`moons` (full batch, Adam, 300 steps): ``(objective, trajectory)``."""
    X, y = moons()
    model = mlp(depth, activation)
    objective = NetworkObjective(model, X, y, "sigmoid")
    run = descend(objective, model.init(seed=1), Adam(MOONS_LR), steps=MOONS_STEPS, record_every=None)
    return objective, run


@lru_cache(maxsize=None)
def logistic_fit():
    """Logistic regression on :func:`moons` by IRLS (:func:`lib.glm.irls`): ``(w, b)``, mean NLL, accuracy."""
    X, y = moons()
    run = irls(BERNOULLI, X, y)
    theta = run.final_theta
    w, b = theta[:2], float(theta[2])
    return w, b, float(run.final_loss), float(np.mean(((X @ w + b) > 0) == y))


def collapse(model: Sequential, theta) -> tuple[np.ndarray, np.ndarray]:
    r"""The single affine map a stack of ``Linear`` layers (with identity activations) computes.

    .. math::
        x \mapsto W_L(\cdots W_2(W_1 x + b_1) + b_2 \cdots) + b_L = \underbrace{W_L\cdots W_1}_{W} x
        + \underbrace{\textstyle\sum_{l} W_L\cdots W_{l+1} b_l}_{b},

    returned as ``(W, b)``; ``ValueError`` naming ``model`` if a layer is not
    ``Linear`` or an identity ``Activation``.
    """
    W, b = None, None
    for layer, params in zip(model.layers, model.params(theta)):
        if isinstance(layer, Activation) and layer.name == "identity":
            continue
        if not isinstance(layer, Linear):
            raise ValueError(f"model must hold only Linear layers and identity activations, got {layer!r}")
        W = params["W"] if W is None else params["W"] @ W
        b = params["b"] if b is None else params["W"] @ b + params["b"]
    return np.array(W), np.array(b)


def plane_residual(depth: int, activation: str) -> float:
    """Largest deviation of the trained net's logit on a 85 x 60 grid from the best plane through it (least squares).

    Zero up to rounding when the net computes an affine function; large when it bends.
    """
    objective, run = moons_run(depth, activation)
    z = objective.output(run.final_theta, _GRID)[:, 0]
    A_ = np.column_stack([_GRID, np.ones(len(_GRID))])
    coef, *_ = np.linalg.lstsq(A_, z, rcond=None)
    return float(np.max(np.abs(A_ @ coef - z)) / max(1.0, np.max(np.abs(z))))


def linear_collapse(depth: int = 3) -> dict:
    """Claim 1: the deep linear net equals one affine map, and that map is the logistic-regression fit.

    ``max_difference``: largest |deep net's logit - collapsed map's logit| on the grid (an identity, an
    illustration); ``relative_distance``: ‖(W, b) - (w_LR, b_LR)‖ / ‖(w_LR, b_LR)‖ against the IRLS fit
    (an experiment: a deep linear net could in principle have ended elsewhere); losses and accuracies.
    """
    objective, run = moons_run(depth, "identity")
    W, b = collapse(objective.model, run.final_theta)
    z_deep = objective.output(run.final_theta, _GRID)[:, 0]
    z_one = _GRID @ W[0] + b[0]
    w_lr, b_lr, loss_lr, acc_lr = logistic_fit()
    ours, theirs = np.append(W[0], b[0]), np.append(w_lr, b_lr)
    return {"depth": depth, "layers": depth + 1, "W": W[0], "b": float(b[0]), "w_lr": w_lr, "b_lr": b_lr,
            "max_difference": float(np.max(np.abs(z_deep - z_one))),
            "relative_distance": float(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)),
            "loss_deep": float(run.final_loss), "loss_lr": loss_lr,
            "accuracy_deep": objective.accuracy(run.final_theta), "accuracy_lr": acc_lr}


def depth_table() -> list[tuple]:
    """``(activation, depth, final loss, training accuracy, plane residual)`` for every trained two-moons net."""
    rows = []
    for act in MOON_ACTIVATIONS:
        for depth in DEPTHS:
            objective, run = moons_run(depth, act)
            rows.append((act, depth, float(run.final_loss), objective.accuracy(run.final_theta),
                         plane_residual(depth, act)))
    return rows


@lru_cache(maxsize=None)
def _boundary(depth: int, activation: str):
    """Predicted probability on the grid and the 0.5 contour as one polyline (NaN between pieces)."""
    objective, run = moons_run(depth, activation)
    z = objective.output(run.final_theta, _GRID)[:, 0].reshape(_GX.shape)
    prob = A.sigmoid(z)
    pieces = contourpy.contour_generator(_GX, _GY, z).lines(0.0)
    xy = np.concatenate([np.vstack([p, [np.nan, np.nan]]) for p in pieces]) if pieces else np.empty((0, 2))
    return prob, xy


def depth_on_moons():
    """Explorable: depth × activation on two moons: the decision boundary and the training loss."""
    from matplotlib.colors import ListedColormap

    X, y = moons()
    runs = {act: [moons_run(d, act) for d in DEPTHS] for act in MOON_ACTIVATIONS}
    loss = {act: [run.final_loss for _, run in runs[act]] for act in MOON_ACTIVATIONS}
    acc = {act: [obj.accuracy(run.final_theta) for obj, run in runs[act]] for act in MOON_ACTIVATIONS}
    loss_lr = logistic_fit()[2]
    regions = ListedColormap([C["sky"], C["vermillion"]])

    def make(fig):
        left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
        image = left.imshow(np.zeros(_GX.shape), origin="lower", extent=(-1.6, 2.6, -1.2, 1.7), aspect="auto",
                            cmap=regions, vmin=0, vmax=1, alpha=0.2, interpolation="nearest", animated=True)
        for label, marker, colour in ((0, "o", C["blue"]), (1, "^", C["vermillion"])):
            left.scatter(*X[y == label].T, s=9, marker=marker, color=colour, zorder=3, animated=True)
        line, = left.plot([], [], color=C["black"], lw=2, animated=True, zorder=4)
        left.set(xlim=(-1.6, 2.6), ylim=(-1.2, 1.7), xlabel="$x_1$", ylabel="$x_2$")
        left.grid(False)
        for act, colour, marker in zip(MOON_ACTIVATIONS, (C["black"], C["blue"], C["orange"]), ("s", "o", "^")):
            right.semilogy(DEPTHS, loss[act], marker=marker, color=colour, label=LABELS[act])
        right.axhline(loss_lr, color=C["purple"], ls=":", lw=2, label="logistic regr.")
        dot, = right.semilogy([], [], "o", ms=13, mfc="none", mec=C["vermillion"], mew=2, animated=True)
        right.set(xlim=(0.6, 5.4), ylim=(3e-6, 1), xticks=DEPTHS, xlabel="hidden layers",
                  ylabel="training loss (log scale)")
        fig.legend(handles=right.get_legend_handles_labels()[0], loc="outside upper center", ncols=4)
        title = left.set_title(" \n ")
        title.set_animated(True)

        def update(depth, activation):
            prob, xy = _boundary(depth, activation)
            image.set_data(prob > 0.5)
            line.set_data(xy[:, 0], xy[:, 1])
            k = DEPTHS.index(depth)
            dot.set_data([depth], [loss[activation][k]])
            shape = "a straight line" if activation == "identity" else "curved"
            title.set_text(f"{depth} hidden layer{'s' if depth > 1 else ''}, {LABELS[activation]}\n"
                           f"accuracy {acc[activation][k]:.1%}, boundary {shape}")
            return (f"{depth} hidden layers with {LABELS[activation]} activation: training accuracy "
                    f"{acc[activation][k]:.1%}, training loss {loss[activation][k]:.2g}; the decision boundary is {shape}")

        return update

    return explore(
        make,
        [Slider("depth", 1, 5, steps=5, integer=True, default=3, label="hidden layers"),
         Dropdown("activation", list(MOON_ACTIVATIONS), default="identity", label="activation",
                  option_labels=[LABELS[a] for a in MOON_ACTIVATIONS])],
        alt="Left: the two-moons points, the network's predicted probability shaded and its decision boundary "
            "drawn. Right: final training loss on a log scale against the number of hidden layers for no "
            "activation, tanh and ReLU, with logistic regression's loss dotted.",
        height=3.6,
    )


# --------------------------------------------------------------------------- universal approximation in 1-D
WIDTHS = (1, 2, 4, 8, 16, 32, 64)
TARGETS = ("sine", "abs", "step")
TARGET_LABELS = {"sine": "sin 3x", "abs": "|x|", "step": "step 1(x > 0)"}
FIT_N, FIT_STEPS, FIT_LR = 64, 600, 0.01
_X_TEST = np.linspace(-1, 1, 801)
_X_WIDE = np.linspace(-2, 2, 401)


def _target(target: str):
    if target not in REGRESSION_TARGETS:
        raise ValueError(f"target must be one of {sorted(REGRESSION_TARGETS)}, got {target!r}")
    return REGRESSION_TARGETS[target]


def shallow_relu(width: int) -> Sequential:
    """``Linear(1, width) -> ReLU -> Linear(width, 1)``, He-uniform weights and zero biases."""
    return mlp(1, "relu", width=width, d_in=1, init="he_uniform")


def relu_interpolant(target: str, width: int) -> np.ndarray:
    r""":math:`\theta` of :func:`shallow_relu` whose output is the piecewise-linear interpolant of ``target`` at ``width + 1`` equally spaced knots of :math:`[-1, 1]`.

    With knots :math:`t_k = -1 + 2k/n` (:math:`n` = ``width``), slopes
    :math:`s_k = (f(t_{k+1}) - f(t_k))/(t_{k+1} - t_k)` and :math:`s_{-1} = 0`,

    .. math::
        \hat f(x) = f(t_0) + \sum_{k=0}^{n-1} (s_k - s_{k-1})\,\operatorname{ReLU}(x - t_k)

    equals :math:`f` at every knot and is linear between them, so for a
    twice-differentiable :math:`f` its error on :math:`[-1, 1]` is at most
    :math:`h^2 \max|f''|/8`, :math:`h = 2/n`: a constructive proof that one
    hidden ReLU layer approximates any continuous function on a compact
    interval (the 1-D case of the universal approximation theorem; cf.
    Nielsen, *Neural Networks and Deep Learning*, ch. 4, with steep sigmoids).
    """
    f = _target(target)
    knots = np.linspace(-1, 1, _width(width) + 1)
    return interpolant_theta(knots, f(knots))


def interpolant_theta(knots, values) -> np.ndarray:
    r""":math:`\theta` of :func:`shallow_relu` (``len(knots) - 1`` units) for the piecewise-linear curve through ``(knots, values)``.

    :math:`\hat f(x) = v_0 + \sum_k (s_k - s_{k-1})\operatorname{ReLU}(x - t_k)`, :math:`s_k` the slope
    between knots :math:`k` and :math:`k+1` (:math:`s_{-1} = 0`); ``knots`` strictly increasing.
    """
    knots, values = np.asarray(knots, dtype=float), np.asarray(values, dtype=float)
    if knots.ndim != 1 or knots.size < 2 or not np.all(np.diff(knots) > 0):
        raise ValueError("knots must be a strictly increasing 1-D array of at least 2 points")
    if values.shape != knots.shape:
        raise ValueError(f"values must have the shape of knots {knots.shape}, got {values.shape}")
    slopes = np.diff(values) / np.diff(knots)
    model = shallow_relu(knots.size - 1)
    theta = np.zeros(model.dim)
    first, _, last = model.params(theta)
    first["W"][:, 0] = 1.0
    first["b"][:] = -knots[:-1]
    last["W"][0] = np.diff(np.concatenate([[0.0], slopes]))
    last["b"][0] = values[0]
    return theta


def _width(width) -> int:
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    return int(width)


@lru_cache(maxsize=None)
def fit_1d(target: str, width: int, noise: float = 0.0, n: int = FIT_N):
    """:func:`shallow_relu` of ``width`` units trained on ``n`` samples of ``target`` (full batch, Adam 0.01, 600 steps)."""
    _target(target)
    X, y = regression_1d(n, target, noise=noise, seed=0)
    model = shallow_relu(_width(width))
    objective = NetworkObjective(model, X, y, "gaussian")
    run = descend(objective, model.init(seed=0), Adam(FIT_LR), steps=FIT_STEPS, record_every=None)
    return objective, run


def rms_error(target: str, objective: NetworkObjective, theta, x=_X_TEST) -> float:
    """Root-mean-square distance between the network's output and the noise-free ``target`` on the points ``x``."""
    pred = objective.output(theta, x[:, None])[:, 0]
    return float(np.sqrt(np.mean((pred - _target(target)(x)) ** 2)))


def sup_error(target: str, objective: NetworkObjective, theta, x=_X_TEST) -> float:
    """Largest distance between the network's output and ``target`` on the points ``x``."""
    return float(np.max(np.abs(objective.output(theta, x[:, None])[:, 0] - _target(target)(x))))


@lru_cache(maxsize=None)
def approximation_table(target: str) -> list[dict]:
    """Per width: RMS and sup errors on [-1, 1] of the trained net and of the constructed interpolant, and
    the trained net's RMS error on 1 < |x| < 2 (outside the compact set it was fitted on)."""
    rows = []
    outside = _X_WIDE[np.abs(_X_WIDE) > 1]
    for width in WIDTHS:
        objective, run = fit_1d(target, width)
        built = relu_interpolant(target, width)
        rows.append({"width": width,
                     "trained_rms": rms_error(target, objective, run.final_theta),
                     "built_rms": rms_error(target, objective, built),
                     "trained_sup": sup_error(target, objective, run.final_theta),
                     "built_sup": sup_error(target, objective, built),
                     "outside_rms": rms_error(target, objective, run.final_theta, outside)})
    return rows


def overfit_check(noise: float = 0.3, sizes=(16, 64, 256)) -> list[dict]:
    r"""Generalization is not promised: per sample size :math:`n`, the ReLU network with :math:`n - 1` units through
    :math:`n` samples of :math:`\sin 3x` (:func:`interpolant_theta`), noisy (``noise``) and noise-free.

    Both fit their samples exactly (training RMS error 0); ``test_noisy`` and ``test_clean`` are their RMS
    errors against the noise-free function between the first and last sample. A perfect fit to noisy data
    stays about ``noise`` away from the function however many units it has.
    """
    rows = []
    for n in sizes:
        X, y = regression_1d(n, "sine", noise=noise, seed=3)
        x = X[:, 0]
        objective = NetworkObjective(shallow_relu(n - 1), X, y, "gaussian")
        inside = _X_TEST[(_X_TEST >= x[0]) & (_X_TEST <= x[-1])]
        noisy, clean = interpolant_theta(x, y), interpolant_theta(x, _target("sine")(x))
        rows.append({"n": n, "units": n - 1,
                     "train_noisy": float(np.sqrt(np.mean((objective.output(noisy)[:, 0] - y) ** 2))),
                     "test_noisy": rms_error("sine", objective, noisy, inside),
                     "test_clean": rms_error("sine", objective, clean, inside)})
    return rows


def units_fit():
    """Explorable: hidden units → fit of a 1-D target, trained and constructed, inside and outside [-1, 1]."""

    def make(fig):
        left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
        left.axvspan(-2, -1, color=C["black"], alpha=0.07, lw=0)
        left.axvspan(1, 2, color=C["black"], alpha=0.07, lw=0)
        truth, = left.plot([], [], color=C["black"], lw=1.2, ls=":", animated=True, label="target")
        dots, = left.plot([], [], "o", color=C["black"], ms=2.5, animated=True)
        trained, = left.plot([], [], color=C["vermillion"], animated=True, label="trained")
        built, = left.plot([], [], color=C["blue"], ls="--", lw=1.4, animated=True, label="constructed")
        left.set(xlim=(-2, 2), ylim=(-1.6, 1.9), xlabel="$x$ (fitted on [-1, 1])", ylabel="$y$")
        errs = {}
        for key, colour, ls, marker in (("trained_rms", C["vermillion"], "-", "o"), ("built_rms", C["blue"], "--", "s")):
            errs[key], = right.loglog([], [], ls=ls, marker=marker, ms=4, color=colour, animated=True)
        dot, = right.loglog([], [], "o", ms=12, mfc="none", mec=C["black"], mew=1.5, animated=True)
        right.set(xlim=(0.7, 90), ylim=(1e-4, 1.5), xlabel="hidden units", ylabel="RMS error on [-1, 1]")
        right.set_xticks(WIDTHS, labels=[str(w) for w in WIDTHS])
        right.minorticks_off()
        fig.legend(handles=[truth, trained, built], loc="outside upper center", ncols=3)
        title = left.set_title(" \n ")
        title.set_animated(True)

        def update(target, width):
            f = _target(target)
            truth.set_data(_X_WIDE, f(_X_WIDE))
            X, y = regression_1d(FIT_N, target, noise=0.0, seed=0)
            dots.set_data(X[:, 0], y)
            objective, run = fit_1d(target, width)
            trained.set_data(_X_WIDE, objective.output(run.final_theta, _X_WIDE[:, None])[:, 0])
            built.set_data(_X_WIDE, objective.output(relu_interpolant(target, width), _X_WIDE[:, None])[:, 0])
            rows = approximation_table(target)
            for key, line in errs.items():
                line.set_data(WIDTHS, [max(r[key], 1e-4) for r in rows])
            row = rows[WIDTHS.index(width)]
            dot.set_data([width], [max(row["trained_rms"], 1e-4)])
            title.set_text(f"{width} ReLU unit{'s' if width > 1 else ''}, RMS error\n"
                           f"trained {row['trained_rms']:.3f}, constructed {row['built_rms']:.3f}")
            return (f"target {TARGET_LABELS[target]}, {width} hidden ReLU units: RMS error on [-1, 1] "
                    f"{row['trained_rms']:.3f} trained, {row['built_rms']:.3f} constructed; "
                    f"outside [-1, 1] the trained fit is off by {row['outside_rms']:.2f} (RMS)")

        return update

    return explore(
        make,
        [Dropdown("target", list(TARGETS), default="sine", label="target",
                  option_labels=[TARGET_LABELS[t] for t in TARGETS]),
         Slider("width", 1, 64, steps=len(WIDTHS), scale="log", integer=True, default=4, label="hidden units")],
        alt="Left: the target function, its 64 training samples on [-1, 1], the trained one-hidden-layer ReLU "
            "network and the constructed piecewise-linear network, drawn on [-2, 2] with the region outside the "
            "training interval shaded. Right: RMS error against the number of hidden units on log axes.",
        height=3.6,
    )


# --------------------------------------------------------------------------- zero-centred inputs: zig-zag
ZIG_N, ZIG_TARGET = 200, np.array([1.0, -1.0])
ZIG_INPUTS = ("sigmoid", "sigmoid_centred", "tanh_shifted", "tanh")
ZIG_LABELS = {"sigmoid": "σ(u): all > 0", "sigmoid_centred": "σ(u) − ½: centred",
              "tanh_shifted": "1 + tanh u: all > 0", "tanh": "tanh u: centred"}
ZIG_STEPS = 120


@lru_cache(maxsize=None)
def zig_inputs(kind: str) -> np.ndarray:
    r"""200 two-dimensional inputs from :math:`u \sim \mathcal N(0, I)` (seed 0), as a previous layer would emit them.

    ``"sigmoid"``: :math:`\sigma(u)` (every entry positive); ``"sigmoid_centred"``: :math:`\sigma(u) - \tfrac12`;
    ``"tanh"``: :math:`\tanh u` (zero-centred); ``"tanh_shifted"``: :math:`1 + \tanh u = 2\sigma(2u)` (the same spread
    as tanh, every entry positive). The pairs differ only by a constant shift, which isolates centring from scale.
    """
    if kind not in ZIG_INPUTS:
        raise ValueError(f"kind must be one of {list(ZIG_INPUTS)}, got {kind!r}")
    u = np.random.default_rng(0).standard_normal((ZIG_N, 2))
    if kind.startswith("tanh"):
        return A.tanh(u) + (1.0 if kind == "tanh_shifted" else 0.0)
    return A.sigmoid(u) - (0.5 if kind == "sigmoid_centred" else 0.0)


def zig_problem(kind: str) -> NetworkObjective:
    r"""A single linear unit :math:`z = w^\top h + b` fitted by squared error to :math:`y = w_\star^\top h`, :math:`w_\star = (1, -1)`, :math:`b_\star = 0`."""
    h = zig_inputs(kind)
    return NetworkObjective(Sequential([Linear(2, 1)]), h, h @ ZIG_TARGET, "gaussian")


def zig_hessian(kind: str) -> np.ndarray:
    r"""The loss's Hessian in :math:`(w_1, w_2, b)`, :math:`\frac1N\sum_i a_i a_i^\top` with :math:`a_i = (h_i, 1)` (constant: the loss is quadratic)."""
    a = np.column_stack([zig_inputs(kind), np.ones(ZIG_N)])
    return a.T @ a / ZIG_N


def sign_agreement(kind: str, batch: int = 1, theta_w=(0.0, 0.0)) -> float:
    r"""Share of gradients :math:`\partial\ell/\partial w` whose two entries have the same sign, at :math:`w` = ``theta_w``.

    ``batch=1``: over the 200 per-example gradients :math:`\delta_i h_i`;
    ``batch=B > 1``: over 2,000 random batches of ``B`` (drawn without replacement, seed 0).
    """
    objective = zig_problem(kind)
    theta = np.array([*theta_w, 0.0])
    g = objective.per_example_grads(theta)[:, :2]
    if batch > 1:
        rng = np.random.default_rng(0)
        g = np.stack([g[rng.choice(len(g), batch, replace=False)].mean(0) for _ in range(2000)])
    g = g[np.all(g != 0, axis=1)]
    return float(np.mean(np.sign(g[:, 0]) == np.sign(g[:, 1])))


@lru_cache(maxsize=None)
def zig_run(kind: str, batch: int):
    r"""SGD on :func:`zig_problem` from :math:`w = 0` with :math:`\eta = 1/\lambda_{\max}` of its Hessian, ``batch`` examples per step."""
    objective = zig_problem(kind)
    lr = 1 / np.linalg.eigvalsh(zig_hessian(kind))[-1]
    theta0 = np.zeros(objective.dim)
    return descend(objective, theta0, SGD(lr), batch_size=batch, steps=ZIG_STEPS, seed=0)


def steps_to_reach(kind: str, batch: int, tolerance: float = 0.05):
    """First step from which on ‖w - w*‖ ≤ ``tolerance`` ‖w*‖ holds to the end of the run (None if not at the end)."""
    run = zig_run(kind, batch)
    distance = np.linalg.norm(run.thetas[:, :2] - ZIG_TARGET, axis=1) / np.linalg.norm(ZIG_TARGET)
    if distance[-1] > tolerance:
        return None
    above = np.flatnonzero(distance > tolerance)
    return int(run.steps[above[-1] + 1]) if above.size else 0


def zigzag_summary() -> list[dict]:
    """Per input kind: mean input, Hessian eigenvalues and condition number, same-sign share, steps to 5%."""
    rows = []
    for kind in ZIG_INPUTS:
        lam = np.linalg.eigvalsh(zig_hessian(kind))
        rows.append({"kind": kind, "mean": zig_inputs(kind).mean(0), "lam_min": float(lam[0]),
                     "lam_max": float(lam[-1]), "condition": float(lam[-1] / lam[0]),
                     "same_sign_1": sign_agreement(kind, 1), "same_sign_32": sign_agreement(kind, 32),
                     "steps_sgd": steps_to_reach(kind, 1), "steps_gd": steps_to_reach(kind, ZIG_N)})
    return rows


def zigzag():
    """Explorable: a unit's weight path under SGD for all-positive vs zero-centred inputs."""
    W1, W2 = np.meshgrid(np.linspace(-0.6, 1.6, 120), np.linspace(-1.6, 0.6, 120))

    def make(fig):
        left, right = fig.subplots(1, 2, width_ratios=[1, 1])
        contour_sets = {}
        left.plot(*ZIG_TARGET, "*", color=C["black"], ms=14, zorder=5, animated=True)  # drawn over the path
        left.plot(0, 0, "o", color=C["black"], ms=6)
        left.axhline(0, color=C["black"], lw=0.6)
        left.axvline(0, color=C["black"], lw=0.6)
        path, = left.plot([], [], "-o", color=C["vermillion"], ms=2.5, lw=1, animated=True)
        left.set(xlim=(-0.6, 1.6), ylim=(-1.6, 0.6), xlabel="weight $w_1$", ylabel="weight $w_2$", aspect="equal")
        contours = {}
        for kind in ZIG_INPUTS:
            H = zig_hessian(kind)[:2, :2]  # the loss over (w1, w2) at b = 0
            d = np.stack([W1 - ZIG_TARGET[0], W2 - ZIG_TARGET[1]], -1)
            contours[kind] = 0.5 * np.einsum("...i,ij,...j->...", d, H, d)
        levels = np.geomspace(1e-3, 1, 7)
        lines = {kind: left.contour(W1, W2, contours[kind], levels=levels * contours[kind].max() / 3,
                                    colors=[C["sky"]], linewidths=0.7) for kind in ZIG_INPUTS}
        for cs in lines.values():
            cs.set_visible(False)
            cs.set_animated(True)
        contour_sets.update(lines)
        dist, = right.semilogy([], [], color=C["vermillion"], animated=True)
        right.axhline(0.05, color=C["black"], ls="--", lw=1)
        right.set(xlim=(0, ZIG_STEPS), ylim=(1e-3, 2), xlabel="step $t$", ylabel=r"$\|w_t - w_\star\| / \|w_\star\|$")
        title = right.set_title(" \n ")
        title.set_animated(True)
        ltitle = left.set_title(" ")
        ltitle.set_animated(True)

        def update(kind, batch):
            for k, cs in contour_sets.items():
                cs.set_visible(k == kind)
            run = zig_run(kind, batch)
            path.set_data(run.thetas[:, 0], run.thetas[:, 1])
            d = np.linalg.norm(run.thetas[:, :2] - ZIG_TARGET, axis=1) / np.linalg.norm(ZIG_TARGET)
            dist.set_data(run.steps, np.maximum(d, 1e-3))
            share = sign_agreement(kind, 1)
            lam = np.linalg.eigvalsh(zig_hessian(kind))
            title.set_text(f"same-sign gradients: {share:.0%}\nHessian condition no. {lam[-1] / lam[0]:.0f}")
            ltitle.set_text(ZIG_LABELS[kind])
            steps = steps_to_reach(kind, batch)
            reached = f"within 5% of w* from step {steps} on" if steps is not None else f"not within 5% after {ZIG_STEPS} steps"
            return (f"inputs {ZIG_LABELS[kind]}, batch {batch}: {share:.0%} of per-example gradients have two "
                    f"entries of the same sign; the Hessian's condition number is {lam[-1] / lam[0]:.0f}; {reached}")

        return update

    return explore(
        make,
        [Dropdown("kind", list(ZIG_INPUTS), default="sigmoid", label="inputs",
                  option_labels=[ZIG_LABELS[k] for k in ZIG_INPUTS]),
         Dropdown("batch", [1, ZIG_N], default=1, label="batch size", option_labels=["1 (SGD)", f"{ZIG_N} (full)"])],
        alt="Left: the path of a unit's two weights from the origin to the target star on the loss contours. "
            "Right: the relative distance to the target against the step on a log scale, with the 5% line dashed.",
        height=3.4,
    )


# --------------------------------------------------------------------------- dead ReLU units
DEAD_LRS = (0.1, 1.0)


@lru_cache(maxsize=None)
def dead_run(activation: str, lr: float):
    """``2 -> 32 -> 32 -> 1`` MLP with ``activation`` trained on :func:`moons` by SGD (batch 10, 400 steps, seed 0)."""
    X, y = moons()
    model = mlp(2, activation, width=32)
    objective = NetworkObjective(model, X, y, "sigmoid")
    theta0 = model.init(seed=0)
    return objective, theta0, descend(objective, theta0, SGD(lr), batch_size=10, steps=400, record_every=None)


def dead_units(activation: str = "relu", lr: float = 0.1) -> dict:
    r"""Units whose pre-activation is :math:`\le 0` on every training input, before and after training, per hidden layer.

    For ReLU such a unit's derivative is 0 on every example, so every gradient
    reaching its incoming weights is 0 and they never change: ``frozen`` counts
    the dead-at-start units whose weights and bias are exactly their initial
    values at the end. A leaky ReLU's derivative is 0.01 there, so its
    "dead" units still learn.
    """
    objective, theta0, run = dead_run(_check_name(activation), lr)
    X = objective.X
    model = objective.model
    out = {"activation": activation, "lr": lr, "accuracy": objective.accuracy(run.final_theta), "layers": []}
    pre0, pre1 = model.activations(theta0, X), model.activations(run.final_theta, X)
    for k, index in enumerate((0, 2)):
        dead_start = np.all(pre0[index] <= 0, axis=0)
        dead_end = np.all(pre1[index] <= 0, axis=0)
        W0, W1 = model.params(theta0)[index]["W"], model.params(run.final_theta)[index]["W"]
        b0, b1 = model.params(theta0)[index]["b"], model.params(run.final_theta)[index]["b"]
        unchanged = np.all(W0 == W1, axis=1) & (b0 == b1)
        out["layers"].append({"layer": k + 1, "units": int(dead_start.size), "dead_start": int(dead_start.sum()),
                              "dead_end": int(dead_end.sum()), "frozen": int((dead_start & unchanged).sum())})
    return out


EXPLORABLES = {"input_distribution": input_distribution, "depth_on_moons": depth_on_moons,
               "units_fit": units_fit, "zigzag": zigzag}
