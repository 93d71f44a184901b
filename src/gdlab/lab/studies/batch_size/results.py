"""The batch-size study's results: one ``BatchRun`` per B at its tuned η, and what the study concluded.

Wall-clock time to target = S(B) × the step time, the step time being the median of ≥ 3 timed
repeats after a warm-up, all batch sizes interleaved (``gdlab.lab.timing``), on the executor that a fit
of that B runs (``step_path``: the compiled epoch where it is in scope, else the step loop). The decision uses the
step-cost model t(B) = a + b·B (``fits``): ``modelled_seconds`` is S(B)·t(B).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gdlab.i18n import t
from gdlab.lab.studies.batch_size import Settings
from gdlab.lab.studies.batch_size.fits import Fit
from gdlab.lab.studies.batch_size.names import regime_name, status_name
from gdlab.lab.timing import Timing
from gdlab.reporting.tables import Table, fmt


@dataclass
class BatchRun:
    """One batch size at its tuned η."""

    batch_size: int
    iterations_per_epoch: int
    tuned_lr: float | None
    lr_at_grid_edge: bool
    steps_to_target: int | None
    step_time: Timing
    step_path: str  # the executor that ran the timed steps, as a fit of this B runs: "compiled" or "loop"
    step_peak_bytes: int  # temporaries of one step (tracemalloc)
    persistent_bytes: int  # θ + ∇θ + optimizer slots
    grid: list[dict] = field(default_factory=list)  # every trial row of this B
    n_train: int = 0

    @property
    def epochs_to_target(self) -> float | None:
        return None if self.steps_to_target is None else self.steps_to_target * self.batch_size / self.n_train

    @property
    def samples_to_target(self) -> int | None:
        return None if self.steps_to_target is None else self.steps_to_target * self.batch_size

    @property
    def seconds_to_target(self) -> Timing | None:
        return None if self.steps_to_target is None else self.step_time.scaled(self.steps_to_target)

    @property
    def memory_bytes(self) -> int:
        return self.step_peak_bytes + self.persistent_bytes

    @property
    def samples_per_second(self) -> float:
        return self.batch_size / self.step_time.median

    @property
    def tuned_row(self) -> dict | None:
        return next((r for r in self.grid if r["learning_rate"] == self.tuned_lr), None)

    @property
    def generalisation_gap(self) -> float | None:
        """Training − validation accuracy when the target was reached (at the tuned η)."""
        r = self.tuned_row
        if r is None or r["train_accuracy_at_target"] is None:
            return None
        return r["train_accuracy_at_target"] - r["checks"][-1][1]


@dataclass
class BatchSizeResult:
    settings: Settings
    n_train: int
    n_val: int
    runs: list[BatchRun] = field(default_factory=list)
    tutorial_view: list[dict] = field(default_factory=list)  # one row per B at the one fixed η
    fit: Fit | None = None
    noise_initial: dict = field(default_factory=dict)
    noise_trained: dict = field(default_factory=dict)
    direction_cosine: dict = field(default_factory=dict)  # B → {cosine, deviation} at the initial weights
    step_cost: tuple[float, float] | None = None  # (a, b): modelled seconds per step a + b·B
    recommended: int | None = None
    tied_with: list[int] = field(default_factory=list)

    def modelled_seconds(self, run: BatchRun) -> float | None:
        """S(B)·(a + b·B): the time to target by the fitted step-cost model."""
        if run.steps_to_target is None or self.step_cost is None:
            return None
        a, b = self.step_cost
        return run.steps_to_target * (a + b * run.batch_size)

    @property
    def b_simple(self) -> float | None:
        return (self.noise_trained or self.noise_initial).get("b_simple")

    def run(self, batch_size: int) -> BatchRun:
        return next(r for r in self.runs if r.batch_size == batch_size)

    def table(self) -> Table:
        rows = []
        for r in self.runs:
            time = r.seconds_to_target
            m = self.modelled_seconds(r)
            rows.append([fmt(r.batch_size),
                         t("batch_size.lr_at_edge", lr=fmt(r.tuned_lr)) if r.lr_at_grid_edge else fmt(r.tuned_lr),
                         fmt(r.steps_to_target), fmt(r.epochs_to_target, 3), fmt(r.samples_to_target),
                         r.step_time.text("ms", 1e3), "—" if time is None else time.text("s"),
                         "—" if m is None else f"{m:.3g}",
                         f"{r.memory_bytes / 1024:,.0f}",
                         "—" if self.fit is None else str(regime_name(self.fit.regime(r.batch_size)))])
        return Table(["B", t("batch_size.col_tuned_lr"), t("batch_size.col_steps"), t("batch_size.col_epochs"),
                      t("batch_size.col_samples"), t("batch_size.col_step_ms"), t("batch_size.col_seconds"),
                      t("batch_size.col_seconds_modelled"), t("batch_size.col_step_kib"),
                      t("batch_size.col_regime")], rows)

    def grid_table(self) -> Table:
        rates = list(self.settings.learning_rates)
        rows = []
        for r in self.runs:
            by = {row["learning_rate"]: row for row in r.grid}
            rows.append([fmt(r.batch_size)] + [_grid_cell(by.get(lr)) for lr in rates])
        return Table(["B \\ η"] + [fmt(lr) for lr in rates], rows)

    def tutorial_table(self) -> Table:
        rows = [[fmt(row["batch_size"]), fmt(row["steps_to_target"]), str(status_name(row["status"])),
                 fmt(row["final_val_accuracy"], 3)] for row in self.tutorial_view]
        return Table(["B", t("batch_size.col_steps"), t("batch_size.col_status"), t("batch_size.col_last_val_acc")],
                     rows)

    def to_json(self) -> dict:
        """``batch_size.json``: per B the tuned η, counts, time and memory; the fit, B_simple and the choice."""
        per_b = []
        for r in self.runs:
            t = r.seconds_to_target
            per_b.append({"batch_size": r.batch_size, "tuned_learning_rate": r.tuned_lr,
                          "steps_to_target": r.steps_to_target, "epochs_to_target": r.epochs_to_target,
                          "samples_to_target": r.samples_to_target,
                          "seconds_to_target": None if t is None else t.to_dict(),
                          "seconds_to_target_modelled": self.modelled_seconds(r),
                          "step_seconds": r.step_time.to_dict(), "step_path": r.step_path,
                          "step_memory_bytes": r.memory_bytes,
                          "grid": [{"learning_rate": g["learning_rate"], "status": g["status"],
                                    "steps_to_target": g["steps_to_target"]} for g in r.grid]})
        f = self.fit
        return {"target_validation_accuracy": self.settings.target_accuracy, "n_train": self.n_train,
                "learning_rate_grid": list(self.settings.learning_rates), "batch_sizes": per_b,
                "S_min": None if f is None else f.s_min, "E_min": None if f is None else f.e_min,
                "B_noise_fitted": None if f is None else f.b_noise,
                "B_simple_measured": self.b_simple, "recommended_batch_size": self.recommended,
                "step_cost_seconds": None if self.step_cost is None else
                {"per_step": self.step_cost[0], "per_sample": self.step_cost[1]},
                "tied_with": self.tied_with,
                "memory_budget_bytes": budget_bytes(self.settings),
                "tutorial_view": {"learning_rate": self.settings.tutorial_learning_rate,
                                  "rows": [{k: row[k] for k in ("batch_size", "status", "steps_to_target",
                                                                "final_val_accuracy")}
                                           for row in self.tutorial_view]}}


def _grid_cell(row) -> str:
    if row is None:
        return ""
    if row["status"] == "reached":
        return fmt(row["steps_to_target"])
    if row["status"] == "diverged":
        return t("batch_size.grid_diverged")
    return f"> {row['steps_run']}"  # not reached, or stopped at the best count


def budget_bytes(settings: Settings) -> int | None:
    return int(settings.memory_mib * 2**20) if settings.memory_mib > 0 else None
