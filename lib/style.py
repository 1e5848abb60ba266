"""The book's plotting style: one colour-blind-safe palette, one set of sizes.

Every figure in the book is made through :func:`figure` (or after
:func:`use`), so colours and fonts agree from chapter to chapter.

The palette is Okabe & Ito's (2008) eight colours, "Color Universal Design",
chosen to stay distinguishable under the common colour-vision deficiencies.
"""
from __future__ import annotations

import base64
import html
import io

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

#: Okabe--Ito colours, by name.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: The order series are coloured in.
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]
#: Colour map for surfaces (perceptually uniform, colour-blind safe).
CMAP = "cividis"

#: Colours kept when a raster is compressed (an adaptive palette).
PNG_COLOURS = 64

#: Figure width (inches) for a full-width figure; explorables use it too.
WIDTH = 7.5
#: Dots per inch of every raster the book ships.
DPI = 80

RC = {
    "axes.prop_cycle": matplotlib.cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",
    "lines.linewidth": 1.8,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "image.cmap": CMAP,
    "svg.hashsalt": "dlbook",
}


def use() -> None:
    """Apply the book's style to matplotlib's global ``rcParams``."""
    matplotlib.rcParams.update(RC)


def figure(width: float = WIDTH, height: float = 3.2, **kwargs) -> Figure:
    """A new figure in the book's style (not registered with pyplot).

    Used by the slider layer, which keeps one figure per explorable and
    redraws it in place. For one-off figures in a notebook, call :func:`use`
    and plot with pyplot as usual.
    """
    use()
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained", **kwargs)


def compress(rgba: np.ndarray) -> bytes:
    """An RGBA pixel buffer as a small palette PNG (deterministic bytes)."""
    image = Image.fromarray(np.asarray(rgba)[..., :3]).quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=6)
    return out.getvalue()


def png(fig: Figure) -> bytes:
    """Render ``fig`` with Agg and return it as a compressed PNG."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return compress(np.asarray(canvas.buffer_rgba()))


class Still:
    """A static figure with alternative text, for display in a notebook.

    Shows as a PNG in JupyterLab and as an ``<img alt=...>`` on the website.
    """

    def __init__(self, fig: Figure, alt: str):
        if not alt:
            raise ValueError("alt must describe the figure")
        self.fig, self.alt, self._png = fig, alt, png(fig)

    def _repr_png_(self) -> bytes:
        return self._png

    def _repr_html_(self) -> str:
        data = base64.b64encode(self._png).decode("ascii")
        return f'<img class="still" alt="{html.escape(self.alt)}" src="data:image/png;base64,{data}">'
