r"""Figures and experiments of the no-free-lunch chapter.

**Search.** Every function :math:`f:\{0,\dots,5\}\to\{0,\dots,3\}` (:data:`N_POINTS` = 6 points on a
ring, :data:`N_VALUES` = 4 values: 4,096 functions), searched to maximize by the algorithms of
:data:`ALGORITHMS` (:mod:`lib.no_free_lunch`), each run once on every function for all 6 evaluations.
Classes of functions (:data:`CLASSES`): all of them; the *smooth* ones, whose ring neighbours differ by
at most 1; the *rough* ones, whose ring neighbours differ by at least 2; the permutation closure of the
smooth ones (closed under permutation, c.u.p.); the needles.

**Learning.** Every target :math:`f:\{0,1\}^4\to\{0,1\}` (65,536 of them); :data:`SETS` random
training sets of each size, the learners of :data:`lib.no_free_lunch.LEARNERS`, off-training-set
accuracy under the uniform prior, under the smooth prior :math:`P(f)\propto e^{-\kappa\,\mathrm{cut}(f)}`
(:data:`KAPPA`) and under their mixtures.

Everything is exact enumeration (no sampling of functions); runs shared by cells and explorables are
cached with :func:`functools.lru_cache`.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib import no_free_lunch as nfl
from lib import style
from lib.explorable import Dropdown, Slider, explore

C = style.PALETTE
#: Search space and value set: points 0..N_POINTS-1 on a ring, values 0..N_VALUES-1.
N_POINTS, N_VALUES = 6, 4
#: Search algorithms without revisits (name -> factory), and their colours.
ALGORITHMS = {
    "sweep": nfl.Sweep,
    "random": lambda: nfl.RandomOrder(seed=0),
    "climber": nfl.HillClimber,
    "surrogate": nfl.NearestNeighbourSurrogate,
    "anti": lambda: nfl.HillClimber(maximize=False),
}
NAMES = {"sweep": "sweep", "random": "random order", "climber": "hill climber", "surrogate": "surrogate model",
         "anti": "anti-climber", "revisit": "revisiting climber"}
COLOURS = {"sweep": C["blue"], "random": C["orange"], "climber": C["green"], "surrogate": C["purple"],
           "anti": C["vermillion"], "revisit": C["black"]}
#: Function classes of the search explorable: key -> label.
CLASSES = {"all": "all functions", "smooth": "smooth on the ring", "rough": "rough on the ring",
           "closure": "c.u.p. closure of smooth", "needle": "needles (c.u.p.)"}
#: Travel-time counterexample: a neighbour of the previous point costs 1, any other point 2; the budget.
NEAR, FAR, BUDGET = 1.0, 2.0, 4.0

#: Boolean inputs {0,1}^D; training sets per size; the smooth prior's kappa.
D, SETS, KAPPA = 4, 5, 0.5
#: Training-set sizes of the learning explorable.
SIZES = Slider("s", 2, 14, steps=7, integer=True, default=8, label="training inputs s")
#: Mixing weight of the smooth prior.
ALPHA = Slider("alpha", 0.0, 1.0, steps=6, default=0.0, label="weight α of the smooth prior", fmt="{:.1f}")
LEARNER_COLOURS = (C["blue"], C["sky"], C["green"], C["orange"], C["vermillion"])


# --------------------------------------------------------------------------- search
@lru_cache(maxsize=None)
def functions() -> np.ndarray:
    """All :data:`N_VALUES` ** :data:`N_POINTS` functions, one per row (read-only)."""
    F = nfl.all_functions(N_POINTS, N_VALUES)
    F.flags.writeable = False
    return F


@lru_cache(maxsize=None)
def class_mask(name: str) -> np.ndarray:
    """Mask over :func:`functions` of the class ``name`` of :data:`CLASSES`."""
    F = functions()
    if name == "all":
        return np.ones(len(F), bool)
    if name == "smooth":
        return nfl.smooth_on_ring(F)
    if name == "rough":
        return np.all(np.abs(np.roll(F, -1, axis=1) - F) >= 2, axis=1)
    if name == "closure":
        return nfl.permutation_closure(F[class_mask("smooth")], N_VALUES, F)
    if name == "needle":
        return nfl.needles(F, N_VALUES)
    raise ValueError(f"name must be one of {list(CLASSES)}, got {name!r}")


@lru_cache(maxsize=None)
def run(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Points and values of the algorithm ``name`` (:data:`ALGORITHMS`, or ``"revisit"``) on every function, 6 evaluations."""
    if name == "revisit":
        algorithm = nfl.RevisitingClimber(seed=0)
    elif name in ALGORITHMS:
        algorithm = ALGORITHMS[name]()
    else:
        raise ValueError(f"name must be one of {[*ALGORITHMS, 'revisit']}, got {name!r}")
    xs, ys = nfl.traces(algorithm, functions(), N_POINTS)
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


@lru_cache(maxsize=None)
def best_counts(name: str, k: int, cls: str = "all") -> np.ndarray:
    """How many functions of class ``cls`` have best-so-far value 0, 1, 2, 3 after ``k`` evaluations of ``name``."""
    ys = run(name)[1][class_mask(cls)]
    return np.bincount(nfl.best_so_far(ys)[:, k - 1], minlength=N_VALUES)


def measures(name: str, cls: str = "all") -> dict[str, np.ndarray]:
    """Per function of ``cls``, three performance measures of the observed values: the best value after 3
    evaluations, the mean of the first 3 values (times 3, an integer), and the evaluations until the global maximum."""
    ys = run(name)[1][class_mask(cls)]
    return {"best after 3": nfl.best_so_far(ys)[:, 2], "sum of first 3": ys[:, :3].sum(axis=1),
            "evaluations to the maximum": nfl.hitting_time(ys, functions()[class_mask(cls)].max(axis=1))}


def histograms_identical(cls: str = "all", names=tuple(ALGORITHMS)) -> dict[str, bool]:
    """For each measure of :func:`measures` and for best-so-far at every k: are the integer histograms over ``cls``
    identical for all ``names``?"""
    out = {}
    for key in measures(names[0], cls):
        hists = [np.bincount(measures(a, cls)[key], minlength=N_POINTS * N_VALUES + 2) for a in names]
        out[key] = all(np.array_equal(hists[0], h) for h in hists[1:])
    out["best after k, every k"] = all(
        np.array_equal(best_counts(names[0], k, cls), best_counts(a, k, cls)) for a in names for k in range(1, N_POINTS + 1))
    return out


def sequence_count_values(name: str, k: int) -> set[int]:
    """The distinct counts of :func:`lib.no_free_lunch.value_sequence_counts` after ``k`` evaluations on all functions."""
    return set(nfl.value_sequence_counts(run(name)[1][:, :k], N_VALUES).tolist())


@lru_cache(maxsize=None)
def mean_best(name: str, cls: str = "all") -> np.ndarray:
    """Mean best-so-far value after 1..6 evaluations over the class."""
    return nfl.best_so_far(run(name)[1][class_mask(cls)]).mean(axis=0)


def mean_hitting(name: str, cls: str = "all") -> float:
    """Mean number of evaluations until the function's maximum is found, over the class."""
    return float(measures(name, cls)["evaluations to the maximum"].mean())


def wins(a: str, b: str, k: int = 3, cls: str = "all") -> tuple[int, int, int]:
    """Functions of ``cls`` on which ``a``'s best value after ``k`` evaluations beats ``b``'s, loses to it, ties."""
    pa = nfl.best_so_far(run(a)[1][class_mask(cls)])[:, k - 1]
    pb = nfl.best_so_far(run(b)[1][class_mask(cls)])[:, k - 1]
    return int(np.sum(pa > pb)), int(np.sum(pa < pb)), int(np.sum(pa == pb))


def travel_best(name: str, budget: float = BUDGET) -> float:
    """Mean best value found within a time ``budget`` when a ring neighbour of the previous point costs
    :data:`NEAR` and any other point :data:`FAR` (:func:`lib.no_free_lunch.travel_time`), over all functions."""
    xs, ys = run(name)
    return float(nfl.best_within(ys, nfl.travel_time(xs, N_POINTS, NEAR, FAR), budget).mean())


# --------------------------------------------------------------------------- learning
@lru_cache(maxsize=None)
def targets() -> tuple[np.ndarray, np.ndarray]:
    """All 65,536 targets on {0,1}^4 and the smooth prior with :data:`KAPPA` (read-only)."""
    T = nfl.all_targets(D)
    w = nfl.smooth_prior(T, D, KAPPA)
    T.flags.writeable = w.flags.writeable = False
    return T, w


@lru_cache(maxsize=None)
def learning(s: int) -> dict[str, np.ndarray]:
    """Mean over :data:`SETS` training sets of ``s`` inputs: off-training-set accuracy of every learner under the
    uniform (``uniform``) and the smooth (``smooth``) prior, accuracy on the training inputs (``train_uniform``),
    and the exact totals of correct off-training-set predictions over all targets (``totals``, one row per set)."""
    T, w = targets()
    sets = nfl.training_sets(D, s, SETS, seed=s)
    learners = nfl.LEARNERS
    out = {"uniform": np.mean([nfl.ots_accuracy(learners, T, tr, D) for tr in sets], axis=0),
           "smooth": np.mean([nfl.ots_accuracy(learners, T, tr, D, w) for tr in sets], axis=0),
           "train_uniform": np.mean([nfl.train_accuracy(learners, T, tr, D) for tr in sets], axis=0)}
    if s in (SIZES.values[0], SIZES.default):
        out["totals"] = np.array([[int(nfl.ots_correct(L, T, tr, D).sum()) for L in learners.values()] for tr in sets])
    return out


def mixed_accuracy(alpha: float, s: int) -> np.ndarray:
    r"""Off-training-set accuracy of every learner under :math:`(1-\alpha)\,\text{uniform} + \alpha\,\text{smooth}`
    (expected accuracy is linear in the prior, eq-nfl-mixture)."""
    r = learning(s)
    return (1 - alpha) * r["uniform"] + alpha * r["smooth"]


# --------------------------------------------------------------------------- explorable 1: search
def search_figure():
    """Class of functions x evaluations k -> mean best-so-far curves of every algorithm and the distribution at k."""
    names = (*ALGORITHMS, "revisit")
    width = 0.15

    def make(fig):
        curve, bars_ax = fig.subplots(1, 2, width_ratios=[1.1, 1])
        ks = np.arange(1, N_POINTS + 1)
        curve.set(xlim=(0.7, N_POINTS + 0.3), ylim=(0.4, 3.08), xticks=ks, xlabel="evaluations k",
                  ylabel="mean best value found")
        lines = {a: curve.plot([], [], "-" if a != "revisit" else "--", color=COLOURS[a], animated=True,
                               lw=1.6 if a != "revisit" else 1.4, label=NAMES[a])[0] for a in names}
        here = curve.axvline(1, color=C["black"], lw=0.8, ls=":", animated=True)
        bars_ax.set(xlim=(-0.5, N_VALUES - 0.5), ylim=(0, 1.02), xticks=range(N_VALUES),
                    xlabel="best value after k", ylabel="share of the functions")
        bars = {a: bars_ax.bar(np.arange(N_VALUES) + (j - 2) * width, np.zeros(N_VALUES), width,
                               color=COLOURS[a], animated=True, antialiased=False) for j, a in enumerate(ALGORITHMS)}
        fig.legend(handles=list(lines.values()), loc="outside lower center", ncol=3)
        title = fig.suptitle("\n")
        title.set_animated(True)

        def update(cls, k):
            for a in names:
                lines[a].set_data(ks, mean_best(a, cls))
            here.set_xdata([k, k])
            counts = {a: best_counts(a, k, cls) for a in ALGORITHMS}
            total = int(class_mask(cls).sum())
            for a, rects in bars.items():
                for rect, c in zip(rects, counts[a]):
                    rect.set_height(c / total)
            same = all(np.array_equal(counts["sweep"], counts[a]) for a in ALGORITHMS)
            means = {a: mean_best(a, cls)[k - 1] for a in ALGORITHMS}
            top = max(means, key=means.get)
            verdict = ("the five distributions are identical" if same
                       else f"the distributions differ; best mean: {NAMES[top]}, {means[top]:.2f}")
            title.set_text(f"{CLASSES[cls]} ({total}), k = {k}:\n"
                           + ("identical for all five" if same else f"differ; best {NAMES[top]} {means[top]:.2f}"))
            return (f"{CLASSES[cls]}, {total} functions, after {k} evaluations: {verdict}; mean best value of the sweep "
                    f"{means['sweep']:.2f}, of the revisiting climber {mean_best('revisit', cls)[k - 1]:.2f}")

        return update

    return explore(
        make,
        [Dropdown("cls", list(CLASSES), default="all", label="functions", option_labels=list(CLASSES.values())),
         Slider("k", 1, N_POINTS, steps=N_POINTS, integer=True, default=2, label="evaluations k")],
        alt="Left: mean best value found against the number of evaluations for five search algorithms without "
            "revisits and one that revisits, over a class of functions on six points. Right: grouped bars of the "
            "share of functions for which the best value after k evaluations is 0, 1, 2 or 3, one bar per algorithm.",
        height=3.6,
    )


# --------------------------------------------------------------------------- explorable 2: learning
def learning_figure():
    """Weight α of the smooth prior x training-set size s -> off-training-set accuracy of the learners."""
    names = list(nfl.LEARNERS)
    alphas = np.array(ALPHA.values)

    def make(fig):
        curve, bar_ax = fig.subplots(1, 2, width_ratios=[1.1, 1])
        curve.set(xlim=(0, 1), ylim=(0, 1), xlabel="weight α of the smooth prior",
                  ylabel="off-training-set accuracy")
        curve.axhline(0.5, color=C["black"], lw=0.8, ls=":")
        lines = [curve.plot([], [], color=c, animated=True, label=n)[0] for n, c in zip(names, LEARNER_COLOURS)]
        dots = [curve.plot([], [], "o", ms=5, color=c, animated=True)[0] for c in LEARNER_COLOURS]
        bar_ax.set(ylim=(0, 1), xticks=range(len(names)), ylabel="accuracy at α")
        bar_ax.set_xticklabels(names, rotation=35, ha="right")
        bar_ax.axhline(0.5, color=C["black"], lw=0.8, ls=":")
        bars = bar_ax.bar(range(len(names)), np.zeros(len(names)), 0.7, color=LEARNER_COLOURS, animated=True)
        fig.legend(handles=lines, loc="outside lower center", ncol=5, columnspacing=1.0, handlelength=1.2)
        title = fig.suptitle(" ")
        title.set_animated(True)

        def update(alpha, s):
            table = np.array([mixed_accuracy(a, s) for a in alphas])  # (alphas, learners)
            now = mixed_accuracy(alpha, s)
            for j, (line, dot, bar) in enumerate(zip(lines, dots, bars)):
                line.set_data(alphas, table[:, j])
                dot.set_data([alpha], [now[j]])
                bar.set_height(now[j])
            spread = now.max() - now.min()
            if spread < 1e-12:
                said = "every learner scores exactly 1/2"
            else:
                said = f"best {names[int(np.argmax(now))]} {now.max():.3f}, worst {names[int(np.argmin(now))]} {now.min():.3f}"
            short = ("every learner exactly 1/2" if spread < 1e-12 else
                     f"best {names[int(np.argmax(now))]} {now.max():.3f}, worst {names[int(np.argmin(now))]} {now.min():.3f}")
            title.set_text(f"s = {s}, α = {alpha:.1f}: {short}")
            return (f"{s} training inputs, smooth-prior weight {alpha:.1f}: off-training-set accuracy "
                    + ", ".join(f"{n} {v:.3f}" for n, v in zip(names, now)))

        return update

    return explore(
        make,
        [ALPHA, SIZES],
        alt="Left: off-training-set accuracy of five learners on boolean functions of four bits against the weight "
            "alpha of a smooth prior mixed with the uniform prior over all targets; all lines start at 0.5. Right: "
            "the accuracies at the chosen alpha as bars.",
        height=3.6,
    )


EXPLORABLES = {"search": search_figure, "learning": learning_figure}
