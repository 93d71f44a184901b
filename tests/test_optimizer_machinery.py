"""The base class's bookkeeping: clipping, weight decay, accumulation, EMA, schedules, state."""

import math

import numpy as np
import pytest

from gdlab import schedules
from gdlab.optimizers import SGD, Adam, AdamW, Lion, Nadam, RMSprop, get

G = np.array([3.0, 4.0, 0.0, 12.0])  # ‖(3, 4)‖ = 5, ‖(0, 12)‖ = 12, ‖G‖ = 13


def step_once(opt, theta=None, g=G, segments=None):
    theta = np.zeros_like(g) if theta is None else theta.copy()
    opt.build(theta, segments)
    opt.apply_gradients(theta, g.copy())
    return theta


def test_clipvalue():
    np.testing.assert_array_equal(step_once(SGD(1.0, clipvalue=3.5)), -np.array([3.0, 3.5, 0.0, 3.5]))


def test_global_clipnorm_scales_the_whole_vector():
    np.testing.assert_allclose(step_once(SGD(1.0, global_clipnorm=6.5)), -G * 0.5, rtol=1e-15)


def test_clipnorm_clips_each_parameter_array_separately():
    segs = [slice(0, 2), slice(2, 4)]
    got = step_once(SGD(1.0, clipnorm=6.0), segments=segs)
    np.testing.assert_allclose(got, -np.array([3.0, 4.0, 0.0, 6.0]), rtol=1e-15)  # only the second is clipped


@pytest.mark.parametrize("opt,expected", [
    # Keras: decoupled θ ← θ − θ·λ·η, then the step: 1 − 0.1·0.5·1 − 0.5·g
    (SGD(0.5, weight_decay=0.1), 1 - 0.1 * 0.5 - 0.5 * 2.0),
    # torch: L2 in the gradient g ← g + λθ = 2.1, then θ − η·g
    (SGD(0.5, weight_decay=0.1, convention="torch"), 1 - 0.5 * 2.1),
    # torch AdamW: decoupled θ·(1 − ηλ) then Adam's first step of size η
    (AdamW(0.5, weight_decay=0.1, epsilon=0.0, convention="torch"), 1 * (1 - 0.5 * 0.1) - 0.5),
    (AdamW(0.5, weight_decay=0.1, epsilon=0.0), 1 - 1 * 0.1 * 0.5 - 0.5),
    # Lion decays decoupled in both conventions
    (Lion(0.5, weight_decay=0.1, convention="torch"), 1 * (1 - 0.5 * 0.1) - 0.5),
])
def test_weight_decay_per_convention(opt, expected):
    w = np.array([1.0])
    opt.apply_gradients(w, np.array([2.0]))
    assert w[0] == pytest.approx(expected, rel=1e-15)


def test_adam_torch_weight_decay_is_l2_not_decoupled():
    a, b = np.array([1.0]), np.array([1.0])
    Adam(0.1, weight_decay=0.5, convention="torch").apply_gradients(a, np.array([0.0]))
    AdamW(0.1, weight_decay=0.5, convention="torch").apply_gradients(b, np.array([0.0]))
    assert a[0] == pytest.approx(0.9, rel=1e-6)  # L2: g = 0.5·θ, the first Adam step is η
    assert b[0] == pytest.approx(1 - 0.05, rel=1e-15)  # decoupled: θ(1 − ηλ), then m = 0 → no step


def test_gradient_accumulation_averages_and_updates_every_n_calls():
    opt, w = SGD(1.0, gradient_accumulation_steps=3), np.zeros(1)
    updated = [opt.apply_gradients(w, np.array([g])) for g in (1.0, 2.0, 6.0)]
    assert updated == [False, False, True] and w[0] == -3.0 and opt.iterations == 1
    opt.apply_gradients(w, np.array([9.0]))
    assert w[0] == -3.0  # the accumulator was reset


def test_ema_tracks_and_finalize_swaps_in_the_average():
    opt, w = SGD(1.0, use_ema=True, ema_momentum=0.5), np.zeros(1)
    opt.apply_gradients(w, np.array([-4.0]))  # θ = 4, θ̄ = 0.5·0 + 0.5·4 = 2
    opt.apply_gradients(w, np.array([-4.0]))  # θ = 8, θ̄ = 0.5·2 + 0.5·8 = 5
    assert w[0] == 8.0
    opt.finalize(w)
    assert w[0] == 5.0


def test_ema_overwrite_frequency():
    opt, w = SGD(1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2), np.zeros(1)
    opt.apply_gradients(w, np.array([-4.0]))
    opt.apply_gradients(w, np.array([-4.0]))
    assert w[0] == 5.0


def test_schedule_is_evaluated_at_the_iteration_count():
    sched = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    opt, w = SGD(sched), np.zeros(1)
    for _ in range(4):
        opt.apply_gradients(w, np.array([-1.0]))
    assert w[0] == 1.0 + 0.5 + 0.25 + 0.25  # η(0), η(1), η(2), η(3)


@pytest.mark.parametrize("make", [
    lambda: SGD(0.1, momentum=0.9, nesterov=True), lambda: Adam(0.01, amsgrad=True),
    lambda: RMSprop(0.01, momentum=0.5, centered=True, convention="torch"), lambda: Nadam(0.01),
    lambda: AdamW(schedules.CosineDecay(0.01, 7), use_ema=True, gradient_accumulation_steps=2),
])
def test_state_dict_round_trip_is_bitwise(make):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=5) for _ in range(10)]
    straight, theta = make(), np.ones(5)
    for g in grads:
        straight.apply_gradients(theta, g.copy())
    first, resumed_theta = make(), np.ones(5)
    for g in grads[:5]:
        first.apply_gradients(resumed_theta, g.copy())
    state, cfg = first.state_dict(), first.get_config()
    second = type(first).from_config(cfg)
    second.build(resumed_theta)
    second.load_state_dict(state)
    for g in grads[5:]:
        second.apply_gradients(resumed_theta, g.copy())
    np.testing.assert_array_equal(theta, resumed_theta)


def test_state_dict_errors():
    with pytest.raises(RuntimeError, match="no state yet"):
        Adam().state_dict()
    a = Adam()
    a.build(np.zeros(3))
    with pytest.raises(ValueError, match=r"state has arrays \['slot/m'\]; expected"):
        a.load_state_dict({"iterations": 1, "arrays": {"slot/m": np.zeros(3)}})
    with pytest.raises(ValueError, match=r"has shape \(4,\); expected \(3,\)"):
        a.load_state_dict({"iterations": 1, "arrays": {"slot/m": np.zeros(4), "slot/v": np.zeros(3)}})


def test_config_round_trip_every_optimizer_and_convention():
    from gdlab.optimizers import registry

    for name in registry.names():
        for conv in ("keras", "torch"):
            opt = get(name, convention=conv)
            again = type(opt).from_config(opt.get_config())
            assert again.get_config() == opt.get_config()
            assert get({"class_name": type(opt).__name__, "config": opt.get_config()}).get_config() == opt.get_config()


def test_plain_callable_learning_rate_cannot_be_saved():
    opt = SGD(lambda step: 0.1)
    with pytest.raises(TypeError, match="plain callable"):
        opt.get_config()


def test_float32_parameters_stay_float32():
    for name in ("sgd", "adam", "rmsprop", "nadam", "radam", "lion", "adamax", "adagrad", "adadelta"):
        w = np.ones(4, dtype=np.float32)
        opt = get(name)
        for _ in range(3):
            opt.apply_gradients(w, np.full(4, 0.5, dtype=np.float32))
        assert w.dtype == np.float32 and all(v.dtype == np.float32 for v in opt.state.values())


def test_adam_learning_rate_alias_matches_math():
    w = np.array([0.0])
    Adam(lr=0.25, epsilon=0.0).apply_gradients(w, np.array([7.0]))
    assert w[0] == pytest.approx(-0.25, rel=1e-15) and math.isfinite(w[0])
