"""The tutorial notebook, executed headlessly (nbclient) against this checkout, as a reader would run it.

Every code cell runs without error; nothing goes to stderr (which Jupyter styles as an error); the rich
outputs are there: HTML displays (the model, the history, the lab sections, the range test), figures (PNG)
and the live plot (SVG). The executed notebook is rendered to HTML (nbconvert) and photographed in
Debian's chromium (Playwright); with GDLAB_UPDATE_SCREENSHOTS=1 the picture replaces the README's
docs/notebook.png.
"""

import os
import shutil
from pathlib import Path

import pytest
from required import require

nbformat = require("nbformat")
nbclient = require("nbclient")
require("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebooks" / "gradient_descent.ipynb"
README_SCREENSHOT = ROOT / "docs" / "notebook.png"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after a run in a fresh kernel that imports gdlab from this checkout's src/."""
    work = tmp_path_factory.mktemp("notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *([saved] if saved else [])])
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}}).execute()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    return nb, work


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_every_code_cell_ran_and_nothing_went_to_stderr(executed):
    nb, _ = executed
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert [o for o in outputs(nb) if o.output_type == "error" or o.get("name") == "stderr"] == []


def test_the_rich_outputs_are_there(executed):
    nb, _ = executed
    data = [o.get("data", {}) for o in outputs(nb)]
    html = [d["text/html"] for d in data if "text/html" in d]
    assert sum("gdlab-display" in h for h in html) >= 3  # the history, the model, the range test
    assert sum('<section id="linear">' in h for h in html) == 1  # the lab's section, with its claims
    assert sum("Claim 8 — shown" in h for h in html) == 1
    assert sum("image/png" in d for d in data) >= 3 and sum("image/svg+xml" in d for d in data) == 1
    assert all("data:image/png;base64," in h for h in html if "History:" in h)  # figures embedded: no kernel needed
    epochs = [o.text for o in outputs(nb) if o.get("name") == "stdout" and "Epoch 1/3" in o.text]
    assert len(epochs) == 1 and "Epoch 3/3 - 7/7" in epochs[0]  # verbose='auto': one line per epoch, on stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")
def test_the_rendered_notebook_photographed(executed):
    nbconvert = require("nbconvert")
    sync_api = require("playwright.sync_api")
    nb, work = executed
    body, _ = nbconvert.HTMLExporter(template_name="lab").from_notebook_node(nb)
    page_file = work / "gradient_descent.html"
    page_file.write_text(body, encoding="utf-8")
    shot = work / "notebook.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 1500})
        page.goto(page_file.as_uri())
        history = page.locator(".gdlab-display").first
        history.scroll_into_view_if_needed()
        box = history.bounding_box()
        assert box is not None and box["height"] > 200  # the history's figure and table are drawn
        page.screenshot(path=str(shot), clip={"x": 0, "y": max(box["y"] - 420, 0), "width": 1000, "height": 1100},
                        full_page=True)
        browser.close()
    assert shot.stat().st_size > 20_000
    if os.environ.get("GDLAB_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, README_SCREENSHOT)
