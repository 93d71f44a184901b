"""The tutorial's 30 claims, each judged from the numbers of this run.

``CLAIMS`` holds each claim's text and the report section that tests it. A
section measures the claim's evidence (plain numbers) and calls ``judge(id,
evidence)``: the claim's judge decides "shown" or "not_observed" from the
numbers alone and writes the sentence the report prints — a sentence that
asserts the claim only when the numbers do. Every judge is a small pure
function so the tests can feed it numbers in which the claim is false.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SHOWN, NOT_OBSERVED = "shown", "not_observed"


@dataclass(frozen=True)
class Claim:
    id: int
    text: str
    section: str  # id of the report section that tests it


CLAIMS = {c.id: c for c in [
    Claim(1, "An epoch passes every training sample through the network once: N/B iterations, "
             "samples = iterations × batch size.", "regimes"),
    Claim(2, "The batch size is how many samples one training step uses.", "basics"),
    Claim(3, "An iteration is one forward and one backward pass on one batch; its updated weights are the "
             "next iteration's start.", "basics"),
    Claim(4, "Forward pass: the input flows layer by layer, weighted and activated, to an output.", "basics"),
    Claim(5, "A loss function measures the gap between the outputs and the true labels.", "basics"),
    Claim(6, "The chain rule gives the derivative of the loss with respect to every layer's weights.", "basics"),
    Claim(7, "Gradient descent changes every weight so as to reduce the loss.", "basics"),
    Claim(8, "Gradient descent: define a loss, initialise, compute the gradient, step against it, repeat "
             "until the loss converges.", "linear"),
    Claim(9, "Batch gradient descent uses all samples every step: slow but stable.", "regimes"),
    Claim(10, "Stochastic gradient descent uses one sample per step: much faster per step, but noisy and "
              "less stable.", "regimes"),
    Claim(11, "Mini-batch gradient descent is faster than batch GD and more stable than SGD.", "regimes"),
    Claim(12, "Momentum adds the previous update direction to the current one: faster convergence, damped "
              "oscillation.", "momentum"),
    Claim(13, "Adaptive methods (Adagrad, Adadelta, Adam) adjust the step per parameter from the gradients' "
              "size.", "momentum"),
    Claim(14, "In deep learning \"SGD\" usually means batch-size samples per step.", "regimes"),
    Claim(15, "The right batch size balances memory efficiency against memory capacity.", "batch-size"),
    Claim(16, "Too small a batch makes training hard to converge (underfitting).", "batch-size"),
    Claim(17, "A larger batch processes data faster but needs more memory and may need more epochs, so there "
              "is a best batch size.", "batch-size"),
    Claim(18, "A moderately larger batch: fewer iterations per epoch, a more accurate descent direction, "
              "smaller oscillation.", "batch-size"),
    Claim(19, "A smaller batch's noise helps a network generalise better.", "batch-size"),
    Claim(20, "Too small a batch wastes computation; too large hurts convergence, though a not-too-large batch "
              "still converges with more time.", "batch-size"),
    Claim(21, "The \"stochastic\" in mini-batch SGD is random sampling: each batch's samples are drawn at "
              "random from all samples.", "regimes"),
    Claim(22, "The full-data gradient is too expensive to compute every step on large data, so mini-batch SGD "
              "is the default.", "regimes"),
    Claim(23, "House prices: a line through the origin y = w·x; learning finds the w that fits best.", "linear"),
    Claim(24, "The squared-error loss as a function of w is an upward parabola; the best w is its bottom.",
          "linear"),
    Claim(25, "Start anywhere and step repeatedly along the negative derivative (the slope of the parabola).",
          "linear"),
    Claim(26, "Too large a learning rate jumps back and forth across the minimum; too small is slow.", "linear"),
    Claim(27, "With more inputs and a non-linear model the loss becomes multi-dimensional and non-convex.",
          "basics"),
    Claim(28, "The activations sigmoid, tanh, ReLU, Leaky ReLU and softmax.", "activations"),
    Claim(29, "RMSprop averages only recent squared gradients (exponential decay), not all since the start.",
          "momentum"),
    Claim(30, "Adam combines momentum (a decaying average of gradients) and RMSprop (a decaying average of "
              "squared gradients).", "momentum"),
]}


@dataclass
class Verdict:
    id: int
    verdict: str
    sentence: str
    evidence: dict = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.verdict == SHOWN

    def to_json(self) -> dict:
        c = CLAIMS[self.id]
        return {"id": self.id, "claim": c.text, "section": c.section, "verdict": self.verdict,
                "evidence": self.evidence, "sentence": self.sentence}


def g(x, digits: int = 3) -> str:
    """A number for a sentence: 3 significant digits, thousands separated."""
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    if not math.isfinite(x):
        return str(x)
    return f"{x:,.{digits}g}" if abs(x) < 10 ** digits else f"{x:,.0f}"


def _say(shown: bool, yes: str, no: str) -> tuple[bool, str]:
    return shown, (yes[:1].upper() + yes[1:] if shown else "Not observed in this run: " + no)


# -- judges: evidence (numbers) → (shown, sentence) ----------------------------------------------------
def _j1(e):
    bad = [r for r in e["runs"] if r["iterations"] != math.ceil(e["n"] / r["batch_size"]) or r["samples"] != e["n"]]
    rows = "; ".join(f"B = {r['batch_size']}: {r['iterations']} iterations, {r['samples']:,} samples"
                     for r in e["runs"])
    return _say(not bad, f"Each epoch of N = {e['n']:,} samples: {rows} — ⌈N/B⌉ iterations, every sample once.",
                f"the counts per epoch differ from ⌈N/B⌉ iterations and N samples ({rows}).")


def _j2(e):
    ok = e["max_gradient_difference"] < 1e-10
    return _say(ok, f"The gradient of one step equals the mean of its B = {e['batch_size']} per-sample gradients "
                    f"(largest difference {g(e['max_gradient_difference'])}): the step used exactly those samples.",
                f"a step's gradient differs from the mean of its batch's per-sample gradients by "
                f"{g(e['max_gradient_difference'])}.")


def _j3(e):
    ok = e["max_chain_difference"] < 1e-10
    return _say(ok, f"For {e['iterations']} traced iterations, θ after each equals θ before minus η × the gradient "
                    f"at θ before on that batch (largest difference {g(e['max_chain_difference'])}): each "
                    f"iteration starts where the previous one ended.",
                f"θ after an iteration differs from θ − η·g(θ) of the previous iterate by "
                f"{g(e['max_chain_difference'])}.")


def _j4(e):
    ok = e["max_difference"] < 1e-10
    return _say(ok, f"Layer by layer by hand (x·W₁ + b₁ → tanh → ·W₂ + b₂) gives the network's output to within "
                    f"{g(e['max_difference'])}.",
                f"the hand-computed layer-by-layer output differs from the network's by {g(e['max_difference'])}.")


def _j5(e):
    ok = e["max_difference"] < 1e-10 and e["loss_at_truth"] == 0 and e["loss_small_gap"] < e["loss_large_gap"]
    return _say(ok, f"The loss equals mean((ŷ − y)²) by hand (difference {g(e['max_difference'])}); it is "
                    f"{g(e['loss_at_truth'])} when ŷ = y and grows with the gap ({g(e['loss_small_gap'])} at "
                    f"ŷ = y + 0.1, {g(e['loss_large_gap'])} at ŷ = y + 0.2).",
                f"loss by hand vs gdlab differs by {g(e['max_difference'])}; at ŷ = y it is {g(e['loss_at_truth'])}; "
                f"{g(e['loss_small_gap'])} at gap 0.1 vs {g(e['loss_large_gap'])} at gap 0.2.")


def _j6(e):
    ok = e["max_relative_error"] < 1e-6
    return _say(ok, f"Backpropagation's gradient for all {e['checked']} weights matches central differences "
                    f"(largest relative error {g(e['max_relative_error'])}).",
                f"backpropagation and central differences disagree by up to {g(e['max_relative_error'])} "
                f"(relative).")


def _j7(e):
    ok = e["decreased"] == e["iterations"]
    return _say(ok, f"In {e['decreased']} of {e['iterations']} traced iterations the update lowered the batch's loss "
                    f"(from {g(e['first_before'])} to {g(e['first_after'])} in the first).",
                f"only {e['decreased']} of {e['iterations']} updates lowered their batch's loss.")


def _j8(e):
    ok = e["converged_at"] is not None and e["monotone"]
    return _say(ok, f"At η = {g(e['learning_rate'])} the loop's loss fell every step and w reached w* within "
                    f"{g(e['tolerance'])} at iteration {e['converged_at']} of {e['steps']}.",
                f"at η = {g(e['learning_rate'])} the loss "
                f"{'fell every step' if e['monotone'] else 'did not fall every step'} and w "
                f"{'converged at ' + str(e['converged_at']) if e['converged_at'] is not None else 'did not converge'} "
                f"within {e['steps']} steps.")


def _j9(e):
    stable = e["gd_loss_rises"] == 0
    slow_step = e["gd_step_vs_sgd"] > 0
    slow = e["gd_final_loss"] > e["minibatch_final_loss"]
    parts = (f"batch GD's full-data loss rose {e['gd_loss_rises']} times in {e['epochs']} epochs; its step "
             f"({e['gd_step']}) is {'slower than' if slow_step else 'not slower than'} SGD's ({e['sgd_step']}); "
             f"after {e['epochs']} epochs its loss is {g(e['gd_final_loss'])} against mini-batch's "
             f"{g(e['minibatch_final_loss'])}")
    return _say(stable and slow_step and slow, f"Stable and slow: {parts}.", parts + ".")


def _j10(e):
    faster = e["gd_step_vs_sgd"] > 0
    noisy = e["sgd_cv"] > e["minibatch_cv"] and e["sgd_tortuosity"] > e["minibatch_tortuosity"]
    text = (f"SGD's step ({e['sgd_step']}) against batch GD's ({e['gd_step']}): "
            f"{'faster' if faster else 'not faster beyond the spread'}; its batch loss varies by "
            f"{g(e['sgd_cv'])}× its mean (mini-batch {g(e['minibatch_cv'])}) and its path is "
            f"{g(e['sgd_tortuosity'])}× the straight line (mini-batch {g(e['minibatch_tortuosity'])}); its full-data "
            f"loss rose {e['sgd_loss_rises']} times")
    return _say(faster and noisy, text + ".", text + ".")


def _j11(e):
    faster = e["epochs_to_gd_final"] is not None and e["epochs_to_gd_final"] < e["epochs"]
    stabler = e["minibatch_cv"] < e["sgd_cv"] and e["minibatch_tortuosity"] < e["sgd_tortuosity"]
    reach = ("reached batch GD's final loss after " + str(e["epochs_to_gd_final"]) + " of its " + str(e["epochs"])
             + " epochs") if e["epochs_to_gd_final"] is not None else "never reached batch GD's final loss"
    text = (f"Mini-batch {reach}; its batch-loss variation {g(e['minibatch_cv'])} vs SGD's {g(e['sgd_cv'])}, "
            f"tortuosity {g(e['minibatch_tortuosity'])} vs {g(e['sgd_tortuosity'])}")
    return _say(faster and stabler, text + ".", text + ".")


def _j12(e):
    rows = e["runs"]  # [{"momentum", "steps_to_tolerance", "sign_flips_y", "y_path"}], first is plain GD
    gd, others = rows[0], rows[1:]
    good = [r for r in others if r["steps_to_tolerance"] is not None
            and (gd["steps_to_tolerance"] is None or r["steps_to_tolerance"] < gd["steps_to_tolerance"])
            and r["y_path"] < gd["y_path"]]
    desc = "; ".join(f"β = {r['momentum']:g}: {r['steps_to_tolerance'] or '> ' + str(e['steps'])} steps, "
                     f"y-path {g(r['y_path'])}, y changed sign {r['sign_flips_y']}×" for r in rows)
    yes = (f"At the same η = {g(e['learning_rate'])}, momentum β = {good[0]['momentum']:g} arrived sooner and "
           f"zig-zagged less than plain GD ({desc})." if good else "")
    return _say(bool(good), yes, f"at η = {g(e['learning_rate'])} no momentum setting both arrived sooner and "
                                 f"zig-zagged less than plain GD ({desc}).")


def _j13(e):
    rows = e["ratios"]  # optimizer → ratio of the per-coordinate effective steps |Δθ_i/g_i|, y over x
    adaptive = [k for k in ("Adagrad", "Adadelta", "Adam") if abs(math.log(rows[k])) > math.log(2)]
    plain = abs(math.log(rows["SGD"])) < 1e-9
    desc = ", ".join(f"{k} {g(v)}" for k, v in rows.items())
    return _say(len(adaptive) == 3 and plain,
                f"The effective step |Δθᵢ/gᵢ| of the steep coordinate over the flat one: {desc} — one step size "
                f"for SGD, a different step per parameter for the adaptive methods.",
                f"ratios of per-coordinate effective steps {desc}.")


def _j14(e):
    ok = e["same_optimizer"] and e["minibatch_iterations"] == math.ceil(e["n"] / e["minibatch"])
    return _say(ok, f"The mini-batch run is gdlab's SGD optimizer with batch_size = {e['minibatch']}: "
                    f"{e['minibatch_iterations']} steps of {e['minibatch']} samples per epoch; the same class ran "
                    f"B = 1 and B = N — \"SGD\" names the update, the batch size is separate.",
                f"the mini-batch run took {e['minibatch_iterations']} steps per epoch with B = {e['minibatch']}.")


def _j15(e):
    mem = e["memory_kib"]  # per B, ascending B
    grows = all(b >= a for a, b in zip(mem, mem[1:])) and mem[-1] > mem[0]
    faster = e["throughput_order"] < 0
    text = (f"step memory {', '.join(f'{g(m)} KiB' for m in mem)} for B = {', '.join(map(str, e['batch_sizes']))}; "
            f"samples/s {g(e['samples_per_second'][0])} at B = {e['batch_sizes'][0]} and "
            f"{g(e['samples_per_second'][-1])} at B = {e['batch_sizes'][-1]}")
    return _say(grows and faster, f"Memory grows with B while throughput rises: {text}; the memory budget caps B.",
                text + ".")


def _j16(e):
    ok = e["smallest_reached"] is False
    return _say(ok, f"B = {e['smallest']} reached the target at no η of the grid.",
                f"at its tuned η = {g(e['smallest_tuned_lr'])}, B = {e['smallest']} reached the target in "
                f"{g(e['smallest_epochs'])} epochs (fewest of any B: {g(e['best_epochs'])}); at the tutorial's one "
                f"η = {g(e['tutorial_lr'])}: {e['smallest_tutorial_status']}.")


def _j17(e):
    faster = e["throughput_order"] < 0
    more_memory = e["memory_kib"][-1] > e["memory_kib"][0]
    more_epochs = e["largest_epochs"] is not None and e["best_epochs"] is not None \
        and e["largest_epochs"] > e["best_epochs"]
    interior = e["recommended"] not in (e["batch_sizes"][0], e["batch_sizes"][-1]) and e["recommended"] is not None
    text = (f"samples/s {g(e['samples_per_second'][0])} → {g(e['samples_per_second'][-1])}, step memory "
            f"{g(e['memory_kib'][0])} → {g(e['memory_kib'][-1])} KiB from B = {e['batch_sizes'][0]} to "
            f"{e['batch_sizes'][-1]}; epochs to target {g(e['largest_epochs'])} at the largest B vs "
            f"{g(e['best_epochs'])} at the fewest; least time at B = {e['recommended']}")
    return _say(faster and more_memory and more_epochs and interior, text + " — a best batch size in between.",
                text + ".")


def _j18(e):
    d = e["directions"]  # [[B, mean cos(g_B, G), mean ‖g_B − G‖/‖G‖]], ascending B
    sharper = len(d) >= 2 and all(b[1] > a[1] for a, b in zip(d, d[1:]))
    calmer = len(d) >= 2 and all(b[2] < a[2] for a, b in zip(d, d[1:]))
    fewer = all(b < a for a, b in zip(e["iterations_per_epoch"], e["iterations_per_epoch"][1:]))
    text = (f"iterations per epoch {', '.join(map(str, e['iterations_per_epoch']))}; at the initial weights the "
            f"batch gradient's cosine with the full gradient is {', '.join(f'{g(c)} (B = {b})' for b, c, _ in d)}, "
            f"its relative deviation ‖g_B − G‖/‖G‖ {', '.join(f'{g(v)}' for _, _, v in d)}")
    return _say(sharper and fewer and calmer, text + ".", text + ".")


def _j19(e):
    small, large = e["gap_smallest"], e["gap_largest"]
    ok = small is not None and large is not None and large - small > e["noise"]
    text = (f"train − validation accuracy when the target was reached: {g(small)} at B = {e['smallest']}, "
            f"{g(large)} at B = {e['largest']} (differences below {g(e['noise'])}, two standard errors of a "
            f"validation accuracy, are noise)")
    return _say(ok, "The smaller batch generalised better: " + text + ".", text + ".")


def _j20(e):
    slow = e["smallest_vs_best"] > 0
    hurt = e["largest_epochs"] is not None and e["best_epochs"] is not None and e["largest_epochs"] > e["best_epochs"]
    text = (f"B = {e['smallest']} took {e['smallest_time']} to the target against {e['best_time']} at "
            f"B = {e['recommended']}; B = {e['largest']} "
            + (f"needed {g(e['largest_epochs'])} epochs against {g(e['best_epochs'])}"
               if e["largest_epochs"] is not None else "did not reach the target"))
    return _say(slow and hurt, text + ".", text + ".")


def _j21(e):
    ok = e["orders_differ"] and e["unique_fraction_without"] == 1.0
    text = (f"gdlab drew each epoch's batches from a fresh random permutation (epoch 1 and 2 orders "
            f"{'differ' if e['orders_differ'] else 'are the same'}); every sample appeared once per epoch "
            f"(fraction {g(e['unique_fraction_without'])}); drawn with replacement instead, one epoch covered "
            f"{g(e['unique_fraction_with'])} of the samples (1 − 1/e ≈ 0.632)")
    return _say(ok, text + ".", text + ".")


def _j22(e):
    rows = e["rows"]  # [{"n", "full", "minibatch", "ratio", "order"}] with timing texts
    ok = rows[-1]["order"] > 0 and rows[-1]["full_median"] > 5 * rows[0]["full_median"]
    text = "; ".join(f"N = {r['n']:,}: a full-data step {r['full']}, a B = {e['minibatch']} step {r['minibatch']}"
                     for r in rows)
    return _say(ok, text + f" — at N = {rows[-1]['n']:,} one full-data step costs "
                           f"{g(rows[-1]['ratio'])} mini-batch steps.", text + ".")


def _j23(e):
    ok = abs(e["w_fitted"] - e["w_star"]) <= 1e-6 * abs(e["w_star"])
    return _say(ok, f"gdlab's Dense(1, no bias) learned w = {g(e['w_fitted'], 6)}; least squares gives "
                    f"w* = {g(e['w_star'], 6)}.",
                f"gdlab learned w = {g(e['w_fitted'], 6)} against least-squares w* = {g(e['w_star'], 6)}.")


def _j24(e):
    ok = e["second_difference_min"] > 0 and e["quadratic_residual"] < 1e-9 and e["argmin_gap"] < e["grid_step"]
    return _say(ok, f"Sampled at {e['points']} values of w, L(w) is a parabola (quadratic fit residual "
                    f"{g(e['quadratic_residual'])}, curvature {g(e['curvature'])} > 0) whose lowest sample lies "
                    f"within one grid step of w*.",
                f"quadratic-fit residual {g(e['quadratic_residual'])}, smallest second difference "
                f"{g(e['second_difference_min'])}, lowest sample {g(e['argmin_gap'])} from w*.")


def _j25(e):
    ok = e["max_step_error"] < 1e-9
    return _say(ok, f"Every step was Δw = −η·L′(w) (largest deviation {g(e['max_step_error'])}, relative).",
                f"steps deviate from −η·L′(w) by up to {g(e['max_step_error'])} (relative).")


def _j26(e):
    jumps = e["oscillating_flips"] == e["oscillating_steps"] and e["diverging_grew"]
    slow = e["small_gap"] > 10 * e["good_gap"]
    text = (f"at η·λ = {g(e['oscillating_eta_lambda'])} w − w* changed sign in {e['oscillating_flips']} of "
            f"{e['oscillating_steps']} steps; at η·λ = {g(e['diverging_eta_lambda'])} it "
            f"{'grew' if e['diverging_grew'] else 'did not grow'}; at η·λ = {g(e['small_eta_lambda'])} the loss gap "
            f"after {e['steps']} steps is {g(e['small_gap'])} against {g(e['good_gap'])} at η·λ = "
            f"{g(e['good_eta_lambda'])}")
    return _say(jumps and slow, text + ".", text + ".")


def _j27(e):
    ok = e["midpoint_loss"] > 1.01 * max(e["loss_a"], e["loss_b"]) and abs(e["loss_a"] - e["loss_b"]) < 1e-9
    return _say(ok, f"The {e['parameters']}-parameter network's loss is the same ({g(e['loss_a'])}) at the trained "
                    f"weights and with two hidden units swapped, but {g(e['midpoint_loss'])} halfway between: a "
                    f"convex loss could not rise there.",
                f"trained {g(e['loss_a'])}, hidden units swapped {g(e['loss_b'])}, halfway "
                f"{g(e['midpoint_loss'])}: no bump between two equal minima.")


def _j28(e):
    errs = e["max_relative_error"]
    ok = all(v < 1e-6 for v in errs.values()) and set(errs) >= {"sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
    desc = ", ".join(f"{k} {g(v)}" for k, v in errs.items())
    return _say(ok, f"Each is in gdlab and backpropagates correctly (gradient check, largest relative error: "
                    f"{desc}).", f"gradient-check errors {desc}.")


def _j29(e):
    ok = e["rmsprop_recovered"] > 0.9 and e["adagrad_recovered"] < 0.5
    text = (f"after {e['large_steps']} steps with gradients {g(e['large'])} and then {e['small_steps']} with "
            f"{g(e['small'])}, RMSprop's step is {g(e['rmsprop_recovered'])} of a fresh RMSprop's on the small "
            f"gradients, Adagrad's {g(e['adagrad_recovered'])} of a fresh Adagrad's")
    return _say(ok, text + ": RMSprop forgot the old gradients, Adagrad did not.", text + ".")


def _j30(e):
    ok = e["max_difference"] < 1e-12
    return _say(ok, f"Adam's step equals η·m̂/(√v̂ + ε̂) built by hand from a momentum average m and an RMSprop "
                    f"average v over {e['steps']} steps (largest difference {g(e['max_difference'])}); "
                    f"the tutorial's line {e['spelling']} runs as written.",
                f"Adam differs from momentum + RMSprop by hand by {g(e['max_difference'])}.")


JUDGES = {i: globals()[f"_j{i}"] for i in CLAIMS}


def judge(claim_id: int, evidence: dict) -> Verdict:
    shown, sentence = JUDGES[claim_id](evidence)
    return Verdict(claim_id, SHOWN if shown else NOT_OBSERVED, sentence, evidence)


def not_run(claim_id: int) -> Verdict:
    c = CLAIMS[claim_id]
    return Verdict(claim_id, NOT_OBSERVED, f"Not observed in this run: section {c.section!r} was not run.",
                   {"section_run": False})
