"""Nothing trusted: every field of a model or checkpoint file is checked before anything is built.

Each hostile file below is consistent as a safetensors file and carries a correct digest (so that the
check under test, not the digest, is what refuses it), unless the test is about the digest itself.
"""

import json
import struct
import tracemalloc

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

import gdlab
from gdlab import Sequential
from gdlab.callbacks import EarlyStopping, ModelCheckpoint
from gdlab.checkpoint import CheckpointError, digest
from gdlab.layers import Dense
from gdlab.optimizers import Adam

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(40, 5)), RNG.integers(0, 3, 40)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A checkpoint with Adam state, a history and EarlyStopping's best weights."""
    path = tmp_path_factory.mktemp("good") / "ckpt.safetensors"
    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")], dtype="float64", seed=1)
    model.compile(Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=8, validation_split=0.25, verbose=0,
              callbacks=[EarlyStopping(patience=5, restore_best_weights=True), ModelCheckpoint(path)])
    return path


def raw(path):
    with safe_open(str(path), framework="np") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


def rewrite(src, dst, entry=None, change=None, tensors=None):
    """Copy ``src`` to ``dst`` with ``change(value)`` applied to JSON entry ``entry`` (its return value is the
    new value; the sentinel DELETE removes the entry) and/or ``tensors(dict)`` applied; re-signed."""
    meta, ts = raw(src)
    if entry is not None:
        value = change(json.loads(meta[entry]))
        if value is DELETE:
            del meta[entry]
        else:
            meta[entry] = value if isinstance(value, RawJSON) else json.dumps(value)
    if tensors is not None:
        tensors(ts)
    meta["sha256"] = digest(ts)
    save_file(ts, str(dst), metadata=meta)
    return dst


DELETE = object()


class RawJSON(str):
    """An entry written as this exact text (for JSON that json.dumps would not produce)."""


def load_fails(path, match, loader=gdlab.load_checkpoint):
    with pytest.raises(CheckpointError, match=match) as err:
        loader(path)
    assert str(path) in str(err.value)  # every failure names the file


# -- shapes before memory ----------------------------------------------------------------------------
def test_a_small_file_declaring_a_huge_layer_is_refused_before_allocating(good, tmp_path):
    def huge(cfg):
        cfg["layers"][0]["config"]["units"] = 20_000
        cfg["input_shape"] = [20_000]
        return cfg

    path = rewrite(good, tmp_path / "huge.safetensors", "gdlab.model", huge)
    tracemalloc.start()
    try:
        load_fails(path, r"weight tensors|has shape")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # a 20000×20000 float64 kernel would be 3.2 GB


# -- schema of every metadata entry ------------------------------------------------------------------
@pytest.mark.parametrize("entry, change, match", [
    ("gdlab.model", lambda v: [], "gdlab.model must be a JSON object; got list"),
    ("gdlab.model", lambda v: None, "gdlab.model must be a JSON object; got NoneType"),
    ("gdlab.model", lambda v: 5, "gdlab.model must be a JSON object; got int"),
    ("gdlab.model", lambda v: {**v, "dtype": "int8"}, "dtype = 'int8'"),
    ("gdlab.model", lambda v: {**v, "input_shape": [0]}, r"input_shape\[0\] = 0"),
    ("gdlab.model", lambda v: {**v, "layers": [7]}, r"layers\[0\] must be a JSON object"),
    ("gdlab.model", lambda v: {**v, "layers": [{"class_name": "Pickle", "config": {}}]}, "cannot be rebuilt"),
    ("gdlab.model", lambda v: RawJSON("[" * 2000 + "]" * 2000), "not valid JSON|must be a JSON object"),
    ("gdlab.model", lambda v: RawJSON('{"layers": ' + "[" * 100_000), "not valid JSON"),
    ("gdlab.compile", lambda v: "adam", "gdlab.compile must be a JSON object"),
    ("gdlab.compile", lambda v: {**v, "optimizer": {"class_name": "adam", "config": {"beta_1": 7}}},
     "compile settings.*cannot be rebuilt"),
    ("gdlab.optimizer", lambda v: [1, 2], "gdlab.optimizer must be a JSON object"),
    ("gdlab.optimizer", lambda v: {**v, "iterations": -1}, r"iterations = -1 must be an integer"),
    ("gdlab.optimizer", lambda v: {**v, "iterations": 2.5}, r"iterations = 2.5"),
    ("gdlab.optimizer", lambda v: RawJSON(json.dumps(v).replace('"iterations": ', '"iterations": Infinity, "x": ')),
     "iterations = inf"),
    ("gdlab.training", lambda v: {**v, "epoch": -1}, r"epoch = -1"),
    ("gdlab.training", lambda v: {**v, "epoch": 2}, "do not end at the saved epoch 2"),
    ("gdlab.training", lambda v: {**v, "fit_seed": -1}, r"fit_seed = -1"),
    ("gdlab.training", lambda v: {**v, "fit_seed": 2**200}, r"fit_seed = \d+ must be an integer"),
    ("gdlab.training", lambda v: {**v, "fit_seed_rng": {**v["fit_seed_rng"], "state": {"state": -1, "inc": 1}}},
     "fit_seed_rng is not a valid generator state"),
    ("gdlab.training", lambda v: {**v, "history": {**v["history"], "iteration_loss": [1.0]}},
     "does not add up"),
    ("gdlab.training", lambda v: {**v, "history": {**v["history"], "history": {"loss": [1.0]}}},
     "'loss' must be a list of 3 numbers"),
    ("gdlab.training", lambda v: {**v, "history": {**v["history"], "epoch": "abc"}}, "epoch must be a list of integers"),
    ("gdlab.training", lambda v: {**v, "callbacks": [["EarlyStopping", 5, []]]}, r"callbacks\[0\] must be"),
    ("gdlab.training", lambda v: {**v, "callbacks": {"a": 1}}, "callbacks must be a list"),
    ("gdlab.training", lambda v: {**v, "callbacks": [["EarlyStopping", {}, ["best_weights", "ghost"]]]},
     "names array 'ghost'"),
    ("gdlab.training", lambda v: DELETE, "has no 'gdlab.training' entry"),
    ("gdlab.compile", lambda v: DELETE, "has a 'gdlab.optimizer' entry but no 'gdlab.compile' entry"),
    ("gdlab.optimizer", lambda v: DELETE, "has a 'gdlab.training' entry but no 'gdlab.optimizer' entry"),
])
def test_schema_of_every_metadata_entry(good, tmp_path, entry, change, match):
    load_fails(rewrite(good, tmp_path / "bad.safetensors", entry, change), match)


def test_restoring_needs_the_compile_entry(good, tmp_path):
    path = rewrite(good, tmp_path / "nocompile.safetensors", "gdlab.compile", lambda v: DELETE)
    model = gdlab.load_checkpoint(good)
    with pytest.raises(CheckpointError, match="has no 'gdlab.compile' entry"):
        model.restore_checkpoint(path)


# -- tensors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int32, np.uint32, np.bool_, np.float16, np.float32])
def test_tensors_must_have_the_model_dtype(good, tmp_path, dtype):
    def cast(ts):
        ts["weights/dense/kernel"] = ts["weights/dense/kernel"].astype(dtype)

    load_fails(rewrite(good, tmp_path / "dtype.safetensors", tensors=cast),
               f"weights/dense/kernel has dtype {np.dtype(dtype)}; this float64 model needs float64")


@pytest.mark.parametrize("kind", ["BF16", "F8_E4M3"])
def test_tensor_kinds_numpy_cannot_hold_are_refused(good, tmp_path, kind):
    data = good.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header["weights/dense/bias"]["dtype"] = kind
    header["weights/dense/bias"]["shape"] = [header["weights/dense/bias"]["shape"][0] * (8 if kind == "F8_E4M3"
                                                                                         else 4)]
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path = tmp_path / "exotic.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n:])
    load_fails(path, "not a valid safetensors file|dtype|digest")


@pytest.mark.parametrize("key, value", [("optimizer/slot/m", np.nan), ("optimizer/slot/v", np.inf),
                                        ("training/callbacks/0/best_weights", -np.inf)])
def test_state_must_be_finite(good, tmp_path, key, value):
    meta, ts = raw(good)
    key = key if key in ts else next(k for k in ts if k.startswith(key.rsplit("/", 1)[0]))

    def poison(t):
        t[key] = t[key].copy()
        t[key].reshape(-1)[0] = value

    load_fails(rewrite(good, tmp_path / "nan.safetensors", tensors=poison), f"{key} contains NaN or inf")


def test_negative_second_moments_are_refused(good, tmp_path):
    def negate(ts):
        ts["optimizer/slot/v"] = -ts["optimizer/slot/v"] - 1.0

    load_fails(rewrite(good, tmp_path / "negv.safetensors", tensors=negate),
               "optimizer/slot/v has negative entries; Adam's v is an average of squares")


def test_an_unknown_metadata_entry_is_refused(good, tmp_path):
    meta, ts = raw(good)
    meta["gdlab.compilf"] = meta.pop("gdlab.compile")  # one flipped byte in a key
    save_file(ts, str(tmp_path / "key.safetensors"), metadata=meta)
    load_fails(tmp_path / "key.safetensors", r"unexpected metadata entries \['gdlab.compilf'\]")


def test_an_unexpected_tensor_is_refused(good, tmp_path):
    def extra(ts):
        ts["payload/x"] = np.zeros(3)

    load_fails(rewrite(good, tmp_path / "extra.safetensors", tensors=extra), "unexpected tensor 'payload/x'")


# -- integrity ------------------------------------------------------------------------------------------
def test_every_byte_flip_in_the_tensor_data_is_caught(good, tmp_path):
    data = bytearray(good.read_bytes())
    start = 8 + struct.unpack("<Q", data[:8])[0]
    positions = np.random.default_rng(1).choice(np.arange(start, len(data)), size=64, replace=False)
    for k, pos in enumerate(positions):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << (k % 8)
        path = tmp_path / f"flip{k}.safetensors"
        path.write_bytes(bytes(flipped))
        load_fails(path, "digest")


def test_saving_non_finite_weights_is_refused_with_the_parameter(tmp_path):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.build((3,))
    model.parameters.theta[4] = np.nan  # kernel (3, 2), row-major: entry 4 is [2, 0]
    with pytest.raises(ValueError, match=r"dense/kernel\[2, 0\] is nan: a model with non-finite weights"):
        model.save(tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


# -- mutation: nothing but CheckpointError, never an invalid state ---------------------------------------
HOSTILE = [None, True, -1, 2**70, -2**70, 1.5, float("inf"), float("nan"), "", "x" * 50, [], [1, "a"], {},
           {"class_name": "Dense"}, [[1]] * 3]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _replace(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    target = value
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = new
    return value


def _check_valid(model):
    assert np.all(np.isfinite(model.parameters.theta))
    for v in model.optimizer.state_dict()["arrays"].values():
        assert np.all(np.isfinite(v))
    state = model.training_state
    assert state.epoch >= 0 and 0 <= state.fit_seed < 2**63
    assert len(state.history.epoch) <= state.epoch


def test_mutated_files_raise_only_checkpoint_errors(good, tmp_path):
    """300 files, each with one JSON value replaced by a hostile one (re-signed): each either loads a
    valid model or raises CheckpointError — never another exception, never an invalid state."""
    meta, _ = raw(good)
    entries = {k: json.loads(v) for k, v in meta.items() if k.startswith("gdlab.")}
    targets = [(e, p) for e, v in entries.items() for p in _paths(v)]
    rng = np.random.default_rng(7)
    outcomes = {"refused": 0, "loaded": 0}
    for k in range(300):
        entry, path = targets[rng.integers(len(targets))]
        new = HOSTILE[rng.integers(len(HOSTILE))]
        file = rewrite(good, tmp_path / f"m{k}.safetensors", entry, lambda v: _replace(v, path, new))
        try:
            model = gdlab.load_checkpoint(file)
        except CheckpointError:
            outcomes["refused"] += 1
            continue
        _check_valid(model)
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 150  # most hostile values are refused; the rest are harmless (a name, say)
