"""Small train configs and sweep files for the sweep tests."""

from pathlib import Path

BASE = """
seed = 0
[data]
dataset = "iris"
[model]
layers = [ { type = "Dense", units = 8, activation = "tanh" }, { type = "Dense", units = 3, activation = "softmax" } ]
[compile]
loss = "sparse_categorical_crossentropy"
metrics = ["accuracy"]
[optimizer]
name = "sgd"
learning_rate = 0.05
[fit]
epochs = 3
batch_size = 16
validation_split = 0.2
[output]
dir = "unused"
"""


def write_sweep(folder: Path, sweep: str, base: str = BASE) -> Path:
    """``folder/base.toml`` and ``folder/sweep.toml`` (base.toml, val_loss, min unless ``sweep`` says)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(base, encoding="utf-8")
    text = ("" if "metric =" in sweep else 'metric = "val_loss"\n') + ("" if "mode =" in sweep else 'mode = "min"\n') \
        + ("" if "base =" in sweep else 'base = "base.toml"\n') + sweep
    (folder / "sweep.toml").write_text(text, encoding="utf-8")
    return folder / "sweep.toml"
