"""Every kernel registered in ``gdlab.kernels`` equals its NumPy reference bit for bit, in float32 and
float64, and leaves the gradient alone. The tests are parametrised over the table itself: a newly
registered kernel is tested without a new test (and fails until a candidate below exercises it)."""

import numpy as np
import pytest

from gdlab import activations, kernels
from gdlab.optimizers import registry

#: optimizer configurations that exercise the kernels; each kernel must be selected by at least one
CANDIDATES = [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "nesterov": True},
    {"momentum": 0.5, "dampening": 0.3, "lr_inside_momentum": False},
    {"momentum": 0.9, "weight_decay": 0.01},
    {"amsgrad": True, "beta_2": 0.9},
    {"eps_hat": True},
    {"eps_hat": False},
    {"clipnorm": 0.5, "use_ema": True, "gradient_accumulation_steps": 2},
]


def candidates():
    """(name, convention, kwargs) for every registered optimizer that accepts the candidate's arguments."""
    out = []
    for name in registry.names():
        cls = registry.lookup(name)
        for convention in ("keras", "torch"):
            for kwargs in CANDIDATES:
                try:
                    cls(0.01, convention=convention, **kwargs)
                except (TypeError, ValueError):
                    continue
                out.append((name, convention, kwargs))
    return out


def selected(key):
    """The candidates whose optimizer picks the kernel ``key`` for NumPy arrays."""
    found = []
    for name, convention, kwargs in candidates():
        opt = registry.lookup(name)(0.01, convention=convention, **kwargs)
        opt.build(np.zeros(3))
        if opt.kernel_key == key:
            found.append((name, convention, kwargs))
    return found


OPTIMIZER_KERNELS = [k for k in kernels.registered() if k[0] in {registry.lookup(n).rule for n in registry.names()}]
LAYER_KERNELS = [k for k in kernels.registered() if k not in OPTIMIZER_KERNELS]


def run(name, convention, kwargs, dtype, fused, steps=12):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=1000).astype(dtype)
    opt = registry.lookup(name)(0.01, convention=convention, fused=fused, **kwargs)
    for _ in range(steps):
        g = rng.normal(size=1000).astype(dtype)
        before = g.copy()
        opt.apply_gradients(theta, g)
        np.testing.assert_array_equal(g, before)  # the gradient is only read
    return theta, opt.state


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("key", OPTIMIZER_KERNELS, ids=str)
def test_optimizer_kernel_is_bitwise_equal_to_the_reference(key, dtype):
    cases = selected(key)
    assert cases, f"no candidate optimizer selects the kernel {key}: add one to CANDIDATES"
    for name, convention, kwargs in cases:
        ref_theta, ref_state = run(name, convention, kwargs, dtype, fused=False)
        theta, state = run(name, convention, kwargs, dtype, fused=True)
        np.testing.assert_array_equal(theta, ref_theta, err_msg=f"{name} {convention} {kwargs}")
        assert set(state) == set(ref_state)
        for k in ref_state:
            np.testing.assert_array_equal(state[k], ref_state[k], err_msg=f"{name} {convention} {kwargs} {k}")
        assert theta.dtype == dtype


def _layer_case(op, flags, dtype):
    """(inputs, kernel call, reference) for a layer kernel; a new op needs its reference here."""
    rng = np.random.default_rng(1)
    special = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan], dtype=dtype)
    z = rng.normal(size=(7, 5)).astype(dtype)
    z.flat[:5] = special
    if op == "outer":
        x, y = rng.normal(size=6).astype(dtype), rng.normal(size=5).astype(dtype)
        x[:5] = special
        return (x, y, np.empty((6, 5), dtype)), lambda x, y, out: np.multiply.outer(x, y, out=out)
    act = activations.get(flags["activation"])
    if op == "bias_activation":
        b = rng.normal(size=5).astype(dtype)
        return (z, b), lambda z, b: act.forward(np.add(z, b, out=z), z)
    if op == "activation_backward":
        a = act(rng.normal(size=(7, 5)).astype(dtype))
        a.flat[5:10] = special
        return (z, a), lambda g, a: act.vjp(None, a, g)
    raise AssertionError(f"no reference for the layer kernel {op!r}: add one to _layer_case")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("key", LAYER_KERNELS, ids=str)
def test_layer_kernel_is_bitwise_equal_to_the_reference(key, dtype):
    op, flags, backend = key
    args, reference = _layer_case(op, dict(flags), dtype)
    ours = [a.copy() for a in args]
    kernels.registered()[key](*ours)
    theirs = [a.copy() for a in args]
    with kernels.fused(False), np.errstate(all="ignore"):  # inf·0 is NaN here as in the kernel
        reference(*theirs)
    for got, want in zip(ours, theirs):
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))  # −0 stays −0


def test_the_library_works_without_the_kernels():
    with kernels.fused(False):
        theta, _ = run("adam", "keras", {}, "float32", fused=None)
        assert np.all(np.isfinite(theta))


@pytest.mark.skipif(not LAYER_KERNELS, reason="the numba extra is not installed")
@pytest.mark.parametrize("batch", [1, 7, 64])
def test_training_with_and_without_kernels_is_bitwise_identical(batch):
    """The layer kernels (bias + ReLU, ReLU backward, batch-1 outer product) change nothing but speed."""
    from gdlab import Sequential
    from gdlab.layers import Dense
    from gdlab.optimizers import Adam

    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 12)).astype(np.float32)
    x[0, 0] = -0.0
    y = rng.integers(0, 4, 70)
    thetas = []
    for enabled in (True, False):
        with kernels.fused(enabled):
            m = Sequential([Dense(16, activation="relu"), Dense(8, activation="relu"), Dense(4, activation="softmax")],
                           seed=1)
            m.compile(Adam(0.01), "sparse_categorical_crossentropy")
            m.fit(x, y, epochs=3, batch_size=batch, seed=2, verbose=0, execution="loop")  # the NumPy loop's kernels
            thetas.append(m.parameters.theta.copy())
    np.testing.assert_array_equal(*thetas)


@pytest.mark.skipif(not OPTIMIZER_KERNELS, reason="the numba extra is not installed")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", [
    ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.9, "convention": "torch"}),
    ("adam", {}), ("adam", {"convention": "torch"}),
], ids=["sgd-keras", "sgd-torch", "adam-keras", "adam-torch"])
def test_state_that_underflows_is_flushed_and_theta_is_unchanged(name, kwargs, dtype):
    """Half the entries get one tiny gradient and then zeros, so their momentum decays into subnormal
    numbers; the kernel flushes those to zero. θ stays bitwise equal to the reference; the state
    differs only where the reference holds a value below the smallest normal number."""
    tiny = np.finfo(dtype).tiny
    rng = np.random.default_rng(0)
    theta0 = rng.normal(size=200).astype(dtype)
    grads = []
    for k in range(400):
        g = rng.normal(size=200).astype(dtype)
        g[:100] = tiny * 1e4 if k == 0 else 0.0
        grads.append(g)
    results = []
    for fused in (False, True):
        opt, theta = registry.lookup(name)(0.1 if name == "sgd" else 0.01, fused=fused, **kwargs), theta0.copy()
        for g in grads:
            opt.apply_gradients(theta, g)
        results.append((theta, opt.state))
    (ref_theta, ref_state), (theta, state) = results
    np.testing.assert_array_equal(theta, ref_theta)
    flushed = 0
    for key in ref_state:
        same = state[key] == ref_state[key]
        below = (np.abs(ref_state[key]) < tiny) & (state[key] == 0)
        assert np.all(same | below), key
        flushed += int(np.sum(~same))
    assert flushed > 0  # the scenario really did underflow
