"""The playground widget in a real JupyterLab, driven by Playwright on Debian's chromium.

The test starts ``jupyter lab`` (this venv's, on a free loopback port, with a token, every Jupyter folder in
a temporary one) on a one-cell notebook that shows ``widget(...)``, runs the cell, plays the widget inside its
iframe, checks the epoch counter and the heatmap, downloads an export and reads it, opens the lesson, and
saves a screenshot; with GDLAB_UPDATE_SCREENSHOTS=1 it replaces the README's docs/playground-widget.png.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from required import require

require("anywidget")
require("jupyterlab")
sync_api = require("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
SRC = Path(__file__).resolve().parents[1] / "src"
README_SCREENSHOT = SRC.parent / "docs" / "playground-widget.png"
WAIT_MS = 60_000  # the longest any single wait may take
CELL = ('from gdlab.playground import widget\n'
        'w = widget(dataset="xor", networkShape=[4, 2], seed=7, learningRate=0.1)\n'
        'w')

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(URL of the notebook with its token) for a JupyterLab serving a folder with widget.ipynb."""
    root = tmp_path_factory.mktemp("lab")
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "widget", "metadata": {},
                           "outputs": [], "source": CELL}],
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                "nbformat": 4, "nbformat_minor": 5}
    (root / "widget.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    news = root / ".jupyter" / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')  # no "news?" question
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           **{name: str(root / ".jupyter" / name.lower()) for name in
              ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_SETTINGS_DIR",
                           "IPYTHONDIR")}}
    log = (root / "lab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI runs as root
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"jupyter lab exited: {(root / 'lab.log').read_text()[-2000:]}"
            assert time.monotonic() < deadline, "jupyter lab did not answer in 60 s"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/lab/tree/widget.ipynb?token={token}&reset"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _run_the_cell(page):
    """Runs the notebook's cell once its kernel is connected; returns the widget's iframe. A run asked for
    while JupyterLab still connects the kernel can be dropped, so it asks again until the cell has run."""
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=WAIT_MS)
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        page.wait_for_selector(".jp-StatusBar-Widget:has-text('| Idle')", timeout=WAIT_MS)  # the kernel is up
        page.click(".jp-Notebook .jp-Cell .jp-InputPrompt")
        page.click("[data-command='notebook:run-cell-and-select-next']")
        try:
            return page.wait_for_selector("iframe[title='gdlab playground']", timeout=5_000)
        except sync_api.TimeoutError:
            if "[ ]" not in page.inner_text(".jp-Notebook .jp-Cell .jp-InputPrompt"):
                return page.wait_for_selector("iframe[title='gdlab playground']", timeout=WAIT_MS)
    raise AssertionError(f"the cell did not run in {WAIT_MS / 1000} s")


def _tidy_for_the_picture(page):
    """The notebook scrolled to its top, without JupyterLab's file browser."""
    page.click(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")  # folds the file browser away
    page.evaluate("document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollTop = 0")
    page.wait_for_timeout(300)


def test_the_widget_plays_paints_and_exports_in_jupyterlab(lab, tmp_path):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            errors = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(lab)
            frame_element = _run_the_cell(page)
            frame = frame_element.content_frame()
            frame.wait_for_function("window.gdlabState && window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
            assert frame.input_value("#dataset") == "xor" and frame.inner_text("#layer-count") == "2"
            start = frame.evaluate("({...window.gdlabState})")
            assert start["epoch"] == 0

            frame.click("#play-pause-button")
            frame.wait_for_function("window.gdlabState.epoch >= 8", timeout=WAIT_MS)
            frame.click("#play-pause-button")
            frame.wait_for_function("document.getElementById('play-pause-button').textContent === '▶'",
                                    timeout=WAIT_MS)
            epoch = frame.evaluate("window.gdlabState.epoch")
            frame.wait_for_function(f"document.getElementById('caption-a').textContent.endsWith('epoch {epoch}')",
                                    timeout=WAIT_MS)
            assert int(frame.inner_text("#epoch-number").replace(",", "")) == epoch
            assert frame.evaluate("window.gdlabState.trainLoss") < start["trainLoss"]
            colours = frame.evaluate("""() => {
                const c = document.getElementById('heatmap-a'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let orange = 0, blue = 0;
                for (let i = 0; i < d.length; i += 4) { if (d[i] > 200 && d[i + 2] < 120) orange++; if (d[i + 2] > 180 && d[i] < 120) blue++; }
                return [orange, blue]; }""")
            assert min(colours) > 200, colours  # xor learned: both classes' regions are painted

            with page.expect_download(timeout=WAIT_MS) as download:
                frame.click("#export-a-playground-toml")
            assert download.value.suggested_filename == "playground-a.toml"
            toml = Path(download.value.path()).read_text(encoding="utf-8")
            assert re.search(rf"^epochs = {epoch}$", toml, re.M), toml
            assert 'csv = "playground.csv"' in toml

            frame.click("#tab-lesson")  # the lesson's requests travel the same way
            frame.wait_for_function("document.getElementById('lesson-verdict').textContent.includes('theory')",
                                    timeout=WAIT_MS)
            assert "monotone descent" in frame.inner_text("#lesson-verdict")  # η = 0.1 < 1/λ
            frame.click("#tab-network")

            _tidy_for_the_picture(page)
            shot = README_SCREENSHOT if os.environ.get("GDLAB_UPDATE_SCREENSHOTS") == "1" else tmp_path / "w.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            assert not errors, errors
        finally:
            browser.close()
