"""The built site as readers meet it: on a 390 px phone, on a 2x screen, with a screen reader.

Each test opens the real pages in headless chromium (see ``tests/test_site.py``
for the shared ``visit``) and measures what a reader would see: whether the
chapter list opens on a phone, whether anything is wider than the screen, how
large the smallest figure text is once the figure has shrunk into the column,
how many device pixels a frame has per CSS pixel, the size of every control,
what axe-core reports, and whether Chinese text is marked as Chinese.
"""
from __future__ import annotations

import re

import pytest

from tests.test_site import SITE, TIMEOUT_MS, _has_explorable, pages, visit

pytestmark = pytest.mark.browser

PHONE = dict(width=390, height=844)
MIN_TEXT_PX = 9.0
MIN_TARGET_PX = 24.0
CONTENT_PAGES = [p for p in pages() if p != "index.html"]


def _has_figure(rel):
    text = (SITE / rel).read_text(encoding="utf-8")
    return "explorable-frame" in text or 'class="still"' in text


# --------------------------------------------------------------------------- navigation on a phone
def test_phone_reader_can_open_the_chapter_list_and_follow_it(browser, server, site):
    with visit(browser, server, "chapters/intro.html", **PHONE) as v:
        page = v.page
        sidebar = page.locator("#pst-primary-sidebar, .bd-sidebar-primary").first
        link = sidebar.locator("a.reference.internal", has_text="Gradient descent").first
        assert not link.is_visible(), "on a phone the chapter list should start closed"
        page.locator(".primary-toggle:visible").first.click()
        link.wait_for(state="visible", timeout=5_000)
        # the drawer slides in: wait until it stops moving
        link.evaluate("a => new Promise(done => { let last = NaN; const tick = () => { const x = a.getBoundingClientRect().x;"
                      " if (x === last) done(); else { last = x; setTimeout(tick, 100); } }; tick(); })")
        box = link.bounding_box()
        assert box and 0 <= box["x"] < PHONE["width"], f"the chapter link is off screen: {box}"
        link.click()
        page.wait_for_url(re.compile(r"gradient_descent\.html"))
        v.assert_clean()


def test_desktop_toggle_collapses_the_sidebar(browser, server, site):
    with visit(browser, server, "chapters/intro.html") as v:
        page = v.page
        sidebar = page.locator(".bd-sidebar-primary").first
        assert sidebar.is_visible()
        page.locator(".primary-toggle:visible").first.click()
        page.wait_for_function("() => { const s = document.querySelector('.bd-sidebar-primary');"
                               " const r = s.getBoundingClientRect(); return r.width < 1 || r.right <= 0 ||"
                               " getComputedStyle(s).visibility === 'hidden'; }", timeout=5_000)
        v.assert_clean()


# --------------------------------------------------------------------------- nothing wider than the phone
_OVERFLOW_JS = """() => {
  const W = document.documentElement.clientWidth, out = [];
  const visible = e => { for (let p = e; p; p = p.parentElement) { const s = getComputedStyle(p);
      if (s.visibility === 'hidden' || s.display === 'none') return false; } return true; };
  const scrolled = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX; if (x === 'auto' || x === 'scroll' || x === 'hidden') return true; } return false; };
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > W + 1 && visible(e) && !scrolled(e))
      out.push(`${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ends at ${Math.round(r.right)} px`);
  }
  return {page: document.documentElement.scrollWidth - W, elements: out.slice(0, 8)};
}"""


@pytest.mark.parametrize("rel", CONTENT_PAGES)
def test_nothing_is_wider_than_a_phone(browser, server, site, rel):
    with visit(browser, server, rel, **PHONE) as v:
        found = v.page.evaluate(_OVERFLOW_JS)
        assert found["page"] <= 0 and not found["elements"], (
            f"{v.url} at 390 px: the page scrolls sideways by {found['page']} px; outside a scroll container: "
            + "; ".join(found["elements"]))


# --------------------------------------------------------------------------- figures on a phone and on a 2x screen
_FIGURES_JS = """() => [...document.querySelectorAll('.bd-article img.explorable-frame, .bd-article img.still,'
  + ' .bd-article .cell_output img')].map(img => ({
    cls: img.className, alt: (img.alt || '').slice(0, 50), shown: img.getBoundingClientRect().width,
    natural: img.naturalWidth, widthIn: parseFloat(img.dataset.widthIn), minPt: parseFloat(img.dataset.minFontPt)}))"""


@pytest.mark.parametrize("rel", pages(_has_figure))
def test_figure_text_is_at_least_9_css_px_on_a_phone(browser, server, site, rel):
    with visit(browser, server, rel, **PHONE) as v:
        figures = v.page.evaluate(_FIGURES_JS)
        assert figures, f"{v.url}: no figure found"
        small = []
        for f in figures:
            assert f["widthIn"] > 0 and f["minPt"] > 0, f"{v.url}: figure {f['alt']!r} does not say its font sizes"
            px = f["minPt"] * f["shown"] / (72 * f["widthIn"])
            if px < MIN_TEXT_PX:
                small.append(f"{f['alt']!r}: {px:.1f} px")
        assert not small, f"{v.url} at 390 px, smallest figure text below {MIN_TEXT_PX} px: " + "; ".join(small)


@pytest.mark.parametrize("rel", pages(_has_figure))
def test_frames_have_two_device_pixels_per_css_pixel(browser, server, site, rel):
    with visit(browser, server, rel) as v:
        for f in v.page.evaluate(_FIGURES_JS):
            assert f["natural"] >= 2 * f["shown"] - 1, (
                f"{v.url}: figure {f['alt']!r} is shown {f['shown']:.0f} px wide from {f['natural']} px: soft on a 2x screen")


# --------------------------------------------------------------------------- controls for fingers and screen readers
@pytest.mark.parametrize("rel", pages(_has_explorable))
def test_controls_are_touch_sized_and_announce_their_value(browser, server, site, rel):
    with visit(browser, server, rel, **PHONE) as v:
        page = v.page
        roots = page.locator("div.explorable")
        for n in range(roots.count()):
            root = roots.nth(n)
            for k in range(root.locator("[data-name]").count()):
                control = root.locator("[data-name]").nth(k)
                box = control.evaluate("e => e.closest('label').getBoundingClientRect().toJSON()")
                own = control.bounding_box()
                assert own["height"] >= MIN_TARGET_PX or box["height"] >= MIN_TARGET_PX, (
                    f"{v.url} explorable #{n}: control {k} is {own['height']:.0f} px high (< {MIN_TARGET_PX})")
            slider = root.locator('input[type="range"]').first
            if not slider.count():
                continue
            status = root.locator(".explorable-status")
            assert status.get_attribute("aria-live") == "polite"
            slider.focus()
            before = status.text_content()
            at_end = slider.evaluate("e => e.value === e.max")
            page.keyboard.press("Home" if at_end else "End")
            text = slider.get_attribute("aria-valuetext")
            readout = slider.evaluate("e => e.closest('label').querySelector('output').textContent.trim()")
            assert text and text.endswith("= " + readout), f"{v.url}: aria-valuetext {text!r} vs readout {readout!r}"
            page.wait_for_function("([s, b]) => s.textContent !== b", arg=[status.element_handle(), before], timeout=TIMEOUT_MS)
            assert readout in status.text_content()


# --------------------------------------------------------------------------- axe-core, and Chinese marked as Chinese
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("rel", CONTENT_PAGES)
def test_axe_finds_no_serious_violation(browser, server, site, rel, width):
    from axe_playwright_python.sync_playwright import Axe

    with visit(browser, server, rel, width=width, height=900) as v:
        violations = Axe().run(v.page).response["violations"]
        bad = [f"{x['id']} ({x['impact']}, {len(x['nodes'])}x): {x['help']}" for x in violations
               if x["impact"] in ("critical", "serious")]
        assert not bad, f"{v.url} at {width} px:\n" + "\n".join(bad)


_CJK_JS = r"""() => {
  const out = [], walker = document.createTreeWalker(document.querySelector('.bd-article') || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!/[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]/.test(n.data)) continue;
    const el = n.parentElement.closest('[lang]');
    if (!el || !el.lang.toLowerCase().startsWith('zh')) out.push(n.data.trim().slice(0, 30));
  }
  return out;
}"""


@pytest.mark.parametrize("rel", CONTENT_PAGES)
def test_chinese_text_is_marked_lang_zh(browser, server, site, rel):
    with visit(browser, server, rel) as v:
        unmarked = v.page.evaluate(_CJK_JS)
        assert not unmarked, f"{v.url}: Chinese text outside lang=zh: {unmarked[:6]}"


# --------------------------------------------------------------------------- what the site leaves out
@pytest.mark.parametrize("rel", CONTENT_PAGES)
def test_no_widget_state_and_no_jupyterlab_note(browser, server, site, rel):
    html = (SITE / rel).read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" not in html, f"{rel} ships ipywidgets state"
    with visit(browser, server, rel) as v:
        assert v.page.locator(".run-note:visible").count() == 0, f"{v.url} shows the JupyterLab run note"
