"""Notebook display: progress on stdout in a kernel, summary printed once, rich HTML that parses and
holds the numbers it claims, ``.plot()`` returning an Axes — all without a kernel."""

from html.parser import HTMLParser

import numpy as np
import pytest

import gdlab
from gdlab.callbacks import ProgressLogger
from gdlab.display import notebook
from gdlab.layers import Dense
from gdlab.optimizers import SGD


class Checker(HTMLParser):
    """Collects text and images, and checks that every opened tag (but the void ones) is closed in order."""

    VOID = {"img", "br", "hr", "meta", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.images = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images += 1
            assert dict(attrs)["src"].startswith("data:image/png;base64,")
        elif tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"</{tag}> closes nothing open"

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> Checker:
    c = Checker()
    c.feed(markup)
    c.close()
    assert c.stack == [], f"unclosed tags {c.stack}"
    return c


def classifier(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(120, 4))
    y = (x.sum(1) > 0).astype(int)
    model = gdlab.Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], seed=seed)
    model.compile(SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


def test_auto_verbose_shows_epoch_lines_on_stdout_in_a_notebook(monkeypatch, capsys):
    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    monkeypatch.setattr("gdlab.training.in_notebook", lambda: True)
    monkeypatch.setattr("gdlab.callbacks.progress.progress_stream", notebook.progress_stream)
    model, x, y = classifier()
    model.fit(x, y, epochs=2)
    out, err = capsys.readouterr()
    assert err == ""
    assert [line.split(" - ")[0] for line in out.splitlines()] == ["Epoch 1/2", "Epoch 2/2"]


def test_auto_verbose_is_silent_outside_a_terminal_and_a_notebook(capsys):
    model, x, y = classifier()
    model.fit(x, y, epochs=1)
    assert capsys.readouterr() == ("", "")
    assert not notebook.in_notebook()
    assert ProgressLogger().stream is __import__("sys").stderr


def test_summary_prints_once_and_returns_none(capsys):
    model, x, y = classifier()
    model.build((4,))
    assert model.summary() is None
    printed = capsys.readouterr().out
    assert printed == model.summary(print_fn=None) + "\n" and "Total params: 58" in printed


def test_model_display_shows_layers_compile_settings_and_the_plan():
    model, x, y = classifier()
    assert "not built" in parse(model._repr_html_()).text[-1] or "not built" in model._repr_html_()
    history = model.fit(x, y, epochs=1, verbose=0)
    text = " ".join(parse(model._repr_html_()).text)
    for needle in ("dense (Dense)", "(None, 8)", "40", "Total params: 58", "SGD, η = 0.1", "convention='keras'",
                   "float32", "numpy", "SparseCategoricalCrossentropy", history.plan.describe("Last fit").split("\n")[0]):
        assert needle in text, needle
    assert len(repr(model)) < 200 and "\n" not in repr(model)


def test_history_display_holds_the_final_loss_and_a_figure():
    model, x, y = classifier()
    h = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    c = parse(h._repr_html_())
    text = " ".join(c.text)
    assert c.images == 1
    assert f"{h.history['loss'][-1]:.4g}" in text and f"{h.history['val_accuracy'][-1]:.4g}" in text
    headers, rows = h.table()
    assert headers[:3] == ["epoch", "iterations", "total iterations"]
    assert [r[2] for r in rows] == [str(sum(h.iterations_per_epoch[:i + 1])) for i in range(3)]
    assert repr(h).startswith("<History: 3 epochs, 9 iterations")


def test_history_plot_draws_every_iteration_on_the_epoch_axis():
    model, x, y = classifier()
    h = model.fit(x, y, epochs=2, verbose=0)
    ax = h.plot(log=True)
    batch = ax.get_lines()[0]
    assert len(batch.get_xdata()) == len(h.iteration_loss) == 8
    assert batch.get_xdata()[3] == 1.0 and batch.get_xdata()[-1] == 2.0 and ax.get_yscale() == "log"


def regression(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 5))
    y = x @ rng.normal(size=(5, 1))
    model = gdlab.Sequential([Dense(8, activation="tanh"), Dense(1)], dtype="float64", seed=seed)
    model.compile(SGD(0.01), "mse")
    return model, x, y


def test_lr_find_says_when_the_suggestion_is_at_the_edge():
    model, x, y = regression()
    with pytest.warns(gdlab.lr_finder.LRFinderWarning, match="first point of the searched range"):
        r = gdlab.lr_find(model, x, y, num_iterations=30, end_lr=1e-4)
    assert r.at_edge and r.suggestion_index == 10 and "edge" in repr(r)
    assert "at the edge of the searched range" in " ".join(parse(r._repr_html_()).text)


def test_lr_find_warns_on_a_trained_model():
    model, x, y = regression()
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.warns(gdlab.lr_finder.LRFinderWarning, match="already been trained"):
        gdlab.lr_find(model, x, y, start_lr=1e-4, end_lr=10, num_iterations=40)


def test_lr_find_repeats_give_a_band_and_the_median_suggestion():
    model, x, y = regression()
    r = gdlab.lr_find(model, x, y, start_lr=1e-4, end_lr=10, num_iterations=40, repeats=3, warn=False)
    assert len(r.repeats) == 3 and r.repeats[1].learning_rates[:30] == r.learning_rates[:30]  # one schedule
    assert r.suggestion == sorted(r.suggestions)[1]
    lo, hi = r.band
    assert np.all(lo <= hi) and np.any(lo < hi)
    ax = r.plot()
    assert ax.get_xscale() == "log" and len(ax.collections) == 1
    with pytest.raises(ValueError, match="repeats=0 must be an int >= 1"):
        gdlab.lr_find(model, x, y, repeats=0)


def test_sweep_results_display_reads_the_folder(tmp_path):
    from sweep_helpers import write_sweep

    from gdlab.sweep import run_sweep
    from gdlab.sweep.display import SweepResults

    spec = write_sweep(tmp_path, 'metric = "val_accuracy"\nmode = "max"\n[grid]\n"optimizer.learning_rate" = [0.05, 0.1]\n')
    rows = run_sweep(spec, workers=1, out=tmp_path / "out", progress=False)
    shown = SweepResults.open(tmp_path / "out")
    assert [{k: r[k] for k in rows[0]} for r in shown.rows] == rows  # run_sweep's rows, ranking columns added
    best = max(shown.rows, key=lambda r: r["kept_val_accuracy"])
    assert shown.best["trial_id"] == best["trial_id"]
    c = parse(shown._repr_html_())
    assert c.images == 1 and f"{best['kept_val_accuracy']:.4f}" in " ".join(c.text)
    assert f"best {best['trial_id']}" in repr(shown)
    ax = shown.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.05", "0.1"]
    with pytest.raises(ValueError, match="key='nope' is not a swept key"):
        shown.plot(key="nope")


def test_a_lab_section_displays_as_the_report_draws_it(tmp_path):
    from gdlab.lab.report import section_html
    from gdlab.lab.studies import STUDIES

    study = STUDIES["lr-find"]
    s = study.section(tmp_path, study.make(n=60, iterations=40))
    assert s._repr_html_() == section_html(s)
    c = parse(s._repr_html_())
    assert c.images == len(s.figures) + len(s.pairs) >= 1
    assert repr(s).startswith("<Section 'lr-find'") and len(repr(s)) < 120
    ax = s.plot()
    assert ax.images and not ax.axison
    with pytest.raises(ValueError, match="index=5; section 'lr-find' has 1 figure\\(s\\) \\(valid: 0 … 0\\)"):
        s.plot(index=5)
    with pytest.raises(ValueError, match="section 'basics' has no figures"):
        STUDIES["basics"].section(tmp_path, STUDIES["basics"].make()).plot()
