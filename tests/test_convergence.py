import time

import numpy as np
import pytest

from gdlab import Sequential, datasets
from gdlab.layers import Dense
from gdlab.optimizers import SGD


def test_house_prices_reach_the_least_squares_slope():
    x, y = datasets.house_prices(n=50, noise=0.2, true_w=3.0, seed=0)
    w_star = float((x * y).sum() / (x * x).sum())  # argmin_w mean((w·x − y)²)
    model = Sequential([Dense(1, use_bias=False, kernel_initializer="zeros")], dtype="float64", seed=0)
    lam = 2 * np.mean(x * x)  # curvature of the loss parabola
    model.compile(SGD(learning_rate=1 / lam), "mse")
    model.fit(x, y, epochs=3, batch_size="full", verbose=0)
    w = float(model.get_weights()[0][0, 0])
    assert abs(w - w_star) < 1e-4
    assert abs(w - w_star) < 1e-12  # η = 1/λ lands on the minimum in one step


@pytest.mark.parametrize("optimizer,batch_size,epochs,tolerance", [
    (dict(learning_rate=0.1), "full", 200, 1e-4),  # batch GD
    (dict(learning_rate=0.05, momentum=0.9), "full", 300, 1e-4),  # heavy ball
    (dict(learning_rate=0.05, momentum=0.9, nesterov=True), "full", 300, 1e-4),
    (dict(learning_rate=0.01), 10, 50, 5e-3),  # mini-batch: converges to a noise ball around w*
    (dict(learning_rate=0.002), 1, 20, 5e-3),  # SGD, one sample per step
], ids=["batch", "momentum", "nesterov", "minibatch", "sgd"])
def test_house_prices_every_regime(optimizer, batch_size, epochs, tolerance):
    optimizer = SGD(**optimizer)  # a fresh optimizer per test: parametrize values are shared
    x, y = datasets.house_prices(n=200, noise=0.1, seed=1)
    w_star = float((x * y).sum() / (x * x).sum())
    model = Sequential([Dense(1, use_bias=False, kernel_initializer="zeros")], dtype="float64", seed=0)
    model.compile(optimizer, "mse")
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    assert abs(model.get_weights()[0][0, 0] - w_star) < tolerance


def test_digits_two_layer_network_reaches_96_percent_quickly():
    (x_train, y_train), (x_test, y_test) = datasets.load_digits(test_size=0.2, seed=0)
    assert len(x_test) == 360
    t0 = time.perf_counter()
    model = Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")], seed=0)
    model.compile(SGD(learning_rate=0.1, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    loss, acc = model.evaluate(x_test, y_test)
    seconds = time.perf_counter() - t0
    assert acc >= 0.96, acc
    assert seconds < 30  # the budget; typically well under a second
