"""Hyperparameter sweeps: many ``gdlab train`` runs on a local process pool or a Ray cluster.

>>> from gdlab.sweep import run_sweep
>>> rows = run_sweep("examples/sweeps/iris.toml", workers=2, out="sweeps/iris")   # doctest: +SKIP

``spec`` expands a sweep file into trials, ``trial`` runs one in a worker, ``local`` and
``ray_engine`` are the two engines, ``results`` is the CSV table, ``runner`` ties them together,
``status`` and ``report`` read a sweep folder back.
"""

from gdlab.sweep.results import read_rows
from gdlab.sweep.runner import run_sweep
from gdlab.sweep.spec import Sweep, SweepError, Trial, load_sweep, trial_id

__all__ = ["Sweep", "SweepError", "Trial", "load_sweep", "read_rows", "run_sweep", "trial_id"]
