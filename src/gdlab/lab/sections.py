"""Each lab section: run its experiment, draw its figures, and say what they show — with the numbers.

A ``Section`` is what both the CLI (tables printed, PNGs written) and the HTML
report (everything on one page) need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gdlab.lab import experiments as E
from gdlab.lab import plots
from gdlab.lab.experiments.common import Table
from gdlab.lab.progress import progress


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, Table]] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)  # (caption, PNG path)

    def to_text(self) -> str:
        out = [f"== {self.title} =="]
        for caption, table in self.tables:
            out += ["", caption, table.to_text()]
        out += [""] + self.paragraphs + [""] + [f"figure: {p}" for _, p in self.figures]
        return "\n".join(out)


def linear(out: Path, n=50, noise=0.1, true_w=3.0, steps=25, seed=0) -> Section:
    r = E.linear_experiment(n=n, noise=noise, true_w=true_w, steps=steps, seed=seed)
    s = Section("linear", "1. The house-price line y = w·x: gradient descent on a parabola")
    s.tables += [("Theory, computed from the data", r.theory_table()),
                 ("One run of batch gradient descent per learning rate, from w₀ = "
                  f"{r.w_init:g}, {steps} iterations", r.table())]
    s.figures += [("The data with the fitted line; the loss parabola L(w) with each run's iterates; "
                   "the loss gap per iteration", plots.save(plots.linear_fit(r), out / "linear.png")),
                  ("The first steps of each run on the parabola (numbers are iterations)",
                   plots.save(plots.linear_paths(r), out / "linear_paths.png"))]
    s.paragraphs.append(
        f"{n} houses, area x and price y ≈ {true_w:g}·x plus noise. The squared-error loss "
        f"L(w) = mean((w·x − y)²) is an upward parabola in w with its bottom at the least-squares "
        f"w* = {r.w_star:.4f} and curvature λ = 2·mean(x²) = {r.curvature:.4f}. One gradient step maps "
        f"w − w* to (1 − η·λ)(w − w*), so η = 1/λ = {r.one_step_lr:.4f} lands on w* in one step and "
        f"η > 2/λ = {r.divergence_lr:.4f} diverges. gdlab's own Dense layer, trained with η = 0.7/λ, "
        f"ends at w = {r.w_fitted:.4f}.")
    for run in r.runs:
        e0, e1 = run.w_path[0] - r.w_star, run.w_path[min(1, len(run.w_path) - 1)] - r.w_star
        s.paragraphs.append(
            f"η = {run.learning_rate:.4g} (η·λ = {run.eta_lambda:g}): the theory predicts "
            f"“{run.predicted}”; the run {run.observed}. The first step took w − w* from {e0:+.4f} to "
            f"{e1:+.4f} (factor {e1 / e0:+.3f}; theory 1 − η·λ = {1 - run.eta_lambda:+.3f}); "
            f"after {len(run.w_path) - 1} steps L − L* = {run.loss_path[-1] - r.loss(r.w_star):.3g}.")
    return s


def regimes(out: Path, n=1000, minibatch=32, epochs=30, learning_rate=0.02, seed=0) -> Section:
    r = E.regimes_experiment(n=n, minibatch=minibatch, epochs=epochs, learning_rate=learning_rate, seed=seed)
    s = Section("regimes", "2. Batch gradient descent vs stochastic vs mini-batch")
    s.tables.append((f"{n} houses (4 features, non-linear price), network 4-16-1 tanh, η = {learning_rate:g}, "
                     f"{epochs} epochs, same initial weights", r.table()))
    s.figures.append(("Full-data loss against iterations, epochs and seconds; the batch loss of each iteration",
                      plots.save(plots.regimes(r), out / "regimes.png")))
    by = {run.label: run for run in r.runs}
    gd, sgd, mb = by["batch GD"], by["SGD"], by["mini-batch"]
    s.paragraphs += [
        f"Per iteration, batch GD is the best: every step uses the exact gradient, its loss falls monotonically "
        f"and its path is straight (tortuosity {gd.tortuosity:.2f}). But it makes only {gd.iterations_per_epoch} "
        f"update per epoch, and after {epochs} epochs its loss is {gd.epoch_loss[-1]:.4f}.",
        f"SGD makes {sgd.iterations_per_epoch} updates per epoch from single samples: after {epochs} epochs its "
        f"loss is {sgd.epoch_loss[-1]:.4f}, but its steps are noisy — the batch loss varies by "
        f"{sgd.loss_cv_last_epoch:.2f}× its mean within the last epoch and the path is {sgd.tortuosity:.0f}× "
        f"longer than the straight line — and it took {sgd.train_seconds:.2f} s against "
        f"{gd.train_seconds:.3f} s for batch GD.",
        f"Mini-batch (B = {mb.batch_size}) sits between: {mb.iterations_per_epoch} updates per epoch, loss "
        f"{mb.epoch_loss[-1]:.4f}, batch-loss variation {mb.loss_cv_last_epoch:.2f}, tortuosity "
        f"{mb.tortuosity:.1f}, {mb.train_seconds:.3f} s — faster than batch GD per epoch of progress and "
        f"far more stable than SGD.",
    ]
    return s


def surfaces(out: Path, names=("rosenbrock", "beale", "bowl", "saddle"), steps=None) -> Section:
    s = Section("surfaces", "3. Optimizers racing on 2-D surfaces")
    for name in progress(names, "surfaces"):
        r = E.surface_race(name, steps=steps)
        s.tables.append((f"{name}: {r.surface.formula}; start {r.surface.start}, minimum {r.surface.minimum}",
                         r.table()))
        s.figures.append((f"{name}: paths on the contours (●: start, ★: minimum) and the gap to the minimum",
                          plots.save(plots.surface_race(r), out / f"surface_{name}.png")))
        reached = sorted((x for x in r.races if x.steps_to_tolerance is not None), key=lambda x: x.steps_to_tolerance)
        missed = [x.optimizer for x in r.races if x.steps_to_tolerance is None]
        first = ", ".join(f"{x.optimizer} ({x.steps_to_tolerance})" for x in reached[:3]) or "none"
        s.paragraphs.append(
            f"{name}: {len(reached)} of {len(r.races)} optimizers got within {r.tolerance:g} of the minimum in "
            f"{r.steps} steps; the first were {first}"
            + (f"; not there: {', '.join(missed)}." if missed else "."))
    return s


def compare(out: Path, epochs=20, batch_size=32, seed=0) -> Section:
    r = E.compare_optimizers(epochs=epochs, batch_size=batch_size, seed=seed, progress=progress)
    s = Section("compare", "4. Optimizers on real data: handwritten digits")
    s.tables.append((f"Network 64-{r.hidden}-10 (ReLU, softmax), batch size {batch_size}, {epochs} epochs, "
                     "20% of the training part held out for validation, same initial weights", r.table()))
    s.figures.append(("Training and validation loss and accuracy per epoch",
                      plots.save(plots.compare(r), out / "compare.png")))
    best = max(r.runs, key=lambda x: x.history["val_accuracy"][-1])
    worst = min(r.runs, key=lambda x: x.history["val_accuracy"][-1])
    mom = {x.label: x for x in r.runs}
    s.paragraphs.append(
        f"Best validation accuracy: {best.label} ({best.history['val_accuracy'][-1]:.3f}; test "
        f"{best.test_accuracy:.3f}); lowest: {worst.label} ({worst.history['val_accuracy'][-1]:.3f}). "
        f"Momentum lifts plain SGD from {mom['SGD'].history['val_accuracy'][-1]:.3f} to "
        f"{mom['Momentum'].history['val_accuracy'][-1]:.3f} with the same η — it adds the previous direction "
        f"to the step. Each optimizer runs at its family's customary η; none was tuned on this data.")
    return s


def batch_size(out: Path, batch_sizes=(1, 8, 32, 128, 512, "full"), epochs=25, learning_rate=0.02, seed=0) -> Section:
    r = E.batch_size_study(batch_sizes=batch_sizes, epochs=epochs, learning_rate=learning_rate, seed=seed,
                           progress=progress)
    s = Section("batch-size", "5. Finding the best batch size")
    s.tables.append((f"Digits, network 64-64-10, SGD η = {learning_rate:g} with momentum 0.9, {epochs} epochs, "
                     f"{r.n_train} training samples; step KiB = peak of one step's temporaries (tracemalloc)",
                     r.table()))
    ni, nt = r.noise_initial, r.noise_trained
    noise_rows = [["at the initial weights", f"{ni['trace_sigma']:.4g}", f"{ni['g_norm2']:.4g}", f"{ni['b_simple']:.1f}"]]
    if nt:
        noise_rows.append(["after training (B = 32)", f"{nt['trace_sigma']:.4g}", f"{nt['g_norm2']:.4g}",
                           f"{nt['b_simple']:.1f}"])
    s.tables.append((f"Gradient noise scale from {ni['n']} per-example gradients",
                     Table(["where", "tr(Σ)", "|G|²", "B_simple = tr(Σ)/|G|²"], noise_rows)))
    s.figures.append(("Validation loss per epoch; accuracy against time; speed and step memory; final accuracy "
                      "and generalisation gap", plots.save(plots.batch_size(r), out / "batch_size.png")))
    runs = r.runs
    fastest = max(runs, key=lambda x: x.samples_per_second)
    slowest = min(runs, key=lambda x: x.samples_per_second)
    s.paragraphs += [
        f"Speed: B = {fastest.batch_size} processes {fastest.samples_per_second:,.0f} samples/s, "
        f"B = {slowest.batch_size} only {slowest.samples_per_second:,.0f} — larger batches use the hardware "
        f"better, at the price of step memory ({runs[-1].step_peak_bytes / 1024:,.0f} KiB against "
        f"{runs[0].step_peak_bytes / 1024:,.0f} KiB).",
        f"Convergence: with the same η, larger batches take fewer steps per epoch and need more epochs; "
        f"the smallest batches are noisy. Generalisation gap (train − validation accuracy) from "
        f"{min(x.generalisation_gap for x in runs):+.3f} to {max(x.generalisation_gap for x in runs):+.3f}.",
        f"Recommendation: B = {r.recommended}. {r.reason}",
    ]
    return s


def lr_find(out: Path, n=200, batch_size=32, seed=0) -> Section:
    r = E.lr_range_experiment(n=n, batch_size=batch_size, seed=seed)
    s = Section("lr-find", "6. The learning-rate range test")
    s.tables.append((f"y = w·x, {n} houses, batch size {batch_size}, η from 1e-4 to 10 over 100 iterations",
                     r.table()))
    s.figures.append(("Loss against η (log–log); the suggestion and the theory's 1/λ and 2/λ",
                      plots.save(plots.lr_range(r), out / "lr_find.png")))
    f = r.finder
    if f.suggestion:
        s.paragraphs.append(
            f"The test suggests η = {f.suggestion:.3g} where the smoothed loss falls fastest; the theory's best "
            f"fixed step for this parabola is 1/λ = {r.one_step_lr:.3g}, so the suggestion is "
            f"{f.suggestion / r.one_step_lr:.2f}× it — on the safe side, as the steepest-descent rule is meant to "
            f"be. The loss blew up past 4× its best at η = {f.learning_rates[-1]:.3g} "
            f"({f.learning_rates[-1] / r.one_step_lr:.1f}/λ; the theory says divergence starts at 2/λ).")
    return s


def activations(out: Path) -> Section:
    r = E.activation_curves()
    s = Section("activations", "7. Activation functions and their derivatives")
    s.tables.append(("Values and derivatives at a few points", r.table()))
    s.figures.append(("Each activation f(z) and its exact derivative f′(z)",
                      plots.save(plots.activations(r), out / "activations.png")))
    d = r.derivatives
    s.paragraphs.append(
        f"Sigmoid's derivative is at most {d['sigmoid'].max():.2f} and tanh's {d['tanh'].max():.0f}: stacked, "
        f"they shrink gradients (at z = ±5 they pass on only {d['sigmoid'][0]:.4f} and {d['tanh'][0]:.5f}). "
        f"ReLU passes 1 or 0, Leaky ReLU keeps a slope of {d['leaky_relu'][0]:g} for negative inputs so no unit "
        f"dies. Softmax's Jacobian is a·(δ − a); shown here for two logits [z, 0], where it equals the sigmoid.")
    return s


SECTIONS = {"linear": linear, "regimes": regimes, "surfaces": surfaces, "compare": compare,
            "batch-size": batch_size, "lr-find": lr_find, "activations": activations}
