r"""Figures and experiments of the chapter on batch normalization.

Every experiment uses the batch-norm layer of :mod:`lib.nn` --
:func:`lib.nn.layers.batchnorm_forward` (training mode, Ioffe & Szegedy 2015,
Algorithm 1), :func:`lib.nn.layers.batchnorm_eval_forward` (inference,
Algorithm 2), :func:`lib.nn.layers.batchnorm_backward`,
:func:`lib.nn.layers.update_running_stats` and :class:`lib.nn.BatchNorm` --
and trains with :func:`lib.gradient_descent.descend`. Nothing here
re-implements batch norm; the two layers defined here are experiment
apparatus: :class:`NoisyShift` (the "noisy BatchNorm" of Santurkar et al. 2018)
and :class:`ConstantStatsBatchNorm` (batch norm whose backward pass wrongly
treats the batch statistics as constants, Ioffe & Szegedy 2015, §2).

The data is :func:`lib.datasets.glyphs`: 8x8 grey images of six strokes,
flattened to 64 features, 120 training and 300 held-out images (seeds 0
and 1), a small stand-in for MNIST; whole-split passes run in chunks of
:data:`CHUNK` rows. The networks are multilayer perceptrons
``[Linear -> (BatchNorm) -> activation] x depth -> Linear`` of width 32
(:func:`mlp`), trained by mini-batch SGD with batches of 32 unless said otherwise.
"""
from __future__ import annotations

import copy
from functools import lru_cache

import numpy as np

from lib import checks, style
from lib.datasets import glyphs
from lib.explorable import Dropdown, Slider, Toggle, explore
from lib.gradcheck import check_gradient
from lib.gradient_descent import descend
from lib.nn import Activation, BatchNorm, GradientNormRecorder, Layer, Linear, NetworkObjective, Sequential
from lib.nn import init as initializers
from lib.nn.layers import (batchnorm_backward, batchnorm_eval_forward, batchnorm_forward,
                           update_running_stats)

C = style.PALETTE
#: Hidden width of every network of the chapter.
WIDTH = 32
#: Hidden layers of the networks of the learning-rate, initialization and noise experiments.
DEPTH = 6
#: Mini-batch size of every training run.
BATCH = 32
#: Training steps of the learning-rate and initialization runs.
STEPS = 150
#: Learning rates of the learning-rate explorable (log-spaced, 0.01 to 10).
LR_GRID = Slider("lr", 0.01, 10.0, steps=7, scale="log", default=0.1, label="learning rate η")
#: Scales of the hidden layers' He-normal weights in the initialization experiment.
INIT_SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)


# --------------------------------------------------------------------------- data and networks
@lru_cache(maxsize=None)
def data(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The glyph images flattened to 64 features: ``"train"`` (seed 0, 120 images) or ``"test"`` (seed 1, 300)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    X, y = glyphs(n_per_class=20 if split == "train" else 50, noise=0.3, seed=0 if split == "train" else 1)
    X = X.reshape(len(X), -1)
    X.flags.writeable = False
    return X, y


def scaled_he(scale: float):
    r"""A :class:`lib.nn.Linear` initializer: He normal weights times ``scale``, zero bias.

    :math:`W_{jk} \sim \mathcal N(0, \text{scale}^2 \cdot 2/n_{\text{in}})` (He et al. 2015);
    ``scale = 1`` is the correct He init, others are badly scaled on purpose.
    """
    scale = checks.positive("scale", scale)

    def init(fan_in, fan_out, rng, dtype=np.float64):
        W = initializers.he((fan_out, fan_in), rng, "normal", dtype=dtype)
        return (scale * W).astype(dtype, copy=False), np.zeros(fan_out, dtype)

    return init


class NoisyShift(Layer):
    r"""The noise of Santurkar et al.'s (2018, §2.1) "noisy BatchNorm", placed after a batch-norm layer.

    On every training pass :math:`t` that updates state, each unit :math:`j` gets a
    new noise distribution -- a mean shift :math:`\mu_{tj} \sim \mathcal U(-a, a)`
    and a scale :math:`s_{tj} \sim \mathcal U(s_{\min}, s_{\max})` -- and each
    activation of each example is perturbed independently:

    .. math::
        y'_{ij} = (s_{tj} + \sigma\,\xi_{ij})\, y_{ij} + \mu_{tj} + \sigma\,\zeta_{ij},
        \qquad \xi, \zeta \sim \mathcal N(0, 1),

    noise of non-zero mean and non-unit variance whose distribution changes at
    every step, so the next layer's input distribution shifts far more than
    it does without noise. The draws of pass :math:`t` come from
    ``default_rng((seed, t))``. Passes that update no state (loss
    evaluations) and evaluation mode are the identity. Santurkar et al. used
    VGG on CIFAR-10 and their own noise parameters; these are ours.
    """

    def __init__(self, features, shift=0.3, scale=(0.85, 1.3), jitter=0.1, seed=0):
        self.n = checks.integer("features", features, 1)
        self.shift = checks.finite("shift", shift, 0.0)
        lo, hi = (checks.positive("scale", s) for s in scale)
        if lo > hi:
            raise ValueError(f"scale must be (low, high) with low <= high, got {scale!r}")
        self.scale, self.jitter = (lo, hi), checks.finite("jitter", jitter, 0.0)
        self.seed = checks.integer("seed", seed, 0)

    def __repr__(self):
        return f"NoisyShift({self.n})"

    def initial_state(self, dtype):
        return {"passes": 0}

    def features(self, n):
        if n is not None and n != self.n:
            raise ValueError(f"{self.label or repr(self)} expects {self.n} input features, but its input has {n}")
        return n

    def forward(self, x, params, state, train, update):
        if not (train and update):
            return x, None
        state["passes"] += 1
        rng = np.random.default_rng((self.seed, state["passes"]))
        mean = rng.uniform(-self.shift, self.shift, self.n)
        scale = rng.uniform(*self.scale, self.n)
        multiplier = scale + self.jitter * rng.standard_normal(x.shape)
        return multiplier * x + mean + self.jitter * rng.standard_normal(x.shape), multiplier

    def backward(self, dout, cache, grads, input_grad=True):
        return dout if cache is None else dout * cache


class ConstantStatsBatchNorm(BatchNorm):
    r"""Batch norm with a *wrong* backward pass: the batch mean and variance treated as constants.

    The forward pass is :class:`lib.nn.BatchNorm`'s; the backward pass returns
    :math:`\partial L/\partial x_i = \gamma\,\delta_i/\sqrt{\sigma_B^2+\epsilon}`, the
    gradient of the evaluation-mode map, dropping the terms through
    :math:`\mu_B` and :math:`\sigma_B^2`. Ioffe & Szegedy (2015, §2) explain why
    this fails: the gradient step then ignores that the normalization undoes
    it, so a bias before the layer grows while the loss does not change.
    """

    def backward(self, dout, cache, grads, input_grad=True):
        return batchnorm_backward(dout, cache._replace(train=False), grads["gamma"], grads["beta"])[0]


def mlp(depth: int = DEPTH, bn: bool = False, activation: str = "relu", init="he_normal", hidden_scale: float = 1.0,
        noise: float = 0.0, constant_stats: bool = False, momentum: float = 0.1) -> Sequential:
    r"""``[Linear(., 32) -> (BatchNorm) -> (NoisyShift) -> activation] x depth -> Linear(32, 6)`` on 64 inputs.

    The hidden layers' weights use ``init`` (a :data:`lib.nn.init.PRESETS` name),
    or He normal times ``hidden_scale`` when ``hidden_scale != 1``; the output
    layer always uses ``init``. ``noise`` :math:`= s > 0` adds :class:`NoisyShift` after each
    batch norm with shifts :math:`\mathcal U(-s, s)` and scales :math:`\mathcal U(1 - s/2, 1 + s)`; ``constant_stats`` uses :class:`ConstantStatsBatchNorm`;
    ``momentum`` is the batch norms' (PyTorch convention: the weight of the new batch).
    """
    depth = checks.integer("depth", depth, 1)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    if (noise or constant_stats) and not bn:
        raise ValueError("bn must be True when noise or constant_stats is set")
    hidden_init = init if hidden_scale == 1.0 else scaled_he(hidden_scale)
    layers, n = [], 64
    for k in range(depth):
        layers.append(Linear(n, WIDTH, init=hidden_init))
        if bn:
            layers.append((ConstantStatsBatchNorm if constant_stats else BatchNorm)(WIDTH, momentum=momentum))
        if noise:
            layers.append(NoisyShift(WIDTH, shift=noise, scale=(1 - noise / 2, 1 + noise), seed=k))
        layers.append(Activation(activation))
        n = WIDTH
    layers.append(Linear(n, 6, init=init))
    return Sequential(layers)


def _objective(model: Sequential) -> NetworkObjective:
    X, y = data("train")
    return NetworkObjective(model, X, y, "softmax")


#: Rows per forward pass when a whole split is evaluated. Evaluation mode treats every example on
#: its own, so chunks give the same numbers; passes this small stay on one BLAS thread.
CHUNK = 100


def eval_logits(model: Sequential, theta, X) -> np.ndarray:
    """Logits of ``model`` at ``theta`` for ``X`` in evaluation mode (running statistics), :data:`CHUNK` rows at a time."""
    mode = model.training
    model.eval()
    try:
        return np.concatenate([model.forward(theta, X[k : k + CHUNK])[0] for k in range(0, len(X), CHUNK)])
    finally:
        model.training = mode


def evaluate(model: Sequential, theta, split: str = "test") -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` at ``theta`` on ``split`` in evaluation mode (running statistics)."""
    from lib.softmax import log_softmax

    X, y = data(split)
    z = eval_logits(model, theta, X)
    if not np.isfinite(z).all():
        return np.inf, float(np.mean(np.argmax(np.nan_to_num(z), axis=1) == y))
    return float(-np.mean(log_softmax(z, axis=1)[np.arange(len(y)), y])), float(np.mean(z.argmax(axis=1) == y))


def _first_bad_record(run) -> str:
    return f"diverged at step {run.diverged_at}" if run.diverged else f"loss {run.final_loss:.3f} at step {run.steps[-1]}"


# --------------------------------------------------------------------------- the four steps, the identity claim
def first_layer_inputs(batch: int = BATCH, seed: int = 0) -> np.ndarray:
    """Pre-activations :math:`x = W u + b` of the first hidden layer (He init) for ``batch`` training images: a batch norm's input."""
    X, _ = data("train")
    model = mlp(1)
    theta = model.init(seed)
    rows = np.random.default_rng(seed).choice(len(X), batch, replace=False)
    return model.activations(theta, X[rows])[0]


def four_steps(features: int = 4, gamma=(2.0, 0.5, 1.0, 1.0), beta=(1.0, -1.0, 3.0, 0.0)) -> dict:
    r"""The four steps of :func:`lib.nn.layers.batchnorm_forward` on a batch of first-layer pre-activations.

    Returns per-feature batch mean :math:`\mu_B` and standard deviation
    :math:`\sigma_B`, the mean, standard deviation, minimum and maximum of the
    normalized :math:`\hat x` and of the output :math:`y = \gamma\hat x + \beta`,
    and the number of learned parameters of :class:`lib.nn.BatchNorm` for
    ``features`` features.
    """
    x = first_layer_inputs()[:, :features]
    gamma, beta = np.asarray(gamma, float), np.asarray(beta, float)
    y, cache = batchnorm_forward(x, gamma, beta)
    return {"mu_B": cache.mean, "sigma_B": np.sqrt(cache.var), "x_hat": cache.x_hat, "y": y,
            "gamma": gamma, "beta": beta, "m": x.shape[0],
            "parameters": Sequential([BatchNorm(features)]).dim}


def identity_batch(batch: int = BATCH, seed: int = 0) -> np.ndarray:
    """A batch of four features with means (5, -2, 0.5, 0) and standard deviations (3, 0.5, 10, 1)."""
    rng = np.random.default_rng(seed)
    return np.array([5.0, -2.0, 0.5, 0.0]) + np.array([3.0, 0.5, 10.0, 1.0]) * rng.standard_normal((batch, 4))


def identity_settings(eps: float = 1e-5) -> dict[str, np.ndarray]:
    r"""Per feature, the largest :math:`|y - x|` of batch norm with :math:`\beta = \mu_B` and :math:`\gamma` = the batch's standard deviation or variance.

    :math:`\gamma = \sqrt{\sigma_B^2+\epsilon}` undoes the normalization exactly
    (an identity, so this is an illustration); :math:`\gamma = \sigma_B^2`, the
    notes' reading, gives :math:`y - x = (\sigma_B - 1)(x - \mu_B)` up to
    :math:`\epsilon`, zero only where :math:`\sigma_B = 1`. Input: :func:`identity_batch`.
    """
    x = identity_batch()
    mu, var = x.mean(axis=0), x.var(axis=0)
    out = {"sigma_B": np.sqrt(var)}
    for name, gamma in (("gamma = standard deviation", np.sqrt(var + eps)), ("gamma = variance", var)):
        y, _ = batchnorm_forward(x, gamma, mu, eps=eps)
        out[name] = np.max(np.abs(y - x), axis=0)
    return out


# --------------------------------------------------------------------------- the backward pass
def gradient_checks(batch: int = 8, features: int = 3, seed: int = 0) -> dict[str, float]:
    r"""Relative errors (:func:`lib.gradcheck.check_gradient`) of :func:`lib.nn.layers.batchnorm_backward`.

    The loss is :math:`L = \sum_{i,j} R_{ij}\, y_{ij}` with a fixed random
    :math:`R`, so :math:`\partial L/\partial y = R`. Checks ``dx``,
    ``dgamma``, ``dbeta`` in training mode and ``dx`` in evaluation mode, and
    the *wrong* training-mode ``dx`` that treats :math:`\mu_B, \sigma_B^2` as
    constants (:class:`ConstantStatsBatchNorm`), which the check must reject.
    """
    rng = np.random.default_rng(seed)
    x = 3 + 2 * rng.standard_normal((batch, features))
    gamma, beta = 1 + rng.random(features), rng.standard_normal(features)
    R = rng.standard_normal((batch, features))
    mean, var = rng.standard_normal(features), 1 + rng.random(features)

    def train_loss(x_, g_=gamma, b_=beta):
        return float(np.sum(R * batchnorm_forward(x_, g_, b_)[0]))

    def train_grads(x_, g_=gamma, b_=beta):
        return batchnorm_backward(R, batchnorm_forward(x_, g_, b_)[1])

    def eval_loss(x_):
        return float(np.sum(R * batchnorm_eval_forward(x_, gamma, beta, mean, var)[0]))

    def eval_grad(x_):
        return batchnorm_backward(R, batchnorm_eval_forward(x_, gamma, beta, mean, var)[1])[0]

    def constant_stats_grad(x_):
        return batchnorm_backward(R, batchnorm_forward(x_, gamma, beta)[1]._replace(train=False))[0]

    return {
        "dx (training mode)": check_gradient(train_loss, lambda x_: train_grads(x_)[0], x),
        "dgamma": check_gradient(lambda g: train_loss(x, g_=g), lambda g: train_grads(x, g_=g)[1], gamma),
        "dbeta": check_gradient(lambda b: train_loss(x, b_=b), lambda b: train_grads(x, b_=b)[2], beta),
        "dx (evaluation mode)": check_gradient(eval_loss, eval_grad, x),
        "dx with mu_B, sigma_B held constant (wrong)": check_gradient(train_loss, constant_stats_grad, x),
    }


def gradient_sums(batch: int = 8, features: int = 3, seed: int = 0) -> dict[str, float]:
    r"""The two sums the training-mode ``dx`` satisfies: :math:`\sum_i \partial L/\partial x_i = 0` and :math:`\sum_i \hat x_i\,\partial L/\partial x_i = 0` (largest absolute value).

    The second is exact only for :math:`\epsilon = 0` (then :math:`\sum_i \hat x_i^2 = m`), which is used here.
    """
    rng = np.random.default_rng(seed)
    x = 3 + 2 * rng.standard_normal((batch, features))
    gamma, beta = 1 + rng.random(features), rng.standard_normal(features)
    _, cache = batchnorm_forward(x, gamma, beta, eps=0.0)
    dx, _, _ = batchnorm_backward(rng.standard_normal((batch, features)), cache)
    return {"sum of dx": float(np.max(np.abs(dx.sum(axis=0)))),
            "sum of x_hat * dx": float(np.max(np.abs((cache.x_hat * dx).sum(axis=0))))}


# --------------------------------------------------------------------------- training runs shared by several cells
@lru_cache(maxsize=None)
def training_run(lr: float, bn: bool, hidden_scale: float = 1.0, depth: int = DEPTH, steps: int = STEPS,
                 noise: float = 0.0, constant_stats: bool = False, momentum: float = 0.1, activation: str = "relu",
                 seed: int = 0):
    """SGD on the glyphs with :func:`mlp` (batches of 32); returns ``(model, trajectory)``.

    The model keeps the running statistics of the end of the run; the
    trajectory's losses are full training-set losses in training mode (batch
    statistics of all 120 images), recorded every 10 steps.
    """
    model = mlp(depth, bn=bn, activation=activation, hidden_scale=hidden_scale, noise=noise,
                constant_stats=constant_stats, momentum=momentum)
    run = descend(_objective(model), model.init(seed), lr, batch_size=BATCH, steps=steps, seed=seed,
                  record_every=10)
    return model, run


#: Hidden layers of the trained network of the train/eval experiments.
EVAL_DEPTH = 3


def trained_bn_net():
    """A batch-normalized network with 3 hidden layers after 150 steps at η = 0.1: ``(model, theta)``, model in evaluation mode."""
    model, run = training_run(0.1, True, depth=EVAL_DEPTH)
    return model.eval(), run.final_theta


# --------------------------------------------------------------------------- a batch of one; train vs eval
def batch_of_one() -> dict:
    r"""What training-mode batch norm does with one example.

    ``error``: the ``ValueError`` :func:`lib.nn.layers.batchnorm_forward` raises
    for a batch of one (PyTorch raises too). ``copies``: the layer's output for
    three different images, each normalized with the statistics of a batch
    holding only copies of itself -- the mean is the image's own value, the
    variance 0, so :math:`\hat x = 0` and the output is :math:`\beta` whatever the
    input. ``inputs``: those images' first-layer pre-activations (first 4 units).
    ``logits_spread``: the largest difference between the trained network's
    logits for the three images under those statistics (training mode), and
    under the running averages (evaluation mode).
    """
    x = first_layer_inputs()[:3, :4]
    gamma, beta = np.ones(4), np.array([0.0, 0.5, -1.0, 2.0])
    try:
        batchnorm_forward(x[:1], gamma, beta)
        error = ""
    except ValueError as exc:
        error = str(exc)
    copies = np.array([batchnorm_forward(np.repeat(row[None], 2, axis=0), gamma, beta)[0][0] for row in x])
    model, theta = trained_bn_net()
    X, _ = data("test")
    model.train()
    train_logits = np.array([model.forward(theta, np.repeat(X[i : i + 1], 2, axis=0), update_state=False)[0][0]
                             for i in range(3)])
    model.eval()
    spread = lambda z: float(np.max(z.max(axis=0) - z.min(axis=0)))
    return {"error": error, "inputs": x, "copies": copies, "beta": beta,
            "logits_spread": {"training mode, batch of copies": spread(train_logits),
                              "evaluation mode": spread(eval_logits(model, theta, X[:3]))}}


@lru_cache(maxsize=None)
def mode_outputs(batch: int, draws: int = 20, passes: int = 3, examples: int = 6, seed: int = 0):
    r"""Training-mode against evaluation-mode outputs of :func:`trained_bn_net` on held-out batches of size ``batch``.

    Training mode normalizes with the batch's own statistics (no state
    update), evaluation mode with the running averages. Returns
    ``(train_prob (draws, examples), eval_prob (examples,), gap, flips)``:
    the probability of the true class of the first ``examples`` held-out
    images, each put in ``draws`` batches with ``batch - 1`` random other
    held-out images, and in evaluation mode; ``gap``, the mean over
    ``passes`` random partitions of the held-out set into batches of
    :math:`\lVert z_{\text{train}} - z_{\text{eval}}\rVert / \lVert z_{\text{eval}}\rVert`
    (logits :math:`z`); ``flips``, the fraction of images whose predicted
    class differs between the two modes.
    """
    from lib.softmax import softmax

    batch = checks.integer("batch", batch, 2)
    model, theta = trained_bn_net()
    X, y = data("test")
    if batch > CHUNK:
        raise ValueError(f"batch must be at most {CHUNK}, got {batch}")
    rng = np.random.default_rng(seed)
    reference = eval_logits(model, theta, X)
    model.train()
    ratios, flips = [], []
    for _ in range(passes):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch + 1, batch):
            rows = order[start : start + batch]
            z = model.forward(theta, X[rows], update_state=False)[0]
            ratios.append(np.linalg.norm(z - reference[rows], axis=1) / np.linalg.norm(reference[rows], axis=1))
            flips.append(z.argmax(axis=1) != reference[rows].argmax(axis=1))
    train_prob = np.empty((draws, examples))
    for d in range(draws):
        for k in range(examples):
            others = rng.choice(np.delete(np.arange(len(X)), k), batch - 1, replace=False)
            z = model.forward(theta, X[np.r_[k, others]], update_state=False)[0]
            train_prob[d, k] = softmax(z[0])[y[k]]
    model.eval()
    eval_prob = softmax(reference[:examples], axis=1)[np.arange(examples), y[:examples]]
    return train_prob, eval_prob, float(np.mean(np.concatenate(ratios))), float(np.mean(np.concatenate(flips)))


#: Batch sizes of the train/eval explorable.
GAP_BATCHES = (2, 4, 8, 16, 32, 64, 100)


def mode_gaps(batches=GAP_BATCHES) -> dict[int, tuple[float, float]]:
    """``batch -> (relative logit gap, fraction of flipped predictions)`` between training and evaluation mode (:func:`mode_outputs`)."""
    return {b: mode_outputs(b)[2:] for b in batches}


def algorithm2_statistics(model: Sequential, theta, X, batch: int = BATCH, batches: int = 50, seed: int = 0):
    r"""Inference statistics by Ioffe & Szegedy's (2015) Algorithm 2, steps 8-11, as a new ``model.state``.

    Over ``batches`` random training mini-batches of size :math:`m` run in
    training mode, each batch-norm layer's inputs give batch means
    :math:`\mu_B` and variances :math:`\sigma_B^2`; the layer then uses

    .. math::
        \mathrm E[x] = \mathrm E_B[\mu_B], \qquad \operatorname{Var}[x] = \frac{m}{m-1}\,\mathrm E_B[\sigma_B^2],

    the averages of the finished network rather than the moving averages
    collected during training. Returns a copy of ``model.state`` with them.
    """
    rng = np.random.default_rng(seed)
    bn_layers = [i for i, layer in enumerate(model.layers) if isinstance(layer, BatchNorm)]
    means = {i: [] for i in bn_layers}
    variances = {i: [] for i in bn_layers}
    mode = model.training
    model.train()
    for _ in range(batches):
        rows = rng.choice(len(X), batch, replace=False)
        outputs = model.activations(theta, X[rows])
        for i in bn_layers:
            x = outputs[i - 1]
            means[i].append(x.mean(axis=0))
            variances[i].append(x.var(axis=0))
    model.training = mode
    state = copy.deepcopy(model.state)
    for i in bn_layers:
        state[i] = {"mean": np.mean(means[i], axis=0), "var": batch / (batch - 1) * np.mean(variances[i], axis=0)}
    return state


def inference_statistics() -> dict[str, tuple[float, float]]:
    """Held-out loss and accuracy of :func:`trained_bn_net` with its running averages, with Algorithm 2's statistics,
    with running variances that were never Bessel-corrected (biased), and with the initial statistics (mean 0, variance 1)."""
    model, theta = trained_bn_net()
    X, _ = data("train")
    running = copy.deepcopy(model.state)
    out = {"running averages (momentum 0.1)": evaluate(model, theta)}
    try:
        model.state = algorithm2_statistics(model, theta, X)
        out["Algorithm 2 (averages over 50 batches)"] = evaluate(model, theta)
        model.reset_state()
        out["never updated (mean 0, variance 1)"] = evaluate(model, theta)
    finally:
        model.state = running
    return out


# --------------------------------------------------------------------------- momentum conventions
#: The true mean and variance of the stream of :func:`running_estimates`.
STREAM_MEAN, STREAM_VAR = 3.0, 4.0
#: Batch size of that stream (small, so that Bessel's correction shows: (m - 1)/m = 0.875).
STREAM_BATCH = 8
#: Steps of that stream.
STREAM_STEPS = 400


def new_batch_weight(value: float, convention: str) -> float:
    r"""The weight :math:`\alpha` of the *new batch* in :func:`lib.nn.layers.update_running_stats` for a framework's ``momentum``.

    PyTorch: :math:`\hat\mu \leftarrow (1-m)\hat\mu + m\,\mu_B`, so :math:`\alpha = m`
    (default 0.1). Keras: :math:`\hat\mu \leftarrow m\,\hat\mu + (1-m)\,\mu_B`,
    so :math:`\alpha = 1 - m` (default 0.99, i.e. :math:`\alpha = 0.01`).
    """
    value = checks.unit_interval("value", value)
    if convention not in ("pytorch", "keras"):
        raise ValueError(f"convention must be 'pytorch' or 'keras', got {convention!r}")
    return value if convention == "pytorch" else 1.0 - value


@lru_cache(maxsize=None)
def running_estimates(value: float, convention: str, unbiased: bool = True, steps: int = STREAM_STEPS,
                      batch: int = STREAM_BATCH, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Running mean and variance (:func:`lib.nn.layers.update_running_stats`) over a stream of batches.

    Batches of ``batch`` values from :math:`\mathcal N(3, 2^2)`; the estimates
    start at PyTorch's and Keras's initial values (mean 0, variance 1) and
    are updated once per batch with :math:`\alpha` = :func:`new_batch_weight`
    ``(value, convention)``. Returns two arrays of ``steps + 1`` values.
    """
    alpha = new_batch_weight(value, convention)
    rng = np.random.default_rng(seed)
    stream = STREAM_MEAN + np.sqrt(STREAM_VAR) * rng.standard_normal((steps, batch))
    mean, var = np.zeros(steps + 1), np.ones(steps + 1)
    for t, x in enumerate(stream):
        m, v = update_running_stats(mean[t : t + 1], var[t : t + 1], x.mean(keepdims=True), x.var(keepdims=True),
                                    batch, momentum=alpha, unbiased=unbiased)
        mean[t + 1], var[t + 1] = m[0], v[0]
    return mean, var


def running_summary(value: float, convention: str, unbiased: bool = True, tail: int = 300) -> dict[str, float]:
    """Over the last ``tail`` steps of :func:`running_estimates`: mean of the mean estimate, its step-to-step
    standard deviation, and the mean of the variance estimate (truth 3 and 4)."""
    mean, var = running_estimates(value, convention, unbiased)
    return {"alpha": new_batch_weight(value, convention), "mean": float(mean[-tail:].mean()),
            "mean jitter": float(mean[-tail:].std()), "var": float(var[-tail:].mean())}


def momentum_mixups(steps: int = STEPS) -> dict[str, tuple[float, float]]:
    r"""Held-out loss and accuracy (evaluation mode) of the 3-hidden-layer network trained with four momentum readings.

    Training is identical in all four (training mode uses batch statistics),
    so only the running averages differ: PyTorch's default read correctly
    (:math:`\alpha = 0.1`), Keras's default read correctly (:math:`\alpha =
    0.01`), Keras's 0.99 typed into PyTorch (:math:`\alpha = 0.99`: the last batch
    only) and PyTorch's 0.1 typed into Keras (:math:`\alpha = 0.9`).
    """
    out = {}
    for label, alpha in (("PyTorch's 0.1 read by PyTorch (alpha = 0.1)", 0.1),
                         ("Keras's 0.99 read by Keras (alpha = 0.01)", 0.01),
                         ("Keras's 0.99 read by PyTorch (alpha = 0.99)", 0.99),
                         ("PyTorch's 0.1 read by Keras (alpha = 0.9)", 0.9)):
        model, run = training_run(0.1, True, depth=EVAL_DEPTH, steps=steps, momentum=alpha)
        out[label] = evaluate(model, run.final_theta)
    return out


# --------------------------------------------------------------------------- scale invariance
def scale_invariance(scales=(1e-3, 0.01, 1.0, 100.0), eps: float = 1e-5) -> dict[float, dict[str, float]]:
    r"""Batch norm after a linear layer ignores the weights' scale: :math:`\mathrm{BN}((aW)x) = \mathrm{BN}(Wx)`.

    For each :math:`a`: the largest :math:`|\mathrm{BN}(aWx) - \mathrm{BN}(Wx)|` on a
    batch of first-layer inputs (an identity up to :math:`\epsilon`, hence an
    illustration -- it breaks where :math:`a^2\sigma_B^2` is comparable to
    :math:`\epsilon`), and the norm of the loss gradient with respect to the
    scaled weights times :math:`a` over the norm at :math:`a = 1`: the gradient
    scales as :math:`1/a` (van Laarhoven 2017; Ioffe & Szegedy 2015, §3.3).
    """
    X, y = data("train")
    model = Sequential([Linear(64, WIDTH, init="he_normal"), BatchNorm(WIDTH, eps=eps), Activation("relu"),
                        Linear(WIDTH, 6)])
    objective = NetworkObjective(model, X[:BATCH], y[:BATCH], "softmax")
    theta = model.init(0)
    W = model.params(theta)[0]["W"]
    base_out = model.forward(theta, X[:BATCH], update_state=False)[0]
    base_grad = np.linalg.norm(model.params(objective.grad(theta).copy())[0]["W"])
    out = {}
    for a in scales:
        scaled = theta.copy()
        model.params(scaled)[0]["W"][...] = a * W
        z = model.forward(scaled, X[:BATCH], update_state=False)[0]
        g = np.linalg.norm(model.params(objective.grad(scaled).copy())[0]["W"])
        out[a] = {"output change": float(np.max(np.abs(z - base_out))), "a * gradient / gradient at a = 1": float(a * g / base_grad)}
    return out


# --------------------------------------------------------------------------- gradients at initialization
@lru_cache(maxsize=None)
def gradient_norms_at_init(activation: str, bn: bool, depth: int = 30, seeds: int = 5) -> np.ndarray:
    r"""Median over ``seeds`` initializations of :math:`\lVert\partial L/\partial W_l\rVert` for each hidden layer :math:`l`.

    A depth-``depth`` width-32 network (He normal for ReLU, LeCun normal
    otherwise), one batch of 32 training images, recorded with
    :class:`lib.nn.GradientNormRecorder`. Without batch norm a sigmoid
    network's gradients vanish towards the input; with batch norm a ReLU
    network's gradients *grow* towards the input (Yang et al. 2019).
    """
    X, y = data("train")
    init = "he_normal" if activation == "relu" else "lecun_normal"
    norms = []
    for seed in range(seeds):
        model = mlp(depth, bn=bn, activation=activation, init=init)
        recorder = GradientNormRecorder()
        model.backward_hooks.append(recorder)
        rows = np.random.default_rng(seed).choice(len(X), BATCH, replace=False)
        NetworkObjective(model, X[rows], y[rows], "softmax").grad(model.init(seed))
        linear = [i for i, layer in enumerate(model.layers) if isinstance(layer, Linear)][:-1]
        norms.append([recorder.history[-1][i]["W"] for i in linear])
    return np.median(norms, axis=0)


def gradient_ratios() -> dict[str, float]:
    """First hidden layer's weight-gradient norm over the last hidden layer's (:func:`gradient_norms_at_init`)."""
    out = {}
    for activation in ("sigmoid", "tanh", "relu"):
        for bn in (False, True):
            norms = gradient_norms_at_init(activation, bn)
            out[f"{activation}, {'with' if bn else 'without'} BN"] = float(norms[0] / norms[-1])
    return out


# --------------------------------------------------------------------------- noisy BN, constant statistics
#: Noise strengths of the noisy-BN experiment.
NOISE_LEVELS = (0.1, 0.3, 1.0)


def noisy_comparison(lrs=(1.0,), levels=NOISE_LEVELS) -> dict[tuple[float, str], tuple[str, float, float]]:
    """Per learning rate and network (no BN, BN, noisy BN at each strength): the run's end, training loss and held-out accuracy (evaluation mode)."""
    out = {}
    for lr in lrs:
        nets = [("no BN", False, 0.0), ("BN", True, 0.0)] + [(f"noisy BN, kappa = {s}", True, s) for s in levels]
        for name, bn, noise in nets:
            model, run = training_run(lr, bn, noise=noise)
            if run.diverged:
                out[lr, name] = (f"diverged at step {run.diverged_at}", np.nan, np.nan)
            else:
                loss, acc = evaluate(model, run.final_theta, "train")
                out[lr, name] = ("trained", loss, evaluate(model, run.final_theta)[1])
    return out


def constant_stats_comparison(steps: int = 300) -> dict[str, dict[str, float]]:
    r"""Training with the right batch-norm gradient against one that holds :math:`\mu_B, \sigma_B^2` constant.

    Depth 3, :math:`\eta = 0.1`. Reports the final training loss and the norm
    of the hidden layers' biases (the :math:`b` of :math:`Wu + b` before each
    batch norm) at the start and the end: with the right gradient it gets
    exactly zero gradient (the mean subtraction cancels it), with the
    wrong one it drifts (Ioffe & Szegedy 2015, §2).
    """
    out = {}
    for name, wrong in (("right gradient", False), ("mu_B, sigma_B held constant", True)):
        model, run = training_run(0.1, True, depth=EVAL_DEPTH, steps=steps, constant_stats=wrong)
        bias = [np.linalg.norm([p["b"] for p in model.params(t)[:-1] if "b" in p]) for t in run.thetas]
        out[name] = {"final loss": run.final_loss, "bias norm at start": float(bias[0]),
                     "bias norm at end": float(bias[-1])}
    return out


# --------------------------------------------------------------------------- Ioffe & Szegedy, Figure 1
#: Steps of the sigmoid runs, and the steps at which they are measured.
SIGMOID_STEPS, SIGMOID_EVERY = 600, 25
#: The sigmoid runs' learning rate and batch size.
SIGMOID_LR, SIGMOID_BATCH = 0.5, 30


@lru_cache(maxsize=None)
def sigmoid_run(bn: bool, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Ioffe & Szegedy (2015), Figure 1, at small scale: a sigmoid MLP with 3 hidden layers, with or without batch norm.

    Their setting: MNIST, 3 fully connected hidden layers of 100 sigmoid
    units, small random Gaussian initial weights, 50,000 steps of SGD on
    batches of 60. Here: the 64-pixel glyphs (6 classes, 120 training
    images), 3 hidden layers of 32 sigmoid units, LeCun normal weights,
    600 steps of SGD with :math:`\eta = 0.5` on batches of 30. Every 25
    steps: the accuracy on the 300 held-out images (evaluation mode) and
    the 15th, 50th and 85th percentiles of the input of each sigmoid of the
    last hidden layer as training sees it (training mode, the first 100
    held-out images as one batch, no state update; with batch norm that
    input is the batch norm's output :math:`\gamma\hat x + \beta`). Returns ``steps (k,)``, ``accuracy (k,)``,
    ``percentiles (k, 32, 3)``.
    """
    model = mlp(3, bn=bn, activation="sigmoid", init="lecun_normal")
    objective = _objective(model)
    X, y = data("test")
    theta = model.init(seed)
    steps, accuracy, percentiles = [], [], []
    for k in range(SIGMOID_STEPS // SIGMOID_EVERY + 1):
        if k:
            run = descend(objective, theta, SIGMOID_LR, batch_size=SIGMOID_BATCH, steps=SIGMOID_EVERY, seed=seed + k,
                          record_every=None)
            theta = run.final_theta.copy()
        accuracy.append(np.mean(eval_logits(model, theta, X).argmax(axis=1) == y))
        steps.append(k * SIGMOID_EVERY)
        percentiles.append(np.percentile(model.activations(theta, X[:CHUNK])[-3], [15, 50, 85], axis=0).T)
    return {"steps": np.array(steps), "accuracy": np.array(accuracy), "percentiles": np.array(percentiles)}


def sigmoid_summary(unit: int = 0) -> dict[str, dict[str, float]]:
    r"""The numbers of the Figure 1 reproduction, with and without batch norm.

    Accuracy after 50 and 600 steps; for the input of sigmoid ``unit``:
    how far its median moves over the second half of training (largest
    minus smallest), in units of its final 15-85 percentile spread; and that
    ratio's median over all 32 units of the layer.
    """
    out = {}
    for bn in (False, True):
        r = sigmoid_run(bn)
        half = r["steps"] >= SIGMOID_STEPS // 2
        p = r["percentiles"][half]
        drift = (p[:, :, 1].max(axis=0) - p[:, :, 1].min(axis=0)) / (p[-1, :, 2] - p[-1, :, 0])
        at = lambda step: float(r["accuracy"][list(r["steps"]).index(step)])
        out["with BN" if bn else "without BN"] = {
            "accuracy at step 50": at(50), f"accuracy at step {SIGMOID_STEPS}": at(SIGMOID_STEPS),
            f"median drift of unit {unit} / spread": float(drift[unit]),
            "median drift / spread, median over units": float(np.median(drift))}
    return out


# --------------------------------------------------------------------------- explorable 1: train vs eval mode
def train_eval_figure():
    """Training-mode outputs scatter with the batch; evaluation-mode outputs do not: batch size × mode."""
    gaps = mode_gaps()
    sizes = np.array(GAP_BATCHES)

    def make(fig):
        cloud_ax, gap_ax = fig.subplots(1, 2, width_ratios=[1.2, 1])
        examples = mode_outputs(GAP_BATCHES[0])[1].size
        cloud = cloud_ax.scatter([], [], s=12, color=C["blue"], alpha=0.6, animated=True, label="training mode")
        marks, = cloud_ax.plot([], [], "D", color=C["vermillion"], ms=7, animated=True, label="evaluation mode")
        cloud_ax.set(xlim=(-0.6, examples - 0.4), ylim=(-0.03, 1.03), xticks=range(examples),
                     xticklabels=[str(k + 1) for k in range(examples)], xlabel="held-out image",
                     ylabel="P(true class)")
        fig.legend(handles=[cloud, marks], loc="outside upper center", ncol=2)
        gap_ax.plot(sizes, [100 * gaps[b][1] for b in GAP_BATCHES], "o-", color=C["blue"], ms=4)
        here, = gap_ax.plot([], [], "o", ms=12, mfc="none", mec=C["vermillion"], mew=2, animated=True)
        gap_ax.set(xscale="log", xlabel="batch size $B$", ylabel="predictions changed (%)", ylim=(0, 100),
                   xticks=[2, 8, 32, 128], xticklabels=["2", "8", "32", "128"])
        status = cloud_ax.set_title("\n")
        status.set_animated(True)
        jitter = np.random.default_rng(0).uniform(-0.2, 0.2, (20, examples))

        def update(batch, mode):
            train_prob, eval_prob, gap, flips = mode_outputs(batch)
            marks.set_data(np.arange(examples), eval_prob)
            if mode == "train":
                cloud.set_offsets(np.column_stack([(np.arange(examples) + jitter).ravel(), train_prob.ravel()]))
                here.set_data([batch], [100 * flips])
                status.set_text(f"Training mode, B = {batch}:\n{100 * flips:.0f}% of predictions change")
                return (f"training mode with batches of {batch}: each image's output depends on its batch-mates; "
                        f"{100 * flips:.0f}% of held-out predictions differ from evaluation mode, "
                        f"relative logit gap {gap:.2f}")
            cloud.set_offsets(np.empty((0, 2)))
            here.set_data([batch], [0.0])
            status.set_text(f"Evaluation mode, B = {batch}:\nthe same output in every batch")
            return "evaluation mode: running averages, so each image's output is the same whatever its batch"

        return update

    return explore(
        make,
        [Dropdown("batch", list(GAP_BATCHES), default=8, label="batch size B"),
         Dropdown("mode", ["train", "eval"], default="train", label="mode",
                  option_labels=["training (batch statistics)", "evaluation (running averages)"])],
        alt="Left: for six held-out images, the network's probability of the true class computed in training mode "
            "inside 20 random batches (dots) and in evaluation mode (diamonds). Right: the percentage of held-out "
            "predictions that differ between training and evaluation mode, against the batch size.",
        height=3.6,
    )


# --------------------------------------------------------------------------- explorable 2: learning rate
def _curve(run):
    return run.steps, np.maximum(run.losses, 1e-4)


def _ending(run, name):
    if run.diverged:
        return f"{name}: diverged at step {run.diverged_at}"
    if run.final_loss > 1.5:
        return f"{name}: stuck, loss {run.final_loss:.2f}"
    return f"{name}: loss {run.final_loss:.3f}"


def _two_curves(fig, title_lines=2):
    ax = fig.add_subplot()
    lines = {bn: ax.plot([], [], color=C["blue" if bn else "vermillion"], animated=True,
                         label="with BN" if bn else "without BN")[0] for bn in (False, True)}
    crosses = {bn: ax.plot([], [], "X", ms=11, color=C["blue" if bn else "vermillion"], animated=True)[0]
               for bn in (False, True)}
    ax.set(yscale="log", xlim=(0, STEPS), ylim=(1e-3, 1e3), xlabel="step $t$",
           ylabel="training loss (log scale)")
    fig.legend(handles=list(lines.values()), loc="outside upper center", ncol=2)
    status = ax.set_title("\n" * (title_lines - 1))
    status.set_animated(True)
    return lines, crosses, status


def _draw_runs(lines, crosses, runs):
    for bn, run in runs.items():
        lines[bn].set_data(*_curve(run))
        crosses[bn].set_data(([run.diverged_at], [5e2]) if run.diverged else ([], []))


def lr_figure():
    """Training loss with and without batch norm at one learning rate (depth 6)."""
    def make(fig):
        lines, crosses, status = _two_curves(fig)

        def update(lr):
            runs = {bn: training_run(lr, bn)[1] for bn in (False, True)}
            _draw_runs(lines, crosses, runs)
            said = [_ending(runs[False], "without BN"), _ending(runs[True], "with BN")]
            status.set_text(f"η = {lr:.3g}\n" + " | ".join(said))
            return f"learning rate {lr:.3g}: " + "; ".join(said)

        return update

    return explore(
        make, [LR_GRID],
        alt="Training loss on a log scale against the step for a six-hidden-layer ReLU network with and without "
            "batch norm at the chosen learning rate; a cross marks the step at which a run diverged.",
        height=3.4,
    )


def init_figure():
    """Training loss with and without batch norm when the hidden layers' He weights are scaled (depth 6, η = 0.1)."""
    def make(fig):
        lines, crosses, status = _two_curves(fig)

        def update(scale):
            runs = {bn: training_run(0.1, bn, hidden_scale=scale)[1] for bn in (False, True)}
            _draw_runs(lines, crosses, runs)
            said = [_ending(runs[False], "without BN"), _ending(runs[True], "with BN")]
            status.set_text(f"weights = {scale:g} × He init\n" + " | ".join(said))
            return f"hidden weights {scale:g} times the He initialization: " + "; ".join(said)

        return update

    return explore(
        make, [Dropdown("scale", list(INIT_SCALES), default=1.0, label="weight scale × He",
                        option_labels=[f"{s:g}" for s in INIT_SCALES])],
        alt="Training loss on a log scale against the step for a six-hidden-layer ReLU network with and without "
            "batch norm, its hidden weights initialized at the chosen multiple of the He scale.",
        height=3.4,
    )


# --------------------------------------------------------------------------- explorable 3: Ioffe & Szegedy, Fig. 1
def sigmoid_figure(unit: int = 0):
    """Accuracy and the 15/50/85th percentiles of one sigmoid's input up to a training step, with and without BN."""
    runs = {bn: sigmoid_run(bn) for bn in (False, True)}
    steps = runs[False]["steps"]

    def make(fig):
        axes = fig.subplot_mosaic([["acc", "acc"], ["off", "on"]], height_ratios=[1, 1.3])
        acc = {bn: axes["acc"].plot([], [], color=C["blue" if bn else "vermillion"], animated=True,
                                    label="with BN" if bn else "without BN")[0] for bn in (False, True)}
        axes["acc"].set(xlim=(0, SIGMOID_STEPS), ylim=(0, 1), ylabel="held-out\naccuracy")
        fig.legend(handles=list(acc.values()), loc="outside upper center", ncol=2)
        bands = {}
        low = min(r["percentiles"][:, unit].min() for r in runs.values())
        high = max(r["percentiles"][:, unit].max() for r in runs.values())
        for bn, key in ((False, "off"), (True, "on")):
            ax = axes[key]
            bands[bn] = [ax.plot([], [], color=C["blue" if bn else "vermillion"], lw=2 if q == 1 else 1.2,
                                 ls="-" if q == 1 else "--", animated=True)[0] for q in range(3)]
            ax.set(xlim=(0, SIGMOID_STEPS), ylim=(low - 0.2, high + 0.2), xlabel="step $t$",
                   title="with BN" if bn else "without BN")
        axes["off"].set_ylabel(f"input of sigmoid {unit}\n15/50/85th pct")
        status = axes["acc"].set_title("\n")
        status.set_animated(True)

        def update(step):
            k = int(np.searchsorted(steps, step))
            for bn, r in runs.items():
                acc[bn].set_data(steps[: k + 1], r["accuracy"][: k + 1])
                for q, line in enumerate(bands[bn]):
                    line.set_data(steps[: k + 1], r["percentiles"][: k + 1, unit, q])
            a0, a1 = runs[False]["accuracy"][k], runs[True]["accuracy"][k]
            m0, m1 = runs[False]["percentiles"][k, unit, 1], runs[True]["percentiles"][k, unit, 1]
            status.set_text(f"step {step}: accuracy {a0:.0%} without BN, {a1:.0%} with BN\n"
                            f"median input {m0:+.2f} without, {m1:+.2f} with")
            return (f"step {step}: held-out accuracy {a0:.0%} without batch norm and {a1:.0%} with it; "
                    f"median input of sigmoid {unit}: {m0:+.2f} without, {m1:+.2f} with")

        return update

    return explore(
        make, [Slider("step", 0, SIGMOID_STEPS, steps=SIGMOID_STEPS // (2 * SIGMOID_EVERY) + 1, integer=True,
                      default=SIGMOID_STEPS, label="training step")],  # every other measurement: half the page weight
        alt="Top: held-out accuracy against the training step for a sigmoid network with and without batch norm. "
            "Bottom: the 15th, 50th and 85th percentiles of one sigmoid's input over training, without batch norm "
            "(left) and with it (right).",
        height=5.2,
    )


# --------------------------------------------------------------------------- explorable 4: momentum conventions
def momentum_figure():
    """Running mean and variance for a framework's momentum value read in either convention."""
    steps = np.arange(STREAM_STEPS + 1)

    def make(fig):
        mean_ax, var_ax = fig.subplots(1, 2)
        mean_ax.axhline(STREAM_MEAN, color=C["black"], lw=1, ls="--")
        var_ax.axhline(STREAM_VAR, color=C["black"], lw=1, ls="--", label="true value")
        var_ax.axhline(STREAM_VAR * (STREAM_BATCH - 1) / STREAM_BATCH, color=C["green"], lw=1.2, ls=":",
                       label="biased: (m−1)/m × true")
        mean_line, = mean_ax.plot([], [], color=C["blue"], lw=1.2, animated=True)
        var_line, = var_ax.plot([], [], color=C["blue"], lw=1.2, animated=True, label="running estimate")
        mean_ax.set(xlim=(0, STREAM_STEPS), ylim=(-0.5, 6), xlabel="batch $t$", ylabel="running mean")
        var_ax.set(xlim=(0, STREAM_STEPS), ylim=(0, 12), xlabel="batch $t$", ylabel="running variance")
        fig.legend(handles=[var_line] + var_ax.get_lines()[:2], loc="outside upper center", ncol=3)
        status = mean_ax.set_title("\n")
        var_status = var_ax.set_title("\n")
        for text in (status, var_status):
            text.set_animated(True)

        def update(value, convention, unbiased):
            mean, var = running_estimates(value, convention, unbiased)
            mean_line.set_data(steps, mean)
            var_line.set_data(steps, var)
            s = running_summary(value, convention, unbiased)
            status.set_text(f"α = {s['alpha']:.2f} on the new batch\nmean {s['mean']:.2f} ± {s['mean jitter']:.2f}")
            var_status.set_text(f"last 300 batches:\nvariance {s['var']:.2f}")
            return (f"momentum {value} in the {convention} convention weighs the new batch by {s['alpha']:.2f}; "
                    f"over the last 300 batches the running mean averages {s['mean']:.2f} (truth 3) with jitter "
                    f"{s['mean jitter']:.2f}, the running variance {s['var']:.2f} (truth 4)")

        return update

    return explore(
        make,
        [Dropdown("value", [0.01, 0.1, 0.9, 0.99], default=0.1, label="momentum value"),
         Dropdown("convention", ["pytorch", "keras"], label="read as",
                  option_labels=["PyTorch: weight of the new batch", "Keras: weight of the old value"]),
         Toggle("unbiased", default=True, label="unbiased (Bessel) variance")],
        alt="Running mean (left) and running variance (right) of a stream of batches of eight values with mean 3 "
            "and variance 4, updated with the chosen momentum in the chosen convention, with the true values dashed.",
        height=3.6,
    )


EXPLORABLES = {"train_eval": train_eval_figure, "learning_rate": lr_figure, "init_scale": init_figure,
               "sigmoid_percentiles": sigmoid_figure, "momentum": momentum_figure}


# --------------------------------------------------------------------------- static figure
def gradient_norms_figure():
    """Per-layer weight-gradient norms at initialization of 30-layer networks, with and without batch norm."""
    fig = style.figure(height=3.4)
    axes = fig.subplots(1, 2, sharey=True)
    layers = np.arange(1, 31)
    for ax, activation in zip(axes, ("sigmoid", "relu")):
        for bn in (False, True):
            ax.semilogy(layers, gradient_norms_at_init(activation, bn), color=C["blue" if bn else "vermillion"],
                        label="with BN" if bn else "without BN")
        ax.set(xlabel="hidden layer $l$ (1 = input side)", title={"sigmoid": "sigmoid", "relu": "ReLU"}[activation])
    axes[0].set_ylabel(r"$\|\partial L/\partial W_l\|$ at init")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=2)
    return style.Still(fig, alt="Weight-gradient norm per hidden layer at initialization, log scale, for 30-layer "
                                "sigmoid (left) and ReLU (right) networks. Without batch norm the sigmoid network's "
                                "gradients fall by about 19 orders of magnitude towards the input; with it they stay "
                                "level. The ReLU network's gradients are level without batch norm and grow towards "
                                "the input with it.")
