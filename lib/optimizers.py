r"""Update rules for first-order optimizers, each written once.

An optimizer is a small frozen object with two methods:

``init(theta) -> state``
    the optimizer's memory for parameters shaped like ``theta`` (zeros);
``step(theta, g, state) -> (theta, state)``
    one update from the gradient ``g`` at ``theta``.

``step`` updates ``theta`` and the arrays in ``state`` **in place** and
returns them, so a step never copies the parameter vector (a network's
:math:`\theta` is large); pass ``theta.copy()`` to keep the old value.
:func:`lib.gradient_descent.descend` copies ``theta0`` once and then drives
any optimizer over any objective. ``g`` must have the shape of ``theta``
(``ValueError`` naming ``g`` otherwise). Nothing here emits a
RuntimeWarning: an update that overflows gives ``inf``/``nan`` entries, and
the caller tests ``np.isfinite`` (as ``descend`` does).

Notation: learning rate :math:`\eta`, gradient :math:`g_t = \nabla
f(\theta_t)` (or a mini-batch estimate), element-wise squares and roots.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import checks

__all__ = ["SGD", "Momentum", "Nesterov", "RMSProp", "Adam", "as_optimizer"]


def _parameters(theta) -> np.ndarray:
    if not (isinstance(theta, np.ndarray) and np.issubdtype(theta.dtype, np.floating)):
        raise ValueError(f"theta must be a floating-point numpy array (updated in place), got {type(theta).__name__}")
    return theta


def _gradient(theta: np.ndarray, g) -> np.ndarray:
    g = np.asarray(g)
    if not np.issubdtype(g.dtype, np.floating):
        g = g.astype(float)
    if g.shape != theta.shape:
        raise ValueError(f"g must have the shape of theta {theta.shape}, got {g.shape}")
    return g


def _scratch(state: dict, theta: np.ndarray) -> np.ndarray:
    """A reusable buffer shaped like ``theta`` kept in ``state`` (made on first use)."""
    buf = state.get("scratch")
    if buf is None or buf.shape != theta.shape or buf.dtype != theta.dtype:
        buf = state["scratch"] = np.empty_like(theta)
    return buf


def _beta(name: str, value) -> float:
    return checks.unit_interval(name, value)


@dataclass(frozen=True)
class SGD:
    r"""Plain (stochastic) gradient descent: :math:`\theta_{t+1} = \theta_t - \eta\, g_t`.

    Cauchy 1847, "Méthode générale pour la résolution des systèmes
    d'équations simultanées"; with stochastic gradients Robbins & Monro
    1951, "A Stochastic Approximation Method", Ann. Math. Statist. 22(3).
    No state.
    """

    lr: float

    def __post_init__(self):
        object.__setattr__(self, "lr", checks.positive("lr", self.lr))

    def init(self, theta) -> dict:
        """No memory; a scratch buffer so that a step allocates nothing."""
        return {"scratch": np.empty_like(_parameters(theta))}

    @np.errstate(all="ignore")
    def step(self, theta, g, state):
        theta = _parameters(theta)
        scaled = np.multiply(_gradient(theta, g), self.lr, out=_scratch(state, theta))
        theta -= scaled
        return theta, state


@dataclass(frozen=True)
class _Velocity:
    """Fields, checks and state shared by the two momentum methods: ``lr``, ``beta`` and a velocity."""

    lr: float
    beta: float = 0.9

    def __post_init__(self):
        object.__setattr__(self, "lr", checks.positive("lr", self.lr))
        object.__setattr__(self, "beta", _beta("beta", self.beta))

    def init(self, theta) -> dict:
        return {"velocity": np.zeros_like(_parameters(theta))}


@dataclass(frozen=True)
class Momentum(_Velocity):
    r"""Heavy-ball momentum (Polyak 1964, "Some methods of speeding up the convergence of iteration methods").

    .. math::
        v_{t+1} = \beta\, v_t - \eta\, g_t, \qquad \theta_{t+1} = \theta_t + v_{t+1},

    i.e. :math:`\theta_{t+1} = \theta_t - \eta g_t + \beta(\theta_t - \theta_{t-1})`,
    from :math:`v_0 = 0`. PyTorch's ``SGD(momentum=β)`` keeps
    :math:`b = -v/\eta` instead, which gives the same iterates for a constant
    :math:`\eta`. ``beta`` in :math:`[0, 1)`; :math:`\beta = 0` is :class:`SGD`.
    """

    @np.errstate(all="ignore")
    def step(self, theta, g, state):
        theta, v = _parameters(theta), state["velocity"]
        v *= self.beta
        v -= np.multiply(_gradient(theta, g), self.lr, out=_scratch(state, theta))
        theta += v
        return theta, state


@dataclass(frozen=True)
class Nesterov(_Velocity):
    r"""Nesterov's accelerated gradient in the form of Sutskever, Martens, Dahl & Hinton 2013 (ICML).

    The method evaluates the gradient at the look-ahead point
    :math:`\theta_t + \beta v_t`:
    :math:`v_{t+1} = \beta v_t - \eta \nabla f(\theta_t + \beta v_t)`,
    :math:`\theta_{t+1} = \theta_t + v_{t+1}` (Nesterov 1983, "A method for
    solving the convex programming problem with convergence rate
    :math:`O(1/k^2)`", Soviet Math. Dokl. 27). Here the stored parameters
    are the look-ahead points :math:`\phi_t = \theta_t + \beta v_t`, so
    ``g`` is the gradient at the parameters passed in (Bengio,
    Boulanger-Lewandowski & Pascanu 2013, "Advances in optimizing recurrent
    networks", ICASSP; PyTorch's ``nesterov=True``):

    .. math::
        v_{t+1} = \beta\, v_t - \eta\, g(\phi_t), \qquad
        \phi_{t+1} = \phi_t + \beta\, v_{t+1} - \eta\, g(\phi_t).
    """

    @np.errstate(all="ignore")
    def step(self, theta, g, state):
        theta, v = _parameters(theta), state["velocity"]
        scaled = self.lr * _gradient(theta, g)
        v *= self.beta
        v -= scaled
        theta += self.beta * v - scaled
        return theta, state


@dataclass(frozen=True)
class RMSProp:
    r"""RMSProp (Tieleman & Hinton 2012, *Neural Networks for Machine Learning*, Lecture 6.5).

    .. math::
        s_{t+1} = \rho\, s_t + (1 - \rho)\, g_t^2, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta\, g_t}{\sqrt{s_{t+1}} + \epsilon},

    from :math:`s_0 = 0`; :math:`\epsilon` added outside the root, as in
    PyTorch's ``RMSprop`` (defaults ``rho=0.99``, ``eps=1e-8`` there; Keras:
    ``rho=0.9``, ``epsilon=1e-7``).
    """

    lr: float = 1e-3
    rho: float = 0.9
    eps: float = 1e-8

    def __post_init__(self):
        object.__setattr__(self, "lr", checks.positive("lr", self.lr))
        object.__setattr__(self, "rho", _beta("rho", self.rho))
        object.__setattr__(self, "eps", checks.positive("eps", self.eps))

    def init(self, theta) -> dict:
        return {"square_avg": np.zeros_like(_parameters(theta))}

    @np.errstate(all="ignore")
    def step(self, theta, g, state):
        theta, s = _parameters(theta), state["square_avg"]
        g = _gradient(theta, g)
        s *= self.rho
        s += (1 - self.rho) * g * g
        theta -= self.lr * g / (np.sqrt(s) + self.eps)
        return theta, state


@dataclass(frozen=True)
class Adam:
    r"""Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", ICLR, Algorithm 1).

    .. math::
        m_{t} = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \quad
        v_{t} = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2, \quad
        \theta_{t} = \theta_{t-1} - \eta\,\frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon},

    from :math:`m_0 = v_0 = 0`, :math:`t = 1, 2, \dots` (the bias
    corrections undo the zero start). Defaults are the paper's and
    PyTorch's (Keras uses ``epsilon=1e-7``).
    """

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self):
        object.__setattr__(self, "lr", checks.positive("lr", self.lr))
        object.__setattr__(self, "beta1", _beta("beta1", self.beta1))
        object.__setattr__(self, "beta2", _beta("beta2", self.beta2))
        object.__setattr__(self, "eps", checks.positive("eps", self.eps))

    def init(self, theta) -> dict:
        theta = _parameters(theta)
        return {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "t": 0}

    @np.errstate(all="ignore")
    def step(self, theta, g, state):
        theta, m, v = _parameters(theta), state["m"], state["v"]
        g = _gradient(theta, g)
        state["t"] = t = state["t"] + 1
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        theta -= self.lr * (m / (1 - self.beta1**t)) / (np.sqrt(v / (1 - self.beta2**t)) + self.eps)
        return theta, state


OPTIMIZERS = (SGD, Momentum, Nesterov, RMSProp, Adam)


def as_optimizer(optimizer):
    """``optimizer`` itself, or ``SGD(optimizer)`` for a number (a learning rate); ``ValueError`` naming it otherwise."""
    if isinstance(optimizer, OPTIMIZERS):
        return optimizer
    if isinstance(optimizer, (int, float, np.floating, np.integer)) and not isinstance(optimizer, bool):
        try:
            return SGD(optimizer)
        except ValueError:
            pass
    raise ValueError(f"optimizer must be one of {[o.__name__ for o in OPTIMIZERS]} or a positive "
                     f"finite learning rate, got {optimizer!r}")


@dataclass(frozen=True)
class ClipByNorm:
    r"""Gradient clipping by norm around any optimizer (Pascanu, Mikolov & Bengio 2013, Algorithm 1).

    .. math::
        \hat g_t = g_t\,\min\Bigl(1, \frac{c}{\lVert g_t\rVert_2}\Bigr), \qquad
        \theta_{t+1} = \operatorname{step}(\theta_t, \hat g_t),

    with :math:`c` = ``max_norm`` and ``step`` the wrapped ``optimizer`` (any
    object of this module, or a learning rate, short for ``SGD(lr)``): the
    direction of the gradient is kept and only its length is capped, so a
    single huge gradient -- an exploding one -- moves :math:`\theta` by at most
    :math:`\eta c` under SGD ("On the difficulty of training recurrent neural
    networks", ICML 2013, §3.2). The norm is the global one over all of
    :math:`\theta`, as in PyTorch's ``torch.nn.utils.clip_grad_norm_`` and
    Keras's ``global_clipnorm``. ``state`` holds the wrapped optimizer's state
    (``"inner"``), the norm of the latest raw gradient (``"norm"``) and the
    number of steps that were clipped (``"clipped"``). A gradient with a
    non-finite entry is passed on unchanged, so the caller (e.g.
    :func:`lib.gradient_descent.descend`) sees the divergence.
    """

    optimizer: object
    max_norm: float

    def __post_init__(self):
        object.__setattr__(self, "optimizer", as_optimizer(self.optimizer))
        object.__setattr__(self, "max_norm", checks.positive("max_norm", self.max_norm))

    @property
    def lr(self):
        """The wrapped optimizer's learning rate."""
        return getattr(self.optimizer, "lr", None)

    def init(self, theta) -> dict:
        theta = _parameters(theta)
        return {"inner": self.optimizer.init(theta), "scratch": np.empty_like(theta), "norm": 0.0, "clipped": 0}

    @np.errstate(all="ignore")
    def step(self, theta, g, state):
        theta = _parameters(theta)
        g = _gradient(theta, g)
        top = float(np.max(np.abs(g))) if g.size else 0.0
        if 0 < top < np.inf:  # the norm as top * ||g / top||: no overflow for a finite g
            scaled = np.divide(g, top, out=_scratch(state, theta))
            # a plain reduction, not np.linalg.norm: its BLAS dot is multithreaded and slow on a busy machine
            norm = top * float(np.sqrt(np.add.reduce(np.multiply(scaled, scaled, out=scaled))))
        else:
            norm = top if top == 0 else float("nan") if np.isnan(top) else float("inf")
        state["norm"] = norm
        if np.isfinite(norm) and norm > self.max_norm:
            g = np.multiply(g, self.max_norm / norm, out=_scratch(state, theta))
            state["clipped"] += 1
        theta, state["inner"] = self.optimizer.step(theta, g, state["inner"])
        return theta, state


OPTIMIZERS = (*OPTIMIZERS, ClipByNorm)  # as_optimizer (above) accepts a clipped optimizer too
__all__.append("ClipByNorm")
