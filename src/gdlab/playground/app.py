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
most wanted language of ``Accept-Language`` (by ``q``) that gdlab speaks (the page sends its own), else the app's:
error details, a run's divergence message and the lesson's verdict are rendered in it.

The operations behind the /api routes are ``api.Api``'s (the notebook widget answers the same requests
with them) and the event stream sends what ``api.FrameFeed`` says is due; this module is the HTTP side:
the page, reading bodies, the guard, the stream, the server.

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
epoch): the stream reads the snapshot the training thread publishes, and the operations run in a
worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ipaddress
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gdlab import i18n
from gdlab.i18n import fonts
from gdlab.playground.api import (MAX_BODY, METRICS_INTERVAL, ROUTES, Api, BodyTooLarge, FrameFeed, RequestError,
                                  Reply, clip, error_json, error_reply, page_file)
from gdlab.playground.session import SessionLimitError, Sessions
from gdlab.playground.settings import SettingsError

REAP_INTERVAL = 30.0  # seconds between sweeps for idle sessions
#: the host names a loopback server answers to (any port): a DNS-rebinding page has its own name
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
BODY_OPERATIONS = ("create", "configure")  # the operations that read a request body


def _error(field: str, detail: str, status: int = 422) -> JSONResponse:
    return JSONResponse(error_json(field, detail), status_code=status)


def _response(reply: Reply) -> Response:
    if reply.json is not None:
        return JSONResponse(reply.json, status_code=reply.status)
    return Response(reply.content, status_code=reply.status, media_type=reply.media,
                    headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'})


async def _read_body(request) -> bytes:
    """The body, read as a stream and refused past ``MAX_BODY`` bytes (a chunked body has no length)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise BodyTooLarge(f"Content-Length {clip(declared, 30)} is")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge("a body")
        chunks.append(chunk)
    return b"".join(chunks)


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
            return (f"Host {clip(host, 80)!r} is not served here (valid: {', '.join(sorted(self.allowed))}); "
                    "the playground answers only to the names it was started with")
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return (f"Origin {clip(origin, 80)!r} is another site; the playground answers only to its own "
                        "page")
        if headers.get("sec-fetch-site") == "cross-site":
            return "a request from another site (Sec-Fetch-Site: cross-site); the playground answers only to its own page"
        if method in ("POST", "PUT", "PATCH") and (headers.get("content-length", "0") != "0"
                                                   or "transfer-encoding" in headers):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return (f"a request body must be sent as application/json; got {clip(ctype or 'none', 80)!r}")
        return None


def _accepted(accept: str) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first: by their ``q`` (1 when absent;
    the header's order among equal ones), leaving out those with ``q=0`` ("not acceptable") or a ``q`` that
    is not a number from 0 to 1."""
    ranked = []
    for position, part in enumerate(accept.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value) if len(value) <= 8 else -1.0
                except ValueError:
                    q = -1.0
        if 0 < q <= 1:
            ranked.append((-q, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def request_language(query: str, accept: str | None, default: str) -> str:
    """A request's language: its ``lang`` query parameter (the last one, as the operations read a repeated
    parameter), else the most wanted language of its ``Accept-Language`` header that gdlab speaks, else
    ``default``."""
    asked = parse_qs(query).get("lang", [])
    tags = asked[-1:] + _accepted(accept or "")
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


def create_app(max_sessions: int = 16, idle_seconds: float = 600.0,
               allowed_hosts=LOOPBACK_NAMES, lang: str = "en") -> Starlette:
    """The app; ``allowed_hosts``: the host names (any port) it answers to — the loopback names by
    default, plus the address it is bound to when that is another one (``serve`` adds it); ``lang``: the
    language the page starts in (``en`` or ``zh-CN``; the page's switch changes it)."""
    lang = i18n.normalize(lang)
    sessions = Sessions(max_sessions=max_sessions, idle_seconds=idle_seconds)
    api = Api(sessions)

    def endpoint(operation: str):
        call = getattr(api, operation)

        async def answer(request):
            raw = await _read_body(request) if operation in BODY_OPERATIONS else b""
            # in a worker thread: the controls, settings and export wait for the lock, which an epoch may hold
            reply = await asyncio.to_thread(call, request.path_params, dict(request.query_params), raw)
            return _response(reply)
        return answer

    async def index(request):  # in the request's language (``?lang=``), or else the app's
        page_lang = request_language(request.url.query, None, lang)
        return Response(page_file("index.html").replace('<html lang="en">', f'<html lang="{page_lang}">', 1),
                        media_type="text/html")

    async def font(request):
        return Response(fonts.font_path().read_bytes(), media_type="font/ttf",
                        headers={"Cache-Control": "public, max-age=86400"})

    async def events(request):
        feed = FrameFeed(api.lookup(request.path_params["sid"]))

        async def stream():
            while not feed.session.closed:
                if await request.is_disconnected():  # a paused session sends nothing that could fail
                    return
                for event, frame in feed.due():
                    yield _sse(event, frame)
                await asyncio.sleep(METRICS_INTERVAL)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def on_error(request, exc):
        return _response(error_reply(exc))

    static = resources.files("gdlab.playground") / "static"
    routes = [Route("/", index), Route("/api/sessions/{sid}/events", events), Route(f"/fonts/{fonts.FILE}", font),
              *(Route(path, endpoint(operation), methods=[method]) for method, path, operation in ROUTES),
              Mount("/static", StaticFiles(directory=str(static)), name="static")]

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

    app = Starlette(routes=routes, exception_handlers={SettingsError: on_error, RequestError: on_error,
                                                       SessionLimitError: on_error},
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
