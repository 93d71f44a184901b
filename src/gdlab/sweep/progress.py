"""Sweep progress: a tqdm bar on a terminal (done/total, failures, ETA), plain lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, done: int, metric: str, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed, self.metric = total, done, 0, metric
        self.start_done, self.t0 = done, time.perf_counter()
        self.bar = None
        if getattr(self.stream, "isatty", lambda: False)():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=done, desc="sweep", unit="trial", file=self.stream)

    def update(self, row: dict) -> None:
        self.done += 1
        self.failed += row["status"] != "ok"
        if self.bar is not None:
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(1)
            return
        value = row[f"best_{self.metric}"]
        what = f"{self.metric} {value:.4g}" if row["status"] == "ok" else f"error: {row['error'][:120]}"
        print(f"[{self.done}/{self.total}] {row['trial_id']} {row['status']} ({what}; attempts {row['attempts']}) "
              f"failed {self.failed}, ETA {self.eta()}", file=self.stream, flush=True)

    def eta(self) -> str:
        ran = self.done - self.start_done
        if ran == 0:
            return "?"
        seconds = (time.perf_counter() - self.t0) / ran * (self.total - self.done)
        return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
