"""Sphinx extension: the book-wide pages (glossary, claims audit, cheat sheet) and the print view.

* **The glossary is written from its YAML.** Before the sources are read (``builder-inited``),
  ``chapters/glossary.md`` is rewritten from ``chapters/glossary.yml`` by
  :func:`lib.claims.write_glossary` when its content changed, so the page, its ``{term}`` targets
  and its general-index entries always match the one source.
* **A ``{zh}`` role** marks Chinese inside constructs that take plain inline text, such as a
  glossary term: ``{zh}`梯度下降``` is ``<span lang="zh">梯度下降</span>`` in HTML and plain text
  everywhere else (the index, the term's anchor, LaTeX).
* **The general index marks its Chinese entries** (``<span lang="zh">``, for screen readers and
  the browser's font choice): the page comes from Sphinx's template, so it is rewritten after the
  build (``build-finished``).
* **Print.** ``print.css`` (in ``_ext/static``, loaded for every page) lays the pages out for
  paper: no sidebars or buttons, explorables at their default frame with their controls hidden and
  a note that the live version is on the site or in JupyterLab, exercise solutions open.
  ``_ext/pdf.py`` prints the single-page build with chromium (``make pdf``).
"""
from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

STATIC = Path(__file__).parent / "static"


class zh_text(nodes.Inline, nodes.TextElement):
    """Inline Chinese text."""


def visit_zh_html(self, node):
    self.body.append('<span lang="zh">')


def depart_zh_html(self, node):
    self.body.append("</span>")


def _skip(self, node):
    pass


def zh_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [zh_text(rawtext, text)], []


def write_glossary(app) -> None:
    from lib.claims import write_glossary as write

    write(Path(app.srcdir))


_CJK_RUN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")
_TEXT = re.compile(r">([^<>]+)<")


def mark_chinese(html: str) -> str:
    """Wrap every run of Chinese characters in the text of ``<body>`` in ``<span lang="zh">``."""
    head, sep, body = html.partition("<body")
    if not sep:
        return html
    return head + sep + _TEXT.sub(lambda m: ">" + _CJK_RUN.sub(r'<span lang="zh">\g<0></span>', m.group(1)) + "<", body)


def mark_genindex(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    page = Path(app.outdir) / "genindex.html"
    if page.exists():
        text = page.read_text(encoding="utf-8")
        new = mark_chinese(text)
        if new != text:
            page.write_text(new, encoding="utf-8")


def add_static(app, config) -> None:
    if str(STATIC) not in [str(p) for p in config.html_static_path]:
        config.html_static_path.append(str(STATIC))


def setup(app):
    app.add_node(zh_text, html=(visit_zh_html, depart_zh_html), latex=(_skip, _skip),
                 text=(_skip, _skip), man=(_skip, _skip), texinfo=(_skip, _skip))
    app.add_role("zh", zh_role)
    app.connect("builder-inited", write_glossary)
    app.connect("config-inited", add_static)
    app.connect("build-finished", mark_genindex)
    app.add_css_file("bookpages.css")
    app.add_css_file("print.css", media="print")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
