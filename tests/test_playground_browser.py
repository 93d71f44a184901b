"""The playground end to end in a real browser: Playwright for Python driving Debian's chromium.

No browser can be downloaded here, so the test launches /usr/bin/chromium (``apt-get install chromium``;
``.ci/run`` installs it) through ``executable_path``. The server runs in this process on a loopback port.
It saves a screenshot; with GDLAB_UPDATE_SCREENSHOTS=1 it replaces the README's docs/playground.png.
"""

import os
import threading
import time
from pathlib import Path

import pytest
from required import require

require("starlette")
uvicorn = require("uvicorn")
sync_api = require("playwright.sync_api")

from gdlab.playground import create_app  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
README_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "playground.png"
WAIT_MS = 60_000  # the longest any single wait may take

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def base_url():
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the playground server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def state(page) -> dict:
    return page.evaluate("({...window.gdlabState})")


def wait_epoch(page, condition: str):
    page.wait_for_function(f"window.gdlabState.epoch {condition}", timeout=WAIT_MS)
    return state(page)


def test_play_pause_step_reload_ab_and_screenshot(base_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{base_url}/#dataset=xor&networkShape=4,2&seed=7&learningRate=0.1")
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    start, start_text = state(page), page.inner_text("#loss-train")
    assert start["epoch"] == 0 and start["iteration"] == 0
    assert page.input_value("#dataset") == "xor" and page.inner_text("#layer-count") == "2"

    # play: at least 5 epochs, the loss text changes and the loss falls
    page.click("#play-pause-button")
    played = wait_epoch(page, ">= 5")
    page.wait_for_function(f"document.getElementById('loss-train').textContent !== {start_text!r}", timeout=WAIT_MS)
    played = state(page)
    assert played["trainLoss"] < start["trainLoss"] and played["testLoss"] < start["testLoss"]
    assert played["iteration"] == 25 * played["epoch"]  # 250 training points, batch 10
    assert page.inner_text("#iterations-per-epoch") == "25"

    # pause freezes the epoch
    page.click("#play-pause-button")
    page.wait_for_function("document.getElementById('play-pause-button').textContent === '▶'", timeout=WAIT_MS)
    paused = state(page)["epoch"]
    page.wait_for_timeout(1000)
    assert state(page)["epoch"] == paused
    assert int(page.inner_text("#epoch-number").replace(",", "")) == paused

    # step adds one epoch
    page.click("#step-button")
    wait_epoch(page, f"=== {paused + 1}")
    page.wait_for_timeout(500)
    assert state(page)["epoch"] == paused + 1 and state(page)["iteration"] == 25 * (paused + 1)

    # a setting changed on the page lands in the hash; a reload keeps it and every other setting
    page.fill("#learningRate", "0.3")
    page.dispatch_event("#learningRate", "change")
    page.wait_for_function("location.hash.includes('learningRate=0.3')", timeout=WAIT_MS)
    page.reload()
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    assert page.input_value("#learningRate") == "0.3"
    assert page.input_value("#dataset") == "xor" and page.inner_text("#layer-count") == "2"
    assert "seed=7" in page.evaluate("location.hash") and state(page)["epoch"] == 0

    # A/B: run B (Adam) from the same start; two loss curves and two boundaries
    page.check("#ab-toggle")
    page.wait_for_function("location.hash.includes('b.optimizer=adam')", timeout=WAIT_MS)
    page.wait_for_selector("#heatmap-b", state="visible", timeout=WAIT_MS)
    page.click("#play-pause-button")
    wait_epoch(page, ">= 60")
    page.click("#play-pause-button")
    page.wait_for_function("document.getElementById('play-pause-button').textContent === '▶'", timeout=WAIT_MS)
    final = state(page)["epoch"]  # the pictures show the epoch training stopped at
    page.wait_for_function(f"document.getElementById('caption-a').textContent.endsWith('epoch {final}')",
                           timeout=WAIT_MS)
    assert page.inner_text("#caption-b").endswith(f"epoch {final}")
    assert page.get_attribute("#loss-chart", "data-curves") == "2"
    reds = page.evaluate("""() => {
        const c = document.getElementById('loss-chart'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 110 && d[i + 2] < 110) n++;
        return n; }""")
    assert reds > 50  # run B's curve (red, dashed) is drawn
    assert "run B: adam" in page.inner_text("#caption-b")
    assert not errors, errors
    shot = README_SCREENSHOT if os.environ.get("GDLAB_UPDATE_SCREENSHOTS") == "1" else tmp_path / "playground.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_parabola_lesson_in_the_browser(base_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/")
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    page.click("#tab-lesson")
    page.wait_for_function("document.getElementById('lesson-verdict').textContent.includes('theory')",
                           timeout=WAIT_MS)
    assert "monotone descent" in page.inner_text("#lesson-verdict")  # η = 0.1 < 1/λ
    page.eval_on_selector("#lesson-eta", "el => { el.value = '0.6'; el.dispatchEvent(new Event('input')); }")
    page.wait_for_function("document.getElementById('lesson-verdict').textContent.includes('diverging')",
                           timeout=WAIT_MS)
    assert "diverged" in page.inner_text("#lesson-verdict")
    # fixed axes: oscillating-and-settling (1.65/λ) and diverging (2.48/λ) share the frame; only the walk differs
    lam, frames = page.evaluate("lesson.result.lambda"), []
    for multiple in (1.65, 2.48):
        page.eval_on_selector("#lesson-eta", f"el => {{ el.value = '{multiple / lam}'; el.dispatchEvent(new Event('input')); }}")
        page.wait_for_function(f"lesson.result && Math.abs(lesson.result.etaLambda - {multiple}) < 0.02 "
                               "&& lesson.shown >= lesson.result.w.length", timeout=WAIT_MS)
        frames.append([page.get_attribute(f"#lesson-{c}", "data-axes") for c in ("parabola", "error")])
    assert frames[0] == frames[1] and all(frames[0])
    page.close()


OVERFLOW = """() => [...document.querySelectorAll('body *')].filter((el) => el.offsetParent !== null
    && el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map((el) => el.id || el.tagName)"""


def test_a_phone_gets_one_column_with_nothing_off_screen(base_url, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{base_url}/#dataset=xor&b.optimizer=adam&b.learningRate=0.01")  # A/B: the widest page
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(OVERFLOW) == []
    for sel in ("#play-pause-button", "#step-button", "#heatmap-a", "#heatmap-b", "#network-canvas"):
        box = page.locator(sel).bounding_box()
        assert page.is_visible(sel) and box["x"] >= 0 and box["x"] + box["width"] <= 390, sel
    columns = [page.locator(f"#{c}").bounding_box() for c in ("data-column", "network-column", "output-column")]
    assert columns[0]["y"] < columns[1]["y"] < columns[2]["y"]  # stacked, not side by side
    page.click("#step-button")
    wait_epoch(page, ">= 1")
    page.click("#tab-lesson")
    page.wait_for_function("document.getElementById('lesson-verdict').textContent.includes('theory')", timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 and page.evaluate(OVERFLOW) == []
    page.close()


def test_desktop_layout_epoch_zero_stable_controls_and_slider_marks(base_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base_url}/#dataset=xor&b.optimizer=adam&b.learningRate=0.01")
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    assert page.evaluate(OVERFLOW) == []
    b = page.locator("#heatmap-b").bounding_box()
    assert b["x"] + b["width"] <= 1280 - 20  # heatmap B keeps the page margin
    assert "epoch 0 ·" in page.get_attribute("#loss-chart", "data-caption")
    before = page.locator("#optimizer").bounding_box()
    page.evaluate("document.getElementById('iteration-number').textContent = '1234567';"
                  "document.getElementById('epoch-number').textContent = '123,456'")
    assert page.locator("#optimizer").bounding_box() == before  # the counters do not push the controls
    assert "λ" not in page.inner_text("#controls") + page.inner_text("#b-controls")  # λ is the curvature only
    page.click("#tab-lesson")
    page.wait_for_function("document.getElementById('lesson-verdict').textContent.includes('theory')", timeout=WAIT_MS)
    slider = page.locator("#lesson-eta").bounding_box()
    lam = page.evaluate("lesson.result.lambda")
    for mark, eta in (("#mark-one-step", 1 / lam), ("#mark-divergence", 2 / lam)):
        box = page.locator(mark).bounding_box()
        centre = box["x"] + box["width"] / 2
        expected = slider["x"] + 8 + eta / 0.7 * (slider["width"] - 16)  # where the thumb sits at η
        assert abs(centre - expected) < 2 and slider["y"] < box["y"] < slider["y"] + 40, mark
    page.close()


def test_a_diverging_classifier_is_marked_counted_and_offered_clipnorm(base_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base_url}/#dataset=xor&learningRate=10")
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    assert not page.is_visible("#clipnorm")
    page.click("#play-pause-button")
    page.wait_for_function("document.getElementById('error-box').dataset.kind === 'divergence'", timeout=WAIT_MS)
    epoch = state(page)["epoch"]
    assert epoch >= 1 and f"at epoch {epoch}, more than 5× its start" in page.inner_text("#error-box")
    assert page.is_visible("#clipnorm")  # the message suggests clipnorm=, so the control is there
    assert page.get_attribute("#export-a-playground-toml", "download") == "playground-a.toml"
    page.fill("#clipnorm", "0.5")
    page.dispatch_event("#clipnorm", "change")
    page.wait_for_function("location.hash.includes('clipnorm=0.5')", timeout=WAIT_MS)
    wait_epoch(page, "=== 0")  # new settings: back to epoch 0
    assert page.is_visible("#clipnorm")  # still shown while clipnorm is set
    page.close()
