"""Entropy, cross-entropy, KL divergence and the Gaussian fits of lib.information."""
import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib.gradcheck import check_gradient, numerical_gradient
from lib.information import (
    GaussianFit,
    GaussianMixture,
    cross_entropy,
    entropy,
    expected_code_length,
    forward_kl,
    fit_gaussian,
    gaussian_kl,
    gaussian_logpdf,
    kl_divergence,
    kl_gradient,
    reverse_kl,
    shannon_code_lengths,
)
from lib.softmax import softmax
from tests import _exact

SETTINGS = settings(max_examples=30, deadline=None)
MIXTURE = GaussianMixture((0.6, 0.4), (-2.5, 2.5), (0.7, 0.9))


def distributions(k=4, zeros=True):
    """Probability vectors of length k, as softmax of bounded logits (optionally with exact zeros)."""
    logits = arrays(float, k, elements=st.floats(-30, 30))
    mask = arrays(bool, k, elements=st.booleans()) if zeros else st.just(np.zeros(k, bool))

    def build(z, m):
        m = m.copy()
        m[np.argmax(z)] = False  # keep at least one positive entry
        p = softmax(np.where(m, -np.inf, z))
        return p / p.sum()

    return st.builds(build, logits, mask)


# --------------------------------------------------------------------------- known values
def test_known_values_in_bits_and_nats():
    assert entropy([0.5, 0.5], base=2) == pytest.approx(1.0)
    assert entropy(np.full(8, 1 / 8), base=2) == pytest.approx(3.0)
    assert entropy([0.5, 0.5]) == pytest.approx(math.log(2))
    assert entropy([1.0, 0.0, 0.0]) == 0.0 and not np.signbit(entropy([1.0, 0.0, 0.0]))
    assert kl_divergence([0.9, 0.1], [0.5, 0.5], base=2) == pytest.approx(1 - entropy([0.9, 0.1], base=2))


@SETTINGS
@given(distributions(), distributions())
def test_against_scipy(p, q):
    assert entropy(p) == pytest.approx(scipy.stats.entropy(p), abs=1e-12)
    assert entropy(p, base=2) == pytest.approx(scipy.stats.entropy(p, base=2), abs=1e-12)
    reference = scipy.special.rel_entr(p, q).sum()
    if np.isinf(reference):
        assert kl_divergence(p, q) == math.inf
    else:
        assert kl_divergence(p, q) == pytest.approx(reference, rel=1e-9, abs=1e-12)


def test_batched_over_leading_axes():
    p = np.array([[0.5, 0.5], [0.9, 0.1]])
    np.testing.assert_allclose(entropy(p, base=2), [1.0, entropy([0.9, 0.1], base=2)])
    assert kl_divergence(p, p[::-1]).shape == (2,)


# --------------------------------------------------------------------------- properties
@SETTINGS
@given(distributions(), distributions())
def test_gibbs_inequality_and_decomposition(p, q):
    kl = kl_divergence(p, q)
    assert kl >= 0
    assert kl_divergence(p, p) == 0.0
    if np.isfinite(kl):
        assert cross_entropy(p, q) == pytest.approx(entropy(p) + kl, rel=1e-9, abs=1e-9)
    else:
        assert np.isinf(cross_entropy(p, q))


@SETTINGS
@given(distributions(k=5))
def test_entropy_bounds(p):
    assert -1e-12 <= entropy(p) <= math.log(5) + 1e-12


@SETTINGS
@given(distributions(zeros=False), st.floats(1.5, 16))
def test_base_only_rescales(p, base):
    assert entropy(p, base=base) == pytest.approx(entropy(p) / math.log(base), rel=1e-12, abs=1e-15)


def test_one_hot_cross_entropy_is_the_kl_and_the_nll():
    q = softmax(np.array([1.0, -2.0, 0.5]))
    y = np.array([0.0, 0.0, 1.0])
    assert cross_entropy(y, q) == pytest.approx(kl_divergence(y, q)) == pytest.approx(-math.log(q[2]))


# --------------------------------------------------------------------------- zeros and infinities
def test_zero_conventions_without_warnings():
    assert kl_divergence([0.5, 0.5, 0.0], [0.2, 0.8, 0.0]) == pytest.approx(0.5 * math.log(2.5) + 0.5 * math.log(0.625))
    assert kl_divergence([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]) == math.inf
    assert cross_entropy([1.0, 0.0], [0.0, 1.0]) == math.inf
    assert math.isfinite(kl_divergence([0.5, 0.0, 0.5], [0.25, 0.5, 0.25]))


def test_extreme_but_finite_probabilities():
    p = softmax(np.array([1e4, -1e4, 0.0]))  # entries underflow to exact 0
    q = softmax(np.array([-1e4, 1e4, 0.0]))
    assert entropy(p) == 0.0
    assert kl_divergence(p, q) == math.inf
    tiny = np.array([1 - 2e-300, 1e-300, 1e-300])
    assert np.isfinite(kl_divergence(tiny, [1 / 3] * 3))
    assert kl_divergence([0.5, 0.5], [1 - 1e-300, 1e-300]) == pytest.approx(0.5 * math.log(0.5) + 0.5 * math.log(0.5e300))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad, name", [
    (([-0.1, 1.1], [0.5, 0.5]), "p"),
    (([0.5, 0.5], [0.5, 0.6]), "q"),
    (([0.5, 0.5], [0.5, 0.25, 0.25]), "q"),
    (([np.nan, 1.0], [0.5, 0.5]), "p"),
    (([0.5, 0.5], [np.nan, 0.5]), "q"),
    (([0.5, 0.5 + 1e-8], [0.5, 0.5]), "p"),
    (([], []), "p"),
])
def test_bad_distributions(bad, name):
    for f in (kl_divergence, cross_entropy):
        with pytest.raises(ValueError, match=rf"^{name} must"):
            f(*bad)
    with pytest.raises(ValueError, match="^p must"):
        entropy([0.2, 0.2])


def test_bad_scalars():
    with pytest.raises(ValueError, match=r"^base\b"):
        entropy([1.0], base=1)
    with pytest.raises(ValueError, match=r"^base\b"):
        entropy([1.0], base=-2)
    with pytest.raises(ValueError, match=r"^sigma\b"):
        gaussian_logpdf(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"^sigma2\b"):
        gaussian_kl(0, 1, 0, -1)
    with pytest.raises(ValueError, match=r"^weights\b"):
        GaussianMixture((0.5, 0.6), (0, 1), (1, 1))
    with pytest.raises(ValueError, match=r"^stds\b"):
        GaussianMixture((0.5, 0.5), (0, 1), (1, 0))
    with pytest.raises(ValueError, match=r"^direction\b"):
        GaussianFit(MIXTURE, "sideways")


def test_code_lengths():
    p = [0.5, 0.25, 0.125, 0.125]
    lengths = shannon_code_lengths(p)
    np.testing.assert_array_equal(lengths, [1, 2, 3, 3])
    assert expected_code_length(p, lengths) == pytest.approx(entropy(p, base=2))
    q = np.array([0.4, 0.3, 0.2, 0.1])
    cost = expected_code_length(p, shannon_code_lengths(q))
    assert cross_entropy(p, q, base=2) <= cost < cross_entropy(p, q, base=2) + 1
    assert np.sum(2.0 ** -shannon_code_lengths(q)) <= 1


# --------------------------------------------------------------------------- continuous
def test_gaussian_logpdf_and_mixture_against_scipy():
    x = np.linspace(-40, 40, 201)
    np.testing.assert_allclose(gaussian_logpdf(x, 0.3, 1.7), scipy.stats.norm.logpdf(x, 0.3, 1.7), rtol=1e-12)
    reference = np.logaddexp(np.log(0.6) + scipy.stats.norm.logpdf(x, -2.5, 0.7),
                             np.log(0.4) + scipy.stats.norm.logpdf(x, 2.5, 0.9))
    np.testing.assert_allclose(MIXTURE.logpdf(x), reference, rtol=1e-12)
    assert np.isfinite(MIXTURE.logpdf(np.array([-1e4, 1e4]))).all()  # far tails: no underflow to -inf


def test_mixture_score_against_finite_differences():
    for x0 in (-3.0, -0.4, 0.0, 1.9, 5.0):
        numeric = numerical_gradient(lambda v: float(MIXTURE.logpdf(v[0])), np.array([x0]))
        assert MIXTURE.dlogpdf(x0) == pytest.approx(numeric[0], rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("mu1, s1, mu2, s2", [(0.0, 1.0, 0.0, 1.0), (0.3, 1.2, -0.5, 0.7), (4.0, 0.2, -3.0, 2.5)])
def test_grid_kl_matches_closed_form(mu1, s1, mu2, s2):
    single = GaussianMixture((1.0,), (mu1,), (s1,))
    assert forward_kl(single, mu2, s2) == pytest.approx(gaussian_kl(mu1, s1, mu2, s2), abs=1e-10)
    assert reverse_kl(single, mu2, s2) == pytest.approx(gaussian_kl(mu2, s2, mu1, s1), abs=1e-10)


def test_closed_form_against_monte_carlo():
    rng = np.random.default_rng(0)
    x = rng.normal(0.3, 1.2, 400_000)
    mc = np.mean(scipy.stats.norm.logpdf(x, 0.3, 1.2) - scipy.stats.norm.logpdf(x, -0.5, 0.7))
    assert gaussian_kl(0.3, 1.2, -0.5, 0.7) == pytest.approx(mc, abs=0.01)


@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize("theta", [(0.7, math.log(1.3)), (-2.2, math.log(0.6)), (3.0, math.log(2.5))])
def test_kl_gradient(direction, theta):
    objective = GaussianFit(MIXTURE, direction)
    assert check_gradient(objective.loss, objective.grad, np.array(theta)) < 1e-6
    np.testing.assert_allclose(kl_gradient(MIXTURE, theta[0], math.exp(theta[1]), direction), objective.grad(np.array(theta)))


def test_forward_fit_is_moment_matching():
    mu, sigma, kl = fit_gaussian(MIXTURE, "forward")
    assert mu == pytest.approx(MIXTURE.mean(), abs=1e-6)
    assert sigma**2 == pytest.approx(MIXTURE.variance(), rel=1e-6)
    assert kl == pytest.approx(forward_kl(MIXTURE, MIXTURE.mean(), math.sqrt(MIXTURE.variance())), abs=1e-12)


def test_reverse_fit_seeks_the_heavier_mode():
    mu, sigma, kl = fit_gaussian(MIXTURE, "reverse")
    assert abs(mu - (-2.5)) < 0.1 and abs(sigma - 0.7) < 0.05
    assert np.linalg.norm(GaussianFit(MIXTURE, "reverse").grad(np.array([mu, math.log(sigma)]))) < 1e-6
    assert kl < reverse_kl(MIXTURE, 2.5, 0.9)  # the other mode is a worse local optimum


def test_kl_on_grid_bad_input_and_batching():
    from lib.information import kl_on_grid

    x = np.linspace(-5, 5, 11)
    with pytest.raises(ValueError, match=r"^x\b"):
        kl_on_grid(np.zeros(11), np.zeros(11), x[::-1])
    with pytest.raises(ValueError, match=r"^log_q\b"):
        kl_on_grid(np.zeros(11), np.zeros(10), x)
    with pytest.raises(ValueError, match=r"^log_p\b"):
        kl_on_grid(np.full(11, np.nan), np.zeros(11), x)
    grid = np.linspace(-20, 20, 801)
    log_q = np.stack([gaussian_logpdf(grid, m, 1.5) for m in (-1.0, 0.0, 2.0)])
    batched = kl_on_grid(gaussian_logpdf(grid, 0.0, 1.0), log_q, grid)
    np.testing.assert_allclose(batched, [gaussian_kl(0, 1, m, 1.5) for m in (-1.0, 0.0, 2.0)], atol=1e-10)


def test_far_away_gaussian_gives_large_finite_kl_without_warning():
    assert np.isfinite(forward_kl(MIXTURE, 300.0, 0.5)) and forward_kl(MIXTURE, 300.0, 0.5) > 1e5
    assert np.isfinite(reverse_kl(MIXTURE, -300.0, 0.5)) and reverse_kl(MIXTURE, -300.0, 0.5) > 1e4


# --------------------------------------------------------------------------- accuracy (issue 6, numerics)
def exact_kl(p, q):
    """sum p log(p/q) of the float inputs to 80 digits."""
    with localcontext() as ctx:
        ctx.prec = 80
        return sum((Decimal(a) * (Decimal(a) / Decimal(b)).ln() for a, b in zip(p, q) if a > 0), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(distributions(k=5, zeros=False), st.floats(-16, -2), st.integers(0, 2**32 - 1))
def test_kl_keeps_relative_accuracy_when_p_is_close_to_q(p, log_delta, seed):
    """Q = P perturbed by a relative 10^-16 .. 10^-2, renormalized: within 1e-9 of an 80-digit reference."""
    rng = np.random.default_rng(seed)
    q = p * (1 + 10**log_delta * rng.uniform(-1, 1, p.size))
    q = q / q.sum()
    if abs(q.sum() - 1) > 1e-9:
        return
    exact = exact_kl(p, q)
    got = float(kl_divergence(p, q))
    if exact <= 0:  # the float vectors' sums differ: the literal sum is <= 0 and clipped
        assert got == 0.0 or got <= 4e-16
    else:
        assert _exact.rel_err(got, exact) <= 1e-9, (p, q, got, exact)


def test_kl_issue_examples():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5))
    q = p * (1 + 1e-6 * rng.normal(size=5))
    q /= q.sum()
    assert _exact.rel_err(float(kl_divergence(p, q)), exact_kl(p, q)) <= 1e-12  # was 8.7e-5
    a, b = 0.7, np.nextafter(0.7, 1)  # two Bernoullis that differ in the 16th digit (both sum to 1 exactly)
    exact = exact_kl([a, 1 - a], [b, 1 - b])
    assert exact > 0 and _exact.rel_err(float(kl_divergence([a, 1 - a], [b, 1 - b])), exact) <= 1e-12  # was 0


def exact_gaussian_kl(mu1, s1, mu2, s2):
    """The closed form to 100 digits, as (t - log(1 + t))/2 + ((mu1 - mu2)/s2)^2/2 with t = (s1/s2)^2 - 1."""
    with localcontext() as ctx:
        ctx.prec = 100
        m1, a, m2, b = (Decimal(v) for v in (mu1, s1, mu2, s2))
        t = (a / b) ** 2 - 1
        if abs(t) > Decimal("0.5"):  # far from equal scales: no cancellation in the textbook form
            return (b / a).ln() + (a * a + (m1 - m2) ** 2) / (2 * b * b) - Decimal("0.5")
        return (t - (1 + t).ln()) / 2 + ((m1 - m2) / b) ** 2 / 2


SCALES = st.floats(-300, 300).map(lambda e: 10.0**e)
MEANS = st.one_of(st.floats(-1e300, 1e300), st.floats(-10, 10))


@settings(max_examples=300, deadline=None)
@given(MEANS, SCALES, MEANS, SCALES)
def test_gaussian_kl_for_every_valid_scale(mu1, s1, mu2, s2):
    """Within 1e-13 relative of an 80-digit reference (inf where it exceeds the float range); no exception or warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = gaussian_kl(mu1, s1, mu2, s2)
    assert _exact.rel_err(got, exact_gaussian_kl(mu1, s1, mu2, s2)) <= 1e-13


@pytest.mark.parametrize("mu1, s1, mu2, s2", [
    (0.0, 1e200, 0.0, 1.0), (0.0, 1e-170, 0.0, 1.0), (1e200, 1.0, 0.0, 1.0), (0.0, 1.0, 0.0, 1e200),
    (1e308, 1.0, -1e308, 1e300), (0.0, 1.0 + 2**-30, 0.0, 1.0), (1e-9, 1.0, 0.0, 1.0), (0.0, 1.0, 0.0, 1.0),
])
def test_gaussian_kl_issue_examples(mu1, s1, mu2, s2):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = gaussian_kl(mu1, s1, mu2, s2)
    exact = exact_gaussian_kl(mu1, s1, mu2, s2)
    assert _exact.rel_err(got, exact) <= 1e-13 if exact != 0 else got == 0.0


@settings(max_examples=200, deadline=None)
@given(MEANS, MEANS, SCALES)
def test_gaussian_logpdf_for_every_valid_scale(x, mu, sigma):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = float(gaussian_logpdf(x, mu, sigma))
    with localcontext() as ctx:
        ctx.prec = 80
        z = (Decimal(x) - Decimal(mu)) / Decimal(sigma)
        exact = -Decimal(sigma).ln() - Decimal(2 * Decimal(math.pi)).ln() / 2 - z * z / 2
    assert _exact.rel_err(got, exact) <= 1e-13 or abs(got - float(exact)) <= 1e-14


@pytest.mark.parametrize("narrow, wide", [(0.01, 1.0), (1.0, 0.01), (0.001, 1.0), (1.0, 1000.0)])
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_grid_adapts_to_the_narrowest_scale(narrow, wide, direction):
    """A single component against q: grid KL and gradient equal the closed forms (1e-9 rel, 1e-12 abs)."""
    m1, mu = 0.3, -0.4 * wide
    single = GaussianMixture((1.0,), (m1,), (narrow,))
    if direction == "forward":  # KL(p || q) with p = N(m1, narrow^2), q = N(mu, wide^2)
        exact = gaussian_kl(m1, narrow, mu, wide)
        grad = [(mu - m1) / wide**2, 1 - (narrow**2 + (m1 - mu) ** 2) / wide**2]
        value = forward_kl(single, mu, wide)
    else:  # KL(q || p)
        exact = gaussian_kl(mu, wide, m1, narrow)
        grad = [(mu - m1) / narrow**2, -1 + wide**2 / narrow**2]
        value = reverse_kl(single, mu, wide)
    assert value == pytest.approx(exact, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(kl_gradient(single, mu, wide, direction), grad, rtol=1e-9, atol=1e-12)


def test_mixture_gradient_with_a_narrow_component():
    """The issue's case: a narrow component against a wide q (old 801-point grid: 1.45 and 0.23 relative error)."""
    mixture = GaussianMixture((0.5, 0.5), (-1.0, 1.0), (0.01, 1.0))
    mu, sigma = 0.3, 2.0
    first = sum(w * (m - mu) for w, m in zip(mixture.weights, mixture.means))
    second = sum(w * (s * s + (m - mu) ** 2) for w, m, s in zip(mixture.weights, mixture.means, mixture.stds))
    np.testing.assert_allclose(kl_gradient(mixture, mu, sigma), [-first / sigma**2, 1 - second / sigma**2], rtol=1e-12)


@pytest.mark.parametrize("call, name", [
    (lambda: kl_gradient(MIXTURE, 0.0, 0.0), "sigma"),
    (lambda: kl_gradient(MIXTURE, 0.0, -1.0), "sigma"),
    (lambda: kl_gradient(MIXTURE, np.nan, 1.0), "mu"),
    (lambda: kl_gradient(MIXTURE, 0.0, 1.0, "sideways"), "direction"),
    (lambda: forward_kl(MIXTURE, 0.0, 1e-9), "sigma"),
    (lambda: gaussian_logpdf(np.array([np.nan]), 0.0, 1.0), "x"),
    (lambda: gaussian_kl(0.0, 1.0, np.inf, 1.0), "mu2"),
])
def test_more_bad_input(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()
