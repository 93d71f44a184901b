"""NaN forensics: where training blew up, what went first, and why."""

import re

import numpy as np
import pytest

import gdlab
from gdlab import Sequential
from gdlab.callbacks import ModelCheckpoint
from gdlab.layers import Dense
from gdlab.optimizers import SGD


def linear_model(lr, dtype="float32"):
    model = Sequential([Dense(1, use_bias=False)], dtype=dtype, seed=0)
    model.compile(SGD(learning_rate=lr), "mse")
    return model


def test_divergence_on_the_quadratic_names_epoch_rate_tails_and_the_threshold():
    x = np.linspace(1, 2, 20)
    lam = 2 * np.mean(x * x)
    with pytest.raises(gdlab.NonFiniteLossError) as err:
        linear_model(5.0).fit(x, 3 * x, epochs=200, batch_size="full", verbose=0)
    msg = str(err.value)
    assert re.search(r"at epoch \d+, iteration 0 \(iteration \d+ overall\), learning rate 5\b", msg)
    assert "Gradient norm ‖g‖ tail: " in msg and "Loss tail: " in msg
    assert f"λ_max = {lam:.4g}" in msg and f"2/λ_max = {2 / lam:.4g}" in msg and "is above it" in msg
    assert err.value.epoch == len(err.value.history.iteration_loss)  # one iteration per epoch
    losses = err.value.history.iteration_loss
    assert all(b > a for a, b in zip(losses[1:], losses[2:]))  # it grew every step


def test_names_the_first_parameter_that_went_non_finite():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), np.full(16, 1e3)
    model = Sequential([Dense(4, activation="relu", name="hidden"), Dense(1, name="out")], seed=0)
    model.compile(SGD(learning_rate=1e37), "mse")  # float32: the first update overflows to inf
    with pytest.raises(gdlab.NonFiniteLossError, match=r"First non-finite parameter \(in layer order\): "
                                                       r"hidden/kernel \(\d+ of 12 entries"):
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)


def test_overflow_in_the_forward_pass_names_the_layer():
    model = Sequential([Dense(2, name="big"), Dense(1, name="head")], seed=0)
    model.compile(SGD(0.1), "mse")
    model.build((2,))
    model.layers[0].set_weights([np.full((2, 2), 1e30), np.zeros(2)])
    with pytest.raises(gdlab.NonFiniteLossError, match=r"All parameters are still finite; the forward pass "
                                                       r"overflowed first in layer 'big'"):
        model.fit(np.full((4, 2), 1e10), np.zeros(4), epochs=1, verbose=0)


def test_last_good_checkpoint_stays_on_disk(tmp_path):
    x = np.linspace(1, 2, 20)
    path = tmp_path / "ckpt.safetensors"
    model = linear_model(0.45)  # η·λ ≈ 2.1: diverges slowly
    with pytest.raises(gdlab.NonFiniteLossError):
        model.fit(x, 3 * x, epochs=2000, batch_size="full", callbacks=[ModelCheckpoint(path)], verbose=0)
    saved = gdlab.load_model(path)
    w = saved.get_weights()[0]
    assert np.all(np.isfinite(w)) and abs(float(w[0, 0])) > 1e3  # the last finite state, far from w* = 3
