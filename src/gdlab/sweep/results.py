"""``DIR/results.csv``: one row per finished trial, appended and fsynced by the driver only.

Columns: ``trial_id, status, attempts``, each swept key, ``best_<metric>`` and ``final_<metric>``
(best over the epochs by the sweep's mode, and the last epoch's), the test metrics, ``epochs``,
``seconds``, ``host``, ``node`` (Ray's node id; empty on the local engine), ``pid``, ``error``.
Floats are written with ``repr`` so they read back bit for bit. A run killed while appending
leaves at most one half-written last line; :func:`read_rows` drops it and :class:`ResultsFile`
cuts it off before appending.

Anything else that is not what the driver wrote — another header, a row with more or fewer cells, a
trial id the plan does not have, a status other than ok/error, a number that does not parse — is a
``SweepError`` naming the file, the line and the column: an edited table is never silently trusted.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from gdlab.sweep.spec import Sweep, SweepError, Trial

FIXED_HEAD = ("trial_id", "status", "attempts")
FIXED_TAIL = ("epochs", "seconds", "host", "node", "pid", "error")
STATUSES = ("ok", "error")
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


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def read_rows(path: Path, sweep: Sweep | None = None) -> list[dict]:
    """The complete rows of ``path`` (a half-written last line is dropped), typed and checked against
    ``sweep``'s columns and trial ids (``SweepError`` naming the file, line and column otherwise)."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise SweepError(f"{path}: not UTF-8 text (byte {err.start}); it was edited or damaged: move it away "
                         "and run the sweep again to rerun its trials") from None
    if not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    plan = {t.trial_id: t.values for t in sweep.trials} if sweep else {}
    records = csv.reader(io.StringIO(text))
    try:
        head = next(records, None)
    except csv.Error as err:
        raise SweepError(f"{path} line 1: {err}") from None
    if head is None:
        return []
    expected = columns(sweep) if sweep else None
    if (expected is not None and head != expected) or "trial_id" not in head or "status" not in head:
        raise SweepError(f"{path} line 1: the columns {_clip(str(head), 200)} are not the ones this sweep writes "
                         f"({_clip(str(expected or ['trial_id', 'status', '…']), 200)}); the table was edited or "
                         "belongs to another sweep: move it away and run the sweep again")
    rows = []
    line = 1
    try:
        for line, cells in enumerate(records, start=2):
            if len(cells) != len(head):
                raise SweepError(f"{path} line {line}: {len(cells)} cells, the header has {len(head)}; the table "
                                 "was edited or damaged")
            record = dict(zip(head, cells))
            tid = record["trial_id"]
            if sweep is not None and tid not in plan:
                raise SweepError(f"{path} line {line}: trial_id {_clip(tid)!r} is not a trial of this sweep's plan")
            if record["status"] not in STATUSES:
                raise SweepError(f"{path} line {line}: status {_clip(record['status'])!r}; valid: "
                                 f"{', '.join(STATUSES)}")
            row = {}
            for column, value in record.items():
                try:
                    row[column] = _parse(column, value, plan.get(tid, {}))
                except (ValueError, OverflowError):
                    raise SweepError(f"{path} line {line} column {column}: {_clip(value)!r} is not "
                                     f"{'an integer' if column in INTS else 'a number'}") from None
            rows.append(row)
    except csv.Error as err:
        raise SweepError(f"{path} line {line + 1}: {err}") from None
    return rows


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
                raise SweepError(f"{self.path} has the columns {_clip(str(head), 200)}, this sweep writes {header}; "
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

