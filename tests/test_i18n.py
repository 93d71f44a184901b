"""The message catalogue: both languages complete and alike, the glossary kept, every key used, the font
covering every character, and the language chosen as POSIX says."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest

from gdlab import i18n
from gdlab.i18n import LANGUAGES, Msg, catalog, fonts, resolve, t, using
from gdlab.i18n.catalog import PLACEHOLDER

SRC = Path(__file__).resolve().parents[1] / "src" / "gdlab"
EN, ZH = catalog("en"), catalog("zh-CN")

#: glossary: the English pattern, the Chinese term every matching message must use, and words it must not use
GLOSSARY = [
    (r"\bepochs?\b", "轮次", ["周期", "时期", "纪元", "时代", "回合"]),
    (r"\bbatch[- ]sizes?\b", "批大小", ["批量大小", "批次大小", "批尺寸", "批处理大小"]),
    (r"\biterations?\b", "迭代", []),
    (r"\blearning[- ]rates?\b", "学习率", ["学习速率", "学习速度"]),
    (r"\bmomentum\b(?!\s*=)", "动量", []),
    (r"(?<!mini-batch )(?<!batch )(?<!stochastic )\bgradient descent\b", "梯度下降", []),
    (r"\bstochastic gradient descent\b", "随机梯度下降", []),
    (r"\bmini-batch gradient descent\b", "小批量梯度下降", []),
    (r"\bactivation functions?\b", "激活函数", []),
]


def test_both_languages_have_the_same_keys():
    assert set(EN) - set(ZH) == set(), "messages with no zh-CN translation"
    assert set(ZH) - set(EN) == set(), "zh-CN messages with no English original"


@pytest.mark.parametrize("key", sorted(EN))
def test_placeholders_match_and_are_plain(key):
    assert set(PLACEHOLDER.findall(EN[key])) == set(PLACEHOLDER.findall(ZH.get(key, ""))), key
    for lang, text in (("en", EN[key]), ("zh-CN", ZH.get(key, ""))):
        rest = PLACEHOLDER.sub("", text)
        assert "{" not in rest and "}" not in rest, f"{key} ({lang}): a brace that is not a {{name}} placeholder"
        assert text.strip(), f"{key} ({lang}): empty"


@pytest.mark.parametrize("pattern,term,avoid", GLOSSARY, ids=[g[1] for g in GLOSSARY])
def test_every_message_uses_the_glossary(pattern, term, avoid):
    wrong = [k for k, text in EN.items() if k.split(".")[0] != "glossary"
             and re.search(pattern, PLACEHOLDER.sub("", text), re.IGNORECASE) and term not in ZH.get(k, "")]
    assert wrong == [], f"these messages say {pattern!r} in English but not {term} in Chinese"
    banned = [k for k, text in ZH.items() if any(a in text for a in avoid)]
    assert banned == [], f"these messages use a word the glossary replaces by {term}: {avoid}"


def _used_keys() -> set[str]:
    """Keys named literally in the source: t("…") and Msg("…") in Python, t("…") and data-i18n* in the page."""
    used = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("t", "Msg")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                used.add(node.args[0].value)
    for path in list(SRC.rglob("*.js")) + list(SRC.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_][\w.-]*)["']""", text))
        used |= set(re.findall(r"""data-i18n(?:-[a-z]+)?=["']([a-z_][\w.-]*)["']""", text))
    return used


def _family_keys() -> set[str]:
    """Keys built from a registry: each claim's words, each study's heading, help and settings' help."""
    from gdlab.lab.claims import CLAIMS
    from gdlab.lab.studies import STUDIES

    import argparse

    argparse_source = Path(argparse.__file__).read_text(encoding="utf-8")
    keys = {f"claims.c{i}" for i in CLAIMS} | set(k for k in EN if k.startswith("glossary."))
    keys |= {k for k in EN if k.startswith("argparse.")
             and (f"_('{EN[k]}" in argparse_source or f'_("{EN[k]}' in argparse_source)}
    for study in STUDIES.values():
        keys |= {f"{study.domain}.title", f"{study.domain}.help"}
        keys |= {f"{study.domain}.options.{f.name}" for f in fields(study.settings)}
    return keys


def test_every_key_used_exists_and_every_message_is_used():
    used = _used_keys()
    assert sorted(used - set(EN)) == [], "the source names messages the catalogue lacks"
    assert sorted(set(EN) - used - _family_keys()) == [], "messages nothing uses (remove them)"
    assert sorted(_family_keys() - set(EN)) == [], "registry messages missing from the catalogue"


def test_the_font_has_every_character_of_the_chinese_messages():
    """Figures set text in DejaVu Sans (matplotlib's own) with the CJK font behind it: between them, every
    character of every Chinese message has a glyph."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    dejavu = TTFont(font_manager.findfont("DejaVu Sans", fallback_to_default=False))["cmap"].getBestCmap()
    wanted = {c for text in ZH.values() for c in text if ord(c) > 127 and ord(c) not in dejavu}
    missing = sorted(wanted - fonts.characters())
    assert missing == [], (f"gdlab-cjk.ttf lacks {''.join(missing)!r}: run `pip install justmytype-intl-cjk && "
                           "python tools/build_cjk_font.py`")


@pytest.mark.parametrize("env,expected", [
    ({}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh-CN"), ({"LANG": "zh_SG.UTF-8"}, "zh-CN"),
    ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "POSIX"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"), ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.GB18030"}, "zh-CN"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh-CN"), ({"LC_ALL": ""}, "en"),
])
def test_the_language_comes_from_the_environment_as_posix_orders_it(env, expected):
    assert resolve(None, env) == expected


@pytest.mark.parametrize("given,expected", [("en", "en"), ("zh-CN", "zh-CN"), ("zh_CN", "zh-CN"), ("zh", "zh-CN"),
                                            ("ZH-cn", "zh-CN"), ("zh-Hans", "zh-CN"), ("en-GB", "en")])
def test_an_explicit_language_wins_over_the_environment(given, expected):
    assert resolve(given, {"LC_ALL": "fr_FR.UTF-8"}) == expected


@pytest.mark.parametrize("bad", ["fr", "zh-TW", "", "english", 3, None.__class__])
def test_an_unknown_language_is_refused_with_the_valid_ones(bad):
    with pytest.raises(i18n.LanguageError, match=r"lang=.*valid: en, zh-CN"):
        resolve(bad)


def test_a_message_renders_in_the_language_current_when_shown():
    m = Msg("lab.not_observed", seen=Msg("lab.not_run", section="linear"))
    with using("zh-CN"):
        assert str(m) == "本次运行未观察到该论断，实际所见：本次运行未观察到：章节“linear”没有运行。"
        assert m.render("en") == "Not observed in this run: Not observed in this run: section 'linear' was not run."
    assert i18n.current() == "en" and t("lab.verdict_shown") == "shown"


def test_a_missing_or_unexpected_parameter_names_the_message():
    with pytest.raises(KeyError, match=r"lab.claim_label.*missing parameters \['verdict'\]"):
        t("lab.claim_label", id=3)
    with pytest.raises(KeyError, match=r"unexpected \['extra'\]"):
        t("lab.verdict_shown", extra=1)
    with pytest.raises(KeyError, match=r"no message 'lab.nothing'"):
        t("lab.nothing")


def test_languages_listed():
    assert LANGUAGES == ("en", "zh-CN")
