"""The playground's operations, whatever carries them: the web app's HTTP routes and the notebook widget's
messages both call these, so both validate alike and answer alike.

``ROUTES`` is the API: (method, path template, operation). Each operation takes the path's parameters, the
query (a dict of strings) and the raw request body (text or bytes; only ``create`` and ``configure`` read
one) and returns a ``Reply``: an HTTP status and either JSON or a file. Bad input raises; ``error_reply``
turns every error the operations raise into the ``{"field": …, "detail": …}`` answer with its status
(422 bad input, 404 nothing there, 503 no room) — quoting at most ``ECHO_LIMIT`` characters of a client's
value.

``FrameFeed`` is what a session's event stream sends next: the "data", "metrics" and "picture" frames,
each computed when it is taken (a slow reader gets the latest state, not a backlog). It reads the
snapshots the training thread publishes and never takes the session's lock.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from dataclasses import dataclass
from importlib import resources

from gdlab import i18n
from gdlab.i18n import t
from gdlab.playground import lesson, run as run_mod
from gdlab.playground.session import PICTURE_INTERVAL, Session, SessionLimitError, Sessions
from gdlab.playground.settings import SettingsError, catalog, validate

MAX_BODY = 65_536  # bytes: the largest request body read
ECHO_LIMIT = 200  # characters of a client's value quoted back in an error message
MAX_INT_DIGITS = 30  # longer JSON integers are read as floats (inf past 1e308): the field's check names them
EXPORTS = ("playground.toml", "playground.csv", "train.py", "playground.zip")
ACTIONS = ("play", "pause", "step", "reset")
METRICS_INTERVAL = 1 / 30  # seconds between a feed's polls: at most 30 metric updates per second per stream


class RequestError(ValueError):
    """Input no operation can answer: ``field`` names it, ``detail`` says what is valid; HTTP ``status``."""

    def __init__(self, field: str, detail: str, status: int = 422):
        super().__init__(f"{field}: {detail}")
        self.field, self.detail, self.status = field, detail, status


class UnknownSession(RequestError):
    """No session with this id (never created, closed, or removed when idle)."""

    def __init__(self, sid: str):
        super().__init__("session", t("playground.session_missing", id=repr(clip(sid, 40))), 404)


class BodyTooLarge(RequestError):
    """A request body past ``MAX_BODY`` bytes."""

    def __init__(self, what: str):
        super().__init__("body", f"{what} larger than {MAX_BODY:,} bytes; settings take a few hundred")


@dataclass(frozen=True)
class Reply:
    """An operation's answer: ``json``, or a file (``content`` with its ``media`` type and download ``filename``)."""
    status: int = 200
    json: dict | None = None
    content: bytes | str | None = None
    media: str | None = None
    filename: str | None = None


def clip(text, limit: int = ECHO_LIMIT) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def error_json(field: str, detail: str) -> dict:
    return {"field": clip(field, 100), "detail": clip(detail, 2 * ECHO_LIMIT)}


def error_reply(exc: Exception) -> Reply:
    """The answer to an error an operation raised; anything else is a bug and is raised again."""
    if isinstance(exc, RequestError):
        return Reply(exc.status, error_json(exc.field, exc.detail))
    if isinstance(exc, SettingsError):
        return Reply(422, error_json(exc.field, exc.message))
    if isinstance(exc, SessionLimitError):
        return Reply(503, error_json("session", str(exc)))
    raise exc


def _parse_int(text: str):
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else float(text)


def parse_body(raw: bytes | str) -> dict:
    """``{"settings": {...}, "b": {...} | null}`` from a request body's JSON text."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BODY:
        raise BodyTooLarge(f"{len(raw):,} bytes,")
    try:
        body = json.loads(raw or b"{}", parse_int=_parse_int)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SettingsError("body", f"not valid JSON ({clip(err)})") from None
    except RecursionError:
        raise SettingsError("body", "nested too deeply; settings are one object of fields") from None
    except ValueError as err:  # e.g. a number the decoder refuses
        raise SettingsError("body", f"not valid JSON ({clip(err)})") from None
    if not isinstance(body, dict) or set(body) - {"settings", "b"}:
        raise SettingsError("body", 'must be {"settings": {...}, "b": {...} or null}')
    return body


def session_json(session: Session) -> dict:
    return {"id": session.id, "settings": session.settings.to_json(),
            "b": None if session.b_settings is None else session.b_settings.to_json()}


def _run_index(session: Session, which: str) -> int:
    """0 for run ``"a"``, 1 for ``"b"`` (when the session has a run B)."""
    if which not in ("a", "b") or (which == "b" and len(session.runs) < 2):
        raise RequestError("run", f"{clip(which, 40)!r} is not valid; valid: a"
                           + (" or b" if len(session.runs) > 1 else ""))
    return "ab".index(which)


def export_files(session: Session, which: str) -> dict[str, str]:
    """Run ``which``'s (``"a"`` or ``"b"``) playground.toml, playground.csv and train.py, as of now."""
    index = _run_index(session, which)
    with session.lock:
        if index >= len(session.runs):  # run B went away (new settings) between the check and the lock
            raise RequestError("run", "'b' is not valid; valid: a")
        r = session.runs[index]
        return {"playground.toml": run_mod.export_toml(r), "playground.csv": session.dataset.csv(),
                "train.py": run_mod.export_python(r)}


class Api:
    """The operations over one set of sessions (see ``ROUTES``); the lock-taking ones block while an
    epoch runs, so an event loop calls them in a worker thread."""

    def __init__(self, sessions: Sessions):
        self.sessions = sessions

    def lookup(self, sid: str) -> Session:
        session = self.sessions.get(sid)
        if session is None:
            raise UnknownSession(sid)
        return session

    def options(self, params, query, raw) -> Reply:
        return Reply(json=catalog())

    def messages(self, params, query, raw) -> Reply:
        """The page's messages (the ``playground`` and ``glossary`` domains) in ``?lang=`` when gdlab speaks it,
        else the current language: ``{"lang", "messages": {key: template}}``."""
        try:
            lang = i18n.normalize(query.get("lang", i18n.current()))
        except i18n.LanguageError:
            lang = i18n.current()
        return Reply(json={"lang": lang, "messages": {k: v for k, v in i18n.catalog(lang).items()
                                                      if k.split(".")[0] in ("playground", "glossary")}})

    def lesson(self, params, query, raw) -> Reply:
        return Reply(json=lesson.parabola(**lesson.parse(query)))

    def create(self, params, query, raw) -> Reply:
        body = parse_body(raw)
        return Reply(201, session_json(self.new_session(body.get("settings", {}), body.get("b"))))

    def new_session(self, settings: dict, b: dict | None) -> Session:
        """A session with ``settings`` (the page's fields) and run B's optimizer fields ``b`` (or None)."""
        session = self.sessions.create(validate(settings))
        if b is not None:
            try:
                session.configure(settings, b)
            except SettingsError:
                self.sessions.remove(session.id)
                raise
        return session

    def configure(self, params, query, raw) -> Reply:
        session = self.lookup(params["sid"])
        body = parse_body(raw)
        session.configure(body.get("settings", {}), body.get("b"))
        return Reply(json=session_json(session))

    def control(self, params, query, raw) -> Reply:
        session, action = self.lookup(params["sid"]), params["action"]
        if action not in ACTIONS:
            raise RequestError("action", f"{clip(action, 40)!r} is not valid; valid: {', '.join(ACTIONS)}", 404)
        getattr(session, action)()  # waits for the lock, which an epoch may hold
        return Reply(json={"ok": True, "action": action})

    def status(self, params, query, raw) -> Reply:
        session = self.lookup(params["sid"])
        return Reply(json={**session_json(session), "metrics": session.metrics_frame([])})

    def delete(self, params, query, raw) -> Reply:
        removed = self.sessions.remove(params["sid"])
        return Reply(200 if removed else 404, {"removed": removed})

    def export(self, params, query, raw) -> Reply:
        session, which, name = self.lookup(params["sid"]), params["run"], params["name"]
        _run_index(session, which)  # a bad run is named first
        if name not in EXPORTS:
            raise RequestError("name", f"{clip(name, 80)!r} is not valid; valid: {', '.join(EXPORTS)}")
        files = export_files(session, which)
        if name == "playground.zip":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                for fname, text in files.items():
                    z.writestr(fname, text)
            content, media = buffer.getvalue(), "application/zip"
        else:
            content, media = files[name], "text/plain; charset=utf-8"
        # playground-a.toml, playground-b.zip: A and B never collide
        return Reply(content=content, media=media, filename=run_mod.export_name(which, name))

    def call(self, method: str, path: str, query: dict, raw: bytes | str = b"") -> Reply:
        """The answer to ``method path`` (a path of ``ROUTES``), errors included."""
        for route_method, pattern, operation in _COMPILED:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                try:
                    return getattr(self, operation)(match.groupdict(), query, raw)
                except (RequestError, SettingsError, SessionLimitError) as err:
                    return error_reply(err)
        return Reply(404, error_json("path", f"{clip(method, 10)} {clip(path, 80)} is not part of the API; "
                                     "valid: " + ", ".join(f"{m} {t}" for m, t, _ in ROUTES)))


#: (method, path template, ``Api`` method): the web app serves these, the widget answers them
ROUTES = (
    ("GET", "/api/options", "options"),
    ("GET", "/api/messages", "messages"),
    ("GET", "/api/lesson", "lesson"),
    ("POST", "/api/sessions", "create"),
    ("GET", "/api/sessions/{sid}", "status"),
    ("DELETE", "/api/sessions/{sid}", "delete"),
    ("PUT", "/api/sessions/{sid}/settings", "configure"),
    ("POST", "/api/sessions/{sid}/{action}", "control"),
    ("GET", "/api/sessions/{sid}/export/{run}/{name}", "export"),
)
_COMPILED = [(m, re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", t)), op) for m, t, op in ROUTES]


class FrameFeed:
    """The frames a session's event stream sends next, in order: "data" when the session has a new
    generation (new settings or reset), "metrics" when a snapshot is new (each run's loss curve continues
    where the last frame stopped), "picture" when a picture is new and ``PICTURE_INTERVAL`` has passed."""

    def __init__(self, session: Session):
        self.session = session
        self.generation, self.metrics_seen, self.picture_seen, self.sent = None, None, None, []
        self.last_picture = 0.0

    def due(self):
        """Yields (event, frame) pairs, each computed when it is taken."""
        s = self.session
        s.touch()
        if s.generation != self.generation:
            frame = s.data_frame()
            self.generation, self.metrics_seen, self.picture_seen, self.sent = frame["generation"], None, None, []
            yield "data", frame
        if s.metrics_version != self.metrics_seen:
            self.metrics_seen = s.metrics_version
            frame = s.metrics_frame(self.sent)
            if frame["generation"] == self.generation:
                yield "metrics", frame
        now = time.monotonic()
        if s.picture_version != self.picture_seen and now - self.last_picture >= PICTURE_INTERVAL:
            self.picture_seen, self.last_picture = s.picture_version, now
            frame = s.picture_frame()
            if frame["generation"] == self.generation:
                yield "picture", frame


def page_file(name: str) -> str:
    """A file of the page (index.html, playground.css, playground.js), from the package data."""
    return (resources.files("gdlab.playground") / "static" / name).read_text(encoding="utf-8")
