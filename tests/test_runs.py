"""gdlab.runs.train_from_config: what it returns for a fresh, finished, resumed and forced run; silence; the CLI."""

import json
from pathlib import Path

import pytest
from helpers import interrupt_at_epoch

from gdlab import runconfig
from gdlab.cli import main
from gdlab.runs import RunResult, TrainingFailed, train_from_config

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def config(tmp_path):
    """examples/iris.toml with 2 epochs instead of 60."""
    text = (EXAMPLES / "iris.toml").read_text(encoding="utf-8")
    assert "epochs = 60\n" in text
    path = tmp_path / "iris.toml"
    path.write_text(text.replace("epochs = 60\n", "epochs = 2\n"), encoding="utf-8")
    return path


def as_written(folder: Path) -> tuple[dict, dict]:
    """(history.json, metrics.json) of a run folder."""
    return tuple(json.loads((folder / name).read_text(encoding="utf-8")) for name in ("history.json", "metrics.json"))


def test_a_fresh_run_returns_what_it_wrote(config, tmp_path):
    out = tmp_path / "run"
    result = train_from_config(config, out)
    assert isinstance(result, RunResult) and result.status == "trained" and result.folder == out
    assert list(result.files) == ["model.safetensors", "history.csv", "history.json", "metrics.json"]
    assert all(path.is_file() and path.parent == out for path in result.files.values())
    history, metrics = as_written(out)
    assert result.history.to_state() == history and result.history.epoch == [0, 1]
    assert result.test == metrics["test"] and set(result.test) == {"loss", "accuracy"}
    assert result.epochs == metrics["epochs"] == 2
    assert not (out / "backup" / "backup.safetensors").exists()
    assert result.summary() == (f"wrote {out / 'model.safetensors'}, history.csv, history.json, metrics.json\n"
                                f"test loss: {result.test['loss']:.4f}  accuracy: {result.test['accuracy']:.4f}")


def test_a_finished_run_is_read_back_not_trained_again(config, tmp_path):
    out = tmp_path / "run"
    first = train_from_config(config, out)
    stamps = {name: path.stat().st_mtime_ns for name, path in first.files.items()}
    again = train_from_config(config, out)
    assert again.status == "already finished"
    assert {name: path.stat().st_mtime_ns for name, path in again.files.items()} == stamps
    assert (again.folder, again.test, again.epochs) == (first.folder, first.test, first.epochs)
    assert again.history.to_state() == first.history.to_state()


def test_a_run_interrupted_after_one_epoch_resumes_from_its_backup(config, tmp_path, monkeypatch):
    straight = train_from_config(config, tmp_path / "straight")
    out = tmp_path / "run"
    with interrupt_at_epoch(monkeypatch, 1), pytest.raises(KeyboardInterrupt):
        train_from_config(config, out)
    assert (out / "backup" / "backup.safetensors").exists() and not (out / "model.safetensors").exists()
    said = []
    resumed = train_from_config(config, out, say=said.append)
    assert resumed.status == "resumed"
    assert f"resuming at epoch 2 of 2 from {out / 'backup' / 'backup.safetensors'}" in said[0]
    assert resumed.history.to_state() == straight.history.to_state() and resumed.test == straight.test
    assert (out / "model.safetensors").read_bytes() == (tmp_path / "straight" / "model.safetensors").read_bytes()


def test_force_trains_a_finished_run_again(config, tmp_path):
    out = tmp_path / "run"
    first = train_from_config(config, out)
    stamp = (out / "model.safetensors").stat().st_mtime_ns
    forced = train_from_config(config, out, force=True)
    assert forced.status == "trained" and (out / "model.safetensors").stat().st_mtime_ns != stamp
    assert forced.history.to_state() == first.history.to_state() and forced.test == first.test


def test_a_library_call_prints_nothing_and_says_only_through_say(config, tmp_path, capsys):
    train_from_config(config, tmp_path / "quiet")  # the example config has verbose = 1: epoch lines
    train_from_config(config, tmp_path / "quiet")
    assert capsys.readouterr() == ("", "")
    said = []
    train_from_config(config, tmp_path / "told", say=said.append)
    assert said[0] == f"{config}: 120 training and 30 test samples; writing to {tmp_path / 'told'}"
    assert said[1].startswith('Model: "sequential"')
    assert "Epoch 2/2" in capsys.readouterr().err  # the fit's own line, where the fit prints it


def test_the_cli_and_the_library_write_the_same_model_bytes(config, tmp_path, capsys):
    assert main(["train", str(config), "--out", str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out
    result = train_from_config(config, tmp_path / "library")
    assert printed == result.summary().replace(str(tmp_path / "library"), str(tmp_path / "cli")) + "\n"
    for name in ("model.safetensors", "history.csv", "history.json", "metrics.json"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "library" / name).read_bytes(), name


def test_a_loaded_config_is_accepted_and_left_unchanged(config, tmp_path):
    cfg = runconfig.load_config(config)
    result = train_from_config(cfg, tmp_path / "run")
    assert result.folder == tmp_path / "run" and cfg.output_dir == Path("runs/iris")


def test_divergence_raises_training_failed_with_what_was_kept(tmp_path):
    config = tmp_path / "line.toml"
    config.write_text('seed = 0\n[data]\ndataset = "house_prices"\n[model]\nlayers = [{ type = "Dense", units = 1 }]\n'
                      '[compile]\nloss = "mse"\n[optimizer]\nname = "sgd"\nlearning_rate = 1e6\n[fit]\nepochs = 3\n'
                      f'[output]\ndir = "{tmp_path / "run"}"\n', encoding="utf-8")
    with pytest.raises(TrainingFailed, match=r"^training diverged: the loss became inf at epoch 1, .* No epoch "
                                             r"completed, so nothing was saved\.$"):
        train_from_config(config)
    assert not (tmp_path / "run" / "model.safetensors").exists()
