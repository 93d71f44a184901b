"""Callbacks: monitoring direction, early stopping, plateaus, checkpoints of callback state, the protocol."""

import numpy as np
import pytest

import gdlab
from gdlab import Sequential
from gdlab.callbacks import (Callback, EarlyStopping, ModelCheckpoint, MonitorCallback, ReduceLROnPlateau,
                             TerminateOnNaN)
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.training import NonFiniteLossError

RNG = np.random.default_rng(1)
X = RNG.normal(size=(40, 3))
Y = RNG.integers(0, 2, 40)


def make(metrics=("accuracy",)):
    model = Sequential([Dense(4, activation="tanh"), Dense(2, activation="softmax")], dtype="float64", seed=3)
    model.compile(SGD(0.1), "sparse_categorical_crossentropy", list(metrics))
    return model


class Feed(Callback):
    """Replaces ``key`` in the epoch logs by the next value of ``values`` (runs before the others)."""

    def __init__(self, key, values):
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


FIT = dict(batch_size=10, verbose=0, validation_split=0.25)


# -- one rule for "better" -------------------------------------------------------------------------
@pytest.mark.parametrize("monitor, metrics, expected", [
    ("loss", (), "min"),
    ("val_loss", (), "min"),
    ("val_accuracy", ("accuracy",), "max"),
    ("accuracy", ("accuracy",), "max"),
    ("val_mae", ("mae",), "min"),
    ("val_mse", ("mse",), "min"),
])
def test_every_monitoring_callback_agrees_on_the_direction(monitor, metrics, expected):
    model = make(metrics)
    for cb in (EarlyStopping(monitor), ReduceLROnPlateau(monitor), ModelCheckpoint("unused", monitor)):
        cb.set_model(model)
        assert cb.direction() == expected, type(cb).__name__


@pytest.mark.parametrize("cls", [EarlyStopping, ReduceLROnPlateau])
def test_an_undecidable_direction_fails_before_the_first_epoch(cls):
    """val_auc is not a compiled metric: auto mode cannot know its direction (Keras raises too)."""
    calls = []

    class Spy(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            calls.append(epoch)

    with pytest.raises(ValueError, match="val_auc.*mode='min' or mode='max'"):
        make().fit(X, Y, epochs=2, callbacks=[cls("val_auc"), Spy()], **FIT)
    assert calls == []


def test_explicit_mode_overrides_the_name():
    cb = EarlyStopping("val_auc", mode="max")
    assert cb.improves(0.9, 0.8) and not cb.improves(0.8, 0.9)


@pytest.mark.parametrize("mode, value, reference, delta, expected", [
    ("min", 0.9, 1.0, 0.0, True), ("min", 0.95, 1.0, 0.1, False), ("min", 0.85, 1.0, 0.1, True),
    ("max", 1.1, 1.0, 0.0, True), ("max", 1.05, 1.0, 0.1, False), ("max", 1.0, 1.0, 0.0, False),
    ("min", 5.0, None, 0.0, True),
])
def test_improvement_rule(mode, value, reference, delta, expected):
    assert MonitorCallback("x", mode, delta).improves(value, reference) is expected


@pytest.mark.parametrize("kwargs, message", [
    ({"monitor": ""}, "monitor=''"),
    ({"monitor": 3}, "monitor=3"),
    ({"mode": "up"}, "mode='up'; valid: 'auto', 'min', 'max'"),
])
def test_bad_monitor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        EarlyStopping(**kwargs)


def test_a_missing_monitored_key_names_the_logs():
    with pytest.raises(KeyError, match="val_loss.*not in the logs"):
        make().fit(X, Y, epochs=1, callbacks=[EarlyStopping("val_loss")], batch_size=10, verbose=0)


# -- EarlyStopping ------------------------------------------------------------------------------------
def test_early_stopping_counts_patience_from_the_best_epoch():
    """val_loss 1.0, 0.8, 0.9, 0.85, 0.95: best at epoch 1, then 3 epochs without improvement → stop at 4."""
    es = EarlyStopping("val_loss", patience=3)
    h = make().fit(X, Y, epochs=10, callbacks=[Feed("val_loss", [1.0, 0.8, 0.9, 0.85, 0.95, 0.1]), es], **FIT)
    assert h.epoch == [0, 1, 2, 3, 4]
    assert (es.best, es.best_epoch, es.stopped_epoch) == (0.8, 1, 4)


def test_early_stopping_restores_the_best_weights():
    weights = {}

    class Record(Callback):
        def on_epoch_end(self, epoch, logs=None):
            weights[epoch] = self.model.parameters.theta.copy()

    model = make()
    es = EarlyStopping("val_loss", patience=2, restore_best_weights=True)
    model.fit(X, Y, epochs=10, callbacks=[Feed("val_loss", [3.0, 1.0, 2.0, 2.5, 0.1]), Record(), es], **FIT)
    np.testing.assert_array_equal(model.parameters.theta, weights[1])


def test_early_stopping_best_weights_survive_a_resume(tmp_path):
    """Killed after its best epoch and resumed, the run still ends with the best epoch's weights."""
    values = [3.0, 1.0, 2.0, 2.5, 2.7, 2.9]

    def callbacks():
        return [Feed("val_loss", values), EarlyStopping("val_loss", patience=3, restore_best_weights=True),
                ModelCheckpoint(tmp_path / "ckpt-{epoch}.safetensors")]

    straight = make()
    straight.fit(X, Y, epochs=6, callbacks=callbacks(), **FIT)
    resumed = gdlab.load_checkpoint(tmp_path / "ckpt-3.safetensors")  # after epoch index 2, best was 1
    resumed.fit(X, Y, epochs=6, callbacks=callbacks(), **FIT)
    np.testing.assert_array_equal(resumed.parameters.theta, straight.parameters.theta)


def test_early_stopping_baseline_must_be_beaten():
    es = EarlyStopping("val_loss", patience=1, baseline=0.5)
    h = make().fit(X, Y, epochs=5, callbacks=[Feed("val_loss", [0.9, 0.8, 0.7, 0.6, 0.4]), es], **FIT)
    assert h.epoch == [0]


# -- ReduceLROnPlateau -------------------------------------------------------------------------------
def test_reduce_lr_on_plateau_by_hand():
    """Keras's rule with η = 0.1, factor 0.5, patience 1, cooldown 2 and val_loss 1, 1, 1, 1, 1: epoch 0
    sets best; epoch 1 waits 1 → reduce, counter 2; epoch 2 counter → 1 (cooling); epoch 3 counter → 0,
    then waits 1 → reduce; epoch 4 cooling. η after each epoch: 0.1, 0.05, 0.05, 0.025, 0.025."""
    cb = ReduceLROnPlateau("val_loss", factor=0.5, patience=1, cooldown=2, min_delta=0.0)
    lrs = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            lrs.append(self.model.optimizer.current_learning_rate())

    make().fit(X, Y, epochs=5, callbacks=[Feed("val_loss", [1.0] * 5), cb, Spy()], **FIT)
    assert lrs == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025], rel=0, abs=1e-15)


# -- the protocol --------------------------------------------------------------------------------------
@pytest.mark.parametrize("callbacks", [EarlyStopping(), "early_stopping", 5])
def test_callbacks_must_be_a_list(callbacks):
    with pytest.raises(TypeError, match=r"callbacks=.* must be a list of gdlab.callbacks.Callback"):
        make().fit(X, Y, epochs=1, callbacks=callbacks, **FIT)


def test_non_callbacks_in_the_list_are_refused():
    with pytest.raises(TypeError, match="Callback instances; got 'x'"):
        make().fit(X, Y, epochs=1, callbacks=["x"], **FIT)


def test_checkpoint_writers_run_after_the_other_callbacks():
    order = []

    class Writer(Callback):
        def writes_checkpoints(self):
            return True

        def on_epoch_end(self, epoch, logs=None):
            order.append("writer")

    class Plain(Callback):
        def on_epoch_end(self, epoch, logs=None):
            order.append("plain")

    make().fit(X, Y, epochs=1, callbacks=[Writer(), Plain()], **FIT)
    assert order == ["plain", "writer"]


def test_on_nonfinite_decides_whether_divergence_raises(capsys):
    def diverging():
        model = Sequential([Dense(1, use_bias=False)], seed=0)
        model.compile(SGD(5.0), "mse")
        return model

    x = np.linspace(1, 2, 20)
    with pytest.raises(NonFiniteLossError, match="diverged"):
        diverging().fit(x, 3 * x, epochs=500, batch_size="full", callbacks=[Callback()], verbose=0)
    h = diverging().fit(x, 3 * x, epochs=500, batch_size="full", callbacks=[TerminateOnNaN()], verbose=0)
    assert h.stopped_because.startswith("training diverged")
    assert "TerminateOnNaN: training diverged" in capsys.readouterr().err


def test_callback_state_round_trips_with_arrays():
    es = EarlyStopping(restore_best_weights=True)
    es.best, es.best_weights, es.wait = 0.5, np.arange(3.0), 2
    other = EarlyStopping(restore_best_weights=True)
    other.set_state(es.get_state())
    assert (other.best, other.wait) == (0.5, 2)
    np.testing.assert_array_equal(other.best_weights, [0.0, 1.0, 2.0])
    assert other.best_weights is not es.best_weights
