"""The Ray engine: the same table as the local engine, a killed Ray worker retried, a two-node cluster."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file
from sweep_helpers import write_sweep

from gdlab.sweep import load_sweep, read_rows, run_sweep

ray = pytest.importorskip("ray")
from gdlab.sweep.ray_engine import connect  # noqa: E402

SRC = str(Path(__file__).parent.parent / "src")
GRID = '[grid]\n"optimizer.learning_rate" = [0.05, -1.0]\n"fit.batch_size" = [8, 32]\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_two_node_cluster_runs_trials_on_both_nodes(tmp_path):
    """Two Ray nodes on this machine (loopback only), attached with --address, token authentication on."""
    ray_cli = str(Path(sys.executable).parent / "ray")
    env = {**os.environ, "PYTHONPATH": SRC, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": "gdlab-test-" + os.urandom(8).hex()}
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="gdlab-ray-", dir="/tmp")     # short: Ray's socket paths must fit 107 bytes
    common = ["--block", "--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats", f"--temp-dir={temp}"]
    log = open(tmp_path / "nodes.log", "w")
    nodes = [subprocess.Popen([ray_cli, "start", "--head", f"--port={port}", "--include-dashboard=false", *common],
                              env=env, stdout=log, stderr=log, start_new_session=True)]
    def wait_for_nodes(n):
        end = time.monotonic() + 180
        while time.monotonic() < end:
            assert all(node.poll() is None for node in nodes), (tmp_path / "nodes.log").read_text()[-3000:]
            probe = subprocess.run([ray_cli, "status", f"--address=127.0.0.1:{port}"], env=env,
                                   capture_output=True, text=True)
            if probe.stdout.count("node_") >= n and f"/{n}.0 CPU" in probe.stdout:  # registered, CPUs counted
                return
            time.sleep(1)
        raise AssertionError(f"{n} Ray node(s) did not come up in 180 s")

    try:
        wait_for_nodes(1)
        nodes.append(subprocess.Popen([ray_cli, "start", f"--address=127.0.0.1:{port}", "--resources={\"b\": 1}",
                                       *common], env=env, stdout=log, stderr=log, start_new_session=True))
        wait_for_nodes(2)
        spec = write_sweep(tmp_path, '[grid]\nseed = [0, 1, 2, 3, 4, 5]\n')
        out = tmp_path / "out"
        cmd = [sys.executable, "-m", "gdlab.cli", "sweep", str(spec), "--engine", "ray", "--address",
               f"127.0.0.1:{port}", "--out", str(out)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        rows = read_rows(out / "results.csv")
        assert [r["status"] for r in rows] == ["ok"] * 6
        assert len({r["node"] for r in rows}) == 2
        wrong = subprocess.run(cmd[:-1] + [str(tmp_path / "out2")], env={**env, "RAY_AUTH_TOKEN": "wrong"},
                               capture_output=True, text=True)
        assert wrong.returncode == 2
        assert f"could not attach to the Ray cluster at --address 127.0.0.1:{port}" in wrong.stderr
        assert "RAY_AUTH_TOKEN" in wrong.stderr
    finally:
        for node in nodes:                             # `ray start --block` stops its node on SIGTERM
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGTERM)
        for node in nodes:
            node.wait(timeout=60)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def test_local_rays_can_start_one_after_the_other():
    """Ray caches the auth token per process; a second local Ray here must still authenticate."""
    assert not ray.is_initialized()
    token = os.environ.get("RAY_AUTH_TOKEN")
    for n in (1, 2):
        with connect(None, 1):
            assert ray.get(ray.remote(lambda x: x * x).remote(n)) == n * n
        assert not ray.is_initialized() and os.environ.get("RAY_AUTH_TOKEN") == token


def comparable(row: dict) -> dict:
    """A row without the columns that differ between runs of the same trial (timing and placement)."""
    return {k: v for k, v in row.items() if k not in ("seconds", "host", "node", "pid")}


@pytest.fixture(scope="module")
def local_ray():
    with connect(None, 2):
        yield


def test_ray_and_local_engines_give_the_same_table(local_ray, tmp_path):
    spec = write_sweep(tmp_path, GRID)
    on_ray = run_sweep(spec, engine="ray", out=tmp_path / "ray", progress=False)
    local = run_sweep(spec, engine="local", workers=2, out=tmp_path / "local", progress=False)
    assert [r["status"] for r in on_ray] == ["ok", "ok", "error", "error"]
    assert [comparable(r) for r in on_ray] == [comparable(r) for r in local]
    assert all(r["node"] == ray.get_runtime_context().get_node_id() for r in on_ray)
    for r in on_ray[:2]:                               # the files came back from the Ray worker
        a, b = tmp_path / "ray" / "trials" / r["trial_id"], tmp_path / "local" / "trials" / r["trial_id"]
        wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
        assert sorted(wa) == sorted(wb) and all(np.array_equal(wa[k], wb[k]) for k in wa)
        assert (a / "history.json").read_bytes() == (b / "history.json").read_bytes()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for f in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            kids = [int(c) for c in f.read_text().split()]
            found += kids
            todo += kids
    return found


def _kill_worker_of(trial: str, done: threading.Event, killed: list):
    """SIGKILL the process that has ``/tmp/gdlab-trial-<trial>-*/train.log`` open, once."""
    while not done.is_set() and not killed:
        for pid in _descendants(os.getpid()):
            try:
                links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
            except OSError:
                continue
            if any(f"gdlab-trial-{trial}-" in link and link.endswith("train.log") for link in links):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the Ray worker through /proc")
def test_a_sigkilled_ray_worker_reruns_its_trial(local_ray, tmp_path):
    spec = write_sweep(tmp_path, '[grid]\n"fit.epochs" = [2, 400]\n')
    slow = next(t.trial_id for t in load_sweep(spec).trials if t.values["fit.epochs"] == 400)
    done, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_worker_of, args=(slow, done, killed))
    killer.start()
    try:
        rows = run_sweep(spec, engine="ray", out=tmp_path / "out", progress=False)
    finally:
        done.set()
        killer.join()
    assert killed
    assert [(r["fit.epochs"], r["status"], r["attempts"]) for r in rows] == [(2, "ok", 1), (400, "ok", 2)]
    assert rows[1]["epochs"] == 400 and rows[1]["pid"] != killed[0]


