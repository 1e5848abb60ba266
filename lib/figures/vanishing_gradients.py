r"""Figures and experiments of the chapter on vanishing and exploding gradients.

The chapter's networks are :func:`lib.nn.diagnostics.deep_mlp` stacks of 32-unit
hidden layers on a two-moons task (128 examples, standardized inputs), trained
with heavy-ball momentum on mini-batches, and measured with
:mod:`lib.nn.diagnostics`: the norm :math:`\lVert\delta_l\rVert` of the gradient
that reaches hidden layer :math:`l` on a fixed probe batch, the per-layer
factors :math:`\rho_l = \lVert\delta_l\rVert/\lVert\delta_{l+1}\rVert`, and the
standard deviation of each layer's output. The weight *gain* :math:`g`
(:math:`\operatorname{Var} W = g^2/n_{\text{in}}`) names the classic inits:
:math:`1/\sqrt3` is Glorot & Bengio's "standard" :math:`\mathcal U[\pm1/\sqrt n]`,
1 is LeCun / Xavier for square layers, :math:`\sqrt2` is He.

Two paper reproductions at small scale: Glorot & Bengio (2010), Figs. 6-7
(:func:`glorot_study`) and He et al. (2015), Fig. 3 (:func:`he_runs`). Every
function here calls :mod:`lib.nn`, :mod:`lib.optimizers` and
:mod:`lib.gradient_descent` and plots; nothing is re-implemented.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from lib import style
from lib.datasets import glyphs, two_moons
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.gradient_descent import descend
from lib.nn import NetworkObjective, diagnostics
from lib.nn import layers as nn_layers
from lib.nn.activations import ACTIVATIONS
from lib.optimizers import ClipByNorm, Momentum

C = style.PALETTE

#: Examples of the two-moons task; the first PROBE (after a seeded shuffle) are the probe batch.
N, PROBE = 128, 64
#: Units per hidden layer.
WIDTH = 32
#: The centrepiece's controls.
DEPTHS = (5, 20)
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu")
GAINS = (1 / math.sqrt(3), 1.0, math.sqrt(2), 2.0)
GAIN_LABELS = ("0.58 = U(±1/√n)", "1 = LeCun/Xavier", "1.41 = He", "2")
#: Training of every centrepiece network: momentum SGD, mini-batches, a fixed budget.
STEPS, LR, BETA, BATCH, RECORD_EVERY = 30, 0.02, 0.9, 32, 3
#: The exploding network of the clipping experiments: ReLU, gain 2, 20 hidden layers.
CLIP_DEPTH, CLIP_GAIN = 20, 2.0
CLIP_LRS = (0.002, 0.02, 0.2)
CLIP_NORMS = (None, 0.1, 1.0, 10.0, 100.0)
CLIP_STEPS, CLIP_RECORD = 60, 3
#: He et al. (2015) at small scale: a 30-layer ReLU MLP, Xavier (gain 1) against He (gain sqrt 2).
HE_DEPTH, HE_STEPS, HE_LR, HE_SEEDS = 30, 200, 0.005, (0, 1)
#: Glorot & Bengio (2010) at small scale: five tanh layers of 64 units on 8x8 glyph images.
GLOROT_DEPTH, GLOROT_WIDTH, GLOROT_SEEDS = 5, 64, tuple(range(5))
#: The mean-field explorable: gains offered and the depth of the measured networks.
CHAIN_GAINS = Slider("gain", 0.25, 4.0, steps=9, scale="log", default=1.0, label="weight gain g", fmt="{:.2f}")
CHAIN_DEPTH, CHAIN_SEEDS = 30, (0, 1, 2)


# --------------------------------------------------------------------------- data and networks
@lru_cache(maxsize=None)
def moons():
    """The two-moons task: ``(X, y)``, 128 examples, standardized, shuffled once (seed 0)."""
    X, y = two_moons(N, noise=0.15, seed=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    order = np.random.default_rng(0).permutation(N)
    return X[order], y[order]


PROBE_IDX = np.arange(PROBE)


@lru_cache(maxsize=None)
def objective(depth, activation, gain, residual=False, batchnorm=False):
    """A :func:`lib.nn.diagnostics.deep_mlp` of ``depth`` hidden layers on :func:`moons` with a softmax loss."""
    X, y = moons()
    model = diagnostics.deep_mlp(2, 2, depth, WIDTH, activation, gain, residual, batchnorm)
    return NetworkObjective(model, X, y, "softmax")


@lru_cache(maxsize=None)
def flow(depth, activation, gain, residual=False, batchnorm=False):
    r"""Train one centrepiece network (:data:`STEPS` momentum steps) and diagnose it at step 0 and at the end.

    Returns ``(run, diag)``: the :func:`lib.gradient_descent.descend`
    trajectory (loss every :data:`RECORD_EVERY` steps) and
    :func:`lib.nn.diagnostics.track` on the probe batch at steps 0 and
    :data:`STEPS` (only step 0 if the run diverged).
    """
    f = objective(depth, activation, gain, residual, batchnorm)
    return diagnostics.train_and_track(f, f.model.init(0), Momentum(LR, BETA), steps=STEPS, batch_size=BATCH,
                                       seed=0, record_every=RECORD_EVERY, idx=PROBE_IDX, at=(0, STEPS))


def ratio(diag, row=0) -> float:
    r""":math:`\lVert\delta_1\rVert / \lVert\delta_L\rVert` of one record: the gradient at the first hidden layer relative to the last."""
    return float(diag.grad[row, 0] / diag.grad[row, -1])


def flow_summary(depth, activation, gain, residual=False, batchnorm=False) -> dict:
    """Key numbers of one centrepiece network: gradient ratio and loss at init and after training, divergence."""
    run, diag = flow(depth, activation, gain, residual, batchnorm)
    trained = len(diag.steps) > 1
    return {"ratio_init": ratio(diag, 0), "ratio_trained": ratio(diag, -1) if trained else None,
            "mean_factor": diagnostics.mean_factor(diag.grad[0]),
            "loss_init": float(run.losses[0]), "loss_trained": None if run.diverged else run.final_loss,
            "diverged_at": run.diverged_at, "saturated": float(diag.saturated[0].mean()),
            "std_last": float(diag.std[0, -1])}


def deep_factor(depth, activation, gain, residual=False, batchnorm=False, skip=4) -> float:
    r"""Geometric mean of the per-layer factors at init, leaving out the first ``skip`` (the input layer's transient)."""
    _, diag = flow(depth, activation, gain, residual, batchnorm)
    return float(np.exp(np.mean(np.log(diagnostics.layer_factors(diag.grad[0])[skip:]))))


def _subscript(n) -> str:
    """``n`` in Unicode subscript digits (plain text draws faster than mathtext in an animated title)."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _describe_ratio(r) -> str:
    if not np.isfinite(r):
        return "not finite"
    kind = "vanishing" if r < 0.1 else "exploding" if r > 10 else "about level"
    return f"{r:.1e} ({kind})"


# --------------------------------------------------------------------------- explorable 1: gradient flow
GRAD_LIM, LOSS_LIM = (1e-18, 1e12), (0.0, 1.25)
LAYER_TICKS = (1, 5, 10, 15, 20)


def _clip(values, lim):
    """Values drawn inside the log axis ``lim`` (the title says what lies beyond)."""
    return np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=lim[1], posinf=lim[1]), lim[0], lim[1])


def gradient_flow():
    r"""The centrepiece: per-layer gradient norms, activation spread and loss for depth × activation × gain × residual × BN."""
    def make(fig):
        g_ax, l_ax = fig.subplots(2, 1, height_ratios=[1.5, 1])
        for a in (g_ax, l_ax):
            a.grid(False)
        g_ax.set(yscale="log", ylim=GRAD_LIM, xlim=(0.5, max(DEPTHS) + 0.5), xticks=LAYER_TICKS,
                 xlabel="hidden layer $l$ (input side left)", ylabel=r"$\|\delta_l\| \,/\, \|\delta_L\|$",
                 yticks=[1e-15, 1e-10, 1e-5, 1, 1e5, 1e10])
        g_ax.axhline(1, color="0.5", lw=1)
        end_g, = g_ax.plot([], [], "-", color=C["vermillion"], lw=3, animated=True, label=f"after {STEPS} steps")
        init_g, = g_ax.plot([], [], "--o", color=C["blue"], ms=3, lw=1.5, animated=True, label="at initialization")
        title = g_ax.set_title("\n")
        title.set_animated(True)
        l_ax.set(ylim=LOSS_LIM, xlim=(0, STEPS), yticks=[0, 0.5, 1], xlabel="training step", ylabel="training loss")
        l_ax.axhline(math.log(2), color="0.5", lw=1, ls=":")
        l_ax.text(STEPS, math.log(2) + 0.03, "chance: ln 2", ha="right", va="bottom", color="0.3")
        loss, = l_ax.plot([], [], "-o", color=C["black"], ms=3, animated=True)
        blowup = l_ax.axvline(0, color=C["vermillion"], ls="--", lw=2, animated=True)
        status = l_ax.set_title(" ")
        status.set_animated(True)
        fig.legend(handles=[init_g, end_g], loc="outside upper center", ncol=2)

        def update(depth, activation, gain, residual, batchnorm):
            run, diag = flow(depth, activation, gain, residual, batchnorm)
            layers = np.arange(1, depth + 1)
            rel = diag.grad / diag.grad[:, -1:]
            init_g.set_data(layers, _clip(rel[0], GRAD_LIM))
            trained = len(diag.steps) > 1
            end_g.set_data(layers if trained else [], _clip(rel[-1], GRAD_LIM) if trained else [])
            loss.set_data(run.steps, _clip(run.losses, LOSS_LIM))
            r0 = ratio(diag, 0)
            line2 = (f"after {STEPS} steps: {ratio(diag, -1):.1e}" if trained
                     else f"training diverged at step {run.diverged_at}")
            title.set_text(f"‖δ₁‖ / ‖δ{_subscript(depth)}‖ at init: {_describe_ratio(r0)}\n{line2}")
            blowup.set_visible(run.diverged)
            blowup.set_xdata([run.diverged_at or 0] * 2)
            if run.diverged:
                status.set_text(f"diverged at step {run.diverged_at} (dashed line)")
                status.set_color(C["vermillion"])
                outcome = f"training diverged at step {run.diverged_at}"
            else:
                status.set_text(f"loss {run.losses[0]:.3g} → {run.final_loss:.3g}")
                status.set_color(C["black"])
                outcome = (f"after {STEPS} steps the ratio is {ratio(diag, -1):.1e} and the loss went from "
                           f"{run.losses[0]:.3g} to {run.final_loss:.3g}")
            arch = ("residual" if residual else "plain") + (" with batch norm" if batchnorm else "")
            return (f"{depth} {activation} layers, {arch}, gain {gain:.2f}: at initialization the gradient at "
                    f"layer 1 is {_describe_ratio(r0)} times the gradient at layer {depth}; {outcome}")

        return update

    return explore(
        make,
        [Dropdown("depth", DEPTHS, default=20, label="hidden layers L"),
         Dropdown("activation", ACTIVATION_NAMES, default="sigmoid", label="activation"),
         Dropdown("gain", GAINS, default=1.0, label="weight gain g", option_labels=GAIN_LABELS),
         Toggle("residual", label="residual shortcuts"),
         Toggle("batchnorm", label="batch norm")],
        alt="Top: the norm of the back-propagated gradient at each hidden layer relative to the last hidden layer, "
            "on a log scale, at initialization (dashed) and after training (solid). Bottom left: the standard "
            "deviation of each hidden layer's output. Bottom right: the training loss against the step.",
        height=4.2,
    )


# --------------------------------------------------------------------------- explorable 2: the chain rule, predicted
@lru_cache(maxsize=None)
def chain_measured(activation, gain) -> np.ndarray:
    r"""Measured :math:`\lVert\delta_{L-k}\rVert/\lVert\delta_L\rVert`, :math:`k = 0..L-1`, at init (geometric mean over :data:`CHAIN_SEEDS`)."""
    logs = []
    for seed in CHAIN_SEEDS:
        f = objective(CHAIN_DEPTH, activation, gain)
        grad = diagnostics.backward_norms(f, f.model.init(seed), PROBE_IDX).grad
        logs.append(np.log(grad[::-1] / grad[-1]))
    return np.exp(np.mean(logs, axis=0))


@lru_cache(maxsize=None)
def chain_predicted(activation, gain):
    r"""Mean-field prediction (:func:`lib.nn.diagnostics.mean_field`): ratios over ``k`` layers and the last layer's :math:`q`, :math:`\rho`."""
    mf = diagnostics.mean_field(activation, gain, CHAIN_DEPTH)
    ratios = np.concatenate([[1.0], np.cumprod(mf.factors[::-1])])
    return ratios, float(mf.q[-1]), float(mf.factors[-1])


CHAIN_LIM = (1e-30, 1e15)


def chain_rule():
    r"""One layer's factor :math:`g\sqrt{\mathbb E[\phi'(s)^2]}` and its power over depth, predicted against measured."""
    s_grid = np.linspace(-6, 6, 400)

    def make(fig):
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
        left.set(xlim=(-6, 6), ylim=(0, 1.08), xlabel="pre-activation $s$", ylabel=r"$\phi'(s)$")
        deriv, = left.plot([], [], color=C["blue"], lw=2, animated=True, label=r"$\phi'(s)$")
        density, = left.plot([], [], color=C["orange"], lw=1.5, ls="--", animated=True, label="density of $s$ (scaled)")
        ltitle = left.set_title("\n")
        ltitle.set_animated(True)
        k = np.arange(CHAIN_DEPTH)
        right.set(yscale="log", ylim=CHAIN_LIM, xlim=(0, CHAIN_DEPTH - 1), xlabel="layers crossed $k$",
                  ylabel=r"$\|\delta_{L-k}\| \,/\, \|\delta_L\|$", yticks=[1e-30, 1e-20, 1e-10, 1, 1e10])
        right.axhline(1, color="0.5", lw=1)
        predicted, = right.plot([], [], color=C["black"], lw=1.5, animated=True, label=r"$\prod\rho$ (theory)")
        measured, = right.plot([], [], "o", color=C["vermillion"], ms=4, animated=True, label="measured")
        fig.legend(handles=[deriv, density, predicted, measured], loc="outside upper center", ncol=2)
        rtitle = right.set_title("\n")
        rtitle.set_animated(True)

        def update(activation, gain):
            act = ACTIVATIONS[activation]
            ratios, q, rho = chain_predicted(activation, gain)
            got = chain_measured(activation, gain)
            deriv.set_data(s_grid, act.df(s_grid))
            sd = math.sqrt(q)
            with np.errstate(under="ignore"):
                dens = np.exp(-0.5 * (s_grid / sd) ** 2) if sd > 1e-6 else (np.abs(s_grid) < 0.02).astype(float)
            density.set_data(s_grid, dens)
            ltitle.set_text(f"std of $s$: {sd:.2g}\n$\\rho = g\\sqrt{{E[\\phi'(s)^2]}}$ = {rho:.3f}")
            predicted.set_data(k, _clip(ratios, CHAIN_LIM))
            measured.set_data(k, _clip(got, CHAIN_LIM))
            rtitle.set_text(f"over {CHAIN_DEPTH - 1} layers: theory {ratios[-1]:.1e}\nmeasured {got[-1]:.1e}")
            return (f"{activation}, gain {gain:.2f}: one layer multiplies the gradient norm by about {rho:.3f}; over "
                    f"{CHAIN_DEPTH - 1} layers the theory predicts {ratios[-1]:.1e} and the networks measure {got[-1]:.1e}")

        return update

    return explore(
        make,
        [Dropdown("activation", ACTIVATION_NAMES, default="sigmoid", label="activation"), CHAIN_GAINS],
        alt="Left: the derivative of the activation with the distribution of its input drawn over it. Right: the "
            "gradient norm after crossing k layers relative to the last layer, on a log scale: the mean-field "
            "prediction as a line and measurements on 30-layer networks as dots.",
        height=4.0,
    )


# --------------------------------------------------------------------------- explorable 3: gradient clipping
@lru_cache(maxsize=None)
def clip_run(lr, max_norm, steps=CLIP_STEPS):
    r"""The exploding network (ReLU, gain 2, 20 layers) trained with momentum, clipped at ``max_norm`` (None: off).

    Returns ``(run, norms)``: the trajectory (recorded every
    :data:`CLIP_RECORD` steps) and the raw full-batch gradient norm
    :math:`\lVert\nabla f(\theta_t)\rVert` at each record.
    """
    f = objective(CLIP_DEPTH, "relu", CLIP_GAIN)
    inner = Momentum(lr, BETA)
    run = descend(f, f.model.init(0), inner if max_norm is None else ClipByNorm(inner, max_norm),
                  batch_size=BATCH, steps=steps, seed=0, record_every=CLIP_RECORD)
    norms = np.array([math.sqrt(float(np.add.reduce(g * g))) for g in (f.grad(t) for t in run.thetas)])
    f.model.reset_state()
    return run, norms


def clipping():
    """Loss and raw gradient norm of the exploding network for a learning rate and a clipping threshold."""
    def make(fig):
        loss_ax, norm_ax = fig.subplots(1, 2)
        loss_ax.set(yscale="log", ylim=(0.01, 1e4), xlim=(0, CLIP_STEPS), xlabel="step", ylabel="training loss")
        loss_ax.axhline(math.log(2), color="0.5", lw=1, ls=":")
        loss, = loss_ax.plot([], [], "-o", color=C["black"], ms=3, animated=True)
        status = loss_ax.set_title("\n")
        status.set_animated(True)
        norm_ax.set(yscale="log", ylim=(1e-2, 1e6), xlim=(0, CLIP_STEPS), xlabel="step", ylabel="‖∇f‖ (raw)")
        norm, = norm_ax.plot([], [], "-o", color=C["blue"], ms=3, animated=True, label="gradient norm")
        threshold = norm_ax.axhline(1, color=C["vermillion"], ls="--", lw=1.5, animated=True, label="threshold c")
        fig.legend(handles=[norm, threshold], loc="outside upper center", ncol=2)
        ntitle = norm_ax.set_title("\n")
        ntitle.set_animated(True)

        def update(lr, max_norm):
            run, norms = clip_run(lr, max_norm)
            loss.set_data(run.steps, _clip(run.losses, (0.01, 1e4)))
            norm.set_data(run.steps, _clip(norms, (1e-2, 1e6)))
            threshold.set_visible(max_norm is not None)
            threshold.set_ydata([max_norm or 1.0] * 2)
            ntitle.set_text(f"at the start ‖∇f‖ = {norms[0]:.3g}\n" +
                            ("no clipping" if max_norm is None else f"step ≤ η·c = {lr * max_norm:.3g}"))
            if run.diverged:
                status.set_text(f"diverged at step {run.diverged_at}")
                status.set_color(C["vermillion"])
                said = f"diverged at step {run.diverged_at}"
            else:
                status.set_text(f"loss {run.losses[0]:.3g} → {run.final_loss:.3g}\nafter {CLIP_STEPS} steps")
                status.set_color(C["black"])
                said = f"the loss went from {run.losses[0]:.3g} to {run.final_loss:.3g} in {CLIP_STEPS} steps"
            clip = "no clipping" if max_norm is None else f"clipping at norm {max_norm:g}"
            return f"learning rate {lr:g}, {clip}: {said}"

        return update

    return explore(
        make,
        [Dropdown("lr", CLIP_LRS, default=0.02, label="learning rate η"),
         Dropdown("max_norm", CLIP_NORMS, default=None, label="clip at ‖g‖ = c",
                  option_labels=["off", "0.1", "1", "10", "100"])],
        alt="Left: the training loss of a 20-layer ReLU network with exploding gradients against the step, on a log "
            "scale. Right: the norm of its full gradient at the recorded steps and the clipping threshold.",
        height=3.6,
    )


EXPLORABLES = {"gradient_flow": gradient_flow, "chain_rule": chain_rule, "clipping": clipping}


# --------------------------------------------------------------------------- Glorot & Bengio (2010), Figs. 6-7
@lru_cache(maxsize=None)
def glyph_data():
    """8x8 glyph images (six classes, 16 each: 96 examples), flattened to 64 standardized features."""
    X, y = glyphs(n_per_class=16, noise=0.2, seed=0)
    X = X.reshape(len(X), -1)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


GLOROT_INITS = {"standard": diagnostics.scaled_init(1 / math.sqrt(3)), "normalized": "glorot_uniform"}


@lru_cache(maxsize=None)
def glorot_objective(init):
    r"""Five tanh layers of 64 units on :func:`glyph_data`, every layer initialized by ``init``.

    ``"standard"``: :math:`W \sim \mathcal U[-1/\sqrt n, 1/\sqrt n]` (Glorot & Bengio 2010, eq. 1);
    ``"normalized"``: :math:`\mathcal U[\pm\sqrt{6/(n_{\text{in}} + n_{\text{out}})}]` (eq. 16). Biases 0.
    """
    X, y = glyph_data()
    model = diagnostics.deep_mlp(64, 6, GLOROT_DEPTH, GLOROT_WIDTH, "tanh", init=GLOROT_INITS[init])
    return NetworkObjective(model, X, y, "softmax")


@lru_cache(maxsize=None)
def glorot_study() -> dict:
    r"""Per-layer statistics at initialization for both inits, over :data:`GLOROT_SEEDS`.

    For each init: ``factors`` (geometric mean over seeds of
    :math:`\rho_l = \lVert\delta_l\rVert/\lVert\delta_{l+1}\rVert`, :math:`l = 1..4`),
    ``std`` (mean over seeds of each layer's output standard deviation),
    ``weight`` (mean over seeds of :math:`\lVert\partial L/\partial W_l\rVert`, hidden layers and output),
    ``values`` (seed 0: the raw outputs and back-propagated gradients, for the histograms).
    """
    out = {}
    for init in GLOROT_INITS:
        f = glorot_objective(init)
        rows = [diagnostics.diagnose(f, f.model.init(seed)) for seed in GLOROT_SEEDS]
        logs = [np.log(diagnostics.layer_factors(r.grad)) for r in rows]
        out[init] = {"factors": np.exp(np.mean(logs, axis=0)),
                     "std": np.mean([r.std for r in rows], axis=0),
                     "weight": np.mean([r.weight for r in rows], axis=0),
                     "values": diagnostics.layer_values(f, f.model.init(0))}
    return out


def glorot_figure():
    """Histograms of activations (top) and back-propagated gradients (bottom) per layer, standard vs normalized init."""
    study = glorot_study()
    fig = style.figure(height=5.6)
    axes = fig.subplots(2, 2, sharey="row")
    grads = np.concatenate([g.ravel() for init in study for g in study[init]["values"][1]])
    exponent = int(np.floor(np.log10(np.percentile(np.abs(grads), 99.5))))
    scale = 10.0 ** -exponent  # gradients shown in units of 10^exponent
    top = float(np.percentile(np.abs(grads), 99.5)) * scale
    colours = style.CYCLE[:GLOROT_DEPTH]
    for col, init in enumerate(GLOROT_INITS):
        outputs, deltas = study[init]["values"]
        for layer, (h, d, colour) in enumerate(zip(outputs, deltas, colours), start=1):
            axes[0, col].hist(h.ravel(), bins=np.linspace(-1, 1, 41), density=True, histtype="step", lw=1.6,
                              color=colour, label=f"layer {layer}")
            axes[1, col].hist(d.ravel() * scale, bins=np.linspace(-top, top, 41), density=True, histtype="step",
                              lw=1.6, color=colour)
        axes[0, col].set(title=f"{init} init: activations", xlabel="tanh output $h_l$")
        axes[1, col].set(title=f"{init} init: gradients",
                         xlabel=rf"back-propagated $\delta_l$ ($\times 10^{{{exponent}}}$)")
    axes[0, 0].set_ylabel("density")
    axes[1, 0].set_ylabel("density")
    for ax in axes.flat:
        ax.set_yscale("log")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=5)
    return style.Still(fig, alt="Four histogram panels, one line per hidden layer of a five-layer tanh network at "
                                "initialization. Top: activation values; with the standard init the histograms "
                                "narrow from layer 1 to layer 5, with the normalized init they keep their width. "
                                "Bottom: back-propagated gradients; with the standard init they narrow from layer 5 "
                                "down to layer 1, with the normalized init they stay about the same.")


# --------------------------------------------------------------------------- He et al. (2015), Fig. 3
HE_INITS = {"Xavier (g = 1)": 1.0, "He (g = √2)": math.sqrt(2)}


@lru_cache(maxsize=None)
def he_run(gain, seed):
    """A 30-layer ReLU MLP on :func:`moons`, initialized with ``gain`` and trained for :data:`HE_STEPS` momentum steps."""
    f = objective(HE_DEPTH, "relu", gain)
    return descend(f, f.model.init(seed), Momentum(HE_LR, BETA), batch_size=BATCH, steps=HE_STEPS, seed=seed,
                   record_every=10)


def he_summary() -> list[dict]:
    """Per init and seed: gradient ratio at init, loss and accuracy after the budget, step the loss first fell below 0.5."""
    rows = []
    for name, gain in HE_INITS.items():
        f = objective(HE_DEPTH, "relu", gain)
        for seed in HE_SEEDS:
            run = he_run(gain, seed)
            grad = diagnostics.backward_norms(f, f.model.init(seed), PROBE_IDX).grad
            below = np.flatnonzero(run.losses < 0.5)
            rows.append({"init": name, "seed": seed, "ratio": float(grad[0] / grad[-1]),
                         "loss": None if run.diverged else run.final_loss,
                         "accuracy": None if run.diverged else f.accuracy(run.final_theta),
                         "first_below": int(run.steps[below[0]]) if below.size else None,
                         "diverged_at": run.diverged_at})
    return rows


def he_figure():
    """Training loss of the 30-layer ReLU MLP with Xavier and He init (one line per seed)."""
    fig = style.figure(height=3.6)
    ax = fig.add_subplot()
    for (name, gain), colour in zip(HE_INITS.items(), (C["blue"], C["vermillion"])):
        for seed in HE_SEEDS:
            run = he_run(gain, seed)
            ax.plot(run.steps, run.losses, color=colour, lw=1.8, ls="-" if seed == 0 else "--",
                    label=f"{name}, seed {seed}")
    ax.axhline(math.log(2), color="0.5", lw=1, ls=":")
    ax.set(xlabel="training step", ylabel="training loss", ylim=(0, 1.0), xlim=(0, HE_STEPS),
           title=f"{HE_DEPTH}-layer ReLU MLP, momentum SGD, η = {HE_LR}")
    ax.text(HE_STEPS, math.log(2) + 0.02, "ln 2", ha="right", va="bottom", color="0.3")
    fig.legend(loc="outside upper center", ncol=2)
    return style.Still(fig, alt="Training loss against step for a 30-layer ReLU network: with Xavier initialization "
                                "the loss stays flat at ln 2 for both seeds, with He initialization it falls.")


# --------------------------------------------------------------------------- the notes' claims
def sigmoid_numbers() -> dict:
    r""":math:`\sigma'` at 0, 5, 10 (:mod:`lib.nn.activations`) and, for 20 sigmoid layers of every gain, ratio and saturated share at init."""
    d = ACTIVATIONS["sigmoid"].df(np.array([0.0, 5.0, 10.0]))
    out = {"derivative": dict(zip((0, 5, 10), map(float, d))), "max": diagnostics.max_derivative("sigmoid")}
    out["nets"] = {g: flow_summary(20, "sigmoid", g) for g in GAINS}
    return out


def weight_gradients(depth, activation, gain, residual=False, batchnorm=False) -> np.ndarray:
    r""":math:`\lVert\partial L/\partial W\rVert` of every linear layer at init, on the probe batch (input layer first)."""
    f = objective(depth, activation, gain, residual, batchnorm)
    return diagnostics.backward_norms(f, f.model.init(0), PROBE_IDX).weight


def spectral_check(activation="relu", gain=1.2, depth=20) -> dict:
    r"""Every hidden weight matrix has spectral norm :math:`\lVert W\rVert_2 > 1`, yet the gradient may vanish.

    Returns the smallest spectral norm among the hidden-to-hidden weights,
    the measured mean factor :func:`lib.nn.diagnostics.mean_factor` and the
    mean-field factor :math:`g\sqrt{\mathbb E[\phi'^2]}` (:math:`g/\sqrt2` for ReLU).
    """
    f = objective(depth, activation, gain)
    theta = f.model.init(0)
    params = f.model.params(theta)
    hidden = [p["W"] for layer, p in zip(f.model.layers[1:-1], params[1:-1]) if "W" in p]
    grad = diagnostics.backward_norms(f, theta, PROBE_IDX).grad
    return {"min_spectral": float(min(np.linalg.norm(W, 2) for W in hidden)), "layers": len(hidden),
            "measured": diagnostics.mean_factor(grad), "ratio": float(grad[0] / grad[-1]),
            "predicted": float(diagnostics.mean_field(activation, gain, depth).factors[-1])}


def zero_centred(examples=20) -> dict:
    r"""Mean output of the first hidden layer, and the share of one-signed rows of the second layer's weight gradient.

    For one example, :math:`\partial\ell/\partial W_2 = \delta_2\, h_1^\top`: if every
    :math:`h_1 > 0` (sigmoid), each row :math:`j` has the sign of :math:`\delta_{2,j}`
    throughout. Measured over ``examples`` single-example gradients of a
    5-layer net (gain 1), sigmoid against tanh; rows with a zero entry do not count as one-signed.
    """
    out = {}
    for name in ("sigmoid", "tanh"):
        f = objective(5, name, 1.0)
        theta = f.model.init(0)
        h1 = diagnostics.layer_values(f, theta, PROBE_IDX)[0][0]
        shares = []
        for i in range(examples):
            W = f.model.params(f.grad(theta, [i]).copy())[2]["W"]  # layers: Linear, Activation, Linear(2nd) ...
            signs = np.sign(W)
            shares.append(np.mean(np.all(signs > 0, axis=1) | np.all(signs < 0, axis=1)))
        out[name] = {"mean_output": float(h1.mean()), "one_signed_rows": float(np.mean(shares))}
    return out


def batchnorm_numbers(seed=0) -> dict:
    r"""What batch norm does to a batch: range, mean and standard deviation before and after (lib.nn.layers).

    A batch of 64 pre-activations of 32 features, :math:`\mathcal N(3, 5^2)`,
    through :func:`lib.nn.layers.batchnorm_forward` with :math:`\gamma = 1,
    \beta = 0` and with :math:`\gamma = 2, \beta = 1`.
    """
    x = np.random.default_rng(seed).normal(3.0, 5.0, (64, 32))
    rows = {"input": x}
    for gamma, beta in ((1.0, 0.0), (2.0, 1.0)):
        rows[f"gamma={gamma:g}, beta={beta:g}"] = nn_layers.batchnorm_forward(x, np.full(32, gamma), np.full(32, beta))[0]
    return {k: {"min": float(v.min()), "max": float(v.max()), "mean": float(v.mean()),
                "std": float(v.std(axis=0).mean()), "outside_0_1": float(np.mean((v < 0) | (v > 1)))}
            for k, v in rows.items()}


#: The mean factor Yang et al. (2019) predict for deep ReLU batch-norm networks at init: sqrt(pi / (pi - 1)).
YANG_RELU_FACTOR = math.sqrt(math.pi / (math.pi - 1))


def remedies() -> list[tuple[str, dict]]:
    """The remedies on 20-layer networks with the same budget (:data:`STEPS` steps), from :func:`flow` and :func:`clip_run`."""
    g1, he, std = 1.0, math.sqrt(2), 1 / math.sqrt(3)
    rows = [("sigmoid, gain 1 (the problem)", flow_summary(20, "sigmoid", g1)),
            ("ReLU, He init (gain √2)", flow_summary(20, "relu", he)),
            ("tanh, standard init (gain 0.58)", flow_summary(20, "tanh", std)),
            ("tanh, Xavier init (gain 1)", flow_summary(20, "tanh", g1)),
            ("sigmoid + batch norm", flow_summary(20, "sigmoid", g1, batchnorm=True)),
            ("sigmoid + residual shortcuts", flow_summary(20, "sigmoid", g1, residual=True)),
            ("ReLU, gain 2 (exploding)", flow_summary(20, "relu", CLIP_GAIN))]
    for c in (10.0,):
        run, norms = clip_run(LR, c)
        f = objective(CLIP_DEPTH, "relu", CLIP_GAIN)
        at = int(np.flatnonzero(run.steps == STEPS)[0])
        rows.append((f"ReLU, gain 2 + clipping at {c:g}", {
            "ratio_init": flow_summary(20, "relu", CLIP_GAIN)["ratio_init"], "ratio_trained": None,
            "loss_init": float(run.losses[0]), "loss_trained": float(run.losses[at]), "diverged_at": run.diverged_at}))
    return rows
