r"""Figures and experiments of the chapter on weight initialization.

Every initializer comes from :mod:`lib.nn.init` and every network from
:mod:`lib.nn`; per-layer statistics come from :mod:`lib.nn.diagnostics`.
This module only chooses settings, runs them (cached) and plots.

The chapter's settings, each seeded:

* **propagation** (:func:`propagation`): ``depth`` hidden layers of 64 units
  on 500 standard-normal inputs, every hidden weight from one scheme of
  :data:`SCHEMES`, a 10-way softmax output on random labels; the forward
  statistics of every hidden layer and the back-propagated gradient norms
  :math:`\lVert\delta_l\rVert` (Glorot & Bengio 2010, Fig. 6-7);
* **glyphs** (:func:`glyph_task`): 8x8 images of six strokes
  (:func:`lib.datasets.glyphs`, noise 0.3), 240 for training and 600 for
  testing, learned by 5 hidden layers of 32 units with plain SGD
  (:math:`\eta = 0.1`, batches of 10, 600 steps) -- a small stand-in for
  Glorot & Bengio's Shapeset-3x2 with 5 hidden layers of 1,000 units
  (their Table 1);
* **deep linear networks** (:func:`learning_time`): 16 units per layer,
  depth 2 to 32, the same glyphs standardized, full-batch GD with
  :math:`\eta = 1/\text{depth}` until the training loss is below 0.3 -- a
  small stand-in for Saxe, McClelland & Ganguli (2014), Fig. 6A;
* **symmetry** (:func:`symmetry_run`): two moons learned by 8 tanh units
  from constant, zero and random starts.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from lib import checks, style
from lib.datasets import glyphs, two_moons
from lib.explorable import Dropdown, Slider, explore
from lib.gradient_descent import descend
from lib.nn import Activation, ActivationRecorder, Linear, NetworkObjective, Sequential, diagnostics
from lib.nn import init as nninit
from lib.optimizers import SGD

C = style.PALETTE


# --------------------------------------------------------------------------- schemes
def standard_init(fan_in, fan_out, rng, dtype=np.float64):
    r"""Glorot & Bengio's "standard" init (2010, eq. 1): :math:`W \sim \mathcal U[-1/\sqrt{n_{\text{in}}}, 1/\sqrt{n_{\text{in}}}]`, :math:`b = 0`.

    :func:`lib.nn.init.variance_scaling` with scale 1/3, fan_in, uniform:
    :math:`\operatorname{Var} W = 1/(3 n_{\text{in}})`, the weights of PyTorch's
    ``nn.Linear`` default (:func:`lib.nn.init.pytorch_linear`, whose bias is not 0).
    """
    return nninit.variance_scaling((fan_out, fan_in), rng, 1 / 3, "fan_in", "uniform", dtype), np.zeros(fan_out, dtype)


def zero_init(fan_in, fan_out, rng, dtype=np.float64):
    """Every weight and bias 0 (:func:`lib.nn.init.zeros`)."""
    return nninit.zeros((fan_out, fan_in), dtype), np.zeros(fan_out, dtype)


def constant_init(value):
    """Every weight equal to ``value`` (:func:`lib.nn.init.constant`), every bias 0."""
    value = checks.finite("value", value)

    def preset(fan_in, fan_out, rng, dtype=np.float64):
        return nninit.constant((fan_out, fan_in), value, dtype), np.zeros(fan_out, dtype)

    return preset


#: The schemes compared in the chapter: name -> (label, ``Linear`` init).
SCHEMES = {
    "zeros": ("zeros", zero_init),
    "standard": ("standard U(±1/√n)", standard_init),
    "lecun": ("LeCun", "lecun_normal"),
    "glorot": ("Glorot", "glorot_uniform"),
    "he": ("He", "he_normal"),
    "orthogonal": ("orthogonal", "orthogonal"),
}


def _scheme(name):
    if name not in SCHEMES:
        raise ValueError(f"scheme must be one of {sorted(SCHEMES)}, got {name!r}")
    return SCHEMES[name][1]


def mlp(n_in, n_out, depth, width, activation, scheme) -> Sequential:
    """``depth`` times ``Linear -> activation`` of ``width`` units, then ``Linear(width, n_out)``; every layer from ``scheme``."""
    init = _scheme(scheme)
    depth = checks.integer("depth", depth, 1)
    layers = []
    for k in range(depth):
        layers += [Linear(n_in if k == 0 else width, width, init), Activation(activation)]
    return Sequential(layers + [Linear(width, n_out, init)])


# --------------------------------------------------------------------------- the notes' formulas
def notes_formulas(fan_in=256, fan_out=128):
    r"""The notes' four formulas, each turned into the weight variance it implies, next to the criterion it should meet.

    A uniform :math:`\mathcal U[-a, a]` has variance :math:`a^2/3`; a normal
    of standard deviation :math:`\sigma` has :math:`\sigma^2`. Returns rows
    ``(name, notes' constant, implied Var W, criterion)``; "sum" in a name is
    fan_in + fan_out.
    """
    n_avg = (fan_in + fan_out) / 2
    return [
        ("LeCun unif. sqrt(3/fan_in)", math.sqrt(3 / fan_in), 3 / fan_in / 3, 1 / fan_in),
        ("Glorot normal sqrt(2/sum)", math.sqrt(2 / (fan_in + fan_out)),
         2 / (fan_in + fan_out), 1 / n_avg),
        ("Glorot unif. sqrt(6/sum)", math.sqrt(6 / (fan_in + fan_out)),
         6 / (fan_in + fan_out) / 3, 1 / n_avg),
        ("He normal sqrt(2/fan_in)", math.sqrt(2 / fan_in), 2 / fan_in, 2 / fan_in),
    ]


def library_draws(fan_in=256, fan_out=128, seed=0):
    """Measured :math:`\\operatorname{Var} W` and :math:`\\max|W|` of :mod:`lib.nn.init`'s draws for the notes' four schemes (shape ``(fan_out, fan_in)``)."""
    shape, rng = (fan_out, fan_in), np.random.default_rng(seed)
    draws = {
        "LeCun uniform": nninit.lecun(shape, rng, "uniform"),
        "Glorot normal (truncated)": nninit.glorot(shape, rng, "truncated_normal"),
        "Glorot uniform": nninit.glorot(shape, rng, "uniform"),
        "He normal": nninit.he(shape, rng, "normal"),
    }
    return {k: (float(w.var()), float(np.abs(w).max())) for k, w in draws.items()}


def truncated_std(c=2.0) -> float:
    r"""Standard deviation of a standard normal truncated to :math:`[-c, c]`: :math:`\sqrt{1 - 2c\,\varphi(c)/(2\Phi(c) - 1)}`.

    For :math:`c = 2`: 0.87962566103423978, Keras's correction constant
    (:data:`lib.nn.init.TRUNCATED_NORMAL_STD`).
    """
    c = checks.positive("c", c)
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(c / math.sqrt(2))  # 2 Phi(c) - 1
    return math.sqrt(1 - 2 * c * phi / mass)


def distribution_table(n=400, seed=0):
    r"""Measured standard deviation over the target :math:`\sigma = \sqrt{2/n_{\text{in}}}` for He init in three distributions, and for a truncated normal without the 0.8796 correction.

    One ``(n, n)`` matrix per distribution (:func:`lib.nn.init.he`); the
    uncorrected truncated normal is ``he(..., "truncated_normal")`` times
    0.8796..., i.e. a normal of standard deviation :math:`\sigma` cut at
    :math:`\pm 2\sigma`. Also the largest :math:`|w|/\sigma` of each.
    """
    sigma = math.sqrt(2 / n)
    rows = {}
    for dist in nninit.DISTRIBUTIONS:
        w = nninit.he((n, n), seed, dist)
        rows[dist] = (float(w.std() / sigma), float(np.abs(w).max() / sigma))
    w = nninit.he((n, n), seed, "truncated_normal") * nninit.TRUNCATED_NORMAL_STD
    rows["truncated, no correction"] = (float(w.std() / sigma), float(np.abs(w).max() / sigma))
    return rows


def distributions_figure():
    """Densities of the uniform, normal and truncated normal at the same variance, with their limits."""
    fig = style.figure(height=3.0)
    ax = fig.add_subplot()
    x = np.linspace(-3.2, 3.2, 1281)
    gauss = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    a = math.sqrt(3)
    ax.plot(x, np.where(np.abs(x) <= a, 1 / (2 * a), 0.0), color=C["blue"], label=r"uniform, limit $\sqrt{3}\,\sigma$")
    ax.plot(x, gauss, color=C["orange"], label=r"normal")
    s = 1 / nninit.TRUNCATED_NORMAL_STD  # pre-truncation std, so the truncated std is 1
    cut = 2 * s
    mass = math.erf(2 / math.sqrt(2))
    trunc = np.where(np.abs(x) <= cut, np.exp(-(x / s) ** 2 / 2) / (s * math.sqrt(2 * math.pi) * mass), 0.0)
    ax.plot(x, trunc, color=C["green"], ls="--", label=r"truncated, cut at $\pm 2\sigma/0.8796$")
    for v, col in ((a, C["blue"]), (cut, C["green"])):
        ax.axvline(v, color=col, lw=0.8, ls=":")
        ax.axvline(-v, color=col, lw=0.8, ls=":")
    ax.set(xlim=(-3.2, 3.2), ylim=(0, 0.5), xlabel=r"weight $w/\sigma$", ylabel="density")
    ax.set_title("Three distributions, one variance $\\sigma^2$")
    fig.legend(loc="outside lower center", ncol=2)
    return style.Still(fig, alt="Densities of a uniform, a normal and a truncated normal distribution with the same "
                                "variance; the uniform is flat up to plus or minus 1.73 sigma, the truncated normal is cut "
                                "at plus or minus 2.27 sigma and is taller in the middle than the normal.")


def framework_defaults(fan_in=256, fan_out=128, seed=0):
    r"""PyTorch's ``nn.Linear`` default and Keras's ``Dense`` default (:data:`lib.nn.init.PRESETS`), measured.

    Returns per framework :math:`n_{\text{in}}\operatorname{Var} W`,
    :math:`\max|W|\sqrt{n_{\text{in}}}`, and the bias range.
    """
    out = {}
    for name in ("pytorch", "keras"):
        W, b = nninit.PRESETS[name](fan_in, fan_out, seed)
        out[name] = {"fan_in_var": float(W.var() * fan_in), "limit_sqrt_n": float(np.abs(W).max() * math.sqrt(fan_in)),
                     "bias_max_sqrt_n": float(np.abs(b).max() * math.sqrt(fan_in))}
    return out


def relu_second_moment(n=1_000_000, seed=0):
    r""":math:`\mathbb E[\operatorname{relu}(s)^2]/\operatorname{Var}(s)` for symmetric :math:`s` (normal and uniform): the ReLU halves the second moment."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, s in (("normal", rng.standard_normal(n)), ("uniform", rng.uniform(-1, 1, n))):
        out[name] = float(np.mean(np.maximum(s, 0) ** 2) / s.var())
    return out


# --------------------------------------------------------------------------- forward/backward propagation
#: A batch of 120 keeps every matrix product below OpenBLAS's threading threshold (2**19
#: multiply-adds): on a busy machine its threads cost far more than tiny products save.
PROPAGATION_WIDTH, PROPAGATION_BATCH = 64, 120
DEPTHS = (10, 20)
PROPAGATION_SCHEMES = ("standard", "lecun", "glorot", "he", "orthogonal")
PROPAGATION_ACTIVATIONS = ("identity", "tanh", "relu")
#: Histogram range and bins (fixed, so that scales compare across frames).
HIST_RANGE, HIST_BINS = (-2.0, 2.0), 40


@lru_cache(maxsize=None)
def _probe(width=PROPAGATION_WIDTH, batch=PROPAGATION_BATCH, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, width)), rng.integers(0, 10, batch)


def _histogram(values, activation):
    lo, hi = HIST_RANGE
    edges = np.linspace(lo, hi, HIST_BINS + 1)
    v = values.ravel()
    if activation == "relu":
        v = v[v > 0]  # the zeros (about half) are reported, not drawn
    counts, _ = np.histogram(v, edges)
    return counts / (values.size * (edges[1] - edges[0]))  # density of the whole sample


@lru_cache(maxsize=None)
def propagation(scheme, activation, depth, width=PROPAGATION_WIDTH, seed=0):
    r"""Forward and backward statistics of a fresh network at initialization.

    Returns a dict: ``std`` (per hidden layer, :func:`lib.nn.diagnostics.forward_statistics`),
    ``grad`` (:math:`\lVert\delta_l\rVert`, :func:`lib.nn.diagnostics.backward_norms`),
    ``zeros`` (share of exact zeros per layer), ``hist`` (density of every
    hidden layer's outputs on :data:`HIST_RANGE`) and ``input_std``.
    """
    X, y = _probe(width)
    model = mlp(width, 10, depth, width, activation, scheme)
    objective = NetworkObjective(model, X, y, "softmax")
    theta = model.init(seed)
    forward = diagnostics.forward_statistics(objective, theta)
    backward = diagnostics.backward_norms(objective, theta)
    recorder = ActivationRecorder()
    model.forward_hooks.append(recorder)
    try:
        model.forward(theta, X, update_state=False)
    finally:
        model.forward_hooks.remove(recorder)
    outputs = [recorder.activations[i] for i in forward.layers]
    return {"std": forward.std, "grad": backward.grad, "input_std": float(X.std()),
            "zeros": np.array([np.mean(h == 0) for h in outputs]),
            "hist": np.array([_histogram(h, activation) for h in outputs])}


def variance_ratios(depth=20, schemes=("lecun", "glorot", "he"), activations=PROPAGATION_ACTIVATIONS):
    r"""Per-layer variance gain :math:`(\operatorname{Var} h_L/\operatorname{Var} x)^{1/L}` and the end-to-end :math:`\operatorname{Var} h_L/\operatorname{Var} x` at init."""
    out = {}
    for scheme in schemes:
        for act in activations:
            p = propagation(scheme, act, depth)
            total = float((p["std"][-1] / p["input_std"]) ** 2)
            out[scheme, act] = (total ** (1 / depth), total)
    return out


def _layer_picks(depth):
    return sorted({1, max(1, round(depth / 4)), max(1, round(depth / 2)), max(1, round(3 * depth / 4)), depth})


def histograms():
    """Per-layer activation histograms and the std / gradient profile for a scheme, an activation and a depth."""
    controls = [
        Dropdown("scheme", list(PROPAGATION_SCHEMES), default="glorot", label="initialization",
                 option_labels=[SCHEMES[s][0] for s in PROPAGATION_SCHEMES]),
        Dropdown("activation", list(PROPAGATION_ACTIVATIONS), default="tanh", label="activation",
                 option_labels=["linear", "tanh", "ReLU"]),
        Dropdown("depth", list(DEPTHS), default=10, label="hidden layers"),
    ]
    for s in PROPAGATION_SCHEMES:  # precompute every frame's data once
        for a in PROPAGATION_ACTIVATIONS:
            for d in DEPTHS:
                propagation(s, a, d)
    colours = [C["blue"], C["orange"], C["green"], C["vermillion"], C["purple"]]
    names = ["layer 1", "¼ up", "½ up", "¾ up", "top layer"]

    def make(fig):
        hist_ax, prof = fig.subplots(2, 1, height_ratios=[1, 1.1])
        hist_lines = [hist_ax.plot([], [], drawstyle="steps-mid", color=c, lw=1.6, animated=True, label=n)[0]
                      for c, n in zip(colours, names)]
        hist_ax.set(xlim=HIST_RANGE, ylim=(0, 3.0), ylabel="density", xlabel="activation value $h_l$")
        fig.legend(handles=hist_lines, loc="outside upper center", ncol=5, handlelength=1.0, columnspacing=0.8)
        fwd, = prof.semilogy([], [], "o-", color=C["blue"], ms=3.5, animated=True, label="std of $h_l$")
        bwd, = prof.semilogy([], [], "s--", color=C["vermillion"], ms=3.5, animated=True,
                             label=r"gradient $\|\delta_l\| / \|\delta_{\mathrm{top}}\|$")
        prof.axhline(1.0, color=C["black"], lw=0.8)
        prof.set(xlim=(0.5, max(DEPTHS) + 0.5), ylim=(1e-6, 1e4), xlabel="hidden layer $l$",
                 ylabel="scale")
        prof.set_xticks([1, 5, 10, 15, 20])
        fig.legend(handles=[fwd, bwd], loc="outside lower center", ncol=2, handlelength=1.6, columnspacing=1.0)
        status = hist_ax.set_title("\n")
        status.set_animated(True)

        def update(scheme, activation, depth):
            p = propagation(scheme, activation, depth)
            centres = np.linspace(*HIST_RANGE, HIST_BINS + 1)
            centres = (centres[1:] + centres[:-1]) / 2
            picks = _layer_picks(depth)
            while len(picks) < 5:
                picks.append(None)
            for line, layer in zip(hist_lines, picks):
                if layer is None:
                    line.set_data([], [])
                else:
                    line.set_data(centres, np.minimum(p["hist"][layer - 1], 2.95))
            layers = np.arange(1, depth + 1)
            std = np.clip(p["std"], 1.2e-6, 9e3)
            grad = np.clip(p["grad"] / p["grad"][-1], 1.2e-6, 9e3)
            fwd.set_data(layers, std)
            bwd.set_data(layers, grad)
            label = SCHEMES[scheme][0]
            act = {"identity": "linear", "tanh": "tanh", "relu": "ReLU"}[activation]
            zeros = f", {p['zeros'].mean():.0%} zeros" if activation == "relu" else ""
            status.set_text(f"{label}, {act}: std of $h_l$ {p['std'][0]:.2g} → {p['std'][-1]:.2g}{zeros}\n"
                            f"gradient, top → layer 1: ×{p['grad'][0] / p['grad'][-1]:.2g}")
            return (f"{label} init, {act}, {depth} hidden layers: the activations' standard deviation goes from "
                    f"{p['std'][0]:.2g} in layer 1 to {p['std'][-1]:.2g} in layer {depth}; the back-propagated "
                    f"gradient is multiplied by {p['grad'][0] / p['grad'][-1]:.2g} from the top layer to layer 1")

        return update

    return explore(
        make, controls,
        alt="Top: histograms of the activation values of five hidden layers, from the first to the top one. "
            "Bottom: on a log scale, the standard deviation of each hidden layer's activations and the norm of "
            "the back-propagated gradient relative to the top layer, against the layer index.",
        height=4.6,
    )


# --------------------------------------------------------------------------- wide-to-narrow: the compromise
def compromise_table(widths=(4, 8, 16, 32, 64), draws=200, seed=0):
    r"""A widening *linear* network: forward gain :math:`\operatorname{Var}h_L/\operatorname{Var}x` and backward gain :math:`\operatorname{Var}\delta_0/\operatorname{Var}\delta_L` per mode.

    Each layer multiplies the forward variance by :math:`n_{\text{in}}\operatorname{Var}W`
    and the backward variance by :math:`n_{\text{out}}\operatorname{Var}W`
    (Glorot & Bengio 2010, eq. 10-11). Measured exactly for each draw of the
    weights from the end-to-end matrix :math:`P = W_L\cdots W_1`: with
    :math:`x \sim \mathcal N(0, I)`, :math:`\mathbb E\lVert Px\rVert^2 = \lVert P\rVert_F^2`,
    so the forward gain is :math:`\lVert P\rVert_F^2/n_L` and the backward gain
    :math:`\lVert P\rVert_F^2/n_0`; averaged over ``draws`` draws. Rows: mode ->
    (measured forward, predicted forward, measured backward, predicted backward).
    """
    rng = np.random.default_rng(seed)
    pairs = list(zip(widths[:-1], widths[1:]))
    out = {}
    for mode in nninit.MODES:
        frob = []
        for _ in range(draws):
            P = np.eye(widths[0])
            for a, b in pairs:
                P = nninit.variance_scaling((b, a), rng, 1.0, mode, "normal") @ P
            frob.append(np.sum(P * P))
        f_pred = math.prod(a * nninit.scaled_std((b, a), 1.0, mode) ** 2 for a, b in pairs)
        b_pred = math.prod(b * nninit.scaled_std((b, a), 1.0, mode) ** 2 for a, b in pairs)
        out[mode] = (float(np.mean(frob) / widths[-1]), f_pred, float(np.mean(frob) / widths[0]), b_pred)
    return out


# --------------------------------------------------------------------------- training on glyphs
TRAIN_DEPTH, TRAIN_WIDTH, TRAIN_LR, TRAIN_BATCH, TRAIN_STEPS, RECORD_EVERY = 5, 32, 0.1, 10, 600, 25
TRAIN_SCHEMES = ("zeros", "standard", "lecun", "glorot", "he", "orthogonal")


@lru_cache(maxsize=None)
def glyph_task(noise=0.3, seed=0):
    """Training (240) and test (600) glyph images, flattened to 64 features."""
    X, y = glyphs(n_per_class=40, noise=noise, seed=seed)
    Xt, yt = glyphs(n_per_class=100, noise=noise, seed=seed + 1)
    return X.reshape(len(X), -1), y, Xt.reshape(len(Xt), -1), yt


def test_error(objective, theta, X, y, chunk=200):
    """Share of misclassified examples of ``(X, y)``, evaluated ``chunk`` rows at a time (small products, one thread)."""
    wrong = sum((1 - objective.accuracy(theta, X[i:i + chunk], y[i:i + chunk])) * len(y[i:i + chunk])
                for i in range(0, len(y), chunk))
    return wrong / len(y)


@lru_cache(maxsize=None)
def train_run(scheme, activation, seed=0):
    r"""Train the glyph network from ``scheme`` with plain SGD; cached.

    Returns a dict with the recorded ``steps``, training ``loss`` (the full
    training objective) and ``test_error`` at every record, and the final
    ``test_error_final``.
    """
    X, y, Xt, yt = glyph_task()
    model = mlp(X.shape[1], 6, TRAIN_DEPTH, TRAIN_WIDTH, activation, scheme)
    objective = NetworkObjective(model, X, y, "softmax")
    run = descend(objective, model.init(seed), SGD(TRAIN_LR), batch_size=TRAIN_BATCH, steps=TRAIN_STEPS,
                  seed=seed, record_every=RECORD_EVERY)
    errors = np.array([test_error(objective, theta, Xt, yt) for theta in run.thetas])
    return {"steps": np.asarray(run.steps), "loss": np.asarray(run.losses), "test_error": errors,
            "diverged_at": run.diverged_at}


#: Glorot & Bengio (2010), Table 1: test error (%) after training, 5 hidden layers ("N": normalized init).
PAPER_TABLE1 = {
    "Tanh": {"Shapeset-3x2": 27.15, "MNIST": 1.76, "CIFAR-10": 55.9},
    "Tanh N": {"Shapeset-3x2": 15.60, "MNIST": 1.64, "CIFAR-10": 52.92},
    "Sigmoid": {"Shapeset-3x2": 82.61, "MNIST": 2.21, "CIFAR-10": 57.28},
}
TABLE1_ROWS = {"Tanh": ("tanh", "standard"), "Tanh N": ("tanh", "glorot"), "Sigmoid": ("sigmoid", "standard")}


def table1(seeds=(0, 1, 2), sigmoid_seeds=(0,)):
    """Our glyph test errors (%) per Table-1 row: mean, standard deviation over seeds, and the final training loss."""
    out = {}
    for row, (act, scheme) in TABLE1_ROWS.items():
        runs = [train_run(scheme, act, s) for s in (sigmoid_seeds if act == "sigmoid" else seeds)]
        errors = np.array([r["test_error"][-1] for r in runs]) * 100
        out[row] = {"mean": float(errors.mean()), "std": float(errors.std()), "seeds": len(runs),
                    "loss": float(np.mean([r["loss"][-1] for r in runs]))}
    return out


def training_curves():
    """Training loss and test error against the step for every scheme on the glyph task; one scheme highlighted."""
    controls = [Dropdown("activation", ["tanh", "relu"], label="activation", option_labels=["tanh", "ReLU"]),
                Dropdown("scheme", list(TRAIN_SCHEMES), default="glorot", label="highlight",
                         option_labels=[SCHEMES[s][0] for s in TRAIN_SCHEMES])]
    for a in ("tanh", "relu"):
        for s in TRAIN_SCHEMES:
            train_run(s, a)
    colours = [C["black"], C["vermillion"], C["sky"], C["blue"], C["green"], C["orange"]]
    styles = [":", "-", "--", "-", "-", "-."]

    def make(fig):
        loss_ax, err_ax = fig.subplots(2, 1, sharex=True)
        lines = {}
        for s, c, ls in zip(TRAIN_SCHEMES, colours, styles):
            lines[s] = (loss_ax.plot([], [], ls=ls, color=c, animated=True, label=SCHEMES[s][0])[0],
                        err_ax.plot([], [], ls=ls, color=c, animated=True)[0])
        loss_ax.axhline(math.log(6), color="0.5", lw=0.8)
        err_ax.axhline(100 * 5 / 6, color="0.5", lw=0.8)
        loss_ax.set(yscale="log", ylim=(1e-3, 4), ylabel="training loss")
        err_ax.set(xlim=(0, TRAIN_STEPS), ylim=(0, 100), ylabel="test error (%)", xlabel="SGD step (batches of 10)")
        fig.legend(handles=[pair[0] for pair in lines.values()], loc="outside lower center", ncol=3)
        status = loss_ax.set_title("\n")
        status.set_animated(True)

        def update(activation, scheme):
            for s, (loss_line, err_line) in lines.items():
                r = train_run(s, activation)
                loss_line.set_data(r["steps"], r["loss"])
                err_line.set_data(r["steps"], 100 * r["test_error"])
                for line in (loss_line, err_line):
                    line.set_linewidth(3.0 if s == scheme else 1.3)
                    line.set_alpha(1.0 if s == scheme else 0.45)
            r = train_run(scheme, activation)
            act = "ReLU" if activation == "relu" else "tanh"
            status.set_text(f"{act}, {SCHEMES[scheme][0]}: after {TRAIN_STEPS} steps\n"
                            f"training loss {r['loss'][-1]:.3g}, test error {100 * r['test_error'][-1]:.0f}%")
            return (f"{act} network from the {SCHEMES[scheme][0]} initialization: after {TRAIN_STEPS} steps the "
                    f"training loss is {r['loss'][-1]:.3g} and the test error {100 * r['test_error'][-1]:.0f}%")

        return update

    return explore(
        make, controls,
        alt="Top: training loss on a log scale; bottom: test error in percent; both against the SGD step, for six "
            "initializations of the same 5-hidden-layer network on the glyph images, one of them highlighted; grey "
            "lines mark the chance level.",
        height=4.2,
    )


# --------------------------------------------------------------------------- symmetry
SYMMETRY_INITS = {"constant": ("every weight 0.5", constant_init(0.5)), "zeros": ("all zeros", zero_init),
                  "glorot": ("Glorot uniform", "glorot_uniform")}
SYMMETRY_HIDDEN, SYMMETRY_STEPS, SYMMETRY_EVERY, SYMMETRY_LR = 8, 1000, 100, 0.5


@lru_cache(maxsize=None)
def symmetry_run(init="constant", seed=0):
    r"""Two moons, 2 -> 8 tanh units -> 1 sigmoid output, full-batch GD from ``init``; the hidden weights at every record.

    Returns ``steps``, ``loss``, ``W`` (records x 8 x 2), ``b`` (records x
    8), ``accuracy`` and ``spread``: the largest distance between two
    hidden units' incoming parameters :math:`(w_j, b_j)` at each record.
    With a constant start every unit gets the same gradient, so the spread
    stays exactly 0: the units never become different.
    """
    if init not in SYMMETRY_INITS:
        raise ValueError(f"init must be one of {sorted(SYMMETRY_INITS)}, got {init!r}")
    X, y = two_moons(200, noise=0.1, seed=0)
    preset = SYMMETRY_INITS[init][1]
    model = Sequential([Linear(2, SYMMETRY_HIDDEN, preset), Activation("tanh"), Linear(SYMMETRY_HIDDEN, 1, preset)])
    objective = NetworkObjective(model, X, y, "sigmoid")
    run = descend(objective, model.init(seed), SGD(SYMMETRY_LR), steps=SYMMETRY_STEPS, record_every=SYMMETRY_EVERY)
    Ws, bs, spread = [], [], []
    for theta in run.thetas:
        first = model.params(theta)[0]
        W, b = first["W"].copy(), first["b"].copy()
        units = np.column_stack([W, b])
        Ws.append(W)
        bs.append(b)
        spread.append(float(np.max(np.linalg.norm(units[:, None] - units[None], axis=-1))))
    return {"steps": np.asarray(run.steps), "loss": np.asarray(run.losses), "W": np.array(Ws), "b": np.array(bs),
            "spread": np.array(spread), "accuracy": objective.accuracy(run.final_theta)}


def symmetry():
    """The hidden units' incoming weights during training from a constant, a zero and a random start."""
    controls = [Dropdown("init", list(SYMMETRY_INITS), label="start",
                         option_labels=[v[0] for v in SYMMETRY_INITS.values()]),
                Slider("step", 0, SYMMETRY_STEPS, steps=6, integer=True, default=0, label="GD step")]
    for k in SYMMETRY_INITS:
        symmetry_run(k)

    def make(fig):
        units_ax, loss_ax = fig.subplots(1, 2)
        dots = units_ax.scatter([], [], s=40, color=C["blue"], edgecolor=C["black"], zorder=3, animated=True)
        trails = [units_ax.plot([], [], color=C["sky"], lw=0.8, animated=True)[0] for _ in range(SYMMETRY_HIDDEN)]
        units_ax.set(xlim=(-6, 6), ylim=(-6, 6), xlabel="weight from $x_1$", ylabel="weight from $x_2$")
        units_ax.set_title("8 hidden units'\nincoming weights")
        curves = {k: loss_ax.plot([], [], color=c, ls=ls, animated=True, label=SYMMETRY_INITS[k][0])[0]
                  for k, c, ls in zip(SYMMETRY_INITS, (C["vermillion"], C["black"], C["blue"]), ("-", ":", "--"))}
        fig.legend(handles=list(curves.values()), loc="outside lower center", ncol=3)
        for k, line in curves.items():
            r = symmetry_run(k)
            line.set_data(r["steps"], r["loss"])
        here, = loss_ax.plot([], [], "o", color=C["vermillion"], ms=7, animated=True)
        loss_ax.set(xlim=(0, SYMMETRY_STEPS), ylim=(0, 1.0), xlabel="GD step", ylabel="training loss")
        status = loss_ax.set_title("\n")
        status.set_animated(True)

        def update(init, step):
            r = symmetry_run(init)
            k = int(np.searchsorted(r["steps"], step))
            W = r["W"]
            dots.set_offsets(W[k])
            for j, trail in enumerate(trails):
                trail.set_data(W[: k + 1, j, 0], W[: k + 1, j, 1])
            for name, line in curves.items():
                line.set_alpha(1.0 if name == init else 0.35)
                line.set_linewidth(2.6 if name == init else 1.4)
            here.set_data([r["steps"][k]], [r["loss"][k]])
            distinct = len({tuple(np.round(u, 9)) for u in np.column_stack([W[k], r["b"][k]])})
            status.set_text(f"{SYMMETRY_INITS[init][0]}, step {r['steps'][k]}:\n"
                            f"{distinct} distinct unit{'s' if distinct > 1 else ''}, loss {r['loss'][k]:.3f}")
            return (f"{SYMMETRY_INITS[init][0]} start, step {r['steps'][k]}: {distinct} distinct hidden "
                    f"unit{'s' if distinct > 1 else ''} out of {SYMMETRY_HIDDEN}, training loss {r['loss'][k]:.3f}")

        return update

    return explore(
        make, controls,
        alt="Left: the incoming weight vectors of eight hidden units as dots with their trails during training. "
            "Right: the training loss against the step for a constant, a zero and a random start, the chosen one "
            "highlighted with a dot at the current step.",
        height=3.5,
    )


EXPLORABLES = {"histograms": histograms, "training_curves": training_curves, "symmetry": symmetry}


# --------------------------------------------------------------------------- Saxe et al.: deep linear networks
SAXE_DEPTHS, SAXE_WIDTH, SAXE_CRITERION, SAXE_MAX_STEPS, SAXE_CHUNK = (2, 4, 8, 16, 32), 16, 0.3, 300, 5
SAXE_INITS = {"gaussian": ("scaled Gaussian N(0, 1/n)", "lecun_normal"), "orthogonal": ("orthogonal", "orthogonal")}


@lru_cache(maxsize=None)
def _standardized_glyphs():
    X, y, _, _ = glyph_task()
    return (X - X.mean(0)) / X.std(0), y


def deep_linear(depth, init, width=SAXE_WIDTH) -> Sequential:
    """``depth`` linear layers (no activation): 64 -> width -> ... -> width -> 6."""
    if init not in SAXE_INITS:
        raise ValueError(f"init must be one of {sorted(SAXE_INITS)}, got {init!r}")
    depth = checks.integer("depth", depth, 1)
    dims = [64] + [width] * (depth - 1) + [6]
    return Sequential([Linear(a, b, SAXE_INITS[init][1]) for a, b in zip(dims[:-1], dims[1:])])


@lru_cache(maxsize=None)
def learning_time(init, depth, seed=0):
    r"""Full-batch GD steps until a deep linear network's training loss is below :data:`SAXE_CRITERION`.

    Learning rate :math:`1/\text{depth}` (Saxe et al. 2014 find the best rate
    falls like :math:`1/N_l`, Fig. 4 right). Runs :func:`lib.gradient_descent.descend`
    in chunks of :data:`SAXE_CHUNK` steps and stops at the first chunk that
    ends below the criterion; full-batch plain GD has no state and no
    sampling, so the chunks are exactly one run. None if not reached in
    :data:`SAXE_MAX_STEPS` steps.
    """
    X, y = _standardized_glyphs()
    model = deep_linear(depth, init)
    objective = NetworkObjective(model, X, y, "softmax")
    theta, t = model.init(seed), 0
    while t < SAXE_MAX_STEPS:
        run = descend(objective, theta, SGD(1.0 / depth), steps=SAXE_CHUNK, record_every=SAXE_CHUNK)
        if run.diverged:
            return None
        theta, t = run.final_theta, t + SAXE_CHUNK
        if run.losses[-1] < SAXE_CRITERION:
            return t
    return None


def saxe_table(depths=SAXE_DEPTHS, seeds=(0, 1)):
    """Learning times per init and depth, one per seed."""
    return {init: {d: [learning_time(init, d, s) for s in seeds] for d in depths} for init in SAXE_INITS}


# --------------------------------------------------------------------------- gains: saturation and misreadings
def _deep_stats(activation, gain, depth=10, width=PROPAGATION_WIDTH, seed=0):
    X, y = _probe(width)
    model = diagnostics.deep_mlp(width, 10, depth, width, activation, gain, distribution="normal")
    objective = NetworkObjective(model, X, y, "softmax")
    theta = model.init(seed)
    return diagnostics.forward_statistics(objective, theta), diagnostics.backward_norms(objective, theta)


def saturation_table(gains=(1 / math.sqrt(3), 1.0, 2.0, 4.0), depth=10):
    r"""A 10-layer tanh network with :math:`\operatorname{Var}W = g^2/n_{\text{in}}` (:func:`lib.nn.diagnostics.deep_mlp`).

    Per gain: the saturated fraction of the top hidden layer (:math:`|\tanh'| \le 0.1`,
    :func:`lib.nn.diagnostics.saturated_fraction`), the std of its output, and the
    gradient ratio :math:`\lVert\delta_1\rVert/\lVert\delta_L\rVert`.
    """
    out = {}
    for g in gains:
        fwd, bwd = _deep_stats("tanh", g, depth)
        out[g] = {"saturated": float(fwd.saturated[-1]), "std": float(fwd.std[-1]),
                  "grad_ratio": float(bwd.grad[0] / bwd.grad[-1])}
    return out


def he_readings(depth=10, width=PROPAGATION_WIDTH):
    r"""ReLU network, per-layer forward variance gain for :math:`\sqrt{2/n}` read as the std (He) and as the variance.

    Read as the variance, :math:`\operatorname{Var}W = \sqrt{2/n}`, i.e. gain
    :math:`g^2 = n\sqrt{2/n} = \sqrt{2n}`. Also LeCun (:math:`g = 1`) for
    comparison. Returns reading -> (predicted gain per layer
    :math:`g^2/2`, measured :math:`(\operatorname{Var}h_L/\operatorname{Var}h_1)^{1/(L-1)}`).
    """
    readings = {"sqrt(2/n) as std (He)": math.sqrt(2), "sqrt(2/n) as variance": (2 * width) ** 0.25,
                "LeCun, 1/n": 1.0}
    out = {}
    for name, g in readings.items():
        fwd, _ = _deep_stats("relu", g, depth, width)
        second = fwd.std ** 2 + fwd.mean ** 2  # E[h^2], what the next layer multiplies
        out[name] = (g * g / 2, float((second[-1] / second[0]) ** (1 / (depth - 1))))
    return out
