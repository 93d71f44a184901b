"""The local engine: a pool of spawned worker processes that survives a worker being killed.

The standard library's ``ProcessPoolExecutor`` marks the whole pool broken when one worker dies
(SIGKILL, the OOM killer) and fails every pending future, including trials that were running
fine in the other workers. This pool gives each worker its own pipe and watches each process's
sentinel, so it knows exactly which trial's worker died: only that trial is resubmitted (to a
fresh worker), up to ``max_retries`` times, and the other workers keep running.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from multiprocessing.connection import wait

from gdlab.sweep.trial import limit_threads, run_trial


def _serve(conn) -> None:
    """A worker: one thread for BLAS/OpenMP, Ctrl-C left to the driver, then trials until ``None``.

    It exits as soon as the driver dies (even by SIGKILL), so a rerun never shares a trial's folder
    with an orphan still training in it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    limit_threads()
    import gdlab.runs  # noqa: F401  (imported once here, so a trial's seconds are its training)

    while (task := conn.recv()) is not None:
        conn.send(run_trial(task))


def _exit_with_parent() -> None:
    wait([multiprocessing.parent_process().sentinel])
    os._exit(1)


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task = None

    def stop(self, timeout: float) -> None:
        if self.process.is_alive() and self.task is None:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.conn.close()


def run_local(tasks, workers: int, max_retries: int):
    """Yield ``(task, result, attempts)`` as trials finish; a worker's death reruns its trial.

    Closing the generator early (Ctrl-C in the driver) stops every worker.
    """
    ctx = multiprocessing.get_context("spawn")
    pending = deque(tasks)
    attempts = {task["trial_id"]: 0 for task in pending}
    pool = [_Worker(ctx) for _ in range(max(1, min(workers, len(pending))))]
    try:
        while pending or any(w.task for w in pool):
            for w in pool:
                if w.task is None and pending:
                    w.task = pending.popleft()
                    attempts[w.task["trial_id"]] += 1
                    try:
                        w.conn.send(w.task)
                    except OSError:           # it died while idle: its sentinel says so below
                        pass
            busy = [w for w in pool if w.task is not None]
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for i, w in enumerate(pool):
                if w.task is None:
                    continue
                task, result = w.task, None
                if w.conn.poll():
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                elif w.process.is_alive():
                    continue
                if result is not None:
                    w.task = None
                    yield task, result, attempts[task["trial_id"]]
                    continue
                w.process.join()
                code = w.process.exitcode
                w.task = None
                w.stop(0)
                pool[i] = _Worker(ctx)
                n = attempts[task["trial_id"]]
                if n <= max_retries:
                    pending.appendleft(task)
                else:
                    yield task, {"status": "error", "error": f"worker died ({_death(code)}) on each of {n} "
                                 "attempts"}, n
    finally:
        for w in pool:
            w.stop(timeout=5)


def _death(code) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
