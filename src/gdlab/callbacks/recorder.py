"""ParameterRecorder: θ after every iteration and the wall-clock time at which it was reached."""

from __future__ import annotations

import time

import numpy as np

from gdlab.callbacks.base import Callback


class ParameterRecorder(Callback):
    """Records θ after every iteration and the wall-clock time at which it was reached.

    ``thetas[0]`` is θ before the first iteration (``times[0] = 0``); ``thetas[k]`` is θ after
    iteration k, a host copy (``model.parameters.numpy()``).
    """

    def __init__(self):
        self.thetas: list[np.ndarray] = []
        self.times: list[float] = []
        self._t0 = 0.0

    def on_train_begin(self, logs=None):
        self.thetas = [self.model.parameters.numpy()]
        self.times = [0.0]
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, iteration, logs=None):
        self.times.append(time.perf_counter() - self._t0)
        self.thetas.append(self.model.parameters.numpy())
