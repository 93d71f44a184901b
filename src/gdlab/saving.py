"""What a model puts into a gdlab file and takes back out of it.

``gdlab.checkpoint`` knows the file format; this module knows the contents:

- tensors ``weights/<layer>/<param>`` for every parameter array, ``optimizer/<key>`` for the
  optimizer's state arrays, and ``training/callbacks/<i>/<key>`` for arrays a callback keeps
  (EarlyStopping's best weights);
- JSON entries ``gdlab.model`` (the architecture), ``gdlab.compile`` (optimizer config with its
  current learning rate or schedule, loss, metrics), ``gdlab.optimizer`` (the optimizer's counters)
  and, in a checkpoint, ``gdlab.training``: the fit seed, the completed epochs, the history, each
  callback's state and the model's fit-seed generator.

Loading only ever instantiates registered gdlab classes named in the JSON.
"""

from __future__ import annotations

import numpy as np

from gdlab import losses, optimizers
from gdlab.callbacks import History
from gdlab.checkpoint import CheckpointError, Contents
from gdlab.registry import serialize
from gdlab.training import TrainingState

MODEL, COMPILE, OPTIMIZER, TRAINING = "gdlab.model", "gdlab.compile", "gdlab.optimizer", "gdlab.training"


# -- writing ---------------------------------------------------------------------------------------
def contents(model, training_state: TrainingState | None = None) -> tuple[dict, dict]:
    """(tensors, entries) describing ``model`` (and, for a checkpoint, its training state)."""
    if not model.built:
        raise ValueError("the model is not built yet (no weights): call build(), fit() or predict() first")
    theta = model.backend.to_numpy(model.parameters.theta)
    bad = np.flatnonzero(~np.isfinite(theta))
    if bad.size:
        raise ValueError(f"{model.parameters.locate(int(bad[0]))} is {theta[bad[0]]}: a model with non-finite "
                         "weights cannot be saved (it could never be loaded)")
    tensors = {f"weights/{seg.name}": theta[seg.slice].reshape(seg.shape) for seg in model.parameters.segments}
    entries = {MODEL: model.get_config()}
    if model.compiled:
        entries[COMPILE] = {"optimizer": serialize(model.optimizer), "loss": serialize(model.loss),
                            "metrics": [m.name for m in model.metrics]}
        if model.optimizer.built:
            state = model.optimizer.state_dict()
            tensors.update({f"optimizer/{k}": v for k, v in state.pop("arrays").items()})
            entries[OPTIMIZER] = state
    if training_state is not None:
        entries[TRAINING], callback_tensors = _training_entry(model, training_state)
        tensors.update(callback_tensors)
    return tensors, entries


def _training_entry(model, state: TrainingState) -> tuple[dict, dict]:
    """The JSON entry of a TrainingState; arrays in callback states become tensors."""
    callbacks, tensors = [], {}
    for i, (name, cb_state) in enumerate(state.callback_states()):
        arrays = {k: v for k, v in (cb_state or {}).items() if isinstance(v, np.ndarray)}
        plain = None if cb_state is None else {k: v for k, v in cb_state.items() if k not in arrays}
        tensors.update({f"training/callbacks/{i}/{k}": v for k, v in arrays.items()})
        callbacks.append([name, plain, sorted(arrays)])
    entry = {"epoch": state.epoch, "fit_seed": state.fit_seed, "history": state.history.to_state(),
             "callbacks": callbacks, "fit_seed_rng": model.fit_seed_rng.bit_generator.state}
    return entry, tensors


# -- reading ---------------------------------------------------------------------------------------
def build(file: Contents, model_class):
    """A new ``model_class`` model from the file: architecture, compile settings, weights, optimizer.

    The architecture's parameter shapes are checked against the file's tensors before anything is
    allocated, so a small file cannot declare a huge model."""
    _check_entries(file)
    config = _model_config(file)
    try:
        model = model_class.from_config({**config, "input_shape": None})
        per_layer, _ = model.parameter_shapes(tuple(config["input_shape"]))
    except CheckpointError:
        raise
    except _REBUILD_ERRORS as err:
        raise file.error(f"the saved architecture ({MODEL}) cannot be rebuilt: {err}") from None
    expected = {f"weights/{layer.name}/{p}": tuple(shape)
                for layer, shapes in zip(model.layers, per_layer) for p, shape in shapes.items()}
    _check_tensors(file, expected, model.dtype)
    model.build(tuple(config["input_shape"]))
    if file.has(COMPILE):
        comp = _expect_object(file, COMPILE, file.json(COMPILE), ("optimizer", "loss"))
        try:
            model.compile(optimizers.get(comp["optimizer"]), losses.get(comp["loss"]), comp.get("metrics") or None)
        except _REBUILD_ERRORS as err:
            raise file.error(f"the compile settings ({COMPILE}) cannot be rebuilt: {err}") from None
    load_state(model, file)
    return model


_REBUILD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, RecursionError, OverflowError, IndexError)
_MAX_DIM = 2**31 - 1
_TENSOR_PREFIXES = ("weights/", "optimizer/", "training/callbacks/")


def _check_entries(file: Contents) -> None:
    """Only known entries, each with the ones it depends on."""
    unknown = sorted(set(file.entries) - {MODEL, COMPILE, OPTIMIZER, TRAINING})
    if unknown:
        raise file.error(f"unexpected metadata entries {unknown}")
    for entry, needs in ((OPTIMIZER, COMPILE), (TRAINING, COMPILE), (TRAINING, OPTIMIZER)):
        if file.has(entry) and not file.has(needs):
            raise file.error(f"it has a {entry!r} entry but no {needs!r} entry")


def _expect_object(file: Contents, field: str, value, required=()) -> dict:
    if not isinstance(value, dict):
        raise file.error(f"{field} must be a JSON object; got {type(value).__name__}")
    missing = [k for k in required if k not in value]
    if missing:
        raise file.error(f"{field} lacks {', '.join(map(repr, missing))}")
    return value


def _expect_int(file: Contents, field: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise file.error(f"{field} = {value!r} must be an integer in [{lo}, {hi}]")
    return value


def _model_config(file: Contents) -> dict:
    config = _expect_object(file, MODEL, file.json(MODEL), ("layers", "input_shape", "dtype"))
    if config["dtype"] not in ("float32", "float64"):
        raise file.error(f"{MODEL} dtype = {config['dtype']!r}; valid: 'float32', 'float64'")
    shape = config["input_shape"]
    if not isinstance(shape, list) or not shape:
        raise file.error(f"{MODEL} input_shape = {shape!r} must be a non-empty list of sizes")
    for i, n in enumerate(shape):
        _expect_int(file, f"{MODEL} input_shape[{i}]", n, 1, _MAX_DIM)
    layers = config["layers"]
    if not isinstance(layers, list) or not layers:
        raise file.error(f"{MODEL} layers must be a non-empty list")
    for i, entry in enumerate(layers):
        _expect_object(file, f"{MODEL} layers[{i}]", entry, ("class_name", "config"))
    return config


def _check_tensors(file: Contents, expected_weights: dict[str, tuple], dtype) -> None:
    """Weight tensors exactly as the architecture needs; every tensor of the model's float dtype."""
    found = {k for k in file.tensors if k.startswith("weights/")}
    if found != set(expected_weights):
        raise file.error(f"weight tensors {sorted(found)} do not match the architecture's "
                         f"{sorted(expected_weights)}")
    for key, value in file.tensors.items():
        if not key.startswith(_TENSOR_PREFIXES):
            raise file.error(f"unexpected tensor {key!r}")
        if value.dtype != dtype and not key.startswith("optimizer/"):  # the optimizer's are checked on loading
            raise file.error(f"tensor {key} has dtype {value.dtype}; this {dtype} model needs {dtype} tensors")
        if key in expected_weights and value.shape != expected_weights[key]:
            raise file.error(f"{key} has shape {value.shape}; the architecture needs {expected_weights[key]}")
        if not np.all(np.isfinite(value)):
            raise file.error(f"tensor {key} contains NaN or inf")


def check_same_architecture(model, file: Contents) -> None:
    saved, mine = _model_config(file), model.get_config()
    if saved["layers"] != mine["layers"] or saved["dtype"] != mine["dtype"]:
        raise file.error("it was saved from a different architecture or dtype; delete it or use another folder")
    per_layer, _ = model.parameter_shapes(model.input_shape)
    _check_tensors(file, {f"weights/{layer.name}/{p}": tuple(shape) for layer, shapes in zip(model.layers, per_layer)
                          for p, shape in shapes.items()}, model.dtype)


def load_state(model, file: Contents) -> None:
    """Weights, and the optimizer's state when the file has it."""
    _load_weights(model, file)
    if file.has(OPTIMIZER):
        _load_optimizer(model, file)


def restore_learning_rate(model, file: Contents) -> None:
    """The saved constant learning rate (a callback such as ReduceLROnPlateau may have changed it)."""
    comp = _expect_object(file, COMPILE, file.json(COMPILE), ("optimizer",))
    optimizer = _expect_object(file, f"{COMPILE} optimizer", comp["optimizer"], ("config",))
    saved_lr = _expect_object(file, f"{COMPILE} optimizer config", optimizer["config"]).get("learning_rate")
    if isinstance(saved_lr, (int, float)) and not isinstance(saved_lr, bool):
        try:
            model.optimizer.learning_rate = saved_lr
        except (TypeError, ValueError) as err:
            raise file.error(f"{COMPILE} optimizer learning_rate: {err}") from None


def _load_weights(model, file: Contents) -> None:
    for seg in model.parameters.segments:
        model.parameters.theta[seg.slice] = model.backend.asarray(file.tensors[f"weights/{seg.name}"].reshape(-1))


def _load_optimizer(model, file: Contents) -> None:
    state = _expect_object(file, OPTIMIZER, file.json(OPTIMIZER), ("iterations",))
    _expect_int(file, f"{OPTIMIZER} iterations", state["iterations"], 0, 2**62)
    _expect_int(file, f"{OPTIMIZER} micro_steps", state.get("micro_steps", 0), 0, 2**62)
    state["arrays"] = {k[len("optimizer/"):]: v for k, v in file.tensors.items() if k.startswith("optimizer/")}
    opt, params = model.optimizer, model.parameters
    opt.build(params)
    for key, fresh in opt.state_dict()["arrays"].items():
        saved = state["arrays"].get(key)
        if saved is not None and saved.dtype != fresh.dtype:
            raise file.error(f"tensor optimizer/{key} has dtype {saved.dtype}; {type(opt).__name__} keeps it as "
                             f"{fresh.dtype}")
    for name, slot in opt.slots().items():
        saved = state["arrays"].get(f"slot/{name}")
        if slot.nonnegative and saved is not None and np.any(saved < 0):
            raise file.error(f"tensor optimizer/slot/{name} has negative entries; {type(opt).__name__}'s {name} is "
                             "an average of squares, never below 0")
    try:
        opt.load_state_dict(state)
    except (KeyError, TypeError, ValueError) as err:
        raise file.error(f"the optimizer state does not fit {type(opt).__name__}: {err}") from None


def training_state(model, file: Contents) -> TrainingState:
    """The saved TrainingState, marked for resumption; also puts the model's fit-seed generator back."""
    t = _expect_object(file, TRAINING, file.json(TRAINING), ("epoch", "fit_seed", "history", "callbacks"))
    epoch = _expect_int(file, f"{TRAINING} epoch", t["epoch"], 0, 2**62)
    fit_seed = _expect_int(file, f"{TRAINING} fit_seed", t["fit_seed"], 0, 2**63 - 1)
    history = _history(file, t["history"], epoch)
    if not isinstance(t["callbacks"], list):
        raise file.error(f"{TRAINING} callbacks must be a list of [name, state, array keys]")
    callbacks = [_callback_state(file, i, entry) for i, entry in enumerate(t["callbacks"])]
    if t.get("fit_seed_rng") is not None:
        _set_generator_state(file, model.fit_seed_rng, t["fit_seed_rng"])
    return TrainingState(epoch=epoch, fit_seed=fit_seed, history=history, saved_callbacks=callbacks, resume=True)


def _history(file: Contents, h, epoch: int) -> History:
    """A History whose epochs are consecutive and end at ``epoch`` − 1, with lists of equal lengths."""
    field = f"{TRAINING} history"
    counters = ("epoch", "iteration_epoch", "iteration_index", "iterations_per_epoch")
    h = _expect_object(file, field, h, ("history", "iteration_loss", *counters))
    for key in counters:
        if not isinstance(h[key], list) or not all(_is_count(v) for v in h[key]):
            raise file.error(f"{field} {key} must be a list of integers >= 0")
    if not isinstance(h["iteration_loss"], list) or not all(_is_number(v) for v in h["iteration_loss"]):
        raise file.error(f"{field} iteration_loss must be a list of numbers")
    epochs = h["epoch"]
    if epochs and (epochs != list(range(epochs[0], epochs[0] + len(epochs))) or epochs[-1] != epoch - 1):
        raise file.error(f"{field} epochs {epochs[:3]}…{epochs[-1:]} do not end at the saved epoch {epoch}")
    if len(h["iterations_per_epoch"]) != len(epochs) or sum(h["iterations_per_epoch"]) != len(h["iteration_loss"]):
        raise file.error(f"{field}: iterations_per_epoch does not add up to the recorded iterations")
    if not len(h["iteration_loss"]) == len(h["iteration_epoch"]) == len(h["iteration_index"]):
        raise file.error(f"{field}: the per-iteration lists differ in length")
    per_epoch = _expect_object(file, f"{field} history", h["history"])
    for key, values in per_epoch.items():
        if not isinstance(values, list) or len(values) != len(epochs) or not all(_is_number(v) for v in values):
            raise file.error(f"{field} {key!r} must be a list of {len(epochs)} numbers, one per epoch")
    return History.from_state(h)


def _is_count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2**62


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _callback_state(file: Contents, i: int, entry) -> tuple[str, dict | None]:
    field = f"{TRAINING} callbacks[{i}]"
    if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
            and (entry[1] is None or isinstance(entry[1], dict)) and isinstance(entry[2], list)):
        raise file.error(f"{field} must be [class name, state object or null, array keys]")
    name, plain, array_keys = entry
    arrays = {}
    for key in array_keys:
        tensor = file.tensors.get(f"training/callbacks/{i}/{key}") if isinstance(key, str) else None
        if tensor is None:
            raise file.error(f"{field} names array {key!r}, which the file does not hold")
        arrays[key] = tensor
    return name, None if plain is None else {**plain, **arrays}


def _set_generator_state(file: Contents, generator, state) -> None:
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise file.error(f"{TRAINING} fit_seed_rng is not a valid generator state ({err})") from None
