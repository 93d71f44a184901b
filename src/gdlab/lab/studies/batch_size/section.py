"""The batch-size section: the per-B table and the grid, the fit beside B_simple, the recommendation and
why, the tutorial's one-η view, and the verdicts on claims 15–20."""

from __future__ import annotations

import math
from pathlib import Path

from gdlab.lab.claims import g
from gdlab.lab.progress import progress
from gdlab.lab.section import Section
from gdlab.lab.studies.batch_size import Settings, experiment
from gdlab.lab.studies.batch_size import claims as C
from gdlab.lab.studies.batch_size.plots import figures
from gdlab.lab.studies.batch_size.results import BatchSizeResult
from gdlab.lab.timing import TIE_RATIO, order


def recommendation_text(r) -> str:
    """Why the recommended B, with its numbers; or why there is none."""
    budget = r.settings.memory_mib
    if r.recommended is None:
        return ("No recommendation: no batch size reached the target"
                + (f" within the memory budget of {budget:g} MiB." if budget else "."))
    p = r.run(r.recommended)
    a, b = r.step_cost
    parts = [f"Recommendation: B = {p.batch_size} — the least time to validation accuracy "
             f"{r.settings.target_accuracy:g} at its tuned η = {p.tuned_lr:g}: {p.steps_to_target} steps × "
             f"{(a + b * p.batch_size) * 1e3:.3g} ms per step = {r.modelled_seconds(p):.3g} s by the step-cost model "
             f"t(B) = {a * 1e6:.3g} µs + {b * 1e6:.3g} µs·B fitted to all batch sizes' timings (measured here: "
             f"{p.step_time.text()} per step)"
             + (f", within the memory budget of {budget:g} MiB ({p.memory_bytes / 2**20:.2f} MiB per step)"
                if budget else "") + "."]
    if r.tied_with:
        tied = [r.run(b) for b in r.tied_with]
        parts.append(f"A tie: B = {', '.join(f'{x.batch_size} ({r.modelled_seconds(x):.3g} s)' for x in tied)} "
                     f"{'is' if len(tied) == 1 else 'are'} within {TIE_RATIO}× of it — on other hardware or under "
                     f"other load {'it' if len(tied) == 1 else 'they'} may be as fast; B = {p.batch_size} needs "
                     f"{p.samples_to_target:,} samples to the target against "
                     f"{', '.join(f'{x.samples_to_target:,}' for x in tied)}.")
    others = [x for x in r.runs if x.batch_size != p.batch_size and x.batch_size not in r.tied_with]
    slower = [x for x in others if x.steps_to_target is not None]
    if slower:
        parts.append("Slower: " + "; ".join(f"B = {x.batch_size} {x.steps_to_target} steps, "
                                             f"{r.modelled_seconds(x):.3g} s" for x in slower) + ".")
    missing = [x.batch_size for x in others if x.steps_to_target is None]
    if missing:
        parts.append(f"B = {', '.join(map(str, missing))} did not reach the target at any η of the grid.")
    if r.fit is not None:
        parts.append(f"In the fitted model, B = {p.batch_size} is in the “{r.fit.regime(p.batch_size)}” regime "
                     f"(B_noise ≈ {r.fit.b_noise:.0f}).")
    if b > 0:
        cross = a / b
        parts.append(f"A step's fixed cost a equals its per-sample cost b·B at B = a/b ≈ {cross:.0f}: "
                     + ("below that a larger batch adds little to a step's time, so fewer steps pay even where "
                        "they fall slowly." if p.batch_size <= cross else
                        "above that a step's time grows nearly in proportion to B."))
    return " ".join(parts)


AGREE_FACTOR = 2.0  # B_noise and B_simple are estimates of one scale; within 2× they agree (McCandlish et al.)


def fit_text(r) -> str:
    """The fitted S(B) model beside the measured B_simple; or why it could not be fitted."""
    if r.fit is None:
        return ("S(B) = S_min(1 + B_noise/B) could not be fitted: fewer than 3 batch sizes reached the target, or "
                "the counts do not fall with B as the model needs.")
    f = r.fit
    regimes = {}
    for x in r.runs:
        regimes.setdefault(f.regime(x.batch_size), []).append(str(x.batch_size))
    bs = r.b_simple
    factor = max(bs, f.b_noise) / min(bs, f.b_noise) if bs and math.isfinite(bs) and bs > 0 else None
    ratio = "" if factor is None else (f"; the two agree within a factor {factor:.1f}" if factor <= AGREE_FACTOR
                                       else f"; the two differ by a factor {factor:.1f}")
    return (f"Fit to the steps to target: S_min = {f.s_min:.1f} steps, B_noise = {f.b_noise:.1f}, so "
            f"E_min = S_min·B_noise = {f.e_min:,.0f} samples. The measured gradient noise scale B_simple = "
            f"tr(Σ)/|G|² is {g(bs)} (at the weights where B = {r.noise_trained.get('batch_size', '—')} reached the "
            f"target; {g(r.noise_initial.get('b_simple'))} at the initial weights){ratio}. Regimes by the fitted "
            f"log–log slope −B_noise/(B + B_noise): " + "; ".join(f"{k}: B = {', '.join(v)}"
                                                                   for k, v in regimes.items()) + ".")


def verdicts(r: BatchSizeResult) -> list:
    runs = r.runs
    reached = [x for x in runs if x.epochs_to_target is not None]
    smallest, largest = runs[0], runs[-1]
    best_epochs = min((x.epochs_to_target for x in reached), default=None)
    rec = r.run(r.recommended) if r.recommended is not None else None
    tut = {row["batch_size"]: row for row in r.tutorial_view}
    p = r.settings.target_accuracy
    costs = C.BatchCosts(batch_sizes=tuple(x.batch_size for x in runs),
                         memory_kib=tuple(x.memory_bytes / 1024 for x in runs),
                         samples_per_second=tuple(x.samples_per_second for x in runs),
                         throughput_order=order(largest.step_time.scaled(1 / largest.batch_size),
                                                smallest.step_time.scaled(1 / smallest.batch_size)),
                         largest_epochs=largest.epochs_to_target, best_epochs=best_epochs, recommended=r.recommended)
    return [
        C.memory_against_throughput(costs),
        C.small_batch_does_not_converge(C.SmallestBatch(
            smallest=smallest.batch_size, smallest_reached=smallest.steps_to_target is not None,
            smallest_tuned_lr=smallest.tuned_lr, smallest_epochs=smallest.epochs_to_target,
            best_epochs=best_epochs, tutorial_lr=r.settings.tutorial_learning_rate,
            smallest_tutorial_status=(f"{tut[smallest.batch_size]['status']}, last validation accuracy "
                                      f"{g(tut[smallest.batch_size]['final_val_accuracy'])}"))),
        C.a_best_batch_size(costs),
        C.larger_batch_aims_better(C.Directions(
            directions=tuple((b, d["cosine"], d["deviation"]) for b, d in sorted(r.direction_cosine.items())),
            iterations_per_epoch=tuple(x.iterations_per_epoch for x in runs))),
        C.small_batch_generalises(C.GeneralisationGaps(
            smallest=smallest.batch_size, largest=largest.batch_size, gap_smallest=smallest.generalisation_gap,
            gap_largest=largest.generalisation_gap, noise=2 * math.sqrt(2 * p * (1 - p) / r.n_val))),
        C.extremes_cost(C.Extremes(**vars(costs), smallest=smallest.batch_size, largest=largest.batch_size,
                                   smallest_time=_seconds(r, smallest),
                                   best_time="—" if rec is None else _seconds(r, rec),
                                   smallest_vs_best=_slower(r, smallest, rec))),
    ]


def _seconds(r, run) -> str:
    m = r.modelled_seconds(run)
    return "never" if m is None else f"{m:.3g} s (modelled; measured {run.seconds_to_target.text()})"


def _slower(r, run, best) -> int:
    """1 when ``run`` needs more than TIE_RATIO × ``best``'s modelled time (or never arrives), else 0."""
    if r.modelled_seconds(run) is None:
        return 1
    if best is None:
        return 0
    return int(r.modelled_seconds(run) >= TIE_RATIO * r.modelled_seconds(best))


def _paths_text(r) -> str:
    """Which executor timed the steps, as a fit of each B would run them (``ExecutionPlan.path``)."""
    names = {"compiled": "the compiled epoch", "loop": "the step loop"}
    by_path = {}
    for run in r.runs:
        by_path.setdefault(run.step_path, []).append(str(run.batch_size))
    if len(by_path) == 1:
        return f"{names[next(iter(by_path))]}, as fit runs every B here"
    return "; ".join(f"{names[p]} for B = {', '.join(bs)}" for p, bs in by_path.items()) + ", as fit runs them"


def tutorial_view_text(r) -> str:
    rows = r.tutorial_view
    reached = [x for x in rows if x["status"] == "reached"]
    missed = [str(x["batch_size"]) for x in rows if x["status"] != "reached"]
    return (f"The tutorial's view — one η = {r.settings.tutorial_learning_rate:g} for every batch size: "
            + ("; ".join(f"B = {x['batch_size']}: {x['steps_to_target']} steps" for x in reached) or "no B reached")
            + (f"; B = {', '.join(missed)} did not reach the target within {r.settings.max_steps} steps" if missed
               else "")
            + ". With one η the comparison measures the η as much as the batch size: an η that suits one B is too "
              "small or too large for another, which is why the study above tunes η per B.")


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg, progress=progress)
    s.tables.append((f"Digits, network 64-{cfg.hidden}-10, SGD with momentum {cfg.momentum:g}, η tuned per B on "
                     f"the grid; target: validation accuracy ≥ {cfg.target_accuracy:g}; {r.n_train} training samples;"
                     f" ms/step: median of {cfg.repeats} timed repeats after a warm-up (lowest–highest), timed on "
                     f"{_paths_text(r)}; step KiB: "
                     f"peak temporaries of one step (tracemalloc) + θ, ∇θ and optimizer slots", r.table()))
    s.tables.append(("Steps to target for every (B, η) of the grid (div.: diverged; > k: stopped after k steps "
                     "unreached, or at the best count so far)", r.grid_table()))
    s.figures += figures(r, out)
    s.paragraphs += [fit_text(r), recommendation_text(r)]
    s.tables.append((f"The tutorial's view: one η = {cfg.tutorial_learning_rate:g} for every B", r.tutorial_table()))
    s.paragraphs.append(tutorial_view_text(r))
    s.verdicts += verdicts(r)
    s.data["batch_size.json"] = r.to_json()
