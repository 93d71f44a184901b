"""gdlab train and fit against what the files and arguments really say: run.json is trusted only as far
as the outputs agree, a deeply nested TOML names its file, fit checks shuffle, and Ctrl-C mid-epoch
leaves a history of whole epochs."""

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import interrupt_at_epoch

from gdlab import Sequential, runconfig
from gdlab.layers import Dense
from gdlab.runs import train_from_config
from gdlab.sweep import SweepError, load_sweep

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def config(tmp_path):
    """examples/iris.toml with 2 epochs instead of 60."""
    text = (EXAMPLES / "iris.toml").read_text(encoding="utf-8")
    path = tmp_path / "iris.toml"
    path.write_text(text.replace("epochs = 60\n", "epochs = 2\n"), encoding="utf-8")
    return path


def test_a_finished_run_whose_model_was_deleted_is_trained_again(config, tmp_path):
    out = tmp_path / "run"
    first = train_from_config(config, out)
    model = (out / "model.safetensors").read_bytes()
    (out / "model.safetensors").unlink()
    again = train_from_config(config, out)
    assert again.status == "trained"  # not "already finished" with no model
    assert (out / "model.safetensors").read_bytes() == model and again.test == first.test


def _interrupt_after_one_epoch(config, out, monkeypatch):
    with interrupt_at_epoch(monkeypatch, 1), pytest.raises(KeyboardInterrupt):
        train_from_config(config, out)


def test_a_forged_finished_flag_keeps_the_backup_and_resumes(config, tmp_path, monkeypatch):
    straight = train_from_config(config, tmp_path / "straight")
    out = tmp_path / "run"
    _interrupt_after_one_epoch(config, out, monkeypatch)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    (out / "run.json").write_text(json.dumps({**record, "finished": True}), encoding="utf-8")
    resumed = train_from_config(config, out)
    assert resumed.status == "resumed"
    assert (out / "model.safetensors").read_bytes() == (tmp_path / "straight" / "model.safetensors").read_bytes()
    assert resumed.history.to_state() == straight.history.to_state()


def test_editing_the_data_file_is_detected_on_resume(tmp_path, monkeypatch):
    rows = ["a,b,y"] + [f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(60)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = tmp_path / "t.toml"
    config.write_text('seed = 0\n[data]\ncsv = "d.csv"\ntarget = "y"\n[model]\nlayers = [{ type = "Dense", '
                      'units = 1, activation = "sigmoid" }]\n[compile]\nloss = "binary_crossentropy"\n'
                      '[optimizer]\nname = "sgd"\nlearning_rate = 0.1\n[fit]\nepochs = 2\nbatch_size = 8\n'
                      '[output]\ndir = "out"\n', encoding="utf-8")
    _interrupt_after_one_epoch(config, tmp_path / "out", monkeypatch)
    rows[5] = "6,4,1"  # same path, new content
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"different \[data\]"):
        train_from_config(config, tmp_path / "out")


def test_deeply_nested_toml_names_the_file(tmp_path):
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    path = tmp_path / "deep.toml"
    path.write_text(deep, encoding="utf-8")
    with pytest.raises(runconfig.ConfigError, match=r"deep.toml: its tables or arrays are nested too deeply"):
        runconfig.load_config(path)
    with pytest.raises(SweepError, match=r"deep.toml: its tables or arrays are nested too deeply"):
        load_sweep(path)


def _model():
    model = Sequential([Dense(1)], seed=0)
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("value", ["no", 1, 0, None, "False"])
def test_fit_shuffle_must_be_a_bool(value):
    x, y = np.ones((8, 2)), np.ones((8, 1))
    with pytest.raises(TypeError, match=r"shuffle=.* must be True or False"):
        _model().fit(x, y, shuffle=value, verbose=0)


def test_ctrl_c_mid_epoch_leaves_a_history_of_whole_epochs():
    from gdlab.callbacks import Callback

    class StopMidEpoch2(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 2:
                raise KeyboardInterrupt

    model = _model()
    x, y = np.arange(32.0).reshape(16, 2) / 32, np.ones((16, 1))
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=3, batch_size=4, callbacks=[StopMidEpoch2()], verbose=0, execution="loop")
    h = model.history
    assert h.epoch == [0] and h.iterations_per_epoch == [4]
    assert len(h.iteration_loss) == len(h.iteration_epoch) == len(h.iteration_index) == 4
    assert set(h.iteration_epoch) == {0}


def test_saved_files_are_byte_identical_across_processes(tmp_path):
    """Two fresh interpreters (different hash seeds, so set and dict-of-hash orders differ) save a trained
    model with optimizer state, history and callbacks: the same bytes."""
    import os
    import subprocess
    import sys

    script = (
        "import sys, numpy as np, gdlab\n"
        "from gdlab.layers import Dense, Normalization\n"
        "from gdlab.callbacks import EarlyStopping\nfrom gdlab.schedules import ExponentialDecay\n"
        "x = np.linspace(-1, 1, 40).reshape(20, 2); y = (x.sum(1) > 0).astype(float)[:, None]\n"
        "m = gdlab.Sequential([Normalization.adapt(x), Dense(3, activation='tanh'), Dense(1, activation='sigmoid')],"
        " dtype='float64', seed=3)\n"
        "m.compile(gdlab.optimizers.get('adam', learning_rate=ExponentialDecay(0.1, 5, 0.5)),"
        " 'binary_crossentropy', ['accuracy'])\n"
        "m.fit(x, y, epochs=3, batch_size=4, validation_split=0.25, verbose=0, callbacks=[EarlyStopping(patience=9)])\n"
        "m.save(sys.argv[1]); m.save_checkpoint(sys.argv[2])\n")
    outs = []
    for seed in ("1", "2"):
        files = [tmp_path / f"m{seed}.safetensors", tmp_path / f"c{seed}.safetensors"]
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
        subprocess.run([sys.executable, "-c", script, *map(str, files)], check=True, env=env, timeout=120)
        outs.append([f.read_bytes() for f in files])
    assert outs[0] == outs[1]
