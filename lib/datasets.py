r"""Seeded synthetic data sets (nothing is downloaded).

Every generator takes a ``seed`` and draws from ``np.random.default_rng(seed)``,
so the same arguments always give the same arrays.
"""
import numpy as np

from lib import checks


def _weights(w):
    w = np.atleast_1d(np.asarray(w, dtype=float))
    if w.ndim != 1 or w.size == 0 or not np.isfinite(w).all():
        raise ValueError(f"w must be a finite number or a non-empty 1-D array, got {w!r}")
    return w


def linear_regression_data(n=1000, w=2.0, b=-1.0, noise=0.5, x_mean=0.0, seed=0):
    r"""Noisy samples from a linear model.

    .. math::
        x_i \sim \mathcal{N}(\mu_x \mathbf{1}, I_d), \qquad
        y_i = w^\top x_i + b + \sigma\,\varepsilon_i, \qquad
        \varepsilon_i \sim \mathcal{N}(0, 1),

    the textbook regression setting (Bishop 2006, *Pattern Recognition and
    Machine Learning*, §3.1; Hastie, Tibshirani & Friedman 2009, *The Elements
    of Statistical Learning*, §3.2). ``w`` is a number (then ``d = 1``) or a
    1-D array of ``d`` weights; ``noise`` is :math:`\sigma`; ``x_mean`` is
    :math:`\mu_x` (a non-zero mean correlates slope and intercept, which makes
    the least-squares loss surface an elongated valley).

    Returns ``(X, y)`` with ``X`` of shape ``(n, d)`` and ``y`` of shape ``(n,)``.
    """
    n = checks.integer("n", n, 1)
    w = _weights(w)
    b = checks.finite("b", b)
    noise = checks.finite("noise", noise, low=0.0)
    x_mean = checks.finite("x_mean", x_mean)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    X = x_mean + rng.standard_normal((n, w.size))
    y = X @ w + b + noise * rng.standard_normal(n)
    return X, y


def logistic_1d(n=200, w=1.5, b=-0.5, x_scale=2.0, seed=0):
    r"""One-feature binary data drawn from the logistic model.

    .. math::
        x_i \sim \mathcal{N}(0, s^2), \qquad
        y_i \mid x_i \sim \operatorname{Bernoulli}\bigl(\sigma(w x_i + b)\bigr),

    the data-generating model of logistic regression (Cox 1958, "The
    Regression Analysis of Binary Sequences", JRSS B 20(2); Bishop 2006,
    §4.3.2). ``x_scale`` is :math:`s`. Returns ``(x, y)``: ``x`` of shape
    ``(n,)`` and ``y`` of shape ``(n,)`` with entries 0.0 or 1.0.
    """
    from lib.sigmoid import sigmoid

    n = checks.integer("n", n, 1)
    w, b = checks.finite("w", w), checks.finite("b", b)
    x_scale = checks.positive("x_scale", x_scale)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    x = x_scale * rng.standard_normal(n)
    y = (rng.random(n) < sigmoid(w * x + b)).astype(float)
    return x, y


def gaussian_blobs(n_per_class=50, centers=((-2.0, -1.0), (2.0, -1.0), (0.0, 2.0)), std=1.0, seed=0):
    r"""Isotropic Gaussian clusters, one per class.

    .. math::
        x_i \sim \mathcal{N}(\mu_{y_i}, s^2 I), \qquad y_i \in \{0, \dots, K-1\},

    ``n_per_class`` points around each row of ``centers`` (shape ``(K, d)``)
    with standard deviation ``std`` = :math:`s` -- the class-conditional model
    under which the Bayes posterior is exactly a softmax of linear scores
    (Bishop 2006, *Pattern Recognition and Machine Learning*, §4.2.1).

    Returns ``(X, y)``: ``X`` of shape ``(K * n_per_class, d)``, ``y`` int labels, class by class.
    """
    n = checks.integer("n_per_class", n_per_class, 1)
    mu = np.asarray(centers, dtype=float)
    if mu.ndim != 2 or mu.shape[0] < 1 or mu.shape[1] < 1 or not np.isfinite(mu).all():
        raise ValueError(f"centers must be a finite 2-D array of shape (K, d), got {mu!r}")
    s = checks.finite("std", std, low=0.0)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    X = np.repeat(mu, n, axis=0) + s * rng.standard_normal((mu.shape[0] * n, mu.shape[1]))
    y = np.repeat(np.arange(mu.shape[0]), n)
    return X, y


# --------------------------------------------------------------------------
# Small non-linear problems for neural networks
# --------------------------------------------------------------------------


def _rng(seed):
    return np.random.default_rng(checks.integer("seed", seed, low=0))


def two_moons(n=200, noise=0.1, seed=0):
    r"""Two interleaving half circles, one per class -- not linearly separable.

    .. math::
        y = 0:\ x = (\cos t, \sin t), \qquad
        y = 1:\ x = (1 - \cos t,\ \tfrac12 - \sin t), \qquad
        t \sim \mathcal U(0, \pi),

    plus :math:`\mathcal N(0, \text{noise}^2 I)` (the ``make_moons`` problem
    of scikit-learn; Pedregosa et al. 2011, JMLR 12). Returns ``(X, y)``:
    ``X`` of shape ``(n, 2)``, ``y`` int labels (``n // 2`` of class 0 first).
    """
    n = checks.integer("n", n, 2)
    noise = checks.finite("noise", noise, low=0.0)
    rng = _rng(seed)
    y = np.repeat([0, 1], [n // 2, n - n // 2])
    t = rng.uniform(0.0, np.pi, n)
    X = np.where(y[:, None] == 0, np.column_stack([np.cos(t), np.sin(t)]),
                 np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
    return X + noise * rng.standard_normal((n, 2)), y


def concentric_circles(n=200, noise=0.05, factor=0.5, seed=0):
    r"""Two concentric rings: class 0 on radius 1, class 1 on radius ``factor``.

    .. math::
        x = r_y\,(\cos t, \sin t) + \varepsilon, \qquad t \sim \mathcal U(0, 2\pi), \qquad
        r_0 = 1,\ r_1 = \text{factor},\ \varepsilon \sim \mathcal N(0, \text{noise}^2 I),

    separable by :math:`\lVert x\rVert` but by no line (scikit-learn's
    ``make_circles``). Returns ``(X, y)`` as :func:`two_moons` does.
    """
    n = checks.integer("n", n, 2)
    noise = checks.finite("noise", noise, low=0.0)
    factor = checks.positive("factor", factor)
    if factor >= 1:
        raise ValueError(f"factor must be a number in (0, 1), got {factor!r}")
    rng = _rng(seed)
    y = np.repeat([0, 1], [n // 2, n - n // 2])
    t = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)[:, None]
    return radius * np.column_stack([np.cos(t), np.sin(t)]) + noise * rng.standard_normal((n, 2)), y


def spirals(n_per_class=100, classes=3, noise=0.2, seed=0):
    r"""Interleaved spiral arms, one per class (the CS231n spiral data).

    .. math::
        x = r\,(\sin t, \cos t), \qquad r = \tfrac{j}{m-1}, \qquad
        t = \tfrac{4j}{m-1} + 4k + \text{noise}\cdot\varepsilon,
        \qquad j = 0, \dots, m-1,

    for class :math:`k` with :math:`m` = ``n_per_class`` points; each arm
    turns through 4 radians (Karpathy, CS231n, "Putting it together:
    minimal neural network case study"). Returns ``(X, y)``, class by class.
    """
    m = checks.integer("n_per_class", n_per_class, 2)
    K = checks.integer("classes", classes, 2)
    noise = checks.finite("noise", noise, low=0.0)
    rng = _rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, m), K)
    y = np.repeat(np.arange(K), m)
    t = np.tile(np.linspace(0.0, 4.0, m), K) + 4.0 * y + noise * rng.standard_normal(K * m)
    return r[:, None] * np.column_stack([np.sin(t), np.cos(t)]), y


#: Noise-free targets for :func:`regression_1d`, on inputs in [-1, 1].
REGRESSION_TARGETS = {
    "sine": lambda x: np.sin(3 * x),
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(float),
    "cubic": lambda x: x**3 - 0.5 * x,
}


def regression_1d(n=100, target="sine", noise=0.1, seed=0):
    r"""A one-input regression problem: :math:`x_i \sim \mathcal U(-1, 1)`, :math:`y_i = f(x_i) + \text{noise}\cdot\varepsilon_i`.

    ``target`` names :math:`f` in :data:`REGRESSION_TARGETS`: ``"sine"``
    :math:`\sin 3x`, ``"abs"`` :math:`|x|` (one kink), ``"step"``
    :math:`\mathbb 1(x > 0)` (a jump), ``"cubic"`` :math:`x^3 - x/2` -- the
    functions a one-hidden-layer network approximates on a compact set
    (Cybenko 1989, "Approximation by superpositions of a sigmoidal function",
    Math. Control Signals Systems 2; Hornik 1991). Returns ``(X, y)``: ``X``
    of shape ``(n, 1)`` sorted by ``x``, ``y`` of shape ``(n,)``.
    """
    n = checks.integer("n", n, 1)
    if target not in REGRESSION_TARGETS:
        raise ValueError(f"target must be one of {sorted(REGRESSION_TARGETS)}, got {target!r}")
    noise = checks.finite("noise", noise, low=0.0)
    rng = _rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    return x[:, None], REGRESSION_TARGETS[target](x) + noise * rng.standard_normal(n)


def _glyph_templates():
    """The 6x6 strokes of :data:`GLYPHS`, as 0/1 arrays."""
    i, j = np.indices((6, 6))
    ring = (np.maximum(np.abs(i - 2.5), np.abs(j - 2.5)) > 2).astype(float)
    return {
        "horizontal bar": ((i == 2) | (i == 3)).astype(float),
        "vertical bar": ((j == 2) | (j == 3)).astype(float),
        "diagonal": (i == j).astype(float),
        "anti-diagonal": (i + j == 5).astype(float),
        "cross": ((i == j) | (i + j == 5)).astype(float),
        "square": ring,
    }


#: Names of the glyph classes of :func:`glyphs`, in label order.
GLYPHS = tuple(_glyph_templates())


def glyphs(n_per_class=100, noise=0.2, seed=0):
    r"""A small image set: 8x8 grey images of six strokes (:data:`GLYPHS`) at random positions.

    Each image places a 6x6 template (bars, diagonals, a cross, a square
    outline) at a uniformly random offset :math:`(a, b) \in \{0, 1, 2\}^2`
    on an 8x8 black canvas and adds :math:`\mathcal N(0, \text{noise}^2)`
    pixel noise. Labels depend on *local* shape, not on position -- the
    structure convolutions exploit (LeCun, Bottou, Bengio & Haffner 1998,
    "Gradient-based learning applied to document recognition", Proc. IEEE 86(11)).
    Returns ``(X, y)``: ``X`` of shape ``(n, 8, 8)`` with ``n = 6 * n_per_class``,
    ``y`` int labels, class by class.
    """
    m = checks.integer("n_per_class", n_per_class, 1)
    noise = checks.finite("noise", noise, low=0.0)
    rng = _rng(seed)
    templates = np.stack(list(_glyph_templates().values()))
    y = np.repeat(np.arange(len(templates)), m)
    offsets = rng.integers(0, 3, size=(len(y), 2))
    X = np.zeros((len(y), 8, 8))
    for k, ((a, b), label) in enumerate(zip(offsets, y)):
        X[k, a : a + 6, b : b + 6] = templates[label]
    return X + noise * rng.standard_normal(X.shape), y
