"""The local engine end to end: rows, errors, resume, a killed worker, a killed driver, the CLI."""

import csv
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import write_sweep

from gdlab.cli import main
from gdlab.sweep import read_rows, run_sweep
from gdlab.sweep.trial import run_trial

SRC = str(Path(__file__).parent.parent / "src")
LINUX = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds processes through /proc")


def csv_ids(out):
    with open(out / "results.csv", newline="", encoding="utf-8") as f:
        return [row["trial_id"] for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 4-trial sweep on 2 workers: learning rate 0.05 (ok) and -1 (rejected) × seeds 0 and 1."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = write_sweep(folder, 'metric = "val_accuracy"\nmode = "max"\n'
                               '[grid]\n"optimizer.learning_rate" = [0.05, -1.0]\nseed = [0, 1]\n')
    out = folder / "out"
    return spec, out, run_sweep(spec, workers=2, out=out, progress=False)


def test_every_trial_has_one_row_with_the_trained_numbers(swept):
    spec, out, rows = swept
    assert [(r["optimizer.learning_rate"], r["seed"], r["status"], r["attempts"]) for r in rows] == [
        (0.05, 0, "ok", 1), (0.05, 1, "ok", 1), (-1.0, 0, "error", 1), (-1.0, 1, "error", 1)]
    assert sorted(csv_ids(out)) == sorted(r["trial_id"] for r in rows)
    plan = json.loads((out / "sweep.json").read_text())
    assert [t["trial_id"] for t in plan["trials"]] == [r["trial_id"] for r in rows]
    for r in rows[:2]:
        folder = out / "trials" / r["trial_id"]
        metrics = json.loads((folder / "metrics.json").read_text())
        history = json.loads((folder / "history.json").read_text())["history"]["val_accuracy"]
        assert (r["test_loss"], r["test_accuracy"], r["epochs"]) == (metrics["test"]["loss"],
                                                                     metrics["test"]["accuracy"], 3)
        assert (r["best_val_accuracy"], r["final_val_accuracy"]) == (max(history), history[-1])
        assert (folder / "model.safetensors").is_file() and r["pid"] != os.getpid() and r["error"] == ""
    assert rows[0]["pid"] != rows[1]["pid"] or rows[0]["seconds"] > 0
    for r in rows[2:]:
        assert "learning_rate=-1.0" in r["error"] and r["best_val_accuracy"] is None


def test_a_trial_matches_gdlab_train_run_by_hand(swept, tmp_path):
    _, out, rows = swept
    config = out / "trials" / rows[1]["trial_id"] / "config.toml"
    assert main(["train", str(config), "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test"] == {"loss": rows[1]["test_loss"], "accuracy": rows[1]["test_accuracy"]}


def test_rerun_skips_finished_trials_and_retry_failed_reruns_errors(swept):
    spec, out, rows = swept
    assert run_sweep(spec, out=out, workers=2, progress=False) == rows
    assert len(csv_ids(out)) == 4
    again = run_sweep(spec, out=out, workers=2, retry_failed=True, progress=False)
    assert csv_ids(out)[4:] == [r["trial_id"] for r in rows if r["status"] == "error"] or \
        sorted(csv_ids(out)[4:]) == sorted(r["trial_id"] for r in rows[2:])
    assert again[:2] == rows[:2] and [r["status"] for r in again[2:]] == ["error", "error"]
    assert [r["pid"] for r in again[2:]] != [r["pid"] for r in rows[2:]]


def test_a_half_written_last_line_is_cut_off_and_its_trial_rerun(swept, tmp_path):
    spec, out, rows = swept
    copy = tmp_path / "out"
    copy.mkdir()
    (copy / "sweep.json").write_bytes((out / "sweep.json").read_bytes())
    lines = (out / "results.csv").read_text().splitlines(keepends=True)
    keep = [lines[0]] + [line for line in lines[1:] if not line.startswith(rows[0]["trial_id"])
                         and ",error," not in line]
    half = next(line for line in lines if line.startswith(rows[0]["trial_id"]))[:30]
    (copy / "results.csv").write_text("".join(keep) + half)
    assert [r["trial_id"] for r in read_rows(copy / "results.csv")] == [rows[1]["trial_id"]]
    again = run_sweep(spec, out=copy, workers=1, progress=False)
    assert [(r["trial_id"], r["status"]) for r in again] == [(r["trial_id"], r["status"]) for r in rows]
    assert again[0]["test_loss"] == rows[0]["test_loss"]
    assert sorted(csv_ids(copy)) == sorted(r["trial_id"] for r in rows)


def test_cli_status_and_report(swept, capsys):
    _, out, rows = swept
    assert main(["sweep", "status", str(out)]) == 0
    text = capsys.readouterr().out
    assert "4 trials; 2 ok, 2 error, 0 not run yet; metric val_accuracy (max)" in text
    assert rows[2]["trial_id"] in text and "learning_rate=-1.0" in text
    assert "by val_accuracy at the epoch whose weights each trial kept" in text and "test_accuracy" in text
    # the helpers' iris split validates on 24 samples, of every class (the missing-class warning is
    # tested in test_sweep_ranking.py)
    assert "validation split of 24 samples (fewer than 50)" in text and "class(es)" not in text
    assert main(["sweep", "report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "validation split of 24 samples" in page and "kept_val_accuracy" in page
    assert page.count("data:image/png;base64,") == 2            # heatmap (lr × seed) and the metric per key
    best = max(rows[:2], key=lambda r: r["best_val_accuracy"])
    assert best["trial_id"] in page and "trials that failed" in page


@pytest.mark.parametrize("argv,message", [
    (["sweep", "status"], "needs the sweep folder"),
    (["sweep", "report", "{out}", "--x", "fit.epochs"], "--x 'fit.epochs' is not a swept key"),
    (["sweep", "{spec}", "extra"], "unexpected argument 'extra'"),
    (["sweep", "{spec}", "--address", "auto"], "needs engine = 'ray'"),
    (["sweep", "status", "{spec}"], "is not a sweep folder"),
])
def test_cli_errors(swept, capsys, argv, message):
    spec, out, _ = swept
    assert main([a.format(spec=spec, out=out) for a in argv]) == 2
    assert message in capsys.readouterr().err


def test_a_second_driver_on_the_same_folder_is_refused(swept):
    spec, out, _ = swept
    with open(out / ".lock", "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RuntimeError, match="another gdlab sweep is running"):
            run_sweep(spec, out=out, progress=False)


def test_results_of_another_sweep_are_not_mixed_in(swept, tmp_path):
    _, out, _ = swept
    spec = write_sweep(tmp_path, '[grid]\n"fit.batch_size" = [8]\n')
    with pytest.raises(ValueError, match="use another --out folder, or --no-resume"):
        run_sweep(spec, out=out, progress=False)


def test_a_diverging_trial_is_an_error_row_with_the_message(tmp_path):
    toml = ('seed = 0\n[data]\ndataset = "house_prices"\n[model]\nlayers = [{ type = "Dense", units = 1 }]\n'
            '[compile]\nloss = "mse"\n[optimizer]\nname = "sgd"\nlearning_rate = 1e6\n[fit]\nepochs = 3\n'
            '[output]\ndir = "x"\n')
    result = run_trial({"trial_id": "t", "toml": toml, "metric": "loss", "mode": "min",
                        "workdir": str(tmp_path / "trial")})
    assert result["status"] == "error"
    assert "training diverged: the loss became inf at epoch 1, iteration 3" in result["error"]
    assert (tmp_path / "trial" / "config.toml").read_text() == toml


def test_workers_use_one_blas_thread():
    code = ("import numpy; from gdlab.sweep.trial import limit_threads; limit_threads(); "
            "from threadpoolctl import threadpool_info; import os; "
            "print(sorted({p['num_threads'] for p in threadpool_info()}), os.environ['OMP_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "4"}).stdout
    assert out.split() == ["[1]", "1"]


def _cli(spec, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "gdlab.cli", "sweep", str(spec), "--out", str(out), *extra],
                            env={**os.environ, "PYTHONPATH": SRC}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _children(pid: int) -> list[int]:
    return [int(c) for f in Path(f"/proc/{pid}/task").glob("*/children") for c in f.read_text().split()]


def _holders(path: Path, pids) -> list[int]:
    """Those of ``pids`` that have ``path`` open."""
    found = []
    for pid in pids:
        try:
            if any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir()):
                found.append(pid)
        except OSError:
            continue
    return found


def _wait_for(predicate, seconds=120):
    end = time.monotonic() + seconds
    while not (found := predicate()):
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)
    return found


@LINUX
def test_a_sigkilled_worker_reruns_only_its_trial(tmp_path):
    spec = write_sweep(tmp_path, '[grid]\n"fit.epochs" = [2, 400]\nseed = [0, 1]\n')
    out = tmp_path / "out"
    driver = _cli(spec, out, "--workers", "2")
    from gdlab.sweep import load_sweep

    slow = next(t.trial_id for t in load_sweep(spec).trials if t.values == {"fit.epochs": 400, "seed": 0})
    log = out / "trials" / slow / "train.log"
    (victim,) = _wait_for(lambda: log.exists() and _holders(log.resolve(), _children(driver.pid)))
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = driver.communicate(timeout=300)
    assert driver.returncode == 0, stderr
    rows = {r["trial_id"]: r for r in read_rows(out / "results.csv")}
    assert sorted(csv_ids(out)) == sorted(rows) and len(rows) == 4
    assert {tid: (r["status"], r["attempts"]) for tid, r in rows.items() if tid == slow} == {slow: ("ok", 2)}
    assert [r["attempts"] for tid, r in rows.items() if tid != slow] == [1, 1, 1]
    assert rows[slow]["epochs"] == 400 and rows[slow]["pid"] != victim


def _interrupt(spec, out, sig, rows):
    """Start the CLI on one worker, send ``sig`` to the driver once ``rows`` rows are written."""
    driver = _cli(spec, out, "--workers", "1")
    _wait_for(lambda: (out / "results.csv").exists() and len(csv_ids(out)) >= rows)
    workers = _children(driver.pid)
    os.kill(driver.pid, sig)
    _, stderr = driver.communicate(timeout=120)
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), seconds=30)
    return driver.returncode, stderr


@LINUX
def test_ctrl_c_and_a_killed_driver_keep_the_rows_and_running_again_finishes(tmp_path):
    spec = write_sweep(tmp_path, '[grid]\nseed = [0, 1, 2, 3, 4, 5, 6, 7]\n')
    out = tmp_path / "out"
    code, stderr = _interrupt(spec, out, signal.SIGINT, rows=1)
    assert code == 130 and "interrupted; the finished trials are in" in stderr
    first = read_rows(out / "results.csv")
    code, _ = _interrupt(spec, out, signal.SIGKILL, rows=len(first) + 2)
    assert code == -signal.SIGKILL
    before = read_rows(out / "results.csv")
    assert before[:len(first)] == first and len(first) + 2 <= len(before) < 8
    rows = run_sweep(spec, out=out, workers=2, progress=False)
    assert [r["status"] for r in rows] == ["ok"] * 8
    assert sorted(csv_ids(out)) == sorted(r["trial_id"] for r in rows)        # each trial exactly once
    assert read_rows(out / "results.csv")[:len(before)] == before
