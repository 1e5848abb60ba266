r"""Figures and experiments of the sparsity chapter.

The chapter's problem, seeded: the 8x8 *glyphs* of :func:`lib.datasets.glyphs`
(six stroke shapes at random positions, pixel noise 0.3), flattened to 64
inputs, 600 training and 600 test images, classified by a network with three
hidden layers of 32 units (:func:`network`; PyTorch's default uniform
initialization, symmetric about 0 for weights and biases) and a softmax output.
Unless a function says otherwise a network is trained by Adam
(:math:`\eta = 0.01`, batches of 32, 400 steps; Kingma & Ba 2015).

What is measured on a layer's outputs :math:`a` (:mod:`lib.nn.penalties`):
the exact-zero fraction (Glorot, Bordes & Bengio 2011's "true zeros"), the
near-zero fraction :math:`|a| < \varepsilon`, the fraction at the notes'
"suppressed" value (:data:`SUPPRESSED`), units dead on the training set, and
the fraction of units whose derivative is below a tenth of its maximum
(:func:`lib.nn.diagnostics.saturated_fraction`).

Every function here calls :mod:`lib` and plots; runs that several cells and
explorables share are cached with :func:`functools.lru_cache`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matplotlib import colormaps
from matplotlib.lines import Line2D

from lib import checks, style
from lib.datasets import glyphs
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.gradient_descent import descend
from lib.nn.activations import activation as named_activation
from lib.nn.diagnostics import saturated_fraction
from lib.nn.network import Activation, Dropout, Linear, NetworkObjective, Sequential
from lib.nn.penalties import L1Penalized, dead_units, near_zero_fraction, zero_fraction
from lib.optimizers import SGD, Adam

C = style.PALETTE
#: Hidden units per layer, hidden layers, inputs, classes.
WIDTH, DEPTH, INPUTS, CLASSES = 32, 3, 64, 6
#: Training: Adam's learning rate, batch size, steps.
LR, BATCH, STEPS = 0.01, 32, 400
#: The activations compared, with their display names.
ACTIVATIONS = ("relu", "softplus", "tanh", "sigmoid")
NAMES = {"relu": "ReLU", "softplus": "softplus", "tanh": "tanh", "sigmoid": "sigmoid", "leaky_relu": "leaky ReLU"}
#: Default near-zero threshold.
EPS = 0.01
#: The notes' "suppressed" outputs: 0 for ReLU, near 0 for sigmoid (and softplus), near -1 for tanh --
#: within 5% of the activation's range of its lower bound (for ReLU: exactly 0).
SUPPRESSED = {
    "relu": lambda a: a == 0,
    "softplus": lambda a: a < 0.05,
    "sigmoid": lambda a: a < 0.05,
    "tanh": lambda a: a < -0.9,
}
#: Strengths offered by the L1 explorable (activation penalty λ; the weight penalty uses λ/10).
L1_GRID = Slider("lam", 1e-4, 10**-1.5, steps=6, scale="log", default=1e-3, label="L1 strength λ", fmt="{:.1e}")
#: Plain-SGD learning rates of the dead-unit experiment.
LR_GRID = Slider("lr", 0.03, 3.0, steps=8, scale="log", default=0.3, label="learning rate η")
#: Steps and record interval of the dead-unit runs.
DEAD_STEPS, DEAD_EVERY = 400, 40


# --------------------------------------------------------------------------- data and networks
@lru_cache(maxsize=None)
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, X_test, y_test)``: 600 glyphs each (100 per class, noise 0.3), seeds 0 and 1, flattened to 64 inputs."""
    X, y = glyphs(100, noise=0.3, seed=0)
    Xt, yt = glyphs(100, noise=0.3, seed=1)
    out = (X.reshape(len(X), -1), y, Xt.reshape(len(Xt), -1), yt)
    for a in out:
        a.flags.writeable = False
    return out


def network(activation: str = "relu", dropout: float = 0.0) -> Sequential:
    """``64 → 32 → 32 → 32 → 6``: three hidden :class:`Activation` layers, each followed by :class:`Dropout` when ``dropout`` > 0."""
    layers, n = [], INPUTS
    for k in range(DEPTH):
        layers += [Linear(n, WIDTH), Activation(activation)]
        if dropout:
            layers.append(Dropout(dropout, seed=k))
        n = WIDTH
    layers.append(Linear(n, CLASSES))
    return Sequential(layers)


def hidden_indices(model: Sequential) -> tuple[int, ...]:
    """Indices of the model's :class:`Activation` layers (the hidden outputs :math:`a^{(1)}, a^{(2)}, a^{(3)}`)."""
    return tuple(i for i, layer in enumerate(model.layers) if isinstance(layer, Activation))


@dataclass(frozen=True, eq=False)
class Fit:
    """A trained network: its model, objective, start and end parameters, run and test accuracy (eval mode)."""

    model: Sequential
    objective: NetworkObjective
    theta0: np.ndarray
    theta: np.ndarray
    run: object
    test_accuracy: float


@lru_cache(maxsize=None)
def trained(activation: str = "relu", activation_l1: float = 0.0, weight_l1: float = 0.0, dropout: float = 0.0,
            seed: int = 0) -> Fit:
    r"""A network trained on :func:`data` by Adam, with optional L1 penalties (:class:`~lib.nn.penalties.L1Penalized`) and dropout.

    ``seed`` seeds the initialization and the batches. The model is left in eval mode.
    """
    X, y, Xt, yt = data()
    model = network(activation, dropout)
    objective = NetworkObjective(model, X, y)
    penalized = L1Penalized(objective, activation_l1, weight_l1) if activation_l1 or weight_l1 else objective
    theta0 = model.init(seed)
    run = descend(penalized, theta0, Adam(LR), batch_size=BATCH, steps=STEPS, seed=seed, record_every=None)
    model.eval()
    return Fit(model, objective, theta0, run.final_theta, run, objective.accuracy(run.final_theta, Xt, yt))


def hidden(model: Sequential, theta, X, train: bool = False, pre: bool = False) -> list[np.ndarray]:
    """The three hidden layers' outputs on ``X`` (pre-activations with ``pre``); ``train`` runs dropout in train mode.

    In train mode the output of a hidden layer is the output of the dropout after it
    (the mask of the latest training pass; no state changes). The model is left in eval mode.
    """
    model.train() if train else model.eval()
    try:
        outs = model.activations(theta, X)
    finally:
        model.eval()
    idx = hidden_indices(model)
    if pre:
        return [outs[i - 1] for i in idx]
    after = [i + 1 if i + 1 < len(model.layers) and isinstance(model.layers[i + 1], Dropout) else i for i in idx]
    return [outs[i] for i in after]


# --------------------------------------------------------------------------- claims 1, 3, 4: how sparse is each activation
def layer_stats(activation: str, stage: str = "trained", eps: float = EPS, X=None) -> list[dict]:
    """Per hidden layer: ``exact`` zeros, ``near`` zeros (:math:`|a| < \\varepsilon`) and ``suppressed`` (:data:`SUPPRESSED`).

    ``stage`` is ``"init"`` or ``"trained"``; ``X`` defaults to the training inputs.
    """
    if stage not in ("init", "trained"):
        raise ValueError(f"stage must be 'init' or 'trained', got {stage!r}")
    fit = trained(activation)
    X = data()[0] if X is None else X
    outs = hidden(fit.model, fit.theta0 if stage == "init" else fit.theta, X)
    return [{"exact": zero_fraction(a), "near": near_zero_fraction(a, eps),
             "suppressed": float(np.mean(SUPPRESSED[activation](a)))} for a in outs]


def init_zero_fractions(seeds=range(20)) -> dict[str, np.ndarray]:
    r"""Exact-zero fraction of each ReLU layer at initialization over ``seeds``: ``mean`` and ``sd`` per layer.

    Weights and biases are drawn symmetric about 0, so :math:`\Pr(z < 0) = \tfrac12` for every unit and
    every input and the expected fraction is exactly one half in every layer (eq-sp-half).
    """
    X = data()[0]
    model = network("relu")
    fractions = np.array([[zero_fraction(a) for a in hidden(model, model.init(s), X)] for s in seeds])
    return {"mean": fractions.mean(0), "sd": fractions.std(0, ddof=1), "runs": len(fractions)}


def lifetime_zero_fractions(activation: str = "relu", stage: str = "init") -> list[np.ndarray]:
    """Per hidden layer, each unit's fraction of training examples on which it outputs exactly 0."""
    fit = trained(activation)
    outs = hidden(fit.model, fit.theta0 if stage == "init" else fit.theta, data()[0])
    return [np.mean(a == 0, axis=0) for a in outs]


def activation_patterns(activation: str = "relu", stage: str = "trained") -> int:
    """Number of distinct on/off patterns (:math:`a > 0` over all 96 hidden units) among the 600 training inputs.

    Each pattern selects one linear map from input to output ("activation path").
    """
    fit = trained(activation)
    outs = hidden(fit.model, fit.theta0 if stage == "init" else fit.theta, data()[0])
    on = np.concatenate([a > 0 for a in outs], axis=1)
    return len({row.tobytes() for row in on})


# --------------------------------------------------------------------------- claim 2: is a suppressed unit silent?
def forward_silenced(model: Sequential, theta, X, silence) -> tuple[np.ndarray, float]:
    """The network's output when every hidden output where ``silence(a)`` is true is replaced by 0; and the share replaced.

    A unit that is truly off contributes :math:`W_{:,j}\\,a_j = 0` to the next layer, so
    silencing it changes nothing.
    """
    model.eval()
    x, replaced, total = model.inputs(X), 0, 0
    for layer, params, state in zip(model.layers, model.params(theta), model.state):
        x, _ = layer.forward(x, params, state, False, False)
        if isinstance(layer, Activation):
            mask = silence(x)
            replaced, total = replaced + int(mask.sum()), total + mask.size
            x = np.where(mask, 0.0, x)
    return x, replaced / total


def silencing(activation: str) -> dict:
    """Test accuracy before and after silencing the units the notes call suppressed, and the share of predictions that change."""
    fit = trained(activation)
    _, _, Xt, yt = data()
    z = fit.objective.output(fit.theta, Xt)
    silenced, share = forward_silenced(fit.model, fit.theta, Xt, SUPPRESSED[activation])
    before, after = z.argmax(1), silenced.argmax(1)
    return {"suppressed": share, "accuracy": float(np.mean(before == yt)), "silenced": float(np.mean(after == yt)),
            "changed": float(np.mean(before != after))}


# --------------------------------------------------------------------------- claim 5: gradients
def gradient_stats(activation: str, stage: str = "trained", tol: float = 0.1) -> dict:
    r"""Per hidden layer: share of units with :math:`\phi'(z) \le \text{tol}\cdot\max\phi'` and the mean :math:`\phi'(z)`, on the training set."""
    fit = trained(activation)
    pre = hidden(fit.model, fit.theta0 if stage == "init" else fit.theta, data()[0], pre=True)
    df = named_activation(activation).df
    return {"blocked": [saturated_fraction(activation, z, tol) for z in pre],
            "mean_derivative": [float(np.mean(df(z))) for z in pre]}


# --------------------------------------------------------------------------- L1 penalties
SETTINGS = {
    "relu_act": ("relu", "activations"),
    "tanh_act": ("tanh", "activations"),
    "relu_w": ("relu", "weights"),
}
SETTING_LABELS = ("ReLU, L1 on activations", "tanh, L1 on activations", "ReLU, L1 on weights")


def l1_fit(setting: str, lam: float) -> Fit:
    """:func:`trained` for a setting of :data:`SETTINGS` at strength ``lam`` (0: no penalty; weights get ``lam / 10``)."""
    if setting not in SETTINGS:
        raise ValueError(f"setting must be one of {sorted(SETTINGS)}, got {setting!r}")
    activation, target = SETTINGS[setting]
    lam = checks.finite("lam", lam, low=0.0)
    if target == "activations":
        return trained(activation, activation_l1=lam)
    return trained(activation, weight_l1=float(f"{lam / 10:.6g}"))


def weights(fit: Fit) -> np.ndarray:
    """Every weight of the fit's linear layers, flattened (biases excluded)."""
    params = fit.model.params(fit.theta)
    return np.concatenate([params[i]["W"].ravel() for i, layer in enumerate(fit.model.layers) if isinstance(layer, Linear)])


@lru_cache(maxsize=None)
def l1_point(setting: str, lam: float) -> dict:
    """What the L1 explorable shows at one strength: sparsity of the hidden outputs (training set) and of the weights, and test accuracy."""
    fit = l1_fit(setting, lam)
    outs = hidden(fit.model, fit.theta, data()[0])
    a, w = np.concatenate([o.ravel() for o in outs]), weights(fit)
    return {"exact": zero_fraction(a), "near": near_zero_fraction(a, EPS), "layers": [zero_fraction(o) for o in outs],
            "w_exact": zero_fraction(w), "w_near": near_zero_fraction(w, 1e-3), "accuracy": fit.test_accuracy}


def l1_sweep(setting: str = "relu_act") -> list[tuple[float, dict]]:
    """:func:`l1_point` at λ = 0 and every value of :data:`L1_GRID`."""
    return [(lam, l1_point(setting, lam)) for lam in (0.0, *L1_GRID.values)]


def glorot_comparison() -> dict:
    """Our exact-zero fractions next to Glorot, Bordes & Bengio (2011): at init, and after training with λ = 0, 1e-3, 3.2e-3."""
    init = init_zero_fractions()
    out = {"init": init["mean"]}
    for lam in (0.0, *L1_GRID.values[2:4]):
        p = l1_point("relu_act", lam)
        out[lam] = {"layers": np.array(p["layers"]), "accuracy": p["accuracy"]}
    return out


# --------------------------------------------------------------------------- dead units
@lru_cache(maxsize=None)
def dead_run(activation: str, lr: float) -> dict:
    """Plain SGD (batches of 32) at learning rate ``lr``: per record, the share of each layer's units inactive on every training example.

    Inactive means :math:`z \\le 0` for all 600 inputs -- for ReLU a dead unit
    (output and incoming-weight gradient 0 on every example; :func:`lib.nn.penalties.dead_units`),
    for leaky ReLU a unit that still passes 1% of its gradient. Also: the step
    the run diverged at (None) and the test accuracy.
    ``revived``: per layer, the units that were dead at one record and alive at a later one --
    always 0 in layer 1 for ReLU, whose dead units receive a zero gradient on every batch and
    whose inputs never change, while deeper layers' inputs move as the layers below train.
    """
    X, y, Xt, yt = data()
    model = network(activation)
    objective = NetworkObjective(model, X, y)
    run = descend(objective, model.init(0), SGD(lr), batch_size=BATCH, steps=DEAD_STEPS, seed=0,
                  record_every=DEAD_EVERY)
    masks = np.array([[dead_units(np.maximum(z, 0.0)) for z in hidden(model, theta, X, pre=True)]
                      for theta in run.thetas])  # (records, layers, units)
    later_alive = np.flip(np.logical_or.accumulate(np.flip(~masks, 0), 0), 0)  # alive at this record or later
    revived = np.any(masks[:-1] & later_alive[1:], axis=0).sum(axis=1)
    return {"steps": run.steps.copy(), "dead": masks.mean(axis=2), "diverged_at": run.diverged_at,
            "accuracy": objective.accuracy(run.final_theta, Xt, yt), "revived": [int(r) for r in revived]}


def dead_table(lrs=None, activation: str = "relu") -> list[tuple[float, dict]]:
    """:func:`dead_run` over the learning rates of :data:`LR_GRID` (or ``lrs``, snapped to it)."""
    grid = np.array(LR_GRID.values)
    lrs = grid if lrs is None else [float(grid[np.argmin(np.abs(np.log(grid / lr)))]) for lr in lrs]
    return [(float(lr), dead_run(activation, float(lr))) for lr in lrs]


# --------------------------------------------------------------------------- dropout
def dropout_zeros(activation: str, p: float, train: bool, X=None) -> list[float]:
    """Exact-zero fraction per hidden layer of the trained (dropout-free) network with dropout ``p`` inserted, in train or eval mode.

    The dropout layers take the trained weights unchanged; in train mode each draws its mask.
    """
    fit = trained(activation)
    X = data()[0] if X is None else X
    if p == 0:
        return [zero_fraction(a) for a in hidden(fit.model, fit.theta, X)]
    model = network(activation, dropout=p)
    return [zero_fraction(a) for a in hidden(model, fit.theta, X, train=train)]


def dropout_trained_sparsity(ps=(0.0, 0.2, 0.5), activation: str = "relu", seeds=(0, 1, 2)) -> dict[float, dict]:
    """Eval-mode exact zeros per layer and test accuracy of networks *trained* with dropout ``p`` (the indirect effect), averaged over ``seeds``."""
    X = data()[0]
    out = {}
    for p in ps:
        fits = [trained(activation, dropout=p, seed=s) for s in seeds]
        layers = [[zero_fraction(a) for a in hidden(f.model, f.theta, X)] for f in fits]
        out[p] = {"layers": np.mean(layers, axis=0), "accuracy": float(np.mean([f.test_accuracy for f in fits])),
                  "runs": len(fits)}
    return out


# --------------------------------------------------------------------------- explorable 1: histograms
EDGES = np.linspace(-1.05, 2.05, 63)
EPS_GRID = (0.01, 0.1)


@lru_cache(maxsize=None)
def histogram(activation: str, layer: int, stage: str) -> tuple[np.ndarray, float, np.ndarray]:
    """Share of the layer's nonzero outputs in each bin of :data:`EDGES` (values beyond the ends in the end bins), the exact-zero share, and the outputs."""
    fit = trained(activation)
    a = hidden(fit.model, fit.theta0 if stage == "init" else fit.theta, data()[0])[layer - 1].ravel()
    nonzero = np.clip(a[a != 0], EDGES[0] + 1e-9, EDGES[-1] - 1e-9)
    counts, _ = np.histogram(nonzero, EDGES)
    return counts / a.size, zero_fraction(a), a


def activation_histograms():
    """Histogram of one hidden layer's outputs at init and after training, with the exact-zero and near-zero shares."""
    floor = 1e-4

    def make(fig):
        ax = fig.add_subplot()
        ax.set(yscale="log", xlim=(EDGES[0], EDGES[-1]), ylim=(floor, 1.5), xlabel="activation value $a$",
               ylabel="share of all outputs")
        band = ax.axvspan(-EPS, EPS, color=C["sky"], alpha=0.25, lw=0, animated=True)
        init_hist = ax.stairs(np.full(len(EDGES) - 1, floor), EDGES, color=C["blue"], ls="--", lw=1.4,
                              baseline=floor, animated=True, label="at init")
        fit_hist = ax.stairs(np.full(len(EDGES) - 1, floor), EDGES, color=C["vermillion"], lw=1.8,
                             baseline=floor, animated=True, label="trained")
        init_zero, = ax.plot([], [], "o", ms=9, mfc="none", mec=C["blue"], mew=2, animated=True,
                             label="exact zeros, init")
        fit_zero, = ax.plot([], [], "s", ms=7, color=C["vermillion"], animated=True, label="exact zeros, trained")
        ax.text(2.0, 1.15, "≥ 2 →", ha="right", va="top", color=C["black"])
        fig.legend(handles=[init_hist, fit_hist, init_zero, fit_zero], loc="outside lower center", ncol=2)
        title = ax.set_title("\n")
        title.set_animated(True)

        def update(activation, layer, eps):
            shares = {}
            for stage, hist, marker, dx in (("init", init_hist, init_zero, -0.04), ("trained", fit_hist, fit_zero, 0.04)):
                counts, zeros, a = histogram(activation, layer, stage)
                hist.set_data(np.maximum(counts, floor), EDGES)
                marker.set_data([dx] if zeros > 0 else [], [zeros] if zeros > 0 else [])
                shares[stage] = (zeros, near_zero_fraction(a, eps))
            band.set_x(-eps)
            band.set_width(2 * eps)
            (z0, n0), (z1, n1) = shares["init"], shares["trained"]
            title.set_text(f"{NAMES[activation]}, layer {layer}: exact zeros {z0:.0%} → {z1:.0%}\n"
                           f"|a| < {eps:g} (shaded): {n0:.0%} → {n1:.0%}")
            return (f"{NAMES[activation]}, hidden layer {layer}: exact zeros {z0:.0%} at init, {z1:.0%} after training; "
                    f"outputs with |a| < {eps:g}: {n0:.0%} at init, {n1:.0%} after training")

        return update

    return explore(
        make,
        [Dropdown("activation", list(ACTIVATIONS), default="relu", label="activation",
                  option_labels=[NAMES[a] for a in ACTIVATIONS]),
         Dropdown("layer", [1, 2, 3], default=1, label="hidden layer"),
         Dropdown("eps", list(EPS_GRID), default=EPS, label="near-zero threshold ε")],
        alt="Histogram, on a log scale, of the outputs of one hidden layer of a three-layer network on 600 glyph "
            "images, at initialization (dashed) and after training (solid), with the share of exact zeros marked "
            "at zero and the band |a| < epsilon shaded.",
        height=3.6,
    )


# --------------------------------------------------------------------------- explorable 2: L1 strength
RASTER_EXAMPLES = 48


def _raster(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``values`` as one RGBA row per cell (row-major) on the book's colour map from ``lo`` to ``hi``, exact zeros white."""
    scaled = (values - lo) / max(hi - lo, 1e-12)
    rgba = colormaps[style.CMAP](np.clip(scaled, 0.0, 1.0))
    rgba[values == 0] = 1.0
    return rgba.reshape(-1, 4)


def _mesh(ax, rows: int, cols: int, height: float):
    """A quad mesh of ``rows`` x ``cols`` cells filling ``[0, cols] x [0, height]`` (row 0 at the top), coloured per cell by :func:`_raster`.

    Drawn as quads rather than an image: a tenth of the drawing time of ``imshow`` at the book's resolution.
    """
    mesh = ax.pcolormesh(np.arange(cols + 1), np.linspace(0, height, rows + 1), np.zeros((rows, cols)),
                         animated=True)
    mesh.set_array(None)
    return mesh


@lru_cache(maxsize=None)
def l1_raster(setting: str, lam: float) -> np.ndarray:
    """What the L1 raster shows: layer 2's outputs on every 12th-or-so training image, or layer 2's :math:`|W|`."""
    fit = l1_fit(setting, lam)
    if SETTINGS[setting][1] == "weights":
        return np.abs(fit.model.params(fit.theta)[2]["W"])
    X = data()[0]
    return hidden(fit.model, fit.theta, X)[1][np.linspace(0, len(X) - 1, RASTER_EXAMPLES).astype(int)]


def l1_tradeoff():
    """L1 strength → a raster of what the penalty acts on (zeros white) and sparsity and test accuracy against λ."""
    lams = np.array(L1_GRID.values)

    def make(fig):
        raster_ax, curve = fig.subplots(1, 2, width_ratios=[1, 1.35])
        meshes = {"activations": _mesh(raster_ax, RASTER_EXAMPLES, WIDTH, RASTER_EXAMPLES),
                  "weights": _mesh(raster_ax, WIDTH, WIDTH, RASTER_EXAMPLES)}
        raster_ax.set(xlim=(0, WIDTH), ylim=(RASTER_EXAMPLES, 0))
        raster_ax.grid(False)
        raster_ax.set(xticks=[], yticks=[])
        raster_ax.set_title("layer 2: outputs or |W|\n(white = exactly 0)")
        curve.set(xscale="log", xlim=(lams[0] / 1.5, lams[-1] * 1.5), ylim=(-0.03, 1.03), xlabel="L1 strength λ",
                  ylabel="share")
        lines = {
            "exact": curve.plot([], [], "-o", ms=4, color=C["vermillion"], animated=True, label="exact zeros")[0],
            "near": curve.plot([], [], "--s", ms=4, color=C["blue"], animated=True, label="near zero")[0],
            "accuracy": curve.plot([], [], "-^", ms=4, color=C["green"], animated=True, label="test accuracy")[0],
        }
        base = {k: curve.axhline(0, color=line.get_color(), lw=0.8, ls=":", animated=True) for k, line in lines.items()}
        here = curve.axvline(lams[0], color=C["black"], lw=1, animated=True)
        unpenalized = Line2D([], [], color=C["black"], lw=0.8, ls=":", label="λ = 0")
        fig.legend(handles=[*lines.values(), unpenalized], loc="outside lower center", ncol=4)
        status = curve.set_title("\n")
        status.set_animated(True)

        def update(setting, lam):
            activation, target = SETTINGS[setting]
            points = [l1_point(setting, float(v)) for v in lams]
            zero = l1_point(setting, 0.0)
            keys = ("exact", "near") if target == "activations" else ("w_exact", "w_near")
            for name, key in zip(("exact", "near"), keys):
                lines[name].set_data(lams, [p[key] for p in points])
                base[name].set_ydata([zero[key]] * 2)
            lines["accuracy"].set_data(lams, [p["accuracy"] for p in points])
            base["accuracy"].set_ydata([zero["accuracy"]] * 2)
            here.set_xdata([lam, lam])
            p = l1_point(setting, lam)
            values = l1_raster(setting, lam)
            for name, mesh in meshes.items():
                mesh.set_visible(name == target)
            meshes[target].set_facecolor(_raster(values, -1.0 if activation == "tanh" else 0.0,
                                                 1.0 if activation == "tanh" else values.max()))
            if target == "activations":
                said = f"{p['exact']:.0%} of the outputs exactly 0, {p['near']:.0%} below {EPS:g} in size"
                head = f"λ = {lam:.1e}: {p['exact']:.0%} of outputs = 0"
            else:
                said = f"{p['w_exact']:.0%} of the weights exactly 0, {p['w_near']:.0%} below 0.001 in size"
                head = f"λ/10 = {lam / 10:.1e}: {p['w_near']:.0%} of |w| < 0.001"
            status.set_text(f"{head}\ntest accuracy {p['accuracy']:.0%} (λ = 0: {zero['accuracy']:.0%})")
            return (f"{SETTING_LABELS[list(SETTINGS).index(setting)]}, strength {lam:.1e}: {said}; test accuracy "
                    f"{p['accuracy']:.0%} against {zero['accuracy']:.0%} without a penalty")

        return update

    return explore(
        make,
        [Dropdown("setting", list(SETTINGS), default="relu_act", label="penalty", option_labels=list(SETTING_LABELS)),
         L1_GRID],
        alt="Left: the outputs of hidden layer 2 for 48 test images (or the absolute weights of layer 2) as a colour "
            "raster in which exact zeros are white. Right: the share of exact zeros, of near-zero values and the test "
            "accuracy against the L1 strength, with dotted lines for the unpenalized network.",
        height=3.9,
    )


# --------------------------------------------------------------------------- explorable 3: dead units
def dead_units_figure():
    """Learning rate → the share of each layer's units that are inactive on every training example, over training."""
    layer_colours = (C["blue"], C["orange"], C["vermillion"])

    def make(fig):
        ax = fig.add_subplot()
        ax.set(xlim=(0, DEAD_STEPS), ylim=(-0.03, 1.03), xlabel="SGD step",
               ylabel="share of units dead\non the training set")
        lines = [ax.plot([], [], "-o", ms=3, color=c, animated=True, label=f"layer {k + 1}")[0]
                 for k, c in enumerate(layer_colours)]
        stop = ax.axvline(-10, color=C["black"], ls="--", lw=1, animated=True)
        fig.legend(handles=lines, loc="outside lower center", ncol=3)
        title = ax.set_title("\n")
        title.set_animated(True)

        def update(activation, lr):
            r = dead_run(activation, lr)
            for k, line in enumerate(lines):
                line.set_data(r["steps"], r["dead"][:, k])
            end = ", ".join(f"{v:.0%}" for v in r["dead"][-1])
            if r["diverged_at"] is not None:
                stop.set_xdata([r["diverged_at"]] * 2)
                verdict = f"diverged at step {r['diverged_at']}"
            else:
                stop.set_xdata([-10, -10])
                verdict = f"test accuracy {r['accuracy']:.0%}"
            title.set_text(f"{NAMES[activation]}, η = {lr:.3g}: {verdict}\ninactive at the end: {end}")
            title.set_color(C["vermillion"] if r["diverged_at"] is not None else C["black"])
            return (f"{NAMES[activation]}, learning rate {lr:.3g}: {verdict}; share of units inactive on every "
                    f"training example at the last record, layers 1 to 3: {end}")

        return update

    return explore(
        make,
        [Dropdown("activation", ["relu", "leaky_relu"], default="relu", label="activation",
                  option_labels=["ReLU", "leaky ReLU"]),
         LR_GRID],
        alt="Share of the units of each hidden layer whose pre-activation is negative on all 600 training images, "
            "against the SGD step, one line per layer.",
        height=3.6,
    )


# --------------------------------------------------------------------------- explorable 4: dropout masks
DROPOUT_GRID = Slider("p", 0.0, 0.7, steps=8, default=0.5, label="drop probability p", fmt="{:.1f}")


@lru_cache(maxsize=None)
def dropout_raster(activation: str, p: float, train: bool) -> tuple[np.ndarray, float]:
    """Layer 2 of the trained network with dropout ``p`` inserted (units × images) on :data:`RASTER_EXAMPLES` training images, and its exact-zero share without dropout."""
    fit, X = trained(activation), data()[0]
    X = X[np.linspace(0, len(X) - 1, RASTER_EXAMPLES).astype(int)]
    model = network(activation, dropout=p) if p else fit.model
    return hidden(model, fit.theta, X, train=train)[1].T, zero_fraction(hidden(fit.model, fit.theta, X)[1])


def dropout_figure():
    """Drop probability × train/eval mode → a raster of hidden layer 2 (zeros white) and the exact-zero share."""

    def make(fig):
        ax = fig.add_subplot()
        mesh = _mesh(ax, WIDTH, RASTER_EXAMPLES, WIDTH)
        ax.set(xlim=(0, RASTER_EXAMPLES), ylim=(WIDTH, 0))
        ax.grid(False)
        ax.set(xlabel="training image", ylabel="unit of layer 2")
        title = ax.set_title("\n")
        title.set_animated(True)

        def update(activation, p, train):
            values, base = dropout_raster(activation, p, train)
            top = np.abs(values).max()
            mesh.set_facecolor(_raster(values, -top if activation == "tanh" else 0.0, top))
            zeros = zero_fraction(values)
            mode = "train" if train else "eval"
            title.set_text(f"{NAMES[activation]}, p = {p:.1f}, {mode} mode: {zeros:.0%} zeros\n"
                           f"(no dropout: {base:.0%}; white = exactly 0)")
            return (f"{NAMES[activation]} layer 2, drop probability {p:.1f}, {mode} mode: {zeros:.0%} of the outputs "
                    f"are exactly zero, against {base:.0%} without dropout")

        return update

    return explore(
        make,
        [Dropdown("activation", ["relu", "tanh"], default="relu", label="activation", option_labels=["ReLU", "tanh"]),
         DROPOUT_GRID, Toggle("train", default=True, label="train mode")],
        alt="Raster of the outputs of hidden layer 2 for 48 test images, exact zeros white, after a dropout layer "
            "with drop probability p in train or eval mode.",
        height=3.4,
    )


EXPLORABLES = {
    "activation_histograms": activation_histograms,
    "l1_tradeoff": l1_tradeoff,
    "dead_units": dead_units_figure,
    "dropout_masks": dropout_figure,
}
