"""The playground's HTTP API attacked: the fast, representative part of ``benchmarks/attacks/run_attacks.py``.

Every answer is a clean 4xx naming the field (never a 5xx, never an echo of unbounded input); requests
from another site or for another host name are refused; the event stream never waits for an epoch.
"""

import asyncio
import threading
import time

import pytest
from required import require

require("starlette")
require("httpx2")  # the client starlette's TestClient uses

from starlette.testclient import TestClient  # noqa: E402

from gdlab.playground import app as app_mod, create_app, settings  # noqa: E402

BASE = "http://127.0.0.1:8000"
JSON = {"content-type": "application/json"}


@pytest.fixture
def client():
    with TestClient(create_app(max_sessions=3, idle_seconds=600), base_url=BASE,
                    raise_server_exceptions=False) as c:
        yield c


def sid_of(client):
    res = client.post("/api/sessions", json={"settings": {}})
    assert res.status_code == 201, res.text
    return res.json()["id"]


@pytest.mark.parametrize("body, field", [
    ('{"settings": {"noise": %s}}' % ("9" * 400), "noise"),
    ('{"settings": {"noise": %s}}' % ("9" * 5000), "noise"),
    ('{"settings": {"decaySteps": -%s}}' % ("9" * 400), "decaySteps"),
    ('{"settings": {"hyper": {"momentum": %s}}}' % ("9" * 400), None),
    ("[" * 5000 + "]" * 5000, "body"),
    ('{"settings": ' * 3000 + "{}" + "}" * 3000, "body"),
    ('{"settings": {"noise": NaN, "seed": -Infinity}}', "noise"),
    ('{"settings": {"dataset": "%s"}}' % ("x" * 60_000), "dataset"),
    ('{"settings": {"%s": 1}}' % ("k" * 60_000), None),
    ("\xff\xfe not json", "body"),
])
def test_hostile_bodies_answer_a_short_422(client, body, field):
    res = client.post("/api/sessions", content=body.encode("utf-8", "surrogateescape"), headers=JSON)
    assert res.status_code == 422, res.text[:300]
    assert len(res.content) < 1500  # the value is quoted cut short, never echoed whole
    if field is not None:
        assert res.json()["field"] == field
    assert len(client.app.state.sessions) == 0


def test_a_chunked_body_past_the_limit_is_refused_while_streaming(client):
    def chunks():  # no Content-Length: the old check looked only at that header
        for _ in range(200):
            yield b'{"settings": {"dataset": "' + b"x" * 16_384

    res = client.post("/api/sessions", content=chunks(), headers=JSON)
    assert res.status_code == 422 and res.json()["field"] == "body"
    assert "65,536 bytes" in res.json()["detail"] and len(res.content) < 1000
    res = client.post("/api/sessions", content=b"{}", headers={**JSON, "content-length": "99999999999"})
    assert res.status_code == 422 and res.json()["field"] == "body"


@pytest.mark.parametrize("headers", [
    {"host": "evil.example"},  # DNS rebinding: the attacker's name resolving to 127.0.0.1
    {"host": "evil.example:8000"},
    {"host": "127.0.0.1.evil.example"},
    {"host": ""},
    {"host": "127.0.0.1:notaport"},
    {"origin": "http://evil.example"},  # CSRF from a page the user visits
    {"origin": "null"},
    {"origin": "http://127.0.0.1:9999"},  # another local server's page
    {"sec-fetch-site": "cross-site"},
    {"content-type": "text/plain"},  # a cross-site "simple" POST needs no preflight
    {"content-type": "application/x-www-form-urlencoded"},
])
def test_other_sites_and_host_names_are_refused(client, headers):
    body = b'{"settings": {}}'
    res = client.post("/api/sessions", content=body, headers={**JSON, **headers})
    assert res.status_code == 403, res.text
    assert res.json()["field"] == "request" and len(res.content) < 1000
    assert len(client.app.state.sessions) == 0
    sid = sid_of(client)
    assert client.post(f"/api/sessions/{sid}/play", headers=headers, content=body).status_code == 403
    if "content-type" not in headers:
        assert client.get(f"/api/sessions/{sid}", headers=headers).status_code == 403
        assert client.get("/api/options", headers=headers).status_code == 403


def test_the_page_itself_is_served():
    with TestClient(create_app(), base_url="http://localhost:8123") as c:
        assert c.get("/api/options", headers={"origin": "http://localhost:8123"}).status_code == 200
        res = c.post("/api/sessions", json={"settings": {}}, headers={"origin": "http://localhost:8123",
                                                                      "sec-fetch-site": "same-origin"})
        assert res.status_code == 201
    with TestClient(create_app(), base_url="http://[::1]:8000") as c:
        assert c.get("/api/options").status_code == 200


def test_bound_address_and_loopback_warning(monkeypatch, capsys):
    assert app_mod.is_loopback("127.0.0.1") and app_mod.is_loopback("::1") and app_mod.is_loopback("localhost")
    assert not app_mod.is_loopback("0.0.0.0") and not app_mod.is_loopback("192.168.1.5")
    assert "192.168.1.5" in app_mod.allowed_hosts_for("192.168.1.5")
    assert app_mod.allowed_hosts_for("0.0.0.0", ["box.lan"]) == ("127.0.0.1", "localhost", "::1", "box.lan")
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    app_mod.serve("127.0.0.1", 8001)
    assert "warning" not in capsys.readouterr().out
    app_mod.serve("0.0.0.0", 8002, allow_hosts=["box.lan"])
    out = capsys.readouterr().out
    assert "warning: listening on 0.0.0.0, not on loopback" in out and "box.lan" in out
    assert [c["host"] for c in calls] == ["127.0.0.1", "0.0.0.0"]


def test_the_extra_session_evicts_nobody_and_ids_are_unguessable(client):
    ids = [sid_of(client) for _ in range(3)]
    res = client.post("/api/sessions", json={"settings": {}})
    assert res.status_code == 503 and res.json()["field"] == "session"
    assert all(client.get(f"/api/sessions/{sid}").status_code == 200 for sid in ids)
    assert len(set(ids)) == 3 and all(len(sid) >= 16 for sid in ids)  # 96 random bits, url-safe
    for guess in (ids[0][:-1] + ("A" if ids[0][-1] != "A" else "B"), "1", "../" + ids[0], ids[0].upper()):
        if guess == ids[0]:
            continue
        assert client.post(f"/api/sessions/{guess}/play").status_code == 404
        assert client.get(f"/api/sessions/{guess}/export/a/playground.toml").status_code == 404
    assert client.get("/api/sessions").status_code in (404, 405)  # no listing of other clients' ids


def test_frames_never_wait_for_the_training_lock():
    """The training thread holds the lock for a whole epoch; the stream runs on the event loop."""
    session = create_app().state.sessions.create(settings.validate({}))
    try:
        session.step()
        deadline = time.monotonic() + 30
        while session.metrics_frame([])["runs"][0]["epoch"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        held, release = threading.Event(), threading.Event()

        def epoch():  # stands for a long epoch
            with session.lock:
                held.set()
                release.wait(10)

        t = threading.Thread(target=epoch)
        t.start()
        held.wait(5)
        start = time.monotonic()
        frames = [session.data_frame(), session.metrics_frame([]), session.picture_frame()]
        took = time.monotonic() - start
        release.set()
        t.join()
        assert took < 1.0
        assert frames[1]["runs"][0]["epoch"] == 1 and len(frames[1]["runs"][0]["curve"]) == 2
        assert frames[0]["generation"] == frames[1]["generation"] == 1
    finally:
        session.close()


def test_disconnecting_streams_leave_no_tasks():
    """A client that goes away while its (paused) session sends nothing: the stream still ends."""
    app = create_app()
    session = app.state.sessions.create(settings.validate({}))

    async def one_stream():
        calls = 0

        async def receive():
            nonlocal calls
            calls += 1
            if calls == 1:
                await asyncio.sleep(0.05)
            return {"type": "http.disconnect"}

        async def send(message):
            pass

        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": f"/api/sessions/{session.id}/events",
                 "raw_path": b"", "query_string": b"", "root_path": "", "headers": [(b"host", b"127.0.0.1")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        await asyncio.wait_for(app(scope, receive, send), 10)

    async def scenario():
        before = len(asyncio.all_tasks())
        await asyncio.gather(*(one_stream() for _ in range(40)))
        await asyncio.sleep(0.05)
        return before, len(asyncio.all_tasks())

    try:
        before, after = asyncio.run(scenario())
    finally:
        session.close()
    assert after <= before
