r"""Figures and experiments of the chapter on CNNs, locality and data where deep learning does not help.

The problem, seeded: the 8x8 *glyphs* of :func:`lib.datasets.glyphs` (six
stroke shapes placed at one of nine positions, pixel noise :data:`NOISE`),
training sets of :data:`SIZES` images per class (seeds ``100 + seed``) and one
test set of 600 images (seed 1). Each set is shown to the models either as it
is or with one fixed random permutation of the 64 pixels
(:data:`PERMUTATION`) applied to every image, training and test alike.

Four models (:func:`network`), each with a softmax output over the six classes:

* ``logistic`` -- multinomial logistic regression, ``64 → 6`` (390 parameters);
* ``mlp`` -- one hidden ReLU layer of :data:`HIDDEN` units, about as many parameters as the CNN;
* ``mlp_wide`` -- one hidden ReLU layer of :data:`WIDE` units, nine times as many;
* ``cnn`` -- :data:`FILTERS` 3x3 filters (:class:`lib.nn.conv.Conv2D`), ReLU, 2x2 max pooling,
  a linear layer on the 72 pooled features (LeCun et al. 1998 in miniature);
* ``local`` -- the CNN with the convolution replaced by a locally connected layer
  (:class:`lib.nn.conv.LocallyConnected2D`): the same 3x3 local windows, but a filter
  of its own at each of the 36 positions -- locality without weight sharing.

All are trained by Adam (:math:`\eta` = :data:`LR`, batches of :data:`BATCH`,
:data:`STEPS` steps; Kingma & Ba 2015) from PyTorch's default initialization,
for each seed in :data:`SEEDS`. Runs shared by several cells and explorables are cached.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from matplotlib.patches import Rectangle

from lib import style
from lib.datasets import glyphs
from lib.explorable import Dropdown, Slider, explore
from lib.gradient_descent import descend
from lib.nn import conv
from lib.nn.network import Activation, Linear, NetworkObjective, Sequential
from lib.optimizers import Adam

C = style.PALETTE
#: Image side, classes, pixel noise.
SIDE, CLASSES, NOISE = 8, 6, 0.3
#: CNN filters; hidden units of the small MLP (about the CNN's parameter count) and of the wide MLP.
FILTERS, HIDDEN, WIDE = 8, 7, 64
#: Adam's learning rate, batch size, steps.
LR, BATCH, STEPS = 0.01, 32, 200
#: Training images per class in the data-size sweep, and the seeds averaged.
SIZES = (2, 4, 8, 16, 32, 64, 128)
SEEDS = (0, 1)
#: The one fixed permutation of the 64 pixels.
PERMUTATION = np.random.default_rng(2016).permutation(SIDE * SIDE)
PERMUTATION.flags.writeable = False
MODELS = ("logistic", "mlp", "mlp_wide", "local", "cnn")
NAMES = {"logistic": "logistic regression", "mlp": f"MLP, {HIDDEN} hidden", "mlp_wide": f"MLP, {WIDE} hidden",
         "local": "locally connected", "cnn": f"CNN, {FILTERS} filters"}
COLOURS = {"logistic": C["black"], "mlp": C["orange"], "mlp_wide": C["vermillion"], "local": C["green"],
           "cnn": C["blue"]}
MARKERS = {"logistic": "s", "mlp": "^", "mlp_wide": "v", "local": "D", "cnn": "o"}
DATASETS = ("original", "permuted")


# --------------------------------------------------------------------------- data and models
def permute(X, permuted: bool) -> np.ndarray:
    """Images ``(n, 8, 8)`` with :data:`PERMUTATION` applied to the flattened pixels when ``permuted``."""
    flat = np.asarray(X).reshape(len(X), -1)
    return (flat[:, PERMUTATION] if permuted else flat).reshape(len(X), SIDE, SIDE)


@lru_cache(maxsize=None)
def train_set(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: ``6 * n_per_class`` glyphs, images ``(n, 8, 8)``, seed ``100 + seed``."""
    return glyphs(n_per_class, noise=NOISE, seed=100 + seed)


@lru_cache(maxsize=None)
def test_set() -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: 600 test glyphs (100 per class), seed 1."""
    return glyphs(100, noise=NOISE, seed=1)


def network(name: str) -> Sequential:
    """One of :data:`MODELS` (see the module docstring)."""
    if name == "logistic":
        return Sequential([Linear(SIDE * SIDE, CLASSES)])
    if name in ("mlp", "mlp_wide"):
        h = HIDDEN if name == "mlp" else WIDE
        return Sequential([Linear(SIDE * SIDE, h), Activation("relu"), Linear(h, CLASSES)])
    if name in ("cnn", "local"):
        pooled = FILTERS * ((SIDE - 2) // 2) ** 2
        first = conv.Conv2D(1, FILTERS, 3) if name == "cnn" else conv.LocallyConnected2D(1, FILTERS, 3, SIDE, SIDE)
        return Sequential([first, Activation("relu"), conv.MaxPool2D(2), conv.Flatten(), Linear(pooled, CLASSES)])
    raise ValueError(f"name must be one of {MODELS}, got {name!r}")


def inputs(name: str, X) -> np.ndarray:
    """Images as the model takes them: ``(n, 1, 8, 8)`` for the CNN and the locally connected net, ``(n, 64)`` otherwise."""
    X = np.asarray(X)
    return X.reshape(len(X), 1, SIDE, SIDE) if name in ("cnn", "local") else X.reshape(len(X), -1)


def train(name: str, X, y, theta0=None, seed: int = 0) -> tuple[Sequential, np.ndarray]:
    """Model ``name`` trained on ``(X, y)`` by Adam from ``theta0`` (default: ``model.init(seed)``); returns ``(model, theta)``."""
    model = network(name)
    objective = NetworkObjective(model, inputs(name, X), y)
    theta0 = model.init(seed) if theta0 is None else theta0
    run = descend(objective, theta0, Adam(LR), batch_size=min(BATCH, len(y)), steps=STEPS, seed=seed,
                  record_every=None)
    return model, run.final_theta


def predict(name: str, model: Sequential, theta, X) -> np.ndarray:
    """Predicted classes (argmax of the logits)."""
    return np.argmax(model.forward(theta, inputs(name, X), update_state=False)[0], axis=1)


@lru_cache(maxsize=None)
def fit(name: str, n_per_class: int, permuted: bool, seed: int = 0) -> dict:
    """Train ``name`` on ``n_per_class`` images per class (permuted or not); train and test accuracy, parameters."""
    X, y = train_set(n_per_class, seed)
    Xt, yt = test_set()
    model, theta = train(name, permute(X, permuted), y, seed=seed)
    return {"train": float(np.mean(predict(name, model, theta, permute(X, permuted)) == y)),
            "test": float(np.mean(predict(name, model, theta, permute(Xt, permuted)) == yt)),
            "params": model.dim, "model": model, "theta": theta}


@lru_cache(maxsize=None)
def sweep() -> dict:
    """Mean test accuracy over :data:`SEEDS`, ``[dataset][model]`` → array over :data:`SIZES`."""
    return {ds: {name: np.array([np.mean([fit(name, n, ds == "permuted", s)["test"] for s in SEEDS]) for n in SIZES])
                 for name in MODELS} for ds in DATASETS}


def images_needed(target: float, dataset: str = "original") -> dict:
    """Per model, the smallest training size in :data:`SIZES` (per class) whose mean test accuracy reaches ``target`` (None: never)."""
    table = sweep()[dataset]
    return {name: next((n for n, a in zip(SIZES, table[name]) if a >= target), None) for name in MODELS}


# --------------------------------------------------------------------------- parameter counts
def parameter_counts(channels: int = 1, side: int = SIDE, filters: int = FILTERS, k: int = 3) -> dict:
    r"""Parameters of three layers mapping a ``channels x side x side`` input to ``filters`` maps of the 'valid' size.

    Convolution :math:`F(Ck^2 + 1)`; locally connected (a different filter at
    every position) :math:`F H_o W_o (Ck^2 + 1)`; fully connected
    :math:`(C H W + 1) F H_o W_o`. The first is also the ``dim`` of a
    :class:`lib.nn.conv.Conv2D` in a network, returned as ``measured``.
    """
    out = conv.conv_output_size(side, k)
    units = filters * out * out
    measured = Sequential([conv.Conv2D(channels, filters, k)]).dim
    return {"conv": filters * (channels * k * k + 1), "local": units * (channels * k * k + 1),
            "dense": (channels * side * side + 1) * units, "units": units, "measured": measured,
            "dense_measured": Sequential([Linear(channels * side * side, units)]).dim}


# --------------------------------------------------------------------------- permutation: the MLP does not notice
@lru_cache(maxsize=None)
def permutation_check(name: str = "mlp_wide", n_per_class: int = 32, seed: int = 0) -> dict:
    r"""Train ``name`` (an MLP or logistic regression) on original and on permuted pixels from matched starts.

    With :math:`x' = x_\pi` and first-layer weights :math:`W' = W_{:,\pi}`,
    :math:`W'x' = Wx` for every input, and every gradient of :math:`W'` is the
    same permutation of the gradient of :math:`W` (Adam acts entrywise), so
    the two runs are the same run. Returns the largest parameter difference
    after training (weights permuted back), the number of test predictions
    that differ, and both test accuracies; plus the run on permuted pixels
    from an *unmatched* start (the network's own ``init(seed)``).
    """
    X, y = train_set(n_per_class, seed)
    Xt, yt = test_set()
    model, theta = train(name, X, y, seed=seed)
    theta0 = network(name).init(seed)
    matched = theta0.copy()
    first = network(name).params(matched)[0]
    first["W"][...] = first["W"][:, PERMUTATION]
    model_p, theta_p = train(name, permute(X, True), y, theta0=matched, seed=seed)
    back = theta_p.copy()
    W = model_p.params(back)[0]["W"]
    W[:, PERMUTATION] = W.copy()
    pred = predict(name, model, theta, Xt)
    pred_p = predict(name, model_p, theta_p, permute(Xt, True))
    model_u, theta_u = train(name, permute(X, True), y, seed=seed)
    return {"max_param_diff": float(np.max(np.abs(back - theta))), "max_param": float(np.max(np.abs(theta))),
            "changed": int(np.sum(pred != pred_p)), "test": float(np.mean(pred == yt)),
            "test_permuted": float(np.mean(pred_p == yt)),
            "test_unmatched": float(np.mean(predict(name, model_u, theta_u, permute(Xt, True)) == yt))}


# --------------------------------------------------------------------------- equivariance and pooling
def shift(X, d: int) -> np.ndarray:
    """Images moved ``d`` pixels to the right (left for ``d < 0``); zeros enter at the vacated edge."""
    X = np.asarray(X)
    out = np.zeros_like(X)
    if d == 0:
        return X.copy()
    if abs(d) >= X.shape[-1]:
        return out
    if d > 0:
        out[..., d:] = X[..., :-d]
    else:
        out[..., :d] = X[..., -d:]
    return out


def _trained_cnn(n_per_class: int = 64, seed: int = 0):
    r = fit("cnn", n_per_class, False, seed)
    return r["model"], r["theta"]


def feature_maps(X, n_per_class: int = 64) -> np.ndarray:
    """First-layer ReLU feature maps ``(n, F, 6, 6)`` of the CNN trained on ``n_per_class`` original images per class."""
    model, theta = _trained_cnn(n_per_class)
    return model.activations(theta, inputs("cnn", X))[1]


@lru_cache(maxsize=None)
def shift_table(shifts=(1, 2, 3)) -> dict:
    r"""For each horizontal shift :math:`d` of the 600 test images, what the trained CNN's layers do.

    * ``interior``: largest :math:`|a(\text{shift}_d x)_{u,v} - a(x)_{u,v-d}|` over columns
      :math:`v \ge d` -- 0 up to rounding if the convolution is translation equivariant;
    * ``edge``: the same in the first :math:`d` columns, where zeros entered;
    * ``map``, ``pool``, ``global``: mean relative change
      :math:`\lVert P(a') - P(a)\rVert / \lVert P(a)\rVert` *without* realignment, for
      :math:`P` the feature map itself, 2x2 max pooling, and the maximum over all positions;
    * ``accuracy``: test accuracy on the shifted images (unshifted: ``accuracy[0]``);
      ``kept_accuracy`` on the images whose stroke stays wholly on the canvas, ``kept`` their share
      (found from the noise-free images :func:`lib.datasets.glyphs` draws with the same seed: same positions).
    """
    Xt, yt = test_set()
    clean, _ = glyphs(100, noise=0.0, seed=1)
    model, theta = _trained_cnn()
    a = feature_maps(Xt)

    def rel(p, q):
        return float(np.mean(np.linalg.norm((p - q).reshape(len(p), -1), axis=1)
                             / np.maximum(np.linalg.norm(q.reshape(len(q), -1), axis=1), 1e-12)))

    out = {"accuracy": {0: float(np.mean(predict("cnn", model, theta, Xt) == yt))}, "kept": {}, "kept_accuracy": {}}
    for d in shifts:
        Xs = shift(Xt, d)
        b = feature_maps(Xs)
        out[d] = {"interior": float(np.max(np.abs(b[..., d:] - a[..., :-d]))),
                  "edge": float(np.max(np.abs(b[..., :d] - a[..., :d]))),
                  "map": rel(b, a), "pool": rel(conv.maxpool_forward(b)[0], conv.maxpool_forward(a)[0]),
                  "global": rel(b.max(axis=(2, 3)), a.max(axis=(2, 3)))}
        right = predict("cnn", model, theta, Xs) == yt
        kept = np.all(clean[..., SIDE - d:] == 0, axis=(1, 2))
        out["accuracy"][d] = float(np.mean(right))
        out["kept"][d], out["kept_accuracy"][d] = float(np.mean(kept)), float(np.mean(right[kept]))
    return out


# --------------------------------------------------------------------------- receptive fields
#: The receptive-field network: 'same' 3x3 convolutions and 2x2 average pooling on a 24x24 input.
RF_LAYERS = (("conv 3x3", 3, 1), ("pool 2x2", 2, 2), ("conv 3x3", 3, 1), ("pool 2x2", 2, 2), ("conv 3x3", 3, 1))
RF_SIDE = 24


@lru_cache(maxsize=None)
def measured_receptive_field(depth: int, position: str = "centre") -> np.ndarray:
    r"""Input pixels that one unit after the first ``depth`` layers of :data:`RF_LAYERS` depends on (a 24x24 0/1 mask).

    Measured, not computed from the formula: the gradient of the unit with
    respect to the input, by backpropagation through
    :class:`~lib.nn.conv.Conv2D` and :class:`~lib.nn.conv.AvgPool2D` with
    positive weights (so that no contributions cancel). ``position`` is
    ``"centre"`` or ``"corner"`` (the top-left unit, whose field is cut by the border).
    """
    if not 1 <= depth <= len(RF_LAYERS):
        raise ValueError(f"depth must be in 1..{len(RF_LAYERS)}, got {depth!r}")
    if position not in ("centre", "corner"):
        raise ValueError(f"position must be 'centre' or 'corner', got {position!r}")
    layers, channels = [], 1
    for name, k, _ in RF_LAYERS[:depth]:
        if name.startswith("conv"):
            layers.append(conv.Conv2D(channels, 2, k, "same"))
            channels = 2
        else:
            layers.append(conv.AvgPool2D(k))
    model = Sequential(layers)
    theta = np.abs(model.init(0)) + 0.1
    out, tape = model.forward(theta, np.ones((1, 1, RF_SIDE, RF_SIDE)))
    dout = np.zeros_like(out)
    u = out.shape[2] // 2 if position == "centre" else 0
    dout[0, 0, u, u] = 1.0
    _, dx = model.backward(dout, tape, input_grad=True)
    return dx[0, 0] != 0


def receptive_field_table() -> list[dict]:
    """Per layer of :data:`RF_LAYERS`: formula :math:`r_l, j_l` and the measured side of a central unit's field."""
    formula = conv.receptive_field([(k, s) for _, k, s in RF_LAYERS])
    rows = []
    for depth, ((name, _, _), (r, j)) in enumerate(zip(RF_LAYERS, formula), start=1):
        mask = measured_receptive_field(depth)
        rr, cc = np.nonzero(mask)
        rows.append({"layer": name, "r": r, "j": j, "measured": (int(np.ptp(rr) + 1), int(np.ptp(cc) + 1))})
    return rows


# --------------------------------------------------------------------------- explorable 1: data size and permutation
SIZE_SLIDER = Slider("n", SIZES[0], SIZES[-1], steps=len(SIZES), scale="log", default=16, integer=True,
                     label="training images per class", fmt="{:.0f}")


def _image_tile(X, y) -> np.ndarray:
    """One example of each class, side by side with a one-pixel gap, as a 8 x 53 array (NaN gaps)."""
    picks = [X[np.flatnonzero(y == c)[0]] for c in range(CLASSES)]
    tile = np.full((SIDE, CLASSES * (SIDE + 1) - 1), np.nan)
    for c, img in enumerate(picks):
        tile[:, c * (SIDE + 1): c * (SIDE + 1) + SIDE] = img
    return tile


SHORT = ("horiz.", "vert.", "diag.", "anti-d.", "cross", "square")


def _image(ax, rows: int, cols: int, cmap: str, vmin: float, vmax: float):
    """An animated ``rows`` x ``cols`` pixel grid (a QuadMesh, ten times cheaper to redraw than imshow); row 0 on top."""
    mesh = ax.pcolormesh(np.zeros((rows, cols)), cmap=cmap, vmin=vmin, vmax=vmax, animated=True)
    ax.set(xlim=(0, cols), ylim=(rows, 0), aspect="equal")
    ax.grid(False)
    return mesh


def data_size_figure():
    """Training-set size × original/permuted pixels → test accuracy of the five models, and what the models see."""

    def make(fig):
        grid = fig.add_gridspec(2, 1, height_ratios=(4.0, 1.0))
        ax = fig.add_subplot(grid[0])
        img_ax = fig.add_subplot(grid[1])
        ax.set(xscale="log", xlim=(SIZES[0] / 1.3, SIZES[-1] * 1.3), ylim=(0.0, 1.02),
               xlabel="training images per class (log scale)", ylabel="test accuracy\n(600 images; chance 1/6)")
        ax.set_xticks(SIZES, [str(n) for n in SIZES])
        ax.minorticks_off()
        lines = {name: ax.plot([], [], "-", marker=MARKERS[name], ms=5, color=COLOURS[name], label=NAMES[name],
                               animated=True)[0] for name in MODELS}
        ghost = {name: ax.plot([], [], ":", color=COLOURS[name], lw=1, animated=True)[0] for name in MODELS}
        mark = ax.axvline(SIZES[0], color=C["black"], lw=1, ls="--", animated=True)
        other_key = ax.plot([], [], ":", color=C["black"], lw=1, label="dotted: the other pixels")[0]
        ax.legend(handles=[*lines.values(), other_key], loc="lower right", ncol=2, fontsize=11)
        title = ax.set_title("\n")
        title.set_animated(True)
        image = _image(img_ax, SIDE, CLASSES * (SIDE + 1) - 1, "gray_r", -0.6, 1.3)
        img_ax.set_xticks([c * (SIDE + 1) + SIDE / 2 for c in range(CLASSES)], SHORT, fontsize=11)
        img_ax.set_yticks([])
        for side in ("left", "bottom"):
            img_ax.spines[side].set_visible(False)
        table = sweep()

        def update(n, dataset):
            n = int(n)
            k = SIZES.index(n)
            other = "original" if dataset == "permuted" else "permuted"
            for name in MODELS:
                lines[name].set_data(SIZES, table[dataset][name])
                ghost[name].set_data(SIZES, table[other][name])
            mark.set_xdata([n, n])
            acc = {name: table[dataset][name][k] for name in MODELS}
            title.set_text(f"{dataset} pixels, {n} images per class")
            X, y = train_set(n, 0)
            image.set_array(np.ma.masked_invalid(_image_tile(permute(X, dataset == "permuted"), y)))
            return (f"{dataset} pixels, {n} training images per class: test accuracy CNN {acc['cnn']:.0%}, "
                    f"locally connected {acc['local']:.0%}, small MLP {acc['mlp']:.0%}, wide MLP "
                    f"{acc['mlp_wide']:.0%}, logistic regression {acc['logistic']:.0%}")

        return update

    return explore(
        make,
        [SIZE_SLIDER, Dropdown("dataset", list(DATASETS), default="original", label="pixels")],
        alt="Test accuracy against the number of training images per class for logistic regression, two MLPs, "
            "a locally connected net and a CNN, on the glyph images with their pixels in place or permuted by one "
            "fixed permutation; below, one training image of each class as the models see it.",
        height=3.9,
    )


# --------------------------------------------------------------------------- explorable 2: shift and pooling
SHIFT_SLIDER = Slider("d", -3, 3, steps=7, default=0, integer=True, label="shift d (pixels)", fmt="{:.0f}")
SHOWN_IMAGE = 100  # a test image: the class-1 block starts at 100 ("vertical bar")


@lru_cache(maxsize=None)
def shown_filters(count: int = 4) -> tuple[int, ...]:
    """The ``count`` filters of the trained CNN that respond most strongly to the shown glyph, in filter order."""
    Xt, _ = test_set()
    peak = feature_maps(Xt[SHOWN_IMAGE: SHOWN_IMAGE + 1])[0].max(axis=(1, 2))
    return tuple(sorted(int(f) for f in np.argsort(-peak)[:count]))


def shift_figure():
    """Shift ``d`` × filter (:func:`shown_filters`) → the shifted input, one filter's feature map, its 2x2 max pooling and global max."""

    def make(fig):
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": (8, 6, 3)})
        titles = ("input (8×8)", "feature map", "pooled")
        images = []
        for ax, t, n in zip(axes, titles, (SIDE, 6, 3)):
            ax.set_title(t, fontsize=11)
            images.append(_image(ax, n, n, "gray_r" if n == SIDE else "cividis", *((-0.6, 1.3) if n == SIDE else (0, 1))))
            ax.set_xticks(np.arange(n) + 0.5)
            ax.set_yticks([])
            ax.tick_params(labelbottom=False)
        fig.supxlabel("pixel columns; the image moves right for d > 0", fontsize=11)
        title = fig.suptitle("\n")
        title.set_animated(True)
        Xt, _ = test_set()
        x = Xt[SHOWN_IMAGE: SHOWN_IMAGE + 1]
        base = feature_maps(x)[0]

        def update(d, f):
            xs = shift(x, d)
            a = feature_maps(xs)[0]
            top = max(base[f].max(), 1e-12)
            pooled = conv.maxpool_forward(a[None])[0][0]
            pooled0 = conv.maxpool_forward(base[None])[0][0]
            images[0].set_array(xs[0])
            images[1].set_array(a[f] / top)
            images[2].set_array(pooled[f] / top)
            if d > 0:
                err = np.max(np.abs(a[f][:, d:] - base[f][:, :-d]))
            elif d < 0:
                err = np.max(np.abs(a[f][:, :d] - base[f][:, -d:]))
            else:
                err = 0.0
            changed = np.mean(~np.isclose(pooled[f], pooled0[f], atol=1e-12))
            g0, g = base[f].max(), a[f].max()
            title.set_text(f"filter {f + 1}, d = {d}: |map − moved map| ≤ {err:.0g}\n"
                           f"pooled: {changed:.0%} changed; max {g:.2f} ({g0:.2f} at d = 0)")
            return (f"filter {f + 1}, shift {d}: feature map equals the unshifted one moved by {d} away from the "
                    f"edge (largest difference {err:.0e}); {changed:.0%} of the pooled values changed; global maximum "
                    f"{g:.2f} against {g0:.2f} unshifted")

        return update

    return explore(
        make,
        [SHIFT_SLIDER, Dropdown("f", list(shown_filters()), label="filter",
                                option_labels=[str(k + 1) for k in shown_filters()])],
        alt="A vertical-bar glyph shifted by d pixels, the trained CNN's feature map for one filter, and its 2x2 "
            "max pooling: the map moves with the input; the pooled map changes partly for odd shifts.",
        height=3.0,
    )


# --------------------------------------------------------------------------- explorable 3: receptive fields
def receptive_field_figure():
    """Depth × position → the input pixels one unit depends on, measured by backpropagation, against the formula."""
    formula = conv.receptive_field([(k, s) for _, k, s in RF_LAYERS])

    def make(fig):
        ax = fig.add_subplot()
        ax.set_facecolor("#f0f0f0")
        ax.set_aspect("equal")
        ax.set(xlim=(-0.5, RF_SIDE - 0.5), ylim=(RF_SIDE - 0.5, -0.5), xlabel="input column (pixel)",
               ylabel="input row (pixel)", xticks=range(0, RF_SIDE, 4), yticks=range(0, RF_SIDE, 4))
        ax.set_xticks(np.arange(-0.5, RF_SIDE, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, RF_SIDE, 1), minor=True)
        ax.grid(which="minor", color="#b0b0b0", lw=0.6)
        ax.grid(which="major", visible=False)
        ax.tick_params(which="minor", length=0)
        field = Rectangle((0, 0), 1, 1, facecolor=C["vermillion"], edgecolor=C["black"], lw=1.5, animated=True)
        ax.add_patch(field)
        title = ax.set_title("\n")
        title.set_animated(True)

        def update(depth, position):
            mask = measured_receptive_field(depth, position)
            rr, cc = np.nonzero(mask)
            h, w = np.ptp(rr) + 1, np.ptp(cc) + 1
            field.set_bounds(cc.min() - 0.5, rr.min() - 0.5, w, h)
            r, j = formula[depth - 1]
            stack = " → ".join(name for name, _, _ in RF_LAYERS[:depth])
            title.set_text(f"{stack}\n{position} unit: measured field {h}×{w}; formula r = {r}, jump j = {j}")
            return (f"after {depth} layers ({stack}), the {position} unit depends on a {h} by {w} patch of the input; "
                    f"the formula gives r = {r}")

        return update

    return explore(
        make,
        [Slider("depth", 1, len(RF_LAYERS), steps=len(RF_LAYERS), default=3, integer=True, label="layers",
                fmt="{:.0f}"),
         Dropdown("position", ["centre", "corner"], default="centre", label="unit")],
        alt="A 24 by 24 input grid with the pixels highlighted that one unit of a deeper layer depends on, "
            "measured by backpropagation, with the receptive-field formula's value in the title.",
        height=3.6,
    )


EXPLORABLES = {
    "data_size": data_size_figure,
    "shift": shift_figure,
    "receptive_field": receptive_field_figure,
}
