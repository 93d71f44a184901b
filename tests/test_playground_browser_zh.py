"""The playground in Simplified Chinese in a real browser (Debian's chromium through Playwright): every control,
canvas label and the Lesson tab in Chinese, nothing wider than the window or its column at 1280×800, the
embedded CJK font in use, and the language switch keeping the settings. With GDLAB_UPDATE_SCREENSHOTS=1 it
replaces docs/playground-zh-CN.png and docs/playground-lesson-zh-CN.png.
"""

import os
from pathlib import Path

import pytest
from required import require

require("starlette")
require("uvicorn")
require("playwright.sync_api")

from test_playground_browser import CHROMIUM, OVERFLOW, WAIT_MS, base_url, browser, state, wait_epoch  # noqa: E402,F401

DOCS = Path(__file__).resolve().parents[1] / "docs"
UPDATE = os.environ.get("GDLAB_UPDATE_SCREENSHOTS") == "1"
#: every string drawn on a canvas, in order (window.drawnText)
RECORD_CANVAS_TEXT = """window.drawnText = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  window.drawnText.push(String(text)); return fillText.call(this, text, ...rest); };"""
#: visible elements of a column that reach past its right edge
PAST_COLUMN = """(id) => { const col = document.getElementById(id), right = col.getBoundingClientRect().right;
  return [...col.querySelectorAll('*')].filter((el) => el.offsetParent !== null
    && el.getBoundingClientRect().right > right + 0.5).map((el) => el.id || el.tagName); }"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")


def shot(page, name, tmp_path):
    path = DOCS / name if UPDATE else tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_the_chinese_page_and_lesson_fit_1280_and_speak_chinese(base_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.add_init_script(RECORD_CANVAS_TEXT)
    page.goto(f"{base_url}/?lang=zh-CN#dataset=xor&networkShape=4,2&seed=7&learningRate=0.1")
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.lang") == "zh-CN" and page.title() == "gdlab 游乐场"
    controls = page.inner_text("#controls")
    for words in ("优化器", "学习率 η", "学习率调度", "激活函数", "权重衰减 wd", "问题类型", "轮次"):
        assert words in controls, words
    assert page.inner_text("#iteration-line") == "迭代 0 · 轮次 0 · 每个轮次 25 次迭代"
    data = page.inner_text("#data-column")
    for words in ("数据集", "训练数据：50%", "噪声：0", "批大小：10", "小批量梯度下降", "抽样方式", "随机种子", "重新生成数据"):
        assert words in data, words
    selected = "(el) => el.selectedOptions[0].textContent"
    assert [page.eval_on_selector(s, selected) for s in ("#dataset", "#problem", "#sampling", "#schedule")] == \
        ["异或", "分类", "无放回", "无"]
    assert page.get_attribute("#step-button", "title") == "再训练一个轮次"
    assert page.get_attribute("label:has(#regularizationRate)", "title") == "权重衰减（wd）；“课程”页上的 λ 指曲率"
    assert page.inner_text("#network-column h2").startswith("特征 · 2 个隐藏层")
    assert page.inner_text("#export-a-playground-zip") == "运行 A：全部（zip）"
    assert page.evaluate("""document.fonts.check('12px "gdlab CJK"', '学习率')""")

    page.click("#play-pause-button")
    wait_epoch(page, ">= 5")
    page.click("#play-pause-button")
    page.wait_for_function("document.getElementById('play-pause-button').textContent === '▶'", timeout=WAIT_MS)
    epoch = state(page)["epoch"]
    page.wait_for_function(f"document.getElementById('caption-a').textContent.endsWith('轮次 {epoch}')", timeout=WAIT_MS)
    assert page.inner_text("#caption-a") == f"运行 A：sgd（keras），η = 0.1 · 轮次 {epoch}"
    caption = page.get_attribute("#loss-chart", "data-caption")
    assert caption.startswith("最大 ") and f" · 轮次 {epoch} · 深色：训练，浅色：测试" in caption
    assert caption in page.evaluate("window.drawnText")  # the chart's label is drawn in Chinese

    assert page.evaluate("document.documentElement.scrollWidth") <= 1280 and page.evaluate(OVERFLOW) == []
    for column in ("data-column", "network-column", "output-column"):
        assert page.evaluate(PAST_COLUMN, column) == [], column
    for label in page.locator("#controls > label").all():  # a control's words fit over its input
        assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1", label.element_handle())
    shot(page, "playground-zh-CN.png", tmp_path)

    page.click("#tab-lesson")
    page.wait_for_function("document.getElementById('lesson-verdict').textContent.includes('理论预测')",
                           timeout=WAIT_MS)
    page.wait_for_function("lesson.shown >= lesson.result.w.length", timeout=WAIT_MS)
    text = page.inner_text(".lesson p")
    assert text.startswith("房价 y = w·x：只有一个权重") and "批量梯度下降每一步把 w − w* 乘以因子 1 − η·λ" in text
    verdict = page.inner_text("#lesson-verdict")
    assert "理论预测：单调下降" in verdict and "gdlab 实际运行：收敛了" in verdict  # η = 0.1 < 1/λ
    assert "步数" in page.inner_text(".lesson-controls") and page.inner_text("#lesson-play") == "▶ 演示"
    drawn = page.evaluate("window.drawnText")
    for label in ("迭代 k", "|w − w*|（对数坐标）", "房价 y（10 万）", "面积 x（100 m²）", "第 30 步：w = "):
        assert any(d.startswith(label) for d in drawn), label
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280 and page.evaluate(OVERFLOW) == []
    shot(page, "playground-lesson-zh-CN.png", tmp_path)

    # the switch: English, the same settings (they are in the hash)
    page.click(".languages a[data-lang=en]")
    page.wait_for_function("document.documentElement.lang === 'en' && window.gdlabState.trainLoss !== null",
                           timeout=WAIT_MS)
    assert "lang=en" in page.url and page.input_value("#dataset") == "xor" and page.input_value("#seed") == "7"
    assert "learning rate η" in page.inner_text("#controls") and page.title() == "gdlab playground"
    assert page.inner_text("#iteration-line") == "iteration 0 · epoch 0 · 25 iterations per epoch"
    assert not errors, errors
    page.close()


def test_a_divergence_is_explained_in_chinese_with_the_clipnorm_hint(base_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base_url}/?lang=zh-CN#dataset=xor&learningRate=10")
    page.wait_for_function("window.gdlabState.trainLoss !== null", timeout=WAIT_MS)
    page.click("#play-pause-button")
    page.wait_for_function("document.getElementById('error-box').dataset.kind === 'divergence'", timeout=WAIT_MS)
    epoch = state(page)["epoch"]
    message = page.inner_text("#error-box")
    assert message.startswith(f"运行 A — 训练发散：训练损失在第 {epoch} 个轮次升到 ")
    assert message.endswith("（clipnorm 控件现在就在学习率旁边。）") and page.is_visible("#clipnorm")
    page.fill("#learningRate", "11")
    page.dispatch_event("#learningRate", "change")
    page.wait_for_function("document.getElementById('error-box').dataset.kind === 'settings'", timeout=WAIT_MS)
    assert page.inner_text("#error-box") == "learningRate：11 无效；有效值：0–10 之间的数"
    page.close()
