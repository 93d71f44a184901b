"""Each experiment's settings in one place: one frozen dataclass per lab section.

The CLI builds its options from these fields (name, default, help) and the
report's prose reads the values from the same object, so a default is written
once. ``help`` in a field's metadata is the option's help text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace


def _opt(default, help_text: str):
    """A field with a default and the help text its CLI option shows."""
    if isinstance(default, (list, dict, set)):
        raise TypeError(f"settings defaults must be immutable; got {default!r}")
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class BasicsSettings:
    n: int = _opt(200, "samples of the 4-feature house data")
    hidden: int = _opt(8, "hidden tanh units of the small network")
    batch_size: int = _opt(16, "batch size of the traced iterations")
    learning_rate: float = _opt(0.05, "SGD learning rate η of the traced iterations")
    iterations: int = _opt(5, "iterations traced and checked one by one")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class LinearSettings:
    n: int = _opt(50, "number of houses")
    noise: float = _opt(0.1, "price noise, relative to true_w")
    true_w: float = _opt(3.0, "the true slope")
    steps: int = _opt(25, "gradient-descent iterations per run")
    w_init: float = _opt(0.5, "starting w")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class RegimesSettings:
    n: int = _opt(500, "houses (4 features, non-linear price)")
    hidden: int = _opt(16, "hidden tanh units")
    minibatch: int = _opt(32, "batch size of the mini-batch run")
    epochs: int = _opt(20, "epochs per run")
    learning_rate: float = _opt(0.02, "SGD learning rate η, the same for all three")
    cost_sizes: tuple = _opt((1000, 10000, 100000), "data sizes N at which one full-data step is timed")
    repeats: int = _opt(3, "timed repeats (after a warm-up) per wall-clock figure")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class MomentumSettings:
    learning_rate: float = _opt(0.07, "η on the bowl ½(x² + 25y²): η·25 = 1.75 makes plain GD zig-zag")
    momenta: tuple = _opt((0.5, 0.9), "momentum coefficients compared with plain GD at the same η")
    steps: int = _opt(300, "steps per run")
    tolerance: float = _opt(1e-4, "f − f* counted as arrived")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class SurfacesSettings:
    names: tuple = _opt(("rosenbrock", "beale", "bowl", "saddle"), "surfaces to race on")
    steps: int = _opt(0, "steps per race (0: each surface's own default)")
    tolerance: float = _opt(1e-4, "f − f* counted as arrived (and staying)")


@dataclass(frozen=True)
class CompareSettings:
    epochs: int = _opt(15, "epochs per optimizer")
    batch_size: int = _opt(32, "batch size")
    hidden: int = _opt(32, "hidden ReLU units (network 64-hidden-10)")
    target_accuracy: float = _opt(0.9, "validation accuracy counted as reached")
    repeats: int = _opt(3, "timed repeats (after a warm-up) of the step time")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class BatchSizeSettings:
    batch_sizes: tuple = _opt((1, 4, 16, 64, 256, "full"), "batch sizes ('full': all training samples)")
    learning_rates: tuple = _opt((1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001),
                                 "the η grid tuned per batch size (SGD, momentum 0.9)")
    tutorial_learning_rate: float = _opt(0.02, "the one η of the tutorial's fixed-η view")
    momentum: float = _opt(0.9, "SGD momentum")
    hidden: int = _opt(32, "hidden ReLU units (network 64-hidden-10)")
    target_accuracy: float = _opt(0.88, "validation accuracy that counts as reached")
    max_steps: int = _opt(3000, "steps after which a trial stops unreached")
    repeats: int = _opt(3, "timed repeats (after a warm-up) of each batch size's step time")
    memory_mib: float = _opt(0.0, "memory budget of one step in MiB (0: none)")
    noise_samples: int = _opt(400, "per-example gradients for the gradient noise scale B_simple")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class LRFindSettings:
    n: int = _opt(200, "number of houses")
    batch_size: int = _opt(32, "batch size")
    start_lr: float = _opt(1e-4, "first η")
    end_lr: float = _opt(10.0, "last η")
    iterations: int = _opt(100, "iterations of the range test")
    smoothing: float = _opt(0.9, "β of the loss's moving average (it spans about 1/(1 − β) iterations)")
    seed: int = _opt(0, "random seed")


@dataclass(frozen=True)
class ActivationsSettings:
    z_min: float = _opt(-5.0, "left end of the z grid")
    z_max: float = _opt(5.0, "right end of the z grid")
    points: int = _opt(401, "grid points")


SETTINGS = {"basics": BasicsSettings, "linear": LinearSettings, "regimes": RegimesSettings,
            "momentum": MomentumSettings, "surfaces": SurfacesSettings, "compare": CompareSettings,
            "batch-size": BatchSizeSettings, "lr-find": LRFindSettings, "activations": ActivationsSettings}

#: ``--thorough``: bigger grids and more repeats, for when time is no object
THOROUGH = {
    "batch-size": {"batch_sizes": (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, "full"),
                   "learning_rates": (1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.003, 0.001),
                   "repeats": 5, "max_steps": 10000},
    "compare": {"epochs": 30, "repeats": 5},
    "regimes": {"repeats": 5},
}


def make(key: str, **overrides):
    """The settings of section ``key`` with ``overrides`` applied (unknown names are an error)."""
    if key not in SETTINGS:
        raise ValueError(f"unknown lab section {key!r}; valid: {', '.join(SETTINGS)}")
    cls = SETTINGS[key]
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)} for section {key!r}; valid: {', '.join(sorted(known))}")
    return replace(cls(), **overrides)
