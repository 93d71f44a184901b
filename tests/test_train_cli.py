"""gdlab train / evaluate / predict: configs, outputs, errors, and resuming after a kill."""

import errno
import json
import os
import re
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
    (('batch_size = 16', 'batch_size = 0'), r"\[fit\] batch_size = 0 must be an integer >= 1"),
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
    assert f"resuming at epoch {done + 1} of 150 from {backup}" in restart.stderr
    a = gdlab.load_model(straight / "model.safetensors").parameters.theta
    b = gdlab.load_model(killed / "model.safetensors").parameters.theta
    np.testing.assert_array_equal(a, b)
    assert json.loads((straight / "history.json").read_text()) == json.loads((killed / "history.json").read_text())


# -- B: the output folder ---------------------------------------------------------------------------
DIVERGING = """
seed = {seed}
[data]
dataset = "house_prices"
n = 40
test_size = {test_size}
standardize = false
[model]
dtype = "float64"
layers = [ {{ type = "Dense", units = 1, use_bias = false }} ]
[compile]
loss = "mse"
[optimizer]
name = "sgd"
learning_rate = {lr}
[fit]
epochs = 500
batch_size = "full"
[callbacks]
terminate_on_nan = {terminate}
[output]
dir = "{out}"
"""


def diverging(tmp_path, out, seed=0, test_size=0.2, lr=10.0, terminate="true", name="div.toml", replace=("", "")):
    """y = w·x with η = 10 ≫ 2/λ ≈ 0.35: the loss overflows at epoch 89, after 88 finite epochs."""
    return write_config(tmp_path, DIVERGING.format(seed=seed, test_size=test_size, lr=lr, terminate=terminate,
                                                   out=out).replace(*replace), name)


def test_terminate_on_nan_overflow_exits_nonzero_and_keeps_the_last_finite_state(tmp_path, capsys):
    out = tmp_path / "div"
    assert main(["train", str(diverging(tmp_path, out))]) == 1
    err = capsys.readouterr().err
    assert "gdlab: error: training diverged: the loss became inf at epoch 89" in err
    assert f"The last finite state, after epoch 88, is kept in {out / 'backup' / 'backup.safetensors'}" in err
    assert not (out / "model.safetensors").exists() and not (out / "metrics.json").exists()
    kept = gdlab.load_checkpoint(out / "backup" / "backup.safetensors")
    assert kept.training_state.epoch == 88 and np.all(np.isfinite(kept.parameters.theta))


def test_divergence_prints_the_forensics_in_one_line_without_a_traceback(tmp_path):
    cfg = diverging(tmp_path, tmp_path / "div", terminate="false")
    run = subprocess.run([sys.executable, "-m", "gdlab.cli", "train", str(cfg)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("gdlab: error: ")]
    assert len(errors) == 1 and "Traceback" not in run.stderr
    assert "η = 10 is above it" in errors[0] and "after epoch 88, is kept" in errors[0]


@pytest.mark.parametrize("change,named", [
    ({"lr": 5.0}, "[optimizer]"),
    ({"seed": 1}, "[data], seed"),  # house_prices draws its data from the seed
    ({"test_size": 0.25}, "[data]"),
    ({"replace": ("epochs = 500", "epochs = 400")}, "[fit]"),
    ({"replace": ('"float64"', '"float32"')}, "[model]"),
    ({"replace": ("terminate_on_nan = true",
                  "terminate_on_nan = true\nreduce_lr_on_plateau = { monitor = 'loss', patience = 1000 }")},
     "[callbacks]"),
])
def test_fingerprint_mismatch_refuses_the_backup_and_says_how_to_start_over(tmp_path, capsys, change, named):
    out = tmp_path / "div"
    assert main(["train", str(diverging(tmp_path, out))]) == 1
    backup = out / "backup" / "backup.safetensors"
    before, written = backup.read_bytes(), backup.stat().st_mtime_ns
    capsys.readouterr()
    edited = diverging(tmp_path, out, name="edited.toml", **change)
    assert main(["train", str(edited)]) == 2
    err = capsys.readouterr().err
    assert err == (f"gdlab: error: {backup} belongs to a run with a different {named}; to start over, run again "
                   f"with --force or delete {backup}\n")
    assert backup.read_bytes() == before  # nothing was trained or changed
    saved = json.loads((out / "run.json").read_text())["fingerprint"]
    assert main(["train", str(edited), "--force"]) == 1  # starts over (and diverges too)
    assert "writing to" in capsys.readouterr().err
    # a backup written again; its bytes equal the old where the change is not in it ([fit] epochs: it diverges alike)
    assert json.loads((out / "run.json").read_text())["fingerprint"] != saved and backup.stat().st_mtime_ns > written
    assert main(["train", str(edited)]) == 1  # now the backup is the edited run's own
    assert "resuming at epoch" in capsys.readouterr().err


def test_same_run_resumes_its_backup_and_a_backup_without_a_record_is_refused(tmp_path, capsys):
    out = tmp_path / "div"
    cfg = diverging(tmp_path, out)
    assert main(["train", str(cfg)]) == 1
    backup = out / "backup" / "backup.safetensors"
    assert main(["train", str(cfg)]) == 1
    assert f"resuming at epoch 89 of 500 from {backup}" in capsys.readouterr().err
    (out / "run.json").unlink()
    assert main(["train", str(cfg)]) == 2
    assert f"{backup} has no record of the run that made it" in capsys.readouterr().err


def test_second_train_on_a_locked_output_folder_exits_with_a_clear_message(tmp_path):
    from gdlab.rundir import RunFolder

    out = tmp_path / "run"
    cfg = write_config(tmp_path, TINY.format(epochs=2, out=out))
    with RunFolder(out):  # another gdlab train holds the folder
        run = subprocess.run([sys.executable, "-m", "gdlab.cli", "train", str(cfg)], capture_output=True,
                             text=True, timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr == (f"gdlab: error: {out} is in use by another gdlab train (process {os.getpid()} holds "
                          f"{out / '.gdlab.lock'}); wait for it to end or use another output folder\n")
    assert not (out / "model.safetensors").exists()
    assert main(["train", str(cfg)]) == 0  # the lock went with its holder


def disk_full(model, path):
    """Stands in for Sequential.save on a full disk."""
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_backup_is_deleted_last_so_a_failed_final_save_loses_nothing(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    cfg = write_config(tmp_path, TINY.format(epochs=4, out=out))
    with monkeypatch.context() as m:
        m.setattr(gdlab.Sequential, "save", disk_full)
        assert main(["train", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"gdlab: error: [Errno 28] No space left on device: '{out / 'model.safetensors'}'" in err
    backup = out / "backup" / "backup.safetensors"
    assert gdlab.load_checkpoint(backup).training_state.epoch == 4  # the whole run is still there
    assert main(["train", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert f"all 4 epochs are in {backup}; writing the outputs" in err and "Epoch " not in err  # nothing retrained
    assert (out / "model.safetensors").exists() and not backup.exists()


def test_history_and_metrics_are_written_atomically_not_following_planted_symlinks(tmp_path, capsys):
    from gdlab.rundir import RunFolder

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "run"
    out.mkdir()
    with RunFolder(out) as run:
        for name in ("history.csv", "history.json", "metrics.json"):
            (out / name).symlink_to(victim)
            run.write_text(name, "new\n")
            assert not (out / name).is_symlink() and (out / name).read_text() == "new\n"
    # through gdlab train: a run whose final save failed resumes and finds links planted in its folder
    out = tmp_path / "tiny"
    cfg = write_config(tmp_path, TINY.format(epochs=2, out=out))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(gdlab.Sequential, "save", disk_full)
        assert main(["train", str(cfg)]) == 1
    names = ("history.csv", "history.json", "metrics.json", "model.safetensors")
    for name in names:
        (out / name).symlink_to(victim)
    assert main(["train", str(cfg)]) == 0
    assert [name for name in names if (out / name).is_symlink()] == []
    assert victim.read_text() == "precious" and gdlab.load_model(out / "model.safetensors").built


def test_stale_tmp_files_of_a_killed_run_are_removed_at_start(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "backup").mkdir(parents=True)
    stale = [out / ".model.safetensors.k2j3.tmp", out / ".history.csv.a1.tmp",
             out / "backup" / ".backup.safetensors.x9.tmp"]
    for path in stale:
        path.write_bytes(b"half a file")
    keep = out / "notes.tmp"  # not one of ours: no leading dot
    keep.write_text("mine")
    assert main(["train", str(write_config(tmp_path, TINY.format(epochs=1, out=out)))]) == 0
    assert [p for p in stale if p.exists()] == [] and keep.read_text() == "mine"


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_outputs_respect_the_umask(tmp_path, capsys, umask, mode):
    out = tmp_path / "run"
    text = TINY.format(epochs=2, out=out) + "[callbacks]\nmodel_checkpoint = { monitor = 'val_loss' }\n"
    old = os.umask(umask)
    try:
        assert main(["train", str(write_config(tmp_path, text))]) == 0
    finally:
        os.umask(old)
    names = ("model.safetensors", "best.safetensors", "history.csv", "history.json", "metrics.json", "run.json")
    assert {n: oct((out / n).stat().st_mode & 0o777) for n in names} == {n: oct(mode) for n in names}


def test_finished_run_started_again_says_so_instead_of_retraining(tmp_path, capsys):
    out = tmp_path / "run"
    cfg = write_config(tmp_path, TINY.format(epochs=2, out=out))
    assert main(["train", str(cfg)]) == 0
    stamp = (out / "model.safetensors").stat().st_mtime_ns
    capsys.readouterr()
    assert main(["train", str(cfg)]) == 0
    captured = capsys.readouterr()
    assert captured.err == (f"{out} already holds this run, finished ({out / 'metrics.json'}); nothing to do "
                            "(--force trains it again)\n") and captured.out == ""
    assert (out / "model.safetensors").stat().st_mtime_ns == stamp
    assert main(["train", str(cfg), "--force"]) == 0
    assert "Epoch 2/2" in capsys.readouterr().err
    # a different run into a finished folder is refused, not silently mixed in
    edited = write_config(tmp_path, TINY.format(epochs=3, out=out), "edited.toml")
    assert main(["train", str(edited)]) == 2
    assert (f"{out} holds the finished run of a different [fit]; run again with --force to replace it"
            in capsys.readouterr().err)


def test_train_prints_one_line_per_epoch(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", str(write_config(tmp_path, TINY.format(epochs=3, out=out)))]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Epoch ")]
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all(re.search(r" - 7/7 - \d+s \d+(us|ms)/step - loss: \d\.\d{4} - accuracy: ", line) for line in lines)


# -- C: errors before training, one line each --------------------------------------------------------
def edit(tmp_path, *replacements, text=None):
    text = text if text is not None else TINY.format(epochs=2, out=tmp_path / "out")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return write_config(tmp_path, text, "edited.toml")


def assert_refused(capsys, argv, code, message):
    """Exit ``code``, one line on stderr naming what is wrong, and no epoch trained."""
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("gdlab: error: ") and err.count("\n") == 1 and "Epoch" not in err, err
    assert message in err, err


def test_unwritable_output_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cfg = write_config(tmp_path, TINY.format(epochs=2, out=blocker / "out"))
    assert_refused(capsys, ["train", str(cfg)], 1, f"cannot write to the output folder {blocker / 'out'}: "
                                                   "Not a directory")
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    cfg = write_config(tmp_path, TINY.format(epochs=2, out=tmp_path / "out"))
    assert_refused(capsys, ["train", str(cfg)], 1, f"{tmp_path / 'out'}: the model, its backup and checkpoints "
                                                   "need about 3,216 bytes of disk space; 1,000 are free")


@pytest.mark.parametrize("callbacks,message", [
    ("early_stopping = { monitor = 'val_loss' }",
     "[callbacks] early_stopping monitor = 'val_loss' will not be in the logs; this run logs loss, accuracy, "
     "learning_rate (val_… keys need [fit] validation_split > 0)"),
    ("reduce_lr_on_plateau = { monitor = 'acuracy' }",
     "[callbacks] reduce_lr_on_plateau monitor = 'acuracy' will not be in the logs; this run logs loss, accuracy, "
     "learning_rate"),
    ("model_checkpoint = { monitor = 'val_acc', save_best_only = true }",
     "[callbacks] model_checkpoint monitor = 'val_acc' will not be in the logs"),
])
def test_every_monitored_key_must_exist(tmp_path, capsys, callbacks, message):
    cfg = edit(tmp_path, ("validation_split = 0.1\n", ""), ("[output]", f"[callbacks]\n{callbacks}\n[output]"))
    assert_refused(capsys, ["train", str(cfg)], 2, message)


HOUSE = """
[data]
dataset = "house_prices"
n = {n}
test_size = {test_size}
[model]
layers = [ {{ type = "Dense", units = {units} }} ]
[compile]
loss = "mse"
[optimizer]
name = "sgd"
[fit]
validation_split = {split}
[output]
dir = "{out}"
"""


@pytest.mark.parametrize("n,test_size,split,message", [
    (1, 0.2, 0.0, "[data]: the test split is empty (n = 1, test_size = 0.2 of 1 samples); use more samples or "
                  "change test_size"),
    (2, 0.2, 0.0, "[data]: the test split is empty (n = 2, test_size = 0.2 of 2 samples)"),
    (4, 0.5, 0.9, "[fit] validation_split = 0.9: validation_split=0.9 of 2 samples leaves 0 for training"),
])
def test_splits_must_not_be_empty(tmp_path, capsys, n, test_size, split, message):
    cfg = write_config(tmp_path, HOUSE.format(n=n, test_size=test_size, split=split, units=1, out=tmp_path / "o"))
    assert_refused(capsys, ["train", str(cfg)], 2, message)


@pytest.mark.parametrize("n,units,message", [
    (10**9, 1, "[data] n = 1000000000 houses need about 32.0 GB of memory; 8.0 GB is available"),
    (100, 10**8, "[model] 200,000,000 parameters (float32) with 100,000,001 activations per sample and batches "
                 "of 32 need about 27.2 GB of memory; 8.0 GB is available"),
])
def test_estimated_memory_is_reported_instead_of_a_memory_error(tmp_path, capsys, monkeypatch, n, units, message):
    from gdlab import runconfig

    monkeypatch.setattr(runconfig, "available_memory", lambda: 8 * 10**9)
    cfg = write_config(tmp_path, HOUSE.format(n=n, test_size=0.2, split=0.0, units=units, out=tmp_path / "o"))
    assert_refused(capsys, ["train", str(cfg)], 2, message)


@pytest.mark.parametrize("replace,message", [
    (("batch_size = 16", "batch_size = 16\nshuffle = \"no\""), "[fit] shuffle = 'no' must be true or false"),
    (('dataset = "iris"', 'dataset = "iris"\nstandardize = "no"'), "[data] standardize = 'no' must be true or false"),
    (("[output]", "[callbacks]\nterminate_on_nan = \"no\"\n[output]"),
     "[callbacks] terminate_on_nan = 'no' must be true or false"),
    (('dataset = "iris"', 'dataset = "iris"\nscale = true'), "[data] scale = True must be a number > 0"),
    (('name = "adam"', 'name = "sgd"\nnesterov = "no"'), "[optimizer] nesterov = 'no' must be true or false"),
    (('units = 8,', 'units = 8, use_bias = "no",'), "[model] layers[0] (Dense) use_bias = 'no' must be true or false"),
    (("[output]", "[callbacks]\nearly_stopping = { restore_best_weights = 'no' }\n[output]"),
     "[callbacks] early_stopping restore_best_weights = 'no' must be true or false"),
])
def test_toml_booleans_only(tmp_path, capsys, replace, message):
    assert_refused(capsys, ["train", str(edit(tmp_path, replace))], 2, message)


@pytest.mark.parametrize("replace,message", [
    (('dataset = "iris"', "csv = 5\ntarget = 'y'"), "[data] csv = 5 must be a non-empty string"),
    (('dataset = "iris"', 'dataset = "house_prices"\nnoise = "a"'), "[data] noise = 'a' must be a finite number >= 0"),
    (("seed = 3", "seed = 1180591620717411303424"),
     "seed = 1180591620717411303424 must be an integer >= 0 and < 2**63"),
    (('dataset = "iris"', 'dataset = "iris"\nn = 5'), '[data]: n only apply to dataset = "house_prices"'),
    (("epochs = 2", "epochs = 2.5"), "[fit] epochs = 2.5 must be an integer >= 1"),
    (("batch_size = 16", "batch_size = 16\nverbose = 3"), '[fit] verbose = 3 must be 0, 1, 2 or "auto"'),
    (("batch_size = 16", "batch_size = 16\nsampling = 'random'"),
     "[fit] sampling = 'random' must be one of 'without_replacement', 'with_replacement'"),
])
def test_bad_values_name_the_key(tmp_path, capsys, replace, message):
    cfg = edit(tmp_path, replace)
    assert_refused(capsys, ["train", str(cfg)], 2, f"{cfg} {message}")


def test_non_utf8_toml_names_the_file(tmp_path, capsys):
    cfg = tmp_path / "latin1.toml"
    cfg.write_bytes(TINY.format(epochs=2, out=tmp_path / "o").replace("seed = 3", "# café\nseed = 3")
                    .encode("latin-1"))
    assert_refused(capsys, ["train", str(cfg)], 2, f"{cfg}: not UTF-8 text (byte 6: invalid continuation byte); "
                                                   "save it as UTF-8")


@pytest.mark.parametrize("replace,under_a_file,code,message", [
    (("split}", "split}\nshuffle = 'no'"), False, 2, "[fit] shuffle = 'no' must be true or false"),
    (("n = {n}", "n = 1000000000000"), False, 2, "[data] n = 1000000000000 houses need about 32.0 TB of memory"),
    (("", ""), True, 1, "cannot write to the output folder"),
])
def test_every_error_is_one_line_with_exit_code_2_for_config_1_at_run_time_and_no_traceback(
        tmp_path, replace, under_a_file, code, message):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "o" if under_a_file else tmp_path / "o"
    text = HOUSE.replace(*replace).format(n=50, test_size=0.2, split=0.0, units=1, out=out)
    run = subprocess.run([sys.executable, "-m", "gdlab.cli", "train", str(write_config(tmp_path, text))],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == code and run.stdout == "" and "Traceback" not in run.stderr
    assert run.stderr.startswith("gdlab: error: ") and run.stderr.count("\n") == 1 and message in run.stderr


@pytest.mark.parametrize("folder", ["out-{epoch}", "{", "o}{val_loss:.3f}"])
def test_output_dir_is_not_a_format_string(tmp_path, capsys, folder):
    out = tmp_path / folder
    text = (TINY.format(epochs=2, out=out).replace('"', "'")
            + "[callbacks]\nmodel_checkpoint = { monitor = 'val_loss' }\n")
    assert main(["train", str(write_config(tmp_path, text))]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [folder]
    assert (out / "best.safetensors").exists() and (out / "model.safetensors").exists()


def test_train_with_verbose_0_prints_no_epochs_but_still_warns(tmp_path, capsys):
    cfg = write_config(tmp_path, DIVERGING.format(seed=0, test_size=0.2, lr=10.0, terminate="true",
                                                  out=tmp_path / "o").replace('batch_size = "full"',
                                                                              'batch_size = "full"\nverbose = 0'))
    assert main(["train", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "Epoch " not in err
    assert ("warning: the training loss has risen 3 epochs in a row (6.706 → 2.064e+04 → 6.447e+07 → 2.014e+11); "
            "the learning rate 10 is probably too large\n") in err


def test_two_trains_on_one_folder_the_second_exits_while_the_first_runs(tmp_path):
    out = tmp_path / "shared"
    first = write_config(tmp_path, TINY.format(epochs=10**5, out=out).replace("seed = 3", "seed = 7"), "seed7.toml")
    second = write_config(tmp_path, TINY.format(epochs=10**5, out=out).replace("seed = 3", "seed = 8"), "seed8.toml")
    cmd = [sys.executable, "-m", "gdlab.cli", "train"]
    proc = subprocess.Popen([*cmd, str(first)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "backup" / "backup.safetensors").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the first run ended too soon"
            time.sleep(0.005)
        run = subprocess.run([*cmd, str(second)], capture_output=True, text=True, timeout=300)
        assert proc.poll() is None, "the first run ended before the second was refused"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert run.returncode == 1 and run.stderr == (
        f"gdlab: error: {out} is in use by another gdlab train (process {proc.pid} holds {out / '.gdlab.lock'}); "
        "wait for it to end or use another output folder\n")
    assert json.loads((out / "run.json").read_text())["fingerprint"]["seed"] == 7  # untouched by the second
