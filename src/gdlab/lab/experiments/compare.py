"""Optimizers compared on real data: the bundled digits, the same network, seed and initial weights."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gdlab import Sequential, datasets
from gdlab import optimizers as opt_mod
from gdlab.lab.experiments.common import Table, fmt
from gdlab.layers import Dense

#: label → optimizer (learning rates: each family's usual setting for this kind of network)
CONTESTANTS = {
    "SGD": lambda: opt_mod.SGD(0.05),
    "Momentum": lambda: opt_mod.SGD(0.05, momentum=0.9),
    "Nesterov": lambda: opt_mod.SGD(0.05, momentum=0.9, nesterov=True),
    "Adagrad": lambda: opt_mod.Adagrad(0.05),
    "Adadelta": lambda: opt_mod.Adadelta(1.0),
    "RMSprop": lambda: opt_mod.RMSprop(0.001),
    "Adam": lambda: opt_mod.Adam(0.001),
    "Nadam": lambda: opt_mod.Nadam(0.001),
    "AdamW": lambda: opt_mod.AdamW(0.001),
    "Adamax": lambda: opt_mod.Adamax(0.002),
    "RAdam": lambda: opt_mod.RAdam(0.001),
    "Lion": lambda: opt_mod.Lion(1e-4),
}


@dataclass
class CompareRun:
    label: str
    optimizer: str  # repr with its hyperparameters
    history: dict
    seconds: float
    test_loss: float
    test_accuracy: float


@dataclass
class CompareResult:
    epochs: int
    batch_size: int
    hidden: int
    runs: list[CompareRun] = field(default_factory=list)

    def table(self) -> Table:
        rows = [[r.label, fmt(r.history["loss"][-1]), fmt(r.history["val_loss"][-1]),
                 f"{r.history['accuracy'][-1]:.3f}", f"{r.history['val_accuracy'][-1]:.3f}",
                 f"{r.test_accuracy:.3f}", f"{r.seconds:.2f}"] for r in self.runs]
        return Table(["optimizer", "train loss", "val loss", "train acc", "val acc", "test acc", "seconds"], rows)


def compare_optimizers(epochs: int = 20, batch_size: int = 32, hidden: int = 32, contestants=None,
                       seed: int = 0, progress=None) -> CompareResult:
    (x_train, y_train), (x_test, y_test) = datasets.load_digits(seed=seed)

    template = Sequential([Dense(hidden, activation="relu"), Dense(10, activation="softmax")], seed=seed)
    template.build(x_train.shape[1:])
    result = CompareResult(epochs=epochs, batch_size=batch_size, hidden=hidden)
    names = list(contestants or CONTESTANTS)
    for label in (progress(names, "compare") if progress else names):
        model = template.clone()  # the same initial weights for every run
        optimizer = CONTESTANTS[label]()
        model.compile(optimizer, "sparse_categorical_crossentropy", ["accuracy"])
        t0 = time.perf_counter()
        history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_split=0.2,
                            seed=seed, verbose=0)
        seconds = time.perf_counter() - t0
        test_loss, test_acc = model.evaluate(x_test, y_test)
        result.runs.append(CompareRun(label, repr(optimizer), history.history, seconds, test_loss, test_acc))
    return result
