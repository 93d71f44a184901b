"""Sweeps attacked: the fast, representative part of ``benchmarks/attacks/run_attacks.py``.

Huge grids are refused before expansion, non-finite and hostile values fail the plan naming the key,
and an edited ``results.csv`` or ``sweep.json`` is a clean error naming the file, line and column.
"""

import json
import time

import pytest
from sweep_helpers import BASE, write_sweep

from gdlab.cli import main
from gdlab.sweep import SweepError, load_sweep, read_rows
from gdlab.sweep.results import ResultsFile, columns, make_row
from gdlab.sweep.spec import sweep_from_plan


def test_a_billion_trials_are_refused_before_expansion_with_the_count(tmp_path):
    grid = "".join(f'"{k}" = [{", ".join(str(v) for v in range(10))}]\n'
                   for k in ("seed", "fit.epochs", "fit.batch_size", "model.layers.0.units"))
    grid += '"optimizer.learning_rate" = [' + ", ".join(str((i + 1) / 100) for i in range(10)) + "]\n"
    start = time.monotonic()
    with pytest.raises(SweepError, match=r"would run 100,000,000,000 trials \(1000000 draws × 10 \(seed\)"):
        load_sweep(write_sweep(tmp_path, "[random]\ntrials = 1000000\n\"optimizer.momentum\" = "
                                         "{ uniform = [0, 0.9] }\n[grid]\n" + grid,
                               base=BASE_MOMENTUM))
    assert time.monotonic() - start < 5


BASE_MOMENTUM = BASE.replace("learning_rate = 0.05", "learning_rate = 0.05\nmomentum = 0.0")


@pytest.mark.parametrize("sweep, match", [
    ('[random]\ntrials = 3\n"optimizer.learning_rate" = { uniform = [-1e308, 1e308] }\n', "high − low finite"),
    ('[grid]\n"optimizer.learning_rate" = [0.1, nan]\n', r"\[grid\] optimizer.learning_rate\[1\] = nan"),
    ('[grid]\n"optimizer.learning_rate" = [inf]\n', r"optimizer.learning_rate\[0\] = inf"),
    ('[grid]\n"model.layers" = [[{ type = "Dense", units = 3, activation = "softmax", alpha = -inf }]]\n',
     r"model.layers\[0\]\[0\].alpha = -inf"),
    ('[random]\ntrials = 2\n"optimizer.name" = { choice = [nan] }\n', r"choice\[0\] = nan"),
    ('[grid]\n"optimizer.nope" = [1]\n', "no 'nope' in optimizer"),
    ('[grid]\n"model.layers.7.units" = [1]\n', "index 7 is out of range"),
    ('[random]\ntrials = 99999999999999999\n"optimizer.learning_rate" = { uniform = [0, 1] }\n', "would run"),
])
def test_bad_sweep_values_fail_the_plan_naming_the_key(tmp_path, sweep, match):
    with pytest.raises(SweepError, match=match):
        load_sweep(write_sweep(tmp_path, sweep))


def test_a_hostile_base_config_fails_the_plan_not_every_trial(tmp_path):
    with pytest.raises(SweepError, match=r"no trial can run .* learning_rate=-1.0 must be >= 0"):
        load_sweep(write_sweep(tmp_path / "a", "[grid]\nseed = [0, 1]\n",
                               base=BASE.replace("learning_rate = 0.05", "learning_rate = -1.0")))
    with pytest.raises(SweepError, match=r"no trial can run .*layers\[0\] \(Dense\)"):
        load_sweep(write_sweep(tmp_path / "b", "[grid]\nseed = [0, 1]\n", base=BASE.replace("units = 8", "units = -8")))
    # a swept value some trials cannot use stays a per-trial result (an error row)
    assert len(load_sweep(write_sweep(tmp_path / "c", '[grid]\n"optimizer.learning_rate" = [0.1, -1.0]\n')).trials) == 2


@pytest.fixture
def table(tmp_path):
    """A sweep and a results.csv the driver wrote for two of its trials."""
    sweep = load_sweep(write_sweep(tmp_path, "[grid]\nseed = [0, 1, 2]\n"))
    path = tmp_path / "results.csv"
    results = ResultsFile(path, columns(sweep))
    for trial in sweep.trials[:2]:
        results.append(make_row(sweep, trial, {"status": "ok", "best": 0.5, "final": 0.625, "epochs": 3,
                                               "seconds": 0.1, "host": "h", "pid": 7}, 1))
    return sweep, path


def test_the_written_table_reads_back(table):
    sweep, path = table
    rows = read_rows(path, sweep)
    assert [r["trial_id"] for r in rows] == [t.trial_id for t in sweep.trials[:2]]
    assert rows[0]["final_val_loss"] == 0.625 and rows[0]["epochs"] == 3


@pytest.mark.parametrize("edit, match", [
    (lambda t: t.replace("trial_id,status", "trial,status", 1), r"line 1: the columns"),
    (lambda t: t.replace("best_val_loss", "best_val_accuracy", 1), r"line 1: the columns"),
    (lambda t: t.replace(",0.625,", ",abc,", 1), r"line 2 column final_val_loss: 'abc' is not a number"),
    (lambda t: t.replace(",3,", ",3.5,", 1), r"line 2 column epochs: '3.5' is not an integer"),
    (lambda t: t.replace(",ok,", ",great,", 1), r"line 2: status 'great'"),
    (lambda t: t.replace(",ok,", ",ok,,", 1), r"line 2: 15 cells, the header has 14"),
    (lambda t: t + "../../etc,ok" + "," * 12 + "\n", r"line 4: trial_id '../../etc' is not a trial"),
    (lambda t: t + "0123456789ab,ok" + "," * 12 + "\n", r"line 4: trial_id '0123456789ab' is not a trial"),
    (lambda t: t + '"unterminated\n', r"line 4"),
])
def test_an_edited_table_is_a_clean_error_naming_file_line_and_column(table, edit, match):
    sweep, path = table
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SweepError, match=match) as err:
        read_rows(path, sweep)
    assert str(path) in str(err.value)


def test_a_duplicated_row_and_a_line_cut_mid_way_are_read_as_the_driver_left_them(table):
    sweep, path = table
    text = path.read_text(encoding="utf-8")
    last = text.splitlines()[-1]
    path.write_text(text + last + "\n" + last[:20], encoding="utf-8")  # a rerun's row, then a half-written one
    rows = read_rows(path, sweep)
    assert len(rows) == 3 and rows[-1] == rows[-2]


def test_status_on_an_edited_table_exits_2_with_the_file_named(tmp_path, capsys):
    from gdlab.sweep import run_sweep

    spec = write_sweep(tmp_path, '[grid]\n"fit.epochs" = [1]\n')
    out = tmp_path / "out"
    run_sweep(spec, out=out, workers=1, progress=False)
    path = out / "results.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("best_val_loss", "best_loss"), encoding="utf-8")
    for target in ("status", "report"):
        assert main(["sweep", target, str(out)]) == 2
        err = capsys.readouterr().err
        assert "results.csv line 1: the columns" in err and "Traceback" not in err


@pytest.mark.parametrize("edit, words", [
    (lambda text: text.replace('"metric"', '"metrics"'), "metric = None is missing"),
    (lambda text: text[:len(text) // 2], "not the JSON plan the driver writes"),
])
def test_status_on_an_edited_plan_exits_2_with_the_file_named(tmp_path, capsys, edit, words):
    from gdlab.sweep import run_sweep

    spec = write_sweep(tmp_path, '[grid]\n"fit.epochs" = [1]\n')
    out = tmp_path / "out"
    run_sweep(spec, out=out, workers=1, progress=False)
    plan = out / "sweep.json"
    plan.write_text(edit(plan.read_text(encoding="utf-8")), encoding="utf-8")
    for target in ("status", "report"):
        assert main(["sweep", target, str(out)]) == 2
        err = capsys.readouterr().err
        assert "sweep.json" in err and words in err and "Traceback" not in err


@pytest.mark.parametrize("edit, match", [
    (lambda p: p.pop("metric"), "metric = None is missing"),
    (lambda p: p.update(mode="best"), "mode = 'best'"),
    (lambda p: p.update(max_retries=-1), "max_retries = -1"),
    (lambda p: p["trials"][0].update(trial_id="../x"), r"trials\[0\]"),
    (lambda p: p["trials"][0].update(values={}), r"trials\[0\]"),
])
def test_an_edited_plan_is_a_clean_error(table, edit, match):
    sweep, _ = table
    plan = json.loads(json.dumps(sweep.to_plan()))
    assert sweep_from_plan(plan, "sweep.json").metric == "val_loss"
    edit(plan)
    with pytest.raises(SweepError, match=match):
        sweep_from_plan(plan, "sweep.json")


def test_a_long_value_list_is_quoted_cut_short(tmp_path):
    values = ", ".join(["1"] * 5000)
    with pytest.raises(SweepError, match=r"lists a value twice") as err:
        load_sweep(write_sweep(tmp_path, f"[grid]\nseed = [{values}]\n"))
    assert len(str(err.value)) < 600
