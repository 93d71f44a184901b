"""The batch-size section: the per-B table and the grid, the fit beside B_simple, the recommendation and
why, the tutorial's one-η view, and the verdicts on claims 15–20."""

from __future__ import annotations

import math
from pathlib import Path

from gdlab.i18n import Msg, join, t
from gdlab.lab.claims import g
from gdlab.lab.progress import progress
from gdlab.lab.section import Section
from gdlab.lab.studies.batch_size import Settings, experiment
from gdlab.lab.studies.batch_size import claims as C
from gdlab.lab.studies.batch_size.names import regime_name
from gdlab.lab.studies.batch_size.plots import figures
from gdlab.lab.studies.batch_size.results import BatchSizeResult
from gdlab.lab.timing import TIE_RATIO, order


def recommendation_text(r) -> str:
    """Why the recommended B, with its numbers; or why there is none."""
    budget = r.settings.memory_mib
    if r.recommended is None:
        return t("batch_size.rec_none_budget", budget=f"{budget:g}") if budget else t("batch_size.rec_none")
    p = r.run(r.recommended)
    a, b = r.step_cost
    parts = [t("batch_size.rec", b=p.batch_size, target=f"{r.settings.target_accuracy:g}", lr=f"{p.tuned_lr:g}",
               steps=p.steps_to_target, step_ms=f"{(a + b * p.batch_size) * 1e3:.3g}",
               seconds=f"{r.modelled_seconds(p):.3g}", a_us=f"{a * 1e6:.3g}", b_us=f"{b * 1e6:.3g}",
               measured=p.step_time.text(),
               budget=Msg("batch_size.rec_budget", budget=f"{budget:g}", per_step=f"{p.memory_bytes / 2**20:.2f}")
               if budget else "")]
    if r.tied_with:
        tied = [r.run(b) for b in r.tied_with]
        tie = dict(tied=join(t("batch_size.tied_item", b=x.batch_size, seconds=f"{r.modelled_seconds(x):.3g}")
                                  for x in tied),
                   ratio=TIE_RATIO, b=p.batch_size, samples=f"{p.samples_to_target:,}",
                   tied_samples=join(f"{x.samples_to_target:,}" for x in tied))
        parts.append(t("batch_size.rec_tie_one", **tie) if len(tied) == 1 else t("batch_size.rec_tie_many", **tie))
    others = [x for x in r.runs if x.batch_size != p.batch_size and x.batch_size not in r.tied_with]
    slower = [x for x in others if x.steps_to_target is not None]
    if slower:
        parts.append(t("batch_size.rec_slower", runs=join(
            (t("batch_size.slower_item", b=x.batch_size, steps=x.steps_to_target,
               seconds=f"{r.modelled_seconds(x):.3g}") for x in slower), "clauses")))
    missing = [x.batch_size for x in others if x.steps_to_target is None]
    if missing:
        parts.append(t("batch_size.rec_missing", sizes=join(map(str, missing))))
    if r.fit is not None:
        parts.append(t("batch_size.rec_regime", b=p.batch_size, regime=regime_name(r.fit.regime(p.batch_size)),
                       b_noise=f"{r.fit.b_noise:.0f}"))
    if b > 0:
        cross = a / b
        parts.append(t("batch_size.rec_cross_below", cross=f"{cross:.0f}") if p.batch_size <= cross
                     else t("batch_size.rec_cross_above", cross=f"{cross:.0f}"))
    return str(join(parts, "sentences"))


AGREE_FACTOR = 2.0  # B_noise and B_simple are estimates of one scale; within 2× they agree (McCandlish et al.)


def fit_text(r) -> str:
    """The fitted S(B) model beside the measured B_simple; or why it could not be fitted."""
    if r.fit is None:
        return t("batch_size.fit_none")
    f = r.fit
    regimes = {}
    for x in r.runs:
        regimes.setdefault(f.regime(x.batch_size), []).append(str(x.batch_size))
    bs = r.b_simple
    factor = max(bs, f.b_noise) / min(bs, f.b_noise) if bs and math.isfinite(bs) and bs > 0 else None
    ratio = "" if factor is None else (Msg("batch_size.fit_agree", factor=f"{factor:.1f}") if factor <= AGREE_FACTOR
                                       else Msg("batch_size.fit_differ", factor=f"{factor:.1f}"))
    return t("batch_size.fit", s_min=f"{f.s_min:.1f}", b_noise=f"{f.b_noise:.1f}", e_min=f"{f.e_min:,.0f}",
             b_simple=g(bs), b_trained=r.noise_trained.get("batch_size", "—"),
             b_initial=g(r.noise_initial.get("b_simple")), ratio=ratio,
             regimes=join((t("batch_size.regime_item", regime=regime_name(k), sizes=join(v))
                      for k, v in regimes.items()), "clauses"))


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
            smallest_tutorial_status=tut[smallest.batch_size]["status"],
            smallest_tutorial_accuracy=g(tut[smallest.batch_size]["final_val_accuracy"]))),
        C.a_best_batch_size(costs),
        C.larger_batch_aims_better(C.Directions(
            directions=tuple((b, d["cosine"], d["deviation"]) for b, d in sorted(r.direction_cosine.items())),
            iterations_per_epoch=tuple(x.iterations_per_epoch for x in runs))),
        C.small_batch_generalises(C.GeneralisationGaps(
            smallest=smallest.batch_size, largest=largest.batch_size, gap_smallest=smallest.generalisation_gap,
            gap_largest=largest.generalisation_gap, noise=2 * math.sqrt(2 * p * (1 - p) / r.n_val))),
        C.extremes_cost(C.Extremes(**vars(costs), smallest=smallest.batch_size, largest=largest.batch_size,
                                   smallest_time=_seconds(r, smallest),
                                   best_time=None if rec is None else _seconds(r, rec),
                                   smallest_vs_best=_slower(r, smallest, rec))),
    ]


def _seconds(r, run) -> tuple[str, str] | None:
    """(modelled seconds to the target, the measured Timing's text); None when ``run`` never got there."""
    m = r.modelled_seconds(run)
    return None if m is None else (f"{m:.3g}", run.seconds_to_target.text())


def _slower(r, run, best) -> int:
    """1 when ``run`` needs more than TIE_RATIO × ``best``'s modelled time (or never arrives), else 0."""
    if r.modelled_seconds(run) is None:
        return 1
    if best is None:
        return 0
    return int(r.modelled_seconds(run) >= TIE_RATIO * r.modelled_seconds(best))


def _paths_text(r) -> str:
    """Which executor timed the steps, as a fit of each B would run them (``ExecutionPlan.path``)."""
    names = {"compiled": Msg("batch_size.path_compiled"), "loop": Msg("batch_size.path_loop")}
    by_path = {}
    for run in r.runs:
        by_path.setdefault(run.step_path, []).append(str(run.batch_size))
    if len(by_path) == 1:
        return t("batch_size.paths_one", path=names[next(iter(by_path))])
    return t("batch_size.paths_many", paths=join((t("batch_size.path_item", path=names[p], sizes=join(bs))
                                              for p, bs in by_path.items()), "clauses"))


def tutorial_view_text(r) -> str:
    rows = r.tutorial_view
    reached = [x for x in rows if x["status"] == "reached"]
    missed = [str(x["batch_size"]) for x in rows if x["status"] != "reached"]
    return t("batch_size.tutorial_view", lr=f"{r.settings.tutorial_learning_rate:g}",
             reached=join((t("batch_size.tutorial_reached_item", b=x["batch_size"], steps=x["steps_to_target"])
                      for x in reached), "clauses") or t("batch_size.tutorial_none_reached"),
             missed=Msg("batch_size.tutorial_missed", sizes=join(missed), max_steps=r.settings.max_steps)
             if missed else "")


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg, progress=progress)
    s.tables.append((t("batch_size.table_runs", hidden=cfg.hidden, momentum=f"{cfg.momentum:g}",
                       target=f"{cfg.target_accuracy:g}", n_train=r.n_train, repeats=cfg.repeats,
                       paths=_paths_text(r)), r.table()))
    s.tables.append((t("batch_size.table_grid"), r.grid_table()))
    s.figures += figures(r, out)
    s.paragraphs += [fit_text(r), recommendation_text(r)]
    s.tables.append((t("batch_size.table_tutorial", lr=f"{cfg.tutorial_learning_rate:g}"), r.tutorial_table()))
    s.paragraphs.append(tutorial_view_text(r))
    s.verdicts += verdicts(r)
    s.data["batch_size.json"] = r.to_json()
