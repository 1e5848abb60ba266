"""Every explorable of every chapter: extremes, determinism, page budget."""
import importlib
import pkgutil
import warnings

import numpy as np
import pytest

import lib.figures

FACTORIES = {
    f"{module.name}.{name}": factory
    for module in pkgutil.iter_modules(lib.figures.__path__)
    for name, factory in importlib.import_module(f"lib.figures.{module.name}").EXPLORABLES.items()
}
#: Average compressed frame size. Frames are 2x-density PNGs (style.DPI); on the site they
#: load from a file of their own when the figure nears the viewport (_ext/reader.py).
FRAME_BUDGET = 48 * 1024
#: All frames of one explorable: what a reader who scrolls to it downloads.
EXPLORABLE_BUDGET = 2_500_000


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def exp(request):
    return FACTORIES[request.param]()


def test_there_are_explorables():
    assert len(FACTORIES) >= 3


def test_every_corner_draws_without_warning_or_error(exp):
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for values in exp.corners():
            assert exp.render(**values).startswith(b"\x89PNG")
            assert exp.describe(**values)  # what a screen reader hears for this frame


def test_same_values_give_the_same_png(exp):
    corners = list(exp.corners())
    first = exp.render(**corners[0])
    exp._png.clear()
    exp.draw(**corners[-1])
    assert exp.render(**corners[0]) == first


def test_frames_fit_the_page_budget(exp):
    frames = exp.frames()
    assert len(frames) == exp.n_frames
    sizes = [len(png) for png in set(frames.values())]
    assert np.mean(sizes) <= FRAME_BUDGET, f"frames average {np.mean(sizes) / 1024:.0f} KB"
    assert sum(sizes) <= EXPLORABLE_BUDGET, f"frames total {sum(sizes) / 1e6:.2f} MB"
    assert len(set(frames.values())) > 1, "every frame is the same: the controls change nothing"
