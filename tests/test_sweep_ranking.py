"""Sweeps rank by the metric at the epoch whose weights each trial kept, and say when that is unreliable."""

import json
import math

import pytest
from matplotlib.patches import Rectangle
from sweep_helpers import BASE

from gdlab.sweep import figures
from gdlab.sweep.spec import Sweep
from gdlab.sweep.status import SweepFolder
from gdlab.sweep.trial import kept_numbers

VAL = [0.9, 0.5, 0.3, 0.4, 0.6, 0.7]  # best at epoch 3 (index 2); two epochs without improvement follow


def trial_folder(tmp_path, callbacks: str, val=VAL, split: float = 0.2):
    config = BASE.replace("validation_split = 0.2", f"validation_split = {split}") + callbacks
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    history = {"history": {"loss": [1.0] * len(val), "val_loss": val}, "epoch": list(range(len(val)))}
    (tmp_path / "history.json").write_text(json.dumps(history), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("callbacks, kept, epoch, restored", [
    ('[callbacks]\nearly_stopping = { monitor = "val_loss", patience = 3, restore_best_weights = true }\n',
     0.3, 3, True),                                  # stopped at epoch 6, restored epoch 3
    ('[callbacks]\nearly_stopping = { monitor = "val_loss", patience = 3 }\n', 0.7, 6, False),  # no restore
    ('[callbacks]\nearly_stopping = { monitor = "val_loss", patience = 9, restore_best_weights = true }\n',
     0.7, 6, False),                                 # never stopped: Keras keeps the last weights
    ("", 0.7, 6, False),                             # no EarlyStopping: the last epoch
])
def test_kept_is_the_restored_epoch_or_the_last(tmp_path, callbacks, kept, epoch, restored):
    numbers = kept_numbers(trial_folder(tmp_path, callbacks), "val_loss")
    assert (numbers["kept"], numbers["kept_epoch"], numbers["restored"]) == (kept, epoch, restored)
    # iris's training part: 120 samples, the last 24 of them validate; in the split's random order, so every
    # class is among them (sorted indices made them all class 2)
    assert numbers["validation_samples"] == 24 and numbers["validation_missing"] == []


def folder(rows, metric="val_loss", mode="min"):
    sweep = Sweep(None, None, metric, mode, 0, ["lr", "seed"], [], ["test_loss"])
    base = {"status": "ok", "validation_samples": 60, "validation_missing": [], "kept_epoch": 1, "test_loss": 0.1}
    return SweepFolder(None, sweep, [{**base, **r} for r in rows])


def test_ranked_by_the_kept_value_not_the_best_over_epochs():
    f = folder([{"trial_id": "a", "best_val_loss": 0.1, "kept_val_loss": 0.5, "lr": 0.1, "seed": 0},
                {"trial_id": "b", "best_val_loss": 0.2, "kept_val_loss": 0.2, "lr": 0.01, "seed": 0},
                {"trial_id": "c", "best_val_loss": 0.3, "kept_val_loss": None, "lr": 0.001, "seed": 0},
                {"trial_id": "d", "best_val_loss": 0.3, "kept_val_loss": math.nan, "lr": 0.001, "seed": 1}])
    assert [r["trial_id"] for r in f.ranked()] == ["b", "a", "c", "d"]
    assert f.warnings() == []


def test_warnings_name_the_small_split_and_the_missing_classes():
    f = folder([{"trial_id": "a", "kept_val_loss": 0.5, "lr": 0.1, "seed": 0, "validation_samples": 18,
                 "validation_missing": [0, 1]}])
    small, classes = f.warnings()
    assert "validation split of 18 samples (fewer than 50)" in small
    assert "no sample of class(es) 0, 1" in classes
    not_val = folder([{"trial_id": "a", "kept_loss": 0.5, "lr": 0.1, "seed": 0, "validation_samples": 18}], "loss")
    assert not_val.warnings() == []


def test_the_heatmap_frames_the_best_ranked_trials_cell():
    rows = [{"trial_id": f"t{i}", "lr": lr, "bs": bs, "seed": 0, "kept_val_loss": v}
            for i, (lr, bs, v) in enumerate([(0.1, 8, 0.9), (0.01, 8, 0.2), (0.1, 32, 0.4), (0.01, 32, 0.3)])]
    fig = figures.heatmap(rows, ["lr", "bs", "seed"], "lr", "bs", "kept_val_loss", "min", best=rows[1])
    frames = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(frames) == 1 and frames[0].get_xy() == (-0.5, -0.5)  # lr 0.01 is column 0, bs 8 is row 0
