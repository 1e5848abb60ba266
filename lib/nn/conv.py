r"""Convolution, pooling and flattening layers for image batches ``(B, C, H, W)``.

Forward/backward pairs in the style of :mod:`lib.nn.layers`::

    out, cache = conv2d_forward(x, W, b, padding)
    dx, dW, db = conv2d_backward(dout, cache)

and thin :class:`lib.nn.network.Layer` objects around them (:class:`Conv2D`,
:class:`LocallyConnected2D`, :class:`MaxPool2D`, :class:`AvgPool2D`,
:class:`Flatten`) whose parameters are views into the network's flat
:math:`\theta` like every other layer's. A :class:`lib.nn.network.Sequential`
that starts with one of them takes image batches (its ``in_features`` is None).

A "convolution" layer computes a *cross-correlation* (the kernel is not
flipped), as every deep-learning framework does (Goodfellow, Bengio &
Courville 2016, *Deep Learning*, §9.1):

.. math::
    z_{f,u,v} = b_f + \sum_{c=1}^{C}\sum_{i=0}^{k-1}\sum_{j=0}^{k-1}
                W_{f,c,i,j}\; x_{c,\,u+i,\,v+j},

stride 1, with ``padding="valid"`` (no padding: output
:math:`(H-k+1)\times(W-k+1)`) or ``"same"`` (zeros around the input so that
the output is :math:`H\times W`; for an even :math:`k` the extra row and
column go to the bottom and the right, as in TensorFlow). The sum is computed
as one matrix product after *im2col*, which copies every :math:`k\times k`
patch of the input into a row (Chellapilla, Puri & Simard 2006, "High
performance convolutional neural networks for document processing"). The
layer is LeCun, Bottou, Bengio & Haffner's (1998, "Gradient-based learning
applied to document recognition", Proc. IEEE 86(11)) convolutional layer:
*local connectivity* (each output sees a :math:`k\times k` patch) and *weight
sharing* (the same :math:`W_f` at every position :math:`(u, v)`).

Pooling uses non-overlapping ``size`` x ``size`` windows (stride ``size``);
rows and columns left over at the bottom and right are dropped, as in
PyTorch's default. Shapes are checked (``ValueError`` naming the argument and
the layer), values are not; float32 in gives float32 out.
"""
from __future__ import annotations

import numpy as np

from lib import checks
from lib.nn.network import Layer

__all__ = [
    "im2col", "col2im", "conv_output_size", "receptive_field",
    "conv2d_forward", "conv2d_backward", "local2d_forward", "local2d_backward",
    "maxpool_forward", "maxpool_backward", "avgpool_forward", "avgpool_backward",
    "flatten_forward", "flatten_backward",
    "Conv2D", "LocallyConnected2D", "MaxPool2D", "AvgPool2D", "Flatten", "sequential",
]

PADDINGS = ("valid", "same")


def _where(layer) -> str:
    return f" in {layer}" if layer else ""


def _padding(padding) -> str:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    return padding


def _pads(k, padding):
    """Zeros before and after, along one axis, for a kernel of size ``k``."""
    if padding == "valid":
        return 0, 0
    return (k - 1) // 2, k - 1 - (k - 1) // 2


def conv_output_size(n, k, padding="valid"):
    r"""Output length of a stride-1 convolution: :math:`n - k + 1` ("valid") or :math:`n` ("same")."""
    n, k = checks.integer("n", n, 1), checks.integer("k", k, 1)
    if _padding(padding) == "same":
        return n
    if k > n:
        raise ValueError(f"k must be at most n = {n} for 'valid' padding, got {k}")
    return n - k + 1


def _images(name, x, layer=""):
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        raise ValueError(f"{name} must be an array of shape (batch, channels, height, width){_where(layer)}, "
                         f"got shape {np.shape(x)}")


# --------------------------------------------------------------------------- im2col
def im2col(x, kh, kw, padding="valid"):
    r"""Every ``kh`` x ``kw`` patch of ``x`` as a row: shape ``(B * H_out * W_out, C * kh * kw)``.

    Row :math:`(b, u, v)` (in row-major order) holds :math:`x_{b,c,u+i,v+j}`
    for :math:`(c, i, j)` in row-major order, so :math:`z = \text{cols}\;
    W_{\text{flat}}^\top` with ``W.reshape(F, -1)`` is the cross-correlation of the
    module docstring (Chellapilla et al. 2006).
    """
    _images("x", x)
    B, C, H, Wd = x.shape
    (t, bo), (lft, r) = _pads(kh, padding), _pads(kw, padding)
    if t or bo or lft or r:
        x = np.pad(x, ((0, 0), (0, 0), (t, bo), (lft, r)))
    Ho, Wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    cols = np.empty((B, Ho, Wo, C, kh, kw), dtype=x.dtype)
    for i in range(kh):  # k*k slice copies, each over the whole batch
        for j in range(kw):
            cols[:, :, :, :, i, j] = x[:, :, i : i + Ho, j : j + Wo].transpose(0, 2, 3, 1)
    return cols.reshape(B * Ho * Wo, C * kh * kw)


def col2im(cols, x_shape, kh, kw, padding="valid"):
    r"""The adjoint of :func:`im2col`: add every row back onto the patch it came from.

    For the gradient: :math:`\partial L/\partial x_{b,c,p,q}` is the sum over all
    patches that contain pixel :math:`(p, q)` of the gradient of that patch entry.
    """
    B, C, H, Wd = x_shape
    (t, bo), (lft, r) = _pads(kh, padding), _pads(kw, padding)
    Hp, Wp = H + t + bo, Wd + lft + r
    Ho, Wo = Hp - kh + 1, Wp - kw + 1
    if cols.shape != (B * Ho * Wo, C * kh * kw):
        raise ValueError(f"cols must have shape {(B * Ho * Wo, C * kh * kw)}, got {cols.shape}")
    patches = cols.reshape(B, Ho, Wo, C, kh, kw)
    dx = np.zeros((B, C, Hp, Wp), dtype=cols.dtype)
    for i in range(kh):  # k*k slice additions, each over the whole batch
        for j in range(kw):
            dx[:, :, i : i + Ho, j : j + Wo] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dx[:, :, t : t + H, lft : lft + Wd]


# --------------------------------------------------------------------------- convolution
def conv2d_forward(x, W, b, padding="valid", layer=""):
    r"""Cross-correlation :math:`z_{f,u,v} = b_f + \sum_{c,i,j} W_{f,c,i,j}\,x_{c,u+i,v+j}` (stride 1).

    ``x`` is ``(B, C, H, W)``, ``W`` is ``(F, C, k_h, k_w)``, ``b`` is ``(F,)``;
    the output is ``(B, F, H_out, W_out)`` (:func:`conv_output_size`). Computed
    as ``im2col(x) @ W.reshape(F, -1).T + b`` (Chellapilla et al. 2006;
    LeCun et al. 1998). The cache is ``(cols, x.shape, W, padding)``.
    """
    _images("x", x, layer)
    if not isinstance(W, np.ndarray) or W.ndim != 4 or W.shape[1] != x.shape[1]:
        raise ValueError(f"W must have shape (filters, {x.shape[1]}, kh, kw){_where(layer)}, got {np.shape(W)}")
    if np.shape(b) != W.shape[:1]:
        raise ValueError(f"b must have shape {W.shape[:1]}{_where(layer)}, got {np.shape(b)}")
    padding = _padding(padding)
    B, _, H, Wd = x.shape
    F, _, kh, kw = W.shape
    if padding == "valid" and (kh > H or kw > Wd):
        raise ValueError(f"x must be at least {kh}x{kw} for a {kh}x{kw} kernel with 'valid' padding{_where(layer)}, "
                         f"got {H}x{Wd}")
    cols = im2col(x, kh, kw, padding)
    Ho, Wo = (H, Wd) if padding == "same" else (H - kh + 1, Wd - kw + 1)
    out = cols @ W.reshape(F, -1).T
    out += b
    return out.reshape(B, Ho, Wo, F).transpose(0, 3, 1, 2), (cols, x.shape, W, padding)


def conv2d_backward(dout, cache, dW=None, db=None, input_grad=True):
    r"""Gradients of the convolution, with :math:`\delta = \partial L/\partial z` of shape ``(B, F, H_out, W_out)``.

    .. math::
        \frac{\partial L}{\partial W_{f,c,i,j}} = \sum_{b,u,v}\delta_{b,f,u,v}\,x_{b,c,u+i,v+j}, \qquad
        \frac{\partial L}{\partial b_f} = \sum_{b,u,v}\delta_{b,f,u,v}, \qquad
        \frac{\partial L}{\partial x_{b,c,p,q}} = \sum_{f,i,j}\delta_{b,f,p-i,q-j}\,W_{f,c,i,j},

    the last a "full" convolution of :math:`\delta` with the kernel,
    computed as :func:`col2im` of :math:`\delta W_{\text{flat}}`. Because
    :math:`W` is shared, its gradient sums over every position :math:`(u,v)`.
    ``dW``, ``db`` are optional buffers; ``input_grad=False`` skips ``dx``.
    Returns ``dx, dW, db``.
    """
    cols, x_shape, W, padding = cache
    F, C, kh, kw = W.shape
    B = x_shape[0]
    if dout.ndim != 4 or dout.shape[:2] != (B, F) or B * dout.shape[2] * dout.shape[3] != cols.shape[0]:
        raise ValueError(f"dout must have shape (batch {B}, filters {F}, H_out, W_out) matching the forward pass, "
                         f"got {dout.shape}")
    d = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (B*Ho*Wo, F)
    dW_flat = d.T @ cols
    if dW is None:
        dW = dW_flat.reshape(W.shape)
    else:
        dW[...] = dW_flat.reshape(W.shape)
    db = np.add.reduce(d, axis=0, out=db)
    dx = col2im(d @ W.reshape(F, -1), x_shape, kh, kw, padding) if input_grad else None
    return dx, dW, db


# --------------------------------------------------------------------------- locally connected: no weight sharing
def local2d_forward(x, W, b, layer=""):
    r"""Locally connected layer: a convolution whose filter differs at every output position ('valid', stride 1).

    .. math::
        z_{f,u,v} = b_{f,u,v} + \sum_{c,i,j} W_{f,u,v,c,i,j}\, x_{c,\,u+i,\,v+j},

    local connectivity without weight sharing (LeCun 1989, "Generalization
    and network design strategies"; Taigman et al. 2014 use such layers in
    DeepFace). ``W`` is ``(F, H_out, W_out, C, k, k)``, ``b`` is
    ``(F, H_out, W_out)``; with every :math:`W_{f,u,v}` equal to one kernel it
    is :func:`conv2d_forward`. The cache is ``(cols, x.shape, W)``.
    """
    _images("x", x, layer)
    if not isinstance(W, np.ndarray) or W.ndim != 6 or W.shape[3] != x.shape[1] or W.shape[4] != W.shape[5]:
        raise ValueError(f"W must have shape (filters, H_out, W_out, {x.shape[1]}, k, k){_where(layer)}, "
                         f"got {np.shape(W)}")
    F, Ho, Wo, C, k, _ = W.shape
    B, _, H, Wd = x.shape
    if (H - k + 1, Wd - k + 1) != (Ho, Wo):
        raise ValueError(f"x must be {Ho + k - 1}x{Wo + k - 1} for W of shape {W.shape}{_where(layer)}, got {H}x{Wd}")
    if np.shape(b) != (F, Ho, Wo):
        raise ValueError(f"b must have shape {(F, Ho, Wo)}{_where(layer)}, got {np.shape(b)}")
    cols = im2col(x, k, k).reshape(B, Ho * Wo, C * k * k).transpose(1, 0, 2)      # (P, B, K)
    Wp = W.reshape(F, Ho * Wo, C * k * k).transpose(1, 2, 0)                      # (P, K, F)
    out = np.matmul(cols, Wp)                                                     # (P, B, F)
    out = out.transpose(1, 2, 0).reshape(B, F, Ho, Wo) + b
    return out, (cols, x.shape, W)


def local2d_backward(dout, cache, dW=None, db=None, input_grad=True):
    r"""Gradients of the locally connected layer: as :func:`conv2d_backward`, without the sum over positions for :math:`W`.

    .. math::
        \frac{\partial L}{\partial W_{f,u,v,c,i,j}} = \sum_b \delta_{b,f,u,v}\,x_{b,c,u+i,v+j}, \qquad
        \frac{\partial L}{\partial b_{f,u,v}} = \sum_b \delta_{b,f,u,v}.

    Returns ``dx, dW, db``.
    """
    cols, x_shape, W = cache
    F, Ho, Wo, C, k, _ = W.shape
    B = x_shape[0]
    if dout.shape != (B, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(B, F, Ho, Wo)}, got {dout.shape}")
    d = dout.reshape(B, F, Ho * Wo).transpose(2, 0, 1)                            # (P, B, F)
    dWp = np.matmul(cols.transpose(0, 2, 1), d)                                   # (P, K, F)
    grad_W = dWp.transpose(2, 0, 1).reshape(W.shape)
    if dW is None:
        dW = grad_W
    else:
        dW[...] = grad_W
    db = np.add.reduce(dout, axis=0, out=db)
    if not input_grad:
        return None, dW, db
    dcols = np.matmul(d, W.reshape(F, Ho * Wo, C * k * k).transpose(1, 0, 2))   # (P, B, K)
    dx = col2im(dcols.transpose(1, 0, 2).reshape(B * Ho * Wo, C * k * k), x_shape, k, k)
    return dx, dW, db


# --------------------------------------------------------------------------- pooling
def _windows(x, size, layer=""):
    """``x`` cropped to whole windows and reshaped ``(B, C, Ho, size, Wo, size)``."""
    _images("x", x, layer)
    B, C, H, Wd = x.shape
    if size > H or size > Wd:
        raise ValueError(f"x must be at least {size}x{size} for pooling of size {size}{_where(layer)}, got {H}x{Wd}")
    Ho, Wo = H // size, Wd // size
    return x[:, :, : Ho * size, : Wo * size].reshape(B, C, Ho, size, Wo, size)


def _pool_slices(x, size):
    """The ``size**2`` strided views ``x[:, :, i::s, j::s]`` cropped to whole windows, in row-major (i, j) order."""
    Ho, Wo = x.shape[2] // size, x.shape[3] // size
    return [x[:, :, i : Ho * size : size, j : Wo * size : size] for i in range(size) for j in range(size)]


def maxpool_forward(x, size=2, layer=""):
    r"""Max pooling over non-overlapping windows: :math:`y_{c,u,v} = \max_{0\le i,j<s} x_{c,\,su+i,\,sv+j}`.

    Output ``(B, C, H // s, W // s)``; leftover rows/columns are dropped.
    The whole gradient of a window goes to its maximum -- the first one in
    row-major order on a tie (Ranzato, Huang, Boureau & LeCun 2007; Jarrett,
    Kavukcuoglu, Ranzato & LeCun 2009; Goodfellow et al. 2016, §9.3). The
    cache is ``(x, y, size)``: the backward pass finds the arg-max by comparison.
    """
    size = checks.integer("size", size, 1)
    _windows(x, size, layer)  # checks the shape
    slices = _pool_slices(x, size)
    out = slices[0].copy()
    for view in slices[1:]:  # s*s - 1 elementwise maxima over strided views
        np.maximum(out, view, out=out)
    return out, (x, out, size)


def maxpool_backward(dout, cache):
    r""":math:`\partial L/\partial x` is :math:`\delta_{c,u,v}` at each window's (first) arg-max, 0 elsewhere."""
    x, out, size = cache
    if dout.shape != out.shape:
        raise ValueError(f"dout must have shape {out.shape}, got {dout.shape}")
    dx = np.zeros(x.shape, dtype=dout.dtype)
    taken = np.zeros(out.shape, dtype=bool)
    for view, target in zip(_pool_slices(x, size), _pool_slices(dx, size)):
        hit = view == out
        hit &= ~taken
        taken |= hit
        np.multiply(dout, hit, out=target)
    return dx


def avgpool_forward(x, size=2, layer=""):
    r"""Average pooling over non-overlapping windows: :math:`y_{c,u,v} = s^{-2}\sum_{0\le i,j<s} x_{c,\,su+i,\,sv+j}`.

    Output ``(B, C, H // s, W // s)`` (LeCun et al. 1998's subsampling layers,
    without their trainable scale and bias).
    """
    size = checks.integer("size", size, 1)
    win = _windows(x, size, layer)
    return win.mean(axis=(3, 5)), (x.shape, size)


def avgpool_backward(dout, cache):
    r""":math:`\partial L/\partial x_{c,p,q} = \delta_{c,\lfloor p/s\rfloor,\lfloor q/s\rfloor}/s^2` inside whole windows, 0 in dropped rows."""
    x_shape, size = cache
    B, C, H, Wd = x_shape
    Ho, Wo = H // size, Wd // size
    if dout.shape != (B, C, Ho, Wo):
        raise ValueError(f"dout must have shape {(B, C, Ho, Wo)}, got {dout.shape}")
    dx = np.zeros(x_shape, dtype=dout.dtype)
    spread = np.repeat(np.repeat(dout, size, axis=2), size, axis=3)
    dx[:, :, : Ho * size, : Wo * size] = spread * (1 / size**2)
    return dx


# --------------------------------------------------------------------------- flatten
def flatten_forward(x):
    """``(B, ...)`` to ``(B, features)`` in row-major order; the cache is the input shape."""
    if not isinstance(x, np.ndarray) or x.ndim < 2:
        raise ValueError(f"x must be an array with a batch axis, got shape {np.shape(x)}")
    return x.reshape(x.shape[0], -1), x.shape


def flatten_backward(dout, cache):
    """:math:`\\partial L/\\partial x` is ``dout`` reshaped back to the input's shape."""
    if dout.shape != (cache[0], int(np.prod(cache[1:]))):
        raise ValueError(f"dout must have shape {(cache[0], int(np.prod(cache[1:])))}, got {dout.shape}")
    return dout.reshape(cache)


# --------------------------------------------------------------------------- receptive field
def receptive_field(layers):
    r"""Receptive field :math:`r_L` and jump :math:`j_L` after a stack of ``(kernel, stride)`` layers.

    .. math::
        r_l = r_{l-1} + (k_l - 1)\,j_{l-1}, \qquad j_l = j_{l-1}\,s_l, \qquad r_0 = j_0 = 1,

    the side of the input patch one output unit depends on, and the input
    distance between neighbouring output units (Araujo, Norris & Sim 2019,
    "Computing receptive fields of convolutional neural networks", Distill).
    Returns the list of :math:`(r_l, j_l)` for :math:`l = 1..L`.
    """
    r, j, out = 1, 1, []
    for n, pair in enumerate(layers):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"layers must hold (kernel, stride) pairs, got {pair!r} at position {n}")
        k = checks.integer("kernel", pair[0], 1)
        s = checks.integer("stride", pair[1], 1)
        r, j = r + (k - 1) * j, j * s
        out.append((r, j))
    return out


# --------------------------------------------------------------------------- layers for Sequential
class Conv2D(Layer):
    r"""2-D convolution (cross-correlation, stride 1) with ``out_channels`` filters of ``kernel`` x ``kernel``.

    Parameters ``W`` ``(F, C, k, k)`` and ``b`` ``(F,)``
    (:func:`conv2d_forward`). Initialized like PyTorch's ``nn.Conv2d``:
    :math:`W, b \sim \mathcal U(-1/\sqrt{C k^2},\, 1/\sqrt{C k^2})` (fan-in
    :math:`C k^2`). Input ``(B, C, H, W)``. Feature counts are unknown to
    :class:`~lib.nn.network.Sequential` (``features`` returns None), so a
    mismatch with a following :class:`~lib.nn.network.Linear` shows at the
    first forward pass, as a ``ValueError`` naming that layer.
    """

    def __init__(self, in_channels, out_channels, kernel=3, padding="valid"):
        self.c_in = checks.integer("in_channels", in_channels, 1)
        self.c_out = checks.integer("out_channels", out_channels, 1)
        self.k = checks.integer("kernel", kernel, 1)
        self.padding = _padding(padding)
        self.shapes = {"W": (self.c_out, self.c_in, self.k, self.k), "b": (self.c_out,)}

    def __repr__(self):
        return f"Conv2D({self.c_in}, {self.c_out}, kernel={self.k}, padding={self.padding!r})"

    def init(self, rng, dtype):
        bound = 1 / np.sqrt(self.c_in * self.k * self.k)
        return {"W": rng.uniform(-bound, bound, self.shapes["W"]).astype(dtype),
                "b": rng.uniform(-bound, bound, self.c_out).astype(dtype)}

    def features(self, n):
        return None

    def forward(self, x, params, state, train, update):
        return conv2d_forward(x, params["W"], params["b"], self.padding, self.label)

    def backward(self, dout, cache, grads, input_grad=True):
        return conv2d_backward(dout, cache, grads["W"], grads["b"], input_grad)[0]


class LocallyConnected2D(Layer):
    r"""Locally connected layer (:func:`local2d_forward`): ``out_channels`` filters per output position, no sharing.

    Needs the input's ``height`` and ``width`` (the number of positions fixes
    the number of parameters, :math:`F H_o W_o (C k^2 + 1)`). Initialized like
    :class:`Conv2D` (the same fan-in :math:`C k^2`).
    """

    def __init__(self, in_channels, out_channels, kernel, height, width):
        self.c_in = checks.integer("in_channels", in_channels, 1)
        self.c_out = checks.integer("out_channels", out_channels, 1)
        self.k = checks.integer("kernel", kernel, 1)
        self.h = checks.integer("height", height, self.k)
        self.w = checks.integer("width", width, self.k)
        ho, wo = self.h - self.k + 1, self.w - self.k + 1
        self.shapes = {"W": (self.c_out, ho, wo, self.c_in, self.k, self.k), "b": (self.c_out, ho, wo)}

    def __repr__(self):
        return f"LocallyConnected2D({self.c_in}, {self.c_out}, kernel={self.k}, input {self.h}x{self.w})"

    def init(self, rng, dtype):
        bound = 1 / np.sqrt(self.c_in * self.k * self.k)
        return {"W": rng.uniform(-bound, bound, self.shapes["W"]).astype(dtype),
                "b": rng.uniform(-bound, bound, self.shapes["b"]).astype(dtype)}

    def features(self, n):
        return None

    def forward(self, x, params, state, train, update):
        return local2d_forward(x, params["W"], params["b"], self.label)

    def backward(self, dout, cache, grads, input_grad=True):
        return local2d_backward(dout, cache, grads["W"], grads["b"], input_grad)[0]


class _Pool(Layer):
    """Pooling over non-overlapping ``size`` x ``size`` windows; no parameters."""

    def __init__(self, size=2):
        self.size = checks.integer("size", size, 1)

    def __repr__(self):
        return f"{type(self).__name__}({self.size})"

    def features(self, n):
        return None

    def forward(self, x, params, state, train, update):
        return type(self).pool_forward(x, self.size, self.label)

    def backward(self, dout, cache, grads, input_grad=True):
        return type(self).pool_backward(dout, cache)


class MaxPool2D(_Pool):
    """Max pooling over non-overlapping ``size`` x ``size`` windows (:func:`maxpool_forward`); no parameters."""
    pool_forward, pool_backward = staticmethod(maxpool_forward), staticmethod(maxpool_backward)


class AvgPool2D(_Pool):
    """Average pooling over non-overlapping ``size`` x ``size`` windows (:func:`avgpool_forward`); no parameters."""
    pool_forward, pool_backward = staticmethod(avgpool_forward), staticmethod(avgpool_backward)


class Flatten(Layer):
    """``(B, C, H, W)`` to ``(B, C*H*W)`` (:func:`flatten_forward`), between the convolutional and the linear layers."""

    def __repr__(self):
        return "Flatten()"

    def features(self, n):
        return None

    def forward(self, x, params, state, train, update):
        return flatten_forward(x)

    def backward(self, dout, cache, grads, input_grad=True):
        return flatten_backward(dout, cache)
