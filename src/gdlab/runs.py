"""Train one run from a ``gdlab train`` config: the library form of ``gdlab train CONFIG``.

>>> from gdlab.runs import train_from_config
>>> result = train_from_config("examples/iris.toml", out="runs/iris")     # doctest: +SKIP
>>> result.status, result.test                                           # doctest: +SKIP
('trained', {'loss': 0.07..., 'accuracy': 0.96...})

The run lives in its output folder (``gdlab.rundir.RunFolder``): locked while it trains, its
fingerprint in ``run.json``, resumed from ``backup/backup.safetensors`` by the same run, not trained
again once finished (``force=True`` starts over). The outputs are written atomically in the order
model.safetensors, history.csv, history.json, metrics.json; the backup is deleted last. A run that
diverges raises ``TrainingFailed``, saying what was kept.

A library call is silent: the messages for a person (what the run does, the model summary) go to
``say`` when one is given, and without one the fit's own output (epoch lines, callback messages,
warnings), which it prints to stdout and stderr, is discarded too — by pointing ``sys.stdout`` and
``sys.stderr`` at the null device while the run trains, so other threads' prints are lost meanwhile.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gdlab import runconfig
from gdlab.callbacks import History
from gdlab.i18n import t
from gdlab.model import load_checkpoint
from gdlab.rundir import RunFolder, RunFolderError
from gdlab.training import NonFiniteLossError

#: what a run writes, in the order it writes them
OUTPUT_FILES = ("model.safetensors", "history.csv", "history.json", "metrics.json")
#: RunFolder.open's answer → RunResult.status
STATUS = {"start": "trained", "resume": "resumed", "finished": "already finished"}


class TrainingFailed(RuntimeError):
    """Training ran but produced nothing worth keeping (it diverged)."""


@dataclass(frozen=True)
class RunResult:
    """What one ``train_from_config`` call did, and the run it leaves in ``folder``.

    ``status``: ``"trained"`` (from the first epoch), ``"resumed"`` (from the backup) or ``"already
    finished"`` (nothing trained: ``history``, ``test`` and ``epochs`` are read back from the files).
    ``history``: the whole run's per-epoch logs, the epochs before a resume included. ``test``: the
    test split's loss and metrics (metrics.json's ``test``). ``epochs``: the epochs the run trained,
    fewer than ``[fit] epochs`` when it stopped early.
    """

    status: str
    folder: Path
    history: History
    test: dict[str, float]
    epochs: int

    @property
    def files(self) -> dict[str, Path]:
        """The outputs by name: model.safetensors, history.csv, history.json, metrics.json."""
        return {name: self.folder / name for name in OUTPUT_FILES}

    def summary(self) -> str:
        """The two lines ``gdlab train`` prints on stdout after training: what it wrote, the test metrics."""
        return (t("runs.wrote", model=self.folder / OUTPUT_FILES[0], files=", ".join(OUTPUT_FILES[1:])) + "\n"
                + t("runs.test_metrics", metrics="  ".join(f"{k}: {v:.4f}" for k, v in self.test.items())))


def train_from_config(config, out=None, force: bool = False, *, backend=None,
                      say: Callable[[str], None] | None = None) -> RunResult:
    """Train the run ``config`` describes into its output folder, or resume or read back the run there.

    ``config``: the path of a TOML file, or a ``RunConfig`` from ``gdlab.runconfig.load_config``.
    ``out``: the output folder, instead of the config's ``[output] dir``. ``force``: start over,
    discarding the folder's backup or finished run. ``backend``: the model's array backend
    (``"numpy"``, ``"cupy"``, a ``gdlab.backend.Backend``; None: the default, see
    ``gdlab.backend.use``). ``say``: called with each message for a person, e.g.
    ``lambda text: print(text, file=sys.stderr)`` as ``gdlab train`` does; None: print nothing.

    Raises ``ConfigError`` (a ValueError) for a bad config, ``RunMismatchError`` for a folder holding
    another run, ``RunFolderError`` for a busy or unwritable folder or too little disk,
    ``TrainingFailed`` when training diverged, ``OSError`` when a file cannot be written.
    """
    cfg = config if isinstance(config, runconfig.RunConfig) else runconfig.load_config(config)
    if out is not None:
        cfg = dataclasses.replace(cfg, output_dir=Path(out))
    with contextlib.nullcontext() if say is not None else _silenced():
        return _run(cfg, force, backend, say or (lambda text: None))


@contextlib.contextmanager
def _silenced():
    """stdout and stderr to the null device: the fit, its progress line and its callbacks print there."""
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        yield


def _run(cfg: runconfig.RunConfig, force: bool, backend, say: Callable[[str], None]) -> RunResult:
    train, test = runconfig.load_data(cfg)
    model = runconfig.build_model(cfg, train[0]).to(backend)
    callbacks = runconfig.build_callbacks(cfg, model)
    fingerprint = runconfig.fingerprint(cfg, train, test)
    fit_args = runconfig.fit_arguments(cfg)
    epochs = fit_args["epochs"]
    with RunFolder(cfg.output_dir) as run:
        # three files (model, backup, best checkpoint) of θ and the optimizer's S slots, and a temporary copy
        run.check_space(4 * model.count_params() * model.dtype.itemsize * (1 + runconfig.state_vectors(model.optimizer)))
        status = STATUS[run.open(fingerprint, force=force)]
        if status == "already finished":
            say(t("runs.already_finished", path=run.path, metrics=run.path / "metrics.json"))
            return _read_back(run.path)
        if status == "resumed":
            done = load_checkpoint(run.backup).training_state.epoch
            doing = (t("runs.resuming", epoch=done + 1, epochs=epochs, backup=run.backup) if done < epochs else
                     t("runs.all_done", epochs=epochs, backup=run.backup))
        else:
            doing = t("runs.writing_to", path=run.path)
        say(t("runs.starting", config=cfg.path, train=len(train[0]), test=len(test[0]), doing=doing))
        model.summary(print_fn=say)
        try:
            history = model.fit(*train, callbacks=callbacks, seed=cfg.seed, **fit_args)
            stopped = history.stopped_because
        except NonFiniteLossError as err:
            stopped = str(err)
        if stopped:
            raise TrainingFailed(stopped + " " + _kept(run.backup))
        results = _write_outputs(run, model, history, test)
        run.finish(fingerprint)
    return RunResult(status, run.path, history, results, len(history.epoch))


def _kept(backup: Path) -> str:
    if not backup.exists():
        return t("runs.nothing_saved")
    done = load_checkpoint(backup).training_state.epoch
    return t("runs.kept", epoch=done, backup=backup)


def _write_outputs(run: RunFolder, model, history: History, test) -> dict[str, float]:
    """The four outputs, each atomically, in OUTPUT_FILES order; returns the test metrics."""
    model.save(run.path / "model.safetensors")
    run.write_text("history.csv", _history_csv(history))
    run.write_text("history.json", json.dumps(history.to_state()) + "\n")
    results = model.evaluate(*test, return_dict=True)
    run.write_text("metrics.json", json.dumps({"test": results, "epochs": len(history.epoch)}, indent=2) + "\n")
    return results


def _history_csv(history: History) -> str:
    keys = list(history.history)
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(["epoch", "iterations", *keys])
    for i, e in enumerate(history.epoch):
        w.writerow([e, history.iterations_per_epoch[i], *(history.history[k][i] for k in keys)])
    return text.getvalue()


def _read_back(folder: Path) -> RunResult:
    """The RunResult of the finished run in ``folder``, from its history.json and metrics.json."""
    try:
        history = History.from_state(json.loads((folder / "history.json").read_text(encoding="utf-8")))
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        return RunResult("already finished", folder, history, metrics["test"], metrics["epochs"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise RunFolderError(f"{folder / 'run.json'} says this run finished, but its history.json and metrics.json "
                             f"cannot be read back ({type(err).__name__}: {err}); run again with --force to train "
                             "it again") from None
