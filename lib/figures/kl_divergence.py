r"""Figures and experiments of the chapter on entropy, cross-entropy and KL divergence.

The chapter's objects:

* three-outcome distributions :math:`P` (:data:`P_SHAPES`) and
  :math:`Q_t = (1-t)\,Q_0 + t\,P` (:data:`Q_SHAPES`), which slide from
  :math:`Q_0` at :math:`t = 0` to :math:`P` at :math:`t = 1`;
* a two-mode target :math:`p = 0.6\,\mathcal{N}(-2.5, 0.7^2) + 0.4\,\mathcal{N}(2.5, 0.9^2)`
  (:data:`TARGET`) and the single Gaussians that minimize the forward and the
  reverse KL against it;
* the same target with its modes moved to :math:`\pm d` (:func:`separated_target`),
  to show when the reverse KL locks onto one mode and when it covers both.

Every function here only calls :mod:`lib.information` (and
:func:`lib.gradient_descent.descend`) and plots or returns numbers.
"""
from __future__ import annotations

import heapq
import math
from functools import lru_cache

import numpy as np
from matplotlib import patheffects

from lib import style
from lib.explorable import Dropdown, Slider, explore
from lib.gradient_descent import descend
from lib.optimizers import Momentum
from lib.information import (
    GaussianFit,
    FIT_LR,
    GaussianMixture,
    cross_entropy,
    entropy,
    expected_code_length,
    fit_gaussian,
    forward_kl,
    gaussian_kl,
    gaussian_logpdf,
    kl_divergence,
    kl_on_grid,
    reverse_kl,
    shannon_code_lengths,
)

C = style.PALETTE
#: The target of the Gaussian fits: two modes, the left one heavier.
TARGET = GaussianMixture((0.6, 0.4), (-2.5, 2.5), (0.7, 0.9))
#: The target distributions P of the discrete explorable.
P_SHAPES = {
    "uniform": (1 / 3, 1 / 3, 1 / 3),
    "peaked": (0.7, 0.2, 0.1),
    "no outcome 3": (0.5, 0.5, 0.0),
}
#: The starting points Q0 of the family Q_t = (1 - t) Q0 + t P.
Q_SHAPES = {
    "uniform": (1 / 3, 1 / 3, 1 / 3),
    "reversed peak": (0.1, 0.2, 0.7),
    "no outcome 1": (0.0, 0.5, 0.5),
}
#: Where the Gaussian explorable's sliders stop.
MUS, SIGMAS = np.linspace(-3.5, 3.5, 8), np.geomspace(0.5 * math.sqrt(2), 2 * math.sqrt(2), 5)


# --------------------------------------------------------------------------- explorable 1: discrete
def mixed_q(p_name: str, q_name: str, t: float) -> np.ndarray:
    r""":math:`Q_t = (1-t)\,Q_0 + t\,P`, renormalized against round-off: a valid distribution for every :math:`t \in [0, 1]`."""
    q = (1 - t) * np.array(Q_SHAPES[q_name]) + t * np.array(P_SHAPES[p_name])
    return q / q.sum()


@lru_cache(maxsize=None)
def discrete_divergences(p_name: str, q_name: str, t: float) -> dict:
    """H(P), H(P,Q), KL(P‖Q) and KL(Q‖P) in bits for the explorable's P and Q_t."""
    p, q = np.array(P_SHAPES[p_name]), mixed_q(p_name, q_name, t)
    return {"H(P)": float(entropy(p, 2)), "H(P,Q)": float(cross_entropy(p, q, 2)),
            "KL(P‖Q)": float(kl_divergence(p, q, 2)), "KL(Q‖P)": float(kl_divergence(q, p, 2))}


def discrete():
    """Bars of P and Q over three outcomes, and the four information quantities in bits."""
    names = ("H(P)", "H(P,Q)", "KL(P‖Q)", "KL(Q‖P)")
    top = 3.5

    def make(fig):
        bars, numbers = fig.subplots(1, 2, width_ratios=[1, 1.1])
        k = np.arange(3)
        p_bars = bars.bar(k - 0.2, [0, 0, 0], 0.4, color=C["blue"], label="P (target)", animated=True)
        q_bars = bars.bar(k + 0.2, [0, 0, 0], 0.4, color=C["orange"], label="Q (model)", animated=True)
        bars.set(xticks=k, xticklabels=["1", "2", "3"], xlabel="outcome", ylim=(0, 1.05), ylabel="probability")
        bars.legend(loc="upper right")
        shown = bars.set_title("\n")
        shown.set_animated(True)
        colours = [C["blue"], C["purple"], C["vermillion"], C["green"]]
        h_bars = numbers.barh(np.arange(4), [0] * 4, color=colours, animated=True)
        h_text = [numbers.text(0, i, "", va="center", animated=True) for i in range(4)]
        numbers.set(yticks=np.arange(4), yticklabels=names, xlim=(0, top), ylim=(3.6, -0.6),
                    xlabel="bits (log base 2)", title="Entropy, cross-entropy, KL")

        def update(p_name, q_name, t):
            p, q = P_SHAPES[p_name], mixed_q(p_name, q_name, t)
            for rect, v in zip(p_bars, p):
                rect.set_height(v)
            for rect, v in zip(q_bars, q):
                rect.set_height(v)
            shown.set_text("P = ({:.2f}, {:.2f}, {:.2f})\nQ = ({:.2f}, {:.2f}, {:.2f})".format(*p, *q))
            values = discrete_divergences(p_name, q_name, t)
            for rect, txt, i, name in zip(h_bars, h_text, range(4), names):
                v = values[name]
                rect.set_width(top if math.isinf(v) else v)
                rect.set_alpha(0.35 if math.isinf(v) else 1.0)
                txt.set_position((min(v, top - 0.45) + 0.05 if not math.isinf(v) else top - 0.35, i))
                txt.set_text("∞" if math.isinf(v) else f"{v:.3f}")
                txt.set_fontsize("x-large" if math.isinf(v) else style.MIN_FONT_PT)
            return "H(P) = {:.3f}, H(P,Q) = {:.3f}, KL(P‖Q) = {:.3f}, KL(Q‖P) = {:.3f} bits".format(
                *(values[n] for n in names))

        return update

    return explore(
        make,
        [Dropdown("p_name", list(P_SHAPES), default="peaked", label="target P"),
         Dropdown("q_name", list(Q_SHAPES), default="reversed peak", label="model Q₀ at t = 0"),
         Slider("t", 0.0, 1.0, steps=4, default=0.0, label="t: Q = (1−t)Q₀ + tP")],
        alt="Left: grouped bars of the probabilities of P and Q over three outcomes. Right: horizontal bars of "
            "the entropy of P, the cross-entropy, KL(P‖Q) and KL(Q‖P) in bits; an infinite value is drawn as a "
            "faded full-width bar labelled with the infinity sign.",
        height=3.0,
    )


# --------------------------------------------------------------------------- fits of one Gaussian
@lru_cache(maxsize=None)
def fits() -> dict:
    """The forward-KL fit, the reverse-KL fit, and the reverse-KL local optimum at the lighter mode.

    Each entry is ``(mu, sigma, KL(p‖q), KL(q‖p))``.
    """
    out = {}
    for name, direction in (("forward", "forward"), ("reverse", "reverse")):
        mu, sigma, _ = fit_gaussian(TARGET, direction)
        out[name] = (mu, sigma)
    run = descend(GaussianFit(TARGET, "reverse"), np.array([2.5, math.log(0.9)]), FIT_LR["reverse"], steps=200, record_every=200)
    out["reverse, local"] = (float(run.final_theta[0]), math.exp(run.final_theta[1]))
    return {name: (mu, sigma, forward_kl(TARGET, mu, sigma), reverse_kl(TARGET, mu, sigma))
            for name, (mu, sigma) in out.items()}


@lru_cache(maxsize=None)
def gaussian_kls(mu: float, sigma: float) -> tuple[float, float]:
    """(KL(p‖q), KL(q‖p)) in nats for q = N(mu, sigma²) and the chapter's target p."""
    with np.errstate(under="ignore"):  # far tails of the integrand underflow to 0, which is their value
        return forward_kl(TARGET, mu, sigma), reverse_kl(TARGET, mu, sigma)


@lru_cache(maxsize=None)
def kl_maps(points: int = 41) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward and reverse KL on a (mu, sigma) grid covering the explorable's sliders, integrated all at once."""
    mus, sigmas = np.linspace(-5.0, 5.0, points), np.geomspace(0.4, 4.6, points)
    x = np.linspace(-55.0, 55.0, 2001)  # every q to at least 12 std; spacing 0.055 < 0.15 of the smallest std
    log_p = TARGET.logpdf(x)
    log_q = np.array([[gaussian_logpdf(x, m, s) for m in mus] for s in sigmas])
    return mus, sigmas, kl_on_grid(log_p, log_q, x), kl_on_grid(log_q, log_p, x)


def gaussian_fit():
    """A Gaussian q with mean and std sliders against the two-mode target, with both KLs and both optima."""
    x = np.linspace(-6.5, 6.5, 500)
    best = fits()

    def make(fig):
        # stacked for a phone column: the densities across the top, the two maps below
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.15])
        dens, fmap, rmap = fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
        dens.fill_between(x, np.exp(TARGET.logpdf(x)), color=C["sky"], alpha=0.5, label="target p")
        for key, colour, label in (("forward", C["blue"], "min KL(p‖q)"), ("reverse", C["vermillion"], "min KL(q‖p)")):
            mu, sigma = best[key][:2]
            dens.plot(x, np.exp(gaussian_logpdf(x, mu, sigma)), "--", color=colour, lw=1.3, label=label)
        q_line, = dens.plot(x, 0 * x, color=C["black"], lw=1.8, label="your q", animated=True)
        dens.set(xlim=(-6.5, 6.5), ylim=(0, 0.6), xlabel="x", ylabel="density")
        title = dens.set_title("\n")
        title.set_animated(True)
        mus, sigmas, fwd, rev = kl_maps()
        markers = []
        for ax, values, name in ((fmap, fwd, "forward KL(p‖q)"), (rmap, rev, "reverse KL(q‖p)")):
            # an image in (mu, log sigma): the y axis is log sigma, labelled with sigma
            image = ax.imshow(np.log10(np.clip(values, 0.3, 30)), origin="lower", aspect="auto", cmap=style.CMAP,
                              extent=(mus[0], mus[-1], math.log(sigmas[0]), math.log(sigmas[-1])),
                              vmin=math.log10(0.3), vmax=math.log10(30), interpolation="bilinear")
            ax.plot(best["forward"][0], math.log(best["forward"][1]), "o", color=C["sky"], mec="black", ms=7)
            ax.plot(best["reverse"][0], math.log(best["reverse"][1]), "D", color=C["vermillion"], mec="black", ms=6)
            marker, = ax.plot([], [], "+", color=C["yellow"], ms=14, mew=2.5, animated=True,
                              path_effects=[patheffects.withStroke(linewidth=4.5, foreground="black")])
            markers.append(marker)
            ax.set(xlim=(mus[0], mus[-1]), ylim=(math.log(sigmas[0]), math.log(sigmas[-1])), xlabel="mean μ", title=name)
            ax.set_yticks(np.log([0.5, 1, 2, 4]), ["0.5", "1", "2", "4"])
            ax.grid(False)
        fmap.set_ylabel("std σ (log scale)")
        rmap.tick_params(labelleft=False)
        bar = fig.colorbar(image, ax=[fmap, rmap], shrink=0.9, pad=0.02)
        bar.set_ticks(np.log10([0.3, 1, 3, 10, 30]), labels=["0.3", "1", "3", "10", "30"])
        bar.set_label("KL (nats)")
        # beside the axes, never over the curves (the maps' markers are explained in the text)
        dens.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))

        def update(mu, sigma):
            q_line.set_ydata(np.exp(gaussian_logpdf(x, mu, sigma)))
            for marker in markers:
                marker.set_data([mu], [math.log(sigma)])
            f, r = gaussian_kls(mu, sigma)
            title.set_text(f"q = N({mu:.1f}, {sigma:.2f}²)\nKL(p‖q) = {f:.2f}, KL(q‖p) = {r:.2f} nats")
            return f"KL(p‖q) = {f:.2f} nats, KL(q‖p) = {r:.2f} nats"

        return update

    return explore(
        make,
        [Slider("mu", MUS[0], MUS[-1], steps=len(MUS), default=0.5, label="mean μ of q"),
         Slider("sigma", SIGMAS[0], SIGMAS[-1], steps=len(SIGMAS), scale="log", default=1.0, label="std σ of q")],
        alt="Top: the two-mode target density p, the two fitted Gaussians (dashed: forward-KL fit spanning both "
            "modes, reverse-KL fit on the left mode) and the slider-controlled Gaussian q. Bottom: "
            "heat maps (log colour scale) of the forward and the reverse KL over the mean and the standard "
            "deviation of q, with both optima (circle: forward, diamond: reverse) and the current q (+) marked.",
        height=5.6,
    )


def fits_figure():
    """Static figure: the target and the three stationary Gaussians of the two KLs."""
    x = np.linspace(-6.5, 6.5, 500)
    fig = style.figure(height=4.2)
    ax = fig.add_subplot()
    ax.fill_between(x, np.exp(TARGET.logpdf(x)), color=C["sky"], alpha=0.5, label="target p (two modes)")
    styles = {"forward": (C["blue"], "-"), "reverse": (C["vermillion"], "-"), "reverse, local": (C["vermillion"], ":")}
    for name, (mu, sigma, f, r) in fits().items():
        colour, ls = styles[name]
        ax.plot(x, np.exp(gaussian_logpdf(x, mu, sigma)), ls, color=colour,
                label=f"{name}: N({mu:.2f}, {sigma:.2f}²), KL(p‖q) = {f:.2f}, KL(q‖p) = {r:.2f}")
    ax.set(xlim=(-6.5, 6.5), ylim=(0, 0.6), xlabel="x", ylabel="density",
           title="One Gaussian fitted to two modes (KL in nats)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22))  # below the axes, clear of the curves
    return style.Still(fig, alt="The two-mode target density with three Gaussians: the forward-KL fit is wide and "
                                "centred between the modes; the reverse-KL fit sits on the heavier left mode; a "
                                "dotted reverse-KL local optimum sits on the lighter right mode.")


# --------------------------------------------------------------------------- claims
def code_lengths(p, q) -> dict:
    r"""Entropy, cross-entropy and KL in bits next to mean code lengths (bits per outcome of P).

    Shannon codes (lengths :math:`\lceil -\log_2 p_k\rceil`) built for P and for Q, and the optimal
    prefix code for P (:func:`huffman_code_lengths`).
    """
    return {"H(P)": float(entropy(p, 2)),
            "Shannon code for P": expected_code_length(p, shannon_code_lengths(p)),
            "Huffman code for P": expected_code_length(p, huffman_code_lengths(p)),
            "H(P,Q)": float(cross_entropy(p, q, 2)),
            "Shannon code for Q": expected_code_length(p, shannon_code_lengths(q)),
            "KL(P||Q)": float(kl_divergence(p, q, 2))}


def random_pairs(count: int = 10_000, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` pairs of distributions over ``k`` outcomes, uniform on the simplex (Dirichlet(1,...,1))."""
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(k), count), rng.dirichlet(np.ones(k), count)


def gibbs_check(count: int = 10_000) -> dict:
    """Smallest KL over random pairs, KL(P‖P), and how KL shrinks as Q approaches P."""
    p, q = random_pairs(count)
    kl = kl_divergence(p, q)
    centre = np.array(P_SHAPES["peaked"])
    direction = np.array([1.0, -0.5, -0.5])
    near = {eps: float(kl_divergence(centre, centre + eps * direction * 0.1)) for eps in (1.0, 0.1, 0.01)}
    return {"min KL": float(kl.min()), "negative": int((kl < 0).sum()), "KL(P||P)": float(kl_divergence(p, p).max()),
            "near": near}


def asymmetry_table(count: int = 10_000) -> dict:
    """KL(P‖Q) against KL(Q‖P): one example and how often the two differ on random pairs."""
    p, q = random_pairs(count)
    a, b = kl_divergence(p, q), kl_divergence(q, p)
    return {"median |KL(P||Q) - KL(Q||P)|": float(np.median(np.abs(a - b))),
            "largest ratio": float(np.max(np.maximum(a, b) / np.minimum(a, b))),
            "gaussian": (gaussian_kl(0, 1, 1, 2), gaussian_kl(1, 2, 0, 1))}


def triangle(p=(0.9, 0.1), q=(0.5, 0.5), r=(0.1, 0.9)) -> dict:
    """The three KLs of a triple P, Q, R: the triangle inequality would need KL(P‖R) ≤ KL(P‖Q) + KL(Q‖R)."""
    return {"KL(P||Q)": float(kl_divergence(p, q)), "KL(Q||R)": float(kl_divergence(q, r)),
            "KL(P||R)": float(kl_divergence(p, r))}


def approaching_zero(p=(0.7, 0.2, 0.1)) -> dict:
    """KL(P‖Q_ε) for Q_ε = (ε, (1−ε)/2, (1−ε)/2) as ε → 0, and at ε = 0; and the reverse direction."""
    out = {}
    for eps in (1e-1, 1e-3, 1e-6, 1e-12, 0.0):
        q = np.array([eps, (1 - eps) / 2, (1 - eps) / 2])
        out[eps] = (float(kl_divergence(p, q)), float(kl_divergence(q, p)))
    return out


def reverse_fits_closer_modes(separation: float = 2.0, steps: int = 300) -> dict:
    """Reverse-KL descent from each mode of the target with its modes moved to ±``separation``.

    Returns ``{start: (mu, sigma, KL(q‖p))}``.
    """
    closer = GaussianMixture(TARGET.weights, (-separation, separation), TARGET.stds)
    objective = GaussianFit(closer, "reverse")
    out = {}
    for name, (mu, sigma) in (("from the heavier mode", (-separation, TARGET.stds[0])),
                              ("from the lighter mode", (separation, TARGET.stds[1]))):
        run = descend(objective, np.array([mu, math.log(sigma)]), FIT_LR["reverse"], steps=steps, record_every=steps)
        out[name] = (float(run.final_theta[0]), math.exp(run.final_theta[1]), run.final_loss)
    return out


def huffman_code_lengths(p) -> np.ndarray:
    r"""Code-word lengths (bits) of an optimal prefix code for ``p``: Huffman's algorithm.

    Repeatedly merge the two least probable groups of outcomes; every merge
    adds one bit to the code words of both groups (Huffman 1952, "A method for
    the construction of minimum-redundancy codes", Proc. IRE 40(9); Cover &
    Thomas 2006, §5.6). Its mean length :math:`L` satisfies
    :math:`H_2(P) \le L < H_2(P) + 1` and no uniquely decodable code is shorter.
    Outcomes with :math:`p_k = 0` never occur and get no code word (length 0);
    a single possible outcome gets a 1-bit word. Ties are broken by index, so
    the result is deterministic.
    """
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or (p < 0).any() or abs(p.sum() - 1) > 1e-9:
        raise ValueError("p must be a 1-D probability vector")
    lengths = np.zeros(len(p), dtype=int)
    heap = [(pk, k, (k,)) for k, pk in enumerate(p) if pk > 0]
    if len(heap) == 1:
        lengths[heap[0][2][0]] = 1
        return lengths
    heapq.heapify(heap)
    order = len(p)
    while len(heap) > 1:
        (pa, _, a), (pb, _, b) = heapq.heappop(heap), heapq.heappop(heap)
        lengths[list(a + b)] += 1
        heapq.heappush(heap, (pa + pb, order, a + b))
        order += 1
    return lengths


def entropy_in_bases(p=(0.7, 0.2, 0.1), bases=(2.0, math.e, 10.0, 0.5, 1.0, -2.0)) -> dict:
    r""":math:`H_b(P) = H(P)/\ln b` for several bases ``b``, or the error :func:`lib.information.entropy` raises.

    A logarithm base must be positive and :math:`\ne 1`; bases in :math:`(0, 1)` flip the sign.
    """
    out = {}
    for b in bases:
        try:
            out[b] = float(entropy(p, b))
        except ValueError as error:
            out[b] = f"ValueError: {error}"
    return out


# --------------------------------------------------------------------------- explorable 3: mode separation
#: Mode separations d of the separation explorable: the target's modes sit at ±d.
SEPARATIONS = tuple(float(d) for d in np.round(np.arange(1.0, 3.01, 0.25), 2))
#: Steps and optimizer of each reverse-KL fit in :func:`reverse_fits_by_separation`
#: (heavy-ball momentum: the same optima as plain descent in fewer steps; the gradient norm is reported).
SEPARATION_STEPS, SEPARATION_OPTIMIZER = 150, Momentum(0.2, 0.8)


def separated_target(d: float) -> GaussianMixture:
    """The chapter's target with the same weights and widths and its modes at ±d."""
    return GaussianMixture(TARGET.weights, (-d, d), TARGET.stds)


@lru_cache(maxsize=None)
def reverse_fits_by_separation(steps: int = SEPARATION_STEPS) -> dict:
    r"""For every d in :data:`SEPARATIONS`: the forward optimum and reverse-KL descent from each mode.

    The forward optimum is the moment match :math:`(\mathbb{E}_p[x], \sqrt{\operatorname{Var}_p[x]})`
    (the stationary point of the forward KL, checked by :func:`fits`). The reverse fits start on the
    heavier mode :math:`(-d, 0.7)` and on the lighter mode :math:`(d, 0.9)` and take ``steps``
    full-batch steps of :data:`SEPARATION_OPTIMIZER` in :math:`(\mu, \log\sigma)`. Returns
    ``{d: {"forward": (mu, sigma), "heavier": (mu, sigma, KL(q‖p), |grad|), "lighter": (...)}}``.
    """
    out = {}
    for d in SEPARATIONS:
        p = separated_target(d)
        objective = GaussianFit(p, "reverse")
        row = {"forward": (p.mean(), math.sqrt(p.variance()))}
        for name, (mu, sigma) in (("heavier", (-d, TARGET.stds[0])), ("lighter", (d, TARGET.stds[1]))):
            run = descend(objective, np.array([mu, math.log(sigma)]), SEPARATION_OPTIMIZER, steps=steps,
                          record_every=steps)
            theta = run.final_theta
            row[name] = (float(theta[0]), math.exp(theta[1]), float(run.final_loss),
                         float(np.linalg.norm(objective.grad(theta))))
        out[d] = row
    return out


def separation_summary() -> list[tuple]:
    """Rows ``(d, mu_heavier, sigma_heavier, KL_heavier, mu_lighter, sigma_lighter, KL_lighter, max |grad|)``."""
    rows = []
    for d, row in reverse_fits_by_separation().items():
        h, l = row["heavier"], row["lighter"]
        rows.append((d, *h[:3], *l[:3], max(h[3], l[3])))
    return rows


def mode_separation():
    """Reverse-KL fits started on each mode as the modes move apart: one covering optimum splits into one per mode."""
    x = np.linspace(-6.5, 6.5, 400)
    ds = np.array(SEPARATIONS)

    def make(fig):
        dens, branch = fig.subplots(2, 1, height_ratios=[1, 1])
        fits_ = reverse_fits_by_separation()
        target = dens.fill_between(x, 0 * x, color=C["sky"], alpha=0.5, label="target p", animated=True)
        fwd, = dens.plot(x, 0 * x, "--", color=C["blue"], label="min KL(p‖q)", animated=True)
        heavy, = dens.plot(x, 0 * x, color=C["vermillion"], label="KL(q‖p), from heavier mode", animated=True)
        light, = dens.plot(x, 0 * x, ":", color=C["black"], lw=2.2, label="KL(q‖p), from lighter mode", animated=True)
        dens.set(xlim=(-6.5, 6.5), ylim=(0, 0.75), xlabel="x", ylabel="density")
        dens.legend(loc="upper center", ncol=2, borderaxespad=0.1)
        title = dens.set_title("\n")
        title.set_animated(True)
        for d_sign in (-1, 1):
            branch.plot(ds, d_sign * ds, color="0.6", lw=1, ls=(0, (1, 2)))
        branch.text(ds[0], ds[0] + 0.2, "mode at +d", va="bottom", ha="left", color="0.35")
        branch.text(ds[0], -ds[0] - 0.2, "mode at −d", va="top", ha="left", color="0.35")
        branch.plot(ds, [fits_[d]["heavier"][0] for d in SEPARATIONS], "o-", color=C["vermillion"], ms=4,
                    label="from heavier mode")
        branch.plot(ds, [fits_[d]["lighter"][0] for d in SEPARATIONS], "s:", color=C["black"], ms=4,
                    label="from lighter mode")
        branch.set(xlim=(ds[0] - 0.1, ds[-1] + 0.1), ylim=(-3.8, 3.8), xlabel="mode separation: modes at ±d",
                   ylabel="mean μ of the\nreverse-KL fit")
        branch.legend(loc="center right")  # the empty band between the branches
        now = branch.axvline(ds[0], color="0.3", ls="--", lw=1, animated=True)

        def update(d):
            row = fits_[d]
            p = separated_target(d)
            target.set_paths([np.column_stack([np.r_[x, x[::-1]], np.r_[np.exp(p.logpdf(x)), 0 * x]])])
            fwd.set_ydata(np.exp(gaussian_logpdf(x, *row["forward"])))
            heavy.set_ydata(np.exp(gaussian_logpdf(x, *row["heavier"][:2])))
            light.set_ydata(np.exp(gaussian_logpdf(x, *row["lighter"][:2])))
            now.set_xdata([d, d])
            h, l = row["heavier"], row["lighter"]
            same = abs(h[0] - l[0]) < 0.05 and abs(h[1] - l[1]) < 0.05
            verdict = "both starts reach one covering fit" if same else "two different local optima"
            title.set_text(f"modes at ±{d:g}: {verdict}\nKL(q‖p) = {h[2]:.3f} (heavier start), {l[2]:.3f} (lighter)")
            return (f"modes at ±{d:g}: {verdict}; reverse fit from the heavier mode N({h[0]:.2f}, {h[1]:.2f}²), "
                    f"KL {h[2]:.3f}; from the lighter mode N({l[0]:.2f}, {l[1]:.2f}²), KL {l[2]:.3f} nats")

        return update

    return explore(
        make,
        [Slider("d", SEPARATIONS[0], SEPARATIONS[-1], steps=len(SEPARATIONS), default=2.0,
                label="mode separation d")],
        alt="Top: the two-mode target with its modes at plus and minus d, the forward-KL fit (moment matching) and "
            "the two reverse-KL fits found by gradient descent started on the heavier and on the lighter mode. "
            "Bottom: the mean of both reverse-KL fits against d: for close modes both starts reach one broad "
            "Gaussian near 0; as d grows the branches split and each fit follows its own mode.",
        height=5.4,
    )


EXPLORABLES = {"discrete": discrete, "gaussian_fit": gaussian_fit, "mode_separation": mode_separation}
