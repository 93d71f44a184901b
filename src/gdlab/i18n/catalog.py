"""The message catalogue: ``messages/<language>/<domain>.toml``, one flat table of key → template per file.

A key's full name is ``<domain>.<key>`` (the file ``messages/en/report.toml`` holds ``report.title``).
``glossary.toml`` fixes the tutorial's terms (epoch → 轮次, …); the tests hold every message to it.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

DEFAULT = "en"
LANGUAGES = ("en", "zh-CN")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class LanguageError(ValueError):
    """A language gdlab does not speak."""


def catalog(lang: str) -> dict[str, str]:
    """Every message of ``lang`` (one of ``LANGUAGES``, as ``gdlab.i18n.normalize`` writes it): full key →
    template."""
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise LanguageError(f"lang={repr(lang)[:80]} is not a catalogue; valid: {', '.join(LANGUAGES)} "
                            "(gdlab.i18n.normalize turns 'zh_CN', 'zh' and 'en-GB' into one of them)")
    return _load(lang)


@functools.cache
def _load(lang: str) -> dict[str, str]:
    folder = resources.files("gdlab.i18n") / "messages" / lang
    out: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        domain = entry.name[:-len(".toml")]
        for key, text in _flatten(tomllib.loads(entry.read_text(encoding="utf-8"))).items():
            out[f"{domain}.{key}"] = text
    return out


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def template(key: str, lang: str) -> str:
    messages = catalog(lang)
    if key in messages:
        return messages[key]
    if key in catalog(DEFAULT):
        return catalog(DEFAULT)[key]
    raise KeyError(f"no message {key!r} in gdlab's catalogue (src/gdlab/i18n/messages/{DEFAULT}/"
                   f"{key.split('.')[0]}.toml)")


def render(key: str, params: dict, lang: str) -> str:
    """``key``'s template in ``lang`` with each ``{name}`` replaced by ``params[name]`` (a Msg parameter is
    rendered in ``lang`` too). Every placeholder needs a parameter and every parameter a placeholder."""
    text = template(key, lang)
    names = set(PLACEHOLDER.findall(text))
    if names != set(params):
        missing, extra = sorted(names - set(params)), sorted(set(params) - names)
        raise KeyError(f"message {key!r} ({lang}): missing parameters {missing}, unexpected {extra}")

    def value(match):
        v = params[match.group(1)]
        return v.render(lang) if hasattr(v, "render") else str(v)

    return PLACEHOLDER.sub(value, text)
