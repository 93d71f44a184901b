"""Metrics: each returns (sum, count) for one batch so an epoch's value is exact.

- accuracy: the fraction of correct predictions. Which kind follows the loss
  and the output width, as Keras's ``"accuracy"`` does: integer labels →
  argmax(ŷ) == label; one-hot targets → argmax(ŷ) == argmax(y); one output →
  [ŷ > threshold] == [y > 0.5] (threshold 0.5, or 0 for logits).
- mae: mean |ŷ − y| over all entries;  mse: mean (ŷ − y)² over all entries.
"""

from __future__ import annotations

import numpy as np

from gdlab.config import Configurable
from gdlab.registry import Registry


class Metric(Configurable):
    name = "metric"
    #: "max" when higher values are better, "min" when lower are (used by monitoring callbacks)
    direction = "min"
    #: whether the compiled epoch counts this metric (in its loss head)
    supports_compiled_epoch = False

    def compiled_reasons(self) -> list[str]:
        """Why the compiled epoch cannot count this metric ([] when it can)."""
        if self.supports_compiled_epoch:
            return []
        able = [cls.name for cls in registry.classes() if cls.supports_compiled_epoch]
        return [f"metric {self.name!r} (compiled: {', '.join(able)})"]

    def batch(self, y_true, y_pred) -> tuple[float, int]:
        raise NotImplementedError  # abstract


registry = Registry("metric", Metric)


@registry.register("accuracy", "acc")
class Accuracy(Metric):
    name = "accuracy"
    direction = "max"
    supports_compiled_epoch = True

    def __init__(self, sparse: bool | None = None, threshold: float = 0.5):
        self.sparse, self.threshold = sparse, float(threshold)

    def get_config(self):
        return {"sparse": self.sparse, "threshold": self.threshold}

    def batch(self, y_true, y_pred):
        n = y_pred.shape[0]
        if y_pred.ndim == 2 and y_pred.shape[1] > 1:
            pred = y_pred.argmax(axis=1)
            true = y_true.reshape(n) if self.sparse else y_true.argmax(axis=1)
        else:
            pred = y_pred.reshape(n) > self.threshold
            true = y_true.reshape(n) > 0.5
        return float(np.count_nonzero(pred == true)), n


@registry.register("mean_absolute_error", "mae")
class MeanAbsoluteError(Metric):
    name = "mae"

    def batch(self, y_true, y_pred):
        return float(np.abs(y_pred - y_true).sum()), y_pred.size


@registry.register("mean_squared_error", "mse")
class MeanSquaredError(Metric):
    name = "mse"

    def batch(self, y_true, y_pred):
        e = y_pred - y_true
        return float((e * e).sum()), y_pred.size


def get(identifier, loss=None) -> Metric:
    """A metric by name; ``accuracy`` adapts to the loss (sparse labels, logits)."""
    metric = registry.get(identifier)
    if isinstance(metric, Accuracy) and isinstance(identifier, str) and loss is not None:
        metric.sparse = bool(loss.sparse_targets)
        if getattr(loss, "from_logits", False):
            metric.threshold = 0.0
    return metric
