"""The notebook widget driven from Python the way a notebook drives it: its page's messages go in through
ipywidgets' comm handler, its replies and frames are what it sends. No browser (test_playground_widget_browser.py
has one)."""

import base64
import json
import time

import numpy as np
import pytest
from required import require

require("anywidget")
require("starlette")
require("httpx2")

from starlette.testclient import TestClient  # noqa: E402

import gdlab  # noqa: E402
from gdlab.playground import create_app, notebook, widget  # noqa: E402
from gdlab.playground.settings import SettingsError  # noqa: E402
from gdlab.runs import train_from_config  # noqa: E402

TIMEOUT = 60.0  # seconds any wait may take at most


class Page:
    """What a view's page does: requests and "listen" through the widget's comm handler, replies collected."""

    def __init__(self, w):
        self.w, self.sent, self.next = w, [], 0
        w.send = self.sent.append  # what anywidget would deliver to the views

    def post(self, content):
        self.w._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})

    def request(self, method, path, body=None):
        rid, self.next = f"r{self.next}", self.next + 1
        self.post({"request": rid, "method": method, "path": path, "body": None if body is None else json.dumps(body)})
        return self.wait(lambda m: m.get("response") == rid)

    def wait(self, matches):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = [m for m in list(self.sent) if matches(m)]
            if found:
                return found[-1]
            time.sleep(0.01)
        raise AssertionError(f"no message in {TIMEOUT} s")

    def epoch(self, sid, epoch, run_index=0):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            run = self.request("GET", f"/api/sessions/{sid}")["json"]["metrics"]["runs"][run_index]
            if run["epoch"] >= epoch:
                return run
            time.sleep(0.02)
        raise AssertionError(f"epoch {epoch} not reached in {TIMEOUT} s")


@pytest.fixture
def make():
    made = []

    def make_widget(**kwargs):
        w = widget(**kwargs)
        made.append(w)
        return w, Page(w)

    yield make_widget
    for w in made:
        w.close()


def _weights_equal(trained, expected):
    return len(trained) == len(expected) and all(
        np.array_equal(t, e) and t.dtype == e.dtype for t, e in zip(trained, expected))


def test_played_epochs_export_through_messages_and_python_and_train_again_bit_for_bit(make, tmp_path):
    w, page = make(dataset="xor", networkShape=[4, 2], seed=3, hyper={"momentum": 0.9},
                   b={"optimizer": "adam", "learningRate": 0.01})
    joined = page.request("POST", "/api/sessions", {"settings": {}, "b": None})  # what the page does on load
    sid = joined["json"]["id"]
    assert (joined["status"], sid, joined["json"]["b"]["optimizer"]) == (201, w.session.id, "adam")
    page.post({"listen": sid})
    assert page.wait(lambda m: m.get("event") == "data")["frame"]["settings"]["dataset"] == "xor"
    assert page.request("POST", f"/api/sessions/{sid}/play")["json"] == {"ok": True, "action": "play"}
    page.epoch(sid, 3)
    page.request("POST", f"/api/sessions/{sid}/pause")
    epochs = page.epoch(sid, 3)["epoch"]
    page.epoch(sid, epochs, run_index=1)
    curve = page.wait(lambda m: m.get("event") == "metrics" and m["frame"]["runs"][0]["epoch"] == epochs)
    assert curve["frame"]["runs"][0]["iteration"] == 25 * epochs  # 250 training points, batch 10

    for index, which in enumerate("ab"):
        folder = tmp_path / f"page-{which}"
        folder.mkdir()
        for name in ("playground.toml", "playground.csv", "train.py"):
            reply = page.request("GET", f"/api/sessions/{sid}/export/{which}/{name}")
            assert reply["status"] == 200 and reply["file"]["name"] == name.replace(".", f"-{which}.")
            (folder / name).write_bytes(base64.b64decode(reply["file"]["base64"]))
        from_python = w.export(which, tmp_path / f"python-{which}")
        assert all((from_python / n).read_bytes() == (folder / n).read_bytes() for n in notebook._FILES)
        result = train_from_config(folder / "playground.toml", folder / "out")
        trained = gdlab.load_model(result.files["model.safetensors"]).get_weights()
        assert result.epochs == epochs
        assert _weights_equal(trained, w.session.runs[index].model.get_weights())


def test_requests_are_answered_as_the_web_app_answers_them(make):
    w, page = make()
    sid = w.session.id
    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as client:
        http_sid = client.post("/api/sessions", json={"settings": {}}).json()["id"]
        for method, path, body in [
            ("PUT", "/api/sessions/{sid}/settings", {"settings": {"noise": 70}}),
            ("PUT", "/api/sessions/{sid}/settings", {"settings": {}, "b": {"dataset": "spiral"}}),
            ("POST", "/api/sessions/{sid}/jump", None),
            ("GET", "/api/sessions/{sid}/export/b/playground.toml", None),
            ("GET", "/api/sessions/{sid}/export/a/model.pkl", None),
            ("GET", "/api/sessions/nope", None),
            ("GET", "/api/lesson?eta=-1&steps=5", None),
            ("GET", "/api/options", None),
        ]:
            mine = page.request(method, path.format(sid=sid), body)
            http = client.request(method, path.format(sid=http_sid), json=body)
            assert (mine["status"], mine["json"]) == (http.status_code, http.json()), (method, path)
    lesson = page.request("GET", "/api/lesson?eta=0.1&steps=4")["json"]
    assert len(lesson["w"]) == 5 and lesson["w"][0] == 0.5
    bad = page.request("PATCH", "/api/elsewhere")
    assert bad["status"] == 404 and bad["json"]["field"] == "path" and "POST /api/sessions" in bad["json"]["detail"]
    assert page.request(1, "/api/options")["json"]["field"] == "method"


def test_the_page_can_set_the_widgets_settings_and_closing_ends_the_session(make):
    w, page = make(dataset="circle")
    reply = page.request("POST", "/api/sessions", {"settings": {"dataset": "gauss"}, "b": None})
    assert reply["json"]["settings"]["dataset"] == "gauss" == w.session.settings["dataset"]
    session = w.session
    w.close()
    assert session.closed
    session.thread.join(timeout=TIMEOUT)
    assert not session.thread.is_alive()


def test_bad_settings_raise_naming_the_field_and_the_page_is_self_contained():
    with pytest.raises(SettingsError, match=r"noise: 70 is not valid; valid: an integer 0–50"):
        widget(noise=70)
    with pytest.raises(SettingsError, match=r"^seed: .*valid: an integer 0–2147483647"):
        widget(seed=np.int64(3))  # the page's rules: a JSON integer
    with pytest.raises(SettingsError, match=r"b\.dataset"):
        widget(b={"dataset": "spiral"})
    page = notebook.inline_page()
    assert "/static/" not in page and "window.gdlabWidget = true" in page
    assert 'id="play-pause-button"' in page and "function widgetTransport()" in page
    assert "<style>" in page and "#controls label, #b-controls label" in page  # playground.css, inlined
    assert "url(/fonts/" not in page and "url(data:font/ttf;base64," in page  # the CJK font, inlined too
