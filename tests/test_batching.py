import numpy as np
import pytest

from gdlab.batching import EpochPlan, resolve_batch_size


def batches(plan, rng=None):
    return [b.tolist() for b in plan.epoch(rng)]


@pytest.mark.parametrize("batch_size,mode,expected", [
    (1, "keep", [[i] for i in range(10)]),
    (3, "keep", [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]),
    (3, "drop", [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
    (10, "keep", [list(range(10))]),
    ("full", "keep", [list(range(10))]),
    (None, "drop", [list(range(10))]),
    (4, "keep", [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
    (4, "drop", [[0, 1, 2, 3], [4, 5, 6, 7]]),
    (1, "drop", [[i] for i in range(10)]),
    (25, "keep", [list(range(10))]),  # larger than N: one batch of all
])
def test_iteration_accounting_without_shuffle(batch_size, mode, expected):
    plan = EpochPlan(10, batch_size, shuffle=False, partial_batch=mode)
    assert plan.iterations_per_epoch == len(expected)
    assert batches(plan) == expected
    assert batches(plan) == expected  # every epoch the same without shuffling


def test_carry_mode_starts_the_next_epoch_with_the_leftover():
    plan = EpochPlan(10, 3, shuffle=False, partial_batch="carry")
    assert plan.iterations_per_epoch == 3
    assert batches(plan) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert plan.iterations_per_epoch == 3  # 1 carried + 10 = 11 → 3 batches, 2 left
    assert batches(plan) == [[9, 0, 1], [2, 3, 4], [5, 6, 7]]
    assert plan.iterations_per_epoch == 4  # 2 + 10 = 12
    assert batches(plan) == [[8, 9, 0], [1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert batches(plan) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]  # cycle of 3 epochs (30 = 10 batches)


@pytest.mark.parametrize("batch_size", [1, 3, 10])
def test_shuffled_epoch_visits_every_sample_once_and_reshuffles(batch_size):
    plan = EpochPlan(10, batch_size, shuffle=True)
    rng = np.random.default_rng(0)
    e1, e2 = np.concatenate(plan.epoch(rng)), np.concatenate(plan.epoch(rng))
    assert sorted(e1.tolist()) == list(range(10)) == sorted(e2.tolist())
    assert not np.array_equal(e1, e2)


def test_shuffle_is_seeded():
    a = [b.tolist() for b in EpochPlan(10, 3).epoch(np.random.default_rng(5))]
    b = [b.tolist() for b in EpochPlan(10, 3).epoch(np.random.default_rng(5))]
    assert a == b
    with pytest.raises(ValueError, match="needs a Generator"):
        EpochPlan(10, 3).epoch(None)


@pytest.mark.parametrize("mode,sizes", [("keep", [3, 3, 3, 1]), ("drop", [3, 3, 3])])
def test_with_replacement_draws_each_batch_at_random(mode, sizes):
    plan = EpochPlan(10, 3, sampling="with_replacement", partial_batch=mode)
    rng = np.random.default_rng(0)
    assert plan.iterations_per_epoch == len(sizes)
    drawn = plan.epoch(rng)
    assert [len(b) for b in drawn] == sizes
    assert all(len(set(b.tolist())) == len(b) for b in drawn)  # distinct within a batch
    # across many epochs some sample repeats within an epoch (sampling with replacement)
    epochs = [np.concatenate(plan.epoch(rng)) for _ in range(20)]
    repeats = sum(len(e) != len(set(e.tolist())) for e in epochs)
    assert repeats > 0


@pytest.mark.parametrize("value,exc,match", [
    (0, ValueError, "batch_size=0"), (-3, ValueError, "batch_size=-3"),
    (2.5, TypeError, "batch_size=2.5"), ("all", TypeError, "batch_size='all'"), (True, TypeError, "True"),
])
def test_bad_batch_size(value, exc, match):
    with pytest.raises(exc, match=match):
        resolve_batch_size(value, 10)


def test_bad_plan_arguments():
    with pytest.raises(ValueError, match="partial_batch='some'"):
        EpochPlan(10, 3, partial_batch="some")
    with pytest.raises(ValueError, match="sampling='bootstrap'"):
        EpochPlan(10, 3, sampling="bootstrap")
    with pytest.raises(ValueError, match="carry"):
        EpochPlan(10, 3, sampling="with_replacement", partial_batch="carry")
    with pytest.raises(ValueError, match="0 samples"):
        EpochPlan(0, 3)
