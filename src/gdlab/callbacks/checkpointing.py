"""Callbacks that write to disk: ModelCheckpoint and BackupAndRestore.

Both save through the model (``model.save_checkpoint``), which writes atomically:
a crash during a save leaves the previous file in place.
"""

from __future__ import annotations

from pathlib import Path

from gdlab.callbacks.base import Callback
from gdlab.callbacks.monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save the model — a full checkpoint, resumable with ``gdlab.load_checkpoint`` — after every epoch,
    or only when ``monitor`` improves (``save_best_only``).

    ``filepath`` may hold ``{epoch}`` (1-based, as Keras) and any log key, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
    """

    def __init__(self, filepath, monitor: str = "val_loss", save_best_only: bool = False, mode: str = "auto",
                 verbose: int = 0):
        super().__init__(monitor, mode)
        self.filepath, self.save_best_only, self.verbose = str(filepath), bool(save_best_only), verbose

    def get_config(self):
        return {"filepath": self.filepath, "monitor": self.monitor, "save_best_only": self.save_best_only,
                "mode": self.mode, "verbose": self.verbose}

    def writes_checkpoints(self) -> bool:
        return True

    def on_train_begin(self, logs=None):
        if self.save_best_only:
            self.direction()  # an undecidable mode fails now, not after the first epoch

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            current = self.monitored(logs)
            if not self.improves(current, self.best):
                return
            self.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"filepath={self.filepath!r} cannot be formatted with epoch and logs "
                             f"{sorted(logs)}: {err}") from None
        self.model.save_checkpoint(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved {path}")

    def get_state(self):
        return {"best": self.best}

    def set_state(self, state):
        self.best = state["best"]


class BackupAndRestore(Callback):
    """Resume automatically after a crash.

    After every epoch the full training state goes to ``backup_dir/backup.safetensors``.
    When ``fit`` starts and that file exists, the model, optimizer, epoch counter,
    history and callback states are restored from it and training continues with
    the next epoch — exactly as if it had never stopped. The backup is deleted
    when training completes (``delete_checkpoint=True``).
    """

    FILENAME = "backup.safetensors"

    def __init__(self, backup_dir, delete_checkpoint: bool = True):
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = bool(delete_checkpoint)

    def get_config(self):
        return {"backup_dir": str(self.backup_dir), "delete_checkpoint": self.delete_checkpoint}

    @property
    def path(self) -> Path:
        return self.backup_dir / self.FILENAME

    def writes_checkpoints(self) -> bool:
        return True

    def restore_training(self) -> bool:
        if not self.path.exists():
            return False
        self.model.restore_checkpoint(self.path)
        return True

    def on_epoch_end(self, epoch, logs=None):
        self.model.save_checkpoint(self.path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            self.path.unlink(missing_ok=True)
