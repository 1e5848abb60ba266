r"""Softmax and log-sum-exp, exact for every finite input.

.. math::
    \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad
    \operatorname{LSE}(z) = \log \sum_j e^{z_j}
    = m + \operatorname{log1p}\Bigl(\sum_{j \ne j^\ast} e^{z_j - m}\Bigr),
    \quad m = z_{j^\ast} = \max_j z_j.

Subtracting the maximum changes nothing mathematically (softmax is
shift-invariant) and keeps every exponent :math:`\le 0`, so nothing
overflows (Bridle 1990, "Probabilistic Interpretation of Feedforward
Classification Network Outputs"; Goodfellow, Bengio & Courville 2016, §4.1
and §6.2.2.3). Two further choices make every result accurate to a few
ulps for *any* finite logits, up to the float maximum (the relative error is
at most about :math:`4u\,(K + \max_j |z_j - m|)`, :math:`u = 2^{-53}`,
tested against 60-digit references; the second term is the rounding of
:math:`z_j - m`, the problem's own conditioning):

* the log-probabilities are :math:`(z_k - m) - \operatorname{log1p}(s)`,
  never :math:`z_k - \operatorname{LSE}(z)`: the difference :math:`z_k - m`
  is exact whenever it matters (Sterbenz), and :math:`\operatorname{log1p}(s)
  \in [0, \log K]` is small, so a huge common offset (``1e15 + [0, 1, 2]``,
  ``[1e300, 1e300, 5]``) costs nothing;
* :math:`s = \sum_{j \ne j^\ast} e^{z_j - m}` leaves the largest term out
  and goes through ``log1p``, so :math:`\operatorname{LSE}(0, -40) =
  4.25\times 10^{-18}` is not rounded to 0 (Blanchard, Higham & Higham
  2021, "Accurately computing the log-sum-exp and softmax functions", IMA
  J. Numer. Anal. 41(4)).

Logits may be :math:`-\infty` (a masked class, probability 0); ``NaN`` and
:math:`+\infty` raise ``ValueError`` naming the argument.
"""
import numpy as np

from lib import checks


def _logits(z, name: str = "z") -> np.ndarray:
    z = checks.array(name, z)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry along its last axis, got shape {z.shape}")
    if (z == np.inf).any():
        raise ValueError(f"{name} must not contain +inf (finite logits, or -inf for a masked class)")
    return z


def _shifted(z: np.ndarray, axis: int):
    r"""``(m, z - m, log1p(s))`` with :math:`m = \max z`, :math:`s = \sum_{j \ne j^\ast} e^{z_j - m}` (keepdims).

    An all :math:`-\infty` slice gives :math:`m = -\infty`, ``z - m = nan``
    and :math:`\operatorname{log1p}(s) = 0`; callers decide what that means.
    """
    top = np.expand_dims(np.argmax(z, axis=axis), axis)
    m = np.take_along_axis(z, top, axis=axis)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # z - m < -max float is -inf; e^{-745} underflows to 0: both right
        d = z - m
        e = np.exp(d)
    np.put_along_axis(e, top, 0.0, axis=axis)
    s = np.sum(np.nan_to_num(e, nan=0.0), axis=axis, keepdims=True)
    return m, d, np.log1p(s)


def logsumexp(z, axis: int = -1) -> np.ndarray:
    r""":math:`\log\sum_j e^{z_j} = m + \operatorname{log1p}\bigl(\sum_{j\ne j^\ast} e^{z_j - m}\bigr)` along ``axis``.

    Never overflows below the float maximum (``LSE(1e308, 1e308)`` is
    :math:`10^{308} + \log 2`, rounded); keeps full relative accuracy when
    the result is near 0 because the largest term is 1 exactly and the rest
    go through ``log1p``. An all :math:`-\infty` slice gives :math:`-\infty`
    (:math:`\log 0`), without a warning.
    """
    z = _logits(z)
    m, _, log1p_s = _shifted(z, axis)
    with np.errstate(over="ignore"):  # 1.7e308 + log 2 may round to inf: the true value is above the float range
        out = m + log1p_s
    return np.squeeze(out, axis=axis)


def _finite_rows(z: np.ndarray, axis: int, name: str = "z") -> None:
    if (np.max(z, axis=axis) == -np.inf).any():
        raise ValueError(f"{name} must have a finite entry in every slice along axis {axis} (all -inf: 0/0)")


def log_softmax(z, axis: int = -1) -> np.ndarray:
    r""":math:`\log\operatorname{softmax}(z)_k = (z_k - m) - \operatorname{log1p}\bigl(\sum_{j\ne j^\ast} e^{z_j - m}\bigr)`.

    Accurate to a few ulps for any finite logits (module docstring); :math:`-\infty` only where
    the true value is below the float range (logits more than
    :math:`1.8\times10^{308}` below the maximum) or the logit is
    :math:`-\infty`. Every slice needs a finite entry.
    """
    z = _logits(z)
    _finite_rows(z, axis)
    _, d, log1p_s = _shifted(z, axis)
    return d - log1p_s


def softmax(z, axis: int = -1) -> np.ndarray:
    r""":math:`\operatorname{softmax}(z)_k = \exp\bigl(\log\operatorname{softmax}(z)_k\bigr)`; entries in :math:`[0, 1]`, rows sum to 1 within a few ulps."""
    with np.errstate(under="ignore"):  # a probability below 5e-324 is 0
        return np.exp(log_softmax(z, axis=axis))


# --------------------------------------------------------------------------
# Cross-entropy, temperature, the naive formula, alternatives to exp
# --------------------------------------------------------------------------
# (Cross-entropy loss for softmax outputs: Bridle 1990; Goodfellow, Bengio &
# Courville 2016, §6.2.2.3. Temperature: Hinton, Vinyals & Dean 2015,
# "Distilling the Knowledge in a Neural Network". Softmax regression, the GLM
# of the categorical distribution, is :class:`lib.glm.SoftmaxRegression`.)


def _logit_rows(logits, name="logits") -> np.ndarray:
    z = checks.finite_array(name, logits)
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
    r"""One-hot rows :math:`(e_{y_i})_k = \mathbb{1}(y_i = k)`, shape ``(m, classes)``; the book's only one-hot encoder."""
    K = checks.integer("classes", classes, 1)
    y = _class_labels(labels, np.atleast_1d(np.asarray(labels)).shape[0], K)
    out = np.zeros((y.size, K))
    out[np.arange(y.size), y] = 1.0
    return out


def softmax_nll(logits, labels) -> np.ndarray:
    r"""Per-example :math:`-\log\operatorname{softmax}(z_i)_{y_i}`, shape ``(m,)``, accurate for every finite logit.

    .. math::
        -\log\operatorname{softmax}(z)_y = (m - z_y) + \operatorname{log1p}\Bigl(\sum_{j\ne j^\ast} e^{z_j - m}\Bigr),
        \qquad m = z_{j^\ast} = \max_j z_j .

    When the true class has the largest logit this is
    :math:`\operatorname{log1p}\bigl(\sum_{j \ne y} e^{z_j - z_y}\bigr)`, so a
    margin of 40 gives :math:`4.25\times10^{-18}`, not 0; otherwise both terms
    are non-negative and nothing cancels. ``inf`` only when the true loss
    exceeds the float range (logits more than about :math:`1.8\times10^{308}`
    apart). Logits must be finite (Bridle 1990; Goodfellow et al. 2016, §6.2.2.3).
    """
    z = _logit_rows(logits)
    y = _class_labels(labels, z.shape[0], z.shape[1])
    m, _, log1p_s = _shifted(z, axis=1)
    with np.errstate(over="ignore"):  # m - z_y beyond the float range: the loss really is above 1.8e308
        nll = (m[:, 0] - z[np.arange(len(y)), y]) + log1p_s[:, 0]
    return nll + 0.0  # + 0.0 turns -0.0 into 0.0


def softmax_cross_entropy(logits, labels) -> float:
    r"""Mean softmax cross-entropy :math:`L = \frac{1}{m}\sum_i -\log\operatorname{softmax}(z_i)_{y_i}` (:func:`softmax_nll`).

    .. math::
        L = \frac{1}{m}\sum_{i=1}^{m} \bigl(\operatorname{LSE}(z_i) - z_{i, y_i}\bigr).

    ``logits`` is ``(K,)`` (one example; ``labels`` a single int) or
    ``(m, K)``; ``labels`` are integers in ``[0, K)``. Named apart from
    :func:`lib.information.cross_entropy`, which takes two distributions
    (Bridle 1990; Goodfellow et al. 2016, §6.2.2.3).
    """
    return float(np.mean(softmax_nll(logits, labels)))


def softmax_cross_entropy_grad(logits, labels) -> np.ndarray:
    r"""Gradient of :func:`softmax_cross_entropy` with respect to the logits.

    .. math::
        \frac{\partial L}{\partial z_{ik}} = \frac{1}{m}\bigl(p_{ik} - \mathbb{1}(y_i = k)\bigr),
        \qquad p_i = \operatorname{softmax}(z_i),

    same shape as ``logits`` (Bridle 1990; Goodfellow et al. 2016, §6.2.2.3).
    Every entry lies in :math:`[-1/m, 1/m]` for every finite logit.
    """
    z = checks.finite_array("logits", logits)
    rows = _logit_rows(z)
    y = _class_labels(labels, rows.shape[0], rows.shape[1])
    g = (softmax(rows) - one_hot(y, rows.shape[1])) / rows.shape[0]
    return g.reshape(z.shape)


def softmax_with_temperature(z, temperature: float) -> np.ndarray:
    r""":math:`\operatorname{softmax}(z / T)_k = e^{z_k/T} / \sum_j e^{z_j/T}` along the last axis.

    Computed as :math:`\operatorname{softmax}((z - \max z)/T)` (shift
    invariance), so :math:`z/T` never overflows, even for
    :math:`z = 10^{308}` and :math:`T = 10^{-3}`. :math:`T \to 0` tends to
    the one-hot vector of the argmax (ties shared), :math:`T \to \infty` to
    the uniform distribution (Hinton, Vinyals & Dean 2015, "Distilling the
    Knowledge in a Neural Network").
    """
    T = checks.positive("temperature", temperature)
    z = _logits(z)
    _finite_rows(z, -1)
    with np.errstate(over="ignore"):  # a gap beyond the float range is -inf: probability 0
        shifted = (z - np.max(z, axis=-1, keepdims=True)) / T
    return softmax(shifted)


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
    overflows, or :math:`e^{z_y}` alone underflows); see :func:`softmax_cross_entropy`.
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

    For ``"exp"`` this is :func:`softmax_cross_entropy`, convex in :math:`z` (Boyd &
    Vandenberghe 2004, §3.1.5: log-sum-exp is convex).
    """
    p = normalized_scores(z, transform)
    y = _class_labels(label, 1, p.shape[-1])[0]
    if np.ndim(p) != 1:
        raise ValueError(f"z must be 1-D (one example), got shape {np.shape(z)}")
    with np.errstate(all="ignore"):
        return float(-np.log(p[y]))
