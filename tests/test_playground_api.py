"""The playground's API through the ASGI test client: sessions, validation, the stream, exact export."""

import json
import runpy
import time

import numpy as np
import pytest
from required import require

require("starlette")
require("httpx2")  # the client starlette's TestClient uses (the old check looked for httpx and skipped every test)

from starlette.testclient import TestClient  # noqa: E402

import gdlab  # noqa: E402
from gdlab import cli  # noqa: E402
from gdlab.playground import create_app, data, run, settings  # noqa: E402
from gdlab.runs import train_from_config  # noqa: E402

TIMEOUT = 60.0  # seconds any wait in these tests may take at most
BASE = "http://127.0.0.1:8000"  # the playground answers only to loopback host names


@pytest.fixture
def client():
    with TestClient(create_app(max_sessions=4, idle_seconds=600), base_url=BASE) as c:
        yield c


def create(client, body=None, status=201):
    res = client.post("/api/sessions", json=body or {"settings": {}})
    assert res.status_code == status, res.text
    return res.json()


def wait_for_epoch(client, sid, epoch, run_index=0):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        metrics = client.get(f"/api/sessions/{sid}").json()["metrics"]
        if metrics["runs"][run_index]["epoch"] >= epoch or metrics["runs"][run_index]["error"]:
            return metrics
        time.sleep(0.02)
    raise AssertionError(f"epoch {epoch} not reached in {TIMEOUT} s")


def step(client, sid, n):
    for _ in range(n):
        assert client.post(f"/api/sessions/{sid}/step").status_code == 200
    return wait_for_epoch(client, sid, n)


@pytest.mark.parametrize("body, field, valid", [
    ({"noise": 70}, "noise", "0–50"),
    ({"trainRatio": 5}, "trainRatio", "10–90"),
    ({"networkShape": [9]}, "networkShape", "1–8 neurons"),
    ({"networkShape": [1] * 7}, "networkShape", "0–6 hidden layers"),
    ({"features": []}, "features", "x1, x2"),
    ({"features": ["x3"]}, "features", "x1, x2"),
    ({"activation": "swish"}, "activation", "tanh"),
    ({"learningRate": -1}, "learningRate", "0–10"),
    ({"clipnorm": -1}, "clipnorm", "0–100"),
    ({"learningRate": "0.1"}, "learningRate", "0–10"),
    ({"batchSize": 0}, "batchSize", '"full"'),
    ({"batchSize": 2.5}, "batchSize", '"full"'),
    ({"seed": -1}, "seed", "0–2147483647"),
    ({"dataset": "moons"}, "dataset", "spiral"),
    ({"optimizer": "adamx"}, "optimizer", "adam"),
    ({"hyper": {"momentum": 1.5}}, "hyper.momentum", "0–0.999"),
    ({"hyper": {"beta_1": 0.9}}, "hyper.beta_1", "momentum"),
    ({"convention": "torch", "hyper": {"nesterov": True}}, "optimizer", "nesterov"),
    ({"colour": "red"}, "colour", "unknown field"),
])
def test_bad_settings_answer_422_naming_the_field_and_the_range(client, body, field, valid):
    res = client.post("/api/sessions", json={"settings": body})
    assert res.status_code == 422
    assert res.json()["field"] == field
    assert valid in res.json()["detail"]
    assert len(client.app.state.sessions) == 0


@pytest.mark.parametrize("path, body, field", [
    ("/api/sessions", {"settings": {}, "b": {"dataset": "xor"}}, "b.dataset"),
    ("/api/sessions", {"settings": {}, "b": {"learningRate": 50}}, "b.learningRate"),
    ("/api/sessions", {"settings": {}, "b": [1]}, "b"),
    ("/api/sessions", {"settings": {}, "extra": 1}, "body"),
    ("/api/sessions", {"settings": {"dataset": "x" * 70_000}}, "body"),
    ("/api/lesson?eta=5", None, "eta"),
    ("/api/lesson?steps=0", None, "steps"),
    ("/api/lesson?eta=fast", None, "eta"),
])
def test_bad_bodies_and_queries_answer_422(client, path, body, field):
    res = client.post(path, json=body) if body is not None else client.get(path)
    assert res.status_code == 422
    assert res.json()["field"] == field


def test_session_cap_and_idle_removal():
    with TestClient(create_app(max_sessions=2, idle_seconds=600), base_url=BASE) as c:
        ids = [create(c)["id"] for _ in range(2)]
        res = c.post("/api/sessions", json={"settings": {}})
        assert res.status_code == 503 and "2 playground sessions" in res.json()["detail"]
        assert c.delete(f"/api/sessions/{ids[0]}").json() == {"removed": True}
        create(c)
    with TestClient(create_app(max_sessions=1, idle_seconds=0.05), base_url=BASE) as c:
        first = create(c)["id"]
        time.sleep(0.1)
        create(c)  # the idle first session is removed to make room
        assert c.get(f"/api/sessions/{first}").status_code == 404


def test_idle_sessions_are_reaped_without_new_requests():
    with TestClient(create_app(max_sessions=4, idle_seconds=0.1), base_url=BASE) as c:
        sessions = c.app.state.sessions
        create(c)
        deadline = time.monotonic() + TIMEOUT
        while len(sessions) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sessions) == 0


def test_unknown_session_and_action(client):
    assert client.post("/api/sessions/nope/play").status_code == 404
    sid = create(client)["id"]
    res = client.post(f"/api/sessions/{sid}/jump")
    assert res.status_code == 404 and res.json()["field"] == "action"
    assert client.get(f"/api/sessions/{sid}/export/a/../../etc/passwd").status_code == 404
    res = client.get(f"/api/sessions/{sid}/export/a/model.pkl")
    assert res.status_code == 422 and res.json()["field"] == "name"
    assert client.get(f"/api/sessions/{sid}/export/b/playground.toml").json()["field"] == "run"


def test_step_counts_epochs_and_iterations(client):
    sid = create(client, {"settings": {"dataset": "xor", "batchSize": 10, "trainRatio": 50}})["id"]
    metrics = step(client, sid, 3)
    a = metrics["runs"][0]
    assert (a["epoch"], a["iteration"], a["iterationsPerEpoch"]) == (3, 75, 25)  # 250 points, B = 10
    assert [p[0] for p in a["curve"]] == [0, 1, 2, 3]
    client.post(f"/api/sessions/{sid}/reset")
    assert client.get(f"/api/sessions/{sid}").json()["metrics"]["runs"][0]["epoch"] == 0


@pytest.mark.parametrize("dataset", ["gauss", "plane"])
def test_loss_falls_while_playing(client, dataset):
    sid = create(client, {"settings": {"dataset": dataset, "learningRate": 0.1}})["id"]
    client.post(f"/api/sessions/{sid}/play")
    metrics = wait_for_epoch(client, sid, 15)
    client.post(f"/api/sessions/{sid}/pause")
    curve = metrics["runs"][0]["curve"]
    assert curve[-1][1] < 0.6 * curve[0][1]  # training loss
    assert curve[-1][2] < 0.6 * curve[0][2]  # test loss


def _export(client, sid, which, tmp_path):
    folder = tmp_path / which
    folder.mkdir()
    for name in ("playground.toml", "playground.csv", "train.py"):
        res = client.get(f"/api/sessions/{sid}/export/{which}/{name}")
        assert res.status_code == 200
        (folder / name).write_text(res.text, encoding="utf-8")
    return folder


EXPORT_CASES = [
    ({"dataset": "xor", "networkShape": [4, 2], "seed": 3, "hyper": {"momentum": 0.9}, "schedule": "exponential",
      "decaySteps": 50, "clipnorm": 0.5}, None),
    ({"dataset": "plane", "networkShape": [3], "activation": "relu", "optimizer": "adam", "convention": "torch",
      "learningRate": 0.01, "regularizationRate": 0.01, "batchSize": "full", "dtype": "float64"}, None),
    ({"dataset": "spiral", "features": ["x1", "x2", "x1sq", "sinx1"], "batchSize": 1, "noise": 20,
      "sampling": "with_replacement", "trainRatio": 30}, None),
    ({"dataset": "circle", "seed": 5}, {"optimizer": "rmsprop", "learningRate": 0.01, "hyper": {"centered": True},
                                         "clipnorm": 0.05}),
]


@pytest.mark.parametrize("settings_, b", EXPORT_CASES)
def test_exported_toml_and_script_reproduce_the_weights_bit_for_bit(client, tmp_path, monkeypatch, settings_, b):
    sid = create(client, {"settings": settings_, "b": b})["id"]
    step(client, sid, 4)
    session = client.app.state.sessions.get(sid)
    for index, which in enumerate(["a", "b"] if b else ["a"]):
        wait_for_epoch(client, sid, 4, index)
        folder = _export(client, sid, which, tmp_path)
        result = train_from_config(folder / "playground.toml", folder / "out")
        expected = session.runs[index].model.get_weights()
        trained = gdlab.load_model(result.files["model.safetensors"]).get_weights()
        assert len(trained) == len(expected)
        assert all(np.array_equal(t, e) and t.dtype == e.dtype for t, e in zip(trained, expected))
        assert result.epochs == json.loads((folder / "out" / "metrics.json").read_text())["epochs"] == 4
        monkeypatch.chdir(folder)
        runpy.run_path(str(folder / "train.py"), run_name="__main__")
        scripted = gdlab.load_model(folder / "model.safetensors").get_weights()
        assert all(np.array_equal(t, e) for t, e in zip(scripted, expected))


def test_export_zip_holds_the_three_files(client):
    import io
    import zipfile

    sid = create(client)["id"]
    res = client.get(f"/api/sessions/{sid}/export/a/playground.zip")
    assert res.headers["content-type"] == "application/zip"
    assert res.headers["content-disposition"] == 'attachment; filename="playground-a.zip"'  # B's: playground-b.zip
    files = zipfile.ZipFile(io.BytesIO(res.content))
    assert sorted(files.namelist()) == ["playground.csv", "playground.toml", "train.py"]
    toml = files.read("playground.toml").decode()
    assert "epochs = 1\n" in toml and "still at epoch 0" in toml  # gdlab train runs at least one epoch


@pytest.mark.parametrize("epochs, batch_size, sampling", [(6, 10, "without_replacement"), (5, 7, "with_replacement"),
                                                          (4, "full", "without_replacement")])
def test_one_epoch_fits_equal_one_long_fit(epochs, batch_size, sampling):
    s = settings.validate({"dataset": "circle", "batchSize": batch_size, "sampling": sampling, "seed": 11})
    ds = run.Dataset(s)
    stepped, whole = run.Run(s, ds), run.Run(s, ds)
    for _ in range(epochs):
        stepped.train_epoch()
    whole.model.fit(whole.x_train, whole.y_train, epochs=epochs, batch_size=batch_size, seed=11, shuffle=True,
                    sampling=sampling, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(stepped.model.get_weights(), whole.model.get_weights()))


@pytest.mark.parametrize("b, same_after_training", [
    ({}, True),  # B = A: the same initial weights and batches give the same run
    ({"optimizer": "adam", "learningRate": 0.01}, False),
])
def test_ab_runs_start_equal_and_share_batches(client, b, same_after_training):
    sid = create(client, {"settings": {"dataset": "xor", "seed": 2}, "b": b})["id"]
    session = client.app.state.sessions.get(sid)
    with session.lock:
        a_init, b_init = (r.model.get_weights() for r in session.runs)
    assert all(np.array_equal(x, y) for x, y in zip(a_init, b_init))
    step(client, sid, 3)
    wait_for_epoch(client, sid, 3, 1)
    with session.lock:
        a_w, b_w = (r.model.get_weights() for r in session.runs)
    assert all(np.array_equal(x, y) for x, y in zip(a_w, b_w)) is same_after_training


DIVERGING = [  # (settings, how it diverges, epoch it diverges in, whether the export stops before that epoch)
    ({"dataset": "plane", "learningRate": 3.0}, "the loss became inf", 1, True),  # non-finite: gdlab's forensics
    ({"dataset": "plane", "networkShape": [], "activation": "linear", "learningRate": 3.0},
     "more than 5× its start", 1, False),
    ({"learningRate": 10.0}, "more than 5× its start", 1, False),  # classification: finite, past 5× in epoch 1
]


@pytest.mark.parametrize("settings_, how, epoch, stops_before", DIVERGING)
def test_divergence_is_detected_alike_on_every_problem_and_counted(client, settings_, how, epoch, stops_before):
    sid = create(client, {"settings": settings_})["id"]
    client.post(f"/api/sessions/{sid}/play")
    metrics = wait_for_epoch(client, sid, 50)
    a = metrics["runs"][0]
    assert a["error"].startswith("training diverged") and how in a["error"] and "learning rate" in a["error"]
    assert "clipnorm=" in a["error"] or "2/λ_max" in a["error"] or "forward pass" in a["error"] \
        or "loss itself" in a["error"]
    assert (a["epoch"], a["iteration"]) == (epoch, 25 * epoch)  # the counters count the epoch it diverged in
    assert not metrics["playing"]  # a diverged run stops
    curve = client.get(f"/api/sessions/{sid}").json()["metrics"]["runs"][0]["curve"]
    assert curve[-1][0] == epoch and (curve[-1][1] is None) == stops_before  # the chart gets the point
    toml = client.get(f"/api/sessions/{sid}/export/a/playground.toml").text
    if stops_before:
        assert f"diverged in epoch {epoch}; this config stops before it" in toml
        assert f"epochs = {max(1, epoch - 1)}\n" in toml
    else:
        assert "this config trains through it" in toml and f"epochs = {epoch}\n" in toml


def test_runs_a_and_b_export_to_their_own_names_and_folders(client):
    sid = create(client, {"settings": {}, "b": {"optimizer": "adam", "learningRate": 0.01}})["id"]
    a, b = (client.get(f"/api/sessions/{sid}/export/{w}/playground.toml").text for w in "ab")
    assert 'dir = "runs/playground-a"' in a and 'dir = "runs/playground-b"' in b
    assert "gdlab train playground-a.toml" in a and "gdlab train playground-b.toml" in b
    assert [run.export_name(x, "playground.toml") for x in "AB"] == ["playground-a.toml", "playground-b.toml"]
    assert run.export_name("B", "train.py") == "train-b.py"


def _read_events(stream, until, limit=TIMEOUT):
    """(event, payload) pairs from an SSE response until ``until(events)`` is true."""
    events, event, deadline = [], None, time.monotonic() + limit
    for line in stream.iter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            events.append((event, json.loads(line[6:]), time.monotonic()))
            if until(events):
                return events
        assert time.monotonic() < deadline, "the event stream did not deliver in time"
    return events


def test_event_stream_sends_data_metrics_and_throttled_pictures(client):
    sid = create(client, {"settings": {"dataset": "xor", "networkShape": [4, 2]}})["id"]
    client.post(f"/api/sessions/{sid}/play")
    with client.stream("GET", f"/api/sessions/{sid}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _read_events(stream, lambda ev: sum(e == "picture" for e, _, _ in ev) >= 6)
    client.post(f"/api/sessions/{sid}/pause")
    kinds = [e for e, _, _ in events]
    assert kinds[0] == "data"
    first = events[0][1]
    assert len(first["train"]) == 250 and len(first["test"]) == 250
    metrics = [(p, t) for e, p, t in events if e == "metrics"]
    epochs = [p["runs"][0]["epoch"] for p, _ in metrics]
    assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
    points = [q[0] for p, _ in metrics for q in p["runs"][0]["curve"]]
    assert points == list(range(len(points)))  # the loss curve arrives whole, whatever frames were skipped
    pictures = [(p, t) for e, p, t in events if e == "picture"]
    side = run.HEATMAP_SIZE
    assert len(pictures[0][0]["runs"][0]["neurons"]) == 2
    import base64
    assert len(base64.b64decode(pictures[0][0]["runs"][0]["output"])) == side * side
    span = pictures[-1][1] - pictures[0][1]
    assert len(pictures) - 1 <= 10 * span + 1  # at most 10 pictures a second
    span = metrics[-1][1] - metrics[0][1]
    assert len(metrics) - 1 <= 30 * span + 1  # at most 30 metric updates a second


@pytest.mark.parametrize("multiple, predicted, observed", [
    (0.5, "monotone descent", "converged"),
    (1.0, "one-step landing", "converged"),
    (1.6, "oscillating, converging", "converged (sign flipped"),
    (2.2, "diverging", "diverged (oscillating)"),
])
def test_parabola_lesson_regimes(client, multiple, predicted, observed):
    theory = client.get("/api/lesson?eta=0.1&steps=1").json()
    eta = multiple / theory["lambda"]
    res = client.get(f"/api/lesson?eta={eta}&steps=60").json()
    assert res["predicted"] == predicted and res["observed"].startswith(observed)
    assert res["divergenceEta"] == pytest.approx(2 * res["oneStepEta"])
    assert len(res["w"]) == 61 and res["error"] is None


def test_parabola_lesson_divergence_shows_the_forensics_message(client):
    theory = client.get("/api/lesson?eta=0.1&steps=1").json()
    res = client.get(f"/api/lesson?eta={3 / theory['lambda']}&steps=2000").json()
    assert res["error"].startswith("training diverged")
    assert "2/λ_max" in res["error"]
    assert abs(res["w"][-1]) > 1e100  # |w − w*| grew by |1 − η·λ| = 2 every step


def test_options_list_every_optimizer_and_activation(client):
    opts = client.get("/api/options").json()
    assert set(opts["optimizers"]) == set(gdlab.optimizers.registry.names())
    assert opts["fields"]["activation"]["choices"] == gdlab.activations.registry.names()
    assert opts["optimizers"]["adam"]["hyper"]["epsilon"]["default"] == {"keras": 1e-07, "torch": 1e-08}
    assert set(opts["previews"]) == set(data.DATASETS)


def test_page_and_static_files_are_served(client):
    assert 'id="play-pause-button"' in client.get("/").text
    assert "gdlabState" in client.get("/static/playground.js").text


def test_cli_parses_the_playground_command():
    args = cli.build_parser().parse_args(["playground", "--port", "8123", "--open"])
    assert (args.host, args.port, args.open, args.func.__name__) == ("127.0.0.1", 8123, True, "_playground")


@pytest.mark.parametrize("name", data.DATASETS)
def test_data_sets_are_seeded_and_in_range(name):
    p1, y1 = data.generate(name, 0.2, seed=4)
    p2, y2 = data.generate(name, 0.2, seed=4)
    assert p1.shape == (data.N_POINTS, 2) and np.array_equal(p1, p2) and np.array_equal(y1, y2)
    if data.problem_of(name) == "classification":
        assert set(np.unique(y1)) == {0.0, 1.0}
    else:
        assert y1.min() >= -1 and y1.max() <= 1 and np.unique(y1).size > 100
    assert not np.array_equal(p1, data.generate(name, 0.2, seed=5)[0])


def test_features_are_the_named_functions():
    points = np.array([[1.0, 2.0], [-3.0, 0.5]])
    cols = data.features(points, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    np.testing.assert_allclose(cols, [[1, 2, 1, 4, 2, np.sin(1), np.sin(2)],
                                      [-3, 0.5, 9, 0.25, -1.5, np.sin(-3), np.sin(0.5)]])
    with pytest.raises(ValueError, match="x3"):
        data.features(points, ("x3",))



def test_a_slow_client_skips_frames_instead_of_queueing_them():
    """An ASGI client that takes 0.3 s per message gets the latest state each time, not a backlog."""
    import anyio

    app = create_app()
    session = app.state.sessions.create(settings.validate({"dataset": "xor"}))
    session.play()
    received = []

    async def receive():
        await anyio.sleep_forever()

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            text = message["body"].decode()
            if text.startswith("event: metrics"):
                payload = json.loads(text.split("data: ", 1)[1])
                received.append((payload["runs"][0]["epoch"], session.runs[0].epoch))
            await anyio.sleep(0.3)

    async def scenario():
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": f"/api/sessions/{session.id}/events", "raw_path": b"",
                 "query_string": b"", "root_path": "", "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 80)}
        with anyio.move_on_after(4):
            await app(scope, receive, send)

    anyio.run(scenario)
    session.close()
    assert 3 <= len(received) <= 4 / 0.3 + 1
    sent_epochs = [sent for sent, _ in received]
    assert sent_epochs == sorted(sent_epochs)
    # each frame is the state when it was sent: at most an epoch or two behind the trainer, never a backlog
    assert all(now - sent <= 2 for sent, now in received)
    assert sent_epochs[-1] - sent_epochs[1] > len(received)  # epochs in between were skipped
