"""The CJK font: Chinese text with real glyphs in figures and pages, on a machine with no CJK font.

gdlab ships ``fonts/gdlab-cjk.ttf``: Noto Sans SC (SIL Open Font License, ``fonts/OFL.txt``) at weight
400, cut down to the characters of the zh-CN catalogue and renamed "gdlab CJK" so that it is never
mistaken for an installed Noto Sans SC. ``tools/build_cjk_font.py`` rebuilds it when the catalogue
gains a character (a test names any character the font lacks).

* Figures: ``rc_params("zh-CN")`` puts it behind DejaVu Sans in matplotlib's family list, so Latin
  letters, digits and Greek come from DejaVu Sans and each CJK character falls back to it.
* Pages: ``font_face_css(text)`` is an ``@font-face`` rule embedding the font, cut again to the
  characters of ``text`` (WOFF, base64): a page stays one file with no external reference.
"""

from __future__ import annotations

import base64
import functools
import io
import unicodedata
from importlib import resources

FAMILY = "gdlab CJK"
FILE = "gdlab-cjk.ttf"
#: the page's font stack: the embedded font first, for the CJK characters its ``@font-face`` claims
#: (``UNICODE_RANGE``), then the system's UI font for everything else. (Behind system-ui, Chromium sets bold
#: CJK text in DejaVu Sans Bold's missing-glyph boxes instead of falling back to it.)
CSS_STACK = f'"{FAMILY}", system-ui, sans-serif'
#: CJK radicals to ideographs, compatibility ideographs, vertical and CJK compatibility forms, full-width forms
UNICODE_RANGE = "U+2E80-9FFF, U+F900-FAFF, U+FE10-FE4F, U+FF00-FFEF"


def font_path():
    return resources.files("gdlab.i18n") / "fonts" / FILE


@functools.cache
def characters() -> frozenset[str]:
    """The characters the shipped font has."""
    from fontTools.ttLib import TTFont

    with resources.as_file(font_path()) as path:
        return frozenset(chr(c) for c in TTFont(path)["cmap"].getBestCmap())


@functools.cache
def register() -> str:
    """Make the font known to matplotlib (once per process); returns its family name."""
    from matplotlib import font_manager

    with resources.as_file(font_path()) as path:
        font_manager.fontManager.addfont(str(path))
    return FAMILY


def rc_params(lang: str) -> dict:
    """matplotlib settings for figures in ``lang``: for zh-CN, DejaVu Sans with the CJK font behind it."""
    if lang == "en":
        return {}
    return {"font.family": ["DejaVu Sans", register()]}


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule for ``FAMILY`` with the glyphs of the wide (CJK) characters of ``text`` that the
    font has ("" if none: an English page carries no font)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = sorted(c for c in set(text) & characters() if unicodedata.east_asian_width(c) in "WF")
    if not wanted:
        return ""
    with resources.as_file(font_path()) as path:
        font = TTFont(path)
    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(wanted))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; src: url(data:font/woff;base64,{data}) format("woff"); '
            f"unicode-range: {UNICODE_RANGE}; }}")
