"""The book's plotting style: one colour-blind-safe palette, one set of sizes.

Every figure in the book is made through :func:`figure` (or after
:func:`use`), so colours and fonts agree from chapter to chapter.

The palette is Okabe & Ito's (2008) eight colours, "Color Universal Design",
chosen to stay distinguishable under the common colour-vision deficiencies.
Three of them are darkened (same hue, less lightness) so that every colour a
line or marker may carry has at least 3:1 contrast against the white page, as
WCAG 2.1 §1.4.11 asks of graphics that carry meaning.

Sizes are chosen for a phone. A figure is :data:`WIDTH` inches wide and is
shown at most :data:`DISPLAY_PX` CSS pixels wide; on a 390 px phone the column
is :data:`PHONE_COLUMN_PX` wide, so a font of ``f`` points appears at
``f * PHONE_COLUMN_PX / (72 * WIDTH)`` CSS pixels. :data:`MIN_FONT_PT` keeps
that at or above 9 px, and :func:`legible` raises every smaller text of a
figure to it. Rasters have :data:`DPI` dots per inch: two device pixels per
CSS pixel at the largest display width, so figures stay sharp on 2x screens.
"""
from __future__ import annotations

import base64
import html
import io

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

#: Okabe--Ito colours, by name.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#BA8000",   # Okabe-Ito #E69F00 darkened: 3.4:1 on white (was 2.25:1)
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#2490D0",      # #56B4E9 darkened: 3.5:1 (was 2.31:1)
    "purple": "#BE6A9A",   # #CC79A7 darkened: 3.7:1 (was 3.06:1)
    "yellow": "#F0E442",   # 1.3:1 on white: only for marks on dark backgrounds (e.g. a cividis map)
    "black": "#000000",
}
#: The order series are coloured in.
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]
#: Colour map for surfaces (perceptually uniform, colour-blind safe).
CMAP = "cividis"

#: Colours kept when a raster is compressed (an adaptive palette).
PNG_COLOURS = 64

#: Colours that may carry meaning on the white page (each >= 3:1 contrast).
ON_WHITE = tuple(v for k, v in PALETTE.items() if k != "yellow")

#: Figure width (inches) for a full-width figure; explorables use it too.
WIDTH = 6.0
#: Widest a figure is shown, in CSS pixels (desktop); narrower columns shrink it.
DISPLAY_PX = 560
#: Width of the text column on a 390 px phone, in CSS pixels.
PHONE_COLUMN_PX = 358
#: Smallest text in CSS pixels a figure may show on that phone.
MIN_TEXT_PX = 9.0
#: Smallest font (points) that meets MIN_TEXT_PX on the phone, rounded up to a half point.
MIN_FONT_PT = float(np.ceil(2 * MIN_TEXT_PX * 72 * WIDTH / PHONE_COLUMN_PX) / 2)
#: Dots per inch of every raster: 2 device pixels per CSS pixel at DISPLAY_PX.
DPI = int(np.ceil(2 * DISPLAY_PX / WIDTH))

RC = {
    "axes.prop_cycle": matplotlib.cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": MIN_FONT_PT,
    "axes.titlesize": MIN_FONT_PT + 1,
    "axes.labelsize": MIN_FONT_PT + 0.5,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.handlelength": 1.5,
    "legend.borderaxespad": 0.3,
    "xtick.major.pad": 2,
    "ytick.major.pad": 2,
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


def text_sizes_px(fig: Figure, column_px: float = PHONE_COLUMN_PX) -> list[tuple[float, str]]:
    """``(CSS px, text)`` of every visible, non-empty text of ``fig`` shown ``column_px`` wide.

    Displayed at ``min(column_px, DISPLAY_PX)`` CSS pixels, a figure of width
    ``w`` inches maps a font of ``f`` points to ``f * shown / (72 * w)`` pixels.
    """
    shown = min(column_px, DISPLAY_PX)
    width_in = fig.get_figwidth()
    return [
        (t.get_fontsize() * shown / (72 * width_in), t.get_text())
        for t in fig.findobj(lambda a: isinstance(a, Text))
        if t.get_visible() and t.get_text().strip()
    ]


def min_font_pt(fig: Figure) -> float:
    """The smallest font size (points) among the visible, non-empty texts of ``fig``."""
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: isinstance(a, Text)) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=MIN_FONT_PT)


def size_attributes(fig: Figure) -> str:
    """HTML attributes of a figure's ``<img>``: its display size in CSS pixels, and
    ``data-width-in`` / ``data-min-font-pt``, from which a browser test measures the
    smallest text as shown (``pt * shown width / (72 * width in inches)``)."""
    w, h = fig.get_size_inches()
    return (f'width="{DISPLAY_PX}" height="{round(DISPLAY_PX * h / w)}" '
            f'data-width-in="{w:g}" data-min-font-pt="{min_font_pt(fig):g}"')


def legible(fig: Figure, min_pt: float = MIN_FONT_PT) -> Figure:
    """Raise every text of ``fig`` smaller than ``min_pt`` points to ``min_pt``.

    The floor that keeps figure text >= :data:`MIN_TEXT_PX` CSS pixels on a
    phone: figure code may ask for a smaller font (a dense legend) and gets
    the floor. Call it before the first draw, so the layout uses the new sizes.
    """
    for t in fig.findobj(lambda a: isinstance(a, Text)):
        if t.get_fontsize() < min_pt:
            t.set_fontsize(min_pt)
    return fig


def compress(rgba: np.ndarray) -> bytes:
    """An RGBA pixel buffer as a small palette PNG (deterministic bytes)."""
    image = Image.fromarray(np.asarray(rgba)[..., :3]).quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=6)
    return out.getvalue()


def _palette_pixels(png: bytes, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A palette PNG's indices, its palette (n x 3) and its pixels packed as 0xRRGGBB."""
    image = Image.open(io.BytesIO(png))
    if image.mode != "P":
        raise ValueError(f"{name} must be a palette PNG (as made by compress), got mode {image.mode}")
    indices = np.asarray(image)
    palette = np.asarray(image.getpalette(), dtype=np.uint32).reshape(-1, 3)[: int(indices.max()) + 1]
    packed = palette[:, 0] << 16 | palette[:, 1] << 8 | palette[:, 2]
    return indices, palette, packed[indices]


def patch(base: bytes, frame: bytes) -> tuple[bytes, tuple[int, int, int, int] | None]:
    """What changes from ``base`` to ``frame``, two palette PNGs of one size.

    Returns the smallest rectangle that holds every pixel whose colour differs, as a palette PNG in
    which the unchanged pixels are transparent, and its box ``(x, y, width, height)`` in pixels;
    ``(b"", None)`` when no pixel differs. Drawn over ``base`` at ``box``, the patch gives ``frame``
    pixel for pixel: the static explorables ship one full frame and a patch for each other one,
    since moving a slider usually redraws a line or a panel, not the axes around it.
    """
    return patches(base, [frame])[0]


def patches(base: bytes, frames) -> list[tuple[bytes, tuple[int, int, int, int] | None]]:
    """:func:`patch` for each of ``frames`` against one ``base``, decoded once."""
    old = _palette_pixels(base, "base")[2]
    return [_patch(old, frame) for frame in frames]


def _patch(old: np.ndarray, frame: bytes):
    indices, palette, new = _palette_pixels(frame, "frame")
    if old.shape != new.shape:
        raise ValueError(f"frame is {new.shape[1]}x{new.shape[0]} pixels, base {old.shape[1]}x{old.shape[0]}")
    changed = old != new
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if not rows.size:
        return b"", None
    y, x = int(rows[0]), int(cols[0])
    h, w = int(rows[-1]) + 1 - y, int(cols[-1]) + 1 - x
    clear = len(palette)  # one index past the frame's colours (at most PNG_COLOURS < 256) marks "unchanged"
    crop = np.where(changed[y:y + h, x:x + w], indices[y:y + h, x:x + w], clear).astype(np.uint8)
    image = Image.fromarray(crop, mode="P")
    image.putpalette([int(v) for v in palette.ravel()] + [0, 0, 0])
    out = io.BytesIO()
    image.save(out, format="png", transparency=clear, compress_level=6)
    return out.getvalue(), (x, y, w, h)


def png(fig: Figure) -> bytes:
    """Render ``fig`` with Agg and return it as a compressed PNG."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    legible(fig)
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

    def _repr_png_(self):
        w, h = self.fig.get_size_inches()
        return self._png, {"width": DISPLAY_PX, "height": round(DISPLAY_PX * h / w)}

    def _repr_html_(self) -> str:
        data = base64.b64encode(self._png).decode("ascii")
        return (f'<img class="still" alt="{html.escape(self.alt)}" src="data:image/png;base64,{data}" '
                f'{size_attributes(self.fig)} style="display:block;width:100%;max-width:{DISPLAY_PX}px;height:auto">')
