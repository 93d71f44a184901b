"""The report in Simplified Chinese: the same numbers and verdicts as in English, Chinese everywhere a reader
looks, real glyphs in every figure on a machine with no CJK font, one file with nothing external, and the
page checked in a real browser.

Both reports run the TINY settings with a fake clock (every timed repeat takes 1 ms), so that the two runs
are the same computation and their claims.json must be the same bytes."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import types
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from gdlab.lab import timing
from gdlab.lab.report import build_report
from required import require
from test_lab_outputs import TINY

CHROMIUM = Path("/usr/bin/chromium")
README_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "report-zh-CN.png"
CJK = re.compile(r"[\u3400-\u9fff]")
#: words a Chinese page keeps in Latin letters: names of optimizers, activations, functions, libraries, units
LATIN_NAMES = {
    "sgd", "adam", "adamw", "adamax", "nadam", "radam", "lion", "rmsprop", "adagrad", "adadelta", "nesterov",
    "momentum", "relu", "leaky", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "swish", "softplus", "dense",
    "rosenbrock", "beale", "himmelblau", "bowl", "saddle", "ravine", "numpy", "numba", "blas", "openblas", "python",
    "gdlab", "keras", "pytorch", "torch", "float", "float32", "float64", "mse", "goh", "zeiler", "lanczos", "hessian",
    "cupy", "json", "claims", "png", "csv", "cpu", "gpu", "mib", "x86_64", "lr", "val", "acc", "loss", "none",
    "true", "false", "zh", "cn", "en", "max", "min", "log", "exp", "mean", "std", "cv", "auto", "full", "linear",
    "basics", "regimes", "surfaces", "compare", "batch", "size", "find", "activations", "curvature", "pthreads",
    "version", "seq", "lapack", "openmp", "scipy", "heavy", "ball",
}


def _words(text: str) -> set[str]:
    """The English words of ``text``: runs of 3+ letters that are not a name kept in Latin letters nor an
    identifier or formula symbol (``leaky_relu``, ``S_min``, ``B_noise``)."""
    tokens = re.findall(r"[A-Za-z][A-Za-z_]*", text)
    return {w.lower() for w in tokens if len(w) >= 3 and "_" not in w} - LATIN_NAMES


def _fake_clock():
    ticks = itertools.count(0.0, 0.001)
    return types.SimpleNamespace(perf_counter=lambda: next(ticks))


@pytest.fixture(scope="module")
def reports(tmp_path_factory, monkeypatch_module):
    out, texts = {}, []
    real_savefig = Figure.savefig

    def savefig_and_collect(fig, path, **kwargs):
        texts.extend((Path(path).name, t) for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip())
        return real_savefig(fig, path, **kwargs)

    for lang in ("en", "zh-CN"):
        monkeypatch_module.setattr(timing, "time", _fake_clock())
        if lang == "zh-CN":
            monkeypatch_module.setattr(Figure, "savefig", savefig_and_collect)
        out[lang] = tmp_path_factory.mktemp(lang)
        build_report(out[lang], overrides=TINY, echo=None, lang=lang)
    return out, texts


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_claims_and_data_are_the_same_bytes_in_both_languages(reports):
    out, _ = reports
    names = sorted(p.name for p in out["en"].glob("*.json"))
    assert "claims.json" in names and names == sorted(p.name for p in out["zh-CN"].glob("*.json"))
    for name in names:
        assert (out["en"] / name).read_bytes() == (out["zh-CN"] / name).read_bytes(), name


def _glyphs(family_paths, char) -> bool:
    return any(ord(char) in _cmap(path) for path in family_paths)


_CMAPS: dict = {}


def _cmap(path):
    if path not in _CMAPS:
        from fontTools.ttLib import TTFont

        _CMAPS[path] = TTFont(path, fontNumber=0)["cmap"].getBestCmap()
    return _CMAPS[path]


def test_every_figure_text_has_real_glyphs_and_is_chinese(reports):
    """Each text artist's characters are in the fonts matplotlib falls back through for it (no tofu), and a
    text with words in it has Chinese in it (names such as SGD or ReLU stay as they are)."""
    _, texts = reports
    assert texts, "no figure text collected"
    missing, english = [], []
    for name, artist in texts:
        s = artist.get_text()
        if "$" in s:  # mathtext: drawn by matplotlib's math fonts
            continue
        paths = [font_manager.findfont(font_manager.FontProperties(family=f, style=artist.get_style(),
                                                                   weight=artist.get_weight()))
                 for f in artist.get_fontfamily()]
        lacking = {c for c in s if not c.isspace() and not _glyphs(paths, c)}
        if lacking:
            missing.append((name, s, "".join(sorted(lacking))))
        if _words(s) and not CJK.search(s):
            english.append((name, s))
    assert missing == [], "figure text drawn without glyphs (tofu)"
    assert english == [], "figure text left in English on the zh-CN report"


def _visible_text_blocks(page: str):
    """The page's paragraphs, captions, headings and table cells, as text."""
    import html as html_mod

    body = page.split("<body>", 1)[1]
    for tag in ("p", "h1", "h2", "caption", "figcaption", "th"):
        for block in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", body, re.S):
            yield tag, html_mod.unescape(re.sub(r"<[^>]+>", "", block)).strip()


def test_the_chinese_page_is_chinese_wherever_it_has_words(reports):
    out, _ = reports
    page = (out["zh-CN"] / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<h1>梯度下降如何训练神经网络</h1>" in page
    english = [(tag, text) for tag, text in _visible_text_blocks(page)
               if _words(text) and not CJK.search(text)]
    assert english == [], "blocks left in English on the zh-CN page"


def test_the_chinese_page_embeds_its_font_and_references_nothing_outside(reports):
    out, _ = reports
    page = (out["zh-CN"] / "index.html").read_text(encoding="utf-8")
    faces = re.findall(r'@font-face \{ font-family: "gdlab CJK"; src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)',
                       page)
    assert len(faces) == 1 and len(faces[0]) > 10_000
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^)"']*)""", page)
    external = [a or b for a, b in refs if not (a or b).startswith(("data:", "#"))]
    assert external == []
    english = (out["en"] / "index.html").read_text(encoding="utf-8")
    assert "@font-face" not in english, "an English page carries no font"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")
def test_the_chinese_report_in_a_real_browser(reports, tmp_path):
    """At 1280×800 the Chinese headings show in the embedded font (this machine has no CJK font) and
    nothing is wider than the window; the screenshot is the README's picture of the zh-CN report."""
    sync_api = require("playwright.sync_api")
    out, _ = reports
    shot = tmp_path / "report-zh-CN.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((out["zh-CN"] / "index.html").as_uri())
        page.wait_for_function("document.fonts.status === 'loaded'")
        assert page.evaluate("""() => [...document.fonts].some(f => f.family.replace(/"/g, '') === 'gdlab CJK'
                                                                      && f.status === 'loaded')""")
        for text in ("梯度下降如何训练神经网络", "本次运行检验的", "论断"):
            assert page.get_by_text(text).first.is_visible(), text
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        for selector in ("h1", "#claims h2", "table.claims th", "table.claims span.shown", "p.verdict span",
                         "figcaption", "nav a"):
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
            text = page.locator(selector).first.inner_text()
            used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            other = sum(f["glyphCount"] for f in used if f["familyName"] != "gdlab CJK")
            wide = sum(1 for c in text if CJK.match(c) or "\uff00" <= c <= "\uffef")
            assert other <= len(text) - wide, (selector, text, used)  # no CJK glyph from another font: no tofu
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 1280, f"the page is {width} px wide at 1280"
        page.screenshot(path=str(shot))
        browser.close()
    assert shot.stat().st_size > 30_000
    if os.environ.get("GDLAB_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, README_SCREENSHOT)
