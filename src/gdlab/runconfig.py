"""``gdlab train CONFIG.toml``: a TOML file describes the data, the network, the optimizer and the run.

Every key is checked; a mistake names the key, the bad value and what is valid.
Paths to data files are relative to the config file's folder; ``[output] dir``
is relative to the working directory. See ``examples/*.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gdlab import datasets

SECTIONS = ("seed", "data", "model", "compile", "optimizer", "fit", "callbacks", "output")
DATA_KEYS = ("dataset", "csv", "target", "features", "idx_train_images", "idx_train_labels", "idx_test_images",
             "idx_test_labels", "test_size", "standardize", "scale", "n", "noise", "true_w")
BUILTIN = tuple(datasets.SKLEARN_SETS) + ("house_prices",)
FIT_KEYS = ("epochs", "batch_size", "validation_split", "shuffle", "partial_batch", "sampling", "verbose")
CALLBACK_KEYS = ("early_stopping", "reduce_lr_on_plateau", "model_checkpoint", "terminate_on_nan")


class ConfigError(ValueError):
    """A bad key or value in a run config."""


@dataclass
class RunConfig:
    path: Path
    seed: int
    data: dict
    model: dict
    compile: dict
    optimizer: dict
    fit: dict
    callbacks: dict
    output_dir: Path
    raw: dict = field(repr=False, default_factory=dict)


def _table(raw, key, where, required=True) -> dict:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: missing [{key}] section")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table ([{key}]), got {value!r}")
    return value


def _no_unknown(table, valid, where):
    unknown = sorted(set(table) - set(valid))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; valid keys: {', '.join(valid)}")


def load_config(path) -> RunConfig:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such config file: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    _no_unknown(raw, SECTIONS, str(path))
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{path}: seed = {seed!r} must be an integer >= 0")
    data = _table(raw, "data", str(path))
    _no_unknown(data, DATA_KEYS, f"{path} [data]")
    sources = [k for k in ("dataset", "csv", "idx_train_images") if k in data]
    if len(sources) != 1:
        raise ConfigError(f"{path} [data]: give exactly one of dataset = (one of {', '.join(BUILTIN)}), "
                          f"csv = \"file.csv\" or idx_train_images = …; got {sources or 'none'}")
    if "dataset" in data and data["dataset"] not in BUILTIN:
        raise ConfigError(f"{path} [data] dataset = {data['dataset']!r}; valid: {', '.join(BUILTIN)}")
    model = _table(raw, "model", str(path))
    _no_unknown(model, ("dtype", "layers"), f"{path} [model]")
    layers = model.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(l, dict) for l in layers):
        raise ConfigError(f"{path} [model] layers must be a non-empty list of tables like "
                          "{ type = \"Dense\", units = 10, activation = \"softmax\" }")
    comp = _table(raw, "compile", str(path))
    _no_unknown(comp, ("loss", "metrics"), f"{path} [compile]")
    if "loss" not in comp:
        raise ConfigError(f"{path} [compile]: missing loss = …")
    opt = _table(raw, "optimizer", str(path))
    if "name" not in opt:
        raise ConfigError(f"{path} [optimizer]: missing name = … (e.g. \"sgd\", \"adam\")")
    fit = _table(raw, "fit", str(path))
    _no_unknown(fit, FIT_KEYS, f"{path} [fit]")
    callbacks = _table(raw, "callbacks", str(path), required=False)
    _no_unknown(callbacks, CALLBACK_KEYS, f"{path} [callbacks]")
    output = _table(raw, "output", str(path))
    _no_unknown(output, ("dir",), f"{path} [output]")
    if not isinstance(output.get("dir"), str) or not output["dir"]:
        raise ConfigError(f"{path} [output]: dir = \"folder\" is required")
    return RunConfig(path=path, seed=seed, data=data, model=model, compile=comp, optimizer=opt, fit=fit,
                     callbacks=callbacks, output_dir=Path(output["dir"]), raw=raw)


# -- building the pieces ----------------------------------------------------------------------------
def load_data(cfg: RunConfig):
    """(x_train, y_train), (x_test, y_test), unscaled (scaling lives in the model's first layer)."""
    d, base = cfg.data, cfg.path.parent
    test_size = d.get("test_size", 0.2)
    if not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ConfigError(f"{cfg.path} [data] test_size = {test_size!r} must be a number in (0, 1)")
    if "dataset" in d and d["dataset"] == "house_prices":
        x, y = datasets.house_prices(n=d.get("n", 200), noise=d.get("noise", 0.1), true_w=d.get("true_w", 3.0),
                                     seed=cfg.seed)
        cut = int(round(len(x) * (1 - test_size)))
        return (x[:cut], y[:cut]), (x[cut:], y[cut:])
    if "dataset" in d:
        return datasets.load(d["dataset"], test_size=test_size, seed=cfg.seed, standardize_x=False)
    if "csv" in d:
        if "target" not in d:
            raise ConfigError(f"{cfg.path} [data]: csv needs target = \"column name\"")
        x, y = datasets.from_csv(base / d["csv"], d["target"], d.get("features"))
        classification = np.all(y == np.round(y)) and len(np.unique(y)) <= max(2, len(y) // 10)
        train, test = datasets.stratified_split(y, test_size, cfg.seed, stratify=bool(classification))
        return (x[train], y[train]), (x[test], y[test])
    for key in ("idx_train_labels", "idx_test_images", "idx_test_labels"):
        if key not in d:
            raise ConfigError(f"{cfg.path} [data]: IDX data needs {key} = \"path\"")
    train = datasets.load_idx(base / d["idx_train_images"], base / d["idx_train_labels"])
    test = datasets.load_idx(base / d["idx_test_images"], base / d["idx_test_labels"])
    return (train[0].astype(np.float64), train[1].astype(np.int64)), (test[0].astype(np.float64),
                                                                       test[1].astype(np.int64))


def build_model(cfg: RunConfig, x_train):
    from gdlab import Sequential, layers, optimizers, schedules
    from gdlab.layers import Normalization

    d = cfg.data
    model = Sequential(dtype=cfg.model.get("dtype", "float32"), seed=cfg.seed)
    if d.get("scale") is not None:
        if not isinstance(d["scale"], (int, float)) or d["scale"] <= 0:
            raise ConfigError(f"{cfg.path} [data] scale = {d['scale']!r} must be a number > 0")
        model.add(Normalization(mean=0.0, variance=float(d["scale"]) ** 2, name="scale",
                                input_shape=x_train.shape[1:]))
    elif d.get("standardize", True):
        norm = Normalization.adapt(x_train, name="standardize")
        norm.input_shape = tuple(x_train.shape[1:])
        model.add(norm)
    for i, spec in enumerate(cfg.model["layers"]):
        spec = dict(spec)
        kind = spec.pop("type", None)
        if kind is None:
            raise ConfigError(f"{cfg.path} [model] layers[{i}] needs type = …; known: {', '.join(layers.registry.names())}")
        try:
            model.add(layers.get(kind, **spec))
        except TypeError as err:
            raise ConfigError(f"{cfg.path} [model] layers[{i}] ({kind}): {err}") from None
        except ValueError as err:
            raise ConfigError(f"{cfg.path} [model] layers[{i}] ({kind}): {err}") from None
    opt = dict(cfg.optimizer)
    name = opt.pop("name")
    try:
        if isinstance(opt.get("learning_rate"), dict):  # a schedule: { class_name = "…", config = { … } }
            opt["learning_rate"] = schedules.get(opt["learning_rate"])
        optimizer = optimizers.get(name, **opt)
        model.compile(optimizer, cfg.compile["loss"], cfg.compile.get("metrics"))
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{cfg.path} [optimizer]/[compile]: {err}") from None
    model.build(x_train.shape[1:])
    return model


def build_callbacks(cfg: RunConfig):
    from gdlab.callbacks import BackupAndRestore, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN

    made = []
    kinds = {"early_stopping": EarlyStopping, "reduce_lr_on_plateau": ReduceLROnPlateau}
    for key, cls in kinds.items():
        if key in cfg.callbacks:
            try:
                made.append(cls(**cfg.callbacks[key]))
            except (TypeError, ValueError) as err:
                raise ConfigError(f"{cfg.path} [callbacks] {key}: {err}") from None
    if "model_checkpoint" in cfg.callbacks:
        spec = dict(cfg.callbacks["model_checkpoint"])
        try:
            made.append(ModelCheckpoint(cfg.output_dir / "best.safetensors", **spec))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{cfg.path} [callbacks] model_checkpoint: {err}") from None
    if cfg.callbacks.get("terminate_on_nan"):
        made.append(TerminateOnNaN())
    made.append(BackupAndRestore(cfg.output_dir / "backup"))
    return made


def fit_arguments(cfg: RunConfig) -> dict:
    args = {"epochs": 10, "batch_size": 32, "validation_split": 0.0, "shuffle": True, "verbose": "auto"}
    args.update(cfg.fit)
    return args
