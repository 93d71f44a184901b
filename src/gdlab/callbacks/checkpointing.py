"""Callbacks that write to disk: ModelCheckpoint and BackupAndRestore.

Both write atomically (``gdlab.checkpoint.write_atomic``): a crash during a
save leaves the previous file in place.
"""

from __future__ import annotations

from pathlib import Path

from gdlab.callbacks.base import Callback


class ModelCheckpoint(Callback):
    """Save the model — a full checkpoint, resumable with ``gdlab.load_checkpoint`` — after every epoch,
    or only when ``monitor`` improves (``save_best_only``).

    ``filepath`` may hold ``{epoch}`` (1-based, as Keras) and any log key, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
    """

    writes_checkpoints = True

    def __init__(self, filepath, monitor: str = "val_loss", save_best_only: bool = False, mode: str = "auto",
                 verbose: int = 0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode={mode!r}; valid: 'auto', 'min', 'max'")
        self.filepath, self.monitor, self.save_best_only = str(filepath), monitor, bool(save_best_only)
        self.mode, self.verbose = mode, verbose
        self.best = None

    def get_config(self):
        return {"filepath": self.filepath, "monitor": self.monitor, "save_best_only": self.save_best_only,
                "mode": self.mode, "verbose": self.verbose}

    def _better(self, current) -> bool:
        if self.best is None:
            return True
        maximize = self.mode == "max" or (self.mode == "auto" and ("acc" in self.monitor or "auc" in self.monitor))
        return current > self.best if maximize else current < self.best

    def on_epoch_end(self, epoch, logs=None):
        from gdlab.checkpoint import save_checkpoint

        logs = logs or {}
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                raise KeyError(f"ModelCheckpoint monitors {self.monitor!r}, which is not in logs {sorted(logs)}")
            if not self._better(current):
                return
            self.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"filepath={self.filepath!r} cannot be formatted with epoch and logs "
                             f"{sorted(logs)}: {err}") from None
        save_checkpoint(self.model, path)
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
    writes_checkpoints = True

    def __init__(self, backup_dir, delete_checkpoint: bool = True):
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = bool(delete_checkpoint)

    def get_config(self):
        return {"backup_dir": str(self.backup_dir), "delete_checkpoint": self.delete_checkpoint}

    @property
    def path(self) -> Path:
        return self.backup_dir / self.FILENAME

    def load_resume_state(self, model):
        from gdlab.checkpoint import restore_into

        if not self.path.exists():
            return None
        return restore_into(model, self.path)

    def on_epoch_end(self, epoch, logs=None):
        from gdlab.checkpoint import save_checkpoint

        save_checkpoint(self.model, self.path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            self.path.unlink(missing_ok=True)
