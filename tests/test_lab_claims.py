"""The lab tells the truth: verdicts and sentences follow the numbers, timings hold still, settings live once."""

import copy
from types import SimpleNamespace as NS

import numpy as np
import pytest

from gdlab.lab import claims as C
from gdlab.lab import sections
from gdlab.lab.settings import SETTINGS, make
from gdlab.lab.timing import Timing, compare_text, measure, measure_each, order

T = Timing(1e-3, 0.9e-3, 1.1e-3, 3)
BATCH = {"batch_sizes": [1, 16, 256], "memory_kib": [30.0, 40.0, 100.0], "samples_per_second": [3e3, 4e4, 2e5],
         "throughput_order": -1, "largest_epochs": 30.0, "best_epochs": 1.0, "recommended": 16}
REGIMES = {"epochs": 20, "gd_step": "1 s", "sgd_step": "1 ms", "gd_step_vs_sgd": 1, "sgd_cv": 2.0,
           "minibatch_cv": 0.4, "sgd_tortuosity": 45.0, "minibatch_tortuosity": 3.5}

#: claim → (evidence in which it holds, changes that make it false, a phrase only the true text may say)
CASES = {
    1: ({"n": 10, "runs": [{"batch_size": 3, "iterations": 4, "samples": 10}]},
        {"runs": [{"batch_size": 3, "iterations": 3, "samples": 9}]}, "every sample once"),
    2: ({"max_gradient_difference": 1e-16, "batch_size": 8}, {"max_gradient_difference": 0.3}, "used exactly"),
    3: ({"max_chain_difference": 0.0, "iterations": 5}, {"max_chain_difference": 1e-3}, "starts where"),
    4: ({"max_difference": 0.0}, {"max_difference": 0.1}, "gives the network's output"),
    5: ({"max_difference": 0.0, "loss_at_truth": 0.0, "loss_small_gap": 0.01, "loss_large_gap": 0.04},
        {"loss_small_gap": 0.05}, "grows with the gap"),
    6: ({"max_relative_error": 1e-9, "checked": 49}, {"max_relative_error": 0.2}, "matches"),
    7: ({"decreased": 5, "iterations": 5, "first_before": 2.0, "first_after": 1.0}, {"decreased": 3},
        "lowered the batch's loss"),
    8: ({"learning_rate": 0.1, "tolerance": 1e-3, "steps": 25, "converged_at": 6, "monotone": True},
        {"converged_at": None}, "reached w*"),
    9: ({**REGIMES, "gd_loss_rises": 0, "gd_final_loss": 0.14, "minibatch_final_loss": 0.09},
        {"gd_final_loss": 0.05}, "Stable and slow"),
    10: ({**REGIMES, "sgd_loss_rises": 8}, {"gd_step_vs_sgd": 0}, None),
    11: ({**REGIMES, "epochs_to_gd_final": 2}, {"epochs_to_gd_final": None}, None),
    12: ({"learning_rate": 0.07, "steps": 300, "runs": [
        {"momentum": 0.0, "steps_to_tolerance": 78, "sign_flips_y": 30, "y_path": 10.5},
        {"momentum": 0.5, "steps_to_tolerance": 31, "sign_flips_y": 15, "y_path": 6.5}]},
         {"runs": [{"momentum": 0.0, "steps_to_tolerance": 78, "sign_flips_y": 30, "y_path": 10.5},
                   {"momentum": 0.9, "steps_to_tolerance": 123, "sign_flips_y": 79, "y_path": 33.0}]},
         "momentum β = 0.5 arrived sooner"),
    13: ({"ratios": {"SGD": 1.0, "Adagrad": 0.12, "Adadelta": 0.1, "Adam": 0.11}},
         {"ratios": {"SGD": 1.0, "Adagrad": 0.9, "Adadelta": 0.1, "Adam": 0.11}}, "a different step per parameter"),
    14: ({"same_optimizer": True, "minibatch": 32, "n": 500, "minibatch_iterations": 16},
         {"minibatch_iterations": 1}, "names the update"),
    15: (BATCH, {"memory_kib": [30.0, 20.0, 10.0]}, "Memory grows with B"),
    16: ({"smallest": 1, "smallest_reached": False, "smallest_tuned_lr": None, "smallest_epochs": None,
          "best_epochs": 1.0, "tutorial_lr": 0.02, "smallest_tutorial_status": "not reached"},
         {"smallest_reached": True, "smallest_tuned_lr": 0.01, "smallest_epochs": 1.1}, "at no η"),
    17: (BATCH, {"recommended": 1}, "a best batch size in between"),
    18: ({"directions": [[1, 0.2, 7.0], [4, 0.4, 3.5], [16, 0.7, 1.7]], "iterations_per_epoch": [100, 25, 7]},
         {"directions": [[1, 0.2, 7.0], [4, 0.1, 8.0], [16, 0.7, 1.7]]}, None),
    19: ({"smallest": 1, "largest": 1000, "gap_smallest": 0.02, "gap_largest": 0.15, "noise": 0.05},
         {"gap_largest": 0.05}, "generalised better"),
    20: ({**BATCH, "smallest": 1, "largest": 256, "smallest_time": "0.5 s", "best_time": "0.05 s",
          "smallest_vs_best": 1}, {"smallest_vs_best": 0}, None),
    21: ({"orders_differ": True, "unique_fraction_without": 1.0, "unique_fraction_with": 0.63},
         {"orders_differ": False}, None),
    22: ({"minibatch": 32, "rows": [
        {"n": 1000, "full": "0.4 ms", "minibatch": "0.07 ms", "full_median": 4e-4, "ratio": 6.0, "order": 1},
        {"n": 100000, "full": "290 ms", "minibatch": "0.2 ms", "full_median": 0.29, "ratio": 1400.0, "order": 1}]},
         {"rows": [
             {"n": 1000, "full": "0.4 ms", "minibatch": "0.3 ms", "full_median": 4e-4, "ratio": 1.3, "order": 0},
             {"n": 2000, "full": "0.5 ms", "minibatch": "0.3 ms", "full_median": 5e-4, "ratio": 1.6, "order": 0}]},
         "one full-data step costs"),
    23: ({"w_fitted": 3.0153, "w_star": 3.0153}, {"w_fitted": 2.5}, "least squares gives"),
    24: ({"points": 81, "quadratic_residual": 1e-26, "curvature": 5.5, "second_difference_min": 0.01,
          "argmin_gap": 0.0, "grid_step": 0.05}, {"second_difference_min": -0.01}, "is a parabola"),
    25: ({"max_step_error": 1e-15}, {"max_step_error": 0.1}, "Every step was"),
    26: ({"oscillating_eta_lambda": 1.6, "oscillating_flips": 25, "oscillating_steps": 25,
          "diverging_eta_lambda": 2.1, "diverging_grew": True, "small_eta_lambda": 0.1, "good_eta_lambda": 0.7,
          "steps": 25, "small_gap": 0.09, "good_gap": 1e-15}, {"diverging_grew": False, "oscillating_flips": 3}, None),
    27: ({"parameters": 49, "loss_a": 0.0247, "loss_b": 0.0247, "midpoint_loss": 0.05},
         {"midpoint_loss": 0.02}, "could not rise"),
    28: ({"max_relative_error": {"sigmoid": 1e-9, "tanh": 1e-9, "relu": 1e-9, "leaky_relu": 1e-9, "softmax": 1e-9}},
         {"max_relative_error": {"sigmoid": 1e-9, "tanh": 0.3, "relu": 1e-9, "leaky_relu": 1e-9, "softmax": 1e-9}},
         "backpropagates correctly"),
    29: ({"large": 10.0, "small": 0.1, "large_steps": 50, "small_steps": 150, "rmsprop_recovered": 0.999,
          "adagrad_recovered": 0.02}, {"rmsprop_recovered": 0.2}, "RMSprop forgot"),
    30: ({"max_difference": 1e-16, "steps": 100, "spelling": "Adam(lr=0.001)"}, {"max_difference": 1e-3},
         "equals"),
}


def test_every_claim_has_a_case():
    assert sorted(CASES) == sorted(C.CLAIMS) == list(range(1, 31))


@pytest.mark.parametrize("claim_id", sorted(CASES))
def test_the_verdict_and_sentence_follow_the_numbers(claim_id):
    true, changes, phrase = CASES[claim_id]
    yes = C.judge(claim_id, copy.deepcopy(true))
    no = C.judge(claim_id, {**copy.deepcopy(true), **changes})
    assert yes.verdict == "shown" and not yes.sentence.startswith("Not observed")
    assert no.verdict == "not_observed" and no.sentence.startswith("Not observed in this run: ")
    if phrase:
        assert phrase in yes.sentence and phrase not in no.sentence
    assert no.to_json()["section"] == C.CLAIMS[claim_id].section


def test_a_claim_whose_section_did_not_run_is_not_observed():
    v = C.not_run(17)
    assert v.verdict == "not_observed" and "batch-size" in v.sentence


# -- text builders fed results in which the claim is false -----------------------------------------------
def _race(name, touch, settled, above):
    gap = np.ones(10)
    return NS(optimizer=name, first_touch=touch, settled=settled, above_after_touch=above,
              oscillating=above >= 0.1, gap=gap)


def test_surface_text_counts_only_who_stays():
    r = NS(tolerance=1e-4, steps=100, races=[_race("Lion", 5, None, 0.7), _race("Adam", 20, 30, 0.02)])
    text = sections.surface_text(r)
    assert text.startswith("1 of 2 optimizers settled") and "Adam (step 30)" in text
    assert "touched it but did not stay: Lion (first touch 5, 70% of later steps above)" in text
    r = NS(tolerance=1e-4, steps=100, races=[_race("Lion", 5, None, 0.7)])
    assert sections.surface_text(r).startswith("0 of 1 optimizers settled") and "the first" not in \
        sections.surface_text(r)


def _compare_run(label, lr, val, epochs_to_target, median):
    return NS(label=label, learning_rate=lr, val_accuracy=val, test_accuracy=val, epochs_to_target=epochs_to_target,
              step_time=Timing(median, median * 0.9, median * 1.1, 3))


@pytest.mark.parametrize("sgd,mom,verb", [(0.90, 0.95, "lifts"), (0.95, 0.90, "lowers"),
                                          (0.93, 0.935, "leaves (within noise)")])
def test_compare_text_says_lifts_only_when_it_does(sgd, mom, verb):
    r = NS(runs=[_compare_run("SGD", 0.05, sgd, 3, 1e-3), _compare_run("Momentum", 0.05, mom, 2, 1e-3)],
           accuracy_noise=0.02, settings=NS(target_accuracy=0.9, epochs=10))
    text = " ".join(sections.compare_text(r))
    assert f"momentum {verb} plain SGD" in text
    assert "tie" in text  # equal step times are a tie, not a ranking


def test_linear_text_reports_disagreement():
    run = NS(learning_rate=0.1, eta_lambda=0.5, predicted="monotone descent", observed="is still descending",
             w_path=np.array([1.0, 0.9]), loss_path=np.array([1.0, 0.5]))
    r = NS(runs=[run], w_star=0.0, loss=lambda w: 0.0)
    text = sections.linear_text(r)[0]
    assert "disagrees" in text and "agrees)" not in text.replace("disagrees", "")


def test_lr_find_text_follows_the_suggestion_side():
    finder = NS(suggestion=3.0, suggestion_index=2, learning_rates=[0.1, 1.0, 3.0], losses=[1.0, 0.5, 9.0],
                smoothed=[1.0, 0.8, 3.0])
    r = NS(finder=finder, one_step_lr=1.0, smoothing=0.9, overshoot=lambda: None)
    text = " ".join(sections.lr_find_text(r))
    assert "above 1/λ" in text and "past 2/λ, so it diverges" in text and "below 1/λ" not in text
    assert "at the suggestion it is 3 against a batch loss of 9" in text


def test_activations_text_does_not_claim_shrinking_when_a_slope_exceeds_one():
    z = np.linspace(-5, 5, 11)
    d = {"sigmoid": np.full(11, 1.5), "tanh": np.full(11, 0.5), "relu": np.ones(11), "leaky_relu": np.ones(11)}
    text = sections.activations_text(NS(z=z, derivatives=d))
    assert "need not shrink" in text and "they shrink gradients" not in text


def _batch_run(b, steps, median, memory=1000):
    t = Timing(median, median * 0.95, median * 1.05, 3)
    return NS(batch_size=b, steps_to_target=steps, step_time=t, seconds_to_target=t.scaled(steps) if steps else None,
              samples_to_target=steps * b if steps else None, tuned_lr=0.1, memory_bytes=memory)


def test_recommendation_text_names_ties_and_unreached():
    runs = [_batch_run(16, 100, 1e-3), _batch_run(64, 30, 3e-3), _batch_run(1024, None, 1e-2)]
    r = NS(settings=NS(memory_mib=0.0, target_accuracy=0.9), recommended=64, tied_with=[16], fit=None,
           runs=runs, run=lambda b: next(x for x in runs if x.batch_size == b), step_cost=(1e-4, 5e-6),
           modelled_seconds=lambda x: None if x.steps_to_target is None else x.steps_to_target * (1e-4 + 5e-6 *
                                                                                                  x.batch_size))
    text = sections.recommendation_text(r)
    assert text.startswith("Recommendation: B = 64") and "A tie: B = 16 (0.018 s) is within 1.5× of it" in text
    assert "B = 1024 did not reach the target" in text and "30 steps × 0.42 ms per step = 0.0126 s" in text
    assert "at B = a/b ≈ 20: above that a step's time grows" in text
    r.recommended = None
    assert sections.recommendation_text(r).startswith("No recommendation")


def test_recommendation_is_the_same_in_three_runs():
    from gdlab.lab.experiments import batch_size_study

    cfg = make("batch-size", batch_sizes=(4, 64), learning_rates=(1.0, 0.3, 0.1), target_accuracy=0.8,
               max_steps=400, noise_samples=40)
    results = [batch_size_study(cfg) for _ in range(3)]
    assert [r.recommended for r in results] == [64] * 3
    assert [[x.steps_to_target for x in r.runs] for r in results] == [[x.steps_to_target for x in results[0].runs]] * 3


def test_memory_budget_limits_the_recommendation():
    from gdlab.lab.experiments import batch_size_study

    cfg = make("batch-size", batch_sizes=(16, 256), learning_rates=(1.0, 0.3, 0.1), target_accuracy=0.8,
               max_steps=400, noise_samples=40)
    free = batch_size_study(cfg)
    small = min(r.memory_bytes for r in free.runs)
    tight = batch_size_study(make("batch-size", **{**cfg.__dict__, "memory_mib": small / 2**20}))
    assert tight.recommended == 16 and tight.to_json()["memory_budget_bytes"] == int(small / 2**20 * 2**20)


# -- timing --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b,expected", [
    (Timing(1.0, 0.9, 1.1, 3), Timing(3.0, 2.8, 3.2, 3), -1),   # apart, ratio 3
    (Timing(3.0, 2.8, 3.2, 3), Timing(1.0, 0.9, 1.1, 3), 1),
    (Timing(1.0, 0.9, 1.5, 3), Timing(1.4, 1.2, 1.6, 3), 0),    # ranges overlap
    (Timing(1.0, 0.99, 1.01, 3), Timing(1.2, 1.19, 1.21, 3), 0),  # apart but within the tie ratio
])
def test_order_calls_ties_ties(a, b, expected):
    assert order(a, b) == expected
    assert ("tie" in compare_text("A", a, "B", b)) == (expected == 0)


def test_measure_needs_three_repeats_and_reports_median_and_range():
    calls = []
    t = measure(lambda: calls.append(1), repeats=3, warmup=2)
    assert len(calls) == 5 and t.repeats == 3 and t.low <= t.median <= t.high
    with pytest.raises(ValueError, match="at least 3"):
        measure(lambda: None, repeats=2)
    both = measure_each({"a": lambda: None, "b": lambda: None}, repeats=4)
    assert set(both) == {"a", "b"} and both["a"].repeats == 4
    assert T.scaled(10).median == pytest.approx(1e-2) and T.text() == "1 ms (0.9–1.1)"


# -- settings ---------------------------------------------------------------------------------------------
def test_settings_reject_unknown_names_and_sections():
    with pytest.raises(ValueError, match="unknown setting.*batch_sise"):
        make("batch-size", batch_sise=(1,))
    with pytest.raises(ValueError, match="unknown lab section 'nope'"):
        make("nope")
    assert make("linear", n=7).n == 7 and set(SETTINGS) == set(sections.SECTIONS)


def test_thorough_overrides_are_valid_settings():
    from gdlab.lab.settings import THOROUGH

    for key, changes in THOROUGH.items():
        cfg = make(key, **changes)
        assert all(getattr(cfg, name) == value for name, value in changes.items())


@pytest.mark.parametrize("b_simple,phrase", [(50.0, "agree within a factor 1.2"), (400.0, "differ by a factor 9.8"),
                                             (float("inf"), "at the initial weights)")])
def test_fit_text_says_agree_only_within_the_factor(b_simple, phrase):
    from gdlab.lab.experiments.batch_size import Fit

    runs = [NS(batch_size=b) for b in (1, 64, 1024)]
    r = NS(fit=Fit(s_min=30.0, b_noise=41.0), runs=runs, b_simple=b_simple, noise_trained={"batch_size": 64},
           noise_initial={"b_simple": 60.0})
    text = sections.fit_text(r)
    assert phrase in text
    assert ("agree" in text) == (b_simple == 50.0)
