"""``DIR/results.csv``: one row per finished trial, appended and fsynced by the driver only.

Columns: ``trial_id, status, attempts``, each swept key, ``best_<metric>`` and ``final_<metric>``
(best over the epochs by the sweep's mode, and the last epoch's), the test metrics, ``epochs``,
``seconds``, ``host``, ``node`` (Ray's node id; empty on the local engine), ``pid``, ``error``.
Floats are written with ``repr`` so they read back bit for bit. A run killed while appending
leaves at most one half-written last line; :func:`read_rows` drops it and :class:`ResultsFile`
cuts it off before appending.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from gdlab.sweep.spec import Sweep, Trial

FIXED_HEAD = ("trial_id", "status", "attempts")
FIXED_TAIL = ("epochs", "seconds", "host", "node", "pid", "error")
INTS = ("attempts", "epochs", "pid")
TEXTS = ("trial_id", "status", "host", "node", "error")


def columns(sweep: Sweep) -> list[str]:
    return [*FIXED_HEAD, *sweep.keys, f"best_{sweep.metric}", f"final_{sweep.metric}", *sweep.test_metrics,
            *FIXED_TAIL]


def make_row(sweep: Sweep, trial: Trial, result: dict, attempts: int) -> dict:
    """A results row from a worker's result dict (see :func:`gdlab.sweep.trial.run_trial`)."""
    row = dict.fromkeys(columns(sweep))
    row.update(trial_id=trial.trial_id, status=result["status"], attempts=attempts, **trial.values)
    row.update({f"best_{sweep.metric}": result.get("best"), f"final_{sweep.metric}": result.get("final"),
                "epochs": result.get("epochs"), "seconds": result.get("seconds"), "host": result.get("host"),
                "node": result.get("node", ""), "pid": result.get("pid"),
                "error": " ".join(str(result.get("error", "")).split())})
    for name, value in (result.get("test") or {}).items():
        if f"test_{name}" in row:
            row[f"test_{name}"] = value
    return row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, dict, bool)):
        return json.dumps(value)
    return str(value)


def _parse(column: str, text: str, values: dict):
    if column in values:                       # a swept key: the plan's value, exactly
        return values[column]
    if column in TEXTS:
        return text
    if text == "":
        return None
    return int(text) if column in INTS else float(text)


def read_rows(path: Path, sweep: Sweep | None = None) -> list[dict]:
    """The complete rows of ``path`` (a half-written last line is dropped), typed."""
    path = Path(path)
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    plan = {t.trial_id: t.values for t in sweep.trials} if sweep else {}
    reader = csv.DictReader(io.StringIO(text))
    return [{c: _parse(c, v, plan.get(row["trial_id"], {})) for c, v in row.items()} for row in reader]


def latest(rows: list[dict]) -> dict:
    """trial id → its last row (a rerun trial appears again further down)."""
    return {row["trial_id"]: row for row in rows}


class ResultsFile:
    """Appends rows; each row is one write, flushed and fsynced before the next trial is counted."""

    def __init__(self, path: Path, header: list[str]):
        self.path, self.header = Path(path), header
        data = self.path.read_bytes() if self.path.is_file() else b""
        if b"\n" in data:
            head = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8")]), [])
            if head != header:
                raise ValueError(f"{self.path} has the columns {head}, this sweep writes {header}; "
                                 "use another --out folder, or --no-resume to start this one afresh")
            keep = data.rfind(b"\n") + 1
            if keep < len(data):                # a half-written last line: cut it off
                with open(self.path, "r+b") as f:
                    f.truncate(keep)
        else:                                   # new, or killed while writing the header
            self.path.write_bytes(b"")
            self._append(header)

    def append(self, row: dict) -> None:
        self._append([_cell(row[c]) for c in self.header])

    def _append(self, cells) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        with open(self.path, "a", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())

