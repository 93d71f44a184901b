"""gdlab train / evaluate / predict: configs, outputs, errors, and resuming after a kill."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import gdlab
from gdlab.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples"

TINY = """
seed = 3
[data]
dataset = "iris"
[model]
layers = [ {{ type = "Dense", units = 8, activation = "tanh" }}, {{ type = "Dense", units = 3, activation = "softmax" }} ]
[compile]
loss = "sparse_categorical_crossentropy"
metrics = ["accuracy"]
[optimizer]
name = "adam"
learning_rate = 0.02
[fit]
epochs = {epochs}
batch_size = 16
validation_split = 0.1
[output]
dir = "{out}"
"""


def write_config(tmp_path, text, name="run.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_train_writes_model_history_and_metrics_then_evaluate_and_predict(tmp_path, capsys):
    out = tmp_path / "run"
    cfg = write_config(tmp_path, TINY.format(epochs=5, out=out))
    assert main(["train", str(cfg)]) == 0
    assert "test loss: " in capsys.readouterr().out
    for name in ("model.safetensors", "history.csv", "history.json", "metrics.json"):
        assert (out / name).exists(), name
    assert not (out / "backup" / "backup.safetensors").exists()
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 5
    assert len((out / "history.csv").read_text().splitlines()) == 6
    assert main(["evaluate", str(cfg)]) == 0
    acc = float(capsys.readouterr().out.split("accuracy: ")[1].split()[0])
    assert 0.6 < acc <= 1.0
    # the standardisation is part of the saved model: raw rows in, predictions out
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b,c,d\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    assert main(["predict", str(out / "model.safetensors"), str(csv)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "class,p0,p1,p2" and lines[1].startswith("0,") and lines[2].startswith("2,")


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_every_example_config_is_valid(example):
    from gdlab import runconfig

    cfg = runconfig.load_config(EXAMPLES / example)
    (x_train, _), _ = runconfig.load_data(cfg)
    model = runconfig.build_model(cfg, x_train)
    assert model.built and model.compiled


BAD = [
    ("seed = -1\n", "seed = -1 must be an integer >= 0"),
    ("[data]\ndataset = 'mnist'\n", "dataset = 'mnist'; valid: digits, iris"),
    ("[data]\n", "give exactly one of dataset"),
    ("[data]\ndataset='iris'\nfoo=1\n", r"\[data\]: unknown key\(s\) \['foo'\]; valid keys: dataset"),
    ("[data]\ndataset='iris'\n[model]\nlayers=[]\n", "layers must be a non-empty list"),
    ("[data]\ndataset='iris'\n[model]\nlayers=[{type='Dense', units=3}]\n[compile]\nmetrics=[]\n", "missing loss"),
    ("bogus = 1\n", r"unknown key\(s\) \['bogus'\]"),
    ("[data\n", "not valid TOML"),
]


@pytest.mark.parametrize("text,match", BAD)
def test_bad_configs_name_the_key_the_value_and_the_choices(tmp_path, text, match):
    from gdlab import runconfig

    with pytest.raises(runconfig.ConfigError, match=match):
        runconfig.load_config(write_config(tmp_path, text))


@pytest.mark.parametrize("replace,match", [
    (('units = 8', 'units = 0'), r"layers\[0\] \(Dense\): units=0 must be a positive int"),
    (('name = "adam"', 'name = "adamm"'), "unknown optimizer 'adamm'"),
    (('learning_rate = 0.02', 'learning_rate = 0.02\nbeta_1 = 1.5'), r"beta_1=1.5 must be in \[0, 1\)"),
    (('type = "Dense", units = 8', 'type = "Conv9D", units = 8'), "unknown layer 'Conv9D'"),
    (('batch_size = 16', 'batch_size = 0'), "batch_size=0"),
    (('batch_size = 16', 'batch_size = 16\nepochz = 3'), r"\[fit\]: unknown key\(s\) \['epochz'\]"),
])
def test_bad_values_fail_cleanly_through_the_cli(tmp_path, capsys, replace, match):
    import re

    text = TINY.format(epochs=2, out=tmp_path / "o").replace(*replace)
    assert main(["train", str(write_config(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert "gdlab: error: " in err and re.search(match, err), err


def test_kill_and_restart_gives_the_same_final_weights(tmp_path):
    straight = tmp_path / "straight"
    killed = tmp_path / "killed"
    cfg_a = write_config(tmp_path, TINY.format(epochs=150, out=straight), "a.toml")
    cfg_b = write_config(tmp_path, TINY.format(epochs=150, out=killed), "b.toml")
    cmd = [sys.executable, "-m", "gdlab.cli", "train"]
    subprocess.run([*cmd, str(cfg_a)], check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen([*cmd, str(cfg_b)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    backup = killed / "backup" / "backup.safetensors"
    deadline = time.monotonic() + 120
    while not backup.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "training ended before it could be killed"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (killed / "model.safetensors").exists()  # it really was interrupted
    done = gdlab.load_checkpoint(backup).training_state.epoch
    assert 0 < done < 150
    restart = subprocess.run([*cmd, str(cfg_b)], check=True, capture_output=True, text=True, timeout=300)
    assert "resuming from" in restart.stderr
    a = gdlab.load_model(straight / "model.safetensors").parameters.theta
    b = gdlab.load_model(killed / "model.safetensors").parameters.theta
    np.testing.assert_array_equal(a, b)
    assert json.loads((straight / "history.json").read_text()) == json.loads((killed / "history.json").read_text())
