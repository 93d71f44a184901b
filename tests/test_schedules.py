import math

import numpy as np
import pytest

from gdlab import Sequential, schedules
from gdlab.callbacks import LearningRateScheduler, ReduceLROnPlateau
from gdlab.layers import Dense
from gdlab.optimizers import SGD

S = schedules
CASES = [  # (schedule, {step: value worked out by hand})
    (S.Constant(0.1), {0: 0.1, 10**6: 0.1}),
    (S.StepDecay(1.0, step_size=10, gamma=0.5), {0: 1.0, 9: 1.0, 10: 0.5, 25: 0.25}),
    (S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]), {0: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 21: 0.1}),
    (S.ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5), {0: 1.0, 10: 0.5, 5: 0.5**0.5, 20: 0.25}),
    (S.ExponentialDecay(1.0, 10, 0.5, staircase=True), {9: 1.0, 10: 0.5, 19: 0.5}),
    (S.InverseTimeDecay(1.0, decay_steps=10, decay_rate=1.0), {0: 1.0, 10: 0.5, 30: 0.25}),
    (S.InverseTimeDecay(1.0, 10, 1.0, staircase=True), {9: 1.0, 15: 0.5}),
    (S.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0, power=1.0), {0: 1.0, 5: 0.5, 10: 0.0, 99: 0.0}),
    (S.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0), {5: 0.9 * 0.25 + 0.1}),
    (S.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True), {0: 1.0, 5: 0.5, 15: 0.25, 20: 0.0}),
    (S.CosineDecay(1.0, decay_steps=10), {0: 1.0, 5: 0.5, 10: 0.0, 20: 0.0}),
    (S.CosineDecay(1.0, 10, alpha=0.2), {5: 0.8 * 0.5 + 0.2, 10: 0.2}),
    (S.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=1.0), {0: 1.0, 5: 0.5, 10: 1.0, 15: 0.5}),
    # t_mul = 2: periods [0, 10), [10, 30), [30, 70): step 20 is halfway through period 1
    (S.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5), {0: 1.0, 10: 0.5, 20: 0.25, 30: 0.25, 50: 0.125}),
    (S.LinearWarmup(S.Constant(0.1), warmup_steps=4), {0: 0.0, 2: 0.05, 4: 0.1, 100: 0.1}),
    (S.LinearWarmup(S.CosineDecay(1.0, 10), warmup_steps=10, initial_learning_rate=0.5), {5: 0.75, 15: 0.5}),
]


@pytest.mark.parametrize("schedule,values", CASES, ids=[repr(c[0])[:60] for c in CASES])
def test_values_by_hand(schedule, values):
    for step, expected in values.items():
        assert schedule(step) == pytest.approx(expected, rel=1e-12, abs=1e-15), step


@pytest.mark.parametrize("schedule,values", CASES, ids=[repr(c[0])[:60] for c in CASES])
def test_config_round_trip(schedule, values):
    again = schedules.get({"class_name": type(schedule).__name__, "config": schedule.get_config()})
    assert [again(s) for s in range(40)] == [schedule(s) for s in range(40)]


@pytest.mark.parametrize("make,match", [
    (lambda: S.ExponentialDecay(1.0, 0, 0.5), "decay_steps=0"),
    (lambda: S.PiecewiseConstantDecay([1, 2], [1.0]), "one more entry"),
    (lambda: S.PiecewiseConstantDecay([2, 1], [1.0, 0.5, 0.1]), "strictly increasing"),
    (lambda: S.CosineDecay(-1.0, 10), "initial_learning_rate=-1.0"),
    (lambda: S.LinearWarmup(S.Constant(0.1), 0), "warmup_steps=0"),
    (lambda: schedules.get("sawtooth"), "known schedules"),
])
def test_bad_schedule_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


class FakeModel:
    def __init__(self, lr):
        self.optimizer = SGD(lr)


def test_reduce_lr_on_plateau_on_a_made_up_loss_sequence():
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_delta=0.0, cooldown=1, min_lr=0.02)
    model = FakeModel(0.1)
    cb.set_model(model)
    cb.on_train_begin()
    losses = [1.0, 0.9, 0.9, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
    lrs = []
    for epoch, loss in enumerate(losses):
        cb.on_epoch_end(epoch, {"val_loss": loss})
        lrs.append(model.optimizer.learning_rate)
    # Keras's rule: epochs 2, 3 without improvement → halve at 3 (cooldown 1). Epoch 4 spends the
    # cooldown and, no longer in cooldown, already counts (wait 1); epoch 5 → halve. 7 improves;
    # 8, 9 → 0.0125 is below min_lr → 0.02 at 9; from then on η = min_lr and stays.
    assert lrs == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02]


def test_learning_rate_scheduler_callback_in_fit():
    x = np.linspace(0, 1, 8)[:, None]
    model = Sequential([Dense(1)], dtype="float64", seed=0)
    model.compile(SGD(0.1), "mse")
    cb = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    h = model.fit(x, 2 * x, epochs=4, batch_size=4, callbacks=[cb], verbose=0)
    assert h.history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]


def test_schedule_in_fit_reports_the_next_steps_rate():
    x = np.linspace(0, 1, 8)[:, None]
    model = Sequential([Dense(1)], dtype="float64", seed=0)
    model.compile(SGD(S.StepDecay(0.1, step_size=2, gamma=0.1)), "mse")
    h = model.fit(x, 2 * x, epochs=2, batch_size=4, verbose=0)  # 2 iterations per epoch
    assert h.history["learning_rate"] == [pytest.approx(0.01), pytest.approx(0.001)]


def test_plateau_cannot_change_a_schedule():
    model = FakeModel(0.1)
    model.optimizer = SGD(S.Constant(0.1))
    cb = ReduceLROnPlateau(monitor="loss", patience=0)
    cb.set_model(model)
    cb.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(TypeError, match="cannot change a learning rate that is a schedule"):
        cb.on_epoch_end(1, {"loss": 1.0})


def test_math_sanity_of_restart_periods():
    s = S.CosineDecayRestarts(1.0, 10, t_mul=2.0)
    assert s.period(29.999)[0] == 1 and s.period(30)[0] == 2
    assert math.isclose(s.period(20)[1], 0.5)


@pytest.mark.parametrize("t_mul", [2.0, 3.0, 1.5])
def test_cosine_decay_restarts_exact_period_at_restart_steps(t_mul):
    """At every restart step the rate is back at its peak: (1210) with t_mul = 3 is 1.0 (log 243/log 3 = 4.999…)."""
    s = S.CosineDecayRestarts(1.0, 10, t_mul=t_mul)
    starts, length, restarts = 0.0, 10.0, []
    for _ in range(12):
        starts += length
        length *= t_mul
        if starts == int(starts):  # an integer restart step
            restarts.append(int(starts))
    assert restarts
    for i, step in enumerate(restarts, start=1):
        assert s.period(step) == (i, 0.0), step
        assert s(step) == 1.0, step
        assert s.period(step - 1)[0] == i - 1, step
    assert S.CosineDecayRestarts(1.0, 10, t_mul=3.0)(1210) == 1.0
