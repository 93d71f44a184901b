"""The epoch plan: which samples each iteration of an epoch uses.

The tutorial's terms, exactly:

- **batch size** B: the samples one iteration uses. ``B = N`` (``"full"``) is
  batch gradient descent, ``B = 1`` is stochastic gradient descent, anything
  between is mini-batch gradient descent.
- **iteration**: one forward + backward pass and one update on one batch.
- **epoch**: N samples' worth of iterations:
  ``iterations_per_epoch = ⌈N / B⌉`` (``partial_batch="keep"``, the last batch
  is smaller) or ``⌊N / B⌋`` (``"drop"``: the leftover samples are skipped that
  epoch); with ``"carry"`` the leftover samples start the next epoch's first
  batch, so every batch is full and no sample is skipped.

Sampling ``"without_replacement"`` (default) visits every sample once per
epoch, in a fresh random order each epoch when ``shuffle=True``. Each epoch
draws from the generator it is given: the fit loop derives one per epoch from
the fit's seed and the epoch number, so epoch e's order depends on nothing
else — which is what lets a resumed run repeat an uninterrupted one exactly.
``"with_replacement"`` draws each batch's B distinct samples at random from all
N, independently of other batches — the tutorial's "randomly sample 128".
"""

from __future__ import annotations

import math

import numpy as np

PARTIAL_BATCH_MODES = ("keep", "drop", "carry")
SAMPLING_MODES = ("without_replacement", "with_replacement")


def resolve_batch_size(batch_size, n: int) -> int:
    """The int batch size: ``"full"`` or ``None`` → N (batch gradient descent)."""
    if batch_size is None or (isinstance(batch_size, str) and batch_size == "full"):
        return n
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(
            f"batch_size={batch_size!r} must be a positive int, 'full' or None (all samples)"
        )
    if batch_size <= 0:
        raise ValueError(f"batch_size={batch_size!r} must be a positive int, 'full' or None (all samples)")
    return min(int(batch_size), n)


class EpochPlan:
    """Yields, epoch after epoch, the index array of each batch.

    >>> plan = EpochPlan(10, 3, shuffle=False)
    >>> plan.iterations_per_epoch, [b.tolist() for b in plan.epoch(None)]
    (4, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]])
    """

    def __init__(
        self,
        n: int,
        batch_size,
        shuffle: bool = True,
        partial_batch: str = "keep",
        sampling: str = "without_replacement",
    ):
        if n <= 0:
            raise ValueError(f"the data has {n} samples; need at least 1")
        if partial_batch not in PARTIAL_BATCH_MODES:
            raise ValueError(f"partial_batch={partial_batch!r}; valid: {', '.join(PARTIAL_BATCH_MODES)}")
        if sampling not in SAMPLING_MODES:
            raise ValueError(f"sampling={sampling!r}; valid: {', '.join(SAMPLING_MODES)}")
        if sampling == "with_replacement" and partial_batch == "carry":
            raise ValueError("partial_batch='carry' needs sampling='without_replacement'")
        self.n = n
        self.batch_size = resolve_batch_size(batch_size, n)
        self.shuffle = bool(shuffle)
        self.partial_batch = partial_batch
        self.sampling = sampling
        self._carried = np.empty(0, dtype=np.intp)

    @property
    def iterations_per_epoch(self) -> int:
        """⌈N/B⌉ (keep), ⌊N/B⌋ (drop); for carry, this epoch's count given what is carried in."""
        if self.partial_batch == "keep":
            return math.ceil(self.n / self.batch_size)
        if self.partial_batch == "drop":
            return self.n // self.batch_size
        return (self._carried.size + self.n) // self.batch_size

    def epoch(self, rng: np.random.Generator | None) -> list[np.ndarray]:
        """The batches of the next epoch, as index arrays into the data, drawn from ``rng``."""
        b = self.batch_size
        if (self.shuffle or self.sampling == "with_replacement") and rng is None:
            raise ValueError("a shuffled or randomly sampled epoch needs a Generator")
        if self.sampling == "with_replacement":
            sizes = [b] * (self.n // b)
            if self.partial_batch == "keep" and self.n % b:
                sizes.append(self.n % b)
            return [rng.choice(self.n, size=s, replace=False) for s in sizes]
        order = rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        if self.partial_batch == "carry":
            order = np.concatenate([self._carried, order])
            full = (order.size // b) * b
            self._carried = order[full:]
            order = order[:full]
        elif self.partial_batch == "drop":
            order = order[: (self.n // b) * b]
        return [order[i : i + b] for i in range(0, order.size, b)]
