"""The compare section: the optimizers' table and figure; who is best (with ties), momentum against SGD,
the fewest epochs to target, and the step-time extremes."""

from __future__ import annotations

from pathlib import Path

from gdlab.i18n import Msg, join, t
from gdlab.lab.progress import progress
from gdlab.lab.section import Section
from gdlab.lab.studies.compare import Settings, experiment
from gdlab.lab.studies.compare.experiment import CompareResult
from gdlab.lab.studies.compare.plots import figures
from gdlab.lab.timing import compare_text as timing_text


def compare_text(r: CompareResult) -> list[str]:
    """Best and worst with ties, momentum against SGD, the fewest epochs to target, step-time extremes."""
    noise = r.accuracy_noise
    runs = r.runs
    best = max(runs, key=lambda x: x.val_accuracy)
    top = [x.label for x in runs if best.val_accuracy - x.val_accuracy <= noise]
    worst = min(runs, key=lambda x: x.val_accuracy)
    tied = (Msg("compare.tied", noise=f"{noise:.3f}", others=join(x for x in top if x != best.label))
            if len(top) > 1 else "")
    out = [t("compare.best", best=best.label, val=f"{best.val_accuracy:.3f}", test=f"{best.test_accuracy:.3f}",
             tied=tied, worst=worst.label, worst_val=f"{worst.val_accuracy:.3f}")]
    by = {x.label: x for x in runs}
    if "SGD" in by and "Momentum" in by:
        a, b = by["SGD"].val_accuracy, by["Momentum"].val_accuracy
        accuracies = dict(lr=f"{by['SGD'].learning_rate:g}", sgd=f"{a:.3f}", momentum=f"{b:.3f}")
        out.append(t("compare.momentum_lifts", **accuracies) if b - a > noise else
                   t("compare.momentum_lowers", **accuracies) if a - b > noise else
                   t("compare.momentum_leaves", **accuracies))
    reached = sorted((x for x in runs if x.epochs_to_target), key=lambda x: x.epochs_to_target)
    if reached:
        fewest = [x.label for x in reached if x.epochs_to_target == reached[0].epochs_to_target]
        out.append(t("compare.fewest_epochs", target=f"{r.settings.target_accuracy:g}", fewest=join(fewest),
                     epochs=reached[0].epochs_to_target, missed=len(runs) - len(reached), total=len(runs),
                     max_epochs=r.settings.epochs))
    fast = min(runs, key=lambda x: x.step_time.median)
    slow = max(runs, key=lambda x: x.step_time.median)
    verdict = timing_text(fast.label, fast.step_time, slow.label, slow.step_time)
    out.append(t("compare.step_time", total=len(runs), fast=fast.label, slow=slow.label, verdict=verdict,
                 between=Msg("compare.step_time_between") if len(runs) > 2 else ""))
    return out


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg, progress=progress)
    s.tables.append((t("compare.table", hidden=cfg.hidden, batch_size=cfg.batch_size, epochs=cfg.epochs,
                       n_val=r.n_val, repeats=cfg.repeats), r.table()))
    s.figures += figures(r, out)
    s.paragraphs += compare_text(r)
