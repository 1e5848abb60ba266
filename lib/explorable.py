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
values give the same picture, pixel for pixel, live or static: the static page
ships the default frame whole and every other frame as a :func:`lib.style.patch`
(the rectangle that changes, the rest transparent), drawn over it.
"""
from __future__ import annotations

import base64
import html
import itertools
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

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
# The static page's script. The JSON (names, labels, grid index, optional
# per-point texts, and per frame the box of its patch over the default frame)
# sits inline; the patches sit inline as well (``frames``, base64) or, on the
# website, in a binary file of the same site (``src``, cut by ``offsets``)
# that is fetched when the explorable first comes near the viewport (the
# book's Sphinx extension moves them there). A frame other than the default is
# composed at full resolution on a canvas over the image (the default frame,
# then its patch), so the browser scales one finished picture: scaling the
# patch and the image separately would let the old picture show through at the
# patch's transparent pixels. Every control keeps ``aria-valuetext``
# ("eta = 0.1") and a polite live region reads out the values and what the
# frame shows.
_SCRIPT = """(function(){var r=document.currentScript.parentNode,
d=JSON.parse(r.querySelector('script.explorable-data').textContent),busy=false,
fr=d.frames?d.frames.map(function(s){return 'data:image/png;base64,'+s;}):null,
img=r.querySelector('img.explorable-frame'),cv=r.querySelector('canvas.explorable-patch'),seq=0,
st=r.querySelector('.explorable-status'),ins=[].slice.call(r.querySelectorAll('[data-name]'));
function idx(e){return e.type==='checkbox'?(e.checked?1:0):+e.value;}
function load(){if(fr||busy)return;busy=true;fetch(d.src).then(function(x){return x.arrayBuffer();})
.then(function(b){fr=d.offsets.map(function(o){return URL.createObjectURL(new Blob([new Uint8Array(b,o[0],o[1])],
{type:'image/png'}));});r.setAttribute('data-frames','loaded');show();})
.catch(function(){st.textContent='The frames of this figure could not be loaded.';});}
function show(){var k=ins.map(idx),said=[];ins.forEach(function(e,i){var l=d.labels[i][k[i]],
o=e.parentNode.querySelector('output');if(o)o.textContent=l;said.push(d.titles[i]+' = '+l);
e.setAttribute('aria-valuetext',d.titles[i]+' = '+l);});k=k.join(',');
st.textContent=said.join(', ')+(d.texts?'. '+d.texts[k]:'');
if(!fr)return load();var f=d.index[k],b=d.boxes[f],n=++seq,p=new Image();img.setAttribute('data-key',k);
if(!b){cv.hidden=true;cv.setAttribute('data-key',k);return;}
if(!img.complete){img.addEventListener('load',show,{once:true});return;}
p.onload=function(){if(n!==seq)return;var c=cv.getContext('2d');c.drawImage(img,0,0);c.drawImage(p,b[0],b[1]);
cv.setAttribute('data-src',p.src);cv.setAttribute('data-box',b.join(','));cv.setAttribute('data-key',k);cv.hidden=false;};
p.src=fr[f];}
cv.width=d.size[0];cv.height=d.size[1];
ins.forEach(function(e){e.addEventListener('input',show);e.addEventListener('change',show);});
if(fr)r.setAttribute('data-frames','loaded');
else if('IntersectionObserver' in window)new IntersectionObserver(function(es,ob){
if(es.some(function(x){return x.isIntersecting;})){ob.disconnect();load();}},{rootMargin:'1000px'}).observe(r);
else load();})();"""

#: Inline CSS of the static explorable: controls at least 24 px high (WCAG 2.5.8),
#: the figure no wider than :data:`style.DISPLAY_PX`, the status for screen readers only.
_CSS = (
    ".explorable-controls{display:flex;flex-wrap:wrap;gap:0.4em 2em;margin-bottom:0.3em}"
    ".explorable-control{display:inline-flex;align-items:center;gap:0.5em;min-height:2.75rem}"
    ".explorable input[type=range]{height:2rem;min-width:9rem;margin:0}"
    ".explorable select{min-height:2rem}"
    ".explorable input[type=checkbox]{width:1.5rem;height:1.5rem;margin:0}"
    ".explorable output{min-width:4em;font-variant-numeric:tabular-nums}"
    f".explorable-figure{{position:relative;max-width:{style.DISPLAY_PX}px}}"
    ".explorable-frame{display:block;width:100%;height:auto}"
    ".explorable-patch{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}"
    ".explorable-patch[hidden]{display:none}"
    ".explorable-status{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}"
)


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
    _said: dict = field(default_factory=dict, repr=False)

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
        self._animated_texts = []
        self._call_update(self.defaults)
        style.legible(self.fig)
        self.canvas.draw()
        self.fig.set_layout_engine("none")
        animated = [a for a in self.fig.findobj() if a.get_animated()]
        self._animated = sorted(animated, key=lambda a: a.get_zorder())
        self._animated_texts = [a for a in self._animated if isinstance(a, Text)]
        self._background = self.canvas.copy_from_bbox(self.fig.bbox) if animated else None

    def _call_update(self, values: dict) -> str:
        """Run ``update``; its result, when a string, says what the frame shows.

        No warning is silenced here: an update that overflows must say so in
        its figure ("diverged at step 12"), and the tests must see it if not.
        """
        said = self._update(**values)
        for text in self._animated_texts:
            if text.get_fontsize() < style.MIN_FONT_PT:
                text.set_fontsize(style.MIN_FONT_PT)
        return said if isinstance(said, str) else ""

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
        full = self._values(values)
        self._said[self._key(full)] = self._call_update(full)
        if self._background is None:
            self.canvas.draw()
        else:
            self.canvas.restore_region(self._background)
            for artist in self._animated:
                self.fig.draw_artist(artist)
        return self.fig

    def render(self, **values) -> bytes:
        """The figure at ``values`` as a compressed PNG (cached per grid point)."""
        key = self._key(self._values(values))
        if key not in self._png:
            self._png[key] = self._redraw(values)
        return self._png[key]

    @staticmethod
    def _key(values: dict) -> tuple:
        return tuple(sorted(values.items(), key=lambda kv: kv[0]))

    def describe(self, **values) -> str:
        """What the frame at ``values`` shows, in words: the control values, then
        the text ``update`` returned there (if any). Read out to screen readers."""
        full = self._values(values)
        self.render(**full)
        said = ", ".join(f"{c.label or c.name} = {c.labels[c.values.index(full[c.name])]}" for c in self.controls)
        extra = self._said.get(self._key(full), "")
        return f"{said}. {extra}" if extra else said

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
        """The static explorable: controls, the default frame, and a patch per other frame
        (:func:`lib.style.patch`; JSON ``boxes[i]`` places patch ``i``, ``null`` for the default)."""
        frames = self.frames()
        first = ",".join(str(c.default_index) for c in self.controls)
        base = frames[first]
        unique, index = {}, {}
        for key, png in frames.items():
            index[key] = unique.setdefault(png, len(unique))
        patches = style.patches(base, unique)
        texts = {key: self._said.get(self._key(vals), "") for key, vals in
                 ((",".join(map(str, k)), v) for k, v in self.grid())}
        data = {
            "names": list(self.names),
            "titles": [c.label or c.name for c in self.controls],
            "labels": [list(c.labels) for c in self.controls],
            "index": index,
            **({"texts": texts} if any(texts.values()) else {}),
            "size": list(self.canvas.get_width_height(physical=True)),
            "boxes": [box for _, box in patches],
            "frames": [base64.b64encode(p).decode("ascii") for p, _ in patches],
        }
        src = "data:image/png;base64," + base64.b64encode(base).decode("ascii")
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="explorable"><style>{_CSS}</style>'
            f'<div class="explorable-controls">{"".join(_control_html(c) for c in self.controls)}</div>'
            f'<div class="explorable-figure">'
            f'<img class="explorable-frame" alt="{html.escape(self.alt)}" src="{src}" data-key="{first}" '
            f'{style.size_attributes(self.fig)}>'
            f'<canvas class="explorable-patch" aria-hidden="true" hidden></canvas></div>'
            f'<p class="explorable-status" aria-live="polite">{html.escape(self.describe())}</p>'
            f'<script type="application/json" class="explorable-data">{payload}</script>'
            f"<script>{_SCRIPT}</script></div>"
        )

    # ----------------------------------------------------------- live widget
    def widget(self):
        """ipywidgets controls above an image that is redrawn in place."""
        if self._widget is None:
            import ipywidgets as w

            inputs = [c.widget() for c in self.controls]
            image = w.Image(value=self.render(), format="png",
                            layout=w.Layout(width=f"{style.DISPLAY_PX}px", max_width="100%", height="auto"))

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


_LABEL = '<label class="explorable-control">'


def _control_html(c: Control) -> str:
    name, label = html.escape(c.name), html.escape(c.label or c.name)
    i = c.default_index
    if isinstance(c, Toggle):
        checked = " checked" if c.default else ""
        return f'{_LABEL}<input type="checkbox" data-name="{name}"{checked}> {label}</label>'
    if isinstance(c, Dropdown):
        opts = "".join(
            f'<option value="{j}"{" selected" if j == i else ""}>{html.escape(t)}</option>'
            for j, t in enumerate(c.labels)
        )
        return f'{_LABEL}{label} <select data-name="{name}">{opts}</select></label>'
    shown = html.escape(c.labels[i])
    return (
        f'{_LABEL}{label} '
        f'<input type="range" data-name="{name}" min="0" max="{len(c.values) - 1}" step="1" value="{i}" '
        f'aria-valuetext="{label} = {shown}"> <output>{shown}</output></label>'
    )


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_live_views(model: dict, **_) -> None:
    """Jupyter server pre-save hook: save explorables as their static HTML.

    A live explorable's output holds both an ipywidgets view and the static
    HTML. JupyterLab prefers the view, but the widget models die with the
    kernel, so a saved notebook reopened later showed "Error displaying
    widget: model not found". Saving only the static HTML (and no widget
    state) makes a reopened notebook show the scrubbable static explorable;
    running the cell again brings the live one back. ``make lab`` installs it
    with ``--ContentsManager.pre_save_hook=lib.explorable.strip_live_views``.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    notebook = model["content"]
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            if WIDGET_VIEW in data and "text/html" in data:
                del data[WIDGET_VIEW]
    notebook.get("metadata", {}).pop("widgets", None)


def explore(make: Callable[[Figure], Callable[..., None]], controls: Sequence[Control], *, alt: str, height: float = 3.2) -> Explorable:
    """Turn ``make(fig) -> update(**values)`` and its controls into an explorable."""
    return Explorable(make, controls, alt=alt, height=height)
