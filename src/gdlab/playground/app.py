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

Bad input answers HTTP 422 with {"field": …, "detail": …} naming the field and its valid range.
Nothing the client sends reaches the file system: exports are built in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
import zipfile
from importlib import resources

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gdlab.playground import lesson, run as run_mod
from gdlab.playground.session import PICTURE_INTERVAL, SessionLimitError, Sessions
from gdlab.playground.settings import SettingsError, catalog, validate

METRICS_INTERVAL = 1 / 30  # seconds: at most 30 metric updates per second per stream
REAP_INTERVAL = 30.0  # seconds between sweeps for idle sessions
MAX_BODY = 65_536  # bytes: the largest request body read
EXPORTS = ("playground.toml", "playground.csv", "train.py", "playground.zip")


class UnknownSession(LookupError):
    """No session with this id (never created, closed, or removed when idle)."""


def _error(field: str, detail: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"field": field, "detail": detail}, status_code=status)


async def _body(request) -> dict:
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise SettingsError("body", f"larger than {MAX_BODY:,} bytes; settings take a few hundred")
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SettingsError("body", f"not valid JSON ({err})") from None
    if not isinstance(body, dict) or set(body) - {"settings", "b"}:
        raise SettingsError("body", 'must be {"settings": {...}, "b": {...} or null}')
    return body


def _session_json(session) -> dict:
    return {"id": session.id, "settings": session.settings.to_json(),
            "b": None if session.b_settings is None else session.b_settings.to_json()}


def create_app(max_sessions: int = 16, idle_seconds: float = 600.0) -> Starlette:
    sessions = Sessions(max_sessions=max_sessions, idle_seconds=idle_seconds)
    static = resources.files("gdlab.playground") / "static"

    def lookup(request):
        session = sessions.get(request.path_params["sid"])
        if session is None:
            raise UnknownSession(request.path_params["sid"])
        return session

    async def index(request):
        return Response((static / "index.html").read_text(encoding="utf-8"), media_type="text/html")

    async def options(request):
        return JSONResponse(catalog())

    async def create(request):
        body = await _body(request)
        settings = validate(body.get("settings", {}))
        session = sessions.create(settings)
        if body.get("b") is not None:
            try:
                session.configure(body.get("settings", {}), body["b"])
            except SettingsError:
                sessions.remove(session.id)
                raise
        return JSONResponse(_session_json(session), status_code=201)

    async def configure(request):
        session = lookup(request)
        body = await _body(request)
        session.configure(body.get("settings", {}), body.get("b"))
        return JSONResponse(_session_json(session))

    async def control(request):
        session = lookup(request)
        action = request.path_params["action"]
        actions = {"play": session.play, "pause": session.pause, "step": session.step, "reset": session.reset}
        if action not in actions:
            return _error("action", f"{action!r} is not valid; valid: {', '.join(actions)}", 404)
        actions[action]()
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
            return _error("run", f"{which!r} is not valid; valid: a" + (" or b" if len(session.runs) > 1 else ""))
        if name not in EXPORTS:
            return _error("name", f"{name!r} is not valid; valid: {', '.join(EXPORTS)}")
        with session.lock:
            r = session.runs[0 if which == "a" else 1]
            files = {"playground.toml": run_mod.export_toml(r), "playground.csv": session.dataset.csv(),
                     "train.py": run_mod.export_python(r)}
        if name == "playground.zip":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                for fname, text in files.items():
                    z.writestr(fname, text)
            content, media = buffer.getvalue(), "application/zip"
        else:
            content, media = files[name], "text/plain; charset=utf-8"
        return Response(content, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def lesson_route(request):
        params = lesson.parse(dict(request.query_params))
        return JSONResponse(await asyncio.to_thread(lesson.parabola, **params))

    async def on_settings_error(request, exc: SettingsError):
        return _error(exc.field, exc.message)

    async def on_missing(request, exc: UnknownSession):
        return _error("session", f"no session {exc.args[0]!r} (it may have been idle and removed)", 404)

    async def on_full(request, exc: SessionLimitError):
        return _error("session", str(exc), 503)

    routes = [
        Route("/", index),
        Route("/api/options", options),
        Route("/api/lesson", lesson_route),
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
                                                       SessionLimitError: on_full}, lifespan=lifespan)
    app.state.sessions = sessions
    return app


def _sse(event: str, payload: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Run the playground with uvicorn until interrupted; ``open_browser`` opens the page once it listens."""
    import threading
    import webbrowser

    import uvicorn

    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"gdlab playground on {url} (Ctrl+C stops it)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
