"""The fast update paths (in-place NumPy, and numba kernels when installed) equal the readable
reference formulas bit for bit, in float32 and float64."""

import numpy as np
import pytest

from gdlab import kernels
from gdlab.optimizers import SGD, Adam, AdamW

CASES = [
    lambda c: SGD(0.1, convention=c),
    lambda c: SGD(0.1, momentum=0.9, convention=c),
    lambda c: SGD(0.1, momentum=0.9, nesterov=True, convention=c),
    lambda c: SGD(0.1, momentum=0.9, dampening=0.3, convention="torch") if c == "torch" else SGD(0.05, momentum=0.5),
    lambda c: SGD(0.1, momentum=0.9, weight_decay=0.01, convention=c),
    lambda c: Adam(0.01, convention=c),
    lambda c: Adam(0.01, amsgrad=True, beta_2=0.9, convention=c),
    lambda c: AdamW(0.01, convention=c),
]

PATHS = ["numpy"] + (["numba"] if kernels.numba is not None else [])


def run(make, convention, dtype, fast, path, steps=12):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=1000).astype(dtype)
    opt = make(convention)
    opt.use_fast_path = fast
    saved = kernels.ENABLED
    kernels.ENABLED = path == "numba"
    try:
        for _ in range(steps):
            opt.apply_gradients(theta, rng.normal(size=1000).astype(dtype))
    finally:
        kernels.ENABLED = saved
    return theta, opt.state


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("make", CASES, ids=[repr(c("keras")).split("(")[0] + str(i) for i, c in enumerate(CASES)])
def test_fast_path_is_bitwise_equal_to_the_reference(make, convention, dtype, path):
    ref_theta, ref_state = run(make, convention, dtype, fast=False, path="numpy")
    theta, state = run(make, convention, dtype, fast=True, path=path)
    np.testing.assert_array_equal(theta, ref_theta)
    for key in ref_state:
        np.testing.assert_array_equal(state[key], ref_state[key])
    assert theta.dtype == dtype


def test_the_library_works_without_the_kernels():
    saved = kernels.ENABLED
    kernels.ENABLED = False
    try:
        theta, _ = run(CASES[5], "keras", "float32", fast=True, path="numpy")
        assert np.all(np.isfinite(theta))
    finally:
        kernels.ENABLED = saved


@pytest.mark.skipif(kernels.numba is None, reason="the numba extra is not installed")
@pytest.mark.parametrize("batch", [1, 7, 64])
def test_training_with_and_without_kernels_is_bitwise_identical(batch):
    """The layer kernels (bias + ReLU, ReLU backward, batch-1 outer product) change nothing but speed."""
    from gdlab import Sequential
    from gdlab.layers import Dense

    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 12)).astype(np.float32)
    x[0, 0] = -0.0
    y = rng.integers(0, 4, 70)
    thetas = []
    for enabled in (True, False):
        saved = kernels.ENABLED
        kernels.ENABLED = enabled
        try:
            m = Sequential([Dense(16, activation="relu"), Dense(8, activation="relu"), Dense(4, activation="softmax")],
                           seed=1)
            m.compile(Adam(0.01), "sparse_categorical_crossentropy")
            m.fit(x, y, epochs=3, batch_size=batch, seed=2, verbose=0, compiled=False)  # the NumPy loop's kernels
            thetas.append(m.parameters.theta.copy())
        finally:
            kernels.ENABLED = saved
    np.testing.assert_array_equal(*thetas)


@pytest.mark.skipif(kernels.numba is None, reason="the numba extra is not installed")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: SGD(0.1, momentum=0.9, convention="torch"),
                                  lambda: Adam(0.01), lambda: Adam(0.01, convention="torch")],
                         ids=["sgd-keras", "sgd-torch", "adam-keras", "adam-torch"])
def test_state_that_underflows_is_flushed_and_theta_is_unchanged(make, dtype):
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
    for fast in (False, True):
        opt, theta = make(), theta0.copy()
        opt.use_fast_path = fast
        for g in grads:
            opt.apply_gradients(theta, g.copy())
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
