"""lib.nn.network: one flat theta, whole-network gradients against finite differences, train/eval state,
hooks, training with lib.gradient_descent.descend, divergence, float32, the GLM chapter's TwoLayerNet."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lib.nn as nn
from lib.datasets import linear_regression_data, two_moons
from lib.glm import BERNOULLI, CATEGORICAL, GAUSSIAN, POISSON
from lib.gradcheck import check_gradient
from lib.gradient_descent import descend
from lib.objectives import LeastSquares
from lib.optimizers import SGD, Momentum


def mlp(widths, act="tanh", dtype=np.float64, **extra):
    layers = []
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if k < len(widths) - 2:
            layers.append(nn.Activation(act, **extra))
    return nn.Sequential(layers, dtype=dtype)


def problem(loss, n=12, d=3, seed=0):
    r = np.random.default_rng(seed)
    X = r.normal(size=(n, d))
    y = {"softmax": r.integers(0, 3, n), "sigmoid": r.integers(0, 2, n).astype(float),
         "gaussian": r.normal(size=n), "poisson": r.poisson(2.0, n).astype(float)}[loss]
    return X, y, 3 if loss == "softmax" else 1


# --------------------------------------------------------------------------- one flat theta
def test_parameters_are_views_into_theta():
    model = mlp([3, 5, 2])
    theta = model.init(seed=1)
    params = model.params(theta)
    assert model.dim == 3 * 5 + 5 + 5 * 2 + 2 == theta.size
    assert all(np.shares_memory(p, theta) for layer in params for p in layer.values())
    params[0]["W"][0, 0] = 7.0                                          # writing a view writes theta
    assert theta[0] == 7.0
    np.testing.assert_array_equal(np.concatenate([p.ravel() for layer in params for p in layer.values()]), theta)


def test_init_uses_each_layers_initializer_in_order():
    model = nn.Sequential([nn.Linear(4, 3, init="keras"), nn.Activation("relu"), nn.Linear(3, 2)])
    theta = model.init(seed=2)
    rng = np.random.default_rng(2)
    W1, b1 = nn.init.keras_dense(4, 3, rng)
    W2, b2 = nn.init.pytorch_linear(3, 2, rng)
    np.testing.assert_array_equal(theta, np.concatenate([W1.ravel(), b1, W2.ravel(), b2]))


def test_backward_writes_into_a_given_gradient_buffer_without_copying_theta():
    model = mlp([3, 4, 2], act="relu")
    X, y, _ = problem("softmax")
    objective = nn.NetworkObjective(model, X, y % 2, "softmax")
    theta = model.init()
    z, tape = model.forward(theta, X)
    buffer = np.zeros(model.dim)
    assert model.backward(nn.Head(CATEGORICAL).grad(z, y % 2), tape, buffer) is buffer
    np.testing.assert_allclose(buffer, objective.grad(theta), rtol=1e-14)


# --------------------------------------------------------------------------- gradients of whole networks
@pytest.mark.parametrize("loss", ["softmax", "sigmoid", "gaussian", "poisson"])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "gelu", "softplus", "elu"])
def test_network_gradient_matches_finite_differences(loss, act):
    X, y, out = problem(loss)
    objective = nn.NetworkObjective(mlp([3, 5, 4, out], act), X, y, loss)
    theta = 0.5 * objective.model.init(seed=3)
    idx = np.array([0, 3, 3, 7, 11])
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7
    assert check_gradient(lambda t: objective.loss(t, idx), lambda t: objective.grad(t, idx), theta) < 1e-7


def test_batchnorm_residual_network_gradient_in_both_modes():
    X, y, _ = problem("softmax", n=16)
    model = nn.Sequential([nn.Linear(3, 6), nn.BatchNorm(6), nn.Activation("tanh"), nn.Residual(6, hidden=4, activation="tanh"),
                           nn.BatchNorm(6), nn.Linear(6, 3)])
    objective = nn.NetworkObjective(model, X, y, "softmax")
    theta = model.init(seed=4)
    theta[model.offsets[1]["gamma"][0]:model.offsets[1]["beta"][1]] += np.random.default_rng(5).normal(size=12)
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7
    model.eval()
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7


def test_dropout_network_loss_reuses_the_latest_training_mask():
    X, y, _ = problem("softmax", n=10)
    model = nn.Sequential([nn.Linear(3, 8), nn.Activation("tanh"), nn.Dropout(0.5, seed=1), nn.Linear(8, 3)])
    objective = nn.NetworkObjective(model, X, y, "softmax")
    theta = model.init(seed=6)
    assert check_gradient(objective.loss, objective.grad, theta) < 1e-7        # grad draws a mask, loss reuses it
    first = objective.loss(theta)
    assert model.state[2]["passes"] == 1                                          # loss passes change nothing
    objective.grad(theta)                                                        # the next training pass: a new mask
    assert model.state[2]["passes"] == 2 and objective.loss(theta) != first
    model.eval()
    plain = nn.NetworkObjective(nn.Sequential([nn.Linear(3, 8), nn.Activation("tanh"), nn.Linear(8, 3)]), X, y, "softmax")
    assert objective.loss(theta) == plain.loss(theta)                           # eval: dropout is the identity


# --------------------------------------------------------------------------- state and modes
def test_running_statistics_change_only_on_training_passes():
    X, y, _ = problem("softmax", n=20)
    model = nn.Sequential([nn.Linear(3, 4), nn.BatchNorm(4), nn.Linear(4, 3)])
    objective = nn.NetworkObjective(model, X, y, "softmax")
    theta = model.init()
    objective.loss(theta)
    np.testing.assert_array_equal(model.state[1]["mean"], 0.0)
    objective.grad(theta)
    h = X @ model.params(theta)[0]["W"].T + model.params(theta)[0]["b"]
    np.testing.assert_allclose(model.state[1]["mean"], 0.1 * h.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(model.state[1]["var"], 0.9 + 0.1 * h.var(axis=0, ddof=1), rtol=1e-13)
    model.eval()
    one = objective.output(theta, X[:1])                                         # a batch of one is fine at inference
    assert np.isfinite(one).all() and not np.allclose(one, objective.output(theta, X[1:2]))
    model.reset_state()
    np.testing.assert_array_equal(model.state[1]["var"], 1.0)


# --------------------------------------------------------------------------- hooks
def test_hooks_record_activations_and_gradient_norms():
    X, y, _ = problem("softmax")
    model = mlp([3, 5, 4, 3], act="tanh")
    activations, norms = nn.ActivationRecorder(), nn.GradientNormRecorder()
    model.forward_hooks.append(activations)
    model.backward_hooks.append(norms)
    objective = nn.NetworkObjective(model, X, y, "softmax")
    theta = model.init()
    g = objective.grad(theta)
    objective.grad(theta)
    assert sorted(activations.activations) == list(range(5))
    np.testing.assert_allclose(activations.activations[1], np.tanh(X @ model.params(theta)[0]["W"].T + model.params(theta)[0]["b"]))
    assert len(norms.history) == 2 and sorted(norms.history[0]) == list(range(5))
    grads = model._cut(g)
    for index in (0, 2, 4):
        assert norms.history[0][index]["W"] == pytest.approx(np.linalg.norm(grads[index]["W"]), rel=1e-14)
    assert set(norms.history[0][1]) == {"input"}


# --------------------------------------------------------------------------- training
def train_moons(seed=0):
    X, y = two_moons(n=200, noise=0.1, seed=0)
    model = mlp([2, 16, 16, 2], act="relu")
    objective = nn.NetworkObjective(model, X, y, "softmax")
    run = descend(objective, model.init(seed), Momentum(0.1, 0.9), batch_size=32, steps=300, seed=seed, record_every=50)
    return objective, run


def test_mlp_trained_by_descend_separates_two_moons_deterministically():
    """A 2-16-16-2 ReLU MLP, momentum 0.9, lr 0.1, batch 32, 300 steps: >= 99% train and >= 98% held-out accuracy."""
    objective, run = train_moons()
    X_test, y_test = two_moons(n=1000, noise=0.1, seed=1)
    assert not run.diverged and run.final_loss < 0.05 < run.losses[0]
    assert objective.accuracy(run.final_theta) >= 0.99
    assert objective.accuracy(run.final_theta, X_test, y_test) >= 0.98
    _, again = train_moons()
    np.testing.assert_array_equal(again.final_theta, run.final_theta)


def test_a_stack_of_linear_layers_fits_what_one_linear_layer_fits():
    """Without activations the network is x -> W3 W2 W1 x + b: trained to convergence, the product is least squares."""
    X, y = linear_regression_data(n=50, w=[1.0, -2.0, 0.5], b=0.3, noise=0.5, seed=0)
    model = nn.Sequential([nn.Linear(3, 4), nn.Linear(4, 4), nn.Linear(4, 1)])
    run = descend(nn.NetworkObjective(model, X, y, "gaussian"), model.init(1), Momentum(0.05, 0.9), steps=1500,
                  record_every=None)
    (W1, b1), (W2, b2), (W3, b3) = [(p["W"], p["b"]) for p in model.params(run.final_theta)]
    product = np.append((W3 @ W2 @ W1).ravel(), W3 @ (W2 @ b1 + b2) + b3)
    np.testing.assert_allclose(product, LeastSquares(X, y).minimizer(), atol=1e-8)


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "gelu"])
@pytest.mark.parametrize("loss", ["softmax", "sigmoid", "gaussian"])
def test_divergence_is_reported_as_a_step_not_a_warning_or_an_exception(act, loss):
    X, y = two_moons(n=64, seed=2)
    model = mlp([2, 8, 8, 2 if loss == "softmax" else 1], act=act)
    run = descend(nn.NetworkObjective(model, X, y.astype(float) if loss != "softmax" else y, loss), model.init(),
                  SGD(1e150), batch_size=16, steps=30, record_every=10)      # gradients of an overflowed net
    assert run.diverged and 1 <= run.diverged_at <= 30 and np.isfinite(run.losses).all()


def test_nan_inside_a_pass_gives_a_nan_gradient_without_warnings():
    X, y, _ = problem("sigmoid")
    model = mlp([3, 4, 4, 1], act="relu")
    objective = nn.NetworkObjective(model, np.abs(X), y, "sigmoid")
    theta = np.full(model.dim, 1e200)                   # finite, but the second layer's products overflow to inf
    assert np.isnan(objective.grad(theta)).all() and objective.loss(theta) == np.inf


# --------------------------------------------------------------------------- float32
def test_float32_network_stays_float32_and_agrees_with_float64():
    X, y, _ = problem("softmax")
    m64, m32 = mlp([3, 6, 3], act="relu"), mlp([3, 6, 3], act="relu", dtype=np.float32)
    theta = m64.init(seed=7)
    o64, o32 = nn.NetworkObjective(m64, X, y), nn.NetworkObjective(m32, X, y)
    assert m32.init().dtype == np.float32 and o32.X.dtype == np.float32
    g32 = o32.grad(theta.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, o64.grad(theta), rtol=1e-4, atol=1e-6)
    assert o32.loss(theta.astype(np.float32)) == pytest.approx(o64.loss(theta), rel=1e-5)


def test_a_float32_model_follows_a_float64_theta_updated_in_place():
    """descend keeps theta in float64 and updates it in place; the float32 model must see every update."""
    X, y = two_moons(n=64, seed=4)
    model = mlp([2, 8, 2], act="tanh", dtype=np.float32)
    objective = nn.NetworkObjective(model, X, y)
    theta = model.init().astype(np.float64)
    before = objective.loss(theta)
    theta *= 0.0
    assert objective.loss(theta) == pytest.approx(np.log(2), rel=1e-6) != before
    run = descend(objective, model.init().astype(np.float64), Momentum(0.1, 0.9), batch_size=16, steps=100)
    assert run.final_loss < 0.5 * run.losses[0]


# --------------------------------------------------------------------------- the GLM chapter's network
def old_two_layer_grad(family, X, y, theta, m):
    """The backpropagation of the former lib.glm.TwoLayerNet, written per example."""
    d = X.shape[1]
    W, c, v, b = theta[: m * d].reshape(m, d), theta[m * d: m * d + m], theta[m * d + m: m * d + 2 * m], theta[-1]
    h = np.tanh(X @ W.T + c)
    delta = family.mean(h @ v + b) - y
    pre = (delta[:, None] * v) * (1 - h * h)
    return np.concatenate([(pre[:, :, None] * X[:, None, :]).reshape(len(delta), -1), pre, delta[:, None] * h,
                           delta[:, None]], axis=1)


@pytest.mark.parametrize("family", [BERNOULLI, GAUSSIAN, POISSON])
def test_two_layer_net_reproduces_the_former_implementation(family):
    r = np.random.default_rng(8)
    X = r.normal(size=(30, 2))
    y = family.sample(family.mean(0.5 * X[:, 0]), r)
    net = nn.TwoLayerNet(family, X, y, hidden=4)
    theta = net.init(seed=1) + 0.1
    per_example = old_two_layer_grad(family, X, y, theta, 4)
    np.testing.assert_allclose(net.grad(theta), per_example.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.per_example_grads(theta), per_example, rtol=1e-12, atol=1e-15)
    assert net.loss(theta) == pytest.approx(float(family.nll(y, net.eta(theta)).mean()), rel=1e-15)
    assert check_gradient(net.loss, net.grad, theta) < 1e-7
    W, c, v, b = net.unpack(theta)
    np.testing.assert_allclose(net.features(theta), np.tanh(X @ W.T + c), rtol=1e-15)
    np.testing.assert_allclose(family.link(net.predict(theta)), net.eta(theta), rtol=1e-12, atol=1e-12)


def test_two_layer_net_init_is_the_former_one():
    net = nn.TwoLayerNet(BERNOULLI, np.zeros((5, 3)), np.zeros(5), hidden=4)
    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 3)) * 2.0 / np.sqrt(3)
    np.testing.assert_array_equal(net.init(seed=0, scale=2.0), np.concatenate([W.ravel(), rng.standard_normal(4), np.zeros(5)]))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: nn.Sequential([]), "^layers must"),
    (lambda: nn.Sequential([nn.Linear(2, 3), "relu"]), "^layers must"),
    (lambda: nn.Sequential([nn.Linear(2, 3)], dtype=np.int64), "^dtype must"),
    (lambda: nn.Sequential([nn.Linear(2, 3), nn.Activation("relu"), nn.Linear(4, 1)]),
     r"^layer 2 \(Linear\(4, 1\)\) expects 4 input features, but its input has 3"),
    (lambda: nn.Sequential([nn.Linear(2, 3), nn.BatchNorm(5)]), r"^layer 1 \(BatchNorm\(5\)\) expects 5"),
    (lambda: nn.Linear(0, 3), "^in_features must"),
    (lambda: nn.Linear(2, 3, init="xavier"), "^init must"),
    (lambda: nn.Activation("swish"), "^activation must"),
    (lambda: nn.BatchNorm(3, momentum=2.0), "^momentum must"),
    (lambda: nn.Dropout(1.0), "^p must"),
    (lambda: nn.Residual(3, hidden=0), "^hidden must"),
    (lambda: nn.NetworkObjective("mlp", np.zeros((3, 2)), np.zeros(3)), "^model must"),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.zeros((3, 2)), np.zeros(3), loss="hinge"), "^loss must"),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.zeros((3, 5)), np.zeros(3)), "^X must"),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.full((3, 2), np.nan), np.zeros(3)), "^X must"),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.zeros((3, 2)), np.array([0, 1, 3])), "^y "),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.zeros((3, 2)), np.zeros(3), loss="sigmoid"), "^loss Bernoulli needs"),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.zeros((3, 2)), np.zeros(3)).grad(np.zeros(4)), "^theta must"),
    (lambda: nn.NetworkObjective(mlp([2, 3]), np.zeros((3, 2)), np.zeros(3)).loss(np.zeros(9), np.array([5])), "^idx"),
    (lambda: mlp([2, 3]).forward(np.zeros(9), np.zeros((4, 5))), r"^x must have shape \(batch, 2\) in layer 0 \(Linear\(2, 3\)\)"),
    (lambda: mlp([2, 3]).backward(np.zeros((1, 3)), [None], grad=np.zeros(3)), "^grad must"),
    (lambda: nn.TwoLayerNet(CATEGORICAL, np.zeros((3, 1)), np.zeros(3)), "^family must"),
    (lambda: nn.TwoLayerNet(BERNOULLI, np.zeros((3, 1)), np.zeros(3), hidden=0), "^hidden must"),
    (lambda: nn.NetworkObjective(nn.Sequential([nn.Linear(2, 3), nn.BatchNorm(3)]), np.zeros((3, 2)),
                                 np.zeros(3)).per_example_grads(np.zeros(15)), "^per_example_grads is undefined"),
])
def test_bad_input_raises_value_error_naming_the_argument_or_layer(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- properties
widths = st.lists(st.integers(1, 6), min_size=2, max_size=5)


@settings(max_examples=40, deadline=None)
@given(widths=widths, batch=st.integers(1, 7), act=st.sampled_from(sorted(nn.activations.ACTIVATIONS)),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_shapes_of_every_pass(widths, batch, act, dtype):
    model = mlp(widths, act=act, dtype=dtype)
    assert model.dim == sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    theta = model.init()
    x = np.random.default_rng(batch).normal(size=(batch, widths[0]))
    out, tape = model.forward(theta, x)
    assert out.shape == (batch, widths[-1]) and out.dtype == dtype and len(tape) == len(model.layers)
    grad = model.backward(np.ones_like(out), tape)
    assert grad.shape == (model.dim,) and grad.dtype == dtype and np.isfinite(grad).all()
    assert [a.shape for a in model.activations(theta, x)][-1] == out.shape


@settings(max_examples=40, deadline=None)
@given(widths=widths, wrong=st.integers(1, 9))
def test_a_wrong_input_width_names_layer_0(widths, wrong):
    model = mlp(widths)
    if wrong == widths[0]:
        return
    with pytest.raises(ValueError, match=r"in layer 0 \(Linear"):
        model.forward(model.init(), np.zeros((2, wrong)))


@settings(max_examples=30, deadline=None)
@given(a=st.integers(1, 5), b=st.integers(1, 5), c=st.integers(1, 5), d=st.integers(1, 5))
def test_mismatched_consecutive_layers_name_the_second_one(a, b, c, d):
    if b == c:
        return
    with pytest.raises(ValueError, match=rf"^layer 2 \(Linear\({c}, {d}\)\) expects {c} input features, but its input has {b}"):
        nn.Sequential([nn.Linear(a, b), nn.Activation("relu"), nn.Linear(c, d)])


# --------------------------------------------------------------------------- input gradient, buffers, memory
def test_input_gradient_on_request_matches_finite_differences():
    model = mlp([3, 5, 2], act="tanh")
    theta, x = model.init(seed=9), np.random.default_rng(9).normal(size=(4, 3))
    dout = np.random.default_rng(10).normal(size=(4, 2))
    z, tape = model.forward(theta, x)
    grad, dx = model.backward(dout, tape, input_grad=True)
    assert check_gradient(lambda v: np.sum(model.forward(theta, v)[0] * dout), lambda v: dx, x) < 1e-7
    assert model.backward(dout, model.forward(theta, x)[1]) is grad          # without it: just the gradient


def test_grad_reuses_one_buffer_and_never_copies_theta():
    """No parameter-sized allocation per step: a 40-300-300-2 net at batch 4 has theta 25x its activations."""
    import tracemalloc

    X, y = two_moons(n=8, seed=3)
    model = nn.Sequential([nn.Linear(2, 300), nn.Activation("relu"), nn.Linear(300, 300), nn.Activation("relu"),
                           nn.Linear(300, 2)])
    objective = nn.NetworkObjective(model, X, y)
    theta, idx = model.init(), np.arange(4)
    first = objective.grad(theta, idx)
    tracemalloc.start()
    second = objective.grad(theta, idx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert second is first                                                       # documented: copy to keep it
    assert peak < theta.nbytes / 4, (peak, theta.nbytes)      # the largest allocation: theta's 1-byte finiteness mask
