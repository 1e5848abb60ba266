"""The built static site, in a real headless chromium.

Every page of ``_build/html`` is served from 127.0.0.1 and loaded with
Playwright; each test records what the browser does (console, page errors,
requests, responses) and fails on anything a reader would hit: a console error,
a request leaving the machine, math MathJax did not typeset, a page over its
weight budget, an explorable whose frame does not follow its controls, a
solution that is not hidden, a missing notebook download.
"""
from __future__ import annotations

import base64
import itertools
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import PAGE_BUDGET_BYTES, ROOT, SITE, frame_files, site_pages

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
NOT_BUILT = "<site not built>"


# --------------------------------------------------------------------------- which pages
class _Classes(HTMLParser):
    """Collects the class lists and meta refresh of one HTML document."""

    def __init__(self):
        super().__init__()
        self.classes: list[tuple[str, set[str], dict]] = []
        self.refresh: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.classes.append((tag, set((a.get("class") or "").split()), a))
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            m = re.search(r"url\s*=\s*(\S+)", a.get("content") or "", re.I)
            self.refresh = m.group(1).strip("'\"") if m else None


def _parse(rel: str) -> _Classes:
    p = _Classes()
    p.feed((SITE / rel).read_text(encoding="utf-8"))
    return p


def _has_explorable(rel):
    return any("explorable" in c for _, c, _ in _parse(rel).classes)


def _is_solution(tag, classes, attrs):
    if "toggle-shown" in classes or (tag == "details" and "open" in attrs):
        return False  # explicitly shown from the start
    return {"admonition", "dropdown"} <= classes or "toggle" in classes or (tag == "details" and "sd-dropdown" in classes)


def _has_solution(rel):
    return any(_is_solution(*t) for t in _parse(rel).classes)


def _from_notebook(rel):
    return (ROOT / rel).with_suffix(".ipynb").is_file()


def pages(predicate=None) -> list[str]:
    found = site_pages()
    if not found:
        return [NOT_BUILT]  # the `site` fixture then fails the test with a clear message
    return [p for p in found if predicate is None or predicate(p)]


# --------------------------------------------------------------------------- visiting a page
@dataclass
class Visit:
    page: object
    url: str
    html_path: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    responses: list = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self):
        if self.page_errors:
            pytest.fail(f"uncaught JavaScript errors on {self.url}:\n" + "\n".join(self.page_errors), pytrace=False)
        if self.console_errors:
            pytest.fail(f"console errors on {self.url}:\n" + "\n".join(self.console_errors), pytrace=False)


def _external(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return False
    return parts.hostname != "127.0.0.1"


@contextmanager
def visit(browser, server, rel, width=1280, height=900):
    """Open ``rel`` in a fresh browser context, recording everything; follows a meta refresh."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        v = Visit(page=page, url=f"{server}/{rel}", html_path=SITE / rel)

        def on_console(msg):
            if msg.type == "error":
                loc = msg.location or {}
                v.console_errors.append(f"{msg.text} (at {loc.get('url') or '?'}:{loc.get('lineNumber', '?')})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: v.page_errors.append(str(exc)))
        page.on("request", lambda req: v.requests.append(req.url))
        page.on("response", lambda resp: v.responses.append(resp))
        # A request cut short because the page navigated on (the root redirect leaves before its
        # icon arrives) is not a broken resource; a missing file shows up as a 404 response instead.
        page.on("requestfailed", lambda req: req.failure == "net::ERR_ABORTED"
                or v.failed.append(f"{req.url}: {req.failure}"))

        response = page.goto(v.url, wait_until="load")
        assert response is not None and response.ok, f"{v.url} answered {response and response.status}"
        refresh = _parse(rel).refresh
        if refresh:  # e.g. index.html -> chapters/intro.html
            target = urljoin(v.url, refresh)
            page.wait_for_url(target)
            v.url, v.html_path = target, SITE / urlsplit(target).path.lstrip("/")
        page.wait_for_load_state("load")
        page.wait_for_load_state("networkidle")
        yield v
    finally:
        context.close()


def _typeset_math(v: Visit) -> None:
    page = v.page
    n_math = page.locator(".math").count()
    if not n_math:
        return
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=TIMEOUT_MS)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    page.wait_for_selector("mjx-container", state="attached", timeout=TIMEOUT_MS)
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))"
        ".map(e => e.textContent.trim().slice(0, 80))"
    )
    assert not untypeset, f"{len(untypeset)} of {n_math} math elements on {v.url} were not typeset by MathJax: {untypeset}"
    errors = page.evaluate(_TEX_ERRORS_JS)
    assert not errors, f"MathJax could not make sense of some TeX on {v.url} (error, or undefined macro shown in red): {errors}"


# TeX MathJax typeset with an error (merror) or an undefined macro (noundefined's red mtext).
_TEX_ERRORS_JS = """() => {
  const out = [];
  for (const m of MathJax.startup.document.math) {
    const bad = [];
    m.root.walkTree(n => {
      if (n.isKind('merror')) bad.push('error');
      else if (n.isKind('mtext') && n.attributes.get('mathcolor') === 'red') bad.push('undefined ' + n.childNodes.map(c => c.text || '').join(''));
    });
    if (bad.length) out.push(m.math.slice(0, 80) + ': ' + bad.join(', '));
  }
  return out;
}"""


def _size(response) -> int:
    length = response.header_value("content-length")
    if length is not None:
        return int(length)
    try:
        return len(response.body())
    except Exception:  # the body of a document navigated away from is gone
        return 0


def _weight(v: Visit) -> tuple[int, str]:
    """Page weight (HTML + images + data: images not inline in the HTML) and a breakdown."""
    html_bytes = image_bytes = total = 0
    for r in v.responses:
        size = _size(r)
        total += size
        kind = r.request.resource_type
        if kind == "document":
            html_bytes += size
        elif kind == "image":
            image_bytes += size
    html_text = v.html_path.read_text(encoding="utf-8")
    data_urls = v.page.evaluate(
        """() => {
          const urls = new Set();
          for (const img of document.images) if ((img.currentSrc || img.src).startsWith('data:image')) urls.add(img.currentSrc || img.src);
          for (const el of document.querySelectorAll('*')) {
            for (const m of getComputedStyle(el).backgroundImage.matchAll(/url\\("?(data:image[^")]*)"?\\)/g)) urls.add(m[1]);
          }
          return [...urls];
        }"""
    )
    data_bytes = sum(len(u) for u in data_urls if u not in html_text)
    # the explorables' frames (default frame + patches) that a reader scrolling through the page fetches
    frame_bytes = sum(f.stat().st_size for f in frame_files(v.html_path))
    weight = html_bytes + image_bytes + data_bytes + frame_bytes
    breakdown = (
        f"weight {weight / 1e6:.2f} MB = HTML {html_bytes / 1e3:.0f} KB + images {image_bytes / 1e3:.0f} KB "
        f"+ data: images not inline in the HTML {data_bytes / 1e3:.0f} KB + explorable frames {frame_bytes / 1e3:.0f} KB; "
        f"total transferred incl. shared JS/CSS/fonts {total / 1e6:.2f} MB in {len(v.responses)} responses"
    )
    return weight, breakdown


def _icons(v: Visit, rel: str) -> list[tuple[str, str | None]]:
    """(page URL, its <link rel=icon> URL or None) for the page and, after a meta refresh, for its target."""
    stub = f"{v.url.split('://')[0]}://{urlsplit(v.url).netloc}/{rel}"
    out = []
    if stub != v.url:
        links = [a.get("href") for tag, c, a in _parse(rel).classes if tag == "link" and "icon" in (a.get("rel") or "").split()]
        out.append((stub, urljoin(stub, links[0]) if links else None))
    out.append((v.url, v.page.evaluate("() => { const l = document.querySelector('link[rel~=icon]'); return l ? l.href : null; }")))
    return out


# --------------------------------------------------------------------------- every page
@pytest.mark.parametrize("rel", pages())
def test_page(browser, server, site, rel):
    """Loads without errors, stays on 127.0.0.1, typesets its math, fits the weight budget."""
    with visit(browser, server, rel) as v:
        _typeset_math(v)
        v.page.wait_for_load_state("networkidle")

        external = sorted({u for u in v.requests if _external(u)})
        assert not external, f"{v.url} makes requests leaving 127.0.0.1:\n" + "\n".join(external)
        broken = [f"{r.status} {r.url}" for r in v.responses if r.status >= 400] + v.failed
        assert not broken, f"{v.url} fails to load resources:\n" + "\n".join(broken)

        # Chromium fetches a page's icon once per browser session, so the console error a missing
        # icon causes shows up on whichever page loads first: check the icon of every page here.
        for url, icon in _icons(v, rel):
            target = icon or urljoin(url, "/favicon.ico")
            if not target.startswith("data:"):
                r = v.page.request.get(target)
                assert r.ok, (
                    f"{url}: the browser's icon request {target} answers {r.status} (a console error in every browser); "
                    + ("the page has no <link rel=icon>" if icon is None else "its <link rel=icon> is broken"))

        v.assert_clean()

        weight, breakdown = _weight(v)
        assert weight <= PAGE_BUDGET_BYTES, f"{v.url} is over the {PAGE_BUDGET_BYTES / 1e6:.0f} MB budget: {breakdown}"


def test_search_finds_gradient(browser, server, site):
    """Typing a word into the search page lists the pages containing it."""
    with visit(browser, server, "search.html") as v:
        box = v.page.locator('input[name="q"]:visible').first
        box.fill("")
        box.press_sequentially("gradient")
        box.press("Enter")
        v.page.wait_for_url(re.compile(r"search\.html\?q=gradient"))
        results = v.page.locator("#search-results ul.search li")
        results.first.wait_for(state="visible", timeout=TIMEOUT_MS)
        links = results.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert any("gradient_descent" in (h or "") for h in links), f"search for 'gradient' lists {links}"
        v.assert_clean()


@pytest.mark.parametrize("rel", pages(_from_notebook))
def test_notebook_download_link(browser, server, site, rel):
    """A chapter built from a notebook links to its .ipynb, and the link works."""
    with visit(browser, server, rel) as v:
        hrefs = v.page.locator('a[href$=".ipynb"]').evaluate_all("as => as.map(a => a.href)")
        name = Path(rel).with_suffix(".ipynb").name
        hrefs = [h for h in hrefs if h.endswith("/" + name)]
        assert hrefs, f"{v.url} has no download link to {name}"
        r = v.page.request.get(hrefs[0])
        assert r.ok, f"{hrefs[0]} answered {r.status}"
        nb = json.loads(r.body())
        assert nb.get("nbformat") == 4 and nb.get("cells"), f"{hrefs[0]} is not a notebook"


@pytest.mark.parametrize("rel", pages(_has_solution))
def test_solutions_start_hidden(browser, server, site, rel):
    """Dropdown admonitions / toggles start collapsed and open on click."""
    with visit(browser, server, rel) as v:
        page = v.page
        # sphinx-togglebutton adds its buttons on DOMContentLoaded
        page.wait_for_function("() => !document.querySelector('.admonition.dropdown, .toggle:not(.admonition)') "
                               "|| document.querySelector('.toggle-button, details.toggle-details')")
        items = page.locator(".admonition.dropdown:not(.toggle-shown), .toggle:not(.toggle-shown), details.sd-dropdown:not([open])")
        assert items.count(), f"{v.url}: no toggle / dropdown found"
        for k in range(items.count()):
            item = items.nth(k)
            item.scroll_into_view_if_needed()
            is_adm = item.evaluate("e => e.classList.contains('admonition')")
            is_sd = item.evaluate("e => e.matches('details.sd-dropdown')")
            if is_adm:
                body, opener = item.locator(":scope > :not(.admonition-title)").first, item.locator(":scope > .admonition-title")
            elif is_sd:
                body, opener = item.locator(":scope > :not(summary)").first, item.locator(":scope > summary")
            else:  # sphinx-togglebutton wraps non-admonitions in <details class="toggle-details">
                body, opener = item, item.locator("xpath=ancestor::details[1]/summary")
            what = f"toggle #{k} on {v.url} ({item.evaluate('e => e.className')!r})"
            assert body.count(), f"{what} has no content"
            assert not body.is_visible(), f"{what} starts open: a solution must start hidden"
            opener.click()
            body.wait_for(state="visible", timeout=5_000)
        v.assert_clean()


# --------------------------------------------------------------------------- explorables
_STATE_JS = """r => {
  const img = r.querySelector('img.explorable-frame');
  const ins = [...r.querySelector('.explorable-controls').querySelectorAll('[data-name]')];
  return {
    key: img.getAttribute('data-key'), src: img.getAttribute('src'),
    patch: (cv => ({hidden: cv.hidden, key: cv.getAttribute('data-key'), box: cv.getAttribute('data-box')}))(
      r.querySelector('canvas.explorable-patch')),
    values: ins.map(e => e.type === 'checkbox' ? (e.checked ? 1 : 0) : Number(e.value)),
    outputs: ins.map(e => { const l = e.closest('label'); const o = l && l.querySelector('output'); return o ? o.textContent.trim() : null; }),
  };
}"""

# The bytes of the patch drawn on the canvas (a data: URL inline, a blob: URL cut from the fetched frame file), base64.
_PATCH_BYTES_JS = """async r => {
  const bytes = new Uint8Array(await (await fetch(r.querySelector('canvas.explorable-patch').getAttribute('data-src'))).arrayBuffer());
  let s = ''; for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}"""

_CONTROLS_JS = """r => [...r.querySelector('.explorable-controls').querySelectorAll('[data-name]')].map(e => ({
  name: e.dataset.name, tag: e.tagName.toLowerCase(), type: e.type,
  min: e.min, max: e.max, step: e.step,
  options: e.tagName === 'SELECT' ? [...e.options].map(o => [o.value, o.textContent.trim()]) : null,
}))"""


class _Checker:
    """Compares an explorable's DOM with the frame its JSON says the controls select."""

    def __init__(self, root, data, frames, where):
        self.root, self.data, self.frames, self.where = root, data, frames, where
        self.base = root.evaluate(_STATE_JS)["src"]

    def __call__(self, expected: list[int], action: str) -> None:
        where = f"{self.where}, after {action}"
        key = ",".join(map(str, expected))
        # a frame other than the default is drawn on the canvas once its patch has decoded
        self.root.page.wait_for_function(
            "([r, k]) => r.querySelector('canvas.explorable-patch').getAttribute('data-key') === k",
            arg=[self.root.element_handle(), key], timeout=TIMEOUT_MS)
        st = self.root.evaluate(_STATE_JS)
        assert st["values"] == expected, f"{where}: controls read {st['values']}, expected {expected}"
        assert st["key"] == key, f"{where}: img data-key is {st['key']!r}, expected {key!r}"
        frame = self.data["index"][key]
        assert st["src"] == self.base, f"{where}: the base image changed; only the patch over it may change"
        box, patch = self.data["boxes"][frame], st["patch"]
        if box is None:  # the default frame: the base image alone
            assert patch["hidden"], f"{where}: a patch shows over the default frame {frame} (key {key})"
        else:
            assert not patch["hidden"], f"{where}: no patch shows for frame {frame} (key {key})"
            shown = self.root.evaluate(_PATCH_BYTES_JS)
            assert shown == self.frames[frame], f"{where}: the patch drawn is not frame {frame}'s (key {key})"
            assert patch["box"] == ",".join(map(str, box)), f"{where}: patch drawn at {patch['box']}, expected {box} (key {key})"
        for i, out in enumerate(st["outputs"]):
            if out is not None:
                want = self.data["labels"][i][expected[i]]
                assert out == want, f"{where}: readout of {self.data['names'][i]} is {out!r}, expected {want!r}"
        width = self.root.locator("img.explorable-frame").evaluate("img => img.decode().then(() => img.naturalWidth)")
        assert width > 0, f"{where}: the frame does not decode as an image"


def _check_static(data, frames, controls, where):
    names = data["names"]
    assert [c["name"] for c in controls] == names, f"{where}: controls {[c['name'] for c in controls]} vs JSON names {names}"
    assert len(data["labels"]) == len(names), f"{where}: {len(data['labels'])} label lists for {len(names)} controls"
    for c, labels in zip(controls, data["labels"]):
        if c["type"] == "range":
            assert (int(c["min"]), int(c["max"]), c["step"]) == (0, len(labels) - 1, "1"), f"{where}: range {c} for {len(labels)} labels"
        elif c["tag"] == "select":
            assert c["options"] == [[str(i), t] for i, t in enumerate(labels)], f"{where}: select options {c['options']} vs labels {labels}"
        else:
            assert c["type"] == "checkbox" and len(labels) == 2, f"{where}: unexpected control {c}"
    grid = {",".join(map(str, k)) for k in itertools.product(*(range(len(l)) for l in data["labels"]))}
    assert set(data["index"]) == grid, f"{where}: index keys do not cover the control grid exactly"
    bad = {k: f for k, f in data["index"].items() if not 0 <= f < len(frames)}
    assert not bad, f"{where}: index points past the frames: {bad}"


def _drag(page, rng, current: int, target: int, top: int) -> None:
    """Press the thumb of range input ``rng`` with the mouse and drag it to grid index ``target``."""
    rng.scroll_into_view_if_needed()
    box = rng.bounding_box()
    thumb = min(16.0, box["height"])  # chromium's default thumb is ~16 px wide

    def x(i):
        return box["x"] + thumb / 2 + (box["width"] - thumb) * i / top

    y = box["y"] + box["height"] / 2
    page.mouse.move(x(current), y)
    page.mouse.down()
    page.mouse.move(x(target), y, steps=10)
    page.mouse.up()


def _frames(v: Visit, root, data, where) -> list[str]:
    """The explorable's frames: inline, or fetched from its file once it is near the viewport."""
    if "frames" in data:
        return data["frames"]
    assert "src" in data, f"{where}: neither frames nor a src for them"
    root.scroll_into_view_if_needed()
    root.page.wait_for_function("r => r.getAttribute('data-frames') === 'loaded'", arg=root.element_handle(), timeout=TIMEOUT_MS)
    r = v.page.request.get(urljoin(v.url, data["src"]))
    assert r.ok, f"{where}: its frames file {data['src']} answers {r.status}"
    blob = r.body()
    assert len(data["offsets"]) == len(data["boxes"]), f"{where}: {len(data['offsets'])} offsets for {len(data['boxes'])} frames"
    assert sum(n for _, n in data["offsets"]) == len(blob), f"{where}: the offsets do not cover the {len(blob)} bytes of {data['src']}"
    return [base64.b64encode(blob[start:start + n]).decode("ascii") for start, n in data["offsets"]]


@pytest.mark.parametrize("rel", pages(_has_explorable))
def test_explorables_follow_their_controls(browser, server, site, rel):
    """Every control of every explorable, moved for real, shows the frame its JSON names."""
    with visit(browser, server, rel) as v:
        page = v.page
        roots = page.locator("div.explorable")
        assert roots.count(), f"{v.url}: no explorable found"
        for n in range(roots.count()):
            root = roots.nth(n)
            where = f"explorable #{n} on {v.url}"
            data = json.loads(root.locator("script.explorable-data").text_content())
            frames = _frames(v, root, data, where)
            controls = root.evaluate(_CONTROLS_JS)
            _check_static(data, frames, controls, where)
            check = _Checker(root, data, frames, where)
            state = root.evaluate(_STATE_JS)["values"]
            check(state, "loading")
            inputs = root.locator(".explorable-controls [data-name]")
            for i, c in enumerate(controls):
                el = inputs.nth(i)
                el.scroll_into_view_if_needed()
                name = c["name"]
                if c["type"] == "range":
                    top = int(c["max"])
                    el.focus()
                    for key, move in [("End", lambda s: top), ("Home", lambda s: 0), ("ArrowRight", lambda s: min(s + 1, top)),
                                      ("ArrowRight", lambda s: min(s + 1, top)), ("ArrowLeft", lambda s: max(s - 1, 0))]:
                        page.keyboard.press(key)
                        state[i] = move(state[i])
                        check(state, f"pressing {key} on slider {name!r}")
                    target = round(0.75 * top) if state[i] < top / 2 else round(0.25 * top)
                    before = state[i]
                    _drag(page, el, before, target, top)
                    got = int(el.input_value())
                    assert got != before and abs(got - target) <= 1, (
                        f"{where}: dragging slider {name!r} from {before} to {target} left it at {got}")
                    state[i] = got
                    check(state, f"dragging slider {name!r} to {got}")
                elif c["tag"] == "select":
                    n_opt = len(c["options"])
                    for j in [n_opt - 1, *range(n_opt)][:12]:
                        el.select_option(index=j)  # by position: option labels may be numbers that look like values
                        state[i] = j
                        check(state, f"selecting option {j} of {name!r}")
                else:
                    for _ in range(2):
                        el.click()
                        state[i] = 1 - state[i]
                        check(state, f"clicking checkbox {name!r}")
        v.assert_clean()
