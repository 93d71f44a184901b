"""Learning-rate schedules: η as a function of the iteration count s (0 for the first step).

An optimizer given a schedule as its ``learning_rate`` evaluates it at its own
iteration counter before every step, and saves it with its config. Keras's
definitions, with s the step:

- Constant:                 η(s) = η₀
- StepDecay:                η(s) = η₀·γ^⌊s/step_size⌋                          (PyTorch's StepLR)
- PiecewiseConstantDecay:   η(s) = vᵢ for b_{i−1} < s ≤ bᵢ  (v₀ for s ≤ b₀, v_n after b_{n−1})
- ExponentialDecay:         η(s) = η₀·r^(s/T)        (⌊s/T⌋ when staircase)
- InverseTimeDecay:         η(s) = η₀/(1 + r·s/T)    (⌊s/T⌋ when staircase)
- PolynomialDecay:          η(s) = (η₀ − η_end)·(1 − min(s, T)/T)^p + η_end
                            (cycle: T ← T·⌈s/T⌉, with T for s = 0)
- CosineDecay:              η(s) = η₀·((1 − α)·½(1 + cos(π·min(s, T)/T)) + α)
- CosineDecayRestarts:      the cosine over periods T, T·t_mul, T·t_mul², …, the peak
                            scaled by m_mulⁱ in period i
- LinearWarmup(schedule):   η(s) = η_start + (schedule(0) − η_start)·s/W for s < W,
                            then schedule(s − W)

Every factor has a valid range, checked when a schedule is built (so also when a model or
checkpoint file is loaded): a decay's rate, γ, α and m_mul lie in [0, 1] (a decay does not grow
η), InverseTimeDecay's rate in [0, 1e6], t_mul in [1, 1000] and the polynomial's power in (0, 1000].
"""

from __future__ import annotations

import math

import numpy as np

from gdlab.config import Configurable
from gdlab.registry import Registry, serialize
from gdlab.validation import count, flag, nonnegative, positive


def _within(name: str, value, low: float, high: float) -> float:
    """A finite number in [low, high]."""
    value = nonnegative(name, value) if low >= 0 else value
    if not low <= value <= high:
        raise ValueError(f"{name}={value!r} must be in [{low:g}, {high:g}]")
    return value


class LearningRateSchedule(Configurable):
    def __call__(self, step: int) -> float:
        raise NotImplementedError  # abstract


registry = Registry("schedule", LearningRateSchedule)


@registry.register("constant")
class Constant(LearningRateSchedule):
    def __init__(self, learning_rate: float):
        self.learning_rate = nonnegative("learning_rate", learning_rate)

    def get_config(self):
        return {"learning_rate": self.learning_rate}

    def __call__(self, step):
        return self.learning_rate


@registry.register("step")
class StepDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate: float, step_size: int, gamma: float = 0.1):
        self.initial_learning_rate = nonnegative("initial_learning_rate", initial_learning_rate)
        self.step_size = count("step_size", step_size)
        self.gamma = _within("gamma", gamma, 0.0, 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "step_size": self.step_size,
                "gamma": self.gamma}

    def __call__(self, step):
        return self.initial_learning_rate * self.gamma ** (step // self.step_size)


@registry.register("piecewise_constant")
class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries, values):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"values needs one more entry than boundaries; got {len(values)} values "
                             f"for {len(boundaries)} boundaries")
        if any(b2 <= b1 for b1, b2 in zip(boundaries, boundaries[1:])):
            raise ValueError(f"boundaries={boundaries} must be strictly increasing")
        self.boundaries = boundaries
        self.values = [nonnegative(f"values[{i}]", v) for i, v in enumerate(values)]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values}

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]


class _Decay(LearningRateSchedule):
    MAX_RATE = 1.0

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        self.initial_learning_rate = nonnegative("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.decay_rate = _within("decay_rate", decay_rate, 0.0, self.MAX_RATE)
        self.staircase = flag("staircase", staircase)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase}

    def _progress(self, step):
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p


@registry.register("exponential")
class ExponentialDecay(_Decay):
    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


@registry.register("inverse_time")
class InverseTimeDecay(_Decay):
    MAX_RATE = 1e6  # η₀/(1 + r·s/T) decays for every r ≥ 0; past this it is η ≈ 0 from the first step

    def __call__(self, step):
        return self.initial_learning_rate / (1 + self.decay_rate * self._progress(step))


@registry.register("polynomial")
class PolynomialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False):
        self.initial_learning_rate = nonnegative("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.end_learning_rate = nonnegative("end_learning_rate", end_learning_rate)
        self.power = positive("power", power)
        _within("power", power, 0.0, 1000.0)
        self.cycle = flag("cycle", cycle)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle}

    def __call__(self, step):
        T = self.decay_steps
        if self.cycle:
            T = T * max(1, math.ceil(step / T))
        else:
            step = min(step, T)
        frac = 1 - step / T
        return (self.initial_learning_rate - self.end_learning_rate) * frac**self.power + self.end_learning_rate


@registry.register("cosine")
class CosineDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0):
        self.initial_learning_rate = nonnegative("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.alpha = _within("alpha", alpha, 0.0, 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha}

    def __call__(self, step):
        cos = 0.5 * (1 + math.cos(math.pi * min(step, self.decay_steps) / self.decay_steps))
        return self.initial_learning_rate * ((1 - self.alpha) * cos + self.alpha)


@registry.register("cosine_restarts")
class CosineDecayRestarts(LearningRateSchedule):
    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
        self.initial_learning_rate = nonnegative("initial_learning_rate", initial_learning_rate)
        self.first_decay_steps = positive("first_decay_steps", first_decay_steps)
        self.t_mul = _within("t_mul", t_mul, 1.0, 1000.0)
        self.m_mul = _within("m_mul", m_mul, 0.0, 1.0)
        self.alpha = _within("alpha", alpha, 0.0, 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha}

    def period(self, step) -> tuple[int, float]:
        """(i, f): step lies in restart period i, at fraction f ∈ [0, 1) of it.

        Period i starts at T·(1 + t_mul + … + t_mul^(i−1)) = T·(t_mul^i − 1)/(t_mul − 1). The closed form
        i = ⌊log(1 + (s/T)(t_mul − 1))/log(t_mul)⌋ only estimates i: at a restart step the quotient of
        logs can land just below the integer (log 243/log 3 = 4.999…). The estimate is therefore
        corrected against the period starts themselves, so a restart step is exactly f = 0 of its period.
        """
        f = step / self.first_decay_steps
        if self.t_mul == 1.0:
            i = math.floor(f)
            return i, f - i
        i = max(0, math.floor(math.log(1 - f * (1 - self.t_mul)) / math.log(self.t_mul)))
        while self._start(i + 1) <= f:
            i += 1
        while i > 0 and self._start(i) > f:
            i -= 1
        return i, (f - self._start(i)) / self.t_mul**i

    def _start(self, i) -> float:
        """Where period i starts, in units of T: 1 + t_mul + … + t_mul^(i−1) = (t_mul^i − 1)/(t_mul − 1)."""
        return (self.t_mul**i - 1) / (self.t_mul - 1)

    def __call__(self, step):
        i, f = self.period(step)
        cos = 0.5 * self.m_mul**i * (1 + math.cos(math.pi * f))
        return self.initial_learning_rate * ((1 - self.alpha) * cos + self.alpha)


@registry.register("linear_warmup")
class LinearWarmup(LearningRateSchedule):
    """Ramp linearly from ``initial_learning_rate`` to ``after(0)`` over ``warmup_steps``, then follow ``after``."""

    def __init__(self, after, warmup_steps: int, initial_learning_rate: float = 0.0):
        self.after = get(after)
        self.warmup_steps = count("warmup_steps", warmup_steps)
        self.initial_learning_rate = nonnegative("initial_learning_rate", initial_learning_rate)

    def get_config(self):
        return {"after": serialize(self.after), "warmup_steps": self.warmup_steps,
                "initial_learning_rate": self.initial_learning_rate}

    def __call__(self, step):
        if step < self.warmup_steps:
            target = self.after(0)
            return self.initial_learning_rate + (target - self.initial_learning_rate) * step / self.warmup_steps
        return self.after(step - self.warmup_steps)


def get(identifier) -> LearningRateSchedule:
    """A schedule from an instance, a config dict, or a number (a constant)."""
    if isinstance(identifier, (int, float, np.integer, np.floating)) and not isinstance(identifier, (bool, np.bool_)):
        return Constant(float(identifier))
    return registry.get(identifier)
