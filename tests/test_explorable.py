"""The slider layer, driven programmatically."""
import base64
import io
import json
import re
import warnings

import numpy as np
import pytest
from PIL import Image

from lib import style
from lib.explorable import MAX_FRAMES, Dropdown, Explorable, Slider, Toggle, explore


def sine(fig):
    """A small explorable: a sine curve whose frequency, amplitude and phase flip are controls."""
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 200)
    line, = ax.plot(x, np.zeros_like(x), animated=True)
    label = ax.text(0.02, 0.9, "", transform=ax.transAxes, animated=True)
    ax.set(xlim=(0, 1), ylim=(-3, 3), xlabel="x", ylabel="y", title="sine")

    def update(freq, amp, flip):
        y = amp * np.sin(2 * np.pi * freq * x)
        line.set_ydata(-y if flip else y)
        label.set_text(f"f = {freq:.3g}")

    return update


CONTROLS = [Slider("freq", 0.5, 8, steps=6, scale="log"), Dropdown("amp", [0.5, 1.0, 2.5], default=1.0),
            Toggle("flip")]


@pytest.fixture(scope="module")
def exp():
    return explore(sine, CONTROLS, alt="a sine curve")


def frame_data(html):
    payload = re.search(r'<script type="application/json" class="explorable-data">(.*?)</script>', html, re.S)
    return json.loads(payload.group(1))


def test_slider_grid_linear_log_integer():
    assert Slider("a", 0, 1, steps=5).values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert Slider("a", 0.01, 1, steps=3, scale="log").values == (0.01, 0.1, 1.0)
    assert Slider("a", 1, 1000, steps=4, scale="log", integer=True).values == (1, 10, 100, 1000)
    assert Slider("a", 0.01, 1, steps=3, scale="log", default=0.09).default_index == 1
    assert Slider("a", 0, 1, steps=5).default_index == 2


def test_changing_a_control_changes_the_figure(exp):
    base = exp.render()
    assert base.startswith(b"\x89PNG")
    assert exp.render(freq=exp.controls[0].values[0]) != base
    assert exp.render(amp=2.5) != base
    assert exp.render(flip=True) != base


def test_same_values_same_bytes_whatever_came_before(exp):
    first = exp.render(freq=8.0, amp=0.5)
    exp._png.clear()
    for _, values in exp.grid():
        exp.draw(**values)
    assert exp.render(freq=8.0, amp=0.5) == first
    again = explore(sine, CONTROLS, alt="a sine curve")
    assert again.render(freq=8.0, amp=0.5) == first


def test_blitting_matches_a_full_draw(exp):
    """The blitted redraw shows what a full draw of the same state shows."""
    exp.draw(freq=exp.controls[0].values[2], amp=2.5, flip=True)
    blitted = np.asarray(exp.canvas.buffer_rgba()).copy()
    for artist in exp._animated:
        artist.set_animated(False)
    try:
        exp.canvas.draw()
        full = np.asarray(exp.canvas.buffer_rgba())
    finally:
        for artist in exp._animated:
            artist.set_animated(True)
    assert np.mean(np.any(blitted != full, axis=-1)) < 0.002


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def composed(base: bytes, patch_b64: str, box) -> np.ndarray:
    """What the page shows: the base frame with the patch drawn over it at ``box`` (independent of lib)."""
    out = rgb(base).copy()
    if box is None:
        return out
    x, y, w, h = box
    over = np.asarray(Image.open(io.BytesIO(base64.b64decode(patch_b64))).convert("RGBA"))
    assert over.shape[:2] == (h, w)
    region = out[y:y + h, x:x + w]
    region[over[..., 3] > 0] = over[..., :3][over[..., 3] > 0]
    return out


def base_frame(html: str) -> bytes:
    return base64.b64decode(re.search(r'class="explorable-frame"[^>]* src="data:image/png;base64,([^"]+)"', html).group(1))


def test_static_html_shows_every_grid_point_pixel_for_pixel(exp):
    html = exp.to_html()
    data = frame_data(html)
    assert data["names"] == ["freq", "amp", "flip"]
    assert len(data["index"]) == exp.n_frames == 6 * 3 * 2
    assert set(data["index"].values()) == set(range(len(data["frames"]))) and len(data["boxes"]) == len(data["frames"])
    base = base_frame(html)
    assert list(Image.open(io.BytesIO(base)).size) == data["size"]
    for key, values in exp.grid():
        f = data["index"][",".join(map(str, key))]
        assert np.array_equal(composed(base, data["frames"][f], data["boxes"][f]), rgb(exp.render(**values))), key
    # a patch is smaller than the frame it stands for (the axes and labels do not move)
    full = sum(len(png) for png in set(exp.frames().values()))
    assert len(base) + sum(len(base64.b64decode(f)) for f in data["frames"]) < 0.8 * full
    assert html.count('type="range"') == 1 and html.count("<select") == 1 and html.count('type="checkbox"') == 1
    assert 'alt="a sine curve"' in html
    assert "http" not in html.replace("</", "")  # no external URL anywhere


def test_default_frame_is_shown_first(exp):
    html = exp.to_html()
    data = frame_data(html)
    key = re.search(r'data-key="([0-9,]+)"', html).group(1)
    assert key == ",".join(str(c.default_index) for c in exp.controls)
    assert base_frame(html) == exp.render()  # the defaults
    assert data["boxes"][data["index"][key]] is None and data["frames"][data["index"][key]] == ""
    assert '<canvas class="explorable-patch" aria-hidden="true" hidden></canvas>' in html


def _palette_png(pixels: np.ndarray) -> bytes:
    return style.compress(np.dstack([pixels, np.full(pixels.shape[:2], 255, np.uint8)]))


def test_patch_holds_exactly_the_changed_rectangle():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 3, size=(30, 40, 3), dtype=np.uint8) * 120  # 27 colours: quantizing keeps them exact
    frame = base.copy()
    frame[5, 7] = [255, 0, 0]
    frame[12, 20] = [0, 255, 0]
    b, f = _palette_png(base), _palette_png(frame)
    patch, box = style.patch(b, f)
    assert box == (7, 5, 14, 8)
    assert np.array_equal(composed(b, base64.b64encode(patch).decode(), box), rgb(f))
    over = np.asarray(Image.open(io.BytesIO(patch)).convert("RGBA"))
    assert (over[..., 3] > 0).sum() == 2  # only the two changed pixels are opaque
    assert style.patch(b, b) == (b"", None)


def test_patch_names_bad_input():
    png = _palette_png(np.zeros((4, 4, 3), np.uint8))
    rgb_png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(rgb_png, format="png")
    with pytest.raises(ValueError, match="^frame must be a palette PNG"):
        style.patch(png, rgb_png.getvalue())
    with pytest.raises(ValueError, match="^base must be a palette PNG"):
        style.patch(rgb_png.getvalue(), png)
    with pytest.raises(ValueError, match=r"^frame is 5x4 pixels, base 4x4"):
        style.patch(png, _palette_png(np.zeros((4, 5, 3), np.uint8)))


def test_extremes_draw_without_warnings(exp):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for values in exp.corners():
            assert exp.render(**values).startswith(b"\x89PNG")


def test_widget_has_both_representations(exp):
    bundle = exp._repr_mimebundle_()
    assert {"text/html", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    widget = exp.widget()
    controls, image = widget.children
    before = image.value
    controls.children[0].value = exp.controls[0].values[0]
    assert image.value != before
    assert image.value == exp.render(freq=exp.controls[0].values[0])


def test_redraw_latency_reports_seconds(exp):
    times = exp.redraw_latency(repeats=5)
    assert times.shape == (5,) and np.all(times > 0)


@pytest.mark.parametrize(
    "make_control, match",
    [
        (lambda: Slider("lr", 1, 0), "^lo, hi must"),
        (lambda: Slider("lr", 0, 1, steps=1), "^steps must"),
        (lambda: Slider("lr", 0, 1, scale="cubic"), "^scale must"),
        (lambda: Slider("lr", 0, 1, scale="log"), "^lo must"),
        (lambda: Slider("not a name", 0, 1), "^name must"),
        (lambda: Dropdown("b", []), "^options must"),
        (lambda: Dropdown("b", [1, 2], default=3), "^default must"),
    ],
)
def test_bad_controls_raise_value_error(make_control, match):
    with pytest.raises(ValueError, match=match):
        make_control()


def test_bad_explorables_raise_value_error():
    with pytest.raises(ValueError, match="^controls must not be empty"):
        explore(sine, [], alt="x")
    with pytest.raises(ValueError, match="^controls must have distinct names"):
        explore(sine, [Toggle("flip"), Toggle("flip")], alt="x")
    with pytest.raises(ValueError, match="^alt must"):
        explore(sine, CONTROLS, alt="")
    with pytest.raises(ValueError, match="^controls give .* frames"):
        explore(sine, [Slider("freq", 1, 2, steps=MAX_FRAMES), Toggle("flip")], alt="x")


def test_bad_values_raise_value_error(exp):
    with pytest.raises(ValueError, match="^unknown control"):
        exp.render(speed=1)
    with pytest.raises(ValueError, match="^amp must"):
        exp.render(amp=3.0)


def test_still_has_png_and_alt_text():
    fig = style.figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    still = style.Still(fig, alt="a falling line")
    png, meta = still._repr_png_()
    assert png.startswith(b"\x89PNG") and meta["width"] == style.DISPLAY_PX
    assert 'alt="a falling line"' in still._repr_html_()
    with pytest.raises(ValueError, match="^alt must"):
        style.Still(fig, alt="")


def test_defaults_are_the_declared_grid_values(exp):
    assert isinstance(exp, Explorable)
    assert exp.defaults == {"freq": exp.controls[0].values[3], "amp": 1.0, "flip": False}


def test_small_text_is_raised_to_the_legibility_floor():
    fig = style.figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [1, 0], label="line")
    ax.legend(fontsize=5)
    ax.text(0.5, 0.5, "tiny", fontsize=4)
    still = style.Still(fig, alt="a falling line")
    assert style.min_font_pt(fig) == style.MIN_FONT_PT
    assert min(px for px, _ in style.text_sizes_px(fig)) >= style.MIN_TEXT_PX
    assert f'data-min-font-pt="{style.MIN_FONT_PT:g}"' in still._repr_html_()


def test_the_floor_gives_9_css_px_on_a_390_px_phone():
    # 390 px viewport, ~16 px margins each side: the column the figure shrinks into
    assert style.MIN_FONT_PT * style.PHONE_COLUMN_PX / (72 * style.WIDTH) >= 9.0
    # frames carry two device pixels per CSS pixel at the widest display
    assert style.WIDTH * style.DPI >= 2 * style.DISPLAY_PX


def test_explorable_texts_stay_at_the_floor(exp):
    assert min(px for px, _ in style.text_sizes_px(exp.fig)) >= style.MIN_TEXT_PX


def _contrast(hex_colour):
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 1.05 / (0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] + 0.05)


def test_palette_colours_for_lines_have_3_to_1_contrast_on_white():
    low = {c: round(_contrast(c), 2) for c in (*style.CYCLE, *style.ON_WHITE) if _contrast(c) < 3.0}
    assert not low, f"colours below 3:1 on white: {low}"


def test_static_controls_announce_values_and_are_large_enough(exp):
    html = exp.to_html()
    assert 'aria-valuetext="freq = ' in html
    status = re.search(r'<p class="explorable-status" aria-live="polite">(.*?)</p>', html).group(1)
    assert status.startswith("freq = ") and "amp = 1" in status
    assert "min-height:2.75rem" in html and "height:1.5rem" in html


def test_update_text_is_read_out_per_frame():
    def make(fig):
        ax = fig.add_subplot()
        line, = ax.plot([0, 1], [0, 0], animated=True)

        def update(level):
            line.set_ydata([level, level])
            return f"the line sits at {level:g}"
        return update

    exp = explore(make, [Slider("level", 0.0, 1.0, steps=3)], alt="a flat line")
    assert exp.describe(level=1.0) == "level = 1. the line sits at 1"
    data = frame_data(exp.to_html())
    assert data["texts"] == {"0": "the line sits at 0", "1": "the line sits at 0.5", "2": "the line sits at 1"}


def test_saved_notebooks_keep_the_static_explorable(exp):
    from lib.explorable import WIDGET_VIEW, strip_live_views

    bundle = {k: v for k, v in exp._repr_mimebundle_().items()}
    plain = {"text/plain": "3"}
    model = {"type": "notebook", "content": {
        "metadata": {"widgets": {"state": {}}},
        "cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": dict(bundle)},
                                                     {"output_type": "execute_result", "data": dict(plain)}]},
                  {"cell_type": "markdown", "source": "text"}]}}
    strip_live_views(model)
    first, second = model["content"]["cells"][0]["outputs"]
    assert WIDGET_VIEW not in first["data"] and first["data"]["text/html"] == bundle["text/html"]
    assert second["data"] == plain and "widgets" not in model["content"]["metadata"]
    strip_live_views({"type": "file", "content": "x"})  # other files pass untouched


def test_the_site_moves_the_patches_to_one_binary_file(exp, tmp_path):
    """_ext/reader.py: the page keeps the default frame; the patches go to a .bin file, cut by offsets."""
    import importlib.util

    from tests.conftest import ROOT
    spec = importlib.util.spec_from_file_location("reader_ext", ROOT / "_ext" / "reader.py")
    reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader)
    html = exp.to_html()
    inline = frame_data(html)
    page = tmp_path / "chapters" / "toy.html"
    page.parent.mkdir()
    out = reader.externalize_frames(html, page, tmp_path)
    data = frame_data(out)
    assert "frames" not in data and data["src"] == "../_static/explorables/chapters-toy-0.bin"
    blob = (tmp_path / "_static" / "explorables" / "chapters-toy-0.bin").read_bytes()
    assert [base64.b64encode(blob[s:s + n]).decode() for s, n in data["offsets"]] == inline["frames"]
    assert len(blob) == sum(len(base64.b64decode(f)) for f in inline["frames"])
    assert base_frame(out) == base_frame(html)


@pytest.mark.browser
def test_the_page_composes_each_frame_pixel_for_pixel(exp, browser):
    """In chromium, the canvas over the default frame holds exactly the frame the controls select."""
    page = browser.new_page(viewport={"width": 800, "height": 900})
    try:
        page.set_content(f"<!doctype html><html><body>{exp.to_html()}</body></html>")
        root = page.locator("div.explorable")
        for key, values in list(exp.grid())[::7]:
            page.evaluate("""([r, key]) => {
                const ins = [...r.querySelectorAll('[data-name]')];
                key.forEach((v, i) => { const e = ins[i];
                  if (e.type === 'checkbox') e.checked = !!v; else e.value = String(v);
                  e.dispatchEvent(new Event('input')); }); }""", [root.element_handle(), list(key)])
            k = ",".join(map(str, key))
            page.wait_for_function("([r, k]) => r.querySelector('canvas.explorable-patch').getAttribute('data-key') === k",
                                   arg=[root.element_handle(), k], timeout=10_000)
            shown = page.evaluate("""r => { const cv = r.querySelector('canvas.explorable-patch');
                return cv.hidden ? null : cv.toDataURL('image/png'); }""", root.element_handle())
            want = rgb(exp.render(**values))
            if shown is None:  # the default frame: the image alone
                assert base_frame(exp.to_html()) == exp.render(**values), k
            else:
                got = np.asarray(Image.open(io.BytesIO(base64.b64decode(shown.split(",", 1)[1]))).convert("RGBA"))
                assert (got[..., 3] == 255).all() and np.array_equal(got[..., :3], want), f"frame {k} differs on the page"
    finally:
        page.close()
