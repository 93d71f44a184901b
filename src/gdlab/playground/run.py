"""One playground run: the data set, a gdlab model built from a ``gdlab train`` config, epoch-wise training.

The run *is* a ``gdlab train`` config: ``config()`` returns the TOML's tables, the model is built
from them by ``gdlab.runconfig.build_model``, and every epoch is

    model.fit(x, y, epochs=e + 1, initial_epoch=e, batch_size=B, seed=S, shuffle=True, verbose=0)

gdlab keys each epoch's batches (and dropout masks) by (fit seed, epoch), so these one-epoch fits
with the fixed seed S equal one long fit of the same length — the one ``gdlab train`` (or
``gdlab.runs.train_from_config``) runs on the exported TOML and CSV, which therefore ends with the
same weights, bit for bit.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path

import numpy as np

from gdlab import datasets, runconfig
from gdlab.batching import EpochPlan
from gdlab.layers import Dense
from gdlab.i18n import Msg
from gdlab.playground import data
from gdlab.playground.settings import DIVERGENCE_FACTOR, Settings, optimizer_table
from gdlab.training import NonFiniteLossError

CSV_NAME = "playground.csv"
TARGET = "label"
HEATMAP_SIZE = 40  # the output map: HEATMAP_SIZE² points over [−6, 6]²
NEURON_STRIDE = 2  # neuron thumbnails use every second grid point in each direction


class Dataset:
    """The generated points, every feature column, and the train/test split ``gdlab train`` makes."""

    def __init__(self, s: Settings):
        self.points, self.labels = data.generate(s["dataset"], s["noise"] / 100, s["dataSeed"])
        self.columns = data.features(self.points, tuple(data.FEATURES))  # all features, as in the CSV
        self.test_size = (100 - s["trainRatio"]) / 100
        # the split of runconfig.load_data for a CSV: stratified for class labels
        self.train, self.test = datasets.stratified_split(self.labels, self.test_size, s["seed"],
                                                          stratify=s.problem == "classification")

    def inputs(self, names, which):
        """(x, y) of the points ``which`` with the feature columns ``names``, laid out as ``gdlab train``
        has them (C order: the standardisation's variance sums in memory order, so the layout shows in
        the last bits)."""
        cols = [list(data.FEATURES).index(n) for n in names]
        return np.ascontiguousarray(self.columns[:, cols][which]), self.labels[which]

    def csv(self) -> str:
        """Every point with every feature column, written so that reading it back gives the same floats."""
        lines = [",".join([*data.FEATURES, TARGET])]
        lines += [",".join(repr(float(v)) for v in (*row, label)) for row, label in zip(self.columns, self.labels)]
        return "\n".join(lines) + "\n"


def export_name(label: str, name: str) -> str:
    """The download name of run ``label``'s file ``name``: playground.toml → playground-a.toml, train.py →
    train-a.py, so that runs A and B do not overwrite each other."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{label.lower()}{dot}{ext}"


def config(s: Settings, epochs: int, label: str = "A") -> dict:
    """The ``gdlab train`` tables of run ``label`` after ``epochs`` epochs (at least one: ``gdlab train``
    needs epochs >= 1); each run writes to its own folder, runs/playground-a or runs/playground-b."""
    classification = s.problem == "classification"
    hidden = [{"type": "Dense", "units": u, "activation": s["activation"]} for u in s["networkShape"]]
    out = {"type": "Dense", "units": 1, "activation": "sigmoid" if classification else "linear"}
    return {
        "seed": s["seed"],
        "data": {"csv": CSV_NAME, "target": TARGET, "features": list(s["features"]),
                 "test_size": (100 - s["trainRatio"]) / 100, "standardize": True},
        "model": {"dtype": s["dtype"], "layers": hidden + [out]},
        "compile": {"loss": "binary_crossentropy" if classification else "mean_squared_error"},
        "optimizer": optimizer_table(s),
        "fit": {"epochs": max(1, epochs), "batch_size": s["batchSize"], "shuffle": True, "sampling": s["sampling"],
                "verbose": 0},
        "output": {"dir": f"runs/playground-{label.lower()}"},
    }


class Run:
    """A model on a ``Dataset``, trained one epoch per ``train_epoch`` call."""

    def __init__(self, s: Settings, dataset: Dataset, label: str = "A"):
        self.settings, self.dataset, self.label = s, dataset, label
        self.x_train, self.y_train = dataset.inputs(s["features"], dataset.train)
        self.x_test, self.y_test = dataset.inputs(s["features"], dataset.test)
        tables = config(s, 0)
        cfg = runconfig.RunConfig(path=Path("playground.toml"), seed=tables["seed"], data=tables["data"],
                                  model=tables["model"], compile=tables["compile"], optimizer=tables["optimizer"],
                                  fit=tables["fit"], callbacks={}, output_dir=Path(tables["output"]["dir"]))
        self.model = runconfig.build_model(cfg, self.x_train)
        self.epoch = 0
        self.iteration = 0
        self.iterations_per_epoch = EpochPlan(len(self.x_train), s["batchSize"],
                                              sampling=s["sampling"]).iterations_per_epoch
        self.curve: list[tuple[int, float, float]] = []  # (epoch, train loss, test loss)
        self.error: str | Msg | None = None  # gdlab's forensics text, or the page's own message (rendered when sent)
        self.nonfinite = False  # diverged to NaN/inf: the last epoch's weights are not worth exporting
        grid = data.grid(HEATMAP_SIZE)
        self.grid = data.features(grid, s["features"])
        self.record_losses()

    def record_losses(self) -> None:
        train = self.model.evaluate(self.x_train, self.y_train)
        test = self.model.evaluate(self.x_test, self.y_test)
        self.curve.append((self.epoch, train, test))

    def train_epoch(self) -> None:
        """One epoch (nothing once the run has diverged).

        Divergence is the same on every problem: the loss turned non-finite (gdlab's forensics message),
        or the training loss rose past ``DIVERGENCE_FACTOR`` times its epoch-0 value. Either way the
        counters count the epoch it happened in and the curve gets its point (null when non-finite)."""
        if self.error is not None:
            return
        s, e = self.settings, self.epoch
        try:
            history = self.model.fit(self.x_train, self.y_train, epochs=e + 1, initial_epoch=e,
                                     batch_size=s["batchSize"], seed=s["seed"], shuffle=True, verbose=0,
                                     sampling=s["sampling"])
            iterations = history.iterations_per_epoch[-1]
        except NonFiniteLossError as err:
            self.error, self.nonfinite, iterations = str(err), True, self.iterations_per_epoch
        self.epoch += 1
        self.iteration += iterations
        with np.errstate(over="ignore", invalid="ignore"):
            self.record_losses()
        start, now = self.curve[0][1], self.curve[-1][1]
        if self.error is None and not math.isfinite(now):
            self.error = Msg("playground.diverged_not_finite", loss=str(now), epoch=str(self.epoch))
            self.nonfinite = True
        elif self.error is None and now > DIVERGENCE_FACTOR * start:
            self.error = Msg("playground.diverged_rose", loss=f"{now:.4g}", epoch=str(self.epoch),
                             factor=f"{DIVERGENCE_FACTOR:g}", start=f"{start:.4g}",
                             learning_rate=f"{self.learning_rate():g}")

    @property
    def export_epochs(self) -> int:
        """The epochs an export trains: all of them, except an epoch that ended in non-finite weights."""
        return self.epoch - 1 if self.nonfinite else self.epoch

    def learning_rate(self) -> float:
        return self.model.optimizer.current_learning_rate()

    def picture(self) -> dict:
        """The output over the input square, every hidden neuron's output, and the weights."""
        x = np.ascontiguousarray(self.grid, dtype=self.model.dtype)
        neurons, weights = [], []
        with np.errstate(all="ignore"):
            for layer in self.model.layers:
                x = layer.forward(x)
                if not isinstance(layer, Dense):
                    continue
                weights.append({"kernel": _finite(layer.weights["kernel"]).tolist(),
                                "bias": _finite(layer.weights["bias"]).tolist()})
                if layer is not self.model.layers[-1]:
                    side = x.reshape(HEATMAP_SIZE, HEATMAP_SIZE, -1)[::NEURON_STRIDE, ::NEURON_STRIDE]
                    neurons.append([_encode(_unit_scale(side[:, :, k])) for k in range(side.shape[2])])
        out = x[:, 0]
        if self.settings.problem == "classification":
            out = 2 * out - 1
        return {"label": self.label, "epoch": self.epoch, "output": _encode(out), "neurons": neurons,
                "weights": weights}


def _finite(a):
    return np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=1e308, neginf=-1e308)


def _unit_scale(v):
    """A neuron's outputs scaled into [−1, 1] when they leave it (ReLU, ELU, …)."""
    peak = float(np.max(np.abs(np.nan_to_num(v))))
    return v / peak if peak > 1 else v


def _encode(v) -> str:
    """Values in [−1, 1] as bytes 0…255 (NaN → 127), base64."""
    q = np.round((np.clip(np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.0), -1, 1) + 1) * 127.5)
    return base64.b64encode(q.astype(np.uint8).tobytes()).decode("ascii")


# -- export ---------------------------------------------------------------------------------------------
def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write the non-finite number {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} to TOML")


def export_toml(run: Run) -> str:
    epochs = run.export_epochs
    tables = config(run.settings, epochs, run.label)
    s = run.settings
    lines = [f"# gdlab train {export_name(run.label, 'playground.toml')} — run {run.label} of the gdlab playground "
             f"after {epochs} epochs:",
             f"# {s['dataset']} (noise {s['noise']}, data seed {s['dataSeed']}), network "
             f"{len(s['features'])} → {' → '.join(map(str, s['networkShape']))}{' → ' if s['networkShape'] else ''}1.",
             f"# Keep {CSV_NAME} next to this file; gdlab train then ends with the playground's weights, bit for bit.",
             *([f"# The run diverged in epoch {run.epoch}; this config stops before it (see the page's message)."]
               if run.nonfinite else []),
             *([f"# The run's loss rose past {DIVERGENCE_FACTOR:g}× its start in epoch {run.epoch} (see the page's "
                "message); the weights are finite, so this config trains through it."]
               if run.error and not run.nonfinite else []),
             *(["# The page is still at epoch 0; gdlab train runs at least one epoch, so this config trains the "
                "first."] if epochs == 0 else []),
             f"seed = {tables.pop('seed')}", ""]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        for key, value in table.items():
            if key == "layers":
                lines.append("layers = [")
                lines += [f"  {_toml_value(layer)}," for layer in value]
                lines.append("]")
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def export_python(run: Run) -> str:
    """A script that trains the same network on the same data with the public API and saves it."""
    tables = config(run.settings, run.export_epochs, run.label)
    d, opt, fit = tables["data"], dict(tables["optimizer"]), tables["fit"]
    name = opt.pop("name")
    lr = opt.pop("learning_rate")
    lr_code = f"schedules.get({lr!r})" if isinstance(lr, dict) else repr(lr)
    kwargs = "".join(f", {k}={v!r}" for k, v in opt.items())
    layers = "\n".join(f"    layers.get(\"Dense\", units={l['units']}, activation={l['activation']!r}),"
                       for l in tables["model"]["layers"])
    stratify = run.settings.problem == "classification"
    return f'''"""Run {run.label} of the gdlab playground, {fit["epochs"]} epochs: the weights the page shows after them, bit for bit.

Put {CSV_NAME} (the page's data download) next to this script and run it.
"""
import gdlab
from gdlab import datasets, layers, optimizers, schedules
from gdlab.layers import Normalization

SEED = {tables["seed"]}
x, y = datasets.from_csv("{d["csv"]}", "{d["target"]}", {d["features"]!r})
train, test = datasets.stratified_split(y, {d["test_size"]!r}, SEED, stratify={stratify})
model = gdlab.Sequential(dtype="{tables["model"]["dtype"]}", seed=SEED)
norm = Normalization.adapt(x[train], name="standardize")  # inputs standardised on the training part
norm.input_shape = (x.shape[1],)
model.add(norm)
for layer in [
{layers}
]:
    model.add(layer)
model.compile(optimizers.get("{name}", learning_rate={lr_code}{kwargs}), "{tables["compile"]["loss"]}")
model.fit(x[train], y[train], epochs={fit["epochs"]}, batch_size={fit["batch_size"]!r}, seed=SEED, shuffle=True,
          sampling="{fit["sampling"]}", verbose=0)
print("test loss", model.evaluate(x[test], y[test]))
model.save("model.safetensors")
'''
