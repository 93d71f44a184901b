"""Languages: English (the default) and Simplified Chinese (``zh-CN``), from one keyed message catalogue.

    t("report.title")                     # the message in the current language
    t("report.claims_summary", shown="34", total="38")   # placeholders {shown}, {total} filled in
    Msg("linear.c8_yes", eta="0.1")       # the same, rendered when shown: a claim's sentence is kept as a
                                          # Msg, so claims.json is written in English and the page in the
                                          # reader's language from one verdict
    with using("zh-CN"): ...              # the language of everything built inside the block
    resolve(None)                         # --lang, else LC_ALL / LC_MESSAGES / LANG, else English

Messages live in ``messages/<language>/<domain>.toml`` (``domain`` is the first part of every key in
that file). A placeholder is ``{name}`` and nothing else (no format specs): numbers are formatted by
the caller (``gdlab.lab.claims.g``), so a sentence is built in each language's own word order from the
same strings, and the playground's JavaScript fills the same templates the same way. A message whose
translation is missing falls back to English; the tests keep both languages' keys and placeholders equal.

The library's own default is English; the command line picks the language from ``--lang`` or the
environment (``gdlab.i18n.resolve``), and a notebook can call ``gdlab.i18n.set_language("zh-CN")``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import unicodedata
from dataclasses import dataclass, field

from gdlab.i18n.catalog import DEFAULT, LANGUAGES, LanguageError, catalog, render

__all__ = ["LANGUAGES", "DEFAULT", "Msg", "t", "using", "current", "set_language", "resolve", "normalize",
           "catalog", "LanguageError", "width", "rjust", "join"]

_current: contextvars.ContextVar[str] = contextvars.ContextVar("gdlab_language", default=DEFAULT)


_ALIASES = {"en": "en", "zh-cn": "zh-CN", "zh": "zh-CN", "zh-hans": "zh-CN", "zh-sg": "zh-CN",
            "zh-hans-cn": "zh-CN"}


#: characters of a refused value quoted back in the error (a 10 kB header or argument is not echoed whole)
ECHO_LIMIT = 80


def _quote(value) -> str:
    text = repr(value)
    return text if len(text) <= ECHO_LIMIT else f"{text[:ECHO_LIMIT]}… ({len(text):,} characters)"


def normalize(lang: str, argument: str = "lang") -> str:
    """``lang`` as one of ``LANGUAGES`` ("zh_CN", "zh-cn", "zh-Hans" and "zh" are zh-CN; "en-GB" is en)."""
    if not isinstance(lang, str):
        raise LanguageError(f"{argument}={_quote(lang)} is not valid; valid: {', '.join(LANGUAGES)}")
    key = lang.strip().replace("_", "-").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("en-"):
        return "en"
    raise LanguageError(f"{argument}={_quote(lang)} is not valid; valid: {', '.join(LANGUAGES)} (zh-CN is Simplified "
                        "Chinese)")


def _from_locale(value: str) -> str | None:
    """The language of a POSIX locale value ("zh_CN.UTF-8" → zh-CN); None for one gdlab does not speak."""
    code = value.split(".")[0].split("@")[0]
    if code in ("", "C", "POSIX"):
        return "en"
    try:
        return normalize(code)
    except LanguageError:
        return None


def resolve(lang: str | None = None, environ=None) -> str:
    """The language to use: ``lang`` when given (validated), else the first of ``LC_ALL``, ``LC_MESSAGES``
    and ``LANG`` that is set (POSIX's order), when gdlab speaks it; else English."""
    if lang is not None:
        return normalize(lang)
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return _from_locale(value) or DEFAULT
    return DEFAULT


def current() -> str:
    return _current.get()


def set_language(lang: str) -> str:
    """Set the language for what follows (in this thread or task); returns it, normalised."""
    lang = normalize(lang)
    _current.set(lang)
    return lang


@contextlib.contextmanager
def using(lang: str | None):
    """Everything built inside the block speaks ``lang`` (None: the current language, unchanged)."""
    token = _current.set(normalize(lang) if lang is not None else _current.get())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def t(key: str, **params) -> str:
    """The message ``key`` in the current language, its ``{placeholders}`` filled from ``params``."""
    return render(key, params, _current.get())


@dataclass(frozen=True)
class Msg:
    """A message rendered when it is shown, in the language current then (or the one asked for).

    Parameters may be Msgs themselves (a clause chosen by the numbers): they are rendered in the same
    language as the message that holds them."""

    key: str
    params: dict = field(default_factory=dict)

    def __init__(self, key: str, **params):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)

    def render(self, lang: str | None = None) -> str:
        """The message in ``lang`` (any spelling ``normalize`` takes; None: the current language)."""
        return render(self.key, self.params, _current.get() if lang is None else normalize(lang))

    def __str__(self) -> str:
        return self.render()


def width(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide (CJK) character, one for any other."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def rjust(text: str, columns: int) -> str:
    """``text`` right-aligned in ``columns`` terminal columns (``str.rjust`` counts a CJK character as one)."""
    return " " * max(columns - width(text), 0) + text


#: ``join``'s separators: each joins one item to the rest of the phrase
PAIRS = {"list": lambda first, rest: Msg("join.list", first=first, rest=rest),
         "clauses": lambda first, rest: Msg("join.clauses", first=first, rest=rest),
         "and": lambda first, rest: Msg("join.and", first=first, rest=rest),
         "sentences": lambda first, rest: Msg("join.sentences", first=first, rest=rest)}


def join(items, how="list"):
    """``items`` (strings or Msgs) as one phrase, in the language it is shown in (a Msg; the item itself when
    there is one, "" when none). ``how``: "list" (a, b, c · a、b、c), "clauses" (a; b · a；b), "and"
    (a and b · a 和 b), "sentences" (one after another: a space after an English full stop, none after
    "。"), or a function (first, rest) → Msg for a separator of one's own."""
    if not callable(how) and how not in PAIRS:
        raise ValueError(f"how={how!r} is not valid; valid: {', '.join(PAIRS)} or a function (first, rest) → Msg")
    pair, items = how if callable(how) else PAIRS[how], list(items)
    if not items:
        return ""
    out = items[-1]
    for item in reversed(items[:-1]):
        out = pair(item, out)
    return out
