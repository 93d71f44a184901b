"""Sweep files → trials: grid and random expansion, trial ids, and every bad sweep file."""

import hashlib
import math
from pathlib import Path

import pytest
from sweep_helpers import write_sweep

from gdlab.sweep import SweepError, load_sweep, trial_id
from gdlab.sweep.results import columns


def test_grid_is_the_cartesian_product_in_file_order(tmp_path):
    s = load_sweep(write_sweep(tmp_path, 'metric = "val_accuracy"\n[grid]\n"optimizer.learning_rate" = [0.01, 0.1]\n'
                                         '"fit.batch_size" = [8, 32, 128]\nseed = [0, 1]\n'))
    assert s.keys == ["optimizer.learning_rate", "fit.batch_size", "seed"]
    assert len(s.trials) == 12
    assert [tuple(t.values.values()) for t in s.trials[:4]] == [(0.01, 8, 0), (0.01, 8, 1), (0.01, 32, 0),
                                                                (0.01, 32, 1)]
    t = s.trials[-1]
    assert t.config["optimizer"] == {"name": "sgd", "learning_rate": 0.1}
    assert (t.config["fit"]["batch_size"], t.config["seed"]) == (128, 1)
    assert s.test_metrics == ["test_loss", "test_accuracy"]
    assert columns(s) == ["trial_id", "status", "attempts", "optimizer.learning_rate", "fit.batch_size", "seed",
                          "best_val_accuracy", "final_val_accuracy", "test_loss", "test_accuracy", "epochs",
                          "seconds", "host", "node", "pid", "error"]


def test_nested_tables_and_list_indexes_name_the_same_keys(tmp_path):
    dotted = load_sweep(write_sweep(tmp_path / "a", '[grid]\n"optimizer.learning_rate" = [0.1, 0.2]\n'
                                                    '"model.layers.0.units" = [4, 16]\n'))
    nested = load_sweep(write_sweep(tmp_path / "b", '[grid.optimizer]\nlearning_rate = [0.1, 0.2]\n'
                                                    '[grid]\n"model.layers.0.units" = [4, 16]\n'))
    assert sorted(t.trial_id for t in dotted.trials) == sorted(t.trial_id for t in nested.trials)
    assert dotted.trials[1].config["model"]["layers"][0]["units"] == 16


def test_trial_id_is_sha256_of_canonical_json_without_output():
    config = {"seed": 1, "optimizer": {"name": "sgd", "learning_rate": 0.1}, "output": {"dir": "x"}}
    canon = '{"optimizer":{"learning_rate":0.1,"name":"sgd"},"seed":1}'
    assert trial_id(config) == hashlib.sha256(canon.encode()).hexdigest()[:12]
    assert trial_id({**config, "output": {"dir": "elsewhere"}}) == trial_id(config)
    assert trial_id({**config, "seed": 2}) != trial_id(config)


def test_ids_are_stable_across_files_and_key_order(tmp_path):
    a = load_sweep(write_sweep(tmp_path / "a", '[grid]\nseed = [0, 1]\n"optimizer.learning_rate" = [0.1]\n'))
    b = load_sweep(write_sweep(tmp_path / "b", '[grid]\n"optimizer.learning_rate" = [0.1, 0.2]\nseed = [1, 0]\n'))
    assert {t.trial_id for t in a.trials} < {t.trial_id for t in b.trials}


RANDOM = """
[random]
trials = 40
seed = 7
"optimizer.learning_rate" = { loguniform = [1e-4, 1e-1] }
"fit.validation_split" = { uniform = [0.1, 0.3] }
"optimizer.name" = { choice = ["sgd", "adam"] }
"""


def test_random_draws_are_seeded_within_bounds_and_log_spread(tmp_path):
    s = load_sweep(write_sweep(tmp_path / "a", RANDOM))
    again = load_sweep(write_sweep(tmp_path / "b", RANDOM))
    other = load_sweep(write_sweep(tmp_path / "c", RANDOM.replace("seed = 7", "seed = 8")))
    assert [t.trial_id for t in s.trials] == [t.trial_id for t in again.trials]
    assert [t.trial_id for t in s.trials] != [t.trial_id for t in other.trials]
    assert len(s.trials) == 40
    lrs = [t.values["optimizer.learning_rate"] for t in s.trials]
    assert all(1e-4 <= v <= 1e-1 for v in lrs)
    logs = [math.log10(v) for v in lrs]                # log-uniform: about a quarter in each decade
    assert sum(v < -2.5 for v in logs) >= 10 and sum(v > -2.5 for v in logs) >= 10
    assert all(0.1 <= t.values["fit.validation_split"] <= 0.3 for t in s.trials)
    assert {t.values["optimizer.name"] for t in s.trials} == {"sgd", "adam"}


def test_random_draws_cross_the_grid_and_duplicates_collapse(tmp_path):
    s = load_sweep(write_sweep(tmp_path, '[random]\ntrials = 10\n"optimizer.name" = { choice = ["sgd", "adam"] }\n'
                                         '[grid]\nseed = [0, 1, 2]\n'))
    assert s.keys == ["optimizer.name", "seed"]
    assert sorted((t.values["optimizer.name"], t.values["seed"]) for t in s.trials) == sorted(
        (n, k) for n in ("adam", "sgd") for k in (0, 1, 2))


def test_the_example_sweep_file_expands():
    s = load_sweep(Path(__file__).parent.parent / "examples" / "sweeps" / "iris.toml")
    assert (len(s.trials), s.metric, s.mode) == (12, "val_loss", "min")
    assert s.base_path.resolve() == (Path(__file__).parent.parent / "examples" / "sweeps" / "iris_base.toml").resolve()


BAD = [
    ("unknown key in base", '[grid]\n"optimizer.momentum" = [0.9]\n', "no 'momentum' in optimizer"),
    ("unknown section in base", '[grid]\n"train.epochs" = [1]\n', "no 'train' in the top level"),
    ("list index out of range", '[grid]\n"model.layers.5.units" = [4]\n', "index 5 is out of range"),
    ("empty list", '[grid]\nseed = []\n', "must be a non-empty list"),
    ("not a list", '[grid]\nseed = 3\n', "must be a non-empty list"),
    ("value listed twice", '[grid]\nseed = [1, 1]\n', "lists a value twice"),
    ("unknown section", '[grid]\nseed = [1]\n[search]\nx = 1\n', "unknown key(s) or section(s) ['search']"),
    ("nothing to sweep", 'metric = "loss"\n', "give a [grid] and/or a [random] section"),
    ("bad mode", 'mode = "best"\n[grid]\nseed = [1]\n', "mode = 'best'; valid: max, min"),
    ("missing metric", 'metric = ""\n[grid]\nseed = [1]\n', "(a key of the training history) is required"),
    ("bad max_retries", 'max_retries = -1\n[grid]\nseed = [1]\n', "max_retries = -1"),
    ("metric not logged", 'metric = "val_mae"\n[grid]\nseed = [1]\n', "metric = 'val_mae' is not logged"),
    ("invalid trial config", '[grid]\n"data.dataset" = ["iris", "cifar"]\n',
     "is not a valid train config: config [data] dataset = 'cifar'"),
    ("bad distribution", '[random]\ntrials = 3\n"optimizer.learning_rate" = { normal = [0, 1] }\n', "valid:"),
    ("loguniform at 0", '[random]\ntrials = 3\n"optimizer.learning_rate" = { loguniform = [0, 1] }\n',
     "0 < low < high"),
    ("empty choice", '[random]\ntrials = 3\n"optimizer.name" = { choice = [] }\n', "must be a non-empty list"),
    ("no trials", '[random]\n"optimizer.name" = { choice = ["sgd"] }\n', "trials = None must be an integer > 0"),
    ("sweeping the sampler seed", '[random]\ntrials = 2\nseed = { choice = [0, 1] }\n', "the sampler's seed"),
    ("key in both sections", '[random]\ntrials = 2\nseed = 0\n"fit.batch_size" = { choice = [8] }\n'
                             '[grid]\n"fit.batch_size" = [16]\n', "in both [grid] and [random]"),
    ("missing base", 'base = ""\n[grid]\nseed = [1]\n', "base = \"train.toml\""),
]


@pytest.mark.parametrize("case,text,message", BAD, ids=[b[0] for b in BAD])
def test_bad_sweep_files_fail_before_anything_runs(tmp_path, case, text, message):
    path = write_sweep(tmp_path, text)
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    assert str(path) in str(err.value)
    if message:
        assert message in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.toml", "sweep.toml"]


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such sweep file"):
        load_sweep(tmp_path / "nope.toml")
    path = write_sweep(tmp_path, 'base = "missing.toml"\n[grid]\nseed = [1]\n')
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        load_sweep(path)
