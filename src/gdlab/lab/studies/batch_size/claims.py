"""The claims the batch-size study tests: the tutorial's advice on choosing the batch size (claims 15–20)."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.i18n import Msg, join
from gdlab.lab.claims import Finding, claims_for, g, say
from gdlab.lab.studies.batch_size.names import status_name

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
    text = Msg("batch_size.c15_text", memory=join(f"{g(m)} KiB" for m in mem),
               sizes=join(map(str, e.batch_sizes)), rate_first=g(e.samples_per_second[0]),
               first=e.batch_sizes[0], rate_last=g(e.samples_per_second[-1]), last=e.batch_sizes[-1])
    return say(grows and faster, Msg("batch_size.c15_yes", text=text), Msg("batch_size.c15_no", text=text))


@dataclass(frozen=True)
class SmallestBatch:
    smallest: int
    smallest_reached: bool  # at any η of the grid
    smallest_tuned_lr: float | None
    smallest_epochs: float | None
    best_epochs: float | None
    tutorial_lr: float
    smallest_tutorial_status: str  # at the tutorial's one η: "reached", "diverged", "not reached", …
    smallest_tutorial_accuracy: str = "—"  # its last validation accuracy there, as the sentence shows it


@claim(16)
def small_batch_does_not_converge(e: SmallestBatch) -> Finding:
    ok = e.smallest_reached is False
    return say(ok, Msg("batch_size.c16_yes", smallest=e.smallest),
               Msg("batch_size.c16_no", lr=g(e.smallest_tuned_lr), smallest=e.smallest, epochs=g(e.smallest_epochs),
                   best=g(e.best_epochs), tutorial_lr=g(e.tutorial_lr), status=status_name(e.smallest_tutorial_status),
                   accuracy=e.smallest_tutorial_accuracy))


@claim(17)
def a_best_batch_size(e: BatchCosts) -> Finding:
    faster = e.throughput_order < 0
    more_memory = e.memory_kib[-1] > e.memory_kib[0]
    more_epochs = e.largest_epochs is not None and e.best_epochs is not None and e.largest_epochs > e.best_epochs
    interior = e.recommended not in (e.batch_sizes[0], e.batch_sizes[-1]) and e.recommended is not None
    numbers = dict(rate_first=g(e.samples_per_second[0]), rate_last=g(e.samples_per_second[-1]),
                   memory_first=g(e.memory_kib[0]), memory_last=g(e.memory_kib[-1]), first=e.batch_sizes[0],
                   last=e.batch_sizes[-1], largest_epochs=g(e.largest_epochs), best_epochs=g(e.best_epochs),
                   recommended=e.recommended)
    return say(faster and more_memory and more_epochs and interior, Msg("batch_size.c17_yes", **numbers),
               Msg("batch_size.c17_no", **numbers))


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
    numbers = dict(iterations=join(map(str, e.iterations_per_epoch)),
                   cosines=join(f"{g(c)} (B = {b})" for b, c, _ in d), deviations=join(g(v) for _, _, v in d))
    return say(sharper and fewer and calmer, Msg("batch_size.c18_yes", **numbers), Msg("batch_size.c18_no", **numbers))


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
    text = Msg("batch_size.c19_text", gap_smallest=g(small), smallest=e.smallest, gap_largest=g(large),
               largest=e.largest, noise=g(e.noise))
    return say(ok, Msg("batch_size.c19_yes", text=text), Msg("batch_size.c19_no", text=text))


@dataclass(frozen=True)
class Extremes(BatchCosts):
    smallest: int
    largest: int
    smallest_time: tuple[str, str] | None  # to the target: (modelled seconds, measured Timing.text()); None: never
    best_time: tuple[str, str] | None  # at the recommended B; None: no recommendation
    smallest_vs_best: int  # 1: the smallest B needs more than TIE_RATIO × the best time (or never arrives)


@claim(20)
def extremes_cost(e: Extremes) -> Finding:
    slow = e.smallest_vs_best > 0
    hurt = e.largest_epochs is not None and e.best_epochs is not None and e.largest_epochs > e.best_epochs
    largest = (Msg("batch_size.c20_largest_epochs", epochs=g(e.largest_epochs), best=g(e.best_epochs))
               if e.largest_epochs is not None else Msg("batch_size.c20_largest_missed"))
    text = Msg("batch_size.c20", smallest=e.smallest,
               smallest_time=Msg("batch_size.never") if e.smallest_time is None else _time(e.smallest_time),
               best_time="—" if e.best_time is None else _time(e.best_time), recommended=e.recommended,
               largest=e.largest, largest_result=largest)
    return say(slow and hurt, text, text)


def _time(modelled_measured: tuple[str, str]) -> Msg:
    modelled, measured = modelled_measured
    return Msg("batch_size.modelled_time", seconds=modelled, measured=measured)
