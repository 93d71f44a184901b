"""The playground in a Jupyter notebook: ``gdlab.playground.widget(**settings)``, an anywidget.

    from gdlab.playground import widget
    w = widget(dataset="xor", networkShape=[4, 2], b={"optimizer": "adam", "learningRate": 0.01})
    w                                   # the playground's page, in the cell's output
    w.export("a", "runs/playground-a")  # playground.toml, playground.csv and train.py of run A, as of now

The widget owns one playground session, made from ``settings`` (the page's field names, as in
``GET /api/options``) and ``b`` (run B's optimizer fields, or None) and checked like the web app's: bad
input raises ``SettingsError`` naming the field and what is valid. ``w.session`` is that session; the
widget trains with the same engine and the same rules as ``gdlab playground``, and its exports are the
same files, which ``gdlab train`` repeats bit for bit. ``w.close()`` ends the session.

Its front end (``static/widget.js``) shows the page (index.html with its CSS and script inlined, and
``window.gdlabWidget`` set) in a sandboxed iframe; every view of the widget shows the same session.
The page speaks the web app's API (``api.ROUTES``), carried in messages instead of HTTP:

    page → Python  {"request": id, "method": "PUT", "path": "/api/sessions/<sid>/settings", "body": "<JSON text>"}
    Python → page  {"response": id, "status": 200, "json": {...}}       (errors: {"field": …, "detail": …})
                   {"response": id, "status": 200, "file": {"name": "playground-a.toml", "media": …, "base64": …}}
    page → Python  {"listen": sid}    every view gets the frames again from the start ("data" first)
    Python → page  {"event": "data" | "metrics" | "picture", "frame": {...}}   the event stream's frames

A request is answered as the web app answers it, except ``POST /api/sessions``, which joins the widget's
session (applying the body's settings, if it has any) instead of making another. Requests are answered in
order on one worker thread, so a control that waits for an epoch never blocks the kernel; the frames are
pushed by one thread per widget that reads the snapshots the training thread publishes (never its lock),
at most every ``METRICS_INTERVAL`` seconds.
"""

from __future__ import annotations

import base64
import math
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

try:
    import anywidget
    import traitlets
except ModuleNotFoundError as err:  # pragma: no cover - the message is the point
    raise ModuleNotFoundError(f"gdlab.playground.widget needs {err.name}: pip install -e \".[notebook]\"") from err

from gdlab import i18n
from gdlab.i18n import fonts
from gdlab.playground import api as api_mod
from gdlab.playground.api import METRICS_INTERVAL, Api, FrameFeed, Reply, error_json, page_file, parse_body
from gdlab.playground.session import Session, Sessions

_STATIC = Path(__file__).with_name("static")
_FILES = ("playground.toml", "playground.csv", "train.py")


def inline_page(lang: str = "en") -> str:
    """index.html in ``lang`` with each ``/static/`` stylesheet and script it links written into it, the CJK
    font as a data URL, and the flag ``window.gdlabWidget`` set before the scripts run (an iframe's page
    has no server to fetch them from)."""
    def inline(tag: str, name: str) -> str:
        text = page_file(name)
        if tag == "script":  # "</script" inside the code would end the element early; "<\/script" is the same JS
            text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)
        return f"<{tag}>\n{text}\n</{tag}>"

    html = page_file("index.html").replace('<html lang="en">', f'<html lang="{lang}">', 1)
    html = re.sub(r'<link rel="stylesheet" href="/static/([\w.-]+)">', lambda m: inline("style", m[1]), html)
    html = re.sub(r'<script src="/static/([\w.-]+)"></script>', lambda m: inline("script", m[1]), html)
    font = base64.b64encode(fonts.font_path().read_bytes()).decode("ascii")
    html = html.replace(f"url(/fonts/{fonts.FILE})", f"url(data:font/ttf;base64,{font})")
    return html.replace("<head>", "<head>\n<script>window.gdlabWidget = true;</script>", 1)


class _WidgetApi(Api):
    """The web app's operations over the widget's one session; creating a session joins it."""

    def __init__(self, settings: dict, b: dict | None):
        super().__init__(Sessions(max_sessions=1, idle_seconds=math.inf))
        self.session = self.new_session(settings, b)

    def create(self, params, query, raw) -> Reply:
        body = parse_body(raw)
        if body.get("settings") or body.get("b") is not None:
            self.session.configure(body.get("settings", {}), body.get("b"))
        return Reply(201, api_mod.session_json(self.session))


class PlaygroundWidget(anywidget.AnyWidget):
    """The playground page in a notebook, on one session of its own (see the module's docstring)."""

    _esm = _STATIC / "widget.js"
    _page = traitlets.Unicode().tag(sync=True)

    def __init__(self, api: _WidgetApi, lang: str = "en", **kwargs):  # made by ``widget()``, which checks first
        self._api, self._lang = api, lang
        super().__init__(_page=inline_page(lang), **kwargs)
        self._requests = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gdlab-widget")
        self._feed: FrameFeed | None = None
        self._pusher: threading.Thread | None = None
        self.on_msg(self._on_message)

    @property
    def lang(self) -> str:
        """The page's language, fixed when the widget is made (its page is built in it): ``widget(lang=…)``."""
        return self._lang

    @property
    def session(self) -> Session:
        """The playground session: its settings, runs (``session.runs[i].model``), controls and counters."""
        return self._api.session

    def answer(self, method: str, path: str, body: str | None = None) -> dict:
        """The reply to one request of the web app's API: ``{"status", "json"}`` or ``{"status", "file"}``."""
        parts = urlsplit(path)
        reply = self._api.call(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), body or "")
        if reply.json is not None:
            return {"status": reply.status, "json": reply.json}
        content = reply.content.encode("utf-8") if isinstance(reply.content, str) else reply.content
        return {"status": reply.status, "file": {"name": reply.filename, "media": reply.media,
                                                 "base64": base64.b64encode(content).decode("ascii")}}

    def export(self, run: str = "a", out: str | Path | None = None) -> Path:
        """Write run ``run``'s playground.toml, playground.csv and train.py (as the page's downloads have
        them, now) into the folder ``out`` (default ``playground-<run>``); returns the folder."""
        if out is not None and not isinstance(out, (str, os.PathLike)):
            raise TypeError(f"out={out!r:.80} is not valid; valid: a folder's path (str or pathlib.Path) or None")
        files = api_mod.export_files(self.session, run)  # an unknown run is named before anything is written
        folder = Path(out if out is not None else f"playground-{run}")
        for path in (folder, *(folder / name for name in _FILES)):
            if path.exists() and path.is_dir() != (path == folder):
                raise ValueError(f"out={str(out)!r}: {str(path)!r} is a {'file' if path == folder else 'folder'}; "
                                 f"valid: a folder (new or existing) whose {', '.join(_FILES)} may be replaced")
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        try:  # each file whole: a failure leaves the files already there as they were
            for name in _FILES:
                written.append(folder / f".{name}.tmp")
                written[-1].write_text(files[name], encoding="utf-8")
            for name in _FILES:
                (folder / f".{name}.tmp").replace(folder / name)
        finally:
            for tmp in written:
                tmp.unlink(missing_ok=True)
        return folder

    def close(self) -> None:
        """End the session (its training thread and the frames) and close the widget's views."""
        self._api.sessions.close_all()
        if self._pusher is not None:
            self._pusher.join()
        self._requests.shutdown(wait=True)
        super().close()

    # -- messages ------------------------------------------------------------------------------------
    def _on_message(self, widget, content, buffers) -> None:
        if self.session.closed:  # after close(): nothing answers any more (the worker is gone)
            self.log.warning("gdlab playground widget: ignored a message after close(): %.200r", content)
            return
        self._requests.submit(self._handle, content)

    def _handle(self, content) -> None:
        try:
            with i18n.using(self.lang):  # errors, divergence messages and the lesson's verdict in the page's language
                self._answer(content)
        except Exception:  # the worker's future would keep it, unseen: the kernel's log gets the traceback
            self.log.exception("gdlab playground widget: a message failed: %.200r", content)

    def _answer(self, content) -> None:
        if not isinstance(content, dict):
            self.log.warning("gdlab playground widget: ignored a message that is not an object: %.200r", content)
        elif "listen" in content:
            self._listen()
        elif "request" in content:
            self.send({"response": content["request"], **self._request(content)})
        else:
            self.log.warning("gdlab playground widget: ignored a message with neither 'request' nor 'listen': "
                             "%.200r", content)

    def _request(self, content: dict) -> dict:
        method, path, body = content.get("method"), content.get("path"), content.get("body")
        for field, value in (("method", method), ("path", path)):
            if not isinstance(value, str):
                return {"status": 422, "json": error_json(field, f"must be a string; got {value!r}")}
        if body is not None and not isinstance(body, str):
            return {"status": 422, "json": error_json("body", f"must be JSON text or null; got {type(body).__name__}")}
        try:
            return self.answer(method, path, body)
        except Exception as err:  # a bug: the page still gets an answer, and the kernel's log the traceback
            self.log.exception("gdlab playground widget: %s %s failed", method, path)
            return {"status": 500, "json": error_json("server", f"{type(err).__name__}: {err}")}

    def _listen(self) -> None:
        self._feed = FrameFeed(self.session)  # a new view: the frames again, from the data frame on
        if self._pusher is None:
            self._pusher = threading.Thread(target=self._push, name=f"gdlab-widget-frames-{self.session.id}",
                                            daemon=True)
            self._pusher.start()

    def _push(self) -> None:
        with i18n.using(self.lang):
            while not self.session.closed:
                for event, frame in self._feed.due():
                    self.send({"event": event, "frame": frame})
                time.sleep(METRICS_INTERVAL)


def widget(b: dict | None = None, lang: str | None = None, **settings) -> PlaygroundWidget:
    """The playground in a notebook cell: ``settings`` are the page's fields (``dataset="xor"``,
    ``networkShape=[4, 2]``, ``learningRate=0.1``, …), ``b`` run B's optimizer fields for an A/B comparison,
    ``lang`` the page's language ("en", "zh-CN"; None: ``gdlab.i18n.current()``)."""
    lang = i18n.current() if lang is None else i18n.normalize(lang)
    return PlaygroundWidget(_WidgetApi(settings, b), lang)
