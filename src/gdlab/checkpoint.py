"""Saving and loading: models and full training checkpoints, as safetensors files, written atomically.

One file holds everything, with no pickle anywhere:

- tensors: ``weights/<layer>/<param>`` for every parameter array and
  ``optimizer/<slot>`` for the optimizer's state vectors;
- metadata (JSON strings in the safetensors header): ``gdlab.model`` (the
  architecture), ``gdlab.compile`` (optimizer config with its current learning
  rate or schedule, loss, metrics), ``gdlab.optimizer`` (iteration count and
  the optimizer's scalar state) and, in a checkpoint, ``gdlab.training``: the
  fit seed, the number of completed epochs, the history so far, each
  callback's state and the model's seed generator.

Loading only ever instantiates registered gdlab classes from names in the JSON;
a file that is truncated, malformed, foreign (a pickle, say) or names an
unknown class is refused with a ``ValueError`` that says what is wrong, before
anything is built.

Writes go to a temporary file in the target's folder, are fsynced and then
renamed over the target: a process killed mid-save leaves the previous file
intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

FORMAT = "gdlab"
FORMAT_VERSION = "1"


class CheckpointError(ValueError):
    """A file that is not a valid gdlab model or checkpoint."""


# -- atomic writes ---------------------------------------------------------------------------------
def write_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is always either the old file or the complete new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            view = memoryview(data)
            for start in range(0, len(view), 1 << 22):
                f.write(view[start:start + (1 << 22)])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
    return path


# -- what goes in the file ---------------------------------------------------------------------------
def _compile_config(model) -> dict | None:
    from gdlab.registry import serialize

    if not model.compiled:
        return None
    return {"optimizer": serialize(model.optimizer), "loss": serialize(model.loss),
            "metrics": [m.name for m in model.metrics]}


def _contents(model, training_state=None) -> tuple[dict, dict]:
    if not model.built:
        raise ValueError("the model is not built yet (no weights): call build(), fit() or predict() first")
    tensors = {f"weights/{seg.name}": np.ascontiguousarray(model.parameters.theta[seg.slice].reshape(seg.shape))
               for seg in model.parameters.segments}
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "gdlab.model": json.dumps(model.get_config())}
    compile_config = _compile_config(model)
    if compile_config is not None:
        metadata["gdlab.compile"] = json.dumps(compile_config)
        opt = model.optimizer
        if opt.built:
            state = opt.state_dict()
            for key, value in state.pop("arrays").items():
                tensors[f"optimizer/{key}"] = value  # state_dict copies are C-contiguous; 0-d stays 0-d
            metadata["gdlab.optimizer"] = json.dumps(state)
    if training_state is not None:
        metadata["gdlab.training"] = json.dumps(training_state)
    return tensors, metadata


def _serialize(tensors, metadata) -> bytes:
    from safetensors.numpy import save

    return save(tensors, metadata=metadata)


def save_model(model, path) -> Path:
    """Architecture, compile settings, weights and optimizer state in one file."""
    return write_atomic(path, _serialize(*_contents(model)))


def current_training_state(model) -> dict | None:
    """The running fit's resumable state (None outside ``fit``)."""
    ctx = model.fit_context
    if ctx is None:
        return None
    return {
        "epoch": ctx["epoch"],
        "fit_seed": ctx["fit_seed"],
        "history": ctx["history"].to_state(),
        "callbacks": [[type(cb).__name__, cb.get_state()] for cb in ctx["callbacks"]],
        "fit_seed_rng": model.fit_seed_rng.bit_generator.state,
    }


def save_checkpoint(model, path) -> Path:
    """Everything ``save_model`` writes plus the training state, so that fit can resume exactly."""
    return write_atomic(path, _serialize(*_contents(model, current_training_state(model))))


# -- reading --------------------------------------------------------------------------------------------
def _read(path) -> tuple[dict, dict]:
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a valid safetensors file ({err}); is it truncated or another "
                              "format?") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a safetensors file but not a gdlab model (metadata format="
                              f"{metadata.get('format')!r})")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has gdlab format version {metadata.get('format_version')!r}; "
                              f"this gdlab reads version {FORMAT_VERSION}")
    return metadata, tensors


def _json(metadata, key, path):
    try:
        return json.loads(metadata[key])
    except KeyError:
        raise CheckpointError(f"{path} has no {key!r} entry") from None
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path}: the {key!r} entry is not valid JSON ({err})") from None


def _build(metadata, tensors, path):
    from gdlab import losses, optimizers
    from gdlab.model import Sequential

    config = _json(metadata, "gdlab.model", path)
    try:
        model = Sequential.from_config(config)
        if not model.built:
            raise CheckpointError(f"{path}: the model config has no input_shape")
        if "gdlab.compile" in metadata:
            comp = _json(metadata, "gdlab.compile", path)
            model.compile(optimizers.get(comp["optimizer"]), losses.get(comp["loss"]), comp.get("metrics") or None)
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: the saved configuration cannot be rebuilt: {err}") from None
    _load_state(model, metadata, tensors, path)
    return model


def _load_state(model, metadata, tensors, path):
    """Weights, and the optimizer's state when the file has it."""
    _load_weights(model, tensors, path)
    if "gdlab.optimizer" in metadata:
        _load_optimizer(model, metadata, tensors, path)


def _load_weights(model, tensors, path):
    expected = {f"weights/{seg.name}": seg for seg in model.parameters.segments}
    found = {k for k in tensors if k.startswith("weights/")}
    if found != set(expected):
        raise CheckpointError(f"{path}: weight tensors {sorted(found)} do not match the architecture's "
                              f"{sorted(expected)}")
    for key, seg in expected.items():
        value = tensors[key]
        if value.shape != seg.shape:
            raise CheckpointError(f"{path}: {key} has shape {value.shape}; the architecture needs {seg.shape}")
        if not np.all(np.isfinite(value)):
            raise CheckpointError(f"{path}: {key} contains NaN or inf")
        model.parameters.theta[seg.slice] = value.reshape(-1)


def _load_optimizer(model, metadata, tensors, path):
    state = _json(metadata, "gdlab.optimizer", path)
    state["arrays"] = {k[len("optimizer/"):]: v for k, v in tensors.items() if k.startswith("optimizer/")}
    opt, params = model.optimizer, model.parameters
    opt.build(params)
    try:
        opt.load_state_dict(state)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: the optimizer state does not fit {type(opt).__name__}: {err}") from None


def load_model(path):
    """A model saved by ``model.save`` (or a checkpoint), with weights, compile settings and optimizer state."""
    metadata, tensors = _read(path)
    return _build(metadata, tensors, path)


def load_checkpoint(path):
    """A model from a checkpoint, set to resume: the next ``fit`` continues after the saved epoch."""
    metadata, tensors = _read(path)
    model = _build(metadata, tensors, path)
    model.resume_state = _resume(model, metadata, path)
    return model


def _resume(model, metadata, path):
    """The saved TrainingState; also puts the model's fit-seed generator where it was."""
    from gdlab.training import TrainingState

    t = _json(metadata, "gdlab.training", path)
    try:
        state = TrainingState(epoch=int(t["epoch"]), fit_seed=int(t["fit_seed"]), history=dict(t["history"]),
                              callbacks=[tuple(c) for c in t["callbacks"]])
        if t.get("fit_seed_rng"):
            model.fit_seed_rng.bit_generator.state = t["fit_seed_rng"]
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: the training state is incomplete: {err}") from None
    return state


def restore_into(model, path):
    """Load a checkpoint's weights, optimizer and training state into an existing model of the same
    architecture (used by BackupAndRestore); returns the TrainingState."""
    metadata, tensors = _read(path)
    saved = _json(metadata, "gdlab.model", path)
    mine = model.get_config()
    if saved.get("layers") != mine.get("layers") or saved.get("dtype") != mine.get("dtype"):
        raise CheckpointError(f"{path} was saved from a different architecture or dtype; delete it or use "
                              "another backup folder")
    _load_state(model, metadata, tensors, path)
    saved_lr = _json(metadata, "gdlab.compile", path)["optimizer"]["config"].get("learning_rate")
    if isinstance(saved_lr, (int, float)):  # a callback may have changed it (ReduceLROnPlateau)
        model.optimizer.learning_rate = saved_lr
    return _resume(model, metadata, path)
