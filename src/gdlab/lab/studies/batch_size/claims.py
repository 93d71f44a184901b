"""The claims the batch-size study tests: the tutorial's advice on choosing the batch size (claims 15–20)."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("batch-size")


@dataclass(frozen=True)
class BatchCosts:
    """Per batch size (ascending): memory and throughput; the epochs to target; the recommendation."""

    batch_sizes: tuple[int, ...]
    memory_kib: tuple[float, ...]  # one step's memory
    samples_per_second: tuple[float, ...]
    throughput_order: int  # ``timing.order`` of the largest B's time per sample against the smallest's
    largest_epochs: float | None  # epochs to target at the largest B
    best_epochs: float | None  # the fewest epochs to target of any B
    recommended: int | None


@claim(15)
def memory_against_throughput(e: BatchCosts) -> Finding:
    mem = e.memory_kib
    grows = all(b >= a for a, b in zip(mem, mem[1:])) and mem[-1] > mem[0]
    faster = e.throughput_order < 0
    text = (f"step memory {', '.join(f'{g(m)} KiB' for m in mem)} for B = {', '.join(map(str, e.batch_sizes))}; "
            f"samples/s {g(e.samples_per_second[0])} at B = {e.batch_sizes[0]} and "
            f"{g(e.samples_per_second[-1])} at B = {e.batch_sizes[-1]}")
    return say(grows and faster, f"Memory grows with B while throughput rises: {text}; the memory budget caps B.",
               text + ".")


@dataclass(frozen=True)
class SmallestBatch:
    smallest: int
    smallest_reached: bool  # at any η of the grid
    smallest_tuned_lr: float | None
    smallest_epochs: float | None
    best_epochs: float | None
    tutorial_lr: float
    smallest_tutorial_status: str  # at the tutorial's one η


@claim(16)
def small_batch_does_not_converge(e: SmallestBatch) -> Finding:
    ok = e.smallest_reached is False
    return say(ok, f"B = {e.smallest} reached the target at no η of the grid.",
               f"at its tuned η = {g(e.smallest_tuned_lr)}, B = {e.smallest} reached the target in "
               f"{g(e.smallest_epochs)} epochs (fewest of any B: {g(e.best_epochs)}); at the tutorial's one "
               f"η = {g(e.tutorial_lr)}: {e.smallest_tutorial_status}.")


@claim(17)
def a_best_batch_size(e: BatchCosts) -> Finding:
    faster = e.throughput_order < 0
    more_memory = e.memory_kib[-1] > e.memory_kib[0]
    more_epochs = e.largest_epochs is not None and e.best_epochs is not None and e.largest_epochs > e.best_epochs
    interior = e.recommended not in (e.batch_sizes[0], e.batch_sizes[-1]) and e.recommended is not None
    text = (f"samples/s {g(e.samples_per_second[0])} → {g(e.samples_per_second[-1])}, step memory "
            f"{g(e.memory_kib[0])} → {g(e.memory_kib[-1])} KiB from B = {e.batch_sizes[0]} to "
            f"{e.batch_sizes[-1]}; epochs to target {g(e.largest_epochs)} at the largest B vs "
            f"{g(e.best_epochs)} at the fewest; least time at B = {e.recommended}")
    return say(faster and more_memory and more_epochs and interior, text + " — a best batch size in between.",
               text + ".")


@dataclass(frozen=True)
class Directions:
    directions: tuple[tuple[int, float, float], ...]  # (B, mean cos(g_B, G), mean ‖g_B − G‖/‖G‖), ascending B
    iterations_per_epoch: tuple[int, ...]


@claim(18)
def larger_batch_aims_better(e: Directions) -> Finding:
    d = e.directions
    sharper = len(d) >= 2 and all(b[1] > a[1] for a, b in zip(d, d[1:]))
    calmer = len(d) >= 2 and all(b[2] < a[2] for a, b in zip(d, d[1:]))
    fewer = all(b < a for a, b in zip(e.iterations_per_epoch, e.iterations_per_epoch[1:]))
    text = (f"iterations per epoch {', '.join(map(str, e.iterations_per_epoch))}; at the initial weights the "
            f"batch gradient's cosine with the full gradient is {', '.join(f'{g(c)} (B = {b})' for b, c, _ in d)}, "
            f"its relative deviation ‖g_B − G‖/‖G‖ {', '.join(f'{g(v)}' for _, _, v in d)}")
    return say(sharper and fewer and calmer, text + ".", text + ".")


@dataclass(frozen=True)
class GeneralisationGaps:
    smallest: int
    largest: int
    gap_smallest: float | None  # train − validation accuracy when the target was reached
    gap_largest: float | None
    noise: float  # two standard errors of a validation accuracy


@claim(19)
def small_batch_generalises(e: GeneralisationGaps) -> Finding:
    small, large = e.gap_smallest, e.gap_largest
    ok = small is not None and large is not None and large - small > e.noise
    text = (f"train − validation accuracy when the target was reached: {g(small)} at B = {e.smallest}, "
            f"{g(large)} at B = {e.largest} (differences below {g(e.noise)}, two standard errors of a "
            f"validation accuracy, are noise)")
    return say(ok, "The smaller batch generalised better: " + text + ".", text + ".")


@dataclass(frozen=True)
class Extremes(BatchCosts):
    smallest: int
    largest: int
    smallest_time: str  # to the target
    best_time: str  # at the recommended B
    smallest_vs_best: int  # 1: the smallest B needs more than TIE_RATIO × the best time (or never arrives)


@claim(20)
def extremes_cost(e: Extremes) -> Finding:
    slow = e.smallest_vs_best > 0
    hurt = e.largest_epochs is not None and e.best_epochs is not None and e.largest_epochs > e.best_epochs
    text = (f"B = {e.smallest} took {e.smallest_time} to the target against {e.best_time} at "
            f"B = {e.recommended}; B = {e.largest} "
            + (f"needed {g(e.largest_epochs)} epochs against {g(e.best_epochs)}"
               if e.largest_epochs is not None else "did not reach the target"))
    return say(slow and hurt, text + ".", text + ".")
