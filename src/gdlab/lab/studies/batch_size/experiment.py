"""The batch-size study, done as research does it: η tuned per batch size, steps to a target.

For each batch size B, SGD with momentum trains the same network from the same
initial weights at every η of a grid until the validation accuracy reaches a
target; the η that gets there in the fewest steps is B's tuned η (Shallue et
al. 2018, "Measuring the effects of data parallelism on neural network
training"). Steps to target S(B) against B on log–log axes then shows three
regimes: perfect scaling (S ∝ 1/B), diminishing returns, no further gain.

McCandlish et al. (2018, "An empirical model of large-batch training") model

    S(B) = S_min·(1 + B_noise/B)          steps to target
    E(B) = E_min·(1 + B/B_noise)          samples to target, E = S·B,  E_min = S_min·B_noise

S is linear in its unknowns (S = S_min + S_min·B_noise·(1/B)) and is fitted by
least squares in relative error; E = S·B then follows (the relative-error fit of
E = E_min + (E_min/B_noise)·B solves the same equations, so it gives the same
B_noise). The fitted
B_noise is set beside the measured gradient noise scale B_simple = tr(Σ)/|G|²
(``gdlab.lab.noise``). Where the fitted curve's log–log slope
−B_noise/(B + B_noise) is steeper than −0.8 (B ≤ B_noise/4) scaling is
perfect; flatter than −0.2 (B ≥ 4·B_noise) a larger batch buys nothing.

Wall-clock time to target = S(B) × the step time, the step time being the
median of ≥ 3 timed repeats after a warm-up, all batch sizes interleaved
(``gdlab.lab.timing``). On a shared machine one batch size's timing can be hit
by a stall, so the decision uses a step-cost model fitted to all of them,

    t(B) = a + b·B          a: the fixed cost of a step, b: the cost per sample

(least squares in relative error on each B's fastest repeat, the one least
disturbed by other load). The recommended B has the least modelled time to
target S(B)·t(B) within the memory budget — the counts S(B) are the same in
every rerun and the two cost parameters are fitted to all batch sizes at once,
so one stalled timing cannot flip it. Batch sizes within ``TIE_RATIO`` of it
are reported as ties: on other hardware or under other load they may be as
fast.

``run_trials`` is the one function that runs grid points: a list of trial
configs in, one result row per trial out — the shape a sweep engine takes.
"""

from __future__ import annotations

import math
import tracemalloc
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from gdlab import Sequential, datasets
from gdlab.batching import EpochPlan
from gdlab.lab.experiments.common import Table, fmt
from gdlab.lab.noise import noise_scale, per_example_gradients
from gdlab.lab.settings import BatchSizeSettings
from gdlab.lab.timing import TIE_RATIO, Timing, measure_each
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.training import train_step, train_steps

#: steps at which the validation accuracy is checked: a geometric grid, 8 points per doubling
CHECKS_PER_DOUBLING = 8
DIVERGED_LOSS_FACTOR = 2.0  # validation loss above this × its initial value: the run diverged
SCALING_SLOPE, PLATEAU_SLOPE = -0.8, -0.2  # regime boundaries on the fitted log–log slope


@dataclass(frozen=True)
class Trial:
    """One grid point: everything a worker needs to train it, nothing else."""

    batch_size: int
    learning_rate: float
    momentum: float = 0.9
    hidden: int = 32
    target_accuracy: float = 0.88
    max_steps: int = 3000
    seed: int = 0


def check_steps(max_steps: int) -> np.ndarray:
    """1, 2, 3, …, then ×2^(1/8) each: the steps at which validation accuracy is read."""
    k = np.arange(0, int(CHECKS_PER_DOUBLING * math.log2(max(max_steps, 2))) + 2)
    steps = np.unique(np.round(2.0 ** (k / CHECKS_PER_DOUBLING)).astype(int))
    return np.append(steps[steps < max_steps], max_steps)


@lru_cache(maxsize=4)
def _data(seed: int):
    """Digits: the training part split into fit (first 80%) and validation (last 20%)."""
    (x, y), _ = datasets.load_digits(seed=seed)
    n_val = len(x) // 5
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def _model(hidden: int, seed: int, n_features: int) -> Sequential:
    model = Sequential([Dense(hidden, activation="relu"), Dense(10, activation="softmax")], seed=seed)
    model.build((n_features,))
    return model


def _compiled(template: Sequential, learning_rate: float, momentum: float) -> Sequential:
    model = template.clone()  # the same initial weights for every trial
    model.compile(SGD(learning_rate, momentum=momentum), "sparse_categorical_crossentropy", ["accuracy"])
    return model


def run_trials(trials: list[Trial]) -> list[dict]:
    """Train each trial until the target, divergence or its step cap; one row per trial.

    Trials of the same batch size share a cap: once one reached the target in S steps,
    later ones stop at S (they cannot be the fastest) with status ``"stopped at the
    best count"``. Row: the trial's fields plus ``status`` ("reached", "diverged",
    "not reached", "stopped at the best count"), ``steps_to_target``, ``steps_run``,
    ``checks`` ([step, validation accuracy] pairs), ``final_val_accuracy`` and, when
    reached, ``train_accuracy_at_target``.
    """
    best: dict[tuple, int] = {}
    rows = []
    for t in trials:
        key = (t.batch_size, t.momentum, t.hidden, t.target_accuracy, t.seed)
        cap = min(t.max_steps, best.get(key, t.max_steps))
        row, _ = _train_to_target(t, cap)
        if row["status"] == "not reached" and cap < t.max_steps:
            row["status"] = "stopped at the best count"
        if row["steps_to_target"] is not None:
            best[key] = min(best.get(key, t.max_steps), row["steps_to_target"])
        rows.append(row)
    return rows


def _train_to_target(t: Trial, cap: int) -> tuple[dict, Sequential]:
    """The trial's row and its model as it stopped."""
    x_fit, y_fit, x_val, y_val = _data(t.seed)
    if not 1 <= t.batch_size <= len(x_fit):
        raise ValueError(f"batch_size={t.batch_size!r}; valid: 1 … {len(x_fit)} (the training samples)")
    model = _compiled(_model(t.hidden, t.seed, x_fit.shape[1]), t.learning_rate, t.momentum)
    xs, ys = model.prepare(x_fit, y_fit)
    xv, yv = model.prepare(x_val, y_val)
    initial_loss = model.evaluate_arrays(xv, yv)["loss"]
    plan, rng, batches = EpochPlan(xs.shape[0], t.batch_size), np.random.default_rng(t.seed), []
    row = {**asdict(t), "status": "not reached", "steps_to_target": None, "steps_run": 0, "checks": [],
           "final_val_accuracy": None, "train_accuracy_at_target": None}
    step = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for next_check in check_steps(cap).tolist():
            segment = []  # the batches up to the next check, in one call (compiled where in scope)
            while len(segment) < next_check - step:
                if not batches:
                    batches = plan.epoch(rng)
                segment.append(batches.pop(0))
            losses = train_steps(model, xs, ys, segment)
            step += len(losses)
            row["steps_run"] = step
            if not math.isfinite(losses[-1]):
                row["status"] = "diverged"
                break
            val = model.evaluate_arrays(xv, yv)
            row["checks"].append([step, val["accuracy"]])
            row["final_val_accuracy"] = val["accuracy"]
            if not math.isfinite(val["loss"]) or val["loss"] > DIVERGED_LOSS_FACTOR * initial_loss:
                row["status"] = "diverged"
                break
            if val["accuracy"] >= t.target_accuracy:
                row.update(status="reached", steps_to_target=step,
                           train_accuracy_at_target=model.evaluate_arrays(xs, ys)["accuracy"])
                break
    return row, model


@dataclass
class BatchRun:
    """One batch size at its tuned η."""

    batch_size: int
    iterations_per_epoch: int
    tuned_lr: float | None
    lr_at_grid_edge: bool
    steps_to_target: int | None
    step_time: Timing
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
class Fit:
    """S(B) = S_min(1 + B_noise/B) and E(B) = E_min(1 + B/B_noise), fitted to the reached batch sizes."""

    s_min: float
    b_noise: float

    @property
    def e_min(self) -> float:
        return self.s_min * self.b_noise

    def steps(self, b):
        return self.s_min * (1 + self.b_noise / np.asarray(b, dtype=float))

    def samples(self, b):
        return self.e_min * (1 + np.asarray(b, dtype=float) / self.b_noise)

    def slope(self, b) -> float:
        """d log S / d log B of the fitted S(B): −1 is perfect scaling, 0 no gain."""
        return -self.b_noise / (b + self.b_noise)

    def regime(self, b) -> str:
        s = self.slope(b)
        if s <= SCALING_SLOPE:
            return "perfect scaling"
        if s >= PLATEAU_SLOPE:
            return "no further gain"
        return "diminishing returns"


def fit_scaling(batch_sizes, steps) -> Fit | None:
    """S = a + c/B by least squares in relative error (each equation ÷ its S); a = S_min, c/a = B_noise.

    None with fewer than 3 points or when the data do not have the model's shape (a or c ≤ 0).
    """
    b = np.asarray(batch_sizes, dtype=float)
    s = np.asarray(steps, dtype=float)
    if b.size < 3:
        return None
    w = 1 / s
    (a, c), *_ = np.linalg.lstsq(np.stack([w, w / b], axis=1), np.ones_like(s), rcond=None)
    if a <= 0 or c <= 0:
        return None
    return Fit(s_min=float(a), b_noise=float(c / a))


@dataclass
class BatchSizeResult:
    settings: BatchSizeSettings
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
            t = r.seconds_to_target
            m = self.modelled_seconds(r)
            rows.append([fmt(r.batch_size), fmt(r.tuned_lr) + (" (grid edge)" if r.lr_at_grid_edge else ""),
                         fmt(r.steps_to_target), fmt(r.epochs_to_target, 3), fmt(r.samples_to_target),
                         r.step_time.text("ms", 1e3), "—" if t is None else t.text("s"),
                         "—" if m is None else f"{m:.3g}",
                         f"{r.memory_bytes / 1024:,.0f}",
                         "—" if self.fit is None else self.fit.regime(r.batch_size)])
        return Table(["B", "tuned η", "steps→target", "epochs→target", "samples→target", "ms/step (range)",
                      "s→target (range)", "s→target, modelled", "step KiB", "fitted regime"], rows)

    def grid_table(self) -> Table:
        rates = list(self.settings.learning_rates)
        rows = []
        for r in self.runs:
            by = {row["learning_rate"]: row for row in r.grid}
            rows.append([fmt(r.batch_size)] + [_grid_cell(by.get(lr)) for lr in rates])
        return Table(["B \\ η"] + [fmt(lr) for lr in rates], rows)

    def tutorial_table(self) -> Table:
        rows = [[fmt(row["batch_size"]), fmt(row["steps_to_target"]), row["status"],
                 fmt(row["final_val_accuracy"], 3)] for row in self.tutorial_view]
        return Table(["B", "steps→target", "status", "last val acc"], rows)

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
                          "step_seconds": r.step_time.to_dict(), "step_memory_bytes": r.memory_bytes,
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
                "memory_budget_bytes": _budget_bytes(self.settings),
                "tutorial_view": {"learning_rate": self.settings.tutorial_learning_rate,
                                  "rows": [{k: row[k] for k in ("batch_size", "status", "steps_to_target",
                                                                "final_val_accuracy")}
                                           for row in self.tutorial_view]}}


def _grid_cell(row) -> str:
    if row is None:
        return ""
    if row["status"] == "reached":
        return fmt(row["steps_to_target"])
    return {"diverged": "div.", "not reached": f"> {row['steps_run']}",
            "stopped at the best count": f"> {row['steps_run']}"}[row["status"]]


def _budget_bytes(settings: BatchSizeSettings) -> int | None:
    return int(settings.memory_mib * 2**20) if settings.memory_mib > 0 else None


def _state_bytes(optimizer) -> int:
    return sum(v.nbytes for v in (optimizer.state or {}).values() if isinstance(v, np.ndarray))


def _memory(template, seed: int, batch_size: int, momentum: float) -> tuple[int, int]:
    """(peak bytes of one step's temporaries after a warm-up step, bytes of θ + ∇θ + optimizer slots).

    Measured on the NumPy backend whatever the lab runs on: ``tracemalloc`` sees host allocations only."""
    x_fit, y_fit, _, _ = _data(seed)
    model = _compiled(template, 1e-3, momentum).to("numpy")
    xs, ys = model.prepare(x_fit[:batch_size], y_fit[:batch_size])
    train_step(model, xs, ys)
    tracemalloc.start()
    tracemalloc.reset_peak()
    train_step(model, xs, ys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    p = model.parameters
    return peak, p.theta.nbytes + p.grad.nbytes + _state_bytes(model.optimizer)


def _step_times(template, seed: int, sizes, momentum: float, repeats: int) -> dict:
    """Seconds per training step for each B, measured interleaved; a repeat runs ≥ 3 steps, ~4096 samples."""
    x_fit, y_fit, _, _ = _data(seed)
    fns, per_repeat = {}, {}
    for b in sizes:
        model = _compiled(template, 1e-3, momentum)
        xs, ys = model.prepare(x_fit, y_fit)
        batches = EpochPlan(xs.shape[0], b).epoch(np.random.default_rng(seed))
        per_repeat[b] = max(3, 4096 // b)
        chosen = [batches[i % len(batches)] for i in range(per_repeat[b])]

        def steps(model=model, xs=xs, ys=ys, chosen=chosen):
            for idx in chosen:
                train_step(model, xs[idx], ys[idx])

        fns[b] = steps
    return {b: t.scaled(1 / per_repeat[b]) for b, t in measure_each(fns, repeats=repeats).items()}


def _direction_cosines(grads: np.ndarray, sizes, rng, draws: int = 32) -> dict:
    """B → mean cos(g_B, G) and mean ‖g_B − G‖/‖G‖ over ``draws`` batches of B rows (G: mean of all rows)."""
    g = grads.mean(axis=0)
    out = {}
    for b in sizes:
        if 2 * b > grads.shape[0]:
            continue
        cos, dev = [], []
        for _ in range(draws):
            gb = grads[rng.choice(grads.shape[0], b, replace=False)].mean(axis=0)
            cos.append(float(gb @ g / (np.linalg.norm(gb) * np.linalg.norm(g))))
            dev.append(float(np.linalg.norm(gb - g) / np.linalg.norm(g)))
        out[int(b)] = {"cosine": float(np.mean(cos)), "deviation": float(np.mean(dev))}
    return out


def batch_size_study(settings: BatchSizeSettings = BatchSizeSettings(), progress=None,
                     trial_runner=run_trials) -> BatchSizeResult:
    """Tune η per B on the grid, time each B's step, fit S(B) and E(B), measure B_simple, recommend."""
    s = settings
    x_fit, y_fit, x_val, _ = _data(s.seed)
    n = len(x_fit)
    sizes = [n if b == "full" else min(int(b), n) for b in s.batch_sizes]
    template = _model(s.hidden, s.seed, x_fit.shape[1])
    result = BatchSizeResult(settings=s, n_train=n, n_val=len(x_val))
    common = dict(momentum=s.momentum, hidden=s.hidden, target_accuracy=s.target_accuracy,
                  max_steps=s.max_steps, seed=s.seed)
    rates = sorted(s.learning_rates, reverse=True)  # large η first: divergent ones stop at once
    times = _step_times(template, s.seed, sizes, s.momentum, s.repeats)
    for b in (progress(sizes, "batch sizes") if progress else sizes):
        rows = trial_runner([Trial(b, lr, **common) for lr in rates])
        reached = [r for r in rows if r["status"] == "reached"]
        best = min(reached, key=lambda r: (r["steps_to_target"], -r["learning_rate"])) if reached else None
        peak, persistent = _memory(template, s.seed, b, s.momentum)
        result.runs.append(BatchRun(
            batch_size=b, iterations_per_epoch=math.ceil(n / b), tuned_lr=best and best["learning_rate"],
            lr_at_grid_edge=best is not None and best["learning_rate"] in (rates[0], rates[-1]),
            steps_to_target=best and best["steps_to_target"], step_time=times[b],
            step_peak_bytes=peak, persistent_bytes=persistent, grid=rows, n_train=n))
    result.tutorial_view = trial_runner([Trial(b, s.tutorial_learning_rate, **common) for b in sizes])
    done = [r for r in result.runs if r.steps_to_target is not None]
    result.fit = fit_scaling([r.batch_size for r in done], [r.steps_to_target for r in done])
    _noise(result, template)
    _recommend(result)
    return result


def _noise(result: BatchSizeResult, template) -> None:
    """B_simple at the initial weights and where a mid-sized batch first reached the target."""
    s = result.settings
    x_fit, y_fit, _, _ = _data(s.seed)
    sample = slice(0, s.noise_samples)
    model = _compiled(template, 1e-3, s.momentum)
    grads = per_example_gradients(model, x_fit[sample], y_fit[sample])
    result.noise_initial = noise_scale(grads)
    result.direction_cosine = _direction_cosines(grads, [r.batch_size for r in result.runs],
                                                 np.random.default_rng(s.seed))
    done = [r for r in result.runs if r.steps_to_target is not None]
    if not done:
        return
    ref = done[len(done) // 2]  # retrain a mid-sized batch to its target
    _, model = _train_to_target(Trial(ref.batch_size, ref.tuned_lr, s.momentum, s.hidden, s.target_accuracy,
                                      s.max_steps, s.seed), ref.steps_to_target)
    result.noise_trained = {**noise_scale(per_example_gradients(model, x_fit[sample], y_fit[sample])),
                            "batch_size": ref.batch_size, "steps": ref.steps_to_target}


def fit_step_cost(batch_sizes, seconds) -> tuple[float, float]:
    """(a, b) ≥ 0 of t(B) = a + b·B by least squares in relative error (each equation ÷ its t)."""
    b = np.asarray(batch_sizes, dtype=float)
    t = np.asarray(seconds, dtype=float)
    w = 1 / t
    (a, c), *_ = np.linalg.lstsq(np.stack([w, w * b], axis=1), np.ones_like(t), rcond=None)
    if a < 0:  # the per-sample term alone: t = c·B
        return 0.0, float(np.sum(b * w) / np.sum((b * w) ** 2))
    if c < 0:  # the fixed term alone: t = a
        return float(np.sum(w) / np.sum(w * w)), 0.0
    return float(a), float(c)


def _recommend(result: BatchSizeResult) -> None:
    result.step_cost = fit_step_cost([r.batch_size for r in result.runs], [r.step_time.low for r in result.runs])
    budget = _budget_bytes(result.settings)
    fits = [r for r in result.runs if r.steps_to_target is not None and (budget is None or r.memory_bytes <= budget)]
    if not fits:
        return
    pick = min(fits, key=lambda r: (result.modelled_seconds(r), r.batch_size))
    best = result.modelled_seconds(pick)
    result.recommended = pick.batch_size
    result.tied_with = [r.batch_size for r in fits if r is not pick and result.modelled_seconds(r) < TIE_RATIO * best]
