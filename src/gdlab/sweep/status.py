"""Read a sweep folder back: its plan and rows, and a short text summary (``gdlab sweep status``)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from gdlab.sweep.results import latest, read_rows
from gdlab.sweep.spec import Sweep, Trial


@dataclass
class SweepFolder:
    out: Path
    sweep: Sweep
    rows: list[dict]          # the latest row of each planned trial that finished, in plan order

    @property
    def ok(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "ok"]

    def ranked(self) -> list[dict]:
        """The ``ok`` rows, best first by ``best_<metric>`` (NaN last)."""
        key = f"best_{self.sweep.metric}"
        sign = -1 if self.sweep.mode == "max" else 1
        return sorted(self.ok, key=lambda r: (math.isnan(r[key]), sign * r[key] if not math.isnan(r[key]) else 0))


def open_folder(out) -> SweepFolder:
    out = Path(out)
    plan_file = out / "sweep.json"
    if not plan_file.is_file():
        raise FileNotFoundError(f"{out} is not a sweep folder: no sweep.json (run `gdlab sweep SWEEP.toml "
                                f"--out {out}` first)")
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    trials = [Trial(t["trial_id"], t["values"], {}) for t in plan["trials"]]
    sweep = Sweep(Path(plan["sweep"]) if plan["sweep"] else None, Path(plan["base"]), plan["metric"],
                  plan["mode"], plan["max_retries"], plan["keys"], trials, plan["test_metrics"])
    rows = latest(read_rows(out / "results.csv", sweep))
    return SweepFolder(out, sweep, [rows[t.trial_id] for t in trials if t.trial_id in rows])


def summary(folder: SweepFolder, best: int = 5) -> str:
    s = folder.sweep
    errors = [r for r in folder.rows if r["status"] != "ok"]
    lines = [f"{folder.out}: {len(s.trials)} trials; {len(folder.ok)} ok, {len(errors)} error, "
             f"{len(s.trials) - len(folder.rows)} not run yet; metric {s.metric} ({s.mode})"]
    ranked = folder.ranked()[:best]
    if ranked:
        lines.append(f"best {len(ranked)}:")
        lines += [f"  {r['trial_id']}  {s.metric} {r[f'best_{s.metric}']:.4f}  "
                  + "  ".join(f"{k}={r[k]}" for k in s.keys) for r in ranked]
    if errors:
        lines.append("errors:")
        lines += [f"  {r['trial_id']}  attempts {r['attempts']}: {r['error']}" for r in errors]
    return "\n".join(lines)
