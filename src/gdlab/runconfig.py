"""``gdlab train CONFIG.toml``: a TOML file describes the data, the network, the optimizer and the run.

Every key is checked before anything is trained; a mistake names the file, the
key, the bad value and what is valid. Paths to data files are relative to the
config file's folder; ``[output] dir`` is relative to the working directory and
taken literally (it is not a format string).

Before training the run is also checked as a whole: both splits hold samples,
every monitored log key will exist, and the estimated memory

    M = N_data·8 + P·b·(2 + S) + B·A·b·2

(data in float64; P parameters of b bytes each, stored as θ, the gradient and
the optimizer's S slots; A activations per sample, forward and backward, for a
batch of B samples) fits in the memory available. See ``examples/*.toml``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gdlab import datasets
from gdlab.batching import PARTIAL_BATCH_MODES, SAMPLING_MODES

SECTIONS = ("seed", "data", "model", "compile", "optimizer", "fit", "callbacks", "output")
DATA_KEYS = ("dataset", "csv", "target", "features", "idx_train_images", "idx_train_labels", "idx_test_images",
             "idx_test_labels", "test_size", "standardize", "scale", "n", "noise", "true_w")
HOUSE_KEYS = ("n", "noise", "true_w")
PATH_KEYS = ("csv", "target", "idx_train_images", "idx_train_labels", "idx_test_images", "idx_test_labels")
BUILTIN = tuple(datasets.SKLEARN_SETS) + ("house_prices",)
FIT_KEYS = ("epochs", "batch_size", "validation_split", "shuffle", "partial_batch", "sampling", "verbose")
FIT_DEFAULTS = {"epochs": 10, "batch_size": 32, "validation_split": 0.0, "shuffle": True, "partial_batch": "keep",
                "sampling": "without_replacement", "verbose": 1}
CALLBACK_KEYS = ("early_stopping", "reduce_lr_on_plateau", "model_checkpoint", "terminate_on_nan")
#: integers (seed, n, epochs, batch_size) stay below 2**63, the range NumPy and the checkpoint JSON keep exact
MAX_INT = 2**63 - 1
#: the checkpoint file of [callbacks] model_checkpoint, inside [output] dir
BEST_FILE = "best.safetensors"


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


# -- checking values ---------------------------------------------------------------------------------
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


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_bool(table, key, where):
    if key in table and not isinstance(table[key], bool):
        raise ConfigError(f"{where} {key} = {table[key]!r} must be true or false (a TOML boolean)")


def _check_number(table, key, where, valid, ok):
    if key in table and not (_is_number(table[key]) and np.isfinite(table[key]) and ok(table[key])):
        raise ConfigError(f"{where} {key} = {table[key]!r} must be {valid}")


def _check_int(table, key, where, low):
    value = table.get(key, low)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_INT:
        raise ConfigError(f"{where} {key} = {value!r} must be an integer >= {low} and < 2**63")


def _check_str(table, key, where, valid=None):
    value = table.get(key)
    if key in table and (not isinstance(value, str) or not value or (valid is not None and value not in valid)):
        choices = f"one of {', '.join(map(repr, valid))}" if valid is not None else "a non-empty string"
        raise ConfigError(f"{where} {key} = {value!r} must be {choices}")


def state_vectors(optimizer) -> int:
    """How many θ-sized vectors the optimizer keeps (its non-scalar slots)."""
    return sum(not slot.scalar for slot in optimizer.slots().values())


def check_argument_types(cls, spec: dict, where: str) -> None:
    """Keys whose default in ``cls.__init__`` is a bool take only TOML booleans; keys whose default
    is a number take only numbers (so ``nesterov = "no"`` or ``units = true`` fail here, by name)."""
    params = {}
    for klass in reversed(cls.__mro__):  # a subclass's **kwargs pass on its base's keyword arguments
        if "__init__" in vars(klass):
            params.update(inspect.signature(klass.__init__).parameters)
    for key, value in spec.items():
        default = params[key].default if key in params else None
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"{where} {key} = {value!r} must be true or false (a TOML boolean)")
        if _is_number(default) and not _is_number(value):
            raise ConfigError(f"{where} {key} = {value!r} must be a number")


def _check_data(data, where):
    sources = [k for k in ("dataset", "csv", "idx_train_images") if k in data]
    if len(sources) != 1:
        raise ConfigError(f"{where}: give exactly one of dataset = (one of {', '.join(BUILTIN)}), "
                          f"csv = \"file.csv\" or idx_train_images = …; got {sources or 'none'}")
    if "dataset" in data and data["dataset"] not in BUILTIN:
        raise ConfigError(f"{where} dataset = {data['dataset']!r}; valid: {', '.join(BUILTIN)}")
    if data.get("dataset") != "house_prices" and any(k in data for k in HOUSE_KEYS):
        raise ConfigError(f"{where}: {', '.join(k for k in HOUSE_KEYS if k in data)} only apply to "
                          "dataset = \"house_prices\"")
    for key in PATH_KEYS:
        _check_str(data, key, where)
    features = data.get("features")
    if "features" in data and (not isinstance(features, list) or not features
                               or not all(isinstance(f, str) for f in features)):
        raise ConfigError(f"{where} features = {features!r} must be a non-empty list of column names")
    _check_number(data, "test_size", where, "a number in (0, 1)", lambda v: 0 < v < 1)
    _check_bool(data, "standardize", where)
    _check_number(data, "scale", where, "a number > 0", lambda v: v > 0)
    if "n" in data:
        _check_int(data, "n", where, 1)
    _check_number(data, "noise", where, "a finite number >= 0", lambda v: v >= 0)
    _check_number(data, "true_w", where, "a finite number", lambda v: True)


def _check_fit(fit, where):
    if "epochs" in fit:
        _check_int(fit, "epochs", where, 1)
    batch = fit.get("batch_size", 1)
    if batch != "full":
        _check_int(fit, "batch_size", where, 1)
    _check_number(fit, "validation_split", where, "a number in [0, 1)", lambda v: 0 <= v < 1)
    _check_bool(fit, "shuffle", where)
    _check_str(fit, "partial_batch", where, PARTIAL_BATCH_MODES)
    _check_str(fit, "sampling", where, SAMPLING_MODES)
    if "verbose" in fit and (fit["verbose"] not in (0, 1, 2, "auto") or isinstance(fit["verbose"], bool)):
        raise ConfigError(f"{where} verbose = {fit['verbose']!r} must be 0, 1, 2 or \"auto\"")


def load_config(path) -> RunConfig:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such config file: {path}")
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:
        raise ConfigError(f"{path}: its tables or arrays are nested too deeply to read; a train config "
                          "nests a few levels") from None
    _no_unknown(raw, SECTIONS, str(path))
    _check_int(raw, "seed", str(path), 0)
    data = _table(raw, "data", str(path))
    _no_unknown(data, DATA_KEYS, f"{path} [data]")
    _check_data(data, f"{path} [data]")
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
    _check_fit(fit, f"{path} [fit]")
    callbacks = _table(raw, "callbacks", str(path), required=False)
    _no_unknown(callbacks, CALLBACK_KEYS, f"{path} [callbacks]")
    _check_bool(callbacks, "terminate_on_nan", f"{path} [callbacks]")
    output = _table(raw, "output", str(path))
    _no_unknown(output, ("dir",), f"{path} [output]")
    if not isinstance(output.get("dir"), str) or not output["dir"]:
        raise ConfigError(f"{path} [output]: dir = \"folder\" is required")
    return RunConfig(path=path, seed=raw.get("seed", 0), data=data, model=model, compile=comp, optimizer=opt,
                     fit=fit, callbacks=callbacks, output_dir=Path(output["dir"]), raw=raw)


# -- building the pieces ----------------------------------------------------------------------------
def _nonempty(cfg, train, test):
    """Both splits hold samples, and so do both parts of the training split after validation_split."""
    from gdlab.inputs import validation_split_point

    d = cfg.data
    size = f"n = {d.get('n', 200)}, " if d.get("dataset") == "house_prices" else ""
    for name, part in (("training", train), ("test", test)):
        if len(part[0]) == 0:
            raise ConfigError(f"{cfg.path} [data]: the {name} split is empty ({size}test_size = "
                              f"{d.get('test_size', 0.2)} of {len(train[0]) + len(test[0])} samples); use more "
                              "samples or change test_size")
    split = fit_arguments(cfg)["validation_split"]
    try:
        validation_split_point(len(train[0]), split)
    except ValueError as err:
        raise ConfigError(f"{cfg.path} [fit] validation_split = {split}: {err}") from None
    return train, test


def load_data(cfg: RunConfig):
    """(x_train, y_train), (x_test, y_test), unscaled (scaling lives in the model's first layer); neither
    split is empty."""
    d, base = cfg.data, cfg.path.parent
    test_size = d.get("test_size", 0.2)
    if "dataset" in d and d["dataset"] == "house_prices":
        n = d.get("n", 200)
        check_memory(cfg, n * 2 * 8 * 2, f"[data] n = {n} houses")
        x, y = datasets.house_prices(n=n, noise=d.get("noise", 0.1), true_w=d.get("true_w", 3.0), seed=cfg.seed)
        cut = int(round(len(x) * (1 - test_size)))
        return _nonempty(cfg, (x[:cut], y[:cut]), (x[cut:], y[cut:]))
    if "dataset" in d:
        return _nonempty(cfg, *datasets.load(d["dataset"], test_size=test_size, seed=cfg.seed,
                                             standardize_x=False))
    if "csv" in d:
        if "target" not in d:
            raise ConfigError(f"{cfg.path} [data]: csv needs target = \"column name\"")
        x, y = datasets.from_csv(base / d["csv"], d["target"], d.get("features"))
        classification = np.all(y == np.round(y)) and len(np.unique(y)) <= max(2, len(y) // 10)
        train, test = datasets.stratified_split(y, test_size, cfg.seed, stratify=bool(classification))
        return _nonempty(cfg, (x[train], y[train]), (x[test], y[test]))
    for key in ("idx_train_labels", "idx_test_images", "idx_test_labels"):
        if key not in d:
            raise ConfigError(f"{cfg.path} [data]: IDX data needs {key} = \"path\"")
    train = datasets.load_idx(base / d["idx_train_images"], base / d["idx_train_labels"])
    test = datasets.load_idx(base / d["idx_test_images"], base / d["idx_test_labels"])
    return _nonempty(cfg, (train[0].astype(np.float64), train[1].astype(np.int64)),
                     (test[0].astype(np.float64), test[1].astype(np.int64)))


available_memory = datasets.available_memory  # one definition; the IDX loader checks it too


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    raise AssertionError("unreachable")


def check_memory(cfg: RunConfig, needed: int, what: str) -> None:
    available = available_memory()
    if needed > available:
        raise ConfigError(f"{cfg.path}: {what} need about {_size(needed)} of memory; {_size(available)} is "
                          "available")


def _estimate_model_memory(cfg, model, optimizer, x_train) -> None:
    """Check M = P·b·(2 + S) + B·A·b·2 against the memory available, before anything is allocated."""
    shape, params, activations = tuple(x_train.shape[1:]), 0, 0
    for layer in model.layers:
        params += sum(int(np.prod(s, dtype=object)) for s in layer.build(shape).values())
        shape = layer.compute_output_shape(shape)
        activations += int(np.prod(shape, dtype=object))
    batch = cfg.fit.get("batch_size", FIT_DEFAULTS["batch_size"])
    batch = len(x_train) if batch == "full" else min(batch, len(x_train))
    b = model.dtype.itemsize
    needed = params * b * (2 + state_vectors(optimizer)) + batch * activations * b * 2 + x_train.nbytes
    check_memory(cfg, needed, f"[model] {params:,} parameters ({model.dtype.name}) with {activations:,} "
                              f"activations per sample and batches of {batch}")


def _compiled_model(cfg: RunConfig, first_layer=None):
    """The config's Sequential (after ``first_layer``, the input scaling) compiled with its optimizer;
    a bad layer, optimizer or loss is a ConfigError naming its table."""
    from gdlab import Sequential, layers, optimizers, schedules

    try:
        model = Sequential(dtype=cfg.model.get("dtype", "float32"), seed=cfg.seed)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{cfg.path} [model] {err}") from None
    if first_layer is not None:
        model.add(first_layer)
    for i, spec in enumerate(cfg.model["layers"]):
        spec = dict(spec)
        kind = spec.pop("type", None)
        where = f"{cfg.path} [model] layers[{i}] ({kind})"
        if kind is None:
            raise ConfigError(f"{cfg.path} [model] layers[{i}] needs type = …; known: {', '.join(layers.registry.names())}")
        try:
            check_argument_types(layers.registry.lookup(kind), spec, where)
            model.add(layers.get(kind, **spec))
        except (TypeError, ValueError) as err:
            if isinstance(err, ConfigError):
                raise
            raise ConfigError(f"{where}: {err}") from None
    opt = dict(cfg.optimizer)
    name = opt.pop("name")
    try:
        check_argument_types(optimizers.registry.lookup(name), opt, f"{cfg.path} [optimizer]")
        if isinstance(opt.get("learning_rate"), dict):  # a schedule: { class_name = "…", config = { … } }
            opt["learning_rate"] = schedules.get(opt["learning_rate"])
        optimizer = optimizers.get(name, **opt)
        model.compile(optimizer, cfg.compile["loss"], cfg.compile.get("metrics"))
    except (TypeError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"{cfg.path} [optimizer]/[compile]: {err}") from None
    return model, optimizer


def check_model_and_optimizer(cfg: RunConfig) -> None:
    """Builds the layers, the optimizer (and schedule) and the loss without data: what a sweep checks
    for every trial while planning."""
    _compiled_model(cfg)


def build_model(cfg: RunConfig, x_train):
    from gdlab.layers import Normalization

    d = cfg.data
    first = None
    if d.get("scale") is not None:
        first = Normalization(mean=0.0, variance=float(d["scale"]) ** 2, name="scale", input_shape=x_train.shape[1:])
    elif d.get("standardize", True):
        first = Normalization.adapt(x_train, name="standardize")
        first.input_shape = tuple(x_train.shape[1:])
    model, optimizer = _compiled_model(cfg, first)
    try:
        _estimate_model_memory(cfg, model, optimizer, x_train)
    except ValueError as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"{cfg.path} [model]: {err}") from None
    model.build(x_train.shape[1:])
    return model


def logged_keys(cfg: RunConfig, model) -> list[str]:
    """The keys every epoch's logs will hold: loss, the metrics, their val_ twins with validation data,
    and the learning rate."""
    keys = ["loss", *(m.name for m in model.metrics)]
    if fit_arguments(cfg)["validation_split"] > 0:
        keys += [f"val_{k}" for k in keys]
    return keys + ["learning_rate"]


def _check_monitor(cfg, key, monitor, logged):
    if monitor not in logged:
        hint = "" if any(k.startswith("val_") for k in logged) else " (val_… keys need [fit] validation_split > 0)"
        raise ConfigError(f"{cfg.path} [callbacks] {key} monitor = {monitor!r} will not be in the logs; this run "
                          f"logs {', '.join(logged)}{hint}")


def build_callbacks(cfg: RunConfig, model):
    """The config's callbacks, each monitoring a key the run will log; then the health check and the
    backup (kept at the end of training: ``gdlab train`` deletes it after writing its outputs)."""
    from gdlab.callbacks import BackupAndRestore, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN
    from gdlab.callbacks.health import HealthCheck

    logged = logged_keys(cfg, model)
    kinds = {"early_stopping": EarlyStopping, "reduce_lr_on_plateau": ReduceLROnPlateau,
             "model_checkpoint": ModelCheckpoint}
    made = []
    for key, cls in kinds.items():
        if key not in cfg.callbacks:
            continue
        spec = cfg.callbacks[key]
        where = f"{cfg.path} [callbacks] {key}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where} must be a table like {{ monitor = \"val_loss\" }}, got {spec!r}")
        check_argument_types(cls, spec, where)
        # only the file name is a format string ({epoch}, log keys); the folder is taken literally
        folder = str(cfg.output_dir).replace("{", "{{").replace("}", "}}")
        args = (f"{folder}/{BEST_FILE}",) if key == "model_checkpoint" else ()
        try:
            cb = cls(*args, **spec)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{where}: {err}") from None
        if key != "model_checkpoint" or cb.save_best_only:
            _check_monitor(cfg, key, cb.monitor, logged)
        made.append(cb)
    if cfg.callbacks.get("terminate_on_nan"):
        made.append(TerminateOnNaN())
    if fit_arguments(cfg)["verbose"] == 0:  # with verbose >= 1 the progress line gives these warnings
        made.append(HealthCheck())
    made.append(BackupAndRestore(cfg.output_dir / "backup", delete_checkpoint=False))
    return made


def fit_arguments(cfg: RunConfig) -> dict:
    """The [fit] table over the defaults; verbose = "auto" is 1, whose line already adapts to where it goes."""
    args = {**FIT_DEFAULTS, **cfg.fit}
    if args["verbose"] == "auto":
        args["verbose"] = 1
    return args


def fingerprint(cfg: RunConfig, train, test) -> dict:
    """What makes two runs the same run: the data (its tables and a SHA-256 of the split arrays), the
    seed, the model, the loss and metrics, the optimizer, the fit arguments (verbosity aside) and the
    callbacks. A backup is resumed only by a run with the same fingerprint."""
    digest = hashlib.sha256()
    for array in (*train, *test):
        a = np.ascontiguousarray(array)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.data)
    fit = {k: v for k, v in fit_arguments(cfg).items() if k != "verbose"}
    raw = {"seed": cfg.seed, "data": {**cfg.data, "sha256": digest.hexdigest()}, "model": cfg.model,
           "compile": cfg.compile, "optimizer": cfg.optimizer, "fit": fit, "callbacks": cfg.callbacks}
    return json.loads(json.dumps(raw, sort_keys=True))
