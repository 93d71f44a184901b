"""Read a sweep folder back: its plan and rows, and a short text summary (``gdlab sweep status``)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from gdlab.sweep.results import latest, read_rows
from gdlab.sweep.spec import Sweep, SweepError, sweep_from_plan
from gdlab.sweep.trial import SMALL_VALIDATION, ranking_of


@dataclass
class SweepFolder:
    out: Path
    sweep: Sweep
    rows: list[dict]          # the latest row of each planned trial that finished, in plan order

    @property
    def ok(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "ok"]

    @property
    def rank_key(self) -> str:
        """The column trials are ranked by: the metric at the epoch whose weights each trial kept."""
        return f"kept_{self.sweep.metric}"

    def ranked(self) -> list[dict]:
        """The ``ok`` rows, best first by ``kept_<metric>`` (NaN and unknown last)."""
        key = self.rank_key
        sign = -1 if self.sweep.mode == "max" else 1

        def order(r):
            v = r[key]
            bad = v is None or math.isnan(v)
            return bad, 0 if bad else sign * v
        return sorted(self.ok, key=order)

    def warnings(self) -> list[str]:
        """What makes the ranking unreliable, in words (computed from the trials' folders)."""
        s = self.sweep
        if not s.metric.startswith("val_"):
            return []
        out = []
        sizes = sorted({r["validation_samples"] for r in self.ok if r["validation_samples"] is not None})
        if sizes and sizes[0] < SMALL_VALIDATION:
            out.append(f"warning: {s.metric} is measured on a validation split of {', '.join(map(str, sizes))} "
                       f"samples (fewer than {SMALL_VALIDATION}); on so few samples the ranking is mostly chance "
                       "— compare the test metrics beside it, or use a larger validation_split or more data")
        missing = sorted({c for r in self.ok for c in r["validation_missing"] or []})
        if missing:
            out.append(f"warning: the validation split (the last samples of the training part, not shuffled) "
                       f"holds no sample of class(es) {', '.join(map(str, missing))}, which the training part "
                       f"has; {s.metric} does not measure those classes — shuffle the data file's rows")
        return out


def open_folder(out) -> SweepFolder:
    out = Path(out)
    plan_file = out / "sweep.json"
    if not plan_file.is_file():
        raise FileNotFoundError(f"{out} is not a sweep folder: no sweep.json (run `gdlab sweep SWEEP.toml "
                                f"--out {out}` first)")
    try:
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SweepError(f"{plan_file}: not the JSON plan the driver writes ({err}); run the sweep again to "
                         "rewrite it") from None
    sweep = sweep_from_plan(plan, plan_file)
    rows = latest(read_rows(out / "results.csv", sweep))
    kept = [rows[t.trial_id] for t in sweep.trials if t.trial_id in rows]
    for row in kept:
        row.update(_kept(out / "trials" / row["trial_id"], sweep.metric, row["status"] == "ok"))
    return SweepFolder(out, sweep, kept)


def _kept(folder: Path, metric: str, ok: bool) -> dict:
    """``kept_<metric>``, ``kept_epoch``, ``restored`` and ``validation_samples`` of a trial (None: unknown)."""
    numbers = None
    if ok:
        try:
            numbers = ranking_of(folder, metric)
        except (OSError, ValueError, KeyError):  # the trial's files are gone or not gdlab's
            numbers = None
    numbers = numbers or {}
    return {f"kept_{metric}": numbers.get("kept"), "kept_epoch": numbers.get("kept_epoch"),
            "restored": numbers.get("restored"), "validation_samples": numbers.get("validation_samples"),
            "validation_missing": numbers.get("validation_missing")}


def summary(folder: SweepFolder, best: int = 5) -> str:
    s = folder.sweep
    errors = [r for r in folder.rows if r["status"] != "ok"]
    lines = [f"{folder.out}: {len(s.trials)} trials; {len(folder.ok)} ok, {len(errors)} error, "
             f"{len(s.trials) - len(folder.rows)} not run yet; metric {s.metric} ({s.mode})"]
    ranked = folder.ranked()[:best]
    if ranked:
        lines.append(f"best {len(ranked)} by {s.metric} at the epoch whose weights each trial kept "
                     "(EarlyStopping's restored epoch, else the last):")
        lines += [f"  {r['trial_id']}  {s.metric} {_number(r[folder.rank_key])} (epoch {r['kept_epoch']})  "
                  + "".join(f"{t} {_number(r[t])}  " for t in s.test_metrics)
                  + "  ".join(f"{k}={r[k]}" for k in s.keys) for r in ranked]
    lines += folder.warnings()
    if errors:
        lines.append("errors:")
        lines += [f"  {r['trial_id']}  attempts {r['attempts']}: {r['error']}" for r in errors]
    return "\n".join(lines)


def _number(v) -> str:
    return "?" if v is None else f"{v:.4f}"
