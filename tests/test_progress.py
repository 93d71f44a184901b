"""The fit progress line (fitted to the terminal like Keras's) and the health warnings."""

import io
import os
import re
import shutil
import sys

import numpy as np
import pytest

import gdlab
from gdlab import datasets
from gdlab.callbacks.progress import fit_lines
from gdlab.layers import Dense
from gdlab.optimizers import SGD, Adam

LOGS = {"accuracy": 0.91, "loss": 0.31, "val_accuracy": 0.9, "val_loss": 0.33}


@pytest.mark.parametrize("width,lines", [
    (120, ["41/41 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9100 - loss: 0.3100 - val_accuracy: 0.9000 - "
           "val_loss: 0.3300"]),
    (100, ["41/41 ━━━━━ 0s 3ms/step - accuracy: 0.9100 - loss: 0.3100 - val_accuracy: 0.9000 - val_loss: 0.3300"]),
    (90, ["41/41 0s 3ms/step - accuracy: 0.91 - loss: 0.31 - val_accuracy: 0.9 - val_loss: 0.33"]),
    (80, ["41/41 0s - accuracy: 0.91 - loss: 0.31 - val_accuracy: 0.9 - val_loss: 0.33"]),
    (60, ["41/41 - accuracy: 0.91 - loss: 0.31 - val_accuracy: 0.9", "val_loss: 0.33"]),
    (24, ["41/41 - accuracy: 0.91", "loss: 0.31", "val_accuracy: 0.9", "val_loss: 0.33"]),
])
def test_the_epoch_line_gives_up_bar_digits_and_timing_in_turn_to_fit_the_width(width, lines):
    assert fit_lines(41, 41, "0s 3ms/step", LOGS, width) == lines
    assert all(len(line) <= width - 1 for line in lines)


def test_the_live_line_is_cut_rather_than_wrapped():
    assert fit_lines(3, 41, "2s", {"loss": 0.123456}, 12, wrap=False) == [" 3/41 - lo…"]
    assert fit_lines(3, 41, "2s", {"loss": 0.123456}, 40, wrap=False) == [" 3/41 ━" + "─" * 14 + " 2s - loss: 0.1235"]


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self):
        return True


class AsciiTerminal(Terminal):
    encoding = "ascii"


@pytest.fixture
def terminal(monkeypatch):
    """stderr becomes a terminal of the given width (0: a pseudo-terminal that reports 0×0)."""
    def make(columns, kind=Terminal):
        stream = kind()
        monkeypatch.setattr(sys, "stderr", stream)
        monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(0, 0): os.terminal_size((columns, 24)))
        return stream

    return make


def classifier(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(60, 4))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    model = gdlab.Sequential([gdlab.Input((4,)), Dense(8, activation="tanh"), Dense(3, activation="softmax")],
                             seed=seed)
    model.compile(Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    return model, x, y


@pytest.mark.parametrize("columns", [200, 80, 40])
def test_fit_verbose_1_fits_an_80_column_terminal_like_keras(terminal, columns):
    stream = terminal(columns)
    model, x, y = classifier()
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.2, verbose=1, seed=0)
    text = stream.getvalue()
    screen = [part for part in re.split(r"[\r\n]", text) if part]
    assert all(len(part) <= columns - 1 for part in screen), screen
    epochs = text.split("Epoch ")[1:]
    assert [e.split("\n")[0] for e in epochs] == ["1/2", "2/2"]
    for e in epochs:  # what stays on screen after the epoch: its final line(s), every log visible
        final = e.split("\r")[-1]
        assert all(f"{k}: " in final for k in ("loss", "accuracy", "val_loss", "val_accuracy")), final
        assert "learning_rate" not in final  # constant: not worth a column
    if columns == 200:
        assert re.fullmatch(r"3/3 ━{20} \d+s \d+(us|ms)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - "
                            r"val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}\n", epochs[1].split("\r")[-1])


@pytest.mark.parametrize("columns,tty", [(0, True), (80, False)])
def test_unknown_width_or_no_terminal_prints_plain_lines_without_blank_lines(terminal, columns, tty):
    stream = terminal(columns)
    stream.isatty = lambda: tty
    model, x, y = classifier()
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=1, seed=0)
    lines = stream.getvalue().split("\n")
    assert lines[-1] == "" and "\r" not in stream.getvalue()
    assert len(lines[:-1]) == 3 and all(re.fullmatch(
        rf"Epoch {i + 1}/3 - 3/3 - \d+s \d+(us|ms)/step - loss: \d\.\d{{4}} - accuracy: \d\.\d{{4}} - "
        r"val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}", line) for i, line in enumerate(lines[:-1])), lines


def digits_at_lr_50():
    (x, y), _ = datasets.load_digits(seed=0)
    model = gdlab.Sequential([gdlab.Input((64,)), Dense(32, activation="relu"), Dense(10, activation="softmax")],
                             seed=0)
    model.compile(SGD(lr=50), "sparse_categorical_crossentropy", ["accuracy"])
    return model, x, y, 32


def line_at_lr_10():
    x, y = datasets.house_prices(n=20, seed=0)
    model = gdlab.Sequential([gdlab.Input((1,)), Dense(1, use_bias=False)], dtype="float64", seed=0)
    model.compile(SGD(lr=10), "mse")
    return model, x, y, "full"


def healthy():
    model, x, y = classifier()
    return model, x, y, 16


@pytest.mark.parametrize("make,warnings", [
    (digits_at_lr_50, [r"warning: accuracy has stayed at chance level \(1/10 = 0\.1\) for 3 epochs "
                       r"\(0\.\d{4}, 0\.\d{4}, 0\.\d{4}\): the network is guessing; the learning rate 50 may be too "
                       r"large"]),
    (line_at_lr_10, [r"warning: the training loss has risen 3 epochs in a row \(5\.903 → 1\.693e\+04 → 4\.894e\+07 "
                     r"→ 1\.415e\+11\); the learning rate 10 is probably too large"]),
    (healthy, []),
])
def test_warnings_when_the_loss_keeps_rising_or_accuracy_sits_at_chance(capsys, make, warnings):
    model, x, y, batch = make()
    model.fit(x, y, epochs=6, batch_size=batch, verbose=2, seed=0)
    found = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(found) == len(warnings) and all(re.fullmatch(w, f) for w, f in zip(warnings, found)), found


def test_a_terminal_that_cannot_encode_the_bar_gets_ascii(terminal):
    stream = terminal(200, AsciiTerminal)
    model, x, y = classifier()
    model.fit(x, y, epochs=1, batch_size=16, verbose=1, seed=0)
    assert re.search(r"\r4/4 ={20} \d+s", stream.getvalue()) and "━" not in stream.getvalue()


@pytest.mark.parametrize("kwargs,message", [
    ({"patience": 0}, "patience=0 must be an int >= 1"),
    ({"patience": True}, "patience=True must be an int >= 1"),
    ({"tolerance": -0.1}, r"tolerance=-0.1 must be a number in \[0, 1\)"),
    ({"tolerance": "a"}, r"tolerance='a' must be a number in \[0, 1\)"),
])
def test_health_check_rejects_bad_arguments(kwargs, message):
    from gdlab.callbacks.health import HealthCheck

    with pytest.raises(ValueError, match=message):
        HealthCheck(**kwargs)
