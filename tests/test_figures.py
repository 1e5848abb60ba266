"""Every explorable of every chapter: extremes, determinism, page budget."""
import importlib
import json
import pkgutil
import re
import warnings

import numpy as np
import pytest

import lib.figures

FACTORIES = {
    f"{module.name}.{name}": factory
    for module in pkgutil.iter_modules(lib.figures.__path__)
    for name, factory in importlib.import_module(f"lib.figures.{module.name}").EXPLORABLES.items()
}
#: Average compressed frame size (JupyterLab redraws whole frames). Frames are 2x-density PNGs
#: (style.DPI).
FRAME_BUDGET = 48 * 1024
#: What a reader who scrolls to one explorable downloads on the site: its default frame and a patch
#: for every other frame (lib.style.patch), fetched from a file of their own when the figure nears
#: the viewport (_ext/reader.py). A chapter page, images and frames included, stays within 3 MB
#: (tests/test_site.py).
EXPLORABLE_BUDGET = 2_000_000


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
    assert len(set(frames.values())) > 1, "every frame is the same: the controls change nothing"
    html = exp.to_html()
    data = json.loads(re.search(r'class="explorable-data">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))
    base = re.search(r'class="explorable-frame"[^>]* src="data:image/png;base64,([^"]+)"', html).group(1)
    shipped = (len(base) + sum(len(f) for f in data["frames"])) * 3 // 4  # base64 -> bytes
    assert shipped <= EXPLORABLE_BUDGET, (
        f"the static page ships {shipped / 1e6:.2f} MB of frames (whole frames: {sum(sizes) / 1e6:.2f} MB)")
