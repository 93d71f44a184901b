"""Experiments: settings in, results out. Nothing here draws; ``gdlab.lab.plots`` does."""

from gdlab.lab.experiments.activations import ActivationCurves, activation_curves
from gdlab.lab.experiments.basics import BasicsResult, basics_experiment
from gdlab.lab.experiments.batch_size import BatchSizeResult, batch_size_study, run_trials
from gdlab.lab.experiments.compare import CompareResult, compare_optimizers
from gdlab.lab.experiments.linear import LinearResult, linear_experiment
from gdlab.lab.experiments.lr_range import LRRangeResult, lr_range_experiment
from gdlab.lab.experiments.momentum import MomentumResult, momentum_experiment
from gdlab.lab.experiments.regimes import RegimesResult, regimes_experiment
from gdlab.lab.experiments.surfaces_race import RaceResult, surface_race

__all__ = [
    "ActivationCurves", "BasicsResult", "BatchSizeResult", "CompareResult", "LRRangeResult", "LinearResult",
    "MomentumResult", "RaceResult", "RegimesResult", "activation_curves", "basics_experiment",
    "batch_size_study", "compare_optimizers", "linear_experiment", "lr_range_experiment", "momentum_experiment",
    "regimes_experiment", "run_trials", "surface_race",
]
