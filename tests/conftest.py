"""Shared fixtures: the repository, the built site served locally, and a headless chromium.

The browser tests (``-m browser``) and the JupyterLab test (``-m lab``) drive
Debian's ``/usr/bin/chromium`` through Playwright's sync API; Playwright's own
browser download is never used. The site tests need ``_build/html``: ``make test``
builds it first, and a missing build is a failure, not a skip.
"""
from __future__ import annotations

import functools
import os
import re
import json
import http.server
import socket
import threading
from pathlib import Path
from urllib.parse import unquote

import pytest

#: Repository root (the directory holding ``_config.yml``).
ROOT = Path(__file__).resolve().parents[1]
#: Where ``jupyter-book build .`` writes the static site (``DLBOOK_SITE`` points the tests at another build).
SITE = Path(os.environ.get("DLBOOK_SITE") or ROOT / "_build" / "html").resolve()
#: The browser every test drives.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Budgets shared by the tests and ``python -m tests.bench`` (1 KB = 1000 bytes).
PAGE_BUDGET_BYTES = 3_000_000
REDRAW_P50_BUDGET_MS = 50.0
REDRAW_P95_BUDGET_MS = 100.0
NOTEBOOK_BUDGET_S = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_pages(site: Path = SITE) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root (theme templates in _static excluded)."""
    if not site.is_dir():
        return []
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources", "_images")
    )

_EXPLORABLE_DATA = re.compile(r'<script type="application/json" class="explorable-data">(.*?)</script>', re.S)


def frame_files(page: Path) -> list[Path]:
    """The frame files a built page's explorables fetch when they near the viewport (``_ext/reader.py``)."""
    srcs = [json.loads(m.group(1).replace("<\\/", "</")).get("src") for m in _EXPLORABLE_DATA.finditer(page.read_text(encoding="utf-8"))]
    return [(page.parent / unquote(src)).resolve() for src in srcs if src]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; fails (never skips) when it was not built."""
    if not (SITE / "index.html").is_file() or not site_pages():
        pytest.fail(
            f"the site is not built: {SITE / 'index.html'} is missing. "
            "Build it first with `make book` (or `make test`, which builds it), i.e. "
            "`.venv/bin/jupyter-book build . --warningiserror --nitpick --keep-going`.",
            pytrace=False,
        )
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="session")
def server(site: Path):
    """``http://127.0.0.1:PORT`` serving the built site from a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium, driven by Playwright's sync API."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()
