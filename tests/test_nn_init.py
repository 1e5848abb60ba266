"""lib.nn.init: every scheme, distribution and mode has the standard deviation its formula says,
within the sampling confidence interval of a large draw; framework presets; orthogonality; bad input."""
import math

import numpy as np
import pytest

from lib.nn import init as I

SHAPE = (300, 700)            # fan_out = 300, fan_in = 700: the three modes differ
Z_999 = 3.2905                # two-sided 99.9% normal quantile
SCHEMES = {"lecun": (I.lecun, 1.0), "glorot": (I.glorot, 1.0), "he": (I.he, 2.0)}


def truncated_normal_moments(a=2.0):
    """E[z^2] and E[z^4] of a standard normal truncated to [-a, a] (the moment recurrence)."""
    phi, Z = math.exp(-a * a / 2) / math.sqrt(2 * math.pi), math.erf(a / math.sqrt(2))
    m2 = 1 - 2 * a * phi / Z
    return m2, 3 * m2 - 2 * a**3 * phi / Z


KURTOSIS = {"uniform": 9 / 5, "normal": 3.0,
            "truncated_normal": truncated_normal_moments()[1] / truncated_normal_moments()[0] ** 2}


def expected_std(scale, mode, shape=SHAPE):
    fan_out, fan_in = shape
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return math.sqrt(scale / n)


def std_interval(sigma, kurtosis, n):
    """99.9% interval for the sample standard deviation: Var(s) ~ sigma^2 (kurtosis - 1) / (4 n) (delta method)."""
    half = Z_999 * sigma * math.sqrt((kurtosis - 1) / (4 * n))
    return sigma - half, sigma + half


def test_truncation_constant_is_the_std_of_a_normal_cut_at_two_sigma():
    assert I.TRUNCATED_NORMAL_STD == pytest.approx(math.sqrt(truncated_normal_moments()[0]), rel=1e-15)


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("distribution", I.DISTRIBUTIONS)
@pytest.mark.parametrize("mode", I.MODES)
def test_sample_std_lies_in_the_confidence_interval_of_the_formula(scheme, distribution, mode):
    function, scale = SCHEMES[scheme]
    W = function(SHAPE, 0, distribution=distribution, mode=mode)
    sigma = expected_std(scale, mode)
    low, high = std_interval(sigma, KURTOSIS[distribution], W.size)
    assert W.shape == SHAPE and low < W.std() < high, (W.std(), sigma)
    assert abs(W.mean()) < Z_999 * sigma / math.sqrt(W.size)


@pytest.mark.parametrize("distribution", I.DISTRIBUTIONS)
def test_support_of_each_distribution(distribution):
    sigma = expected_std(2.0, "fan_in")
    W = I.he(SHAPE, 1, distribution=distribution)
    bound = {"uniform": math.sqrt(3) * sigma, "truncated_normal": 2 * sigma / I.TRUNCATED_NORMAL_STD,
             "normal": math.inf}[distribution]
    assert np.abs(W).max() <= bound
    if distribution == "normal":
        assert np.abs(W).max() > 4 * sigma                                      # the tails are really there


def test_the_notes_formulas():
    """LeCun uniform limit sqrt(3/fan_in); Glorot normal std sqrt(2/(fan_in+fan_out)); Glorot uniform limit
    sqrt(6/(fan_in+fan_out)); He std sqrt(2/n)."""
    fan_out, fan_in = SHAPE
    assert np.abs(I.lecun(SHAPE, 0, "uniform")).max() == pytest.approx(math.sqrt(3 / fan_in), rel=1e-4)
    assert np.abs(I.glorot(SHAPE, 0, "uniform")).max() == pytest.approx(math.sqrt(6 / (fan_in + fan_out)), rel=1e-4)
    assert I.scaled_std(SHAPE, 1.0, "fan_avg") == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=1e-15)
    assert I.scaled_std(SHAPE, 2.0, "fan_in") == pytest.approx(math.sqrt(2 / fan_in), rel=1e-15)


def test_pytorch_linear_default_is_uniform_one_over_sqrt_fan_in():
    fan_in, fan_out = 400, 500
    W, b = I.pytorch_linear(fan_in, fan_out, 0)
    bound = 1 / math.sqrt(fan_in)
    assert W.shape == (fan_out, fan_in) and b.shape == (fan_out,)
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.999 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.95 * bound
    low, high = std_interval(bound / math.sqrt(3), KURTOSIS["uniform"], W.size)
    assert low < W.std() < high
    # kaiming_uniform_(a = sqrt 5) is LeCun uniform with a third of the variance
    assert I.scaled_std((fan_out, fan_in), 2 / (1 + 5)) == pytest.approx(I.scaled_std((fan_out, fan_in)) / math.sqrt(3))


def test_keras_dense_default_is_glorot_uniform_with_zero_bias():
    W, b = I.keras_dense(400, 500, 0)
    limit = math.sqrt(6 / 900)
    assert W.shape == (500, 400) and np.abs(W).max() <= limit and np.abs(W).max() > 0.999 * limit
    np.testing.assert_array_equal(b, 0.0)


def test_presets_cover_every_scheme_and_distribution():
    for name, preset in I.PRESETS.items():
        W, b = preset(6, 4, 0, dtype=np.float32)
        assert W.shape == (4, 6) and b.shape == (4,) and W.dtype == b.dtype == np.float32, name
    assert {"he_truncated_normal", "glorot_uniform", "lecun_normal", "pytorch", "keras", "orthogonal"} <= set(I.PRESETS)


@pytest.mark.parametrize("shape", [(4, 9), (9, 4), (5, 5), (6, 2, 3, 3)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    W = I.orthogonal(shape, 0, gain=2.0).reshape(shape[0], -1)
    small = min(W.shape)
    gram = W @ W.T if W.shape[0] <= W.shape[1] else W.T @ W
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 2.0, rtol=1e-12)


def test_fans_of_linear_and_convolution_shapes():
    assert I.fans((3, 5)) == (5, 3)
    assert I.fans((8, 3, 5, 5)) == (75, 200)
    assert I.fans((7,)) == (7, 7)


def test_same_seed_same_draw_and_dtype():
    a, b = I.he((5, 6), 3, "truncated_normal"), I.he((5, 6), np.random.default_rng(3), "truncated_normal")
    np.testing.assert_array_equal(a, b)
    assert I.glorot((5, 6), 0, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(I.zeros((2, 3)), 0.0)
    np.testing.assert_array_equal(I.constant(4, 1.5), 1.5)


@pytest.mark.parametrize("call, name", [
    (lambda: I.he((0, 3), 0), "shape"),
    (lambda: I.he((2.5, 3), 0), "shape"),
    (lambda: I.he((2, 3), 0, mode="avg"), "mode"),
    (lambda: I.he((2, 3), 0, distribution="gauss"), "distribution"),
    (lambda: I.he((2, 3), -1), "rng"),
    (lambda: I.he((2, 3), 0, negative_slope=np.nan), "negative_slope"),
    (lambda: I.variance_scaling((2, 3), 0, scale=0.0), "scale"),
    (lambda: I.orthogonal((4,), 0), "shape"),
    (lambda: I.orthogonal((4, 4), 0, gain=np.inf), "gain"),
    (lambda: I.constant((2,), np.nan), "value"),
    (lambda: I.keras_dense(3, 0, 0), "shape|fan_out"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^({name}) must"):
        call()
