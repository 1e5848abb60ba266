"""The sigmoid chapter's own experiments: Bayes log-odds of Gaussian classes, and ML against Bayes."""
import numpy as np
import pytest
from scipy.stats import norm

import lib.figures.sigmoid as sg
from lib.sigmoid import sigmoid


@pytest.mark.parametrize("mean0, mean1, std0, std1, prior1", [
    (-1.0, 1.0, 1.0, 1.0, 0.5), (0.3, 2.0, 0.7, 1.9, 0.2), (2.0, -1.0, 3.0, 0.5, 0.9), (0.0, 0.0, 1.0, 2.0, 0.5)])
def test_log_odds_match_bayes_rule_from_scipy_densities(mean0, mean1, std0, std1, prior1):
    x = np.linspace(-5, 5, 101)
    joint1 = prior1 * norm.pdf(x, mean1, std1)
    joint0 = (1 - prior1) * norm.pdf(x, mean0, std0)
    posterior = joint1 / (joint1 + joint0)
    a = sg.gaussian_log_odds(x, mean0, mean1, std0, std1, prior1)
    np.testing.assert_allclose(sigmoid(a), posterior, rtol=1e-12, atol=1e-15)
    c2, c1, c0 = sg.gaussian_log_odds_coefficients(mean0, mean1, std0, std1, prior1)
    np.testing.assert_allclose(a, c2 * x**2 + c1 * x + c0, rtol=1e-12, atol=1e-12)


def test_equal_variances_give_the_textbook_weights():
    c2, w, b = sg.gaussian_log_odds_coefficients(-1.0, 2.0, 1.5, 1.5, 0.25)
    assert c2 == 0.0
    assert w == pytest.approx(3.0 / 1.5**2)
    assert b == pytest.approx((1.0 - 4.0) / (2 * 1.5**2) + np.log(0.25 / 0.75))


def test_posterior_is_monotone_only_for_equal_variances():
    r = sg.bayes_linearity()
    assert r[(1.0, 1.0)]["turns"] == 0 and r[(1.0, 1.0)]["c2"] == 0.0
    assert r[(1.0, 0.5)]["turns"] == 1 and r[(1.0, 0.5)]["c2"] == pytest.approx(-1.5)
    assert max(v["max_gap"] for v in r.values()) < 1e-12


def test_ml_fit_recovers_bayes_weights_only_when_the_model_is_right():
    r = sg.bayes_versus_ml()
    same = r[(1.0, 1.0)]
    assert abs(same["w"] - same["bayes_w"]) < 0.1 and abs(same["b"] - same["bayes_b"]) < 0.1
    assert abs(same["loss"] - same["bayes_loss"]) < 1e-3
    different = r[(1.0, 0.5)]
    assert different["bayes_loss"] < different["loss"] - 5e-3  # the best sigmoid is worse than the posterior
    assert max(v["grad_norm"] for v in r.values()) < 1e-6


@pytest.mark.parametrize("kwargs, message", [
    (dict(std0=0.0, std1=1.0), "^std0 and std1 must"), (dict(std0=1.0, std1=-1.0), "^std0 and std1 must"),
    (dict(std0=1.0, std1=1.0, prior1=1.0), "^prior1 must"), (dict(std0=1.0, std1=1.0, prior1=0.0), "^prior1 must")])
def test_bad_parameters_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sg.gaussian_log_odds(0.0, -1.0, 1.0, **kwargs)


def test_extreme_but_finite_inputs_stay_finite():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 in exp is the right answer
        a = sg.gaussian_log_odds(np.array([-1e6, 0.0, 1e6]), -1.0, 1.0, 1e-3, 1e3)
        assert np.isfinite(a).all()
        assert 0.0 <= sigmoid(a).min() and sigmoid(a).max() <= 1.0
