"""Attack suites for the playground HTTP API and sweeps, run on demand (the fast part is in
tests/test_playground_attacks.py and tests/test_sweep_attacks.py):

    PYTHONPATH=src python benchmarks/attacks/run_attacks.py [--seed 0] [--requests 2000] [--streams 1000]
                                                            [--kills 3] [--only playground|sweeps]

It prints counts: requests by status class (a 5xx, an exception or a file written is a failure),
RSS and asyncio tasks before/after many disconnecting event streams, sweep files and edited tables by
outcome, and SIGKILL-and-resume rounds whose table differs from an uninterrupted sweep's. Exit code 1
when any failure was counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

#: integers too long for Python's str(int) are sent as raw text: RAW[marker] replaces the marker string
RAW = {"@int400": "9" * 400, "@int5000": "-" + "9" * 5000, "@deep10": "[" * 10, "@deep5000": "[" * 5000}
HOSTILE_NUMBERS = [0, -1, 1e308, -1e308, "@int400", "@int5000", float("nan"), float("inf"), 1e-320, 2**63, 0.5]
HOSTILE_TEXT = ["", "a" * 70_000, "../../etc/passwd", "/tmp/x", "..", "%2e%2e%2f", "\u0000", "tanh\n", "🙂" * 100]


def rss() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


def hostile_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(HOSTILE_NUMBERS)
    if kind == 1:
        return rng.choice(HOSTILE_TEXT)
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3 and depth < 3:
        return [hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 4 and depth < 3:
        from gdlab.playground.settings import FIELDS

        return {rng.choice([*FIELDS, "x" * 300, ""]): hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if kind == 5:
        return rng.choice(["@deep10", "@deep5000"])  # raw text: deep nesting / broken JSON
    return rng.choice(HOSTILE_NUMBERS + HOSTILE_TEXT)


def body_text(rng: random.Random) -> bytes:
    from gdlab.playground.settings import FIELDS

    r = rng.random()
    if r < 0.1:
        return ("[" * 5000 + "]" * 5000).encode()
    if r < 0.2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    settings = {rng.choice(list(FIELDS)): hostile_value(rng) for _ in range(rng.randrange(1, 4))}
    body = {"settings": settings}
    if rng.random() < 0.3:
        body["b"] = hostile_value(rng)
    if rng.random() < 0.1:
        body[rng.choice(["extra", "x" * 1000])] = 1
    text = json.dumps(body, allow_nan=True, default=str)
    for marker, raw in RAW.items():
        text = text.replace(json.dumps(marker), raw)
    return text.encode("utf-8", "surrogatepass")


def attack_playground(seed: int, requests: int, streams: int) -> int:
    from starlette.testclient import TestClient

    from gdlab.playground import create_app

    rng = random.Random(seed)
    failures = 0
    workdir = tempfile.mkdtemp(prefix="gdlab-attack-")
    os.chdir(workdir)
    statuses = Counter()
    base = "http://127.0.0.1:8000"
    with TestClient(create_app(max_sessions=4, idle_seconds=600), base_url=base,
                    raise_server_exceptions=False) as c:
        sid = c.post("/api/sessions", json={"settings": {}}).json()["id"]
        routes = ["/api/sessions", f"/api/sessions/{sid}/settings", f"/api/sessions/{sid}/play",
                  f"/api/sessions/{sid}/step", f"/api/sessions/{sid}/jump", f"/api/sessions/{sid}",
                  f"/api/sessions/{sid}/export/a/playground.toml", "/api/lesson", "/api/options"]
        start = time.monotonic()
        for i in range(requests):
            route = rng.choice(routes)
            headers = {"content-type": "application/json"}
            if rng.random() < 0.15:
                headers.update(rng.choice([{"host": "evil.example"}, {"origin": "http://evil.example"},
                                           {"content-type": "text/plain"}, {"sec-fetch-site": "cross-site"},
                                           {"host": "127.0.0.1:" + "9" * 50}]))
            try:
                if route == "/api/lesson":
                    q = {rng.choice(["eta", "steps", "w0", "n", "noise", "seed", "zzz"]): RAW.get(str(v := hostile_value(rng)), str(v))[:5000]}
                    res = c.get(route, params=q, headers=headers)
                elif "export" in route:
                    name = rng.choice(["playground.toml", "..%2f..%2fetc%2fpasswd", "train.py", "x" * 3000, "a.zip"])
                    res = c.get(f"/api/sessions/{sid}/export/{rng.choice(['a', 'b', '..', 'c'])}/{name}",
                                headers=headers)
                elif route.endswith(sid) or route == "/api/options":
                    res = c.get(route if rng.random() < 0.8 else route + "x" * rng.randrange(1, 4000),
                                headers=headers)
                elif route == "/api/sessions":
                    res = c.post(route, content=body_text(rng), headers=headers)
                    if res.status_code == 201:
                        c.delete(f"/api/sessions/{res.json()['id']}")
                else:
                    method = c.put if route.endswith("settings") else c.post
                    res = method(route, content=body_text(rng), headers=headers)
                statuses[f"{res.status_code // 100}xx"] += 1
                if res.status_code >= 500 or len(res.content) > 200_000:
                    failures += 1
                    print(f"  FAIL {route} -> {res.status_code} ({len(res.content)} bytes)")
            except Exception as err:  # noqa: BLE001 — an exception is what this counts
                failures += 1
                statuses["exception"] += 1
                print(f"  FAIL {route}: {type(err).__name__}: {str(err)[:200]}")
        took = time.monotonic() - start
        # the cap: the extra session is refused, nobody is evicted
        ids = [sid] + [c.post("/api/sessions", json={"settings": {}}).json()["id"] for _ in range(3)]
        extra = c.post("/api/sessions", json={"settings": {}})
        evicted = sum(c.get(f"/api/sessions/{s}").status_code != 200 for s in ids)
        if extra.status_code != 503 or evicted:
            failures += 1
    written = os.listdir(workdir)
    failures += len(written)
    print(f"playground: {requests} hostile requests in {took:.1f} s: {dict(statuses)}; session cap: extra "
          f"-> {extra.status_code}, {evicted} evicted; files written: {len(written)}")
    failures += attack_streams(streams)
    return failures


def attack_streams(n: int) -> int:
    """Real uvicorn on loopback; n clients open an event stream, read a little and hang up (half of
    them on a paused session, which sends nothing that could fail)."""
    import uvicorn

    from gdlab.playground import create_app

    app = create_app(max_sessions=4)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]

    def request(method, path, body=b""):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            return data

    playing = json.loads(request("POST", "/api/sessions", b'{"settings": {}}').split(b"\r\n\r\n", 1)[1])["id"]
    paused = json.loads(request("POST", "/api/sessions", b'{"settings": {}}').split(b"\r\n\r\n", 1)[1])["id"]
    request("POST", f"/api/sessions/{playing}/play")

    def tasks():
        loop = server.servers[0].get_loop() if hasattr(server.servers[0], "get_loop") else None
        return len(asyncio.all_tasks(loop)) if loop else -1

    def one(sid):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(f"GET /api/sessions/{sid}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        s.recv(4096)
        s.close()

    for _ in range(50):  # warm up
        one(paused)
    time.sleep(1.0)
    before_rss, before_tasks = rss(), tasks()
    for i in range(n):
        one(playing if i % 2 else paused)
    time.sleep(2.0)
    after_rss, after_tasks = rss(), tasks()
    request("POST", f"/api/sessions/{playing}/pause")
    server.should_exit = True
    thread.join(10)
    grew = after_rss - before_rss
    ok = grew < 30 * 2**20 and after_tasks <= before_tasks + 2
    print(f"streams: {n} disconnecting event-stream clients: RSS {before_rss / 2**20:.0f} -> "
          f"{after_rss / 2**20:.0f} MiB (+{grew / 2**20:.1f}), asyncio tasks {before_tasks} -> {after_tasks}")
    return 0 if ok else 1


# -- sweeps -----------------------------------------------------------------------------------------------
def attack_sweep_files(seed: int, n: int) -> int:
    from sweep_helpers import write_sweep

    from gdlab.runconfig import ConfigError
    from gdlab.sweep import SweepError, load_sweep

    rng = random.Random(seed)
    keys = ['"optimizer.learning_rate"', "seed", '"fit.batch_size"', '"model.layers.0.units"', '"optimizer.nope"',
            '"model.layers.9.units"', '"fit.epochs"', '"data.dataset"', '"output.dir"', '"a/../b"']
    values = ["nan", "inf", "-inf", "1e308", "-1", "0", '"x"', '"../../etc"', "true", "[1, 2]", "{ a = 1 }",
              "9" * 30, "0.1", "3"]
    outcomes = Counter()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            lines = ["[grid]"]
            for key in rng.sample(keys, rng.randrange(1, 4)):
                count = rng.choice([1, 2, 3, 10, 1000])
                vals = [rng.choice(values) for _ in range(min(count, 3))] if count < 10 else \
                    [str(v) for v in range(count)]
                lines.append(f"{key} = [{', '.join(vals)}]")
            if rng.random() < 0.3:
                lines += ["[random]", f"trials = {rng.choice([1, 5, 10**9, -1, 0])}",
                          f'"optimizer.learning_rate" = {{ {rng.choice(["uniform", "loguniform", "choice"])} = '
                          f'[{rng.choice(values)}, {rng.choice(values)}] }}']
            text = "\n".join(lines) + "\n"
            try:
                load_sweep(write_sweep(Path(tmp) / str(i), text))
                outcomes["planned"] += 1
            except (SweepError, ConfigError) as err:
                outcomes["refused"] += 1
                if len(str(err)) > 5000:
                    failures += 1
                    print(f"  FAIL unbounded message ({len(str(err))} chars) for:\n{text}")
            except Exception as err:  # noqa: BLE001
                failures += 1
                outcomes[type(err).__name__] += 1
                print(f"  FAIL {type(err).__name__}: {str(err)[:200]} for:\n{text}")
    print(f"sweep files: {n} hostile sweep files: {dict(outcomes)}")
    return failures


def attack_tables(seed: int, n: int) -> int:
    from sweep_helpers import write_sweep

    from gdlab.sweep import SweepError, load_sweep, read_rows
    from gdlab.sweep.results import ResultsFile, columns, make_row

    rng = random.Random(seed)
    outcomes, failures = Counter(), 0
    with tempfile.TemporaryDirectory() as tmp:
        sweep = load_sweep(write_sweep(Path(tmp), "[grid]\nseed = [0, 1, 2]\n"))
        path = Path(tmp) / "results.csv"
        results = ResultsFile(path, columns(sweep))
        for trial in sweep.trials:
            results.append(make_row(sweep, trial, {"status": "ok", "best": 0.5, "final": 0.25, "epochs": 3,
                                                   "seconds": 0.1, "host": "h", "pid": 7}, 1))
        good = path.read_bytes()
        clean = read_rows(path, sweep)
        for _ in range(n):
            data = bytearray(good)
            for _ in range(rng.randrange(1, 4)):
                if not data:
                    break
                op, at = rng.randrange(4), rng.randrange(len(data))
                if op == 0:
                    data[at] = rng.randrange(256)
                elif op == 1:
                    del data[at]
                elif op == 2:
                    data[at:at] = rng.choice([b",", b"\n", b'"', b"nan", b"../", bytes(data[:40])])
                else:
                    data = data[:at]
            path.write_bytes(bytes(data))
            try:
                rows = read_rows(path, sweep)
                outcomes["read, same rows" if rows == clean[:len(rows)] else "read, changed values"] += 1
            except SweepError:
                outcomes["refused (SweepError)"] += 1
            except Exception as err:  # noqa: BLE001
                failures += 1
                outcomes[type(err).__name__] += 1
                print(f"  FAIL {type(err).__name__}: {str(err)[:200]}")
    print(f"results.csv: {n} mutated tables: {dict(outcomes)} (a changed number that still parses cannot be told "
          "from a real one)")
    return failures


def attack_kills(seed: int, rounds: int) -> int:
    """SIGKILL the driver or a worker at a random moment, resume, repeat; the table must hold every trial
    once with the uninterrupted sweep's numbers."""
    from sweep_helpers import write_sweep

    from gdlab.sweep import read_rows, run_sweep

    rng = random.Random(seed)
    failures = 0
    numbers = ("status", "best_val_loss", "final_val_loss", "test_loss", "test_accuracy", "epochs")
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_sweep(Path(tmp), '[grid]\nseed = [0, 1, 2, 3, 4, 5]\n"fit.epochs" = [2, 6]\n')
        straight = {r["trial_id"]: tuple(r[k] for k in numbers)
                    for r in run_sweep(spec, out=Path(tmp) / "straight", workers=2, progress=False)}
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        for k in range(rounds):
            out = Path(tmp) / f"killed{k}"
            kills = 0
            for attempt in range(6):
                driver = subprocess.Popen([sys.executable, "-m", "gdlab.cli", "sweep", str(spec), "--out", str(out),
                                           "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.5, 4.0))
                if driver.poll() is not None:
                    break
                children = subprocess.run(["pgrep", "-P", str(driver.pid)], capture_output=True,
                                          text=True).stdout.split()
                victim = int(rng.choice(children)) if children and rng.random() < 0.5 else driver.pid
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills += 1
                except ProcessLookupError:
                    pass
                if victim != driver.pid:
                    driver.wait(300)
                else:
                    driver.wait(60)
                    time.sleep(1.0)  # the workers exit with their driver
            rows = run_sweep(spec, out=out, workers=2, progress=False)
            table = read_rows(out / "results.csv")
            got = {r["trial_id"]: tuple(r[k] for k in numbers) for r in rows}
            once = Counter(r["trial_id"] for r in table)
            ok = got == straight and all(v == 1 for v in once.values()) and len(once) == len(straight)
            failures += not ok
            print(f"kills: round {k}: {kills} SIGKILLs, then resume: {len(once)} trials, "
                  f"{sum(v > 1 for v in once.values())} written twice, "
                  f"{sum(got.get(t) != v for t, v in straight.items())} differ from the uninterrupted sweep")
    return failures


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--sweep-files", type=int, default=300)
    p.add_argument("--tables", type=int, default=1000)
    p.add_argument("--kills", type=int, default=3)
    p.add_argument("--only", choices=("playground", "sweeps"))
    args = p.parse_args()
    failures = 0
    if args.only in (None, "sweeps"):
        failures += attack_sweep_files(args.seed, args.sweep_files)
        failures += attack_tables(args.seed, args.tables)
        failures += attack_kills(args.seed, args.kills)
    if args.only in (None, "playground"):
        failures += attack_playground(args.seed, args.requests, args.streams)
    print(f"failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
