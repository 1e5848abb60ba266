"""The local experience, end to end: the chapter in JupyterLab, run, with a live slider.

A copy of the chapter (never the file itself: JupyterLab autosaves outputs
into the notebook it edits) is opened in a JupyterLab started on 127.0.0.1
with a random token and its own config / runtime / data / settings
directories; the venv's share/jupyter (where the ipywidgets lab extension
lives) stays on the path. Chromium runs every cell; then the first ipywidgets
slider is moved with the keyboard and the widget image must be redrawn.

Before running, the markdown must read as it does on the site (jupyterlab-myst:
no raw ``(label)=`` targets or directive fences, solutions folded). After
running, the notebook is saved and reopened, as a reader would the next day:
every explorable must show its static figure (the pre-save hook of
``make lab`` keeps it), never "Error displaying widget", and its static slider
must still change the frame.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lib.explorable import WIDGET_VIEW
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.lab

NOTEBOOK = ROOT / "chapters" / "gradient_descent.ipynb"
#: The options ``make lab`` starts JupyterLab with (read from the Makefile, so they cannot drift).
LAB_OPTIONS = re.search(r"^LAB_OPTIONS\s*:=\s*(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
JUPYTER = Path(sys.prefix) / "bin" / "jupyter"
START_TIMEOUT_S = 60
RUN_TIMEOUT_MS = 90_000

# The notebook panel of our file, from the application JupyterLab exposes as window.jupyterapp.
_PANEL_JS = """name => Array.from(window.jupyterapp.shell.widgets('main'))
  .find(w => w.context && w.context.path && w.context.path.endsWith(name))"""

_KERNEL_IDLE_JS = f"""name => {{
  if (!window.jupyterapp) return false;
  const p = ({_PANEL_JS})(name);
  const k = p && p.sessionContext && p.sessionContext.session && p.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}}"""

_ALL_RUN_JS = f"""name => {{
  const p = ({_PANEL_JS})(name);
  const k = p.sessionContext.session && p.sessionContext.session.kernel;
  const cells = Array.from(p.content.widgets).filter(c => c.model.type === 'code');
  const failed = cells.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));  // run-all stops there
  return !!k && k.status === 'idle' && (failed || cells.every(c => c.model.executionCount !== null));
}}"""

_ERROR_OUTPUTS_JS = f"""name => {{
  const p = ({_PANEL_JS})(name);
  const bad = [];
  Array.from(p.content.widgets).forEach((c, i) => {{
    if (c.model.type !== 'code') return;
    for (const o of c.model.outputs.toJSON()) {{
      if (o.output_type === 'error') bad.push(`cell ${{i}}: ${{o.ename}}: ${{o.evalue}}`);
      if (o.output_type === 'stream' && o.name === 'stderr') bad.push(`cell ${{i}} stderr: ${{[].concat(o.text).join('').slice(0, 300)}}`);
    }}
  }});
  return bad;
}}"""


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, token: str, method: str = "GET", timeout: float = 2.0) -> int | None:
    """HTTP status of ``url`` (None when nothing answers), authenticated with ``token``."""
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    try:
        with _NO_PROXY.open(req, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.close()
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def _tail(log: Path, n: int = 40) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(lines[-n:])


def _check_markdown_reads_like_the_site(page) -> None:
    """jupyterlab-myst renders the chapter's MyST: no raw targets, fences or roles; solutions folded."""
    rendered = page.locator(".jp-MarkdownCell .myst")  # jupyterlab-myst's rendering (the editor holds the source)
    rendered.first.wait_for(state="attached", timeout=30_000)
    text = "\n".join(rendered.evaluate_all("cs => cs.map(c => c.textContent)"))
    raw = [m for m in ("(chapter-gradient-descent)=", "```{", ":class: dropdown", "{eq}`", "{cite", "{doc}`") if m in text]
    assert not raw, f"markdown shows raw MyST markup: {raw}"
    assert "Running this notebook" in text, "the run-all note is not shown in JupyterLab"


def _save_and_reopen(page, name: str, base: str, token: str) -> None:
    """Save the notebook, close JupyterLab's page and open the notebook again."""
    page.evaluate(f"""name => {{ const p = ({_PANEL_JS})(name); jupyterapp.shell.activateById(p.id);
        return jupyterapp.commands.execute('docmanager:save'); }}""", name)
    page.wait_for_function(f"name => {{ const p = ({_PANEL_JS})(name); return p && !p.context.model.dirty; }}",
                           arg=name, timeout=30_000)
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset")
    page.wait_for_function(f"name => window.jupyterapp && !!({_PANEL_JS})(name)", arg=name, timeout=RUN_TIMEOUT_MS)


def test_chapter_runs_in_jupyterlab_and_slider_redraws(browser, tmp_path):
    work = tmp_path / "notebooks"
    work.mkdir()
    # the chapter's siblings (data, images) come along so relative paths keep working
    for f in NOTEBOOK.parent.iterdir():
        if f.is_file() and (f == NOTEBOOK or f.suffix != ".ipynb"):
            shutil.copy2(f, work / f.name)
    name = NOTEBOOK.name

    home = tmp_path / "jupyter"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),  # sys.prefix/share/jupyter (labextensions, kernels) stays on the path
        "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop("PYTHONWARNINGS", None)  # the kernel shows warnings as a reader's would
    port, token = free_port(), secrets.token_hex(24)
    base = f"http://127.0.0.1:{port}"
    cmd = [
        str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
        # nothing that reaches for the internet: news feed, update check, PyPI extension manager
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        *LAB_OPTIONS,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    console: list[str] = []
    t0 = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        context = None
        try:
            # ---------------------------------------------------------------- server up
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{_tail(log_path)}")
                if _get(f"{base}/api/status", token) == 200:
                    break
                if time.monotonic() - t0 > START_TIMEOUT_S:
                    pytest.fail(f"JupyterLab did not answer /api/status within {START_TIMEOUT_S} s:\n{_tail(log_path)}")
                time.sleep(0.25)

            # ---------------------------------------------------------------- open, run all
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(RUN_TIMEOUT_MS)
            page = context.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(f"{base}/lab/tree/{name}?token={token}")
            page.wait_for_function(_KERNEL_IDLE_JS, arg=name, timeout=RUN_TIMEOUT_MS)
            _check_markdown_reads_like_the_site(page)
            page.evaluate(
                f"""name => {{ const p = ({_PANEL_JS})(name); jupyterapp.shell.activateById(p.id);
                    return jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }}""", name)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            try:
                page.wait_for_function(_ALL_RUN_JS, arg=name, timeout=RUN_TIMEOUT_MS, polling=250)
            except Exception as exc:
                pytest.fail(f"the notebook did not finish running: {exc}\nbrowser errors: {console}\n{_tail(log_path)}")

            errors = page.evaluate(_ERROR_OUTPUTS_JS, name)
            stderr_views = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            assert not errors and stderr_views.count() == 0, (
                f"cells wrote errors or stderr: {errors or stderr_views.all_inner_texts()}")

            # ---------------------------------------------------------------- the live widget
            # an explorable's widget: VBox([HBox(controls), Image]); take the first one with a slider
            explorable = page.locator(".widget-vbox:has(> .widget-hbox .widget-slider):has(> img.widget-image)").first
            handle = explorable.locator(".widget-slider .noUi-handle").first
            image = explorable.locator(":scope > img.widget-image")
            try:
                handle.wait_for(state="visible", timeout=30_000)
                image.wait_for(state="visible", timeout=30_000)
            except Exception:
                outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
                pytest.fail(f"no ipywidgets slider and image appeared (is the widgets lab extension loaded?); "
                            f"outputs: {[o[:200] for o in outputs]}; browser errors: {console}")
            readout = explorable.locator(".widget-slider .widget-readout").first
            page.wait_for_function("el => el.textContent.trim() !== ''", arg=readout.element_handle(), timeout=10_000)
            before_src, before_label = image.get_attribute("src"), readout.text_content().strip()
            assert before_src and before_src.startswith("blob:"), f"widget image src is {before_src!r}"

            handle.scroll_into_view_if_needed()
            handle.focus()
            at_end = handle.evaluate("h => h.getAttribute('aria-valuenow') !== null && "
                                     "Number(h.getAttribute('aria-valuenow')) >= Number(h.getAttribute('aria-valuemax'))")
            for _ in range(3):
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            page.wait_for_function("([img, old]) => img.src !== old && img.complete",
                                   arg=[image.element_handle(), before_src], timeout=15_000)
            after_label = readout.text_content().strip()
            assert after_label != before_label, f"slider readout stayed at {before_label!r}"
            assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0, "the redrawn image does not decode"
            errors = page.evaluate(_ERROR_OUTPUTS_JS, name)
            assert not errors, f"moving the slider wrote errors: {errors}"

            # ---------------------------------------------------------------- save, reopen
            _save_and_reopen(page, name, base, token)
            saved = json.loads((work / name).read_text())
            views = [c for c in saved["cells"] for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
            assert not views, f"{len(views)} saved outputs still hold a widget view"
            broken = page.get_by_text(re.compile("Error displaying widget|model not found")).count()
            assert broken == 0, "the reopened notebook shows 'Error displaying widget'"
            frames = page.locator(".jp-OutputArea-output img.explorable-frame")
            frames.first.wait_for(state="visible", timeout=30_000)
            static = page.locator(".jp-OutputArea-output .explorable").filter(has=page.locator('input[type="range"]')).first
            before = static.locator("img.explorable-frame").get_attribute("data-key")
            rng = static.locator('input[type="range"]').first
            rng.scroll_into_view_if_needed()
            rng.focus()
            page.keyboard.press("End")
            # the static explorable keeps its default frame and draws the new frame's patch over it
            page.wait_for_function(
                """([r, old]) => { const key = r.querySelector('img.explorable-frame').getAttribute('data-key'),
                   cv = r.querySelector('canvas.explorable-patch');
                   return key !== old && !cv.hidden && cv.getAttribute('data-key') === key; }""",
                arg=[static.element_handle(), before], timeout=10_000)
            if os.environ.get("DLBOOK_LAB_SCREENSHOT"):  # for the README: the reopened notebook
                static.scroll_into_view_if_needed()
                page.screenshot(path=os.environ["DLBOOK_LAB_SCREENSHOT"])
        finally:
            if context is not None:
                context.close()
            if proc.poll() is None:
                _get(f"{base}/api/shutdown", token, method="POST", timeout=10)  # stops the kernels too
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.terminate()
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
    print(f"JupyterLab test took {time.monotonic() - t0:.1f} s; slider {before_label!r} -> {after_label!r}")
