"""Which fits the compiled epoch can run, and why not the others.

Each object says what it supports — ``Layer.compiled_reasons``, ``Loss.compiled_reasons``,
``Metric.compiled_reasons``, ``Optimizer.compiled_reasons``, ``Callback.compiled_reasons`` —
and ``reasons`` adds what the environment must give: numba, the fused-kernel switch, the
NumPy backend and a float dtype. Today that is: Dense layers with linear / ReLU / tanh /
sigmoid hidden activations; a softmax output with (sparse) categorical cross-entropy, or a
linear / ReLU / tanh / sigmoid output with mean squared error; SGD (momentum, Nesterov,
dampening) or Adam in either convention with a constant learning rate; accuracy; callbacks
whose batch hooks may wait for the epoch's end (progress bars).
"""

from __future__ import annotations

import numpy as np

from gdlab import kernels

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def reasons(model, callbacks) -> list[str]:
    """Every reason the compiled epoch cannot run this fit (``callbacks``: its ``CallbackList``); [] when it can."""
    why = []
    if not kernels.registered("sgd"):
        why.append("numba is not installed (pip install gdlab[fast])")
    elif not kernels.enabled():
        why.append("the fused kernels are switched off (gdlab.kernels.fused(False))")
    if model.backend.name != "numpy":
        why.append(f"backend {model.backend.name!r} (the compiled epoch runs on NumPy arrays)")
    if model.dtype not in DTYPES:
        why.append(f"dtype {model.dtype} (float32 and float64 are compiled)")
    layers = model.layers
    for layer in layers:
        why += layer.compiled_reasons(last=layer is layers[-1])
    why += model.loss.compiled_reasons(layers[-1].activation, model._fused)
    for metric in model.metrics:
        why += metric.compiled_reasons()
    why += model.optimizer.compiled_reasons()
    for cb in callbacks.callbacks:
        why += cb.compiled_reasons()
    return why


def weights_per_sample(model) -> int:
    """Σ n_in·n_out over the Dense layers: the multiply-adds of one sample's forward pass."""
    return sum(int(layer.weights["kernel"].size) for layer in model.layers)
