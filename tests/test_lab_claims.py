"""The lab tells the truth: verdicts and sentences follow the numbers, timings hold still, settings live once."""

import dataclasses
from importlib import import_module
from types import SimpleNamespace as NS

import numpy as np
import pytest

from gdlab.i18n import Msg
from gdlab.lab import claims as C
from gdlab.lab.studies import STUDIES, make
from gdlab.lab.studies.activations import claims as activations
from gdlab.lab.studies.activations.section import activations_text
from gdlab.lab.studies.basics import claims as basics
from gdlab.lab.studies.batch_size import claims as batch
from gdlab.lab.studies.batch_size.section import fit_text, recommendation_text
from gdlab.lab.studies.compare.section import compare_text
from gdlab.lab.studies.curvature import claims as curvature
from gdlab.lab.studies.linear import claims as linear
from gdlab.lab.studies.linear.section import linear_text
from gdlab.lab.studies.lr_find.section import lr_find_text
from gdlab.lab.studies.momentum import claims as momentum
from gdlab.lab.studies.regimes import claims as regimes
from gdlab.lab.studies.surfaces.section import surface_text
from gdlab.lab.timing import Timing, compare_text as timing_compare_text, measure, measure_each, order

T = Timing(1e-3, 0.9e-3, 1.1e-3, 3)
COSTS = batch.BatchCosts(batch_sizes=(1, 16, 256), memory_kib=(30.0, 40.0, 100.0), samples_per_second=(3e3, 4e4, 2e5),
                         throughput_order=-1, largest_epochs=30.0, best_epochs=1.0, recommended=16)
REGIMES = dict(epochs=20, timed_n=100000, gd_step="1 s", sgd_step="1 ms", gd_step_vs_sgd=1, sgd_cv=2.0, minibatch_cv=0.4,
               sgd_tortuosity=45.0, minibatch_tortuosity=3.5)
ARRIVALS = (momentum.Arrival(0.0, 78, 30, 10.5), momentum.Arrival(0.9, 31, 15, 6.5))
MOMENTUM_RUNS = momentum.MomentumRuns(0.07, 300, *ARRIVALS, 0.93, 0.8, 0.93, 0.8, False, ((0.005, 0.07),), 0.08,
                                      0.0513)
EDGES = (momentum.EdgeRun(0.0, 0.08, True, False), momentum.EdgeRun(0.9, 0.152, True, False))
RIPPLES = (momentum.Ripple(0.5, 0), momentum.Ripple(0.6, 15))
LOCAL = (curvature.LocalRun(1.9, 0.0, False), curvature.LocalRun(2.1, 0.0, True))
ADADELTA = (momentum.AdadeltaCase("bowl", 36.0, 0.17, 0.05, 10.0, 0.01),
            momentum.AdadeltaCase("bowl × 100", 3600.0, 17.0, 5.0, 10.0, 1e-4))
ERRORS = {"sigmoid": 1e-9, "tanh": 1e-9, "relu": 1e-9, "leaky_relu": 1e-9, "softmax": 1e-9}

#: claim → (evidence in which it holds, changes that make it false, a phrase only the true text may say)
CASES = {
    1: (regimes.EpochCounts(10, (regimes.EpochCount(3, 4, 10),)),
        {"runs": (regimes.EpochCount(3, 3, 9),)}, "every sample once"),
    2: (basics.BatchGradient(1e-16, 8), {"max_gradient_difference": 0.3}, "used exactly"),
    3: (basics.ChainedIterations(0.0, 5), {"max_chain_difference": 1e-3}, "starts where"),
    4: (basics.ForwardByHand(0.0), {"max_difference": 0.1}, "gives the network's output"),
    5: (basics.LossByHand(0.0, 0.0, 0.01, 0.04), {"loss_small_gap": 0.05}, "grows with the gap"),
    6: (basics.ChainRule(1e-9, 49), {"max_relative_error": 0.2}, "matches"),
    7: (basics.LossDecrease(5, 5, 2.0, 1.0), {"decreased": 3}, "lowered the batch's loss"),
    8: (linear.Convergence(0.1, 1e-3, 25, 6, True), {"converged_at": None}, "reached w*"),
    9: (regimes.BatchGD(**REGIMES, gd_loss_rises=0, gd_final_loss=0.14, minibatch_final_loss=0.09),
        {"gd_final_loss": 0.05}, "Stable and slow"),
    10: (regimes.StochasticGD(**REGIMES, sgd_loss_rises=8), {"gd_step_vs_sgd": 0}, None),
    11: (regimes.MiniBatchGD(**REGIMES, epochs_to_gd_final=2), {"epochs_to_gd_final": None}, None),
    12: (MOMENTUM_RUNS, {"tutorial": momentum.Arrival(0.9, 123, 79, 33.0)}, "At η = 0.07"),
    13: (momentum.StepRatios({"SGD": 1.0, "Adagrad": 0.12, "Adadelta": 0.1, "Adam": 0.11}),
         {"ratios": {"SGD": 1.0, "Adagrad": 0.9, "Adadelta": 0.1, "Adam": 0.11}}, "a different step per parameter"),
    14: (regimes.OneOptimizer(True, 32, 500, 16), {"minibatch_iterations": 1}, "names the update"),
    15: (COSTS, {"memory_kib": (30.0, 20.0, 10.0)}, "Memory grows with B"),
    16: (batch.SmallestBatch(1, False, None, None, 1.0, 0.02, "not reached"),
         {"smallest_reached": True, "smallest_tuned_lr": 0.01, "smallest_epochs": 1.1}, "at no η"),
    17: (COSTS, {"recommended": 1}, "a best batch size in between"),
    18: (batch.Directions(((1, 0.2, 7.0), (4, 0.4, 3.5), (16, 0.7, 1.7)), (100, 25, 7)),
         {"directions": ((1, 0.2, 7.0), (4, 0.1, 8.0), (16, 0.7, 1.7))}, None),
    19: (batch.GeneralisationGaps(1, 1000, 0.02, 0.15, 0.05), {"gap_largest": 0.05}, "generalised better"),
    20: (batch.Extremes(**vars(COSTS), smallest=1, largest=256, smallest_time=("0.5", "0.48 s (0.45–0.52)"),
                        best_time=("0.05", "0.05 s (0.049–0.052)"),
                        smallest_vs_best=1), {"smallest_vs_best": 0}, None),
    21: (regimes.Sampling(True, 1.0, 0.63), {"orders_differ": False}, None),
    22: (regimes.FullGradientCost(32, (regimes.StepCost(1000, "0.4 ms", "0.07 ms", 4e-4, 6.0, 1),
                                       regimes.StepCost(100000, "290 ms", "0.2 ms", 0.29, 1400.0, 1))),
         {"rows": (regimes.StepCost(1000, "0.4 ms", "0.3 ms", 4e-4, 1.3, 0),
                   regimes.StepCost(2000, "0.5 ms", "0.3 ms", 5e-4, 1.6, 0))}, "one full-data step costs"),
    23: (linear.LineFit(3.0153, 3.0153), {"w_fitted": 2.5}, "least squares gives"),
    24: (linear.ParabolaShape(81, 1e-26, 5.5, 0.01, 0.0, 0.05), {"second_difference_min": -0.01}, "is a parabola"),
    25: (linear.StepsAlongSlope(1e-15), {"max_step_error": 0.1}, "Every step was"),
    26: (linear.StepSizes(oscillating_eta_lambda=1.6, oscillating_flips=25, oscillating_steps=25,
                          diverging_eta_lambda=2.1, diverging_grew=True, small_eta_lambda=0.1, good_eta_lambda=0.7,
                          steps=25, small_gap=0.09, good_gap=1e-15), {"diverging_grew": False, "oscillating_flips": 3},
         None),
    27: (basics.SwappedUnits(49, 0.0247, 0.0247, 0.05), {"midpoint_loss": 0.02}, "could not rise"),
    28: (activations.GradientChecks(ERRORS), {"max_relative_error": {**ERRORS, "tanh": 0.3}}, "backpropagates correctly"),
    29: (momentum.Forgetting(10.0, 0.1, 50, 150, 0.999, 0.02), {"rmsprop_recovered": 0.2}, "RMSprop forgot"),
    30: (momentum.AdamByHand(1e-16, 100, "Adam(lr=0.001)"), {"max_difference": 1e-3}, "equals"),
    31: (momentum.ConvergenceCondition(25.0, EDGES),
         {"runs": (EDGES[0], momentum.EdgeRun(0.9, 0.152, True, True))}, "every run outside diverged"),
    32: (momentum.CriticalDamping(0.07, 1.0, 0.541, RIPPLES), {"critical_beta": 0.65}, "again and again above"),
    33: (momentum.RippleRates(137, 0.004, 0.2, 0.445), {"max_relative_error": 0.05}, None),
    34: (momentum.NesterovPairs(43, 40, 3, 19, 18, 2, 37, True, momentum.NesterovExample(0.07, 0.9, 31, None, 0.05)),
         {"nesterov_sooner": 18}, None),
    36: (curvature.Divergence(7.76, LOCAL, 1.0, 1.1, 62.6, 0.94, 6.42),
         {"runs": (*LOCAL, curvature.LocalRun(1.5, 0.0, True))}, None),
    37: (curvature.GohRates(-0.02, 7.76, (curvature.RateCheck(0.5, 0.5001, 0.5, "v_max"),
                                          curvature.RateCheck(2.1, 1.1, 1.1, "random"))),
         {"checks": (curvature.RateCheck(0.5, 0.7, 0.5, "v_max"),)}, None),
    38: (curvature.Plane(7.76, (curvature.LocalRun(3.0, 0.9, False), curvature.LocalRun(3.0, 0.0, True))),
         {"runs": (curvature.LocalRun(3.0, 0.9, True),)}, None),
    35: (momentum.AdadeltaDefault(2000, ADADELTA),
         {"problems": (ADADELTA[0], momentum.AdadeltaCase("bowl × 100", 3600.0, 900.0, 5.0, 10.0, 1e-4))},
         "cut every problem's gap"),
}


def test_every_claim_has_a_case():
    assert sorted(CASES) == sorted(C.CLAIMS) == list(range(1, max(C.CLAIMS) + 1))


@pytest.mark.parametrize("claim_id", sorted(CASES))
def test_the_verdict_and_sentence_follow_the_numbers(claim_id):
    true, changes, phrase = CASES[claim_id]
    claim = C.CLAIMS[claim_id]
    yes = claim(true)
    no = claim(dataclasses.replace(true, **changes))
    assert yes.verdict == "shown" and not yes.sentence.startswith("Not observed")
    assert no.verdict == "not_observed" and no.sentence.startswith("Not observed in this run: ")
    if phrase:
        assert phrase in yes.sentence and phrase not in no.sentence
    assert no.to_json()["section"] == claim.section
    assert no.to_json()["evidence"] == dataclasses.asdict(no.evidence)


@pytest.mark.parametrize("claim_id", sorted(CASES))
def test_each_claim_is_registered_in_the_study_that_tests_it(claim_id):
    claim = C.CLAIMS[claim_id]
    assert claim.judge.__module__ == f"{STUDIES[claim.section].package}.claims"


def test_a_claim_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="claim 12 is registered twice"):
        C.claims_for("linear")(12)(lambda e: C.say(True, C.Msg("lab.verdict_shown"), C.Msg("lab.verdict_shown")))
    assert C.CLAIMS[12].section == "momentum"


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
    text = surface_text(r)
    assert text.startswith("1 of 2 optimizers settled") and "Adam (step 30)" in text
    assert "touched it but did not stay: Lion (first touch 5, 70% of later steps above)" in text
    r = NS(tolerance=1e-4, steps=100, races=[_race("Lion", 5, None, 0.7)])
    assert surface_text(r).startswith("0 of 1 optimizers settled") and "the first" not in \
        surface_text(r)


def _compare_run(label, lr, val, epochs_to_target, median):
    return NS(label=label, learning_rate=lr, val_accuracy=val, test_accuracy=val, epochs_to_target=epochs_to_target,
              step_time=Timing(median, median * 0.9, median * 1.1, 3))


@pytest.mark.parametrize("sgd,mom,verb", [(0.90, 0.95, "lifts"), (0.95, 0.90, "lowers"),
                                          (0.93, 0.935, "leaves (within noise)")])
def test_compare_text_says_lifts_only_when_it_does(sgd, mom, verb):
    r = NS(runs=[_compare_run("SGD", 0.05, sgd, 3, 1e-3), _compare_run("Momentum", 0.05, mom, 2, 1e-3)],
           accuracy_noise=0.02, settings=NS(target_accuracy=0.9, epochs=10))
    text = " ".join(compare_text(r))
    assert f"momentum {verb} plain SGD" in text
    assert "tie" in text  # equal step times are a tie, not a ranking


def test_linear_text_reports_disagreement():
    run = NS(learning_rate=0.1, eta_lambda=0.5, predicted_message=Msg("theory.predicted_monotone"),
             observed_message=Msg("theory.observed_descending"), w_path=np.array([1.0, 0.9]),
             loss_path=np.array([1.0, 0.5]))
    r = NS(runs=[run], w_star=0.0, loss=lambda w: 0.0)
    text = linear_text(r)[0]
    assert "disagrees" in text and "agrees)" not in text.replace("disagrees", "")


def test_lr_find_text_follows_the_suggestion_side():
    finder = NS(suggestion=3.0, suggestion_index=2, learning_rates=[0.1, 1.0, 3.0], losses=[1.0, 0.5, 9.0],
                smoothed=[1.0, 0.8, 3.0])
    r = NS(finder=finder, one_step_lr=1.0, smoothing=0.9, overshoot=lambda: None)
    text = " ".join(lr_find_text(r))
    assert "above 1/λ" in text and "past 2/λ, so it diverges" in text and "below 1/λ" not in text
    assert "at the suggestion it is 3 against a batch loss of 9" in text


def test_activations_text_does_not_claim_shrinking_when_a_slope_exceeds_one():
    z = np.linspace(-5, 5, 11)
    d = {"sigmoid": np.full(11, 1.5), "tanh": np.full(11, 0.5), "relu": np.ones(11), "leaky_relu": np.ones(11)}
    text = activations_text(NS(z=z, derivatives=d))
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
    text = recommendation_text(r)
    assert text.startswith("Recommendation: B = 64") and "A tie: B = 16 (0.018 s) is within 1.5× of it" in text
    assert "B = 1024 did not reach the target" in text and "30 steps × 0.42 ms per step = 0.0126 s" in text
    assert "at B = a/b ≈ 20: above that a step's time grows" in text
    r.recommended = None
    assert recommendation_text(r).startswith("No recommendation")


def test_recommendation_is_the_same_in_three_runs():
    from gdlab.lab.studies.batch_size.experiment import run as batch_size_study

    cfg = make("batch-size", batch_sizes=(4, 64), learning_rates=(1.0, 0.3, 0.1), target_accuracy=0.8,
               max_steps=400, noise_samples=40)
    results = [batch_size_study(cfg) for _ in range(3)]
    assert [r.recommended for r in results] == [64] * 3
    assert [[x.steps_to_target for x in r.runs] for r in results] == [[x.steps_to_target for x in results[0].runs]] * 3


def test_memory_budget_limits_the_recommendation():
    from gdlab.lab.studies.batch_size.experiment import run as batch_size_study

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
    assert ("tie" in timing_compare_text("A", a, "B", b)) == (expected == 0)


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
    assert make("linear", n=7).n == 7


def test_every_study_has_its_section_and_experiment():
    assert list(STUDIES) == ["basics", "linear", "regimes", "momentum", "surfaces", "compare", "batch-size",
                             "lr-find", "activations", "curvature"]
    for study in STUDIES.values():
        assert callable(import_module(f"{study.package}.section").build)
        assert callable(import_module(f"{study.package}.experiment").run)
        assert isinstance(study.make(), study.settings)


def test_thorough_overrides_are_valid_settings():
    for study in STUDIES.values():
        cfg = study.make(**study.thorough)
        assert all(getattr(cfg, name) == value for name, value in study.thorough.items())


@pytest.mark.parametrize("b_simple,phrase", [(50.0, "agree within a factor 1.2"), (400.0, "differ by a factor 9.8"),
                                             (float("inf"), "at the initial weights)")])
def test_fit_text_says_agree_only_within_the_factor(b_simple, phrase):
    from gdlab.lab.studies.batch_size.fits import Fit

    runs = [NS(batch_size=b) for b in (1, 64, 1024)]
    r = NS(fit=Fit(s_min=30.0, b_noise=41.0), runs=runs, b_simple=b_simple, noise_trained={"batch_size": 64},
           noise_initial={"b_simple": 60.0})
    text = fit_text(r)
    assert phrase in text
    assert ("agree" in text) == (b_simple == 50.0)


def test_the_readme_counts_the_claims_the_lab_registers():
    import re
    from pathlib import Path

    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert int(re.search(r"an index of (\d+) claims", text).group(1)) == len(C.CLAIMS)
