import numpy as np
import pytest

import gdlab
from gdlab import Sequential
from gdlab.layers import Dense
from gdlab.optimizers import Adam


def model_and_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 5))
    y = (x @ rng.normal(size=(5, 1))) + 0.1 * rng.normal(size=(256, 1))
    model = Sequential([Dense(8, activation="tanh"), Dense(1)], dtype="float64", seed=0)
    model.compile(Adam(0.01), "mse")
    return model, x, y


def test_range_test_sweeps_exponentially_and_restores_the_model():
    model, x, y = model_and_data()
    model.fit(x, y, epochs=1, verbose=0)
    theta = model.parameters.theta.copy()
    state = model.optimizer.state_dict()
    with pytest.warns(gdlab.lr_finder.LRFinderWarning) as caught:  # the model was trained just above
        r = gdlab.lr_find(model, x, y, start_lr=1e-5, end_lr=1.0, num_iterations=50)
    assert any("the model has already been trained (1 epoch, last loss" in str(w.message) for w in caught)
    lrs = np.array(r.learning_rates)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], (1e5) ** (1 / 49), rtol=1e-12)
    np.testing.assert_array_equal(model.parameters.theta, theta)
    assert model.optimizer.learning_rate == 0.01 and model.optimizer.iterations == state["iterations"]
    np.testing.assert_array_equal(model.optimizer.state["m"], state["arrays"]["slot/m"])
    assert r.suggestion in r.learning_rates


def test_smoothing_is_bias_corrected():
    model, x, y = model_and_data()
    r = gdlab.lr_find(model, x, y, num_iterations=20, end_lr=1e-3, warn=False)  # only the smoothing is tested
    assert r.smoothed[0] == pytest.approx(r.losses[0], rel=1e-12)
    expected = (0.98 * 0.02 * r.losses[0] + 0.02 * r.losses[1]) / (1 - 0.98**2)
    assert r.smoothed[1] == pytest.approx(expected, rel=1e-12)


def test_stops_when_the_loss_explodes():
    model, x, y = model_and_data()
    r = gdlab.lr_find(model, x, y, start_lr=1e-3, end_lr=1e4, num_iterations=200, warn=False)  # stopping is tested
    assert r.stopped_early and len(r.learning_rates) < 200


@pytest.mark.parametrize("kwargs,match", [
    (dict(start_lr=1.0, end_lr=0.1), "start_lr"), (dict(num_iterations=1), "num_iterations"),
    (dict(smoothing=1.0), "smoothing"),
])
def test_bad_arguments(kwargs, match):
    model, x, y = model_and_data()
    with pytest.raises(ValueError, match=match):
        gdlab.lr_find(model, x, y, **kwargs)
