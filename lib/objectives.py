r"""Finite-sum objectives :math:`f(\theta) = \frac{1}{N} \sum_{i=1}^{N} \ell_i(\theta)`.

Empirical risk is an average of per-example losses (Bottou, Curtis & Nocedal
2018, "Optimization Methods for Large-Scale Machine Learning", SIAM Review
60(2), §2-3). Every objective in this module -- and every objective later
chapters add -- follows one interface, which is all that
:mod:`lib.gradient_descent` relies on:

``n``
    number of examples :math:`N`.
``dim``
    number of parameters; ``theta`` is always a 1-D float array of shape ``(dim,)``.
``loss(theta, idx=None) -> float``
    :math:`\frac{1}{|B|} \sum_{i \in B} \ell_i(\theta)` for the index array
    ``idx`` :math:`= B`; the full objective :math:`f(\theta)` when ``idx`` is None.
``grad(theta, idx=None) -> ndarray (dim,)``
    :math:`\frac{1}{|B|} \sum_{i \in B} \nabla \ell_i(\theta)`; the full gradient when ``idx`` is None.
``per_example_grads(theta) -> ndarray (n, dim)`` -- optional
    row :math:`i` is :math:`\nabla \ell_i(\theta)`; the rows average to
    ``grad(theta)``. Only the gradient-noise functions of
    :mod:`lib.gradient_descent` need it; it is undefined under batch
    normalization and too large for a network, so :func:`~lib.gradient_descent.descend`
    never calls it.

``idx`` is a non-empty 1-D integer array with entries in ``[0, n)``; repeats
are allowed and counted (sampling with replacement). Inputs are validated
(``ValueError`` naming the argument). No method emits a RuntimeWarning: where
the arithmetic overflows, the result is ``inf`` or ``nan`` and the caller is
expected to test ``np.isfinite`` (as :func:`lib.gradient_descent.descend` does).

Subclassing :class:`FiniteSumObjective` gives the validation for free.
"""

import numbers
from functools import cached_property

import numpy as np

from lib import checks

__all__ = [
    "FiniteSumObjective",
    "LeastSquares",
    "TiltedLandscape",
    "SharpWideLandscape",
    "SaddleLandscape",
]


class FiniteSumObjective:
    """Base class: the interface above plus argument checking for subclasses."""

    n: int
    dim: int

    def loss(self, theta, idx=None):
        r""":math:`\frac{1}{|B|} \sum_{i \in B} \ell_i(\theta)`; :math:`f(\theta)` when ``idx`` is None."""
        raise NotImplementedError

    def grad(self, theta, idx=None):
        r""":math:`\frac{1}{|B|} \sum_{i \in B} \nabla \ell_i(\theta)`, shape ``(dim,)``."""
        raise NotImplementedError

    def _theta(self, theta):
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.dim,):
            raise ValueError(f"theta must have shape ({self.dim},), got {theta.shape}")
        if not np.isfinite(theta).all():
            raise ValueError("theta must contain only finite numbers")
        return theta

    def _rows(self, idx):
        """Design rows ``A`` and targets ``y`` of the examples in ``idx`` (all when None)."""
        if idx is None:
            return self.A, self.y
        idx = self._idx(idx)
        return self.A[idx], self.y[idx]

    def _idx(self, idx):
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
            raise ValueError(f"idx must be a non-empty 1-D integer array, got {idx!r}")
        if idx.astype(np.uint64).max() >= self.n:  # negative entries wrap to huge unsigned values
            raise ValueError(f"idx entries must lie in [0, {self.n}), got {idx.min()}..{idx.max()}")
        return idx


# --------------------------------------------------------------------------
# Least squares
# --------------------------------------------------------------------------


def data_matrix(X):
    """``X`` as a finite float array of shape ``(n, d)``, ``n, d >= 1`` (ValueError naming ``X`` otherwise)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a 2-D array of shape (n, d) with n, d >= 1, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must contain only finite numbers")
    return X


def design_matrix(X):
    r"""Augmented rows :math:`a_i = (x_i, 1)`, so :math:`a_i^\top \theta = w^\top x_i + b` with :math:`\theta = (w, b)`."""
    X = data_matrix(X)
    return np.column_stack([X, np.ones(X.shape[0])])


def __getattr__(name):
    """``LeastSquares`` is the Gaussian GLM without its constant: one implementation, :class:`lib.glm.LeastSquares`.

    Imported on first use (``lib.glm`` builds on this module, so it cannot be imported at the top).
    """
    if name == "LeastSquares":
        from lib.glm import LeastSquares

        return LeastSquares
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------
# Tilted nonconvex landscapes
# --------------------------------------------------------------------------


def _centred_tilts(n, dim, noise, rng):
    r"""Draw :math:`c_i \sim \mathcal{N}(0, \text{noise}^2 I)` and centre them so that :math:`\sum_i c_i = 0` exactly.

    The centred draws are rounded to a dyadic grid of spacing
    :math:`2^{\lfloor \log_2 \text{noise} \rfloor - 20}`; every partial sum is
    then an exactly representable multiple of the spacing (each tilt is
    below :math:`2^{24}` spacings and :math:`n \le 2^{28}`, so sums stay
    below :math:`2^{53}`), the last tilt can absorb the rounding remainder,
    and the sum is zero in floating point, in any summation order. The
    rounding changes each tilt by a relative :math:`\approx 2^{-21}`.
    """
    if noise == 0.0:
        return np.zeros((n, dim))
    z = rng.standard_normal((n, dim))
    spacing = 2.0 ** (np.floor(np.log2(noise)) - 20)
    units = np.rint(noise * (z - z.mean(axis=0)) / spacing)
    units[-1] -= units.sum(axis=0)
    return units * spacing


class TiltedLandscape(FiniteSumObjective):
    r"""A nonconvex finite sum whose mini-batch noise is known exactly.

    .. math::
        \ell_i(\theta) = f_0(\theta) + c_i^\top \theta, \qquad
        c_i \sim \mathcal{N}(0, \text{noise}^2 I), \qquad \sum_{i=1}^{N} c_i = 0,

    so :math:`f = f_0` and :math:`\nabla f = \nabla f_0` exactly, and a
    mini-batch gradient is :math:`\nabla f_0(\theta) + \bar c_B`: the true
    gradient plus noise that does not depend on :math:`\theta`, with
    covariance :math:`\Sigma / |B|` (with replacement) where
    :math:`\Sigma = \frac1N \sum_i c_i c_i^\top \approx \text{noise}^2 I`.
    This is the additive-noise model of SGD used to study escape from sharp
    minima and saddles (Zhu, Wu, Yu, Wu & Ma 2019, "The Anisotropic Noise in
    Stochastic Gradient Descent", ICML; Ge, Huang, Jin & Yuan 2015, "Escaping
    From Saddle Points -- Online Stochastic Gradient for Tensor
    Decomposition", COLT).

    ``f0`` is a landscape object with ``dim``, ``value``, ``grad``,
    ``hessian``, ``minima`` and ``saddles`` (see :class:`SharpWideLandscape`
    and :class:`SaddleLandscape`).
    """

    def __init__(self, f0, n=1000, noise=1.0, seed=0):
        self.f0 = f0
        self.n, self.dim = checks.integer("n", n, 1, 2**28), f0.dim
        self.noise = _landscape_noise(noise)
        rng = np.random.default_rng(checks.integer("seed", seed, 0))
        self.tilts = _centred_tilts(self.n, self.dim, self.noise, rng)

    def _mean_tilt(self, idx):
        if idx is None:
            return np.zeros(self.dim)
        idx = self._idx(idx)
        return np.add.reduce(self.tilts[idx], axis=0) / len(idx)

    @np.errstate(all="ignore")
    def loss(self, theta, idx=None):
        r""":math:`f_0(\theta) + \bar c_B^\top \theta` (just :math:`f_0(\theta)` when ``idx`` is None)."""
        theta = self._theta(theta)
        return float(self.f0.value(theta) + self._mean_tilt(idx) @ theta)

    def grad(self, theta, idx=None):
        r""":math:`\nabla f_0(\theta) + \bar c_B` (``f0.grad`` guards its own floating-point errors)."""
        return self.f0.grad(self._theta(theta)) + self._mean_tilt(idx)

    @np.errstate(all="ignore")
    def per_example_grads(self, theta):
        r"""Rows :math:`\nabla f_0(\theta) + c_i`, shape ``(n, dim)``."""
        return self.f0.grad(self._theta(theta)) + self.tilts

    @np.errstate(all="ignore")
    def hessian(self, theta):
        r""":math:`\nabla^2 f(\theta) = \nabla^2 f_0(\theta)` (the tilts are linear)."""
        return self.f0.hessian(self._theta(theta))

    def tilt_covariance(self):
        r""":math:`\Sigma = \frac1N \sum_i c_i c_i^\top`, the per-example gradient-noise covariance."""
        return self.tilts.T @ self.tilts / self.n

    def minima(self):
        """Local minima of :math:`f = f_0`, shape ``(k, dim)``, lowest value first."""
        return self.f0.minima()

    def saddles(self):
        """Saddle points of :math:`f = f_0`, shape ``(m, dim)``."""
        return self.f0.saddles()




def _landscape_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not (
        noise == 0 or 1e-100 <= noise <= 1e100
    ):
        raise ValueError(f"noise must be 0 or a number in [1e-100, 1e100], got {noise!r}")
    return float(noise)






def _bisect_roots(g, a, b, points=4097, iterations=80):
    """All sign changes of the scalar function ``g`` on ``[a, b]``, refined by bisection (vectorized)."""
    x = np.linspace(a, b, points)
    gx = g(x)
    lo = np.flatnonzero(np.sign(gx[:-1]) * np.sign(gx[1:]) <= 0)
    left, right = x[lo], x[lo + 1]
    for _ in range(iterations):
        mid = 0.5 * (left + right)
        same_sign = np.sign(g(mid)) == np.sign(g(left))
        left, right = np.where(same_sign, mid, left), np.where(same_sign, right, mid)
    return np.unique(np.round(0.5 * (left + right), 12))


class SharpWideLandscape:
    r"""A wide, deep bowl with a sharp, shallow dimple on its side (2 parameters).

    .. math::
        f_0(x, y) = \tfrac{a}{2}(x^2 + y^2)
        - D \exp\!\Bigl(-\frac{(x - d)^2 + y^2}{2 s^2}\Bigr).

    The bowl (curvature :math:`a`) has its *wide, deep* global minimum near
    the origin; the Gaussian dimple at :math:`(d, 0)` (depth :math:`D`,
    width :math:`s`) makes a *sharp* (curvature :math:`\approx D/s^2`),
    *shallow* local minimum on the bowl's flank. Gradient descent with
    :math:`\eta\,\lambda_{\max} < 2` stays in whichever basin it starts in;
    mini-batch noise lets SGD hop out of the shallow one (Keskar et al. 2017,
    "On Large-Batch Training for Deep Learning: Generalization Gap and Sharp
    Minima", ICLR; Zhu et al. 2019; Wu, Ma & E 2018, "How SGD Selects the
    Global Minima in Over-parameterized Learning", NeurIPS).

    All stationary points lie on the :math:`x` axis (since
    :math:`\partial_y f_0 = y\,(a + \tfrac{D}{s^2} e^{\cdots}) = 0 \Rightarrow y = 0`),
    between :math:`0` and :math:`d`; they are found by bisection.
    ``value``, ``grad`` and ``hessian`` broadcast over leading axes of
    ``theta[..., 2]`` (handy for contour plots).
    """

    dim = 2

    def __init__(self, curvature=1.0, depth=1.0, width=0.25, distance=1.5):
        self.a = checks.positive("curvature", curvature)
        self.D = checks.positive("depth", depth)
        self.s = checks.positive("width", width)
        self.d = checks.positive("distance", distance)
        self.centre = np.array([self.d, 0.0])

    def _dimple(self, theta):
        r"""Offset :math:`u = \theta - (d, 0)` and dimple height :math:`D e^{-\lVert u\rVert^2 / 2s^2}`."""
        u = np.asarray(theta, dtype=float) - self.centre
        return u, self.D * np.exp(-np.add.reduce(u * u, axis=-1) / (2 * self.s**2))

    @np.errstate(all="ignore")
    def value(self, theta):
        r""":math:`f_0(\theta)`."""
        theta = np.asarray(theta, dtype=float)
        _, height = self._dimple(theta)
        return 0.5 * self.a * np.add.reduce(theta * theta, axis=-1) - height

    @np.errstate(all="ignore")
    def grad(self, theta):
        r"""Gradient, with :math:`u = \theta - (d, 0)`.

        .. math:: \nabla f_0 = a\,\theta + \frac{D}{s^2} e^{-\lVert u\rVert^2/2s^2}\, u
        """
        u, height = self._dimple(theta)
        return self.a * np.asarray(theta, dtype=float) + (height / self.s**2)[..., None] * u

    @np.errstate(all="ignore")
    def hessian(self, theta):
        r""":math:`\nabla^2 f_0 = a I + \frac{D}{s^2} e^{-\lVert u\rVert^2/2s^2} (I - u u^\top / s^2)`."""
        u, height = self._dimple(theta)
        outer = u[..., :, None] * u[..., None, :]
        pull = (height / self.s**2)[..., None, None]
        return self.a * np.eye(2) + pull * (np.eye(2) - outer / self.s**2)

    @cached_property
    def _stationary_points(self):
        """(minima, saddles), found once by bisection: the landscape's parameters never change."""
        def slope_on_axis(x):
            return self.grad(np.stack([x, np.zeros_like(x)], axis=-1))[..., 0]

        xs = _bisect_roots(slope_on_axis, 0.0, self.d)
        points = np.stack([xs, np.zeros_like(xs)], axis=-1)
        curvature_x = self.hessian(points)[:, 0, 0]
        return points[curvature_x > 0], points[curvature_x < 0]

    def minima(self):
        """Local minima, shape ``(k, 2)``, lowest first: ``minima()[0]`` is the wide global one."""
        points = self._stationary_points[0]
        return points[np.argsort(self.value(points))]

    def saddles(self):
        """Saddle points (maxima along :math:`x`, minima along :math:`y`), shape ``(m, 2)``."""
        return self._stationary_points[1].copy()


class SaddleLandscape:
    r"""A strict saddle between two minima.

    .. math::
        f_0(x, y) = \tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2,

    with a saddle at :math:`(0, 0)` (Hessian :math:`\mathrm{diag}(1, -1)`)
    and global minima at :math:`(0, \pm 1)` (Hessian :math:`\mathrm{diag}(1, 2)`).
    Gradient descent started on the line :math:`y = 0` never leaves it and
    converges to the saddle; any noise in :math:`y` is amplified by
    :math:`1 + \eta` per step and carries SGD to a minimum (Ge et al. 2015;
    Lee, Simchowitz, Jordan & Recht 2016, "Gradient Descent Only Converges
    to Minimizers", COLT). ``value``, ``grad`` and ``hessian`` broadcast over
    leading axes of ``theta[..., 2]``.
    """

    dim = 2

    @np.errstate(all="ignore")
    def value(self, theta):
        r""":math:`f_0(\theta)`."""
        theta = np.asarray(theta, dtype=float)
        x, y = theta[..., 0], theta[..., 1]
        return 0.5 * x * x + 0.25 * y * y * (y * y - 2)  # factored: +inf, not nan, on overflow

    @np.errstate(all="ignore")
    def grad(self, theta):
        r""":math:`\nabla f_0 = (x,\ y^3 - y)`."""
        theta = np.asarray(theta, dtype=float)
        x, y = theta[..., 0], theta[..., 1]
        return np.stack([x, y * (y * y - 1)], axis=-1)

    @np.errstate(all="ignore")
    def hessian(self, theta):
        r""":math:`\nabla^2 f_0 = \mathrm{diag}(1,\ 3y^2 - 1)`."""
        y = np.asarray(theta, dtype=float)[..., 1]
        diagonal = np.stack([np.ones_like(y), 3 * y * y - 1], axis=-1)
        return diagonal[..., :, None] * np.eye(2)

    def minima(self):
        """The two global minima :math:`(0, \\pm 1)`, shape ``(2, 2)``."""
        return np.array([[0.0, -1.0], [0.0, 1.0]])

    def saddles(self):
        """The saddle :math:`(0, 0)`, shape ``(1, 2)``."""
        return np.array([[0.0, 0.0]])
