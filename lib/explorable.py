"""The slider layer: one figure, live in a kernel, scrubbable on a static page.

An *explorable* is a figure that depends on a few named controls. You write
one function that builds the figure once and returns an ``update`` function
that moves its artists::

    def paths(fig):
        ax = fig.add_subplot()
        line, = ax.plot([], [])
        def update(lr, batch):
            line.set_data(*trajectory(lr, batch))
        return update

    explore(paths, [Slider("lr", 1e-3, 1, scale="log"), Dropdown("batch", [1, 8, 64])])

and :func:`explore` turns it into an :class:`Explorable`. Displayed in a
notebook, it carries two representations in one output:

* ``application/vnd.jupyter.widget-view+json`` -- ipywidgets controls and an
  image redrawn in place (JupyterLab shows this one);
* ``text/html`` -- every point of the control grid rendered in advance as a
  compressed PNG, with one HTML range slider (or select, or checkbox) per
  control and a dozen lines of inline JavaScript that swap the frame. It needs
  no kernel and makes no request, so it works on the static website (the book's
  ``_config.yml`` tells myst-nb to prefer it there).

Both paths render through :meth:`Explorable.render`, so the same control
values give the same PNG, byte for byte, live or static.
"""
from __future__ import annotations

import base64
import html
import itertools
import json
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lib import style

#: Most frames one explorable may ship to the static page.
MAX_FRAMES = 400


# --------------------------------------------------------------------------- controls
def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    return name


@dataclass(frozen=True)
class Slider:
    """A numeric control on a grid of ``steps`` values from ``lo`` to ``hi``.

    ``scale="log"`` spaces the grid geometrically (``lo`` must be > 0);
    ``integer=True`` rounds the grid to distinct integers. ``default`` is
    snapped to the nearest grid value (the middle one when omitted).
    """

    name: str
    lo: float
    hi: float
    steps: int = 21
    scale: str = "linear"
    default: float | None = None
    integer: bool = False
    label: str | None = None
    fmt: str = "{:.3g}"

    def __post_init__(self):
        _check_name(self.name)
        if not (np.isfinite(self.lo) and np.isfinite(self.hi) and self.lo < self.hi):
            raise ValueError(f"lo, hi must be finite with lo < hi, got {self.lo}, {self.hi}")
        if not (isinstance(self.steps, int) and self.steps >= 2):
            raise ValueError(f"steps must be an int >= 2, got {self.steps!r}")
        if self.scale not in ("linear", "log"):
            raise ValueError(f"scale must be 'linear' or 'log', got {self.scale!r}")
        if self.scale == "log" and self.lo <= 0:
            raise ValueError(f"lo must be > 0 for a log scale, got {self.lo}")

    @property
    def values(self) -> tuple:
        space = np.geomspace if self.scale == "log" else np.linspace
        grid = space(self.lo, self.hi, self.steps)
        if self.integer:
            return tuple(dict.fromkeys(int(round(v)) for v in grid))
        return tuple(float(f"{v:.6g}") for v in grid)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.fmt.format(v) for v in self.values)

    @property
    def default_index(self) -> int:
        values = np.asarray(self.values, dtype=float)
        if self.default is None:
            return len(values) // 2
        target = math.log(self.default) if self.scale == "log" and self.default > 0 else self.default
        grid = np.log(values) if self.scale == "log" else values
        return int(np.argmin(np.abs(grid - target)))

    def widget(self):
        import ipywidgets as w

        return w.SelectionSlider(
            options=list(zip(self.labels, self.values)),
            value=self.values[self.default_index],
            description=self.label or self.name,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=w.Layout(width="320px"),
        )


@dataclass(frozen=True)
class Dropdown:
    """A choice among ``options`` (values; shown as ``labels`` if given)."""

    name: str
    options: Sequence[Any]
    default: Any = None
    label: str | None = None
    option_labels: Sequence[str] | None = None

    def __post_init__(self):
        _check_name(self.name)
        if len(self.options) < 1:
            raise ValueError("options must not be empty")
        if self.option_labels is not None and len(self.option_labels) != len(self.options):
            raise ValueError("option_labels must have one label per option")
        if self.default is not None and self.default not in self.options:
            raise ValueError(f"default must be one of options, got {self.default!r}")

    @property
    def values(self) -> tuple:
        return tuple(self.options)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.option_labels or (str(v) for v in self.options))

    @property
    def default_index(self) -> int:
        return 0 if self.default is None else list(self.options).index(self.default)

    def widget(self):
        import ipywidgets as w

        return w.Dropdown(
            options=list(zip(self.labels, self.values)),
            value=self.values[self.default_index],
            description=self.label or self.name,
            style={"description_width": "initial"},
        )


@dataclass(frozen=True)
class Toggle:
    """An on/off control."""

    name: str
    default: bool = False
    label: str | None = None

    def __post_init__(self):
        _check_name(self.name)

    values = (False, True)
    labels = ("off", "on")

    @property
    def default_index(self) -> int:
        return int(bool(self.default))

    def widget(self):
        import ipywidgets as w

        return w.Checkbox(value=bool(self.default), description=self.label or self.name, indent=False)


Control = Slider | Dropdown | Toggle


# --------------------------------------------------------------------------- the explorable
_SCRIPT = """(function(){var r=document.currentScript.parentNode,
d=JSON.parse(r.querySelector('script.explorable-data').textContent),
img=r.querySelector('img.explorable-frame'),ins=[].slice.call(r.querySelectorAll('[data-name]'));
function idx(e){return e.type==='checkbox'?(e.checked?1:0):+e.value;}
function show(){var k=ins.map(idx);ins.forEach(function(e,i){var o=e.parentNode.querySelector('output');
if(o)o.textContent=d.labels[i][k[i]];});k=k.join(',');img.src='data:image/png;base64,'+d.frames[d.index[k]];
img.setAttribute('data-key',k);}
ins.forEach(function(e){e.addEventListener('input',show);e.addEventListener('change',show);});})();"""


@dataclass
class Explorable:
    """A figure driven by controls; see the module docstring.

    Parameters
    ----------
    make : callable
        ``make(fig) -> update``; builds the axes and artists once on ``fig``
        and returns ``update(**values)``, which changes the artists for new
        control values. ``update`` must not create new figures.
    controls : sequence of Slider, Dropdown, Toggle
    alt : str
        Alternative text for the figure (what it shows, for screen readers).
    height : float
        Figure height in inches (the width is the book's :data:`style.WIDTH`).
    """

    make: Callable[[Figure], Callable[..., None]]
    controls: Sequence[Control]
    alt: str = ""
    height: float = 3.2
    _png: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.controls = tuple(self.controls)
        if not self.controls:
            raise ValueError("controls must not be empty")
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls must have distinct names, got {names}")
        if self.n_frames > MAX_FRAMES:
            raise ValueError(f"controls give {self.n_frames} frames; at most {MAX_FRAMES} fit the page budget")
        if not self.alt:
            raise ValueError("alt must describe the figure")
        self.fig = style.figure(height=self.height)
        self.canvas = FigureCanvasAgg(self.fig)
        self._update = self.make(self.fig)
        self._widget = None
        self._freeze()

    def _freeze(self) -> None:
        """Lay the figure out once and keep its static part as a background.

        Artists marked ``animated=True`` by ``make`` are the ones ``update``
        moves; they are left out of the background and blitted over it on each
        redraw (matplotlib's blitting), so a redraw costs a few milliseconds
        instead of a full draw with layout. Without animated artists every
        redraw is a full draw.
        """
        self._call_update(self.defaults)
        self.canvas.draw()
        self.fig.set_layout_engine("none")
        animated = [a for a in self.fig.findobj() if a.get_animated()]
        self._animated = sorted(animated, key=lambda a: a.get_zorder())
        self._background = self.canvas.copy_from_bbox(self.fig.bbox) if animated else None

    def _call_update(self, values: dict) -> None:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            self._update(**values)

    # ----------------------------------------------------------- values and grid
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.controls)

    @property
    def n_frames(self) -> int:
        return math.prod(len(c.values) for c in self.controls)

    @property
    def defaults(self) -> dict:
        return {c.name: c.values[c.default_index] for c in self.controls}

    def grid(self) -> Iterable[tuple[tuple[int, ...], dict]]:
        """Every point of the control grid as ``(indices, values)``."""
        ranges = [range(len(c.values)) for c in self.controls]
        for key in itertools.product(*ranges):
            yield key, {c.name: c.values[i] for c, i in zip(self.controls, key)}

    def corners(self) -> Iterable[dict]:
        """Every combination of each control's first and last grid value."""
        ends = [sorted({0, len(c.values) - 1}) for c in self.controls]
        for key in itertools.product(*ends):
            yield {c.name: c.values[i] for c, i in zip(self.controls, key)}

    def _values(self, values: dict) -> dict:
        unknown = set(values) - set(self.names)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; controls are {list(self.names)}")
        full = {**self.defaults, **values}
        for c in self.controls:
            if full[c.name] not in c.values:
                raise ValueError(f"{c.name} must be one of the grid values {c.values}, got {full[c.name]!r}")
        return full

    # ----------------------------------------------------------- rendering
    def draw(self, **values) -> Figure:
        """Move the artists to ``values`` (missing controls take defaults) and draw."""
        self._call_update(self._values(values))
        if self._background is None:
            self.canvas.draw()
        else:
            self.canvas.restore_region(self._background)
            for artist in self._animated:
                self.fig.draw_artist(artist)
        return self.fig

    def render(self, **values) -> bytes:
        """The figure at ``values`` as a compressed PNG (cached per grid point)."""
        key = tuple(sorted(self._values(values).items(), key=lambda kv: kv[0]))
        if key not in self._png:
            self._png[key] = self._redraw(values)
        return self._png[key]

    def _redraw(self, values: dict) -> bytes:
        """Draw at ``values`` and compress, bypassing the frame cache."""
        self.draw(**values)
        return style.compress(self.canvas.buffer_rgba())

    def redraw_latency(self, repeats: int = 40, seed: int = 0) -> np.ndarray:
        """Seconds per uncached redraw (draw + compress) at random grid points.

        One pass over ``repeats`` random grid points warms the caches of
        expensive work first; the frame cache itself is bypassed.
        """
        rng = np.random.default_rng(seed)
        points = [dict(p) for _, p in self.grid()]
        picks = [points[i] for i in rng.integers(len(points), size=repeats)]
        for p in picks:
            self.draw(**p)
        times = []
        for p in picks:
            t0 = time.perf_counter()
            self._redraw(p)
            times.append(time.perf_counter() - t0)
        return np.array(times)

    # ----------------------------------------------------------- static HTML
    def frames(self) -> dict[str, bytes]:
        """PNG for every grid point, keyed ``"i,j,..."`` by grid indices."""
        return {",".join(map(str, key)): self.render(**vals) for key, vals in self.grid()}

    def to_html(self) -> str:
        frames = self.frames()
        unique, index = {}, {}
        for key, png in frames.items():
            index[key] = unique.setdefault(png, len(unique))
        data = {
            "names": list(self.names),
            "labels": [list(c.labels) for c in self.controls],
            "index": index,
            "frames": [base64.b64encode(png).decode("ascii") for png in unique],
        }
        first = ",".join(str(c.default_index) for c in self.controls)
        src = "data:image/png;base64," + data["frames"][index[first]]
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (
            '<div class="explorable" style="margin:0.5em 0 1em">'
            '<div class="explorable-controls" style="display:flex;flex-wrap:wrap;gap:0.4em 2em;margin-bottom:0.3em">'
            f'{"".join(_control_html(c) for c in self.controls)}</div>'
            f'<img class="explorable-frame" alt="{html.escape(self.alt)}" src="{src}" data-key="{first}" '
            'style="max-width:100%;height:auto">'
            f'<script type="application/json" class="explorable-data">{payload}</script>'
            f"<script>{_SCRIPT}</script></div>"
        )

    # ----------------------------------------------------------- live widget
    def widget(self):
        """ipywidgets controls above an image that is redrawn in place."""
        if self._widget is None:
            import ipywidgets as w

            inputs = [c.widget() for c in self.controls]
            image = w.Image(value=self.render(), format="png")

            def on_change(_=None):
                image.value = self.render(**{c.name: i.value for c, i in zip(self.controls, inputs)})

            for i in inputs:
                i.observe(on_change, names="value")
            self._widget = w.VBox([w.HBox(inputs, layout=w.Layout(flex_flow="row wrap")), image])
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"<Explorable {self.names}: {self.alt}>", "text/html": self.to_html()}
        view = self.widget()._repr_mimebundle_()
        if view:
            bundle.update({k: v for k, v in view.items() if k != "text/plain"})
        return bundle


_LABEL = '<label class="explorable-control" style="display:inline-flex;align-items:center;gap:0.5em">'


def _control_html(c: Control) -> str:
    name, label = html.escape(c.name), html.escape(c.label or c.name)
    if isinstance(c, Toggle):
        checked = " checked" if c.default else ""
        return f'{_LABEL}<input type="checkbox" data-name="{name}"{checked}> {label}</label>'
    if isinstance(c, Dropdown):
        opts = "".join(
            f'<option value="{i}"{" selected" if i == c.default_index else ""}>{html.escape(t)}</option>'
            for i, t in enumerate(c.labels)
        )
        return f'{_LABEL}{label} <select data-name="{name}">{opts}</select></label>'
    i = c.default_index
    return (
        f'{_LABEL}{label} '
        f'<input type="range" data-name="{name}" min="0" max="{len(c.values) - 1}" step="1" value="{i}" '
        f'aria-label="{label}"> <output style="min-width:4em;font-variant-numeric:tabular-nums">'
        f"{html.escape(c.labels[i])}</output></label>"
    )


def explore(make: Callable[[Figure], Callable[..., None]], controls: Sequence[Control], *, alt: str, height: float = 3.2) -> Explorable:
    """Turn ``make(fig) -> update(**values)`` and its controls into an explorable."""
    return Explorable(make, controls, alt=alt, height=height)
