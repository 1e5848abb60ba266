"""Performance budgets of the book: ``python -m tests.bench`` (or ``make bench``) from the repo root.

Three tables, each row marked OK or OVER its budget:

* every explorable of every chapter figure module (``lib.figures.*``, each with
  ``EXPLORABLES: dict[name -> zero-arg factory]``): redraw latency p50 / p95 from
  :meth:`Explorable.redraw_latency`, frame count, KB of its static HTML;
* every notebook in ``chapters/``: execution time with nbclient (kernel
  ``python3``, working directory ``chapters/``);
* every chapter page of the built site and ``index.html``: weight in KB (the
  HTML plus the local images it references; inline ``data:`` images are part of
  the HTML).

Results also go to ``bench/results.json``. Exits 1 if any row is over budget
or failed. 1 KB = 1000 bytes, 1 MB = 1000 KB.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import pkgutil
import sys
import time
import traceback
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np

from tests.conftest import frame_files, NOTEBOOK_BUDGET_S, PAGE_BUDGET_BYTES, REDRAW_P50_BUDGET_MS, REDRAW_P95_BUDGET_MS, ROOT, SITE

OK, OVER, ERROR = "OK", "OVER", "ERROR"


def _status(ok: bool) -> str:
    return OK if ok else OVER


# --------------------------------------------------------------------------- explorables
def bench_explorables(package: str = "lib.figures", repeats: int = 40) -> tuple[list[dict], str | None]:
    """One row per explorable; the note says why there are none, if so."""
    try:
        pkg = importlib.import_module(package)
    except ModuleNotFoundError as exc:
        if exc.name and package.startswith(exc.name):
            return [], f"{package} does not exist yet: no explorables to time"
        raise
    rows = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module_name = f"{package}.{info.name}"
        try:
            module = importlib.import_module(module_name)
            factories = dict(getattr(module, "EXPLORABLES", {}))
        except Exception as exc:  # a broken figure module is a failed row, not a crash
            rows.append({"module": module_name, "name": "(import)", "status": ERROR, "error": _error(exc)})
            continue
        for name, factory in factories.items():
            row = {"module": module_name, "name": name}
            try:
                t0 = time.perf_counter()
                explorable = factory()
                row["build_s"] = time.perf_counter() - t0
                ms = np.asarray(explorable.redraw_latency(repeats=repeats)) * 1e3
                row["p50_ms"], row["p95_ms"] = float(np.percentile(ms, 50)), float(np.percentile(ms, 95))
                row["frames"] = int(explorable.n_frames)
                t0 = time.perf_counter()
                html = explorable.to_html()
                row["html_s"] = time.perf_counter() - t0
                row["html_kb"] = len(html.encode("utf-8")) / 1e3
                row["status"] = _status(row["p50_ms"] <= REDRAW_P50_BUDGET_MS and row["p95_ms"] <= REDRAW_P95_BUDGET_MS)
            except Exception as exc:
                row.update(status=ERROR, error=_error(exc))
            rows.append(row)
    return rows, None if rows else f"no module of {package} exposes EXPLORABLES"


# --------------------------------------------------------------------------- notebooks
def bench_notebooks(chapters: Path = ROOT / "chapters", timeout: int = 600) -> list[dict]:
    import nbformat
    from nbclient import NotebookClient

    rows = []
    for path in sorted(chapters.glob("*.ipynb")):
        row = {"notebook": path.relative_to(ROOT).as_posix()}
        try:
            nb = nbformat.read(path, as_version=4)  # executed in memory, never written back
            client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                                    resources={"metadata": {"path": str(chapters)}})
            t0 = time.perf_counter()
            client.execute()
            row["seconds"] = time.perf_counter() - t0
            row["status"] = _status(row["seconds"] <= NOTEBOOK_BUDGET_S)
        except Exception as exc:
            row.update(status=ERROR, error=_error(exc))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- pages
class _Images(HTMLParser):
    """Local image URLs an HTML page references, and its meta refresh target."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.refresh: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        candidates = []
        if tag in ("img", "input") and a.get("src"):
            candidates.append(a["src"])
        if tag in ("img", "source") and a.get("srcset"):
            candidates += [part.strip().split()[0] for part in a["srcset"].split(",") if part.strip()]
        if tag == "image":
            candidates.append(a.get("href") or a.get("xlink:href") or "")
        if tag == "video" and a.get("poster"):
            candidates.append(a["poster"])
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.refresh = (a.get("content") or "").partition("url=")[2].strip() or None
        self.urls += [u for u in candidates if u and not urlsplit(u).scheme and not u.startswith("//")]


def page_weight(page: Path, site: Path = SITE) -> dict:
    parser = _Images()
    html_bytes = page.stat().st_size
    parser.feed(page.read_text(encoding="utf-8"))
    image_bytes, missing = 0, []
    for url in dict.fromkeys(parser.urls):
        target = (page.parent / unquote(urlsplit(url).path)).resolve()
        if target.is_file() and target.is_relative_to(site.resolve()):
            image_bytes += target.stat().st_size
        else:
            missing.append(url)
    weight = html_bytes + image_bytes
    frames = frame_files(page)
    frame_bytes = sum(f.stat().st_size for f in frames if f.is_file())
    missing += [f.name for f in frames if not f.is_file()]
    row = {"page": page.relative_to(site).as_posix(), "html_kb": html_bytes / 1e3, "images": len(set(parser.urls)),
           "image_kb": image_bytes / 1e3, "kb": weight / 1e3, "frames_kb": frame_bytes / 1e3,
           "all_kb": (weight + frame_bytes) / 1e3, "status": _status(weight + frame_bytes <= PAGE_BUDGET_BYTES)}
    if parser.refresh:
        row["redirect"] = parser.refresh
    if missing:
        row.update(status=ERROR, error=f"missing images: {missing}")
    return row


def bench_pages(site: Path = SITE) -> tuple[list[dict], str | None]:
    if not (site / "index.html").is_file():
        return [{"page": "index.html", "status": ERROR, "error": f"{site} is not built: run `make book` first"}], None
    pages = [site / "index.html", *sorted((site / "chapters").glob("*.html"))]
    return [page_weight(p, site) for p in pages], None


# --------------------------------------------------------------------------- report
def _error(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:300]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) if i and c[:1].isdigit() else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def report(results: dict) -> str:
    out = []
    ex = results["explorables"]
    out.append(f"Explorables: redraw latency (budget p50 <= {REDRAW_P50_BUDGET_MS:g} ms, p95 <= {REDRAW_P95_BUDGET_MS:g} ms)")
    if ex.get("note"):
        out.append(f"  ({ex['note']})")
    if ex["rows"]:
        out.append(_table(
            ["module", "explorable", "p50 ms", "p95 ms", "frames", "HTML KB", "status"],
            [[r["module"], r["name"], *(f"{r[k]:.1f}" if k in r else "-" for k in ("p50_ms", "p95_ms")),
              str(r.get("frames", "-")), f"{r['html_kb']:.0f}" if "html_kb" in r else "-",
              r["status"] + (f"  {r['error']}" if "error" in r else "")] for r in ex["rows"]]))
    nbs = results["notebooks"]
    out.append(f"\nNotebooks: execution time with nbclient (budget <= {NOTEBOOK_BUDGET_S:g} s)")
    if nbs.get("note"):
        out.append(f"  ({nbs['note']})")
    if nbs["rows"]:
        out.append(_table(["notebook", "seconds", "status"],
                          [[r["notebook"], f"{r['seconds']:.1f}" if "seconds" in r else "-",
                            r["status"] + (f"  {r['error']}" if "error" in r else "")] for r in nbs["rows"]]))
    pages = results["pages"]
    out.append(f"\nPages: HTML + local images on load; frames: the explorables' frame files (default frame + patches), "
               f"fetched as each figure nears the viewport; all: the two together (budget <= {PAGE_BUDGET_BYTES / 1e3:.0f} KB)")
    if pages.get("note"):
        out.append(f"  ({pages['note']})")
    if pages["rows"]:
        out.append(_table(["page", "HTML KB", "images", "image KB", "total KB", "frames KB", "all KB", "status"],
                          [[r["page"] + (f" (-> {r['redirect']})" if "redirect" in r else ""),
                            *(f"{r[k]:.0f}" if k in r else "-" for k in ("html_kb",)), str(r.get("images", "-")),
                            *(f"{r[k]:.0f}" if k in r else "-" for k in ("image_kb", "kb", "frames_kb", "all_kb")),
                            r["status"] + (f"  {r['error']}" if "error" in r else "")] for r in pages["rows"]]))
    bad = [r for part in ("explorables", "notebooks", "pages") for r in results[part]["rows"] if r["status"] != OK]
    out.append(f"\n{'ALL OK' if not bad else f'{len(bad)} row(s) OVER budget or failed'}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["explorables", "notebooks", "pages"], action="append",
                        help="run only these parts (repeatable); default: all three")
    parser.add_argument("--repeats", type=int, default=40, help="redraws timed per explorable (default 40)")
    parser.add_argument("--package", default="lib.figures", help="package of chapter figure modules")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    parts = set(args.only or ["explorables", "notebooks", "pages"])

    results = {"budgets": {"redraw_p50_ms": REDRAW_P50_BUDGET_MS, "redraw_p95_ms": REDRAW_P95_BUDGET_MS,
                           "notebook_s": NOTEBOOK_BUDGET_S, "page_bytes": PAGE_BUDGET_BYTES}}
    skipped = {"rows": [], "note": "not run (--only)"}
    if "explorables" in parts:
        rows, note = bench_explorables(args.package, args.repeats)
        results["explorables"] = {"rows": rows, "note": note}
    else:
        results["explorables"] = skipped
    results["notebooks"] = {"rows": bench_notebooks(), "note": None} if "notebooks" in parts else skipped
    if "pages" in parts:
        rows, note = bench_pages()
        results["pages"] = {"rows": rows, "note": note}
    else:
        results["pages"] = skipped
    ok = all(r["status"] == OK for part in ("explorables", "notebooks", "pages") for r in results[part]["rows"])
    results["ok"] = ok

    print(report(results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"(results written to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
