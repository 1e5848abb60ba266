r"""Finite-difference gradient checking.

Before trusting a hand-derived gradient we compare it with a numerical one
(Goodfellow, Bengio & Courville 2016, *Deep Learning*, §11.5 "Debugging
Strategies"; Nocedal & Wright 2006, *Numerical Optimization*, §8.1).

* :func:`numerical_gradient` -- central differences, error :math:`O(h^2)`.
* :func:`relative_error` -- a scale-free distance between two gradients.
* :func:`check_gradient` -- the two combined.

Rule of thumb for float64 with ``h = 1e-5``: a relative error below
:math:`10^{-7}` means the gradient is right; above :math:`10^{-3}` it is wrong.
Relative errors are meaningless where the gradient itself vanishes (at a
stationary point), so check at generic points.
"""


import numpy as np

from lib import checks

__all__ = ["numerical_gradient", "relative_error", "check_gradient"]




def _finite_array(name, x):
    x = np.array(x, dtype=float)  # a copy: the caller's array is never touched
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must contain only finite numbers")
    return x


def _scalar_value(f, x):
    value = f(x)
    if np.ndim(value) != 0:
        raise ValueError(f"f must return a scalar, got shape {np.shape(value)}")
    return float(value)


def numerical_gradient(f, x, h=1e-5):
    r"""Central-difference gradient of a scalar function ``f`` at ``x``.

    .. math::
        \frac{\partial f}{\partial x_j}(x) \approx
        \frac{f(x + h\,e_j) - f(x - h\,e_j)}{2h},

    whose truncation error is :math:`O(h^2)` (Nocedal & Wright 2006,
    *Numerical Optimization*, §8.1). ``x`` may have any shape; the result
    has the same shape. ``f`` is called :math:`2\,\mathrm{size}(x)` times, each
    time on a fresh copy, so neither the caller's ``x`` nor ``f`` side effects
    on its argument can corrupt the estimate. ``h`` is an absolute step.
    """
    h = checks.positive("h", h)
    x = _finite_array("x", x)
    grad = np.empty_like(x)
    for j in range(x.size):  # one coordinate at a time: f takes a single point
        e_j = np.zeros_like(x)
        e_j.flat[j] = h
        grad.flat[j] = (_scalar_value(f, x + e_j) - _scalar_value(f, x - e_j)) / (2 * h)
    return grad


def relative_error(a, b):
    r"""Normwise relative error between two arrays of the same shape.

    .. math::
        \operatorname{err}(a, b) =
        \frac{\lVert a - b \rVert_2}{\max(\lVert a \rVert_2 + \lVert b \rVert_2,\ 10^{-12})},

    a normwise form of the symmetric relative error used for gradient checks
    (Goodfellow et al. 2016, *Deep Learning*, §11.5; Karpathy, CS231n notes,
    "Gradient checks"). It lies in :math:`[0, 1]`. The norm is used rather than the
    worst entry so that entries that are nearly zero -- where finite
    differences have only absolute accuracy -- do not dominate; the floor
    :math:`10^{-12}` makes the error absolute (divided by :math:`10^{-12}`)
    for vectors that are essentially zero. Inputs larger than 1 are scaled
    down before the norms are taken, so huge inputs do not overflow.
    Returns ``inf`` if either array contains NaN or infinity.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    scale = max(np.max(np.abs(a), initial=1.0), np.max(np.abs(b), initial=1.0))
    a, b = a / scale, b / scale  # entries now in [-1, 1]: no overflow below
    denominator = max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12 / scale)
    return float(np.linalg.norm(a - b) / denominator)


def check_gradient(f, grad, x, h=1e-5):
    r"""Relative error between an analytic gradient and central differences.

    .. math::
        \operatorname{err}\bigl(\nabla f(x),\ \widehat{\nabla} f(x)\bigr),

    with :math:`\widehat{\nabla} f` from :func:`numerical_gradient` and
    :math:`\operatorname{err}` from :func:`relative_error` (Goodfellow et al.
    2016, §11.5). Small (< 1e-7) means ``grad`` is very likely correct.
    """
    x = _finite_array("x", x)
    analytic = np.asarray(grad(x.copy()), dtype=float)
    if analytic.shape != x.shape:
        raise ValueError(f"grad must return an array of shape {x.shape}, got {analytic.shape}")
    return relative_error(analytic, numerical_gradient(f, x, h))
