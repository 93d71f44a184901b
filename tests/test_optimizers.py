"""Every optimizer × convention against an independent statement of its formula."""

import inspect
import math

import numpy as np
import pytest

from gdlab import optimizers
from gdlab.optimizers import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Lion, Nadam, RAdam, RMSprop)

A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.3]])
B = np.array([1.0, -2.0, 0.5])
THETA0 = np.array([1.5, -0.7, 2.0])


def grad(theta):
    """∇ of ½θᵀAθ − bᵀθ: a gradient that changes with θ, so steps interact."""
    return A @ theta - B


def run(opt, steps=3, theta0=THETA0):
    theta = theta0.copy()
    for _ in range(steps):
        opt.apply_gradients(theta, grad(theta))
    return theta


# -- independent references: the formulas as the papers / framework docs state them ------------
def ref_run(step, steps=3, **state0):
    theta, state = THETA0.copy(), dict(state0)
    for t in range(1, steps + 1):
        theta = step(theta, grad(theta), state, t)
    return theta


def r_sgd_keras(eta, mu=0.0, nesterov=False):
    def step(th, g, s, t):
        v = mu * s.get("v", 0.0) - eta * g
        s["v"] = v
        return th + mu * v - eta * g if nesterov else th + v
    return step


def r_sgd_torch(eta, mu=0.0, nesterov=False, tau=0.0):
    def step(th, g, s, t):
        if not mu:
            return th - eta * g
        b = g if t == 1 else mu * s["b"] + (1 - tau) * g
        s["b"] = b
        return th - eta * (g + mu * b if nesterov else b)
    return step


def r_adagrad(eta, a0, eps, eps_inside, lr_decay=0.0):
    def step(th, g, s, t):
        a = s.get("a", a0) + g**2
        s["a"] = a
        eta_t = eta / (1 + (t - 1) * lr_decay)
        return th - eta_t * g / (np.sqrt(a + eps) if eps_inside else np.sqrt(a) + eps)
    return step


def r_adadelta(eta, rho, eps):
    def step(th, g, s, t):
        eg = rho * s.get("eg", 0.0) + (1 - rho) * g**2
        d = -np.sqrt(s.get("ed", 0.0) + eps) / np.sqrt(eg + eps) * g
        s["eg"], s["ed"] = eg, rho * s.get("ed", 0.0) + (1 - rho) * d**2
        return th + eta * d
    return step


def r_rmsprop(eta, rho, eps, mu, centered, eps_inside, eta_in_buffer):
    def step(th, g, s, t):
        v = rho * s.get("v", 0.0) + (1 - rho) * g**2
        gb = rho * s.get("gb", 0.0) + (1 - rho) * g
        s["v"], s["gb"] = v, gb
        var = v - gb**2 if centered else v
        d = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
        if not mu:
            return th - eta * g / d
        if eta_in_buffer:
            s["m"] = mu * s.get("m", 0.0) + eta * g / d
            return th - s["m"]
        s["m"] = mu * s.get("m", 0.0) + g / d
        return th - eta * s["m"]
    return step


def r_adam(eta, b1, b2, eps, keras_eps_hat, amsgrad=False):
    def step(th, g, s, t):
        m = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = b2 * s.get("v", 0.0) + (1 - b2) * g**2
        s["m"], s["v"] = m, v
        if amsgrad:
            s["vh"] = np.maximum(s.get("vh", 0.0), v)
            v = s["vh"]
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        if keras_eps_hat:  # ε̂ added to √v before the bias correction
            return th - eta * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        return th - eta * m_hat / (np.sqrt(v_hat) + eps)
    return step


def r_adamw(eta, lam, b1, b2, eps, keras):
    adam = r_adam(eta, b1, b2, eps, keras_eps_hat=keras)
    return lambda th, g, s, t: adam(th - eta * lam * th, g, s, t)


def r_nadam(eta, b1, b2, eps, psi, float32_product=False):
    def step(th, g, s, t):
        mu = lambda k: b1 * (1 - 0.5 * 0.96 ** (k * psi))
        prod = s.get("prod", 1.0) * mu(t)
        if float32_product:  # PyTorch stores Π_t as a float32 scalar
            prod = float(np.float32(np.float32(s.get("prod", 1.0)) * np.float32(mu(t))))
        s["prod"] = prod
        m = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = b2 * s.get("v", 0.0) + (1 - b2) * g**2
        s["m"], s["v"] = m, v
        m_hat = mu(t + 1) * m / (1 - prod * mu(t + 1)) + (1 - mu(t)) * g / (1 - prod)
        return th - eta * m_hat / (np.sqrt(v / (1 - b2**t)) + eps)
    return step


def r_adamax(eta, b1, b2, eps, eps_in_max):
    def step(th, g, s, t):
        m = b1 * s.get("m", 0.0) + (1 - b1) * g
        u = np.maximum(b2 * s.get("u", 0.0), np.abs(g) + (eps if eps_in_max else 0.0))
        s["m"], s["u"] = m, u
        return th - eta / (1 - b1**t) * m / (u if eps_in_max else u + eps)
    return step


def r_lion(eta, b1, b2):
    def step(th, g, s, t):
        m = s.get("m", 0.0)
        th = th - eta * np.sign(b1 * m + (1 - b1) * g)
        s["m"] = b2 * m + (1 - b2) * g
        return th
    return step


def r_radam(eta, b1, b2, eps, strict, eps_hat=False):
    def step(th, g, s, t):
        m = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = b2 * s.get("v", 0.0) + (1 - b2) * g**2
        s["m"], s["v"] = m, v
        rho_inf = 2 / (1 - b2) - 1
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        m_hat = m / (1 - b1**t)
        if (rho > 5) if strict else (rho >= 5):
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            if eps_hat:  # PyTorch: ε on the uncorrected root
                return th - eta * r * m_hat * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            return th - eta * r * m_hat / (np.sqrt(v / (1 - b2**t)) + eps)
        return th - eta * m_hat
    return step


CASES = [
    # (id, optimizer, reference step, initial state)
    ("sgd keras", SGD(0.1), r_sgd_keras(0.1), {}),
    ("sgd keras momentum", SGD(0.1, momentum=0.9), r_sgd_keras(0.1, 0.9), {}),
    ("sgd keras nesterov", SGD(0.1, momentum=0.9, nesterov=True), r_sgd_keras(0.1, 0.9, True), {}),
    ("sgd torch", SGD(0.1, convention="torch"), r_sgd_torch(0.1), {}),
    ("sgd torch momentum", SGD(0.1, momentum=0.9, convention="torch"), r_sgd_torch(0.1, 0.9), {}),
    ("sgd torch dampening", SGD(0.1, momentum=0.9, dampening=0.3, convention="torch"),
     r_sgd_torch(0.1, 0.9, tau=0.3), {}),
    ("sgd torch nesterov", SGD(0.1, momentum=0.9, nesterov=True, convention="torch"),
     r_sgd_torch(0.1, 0.9, True), {}),
    ("adagrad keras", Adagrad(0.1), r_adagrad(0.1, 0.1, 1e-7, True), {}),
    ("adagrad torch", Adagrad(0.1, convention="torch"), r_adagrad(0.1, 0.0, 1e-10, False), {}),
    ("adagrad torch lr_decay", Adagrad(0.1, lr_decay=0.5, initial_accumulator_value=0.2, convention="torch"),
     r_adagrad(0.1, 0.2, 1e-10, False, 0.5), {}),
    ("adadelta keras", Adadelta(1.0), r_adadelta(1.0, 0.95, 1e-7), {}),
    ("adadelta torch", Adadelta(convention="torch"), r_adadelta(1.0, 0.9, 1e-6), {}),
    ("rmsprop keras", RMSprop(0.01), r_rmsprop(0.01, 0.9, 1e-7, 0, False, True, True), {}),
    ("rmsprop keras centered momentum", RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     r_rmsprop(0.01, 0.8, 1e-7, 0.5, True, True, True), {}),
    ("rmsprop torch", RMSprop(0.01, convention="torch"), r_rmsprop(0.01, 0.99, 1e-8, 0, False, False, False), {}),
    ("rmsprop torch centered momentum", RMSprop(0.01, momentum=0.5, centered=True, convention="torch"),
     r_rmsprop(0.01, 0.99, 1e-8, 0.5, True, False, False), {}),
    ("adam keras", Adam(0.01), r_adam(0.01, 0.9, 0.999, 1e-7, True), {}),
    ("adam keras amsgrad", Adam(0.01, beta_2=0.9, amsgrad=True), r_adam(0.01, 0.9, 0.9, 1e-7, True, True), {}),
    ("adam torch", Adam(0.01, convention="torch"), r_adam(0.01, 0.9, 0.999, 1e-8, False), {}),
    ("adam torch amsgrad", Adam(0.01, beta_2=0.9, amsgrad=True, convention="torch"),
     r_adam(0.01, 0.9, 0.9, 1e-8, False, True), {}),
    ("adamw keras", AdamW(0.01), r_adamw(0.01, 0.004, 0.9, 0.999, 1e-7, True), {}),
    ("adamw torch", AdamW(0.01, convention="torch"), r_adamw(0.01, 0.01, 0.9, 0.999, 1e-8, False), {}),
    ("nadam keras", Nadam(0.01), r_nadam(0.01, 0.9, 0.999, 1e-7, 1.0), {}),
    ("nadam torch", Nadam(0.01, convention="torch"), r_nadam(0.01, 0.9, 0.999, 1e-8, 0.004, True), {}),
    ("adamax keras", Adamax(0.01), r_adamax(0.01, 0.9, 0.999, 1e-7, False), {}),
    ("adamax torch", Adamax(0.01, convention="torch"), r_adamax(0.01, 0.9, 0.999, 1e-8, True), {}),
    ("lion keras", Lion(0.01), r_lion(0.01, 0.9, 0.99), {}),
    ("lion torch", Lion(0.01, convention="torch"), r_lion(0.01, 0.9, 0.99), {}),
    ("radam keras", RAdam(0.01, beta_2=0.9), r_radam(0.01, 0.9, 0.9, 1e-7, False), {}),
    ("radam torch", RAdam(0.01, beta_2=0.9, convention="torch"), r_radam(0.01, 0.9, 0.9, 1e-8, True, True), {}),
]


@pytest.mark.parametrize("steps", [1, 3, 8])
@pytest.mark.parametrize("name,opt,ref,state0", CASES, ids=[c[0] for c in CASES])
def test_steps_match_the_formula(name, opt, ref, state0, steps):
    fresh = type(opt).from_config(opt.get_config())
    np.testing.assert_allclose(run(fresh, steps), ref_run(ref, steps, **state0), rtol=1e-12, atol=1e-14)


def test_every_registered_optimizer_is_covered_in_both_conventions():
    covered = {(type(c[1]).__name__, c[1].convention) for c in CASES}
    for name in optimizers.registry.names():
        cls = optimizers.registry.lookup(name)
        for conv in optimizers.CONVENTIONS:
            assert (cls.__name__, conv) in covered


def test_radam_switches_on_the_rectifier_where_rho_crosses_5():
    # β₂ = 0.9: ρ_∞ = 19; ρ_t = 19 − 2t·0.9ᵗ/(1 − 0.9ᵗ): ρ_1 = 1, ρ_5 ≈ 4.58, ρ_6 ≈ 5.39
    opt = RAdam(beta_2=0.9)
    assert [opt.rectifier(t) is not None for t in range(1, 8)] == [False] * 5 + [True] * 2
    assert opt.rho(6)[1] == pytest.approx(19 - 12 * 0.9**6 / (1 - 0.9**6), rel=1e-15)
    assert opt.rho(1)[1] == pytest.approx(1.0)


# -- worked by hand --------------------------------------------------------------------------
HAND = [  # f(w) = w²/2, g = w, w₀ = 1, η = 0.1, μ = 0.9
    (lambda: SGD(0.1), [0.9, 0.81, 0.729]),
    (lambda: SGD(0.1, momentum=0.9), [0.9, 0.72, 0.486]),  # v = −.1, −.18, −.234
    (lambda: SGD(0.1, momentum=0.9, nesterov=True), [0.81, 0.5751, 0.327321]),
    (lambda: SGD(0.1, momentum=0.9, convention="torch"), [0.9, 0.72, 0.486]),  # b = 1, 1.8, 2.34
    (lambda: SGD(0.1, momentum=0.9, nesterov=True, convention="torch"), [0.81, 0.5751, 0.327321]),
    # Adagrad keras, a₀ = 0.1, ε = 0: a = 1.1 → w = 1 − .1/√1.1
    (lambda: Adagrad(0.1, epsilon=0.0), [1 - 0.1 / math.sqrt(1.1)]),
    # Adam: the first step is ±η whatever g (m̂/√v̂ = g/|g|), up to ε
    (lambda: Adam(0.1, epsilon=0.0), [0.9]),
    (lambda: Adam(0.1, epsilon=0.0, convention="torch"), [0.9]),
    (lambda: Lion(0.1), [0.9, 0.8, 0.7]),
]


@pytest.mark.parametrize("make,expected", HAND, ids=[f"{type(h[0]()).__name__}-{i}" for i, h in enumerate(HAND)])
def test_hand_worked_values(make, expected):
    opt, w = make(), np.array([1.0])
    got = []
    for _ in expected:
        opt.apply_gradients(w, w.copy())
        got.append(w[0])
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# -- equivalences that must hold -------------------------------------------------------------------
def test_sgd_momentum_keras_equals_torch_while_eta_is_constant():
    for nesterov in (False, True):
        k = run(SGD(0.05, momentum=0.8, nesterov=nesterov), 20)
        t = run(SGD(0.05, momentum=0.8, nesterov=nesterov, convention="torch"), 20)
        np.testing.assert_allclose(k, t, rtol=1e-13)


def test_sgd_momentum_conventions_part_when_eta_changes():
    k, t = SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9, convention="torch")
    wk, wt = THETA0.copy(), THETA0.copy()
    for i in range(6):
        if i == 3:
            k.learning_rate = t.learning_rate = 0.01
        k.apply_gradients(wk, grad(wk))
        t.apply_gradients(wt, grad(wt))
    assert np.abs(wk - wt).max() > 1e-3  # Keras's velocity still carries the old η


def test_nesterov_with_zero_momentum_is_plain_sgd_bitwise():
    np.testing.assert_array_equal(run(SGD(0.1, momentum=0.0, nesterov=True), 5), run(SGD(0.1), 5))
    np.testing.assert_array_equal(run(SGD(0.1), 5), run(SGD(0.1, convention="torch"), 5))


def test_adam_keras_epsilon_hat_relation_to_torch_epsilon():
    """One step from the same state: Keras with ε̂ = ε·√(1 − β₂ᵗ) equals PyTorch with ε."""
    eps = 1e-3  # large, so ε matters
    rng = np.random.default_rng(0)
    m, v = rng.normal(size=3), rng.uniform(0.1, 1, 3)
    for t in (1, 2, 10, 100):
        g = rng.normal(size=3)
        results = []
        for opt in (Adam(0.01, epsilon=eps * math.sqrt(1 - 0.999**t)), Adam(0.01, epsilon=eps, convention="torch")):
            theta = THETA0.copy()
            opt.build(theta)
            opt.state["m"][...], opt.state["v"][...] = m, v
            opt.update(theta, g.copy(), opt.state, t, 0.01)
            results.append(theta)
        np.testing.assert_allclose(*results, rtol=1e-13)
    # and with one constant ε they differ
    assert np.abs(run(Adam(0.01, epsilon=eps), 3) - run(Adam(0.01, epsilon=eps, convention="torch"), 3)).max() > 1e-6


def test_rmsprop_without_momentum_matches_its_formula_elementwise():
    opt, w = RMSprop(0.01, rho=0.9), THETA0.copy()
    v = np.zeros(3)
    expected = THETA0.copy()
    for _ in range(5):
        g = grad(w)
        v = 0.9 * v + 0.1 * g * g
        expected = expected - 0.01 * g / np.sqrt(v + 1e-7)
        opt.apply_gradients(w, g)
        np.testing.assert_allclose(w, expected, rtol=1e-13)


@pytest.mark.parametrize("conv", ["keras", "torch"])
def test_adamw_with_zero_decay_is_adam_bitwise(conv):
    np.testing.assert_array_equal(run(AdamW(0.01, weight_decay=0.0, convention=conv), 10),
                                  run(Adam(0.01, convention=conv), 10))


def test_lion_steps_have_size_eta_per_entry():
    w = THETA0.copy()
    Lion(0.01).apply_gradients(w, grad(w))
    np.testing.assert_allclose(np.abs(w - THETA0), 0.01, rtol=1e-12)


def test_nadam_momentum_schedules_differ_by_convention():
    k, t = Nadam(), Nadam(convention="torch")
    # μ_t reaches 0.99·β₁ where 0.96^(tψ) = 0.02: t ≈ 96 (Keras, ψ = 1), t ≈ 24 000 (PyTorch, ψ = 0.004)
    assert k.mu(96) > 0.99 * 0.9 > k.mu(95) and t.mu(96) < 0.47
    assert t.mu(96 * 250) == pytest.approx(k.mu(96), rel=1e-12)  # 250× slower warm-up


# -- defaults per convention ------------------------------------------------------------------------
@pytest.mark.parametrize("cls,keras,torch", [
    (SGD, {"learning_rate": 0.01}, {"learning_rate": 0.001}),
    (Adagrad, {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
     {"learning_rate": 0.01, "initial_accumulator_value": 0.0, "epsilon": 1e-10}),
    (Adadelta, {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}),
    (RMSprop, {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7}, {"learning_rate": 0.01, "rho": 0.99, "epsilon": 1e-8}),
    (Adam, {"learning_rate": 0.001, "epsilon": 1e-7}, {"learning_rate": 0.001, "epsilon": 1e-8}),
    (AdamW, {"weight_decay": 0.004}, {"weight_decay": 0.01}),
    (Nadam, {"learning_rate": 0.001, "momentum_decay": 1.0}, {"learning_rate": 0.002, "momentum_decay": 0.004}),
    (Adamax, {"learning_rate": 0.001, "epsilon": 1e-7}, {"learning_rate": 0.002, "epsilon": 1e-8}),
    (Lion, {"learning_rate": 0.001, "beta_2": 0.99}, {"learning_rate": 1e-4}),
    (RAdam, {"epsilon": 1e-7}, {"epsilon": 1e-8}),
])
def test_defaults_follow_the_convention(cls, keras, torch):
    for conv, expected in (("keras", keras), ("torch", torch)):
        opt = cls(convention=conv)
        for k, v in expected.items():
            assert getattr(opt, k) == v, (conv, k)


# -- the tutorial's four lines, verbatim -------------------------------------------------------
def test_tutorial_spelling_runs_verbatim():
    optimizer = SGD(lr=0.001, momentum=0.9)
    assert (optimizer.learning_rate, optimizer.momentum, optimizer.nesterov) == (0.001, 0.9, False)
    optimizer = SGD(lr=0.001, momentum=0.9, nesterov=True)
    assert optimizer.nesterov
    optimizer = RMSprop(lr=0.001, rho=0.9)
    assert (optimizer.learning_rate, optimizer.rho) == (0.001, 0.9)
    optimizer = Adam(lr=0.001, beta_1=0.9, beta_2=0.999)
    assert (optimizer.learning_rate, optimizer.beta_1, optimizer.beta_2) == (0.001, 0.9, 0.999)


@pytest.mark.parametrize("name,cls", [("sgd", SGD), ("adam", Adam), ("rmsprop", RMSprop), ("adagrad", Adagrad),
                                      ("adadelta", Adadelta), ("adamw", AdamW), ("nadam", Nadam),
                                      ("adamax", Adamax), ("lion", Lion), ("radam", RAdam), ("RMSProp", RMSprop)])
def test_registry_names(name, cls):
    assert type(optimizers.get(name)) is cls


# -- bad input --------------------------------------------------------------------------------
BAD = [
    (lambda: SGD(learning_rate=-0.1), ValueError, r"learning_rate=-0.1 must be >= 0"),
    (lambda: SGD(lr=float("nan")), ValueError, r"learning_rate=nan must be finite"),
    (lambda: SGD(lr="fast"), TypeError, r"learning_rate='fast' must be a number"),
    (lambda: SGD(lr=0.1, learning_rate=0.1), ValueError, "not both"),
    (lambda: SGD(momentum=1.0), ValueError, r"momentum=1.0 must be in \[0, 1\)"),
    (lambda: SGD(momentum=-0.5), ValueError, r"momentum=-0.5"),
    (lambda: Adam(beta_1=1.0), ValueError, r"beta_1=1.0 must be in \[0, 1\)"),
    (lambda: Adam(beta_2=-0.1), ValueError, r"beta_2=-0.1"),
    (lambda: Adam(epsilon=-1e-8), ValueError, "epsilon"),
    (lambda: RMSprop(rho=1.5), ValueError, r"rho=1.5 must be in \[0, 1\)"),
    (lambda: Adadelta(rho=-0.1), ValueError, r"rho=-0.1"),
    (lambda: Adam(clipnorm=1.0, clipvalue=0.5), ValueError, r"only one of clipnorm, clipvalue, global_clipnorm"),
    (lambda: Adam(clipnorm=-1.0), ValueError, r"clipnorm=-1.0 must be > 0"),
    (lambda: Adam(convention="jax"), ValueError, r"convention='jax'; valid: 'keras', 'torch'"),
    (lambda: AdamW(convention="jax"), ValueError, r"convention='jax'"),
    (lambda: Adam(decay=0.1), TypeError, r"unknown keyword\(s\) \['decay'\]; valid keywords: .*beta_1.*clipnorm"),
    (lambda: SGD(lr=0.1, nestrov=True), TypeError, r"\['nestrov'\].*nesterov"),
    (lambda: SGD(dampening=0.1), ValueError, "dampening.*only in convention='torch'"),
    (lambda: SGD(nesterov=True, convention="torch"), ValueError, "needs momentum > 0"),
    (lambda: Adam(gradient_accumulation_steps=0), ValueError, "gradient_accumulation_steps=0"),
    (lambda: Adam(weight_decay=-1.0), ValueError, "weight_decay=-1.0"),
    (lambda: Adagrad(lr_decay=0.1), ValueError, "lr_decay exists only"),
    (lambda: optimizers.get("adamm"), ValueError, r"unknown optimizer 'adamm'; known optimizers: .*adam"),
]


@pytest.mark.parametrize("make,exc,match", BAD)
def test_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_bad_learning_rate_assignment_keeps_the_old_one():
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="learning_rate=-1.0"):
        opt.learning_rate = -1.0
    assert opt.learning_rate == 0.1


# -- the preset table is the whole difference between the conventions ----------------------------------
def test_every_preset_row_names_an_optimizer_and_its_arguments():
    classes = {optimizers.registry.lookup(n).__name__: optimizers.registry.lookup(n) for n in optimizers.registry.names()}
    classes["Optimizer"] = optimizers.Optimizer
    for cls_name, row in optimizers.PRESETS.items():
        cls = classes[cls_name]
        valid = {*inspect.signature(cls.__init__).parameters, *inspect.signature(optimizers.Optimizer.__init__).parameters}
        assert set(row) <= valid, (cls_name, set(row) - valid)
        assert all(len(pair) == 2 for pair in row.values())


@pytest.mark.parametrize("name", optimizers.registry.names())
def test_keras_with_the_torch_column_is_torch_bitwise(name):
    """Give a Keras-convention optimizer every argument of the torch column: it is the torch optimizer."""
    cls = optimizers.registry.lookup(name)
    torch_args = optimizers.preset(cls, "torch")
    mixed, torch = cls(**torch_args), cls(convention="torch")
    assert {**mixed.get_config(), "convention": "torch"} == torch.get_config()
    np.testing.assert_array_equal(run(cls(**{**torch_args, "learning_rate": 0.01}), 8),
                                  run(cls(0.01, convention="torch"), 8))


def test_flags_mix_across_conventions():
    """Keras's defaults with PyTorch's ε placement: one flag, the rest unchanged."""
    opt = Adam(eps_hat=False)
    assert (opt.learning_rate, opt.epsilon, opt.eps_hat, opt.decoupled_weight_decay) == (0.001, 1e-7, False, True)
    np.testing.assert_allclose(run(Adam(0.01, eps_hat=False, epsilon=1e-7), 3),
                               ref_run(r_adam(0.01, 0.9, 0.999, 1e-7, keras_eps_hat=False), 3), rtol=1e-12)
