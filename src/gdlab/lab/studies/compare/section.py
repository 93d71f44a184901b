"""The compare section: the optimizers' table and figure; who is best (with ties), momentum against SGD,
the fewest epochs to target, and the step-time extremes."""

from __future__ import annotations

from pathlib import Path

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
    out = [f"Highest validation accuracy: {best.label} ({best.val_accuracy:.3f}; test {best.test_accuracy:.3f})"
           + (f", tied within {noise:.3f} (two standard errors) with {', '.join(t for t in top if t != best.label)}"
              if len(top) > 1 else "")
           + f"; lowest: {worst.label} ({worst.val_accuracy:.3f})."]
    by = {x.label: x for x in runs}
    if "SGD" in by and "Momentum" in by:
        a, b = by["SGD"].val_accuracy, by["Momentum"].val_accuracy
        verb = "lifts" if b - a > noise else ("lowers" if a - b > noise else "leaves (within noise)")
        out.append(f"At the same η = {by['SGD'].learning_rate:g}, momentum {verb} plain SGD's validation accuracy: "
                   f"{a:.3f} → {b:.3f}.")
    reached = sorted((x for x in runs if x.epochs_to_target), key=lambda x: x.epochs_to_target)
    if reached:
        fewest = [x.label for x in reached if x.epochs_to_target == reached[0].epochs_to_target]
        out.append(f"Fewest epochs to validation accuracy {r.settings.target_accuracy:g}: {', '.join(fewest)} "
                   f"({reached[0].epochs_to_target}); {len(runs) - len(reached)} of {len(runs)} did not reach it "
                   f"in {r.settings.epochs} epochs.")
    fast = min(runs, key=lambda x: x.step_time.median)
    slow = max(runs, key=lambda x: x.step_time.median)
    verdict = timing_text(fast.label, fast.step_time, slow.label, slow.step_time)
    out.append(f"Step time, the fastest of the {len(runs)} optimizers ({fast.label}) against the slowest "
               f"({slow.label}): {verdict}" + (f"; every other optimizer's median lies between theirs"
                                               if len(runs) > 2 else "")
               + ". Each optimizer runs at its family's customary η; none was tuned on this data.")
    return out


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg, progress=progress)
    s.tables.append((f"Network 64-{cfg.hidden}-10 (ReLU, softmax), batch size {cfg.batch_size}, {cfg.epochs} "
                     f"epochs, 20% of the training part held out for validation ({r.n_val} digits), same initial "
                     f"weights; ms/step: median of {cfg.repeats} repeats after a warm-up", r.table()))
    s.figures += figures(r, out)
    s.paragraphs += compare_text(r)
