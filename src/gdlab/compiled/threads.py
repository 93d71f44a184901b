"""The BLAS thread count of a step, as one rule for the compiled epoch and the plan that reports it.

Below ``SINGLE_THREAD_BELOW`` rows one BLAS thread runs the compiled epoch: there a step is
matrix–vector work that a second thread only slows down. From batch 8 BLAS keeps its own count:
on a quiet 2-core machine two threads made batches 8, 32 and 128 1.3×, 1.3× and 1.5× faster than
one. (On a machine loaded by other work OpenBLAS's spinning threads slow every framework's small
products, this one's included.) The count depends on nothing but the batch size: results differ
in the last bits between thread counts, and a resumed run must repeat the uninterrupted one.
"""

from __future__ import annotations

from contextlib import contextmanager

try:
    import threadpoolctl
except ImportError:  # part of the fast extra; without it BLAS keeps its own thread count
    threadpoolctl = None

SINGLE_THREAD_BELOW = 8

_controllers: list | None = None  # threadpoolctl's, found on first use


def blas_libraries() -> list:
    """threadpoolctl's controllers of the loaded BLAS libraries (found once: it takes milliseconds)."""
    global _controllers
    if _controllers is None:
        _controllers = ([] if threadpoolctl is None else
                        threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers)
    return _controllers


def threads_for(batch) -> int | None:
    """The BLAS thread count a compiled step of ``batch`` rows runs with (``batch`` = inf: BLAS's own
    count, the step loop's); None where it cannot be known (no threadpoolctl)."""
    if batch < SINGLE_THREAD_BELOW:
        return 1
    libraries = blas_libraries()
    return libraries[0].num_threads if libraries else None


@contextmanager
def single_below(batch: int):
    """One BLAS thread while the block runs when ``batch`` < ``SINGLE_THREAD_BELOW``, else BLAS's own count."""
    libraries = blas_libraries() if batch < SINGLE_THREAD_BELOW else []
    before = [lib.num_threads for lib in libraries]
    for lib in libraries:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libraries, before):
            lib.set_num_threads(n)
