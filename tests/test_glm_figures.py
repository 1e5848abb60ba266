"""Chapter-specific checks of lib/figures/glm.py: links other than the canonical one, convexity caveats."""
import math

import numpy as np
import pytest

import lib.figures.glm as glm_figs
from lib.gradcheck import numerical_gradient
from lib.glm import BERNOULLI, FAMILIES, POISSON, irls


@pytest.mark.parametrize("link", sorted(glm_figs.INVERSE_LINKS))
def test_inverse_link_derivatives(link):
    h, dh = glm_figs.INVERSE_LINKS[link]
    z = np.linspace(-3, 3, 13)
    numeric = np.array([numerical_gradient(lambda v: float(h(v)[0]), np.array([zi]))[0] for zi in z])
    np.testing.assert_allclose(dh(z), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name, link", [("Bernoulli", "logit"), ("Poisson", "log")])
def test_fit_link_with_canonical_link_is_irls(name, link):
    X, y = glm_figs.family_data(name, 1.0, n=200, seed=11)
    theta, _, _, converged = glm_figs.fit_link(name, link, X, y)
    assert converged
    np.testing.assert_allclose(theta, irls(FAMILIES[name], X, y).final_theta, atol=1e-8)


@pytest.mark.parametrize("name, link", [("Bernoulli", "probit"), ("Bernoulli", "cloglog"),
                                        ("Poisson", "softplus"), ("Gaussian", "log")])
def test_fit_link_is_a_stationary_point(name, link):
    X, y = glm_figs.family_data(name, glm_figs.HELD_OUT_SLOPE[name], n=200, seed=11)
    theta, nll, _, converged = glm_figs.fit_link(name, link, X, y)
    assert converged and math.isfinite(nll)
    A = glm_figs.design_matrix(X)

    def loss(t):
        z = A @ t
        if name == "Bernoulli":
            return glm_figs.bernoulli_nll_from_score(link, y, z)
        return glm_figs.mean_nll(name, y, glm_figs.INVERSE_LINKS[link][0](z))

    assert loss(theta) == pytest.approx(nll)
    assert np.abs(numerical_gradient(loss, theta)).max() < 1e-5


def test_poisson_identity_link_optimum_is_on_the_boundary():
    """The best line keeps every training mean positive and touches 0 at a zero count: no finite-NLL
    perturbation lowers the NLL."""
    X, y = glm_figs.family_data("Poisson", 1.0, n=200, seed=11)
    theta, nll, _, converged = glm_figs.fit_link("Poisson", "identity", X, y)
    A = glm_figs.design_matrix(X)
    mu = A @ theta
    assert converged and mu.min() < 1e-6 and y[np.argmin(mu)] == 0
    rng = np.random.default_rng(0)
    for d in rng.normal(size=(200, 2)) * 1e-4:
        assert glm_figs.mean_nll("Poisson", y, A @ (theta + d)) >= nll - 1e-12


def test_bernoulli_nll_from_score_matches_the_family_where_mu_is_safe():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    z = np.array([-2.0, -0.5, 1.0, 3.0])
    assert glm_figs.bernoulli_nll_from_score("logit", y, z) == pytest.approx(float(BERNOULLI.nll(y, z).mean()))
    for link in ("probit", "cloglog"):
        mu = glm_figs.INVERSE_LINKS[link][0](z)
        assert glm_figs.bernoulli_nll_from_score(link, y, z) == pytest.approx(glm_figs.mean_nll("Bernoulli", y, mu))
    # a mean that rounds to 1 still has a finite loss for y = 0: -log(1 - mu) = e^z
    assert glm_figs.bernoulli_nll_from_score("cloglog", np.array([0.0]), np.array([5.0])) == pytest.approx(math.exp(5))


def test_link_isolation_only_identity_predicts_impossible_means():
    for rows in glm_figs.link_isolation().values():
        for family, link, nll, clipped, impossible, converged in rows:
            assert converged
            if link != "identity":
                assert impossible == 0 and math.isfinite(nll)
            else:
                assert impossible > 0 and math.isinf(nll) and math.isfinite(clipped)


def test_separable_data_has_no_minimizer():
    by_step, irls_converged, _ = glm_figs.separable_run()
    nlls = [v[0] for v in by_step.values()]
    norms = [v[1] for v in by_step.values()]
    assert all(np.diff(nlls) < 0) and all(np.diff(norms) > 0)
    assert not irls_converged


def test_poisson_step_bound_is_local():
    lam_opt = glm_figs.curvature_bound()
    assert 0.1 < 2 / lam_opt
    lam, diverged_at = glm_figs.far_start_run(0.1, (3.5, 0.5))
    assert lam > 2 / 0.1 and diverged_at is not None


def test_family_panel_numbers():
    impossible, left, right = glm_figs.family_panel_numbers("Poisson", 1.0, residuals_of_glm=False)
    assert impossible == pytest.approx(1 / 6)
    assert left < 0.8 < 1.1 < right
