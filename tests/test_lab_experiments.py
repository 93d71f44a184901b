"""The lab's numbers, checked against theory and hand computation."""

import numpy as np
import pytest

from gdlab import datasets
from gdlab.lab import surfaces
from gdlab.lab.noise import noise_scale, per_example_gradients
from gdlab.lab.studies import make
from gdlab.lab.studies.activations import experiment as activations
from gdlab.lab.studies.basics import experiment as basics
from gdlab.lab.studies.batch_size import experiment as batch_size
from gdlab.lab.studies.batch_size.fits import fit_scaling, fit_step_cost
from gdlab.lab.studies.batch_size import trials
from gdlab.lab.studies.batch_size.trials import Trial, run_trials
from gdlab.lab.studies.compare import experiment as compare
from gdlab.lab.studies.linear import experiment as linear_study
from gdlab.lab.studies.lr_find import experiment as lr_find
from gdlab.lab.studies.momentum import experiment as momentum
from gdlab.lab.studies.regimes import experiment as regimes
from gdlab.lab.studies.surfaces.experiment import surface_race


@pytest.fixture(scope="module")
def linear():
    return linear_study.run(make("linear", n=40, noise=0.2, true_w=2.5, steps=30, seed=3))


def test_linear_theory_matches_a_hand_computation(linear):
    x, y = datasets.house_prices(n=40, noise=0.2, true_w=2.5, seed=3)
    lam = 2 * np.mean(x**2)
    assert linear.curvature == pytest.approx(lam, rel=1e-15)
    assert linear.one_step_lr == pytest.approx(1 / lam, rel=1e-15)
    assert linear.divergence_lr == pytest.approx(2 / lam, rel=1e-15)
    assert linear.w_star == pytest.approx(np.sum(x * y) / np.sum(x * x), rel=1e-14)
    w = 1.7
    assert linear.loss(w) == pytest.approx(np.mean((w * x - y) ** 2), rel=1e-13)


def test_every_step_contracts_by_one_minus_eta_lambda(linear):
    for run in linear.runs:
        e = run.w_path - linear.w_star
        ratios = e[1:6] / e[:5]
        np.testing.assert_allclose(ratios, 1 - run.eta_lambda, rtol=1e-9)


def test_regimes(linear):
    runs = {r.label: r for r in linear.runs}
    div, osc, good, small = runs["diverging"], runs["oscillating"], runs["good"], runs["too small"]
    assert np.all(np.diff(div.loss_path) > 0) and div.observed.startswith("diverged")
    e = osc.w_path - linear.w_star
    assert np.all(np.sign(e[1:]) == -np.sign(e[:-1]))  # w − w* changes sign every step
    assert abs(e[-1]) < abs(e[0])
    for r in (good, small, osc):  # batch GD on a convex loss: monotone
        assert np.all(np.diff(r.loss_path) <= 1e-12)
    assert good.observed.startswith("converged") and small.observed == "is still descending"
    assert abs(linear.w_fitted - linear.w_star) < 1e-6
    assert [r.predicted for r in linear.runs] == [
        "too small: slow monotone descent", "monotone descent", "oscillating, converging", "diverging"]


def test_one_step_landing():
    r = linear_study.run(make("linear", n=20, steps=3), rates={"exact": 1.0})
    assert abs(r.runs[0].w_path[1] - r.w_star) < 1e-12
    assert r.runs[0].predicted == "one-step landing"


@pytest.mark.parametrize("name", ["rosenbrock", "beale", "bowl", "saddle"])
def test_surface_gradients_are_exact(name):
    s = surfaces.get(name)
    rng = np.random.default_rng(0)
    for _ in range(5):
        t = rng.uniform(-1.5, 1.5, 2)
        h = 1e-6
        num = np.array([(s.f(t + h * e) - s.f(t - h * e)) / (2 * h) for e in np.eye(2)])
        np.testing.assert_allclose(s.grad(t), num, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(s.grad(np.array(s.minimum)), 0, atol=1e-12)


def test_every_optimizer_ends_near_the_bottom_of_the_bowl():
    r = surface_race("bowl")
    assert len(r.races) == 12
    for race in r.races:
        assert np.linalg.norm(race.path[-1]) < 0.05, race.optimizer
    settled = {x.optimizer for x in r.races if x.settled is not None}
    assert {"SGD", "Momentum", "Adam"} <= settled
    for race in r.races:  # settling is never before the first touch, and from there it stays
        if race.settled is not None:
            assert race.first_touch <= race.settled
            assert np.all(race.gap[race.settled:] < r.tolerance)


def test_noise_scale_on_gradients_with_known_covariance():
    """gᵢ = G + εᵢ with ε ~ N(0, Σ): tr(Σ) and |G|² are known, so B = tr(Σ)/|G|² is known."""
    rng = np.random.default_rng(0)
    G = np.array([1.0, -2.0, 0.5, 0.0])
    sigma = np.diag([4.0, 1.0, 9.0, 2.0])
    grads = rng.multivariate_normal(G, sigma, size=200_000)
    est = noise_scale(grads)
    assert est["trace_sigma"] == pytest.approx(16.0, rel=0.01)
    assert est["g_norm2"] == pytest.approx(5.25, rel=0.01)
    assert est["b_simple"] == pytest.approx(16.0 / 5.25, rel=0.02)


def test_noise_scale_bias_correction_matters_for_small_samples():
    rng = np.random.default_rng(1)
    G = np.array([0.3, 0.0])
    sigma = np.eye(2) * 1.0
    ests = [noise_scale(rng.multivariate_normal(G, sigma, size=50)) for _ in range(400)]
    biased = np.mean([e["g_norm2_biased"] for e in ests])
    unbiased = np.mean([e["g_norm2"] for e in ests])
    assert abs(unbiased - 0.09) < abs(biased - 0.09)  # E‖Ḡ‖² = |G|² + tr(Σ)/n = 0.09 + 0.04


def test_per_example_gradients_average_to_the_batch_gradient():
    from gdlab import Sequential
    from gdlab.layers import Dense

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 3)), rng.integers(0, 3, 12)
    model = Sequential([Dense(4, activation="tanh"), Dense(3, activation="softmax")], dtype="float64", seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    per = per_example_gradients(model, x, y)
    _, batch = model.loss_and_gradient(*model.prepare(x, y))
    np.testing.assert_allclose(per.mean(axis=0), batch, rtol=1e-12, atol=1e-15)


def test_batch_size_study_tunes_eta_per_batch_size_and_recommends_one():
    cfg = make("batch-size", batch_sizes=(16, 64, "full"), learning_rates=(1.0, 0.3, 0.1), target_accuracy=0.8,
               max_steps=400, noise_samples=60)
    r = batch_size.run(cfg)
    sizes = [run.batch_size for run in r.runs]
    assert sizes == [16, 64, r.n_train]
    assert [run.iterations_per_epoch for run in r.runs] == [-(-r.n_train // b) for b in sizes]
    for run in r.runs:
        assert len(run.grid) == 3 and run.step_time.repeats == 3 and run.step_time.low <= run.step_time.median
        reached = [g for g in run.grid if g["status"] == "reached"]
        if reached:  # the tuned η is the grid point with the fewest steps
            assert run.steps_to_target == min(g["steps_to_target"] for g in reached)
            assert run.tuned_lr in [g["learning_rate"] for g in reached]
    assert r.runs[0].memory_bytes < r.runs[-1].memory_bytes  # a bigger batch needs more memory per step
    assert r.recommended in sizes and r.noise_initial["b_simple"] > 0
    data = r.to_json()
    assert data["recommended_batch_size"] == r.recommended
    assert {"tuned_learning_rate", "steps_to_target", "epochs_to_target", "seconds_to_target",
            "step_memory_bytes", "step_path"} <= set(data["batch_sizes"][0])
    # the steps are timed on the executor a fit of that batch size runs
    for run in r.runs:
        model = trials.compiled(trials.new_model(cfg.hidden, cfg.seed, 64), 0.01, cfg.momentum)
        assert run.step_path == model.execution_plan(batch_size=run.batch_size).path
    assert {"S_min", "E_min", "B_noise_fitted", "B_simple_measured"} <= set(data)


def test_trials_share_the_best_count_of_their_batch_size():
    rows = run_trials([Trial(64, 0.3, target_accuracy=0.8, max_steps=400),
                         Trial(64, 0.01, target_accuracy=0.8, max_steps=400)])
    assert rows[0]["status"] == "reached"
    assert rows[1]["status"] == "stopped at the best count" and rows[1]["steps_run"] == rows[0]["steps_to_target"]


@pytest.mark.parametrize("a,b", [(1e-4, 2e-6), (0.0, 1e-6), (3e-4, 0.0)])
def test_step_cost_fit_recovers_a_plus_b_times_batch(a, b):
    sizes = np.array([1, 4, 16, 64, 256, 1024])
    fa, fb = fit_step_cost(sizes, a + b * sizes)
    assert fa == pytest.approx(a, abs=1e-12) and fb == pytest.approx(b, abs=1e-15)


@pytest.mark.parametrize("s_min,b_noise", [(30.0, 40.0), (100.0, 5.0), (8.0, 500.0)])
def test_fit_recovers_the_model_from_exact_counts(s_min, b_noise):
    b = np.array([1, 4, 16, 64, 256, 1024])
    f = fit_scaling(b, s_min * (1 + b_noise / b))
    assert f.s_min == pytest.approx(s_min, rel=1e-9) and f.b_noise == pytest.approx(b_noise, rel=1e-9)
    assert f.e_min == pytest.approx(s_min * b_noise, rel=1e-9)
    assert f.regime(b_noise / 10) == "perfect scaling" and f.regime(b_noise * 10) == "no further gain"
    assert f.regime(b_noise) == "diminishing returns"


def test_fit_refuses_counts_that_grow_with_the_batch():
    assert fit_scaling([1, 10, 100], [10, 20, 40]) is None
    assert fit_scaling([1, 10], [100, 20]) is None


def test_regimes_same_start_and_the_expected_counts():
    r = regimes.run(make("regimes", n=60, minibatch=8, epochs=3, cost_sizes=(100, 400)))
    gd, sgd, mb = r.runs
    assert (gd.iterations_per_epoch, sgd.iterations_per_epoch, mb.iterations_per_epoch) == (1, 60, 8)
    assert len(sgd.batch_loss) == 180 and gd.tortuosity == pytest.approx(1.0, abs=0.05)
    assert gd.epoch_loss[0] == sgd.epoch_loss[0] == mb.epoch_loss[0]  # the same initial weights
    assert sgd.tortuosity > mb.tortuosity > gd.tortuosity
    assert [x.samples_per_epoch for x in r.runs] == [60, 60, 60]
    assert r.orders_differ and r.unique_fraction_without == 1.0 and r.unique_fraction_with < 1.0
    assert [c.n for c in r.cost] == [100, 400]


def test_compare_uses_the_same_initial_weights():
    r = compare.run(make("compare", epochs=2), contestants=["SGD", "Adam"])
    assert [x.label for x in r.runs] == ["SGD", "Adam"]
    assert all(0 <= x.test_accuracy <= 1 for x in r.runs)
    assert [x.learning_rate for x in r.runs] == [0.05, 0.001]
    assert all(x.step_time.repeats == 3 for x in r.runs)


def test_lr_range_on_the_parabola():
    r = lr_find.run(make("lr-find", n=100))
    f = r.finder
    assert f.stopped_early  # the loss blows up past 2/λ
    assert f.learning_rates[-1] > 2 * r.one_step_lr
    assert 1e-4 < f.suggestion < 2 * r.one_step_lr
    o = r.overshoot()
    assert f.learning_rates[o["crossed"]] > 2 * r.one_step_lr >= f.learning_rates[o["crossed"] - 1]
    assert o["crossed"] <= o["stopped"] == len(f.learning_rates) - 1


def test_activation_curves():
    r = activations.run(make("activations", points=101))
    mid = 50
    assert r.derivatives["sigmoid"][mid] == pytest.approx(0.25)
    assert r.derivatives["tanh"][mid] == pytest.approx(1.0)
    np.testing.assert_allclose(r.values["softmax"], r.values["sigmoid"], rtol=1e-12)
    np.testing.assert_allclose(r.derivatives["softmax"], r.derivatives["sigmoid"], atol=1e-9)
    s = r.values["sigmoid"]
    np.testing.assert_allclose(r.derivatives["sigmoid"], s * (1 - s), atol=1e-9)  # central differences
    assert set(r.backprop_errors) == {"sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
    assert max(r.backprop_errors.values()) < 1e-6


def test_basics_checks_hold_on_a_tiny_network():
    r = basics.run(make("basics", n=40, hidden=3, iterations=3))
    assert r.forward_difference < 1e-12 and r.loss_difference < 1e-12 and r.gradcheck_error < 1e-6
    assert r.batch_gradient_difference < 1e-12 and r.chain_difference < 1e-12
    assert r.loss_at_truth == 0 and r.loss_small_gap < r.loss_large_gap
    assert r.loss_trained == pytest.approx(r.loss_swapped, rel=1e-12)


def test_momentum_experiment_numbers():
    r = momentum.run(make("momentum", momenta=(0.5,), steps=200, betas=(0.5, 0.9), learning_rates=(0.01, 0.07),
                          adadelta_steps=50))
    gd, mom = r.run_at(0.0), r.run_at(0.5)
    assert [x.momentum for x in r.runs] == [0.0, 0.5, 0.9]  # the tutorial's β = 0.9 always runs
    assert mom.steps_to_tolerance < gd.steps_to_tolerance and mom.y_path < gd.y_path
    assert r.step_ratios["SGD"] == pytest.approx(1.0)
    assert r.rmsprop_recovered > 0.9 > 0.5 > r.adagrad_recovered
    assert r.adam_difference < 1e-12


def test_momentum_sweep_agrees_with_the_theory():
    """Each direction of the bowl follows the momentum step's 2×2 recurrence: measured rates equal its spectral
    radius, the convergence condition and critical damping hold, Nesterov diverges where its radius is ≥ 1."""
    from gdlab import theory
    from gdlab.lab.studies.momentum import sweeps

    sw = sweeps.heavy_ball_sweep((0.01, 0.07), (0.0, 0.5, 0.6, 0.9), 300, 1e-4)
    for r in sw.runs:
        for d in r.directions:
            if d.rate is not None and d.converged:
                assert d.rate == pytest.approx(d.predicted_rate, rel=0.01), (r, d)
    assert all(a.directions[1].converged and not b.directions[1].converged
               for a, b in zip(sw.edges[::2], sw.edges[1::2]))
    beta_c = theory.critical_momentum(0.07)  # 0.541 along λ = 1
    assert sw.at(0.07, 0.5).directions[0].sign_changes <= 1 < 2 <= sw.at(0.07, 0.6).directions[0].sign_changes
    assert 0.5 < beta_c < 0.6
    assert sw.at(0.07, 0.9).directions[0].rate == pytest.approx(0.9 ** 0.5, rel=0.01)  # the ripple rate √β
    assert sw.at(0.07, 0.9, nesterov=True).steps_to_tolerance is None  # ηλ = 1.75 > 2(1 + β)/(1 + 2β)
    assert theory.momentum_rate(1.75, 0.9, nesterov=True) > 1 > theory.momentum_rate(1.75, 0.9)
    assert theory.best_momentum(1, 25) == pytest.approx((1 / 9, 4 / 9, 2 / 3))


def test_envelope_rate_reads_a_known_spiral_and_a_known_blow_up():
    from gdlab.lab.paths import envelope_rate

    k = np.arange(400)
    assert envelope_rate(0.9 ** k * np.cos(0.3 * k)) == pytest.approx(0.9, rel=1e-3)
    assert envelope_rate(1.05 ** k * (-1.0) ** k) == pytest.approx(1.05, rel=1e-3)
    assert envelope_rate(np.ones(5)) is None
