"""The stable primitives shared by the "scores to probabilities" chapters."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

from lib.sigmoid import log_sigmoid, logit, sigmoid
from lib.softmax import log_softmax, logsumexp, softmax, softmax_with_temperature
from tests import _exact

RNG = np.random.default_rng(0)
EPS = np.finfo(float).eps
ANY_FINITE = st.floats(allow_nan=False, allow_infinity=False)
#: Logit vectors over the whole finite range, and small spreads on a huge common offset.
LOGITS = st.one_of(
    arrays(float, st.integers(1, 6), elements=ANY_FINITE),
    st.builds(lambda offset, z: offset + z, ANY_FINITE, arrays(float, st.integers(1, 6), elements=st.floats(-60, 60))),
    arrays(float, st.integers(1, 6), elements=st.floats(-800, 800)),
)


def test_against_scipy():
    z = RNG.normal(scale=5, size=(20, 7))
    np.testing.assert_allclose(logsumexp(z), special.logsumexp(z, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(softmax(z), special.softmax(z, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(log_softmax(z, axis=0), special.log_softmax(z, axis=0), rtol=1e-12, atol=1e-13)
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(x), special.expit(x), rtol=1e-14)
    np.testing.assert_allclose(log_sigmoid(x), special.log_expit(x), rtol=1e-13, atol=1e-300)
    p = np.linspace(0.01, 0.99, 99)
    np.testing.assert_allclose(logit(p), special.logit(p), rtol=1e-12)


# --------------------------------------------------------------------------- exact for every finite input
def tolerance(z) -> float:
    r"""Relative error allowed: :math:`4u\,(K + D)`, :math:`D = \max |z_j - m|` over the terms that matter.

    :math:`z_j - m` is rounded once (relative :math:`u`), which moves
    :math:`e^{z_j - m}` by :math:`|z_j - m|\,u`: the problem's own condition
    number, the same for any algorithm that takes float logits. A huge
    common offset adds nothing.
    """
    with np.errstate(over="ignore"):
        d = np.abs(z - z.max())
    return 4 * EPS * (z.size + d[d < 750].max())


@settings(max_examples=300, deadline=None)
@given(LOGITS)
def test_log_softmax_is_accurate_for_every_finite_input(z):
    """Each log-probability within :func:`tolerance` of a 60-digit reference, -inf where it is below -1.8e308."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = log_softmax(z)
    for value, exact in zip(got, _exact.log_softmax(z)):
        assert _exact.rel_err(float(value), exact) <= tolerance(z), (z, value, exact)


@settings(max_examples=300, deadline=None)
@given(LOGITS)
def test_softmax_sums_to_one_and_matches_the_reference(z):
    """Rows sum to 1 within 2 K eps; each p_k within (1 + |log p_k|) :func:`tolerance` relative."""
    p = softmax(z)
    assert abs(p.sum() - 1) <= 2 * z.size * EPS
    for value, exact in zip(p, _exact.log_softmax(z)):
        log_p = _exact.to_float(exact)
        if log_p <= -745:  # below the smallest subnormal (or -inf): the probability must round to 0
            assert value <= 1e-300, (z, value)
            continue
        reference = math.exp(log_p)
        assert abs(value - reference) <= (1 + abs(log_p)) * tolerance(z) * reference + 1e-300


@settings(max_examples=300, deadline=None)
@given(LOGITS)
def test_logsumexp_is_backward_stable_and_exact_near_zero(z):
    """Error at most :func:`tolerance` (|max z| + log K): LSE's conditioning; full relative accuracy when max z = 0."""
    exact = _exact.to_float(_exact.logsumexp(z))
    got = float(logsumexp(z))
    if math.isinf(got) or math.isinf(exact):
        assert got == exact
    else:
        assert abs(got - exact) <= tolerance(z) * (abs(z.max()) + math.log(z.size)) + abs(exact) * EPS
    with np.errstate(over="ignore"):  # an entry 1.8e308 below the maximum becomes -inf: e^{-inf} = 0 is right
        shifted = z - z.max()  # exact for the maximum entry, so max(shifted) = 0
    assert _exact.rel_err(float(logsumexp(shifted)), _exact.logsumexp(shifted)) <= tolerance(shifted)


def test_the_issue_examples():
    np.testing.assert_array_equal(softmax([1e300, 1e300, 5.0]), [0.5, 0.5, 0.0])
    assert softmax(1e15 + np.array([0.0, 1.0, 2.0])).sum() == pytest.approx(1.0, abs=2 * EPS)
    np.testing.assert_allclose(softmax(1e15 + np.array([0.0, 1.0, 2.0])), special.softmax([0.0, 1.0, 2.0]), rtol=1e-15)
    assert logsumexp([0.0, -40.0]) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert logsumexp([1e308, 1e308]) == 1e308  # 1e308 + log 2, rounded
    np.testing.assert_array_equal(softmax_with_temperature([1e308, 0.0, -1e308], 1e-3), [1.0, 0.0, 0.0])


def test_extreme_inputs_stay_finite_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = np.array([[1e4, 0.0, -1e4], [-1e308, 1e308, 0.0]])
        assert np.isfinite(logsumexp(z)).all()
        p = softmax(z)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0)
        np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
        assert np.isfinite(log_softmax(z[0])).all()
        assert log_softmax(z[1])[0] == -np.inf  # log p = -2e308 is below the float range
        x = np.array([-1e308, -800.0, 0.0, 800.0, 1e308])
        np.testing.assert_array_equal(sigmoid(x), [0.0, 0.0, 0.5, 1.0, 1.0])
        assert np.isfinite(log_sigmoid(x[1:])).all() and log_sigmoid(-800.0) == -800.0
        assert logit(0.0) == -np.inf and logit(1.0) == np.inf


def test_minus_infinity_is_a_masked_class():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax([0.0, -np.inf, 0.0]), [0.5, 0.0, 0.5])
        assert logsumexp([-np.inf, -np.inf]) == -np.inf  # log 0
        np.testing.assert_array_equal(logsumexp(np.array([[0.0, -np.inf], [-np.inf, -np.inf]])), [0.0, -np.inf])


def test_shift_invariance_and_symmetry():
    z = RNG.normal(size=(5, 4))
    np.testing.assert_allclose(softmax(z + 123.4), softmax(z), rtol=1e-12)
    np.testing.assert_allclose(logsumexp(z + 10.0), logsumexp(z) + 10.0, rtol=1e-12)
    x = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(sigmoid(-x), 1 - sigmoid(x), atol=1e-15)
    np.testing.assert_allclose(logit(sigmoid(x[20:61])), x[20:61], atol=1e-9)


@pytest.mark.parametrize("call, name", [
    (lambda: softmax(np.array([1.0, np.nan])), "z"),
    (lambda: softmax(np.array([np.inf, 1.0])), "z"),
    (lambda: softmax(np.array([-np.inf, -np.inf])), "z"),
    (lambda: log_softmax(np.array([[0.0, 1.0], [-np.inf, -np.inf]])), "z"),
    (lambda: logsumexp(np.zeros((3, 0))), "z"),
    (lambda: logsumexp(np.array([np.inf, 0.0])), "z"),
    (lambda: softmax_with_temperature([np.inf, 0.0], 1.0), "z"),
    (lambda: logit(1.5), "p"),
    (lambda: sigmoid(np.nan), "x"),
])
def test_bad_input_names_the_argument(call, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"^{name} must"):
            call()


def test_underflow_to_zero_is_not_an_error_even_when_numpy_raises_on_everything():
    """Figure code runs under np.errstate(all="raise"); a probability below 5e-324 is simply 0."""
    z = np.array([0.0, -800.0, -1e308])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(softmax(z), [1.0, 0.0, 0.0])
        assert logsumexp(z) == 0.0
        np.testing.assert_array_equal(sigmoid(np.array([-800.0, 800.0])), [0.0, 1.0])
        np.testing.assert_array_equal(log_sigmoid(np.array([-800.0, 800.0])), [-800.0, 0.0])
