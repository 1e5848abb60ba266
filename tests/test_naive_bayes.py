"""lib.naive_bayes: fitted parameters, log-space posteriors, the double counting of copies, calibration measures."""
import warnings

import numpy as np
import pytest

from lib.naive_bayes import GaussianNaiveBayes, expected_calibration_error, log_loss, reliability


@pytest.fixture(autouse=True)
def strict():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def blobs(n=400, seed=0, mu=1.0, d=2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = (2 * y - 1)[:, None] * mu + rng.standard_normal((n, d))
    return X, y


def test_parameters_are_class_frequencies_means_and_variances():
    X, y = blobs()
    model = GaussianNaiveBayes(var_smoothing=0.0).fit(X, y)
    for k in (0, 1):
        np.testing.assert_allclose(model.mean[k], X[y == k].mean(axis=0))
        np.testing.assert_allclose(model.var[k], X[y == k].var(axis=0))
        assert model.log_prior[k] == pytest.approx(np.log(np.mean(y == k)))


def test_posterior_matches_bayes_rule_on_moderate_inputs():
    X, y = blobs()
    model = GaussianNaiveBayes().fit(X, y)
    x = np.array([[0.3, -0.2]])
    dens = np.exp(model.log_prior) * np.prod(
        np.exp(-(x - model.mean) ** 2 / (2 * model.var)) / np.sqrt(2 * np.pi * model.var), axis=1)
    np.testing.assert_allclose(model.predict_proba(x)[0], dens / dens.sum(), rtol=1e-12)


def test_far_inputs_keep_finite_posteriors_where_exponentiating_underflows():
    X, y = blobs()
    model = GaussianNaiveBayes().fit(X, y)
    far = np.array([[60.0, 60.0], [-1e3, 5.0]])
    a = model.joint_log_likelihood(far)
    assert np.all(a < -800)                                     # exp(a) is 0 for both classes: 0/0 naively
    p = model.predict_proba(far)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1)
    with np.errstate(under="ignore"):
        ref = np.exp(a - np.logaddexp(a[:, :1], a[:, 1:]))      # an independent log-sum-exp
    np.testing.assert_allclose(p, ref, rtol=1e-12, atol=1e-300)
    lp = model.predict_log_proba(far)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 0)


def test_a_feature_present_m_times_is_counted_m_times():
    X, y = blobs(d=2, seed=1)
    base = GaussianNaiveBayes().fit(X, y)
    terms = base.feature_log_likelihoods(X)
    llr = terms[:, 1] - terms[:, 0]                             # per-feature log-likelihood ratios
    prior = base.log_prior[1] - base.log_prior[0]
    for m in (1, 2, 5):
        Xm = np.column_stack([np.repeat(X[:, :1], m, axis=1), X[:, 1]])
        lp = GaussianNaiveBayes().fit(Xm, y).predict_log_proba(Xm)
        np.testing.assert_allclose(lp[:, 1] - lp[:, 0], prior + m * llr[:, 0] + llr[:, 1], rtol=1e-7, atol=1e-7)


def test_independent_features_give_calibrated_probabilities():
    X, y = blobs(n=4000, seed=2, mu=0.5, d=3)
    Xt, yt = blobs(n=40_000, seed=3, mu=0.5, d=3)
    p = GaussianNaiveBayes().fit(X, y).predict_proba(Xt)[:, 1]
    assert expected_calibration_error(p, yt) < 0.015


def test_duplicates_make_probabilities_overconfident():
    X, y = blobs(n=4000, seed=4, mu=0.5, d=2)
    Xt, yt = blobs(n=40_000, seed=5, mu=0.5, d=2)
    dup = lambda A: np.column_stack([A[:, 0]] * 5 + [A[:, 1]])
    p1 = GaussianNaiveBayes().fit(X, y).predict_log_proba(Xt)
    p5 = GaussianNaiveBayes().fit(dup(X), y).predict_log_proba(dup(Xt))
    assert log_loss(p5, yt) > log_loss(p1, yt) + 0.1
    assert expected_calibration_error(np.exp(p5[:, 1]), yt) > 0.1


def test_reliability_and_ece_by_hand():
    p = np.array([0.05, 0.15, 0.15, 0.95, 1.0])
    y = np.array([0, 0, 1, 1, 1])
    r = reliability(p, y, bins=10)
    assert r["count"].tolist() == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    np.testing.assert_allclose(r["predicted"][[0, 1, 9]], [0.05, 0.15, 0.975])
    np.testing.assert_allclose(r["observed"][[0, 1, 9]], [0.0, 0.5, 1.0])
    assert np.isnan(r["observed"][2])
    assert expected_calibration_error(p, y, bins=10) == pytest.approx((0.05 + 2 * 0.35 + 2 * 0.025) / 5)


def test_log_loss_by_hand_and_for_confident_mistakes():
    lp = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
    assert log_loss(lp, np.array([0, 1])) == pytest.approx(-(np.log(0.5) + np.log(0.1)) / 2)
    assert log_loss(np.array([[0.0, -800.0]]), np.array([1])) == 800.0


@pytest.mark.parametrize("call, name", [
    (lambda: GaussianNaiveBayes(var_smoothing=-1.0), "var_smoothing"),
    (lambda: GaussianNaiveBayes().fit(np.ones(4), np.array([0, 1, 0, 1])), "X"),
    (lambda: GaussianNaiveBayes().fit(np.ones((4, 1)), np.array([0, 1, 0])), "y"),
    (lambda: GaussianNaiveBayes().fit(np.ones((4, 1)), np.array([0.0, 1, 0, 1])), "y"),
    (lambda: GaussianNaiveBayes().fit(np.ones((3, 1)), np.array([0, 2, 0])), "class 1 is missing"),
    (lambda: GaussianNaiveBayes().predict(np.ones((2, 1))), "fit"),
    (lambda: GaussianNaiveBayes().fit(*blobs()).predict(np.ones((2, 3))), "X"),
    (lambda: log_loss(np.array([[0.1, -1.0]]), np.array([0])), "log_proba"),
    (lambda: log_loss(np.array([[0.0, -1.0]]), np.array([2])), "y"),
    (lambda: reliability(np.array([1.5]), np.array([1])), "p"),
    (lambda: reliability(np.array([0.5]), np.array([1]), bins=0), "bins"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
