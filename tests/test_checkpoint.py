"""Saving, loading and resuming: bit-identical, atomic, and safe against hostile files."""

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gdlab
from gdlab import Sequential
from gdlab.callbacks import (BackupAndRestore, Callback, CSVLogger, EarlyStopping, ModelCheckpoint,
                             ReduceLROnPlateau, TerminateOnNaN)
from gdlab.checkpoint import CheckpointError, digest
from gdlab.layers import Dense, Dropout
from gdlab.optimizers import SGD, Adam

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 5))
Y = RNG.integers(0, 3, 60)


def make(dtype="float64", opt="sgd"):
    model = Sequential([Dense(8, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")],
                       dtype=dtype, seed=7)
    optimizer = SGD(0.05, momentum=0.9) if opt == "sgd" else Adam(0.01)
    model.compile(optimizer, "sparse_categorical_crossentropy", ["accuracy"])
    return model


FIT = dict(batch_size=8, validation_split=0.2, verbose=0, shuffle=True)


def test_save_and_load_round_trip(tmp_path):
    model = make()
    model.fit(X, Y, epochs=2, **FIT)
    model.save(tmp_path / "m.safetensors")
    again = gdlab.load_model(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.get_config() == model.get_config()
    assert type(again.optimizer) is SGD and again.optimizer.momentum == 0.9
    assert again.optimizer.iterations == model.optimizer.iterations
    np.testing.assert_array_equal(again.optimizer.state["velocity"], model.optimizer.state["velocity"])
    assert [m.name for m in again.metrics] == ["accuracy"]


def test_one_model_saved_twice_gives_the_same_bytes(tmp_path):
    """safetensors writes its metadata in hash-map order; gdlab sorts the header, so files compare by bytes."""
    model = make(opt="adam")
    model.fit(X, Y, epochs=1, **FIT)
    for name in ("a", "b", "c"):
        model.save(tmp_path / f"{name}.safetensors")
    first = (tmp_path / "a.safetensors").read_bytes()
    assert all((tmp_path / f"{n}.safetensors").read_bytes() == first for n in "bc")
    n = int.from_bytes(first[:8], "little")
    assert n % 8 == 0 and list(json.loads(first[8:8 + n])["__metadata__"]) == sorted(
        json.loads(first[8:8 + n])["__metadata__"])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_resume_from_a_checkpoint_is_bit_identical(tmp_path, dtype, opt):
    callbacks = lambda: [ReduceLROnPlateau("val_loss", factor=0.5, patience=1),
                         EarlyStopping("val_loss", patience=50)]
    straight = make(dtype, opt)
    ckpt = ModelCheckpoint(tmp_path / "ckpt-{epoch}.safetensors")
    h_straight = straight.fit(X, Y, epochs=6, callbacks=[ckpt, *callbacks()], **FIT)

    resumed = gdlab.load_checkpoint(tmp_path / "ckpt-2.safetensors")
    assert resumed.training_state.epoch == 2
    h_resumed = resumed.fit(X, Y, epochs=6, callbacks=[ModelCheckpoint(tmp_path / "x.safetensors"), *callbacks()],
                            **FIT)
    np.testing.assert_array_equal(resumed.parameters.theta, straight.parameters.theta)
    for key in resumed.optimizer.state:
        np.testing.assert_array_equal(resumed.optimizer.state[key], straight.optimizer.state[key])
    assert h_resumed.history == h_straight.history
    assert h_resumed.iteration_loss == h_straight.iteration_loss
    assert h_resumed.epoch == list(range(6))


def test_resume_across_a_process_boundary(tmp_path):
    script = textwrap.dedent(f"""
        import sys, numpy as np, gdlab
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_checkpoint import make, X, Y, FIT
        from gdlab.callbacks import ModelCheckpoint
        if sys.argv[1] == "first":
            make("float32", "adam").fit(X, Y, epochs=3, callbacks=[ModelCheckpoint(sys.argv[2])], **FIT)
        else:
            m = gdlab.load_checkpoint(sys.argv[2])
            m.fit(X, Y, epochs=7, **FIT)
            m.save(sys.argv[3])
    """)
    ckpt, final = tmp_path / "c.safetensors", tmp_path / "final.safetensors"
    for args in (["first", str(ckpt)], ["second", str(ckpt), str(final)]):
        subprocess.run([sys.executable, "-c", script, *args], check=True, timeout=120)
    straight = make("float32", "adam")
    straight.fit(X, Y, epochs=7, **FIT)
    np.testing.assert_array_equal(gdlab.load_model(final).parameters.theta, straight.parameters.theta)


class Crash(Callback):
    def __init__(self, at):
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise RuntimeError("simulated crash")


def test_backup_and_restore_resumes_after_a_crash(tmp_path):
    straight = make()
    h1 = straight.fit(X, Y, epochs=5, **FIT)
    crashing = make()
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.fit(X, Y, epochs=5, callbacks=[BackupAndRestore(tmp_path), Crash(at=2)], **FIT)
    assert (tmp_path / "backup.safetensors").exists()
    fresh = make()
    h2 = fresh.fit(X, Y, epochs=5, callbacks=[BackupAndRestore(tmp_path), Crash(at=-1)], **FIT)
    np.testing.assert_array_equal(fresh.parameters.theta, straight.parameters.theta)
    assert h2.history == h1.history and h2.iteration_loss == h1.iteration_loss
    assert not (tmp_path / "backup.safetensors").exists()  # deleted once training completed


def test_backup_from_another_architecture_is_refused(tmp_path):
    with pytest.raises(RuntimeError):
        make().fit(X, Y, epochs=3, callbacks=[BackupAndRestore(tmp_path), Crash(at=1)], **FIT)
    other = Sequential([Dense(4, activation="relu"), Dense(3, activation="softmax")], dtype="float64")
    other.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(CheckpointError, match="different architecture"):
        other.fit(X, Y, epochs=3, callbacks=[BackupAndRestore(tmp_path)], **FIT)


def test_initial_epoch_must_agree_with_the_checkpoint(tmp_path):
    make().fit(X, Y, epochs=2, callbacks=[ModelCheckpoint(tmp_path / "c.safetensors")], **FIT)
    m = gdlab.load_checkpoint(tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match="saved after epoch 2; initial_epoch=1"):
        m.fit(X, Y, epochs=4, initial_epoch=1, **FIT)


def test_model_checkpoint_best_only(tmp_path):
    class Feed(Callback):  # replace val_loss by a made-up sequence
        seq = iter([3.0, 2.0, 2.5, 1.0, 1.5])

        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(self.seq)

    saved = []

    class Spy(Callback):
        def writes_checkpoints(self):  # so it runs after ModelCheckpoint (checkpoint writers go last, in order)
            return True

        def on_epoch_end(self, epoch, logs=None):
            p = tmp_path / "best.safetensors"
            saved.append(p.stat().st_mtime_ns if p.exists() else None)

    ckpt = ModelCheckpoint(tmp_path / "best.safetensors", monitor="val_loss", save_best_only=True)
    make().fit(X, Y, epochs=5, callbacks=[Feed(), ckpt, Spy()], **FIT)
    changed = [i for i in range(5) if saved[i] != (saved[i - 1] if i else None)]
    assert changed == [0, 1, 3] and ckpt.best == 1.0


def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    make().fit(X, Y, epochs=3, callbacks=[CSVLogger(path)], **FIT)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate"
    assert [l.split(",")[0] for l in lines[1:]] == ["0", "1", "2"]


def test_terminate_on_nan_stops_quietly(capsys):
    model = Sequential([Dense(1, use_bias=False)], seed=0)
    model.compile(SGD(5.0), "mse")
    x = np.linspace(1, 2, 20)
    h = model.fit(x, 3 * x, epochs=500, batch_size="full", callbacks=[TerminateOnNaN()], verbose=0)
    assert h.stopped_because.startswith("training diverged") and len(h.epoch) < 500
    assert "TerminateOnNaN: training diverged" in capsys.readouterr().err


# -- crash safety ---------------------------------------------------------------------------------------
CRASH_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, gdlab
    from gdlab.layers import Dense
    m = gdlab.Sequential([Dense(2000, input_dim=3000)], seed=0)   # 6M parameters, ~24 MB each array
    m.compile(gdlab.optimizers.Adam(), "mse")
    m.build((3000,))
    m.optimizer.build(m.parameters.theta)
    m.parameters.theta[:] = 0.0
    m.save(sys.argv[1])
    print("first save done", flush=True)
    for k in range(1, 1000):
        m.parameters.theta[:] = float(k)
        m.save(sys.argv[1])
""")


def test_a_kill_during_a_save_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "ckpt.safetensors"
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "first save done"
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".ckpt.safetensors.*.tmp")):  # a save is under way
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    model = gdlab.load_model(target)  # a complete file: the previous save, whichever it was
    theta = model.parameters.theta
    assert theta[0] == theta[-1] and np.all(theta == theta[0]) and float(theta[0]).is_integer()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["ckpt.safetensors"]


# -- hostile and broken files ---------------------------------------------------------------------------
def saved(tmp_path):
    model = make()
    model.build((5,))
    path = tmp_path / "good.safetensors"
    model.save(path)
    return path


def rewrite_metadata(path, out, **changes):
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(path), framework="np") as f:
        meta = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta.update(changes)
    save_file(tensors, str(out), metadata=meta)
    return out


class Evil:
    def __reduce__(self):
        return (os.mkdir, ("/tmp/gdlab-pwned-by-pickle",))


def hostile_cases(tmp_path, good):
    data = good.read_bytes()
    (tmp_path / "truncated.safetensors").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.safetensors").write_bytes(b"")
    (tmp_path / "pickle.safetensors").write_bytes(pickle.dumps(Evil()))
    rewrite_metadata(good, tmp_path / "badjson.safetensors", **{"gdlab.model": "{not json"})
    from safetensors import safe_open

    with safe_open(str(good), framework="np") as f:
        cfg = json.loads(f.metadata()["gdlab.model"])
    cfg["layers"][0]["class_name"] = "os.system"
    rewrite_metadata(good, tmp_path / "unknown_layer.safetensors", **{"gdlab.model": json.dumps(cfg)})
    cfg["layers"][0] = {"class_name": "Dense", "config": {"units": 8, "__import__": "os"}}
    rewrite_metadata(good, tmp_path / "bad_kwargs.safetensors", **{"gdlab.model": json.dumps(cfg)})
    rewrite_metadata(good, tmp_path / "foreign.safetensors", format="pt")
    rewrite_metadata(good, tmp_path / "future.safetensors", format_version="99")
    return {
        "truncated.safetensors": "not a valid safetensors file",
        "empty.safetensors": "not a valid safetensors file",
        "pickle.safetensors": "not a valid safetensors file",
        "badjson.safetensors": "'gdlab.model' entry is not valid JSON",
        "unknown_layer.safetensors": "unknown layer 'os.system'; known layers",
        "bad_kwargs.safetensors": "cannot be rebuilt",
        "foreign.safetensors": "not a gdlab model",
        "future.safetensors": "format version '99'",
    }


def test_hostile_and_broken_files_are_refused_without_side_effects(tmp_path):
    good = saved(tmp_path)
    cases = hostile_cases(tmp_path, good)
    before = sorted(os.listdir(tmp_path))
    for name, match in cases.items():
        with pytest.raises(CheckpointError, match=match):
            gdlab.load_model(tmp_path / name)
    assert sorted(os.listdir(tmp_path)) == before  # nothing written
    assert not os.path.exists("/tmp/gdlab-pwned-by-pickle")  # nothing executed


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import save_file

    good = saved(tmp_path)
    with safe_open(str(good), framework="np") as f:
        meta, tensors = dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}
    tensors["weights/dense/kernel"] = np.zeros((4, 8))
    meta["sha256"] = digest(tensors)  # a consistent file whose shapes are wrong
    save_file(tensors, str(tmp_path / "shape.safetensors"), metadata=meta)
    with pytest.raises(CheckpointError, match=r"weights/dense/kernel has shape \(4, 8\); the architecture needs \(5, 8\)"):
        gdlab.load_model(tmp_path / "shape.safetensors")
    del tensors["weights/dense/kernel"]
    meta["sha256"] = digest(tensors)
    save_file(tensors, str(tmp_path / "missing.safetensors"), metadata=meta)
    with pytest.raises(CheckpointError, match="do not match the architecture"):
        gdlab.load_model(tmp_path / "missing.safetensors")
    with pytest.raises(FileNotFoundError):
        gdlab.load_model(tmp_path / "nope.safetensors")


def test_saving_an_unbuilt_model_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="not built"):
        Sequential([Dense(2)]).save(tmp_path / "m.safetensors")
    assert not list(tmp_path.iterdir())


# -- property: any architecture round-trips ------------------------------------------------------------
ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid", "elu", "gelu", "softplus", "leaky_relu", "softmax"]
layer_spec = st.tuples(st.integers(1, 6), st.sampled_from(ACTIVATIONS), st.booleans(),
                       st.one_of(st.none(), st.floats(0.0, 0.9)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(layer_spec, min_size=1, max_size=4), n_in=st.integers(1, 5),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**31))
def test_any_architecture_round_trips(tmp_path, specs, n_in, dtype, seed):
    layers = []
    for units, act, bias, drop in specs:
        layers.append(Dense(units, activation=act, use_bias=bias))
        if drop is not None:
            layers.append(Dropout(drop))
    model = Sequential(layers, dtype=dtype, seed=seed)
    model.compile("adam", "mse")
    x = np.random.default_rng(seed).normal(size=(7, n_in))
    expected = model.predict(x)
    path = tmp_path / f"m{seed}.safetensors"
    model.save(path)
    again = gdlab.load_model(path)
    np.testing.assert_array_equal(again.predict(x), expected)
    assert again.dtype == model.dtype and again.get_config() == model.get_config()


def test_save_checkpoint_needs_a_training_state(tmp_path):
    model = make()
    model.build((5,))
    with pytest.raises(RuntimeError, match="use model.save"):
        model.save_checkpoint(tmp_path / "c.safetensors")


def test_a_checkpoint_saved_after_fit_resumes_where_fit_ended(tmp_path):
    straight = make()
    straight.fit(X, Y, epochs=5, **FIT)
    first = make()
    first.fit(X, Y, epochs=2, **FIT)
    first.save_checkpoint(tmp_path / "after2.safetensors")
    resumed = gdlab.load_checkpoint(tmp_path / "after2.safetensors")
    h = resumed.fit(X, Y, epochs=5, **FIT)
    np.testing.assert_array_equal(resumed.parameters.theta, straight.parameters.theta)
    assert h.epoch == list(range(5))
