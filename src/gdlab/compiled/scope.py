"""Which fits the compiled epoch can run, and why not the others.

In scope: a ``Sequential`` of ``Dense`` layers with linear / ReLU / tanh /
sigmoid hidden activations; a softmax output with (sparse) categorical
cross-entropy, or a linear / ReLU / tanh / sigmoid output with mean squared
error; SGD (momentum, Nesterov, dampening) or Adam in either convention with a
constant learning rate; accuracy as the only metric; callbacks that act per
epoch. Anything else — dropout and other layers, clipping, weight decay, EMA,
gradient accumulation, AMSGrad, a learning-rate schedule (it changes η every
step), batch-level callbacks — runs on the NumPy reference path. ``reason``
names the first thing that is out of scope.
"""

from __future__ import annotations

import numpy as np

from gdlab import activations, kernels, losses, metrics
from gdlab.callbacks.progress import ProgressLogger
from gdlab.layers import Dense
from gdlab.optimizers import SGD, Adam

HIDDEN = {activations.Linear: 0, activations.ReLU: 1, activations.Tanh: 2, activations.Sigmoid: 3}
LOSSES = {losses.SparseCategoricalCrossentropy: 0, losses.CategoricalCrossentropy: 1,
          losses.MeanSquaredError: 2}
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
#: optimizer settings the compiled path does not run, with their "off" value
OPTIMIZER_EXTRAS = {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None,
                    "use_ema": False, "gradient_accumulation_steps": None}


def _name(obj) -> str:
    return type(obj).__name__


def reason(model, callbacks) -> str | None:
    """None when the compiled epoch can run this fit (``callbacks``: its ``CallbackList``); else what
    is out of scope."""
    if not kernels.registered("sgd"):
        return "numba is not installed (pip install gdlab[fast])"
    if not kernels.enabled():
        return "the fused kernels are switched off (gdlab.kernels.fused(False))"
    if model.backend.name != "numpy":
        return f"backend {model.backend.name!r} (the compiled epoch runs on NumPy arrays)"
    if model.dtype not in DTYPES:
        return f"dtype {model.dtype} (float32 and float64 are compiled)"
    for layer in model.layers:
        if type(layer) is not Dense:
            return f"layer {layer.name!r} is a {_name(layer)} (only Dense layers are compiled)"
    *hidden, last = model.layers
    for layer in hidden:
        if type(layer.activation) not in HIDDEN:
            return (f"layer {layer.name!r} has activation {_name(layer.activation)} "
                    f"(compiled: {', '.join(c.__name__ for c in HIDDEN)})")
    loss = model.loss
    if type(loss) not in LOSSES:
        return f"loss {_name(loss)} (compiled: {', '.join(c.__name__ for c in LOSSES)})"
    if isinstance(loss, losses.CategoricalCrossentropy):
        if not model._fused:
            return f"{_name(loss)} without a softmax output layer (or from_logits=True)"
    elif type(last.activation) not in HIDDEN:
        return f"output activation {_name(last.activation)} with {_name(loss)}"
    for metric in model.metrics:
        if type(metric) is not metrics.Accuracy:
            return f"metric {metric.name!r} (only accuracy is compiled)"
    why = _optimizer_reason(model.optimizer)
    if why:
        return why
    for cb in callbacks.batch_begin + callbacks.batch_end:
        if not isinstance(cb, ProgressLogger):  # a progress bar is advanced after the epoch instead
            return f"callback {_name(cb)} acts on every batch"
    return None


def weights_per_sample(model) -> int:
    """Σ n_in·n_out over the Dense layers: the multiply-adds of one sample's forward pass."""
    return sum(int(layer.weights["kernel"].size) for layer in model.layers)


def _optimizer_reason(opt) -> str | None:
    if type(opt) not in (SGD, Adam):
        return f"optimizer {_name(opt)} (compiled: SGD, Adam)"
    for key, off in OPTIMIZER_EXTRAS.items():
        if getattr(opt, key) != off:
            return f"optimizer setting {key}={getattr(opt, key)!r}"
    if isinstance(opt, Adam) and opt.amsgrad:
        return "Adam(amsgrad=True)"
    if callable(opt.learning_rate):
        return f"the learning rate is a schedule ({_name(opt.learning_rate)}), which changes it every step"
    if opt.fused is False:
        return f"{_name(opt)}(fused=False)"
    return None
