"""The base class's bookkeeping: clipping, weight decay, accumulation, EMA, schedules, state."""

import math

import numpy as np
import pytest

from gdlab import kernels, schedules
from gdlab.optimizers import SGD, Adam, AdamW, Lion, Nadam, RMSprop, get, registry
from gdlab.parameters import Parameters

G = np.array([3.0, 4.0, 0.0, 12.0])  # ‖(3, 4)‖ = 5, ‖(0, 12)‖ = 12, ‖G‖ = 13


def two_arrays():
    """θ as a model holds it: two named parameter arrays of 2 entries each."""
    return Parameters([("dense/kernel", (2,)), ("dense/bias", (2,))], np.float64)


def step_once(opt, g=G, parameters=None):
    parameters = parameters or two_arrays()
    opt.build(parameters)
    opt.apply_gradients(parameters.theta, g.copy())
    return parameters.theta


def test_clipvalue():
    np.testing.assert_array_equal(step_once(SGD(1.0, clipvalue=3.5)), -np.array([3.0, 3.5, 0.0, 3.5]))


def test_global_clipnorm_scales_the_whole_vector():
    np.testing.assert_allclose(step_once(SGD(1.0, global_clipnorm=6.5)), -G * 0.5, rtol=1e-15)


def test_clipnorm_clips_each_parameter_array_separately():
    got = step_once(SGD(1.0, clipnorm=6.0))
    np.testing.assert_allclose(got, -np.array([3.0, 4.0, 0.0, 6.0]), rtol=1e-15)  # only the second is clipped


def test_clipnorm_on_a_bare_vector_clips_it_as_one_array():
    w = np.zeros(4)
    SGD(1.0, clipnorm=6.5).apply_gradients(w, G.copy())  # unbuilt: builds with one segment
    np.testing.assert_allclose(w, -G * 0.5, rtol=1e-15)


@pytest.mark.parametrize("bad", [[0.0, 1.0], np.zeros((2, 2)), None])
def test_build_needs_parameters_or_a_vector(bad):
    with pytest.raises(TypeError, match="expected gdlab.parameters.Parameters or a 1-D array"):
        SGD(0.1).build(bad)


@pytest.mark.parametrize("make,expected", [
    # Keras: decoupled θ ← θ − θ·λ·η (computed as θ·(1 − η·λ)), then the step: 1 − 0.1·0.5·1 − 0.5·g
    (lambda: SGD(0.5, weight_decay=0.1), 1 - 0.1 * 0.5 - 0.5 * 2.0),
    # torch: L2 in the gradient g ← g + λθ = 2.1, then θ − η·g
    (lambda: SGD(0.5, weight_decay=0.1, convention="torch"), 1 - 0.5 * 2.1),
    # torch AdamW: decoupled θ·(1 − ηλ) then Adam's first step of size η
    (lambda: AdamW(0.5, weight_decay=0.1, epsilon=0.0, convention="torch"), 1 * (1 - 0.5 * 0.1) - 0.5),
    (lambda: AdamW(0.5, weight_decay=0.1, epsilon=0.0), 1 - 1 * 0.1 * 0.5 - 0.5),
    # Lion decays decoupled in both conventions
    (lambda: Lion(0.5, weight_decay=0.1, convention="torch"), 1 * (1 - 0.5 * 0.1) - 0.5),
])
def test_weight_decay_per_convention(make, expected):
    opt, w = make(), np.array([1.0])
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
    opt.apply_gradients(w, np.array([-4.0]))  # θ = 4, θ̄ = θ = 4 (the first average is θ)
    opt.apply_gradients(w, np.array([-4.0]))  # θ = 8, θ̄ = 0.5·4 + 0.5·8 = 6
    opt.apply_gradients(w, np.array([-4.0]))  # θ = 12, θ̄ = 0.5·6 + 0.5·12 = 9
    assert w[0] == 12.0
    opt.finalize(w)
    assert w[0] == 9.0


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_ema_starts_at_theta_after_step_1(convention):
    """Keras's first EMA update uses momentum 0: SGD(1.0, ema_momentum=0.5), one step with g = −1 → θ̄ = θ = 1."""
    opt, w = SGD(1.0, use_ema=True, ema_momentum=0.5, convention=convention), np.zeros(1)
    opt.apply_gradients(w, np.array([-1.0]))
    opt.finalize(w)
    assert w[0] == 1.0


def test_ema_overwrite_frequency():
    opt, w = SGD(1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2), np.zeros(1)
    opt.apply_gradients(w, np.array([-4.0]))
    opt.apply_gradients(w, np.array([-4.0]))
    assert w[0] == 6.0


def test_schedule_is_evaluated_at_the_iteration_count():
    sched = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    opt, w = SGD(sched), np.zeros(1)
    for _ in range(4):
        opt.apply_gradients(w, np.array([-1.0]))
    assert w[0] == 1.0 + 0.5 + 0.25 + 0.25  # η(0), η(1), η(2), η(3)


@pytest.mark.parametrize("kwargs,expected", [
    ({"convention": "keras"}, [0.0, 0.5, 0.5, 1.0]),  # η at the call count: the updates use η(1), η(3)
    ({"convention": "torch"}, [0.0, 1.0, 1.0, 1.5]),  # η at the update count: η(0) = 1.0, η(1) = 0.5
    ({"schedule_at_calls": False}, [0.0, 1.0, 1.0, 1.5]),  # the flag alone, under Keras's other defaults
])
def test_schedules_with_gradient_accumulation(kwargs, expected):
    """Keras evaluates the schedule at its call count, micro-batches included; PyTorch at its update count."""
    sched = schedules.PiecewiseConstantDecay([0], [1.0, 0.5])
    opt, w = SGD(sched, gradient_accumulation_steps=2, **kwargs), np.zeros(1)
    got = []
    for _ in range(4):
        opt.apply_gradients(w, np.array([-1.0]))
        got.append(w[0])
    assert got == expected


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
        vectors = [v for v in opt.state.values() if v.ndim == 1]
        assert w.dtype == np.float32 and all(v.dtype == np.float32 for v in vectors)


def test_adam_learning_rate_alias_matches_math():
    w = np.array([0.0])
    Adam(lr=0.25, epsilon=0.0).apply_gradients(w, np.array([7.0]))
    assert w[0] == pytest.approx(-0.25, rel=1e-15) and math.isfinite(w[0])


# -- the gradient buffer is only read -------------------------------------------------------------
BOOKKEEPING = [{}, {"clipvalue": 0.5}, {"clipnorm": 0.5}, {"global_clipnorm": 0.5}, {"weight_decay": 0.1},
               {"gradient_accumulation_steps": 2}, {"use_ema": True}]


@pytest.mark.parametrize("fused", [None, False])
@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("name", registry.names())
def test_apply_gradients_never_writes_into_the_gradient(name, convention, fused):
    rng = np.random.default_rng(0)
    for extra in BOOKKEEPING:
        opt, params = get(name, convention=convention, fused=fused, **extra), two_arrays()
        params.theta[...] = rng.normal(size=4)
        opt.build(params)
        for _ in range(3):
            params.grad[...] = rng.normal(size=4)
            before = params.grad.copy()
            opt.apply_gradients(params.theta, params.grad)
            np.testing.assert_array_equal(params.grad, before, err_msg=f"{name} {convention} {extra}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("switch", [True, False])
def test_a_model_step_leaves_the_gradient_buffer_holding_the_gradient(switch, dtype):
    """After a step of fit's NumPy loop, model.parameters.grad holds ∇L of the last batch — with the kernels on
    or off. (The compiled epoch does not keep it for plain SGD, which writes the update straight into θ.)"""
    from gdlab import Sequential
    from gdlab.layers import Dense

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype(dtype), rng.normal(size=(8, 1)).astype(dtype)
    for make in (lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01), lambda: RMSprop(0.01)):
        model = Sequential([Dense(4, activation="relu"), Dense(1)], dtype=dtype, seed=0)
        model.compile(make(), "mse")
        with kernels.fused(switch):
            model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0, execution="loop")
        twin = Sequential([Dense(4, activation="relu"), Dense(1)], dtype=dtype, seed=0)  # the same θ₀
        twin.compile(SGD(0.0), "mse")
        twin.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0, execution="loop")  # η = 0: grad = ∇L(θ₀), θ stays
        np.testing.assert_array_equal(model.parameters.grad, twin.parameters.grad)
        assert not np.array_equal(model.parameters.theta, twin.parameters.theta)  # the model did step


# -- one switch ----------------------------------------------------------------------------------------
def test_fused_true_without_a_registered_kernel_is_an_error():
    with pytest.raises(ValueError, match=r"RMSprop\(fused=True\): no kernel is registered for \('rmsprop'"):
        RMSprop(0.01, fused=True).build(np.zeros(3))


@pytest.mark.skipif(not kernels.registered("adam"), reason="no Adam kernel registered (numba not installed)")
def test_fused_true_ignores_the_switch_and_fused_false_ignores_the_kernel():
    with kernels.fused(False):
        opt = Adam(fused=True)
        opt.build(np.zeros(3))
        assert opt.kernel() is not None
    opt = Adam(fused=False)
    opt.build(np.zeros(3))
    assert opt.kernel() is None


def test_the_switch_restores_its_setting():
    assert kernels.enabled()
    with kernels.fused(False):
        assert not kernels.enabled()
        with kernels.fused(True):
            assert kernels.enabled()
        assert not kernels.enabled()
    assert kernels.enabled()
    with pytest.raises(TypeError, match=r"fused\(on=1\): on must be True or False"):
        with kernels.fused(1):
            pass


# -- shared validators: optimizers and schedules agree ---------------------------------------------------
@pytest.mark.parametrize("value", [np.float32(0.1), np.float64(0.1), 0.1, 1, np.int64(1)])
def test_numpy_and_python_numbers_are_accepted_everywhere(value):
    assert SGD(value).learning_rate == float(value)
    assert schedules.CosineDecay(value, 10).initial_learning_rate == float(value)
    assert schedules.ExponentialDecay(1.0, 10, value).decay_rate == float(value)


@pytest.mark.parametrize("value,exc,match", [
    (True, TypeError, "=True must be a number"),
    (np.bool_(False), TypeError, r"=np\.False_ must be a number"),
    (float("inf"), ValueError, "=inf must be finite"),
    (np.float32("nan"), ValueError, "=nan must be finite"),
    ("0.1", TypeError, "='0.1' must be a number"),
])
def test_bools_strings_and_non_finite_numbers_are_refused_everywhere(value, exc, match):
    for make, arg in ((lambda v: SGD(v), "learning_rate"), (lambda v: schedules.CosineDecay(v, 10),
                                                          "initial_learning_rate"),
                      (lambda v: Adam(beta_1=v), "beta_1"), (lambda v: schedules.Constant(v), "learning_rate")):
        with pytest.raises(exc, match=arg + match):
            make(value)


def test_flags_must_be_booleans():
    with pytest.raises(TypeError, match="nesterov=1 must be True or False"):
        SGD(0.1, momentum=0.9, nesterov=1)
    with pytest.raises(TypeError, match="eps_hat='no' must be True or False"):
        Adam(eps_hat="no")


def test_nadam_momentum_product_is_a_0d_array_in_the_state():
    opt, w = Nadam(0.01), np.ones(3)
    for _ in range(3):
        opt.apply_gradients(w, np.full(3, 0.5))
    product = opt.mu(1) * opt.mu(2) * opt.mu(3)
    assert opt.state["mu_product"].shape == () and float(opt.state["mu_product"]) == product
    assert opt.state_dict()["arrays"]["slot/mu_product"] == product and opt.state["iterations"] == 3


def test_nadam_state_survives_a_checkpoint(tmp_path):
    """The 0-d scalars of the state are saved as 0-d tensors and come back bitwise."""
    import gdlab
    from gdlab.layers import Dense

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    model = gdlab.Sequential([Dense(2, activation="relu"), Dense(1)], seed=0)
    model.compile(Nadam(0.01, use_ema=True, gradient_accumulation_steps=2), "mse")
    model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.safetensors")
    again = gdlab.load_model(tmp_path / "m.safetensors")
    assert set(again.optimizer.state) == set(model.optimizer.state)
    for key, value in model.optimizer.state.items():
        np.testing.assert_array_equal(again.optimizer.state[key], value)
        assert again.optimizer.state[key].shape == value.shape
