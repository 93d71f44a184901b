"""The output folder of one ``gdlab train`` run: locked, fingerprinted, written atomically.

- One run at a time: an exclusive ``flock`` on ``.gdlab.lock``; a second process is refused at once.
- ``run.json`` holds the run's fingerprint and whether it finished. A backup is resumed only by the
  same run; a finished run is not trained again; anything else is refused with how to start over
  (``--force`` or deleting the backup). ``run.json`` is trusted only as far as the files agree: a
  run it calls finished whose outputs are missing is resumed from its backup (or trained again when
  there is none), and the backup is deleted only when every output is there.
- Outputs are written atomically (a temporary file renamed over the target, so a planted symlink is
  replaced, never followed) with the mode the umask gives new files; stale temporary files of a
  killed run are removed at the start; the backup is deleted last, after every output is written.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from gdlab.io import current_umask, write_atomic

LOCK_FILE = ".gdlab.lock"
RUN_FILE = "run.json"
BACKUP_DIR = "backup"
BACKUP_FILE = "backup.safetensors"
OUTPUTS = ("model.safetensors", "best.safetensors", "history.csv", "history.json", "metrics.json")
#: what a finished run must have written (best.safetensors only exists with a ModelCheckpoint)
FINISHED_OUTPUTS = ("model.safetensors", "history.csv", "history.json", "metrics.json")


class RunFolderError(RuntimeError):
    """The folder cannot be used now: busy (locked by another run), not writable, or too little space."""


class RunMismatchError(ValueError):
    """The folder holds a different run (another configuration or data)."""


def file_mode() -> int:
    """The mode a plain ``open`` gives a new file under the current umask: 0o666 & ~umask."""
    return 0o666 & ~current_umask()


def _diff(saved: dict, current: dict) -> str:
    keys = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
    return ", ".join(k if k == "seed" else f"[{k}]" for k in keys)


class RunFolder:
    """Use as ``with RunFolder(path) as run:``; the lock is held until the block ends."""

    def __init__(self, path):
        self.path = Path(path)
        self.backup = self.path / BACKUP_DIR / BACKUP_FILE
        self.mode = file_mode()
        self._lock = None

    # -- the lock -------------------------------------------------------------------------------
    def __enter__(self) -> "RunFolder":
        import fcntl

        lock = self.path / LOCK_FILE
        try:
            self.backup.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, self.mode)
        except OSError as err:
            raise RunFolderError(f"cannot write to the output folder {self.path}: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise RunFolderError(f"{self.path} is in use by another gdlab train (process {owner or '?'} holds "
                                 f"{lock}); wait for it to end or use another output folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock = fd
        self._remove_stale_temporaries()
        return self

    def __exit__(self, *exc) -> None:
        os.close(self._lock)  # closing releases the flock
        self._lock = None

    def _remove_stale_temporaries(self) -> None:
        """``.NAME.*.tmp`` files are atomic writes a killed run never renamed; under the lock no live
        process owns one."""
        for folder in (self.path, self.backup.parent):
            for tmp in folder.glob(".*.tmp"):
                if tmp.is_file() or tmp.is_symlink():
                    tmp.unlink()

    def check_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.path).free
        if needed > free:
            raise RunFolderError(f"{self.path}: the model, its backup and checkpoints need about {needed:,} bytes "
                                 f"of disk space; {free:,} are free")

    # -- which run the folder holds ------------------------------------------------------------------
    def _saved(self) -> dict | None:
        try:
            saved = json.loads((self.path / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return saved if isinstance(saved, dict) and isinstance(saved.get("fingerprint"), dict) else None

    def open(self, fingerprint: dict, force: bool = False) -> str:
        """``"finished"`` (this run is done: nothing to train), ``"resume"`` (the backup is this run's)
        or ``"start"`` (a fresh run; earlier outputs are removed). A folder holding a different run is
        refused unless ``force``."""
        saved = None if force else self._saved()
        same = saved is not None and saved["fingerprint"] == fingerprint
        if same and saved.get("finished") is True and self.outputs_complete():
            self.backup.unlink(missing_ok=True)  # left by a run killed after its last output
            return "finished"
        if same and saved.get("finished") is True and not self.backup.exists():
            saved = None  # "finished", but its outputs are gone and there is no backup: train it again
        if self.backup.exists() and not force:
            if saved is None:
                raise RunMismatchError(f"{self.backup} has no record of the run that made it ({self.path / RUN_FILE} "
                                       f"is missing); to start over, run again with --force or delete {self.backup}")
            if saved["fingerprint"] != fingerprint:
                raise RunMismatchError(f"{self.backup} belongs to a run with a different "
                                       f"{_diff(saved['fingerprint'], fingerprint)}; to start over, run again with "
                                       f"--force or delete {self.backup}")
            return "resume"
        if saved is not None and saved.get("finished") is True:
            raise RunMismatchError(f"{self.path} holds the finished run of a different "
                                   f"{_diff(saved['fingerprint'], fingerprint)}; run again with --force to "
                                   "replace it, or choose another output folder")
        self.backup.unlink(missing_ok=True)
        for name in OUTPUTS:
            (self.path / name).unlink(missing_ok=True)
        self.write_text(RUN_FILE, json.dumps({"fingerprint": fingerprint, "finished": False}, indent=1) + "\n")
        return "start"

    def outputs_complete(self) -> bool:
        """Every output a finished run writes is there, as a non-empty file."""
        return all((self.path / name).is_file() and (self.path / name).stat().st_size > 0
                   for name in FINISHED_OUTPUTS)

    def finish(self, fingerprint: dict) -> None:
        """Mark the run finished — after every output is written — then delete the backup."""
        self.write_text(RUN_FILE, json.dumps({"fingerprint": fingerprint, "finished": True}, indent=1) + "\n")
        self.backup.unlink(missing_ok=True)
        try:
            self.backup.parent.rmdir()
        except OSError:
            pass  # not empty: something else lives there

    # -- writing ---------------------------------------------------------------------------------------
    def write_text(self, name: str, text: str) -> Path:
        return write_atomic(self.path / name, text)
