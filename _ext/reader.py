"""Sphinx extension: the built pages as a reader on a phone or with a screen reader needs them.

After the HTML is written, every page is rewritten once (``build-finished``):

* **Explorable frames move to a file.** A notebook's explorable carries all its
  frames inline (so it works in JupyterLab and in any single HTML file). On the
  site, the frames of each explorable (patches over the default frame) are moved
  to ``_static/explorables/<page>-<n>.bin``, raw PNG bytes; the page keeps the default frame,
  the controls and a ``src`` pointing at the file, and the explorable's script
  fetches it when the figure first comes near the viewport. The site still
  needs nothing but a static host.
* **No widget state.** myst-nb embeds the ipywidgets state of the executed
  notebook (tens of KB a page) for a widget manager the site does not load; it
  is removed.
* **Accessibility fixes for markup the themes and extensions write:**
  sphinxcontrib-bibtex's deprecated ``role="doc-biblioentry"`` inside a
  ``role="list"`` (axe: aria-required-children, aria-deprecated-role) becomes
  ``role="listitem"``.

``reader.css`` (in ``_ext/static``) keeps long inline code and wide tables from
pushing the page wider than a 390 px phone, and hides the "run all cells" note
meant for JupyterLab readers.
"""
from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

STATIC = Path(__file__).parent / "static"
_DATA = re.compile(r'(<script type="application/json" class="explorable-data">)(.*?)(</script>)', re.S)
_WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>\s*', re.S)
_BIBLIOENTRY = 'role="doc-biblioentry"'


def externalize_frames(text: str, page: Path, outdir: Path) -> str:
    """Move each explorable's ``frames`` (base64 PNGs) to ``_static/explorables/<page>-<n>.bin``, the
    PNG bytes one after another (a quarter smaller than base64); the page's JSON keeps ``src`` and
    ``offsets`` (``[start, length]`` per frame, length 0 for the default frame)."""
    target = outdir / "_static" / "explorables"
    stem = page.relative_to(outdir).with_suffix("").as_posix().replace("/", "-")
    count = 0

    def move(match: re.Match) -> str:
        nonlocal count
        data = json.loads(match.group(2).replace("<\\/", "</"))
        if "frames" not in data:
            return match.group(0)
        target.mkdir(parents=True, exist_ok=True)
        name = f"{stem}-{count}.bin"
        count += 1
        blobs = [base64.b64decode(frame) for frame in data.pop("frames")]
        starts = [sum(map(len, blobs[:i])) for i in range(len(blobs))]
        (target / name).write_bytes(b"".join(blobs))
        data["src"] = os.path.relpath(target / name, page.parent).replace(os.sep, "/")
        data["offsets"] = [[start, len(blob)] for start, blob in zip(starts, blobs)]
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return match.group(1) + payload + match.group(3)

    return _DATA.sub(move, text)


def rewrite(page: Path, outdir: Path) -> None:
    text = page.read_text(encoding="utf-8")
    new = externalize_frames(text, page, outdir)
    new = _WIDGET_STATE.sub("", new)
    new = new.replace(_BIBLIOENTRY, 'role="listitem"')
    if new != text:
        page.write_text(new, encoding="utf-8")


def rewrite_pages(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] not in ("_static", "_sources", "_images"):
            rewrite(page, outdir)


def add_static(app, config) -> None:
    config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", add_static)
    app.add_css_file("reader.css")
    app.connect("build-finished", rewrite_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
