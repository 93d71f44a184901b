"""How fast the playground trains its default setup while streaming it to a client.

The default setup: circle, features x₁ x₂, network 2 → 4 → 2 → 1 (tanh), SGD η = 0.03, batch 10,
500 points with a 50 % training ratio (250 training points, 25 iterations per epoch). The server runs
on a loopback port in this process; a client thread reads the session's event stream (metrics frames
≤ 30/s, pictures ≤ 10/s) the whole time. Interleaved repeats of two conditions, each ``--seconds`` long:

- streaming:   play with one client reading the stream
- alone:       play with no client connected (the training thread only)

Prints epochs/s as median (min–max) for each and their ratio per repeat; the target is ≥ 20 epochs/s
streaming. Run from the repository root: ``python benchmarks/bench_playground.py`` (about 40 s).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time

import uvicorn

from gdlab.playground import create_app

TARGET = 20.0


def request(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={"Content-Type": "application/json"})
    res = conn.getresponse()
    data = json.loads(res.read())
    conn.close()
    if res.status >= 400:
        raise RuntimeError(f"{method} {path}: {res.status} {data}")
    return data


def epoch(port, sid) -> int:
    return request(port, "GET", f"/api/sessions/{sid}")["metrics"]["runs"][0]["epoch"]


def read_stream(port, sid, stop: threading.Event, counts: dict):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/api/sessions/{sid}/events")
    res = conn.getresponse()
    event = None
    while not stop.is_set():
        line = res.readline().decode()
        if line.startswith("event: "):
            event = line[7:].strip()
        elif line.startswith("data: "):
            counts[event] = counts.get(event, 0) + 1
    conn.close()


def measure(port, sid, seconds: float, streaming: bool) -> dict:
    stop, counts = threading.Event(), {}
    reader = None
    if streaming:
        reader = threading.Thread(target=read_stream, args=(port, sid, stop, counts), daemon=True)
        reader.start()
        time.sleep(0.3)  # connected and past the first frames
    request(port, "POST", f"/api/sessions/{sid}/reset")
    e0, t0 = epoch(port, sid), time.perf_counter()
    request(port, "POST", f"/api/sessions/{sid}/play")
    time.sleep(seconds)
    e1, t1 = epoch(port, sid), time.perf_counter()
    request(port, "POST", f"/api/sessions/{sid}/pause")
    stop.set()
    if reader is not None:
        reader.join(timeout=5)
    return {"epochs_per_s": (e1 - e0) / (t1 - t0), "metrics_per_s": counts.get("metrics", 0) / seconds,
            "pictures_per_s": counts.get("picture", 0) / seconds}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measurement")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    sid = request(port, "POST", "/api/sessions", {"settings": {}})["id"]
    measure(port, sid, 1.0, streaming=False)  # warm-up (numba kernels compile on first use)
    rows = {"streaming": [], "alone": []}
    for _ in range(args.repeats):
        for name in rows:
            rows[name].append(measure(port, sid, args.seconds, streaming=name == "streaming"))
    server.should_exit = True
    thread.join(timeout=10)

    def summary(values):
        return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"

    print(f"default setup, {args.repeats} interleaved repeats of {args.seconds:g} s each")
    print("| condition | epochs/s | metric frames/s | pictures/s |")
    print("| --- | ---: | ---: | ---: |")
    for name, runs in rows.items():
        print(f"| {name} | {summary([r['epochs_per_s'] for r in runs])} | "
              f"{summary([r['metrics_per_s'] for r in runs])} | {summary([r['pictures_per_s'] for r in runs])} |")
    ratios = [s["epochs_per_s"] / a["epochs_per_s"] for s, a in zip(rows["streaming"], rows["alone"])]
    streaming = statistics.median(r["epochs_per_s"] for r in rows["streaming"])
    print(f"streaming/alone per repeat: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"target ≥ {TARGET:g} epochs/s while streaming: {'met' if streaming >= TARGET else 'missed'} "
          f"({streaming:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
