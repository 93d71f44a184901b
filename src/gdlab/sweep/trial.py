"""One trial, in a worker: ``gdlab.runs.train_from_config`` (what ``gdlab train`` runs) on the
trial's config, then its numbers.

This module runs inside worker processes (the local pool's and Ray's). It imports nothing heavy
at the top, so :func:`limit_threads` can set the BLAS/OpenMP thread counts before NumPy loads.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")
# what a trial leaves besides its backup folder; Ray sends these back to the driver
KEPT_FILES = ("config.toml", "train.log", "history.json", "history.csv", "metrics.json", "model.safetensors",
              "ranking.json")
RANKING_FILE = "ranking.json"  # the kept epoch's metric and the validation split's size (see kept_numbers)
SMALL_VALIDATION = 50  # fewer validation samples than this: the ranking is noisy, the sweep says so


def limit_threads() -> None:
    """One thread per worker: set the variables for libraries not loaded yet, and limit loaded ones."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def run_trial(task: dict) -> dict:
    """Train ``task``'s config and return its result (never raises for a failing trial).

    ``task``: ``trial_id``, ``toml`` (the config text), ``metric``, ``mode`` and ``workdir`` — the
    trial's folder, or ``None`` to train in a temporary folder and return the files' bytes under
    ``files`` (for workers that do not share the driver's disk).
    """
    t0 = time.perf_counter()
    work = Path(task["workdir"] or tempfile.mkdtemp(prefix=f"gdlab-trial-{task['trial_id']}-"))
    try:
        result = _train(task, work)
        # the same message wherever the trial ran: its folder as the sweep folder names it
        result["error"] = result["error"].replace(str(work), f"trials/{task['trial_id']}")
        if task["workdir"] is None:
            result["files"] = {n: (work / n).read_bytes() for n in KEPT_FILES if (work / n).is_file()}
    finally:
        if task["workdir"] is None:
            shutil.rmtree(work, ignore_errors=True)
    result.update(seconds=time.perf_counter() - t0, host=socket.gethostname(), pid=os.getpid())
    return result


def _train(task, work: Path) -> dict:
    """``train_from_config`` on the trial's config in ``work``; what the run prints goes to ``work/train.log``."""
    from gdlab.io import write_atomic
    from gdlab.runs import train_from_config

    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.toml"
    write_atomic(config, task["toml"].encode("utf-8"))
    with open(work / "train.log", "a", encoding="utf-8", buffering=1) as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        try:
            result = train_from_config(config, work, say=lambda text: print(text, file=log))
        except Exception as err:  # a trial's failure is its row's error, not the sweep's
            error = f"{type(err).__name__}: " + " ".join(str(err).split("\n"))
            print(f"error: {error}", file=log)
            return {"status": "error", "error": error}
        if result.status != "already finished":
            print(result.summary(), file=log)
    from gdlab.io import write_atomic

    numbers = read_numbers(work, task["metric"], task["mode"])
    write_atomic(work / RANKING_FILE, (json.dumps(kept_numbers(work, task["metric"])) + "\n").encode("utf-8"))
    return {"status": "ok", "error": "", **numbers}


def read_numbers(work: Path, metric: str, mode: str) -> dict:
    """Best (by ``mode``) and final ``metric`` over the epochs, the test metrics and the epoch count."""
    history = json.loads((work / "history.json").read_text(encoding="utf-8"))["history"]
    metrics = json.loads((work / "metrics.json").read_text(encoding="utf-8"))
    values = history[metric]
    finite = [v for v in values if math.isfinite(v)]
    best = (max if mode == "max" else min)(finite) if finite else math.nan
    return {"best": best, "final": values[-1], "test": metrics["test"], "epochs": metrics["epochs"]}


def kept_numbers(work: Path, metric: str) -> dict:
    """The ``metric`` at the epoch whose weights the run kept, and the validation split's size.

    The kept epoch is the one EarlyStopping restored (``restore_best_weights`` and it stopped the run),
    else the last; it is found by replaying the run's EarlyStopping over its logged epochs. Returns
    ``kept`` (the value), ``kept_epoch`` (1-based), ``restored`` (bool), ``validation_samples``
    (None without a ``validation_split``) and, for class labels, ``validation_missing``: the classes of
    the training part that the validation split (its last samples, unshuffled) does not hold.
    """
    from gdlab import runconfig
    from gdlab.inputs import validation_split_point

    cfg = runconfig.load_config(work / "config.toml")
    state = json.loads((work / "history.json").read_text(encoding="utf-8"))
    logs, epochs = state["history"], state["epoch"]
    index, restored = len(epochs) - 1, False
    if "early_stopping" in cfg.callbacks:
        from gdlab import losses, metrics

        compiled = [metrics.get(m, losses.get(cfg.compile["loss"])) for m in cfg.compile.get("metrics") or []]
        best = _restored_epoch(cfg.callbacks["early_stopping"], logs, epochs, compiled)
        if best is not None:
            index, restored = epochs.index(best), True
    split = runconfig.fit_arguments(cfg)["validation_split"]
    samples, missing = None, []
    if split > 0:
        import numpy as np

        y = np.asarray(runconfig.load_data(cfg)[0][1]).ravel()
        cut = validation_split_point(len(y), split)
        samples = len(y) - cut
        if np.issubdtype(y.dtype, np.integer):
            missing = sorted(set(y[:cut].tolist()) - set(y[cut:].tolist()))
    return {"kept": logs[metric][index], "kept_epoch": index + 1, "restored": restored,
            "validation_samples": samples, "validation_missing": missing}


def _restored_epoch(spec: dict, logs: dict, epochs: list, compiled: list):
    """The epoch EarlyStopping(**spec) restores on these logs, or None when the run keeps its last weights."""
    from types import SimpleNamespace

    from gdlab.callbacks import EarlyStopping

    stopper = EarlyStopping(**spec)
    stopper.set_model(SimpleNamespace(metrics=compiled, stop_training=False,
                                      parameters=SimpleNamespace(copy_theta=lambda: True)))
    stopper.on_train_begin()
    for i, epoch in enumerate(epochs):
        stopper.on_epoch_end(epoch, {k: v[i] for k, v in logs.items()})
    if stopper.restore_best_weights and stopper.best_weights is not None and stopper.stopped_epoch:
        return stopper.best_epoch
    return None


def ranking_of(work: Path, metric: str) -> dict:
    """``kept_numbers`` from the trial folder's ranking.json, or worked out again (folders of older sweeps)."""
    path = work / RANKING_FILE
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return kept_numbers(work, metric)
