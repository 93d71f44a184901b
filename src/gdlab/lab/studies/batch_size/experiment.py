"""The batch-size study: for each B, η tuned on a grid by the steps to a validation-accuracy target.

For each batch size B, SGD with momentum trains the same network from the same
initial weights at every η of a grid until the validation accuracy reaches a
target; the η that gets there in the fewest steps is B's tuned η (Shallue et
al. 2018, "Measuring the effects of data parallelism on neural network
training"). Steps to target S(B) against B on log–log axes then shows three
regimes: perfect scaling (S ∝ 1/B), diminishing returns, no further gain
(``fits``). The fitted B_noise is set beside the measured gradient noise scale
B_simple = tr(Σ)/|G|² (``gdlab.lab.noise``).

On a shared machine one batch size's timing can be hit by a stall, so the
decision uses a step-cost model fitted to all of them, t(B) = a + b·B (least
squares in relative error on each B's fastest repeat, the one least disturbed
by other load). The recommended B has the least modelled time to target
S(B)·t(B) within the memory budget — the counts S(B) are the same in every
rerun and the two cost parameters are fitted to all batch sizes at once, so
one stalled timing cannot flip it. Batch sizes within ``TIE_RATIO`` of it are
reported as ties: on other hardware or under other load they may be as fast.
"""

from __future__ import annotations

import math

import numpy as np

from gdlab.i18n import t
from gdlab.lab.noise import noise_scale, per_example_gradients
from gdlab.lab.studies.batch_size import Settings
from gdlab.lab.studies.batch_size.fits import fit_scaling, fit_step_cost
from gdlab.lab.studies.batch_size.results import BatchRun, BatchSizeResult, budget_bytes
from gdlab.lab.studies.batch_size.trials import (Trial, compiled, data, new_model, run_trials, step_memory,
                                                 step_times, train_to_target)
from gdlab.lab.timing import TIE_RATIO


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


def run(settings: Settings = Settings(), progress=None, trial_runner=run_trials) -> BatchSizeResult:
    """Tune η per B on the grid, time each B's step, fit S(B) and E(B), measure B_simple, recommend."""
    s = settings
    x_fit, y_fit, x_val, _ = data(s.seed)
    n = len(x_fit)
    sizes = [n if b == "full" else min(int(b), n) for b in s.batch_sizes]
    template = new_model(s.hidden, s.seed, x_fit.shape[1])
    result = BatchSizeResult(settings=s, n_train=n, n_val=len(x_val))
    common = dict(momentum=s.momentum, hidden=s.hidden, target_accuracy=s.target_accuracy,
                  max_steps=s.max_steps, seed=s.seed)
    rates = sorted(s.learning_rates, reverse=True)  # large η first: divergent ones stop at once
    times, paths = step_times(template, s.seed, sizes, s.momentum, s.repeats)
    for b in (progress(sizes, t("batch_size.progress")) if progress else sizes):
        rows = trial_runner([Trial(b, lr, **common) for lr in rates])
        reached = [r for r in rows if r["status"] == "reached"]
        best = min(reached, key=lambda r: (r["steps_to_target"], -r["learning_rate"])) if reached else None
        peak, persistent = step_memory(template, s.seed, b, s.momentum)
        result.runs.append(BatchRun(
            batch_size=b, iterations_per_epoch=math.ceil(n / b), tuned_lr=best and best["learning_rate"],
            lr_at_grid_edge=best is not None and best["learning_rate"] in (rates[0], rates[-1]),
            steps_to_target=best and best["steps_to_target"], step_time=times[b], step_path=paths[b],
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
    x_fit, y_fit, _, _ = data(s.seed)
    sample = slice(0, s.noise_samples)
    model = compiled(template, 1e-3, s.momentum)
    grads = per_example_gradients(model, x_fit[sample], y_fit[sample])
    result.noise_initial = noise_scale(grads)
    result.direction_cosine = _direction_cosines(grads, [r.batch_size for r in result.runs],
                                                 np.random.default_rng(s.seed))
    done = [r for r in result.runs if r.steps_to_target is not None]
    if not done:
        return
    ref = done[len(done) // 2]  # retrain a mid-sized batch to its target
    _, model = train_to_target(Trial(ref.batch_size, ref.tuned_lr, s.momentum, s.hidden, s.target_accuracy,
                                      s.max_steps, s.seed), ref.steps_to_target)
    result.noise_trained = {**noise_scale(per_example_gradients(model, x_fit[sample], y_fit[sample])),
                            "batch_size": ref.batch_size, "steps": ref.steps_to_target}


def _recommend(result: BatchSizeResult) -> None:
    result.step_cost = fit_step_cost([r.batch_size for r in result.runs], [r.step_time.low for r in result.runs])
    budget = budget_bytes(result.settings)
    fits = [r for r in result.runs if r.steps_to_target is not None and (budget is None or r.memory_bytes <= budget)]
    if not fits:
        return
    pick = min(fits, key=lambda r: (result.modelled_seconds(r), r.batch_size))
    best = result.modelled_seconds(pick)
    result.recommended = pick.batch_size
    result.tied_with = [r.batch_size for r in fits if r is not pick and result.modelled_seconds(r) < TIE_RATIO * best]
