r"""Networks whose parameters are views into one flat vector :math:`\theta`.

A :class:`Sequential` is a list of layers (:class:`Linear`,
:class:`Activation`, :class:`BatchNorm`, :class:`Dropout`,
:class:`Residual`), each a thin object around the forward/backward pair of
:mod:`lib.nn.layers`. The model owns no parameters: every call takes the flat
vector :math:`\theta \in \mathbb R^p` of the book's notation and cuts it into
per-layer views (no copy); the backward pass writes every gradient into views
of one flat vector of the same shape. So a network is just another
finite-sum objective (:class:`NetworkObjective`) and every optimiser of
:mod:`lib.gradient_descent` trains it unchanged.

State that is not a parameter -- batch norm's running statistics, dropout's
pass counter -- lives in ``model.state`` (one dict per layer), is changed
only by a training pass (``update_state=True``), and can be read, copied or
reset (:meth:`Sequential.reset_state`). ``model.training`` selects train or
eval mode (:meth:`Sequential.train`, :meth:`Sequential.eval`).

Hooks: ``model.forward_hooks`` are called as ``hook(index, layer, out)``
after each layer's forward pass, ``model.backward_hooks`` as
``hook(index, layer, dx, grads)`` after each layer's backward pass
(``grads`` maps parameter names to their gradients); :class:`ActivationRecorder`
and :class:`GradientNormRecorder` are the two the chapters use.
"""
from __future__ import annotations

import math

import numpy as np

from lib import checks
from lib.glm import BERNOULLI, CATEGORICAL, GAUSSIAN, POISSON, Categorical, Family
from lib.nn import init as initializers
from lib.nn import layers as L
from lib.nn.activations import activation as named_activation
from lib.objectives import FiniteSumObjective, data_matrix

__all__ = [
    "Layer", "Linear", "Activation", "BatchNorm", "Dropout", "Residual", "Sequential",
    "ActivationRecorder", "GradientNormRecorder", "Head", "HEADS", "NetworkObjective", "TwoLayerNet",
]

DTYPES = (np.float32, np.float64)


# --------------------------------------------------------------------------- layers
class Layer:
    """A layer: named parameter shapes, explicit state, and a forward/backward pair.

    ``forward(x, params, state, train, update) -> out, cache`` and
    ``backward(dout, cache, grads, input_grad=True) -> dx``, where ``params``
    and ``grads`` map parameter names to arrays (views into the flat
    vectors) and ``grads`` is filled in place; a layer may skip ``dx``
    (return None) when ``input_grad`` is False. ``features(n)`` returns the number of
    output features for ``n`` input features (None: unknown) or raises
    ``ValueError`` naming the layer.
    """

    shapes: dict = {}
    label = ""

    def init(self, rng, dtype):
        """Initial parameters, a dict of arrays with :attr:`shapes`."""
        return {}

    def initial_state(self, dtype):
        """Fresh state (running statistics, counters); ``{}`` for a stateless layer."""
        return {}

    def features(self, n):
        return n

    def backward(self, dout, cache, grads, input_grad=True):
        raise NotImplementedError


def _init_preset(init):
    if callable(init):
        return init
    if init not in initializers.PRESETS:
        raise ValueError(f"init must be a callable or one of {sorted(initializers.PRESETS)}, got {init!r}")
    return initializers.PRESETS[init]


def _expects(layer, n_in, n):
    if n is not None and n != n_in:
        raise ValueError(f"{layer.label or repr(layer)} expects {n_in} input features, but its input has {n}")


class Linear(Layer):
    r"""Affine layer :math:`x \mapsto x W^\top + b`, ``W`` of shape ``(out_features, in_features)``.

    ``init`` names an entry of :data:`lib.nn.init.PRESETS` (default
    ``"pytorch"``: PyTorch's ``nn.Linear`` default) or is a callable
    ``init(fan_in, fan_out, rng, dtype) -> (W, b)``.
    """

    def __init__(self, in_features, out_features, init="pytorch"):
        self.n_in = checks.integer("in_features", in_features, 1)
        self.n_out = checks.integer("out_features", out_features, 1)
        self.shapes = {"W": (self.n_out, self.n_in), "b": (self.n_out,)}
        self.initializer = _init_preset(init)

    def __repr__(self):
        return f"Linear({self.n_in}, {self.n_out})"

    def init(self, rng, dtype):
        W, b = self.initializer(self.n_in, self.n_out, rng, dtype=dtype)
        return {"W": W, "b": b}

    def features(self, n):
        _expects(self, self.n_in, n)
        return self.n_out

    def forward(self, x, params, state, train, update):
        return L.linear_forward(x, params["W"], params["b"], layer=self.label)

    def backward(self, dout, cache, grads, input_grad=True):
        return L.linear_backward(dout, cache, grads["W"], grads["b"], input_grad)[0]


class Activation(Layer):
    """Elementwise activation ``name`` of :mod:`lib.nn.activations` (options: ``slope``, ``alpha``)."""

    def __init__(self, name="relu", **options):
        named_activation(name)  # ValueError naming `activation` for an unknown name
        self.name, self.options = name, options

    def __repr__(self):
        return f"Activation({self.name!r})"

    def forward(self, x, params, state, train, update):
        return L.activation_forward(x, self.name, **self.options)

    def backward(self, dout, cache, grads, input_grad=True):
        return L.activation_backward(dout, cache)


class BatchNorm(Layer):
    r"""Batch normalization over axis 1 with learned :math:`\gamma` (init 1) and :math:`\beta` (init 0).

    Training mode normalizes with the batch statistics
    (:func:`lib.nn.layers.batchnorm_forward`) and, on a training pass,
    updates ``state["mean"]``, ``state["var"]`` by
    :func:`lib.nn.layers.update_running_stats`; eval mode uses them
    (:func:`lib.nn.layers.batchnorm_eval_forward`). The defaults
    ``momentum=0.1, eps=1e-5, unbiased=True`` are PyTorch's; Keras's are
    ``momentum=0.01, eps=1e-3, unbiased=False`` in this convention.
    """

    def __init__(self, features, momentum=0.1, eps=1e-5, unbiased=True):
        self.n = checks.integer("features", features, 1)
        self.momentum = checks.finite("momentum", momentum, 0.0)
        if self.momentum > 1:
            raise ValueError(f"momentum must be a number in [0, 1], got {momentum!r}")
        self.eps, self.unbiased = checks.positive("eps", eps), bool(unbiased)
        self.shapes = {"gamma": (self.n,), "beta": (self.n,)}

    def __repr__(self):
        return f"BatchNorm({self.n})"

    def init(self, rng, dtype):
        return {"gamma": np.ones(self.n, dtype), "beta": np.zeros(self.n, dtype)}

    def initial_state(self, dtype):
        return {"mean": np.zeros(self.n, dtype), "var": np.ones(self.n, dtype)}

    def features(self, n):
        _expects(self, self.n, n)
        return n

    def forward(self, x, params, state, train, update):
        gamma, beta = params["gamma"], params["beta"]
        if not train:
            return L.batchnorm_eval_forward(x, gamma, beta, state["mean"], state["var"], self.eps, self.label)
        out, cache = L.batchnorm_forward(x, gamma, beta, self.eps, self.label)
        if update:
            state["mean"], state["var"] = L.update_running_stats(
                state["mean"], state["var"], cache.mean, cache.var, x.size // self.n, self.momentum, self.unbiased)
        return out, cache

    def backward(self, dout, cache, grads, input_grad=True):
        return L.batchnorm_backward(dout, cache, grads["gamma"], grads["beta"])[0]


class Dropout(Layer):
    r"""Inverted dropout with drop probability ``p`` (:func:`lib.nn.layers.dropout_forward`); identity in eval mode.

    Masks are reproducible: training pass :math:`k` (counted in
    ``state["passes"]``) draws its mask from ``default_rng((seed, k))``. A
    pass that does not update state (a loss evaluation) reuses the mask of
    the latest training pass, so loss and gradient at the same point agree.
    """

    def __init__(self, p=0.5, seed=0):
        self.p = L._drop_probability(p)
        self.seed = checks.integer("seed", seed, 0)

    def __repr__(self):
        return f"Dropout({self.p})"

    def initial_state(self, dtype):
        return {"passes": 0}

    def forward(self, x, params, state, train, update):
        if not train or self.p == 0:
            return L.dropout_forward(x, self.p, train=False)
        state["passes"] += bool(update)
        return L.dropout_forward(x, self.p, rng=np.random.default_rng((self.seed, state["passes"])))

    def backward(self, dout, cache, grads, input_grad=True):
        return L.dropout_backward(dout, cache)


class Residual(Layer):
    r"""Residual block :math:`x + W_2\,\phi(W_1 x + b_1) + b_2` (:func:`lib.nn.layers.residual_forward`; He et al. 2016)."""

    def __init__(self, features, hidden=None, activation="relu", init="pytorch"):
        self.n = checks.integer("features", features, 1)
        self.hidden = self.n if hidden is None else checks.integer("hidden", hidden, 1)
        named_activation(activation)
        self.name, self.initializer = activation, _init_preset(init)
        self.shapes = {"W1": (self.hidden, self.n), "b1": (self.hidden,), "W2": (self.n, self.hidden), "b2": (self.n,)}

    def __repr__(self):
        return f"Residual({self.n}, hidden={self.hidden})"

    def init(self, rng, dtype):
        W1, b1 = self.initializer(self.n, self.hidden, rng, dtype=dtype)
        W2, b2 = self.initializer(self.hidden, self.n, rng, dtype=dtype)
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    def features(self, n):
        _expects(self, self.n, n)
        return n

    def forward(self, x, params, state, train, update):
        return L.residual_forward(x, params["W1"], params["b1"], params["W2"], params["b2"], self.name, self.label)

    def backward(self, dout, cache, grads, input_grad=True):
        return L.residual_backward(dout, cache, grads["W1"], grads["b1"], grads["W2"], grads["b2"])[0]


# --------------------------------------------------------------------------- the network
class Sequential:
    r"""Layers applied in order; parameters are views into one flat :math:`\theta`.

    ``dim`` is the number of parameters :math:`p`; ``theta`` is always a 1-D
    array of shape ``(dim,)`` in ``dtype`` (float64 or float32), laid out
    layer by layer, each layer's parameters in the order of its ``shapes``,
    each array in row-major order. :meth:`init` draws a starting
    :math:`\theta`; :meth:`forward` and :meth:`backward` run a pass.
    Consecutive layers' feature counts are checked here (``ValueError``
    naming the layer).
    """

    def __init__(self, layers, dtype=np.float64):
        layers = list(layers) if isinstance(layers, (list, tuple)) else None
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"layers must be a non-empty list of Layer objects, got {layers!r}")
        if np.dtype(dtype) not in [np.dtype(d) for d in DTYPES]:
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.layers, self.dtype = layers, np.dtype(dtype)
        n = None
        for i, layer in enumerate(layers):
            layer.label = f"layer {i} ({layer!r})"
            n = layer.features(n)
        self.in_features, self.out_features = self._first_features(), n
        self.offsets, self.dim = self._layout()
        self.training = True
        self.forward_hooks, self.backward_hooks = [], []
        self.reset_state()
        self._views, self._buffer = (None, None), None

    def __repr__(self):
        return "Sequential([" + ", ".join(map(repr, self.layers)) + "])"

    def _first_features(self):
        """The input width the first shape-fixing layer needs; None when the stack starts with a
        layer of another kind (a convolution, pooling or flatten layer of :mod:`lib.nn.conv` takes
        image batches, whose width the linear layers further down do not determine)."""
        for layer in self.layers:
            if isinstance(layer, Linear):
                return layer.n_in
            if isinstance(layer, (BatchNorm, Residual)):
                return layer.n
            if not isinstance(layer, (Activation, Dropout)):
                return None
        return None

    def _layout(self):
        offsets, start = [], 0
        for layer in self.layers:
            mine = {}
            for name, shape in layer.shapes.items():
                mine[name] = (start, start + math.prod(shape), shape)
                start += math.prod(shape)
            offsets.append(mine)
        return offsets, start

    # -- parameters and state
    def init(self, seed=0):
        """A starting :math:`\\theta`: every layer's initializer in order, from one ``default_rng(seed)``."""
        rng = np.random.default_rng(checks.integer("seed", seed, 0))
        theta = np.empty(self.dim, self.dtype)
        for layer, views in zip(self.layers, self._cut(theta)):
            for name, value in layer.init(rng, self.dtype).items():
                views[name][...] = value
        return theta

    def _cut(self, flat):
        return [{name: flat[a:b].reshape(shape) for name, (a, b, shape) in mine.items()} for mine in self.offsets]

    def params(self, theta):
        """Per-layer dicts of views into ``theta`` (validated); a ``theta`` of another dtype is cast first, a copy.

        The views of the latest ``theta`` array of ``dtype`` are kept, so an
        optimizer updating it in place costs no new views per step.
        """
        if self._views[0] is theta:
            return self._views[1]
        flat = np.asarray(theta)
        if flat.shape != (self.dim,):
            raise ValueError(f"theta must have shape ({self.dim},), got {flat.shape}")
        if flat.dtype != self.dtype:
            return self._cut(flat.astype(self.dtype))  # a copy: never cached, it would go stale
        views = self._cut(flat)
        self._views = (theta, views)
        return views

    def reset_state(self):
        """Fresh running statistics and counters for every layer."""
        self.state = [layer.initial_state(self.dtype) for layer in self.layers]

    def train(self):
        """Training mode (batch statistics, dropout on); returns the model."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode (running statistics, dropout off); returns the model."""
        self.training = False
        return self

    # -- passes
    def inputs(self, x):
        """``x`` as an array of ``dtype`` with a batch axis (ValueError naming ``x``)."""
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise ValueError(f"x must be a real array, got dtype {x.dtype}")
        if x.ndim < 2:
            raise ValueError(f"x must have shape (batch, features...), got {x.shape}")
        return x.astype(self.dtype, copy=False)

    def forward(self, theta, x, update_state=None):
        r"""Output for the batch ``x`` and the tape (one cache per layer) :meth:`backward` needs.

        ``update_state`` (default: ``self.training``) lets a training pass
        update running statistics and dropout counters; a pass with
        ``update_state=False`` has no side effects.
        """
        update = self.training if update_state is None else bool(update_state)
        return self._forward(theta, self.inputs(x), update)

    def _forward(self, theta, x, update):
        """:meth:`forward` for an ``x`` already checked by :meth:`inputs`."""
        tape, hooks, train = [], self.forward_hooks, self.training
        for i, (layer, params, state) in enumerate(zip(self.layers, self.params(theta), self.state)):
            x, cache = layer.forward(x, params, state, train, update)
            tape.append(cache)
            if hooks:
                for hook in hooks:
                    hook(i, layer, x)
        return x, tape

    def backward(self, dout, tape, grad=None, input_grad=False):
        r"""Back-propagate :math:`\partial L/\partial\,\text{out}` through the tape; return :math:`\nabla_\theta L`, shape ``(dim,)``.

        Layer gradients are written into views of ``grad``, a ``(dim,)``
        array of ``dtype``; when None, into the model's own gradient buffer,
        allocated once and overwritten by the next backward pass (copy it to
        keep it, as :meth:`NetworkObjective.grad` does). The gradient with
        respect to the input batch is not computed unless ``input_grad`` is
        True; then ``(grad, dx)`` is returned.
        """
        if grad is None:
            grad, views = self._gradient_buffer()
        elif grad.shape != (self.dim,) or grad.dtype != self.dtype:
            raise ValueError(f"grad must be an array of shape ({self.dim},) and dtype {self.dtype}")
        else:
            views = self._cut(grad)
        if len(tape) != len(self.layers):
            raise ValueError(f"tape must hold one cache per layer ({len(self.layers)}), got {len(tape)}")
        hooks = self.backward_hooks
        for i in range(len(self.layers) - 1, -1, -1):
            layer, grads = self.layers[i], views[i]
            dout = layer.backward(dout, tape[i], grads, i > 0 or input_grad)
            if hooks:
                for hook in hooks:
                    hook(i, layer, dout, grads)
        return (grad, dout) if input_grad else grad

    def _gradient_buffer(self):
        """The model's own flat gradient array and its per-layer views (made once)."""
        if self._buffer is None:
            flat = np.empty(self.dim, self.dtype)
            self._buffer = (flat, self._cut(flat))
        return self._buffer

    def activations(self, theta, x):
        """Every layer's output for ``x``, in order (current mode, no state update)."""
        outputs = []
        x = self.inputs(x)
        for layer, params, state in zip(self.layers, self.params(theta), self.state):
            x, _ = layer.forward(x, params, state, self.training, False)
            outputs.append(x)
        return outputs


class ActivationRecorder:
    """Forward hook keeping a copy of each layer's latest output: ``activations[index]``."""

    def __init__(self):
        self.activations = {}

    def __call__(self, index, layer, out):
        self.activations[index] = np.array(out)


class GradientNormRecorder:
    r"""Backward hook recording Euclidean norms, one dict per backward pass in ``history``.

    ``history[k][index]`` maps ``"input"`` to :math:`\lVert\partial L/\partial x\rVert` (the
    gradient the layer passes down; absent for layer 0 unless the backward
    pass asked for the input gradient) and each parameter name to the norm
    of its gradient, e.g. :math:`\lVert\partial L/\partial W\rVert`.
    """

    def __init__(self):
        self.history, self._last = [], None

    def __call__(self, index, layer, dx, grads):
        if self._last is None or index >= self._last:
            self.history.append({})
        self._last = index
        norms = {} if dx is None else {"input": float(np.linalg.norm(dx))}
        norms.update({name: float(np.linalg.norm(g)) for name, g in grads.items()})
        self.history[-1][index] = norms


# --------------------------------------------------------------------------- loss heads
class Head:
    r"""The output loss: the negative log-likelihood of a GLM family (:mod:`lib.glm`) on the network's output :math:`z`.

    With the family's canonical link the gradient of the mean loss over a
    batch of :math:`B` is :math:`(\mu - y)/B`, :math:`\mu = g^{-1}(z)`
    (McCullagh & Nelder 1989, §2.5): softmax cross-entropy for
    :data:`lib.glm.CATEGORICAL` (:func:`lib.softmax.softmax`), binary cross-entropy
    for :data:`lib.glm.BERNOULLI` (:func:`lib.sigmoid.sigmoid`), squared
    error :math:`\tfrac12 (y - z)^2` plus the constant :math:`\tfrac12\log 2\pi`
    for :data:`lib.glm.GAUSSIAN`, and the Poisson NLL. Scalar families need
    one output unit.
    """

    def __init__(self, family):
        self.family = family
        self.scalar = not isinstance(family, Categorical)
        self._arange = np.arange(0)

    def __repr__(self):
        return f"Head({self.family!r})"

    def _rows(self, B):
        """``arange(B)``, kept for the last batch size."""
        if len(self._arange) != B:
            self._arange = np.arange(B)
        return self._arange

    def targets(self, y, n, width):
        """``y`` validated against ``n`` examples and an output layer of ``width`` units."""
        if self.scalar and width != 1:
            raise ValueError(f"loss {self.family.name} needs a network with 1 output unit, got {width}")
        if not self.scalar and (width is None or width < 2):
            raise ValueError(f"loss {self.family.name} needs a network with at least 2 output units, got {width}")
        return self.family.check_y(y, (n,) if self.scalar else (n, width))

    def _eta(self, z):
        return z[:, 0] if self.scalar else z

    def loss(self, z, y):
        """Mean NLL over the batch; ``inf`` when the output is not finite."""
        if not np.isfinite(z).all():
            return math.inf
        return float(np.mean(self.family.nll(y, self._eta(z).astype(np.float64))))

    def grad(self, z, y):
        r""":math:`\partial\bar\ell/\partial z = (\mu - y)/B`, in ``z``'s shape and dtype (NaN where ``z`` is not finite).

        For the softmax head :math:`\mu = e^{z - m}/\sum_j e^{z_j - m}`,
        :math:`m = \max_j z_j`, the max-shifted softmax of
        :func:`lib.softmax.softmax` without its last-ulp refinements for
        log-probabilities (Blanchard, Higham & Higham 2021), which cost
        ten times the whole formula on a mini-batch and do not change
        :math:`\mu - y` beyond rounding. The loss itself uses the exact
        :func:`lib.softmax.log_softmax` (through :data:`lib.glm.CATEGORICAL`).
        """
        if not np.isfinite(z).all():
            return np.full_like(z, np.nan)
        if self.scalar:
            delta = (self.family.mean(z[:, 0]) - y)[:, None]
        else:
            delta = np.exp(z - np.maximum.reduce(z, axis=1, keepdims=True))  # softmax, max-shifted as in lib.softmax
            delta /= np.add.reduce(delta, axis=1, keepdims=True)
            delta[self._rows(len(y)), y] -= 1
        delta *= 1 / len(y)
        return delta.astype(z.dtype, copy=False)


HEADS = {
    "softmax": CATEGORICAL, "categorical": CATEGORICAL, "cross_entropy": CATEGORICAL,
    "sigmoid": BERNOULLI, "bernoulli": BERNOULLI, "binary_cross_entropy": BERNOULLI,
    "gaussian": GAUSSIAN, "squared_error": GAUSSIAN, "poisson": POISSON,
}


def _head(loss):
    if isinstance(loss, Family):
        return Head(loss)
    if loss not in HEADS:
        raise ValueError(f"loss must be a lib.glm family or one of {sorted(HEADS)}, got {loss!r}")
    return Head(HEADS[loss])


# --------------------------------------------------------------------------- the objective
class NetworkObjective(FiniteSumObjective):
    r"""A network and a loss on data as a finite-sum objective: :math:`\ell_i(\theta) = \mathrm{NLL}(y_i, \text{net}_\theta(x_i))`.

    Follows the interface of :mod:`lib.objectives` (``n``, ``dim``,
    ``loss(theta, idx=None)``, ``grad(theta, idx=None)``), so
    :func:`lib.gradient_descent.descend` trains it. ``loss`` is a
    :class:`lib.glm.Family` or a name in :data:`HEADS` (``"softmax"``,
    ``"sigmoid"``, ``"gaussian"``, ``"poisson"``).

    Both methods run the model in its current mode. ``grad`` is a training
    pass: it updates batch-norm running statistics and advances dropout
    masks; ``loss`` changes nothing. Under batch norm the loss of a batch
    depends on the whole batch, so :math:`\ell_i` is defined only in eval
    mode. Arithmetic overflow gives ``inf``/``nan`` without a warning; the
    gradient is then NaN, which :func:`lib.gradient_descent.descend` reports
    as divergence at that step.
    """

    def __init__(self, model, X, y, loss="softmax"):
        if not isinstance(model, Sequential):
            raise ValueError(f"model must be a Sequential, got {model!r}")
        self.model, self.head = model, _head(loss)
        self.X = self._inputs(X)
        self.n, self.dim = self.X.shape[0], model.dim
        self.y = self.head.targets(y, self.n, model.out_features)

    def _inputs(self, X):
        X = self.model.inputs(X)
        if X.shape[0] == 0 or not np.isfinite(X).all():
            raise ValueError(f"X must be a non-empty array of finite numbers, got shape {X.shape}")
        if self.model.in_features is not None and X.shape[1] != self.model.in_features:
            raise ValueError(f"X must have {self.model.in_features} features for layer 0, got shape {X.shape}")
        return X

    def _theta(self, theta):
        theta = np.asarray(theta)
        if theta.shape != (self.dim,) or theta.dtype.kind not in "fiu":
            raise ValueError(f"theta must be a real array of shape ({self.dim},), got shape {theta.shape}")
        if not np.isfinite(theta).all():
            raise ValueError("theta must contain only finite numbers")
        return theta

    def _batch(self, idx):
        if idx is None:
            return self.X, self.y
        idx = self._idx(idx)
        return self.X[idx], self.y[idx]

    def output(self, theta, X=None):
        """The network's output :math:`z` for ``X`` (the training inputs when None); no state update."""
        X = self.X if X is None else self._inputs(X)
        with np.errstate(all="ignore"):
            return self.model.forward(self._theta(theta), X, update_state=False)[0]

    def loss(self, theta, idx=None):
        r""":math:`\frac{1}{|B|}\sum_{i\in B}\ell_i(\theta)` (all examples when ``idx`` is None)."""
        X, y = self._batch(idx)
        with np.errstate(all="ignore"):
            z, _ = self.model._forward(self._theta(theta), X, False)
            return self.head.loss(z, y)

    def grad(self, theta, idx=None):
        r""":math:`\frac{1}{|B|}\sum_{i\in B}\nabla\ell_i(\theta)` by backpropagation, shape ``(dim,)``; a training pass.

        Returns the model's gradient buffer, **overwritten by the next call**
        (``.copy()`` it to keep it): a fresh parameter-sized array per step
        would cost more than the arithmetic -- new memory is page-faulted in
        on every step -- as ``python -m tests.bench_nn`` shows.
        """
        X, y = self._batch(idx)
        with np.errstate(all="ignore"):
            z, tape = self.model._forward(self._theta(theta), X, True)
            return self.model.backward(self.head.grad(z, y), tape)

    def per_example_grads(self, theta):
        r"""Rows :math:`\nabla\ell_i(\theta)`, shape ``(n, dim)``, one backward pass per example.

        Undefined in training mode under batch norm or dropout (the loss of an
        example depends on its batch or on a random mask): ValueError.
        """
        if self.model.training and any(isinstance(layer, (BatchNorm, Dropout)) for layer in self.model.layers):
            raise ValueError("per_example_grads is undefined for a model with batch norm or dropout in training mode")
        theta = self._theta(theta)
        rows = np.empty((self.n, self.dim), self.model.dtype)
        with np.errstate(all="ignore"):
            for i in range(self.n):
                z, tape = self.model._forward(theta, self.X[i : i + 1], False)
                self.model.backward(self.head.grad(z, self.y[i : i + 1]), tape, rows[i])
        return rows

    def accuracy(self, theta, X=None, y=None):
        """Fraction of correct predictions: argmax of the logits, or :math:`z > 0` for one output unit."""
        z = self.output(theta, X)
        y = self.y if y is None else np.asarray(y)
        predicted = np.argmax(z, axis=1) if z.shape[1] > 1 else (z[:, 0] > 0).astype(int)
        if y.shape != predicted.shape:
            raise ValueError(f"y must have shape {predicted.shape}, got {y.shape}")
        return float(np.mean(predicted == y))


# --------------------------------------------------------------------------- the GLM chapter's network
class TwoLayerNet(NetworkObjective):
    r"""A one-hidden-layer tanh network whose output layer is a GLM on learned features.

    .. math::
        h_i = \tanh(W x_i + c), \qquad z_i = v^\top h_i + b, \qquad
        \mu_i = g^{-1}(z_i), \qquad \ell_i = \mathrm{NLL}(y_i, z_i),

    with :math:`m` hidden units: ``Sequential([Linear(d, m), Activation("tanh"),
    Linear(m, 1)])`` with the family's :class:`Head`. The output activation is
    the family's *inverse* link; backpropagation starts from
    :math:`\partial\ell_i/\partial z_i = \mu_i - y_i` (Rumelhart, Hinton &
    Williams 1986; Mohamed 2015, "A statistical view of deep learning (I):
    Recursive GLMs"). The flat layout is ``theta = (W.ravel(), c, v, b)``.
    Scalar-response families only (Gaussian, Bernoulli, Poisson).
    """

    def __init__(self, family, X, y, hidden=8):
        if isinstance(family, Categorical) or not isinstance(family, Family):
            raise ValueError(f"family must be GAUSSIAN, BERNOULLI or POISSON, got {family!r}")
        X = data_matrix(X)
        self.family, self.d, self.m = family, X.shape[1], checks.integer("hidden", hidden, 1)
        model = Sequential([Linear(self.d, self.m), Activation("tanh"), Linear(self.m, 1)])
        super().__init__(model, X, y, family)

    def unpack(self, theta):
        """``(W, c, v, b)``, views into ``theta``."""
        (first, _, last) = self.model.params(self._theta(theta))
        return first["W"], first["b"], last["W"][0], last["b"][0]

    def init(self, seed=0, scale=1.0):
        r"""Random start: :math:`W_{jk} \sim \mathcal N(0, \text{scale}^2/d)`, :math:`c \sim \mathcal N(0, 1)`, :math:`v, b = 0`."""
        rng = np.random.default_rng(checks.integer("seed", seed, 0))
        W = rng.standard_normal((self.m, self.d)) * checks.positive("scale", scale) / math.sqrt(self.d)
        return np.concatenate([W.ravel(), rng.standard_normal(self.m), np.zeros(self.m + 1)])

    def features(self, theta, X=None):
        """Learned features :math:`h` (for the training inputs when ``X`` is None)."""
        X = self.X if X is None else self._inputs(data_matrix(X))
        return self.model.activations(self._theta(theta), X)[1]

    def eta(self, theta, X=None):
        r"""Linear predictor :math:`z = v^\top h + b`."""
        return self.output(theta, None if X is None else data_matrix(X))[:, 0]

    def predict(self, theta, X=None):
        r""":math:`\mu = g^{-1}(z)`."""
        return self.family.mean(self.eta(theta, X))
