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
    theta = model.parameters.theta
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
    """A new ``model_class`` model from the file: architecture, compile settings, weights, optimizer."""
    config = file.json(MODEL)
    try:
        model = model_class.from_config(config)
        if not model.built:
            raise file.error("the model config has no input_shape")
        if file.has(COMPILE):
            comp = file.json(COMPILE)
            model.compile(optimizers.get(comp["optimizer"]), losses.get(comp["loss"]), comp.get("metrics") or None)
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise file.error(f"the saved configuration cannot be rebuilt: {err}") from None
    load_state(model, file)
    return model


def check_same_architecture(model, file: Contents) -> None:
    saved, mine = file.json(MODEL), model.get_config()
    if not isinstance(saved, dict) or saved.get("layers") != mine.get("layers") or saved.get("dtype") != mine.get("dtype"):
        raise file.error("it was saved from a different architecture or dtype; delete it or use another folder")


def load_state(model, file: Contents) -> None:
    """Weights, and the optimizer's state when the file has it."""
    _load_weights(model, file)
    if file.has(OPTIMIZER):
        _load_optimizer(model, file)


def restore_learning_rate(model, file: Contents) -> None:
    """The saved constant learning rate (a callback such as ReduceLROnPlateau may have changed it)."""
    saved_lr = file.json(COMPILE)["optimizer"]["config"].get("learning_rate")
    if isinstance(saved_lr, (int, float)):
        model.optimizer.learning_rate = saved_lr


def _load_weights(model, file: Contents) -> None:
    expected = {f"weights/{seg.name}": seg for seg in model.parameters.segments}
    found = {k for k in file.tensors if k.startswith("weights/")}
    if found != set(expected):
        raise file.error(f"weight tensors {sorted(found)} do not match the architecture's {sorted(expected)}")
    for key, seg in expected.items():
        value = file.tensors[key]
        if value.shape != seg.shape:
            raise file.error(f"{key} has shape {value.shape}; the architecture needs {seg.shape}")
        if not np.all(np.isfinite(value)):
            raise file.error(f"{key} contains NaN or inf")
        model.parameters.theta[seg.slice] = value.reshape(-1)


def _load_optimizer(model, file: Contents) -> None:
    state = file.json(OPTIMIZER)
    if not isinstance(state, dict):
        raise file.error(f"the {OPTIMIZER!r} entry must be an object; got {type(state).__name__}")
    state["arrays"] = {k[len("optimizer/"):]: v for k, v in file.tensors.items() if k.startswith("optimizer/")}
    opt, params = model.optimizer, model.parameters
    opt.build(params.theta, [s.slice for s in params.segments])
    try:
        opt.load_state_dict(state)
    except (KeyError, TypeError, ValueError) as err:
        raise file.error(f"the optimizer state does not fit {type(opt).__name__}: {err}") from None


def training_state(model, file: Contents) -> TrainingState:
    """The saved TrainingState, marked for resumption; also puts the model's fit-seed generator back."""
    t = file.json(TRAINING)
    try:
        callbacks = []
        for i, (name, plain, array_keys) in enumerate(t["callbacks"]):
            arrays = {k: file.tensors[f"training/callbacks/{i}/{k}"] for k in array_keys}
            callbacks.append((str(name), None if plain is None else {**plain, **arrays}))
        state = TrainingState(epoch=int(t["epoch"]), fit_seed=int(t["fit_seed"]),
                              history=History.from_state(dict(t["history"])), saved_callbacks=callbacks,
                              resume=True)
        if t.get("fit_seed_rng"):
            model.fit_seed_rng.bit_generator.state = t["fit_seed_rng"]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise file.error(f"the training state is incomplete: {err}") from None
    return state
