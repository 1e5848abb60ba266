r"""Figures and experiments of the learning-paradigms chapter (supervised, transfer, unsupervised, semi-supervised, weakly supervised).

Every experiment is small and seeded:

* supervised -- softmax regression (:class:`lib.glm.SoftmaxRegression`) on the 8x8 glyphs of
  :func:`lib.datasets.glyphs`, tested on new images of the same kind and of a noisier kind;
* transfer -- a ``64 → 32 → 32 → 2`` ReLU network for the target task "does the glyph contain a
  diagonal stroke?", trained from scratch or started from a network pretrained on the six-way
  *shape* task (related) or on the nine-way *position* task (unrelated) of the same images;
* unsupervised -- :func:`lib.clustering.kmeans` and :func:`lib.clustering.gmm` on blobs, stretched
  blobs and two moons;
* semi-supervised -- label propagation (:func:`lib.semi_supervised.harmonic_solution`) against
  the nearest-neighbour rule on the labelled points alone, on :data:`SSL_DATA`;
* weakly supervised -- logistic regression on flipped labels, plain or forward-corrected
  (:class:`lib.noisy_labels.ForwardCorrected`), and softmax regression on complementary labels.

Runs that several cells and explorables share are cached with :func:`functools.lru_cache`.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib import style
from lib.clustering import adjusted_rand_index, gmm, kmeans, within_sum_of_squares
from lib.datasets import gaussian_blobs, glyphs, two_moons
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.gradient_descent import descend
from lib.nn.network import Activation, Linear, NetworkObjective, Sequential
from lib.noisy_labels import ForwardCorrected, asymmetric_noise, complementary, corrupt, symmetric_noise
from lib.optimizers import Adam
from lib.semi_supervised import extend, harmonic_solution, knn_graph, nearest_neighbour

C = style.PALETTE
CLASS_COLOURS = (C["blue"], C["vermillion"])


def _frozen(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays


# --------------------------------------------------------------------------- supervised
@lru_cache(maxsize=None)
def glyph_data(seed: int, noise: float = 0.3, n_per_class: int = 100):
    """Glyph images flattened to 64 inputs, their shape labels (6 classes) and position labels (9 classes: row offset × 3 + column offset).

    Every template of :func:`lib.datasets.glyphs` is centred at (2.5, 2.5), so the offset is the centre of
    mass of the noise-free image (same seed) minus 2.5.
    """
    X, y = glyphs(n_per_class, noise=noise, seed=seed)
    clean, _ = glyphs(n_per_class, noise=0.0, seed=seed)
    mass = clean.sum((1, 2))
    rows = (clean.sum(2) * np.arange(8)).sum(1) / mass
    cols = (clean.sum(1) * np.arange(8)).sum(1) / mass
    position = (np.rint(rows - 2.5) * 3 + np.rint(cols - 2.5)).astype(int)
    return _frozen(X.reshape(len(X), -1), y, position)


def _softmax_fit(X, y, T, steps=300, lr=0.05):
    objective = ForwardCorrected(X, y, T)
    run = descend(objective, np.zeros(objective.dim), Adam(lr), steps=steps, record_every=None)
    return objective, run.final_theta


@lru_cache(maxsize=None)
def supervised_curve(sizes=(6, 12, 30, 60, 150, 600)) -> dict:
    """Softmax regression on the first ``n`` glyphs (stratified): training accuracy, test accuracy on new
    glyphs of the same kind (noise 0.3) and on noisier ones (noise 0.8)."""
    X, y, _ = glyph_data(0)
    Xt, yt, _ = glyph_data(1)
    Xs, ys, _ = glyph_data(3, noise=0.8)
    order = np.argsort(np.arange(len(y)) % 100, kind="stable")  # class-balanced prefix
    out = {}
    for n in sizes:
        idx = order[:n]
        obj, theta = _softmax_fit(X[idx], y[idx], np.eye(6))
        out[n] = {"train": float(np.mean(obj.predict(theta) == y[idx])),
                  "test": float(np.mean(obj.predict(theta, Xt) == yt)),
                  "shifted": float(np.mean(obj.predict(theta, Xs) == ys))}
    return out


# --------------------------------------------------------------------------- transfer
def diagonal_task(shape_labels) -> np.ndarray:
    """The target task: 1 if the glyph has a diagonal stroke (diagonal, anti-diagonal, cross), else 0."""
    return np.isin(shape_labels, [2, 3, 4]).astype(int)


def transfer_network(outputs: int) -> Sequential:
    """``64 → 32 → 32 → outputs`` with ReLU (PyTorch's default initialization)."""
    return Sequential([Linear(64, 32), Activation("relu"), Linear(32, 32), Activation("relu"), Linear(32, outputs)])


SOURCES = ("scratch", "shape", "position")
SOURCE_NAMES = {"scratch": "from scratch", "shape": "pretrained on shape (related)",
                "position": "pretrained on position (unrelated)"}
TARGET_SIZES = (2, 4, 8, 16, 32, 64)
TRANSFER_SEEDS = tuple(range(6))


@lru_cache(maxsize=None)
def pretrained(source: str) -> tuple[np.ndarray, float]:
    """Parameters of a network trained by Adam (η = 0.01, batches of 32, 400 steps) on 600 glyphs for the
    ``"shape"`` (6 classes) or ``"position"`` (9 classes) task, and its accuracy on new glyphs of that task."""
    X, shape, position = glyph_data(0)
    Xt, shape_t, position_t = glyph_data(1)
    labels, labels_t, K = (shape, shape_t, 6) if source == "shape" else (position, position_t, 9)
    model = transfer_network(K)
    objective = NetworkObjective(model, X, labels)
    run = descend(objective, model.init(0), Adam(0.01), batch_size=32, steps=400, record_every=None)
    return run.final_theta, objective.accuracy(run.final_theta, Xt, labels_t)


@lru_cache(maxsize=None)
def fine_tune(source: str, n: int, seed: int, freeze: bool = False) -> float:
    """Test accuracy on the diagonal task after training on ``n`` labelled target glyphs (half per class).

    The hidden layers start from :func:`pretrained` ``(source)`` (random for ``"scratch"``), the output layer
    is new; Adam (η = 0.01), full batch, 100 steps. ``freeze`` trains the output layer only.
    """
    X, shape, _ = glyph_data(2)
    Xt, shape_t, _ = glyph_data(1)
    target, target_t = diagonal_task(shape), diagonal_task(shape_t)
    rng = np.random.default_rng(1000 + seed)  # not a data seed
    idx = np.concatenate([rng.choice(np.flatnonzero(target == c), n // 2, replace=False) for c in (0, 1)])
    model = transfer_network(2)
    theta = model.init(100 + seed)
    head = model.offsets[4]["W"][0]  # where the output layer's parameters start
    if source != "scratch":
        theta[:head] = pretrained(source)[0][:head]
    objective = NetworkObjective(model, X[idx], target[idx])
    if freeze:
        features = model.activations(theta, X[idx])[3]
        head_model = Sequential([Linear(32, 2)])
        head_objective = NetworkObjective(head_model, features, target[idx])
        run = descend(head_objective, theta[head:].copy(), Adam(0.01), steps=100, record_every=None)
        theta[head:] = run.final_theta
    else:
        theta = descend(objective, theta, Adam(0.01), steps=100, record_every=None).final_theta
    return objective.accuracy(theta, Xt, target_t)


def transfer_table(freeze: bool = False) -> dict[str, np.ndarray]:
    """Mean test accuracy over :data:`TRANSFER_SEEDS` per source and per number of target labels :data:`TARGET_SIZES`."""
    return {s: np.array([np.mean([fine_tune(s, n, seed, freeze) for seed in TRANSFER_SEEDS]) for n in TARGET_SIZES])
            for s in SOURCES}


def transfer_gap(source: str, freeze: bool = False, baseline: str = "scratch") -> tuple[np.ndarray, np.ndarray]:
    """Paired difference of test accuracy, ``source`` minus ``baseline`` (fine-tuned), per :data:`TARGET_SIZES`:
    mean and standard error over :data:`TRANSFER_SEEDS` (same labelled draw and output-layer start in each pair)."""
    diff = np.array([[fine_tune(source, n, s, freeze) - fine_tune(baseline, n, s, False) for s in TRANSFER_SEEDS]
                     for n in TARGET_SIZES])
    return diff.mean(1), diff.std(1, ddof=1) / np.sqrt(diff.shape[1])


def transfer_wins(source: str, freeze: bool = False) -> np.ndarray:
    """Per :data:`TARGET_SIZES`: in how many of the labelled draws ``source`` beats fine-tuning from scratch."""
    return np.array([sum(fine_tune(source, n, s, freeze) > fine_tune("scratch", n, s, False) for s in TRANSFER_SEEDS)
                     for n in TARGET_SIZES])


def transfer_figure():
    """Test accuracy on the target task against the number of target labels, for each start, fine-tuned and frozen."""
    fig = style.figure(height=3.3)
    axes = fig.subplots(1, 2, sharey=True)
    colours = {"scratch": C["black"], "shape": C["green"], "position": C["vermillion"]}
    for ax, freeze in zip(axes, (False, True)):
        table = transfer_table(freeze)
        for s in SOURCES:
            ax.plot(TARGET_SIZES, table[s], "-o", ms=4, color=colours[s], label=SOURCE_NAMES[s])
        ax.axhline(0.5, color=C["black"], lw=0.8, ls=":")
        ax.set(xscale="log", xticks=TARGET_SIZES, xticklabels=[str(n) for n in TARGET_SIZES],
               xlabel="labelled target glyphs", ylim=(0.4, 1.0),
               title="hidden layers frozen" if freeze else "all layers fine-tuned")
        ax.minorticks_off()
    axes[0].set_ylabel("test accuracy (diagonal?)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return style.Still(fig, "Two panels of test accuracy on the target task 'does the glyph contain a diagonal "
                            "stroke?' against the number of labelled target images (2 to 64), for a network "
                            "trained from scratch, one pretrained on the shape task and one pretrained on the "
                            "position task; left all layers fine-tuned, right only the output layer trained.")


TARGET_GRID = Slider("n", TARGET_SIZES[0], TARGET_SIZES[-1], steps=len(TARGET_SIZES), scale="log", integer=True,
                     default=4, label="labelled target glyphs")


def transfer_explorable():
    """Number of target labels × frozen or fine-tuned → test accuracy of each start (mean ± standard error over the
    labelled draws) and the paired difference of each pretrained start to training from scratch, draw by draw."""
    colours = {"scratch": C["black"], "shape": C["green"], "position": C["vermillion"]}
    short = {"scratch": "random start", "shape": "shape (related)", "position": "position (unrelated)"}
    seeds = np.array(TRANSFER_SEEDS)

    def make(fig):
        left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
        rows = np.arange(len(SOURCES))[::-1]
        bars = [left.plot([], [], "o", ms=9, color=colours[src], animated=True)[0] for src in SOURCES]
        whiskers = [left.plot([], [], color=colours[src], lw=2.5, animated=True)[0] for src in SOURCES]
        left.axvline(0.5, color=C["black"], lw=0.8, ls=":")
        reference = left.axvline(0.5, color=C["black"], lw=1.2, ls="--", animated=True)
        left.set(xlim=(0.4, 1.0), ylim=(-0.6, len(SOURCES) - 0.4), yticks=rows, yticklabels=[short[s] for s in SOURCES],
                 xlabel="test accuracy", title="mean ± s.e. (dashed: random\nstart, fine-tuned)")
        right.axhline(0, color=C["black"], lw=0.8)
        dots = {s: right.plot([], [], "o", ms=6, color=colours[s], animated=True, label=short[s])[0]
                for s in ("shape", "position")}
        right.set(xlim=(-0.6, 1.6), ylim=(-0.3, 0.4), xticks=[0, 1], xticklabels=["shape", "position"],
                  ylabel="accuracy minus\nthe dashed line", title="each labelled draw")
        status = fig.suptitle("\n")
        status.set_animated(True)

        def update(n, freeze):
            how = "hidden layers frozen" if freeze else "all layers fine-tuned"
            means = {}
            for k, (source, bar, whisker) in enumerate(zip(SOURCES, bars, whiskers)):
                acc = np.array([fine_tune(source, n, s, freeze) for s in seeds])
                m, se = acc.mean(), acc.std(ddof=1) / np.sqrt(len(acc))
                bar.set_data([m], [rows[k]])
                whisker.set_data([m - se, m + se], [rows[k]] * 2)
                means[source] = m
            scratch = np.array([fine_tune("scratch", n, s, False) for s in seeds])
            reference.set_xdata([scratch.mean()] * 2)
            for j, source in enumerate(("shape", "position")):
                diff = np.array([fine_tune(source, n, s, freeze) for s in seeds]) - scratch
                dots[source].set_data(j + np.linspace(-0.25, 0.25, len(seeds)), diff)
            gain = {s: 100 * (means[s] - np.mean(scratch)) for s in ("shape", "position")}
            status.set_text(f"{n} target labels, {how}\nvs fine-tuning from scratch: shape {gain['shape']:+.1f}, "
                            f"position {gain['position']:+.1f} points")
            return (f"{n} labelled target glyphs, {how}: mean test accuracy {means['scratch']:.1%} from scratch, "
                    f"{means['shape']:.1%} from the shape network, {means['position']:.1%} from the position network")

        return update

    return explore(
        make,
        [TARGET_GRID, Toggle("freeze", default=False, label="freeze the hidden layers")],
        alt="Left: dots at the mean test accuracy on the diagonal-stroke task for a network trained from "
            "scratch, one pretrained on glyph shapes and one pretrained on glyph positions, with standard-error "
            "whiskers. Right: for each labelled draw, the accuracy of each pretrained start minus that of training "
            "from scratch (all layers fine-tuned).",
        height=3.4,
    )


# --------------------------------------------------------------------------- unsupervised
def stretched_blobs(n_per_class: int = 150, seed: int = 0):
    """Three parallel bars: Gaussian blobs centred at :math:`(0, -4), (0, 0), (0, 4)` with unit spread, then
    :math:`x_1` stretched by 2.5 and :math:`x_2` squeezed by 0.4 -- long clusters, each far wider than the gaps between them."""
    X, y = gaussian_blobs(n_per_class, centers=((0.0, -4.0), (0.0, 0.0), (0.0, 4.0)), std=1.0, seed=seed)
    return X * np.array([2.5, 0.4]), y


CLUSTER_DATA = {
    "blobs": lambda seed: gaussian_blobs(150, centers=((-2.5, -1.0), (2.5, -1.0), (0.0, 2.5)), std=0.9, seed=seed),
    "stretched": lambda seed: stretched_blobs(seed=seed),
    "moons": lambda seed: two_moons(300, noise=0.08, seed=seed),
}
CLUSTER_NAMES = {"blobs": "round blobs", "stretched": "parallel bars", "moons": "two moons"}


@lru_cache(maxsize=None)
def clustering_scores() -> dict[str, dict]:
    """k-means (k = number of classes) and a GMM with as many components: adjusted Rand index against the classes,
    and the k-means objective J of the k-means clusters and of the classes."""
    out = {}
    for name, make in CLUSTER_DATA.items():
        X, y = make(0)
        k = len(np.unique(y))
        km, mix = kmeans(X, k, seed=0), gmm(X, k, seed=0)
        out[name] = {"k": k, "kmeans": adjusted_rand_index(y, km.labels), "gmm": adjusted_rand_index(y, mix.predict(X)),
                     "kmeans_labels": km.labels, "X": X, "y": y,
                     "J_kmeans": km.inertia, "J_classes": within_sum_of_squares(X, y)}
    return out


GMM_KS = tuple(range(1, 13))


@lru_cache(maxsize=None)
def gmm_selection(name: str = "moons") -> dict:
    """Mean held-out log-likelihood (new draw, seed 1) of GMMs with :data:`GMM_KS` components fitted on seed 0,
    and the ARI of each fit's components against the classes."""
    X, y = CLUSTER_DATA[name](0)
    Xt, _ = CLUSTER_DATA[name](1)
    fits = {k: gmm(X, k, seed=0) for k in GMM_KS}
    return {"k": np.array(GMM_KS), "heldout": np.array([fits[k].log_density(Xt).mean() for k in GMM_KS]),
            "train": np.array([fits[k].log_density(X).mean() for k in GMM_KS]),
            "ari": np.array([adjusted_rand_index(y, fits[k].predict(X)) for k in GMM_KS]), "fits": fits}


def clustering_figure():
    """Top: k-means on three data sets, points coloured by cluster and shaped by class (circle, triangle, square).
    Bottom: GMM held-out log-likelihood against K on two moons, and the components' ARI against the classes."""
    fig = style.figure(height=5.4)
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.1])
    scores = clustering_scores()
    markers = ("o", "^", "s")
    palette = (C["blue"], C["orange"], C["green"])
    for j, name in enumerate(CLUSTER_DATA):
        ax = fig.add_subplot(grid[0, j])
        s = scores[name]
        for c in range(s["k"]):
            for cls in range(s["k"]):
                m = (s["kmeans_labels"] == c) & (s["y"] == cls)
                ax.scatter(*s["X"][m].T, s=14, marker=markers[cls], color=palette[c], lw=0)
        ax.set(title=f"{CLUSTER_NAMES[name]}\nARI {s['kmeans']:.2f}", xticks=[], yticks=[], xlabel="$x_1$",
               ylabel="$x_2$" if j == 0 else "")
    fig.suptitle("k-means: colour = cluster, marker shape = true class")
    ax = fig.add_subplot(grid[1, :2])
    sel = gmm_selection("moons")
    ax.plot(sel["k"], sel["heldout"], "-o", ms=4, color=C["blue"], label="held-out")
    ax.plot(sel["k"], sel["train"], "--", color=C["orange"], label="training")
    best = int(sel["k"][np.argmax(sel["heldout"])])
    ax.axvline(best, color=C["black"], lw=0.8, ls=":")
    ax.set(xlabel="GMM components K", ylabel="mean log-likelihood\n(nats per point)", xticks=GMM_KS[1::2],
           title=f"two moons: density is best with K = {best}")
    ax.legend(loc="lower right")
    ax2 = fig.add_subplot(grid[1, 2])
    ax2.plot(sel["k"], sel["ari"], "-s", ms=4, color=C["vermillion"])
    ax2.set(xlabel="K", ylabel="ARI against the 2 classes", ylim=(-0.05, 1.05), title="vs the classes",
            xticks=GMM_KS[1::4])
    return style.Still(fig, "Top: k-means clusters (colours) and true classes (marker shapes) on round blobs, "
                            "stretched blobs and two moons, with the adjusted Rand index. Bottom: held-out and "
                            "training log-likelihood of Gaussian mixtures on two moons against the number of "
                            "components, and the agreement of their components with the two classes.")


# --------------------------------------------------------------------------- semi-supervised
def one_cloud(n: int = 400, seed: int = 0):
    """One Gaussian cloud :math:`\\mathcal N(0, I)` cut by the line :math:`x_1 = 0`: the class boundary runs through the densest region."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, (X[:, 0] > 0).astype(int)


def two_clouds_across(n: int = 400, seed: int = 0):
    """Two Gaussian clouds side by side, centres :math:`(\\pm 2, 0)`, labelled by the sign of :math:`x_2`: every cluster holds both classes."""
    rng = np.random.default_rng(seed)
    side = np.where(rng.random(n) < 0.5, -2.0, 2.0)
    X = rng.standard_normal((n, 2)) * [0.6, 1.0] + np.column_stack([side, np.zeros(n)])
    return X, (X[:, 1] > 0).astype(int)


SSL_DATA = {"moons": lambda seed: two_moons(400, noise=0.1, seed=seed), "cloud": lambda seed: one_cloud(seed=seed),
            "across": lambda seed: two_clouds_across(seed=seed)}
SSL_NAMES = {"moons": "two moons (gap between classes)", "cloud": "one cloud cut in half",
             "across": "two clouds, classes across them"}
SSL_SHORT = {"moons": "two moons", "cloud": "one cloud", "across": "two clouds"}
SSL_LABELS = Slider("labelled", 2, 64, steps=6, scale="log", integer=True, default=4, label="labelled points")
SSL_SEEDS = tuple(range(10))
NEIGHBOURS = 10


@lru_cache(maxsize=None)
def ssl_problem(name: str):
    """Training points (labelled and unlabelled, seed 0), test points (seed 1) and the k-NN graph on the training points."""
    X, y = SSL_DATA[name](0)
    Xt, yt = SSL_DATA[name](1)
    return X, y, Xt, yt, knn_graph(X, NEIGHBOURS)


def labelled_draw(y, n: int, seed: int) -> np.ndarray:
    """``n`` labelled indices, ``n // 2`` per class, drawn with ``default_rng(1000 + seed)`` (no data set uses those seeds)."""
    rng = np.random.default_rng(1000 + seed)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), n // 2, replace=False) for c in (0, 1)])


@lru_cache(maxsize=None)
def ssl_run(name: str, n: int, seed: int) -> dict:
    """Test accuracy of label propagation (graph on the 400 training points, extended to the test points) and of
    1-nearest-neighbour on the ``n`` labelled points alone."""
    X, y, Xt, yt, W = ssl_problem(name)
    idx = labelled_draw(y, n, seed)
    F = harmonic_solution(W, idx, y[idx], 2)
    return {"idx": idx, "F": F, "propagation": float(np.mean(extend(X, F, Xt, NEIGHBOURS).argmax(1) == yt)),
            "supervised": float(np.mean(nearest_neighbour(X[idx], y[idx], Xt) == yt))}


def ssl_table(name: str) -> dict[str, np.ndarray]:
    """Mean test accuracy over :data:`SSL_SEEDS` labelled draws, per number of labels of :data:`SSL_LABELS`."""
    rows = [[ssl_run(name, n, s) for s in SSL_SEEDS] for n in SSL_LABELS.values]
    return {k: np.array([np.mean([r[k] for r in row]) for row in rows]) for k in ("propagation", "supervised")}


GRID_N = 70


@lru_cache(maxsize=None)
def ssl_regions(name: str, n: int) -> tuple:
    """Decision regions on a :data:`GRID_N` grid (labelled draw seed 0): label propagation's and 1-NN's predicted class."""
    X, y, _, _, _ = ssl_problem(name)
    lo, hi = X.min(0) - 0.3, X.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], GRID_N), np.linspace(lo[1], hi[1], GRID_N))
    G = np.column_stack([gx.ravel(), gy.ravel()])
    r = ssl_run(name, n, 0)
    prop = extend(X, r["F"], G, NEIGHBOURS).argmax(1).reshape(gx.shape)
    sup = nearest_neighbour(X[r["idx"]], y[r["idx"]], G).reshape(gx.shape)
    return (lo[0], hi[0], lo[1], hi[1]), prop, sup


def _region_rgba(classes: np.ndarray) -> np.ndarray:
    light = np.array([[0.80, 0.89, 0.96, 1.0], [0.98, 0.86, 0.78, 1.0]])
    return light[classes]


def ssl_explorable():
    """Data set × number of labelled points → 1-NN and label-propagation decision regions, and test accuracy
    against the number of labels."""

    def make(fig):
        axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.05])
        images, dots, rings = [], [], []
        for ax, title in zip(axes[:2], ("1-NN on the labels", "label propagation")):
            images.append(ax.imshow(np.zeros((GRID_N, GRID_N, 4)), origin="lower", extent=(0, 1, 0, 1),
                                    aspect="auto", interpolation="nearest", animated=True))
            dots.append([ax.plot([], [], ".", ms=2.5, color=c, animated=True)[0] for c in CLASS_COLOURS])
            rings.append([ax.plot([], [], "o", ms=8, mfc=c, mec=C["black"], mew=1.2, animated=True)[0]
                          for c in CLASS_COLOURS])
            ax.set(xticks=[], yticks=[], xlim=(0, 1), ylim=(0, 1), xlabel="$x_1$ (rescaled)")
            ax.grid(False)
            ax.set_title(title, fontsize=style.MIN_FONT_PT)
        axes[0].set_ylabel("$x_2$ (rescaled)")
        acc = axes[2]
        sizes = np.array(SSL_LABELS.values)
        lines = {"supervised": acc.plot([], [], "-o", ms=3, color=C["black"], animated=True, label="1-NN")[0],
                 "propagation": acc.plot([], [], "-s", ms=3, color=C["green"], animated=True, label="propagation")[0]}
        here = acc.axvline(sizes[0], color=C["purple"], lw=1, animated=True)
        acc.set(xscale="log", xticks=sizes, xticklabels=[str(v) for v in sizes], ylim=(0.5, 1.01),
                xlabel="labelled points", ylabel="test accuracy", title=f"mean of {len(SSL_SEEDS)} draws")
        acc.minorticks_off()
        acc.legend(loc="lower right")
        status = fig.suptitle("\n")
        status.set_animated(True)

        def update(data, labelled):
            X, y, _, _, _ = ssl_problem(data)
            (x0, x1, y0, y1), prop, sup = ssl_regions(data, labelled)
            U = (X - [x0, y0]) / [x1 - x0, y1 - y0]  # each data set drawn in the unit square (no ticks)
            idx = ssl_run(data, labelled, 0)["idx"]
            for k, regions in enumerate((sup, prop)):
                images[k].set_data(_region_rgba(regions))
                for c in (0, 1):
                    dots[k][c].set_data(*U[::2][y[::2] == c].T)  # every other training point: a faster frame
                    rings[k][c].set_data(*U[idx[y[idx] == c]].T)
            table = ssl_table(data)
            for key, line in lines.items():
                line.set_data(sizes, table[key])
            here.set_xdata([labelled, labelled])
            i = list(sizes).index(labelled)
            p, s = table["propagation"][i], table["supervised"][i]
            status.set_text(f"{SSL_SHORT[data]}, {labelled} labels, test accuracy: 1-NN {s:.1%}, propagation {p:.1%}")
            return (f"{SSL_NAMES[data]} with {labelled} labelled points: mean test accuracy {s:.1%} for the "
                    f"nearest-neighbour rule on the labelled points and {p:.1%} for label propagation")

        return update

    return explore(
        make,
        [Dropdown("data", list(SSL_DATA), default="moons", label="data set",
                  option_labels=[SSL_NAMES[k] for k in SSL_DATA]),
         SSL_LABELS],
        alt="Left and middle: decision regions of the nearest-neighbour rule on the labelled points and of label "
            "propagation on a k-nearest-neighbour graph, with every other of the 400 training points as small dots and "
            "the labelled ones as large circles. Right: mean test accuracy of both against the number of labelled points.",
        height=3.3,
    )


# --------------------------------------------------------------------------- weakly supervised: label noise
NOISE_RATES = Slider("rho", 0.0, 0.4, steps=5, default=0.3, label="flip rate ρ", fmt="{:.2f}")
NOISE_KINDS = {"symmetric": symmetric_noise, "asymmetric": asymmetric_noise}


@lru_cache(maxsize=None)
def noise_problem():
    """Two Gaussian classes :math:`\\mathcal N((\\mp1, 0), I)`: 1000 training and 2000 test points per class.
    The Bayes boundary is :math:`x_1 = 0` and :math:`\\Pr(y=1\\mid x) = \\sigma(2x_1)`."""
    X, y = gaussian_blobs(1000, centers=((-1.0, 0.0), (1.0, 0.0)), std=1.0, seed=0)
    Xt, yt = gaussian_blobs(2000, centers=((-1.0, 0.0), (1.0, 0.0)), std=1.0, seed=1)
    return _frozen(X, y, Xt, yt)


@lru_cache(maxsize=None)
def noise_fit(kind: str, rho: float, corrected: bool, seed: int = 0) -> dict:
    """Logistic (two-class softmax) regression on labels flipped by ``kind`` noise at rate ``rho`` (seed 0),
    plain or forward-corrected with the true :math:`T` (Adam, η = 0.2, full batch, 150 steps); ``seed`` seeds the
    flips; test accuracy and log-loss on the *clean* test labels,
    the boundary's crossing of the :math:`x_1` axis, the slope :math:`w_1` and the share of flipped labels."""
    X, y, Xt, yt = noise_problem()
    T = NOISE_KINDS[kind](rho, 2)
    noisy = corrupt(y, T, seed=1000 + seed)  # a seed no data set uses: flips independent of x
    obj, theta = _softmax_fit(X, noisy, T if corrected else np.eye(2), steps=150, lr=0.2)
    W, b = obj.unpack(theta)
    w, c = W[:, 1] - W[:, 0], b[1] - b[0]
    p = obj.predict_proba(theta, Xt)
    with np.errstate(divide="ignore"):
        log_loss = float(-np.mean(np.log(np.maximum(p[np.arange(len(yt)), yt], 1e-300))))
    return {"accuracy": float(np.mean(p.argmax(1) == yt)), "log_loss": log_loss, "w": w, "b": float(c),
            "crossing": float(-c / w[0]) if abs(w[0]) > 1e-9 else float("nan"), "flipped": float(np.mean(noisy != y)),
            "noisy": noisy}


def noise_seeds(kind: str, rho: float, corrected: bool, seeds=range(5)) -> dict:
    """Mean and standard deviation over noise draws ``seeds`` of :func:`noise_fit`'s crossing, accuracy and log-loss."""
    fits = [noise_fit(kind, rho, corrected, s) for s in seeds]
    return {key: (float(np.mean([f[key] for f in fits])), float(np.std([f[key] for f in fits], ddof=1)))
            for key in ("crossing", "accuracy", "log_loss")}


def noisy_bayes_crossing(kind: str, rho: float) -> float:
    r"""Where the *noisy* posterior :math:`\tilde p_1 = (T^\top p)_1` crosses 1/2 on the :math:`x_1` axis, for :math:`p_1 = \sigma(2x_1)`.

    Symmetric noise: :math:`\tilde p_1 = \rho + (1-2\rho)p_1`, crossing at 0 for every :math:`\rho<\tfrac12`.
    Asymmetric (0 → 1 with rate :math:`\rho`): :math:`\tilde p_1 = p_1 + \rho(1-p_1)`, crossing where
    :math:`p_1 = (\tfrac12-\rho)/(1-\rho)`.
    """
    if kind == "symmetric":
        return 0.0
    target = (0.5 - rho) / (1 - rho)
    return float(0.5 * np.log(target / (1 - target)))


def noise_explorable():
    """Flip rate × noise kind × forward correction → the noisy training labels and the fitted boundary, and clean
    test accuracy and log-loss against ρ."""
    rates = np.array(NOISE_RATES.values)

    def make(fig):
        ax, curve = fig.subplots(1, 2, width_ratios=[1, 1.1])
        X, y, _, _ = noise_problem()
        dots = [ax.plot([], [], ".", ms=3, color=c, animated=True)[0] for c in CLASS_COLOURS]
        shown = slice(None, None, 5)  # a fifth of the 2000 training points, so the frame draws fast
        bayes = ax.axvline(0, color=C["black"], lw=1, ls=":", label="Bayes")
        fitted, = ax.plot([], [], color=C["green"], lw=2.2, animated=True, label="fitted")
        ax.set(xlim=(-4, 4), ylim=(-3.5, 3.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal",
               title="training points, noisy labels")
        acc_line, = curve.plot([], [], "-o", ms=3, color=C["blue"], animated=True, label="accuracy")
        ll_line, = curve.plot([], [], "--s", ms=3, color=C["vermillion"], animated=True, label="log-loss")
        clean = noise_fit("symmetric", 0.0, False)
        curve.axhline(clean["accuracy"], color=C["blue"], lw=0.8, ls=":")
        curve.axhline(clean["log_loss"], color=C["vermillion"], lw=0.8, ls=":")
        here = curve.axvline(0, color=C["purple"], lw=1, animated=True)
        curve.set(xlim=(-0.02, 0.42), ylim=(0.3, 0.9), xlabel="flip rate ρ", ylabel="on clean test labels",
                  title="dotted: no noise")
        fig.legend(handles=[bayes, fitted, acc_line, ll_line], loc="outside lower center", ncol=4, handlelength=1.2)
        status = fig.suptitle("\n")
        status.set_animated(True)

        def update(kind, rho, corrected):
            r = noise_fit(kind, rho, corrected)
            for c in (0, 1):
                dots[c].set_data(*X[shown][r["noisy"][shown] == c].T)
            w, b = r["w"], r["b"]
            ys = np.array([-3.5, 3.5])
            if abs(w[0]) > 1e-9:
                fitted.set_data((-b - w[1] * ys) / w[0], ys)
            else:
                fitted.set_data([], [])
            points = [noise_fit(kind, float(v), corrected) for v in rates]
            acc_line.set_data(rates, [p["accuracy"] for p in points])
            ll_line.set_data(rates, [p["log_loss"] for p in points])
            here.set_xdata([rho, rho])
            how = "forward-corrected" if corrected else "plain"
            status.set_text(f"{kind} noise, ρ = {rho:.2f} ({r['flipped']:.0%} flipped), {how}\naccuracy "
                            f"{r['accuracy']:.1%}, log-loss {r['log_loss']:.3f}, boundary at $x_1$ = {r['crossing']:+.2f}")
            return (f"{kind} label noise at rate {rho:.2f}, {how} logistic regression: clean test accuracy "
                    f"{r['accuracy']:.1%}, log-loss {r['log_loss']:.3f}, boundary at x1 = {r['crossing']:+.2f}")

        return update

    return explore(
        make,
        [Dropdown("kind", list(NOISE_KINDS), default="asymmetric", label="noise"), NOISE_RATES,
         Toggle("corrected", default=False, label="forward correction")],
        alt="Left: every fifth of the 2000 training points of two Gaussian classes, coloured by their noisy labels, the Bayes boundary "
            "x1 = 0 dotted and the fitted logistic-regression boundary. Right: test accuracy and log-loss on clean "
            "labels against the flip rate.",
        height=3.6,
    )


# --------------------------------------------------------------------------- weakly supervised: complementary labels
@lru_cache(maxsize=None)
def complementary_result() -> dict:
    """Softmax regression on glyphs, tested on new glyphs: 600 true labels; 6000 complementary labels ("not class j",
    uniform over the five wrong classes) read as if they were labels; the same with forward correction
    :math:`T = (\\mathbf{11}^\\top - I)/5`. Adam (η = 0.05), full batch, 300 steps."""
    X, y, _ = glyph_data(0)
    Xt, yt, _ = glyph_data(1)
    Xc, yc, _ = glyph_data(4, n_per_class=1000)
    T = complementary(6)
    comp = corrupt(yc, T, seed=1000)  # not the data's seed: the same stream would tie the labels to the positions
    out = {"share_wrong": float(np.mean(comp != yc)), "n_true": len(y), "n_comp": len(yc)}
    for name, inputs, labels, matrix in (("true", X, y, np.eye(6)), ("naive", Xc, comp, np.eye(6)),
                                         ("corrected", Xc, comp, T)):
        obj, theta = _softmax_fit(inputs, labels, matrix, steps=300)
        out[name] = float(np.mean(obj.predict(theta, Xt) == yt))
    return out


EXPLORABLES = {
    "semi_supervised": ssl_explorable,
    "label_noise": noise_explorable,
    "transfer": transfer_explorable,
}
