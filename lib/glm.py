r"""Generalized linear models: exponential-family targets with canonical links.

A GLM (Nelder & Wedderburn 1972, "Generalized Linear Models", J. R. Stat.
Soc. A 135(3); McCullagh & Nelder 1989, *Generalized Linear Models*, 2nd ed.,
ch. 2) has three parts:

* a **random component**: :math:`y_i` follows an exponential-family
  distribution with mean :math:`\mu_i` and variance :math:`\phi\,V(\mu_i)`;
* a **systematic component**: the linear predictor :math:`\eta_i = x_i^\top\beta`;
* a **link** :math:`g` with :math:`g(\mu_i) = \eta_i`, i.e.
  :math:`\mu_i = g^{-1}(\eta_i)` -- the *inverse link* or *mean function*.

With the canonical link, :math:`\eta` is the natural parameter and for every
family

.. math::
    \frac{\partial\, \mathrm{NLL}(y, \eta)}{\partial \eta} = g^{-1}(\eta) - y = \mu - y,
    \qquad \frac{d\mu}{d\eta} = V(\mu),

which makes Newton's method and Fisher scoring (IRLS) the same algorithm
(McCullagh & Nelder 1989, §2.5). The families here, each with its canonical
link, are :data:`GAUSSIAN` (identity), :data:`BERNOULLI` (logit; mean
function :func:`lib.sigmoid.sigmoid`), :data:`POISSON` (log; mean function
exp) and :data:`CATEGORICAL` (multinomial logit; mean function
:func:`lib.softmax.softmax`). All losses are computed from :math:`\eta`, so
they are finite for any finite :math:`\eta` (Poisson: up to
:math:`\eta \approx 709`, beyond which :math:`e^\eta` itself exceeds the
float range and the loss is ``inf``).

Statistics texts write :math:`\eta` for the linear predictor, as this module
does; the book's chapters write :math:`z`, because :math:`\eta` is the
book's learning rate.
"""
from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from lib import checks
from lib.gradient_descent import Trajectory
from lib.objectives import FiniteSumObjective, design_matrix
from lib.sigmoid import log_sigmoid, logit, sigmoid
from lib.softmax import one_hot, softmax, softmax_nll

__all__ = [
    "Family", "Gaussian", "Bernoulli", "Poisson", "Categorical",
    "GAUSSIAN", "BERNOULLI", "POISSON", "CATEGORICAL", "FAMILIES",
    "design_matrix", "irls", "GLMObjective", "LeastSquares", "LogisticRegression", "SoftmaxRegression",
]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _log_factorial(y):
    """:math:`\\log y!` for non-negative integer counts (a cumulative table of logs; lgamma for huge counts)."""
    top = int(y.max()) if y.size else 0
    if top > 100_000:
        return _lgamma(y + 1).astype(float)
    table = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, top + 1)))])
    return table[y.astype(int)]


# --------------------------------------------------------------------------- argument checks
def _same_shape(y, eta):
    if y.shape != eta.shape:
        raise ValueError(f"y must have the shape of eta {eta.shape}, got {y.shape}")


def _xlogy(x, y):
    """:math:`x \\log y` with :math:`0 \\log 0 = 0` (no warning)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


# --------------------------------------------------------------------------- families
class Family:
    r"""An exponential family with its canonical link (McCullagh & Nelder 1989, Table 2.1).

    Subclasses define ``link`` :math:`g(\mu)`, ``mean`` :math:`g^{-1}(\eta)`,
    ``variance`` :math:`V(\mu)`, ``nll`` (per example, from :math:`\eta`),
    ``deviance`` (per example) and ``sample``. ``check_y`` validates targets.
    """

    name = "family"

    def __repr__(self):
        return f"{type(self).__name__}()"

    def grad_eta(self, y, eta):
        r""":math:`\partial\,\mathrm{NLL}/\partial\eta = g^{-1}(\eta) - y = \mu - y` (canonical link; McCullagh & Nelder 1989, §2.5)."""
        eta = checks.finite_array("eta", eta)
        y = self.check_y(y, eta.shape)
        return self.mean(eta) - y

    def deviance(self, y, eta):
        r"""Unit deviance :math:`d_i = 2\,[\mathrm{NLL}(y_i, \eta_i) - \mathrm{NLL}(y_i, g(y_i))]` (McCullagh & Nelder 1989, §2.3)."""
        eta = checks.finite_array("eta", eta)
        y = self.check_y(y, eta.shape)
        return 2.0 * (self.nll(y, eta) - self.saturated_nll(y))


class Gaussian(Family):
    r"""Normal with unit variance, identity link: :math:`\mu = \eta`, :math:`V(\mu) = 1`.

    :math:`\mathrm{NLL}(y, \eta) = \tfrac12 (y - \eta)^2 + \tfrac12 \log 2\pi`;
    deviance :math:`(y - \mu)^2`. Minimizing it is least squares
    (Gauss 1809; McCullagh & Nelder 1989, §2.2).
    """

    name = "Gaussian"

    def check_y(self, y, shape=None):
        y = checks.finite_array("y", y)
        if shape is not None:
            _same_shape(y, np.empty(shape))
        return y

    def link(self, mu):
        r""":math:`g(\mu) = \mu`."""
        return checks.finite_array("mu", mu).copy()

    def mean(self, eta):
        r""":math:`g^{-1}(\eta) = \eta`."""
        return checks.finite_array("eta", eta).copy()

    def variance(self, mu):
        r""":math:`V(\mu) = 1`."""
        return np.ones_like(checks.finite_array("mu", mu))

    def nll(self, y, eta):
        r""":math:`\tfrac12 (y - \eta)^2 + \tfrac12\log 2\pi` per example."""
        eta = checks.finite_array("eta", eta)
        y = self.check_y(y, eta.shape)
        return 0.5 * (y - eta) ** 2 + _HALF_LOG_2PI

    def saturated_nll(self, y):
        return np.full_like(y, _HALF_LOG_2PI)

    def deviance(self, y, eta):
        r""":math:`(y - \eta)^2`, computed directly (not as :math:`2\,[\mathrm{NLL} - \mathrm{NLL}_{\text{sat}}]`, which would add and remove :math:`\tfrac12\log 2\pi`)."""
        eta = checks.finite_array("eta", eta)
        y = self.check_y(y, eta.shape)
        return (y - eta) ** 2

    def sample(self, mu, rng):
        r""":math:`y \sim \mathcal{N}(\mu, 1)`."""
        mu = checks.finite_array("mu", mu)
        return mu + rng.standard_normal(mu.shape)


class Bernoulli(Family):
    r"""Bernoulli, logit link: :math:`\mu = \sigma(\eta)`, :math:`g(\mu) = \log\frac{\mu}{1-\mu}`, :math:`V(\mu) = \mu(1-\mu)`.

    :math:`\mathrm{NLL}(y, \eta) = -y\log\sigma(\eta) - (1-y)\log\sigma(-\eta)`,
    computed with :func:`lib.sigmoid.log_sigmoid` (Cox 1958, "The Regression
    Analysis of Binary Sequences", J. R. Stat. Soc. B 20(2)). The sigmoid is
    the *inverse* link; the logit is the link. ``y`` may be any value in
    :math:`[0, 1]` (then the NLL is the binary cross-entropy).
    """

    name = "Bernoulli"

    def check_y(self, y, shape=None):
        y = checks.finite_array("y", y)
        if shape is not None:
            _same_shape(y, np.empty(shape))
        if ((y < 0) | (y > 1)).any():
            raise ValueError("y must lie in [0, 1] for the Bernoulli family")
        return y

    def link(self, mu):
        r""":math:`g(\mu) = \operatorname{logit}\mu` (:func:`lib.sigmoid.logit`); :math:`\pm\infty` at 1 and 0."""
        mu = checks.array("mu", mu)
        if ((mu < 0) | (mu > 1)).any():
            raise ValueError("mu must lie in [0, 1] for the Bernoulli family")
        return logit(mu)

    def mean(self, eta):
        r""":math:`g^{-1}(\eta) = \sigma(\eta)` (:func:`lib.sigmoid.sigmoid`)."""
        return sigmoid(checks.finite_array("eta", eta))

    def variance(self, mu):
        r""":math:`V(\mu) = \mu(1 - \mu)`."""
        mu = checks.array("mu", mu)
        if ((mu < 0) | (mu > 1)).any():
            raise ValueError("mu must lie in [0, 1] for the Bernoulli family")
        return mu * (1 - mu)

    def nll(self, y, eta):
        r""":math:`-y\log\sigma(\eta) - (1-y)\log\sigma(-\eta)` per example (finite for finite :math:`\eta`)."""
        eta = checks.finite_array("eta", eta)
        y = self.check_y(y, eta.shape)
        return -(y * log_sigmoid(eta) + (1 - y) * log_sigmoid(-eta))

    def saturated_nll(self, y):
        return -(_xlogy(y, y) + _xlogy(1 - y, 1 - y))

    def sample(self, mu, rng):
        r""":math:`y \sim \mathrm{Bernoulli}(\mu)`."""
        mu = checks.finite_array("mu", mu)
        if ((mu < 0) | (mu > 1)).any():
            raise ValueError("mu must lie in [0, 1] for the Bernoulli family")
        return (rng.random(mu.shape) < mu).astype(float)


class Poisson(Family):
    r"""Poisson, log link: :math:`\mu = e^{\eta}`, :math:`g(\mu) = \log\mu`, :math:`V(\mu) = \mu`.

    :math:`\mathrm{NLL}(y, \eta) = e^{\eta} - y\,\eta + \log y!`; deviance
    :math:`2\,[y\log(y/\mu) - (y - \mu)]` with :math:`0\log 0 = 0`
    (McCullagh & Nelder 1989, ch. 6). ``y`` must be non-negative integers.
    """

    name = "Poisson"

    def check_y(self, y, shape=None):
        y = checks.finite_array("y", y)
        if shape is not None:
            _same_shape(y, np.empty(shape))
        if (y < 0).any() or (y != np.round(y)).any():
            raise ValueError("y must be non-negative integer counts for the Poisson family")
        return y

    def link(self, mu):
        r""":math:`g(\mu) = \log\mu`; :math:`-\infty` at 0."""
        mu = checks.array("mu", mu)
        if (mu < 0).any():
            raise ValueError("mu must be non-negative for the Poisson family")
        with np.errstate(divide="ignore"):
            return np.log(mu)

    def mean(self, eta):
        r""":math:`g^{-1}(\eta) = e^{\eta}` (``inf`` above :math:`\eta \approx 709`, without a warning)."""
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(checks.finite_array("eta", eta))

    def variance(self, mu):
        r""":math:`V(\mu) = \mu`."""
        mu = checks.array("mu", mu)
        if (mu < 0).any():
            raise ValueError("mu must be non-negative for the Poisson family")
        return mu.copy()

    def nll(self, y, eta):
        r""":math:`e^{\eta} - y\eta + \log y!` per example, computed from :math:`\eta`."""
        eta = checks.finite_array("eta", eta)
        y = self.check_y(y, eta.shape)
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(eta) - y * eta + _log_factorial(y)

    def saturated_nll(self, y):
        return y - _xlogy(y, y) + _log_factorial(y)

    def sample(self, mu, rng):
        r""":math:`y \sim \mathrm{Poisson}(\mu)`."""
        mu = checks.finite_array("mu", mu)
        if (mu < 0).any():
            raise ValueError("mu must be non-negative for the Poisson family")
        return rng.poisson(mu).astype(float)


class Categorical(Family):
    r"""Categorical over :math:`K` classes, multinomial-logit link: :math:`\mu = \operatorname{softmax}(\eta)`.

    :math:`\eta` has shape ``(n, K)``; targets are integer labels in
    :math:`[0, K)`. :math:`g(\mu) = \log\mu` (the canonical link, defined up
    to an additive constant per row: softmax is shift-invariant);
    :math:`V(\mu) = \operatorname{diag}(\mu) - \mu\mu^\top`;
    :math:`\mathrm{NLL}(y, \eta) = \operatorname{LSE}(\eta) - \eta_y`
    (Bridle 1990; McCullagh & Nelder 1989, §5.2.4). ``grad_eta`` returns
    :math:`\operatorname{softmax}(\eta) - e_y`.
    """

    name = "categorical"

    def check_y(self, y, shape=None):
        y = checks.finite_array("y", y)
        if y.ndim != 1 or (y != np.round(y)).any():
            raise ValueError("y must be a 1-D array of integer class labels")
        if shape is not None:
            if len(shape) != 2 or shape[0] != y.shape[0]:
                raise ValueError(f"y must have one label per row of eta {shape}, got shape {y.shape}")
            if ((y < 0) | (y >= shape[1])).any():
                raise ValueError(f"y must hold labels in [0, {shape[1]})")
        return y.astype(int)

    def _probabilities(self, mu):
        mu = checks.array("mu", mu)
        if mu.ndim != 2:
            raise ValueError(f"mu must have shape (n, K), got {mu.shape}")
        if (mu < 0).any() or (np.abs(mu.sum(axis=1) - 1) > 1e-9).any():
            raise ValueError("mu must have non-negative rows that sum to 1 (within 1e-9)")
        return mu

    def _logits(self, eta):
        eta = checks.finite_array("eta", eta)
        if eta.ndim != 2:
            raise ValueError(f"eta must have shape (n, K), got {eta.shape}")
        return eta

    def link(self, mu):
        r""":math:`g(\mu)_k = \log\mu_k` (one representative; any per-row shift gives the same :math:`\mu`)."""
        with np.errstate(divide="ignore"):
            return np.log(self._probabilities(mu))

    def mean(self, eta):
        r""":math:`g^{-1}(\eta) = \operatorname{softmax}(\eta)` (:func:`lib.softmax.softmax`)."""
        return softmax(self._logits(eta), axis=1)

    def variance(self, mu):
        r""":math:`V(\mu) = \operatorname{diag}(\mu) - \mu\mu^\top`, shape ``(n, K, K)``."""
        mu = self._probabilities(mu)
        return np.einsum("nk,kj->nkj", mu, np.eye(mu.shape[1])) - mu[:, :, None] * mu[:, None, :]

    def nll(self, y, eta):
        r""":math:`\operatorname{LSE}(\eta_i) - \eta_{i, y_i}` per example (:func:`lib.softmax.softmax_nll`)."""
        eta = self._logits(eta)
        return softmax_nll(eta, self.check_y(y, eta.shape))

    def grad_eta(self, y, eta):
        r""":math:`\operatorname{softmax}(\eta) - e_y`, shape ``(n, K)``."""
        eta = self._logits(eta)
        y = self.check_y(y, eta.shape)
        return self.mean(eta) - one_hot(y, eta.shape[1])

    def deviance(self, y, eta):
        r""":math:`2\,\mathrm{NLL}` (the saturated model puts probability 1 on the label)."""
        return 2.0 * self.nll(y, eta)

    def sample(self, mu, rng):
        r""":math:`y_i \sim \mathrm{Categorical}(\mu_i)` by inverting the cumulative sum."""
        mu = self._probabilities(mu)
        u = rng.random((mu.shape[0], 1))
        return np.minimum((np.cumsum(mu, axis=1) < u).sum(axis=1), mu.shape[1] - 1)


GAUSSIAN, BERNOULLI, POISSON, CATEGORICAL = Gaussian(), Bernoulli(), Poisson(), Categorical()
#: The families by name.
FAMILIES = {f.name: f for f in (GAUSSIAN, BERNOULLI, POISSON, CATEGORICAL)}


# --------------------------------------------------------------------------- fitting

def _irls_start(family, A, y):
    r""":math:`\theta_0 = (0, \dots, 0, g(\bar y))`, with :math:`\bar y` clipped into the link's domain."""
    theta = np.zeros(A.shape[1])
    if isinstance(family, Gaussian):
        theta[-1] = y.mean()
    else:
        ybar = float(np.clip(y.mean(), 1e-6, 1 - 1e-6)) if isinstance(family, Bernoulli) else max(float(y.mean()), 1e-6)
        theta[-1] = float(family.link(np.array(ybar)))
    return theta


@np.errstate(all="ignore")
def _newton_step(family, A, y, theta):
    r"""The Fisher-scoring step :math:`(A^\top W A)^{-1} A^\top (y - \mu)`; ``None`` if it is not a finite number."""
    mu = family.mean(A @ theta)
    weights = family.variance(mu)
    try:
        step = np.linalg.solve(A.T @ (weights[:, None] * A), A.T @ (y - mu))
    except np.linalg.LinAlgError:  # W underflowed to 0 (separation) or A is rank deficient
        return None
    return step if np.isfinite(step).all() else None


def irls(family, X, y, iterations=25, tol=1e-10):
    r"""Fit a scalar-response GLM with canonical link by iteratively reweighted least squares.

    Fisher scoring, which equals Newton's method for a canonical link
    (Nelder & Wedderburn 1972; McCullagh & Nelder 1989, §2.5):

    .. math::
        \theta_{t+1} = \theta_t + (A^\top W_t A)^{-1} A^\top (y - \mu_t),
        \qquad W_t = \operatorname{diag} V(\mu_t),

    i.e. weighted least squares on the working response
    :math:`z = \eta + (y - \mu)/V(\mu)`. Starts from
    :math:`\theta_0 = (0, \dots, 0, g(\bar y))`.

    Returns a :class:`lib.gradient_descent.Trajectory` (the type
    :func:`lib.gradient_descent.descend` returns): every iterate, its mean
    NLL, ``grads_evaluated`` :math:`= tN`, ``optimizer=None`` (the steps are
    Newton steps). ``converged`` is True when a step's largest entry fell
    below ``tol``, and False when ``iterations`` ran out first or the Newton
    system became singular or non-finite (then ``diverged_at`` is that
    iteration, which is not recorded). Non-convergence of a Bernoulli or
    Poisson fit almost always means that **no finite maximum-likelihood
    estimate exists**: separable classes (Albert & Anderson 1984, "On the
    existence of maximum likelihood estimates in logistic regression
    models", Biometrika 71(1)), or all :math:`y` at the boundary (all 0 or
    all 1; all Poisson counts 0). The iterates then grow without bound,
    about linearly in :math:`t`, while the NLL tends to its infimum. No
    warning is emitted.
    """
    if isinstance(family, Categorical) or not isinstance(family, Family):
        raise ValueError(f"family must be GAUSSIAN, BERNOULLI or POISSON, got {family!r}")
    objective = GLMObjective(family, X, y)
    A, y = objective.A, objective.y
    iterations = checks.integer("iterations", iterations, 1)
    tol = checks.positive("tol", tol)
    thetas, losses = [_irls_start(family, A, y)], []
    losses.append(objective.loss(thetas[0]))
    converged, failed_at = False, None
    for t in range(1, iterations + 1):
        step = _newton_step(family, A, y, thetas[-1])
        if step is None or not np.isfinite(loss := objective.loss(thetas[-1] + step)):
            failed_at = t
            break
        thetas.append(thetas[-1] + step)
        losses.append(loss)
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    k = len(thetas)
    return Trajectory(np.array(thetas), np.array(losses), np.arange(k), np.arange(k) * objective.n,
                      diverged_at=failed_at, batch_size=objective.n, optimizer=None, converged=converged)


class GLMObjective(FiniteSumObjective):
    r"""Mean NLL of a GLM as a finite sum, for :func:`lib.gradient_descent.descend`.

    .. math::
        \ell_i(\theta) = \mathrm{NLL}(y_i, \eta_i), \quad \eta_i = a_i^\top \Theta, \qquad
        \nabla_\Theta \ell_i = a_i\, (\mu_i - y_i)^\top,

    by the canonical-link identity (McCullagh & Nelder 1989, §2.5) and the
    chain rule. :math:`a_i = (x_i, 1)`; for the categorical family
    :math:`\Theta` is a ``(d + 1, K)`` matrix flattened row-major into
    ``theta`` (``dim = (d + 1) K``), otherwise ``theta = (w, b)``.
    The one implementation behind :class:`LeastSquares`,
    :class:`LogisticRegression` and :class:`SoftmaxRegression`.

    Where :math:`\eta = A\theta` overflows, ``loss`` is ``inf`` and ``grad``
    is ``nan`` (the convention of :mod:`lib.objectives`), without a warning.
    """

    def __init__(self, family, X, y, classes=None):
        if not isinstance(family, Family):
            raise ValueError(f"family must be a Family, got {family!r}")
        self.family, self.A = family, design_matrix(X)
        self.n = self.A.shape[0]
        if np.shape(y) != (self.n,):
            raise ValueError(f"y must have shape ({self.n},), one entry per row of X, got {np.shape(y)}")
        if isinstance(family, Categorical):
            self.k = checks.integer("classes", classes, 2)
            self.y = family.check_y(y, (self.n, self.k))
            self._target = one_hot(self.y, self.k)
        else:
            self.k = 1
            self.y = family.check_y(y, (self.n,))
            self._target = self.y
        self.dim = self.A.shape[1] * self.k

    @np.errstate(all="ignore")
    def _eta(self, theta, A):
        eta = A @ self._theta(theta).reshape(self.A.shape[1], self.k)
        return eta if self.k > 1 else eta[:, 0]

    def _rows(self, idx):
        return slice(None) if idx is None else self._idx(idx)

    def _design(self, X):
        A = design_matrix(X)
        if A.shape[1] != self.A.shape[1]:
            raise ValueError(f"X must have shape (m, {self.A.shape[1] - 1}) like the training inputs, got {np.shape(X)}")
        return A

    def predict(self, theta, X):
        r""":math:`\mu = g^{-1}(a^\top \Theta)` for new inputs ``X``."""
        return self.family.mean(self._eta(theta, self._design(X)))

    @np.errstate(all="ignore")
    def loss(self, theta, idx=None):
        r""":math:`\frac{1}{|B|}\sum_{i\in B}\mathrm{NLL}(y_i, \eta_i)`."""
        rows = self._rows(idx)
        eta = self._eta(theta, self.A[rows])
        if not np.isfinite(eta).all():
            return math.inf
        return float(self.family.nll(self.y[rows], eta).mean())

    @np.errstate(all="ignore")
    def _residuals(self, theta, rows):
        r""":math:`\mu_i - y_i` (rows :math:`\mu_i - e_{y_i}` for the categorical family); ``nan`` where :math:`\eta` overflows."""
        eta = self._eta(theta, self.A[rows])
        if not np.isfinite(eta).all():
            return np.full(np.shape(eta), np.nan)
        return self.family.mean(eta) - self._target[rows]

    @np.errstate(all="ignore")
    def grad(self, theta, idx=None):
        r""":math:`\frac{1}{|B|} A_B^\top (\mu_B - Y_B)`, flattened."""
        rows = self._rows(idx)
        A = self.A[rows]
        return np.ravel(A.T @ self._residuals(theta, rows)) / A.shape[0]

    @np.errstate(all="ignore")
    def per_example_grads(self, theta):
        r"""Rows :math:`a_i (\mu_i - y_i)^\top`, flattened, shape ``(n, dim)``."""
        r = self._residuals(theta, slice(None)).reshape(self.n, self.k)
        return (self.A[:, :, None] * r[:, None, :]).reshape(self.n, self.dim)

    def hessian(self, theta):
        r""":math:`\frac1N A^\top \operatorname{diag} V(\mu) A` for a scalar response (the Fisher information per example; McCullagh & Nelder 1989, §2.5)."""
        if self.k > 1:
            raise ValueError("theta: hessian is implemented for scalar-response families only")
        weights = self.family.variance(self.family.mean(self._eta(theta, self.A)))
        return (self.A * weights[:, None]).T @ self.A / self.n


class LeastSquares(GLMObjective):
    r"""Linear least squares, :math:`\ell_i(\theta) = \tfrac12 (w^\top x_i + b - y_i)^2`: the Gaussian GLM without its constant.

    :math:`\ell_i = \mathrm{NLL}_{\mathcal N}(y_i, \eta_i) - \tfrac12\log 2\pi
    = \tfrac12 d_i` (half the Gaussian unit deviance), so the gradient,
    :math:`r_i a_i` with :math:`r_i = a_i^\top\theta - y_i`, is the GLM's
    :math:`(\mu_i - y_i)\,a_i`, computed by the same code; only ``loss``
    differs, by the constant, which is never added (adding and subtracting
    :math:`0.92` would cost relative accuracy near the optimum).
    :math:`\nabla^2 f = \frac1N A^\top A` (Gauss 1809; Bishop 2006, *Pattern
    Recognition and Machine Learning*, §3.1.1; Bottou, Curtis & Nocedal
    2018, §4). Parameters :math:`\theta = (w_1, \dots, w_d, b)`, ``dim = d + 1``.
    """

    def __init__(self, X, y):
        super().__init__(GAUSSIAN, X, y)

    @np.errstate(all="ignore")
    def loss(self, theta, idx=None):
        r""":math:`\frac{1}{|B|}\sum_{i\in B} \tfrac12 r_i^2` (all examples when ``idx`` is None)."""
        rows = self._rows(idx)
        eta = self._eta(theta, self.A[rows])
        if not np.isfinite(eta).all():
            return math.inf
        return float(0.5 * np.mean(self.family.deviance(self.y[rows], eta)))

    def hessian(self, theta=None):
        r""":math:`\nabla^2 f = \frac{1}{N} A^\top A` (constant; ``theta`` is ignored)."""
        return self.A.T @ self.A / self.n

    def minimizer(self):
        r""":math:`\theta^\star = \arg\min_\theta \lVert A\theta - y \rVert^2`, via ``np.linalg.lstsq``.

        The minimum-norm solution when :math:`A` is rank deficient
        (Golub & Van Loan 2013, *Matrix Computations*, §5.5). Solved once
        per problem (the data never change); each call returns a copy.
        """
        return self._lstsq.copy()

    @cached_property
    def _lstsq(self):
        return np.linalg.lstsq(self.A, self.y, rcond=None)[0]


class LogisticRegression(GLMObjective):
    r"""Logistic regression, :math:`\ell_i(\theta) = \operatorname{softplus}(z_i) - y_i z_i`, :math:`z_i = w^\top x_i + b`: ``GLMObjective(BERNOULLI, X, y)``.

    Parameters are :math:`\theta = (w_1, \dots, w_d, b)`, ``dim = d + 1``.
    With augmented rows :math:`a_i = (x_i, 1)` and :math:`p_i = \sigma(a_i^\top\theta)`,

    .. math::
        \nabla \ell_i(\theta) = (p_i - y_i)\, a_i, \qquad
        \nabla^2 f(\theta) = \tfrac1N \textstyle\sum_i p_i (1-p_i)\, a_i a_i^\top \succeq 0,

    so :math:`f` is convex (Cox 1958; Bishop 2006, §4.3.2). Labels ``y`` are
    0/1 (or probabilities in :math:`[0, 1]`). Adds only :meth:`logits` and
    :meth:`predict_proba` to :class:`GLMObjective`.
    """

    def __init__(self, X, y):
        super().__init__(BERNOULLI, X, y)

    def logits(self, theta, idx=None):
        r""":math:`z_i = a_i^\top \theta` for the examples in ``idx`` (all when None)."""
        return self._eta(theta, self.A[self._rows(idx)])

    def predict_proba(self, theta, X):
        r""":math:`\sigma(w^\top x + b)` for the rows of ``X``."""
        return self.predict(theta, X)


class SoftmaxRegression(GLMObjective):
    r"""Multinomial logistic (softmax) regression: ``GLMObjective(CATEGORICAL, X, y, classes)``.

    .. math::
        z_i = W^\top x_i + b, \qquad
        \ell_i(\theta) = \operatorname{LSE}(z_i) - z_{i, y_i}, \qquad
        \nabla_W \ell_i = x_i\,(p_i - e_{y_i})^\top, \quad
        \nabla_b \ell_i = p_i - e_{y_i},

    with :math:`W \in \mathbb{R}^{d\times K}`, :math:`b \in \mathbb{R}^K`
    and :math:`\theta = (\operatorname{vec}_{\text{row}}(W), b)` -- the
    GLM's row-major :math:`\Theta = \binom{W}{b^\top}` -- so
    ``dim = (d + 1) K``. Convex in :math:`\theta` (McCullagh & Nelder 1989,
    §5; Bishop 2006, §4.3.4). Adds :meth:`unpack`, :meth:`pack`,
    :meth:`logits`, :meth:`predict_proba` and :meth:`predict` to
    :class:`GLMObjective`.
    """

    def __init__(self, X, y, classes: int):
        super().__init__(CATEGORICAL, X, y, classes)
        self.K, self.d = self.k, self.A.shape[1] - 1
        self.X = self.A[:, :-1]

    def unpack(self, theta):
        """``(W, b)`` with shapes ``(d, K)`` and ``(K,)`` from the flat ``theta``."""
        Theta = self._theta(theta).reshape(self.d + 1, self.K)
        return Theta[:-1], Theta[-1]

    @staticmethod
    def pack(W, b) -> np.ndarray:
        """The flat ``theta`` for weights ``W`` (d, K) and biases ``b`` (K,)."""
        return np.concatenate([np.asarray(W, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()])

    def logits(self, theta, X=None) -> np.ndarray:
        r""":math:`Z = X W + \mathbf{1} b^\top`, shape ``(m, K)`` (training inputs when ``X`` is None)."""
        return self._eta(theta, self.A if X is None else self._design(X))

    def predict_proba(self, theta, X=None) -> np.ndarray:
        r""":math:`\operatorname{softmax}(z_i)` row by row, shape ``(m, K)``."""
        return softmax(self.logits(theta, X))

    def predict(self, theta, X=None) -> np.ndarray:
        r""":math:`\hat y_i = \arg\max_k z_{ik}`."""
        return np.argmax(self.logits(theta, X), axis=1)
