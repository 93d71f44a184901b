"""Each lab section: run its experiment, draw its figures, and say what they show — with the numbers.

A ``Section`` is what both the CLI (tables printed, PNGs written) and the HTML
report (everything on one page) need. Every sentence that compares or
concludes is built from the results: the ``*_text`` functions and the claim
judges (``gdlab.lab.claims``) choose their words from the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gdlab.lab import experiments as E
from gdlab.lab import plots
from gdlab.lab import settings as S
from gdlab.lab.claims import Verdict, g, judge
from gdlab.lab.experiments.common import Table
from gdlab.lab.experiments.momentum import ADAM_SPELLING, LARGE, LARGE_STEPS, SMALL, SMALL_STEPS
from gdlab.lab.progress import progress
from gdlab.lab.timing import TIE_RATIO, order
from gdlab.lab.timing import compare_text as timing_text


@dataclass
class Pair:
    """A figure with its table and text, drawn side by side."""

    caption: str
    figure: Path
    table_caption: str
    table: Table
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, Table]] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)  # (caption, PNG path)
    pairs: list[Pair] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # extra JSON files: name → content

    def to_text(self) -> str:
        out = [f"== {self.title} =="]
        for caption, table in self.tables + [(p.table_caption, p.table) for p in self.pairs]:
            out += ["", caption, table.to_text()]
        out += [""] + self.paragraphs + [t for p in self.pairs for t in p.paragraphs]
        out += [f"claim {v.id} [{v.verdict}]: {v.sentence}" for v in self.verdicts]
        out += [""] + [f"figure: {p}" for _, p in self.figures] + [f"figure: {p.figure}" for p in self.pairs]
        return "\n".join(out)


# -- 1. one iteration, checked -------------------------------------------------------------------------
def basics(out: Path, cfg: S.BasicsSettings) -> Section:
    r = E.basics_experiment(cfg)
    s = Section("basics", "1. One iteration, checked number by number")
    s.tables.append((f"House data ({cfg.n} samples, 4 features), network 4-{cfg.hidden}-1 (tanh), float64, "
                     f"SGD η = {cfg.learning_rate:g}, B = {cfg.batch_size}", r.table()))
    s.paragraphs.append(
        f"A network is trained by iterations: a forward pass computes the output, a loss measures its gap to "
        f"the labels, backpropagation (the chain rule) gives ∂L/∂θ for all {r.parameters} weights, and the "
        f"optimizer updates θ. Each of these is recomputed here by hand and compared with gdlab.")
    s.verdicts += [
        judge(4, {"max_difference": r.forward_difference}),
        judge(5, {"max_difference": r.loss_difference, "loss_at_truth": r.loss_at_truth,
                  "loss_small_gap": r.loss_small_gap, "loss_large_gap": r.loss_large_gap}),
        judge(6, {"max_relative_error": r.gradcheck_error, "checked": r.gradcheck_checked}),
        judge(2, {"max_gradient_difference": r.batch_gradient_difference, "batch_size": cfg.batch_size}),
        judge(3, {"max_chain_difference": r.chain_difference, "iterations": len(r.losses_before)}),
        judge(7, {"decreased": int(sum(a < b for a, b in zip(r.losses_after, r.losses_before))),
                  "iterations": len(r.losses_before), "first_before": r.losses_before[0],
                  "first_after": r.losses_after[0]}),
        judge(27, {"parameters": r.parameters, "loss_a": r.loss_trained, "loss_b": r.loss_swapped,
                   "midpoint_loss": r.loss_midpoint}),
    ]
    return s


# -- 2. y = w·x -------------------------------------------------------------------------------------
def linear_text(r) -> list[str]:
    """Per run: the theory's prediction, what the run did, and whether the two agree."""
    out = []
    for run in r.runs:
        e0, e1 = run.w_path[0] - r.w_star, run.w_path[min(1, len(run.w_path) - 1)] - r.w_star
        factor = e1 / e0 if e0 else float("nan")
        agree = math.isclose(factor, 1 - run.eta_lambda, rel_tol=1e-6, abs_tol=1e-9)
        out.append(
            f"η = {run.learning_rate:.4g} (η·λ = {run.eta_lambda:g}): the theory predicts “{run.predicted}”; the "
            f"run {run.observed}. The first step took w − w* from {e0:+.4f} to {e1:+.4f} (factor {factor:+.3f}; "
            f"theory 1 − η·λ = {1 - run.eta_lambda:+.3f}: {'agrees' if agree else 'disagrees'}); after "
            f"{len(run.w_path) - 1} steps L − L* = {run.loss_path[-1] - r.loss(r.w_star):.3g}.")
    return out


def linear_evidence(r, cfg: S.LinearSettings) -> list[Verdict]:
    by = {run.label: run for run in r.runs}
    good, small, osc, div = by["good"], by["too small"], by["oscillating"], by["diverging"]
    tol = 1e-3 * abs(r.w_star)
    near = np.flatnonzero(np.abs(good.w_path - r.w_star) <= tol)
    ws = np.linspace(r.w_star - 2, r.w_star + 2, 81)
    ls = r.loss(ws)
    coef, res, *_ = np.polyfit(ws, ls, 2, full=True)
    steps_err = []
    for run in (small, good, osc):  # |Δw + η·L′(w)| relative to the run's largest step
        w = run.w_path
        slope = 2 * r.loss_coefficients[0] * w[:-1] - 2 * r.loss_coefficients[1]  # L′(w) = 2a·w − 2b
        steps_err.append(np.max(np.abs(np.diff(w) + run.learning_rate * slope)) / np.max(np.abs(np.diff(w))))
    e_osc = osc.w_path - r.w_star
    gap = lambda run: float(run.loss_path[-1] - r.loss(r.w_star))  # noqa: E731
    return [
        judge(8, {"learning_rate": good.learning_rate, "tolerance": tol, "steps": cfg.steps,
                  "converged_at": int(near[0]) if near.size else None,
                  "monotone": bool(np.all(np.diff(good.loss_path) <= 1e-12))}),
        judge(23, {"w_fitted": r.w_fitted, "w_star": r.w_star}),
        judge(24, {"points": int(ws.size), "quadratic_residual": float(res[0]) if len(res) else 0.0,
                   "curvature": float(2 * coef[0]), "second_difference_min": float(np.min(np.diff(ls, 2))),
                   "argmin_gap": float(abs(ws[np.argmin(ls)] - r.w_star)), "grid_step": float(ws[1] - ws[0])}),
        judge(25, {"max_step_error": float(max(steps_err))}),
        judge(26, {"oscillating_eta_lambda": osc.eta_lambda,
                   "oscillating_flips": int(np.sum(np.sign(e_osc[1:]) != np.sign(e_osc[:-1]))),
                   "oscillating_steps": len(e_osc) - 1, "diverging_eta_lambda": div.eta_lambda,
                   "diverging_grew": bool(abs(div.w_path[-1] - r.w_star) > abs(div.w_path[0] - r.w_star)),
                   "small_eta_lambda": small.eta_lambda, "good_eta_lambda": good.eta_lambda, "steps": cfg.steps,
                   "small_gap": gap(small), "good_gap": gap(good)}),
    ]


def linear(out: Path, cfg: S.LinearSettings) -> Section:
    r = E.linear_experiment(cfg)
    s = Section("linear", "2. The house-price line y = w·x: gradient descent on a parabola")
    s.tables += [("Theory, computed from the data", r.theory_table()),
                 (f"One run of batch gradient descent per learning rate, from w₀ = {r.w_init:g}, "
                  f"{cfg.steps} iterations", r.table())]
    s.figures += [("The data with the fitted line; the loss parabola L(w) with each run's iterates; "
                   "the loss gap per iteration", plots.save(plots.linear_fit(r), out / "linear.png")),
                  ("The first steps of each run on the parabola (colour: iteration, see the key; iterates "
                   "outside the frame are drawn as arrows at its edge with their value)",
                   plots.save(plots.linear_paths(r), out / "linear_paths.png"))]
    s.paragraphs.append(
        f"{cfg.n} houses, area x and price y ≈ {cfg.true_w:g}·x plus noise. The squared-error loss "
        f"L(w) = mean((w·x − y)²) is an upward parabola in w with its bottom at the least-squares "
        f"w* = {r.w_star:.4f} and curvature λ = 2·mean(x²) = {r.curvature:.4f}. One gradient step maps "
        f"w − w* to (1 − η·λ)(w − w*), so η = 1/λ = {r.one_step_lr:.4f} lands on w* in one step and "
        f"η > 2/λ = {r.divergence_lr:.4f} diverges.")
    s.paragraphs += linear_text(r)
    s.verdicts += linear_evidence(r, cfg)
    return s


# -- 3. regimes ---------------------------------------------------------------------------------------
def regimes(out: Path, cfg: S.RegimesSettings) -> Section:
    r = E.regimes_experiment(cfg)
    s = Section("regimes", "3. Batch gradient descent vs stochastic vs mini-batch")
    s.tables.append((f"{cfg.n} houses (4 features, non-linear price), network 4-{cfg.hidden}-1 tanh, "
                     f"η = {cfg.learning_rate:g}, {cfg.epochs} epochs, same initial weights; ms/step: median of "
                     f"{cfg.repeats} timed repeats after a warm-up (lowest–highest)", r.table()))
    s.tables.append((f"The cost of one step as N grows (network 4-{cfg.hidden}-1; median of {cfg.repeats} "
                     f"repeats, lowest–highest)", r.cost_table()))
    s.figures.append(("Full-data loss against iterations, epochs and estimated time (iterations × median step "
                      "time); the batch loss of each iteration", plots.save(plots.regimes(r), out / "regimes.png")))
    gd, sgd, mb = r.run("batch GD"), r.run("SGD"), r.run("mini-batch")
    big = r.cost[-1]
    hit = np.flatnonzero(mb.epoch_loss <= gd.epoch_loss[-1])
    s.paragraphs.append(
        f"The same network, start and η; only the batch size differs. Batch GD makes "
        f"{gd.iterations_per_epoch} update per epoch, SGD {sgd.iterations_per_epoch}, mini-batch "
        f"{mb.iterations_per_epoch}. Per step at N = {cfg.n}: "
        f"{timing_text('SGD', sgd.step_time, 'batch GD', gd.step_time)}; at N = {big.n:,}: "
        f"{timing_text('an SGD step', big.sgd_step, 'a full-data step', big.full_step)}.")
    common = {"epochs": cfg.epochs, "gd_step": f"{big.full_step.text()} at N = {big.n:,}",
              "sgd_step": f"{big.sgd_step.text()} at N = {big.n:,}",
              "gd_step_vs_sgd": order(big.full_step, big.sgd_step),
              "sgd_cv": sgd.loss_cv_last_epoch, "minibatch_cv": mb.loss_cv_last_epoch,
              "sgd_tortuosity": sgd.tortuosity, "minibatch_tortuosity": mb.tortuosity}
    s.verdicts += [
        judge(1, {"n": cfg.n, "runs": [{"batch_size": x.batch_size, "iterations": x.iterations_per_epoch,
                                        "samples": x.samples_per_epoch} for x in r.runs]}),
        judge(9, {**common, "gd_loss_rises": gd.loss_rises, "gd_final_loss": float(gd.epoch_loss[-1]),
                  "minibatch_final_loss": float(mb.epoch_loss[-1])}),
        judge(10, {**common, "sgd_loss_rises": sgd.loss_rises}),
        judge(11, {**common, "epochs_to_gd_final": int(hit[0]) if hit.size else None}),
        judge(14, {"same_optimizer": len({x.optimizer for x in r.runs}) == 1, "minibatch": cfg.minibatch, "n": cfg.n,
                   "minibatch_iterations": mb.iterations_per_epoch}),
        judge(21, {"orders_differ": r.orders_differ, "unique_fraction_without": r.unique_fraction_without,
                   "unique_fraction_with": r.unique_fraction_with}),
        judge(22, {"minibatch": cfg.minibatch, "rows": [
            {"n": c.n, "full": c.full_step.text(), "minibatch": c.minibatch_step.text(),
             "full_median": c.full_step.median, "ratio": c.full_step.median / c.minibatch_step.median,
             "order": order(c.full_step, c.minibatch_step)} for c in r.cost]}),
    ]
    return s


# -- 4. momentum and per-parameter steps ------------------------------------------------------------------
def momentum(out: Path, cfg: S.MomentumSettings) -> Section:
    r = E.momentum_experiment(cfg)
    s = Section("momentum", "4. Momentum, per-parameter steps, forgetting: Adagrad, RMSprop, Adam")
    s.tables.append((f"The bowl ½(x² + 25y²) from (−4, 1.5), the same η = {cfg.learning_rate:g} for every run "
                     f"(η·25 = {25 * cfg.learning_rate:g})", r.table()))
    s.tables.append(("Per-parameter steps: |Δθ_y/g_y| ÷ |Δθ_x/g_x| at step 10 on the bowl; forgetting; Adam by "
                     "hand", r.adaptive_table()))
    s.figures.append(("Paths at the same η (thin, translucent lines: every iterate is drawn) and f − f* per step",
                      plots.save(plots.momentum(r), out / "momentum.png")))
    s.verdicts += [
        judge(12, {"learning_rate": cfg.learning_rate, "steps": cfg.steps, "runs": [
            {"momentum": x.momentum, "steps_to_tolerance": x.steps_to_tolerance, "sign_flips_y": x.sign_flips_y,
             "y_path": x.y_path} for x in r.runs]}),
        judge(13, {"ratios": r.step_ratios}),
        judge(29, {"large": LARGE, "small": SMALL, "large_steps": LARGE_STEPS, "small_steps": SMALL_STEPS,
                   "rmsprop_recovered": r.rmsprop_recovered, "adagrad_recovered": r.adagrad_recovered}),
        judge(30, {"max_difference": r.adam_difference, "steps": r.adam_steps, "spelling": ADAM_SPELLING}),
    ]
    return s


# -- 5. surfaces ------------------------------------------------------------------------------------
def surface_text(r) -> str:
    """Who settled (stayed within the tolerance to the end), in which order, and who only touched it."""
    settled = sorted((x for x in r.races if x.settled is not None), key=lambda x: x.settled)
    touched = [x for x in r.races if x.settled is None and x.first_touch is not None]
    missed = [x.optimizer for x in r.races if x.first_touch is None]
    first = ", ".join(f"{x.optimizer} (step {x.settled})" for x in settled[:3])
    parts = [f"{len(settled)} of {len(r.races)} optimizers settled within {r.tolerance:g} of the minimum in "
             f"{r.steps} steps (stayed there to the end)" + (f"; the first: {first}" if settled else "")]
    osc = [x for x in settled if x.oscillating]
    if osc:
        parts.append("settled only after leaving the tolerance again for a while: " + ", ".join(
            f"{x.optimizer} (first touch {x.first_touch}, {x.above_after_touch:.0%} of later steps above)"
            for x in osc))
    if touched:
        parts.append("touched it but did not stay: " + ", ".join(
            f"{x.optimizer} (first touch {x.first_touch}, {x.above_after_touch:.0%} of later steps above)"
            for x in touched))
    if missed:
        parts.append("never got there: " + ", ".join(missed))
    return "; ".join(parts) + "."


def surfaces(out: Path, cfg: S.SurfacesSettings) -> Section:
    s = Section("surfaces", "5. Optimizers racing on 2-D surfaces")
    s.paragraphs.append("Each optimizer runs at an η suited to the surface. Oscillating paths are drawn thin and "
                        "translucent so they cannot hide the others; line style and colour together tell the 12 "
                        "apart.")
    for name in progress(cfg.names, "surfaces"):
        r = E.surface_race(name, steps=cfg.steps or None, tolerance=cfg.tolerance)
        s.pairs.append(Pair(f"{name}: paths on the contours (●: start, ★: minimum) and the gap to the minimum",
                            plots.save(plots.surface_race(r), out / f"surface_{name}.png"),
                            f"{name}: {r.surface.formula}; start {r.surface.start}, minimum {r.surface.minimum}",
                            r.table(), [surface_text(r)]))
    return s


# -- 6. optimizers on digits -------------------------------------------------------------------------
def compare_text(r) -> list[str]:
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
    out.append(f"Step time: {timing_text(fast.label, fast.step_time, slow.label, slow.step_time)}. Each optimizer "
               f"runs at its family's customary η; none was tuned on this data.")
    return out


def compare(out: Path, cfg: S.CompareSettings) -> Section:
    r = E.compare_optimizers(cfg, progress=progress)
    s = Section("compare", "6. Optimizers on real data: handwritten digits")
    s.tables.append((f"Network 64-{cfg.hidden}-10 (ReLU, softmax), batch size {cfg.batch_size}, {cfg.epochs} "
                     f"epochs, 20% of the training part held out for validation ({r.n_val} digits), same initial "
                     f"weights; ms/step: median of {cfg.repeats} repeats after a warm-up", r.table()))
    s.figures.append(("Training and validation loss and accuracy per epoch",
                      plots.save(plots.compare(r), out / "compare.png")))
    s.paragraphs += compare_text(r)
    return s


# -- 7. batch size -----------------------------------------------------------------------------------
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


def batch_size_evidence(r) -> list[Verdict]:
    runs = r.runs
    reached = [x for x in runs if x.epochs_to_target is not None]
    smallest, largest = runs[0], runs[-1]
    best_epochs = min((x.epochs_to_target for x in reached), default=None)
    rec = r.run(r.recommended) if r.recommended is not None else None
    tut = {row["batch_size"]: row for row in r.tutorial_view}
    p = r.settings.target_accuracy
    common = {"batch_sizes": [x.batch_size for x in runs],
              "memory_kib": [x.memory_bytes / 1024 for x in runs],
              "samples_per_second": [x.samples_per_second for x in runs],
              "throughput_order": order(largest.step_time.scaled(1 / largest.batch_size),
                                        smallest.step_time.scaled(1 / smallest.batch_size)),
              "largest_epochs": largest.epochs_to_target, "best_epochs": best_epochs,
              "recommended": r.recommended}
    return [
        judge(15, common),
        judge(16, {"smallest": smallest.batch_size, "smallest_reached": smallest.steps_to_target is not None,
                   "smallest_tuned_lr": smallest.tuned_lr, "smallest_epochs": smallest.epochs_to_target,
                   "best_epochs": best_epochs, "tutorial_lr": r.settings.tutorial_learning_rate,
                   "smallest_tutorial_status": (f"{tut[smallest.batch_size]['status']}, last validation accuracy "
                                                f"{g(tut[smallest.batch_size]['final_val_accuracy'])}")}),
        judge(17, common),
        judge(18, {"directions": [[b, d["cosine"], d["deviation"]] for b, d in sorted(r.direction_cosine.items())],
                   "iterations_per_epoch": [x.iterations_per_epoch for x in runs]}),
        judge(19, {"smallest": smallest.batch_size, "largest": largest.batch_size,
                   "gap_smallest": smallest.generalisation_gap, "gap_largest": largest.generalisation_gap,
                   "noise": 2 * math.sqrt(2 * p * (1 - p) / r.n_val)}),
        judge(20, {**common, "smallest": smallest.batch_size, "largest": largest.batch_size,
                   "smallest_time": _seconds(r, smallest), "best_time": "—" if rec is None else _seconds(r, rec),
                   "smallest_vs_best": _slower(r, smallest, rec)}),
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


def batch_size(out: Path, cfg: S.BatchSizeSettings) -> Section:
    r = E.batch_size_study(cfg, progress=progress)
    s = Section("batch-size", "7. Finding the best batch size")
    s.tables.append((f"Digits, network 64-{cfg.hidden}-10, SGD with momentum {cfg.momentum:g}, η tuned per B on "
                     f"the grid; target: validation accuracy ≥ {cfg.target_accuracy:g}; {r.n_train} training samples;"
                     f" ms/step: median of {cfg.repeats} timed repeats after a warm-up (lowest–highest); step KiB: "
                     f"peak temporaries of one step (tracemalloc) + θ, ∇θ and optimizer slots", r.table()))
    s.tables.append(("Steps to target for every (B, η) of the grid (div.: diverged; > k: stopped after k steps "
                     "unreached, or at the best count so far)", r.grid_table()))
    s.figures.append(("Steps and samples to target against B (log–log) with the fitted S(B) and E(B) and the "
                      "three regimes; validation accuracy against steps at each B's tuned η",
                      plots.save(plots.batch_size(r), out / "batch_size.png")))
    s.paragraphs += [fit_text(r), recommendation_text(r)]
    s.tables.append((f"The tutorial's view: one η = {cfg.tutorial_learning_rate:g} for every B", r.tutorial_table()))
    s.paragraphs.append(tutorial_view_text(r))
    s.verdicts += batch_size_evidence(r)
    s.data["batch_size.json"] = r.to_json()
    return s


# -- 8. learning-rate range test ---------------------------------------------------------------------
def lr_find_text(r) -> list[str]:
    f = r.finder
    out = []
    if f.suggestion:
        ratio = f.suggestion / r.one_step_lr
        side = "below" if ratio < 1 else "above"
        safe = "below 2/λ, so it converges" if f.suggestion < 2 * r.one_step_lr else "past 2/λ, so it diverges"
        out.append(f"The test suggests η = {f.suggestion:.3g}, where the smoothed loss falls fastest; the theory's "
                   f"best fixed step for this parabola is 1/λ = {r.one_step_lr:.3g}: the suggestion is {ratio:.2f}× "
                   f"it, {side} 1/λ and {safe}.")
        k = f.suggestion_index
        out.append(f"The smoothed loss is a moving average with β = {r.smoothing:g}, bias-corrected by 1/(1 − βᵗ) "
                   f"as Adam does; it spans about 1/(1 − β) = {1 / (1 - r.smoothing):.0f} iterations, so it trails "
                   f"a falling batch loss: at the suggestion it is {f.smoothed[k]:.3g} against a batch loss of "
                   f"{f.losses[k]:.3g}.")
    o = r.overshoot()
    if o is None:
        out.append(f"η never passed 2/λ = {2 * r.one_step_lr:.3g} in this run.")
    else:
        grew = (f"the batch loss first exceeded 10× that value at iteration {o['tenfold']}" if o["tenfold"] is not None
                else "the batch loss never rose tenfold")
        out.append(f"Why the test runs past 2/λ: η passed 2/λ at iteration {o['crossed']} (η = {o['crossed_lr']:.3g}), "
                   f"where the batch loss was {o['loss_at_cross']:.3g}, close to its minimum. From there the error "
                   f"grows by |1 − η·λ| per step — only slightly above 1 at first — and {grew}; the run stopped at "
                   f"iteration {o['stopped']} (η = {o['stopped_lr']:.3g}, growth factor {o['growth_at_stop']:.2f} "
                   f"per step), once the smoothed loss exceeded 4× its minimum.")
    return out


def lr_find(out: Path, cfg: S.LRFindSettings) -> Section:
    r = E.lr_range_experiment(cfg)
    s = Section("lr-find", "8. The learning-rate range test")
    s.tables.append((f"y = w·x, {cfg.n} houses, batch size {cfg.batch_size}, η from {cfg.start_lr:g} to "
                     f"{cfg.end_lr:g} over at most {cfg.iterations} iterations", r.table()))
    s.figures.append(("Loss against η (log–log): the batch loss, its bias-corrected moving average, the suggestion "
                      "and the theory's 1/λ and 2/λ", plots.save(plots.lr_range(r), out / "lr_find.png")))
    s.paragraphs += lr_find_text(r)
    return s


# -- 9. activations --------------------------------------------------------------------------------
def activations_text(r) -> str:
    d = r.derivatives
    sig, tanh = float(d["sigmoid"].max()), float(d["tanh"].max())
    shrink = ("stacked, they shrink gradients, since every layer multiplies by at most that"
              if max(sig, tanh) < 1 else "a product of such factors need not shrink")
    return (f"Sigmoid's derivative is at most {sig:.2f} and tanh's {tanh:.2f}: {shrink} (at z = {r.z[0]:g} they pass "
            f"on only {d['sigmoid'][0]:.4f} and {d['tanh'][0]:.5f}). ReLU's slope is {d['relu'][0]:g} left of 0 and "
            f"{d['relu'][-1]:g} right; Leaky ReLU keeps {d['leaky_relu'][0]:g} on the left. Softmax is drawn for two "
            f"logits [z, 0] with its Jacobian's diagonal a(1 − a). The curves' f′ are central differences of "
            f"gdlab's forward pass (at a kink: the mean of the two slopes).")


def activations(out: Path, cfg: S.ActivationsSettings) -> Section:
    r = E.activation_curves(cfg)
    s = Section("activations", "9. Activation functions and their derivatives")
    s.tables.append(("Values and derivatives at a few points (f′ by central differences)", r.table()))
    s.figures.append(("Each activation f(z) and its derivative f′(z)",
                      plots.save(plots.activations(r), out / "activations.png")))
    s.paragraphs.append(activations_text(r))
    s.verdicts.append(judge(28, {"max_relative_error": r.backprop_errors}))
    return s


SECTIONS = {"basics": basics, "linear": linear, "regimes": regimes, "momentum": momentum, "surfaces": surfaces,
            "compare": compare, "batch-size": batch_size, "lr-find": lr_find, "activations": activations}
