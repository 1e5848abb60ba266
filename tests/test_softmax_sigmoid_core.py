"""The stable primitives shared by the "scores to probabilities" chapters."""
import warnings

import numpy as np
import pytest
from scipy import special

from lib.sigmoid import log_sigmoid, logit, sigmoid
from lib.softmax import log_softmax, logsumexp, softmax

RNG = np.random.default_rng(0)


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


def test_extreme_inputs_stay_finite_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = np.array([[1e4, 0.0, -1e4], [-1e308, 1e308, 0.0]])
        assert np.isfinite(logsumexp(z)).all()
        p = softmax(z)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0)
        np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
        assert np.isfinite(log_softmax(z[0])).all()
        x = np.array([-1e308, -800.0, 0.0, 800.0, 1e308])
        np.testing.assert_array_equal(sigmoid(x), [0.0, 0.0, 0.5, 1.0, 1.0])
        assert np.isfinite(log_sigmoid(x[1:])).all() and log_sigmoid(-800.0) == -800.0
        assert logit(0.0) == -np.inf and logit(1.0) == np.inf


def test_shift_invariance_and_symmetry():
    z = RNG.normal(size=(5, 4))
    np.testing.assert_allclose(softmax(z + 123.4), softmax(z), rtol=1e-12)
    np.testing.assert_allclose(logsumexp(z + 10.0), logsumexp(z) + 10.0, rtol=1e-12)
    x = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(sigmoid(-x), 1 - sigmoid(x), atol=1e-15)
    np.testing.assert_allclose(logit(sigmoid(x[20:61])), x[20:61], atol=1e-9)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="z"):
        softmax(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="z"):
        logsumexp(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="p"):
        logit(1.5)
    with pytest.raises(ValueError, match="x"):
        sigmoid(np.nan)
