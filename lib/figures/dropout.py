r"""Figures, explorables and experiments of the dropout chapter.

Convention: ``p`` is the probability of **dropping** a unit, as in
:func:`lib.nn.layers.dropout_forward` (PyTorch's ``p``, Keras's ``rate``).
Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov (2014, "Dropout: A
Simple Way to Prevent Neural Networks from Overfitting", JMLR 15) write
:math:`p` for the probability of *keeping* one; their :math:`p` is our
:math:`1-p`.

The chapter's problems, each seeded:

* **glyphs**: 8x8 images of six strokes with pixel noise 0.6
  (:func:`lib.datasets.glyphs`), flattened to 64 inputs; a
  64-64-6 ReLU network with inverted dropout at rate ``p`` on its 64 inputs
  and on its 64 hidden units, trained by Adam (lr 0.003, batches of 64,
  :data:`STEPS` steps) -- the stand-in for Srivastava et al.'s MNIST
  networks. A test set of 600 images is drawn with another seed;
* **moons**: a 2-10-10-2 network on two moons, whose masks the mask viewer draws;
* **curve**: a 1-32-32-1 regression network on :math:`\sin 3x`, for the
  Monte-Carlo spread;
* **linear**: a 5-feature linear regression trained with dropout on its
  inputs, against the ridge solution of Srivastava et al. §9.1.

Every training run calls :func:`lib.gradient_descent.descend` on a
:class:`lib.nn.NetworkObjective`; runs shared by several cells are cached.
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from lib import checks, style
from lib.datasets import glyphs, regression_1d, two_moons
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.gradient_descent import descend
from lib.nn import Activation, Dropout, Linear, NetworkObjective, Sequential
from lib.nn.layers import dropout_mask
from lib.optimizers import SGD, Adam

C = style.PALETTE

#: Training steps of every glyph network (batches of :data:`BATCH`).
STEPS = 300
#: Mini-batch size of the glyph networks.
BATCH = 64
#: Steps between two recorded points of a training curve.
RECORD = 15
#: Pixel noise of the glyph images.
NOISE = 0.6
#: Hidden units of the glyph network (and input pixels).
HIDDEN, PIXELS, CLASSES = 64, 64, 6
#: Training-set sizes (examples per class) offered by the explorable and the data-size experiment.
SIZES_PER_CLASS = (10, 20, 40, 80, 160)
#: Drop rates of the sweep and the explorable.
RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


# --------------------------------------------------------------------------- entropy and counting
def mask_entropy_bits(units: int, p: float) -> float:
    r"""Entropy of a dropout mask over ``units`` independent units, in bits: :math:`N\,H(p)`.

    .. math::
        H(p) = -p\log_2 p - (1-p)\log_2(1-p),

    maximal (:math:`N` bits) at :math:`p = \tfrac12`, while the *number* of
    possible masks is :math:`2^N` for every :math:`p \in (0, 1)`. :math:`2^{N H(p)}`
    is the effective number of masks: about that many typical masks carry
    almost all the probability (Cover & Thomas 2006, *Elements of Information
    Theory*, §3.1, the asymptotic equipartition property).
    """
    units = checks.integer("units", units, 1)
    p = checks.finite("p", p, low=0.0)
    if p > 1:
        raise ValueError(f"p must be a number in [0, 1], got {p!r}")
    if p in (0.0, 1.0):
        return 0.0
    return float(units * -(p * np.log2(p) + (1 - p) * np.log2(1 - p)))


def mask_census(units: int, p: float, draws: int, seed: int = 0) -> dict:
    """Draw ``draws`` masks of ``units`` units at drop rate ``p`` (:func:`lib.nn.layers.dropout_mask`) and count them.

    Returns the number of possible masks :math:`2^N`, the number of distinct
    masks drawn, the share of draws taken by the most frequent one, the
    empirical (plug-in) entropy of the drawn masks in bits and the exact
    :func:`mask_entropy_bits`. The plug-in entropy underestimates when most
    masks are seen once (then it is :math:`\\log_2` of the draws at most).
    """
    units = checks.integer("units", units, 1)
    draws = checks.integer("draws", draws, 1)
    keep = dropout_mask((draws, units), p, np.random.default_rng(seed)) > 0
    codes = np.packbits(keep, axis=1)
    _, counts = np.unique(codes, axis=0, return_counts=True)
    freq = counts / draws
    return {"possible": 2**units, "distinct": int(len(counts)), "top_share": float(freq.max()),
            "empirical_bits": float(-(freq * np.log2(freq)).sum()), "bits": mask_entropy_bits(units, p)}


# --------------------------------------------------------------------------- inverted dropout
def expected_activation(x, p: float, draws: int = 20_000, seed: int = 0, inverted: bool = True) -> np.ndarray:
    r"""Monte-Carlo mean of the dropout output over ``draws`` masks, per entry of ``x``.

    With inverted dropout (:func:`lib.nn.layers.dropout_mask`) each entry is
    :math:`x\,m/(1-p)`, :math:`m \sim \text{Bernoulli}(1-p)`, of mean
    :math:`x`; without the :math:`1/(1-p)` (``inverted=False``) the mean is
    :math:`(1-p)\,x`, which is why Srivastava et al. scale the weights by
    their keep probability at test time.
    """
    x = checks.finite_array("x", x)
    masks = dropout_mask((draws, *x.shape), p, np.random.default_rng(seed))
    if not inverted:
        masks = masks * (1 - p)
    return (x * masks).mean(axis=0)


# --------------------------------------------------------------------------- glyph networks
@lru_cache(maxsize=None)
def glyph_data(n_per_class: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Flattened glyph images (64 pixels) and labels: ``6 * n_per_class`` examples."""
    X, y = glyphs(n_per_class, noise=NOISE, seed=seed)
    X = X.reshape(len(X), -1)
    X.flags.writeable = False
    return X, y


def glyph_test():
    """The fixed test set: 100 images per class, seed 99."""
    return glyph_data(100, seed=99)


def glyph_network(p: float, seed: int = 0) -> Sequential:
    r"""64-64-6 ReLU network with inverted dropout at rate ``p`` on the inputs and on the hidden units.

    ``Dropout(p) -> Linear(64, 64) -> ReLU -> Dropout(p) -> Linear(64, 6)``; the
    two dropout layers have seeds ``1000 + seed`` and ``2000 + seed``; ``p = 0``
    leaves the dropout layers out. Srivastava et al. (2014, §6.1.1) drop inputs
    at 0.2 and hidden units at 0.5; one rate for both keeps the sweep one-dimensional.
    """
    layers = [Linear(PIXELS, HIDDEN), Activation("relu"), Linear(HIDDEN, CLASSES)]
    if p:
        layers = [Dropout(p, seed=1000 + seed), *layers[:2], Dropout(p, seed=2000 + seed), layers[2]]
    return Sequential(layers)


#: Rows per forward pass in evaluation: OpenBLAS multithreads larger products, which on a
#: shared machine costs far more CPU time than it saves for a 64-unit layer.
CHUNK = 64


def logits(model, theta, X, train: bool = False) -> np.ndarray:
    """The network's output for ``X`` in eval mode (or train mode: fresh masks, state advanced), in chunks of :data:`CHUNK` rows."""
    model.train() if train else model.eval()
    try:
        return np.concatenate([model.forward(theta, X[i:i + CHUNK], update_state=train)[0]
                               for i in range(0, len(X), CHUNK)])
    finally:
        model.train()


def _errors(model, head, theta, X, y):
    """Eval-mode error rate and mean cross-entropy (the model's :class:`lib.nn.Head`) of ``theta`` on ``(X, y)``."""
    z = logits(model, theta, X)
    return float(np.mean(z.argmax(axis=1) != y)), head.loss(z, y)


@lru_cache(maxsize=None)
def train_glyphs(p: float, n_per_class: int, seed: int = 0, steps: int = STEPS) -> dict:
    """Train :func:`glyph_network` at drop rate ``p`` on ``6 * n_per_class`` glyphs for ``steps`` steps; curves every :data:`RECORD` steps.

    Returns ``steps``, eval-mode ``train_error``, ``test_error``,
    ``train_loss``, ``test_loss`` (arrays, one entry per recorded step),
    ``theta`` (the final parameters) and ``n``.
    """
    X, y = glyph_data(n_per_class)
    Xt, yt = glyph_test()
    model = glyph_network(p, seed)
    objective = NetworkObjective(model, X, y, "softmax")
    run = descend(objective, model.init(seed), Adam(0.003), batch_size=min(BATCH, len(y)), steps=steps,
                  seed=seed, record_every=RECORD * max(1, steps // STEPS))
    head = objective.head
    rows = np.array([(*_errors(model, head, th, X, y), *_errors(model, head, th, Xt, yt)) for th in run.thetas])
    return {"steps": run.steps, "train_error": rows[:, 0], "train_loss": rows[:, 1], "test_error": rows[:, 2],
            "test_loss": rows[:, 3], "theta": run.final_theta, "n": len(y), "diverged_at": run.diverged_at}


def data_size_table(sizes=SIZES_PER_CLASS, p: float = 0.5, seeds=(0,), steps: int = STEPS) -> list[dict]:
    """Final test error with and without dropout (rate ``p``) per training-set size, averaged over ``seeds``.

    The experiment of Srivastava et al. (2014), §7.4 and Fig. 10, on glyphs
    instead of MNIST. ``spread`` is the standard deviation of the gain over ``seeds``.
    """
    out = []
    for m in sizes:
        plain = [train_glyphs(0.0, m, s, steps)["test_error"][-1] for s in seeds]
        drop = [train_glyphs(p, m, s, steps)["test_error"][-1] for s in seeds]
        out.append({"n": 6 * m, "plain": float(np.mean(plain)), "dropout": float(np.mean(drop)),
                    "gain": float(np.mean(plain) - np.mean(drop)),
                    "spread": float(np.std(np.subtract(plain, drop)))})
    return out


def rate_sweep(n_per_class: int = 40, rates=RATES, seed: int = 0) -> list[dict]:
    """Final train and test error per drop rate at one training-set size (Srivastava et al. 2014, Fig. 9a)."""
    return [{"p": p, "train": float(train_glyphs(p, n_per_class, seed)["train_error"][-1]),
             "test": float(train_glyphs(p, n_per_class, seed)["test_error"][-1])} for p in rates]


def steps_to_target(curve: dict, target: float, key: str = "test_error") -> int | None:
    """First recorded step at which ``curve[key]`` is at or below ``target`` (None: never within :data:`STEPS`)."""
    if key not in ("test_error", "train_error", "train_loss", "test_loss"):
        raise ValueError(f"key must name a recorded curve, got {key!r}")
    hit = np.flatnonzero(np.asarray(curve[key]) <= target)
    return int(curve["steps"][hit[0]]) if len(hit) else None


def slowdown_table(n_per_class: int = 80, rates=(0.2, 0.5), targets=(0.35, 0.30), seeds=(0,)) -> list[dict]:
    """Steps to reach each test-error ``target`` with and without dropout, averaged over ``seeds``.

    Counts steps, not seconds: a dropout step costs the same per-example
    gradients as a plain one plus one uniform draw per unit. A target a run
    never reaches within :data:`STEPS` gives None.
    """
    out = []
    for target in targets:
        row = {"target": target}
        for p in (0.0, *rates):
            hits = [steps_to_target(train_glyphs(p, n_per_class, s), target) for s in seeds]
            row[p] = None if None in hits else float(np.mean(hits))
        out.append(row)
    return out


# --------------------------------------------------------------------------- sub-networks drawn in training
def training_masks(layer: Dropout, steps: int, batch: int, units: int) -> np.ndarray:
    """The keep/drop pattern (booleans, ``(steps * batch, units)``) ``layer`` drew in ``steps`` training steps.

    Reproduces :class:`lib.nn.Dropout`: training pass :math:`k` draws its mask
    from ``default_rng((seed, k))`` with :func:`lib.nn.layers.dropout_mask`, one
    row per example of the batch.
    """
    rows = [dropout_mask((batch, units), layer.p, np.random.default_rng((layer.seed, k))) > 0
            for k in range(1, steps + 1)]
    return np.concatenate(rows)


def subnetwork_census(p: float = 0.5, n_per_class: int = 80, seed: int = 0) -> dict:
    """How many distinct sub-networks the glyph network at rate ``p`` trained, against how many exist.

    A sub-network is the pair (input mask, hidden mask) of one example at one
    step: ``STEPS * BATCH`` draws in all, out of :math:`2^{64+64}` possible.
    Also: the distinct masks within one mini-batch (``BATCH`` if every example
    gets its own).
    """
    model = glyph_network(p, seed)
    first, second = model.layers[0], model.layers[3]
    masks = np.concatenate([training_masks(first, STEPS, BATCH, PIXELS),
                            training_masks(second, STEPS, BATCH, HIDDEN)], axis=1)
    codes = np.packbits(masks, axis=1)
    distinct = len(np.unique(codes, axis=0))
    per_batch = len(np.unique(codes[:BATCH], axis=0))
    return {"draws": len(codes), "distinct": int(distinct), "units": PIXELS + HIDDEN,
            "possible_log10": (PIXELS + HIDDEN) * np.log10(2), "per_batch": int(per_batch),
            "mean_kept": float(masks.mean())}


# --------------------------------------------------------------------------- Monte-Carlo averaging
def mc_predictions(p: float = 0.5, n_per_class: int = 80, k_max: int = 200, repeat: int = 0) -> np.ndarray:
    r"""Softmax outputs of ``k_max`` sampled sub-networks on the test set, shape ``(k_max, 600, 6)``.

    Each forward pass in training mode draws a fresh mask per example
    (Srivastava et al. 2014, §7.5, "Monte-Carlo model averaging"); the
    network is the trained :func:`train_glyphs` model, the masks come from
    dropout layers seeded ``(repeat + 1) * 7919`` so repeats are independent.
    """
    from lib.softmax import softmax

    theta = train_glyphs(p, n_per_class)["theta"]
    model = glyph_network(p, seed=(repeat + 1) * 7919)
    Xt, _ = glyph_test()
    return np.stack([softmax(logits(model, theta, Xt, train=True), axis=1) for _ in range(k_max)])


@lru_cache(maxsize=None)
def mc_versus_scaling(p: float = 0.5, n_per_class: int = 80, ks=(1, 2, 5, 10, 20, 50, 100), repeats: int = 4) -> dict:
    """Test error of the Monte-Carlo average of ``k`` sub-networks (mean and sd over ``repeats``) and of weight scaling.

    Weight scaling is the eval-mode network (inverted dropout: nothing to
    scale at test time). The Monte-Carlo prediction averages the ``k`` softmax
    outputs (the arithmetic mean of the ensemble) and takes the argmax.
    Srivastava et al. (2014, Fig. 11) found the two equal at about ``k = 50`` on MNIST.
    """
    _, yt = glyph_test()
    errors = np.empty((repeats, len(ks)))
    for r in range(repeats):
        cum = np.cumsum(mc_predictions(p, n_per_class, max(ks), r), axis=0)
        errors[r] = [np.mean(cum[k - 1].argmax(axis=1) != yt) for k in ks]
    scaling = train_glyphs(p, n_per_class)["test_error"][-1]
    return {"ks": ks, "mean": errors.mean(axis=0), "sd": errors.std(axis=0), "scaling": float(scaling)}


# --------------------------------------------------------------------------- sparsity
def zero_fractions(n_per_class: int = 80, rates=(0.0, 0.5), seed: int = 0) -> list[dict]:
    """Fraction of exact zeros in the hidden layer on the test set, in eval mode and in training mode.

    Eval mode: the ReLU outputs (dropout is the identity). Training mode: the
    output of the hidden dropout layer, i.e. ReLU zeros plus dropped units.
    Srivastava et al. (2014, §7.2, Fig. 8) report sparser hidden activations
    after dropout training (an autoencoder on MNIST).
    """
    Xt, _ = glyph_test()
    out = []
    for p in rates:
        theta = train_glyphs(p, n_per_class, seed)["theta"]
        model = glyph_network(p, seed=seed + 31)
        hidden = 1 if p == 0 else 2  # index of the ReLU layer
        model.eval()
        relu = model.activations(theta, Xt)[hidden]
        model.train()
        row = {"p": p, "eval_zero": float(np.mean(relu == 0)), "eval_mean": float(relu.mean())}
        if p:
            outs = model.activations(theta, Xt)  # training mode, no state update: masks of pass 0
            row["train_zero"] = float(np.mean(outs[hidden + 1] == 0))
        out.append(row)
    return out


# --------------------------------------------------------------------------- linear regression = ridge
@lru_cache(maxsize=None)
def linear_data(n: int = 60, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    r"""Five features on different scales (standard deviations 0.5, 1, 1, 2, 3, two of them correlated) and :math:`y = Xw + 0.5 + \varepsilon`."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, 5))
    Z[:, 2] = 0.8 * Z[:, 1] + 0.6 * Z[:, 2]
    X = Z * np.array([0.5, 1.0, 1.0, 2.0, 3.0]) + np.array([0.0, 0.5, 0.0, 0.0, 0.0])
    y = X @ np.array([2.0, -1.0, 1.5, 0.5, -0.3]) + 0.5 + rng.standard_normal(n)
    return X, y


def dropout_ridge_loss(X, y, w, b, p: float) -> float:
    r"""Closed form of the expected dropout loss of linear regression, inverted dropout at rate ``p`` on the inputs.

    .. math::
        \mathbb E_M \tfrac{1}{2N}\lVert y - (M \odot X) w - b\rVert^2
        = \tfrac{1}{2N}\Bigl(\lVert y - Xw - b\rVert^2 + \tfrac{p}{1-p}\,\lVert\Gamma w\rVert^2\Bigr),
        \qquad \Gamma = \operatorname{diag}(X^\top X)^{1/2},

    since each entry of :math:`M` has mean 1 and variance :math:`p/(1-p)`.
    Srivastava et al. (2014, §9.1) write it without the inverted scaling and
    with :math:`p` the keep probability: :math:`\lVert y - pXw\rVert^2 + p(1-p)\lVert\Gamma w\rVert^2`,
    the same after :math:`\tilde w = p w`.
    """
    X, w = np.asarray(X, float), np.asarray(w, float)
    r = y - X @ w - b
    return float((r @ r + p / (1 - p) * np.sum((X * X).sum(axis=0) * w * w)) / (2 * len(y)))


def dropout_loss_enumerated(X, y, w, b, p: float) -> float:
    """The same expectation by brute force: every one of the :math:`2^d` masks of each example, weighted by its probability."""
    X, w = np.asarray(X, float), np.asarray(w, float)
    d = X.shape[1]
    total = 0.0
    for keep in itertools.product((0.0, 1.0), repeat=d):
        keep = np.array(keep)
        prob = np.prod(np.where(keep > 0, 1 - p, p))
        r = y - (X * keep / (1 - p)) @ w - b
        total += prob * (r @ r)
    return float(total / (2 * len(y)))


def ridge_solution(X, y, penalty) -> tuple[np.ndarray, float]:
    r"""Minimizer of :math:`\lVert y - Xw - b\rVert^2 + w^\top \operatorname{diag}(\text{penalty})\, w` (the intercept unpenalized).

    Solved from the normal equations of the augmented design :math:`[X, 1]`
    (Hoerl & Kennard 1970). ``penalty = 0`` is ordinary least squares;
    ``penalty = p/(1-p) * diag(X^T X)`` is the minimizer of :func:`dropout_ridge_loss`.
    """
    X = np.asarray(X, float)
    A = np.column_stack([X, np.ones(len(X))])
    P = np.zeros((A.shape[1], A.shape[1]))
    P[:-1, :-1] = np.diag(np.broadcast_to(np.asarray(penalty, float), (X.shape[1],)))
    coef = np.linalg.solve(A.T @ A + P, A.T @ y)
    return coef[:-1], float(coef[-1])


@lru_cache(maxsize=None)
def dropout_linear_fit(p: float = 0.5, steps: int = 3000, lr: float = 0.02, seed: int = 0) -> dict:
    r"""Fit linear regression with inverted dropout on its inputs by full-batch gradient descent; compare with ridge.

    The model is ``Sequential([Dropout(p), Linear(5, 1)])`` with the squared-error
    head; every step draws fresh masks for all examples, so the gradient is
    noisy. The fitted weights are the average of the iterates over the second
    half of the run (Polyak & Juditsky 1992). Returns the dropout weights, the
    ridge solution with :math:`\Gamma` (the prediction), the ordinary least-squares
    weights and a ridge with a uniform penalty of the same trace, for contrast.
    """
    X, y = linear_data()
    model = Sequential([Dropout(p, seed=seed), Linear(X.shape[1], 1)])
    objective = NetworkObjective(model, X, y, "gaussian")
    run = descend(objective, np.zeros(model.dim), SGD(lr), steps=steps, seed=seed)
    avg = run.thetas[steps // 2:].mean(axis=0)
    w_drop, b_drop = avg[:-1], float(avg[-1])
    gamma2 = (X * X).sum(axis=0)
    lam = p / (1 - p)
    w_ridge, b_ridge = ridge_solution(X, y, lam * gamma2)
    w_ols, b_ols = ridge_solution(X, y, 0.0)
    w_flat, _ = ridge_solution(X, y, lam * gamma2.mean())
    return {"dropout": w_drop, "b_dropout": b_drop, "ridge": w_ridge, "b_ridge": b_ridge, "ols": w_ols,
            "uniform_ridge": w_flat, "lambda": lam}


# --------------------------------------------------------------------------- thinned networks
def thinned(model: Sequential, theta, masks: list) -> np.ndarray:
    r"""Parameters of the sub-network that keeps the units flagged in ``masks`` (one boolean row per dropout layer).

    Dropping unit :math:`j` removes its outgoing connections, so the thinned
    network is the full one with the columns of the next linear layer's
    :math:`W` zeroed for dropped units and multiplied by :math:`1/(1-p)` for
    kept ones (inverted dropout). Run it in eval mode: it is then an ordinary
    deterministic network, one member of the ensemble.
    """
    theta = np.array(theta, dtype=float)
    views = model.params(theta)
    drops = [i for i, layer in enumerate(model.layers) if isinstance(layer, Dropout)]
    if len(masks) != len(drops):
        raise ValueError(f"masks must hold one row per dropout layer ({len(drops)}), got {len(masks)}")
    for i, keep in zip(drops, masks):
        nxt = next(j for j in range(i + 1, len(model.layers)) if isinstance(model.layers[j], Linear))
        views[nxt]["W"][...] *= np.asarray(keep, float) / (1 - model.layers[i].p)
    return theta


def _small_net(sizes, p, seed):
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(a, b))
        if k < len(sizes) - 2:
            layers += [Activation("relu"), Dropout(p, seed=100 * seed + k)]
    return Sequential(layers)


# --------------------------------------------------------------------------- explorable 2: mask viewer
#: Layer widths of the mask viewer's network.
MOONS_SIZES = (2, 10, 10, 2)
MOONS_RATES = (0.2, 0.5, 0.8)
MOONS_STEPS = 12


@lru_cache(maxsize=None)
def moons_run(p: float) -> tuple:
    """The mask viewer's 2-10-10-2 network trained on 200 two-moons points at drop rate ``p`` (Adam, 600 steps of 20)."""
    X, y = two_moons(200, noise=0.2, seed=5)
    model = _small_net(MOONS_SIZES, p, seed=1)
    objective = NetworkObjective(model, X, y, "softmax")
    run = descend(objective, model.init(4), Adam(0.01), batch_size=20, steps=600, seed=2, record_every=None)
    return model, run.final_theta, X, y


def moons_masks(p: float, step: int) -> list:
    """The keep patterns (booleans) example 0 of the batch drew at training ``step`` in both dropout layers."""
    model, *_ = moons_run(p)
    drops = [layer for layer in model.layers if isinstance(layer, Dropout)]
    return [dropout_mask((20, layer_units), p, np.random.default_rng((layer.seed, step)))[0] > 0
            for layer, layer_units in zip(drops, MOONS_SIZES[1:-1])]


def mask_viewer():
    """Which units a training step dropped (left) and what that sub-network predicts (right)."""
    grid = np.linspace(-1.6, 2.6, 56), np.linspace(-1.2, 1.7, 40)
    G = np.column_stack([a.ravel() for a in np.meshgrid(*grid)])
    xs = np.arange(len(MOONS_SIZES), dtype=float)
    ys = [np.linspace(-1, 1, n) * (0.9 if n > 2 else 0.25) for n in MOONS_SIZES]
    pos = [np.column_stack([np.full(len(y), x), y]) for x, y in zip(xs, ys)]

    @lru_cache(maxsize=None)
    def zero_lines(p):
        """The full network's decision boundary (its zero level line) as polylines."""
        import contourpy

        return contourpy.contour_generator(*grid, frame(p, 1)[2]).lines(0.0)

    @lru_cache(maxsize=None)
    def frame(p, step):
        model, theta, *_ = moons_run(p)
        masks = moons_masks(p, step)
        sub = thinned(model, theta, masks)
        z = logits(model, sub, G)
        zfull = logits(model, theta, G)
        return masks, (z[:, 1] - z[:, 0]).reshape(len(grid[1]), -1), (zfull[:, 1] - zfull[:, 0]).reshape(len(grid[1]), -1)

    def make(fig):
        from matplotlib.collections import LineCollection

        net, region = fig.subplots(1, 2, width_ratios=[1, 1.25])
        segs = [[a, b] for L in range(len(pos) - 1) for a in pos[L] for b in pos[L + 1]]
        net.add_collection(LineCollection(segs, colors=C["sky"], linewidths=0.3, linestyles=":"))
        kept_edges = LineCollection([], colors=C["blue"], linewidths=1.0, animated=True)
        net.add_collection(kept_edges)
        allpos = np.concatenate(pos)
        units = net.scatter(allpos[:, 0], allpos[:, 1], s=70, zorder=3, edgecolors=C["black"], linewidths=0.8,
                            animated=True)
        crosses = net.scatter([], [], marker="x", s=40, color=C["vermillion"], zorder=4, animated=True)
        net.set(xlim=(-0.4, 3.4), ylim=(-1.15, 1.15), xticks=xs, xticklabels=["in", "h1", "h2", "out"], yticks=[])
        net.grid(False)
        for side in ("left", "bottom"):
            net.spines[side].set_visible(False)
        net_title = net.set_title("\n", animated=True)
        model, theta, X, y = moons_run(MOONS_RATES[0])
        image = region.imshow(np.zeros((len(grid[1]), len(grid[0]))), origin="lower", cmap=style.CMAP, vmin=-1, vmax=1,
                              extent=(grid[0][0], grid[0][-1], grid[1][0], grid[1][-1]), aspect="auto", animated=True,
                              interpolation="nearest")
        region.scatter(X[y == 0, 0], X[y == 0, 1], s=9, color=C["black"], zorder=3, animated=True)
        region.scatter(X[y == 1, 0], X[y == 1, 1], s=9, facecolors="white", edgecolors=C["black"], linewidths=0.6,
                       zorder=3, animated=True)
        boundary = LineCollection([], colors=C["vermillion"], linewidths=2, linestyles="--", zorder=4, animated=True)
        region.add_collection(boundary)
        region.set(xlabel="$x_1$", ylabel="$x_2$")
        region.grid(False)
        region_title = region.set_title("\n", animated=True)

        def update(p, step):
            masks, sub, full = frame(p, step)
            keep = np.concatenate([np.ones(2, bool), *masks, np.ones(2, bool)])
            units.set_facecolors([C["blue"] if k else "white" for k in keep])
            crosses.set_offsets(allpos[~keep] if (~keep).any() else np.empty((0, 2)))
            live = [np.ones(2, bool), *masks, np.ones(2, bool)]
            kept_edges.set_segments([[a, b] for L in range(len(pos) - 1)
                                     for a, ka in zip(pos[L], live[L]) for b, kb in zip(pos[L + 1], live[L + 1])
                                     if ka and kb])
            image.set_data(np.where(sub > 0, 0.55, -0.55))  # the predicted class, two flat colours
            boundary.set_segments(zero_lines(p))
            dropped = int(sum((~m).sum() for m in masks))
            agree = float(np.mean((sub > 0) == (full > 0)))
            net_title.set_text(f"step {step}: {dropped} of 20\nhidden units dropped")
            region_title.set_text(f"sub-network (colours) vs\nfull net (dashed): agree on {agree:.0%}")
            return (f"drop rate {p}, training step {step}: {dropped} of 20 hidden units dropped for the first example; "
                    f"this sub-network agrees with the full network's decision on {agree:.0%} of the plane")

        return update

    return explore(
        make,
        [Dropdown("p", list(MOONS_RATES), default=0.5, label="drop rate p"),
         Slider("step", 1, MOONS_STEPS, steps=MOONS_STEPS, integer=True, default=1, label="training step")],
        alt="Left: a 2-10-10-2 network drawn as circles; the hidden units dropped at the chosen training step are "
            "hollow and crossed, and only the connections of kept units are highlighted. Right: the decision "
            "regions of that sub-network on the two-moons data, with the full network's boundary dashed.",
        height=3.0,
    )


# --------------------------------------------------------------------------- explorable 3: Monte-Carlo spread
CURVE_RATES = (0.1, 0.3, 0.5)
#: Sub-networks sampled per drop rate for the Monte-Carlo explorable.
CURVE_SAMPLES = 512
CURVE_KS = (1, 2, 4, 8, 16, 32, 64)


@lru_cache(maxsize=None)
def curve_run(p: float) -> dict:
    r"""A 1-32-32-1 ReLU regression network with dropout at rate ``p`` after each hidden layer, fitted to :math:`\sin 3x`.

    40 noisy points (:func:`lib.datasets.regression_1d`), Adam, 1500 steps of
    batches of 20. Returns the weight-scaling curve (eval mode) and the curves
    of :data:`CURVE_SAMPLES` sampled sub-networks (:func:`thinned`), on 120 points of [-1.2, 1.2].
    """
    X, y = regression_1d(40, "sine", noise=0.15, seed=4)
    model = _small_net((1, 32, 32, 1), p, seed=2)
    objective = NetworkObjective(model, X, y, "gaussian")
    theta = descend(objective, model.init(1), Adam(0.01), batch_size=20, steps=1500, seed=3, record_every=None).final_theta
    xs = np.linspace(-1.2, 1.2, 120)[:, None]
    rng = np.random.default_rng(11)
    samples = np.empty((CURVE_SAMPLES, len(xs)))
    for j in range(CURVE_SAMPLES):
        masks = [dropout_mask((32,), p, rng) > 0 for _ in range(2)]
        samples[j] = logits(model, thinned(model, theta, masks), xs)[:, 0]
    return {"x": xs[:, 0], "scaling": logits(model, theta, xs)[:, 0], "samples": samples, "X": X[:, 0], "y": y}


def mc_gap(p: float) -> dict:
    r"""Root-mean-square distance (over :math:`x`) from the ensemble mean, for the Monte-Carlo average of ``k`` sub-networks and for weight scaling.

    The ensemble mean is estimated by the average of all :data:`CURVE_SAMPLES`
    sampled curves; the ``k``-sample error is averaged over the disjoint
    blocks of ``k`` samples. The Monte-Carlo error falls as :math:`1/\sqrt k`;
    weight scaling's distance is a fixed bias (zero only when dropout feeds a
    linear output directly). ``reference_se`` is the RMS standard error of the
    estimated ensemble mean itself, :math:`\sigma/\sqrt{512}`.
    """
    run = curve_run(p)
    S, mean = run["samples"], run["samples"].mean(axis=0)
    mc = []
    for k in CURVE_KS:
        blocks = S[: (len(S) // k) * k].reshape(-1, k, S.shape[1]).mean(axis=1)
        mc.append(float(np.sqrt(np.mean((blocks - mean) ** 2))))
    reference_se = float(np.sqrt(np.mean(S.var(axis=0)) / len(S)))
    return {"ks": CURVE_KS, "mc": np.array(mc), "scaling": float(np.sqrt(np.mean((run["scaling"] - mean) ** 2))),
            "reference_se": reference_se}


def mc_spread():
    """k sampled sub-networks and their average against weight scaling (top); distance to the ensemble mean against k (bottom)."""
    def make(fig):
        top, bottom = fig.subplots(2, 1, height_ratios=[1.5, 1])
        run0 = curve_run(CURVE_RATES[0])
        top.plot(run0["X"], run0["y"], "o", color=C["black"], ms=3, label="data")
        from matplotlib.collections import LineCollection

        thin = LineCollection([], colors=C["sky"], linewidths=0.6, alpha=0.35, animated=True, label="sub-networks")
        top.add_collection(thin)
        avg, = top.plot([], [], color=C["vermillion"], lw=2, animated=True, label="average of k")
        ws, = top.plot([], [], "--", color=C["black"], lw=1.5, animated=True, label="weight scaling")
        top.set(xlim=(-1.2, 1.2), ylim=(-1.8, 1.8), xlabel="$x$", ylabel="prediction")
        top.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=2, handlelength=1.2, columnspacing=0.8)
        mc_line, = bottom.loglog([], [], "-o", color=C["vermillion"], ms=3, animated=True, label="average of k")
        ws_line = bottom.axhline(1, color=C["black"], ls="--", animated=True, label="weight scaling")
        dot, = bottom.plot([], [], "o", color=C["vermillion"], ms=9, mfc="none", mew=2, animated=True)
        bottom.set(xlim=(0.8, 80), ylim=(5e-3, 0.5), xlabel="sub-networks averaged $k$",
                   ylabel="RMS distance\nto ensemble mean")
        title = bottom.set_title("\n", animated=True)

        def update(p, k):
            run, gap = curve_run(p), mc_gap(p)
            shown = run["samples"][: min(k, 64)]
            thin.set_segments([np.column_stack([run["x"], s]) for s in shown])
            avg.set_data(run["x"], run["samples"][:k].mean(axis=0))
            ws.set_data(run["x"], run["scaling"])
            mc_line.set_data(gap["ks"], gap["mc"])
            ws_line.set_ydata([gap["scaling"]] * 2)
            i = CURVE_KS.index(k)
            dot.set_data([k], [gap["mc"][i]])
            spread = float(run["samples"][:k].std(axis=0).mean()) if k > 1 else 0.0
            title.set_text(f"k = {k}: spread {spread:.2f}, average off by {gap['mc'][i]:.3f}\n"
                           f"(weight scaling off by {gap['scaling']:.3f})")
            return (f"{k} sub-networks at drop rate {p}: their predictions spread by {spread:.2f} on average; "
                    f"their average lies {gap['mc'][i]:.3f} from the ensemble mean, weight scaling {gap['scaling']:.3f}")

        return update

    return explore(
        make,
        [Dropdown("p", list(CURVE_RATES), default=0.3, label="drop rate p"),
         Slider("k", 1, 64, steps=7, scale="log", integer=True, default=8, label="sub-networks k")],
        alt="Top: noisy samples of sin 3x, the predictions of k sampled dropout sub-networks as thin lines, their "
            "average and the weight-scaling prediction. Bottom: on log-log axes, the distance of the k-network "
            "average from the ensemble mean falling with k, against the fixed distance of weight scaling.",
        height=5.0,
    )


# --------------------------------------------------------------------------- explorable 1: rate x size -> curves
#: Drop rates offered by the training-curves explorable.
CURVE_GRID_RATES = (0.0, 0.2, 0.5, 0.8)


def training_curves():
    """Train and test error against the step for a drop rate and a training-set size (left); final test error against the size (right)."""
    sizes = [6 * m for m in SIZES_PER_CLASS]

    def make(fig):
        curves, final = fig.subplots(1, 2, width_ratios=[1.3, 1])
        train_line, = curves.plot([], [], "--", color=C["blue"], animated=True, label="train")
        test_line, = curves.plot([], [], color=C["blue"], animated=True, label="test")
        base_line, = curves.plot([], [], color=C["orange"], lw=1.2, animated=True, label="test, $p=0$")
        curves.set(xlim=(0, STEPS), ylim=(0, 0.85), xlabel="step", ylabel="error rate")
        curves.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=3, handlelength=1.2, columnspacing=0.8)
        plain = [train_glyphs(0.0, m)["test_error"][-1] for m in SIZES_PER_CLASS]
        final.semilogx(sizes, plain, "-o", color=C["orange"], ms=4, label="$p=0$")
        chosen, = final.semilogx([], [], "-o", color=C["blue"], ms=4, animated=True)
        dot, = final.plot([], [], "o", color=C["blue"], ms=10, mfc="none", mew=2, animated=True)
        final.set(xlim=(45, 1300), ylim=(0, 0.85), xlabel="training examples $N$", ylabel="final test error")
        final.set_xticks(sizes, [str(s) for s in sizes], minor=False)
        final.set_xticks([], minor=True)
        title = final.set_title("\n", animated=True)

        def update(p, n):
            m = n // 6
            run, base = train_glyphs(p, m), train_glyphs(0.0, m)
            train_line.set_data(run["steps"], run["train_error"])
            test_line.set_data(run["steps"], run["test_error"])
            base_line.set_data(base["steps"], base["test_error"])
            chosen.set_data(sizes, [train_glyphs(p, k)["test_error"][-1] for k in SIZES_PER_CLASS])
            dot.set_data([n], [run["test_error"][-1]])
            t, b, tr = run["test_error"][-1], base["test_error"][-1], run["train_error"][-1]
            title.set_text(f"test {t:.2f} (p = 0: {b:.2f})\ntrain {tr:.2f}")
            return (f"drop rate {p}, {n} training examples: final test error {t:.2f} against {b:.2f} without dropout; "
                    f"training error {tr:.2f}")

        return update

    return explore(
        make,
        [Dropdown("p", list(CURVE_GRID_RATES), default=0.5, label="drop rate p"),
         Slider("n", sizes[0], sizes[-1], steps=len(sizes), scale="log", integer=True, default=240,
                label="training examples N")],
        alt="Left: training error (dashed) and test error (solid) of the glyph network against the training step "
            "for the chosen drop rate and training-set size, with the test error without dropout for comparison. "
            "Right: final test error against the training-set size, with and without dropout.",
        height=3.4,
    )


EXPLORABLES = {"training_curves": training_curves, "mask_viewer": mask_viewer, "mc_spread": mc_spread}


# --------------------------------------------------------------------------- still figures
def entropy_figure(units: int = 64):
    """Bits per unit of a dropout mask against the drop rate: the count of masks (flat) and their entropy :math:`H(p)`."""
    style.use()
    fig = style.figure(height=2.8)
    ax = fig.subplots()
    p = np.linspace(0, 1, 201)
    H = np.array([mask_entropy_bits(units, q) / units for q in p])
    count = np.where((p > 0) & (p < 1), 1.0, 0.0)
    ax.plot(p, count, color=C["orange"], label=r"$\log_2(\#\,\mathrm{masks})/N$: 1 for every $0<p<1$")
    ax.plot(p, H, color=C["blue"], label=r"entropy per unit $H(p)$, peak at $p=1/2$")
    ax.set(xlabel="drop rate $p$", ylabel="bits per unit", ylim=(0, 1.25), xlim=(0, 1))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=1)
    return style.Still(fig, alt="Two curves against the drop rate p from 0 to 1: the number of possible masks, "
                                "in bits per unit, is 1 everywhere strictly between 0 and 1; the entropy per unit "
                                "H(p) is a hump that peaks at 1 bit at p = 0.5 and falls to 0 at both ends.")


def size_and_rate_figure():
    """Final test error against the training-set size with and without dropout (Fig. 10 of Srivastava et al.) and against the drop rate (their Fig. 9a)."""
    style.use()
    fig = style.figure(height=3.2)
    left, right = fig.subplots(1, 2)
    rows = data_size_table()
    n = [r["n"] for r in rows]
    left.semilogx(n, [r["plain"] for r in rows], "-o", color=C["orange"], ms=4, label="no dropout")
    left.semilogx(n, [r["dropout"] for r in rows], "-s", color=C["blue"], ms=4, label="$p = 0.5$")
    long = data_size_table(sizes=(SIZES_PER_CLASS[-1],), steps=3 * STEPS)[0]
    left.plot([long["n"]], [long["plain"]], "o", color=C["orange"], ms=8, mfc="none", mew=1.5)
    left.plot([long["n"]], [long["dropout"]], "s", color=C["blue"], ms=8, mfc="none", mew=1.5,
              label="3× the steps")
    left.set_xticks(n, [str(k) for k in n], minor=False)
    left.set_xticks([], minor=True)
    left.set(xlabel="training examples $N$", ylabel="test error", title="error vs data size", ylim=(0, 0.7))
    left.legend(loc="lower left")
    sweep = rate_sweep()
    ps = [r["p"] for r in sweep]
    right.plot(ps, [r["test"] for r in sweep], "-o", color=C["blue"], ms=4, label="test")
    right.plot(ps, [r["train"] for r in sweep], "--s", color=C["green"], ms=4, label="train")
    right.set(xlabel="drop rate $p$", ylabel="error", title=f"N = {6 * 40}: error vs $p$", ylim=(0, 0.7))
    right.legend(loc="upper left")
    return style.Still(fig, alt="Left: test error of the glyph network against the number of training examples "
                                "(60 to 960, log scale) without dropout and with drop rate 0.5, with hollow markers at 960 for runs "
                                "three times as long. Right: training and "
                                "test error against the drop rate at 240 training examples.")


def mc_figure():
    """Test error of the Monte-Carlo average of k sub-networks against k, with weight scaling (Srivastava et al. 2014, Fig. 11)."""
    style.use()
    r = mc_versus_scaling()
    fig = style.figure(height=2.8)
    ax = fig.subplots()
    ks = np.array(r["ks"])
    ax.fill_between(ks, r["mean"] - r["sd"], r["mean"] + r["sd"], color=C["sky"], alpha=0.3, lw=0)
    ax.semilogx(ks, r["mean"], "-o", color=C["blue"], ms=4, label="Monte-Carlo average of $k$ (± 1 sd)")
    ax.axhline(r["scaling"], color=C["black"], ls="--", label="weight scaling")
    ax.set(xlabel="sub-networks averaged $k$", ylabel="test error")
    ax.legend(loc="upper right")
    return style.Still(fig, alt="Test error of the Monte-Carlo average of k sampled sub-networks against k on a "
                                "log axis, falling from k = 1 and levelling off near the dashed weight-scaling line.")


# --------------------------------------------------------------------------- the geometric-mean identity
def geometric_mean_check(units: int = 10, p: float = 0.5, classes: int = 3, seed: int = 0) -> dict:
    r"""Weight scaling against the exact ensemble over all :math:`2^N` masks, for a softmax layer fed by dropped units.

    With logits :math:`z(m) = W (m \odot h)/(1-p) + b` for a mask :math:`m` of
    probability :math:`\pi(m)`, the normalized weighted geometric mean of the
    sub-networks' softmax outputs is

    .. math::
        \frac{\prod_m \operatorname{softmax}(z(m))^{\pi(m)}}{\sum_k \prod_m \operatorname{softmax}(z(m))_k^{\pi(m)}}
        = \operatorname{softmax}\Bigl(\sum_m \pi(m)\, z(m)\Bigr) = \operatorname{softmax}(W h + b),

    the weight-scaled (eval-mode) network (Hinton et al. 2012; Srivastava et al.
    2014, §4; Baldi & Sadowski 2013). Returns the largest difference between
    the two sides over the classes (an identity: rounding only) and between
    weight scaling and the *arithmetic* mean (the Monte-Carlo target), which
    is not zero.
    """
    from lib.softmax import log_softmax, softmax

    units = checks.integer("units", units, 1, 16)
    rng = np.random.default_rng(seed)
    h, W, b = rng.uniform(0, 2, units), rng.standard_normal((classes, units)), rng.standard_normal(classes)
    masks = np.array(list(itertools.product((0.0, 1.0), repeat=units)))
    prob = np.prod(np.where(masks > 0, 1 - p, p), axis=1)
    z = (masks * h / (1 - p)) @ W.T + b
    geometric = softmax(prob @ log_softmax(z, axis=1))
    arithmetic = prob @ softmax(z, axis=1)
    scaled = softmax(W @ h + b)
    return {"masks": len(masks), "geometric_gap": float(np.abs(geometric - scaled).max()),
            "arithmetic_gap": float(np.abs(arithmetic - scaled).max())}
