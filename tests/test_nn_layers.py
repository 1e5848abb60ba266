"""lib.nn.layers: every backward pass against finite differences of sum(out * dout), batch norm against
a direct two-pass computation and its recurrence, inverted dropout, the residual block, bad input."""
import numpy as np
import pytest

from lib.gradcheck import check_gradient
from lib.nn import layers as L
from lib.nn.activations import ACTIVATIONS

SHAPES = [(1, 1, 1), (4, 3, 5), (7, 10, 2)]     # (batch, in, out)
TOL = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


def backward_error(forward, backward, x, dout):
    """Relative error between ``backward(x)`` and the central-difference gradient of sum(forward(x) * dout)."""
    return check_gradient(lambda v: np.sum(forward(v) * dout), backward, x)


# --------------------------------------------------------------------------- linear
@pytest.mark.parametrize("B, n_in, n_out", SHAPES)
def test_linear_backward(B, n_in, n_out):
    r = rng(B)
    x, W, b, dout = r.normal(size=(B, n_in)), r.normal(size=(n_out, n_in)), r.normal(size=n_out), r.normal(size=(B, n_out))
    _, cache = L.linear_forward(x, W, b)
    dx, dW, db = L.linear_backward(dout, cache)
    assert backward_error(lambda v: L.linear_forward(v, W, b)[0], lambda v: dx, x, dout) < TOL
    assert backward_error(lambda v: L.linear_forward(x, v, b)[0], lambda v: dW, W, dout) < TOL
    assert backward_error(lambda v: L.linear_forward(x, W, v)[0], lambda v: db, b, dout) < TOL


def test_linear_writes_into_given_buffers():
    r = rng()
    x, W, b, dout = r.normal(size=(5, 3)), r.normal(size=(4, 3)), r.normal(size=4), r.normal(size=(5, 4))
    out, dW, db = np.empty((5, 4)), np.empty((4, 3)), np.empty(4)
    result, cache = L.linear_forward(x, W, b, out=out)
    _, dW_result, db_result = L.linear_backward(dout, cache, dW=dW, db=db)
    assert result is out and dW_result is dW and db_result is db
    np.testing.assert_allclose(out, x @ W.T + b, rtol=1e-14)
    np.testing.assert_allclose(dW, dout.T @ x, rtol=1e-14)


# --------------------------------------------------------------------------- activation
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(1, 1), (6, 4), (2, 3, 4)])
def test_activation_backward(name, shape):
    r = rng(len(shape))
    x = r.uniform(-3, 3, shape)
    x[np.abs(x) < 1e-3] = 0.5                                      # away from ReLU's kink
    dout = r.normal(size=shape)
    _, cache = L.activation_forward(x, name)
    dx = L.activation_backward(dout, cache)
    assert backward_error(lambda v: L.activation_forward(v, name)[0], lambda v: dx, x, dout) < TOL


def test_activation_options_reach_the_function():
    out, cache = L.activation_forward(np.array([[-1.0, 2.0]]), "leaky_relu", slope=0.25)
    np.testing.assert_array_equal(out, [[-0.25, 2.0]])
    np.testing.assert_array_equal(L.activation_backward(np.ones((1, 2)), cache), [[0.25, 1.0]])


# --------------------------------------------------------------------------- batch norm
BN_SHAPES = [(2, 1), (5, 3), (8, 4), (3, 2, 2, 3)]


def bn_params(shape, seed=0):
    r = rng(seed)
    C = shape[1]
    return r.normal(size=shape) * 3 + 1, 1 + 0.5 * r.normal(size=C), r.normal(size=C), r.normal(size=shape)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_train_backward(shape):
    x, gamma, beta, dout = bn_params(shape)
    _, cache = L.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = L.batchnorm_backward(dout, cache)
    assert backward_error(lambda v: L.batchnorm_forward(v, gamma, beta)[0], lambda v: dx, x, dout) < TOL
    assert backward_error(lambda v: L.batchnorm_forward(x, v, beta)[0], lambda v: dgamma, gamma, dout) < TOL
    assert backward_error(lambda v: L.batchnorm_forward(x, gamma, v)[0], lambda v: dbeta, beta, dout) < TOL


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_eval_backward(shape):
    x, gamma, beta, dout = bn_params(shape, seed=1)
    C = shape[1]
    mean, var = rng(2).normal(size=C), rng(3).uniform(0.5, 2, C)
    _, cache = L.batchnorm_eval_forward(x, gamma, beta, mean, var)
    dx, dgamma, dbeta = L.batchnorm_backward(dout, cache)

    def forward(x=x, gamma=gamma, beta=beta):
        return L.batchnorm_eval_forward(x, gamma, beta, mean, var)[0]

    assert backward_error(lambda v: forward(x=v), lambda v: dx, x, dout) < TOL
    assert backward_error(lambda v: forward(gamma=v), lambda v: dgamma, gamma, dout) < TOL
    assert backward_error(lambda v: forward(beta=v), lambda v: dbeta, beta, dout) < TOL


def two_pass_batchnorm(x, gamma, beta, eps):
    """The four steps of Ioffe & Szegedy's Algorithm 1, written out per feature with explicit loops."""
    out = np.empty_like(x)
    for k in range(x.shape[1]):
        values = x[:, k].ravel()
        mu = sum(values) / len(values)                                    # step 1: mini-batch mean
        var = sum((v - mu) ** 2 for v in values) / len(values)           # step 2: mini-batch variance (biased)
        x_hat = (x[:, k] - mu) / np.sqrt(var + eps)                        # step 3: normalize
        out[:, k] = gamma[k] * x_hat + beta[k]                             # step 4: scale and shift
    return out


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_matches_the_four_steps(shape):
    x, gamma, beta, _ = bn_params(shape, seed=4)
    out, cache = L.batchnorm_forward(x, gamma, beta, eps=1e-3)
    np.testing.assert_allclose(out, two_pass_batchnorm(x, gamma, beta, 1e-3), rtol=1e-12, atol=1e-12)
    axes = (0, *range(2, x.ndim))
    np.testing.assert_allclose(cache.mean, x.mean(axis=axes), rtol=1e-13)
    np.testing.assert_allclose(cache.var, x.var(axis=axes), rtol=1e-12)
    mean, var = cache.mean, cache.var
    out_eval, _ = L.batchnorm_eval_forward(x, gamma, beta, mean, var, eps=1e-3)
    np.testing.assert_allclose(out_eval, out, rtol=1e-12, atol=1e-12)      # eval with the batch's own stats = train


def test_batchnorm_is_the_identity_when_gamma_is_the_std_and_beta_the_mean():
    x = rng(5).normal(size=(16, 3)) * [1.0, 5.0, 0.1] + [2.0, -1.0, 0.0]
    eps = 1e-5
    std = np.sqrt(x.var(axis=0) + eps)
    out, _ = L.batchnorm_forward(x, std, x.mean(axis=0), eps=eps)
    np.testing.assert_allclose(out, x, rtol=1e-12, atol=1e-12)
    wrong, _ = L.batchnorm_forward(x, std**2, x.mean(axis=0), eps=eps)       # the notes' "gamma = variance"
    assert np.abs(wrong - x).max() > 1.0


def test_batchnorm_output_has_mean_beta_and_std_gamma():
    x = rng(6).normal(size=(64, 2)) * 7 + 3
    out, _ = L.batchnorm_forward(x, np.array([2.0, 0.5]), np.array([-1.0, 4.0]), eps=0.0)
    np.testing.assert_allclose(out.mean(axis=0), [-1.0, 4.0], atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), [2.0, 0.5], rtol=1e-12)


def test_running_stats_follow_the_recurrence():
    r = rng(7)
    mean, var = np.zeros(2), np.ones(2)
    expected_mean, expected_var = np.zeros(2), np.ones(2)
    for _ in range(20):
        batch = r.normal(size=(10, 2)) * [2.0, 0.5] + [1.0, -3.0]
        _, cache = L.batchnorm_forward(batch, np.ones(2), np.zeros(2))
        mean, var = L.update_running_stats(mean, var, cache.mean, cache.var, 10, momentum=0.1)
        expected_mean = 0.9 * expected_mean + 0.1 * batch.mean(axis=0)
        expected_var = 0.9 * expected_var + 0.1 * batch.var(axis=0, ddof=1)   # PyTorch: unbiased running var
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-13)
    np.testing.assert_allclose(var, expected_var, rtol=1e-13)
    keras_mean, keras_var = L.update_running_stats(np.zeros(2), np.ones(2), np.ones(2), np.full(2, 4.0), 10,
                                                    momentum=1 - 0.99, unbiased=False)
    np.testing.assert_allclose(keras_mean, 0.99 * 0 + 0.01 * 1.0)              # Keras: 0.99 weights the old value
    np.testing.assert_allclose(keras_var, 0.99 * 1 + 0.01 * 4.0)                # and the biased variance


# --------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("shape", [(1, 1), (5, 4), (2, 3, 3)])
def test_dropout_backward_with_a_fixed_mask(shape):
    r = rng(8)
    x, dout = r.normal(size=shape), r.normal(size=shape)
    mask = L.dropout_mask(shape, 0.3, r)
    _, cache = L.dropout_forward(x, 0.3, mask=mask)
    dx = L.dropout_backward(dout, cache)
    assert backward_error(lambda v: L.dropout_forward(v, 0.3, mask=mask)[0], lambda v: dx, x, dout) < TOL


def test_inverted_dropout_keeps_the_expected_activation():
    p, shape = 0.3, (400, 500)
    mask = L.dropout_mask(shape, p, 0)
    kept = mask > 0
    np.testing.assert_array_equal(mask[kept], 1 / (1 - p))
    n = mask.size
    assert abs(1 - kept.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)            # dropped fraction ~ p
    assert abs(mask.mean() - 1) < 4 * np.sqrt(p / (1 - p) / n)                 # E[mask] = 1
    x = rng(9).normal(size=(3, 4))
    out, cache = L.dropout_forward(x, p, train=False)
    assert out is x and cache is None and L.dropout_backward(x, None) is x


def test_dropout_is_reproducible_from_a_seed_and_keeps_float32():
    x = np.ones((6, 6), dtype=np.float32)
    a, _ = L.dropout_forward(x, 0.5, rng=3)
    b, _ = L.dropout_forward(x, 0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and set(np.unique(a)) <= {0.0, 2.0}


# --------------------------------------------------------------------------- residual block
@pytest.mark.parametrize("B, features, hidden", [(1, 1, 1), (4, 3, 5), (6, 5, 2)])
def test_residual_backward(B, features, hidden):
    r = rng(B + features)
    x, dout = r.normal(size=(B, features)), r.normal(size=(B, features))
    params = [r.normal(size=(hidden, features)), r.normal(size=hidden), r.normal(size=(features, hidden)), r.normal(size=features)]
    _, cache = L.residual_forward(x, *params, name="tanh")
    grads = L.residual_backward(dout, cache)
    for k, value in enumerate([x, *params]):
        def forward(v, k=k):
            args = [x, *params]
            args[k] = v
            return L.residual_forward(*args, name="tanh")[0]
        assert backward_error(forward, lambda v, k=k: grads[k], value, dout) < TOL


def test_residual_shortcut_passes_the_gradient_when_the_branch_is_dead():
    x, dout = rng(10).normal(size=(3, 4)), rng(11).normal(size=(3, 4))
    W1, b1 = np.zeros((2, 4)), -np.ones(2)                                     # ReLU branch never fires
    out, cache = L.residual_forward(x, W1, b1, np.ones((4, 2)), np.zeros(4))
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(L.residual_backward(dout, cache)[0], dout)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, name", [
    (lambda: L.linear_forward(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(4)), "x"),
    (lambda: L.linear_forward(np.zeros(3), np.zeros((4, 3)), np.zeros(4)), "x"),
    (lambda: L.linear_forward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(3)), "b"),
    (lambda: L.linear_backward(np.zeros((2, 3)), (np.zeros((2, 3)), np.zeros((4, 3)))), "dout"),
    (lambda: L.activation_forward(np.zeros(2), "swish"), "activation"),
    (lambda: L.activation_backward(np.zeros(3), (np.zeros(2), "relu", {})), "dout"),
    (lambda: L.batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(2)), "x"),
    (lambda: L.batchnorm_forward(np.zeros((1, 2)), np.ones(2), np.zeros(2)), "x"),
    (lambda: L.batchnorm_forward(np.zeros((4, 2)), np.ones(2), np.zeros(3)), "beta"),
    (lambda: L.batchnorm_eval_forward(np.zeros((4, 2)), np.ones(2), np.zeros(2), np.zeros(3), np.ones(2)), "running_mean"),
    (lambda: L.update_running_stats(0.0, 1.0, 0.0, 1.0, 4, momentum=1.5), "momentum"),
    (lambda: L.update_running_stats(0.0, 1.0, 0.0, 1.0, 1), "m"),
    (lambda: L.dropout_forward(np.zeros(3), p=1.0, rng=0), "p"),
    (lambda: L.dropout_forward(np.zeros(3), p=0.5), "rng"),
    (lambda: L.dropout_forward(np.zeros(3), mask=np.ones(2)), "mask"),
    (lambda: L.residual_forward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(4), np.zeros((4, 3)), np.zeros(3)), "W2"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_shape_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"^x must have shape \(batch, 2\) in layer 3"):
        L.linear_forward(np.zeros((5, 3)), np.zeros((4, 2)), np.zeros(4), layer="layer 3")
