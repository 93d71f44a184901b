"""``run_sweep``: plan the trials, skip the finished ones, run the rest on an engine, keep the table.

The driver alone writes ``DIR``: ``sweep.json`` (the plan), ``results.csv`` (one fsynced row per
finished trial) and, for the Ray engine, each trial's files. A second driver on the same folder
is refused (a lock file), so rows never interleave.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from gdlab.io import write_atomic
from gdlab.sweep.progress import Progress
from gdlab.sweep.results import ResultsFile, columns, latest, make_row, read_rows
from gdlab.sweep.spec import Sweep, load_sweep, trial_toml

ENGINES = ("local", "ray")


def default_out(spec) -> Path:
    return Path("sweeps") / (Path(spec).stem if not isinstance(spec, dict) else "sweep")


def run_sweep(spec, *, engine: str = "local", workers: int | None = None, address: str | None = None,
              out=None, retry_failed: bool = False, resume: bool = True, progress: bool = True) -> list[dict]:
    """Run every trial of the sweep ``spec`` (a sweep file's path or its content as a dict).

    Returns the results table: one row (a dict, columns as in ``DIR/results.csv``) per trial of
    the plan that has finished, in plan order. With ``resume`` (the default) trials already
    ``ok`` in ``DIR/results.csv`` are not run again, nor are ``error`` ones unless
    ``retry_failed``. Ctrl-C stops the workers and raises ``KeyboardInterrupt``; every row written
    so far stays, and running again finishes the rest.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine = {engine!r}; valid: {', '.join(ENGINES)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers <= 0):
        raise ValueError(f"workers = {workers!r} must be a positive integer")
    if address is not None and engine != "ray":
        raise ValueError(f"address = {address!r} needs engine = 'ray' (got engine = {engine!r})")
    sweep = load_sweep(spec)
    out = Path(out) if out is not None else default_out(spec)
    out.mkdir(parents=True, exist_ok=True)
    with _Lock(out / ".lock"):
        if not resume:
            (out / "results.csv").unlink(missing_ok=True)
            shutil.rmtree(out / "trials", ignore_errors=True)
        write_atomic(out / "sweep.json", (json.dumps(sweep.to_plan(), indent=1) + "\n").encode("utf-8"))
        results = ResultsFile(out / "results.csv", columns(sweep))
        rows = latest(read_rows(results.path, sweep))
        by_id = {t.trial_id: t for t in sweep.trials}
        todo = [t for t in sweep.trials
                if t.trial_id not in rows or (retry_failed and rows[t.trial_id]["status"] != "ok")]
        tasks = [make_task(sweep, t, out, engine, fresh=t.trial_id in rows) for t in todo]
        if not tasks:
            return [rows[t.trial_id] for t in sweep.trials]
        bar = Progress(len(sweep.trials), len(sweep.trials) - len(todo), sweep.metric) if progress else None
        if engine == "local":
            from gdlab.sweep.local import run_local

            events = run_local(tasks, workers or os.cpu_count() or 1, sweep.max_retries)
        else:
            from gdlab.sweep.ray_engine import run_ray

            events = run_ray(tasks, workers, sweep.max_retries, address)
        try:
            for task, result, attempts in events:
                trial = by_id[task["trial_id"]]
                for name, data in result.pop("files", {}).items():
                    write_atomic(out / "trials" / trial.trial_id / name, data)
                row = make_row(sweep, trial, result, attempts)
                results.append(row)
                rows[trial.trial_id] = row
                if bar:
                    bar.update(row)
        finally:
            events.close()
            if bar:
                bar.close()
    return [rows[t.trial_id] for t in sweep.trials if t.trial_id in rows]


def make_task(sweep: Sweep, trial, out: Path, engine: str, fresh: bool) -> dict:
    """What a worker needs; a trial run again after an error starts from an empty folder."""
    folder = out / "trials" / trial.trial_id
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    return {"trial_id": trial.trial_id, "toml": trial_toml(sweep, trial), "metric": sweep.metric,
            "mode": sweep.mode, "workdir": str(folder.resolve()) if engine == "local" else None}


class _Lock:
    """An exclusive lock on ``DIR/.lock`` for the whole run (released when the process dies)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        import fcntl

        self.file = open(self.path, "a+")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise RuntimeError(f"another gdlab sweep is running in {self.path.parent}; wait for it or "
                               "use another --out folder") from None
        return self

    def __exit__(self, *exc):
        self.file.close()
