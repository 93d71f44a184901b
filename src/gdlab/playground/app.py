"""The playground's web app (Starlette): the page, a JSON API and one server-sent event stream per session.

    GET    /                                   the page (static files are package data)
    GET    /api/options                        fields, ranges, defaults, optimizers and their hyperparameters
    POST   /api/sessions                       {"settings": {...}, "b": {...} | null} → {"id", "settings", "b"}
    PUT    /api/sessions/{id}/settings         the same body: new settings, back to epoch 0
    POST   /api/sessions/{id}/{play|pause|step|reset}
    GET    /api/sessions/{id}                  settings and the current counters, losses and loss curves
    GET    /api/sessions/{id}/events           text/event-stream: "data", "metrics" and "picture" events
    GET    /api/sessions/{id}/export/{a|b}/{playground.toml|playground.csv|train.py|playground.zip}
    DELETE /api/sessions/{id}
    GET    /api/lesson?eta=…&steps=…&w0=…&n=…&noise=…&seed=…
    GET    /api/messages?lang=zh-CN                the page's messages: the playground and glossary domains
    GET    /fonts/gdlab-cjk.ttf                    the CJK font (Chinese on a machine without one)

Languages: the page is served in ``?lang=`` or else the app's language (``create_app(lang=…)``), and
asks for its messages. Every request is answered in the language it names, ``?lang=`` or else the
first language of ``Accept-Language`` that gdlab speaks (the page sends its own), else the app's:
error details, a run's divergence message and the lesson's verdict are rendered in it.

Bad input answers HTTP 422 with {"field": …, "detail": …} naming the field and its valid range (values
quoted in a message are cut to ``ECHO_LIMIT`` characters). Nothing the client sends reaches the file
system: exports are built in memory. Request bodies are read as a stream and refused (422) past
``MAX_BODY`` bytes, with or without a Content-Length.

A local server that trains on request must not be drivable by a web page the user happens to visit:
a request whose ``Host`` is not one of the names the server answers to (DNS rebinding), whose
``Origin`` is another site, or which sends a body that is not ``application/json`` (a cross-site form
or ``text/plain`` POST) is refused with 403 before it reaches a route. Session ids are 96 random bits
(``secrets``) and are the only way to reach a session: there is no listing.

Nothing on the event loop waits for a session's lock (the training thread holds it for a whole
epoch): the stream reads the snapshot the training thread publishes, and the routes that need the
lock (controls, settings, export) take it in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import ipaddress
import time
import zipfile
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gdlab import i18n
from gdlab.i18n import fonts
from gdlab.playground import lesson, run as run_mod
from gdlab.playground.session import PICTURE_INTERVAL, SessionLimitError, Sessions
from gdlab.playground.settings import SettingsError, catalog, validate

METRICS_INTERVAL = 1 / 30  # seconds: at most 30 metric updates per second per stream
REAP_INTERVAL = 30.0  # seconds between sweeps for idle sessions
MAX_BODY = 65_536  # bytes: the largest request body read
ECHO_LIMIT = 200  # characters of a client's value quoted back in an error message
MAX_INT_DIGITS = 30  # longer JSON integers are read as floats (inf past 1e308): the field's check names them
#: the host names a loopback server answers to (any port): a DNS-rebinding page has its own name
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
EXPORTS = ("playground.toml", "playground.csv", "train.py", "playground.zip")


class UnknownSession(LookupError):
    """No session with this id (never created, closed, or removed when idle)."""


class BodyTooLarge(ValueError):
    """A request body past ``MAX_BODY`` bytes (answered 422, field "body")."""


def _clip(text: str, limit: int = ECHO_LIMIT) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _error(field: str, detail: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"field": _clip(field, 100), "detail": _clip(detail, 2 * ECHO_LIMIT)}, status_code=status)


def _parse_int(text: str):
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else float(text)


async def _read_body(request) -> bytes:
    """The body, read as a stream and refused past ``MAX_BODY`` bytes (a chunked body has no length)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise BodyTooLarge(f"Content-Length {_clip(declared, 30)} is larger than {MAX_BODY:,} bytes; "
                           "settings take a few hundred")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge(f"larger than {MAX_BODY:,} bytes; settings take a few hundred")
        chunks.append(chunk)
    return b"".join(chunks)


async def _body(request) -> dict:
    raw = await _read_body(request)
    try:
        body = json.loads(raw or b"{}", parse_int=_parse_int)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SettingsError("body", f"not valid JSON ({_clip(err)})") from None
    except RecursionError:
        raise SettingsError("body", "nested too deeply; settings are one object of fields") from None
    except ValueError as err:  # e.g. a number the decoder refuses
        raise SettingsError("body", f"not valid JSON ({_clip(err)})") from None
    if not isinstance(body, dict) or set(body) - {"settings", "b"}:
        raise SettingsError("body", 'must be {"settings": {...}, "b": {...} or null}')
    return body


def _session_json(session) -> dict:
    return {"id": session.id, "settings": session.settings.to_json(),
            "b": None if session.b_settings is None else session.b_settings.to_json()}


def _host_name(netloc: str) -> str | None:
    """The host name of ``host[:port]`` (IPv6 in brackets), lower case; None when it is malformed."""
    try:
        parts = urlsplit(f"//{netloc}")
        name, _ = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return None
    return name.lower().rstrip(".") if name else None


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class GuardMiddleware:
    """Refuses (403) requests for another host name, from another site, or with a non-JSON body."""

    def __init__(self, app, allowed_hosts):
        self.app = app
        self.allowed = {h.strip("[]").lower().rstrip(".") for h in allowed_hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        reason = self.refusal({k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
                              scope["method"])
        if reason is not None:
            return await _error("request", reason, 403)(scope, receive, send)
        return await self.app(scope, receive, send)

    def refusal(self, headers: dict, method: str) -> str | None:
        host = headers.get("host", "")
        name = _host_name(host)
        if name is None or name not in self.allowed:
            return (f"Host {_clip(host, 80)!r} is not served here (valid: {', '.join(sorted(self.allowed))}); "
                    "the playground answers only to the names it was started with")
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return (f"Origin {_clip(origin, 80)!r} is another site; the playground answers only to its own "
                        "page")
        if headers.get("sec-fetch-site") == "cross-site":
            return "a request from another site (Sec-Fetch-Site: cross-site); the playground answers only to its own page"
        if method in ("POST", "PUT", "PATCH") and (headers.get("content-length", "0") != "0"
                                                   or "transfer-encoding" in headers):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return (f"a request body must be sent as application/json; got {_clip(ctype or 'none', 80)!r}")
        return None


def request_language(query: str, accept: str | None, default: str) -> str:
    """A request's language: its ``lang`` query parameter, else the first language of its
    ``Accept-Language`` header that gdlab speaks, else ``default``."""
    asked = parse_qs(query).get("lang", [])
    tags = asked[:1] + [part.split(";")[0].strip() for part in (accept or "").split(",")]
    for tag in tags:
        try:
            return i18n.normalize(tag)
        except i18n.LanguageError:
            continue
    return default


class LanguageMiddleware:
    """Each request is handled in its language (``request_language``): messages render in it."""

    def __init__(self, app, default: str):
        self.app, self.default = app, default

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        accept = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        lang = request_language(scope.get("query_string", b"").decode("latin-1"), accept, self.default)
        with i18n.using(lang):
            return await self.app(scope, receive, send)


def messages(lang: str) -> dict[str, str]:
    """The page's messages in ``lang``: the ``playground`` and ``glossary`` domains, key → template."""
    return {k: v for k, v in i18n.catalog(lang).items() if k.split(".")[0] in ("playground", "glossary")}


def create_app(max_sessions: int = 16, idle_seconds: float = 600.0,
               allowed_hosts=LOOPBACK_NAMES, lang: str = "en") -> Starlette:
    """The app; ``allowed_hosts``: the host names (any port) it answers to — the loopback names by
    default, plus the address it is bound to when that is another one (``serve`` adds it); ``lang``: the
    language the page starts in (``en`` or ``zh-CN``; the page's switch changes it)."""
    lang = i18n.normalize(lang)
    sessions = Sessions(max_sessions=max_sessions, idle_seconds=idle_seconds)
    static = resources.files("gdlab.playground") / "static"

    def lookup(request):
        session = sessions.get(request.path_params["sid"])
        if session is None:
            raise UnknownSession(request.path_params["sid"])
        return session

    async def index(request):  # in the request's language (``?lang=``), or else the app's
        page_lang = request_language(request.url.query, None, lang)
        html = (static / "index.html").read_text(encoding="utf-8").replace('<html lang="en">',
                                                                            f'<html lang="{page_lang}">', 1)
        return Response(html, media_type="text/html")

    async def page_messages(request):
        return JSONResponse({"lang": i18n.current(), "messages": messages(i18n.current())})

    async def font(request):
        return Response(fonts.font_path().read_bytes(), media_type="font/ttf",
                        headers={"Cache-Control": "public, max-age=86400"})

    async def options(request):
        return JSONResponse(catalog())

    async def create(request):
        body = await _body(request)
        settings = validate(body.get("settings", {}))
        session = await asyncio.to_thread(sessions.create, settings)
        if body.get("b") is not None:
            try:
                await asyncio.to_thread(session.configure, body.get("settings", {}), body["b"])
            except SettingsError:
                sessions.remove(session.id)
                raise
        return JSONResponse(_session_json(session), status_code=201)

    async def configure(request):
        session = lookup(request)
        body = await _body(request)
        await asyncio.to_thread(session.configure, body.get("settings", {}), body.get("b"))
        return JSONResponse(_session_json(session))

    async def control(request):
        session = lookup(request)
        action = request.path_params["action"]
        actions = {"play": session.play, "pause": session.pause, "step": session.step, "reset": session.reset}
        if action not in actions:
            return _error("action", f"{_clip(action, 40)!r} is not valid; valid: {', '.join(actions)}", 404)
        await asyncio.to_thread(actions[action])  # waits for the lock, which an epoch may hold
        return JSONResponse({"ok": True, "action": action})

    async def status(request):
        session = lookup(request)
        return JSONResponse({**_session_json(session), "metrics": session.metrics_frame([])})

    async def delete(request):
        removed = sessions.remove(request.path_params["sid"])
        return JSONResponse({"removed": removed}, status_code=200 if removed else 404)

    async def events(request):
        session = lookup(request)

        async def stream():
            generation, metrics_seen, picture_seen, sent = None, None, None, []
            last_picture = 0.0
            while not session.closed:
                if await request.is_disconnected():  # a paused session sends nothing that could fail
                    return
                session.touch()
                if session.generation != generation:
                    frame = session.data_frame()
                    generation, metrics_seen, picture_seen, sent = frame["generation"], None, None, []
                    yield _sse("data", frame)
                if session.metrics_version != metrics_seen:
                    metrics_seen = session.metrics_version
                    frame = session.metrics_frame(sent)
                    if frame["generation"] == generation:
                        yield _sse("metrics", frame)
                now = time.monotonic()
                if session.picture_version != picture_seen and now - last_picture >= PICTURE_INTERVAL:
                    picture_seen, last_picture = session.picture_version, now
                    frame = session.picture_frame()
                    if frame["generation"] == generation:
                        yield _sse("picture", frame)
                await asyncio.sleep(METRICS_INTERVAL)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def export(request):
        session = lookup(request)
        which, name = request.path_params["run"], request.path_params["name"]
        if which not in ("a", "b") or (which == "b" and len(session.runs) < 2):
            return _error("run", f"{_clip(which, 40)!r} is not valid; valid: a"
                          + (" or b" if len(session.runs) > 1 else ""))
        if name not in EXPORTS:
            return _error("name", f"{_clip(name, 80)!r} is not valid; valid: {', '.join(EXPORTS)}")

        def build():
            with session.lock:
                if which == "b" and len(session.runs) < 2:
                    return None
                r = session.runs[0 if which == "a" else 1]
                return {"playground.toml": run_mod.export_toml(r), "playground.csv": session.dataset.csv(),
                        "train.py": run_mod.export_python(r)}

        files = await asyncio.to_thread(build)
        if files is None:  # run B went away (new settings) between the check and the lock
            return _error("run", "'b' is not valid; valid: a")
        if name == "playground.zip":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                for fname, text in files.items():
                    z.writestr(fname, text)
            content, media = buffer.getvalue(), "application/zip"
        else:
            content, media = files[name], "text/plain; charset=utf-8"
        download = run_mod.export_name(which, name)  # playground-a.toml, playground-b.zip: A and B never collide
        return Response(content, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{download}"'})

    async def lesson_route(request):
        params = lesson.parse(dict(request.query_params))
        return JSONResponse(await asyncio.to_thread(lesson.parabola, **params))

    async def on_settings_error(request, exc: SettingsError):
        return _error(exc.field, exc.message)

    async def on_too_large(request, exc: BodyTooLarge):
        return _error("body", str(exc))

    async def on_missing(request, exc: UnknownSession):
        return _error("session", i18n.t("playground.session_missing", id=repr(_clip(exc.args[0], 40))), 404)

    async def on_full(request, exc: SessionLimitError):
        return _error("session", str(exc), 503)

    routes = [
        Route("/", index),
        Route("/api/options", options),
        Route("/api/lesson", lesson_route),
        Route("/api/messages", page_messages),
        Route(f"/fonts/{fonts.FILE}", font),
        Route("/api/sessions", create, methods=["POST"]),
        Route("/api/sessions/{sid}", status, methods=["GET"]),
        Route("/api/sessions/{sid}", delete, methods=["DELETE"]),
        Route("/api/sessions/{sid}/settings", configure, methods=["PUT"]),
        Route("/api/sessions/{sid}/{action}", control, methods=["POST"]),
        Route("/api/sessions/{sid}/events", events),
        Route("/api/sessions/{sid}/export/{run}/{name}", export),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    async def reap():  # idle sessions go even when no new tab asks for room
        while True:
            await asyncio.sleep(min(REAP_INTERVAL, idle_seconds))
            sessions.remove_idle()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        reaper = asyncio.create_task(reap())
        yield
        reaper.cancel()
        sessions.close_all()

    app = Starlette(routes=routes, exception_handlers={SettingsError: on_settings_error, UnknownSession: on_missing,
                                                       SessionLimitError: on_full, BodyTooLarge: on_too_large},
                    middleware=[Middleware(GuardMiddleware, allowed_hosts=allowed_hosts),
                                Middleware(LanguageMiddleware, default=lang)], lifespan=lifespan)
    app.state.sessions = sessions
    return app


def _sse(event: str, payload: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


def allowed_hosts_for(host: str, extra=()) -> tuple[str, ...]:
    """The host names a server bound to ``host`` answers to: the loopback names, the bound address
    unless it is a wildcard (0.0.0.0, ::), and ``extra`` (the names other machines reach it by)."""
    names = [*LOOPBACK_NAMES, *extra]
    if host not in ("0.0.0.0", "::", ""):
        names.append(host)
    return tuple(dict.fromkeys(n.strip("[]").lower() for n in names))


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False, allow_hosts=(),
          lang: str | None = None) -> None:
    """Run the playground with uvicorn until interrupted; ``open_browser`` opens the page once it listens;
    ``lang``: the page's language (None: from LC_ALL / LC_MESSAGES / LANG, else English).

    It listens on loopback unless ``host`` says otherwise, and then says so: anyone who can reach
    that address can train on this machine. ``allow_hosts``: further host names it answers to."""
    import threading
    import webbrowser

    import uvicorn

    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"gdlab playground on {url} (Ctrl+C stops it)")
    if not is_loopback(host):
        names = allowed_hosts_for(host, allow_hosts)
        print(f"warning: listening on {host}, not on loopback: other machines that reach it can start training "
              f"here; it answers to the host names {', '.join(names)} (add more with --allow-host)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    app = create_app(allowed_hosts=allowed_hosts_for(host, allow_hosts), lang=i18n.resolve(lang))
    uvicorn.run(app, host=host, port=port, log_level="warning")
