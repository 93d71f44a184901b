"""Metrics: exact per-batch (sum, count), the kind of accuracy chosen from the loss, and directions."""

import numpy as np
import pytest

from gdlab import Sequential, losses, metrics
from gdlab.layers import Dense
from gdlab.optimizers import SGD


@pytest.mark.parametrize("name, loss, y_true, y_pred, expected", [
    # integer labels: argmax(ŷ) == label → rows 0 and 2 right
    ("accuracy", "sparse_categorical_crossentropy", [[0], [1], [2]],
     [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], (2.0, 3)),
    # one-hot targets: argmax(ŷ) == argmax(y)
    ("accuracy", "categorical_crossentropy", [[1, 0], [0, 1], [0, 1], [1, 0]],
     [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]], (2.0, 4)),
    # one output, probabilities: [ŷ > 0.5] == [y > 0.5]
    ("accuracy", "binary_crossentropy", [[1], [0], [1]], [[0.7], [0.2], [0.4]], (2.0, 3)),
    # one output, logits: threshold 0
    ("accuracy", losses.BinaryCrossentropy(from_logits=True), [[1], [0], [1]], [[0.3], [-2.0], [-0.1]],
     (2.0, 3)),
    ("mae", "mse", [[1.0, 2.0], [3.0, 4.0]], [[1.5, 2.0], [2.0, 6.0]], (3.5, 4)),
    ("mse", "mse", [[1.0, 2.0], [3.0, 4.0]], [[1.5, 2.0], [2.0, 6.0]], (5.25, 4)),
])
def test_metric_batch_sums_by_hand(name, loss, y_true, y_pred, expected):
    metric = metrics.get(name, loss=losses.get(loss))
    s, c = metric.batch(np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float))
    assert (s, c) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("name, direction", [("accuracy", "max"), ("acc", "max"), ("mae", "min"),
                                             ("mse", "min"), ("mean_squared_error", "min")])
def test_metric_directions(name, direction):
    assert metrics.get(name).direction == direction


def test_unknown_metric_lists_the_known_ones():
    with pytest.raises(ValueError, match="accuracy") as err:
        metrics.get("f1")
    assert "'f1'" in str(err.value)


def test_epoch_metrics_are_exact_means_over_unequal_batches():
    """Batches of 4, 4 and 2 samples, right 4, 0 and 2 times: the epoch accuracy is 6/10 = 0.6, not the
    mean of the batch accuracies (1 + 0 + 1)/3 ≈ 0.667."""
    x = np.arange(30.0).reshape(10, 3)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0])
    model = Sequential([Dense(2, activation="softmax", kernel_initializer="zeros")], dtype="float64", seed=0)
    model.compile(SGD(0.0), "sparse_categorical_crossentropy", ["accuracy"])
    h = model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    # zero weights → equal probabilities → argmax 0 everywhere → the six zeros are right
    assert h.history["accuracy"] == [0.6]
    assert model.evaluate(x, y, batch_size=3) == pytest.approx([np.log(2), 0.6], abs=1e-12)
