"""Sphinx extension: make the built site work with no network.

* MathJax 3 is served from the site itself: the files come from the PyPI
  package ``sphinx-mathjax-offline`` (whose own import name is broken, so we
  only take its files) and are copied to ``_static/mathjax``.
* The root ``index.html`` redirect (written by sphinx-external-toc without an
  icon link, so browsers ask for ``/favicon.ico`` and log a 404) is written
  here instead, with the site's icon.
* sphinx-thebe's script is dropped: the book has no live-code launcher, and
  the script declares ``THEBE_JS_URL`` a second time on every page, which
  Chromium reports as a console error.
"""
from __future__ import annotations

import shutil
from importlib.metadata import distribution
from pathlib import Path

MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions")


def mathjax_dir() -> Path:
    files = distribution("sphinx-mathjax-offline").files
    core = next(f for f in files if f.name == "tex-chtml.js")
    return Path(core.locate()).parent


def copy_mathjax(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    src, dst = mathjax_dir(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, dst / part, dirs_exist_ok=True)
        else:
            (dst / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / part, dst / part)


def is_thebe(script) -> bool:
    text = f"{getattr(script, 'filename', script)} {getattr(script, 'attributes', {}).get('body', '')}"
    return "thebe" in text.lower()


def drop_thebe(app, env, docnames) -> None:
    scripts = getattr(app.builder, "script_files", None)
    if scripts is not None:
        scripts[:] = [s for s in scripts if not is_thebe(s)]
    app.registry.js_files = [(f, a) for f, a in app.registry.js_files if "thebe" not in f"{f} {a}".lower()]


def write_root_redirect(app, exc) -> None:
    """``index.html`` at the site root: a redirect to the root document that links the favicon."""
    if exc is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    target = app.builder.get_target_uri(app.config.root_doc)
    favicon = app.config.html_favicon
    icon = f'<link rel="icon" href="_static/{Path(favicon).name}">' if favicon else ""
    (Path(app.outdir) / "index.html").write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{app.config.html_title}</title>'
        f'{icon}<meta http-equiv="refresh" content="0; url={target}"></head>'
        f'<body><a href="{target}">{target}</a></body></html>\n',
        encoding="utf-8",
    )


def setup(app):
    app.config.mathjax_path = "mathjax/tex-chtml.js"
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", write_root_redirect, priority=400)  # before sphinx-external-toc's
    app.connect("env-before-read-docs", drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
