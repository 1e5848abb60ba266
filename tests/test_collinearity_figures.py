"""Chapter-specific checks of the collinearity experiments (lib/figures/collinearity.py)."""

import numpy as np
import pytest

import lib.figures.collinearity as co


def test_cloud_says_singular_at_exact_copies():
    exp = co.cloud_figure()
    assert "not identifiable" in exp.describe(rho=1.0, n=50)
    assert "VIF" in exp.describe(rho=0.9, n=50)


def test_design_has_the_requested_correlation_and_rejects_bad_rho():
    X = co.design(20_000, 0.9, seed=3)
    assert np.corrcoef(X.T)[0, 1] == pytest.approx(0.9, abs=0.01)
    np.testing.assert_array_equal(co.design(10, 1.0)[:, 0], co.design(10, 1.0)[:, 1])
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="rho"):
            co.design(10, bad)
    with pytest.raises(ValueError, match="rho"):
        co.measurements(10, 0.0)


def test_monte_carlo_variance_matches_the_formula():
    for row in co.variance_check(rhos=(0.0, 0.99), draws=8000):
        assert row["var_mc"] == pytest.approx(row["var_formula"], rel=0.05)
        np.testing.assert_allclose(row["pred_sd_mc"], row["pred_sd_formula"], rtol=0.03)


def test_in_distribution_test_error_does_not_depend_on_the_correlation():
    rows = co.overfitting_check(rhos=(0.0, 0.99), designs=4000, seed=3)
    for row in rows:
        assert abs(row["test_in"] - row["predicted"]) < 4 * row["test_in_se"]
    assert rows[1]["test_off"] > 2 * rows[0]["test_off"]
    assert rows[1]["coef_err"] > 20 * rows[0]["coef_err"]


def test_redundant_copy_costs_what_an_independent_input_costs():
    r = co.redundancy_check(designs=4000, seed=5)
    copy, indep = r["x1 + copy (rho = 0.99)"], r["x1 + independent input"]
    assert abs(copy["test"] - indep["test"]) < 4 * np.hypot(copy["se"], indep["se"])


def test_tree_predictions_ignore_an_exact_copy_and_importances_split():
    assert co.same_predictions_with_exact_copy() == 0.0
    res = co.tree_check(seeds=5)
    both = res["x_a, x_b, x_c"]["importance"]
    one = res["x_a, x_c"]["importance"]
    assert both[0] < 0.8 * one[0] and both[1] > 0.1
    assert res["x_a', x_a, x_c (copy first)"]["importance"][0] == 0.0


def test_naive_bayes_inflation_follows_one_plus_m_minus_one_rho():
    for m, rho in ((1, 1.0), (3, 1.0), (3, 0.7), (3, 0.0)):
        run = co.naive_bayes_run(m, rho)
        assert run["copy_weight"] == pytest.approx(run["predicted_weight"], rel=0.08)
    assert co.naive_bayes_run(5, 1.0)["log_loss"] > co.naive_bayes_run(1, 1.0)["log_loss"] + 0.3
    assert co.naive_bayes_run(5, 0.0)["ece"] < 0.02


def test_pcr_loses_the_signal_across_the_shared_direction():
    res = co.remedies(0.9, designs=60)
    assert res["along"]["PCR, 1 component"]["coef"] < res["along"]["OLS"]["coef"]
    assert res["across"]["PCR, 1 component"]["test_in"] > res["across"]["OLS"]["test_in"] + 0.1


def test_the_notes_claims_file_is_valid():
    from lib import claims
    c = claims.load("collinearity")
    assert [cl.evidence for cl in c.claims] == [f"col-claim-{k}" for k in range(1, 8)]
