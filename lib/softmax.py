r"""Softmax and log-sum-exp, computed stably.

.. math::
    \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad
    \operatorname{LSE}(z) = \log \sum_j e^{z_j}
    = m + \log \sum_j e^{z_j - m}, \quad m = \max_j z_j.

Subtracting the maximum changes nothing mathematically (softmax is
shift-invariant) and keeps every exponent :math:`\le 0`, so nothing
overflows (Bridle 1990, "Probabilistic Interpretation of Feedforward
Classification Network Outputs"; Goodfellow, Bengio & Courville 2016, §4.1
and §6.2.2.3).
"""
import numpy as np

from lib import checks
from lib.objectives import FiniteSumObjective, data_matrix


def _logits(z) -> np.ndarray:
    z = checks.array("z", z)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"z must have at least one entry along its last axis, got shape {z.shape}")
    return z


def logsumexp(z, axis: int = -1) -> np.ndarray:
    r""":math:`\log\sum_j e^{z_j}` along ``axis``, without overflow (max subtracted first)."""
    z = _logits(z)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # all -inf (or +inf) rows: nothing to subtract
    # z - m may overflow to -inf (exp gives the right 0); log(0) = -inf is right for an all -inf row
    with np.errstate(divide="ignore", over="ignore"):
        out = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def log_softmax(z, axis: int = -1) -> np.ndarray:
    r""":math:`\log\operatorname{softmax}(z)_k = z_k - \operatorname{LSE}(z)`, stable for any finite logits."""
    z = _logits(z)
    with np.errstate(over="ignore"):  # a gap beyond the float range gives -inf: probability 0
        return z - np.expand_dims(logsumexp(z, axis=axis), axis)


def softmax(z, axis: int = -1) -> np.ndarray:
    r""":math:`\operatorname{softmax}(z)_k = e^{z_k - \operatorname{LSE}(z)}`; rows sum to 1, entries in :math:`[0, 1]`."""
    return np.exp(log_softmax(z, axis=axis))


# --------------------------------------------------------------------------
# Cross-entropy, temperature, the naive formula, alternatives to exp
# --------------------------------------------------------------------------
# (Cross-entropy loss for softmax outputs: Bridle 1990; Goodfellow, Bengio &
# Courville 2016, §6.2.2.3. Temperature: Hinton, Vinyals & Dean 2015,
# "Distilling the Knowledge in a Neural Network". Softmax regression as the
# GLM of the categorical distribution: McCullagh & Nelder 1989, §5.)


def _logit_rows(logits, name="logits") -> np.ndarray:
    z = checks.array(name, logits)
    if z.ndim not in (1, 2) or z.shape[-1] < 1 or z.size == 0:
        raise ValueError(f"{name} must be a 1-D (K,) or 2-D (m, K) array with K >= 1, got shape {z.shape}")
    return np.atleast_2d(z)


def _class_labels(labels, m: int, K: int) -> np.ndarray:
    y = np.atleast_1d(np.asarray(labels))
    if y.shape != (m,):
        raise ValueError(f"labels must have shape ({m},) to match logits, got {y.shape}")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(int)
    if y.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"labels must lie in [0, {K}), got {y.min()}..{y.max()}")
    return y.astype(int)


def one_hot(labels, classes: int) -> np.ndarray:
    r"""One-hot rows :math:`(e_{y_i})_k = \mathbb{1}(y_i = k)`, shape ``(m, classes)``."""
    K = checks.integer("classes", classes, 1)
    y = _class_labels(labels, np.atleast_1d(np.asarray(labels)).shape[0], K)
    out = np.zeros((y.size, K))
    out[np.arange(y.size), y] = 1.0
    return out


def cross_entropy(logits, labels) -> float:
    r"""Mean softmax cross-entropy, via :func:`log_softmax` (never overflows).

    .. math::
        L = \frac{1}{m}\sum_{i=1}^{m} -\log \operatorname{softmax}(z_i)_{y_i}
          = \frac{1}{m}\sum_{i=1}^{m} \bigl(\operatorname{LSE}(z_i) - z_{i, y_i}\bigr).

    ``logits`` is ``(K,)`` (one example; ``labels`` a single int) or
    ``(m, K)``; ``labels`` are integers in ``[0, K)``. Finite for any finite
    logits whose spread fits in float64; ``inf`` only when
    :math:`\operatorname{LSE}(z) - z_y` itself overflows (logits more than
    about :math:`1.8\times10^{308}` apart). (Bridle 1990;
    Goodfellow et al. 2016, §6.2.2.3.)
    """
    z = _logit_rows(logits)
    y = _class_labels(labels, z.shape[0], z.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        nll = -log_softmax(z)[np.arange(len(y)), y]
    return float(np.mean(nll)) + 0.0  # + 0.0 turns -0.0 into 0.0


def cross_entropy_grad(logits, labels) -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math::
        \frac{\partial L}{\partial z_{ik}} = \frac{1}{m}\bigl(p_{ik} - \mathbb{1}(y_i = k)\bigr),
        \qquad p_i = \operatorname{softmax}(z_i),

    same shape as ``logits`` (Bridle 1990; Goodfellow et al. 2016, §6.2.2.3).
    Every entry lies in :math:`[-1/m, 1/m]`, even for logits of :math:`\pm 10^{4}`.
    """
    z = np.asarray(logits, dtype=float)
    rows = _logit_rows(z)
    y = _class_labels(labels, rows.shape[0], rows.shape[1])
    g = (softmax(rows) - one_hot(y, rows.shape[1])) / rows.shape[0]
    return g.reshape(z.shape)


def softmax_with_temperature(z, temperature: float) -> np.ndarray:
    r""":math:`\operatorname{softmax}(z / T)_k = e^{z_k/T} / \sum_j e^{z_j/T}` along the last axis.

    :math:`T \to 0` tends to the one-hot vector of the argmax (ties shared),
    :math:`T \to \infty` to the uniform distribution (Hinton, Vinyals & Dean
    2015, "Distilling the Knowledge in a Neural Network").
    """
    T = checks.positive("temperature", temperature)
    z = _logits(z)
    with np.errstate(over="ignore", under="ignore"):
        return softmax(z / T)


def naive_softmax(z) -> np.ndarray:
    r"""Textbook :math:`e^{z_k}/\sum_j e^{z_j}` *without* the max shift -- for demonstration only.

    Overflows for :math:`z_k \gtrsim 709.8` (:math:`e^{710} = \infty` in
    float64), giving ``inf/inf = nan``; underflows to ``0/0 = nan`` when every
    :math:`z_k \lesssim -745`. Floating-point errors are silenced so the
    failure shows as a value, not a warning. Use :func:`softmax` instead.
    """
    z = _logits(z)
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / np.sum(e, axis=-1, keepdims=True)


def naive_cross_entropy(logits, labels) -> float:
    r""":math:`-\frac1m\sum_i \log\bigl(\text{naive\_softmax}(z_i)_{y_i}\bigr)` -- the overflow-prone formula, silenced.

    Returns ``nan`` when the true class's :math:`e^{z_y}` overflows
    (:math:`z_y \gtrsim 709.8`, ``inf/inf``) or every exponential underflows
    (all :math:`z_j \lesssim -745`, ``0/0``), and ``inf`` when the true
    class's probability comes out as 0 (another logit's exponential
    overflows, or :math:`e^{z_y}` alone underflows); see :func:`cross_entropy`.
    """
    z = _logit_rows(logits)
    y = _class_labels(labels, z.shape[0], z.shape[1])
    with np.errstate(all="ignore"):
        return float(np.mean(-np.log(naive_softmax(z)[np.arange(len(y)), y])))


SCORE_TRANSFORMS = ("exp", "square", "relu")


def normalized_scores(z, transform: str = "exp") -> np.ndarray:
    r"""Scores made positive by ``transform`` and divided by their sum: :math:`g(z_k)/\sum_j g(z_j)`.

    ``"exp"`` is softmax (:math:`g = \exp`, computed stably); ``"square"``
    uses :math:`g(z) = z^2`; ``"relu"`` uses :math:`g(z) = \max(z, 0)`. The
    last two are the "just make the scores positive" alternatives: neither
    is shift-invariant, square is not monotone, and both give ``nan`` (0/0,
    silenced) when every :math:`g(z_j) = 0`. Compare Bridle (1990), who
    derives the exponential from class-conditional likelihood ratios.
    """
    z = _logits(z)
    if transform == "exp":
        return softmax(z)
    if transform not in SCORE_TRANSFORMS:
        raise ValueError(f"transform must be one of {SCORE_TRANSFORMS}, got {transform!r}")
    g = z * z if transform == "square" else np.maximum(z, 0.0)
    with np.errstate(all="ignore"):
        return g / np.sum(g, axis=-1, keepdims=True)


def normalized_score_loss(z, label: int, transform: str = "exp") -> float:
    r""":math:`-\log\bigl(g(z_y)/\sum_j g(z_j)\bigr)` for one example; ``inf`` when :math:`g(z_y) = 0`, ``nan`` for 0/0.

    For ``"exp"`` this is :func:`cross_entropy`, convex in :math:`z` (Boyd &
    Vandenberghe 2004, §3.1.5: log-sum-exp is convex).
    """
    p = normalized_scores(z, transform)
    y = _class_labels(label, 1, p.shape[-1])[0]
    if np.ndim(p) != 1:
        raise ValueError(f"z must be 1-D (one example), got shape {np.shape(z)}")
    with np.errstate(all="ignore"):
        return float(-np.log(p[y]))


class SoftmaxRegression(FiniteSumObjective):
    r"""Multinomial logistic (softmax) regression as a finite-sum objective.

    .. math::
        z_i = W^\top x_i + b, \qquad
        \ell_i(\theta) = \operatorname{LSE}(z_i) - z_{i, y_i}, \qquad
        \nabla_W \ell_i = x_i\,(p_i - e_{y_i})^\top, \quad
        \nabla_b \ell_i = p_i - e_{y_i},

    with :math:`W \in \mathbb{R}^{d\times K}`, :math:`b \in \mathbb{R}^K`
    and :math:`\theta = (\operatorname{vec}_{\text{row}}(W), b)`, so
    ``dim = (d + 1) K``. The objective is convex in :math:`\theta`
    (McCullagh & Nelder 1989, *Generalized Linear Models*, §5; Bishop 2006,
    *Pattern Recognition and Machine Learning*, §4.3.4).
    """

    def __init__(self, X, y, classes: int):
        X = data_matrix(X)
        self.K = checks.integer("classes", classes, 2)
        self.X = X
        self.n, self.d = X.shape
        self.y = _class_labels(y, self.n, self.K)
        self.dim = (self.d + 1) * self.K

    def unpack(self, theta):
        """``(W, b)`` with shapes ``(d, K)`` and ``(K,)`` from the flat ``theta``."""
        theta = self._theta(theta)
        return theta[: self.d * self.K].reshape(self.d, self.K), theta[self.d * self.K:]

    @staticmethod
    def pack(W, b) -> np.ndarray:
        """The flat ``theta`` for weights ``W`` (d, K) and biases ``b`` (K,)."""
        return np.concatenate([np.asarray(W, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()])

    def logits(self, theta, X=None) -> np.ndarray:
        r""":math:`Z = X W + \mathbf{1} b^\top`, shape ``(m, K)`` (training inputs when ``X`` is None)."""
        W, b = self.unpack(theta)
        X = self.X if X is None else np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.d:
            raise ValueError(f"X must have shape (m, {self.d}), got {X.shape}")
        with np.errstate(all="ignore"):
            return X @ W + b

    def predict_proba(self, theta, X=None) -> np.ndarray:
        r""":math:`\operatorname{softmax}(z_i)` row by row, shape ``(m, K)``."""
        with np.errstate(under="ignore"):
            return softmax(self.logits(theta, X))

    def predict(self, theta, X=None) -> np.ndarray:
        r""":math:`\hat y_i = \arg\max_k z_{ik}`."""
        return np.argmax(self.logits(theta, X), axis=1)

    def _rows(self, idx):
        if idx is None:
            return self.X, self.y
        idx = self._idx(idx)
        return self.X[idx], self.y[idx]

    def loss(self, theta, idx=None) -> float:
        r""":math:`\frac{1}{|B|}\sum_{i\in B} \bigl(\operatorname{LSE}(z_i) - z_{i,y_i}\bigr)`."""
        X, y = self._rows(idx)
        with np.errstate(under="ignore"):
            return cross_entropy(self.logits(theta, X), y)

    def grad(self, theta, idx=None) -> np.ndarray:
        r""":math:`\frac{1}{|B|}\bigl(X_B^\top (P_B - Y_B),\ \mathbf{1}^\top (P_B - Y_B)\bigr)`, flattened."""
        X, y = self._rows(idx)
        with np.errstate(under="ignore"):
            G = cross_entropy_grad(self.logits(theta, X), y)  # already divided by |B|
        return self.pack(X.T @ G, G.sum(axis=0))

    def per_example_grads(self, theta) -> np.ndarray:
        r"""Rows :math:`\bigl(\operatorname{vec}(x_i (p_i - e_{y_i})^\top),\ p_i - e_{y_i}\bigr)`, shape ``(n, dim)``."""
        with np.errstate(under="ignore"):
            R = self.predict_proba(theta) - one_hot(self.y, self.K)
        return np.concatenate([(self.X[:, :, None] * R[:, None, :]).reshape(self.n, -1), R], axis=1)
