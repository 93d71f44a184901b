"""The Ray engine: each trial is one Ray core task (``num_cpus=1``, spread over the nodes) on a local or
attached cluster.

A trial trains in a temporary folder on its node and sends its files back with its result, so
the driver writes ``DIR/trials/<id>/`` whether or not the nodes share its disk (data files named
in the config must exist at the same path on every node). Worker deaths (``WorkerCrashedError``,
a lost node) are retried by the driver, like the local engine's, so ``attempts`` counts them the
same way. Needs ``pip install "gdlab[ray]"``.

Authentication: Ray 2.60 turns token authentication on for a new local cluster, writes a token
to ``~/.ray/auth_token`` and warns. A local cluster started here gets a fresh token in
``RAY_AUTH_TOKEN`` instead (nothing written to the home folder, no warning), unless the user set
``RAY_AUTH_MODE``, ``RAY_AUTH_TOKEN`` or ``RAY_AUTH_TOKEN_PATH``, which are respected; attaching to a
cluster uses the token the user set up for it (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or
``~/.ray/auth_token``), and a missing one is reported with those three ways.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets

from gdlab.sweep.trial import THREAD_VARIABLES, limit_threads, run_trial


# one token per driver process: Ray's token loader keeps the first token it reads for the process's
# life, so a second local Ray started here must get the same one
_LOCAL_TOKEN = secrets.token_hex(32)


def _require_ray():
    try:
        import ray
    except ImportError:
        raise ImportError("the Ray engine needs Ray: pip install \"gdlab[ray]\" "
                          "(or run with --engine local)") from None
    return ray


def _ray_trial(task: dict) -> dict:
    import ray

    limit_threads()
    result = run_trial({**task, "workdir": None})
    result["node"] = ray.get_runtime_context().get_node_id()
    return result


@contextlib.contextmanager
def connect(address: str | None, workers: int | None):
    """Attach to ``address`` (``auto`` or ``HOST:PORT``), or start a local Ray with ``workers`` CPUs.

    A Ray already initialised in this process is used as it is and left running.
    """
    ray = _require_ray()
    if ray.is_initialized():
        yield ray
        return
    names = ("RAY_USAGE_STATS_ENABLED", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", *THREAD_VARIABLES)
    saved = {k: os.environ.get(k) for k in names}
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        if address is None:
            if not any(os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")):
                # ray.init turns token mode on by itself (RAY_AUTH_MODE unset) and then finds this token
                os.environ["RAY_AUTH_TOKEN"] = _LOCAL_TOKEN
                logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
            os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))      # the local workers inherit these
            ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, logging_level="WARNING",
                     log_to_driver=False)
        else:
            try:
                ray.init(address=address, logging_level="WARNING", log_to_driver=False)
            except (ConnectionError, ray.exceptions.AuthenticationError) as err:
                raise ConnectionError(
                    f"could not attach to the Ray cluster at --address {address} ({err}); if it is running and "
                    "uses token authentication, give this driver its token: RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH "
                    "(a file holding it) or ~/.ray/auth_token (`ray get-auth-token` on the head prints it)") from None
        yield ray
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_ray(tasks, workers: int | None, max_retries: int, address: str | None = None):
    """Yield ``(task, result, attempts)`` as trials finish; a lost worker or node reruns its trial."""
    with connect(address, workers) as ray:
        # SPREAD: trials go round the nodes that can take them (Ray's default packs a node first, and a
        # cluster whose first node keeps up would run the whole sweep there)
        remote = ray.remote(num_cpus=1, max_retries=0, scheduling_strategy="SPREAD")(_ray_trial)
        attempts, running = {}, {}

        def submit(task):
            attempts[task["trial_id"]] = attempts.get(task["trial_id"], 0) + 1
            running[remote.remote(task)] = task

        for task in tasks:
            submit(task)
        try:
            while running:
                (ref,), _ = ray.wait(list(running), num_returns=1)
                task = running.pop(ref)
                n = attempts[task["trial_id"]]
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as err:   # raised inside the task: not a crash
                    result = {"status": "error", "error": str(err.cause)}
                except ray.exceptions.RayError as err:       # the worker or its node died
                    if n <= max_retries:
                        submit(task)
                        continue
                    result = {"status": "error", "error": f"Ray worker died on each of {n} attempts: "
                              f"{type(err).__name__}"}
                yield task, result, n
        finally:
            for ref in running:
                ray.cancel(ref, force=True)
