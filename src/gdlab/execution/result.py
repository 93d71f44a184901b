"""``EpochResult``: what an executor did in one epoch, for the fit loop to book.

Every executor — the step loop (``gdlab.execution.steps``) and the compiled epoch
(``gdlab.compiled``) — fills one through ``add_step``, so the epoch's loss is the same
sum in the same order whichever ran:

    L_epoch = Σᵢ Lᵢ·Bᵢ / Σᵢ Bᵢ        over the completed steps i, Bᵢ their rows

A step whose loss is not finite is not completed: it is ``stopped_at`` (θ was not
updated by it) and the epoch ends there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class EpochResult:
    losses: list[float] = field(default_factory=list)  # Lᵢ of each completed step, in order
    sizes: list[int] = field(default_factory=list)  # Bᵢ
    loss_sum: float = 0.0  # Σ Lᵢ·Bᵢ, summed in step order
    seen: int = 0  # Σ Bᵢ
    metric_sums: list[float] = field(default_factory=list)  # per compiled metric: Σ over the steps
    metric_counts: list[int] = field(default_factory=list)
    grad_norms: list[tuple[int, float]] = field(default_factory=list)  # (iteration of the fit, ‖∂L/∂θ‖)
    stopped_at: int | None = None  # the step whose loss was not finite
    stop_loss: float = math.nan

    @classmethod
    def for_metrics(cls, n: int) -> "EpochResult":
        return cls(metric_sums=[0.0] * n, metric_counts=[0] * n)

    @property
    def steps(self) -> int:
        """Completed steps."""
        return len(self.losses)

    def add_step(self, loss: float, rows: int) -> bool:
        """Book a step of ``rows`` samples; False, and the epoch stopped there, when its loss is not finite."""
        if not math.isfinite(loss):
            self.stopped_at, self.stop_loss = len(self.losses), loss
            return False
        self.losses.append(loss)
        self.sizes.append(rows)
        self.loss_sum += loss * rows
        self.seen += rows
        return True

    def add_steps(self, losses: list[float], sizes: list[int]) -> None:
        """Book completed steps whose losses are known to be finite (the compiled epoch stops before a
        non-finite one), summed in the order and with the arithmetic of ``add_step``."""
        total, seen = self.loss_sum, self.seen
        for loss, rows in zip(losses, sizes):
            total += loss * rows
            seen += rows
        self.loss_sum, self.seen = total, seen
        self.losses += losses
        self.sizes += sizes

    def add_metric(self, k: int, total: float, count: int) -> None:
        self.metric_sums[k] += total
        self.metric_counts[k] += count

    def running_means(self) -> list[float]:
        """The epoch's mean loss after each completed step (what a progress bar shows), summed as ``add_step``."""
        means, total, seen = [], 0.0, 0
        for loss, rows in zip(self.losses, self.sizes):
            total += loss * rows
            seen += rows
            means.append(total / seen)
        return means

    def logs(self, metrics) -> dict:
        """{"loss": L_epoch, metric name: its mean}; NaN for an epoch without a completed step."""
        logs = {"loss": self.loss_sum / self.seen if self.seen else math.nan}
        for m, s, c in zip(metrics, self.metric_sums, self.metric_counts):
            logs[m.name] = s / c if c else math.nan
        return logs
