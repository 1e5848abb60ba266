"""Print the single-page build of the book, and its cheat sheet, to PDF with Debian's chromium.

``make pdf`` first builds the whole book as one HTML page (``jupyter-book build . --builder
singlehtml --path-output _build/pdf``), then runs this script, which serves that build on
127.0.0.1, opens it in headless chromium (Playwright driving ``/usr/bin/chromium``, as the browser
tests do), waits for MathJax and every image, and prints:

* ``_build/pdf/book.pdf`` -- a cover, a table of contents (chapters and their sections, clickable),
  then every page of the book, each chapter on a new page, laid out by ``_ext/static/print.css``
  (explorables at their default frame with their controls hidden and a note on where to move the
  sliders, exercise solutions open, numbered equations);
* ``_build/pdf/cheat_sheet.pdf`` -- the interview cheat sheet alone, compact (one or two pages).

Usage: ``python _ext/pdf.py [--site _build/pdf/_build/singlehtml] [--out _build/pdf]``.
"""
from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import re
import socket
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

_READY_JS = """async () => {
  document.querySelectorAll('img[loading="lazy"]').forEach(img => { img.loading = 'eager'; });
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.onload = img.onerror = done; })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  if (window.MathJax && MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  return document.querySelectorAll('mjx-container').length;
}"""

# The cover and the table of contents, put in front of the single page's first section.
_FRONT_JS = """([title, subtitle, date]) => {
  const article = document.querySelector('.bd-article') || document.body;
  // the single page inlines each document after a <span id="document-..."> marker
  const docs = [...article.querySelectorAll('span[id^="document-"]')];
  const sections = [article.querySelector('section'), ...docs.map(d => d.nextElementSibling)]
      .filter(s => s && s.tagName === 'SECTION');
  const H = 'h1, h2, h3, h4';
  const cover = document.createElement('div');
  cover.className = 'pdf-cover';
  cover.innerHTML = `<p class="pdf-cover-title"></p><p class="pdf-cover-sub"></p><p class="pdf-cover-date"></p>`;
  cover.querySelector('.pdf-cover-title').textContent = title;
  cover.querySelector('.pdf-cover-sub').textContent = subtitle;
  cover.querySelector('.pdf-cover-date').textContent = date;
  const toc = document.createElement('nav');
  toc.className = 'pdf-toc';
  toc.innerHTML = '<p class="pdf-toc-title">Contents</p>';
  const list = document.createElement('ol');
  for (const s of sections) {
    if (!s.id) continue;
    const h = s.querySelector(':scope > :is(h1, h2, h3, h4)');
    if (!h) continue;
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '#' + s.id;
    a.textContent = h.textContent.replace(/[#¶]\\s*$/, '').trim();
    li.appendChild(a);
    const subs = [...s.querySelectorAll(':scope > section > :is(h1, h2, h3, h4, h5)')];
    if (subs.length) {
      const sub = document.createElement('ul');
      for (const h2 of subs) {
        const sec = h2.parentElement;
        if (!sec.id) continue;
        const sli = document.createElement('li');
        const sa = document.createElement('a');
        sa.href = '#' + sec.id;
        sa.textContent = h2.textContent.replace(/[#¶]\\s*$/, '').trim();
        sli.appendChild(sa);
        sub.appendChild(sli);
      }
      li.appendChild(sub);
    }
    list.appendChild(li);
  }
  toc.appendChild(list);
  article.prepend(toc);
  article.prepend(cover);
  return sections.length;
}"""

_FRONT_CSS = """
.pdf-cover { height: 250mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }
.pdf-cover-title { font-size: 30pt; font-weight: bold; line-height: 1.2; margin: 0 0 0.5em; }
.pdf-cover-sub { font-size: 14pt; margin: 0 0 2em; }
.pdf-cover-date { font-size: 11pt; color: #444; }
.pdf-toc { break-after: page; }
.pdf-toc-title { font-size: 20pt; font-weight: bold; }
.pdf-toc ol { font-size: 12pt; line-height: 1.6; list-style: none; padding-left: 0; }
#jb-print-docs-body { display: none !important; }  /* the theme's own print title and contents */
.pdf-toc ul { font-size: 10pt; line-height: 1.4; }
"""

# Only the cheat sheet's section stays on the page.
_CHEAT_JS = """() => {
  const target = document.getElementById('cheat-sheet');
  if (!target) return false;
  const section = target.closest('section') || target;
  const article = document.querySelector('.bd-article') || document.body;
  article.replaceChildren(section);
  document.body.classList.add('cheat-sheet-print');
  return true;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    port = _free_port()
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def page_count(pdf: Path) -> int:
    """Pages of a PDF written by chromium (one ``/Type /Page`` object per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(url, wait_until="load", timeout=180_000)
    page.emulate_media(media="print")
    page.evaluate(_READY_JS)
    return page


def _pdf(page, path: Path) -> None:
    page.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True,
             display_header_footer=True, header_template="<span></span>",
             footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#555">'
                             '<span class="pageNumber"></span> / <span class="totalPages"></span></div>',
             margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})


#: The printed cheat sheet: at most two A4 pages, its type no smaller than 6.4 pt (7.6 pt while it fits).
CHEAT_SHEET_PAGES = 2
CHEAT_SHEET_PT = (7.6, 7.2, 6.8, 6.4)


def _print_within(page, path: Path, pages: int) -> float:
    """Print the cheat sheet at the largest type size of ``CHEAT_SHEET_PT`` that fits ``pages`` pages
    (the sheet grows with the book); the smallest size if none does (the smoke test then fails)."""
    for pt in CHEAT_SHEET_PT:
        page.add_style_tag(content=f"html:has(body.cheat-sheet-print) {{ font-size: {pt}pt; }}")
        _pdf(page, path)
        if page_count(path) <= pages:
            break
    return pt


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "pdf" / "_build" / "singlehtml")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf")
    args = parser.parse_args(argv)
    # the single page is the root document (chapters/intro.html); index.html only redirects to it
    candidates = [p for p in args.site.rglob("*.html") if p.relative_to(args.site).parts[0] not in ("_static", "_sources", "reports")]
    if not candidates:
        raise SystemExit(f"no single-page build in {args.site}: run `make pdf`")
    index = max(candidates, key=lambda p: p.stat().st_size)
    # Sphinx's singlehtml writes the root document (chapters/intro.html) with links relative to
    # the build's top level (_static/..., _images/...): print a copy placed there.
    rel = "book.html"
    (args.site / rel).write_bytes(index.read_bytes())
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    server, base = serve(args.site)
    started = time.perf_counter()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
            subtitle = "Chinese interview notes, every claim checked by an experiment"
            date = datetime.date.today().isoformat()

            page = _open(browser, f"{base}/{rel}")
            page.add_style_tag(content=_FRONT_CSS)
            chapters = page.evaluate(_FRONT_JS, [title, subtitle, date])
            page.evaluate(_READY_JS)
            book = args.out / "book.pdf"
            _pdf(page, book)
            page.close()

            page = _open(browser, f"{base}/{rel}")
            if not page.evaluate(_CHEAT_JS):
                raise SystemExit("the single-page build has no cheat sheet (label 'cheat-sheet')")
            page.evaluate(_READY_JS)
            sheet = args.out / "cheat_sheet.pdf"
            sheet_pt = _print_within(page, sheet, CHEAT_SHEET_PAGES)
            browser.close()
    finally:
        server.shutdown()
    print(f"{book.relative_to(ROOT) if book.is_relative_to(ROOT) else book}: {page_count(book)} pages, "
          f"{chapters} documents; {sheet.name}: {page_count(sheet)} pages at {sheet_pt} pt "
          f"({time.perf_counter() - started:.0f} s to print)")


if __name__ == "__main__":
    main()
