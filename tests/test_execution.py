"""The execution plan (decided once per fit), the EpochResult every executor returns, and the capabilities
the objects declare."""

import math
import re

import numpy as np
import pytest

from gdlab import Sequential, activations, kernels, losses, optimizers
from gdlab.callbacks import Callback
from gdlab.execution import EpochResult
from gdlab.layers import Dense, Dropout
from gdlab.opcodes import Act, LossCode, Update
from gdlab.optimizers import SGD, Adam, RMSprop

X = np.random.default_rng(0).normal(size=(30, 5))
Y = np.arange(30) % 3
NUMBA = pytest.mark.skipif(not kernels.registered("sgd"), reason="the compiled epoch needs numba")


def net(opt=None, dropout=False):
    layers = [Dense(6, activation="relu")] + ([Dropout(0.3)] if dropout else []) + [Dense(3, activation="softmax")]
    model = Sequential(layers, seed=1)
    model.compile(opt or SGD(0.1), "sparse_categorical_crossentropy", ["accuracy"])
    return model



def test_an_epoch_result_books_what_the_formula_says():
    r = EpochResult.for_metrics(1)
    for loss, rows in [(0.5, 4), (0.25, 2), (0.125, 3)]:
        assert r.add_step(loss, rows)
    r.add_metric(0, 5.0, 9)
    assert r.running_means() == [0.5, (0.5 * 4 + 0.25 * 2) / 6, (0.5 * 4 + 0.25 * 2 + 0.125 * 3) / 9]
    assert r.logs([type("M", (), {"name": "accuracy"})()]) == {"loss": r.running_means()[-1], "accuracy": 5 / 9}
    stopped = EpochResult.for_metrics(0)
    assert stopped.add_step(1.0, 2) and not stopped.add_step(math.nan, 2)
    assert (stopped.steps, stopped.stopped_at, stopped.seen) == (1, 1, 2) and math.isnan(stopped.stop_loss)
    assert math.isnan(EpochResult.for_metrics(0).logs([])["loss"])


@pytest.mark.parametrize("execution", ["auto", "loop"])
@pytest.mark.parametrize("batch_size", [1, 7])
def test_the_plan_a_fit_records_is_the_plan_the_model_predicts(execution, batch_size):
    model = net()
    model.build((5,))
    predicted = model.execution_plan(batch_size=batch_size, execution=execution)
    recorded = model.fit(X, Y, batch_size=batch_size, epochs=1, verbose=0, execution=execution).plan
    assert recorded == predicted and recorded.to_dict() == predicted.to_dict()
    assert recorded.batch_size == batch_size and recorded.requested == execution
    assert recorded.path == ("compiled" if execution == "auto" and kernels.registered("sgd") else "loop")


class Counter(Callback):
    batch_hooks_may_lag = True  # like a progress bar

    def __init__(self):
        self.calls = []

    def on_train_batch_end(self, iteration, logs=None):
        self.calls.append((iteration, logs["loss"]))


@NUMBA
def test_both_executors_book_an_epoch_alike():
    """The compiled epoch books after its call what the step loop books step by step: the same iteration
    counters, and the batch-end hooks see every step's running mean loss (to rounding between the paths)."""
    runs = {}
    for execution in ("compiled", "loop"):
        counter = Counter()
        model = net(Adam(0.01))
        h = model.fit(X, Y, batch_size=4, epochs=2, seed=3, verbose=0, callbacks=[counter], execution=execution)
        runs[execution] = (h, counter.calls)
    (hc, cc), (hl, cl) = runs["compiled"], runs["loop"]
    assert hc.plan.path == "compiled" and hl.plan.path == "loop"
    assert (hc.iteration_epoch, hc.iteration_index) == (hl.iteration_epoch, hl.iteration_index)
    assert [i for i, _ in cc] == [i for i, _ in cl] == list(range(8)) * 2
    np.testing.assert_allclose([m for _, m in cc], [m for _, m in cl], rtol=1e-5)
    assert cc[7][1] == hc.history["loss"][0] and cl[7][1] == hl.history["loss"][0]


def test_summary_shows_how_fit_will_run_then_how_it_ran():
    model = net(RMSprop(0.01), dropout=True)
    model.build((5,))
    before = model.summary(print_fn=None)
    assert "fit(batch_size=32) would run: step loop (execution='auto')" in before
    assert "not compiled: layer 'dropout' is a Dropout" in before
    model.fit(X, Y, batch_size=5, epochs=1, verbose=0)
    after = model.summary(print_fn=None)
    assert "Last fit: step loop (execution='auto') — numpy, float32, steps of up to 5 rows" in after
    assert repr(model) == ("<Sequential 'sequential': 3 layers, 57 parameters, float32 on numpy, compiled with "
                           "RMSprop and SparseCategoricalCrossentropy, last fit: loop>")  # 5·6 + 6 + 6·3 + 3


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "full"])
def test_execution_plan_names_a_bad_batch_size(bad):
    model = net()
    model.build((5,))
    with pytest.raises(ValueError, match=re.escape(f"batch_size={bad!r} must be an int >= 1")):
        model.execution_plan(batch_size=bad)


def test_execution_plan_needs_a_compiled_built_model():
    with pytest.raises(RuntimeError, match="not compiled"):
        Sequential([Dense(2)]).execution_plan()
    with pytest.raises(ValueError, match="needs a built model"):
        net().execution_plan()


@pytest.mark.parametrize("enum, owners", [
    (Act, [c for c in activations.registry.classes() if c.compiled_code is not None]),
    (LossCode, [c for c in losses.registry.classes() if c.compiled_code is not None]),
])
def test_each_op_code_is_declared_by_exactly_one_class(enum, owners):
    assert sorted(c.compiled_code for c in owners) == sorted(enum)


def test_the_optimizers_that_say_they_are_compiled_give_every_update_code():
    codes = set()
    for opt in [SGD(0.1), SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9, convention="torch"), Adam(),
                Adam(convention="torch")]:
        assert type(opt).supports_compiled_epoch and opt.compiled_reasons() == []
        opt.build(np.zeros(4, dtype=np.float32))
        code = opt.kernel_arguments(0.1, np.float32)[0]
        assert type(code) is int  # an IntEnum member as a numba argument costs 30× the dispatch time of an int
        codes.add(code)
    assert codes == set(Update)
    assert RMSprop().compiled_reasons() == ["optimizer RMSprop (compiled: Adam, AdamW, SGD)"]
    assert [c.__name__ for c in optimizers.registry.classes() if c.supports_compiled_epoch] == ["Adam", "AdamW", "SGD"]
