"""lib.nn.conv: convolution against a naive loop, every backward pass against finite differences,
pooling by hand, translation equivariance, the receptive-field recurrence, Sequential integration, bad input."""
import numpy as np
import pytest

from lib.gradcheck import check_gradient
from lib.nn import conv
from lib.nn.network import Activation, Linear, NetworkObjective, Sequential

TOL = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


def naive_conv(x, W, b, padding="valid"):
    """Cross-correlation by four nested loops over positions, filters, channels and kernel offsets."""
    B, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    if padding == "same":
        t, lft = (kh - 1) // 2, (kw - 1) // 2
        xp = np.zeros((B, C, H + kh - 1, Wd + kw - 1))
        xp[:, :, t : t + H, lft : lft + Wd] = x
        x = xp
    Ho, Wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    out = np.zeros((B, F, Ho, Wo))
    for n in range(B):
        for f in range(F):
            for u in range(Ho):
                for v in range(Wo):
                    total = b[f]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += W[f, c, i, j] * x[n, c, u + i, v + j]
                    out[n, f, u, v] = total
    return out


def backward_error(forward, grad, x, dout):
    return check_gradient(lambda v: np.sum(forward(v) * dout), lambda v: grad, x)


CASES = [  # (B, C, H, W, F, k, padding)
    (1, 1, 5, 5, 1, 3, "valid"), (2, 3, 6, 5, 4, 3, "valid"), (2, 2, 5, 6, 3, 3, "same"),
    (1, 2, 4, 4, 2, 2, "same"), (3, 1, 4, 5, 2, 1, "valid"), (1, 1, 4, 4, 1, 4, "valid"),
]


# --------------------------------------------------------------------------- convolution
@pytest.mark.parametrize("B, C, H, Wd, F, k, padding", CASES)
def test_conv_matches_naive_loops(B, C, H, Wd, F, k, padding):
    r = rng(H * Wd + k)
    x, W, b = r.normal(size=(B, C, H, Wd)), r.normal(size=(F, C, k, k)), r.normal(size=F)
    out, _ = conv.conv2d_forward(x, W, b, padding)
    expected = naive_conv(x, W, b, padding)
    assert out.shape == expected.shape == (B, F, *(conv.conv_output_size(n, k, padding) for n in (H, Wd)))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_conv_known_value():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    W = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])             # x[u, v] - x[u+1, v+1]
    out, _ = conv.conv2d_forward(x, W, np.array([0.5]))
    np.testing.assert_array_equal(out[0, 0], [[-3.5, -3.5], [-3.5, -3.5]])


@pytest.mark.parametrize("B, C, H, Wd, F, k, padding", CASES)
def test_conv_backward(B, C, H, Wd, F, k, padding):
    r = rng(B + C + k)
    x, W, b = r.normal(size=(B, C, H, Wd)), r.normal(size=(F, C, k, k)), r.normal(size=F)
    out, cache = conv.conv2d_forward(x, W, b, padding)
    dout = r.normal(size=out.shape)
    dx, dW, db = conv.conv2d_backward(dout, cache)
    assert backward_error(lambda v: conv.conv2d_forward(v, W, b, padding)[0], dx, x, dout) < TOL
    assert backward_error(lambda v: conv.conv2d_forward(x, v, b, padding)[0], dW, W, dout) < TOL
    assert backward_error(lambda v: conv.conv2d_forward(x, W, v, padding)[0], db, b, dout) < TOL


def test_conv_backward_writes_buffers_and_skips_dx():
    r = rng(1)
    x, W, b = r.normal(size=(2, 2, 5, 5)), r.normal(size=(3, 2, 3, 3)), r.normal(size=3)
    out, cache = conv.conv2d_forward(x, W, b)
    dW, db = np.empty_like(W), np.empty_like(b)
    dx, dW_out, db_out = conv.conv2d_backward(np.ones_like(out), cache, dW, db, input_grad=False)
    assert dx is None and dW_out is dW and db_out is db
    np.testing.assert_allclose(db, np.full(3, 2 * 9.0))


def test_im2col_col2im_are_adjoint():
    r = rng(2)
    x = r.normal(size=(2, 3, 5, 4))
    for padding in conv.PADDINGS:
        cols = conv.im2col(x, 3, 2, padding)
        y = r.normal(size=cols.shape)
        lhs = np.sum(cols * y)
        rhs = np.sum(x * conv.col2im(y, x.shape, 3, 2, padding))
        assert abs(lhs - rhs) < 1e-10 * abs(lhs)


def test_float32_stays_float32():
    r = rng(3)
    x, W, b = (r.normal(size=s).astype(np.float32) for s in ((2, 1, 6, 6), (2, 1, 3, 3), (2,)))
    out, cache = conv.conv2d_forward(x, W, b, "same")
    assert out.dtype == np.float32 and conv.conv2d_backward(out, cache)[0].dtype == np.float32
    assert conv.maxpool_forward(out)[0].dtype == np.float32 and conv.avgpool_forward(out)[0].dtype == np.float32


def test_extreme_but_finite_input():
    x = np.full((1, 1, 4, 4), 1e150)
    W = np.full((1, 1, 3, 3), 1e150)
    out, cache = conv.conv2d_forward(x, W, np.zeros(1))
    np.testing.assert_allclose(out, 9e300, rtol=1e-14)              # near the top of the float range, still exact
    dx, dW, _ = conv.conv2d_backward(np.full_like(out, 1e-150), cache)
    assert np.isfinite(dx).all() and np.isfinite(dW).all()
    pooled, pcache = conv.maxpool_forward(np.full((1, 1, 4, 4), -1e308))
    assert np.all(pooled == -1e308) and np.all(np.isfinite(conv.maxpool_backward(pooled, pcache)))


# --------------------------------------------------------------------------- translation equivariance
@pytest.mark.parametrize("d", [1, 2, 3])
def test_translation_equivariance_in_the_interior(d):
    r = rng(d)
    x, W, b = r.normal(size=(2, 2, 9, 9)), r.normal(size=(3, 2, 3, 3)), r.normal(size=3)
    shifted = np.zeros_like(x)
    shifted[:, :, :, d:] = x[:, :, :, :-d]                          # move the image d pixels right, zeros enter left
    a, _ = conv.conv2d_forward(x, W, b)
    a_shifted, _ = conv.conv2d_forward(shifted, W, b)
    np.testing.assert_allclose(a_shifted[..., d:], a[..., :-d], rtol=1e-13, atol=1e-13)
    assert np.abs(a_shifted[..., :d] - a[..., :d]).max() > 1e-3      # the borders differ: equivariance is not exact there


def test_global_max_pool_is_shift_invariant_circularly():
    r = rng(4)
    x = r.normal(size=(1, 1, 6, 6))
    W, b = r.normal(size=(2, 1, 3, 3)), np.zeros(2)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="wrap")     # circular padding: exact equivariance everywhere
    rolled = np.roll(x, 2, axis=3)
    rp = np.pad(rolled, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="wrap")
    a, _ = conv.conv2d_forward(xp, W, b)
    a2, _ = conv.conv2d_forward(rp, W, b)
    np.testing.assert_allclose(a2, np.roll(a, 2, axis=3), atol=1e-13)
    np.testing.assert_allclose(a2.max(axis=(2, 3)), a.max(axis=(2, 3)), atol=1e-13)


# --------------------------------------------------------------------------- pooling and flatten
def test_pooling_known_values():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    mx, _ = conv.maxpool_forward(x, 2)
    av, _ = conv.avgpool_forward(x, 2)
    np.testing.assert_array_equal(mx[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(av[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    odd, _ = conv.maxpool_forward(np.arange(25.0).reshape(1, 1, 5, 5), 2)   # last row and column dropped
    np.testing.assert_array_equal(odd[0, 0], [[6, 8], [16, 18]])


@pytest.mark.parametrize("shape, size", [((2, 3, 4, 4), 2), ((1, 2, 5, 7), 2), ((2, 1, 6, 6), 3), ((1, 1, 3, 3), 1)])
def test_pooling_backward(shape, size):
    r = rng(sum(shape))
    x = r.permutation(np.prod(shape)).reshape(shape) / 7.0 + r.normal(size=shape) * 1e-3  # distinct values: no ties
    for forward, backward in ((conv.maxpool_forward, conv.maxpool_backward), (conv.avgpool_forward, conv.avgpool_backward)):
        out, cache = forward(x, size)
        dout = r.normal(size=out.shape)
        assert backward_error(lambda v: forward(v, size)[0], backward(dout, cache), x, dout) < TOL


def test_flatten_round_trip():
    r = rng(5)
    x = r.normal(size=(3, 2, 4, 5))
    out, cache = conv.flatten_forward(x)
    assert out.shape == (3, 40)
    np.testing.assert_array_equal(conv.flatten_backward(out, cache), x)


# --------------------------------------------------------------------------- receptive field
def test_receptive_field_recurrence_and_measured_support():
    assert conv.receptive_field([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)]) == [(3, 1), (4, 2), (8, 2), (10, 4), (18, 4)]
    # measured: the gradient of one deep unit reaches exactly an r x r patch of the input
    model = Sequential([conv.Conv2D(1, 2, 3, "same"), conv.AvgPool2D(2), conv.Conv2D(2, 2, 3, "same")])
    theta = np.abs(model.init(0)) + 0.1                                  # positive weights: no cancellation
    out, tape = model.forward(theta, np.ones((1, 1, 16, 16)))
    dout = np.zeros_like(out)
    dout[0, 0, 4, 4] = 1.0
    _, dx = model.backward(dout, tape, input_grad=True)
    rows, cols = np.nonzero(dx[0, 0])
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (8, 8)


# --------------------------------------------------------------------------- in a network
def small_cnn():
    return Sequential([conv.Conv2D(1, 3, 3), Activation("tanh"), conv.MaxPool2D(2), conv.Conv2D(3, 2, 2, "same"),
                            conv.AvgPool2D(1), conv.Flatten(), Linear(2 * 9, 4)])


def test_network_gradient_and_parameter_count():
    r = rng(6)
    model = small_cnn()
    assert model.dim == (3 * 9 + 3) + (2 * 3 * 4 + 2) + (18 * 4 + 4)
    X, y = r.normal(size=(5, 1, 8, 8)), r.integers(0, 4, 5)
    objective = NetworkObjective(model, X, y)
    assert check_gradient(objective.loss, objective.grad, model.init(1)) < TOL


def test_network_input_gradient():
    r = rng(7)
    model = small_cnn()
    theta, x = model.init(2), r.normal(size=(2, 1, 8, 8))
    dout = r.normal(size=(2, 4))
    _, tape = model.forward(theta, x)
    _, dx = model.backward(dout, tape, input_grad=True)
    assert backward_error(lambda v: model.forward(theta, v)[0], dx, x, dout) < TOL


def test_sequential_takes_image_batches_when_a_conv_layer_comes_first():
    layers = [conv.Conv2D(1, 2, 3), conv.Flatten(), Linear(2 * 36, 3)]
    X, y = np.zeros((4, 1, 8, 8)), np.array([0, 1, 2, 0])
    model = Sequential(layers)
    assert model.in_features is None and NetworkObjective(model, X, y).n == 4
    assert Sequential([Linear(3, 2)]).in_features == 3
    assert Sequential([Activation("relu"), Linear(3, 2)]).in_features == 3


def test_mismatch_with_linear_named_at_forward():
    model = Sequential([conv.Conv2D(1, 2, 3), conv.Flatten(), Linear(10, 3)])
    with pytest.raises(ValueError, match=r"^x must have shape \(batch, 10\) in layer 2"):
        model.forward(model.init(0), np.zeros((1, 1, 8, 8)))


# --------------------------------------------------------------------------- bad input
def test_bad_input():
    x, W, b = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3)
    with pytest.raises(ValueError, match=r"^x must be an array of shape \(batch, channels, height, width\)"):
        conv.conv2d_forward(np.zeros((2, 5, 5)), W, b)
    with pytest.raises(ValueError, match=r"^W must have shape \(filters, 2, kh, kw\)"):
        conv.conv2d_forward(x, np.zeros((3, 1, 3, 3)), b)
    with pytest.raises(ValueError, match=r"^b must have shape"):
        conv.conv2d_forward(x, W, np.zeros(2))
    with pytest.raises(ValueError, match=r"^padding must be one of"):
        conv.conv2d_forward(x, W, b, "full")
    with pytest.raises(ValueError, match=r"^x must be at least 7x7"):
        conv.conv2d_forward(x, np.zeros((3, 2, 7, 7)), b)
    out, cache = conv.conv2d_forward(x, W, b)
    with pytest.raises(ValueError, match=r"^dout must have shape"):
        conv.conv2d_backward(np.zeros((1, 3, 4, 4)), cache)
    with pytest.raises(ValueError, match=r"^size must be"):
        conv.maxpool_forward(x, 0)
    with pytest.raises(ValueError, match=r"^x must be at least 6x6 for pooling"):
        conv.avgpool_forward(x, 6)
    with pytest.raises(ValueError, match=r"^in_channels must be"):
        conv.Conv2D(0, 2)
    with pytest.raises(ValueError, match=r"^kernel must be"):
        conv.Conv2D(1, 2, kernel=2.5)
    with pytest.raises(ValueError, match=r"^layers must hold \(kernel, stride\) pairs"):
        conv.receptive_field([3])
    with pytest.raises(ValueError, match=r"^k must be at most n"):
        conv.conv_output_size(3, 4)
    with pytest.raises(ValueError, match=r"^x must be an array with a batch axis"):
        conv.flatten_forward(np.zeros(3))
    model = Sequential([conv.Conv2D(2, 3, 3), conv.Flatten(), Linear(27, 2)])
    with pytest.raises(ValueError, match=r"^W must have shape \(filters, 1, kh, kw\) in layer 0"):
        model.forward(model.init(0), np.zeros((1, 1, 5, 5)))


# --------------------------------------------------------------------------- locally connected
def naive_local(x, W, b):
    B, C, H, Wd = x.shape
    F, Ho, Wo, _, k, _ = W.shape
    out = np.zeros((B, F, Ho, Wo))
    for n in range(B):
        for f in range(F):
            for u in range(Ho):
                for v in range(Wo):
                    out[n, f, u, v] = b[f, u, v] + np.sum(W[f, u, v] * x[n, :, u : u + k, v : v + k])
    return out


@pytest.mark.parametrize("B, C, H, Wd, F, k", [(1, 1, 4, 4, 1, 3), (2, 2, 5, 6, 3, 2), (3, 1, 3, 3, 2, 1)])
def test_local_matches_naive_and_backward(B, C, H, Wd, F, k):
    r = rng(B * 10 + k)
    Ho, Wo = H - k + 1, Wd - k + 1
    x, W, b = r.normal(size=(B, C, H, Wd)), r.normal(size=(F, Ho, Wo, C, k, k)), r.normal(size=(F, Ho, Wo))
    out, cache = conv.local2d_forward(x, W, b)
    np.testing.assert_allclose(out, naive_local(x, W, b), rtol=1e-12, atol=1e-12)
    dout = r.normal(size=out.shape)
    dx, dW, db = conv.local2d_backward(dout, cache)
    assert backward_error(lambda v: conv.local2d_forward(v, W, b)[0], dx, x, dout) < TOL
    assert backward_error(lambda v: conv.local2d_forward(x, v, b)[0], dW, W, dout) < TOL
    assert backward_error(lambda v: conv.local2d_forward(x, W, v)[0], db, b, dout) < TOL


def test_local_with_tied_weights_is_a_convolution():
    r = rng(8)
    x, K, bias = r.normal(size=(2, 2, 6, 6)), r.normal(size=(3, 2, 3, 3)), r.normal(size=3)
    W = np.broadcast_to(K[:, None, None], (3, 4, 4, 2, 3, 3)).copy()
    b = np.broadcast_to(bias[:, None, None], (3, 4, 4)).copy()
    np.testing.assert_allclose(conv.local2d_forward(x, W, b)[0], conv.conv2d_forward(x, K, bias)[0], rtol=1e-12,
                               atol=1e-12)
    layer = conv.LocallyConnected2D(2, 3, 3, 6, 6)
    assert Sequential([layer]).dim == 3 * 4 * 4 * (2 * 9 + 1)


def test_local_bad_input():
    W, b = np.zeros((2, 3, 3, 1, 2, 2)), np.zeros((2, 3, 3))
    with pytest.raises(ValueError, match=r"^x must be 4x4 for W of shape"):
        conv.local2d_forward(np.zeros((1, 1, 5, 5)), W, b)
    with pytest.raises(ValueError, match=r"^W must have shape \(filters, H_out, W_out, 2, k, k\)"):
        conv.local2d_forward(np.zeros((1, 2, 4, 4)), W, b)
    with pytest.raises(ValueError, match=r"^b must have shape \(2, 3, 3\)"):
        conv.local2d_forward(np.zeros((1, 1, 4, 4)), W, np.zeros(2))
    with pytest.raises(ValueError, match=r"^height must be"):
        conv.LocallyConnected2D(1, 2, 3, 2, 5)
