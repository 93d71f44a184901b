"""The optimizer base: all bookkeeping shared by every update rule.

Training is θ ← θ − η·step(∇L(θ)). A subclass writes only ``update`` — the
arithmetic of its formula over the flat parameter vector θ, in place on θ and
its state, never on g. This base does everything around it, in this order on
every call of ``apply_gradients(θ, g)`` (the order Keras's
``BaseOptimizer.apply`` uses):

1. η = the learning rate, or the schedule's value at the step count s: the
   number of updates so far, or with ``schedule_at_calls`` and gradient
   accumulation the number of calls so far (micro-batches included, as Keras);
2. gradient accumulation: add g to a buffer; only every n-th call goes on,
   with g = (sum of the n gradients)/n;
3. clipping (at most one of): ``clipnorm`` — each parameter array's gradient
   scaled to norm ≤ c; ``global_clipnorm`` — the whole vector's; ``clipvalue``
   — each entry clipped to [−c, c];
4. weight decay λ: ``decoupled_weight_decay`` θ ← θ·(1 − η·λ) (= Keras's
   θ − θ·λ·η up to rounding; PyTorch's arithmetic), or L2 in the gradient g ← g + λ·θ;
5. ``update(θ, g, state, t, η)`` with t = iterations + 1 (1-based step) — or a
   fused kernel registered for this rule and its flags (``gdlab.kernels``),
   which computes the same θ bit for bit;
6. iterations += 1; with ``use_ema``, θ̄ ← μ_ema·θ̄ + (1 − μ_ema)·θ with μ_ema = 0
   on the first update (as Keras: θ̄ starts at θ), copied into θ every
   ``ema_overwrite_frequency`` steps and by ``finalize``.

Clipping and decay make new vectors: the caller's gradient buffer is never
written. The arithmetic runs in θ's array namespace ``self.xp`` (array-API subset;
set by ``build`` from the model's backend), so one ``update`` serves NumPy, CuPy
and any array-API library. ``convention="keras"`` (default) or ``"torch"`` fills every argument
left as None from the preset table in ``conventions.py``; ``fused=None`` uses
a kernel when one is registered and the switch ``gdlab.kernels.fused`` is on,
``True`` insists on one, ``False`` always runs the NumPy ``update``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdlab import kernels
from gdlab.backend import backend_for
from gdlab.config import Configurable
from gdlab.opcodes import HP, HP_SIZE
from gdlab.optimizers.conventions import preset
from gdlab.parameters import Parameters
from gdlab.registry import Registry, serialize
from gdlab.validation import flag, nonnegative, optional_count, positive, unit_interval


@dataclass(frozen=True)
class Slot:
    """One named piece of state: a vector shaped like θ, or a 0-d float64 scalar, starting at ``initial``.
    ``nonnegative``: a sum or average of squares (or of |g|), which no valid state has below 0."""

    initial: float = 0.0
    scalar: bool = False
    nonnegative: bool = False


_NO_SLOT: dict = {}


def no_slot(dtype) -> np.ndarray:
    """An empty array of ``dtype``: the slot argument of a fused update whose rule has no such slot."""
    dtype = np.dtype(dtype)
    return _NO_SLOT.setdefault(dtype, np.zeros(0, dtype=dtype))


class Optimizer(Configurable):
    #: the subclass's own constructor arguments → the check each value must pass
    arguments: dict[str, Callable] = {}
    #: the update rule's name in the kernel table (AdamW runs Adam's rule)
    rule: str = ""
    #: whether the compiled epoch (``gdlab.compiled``) can run this rule: such a subclass implements
    #: ``kernel_arguments`` and says in ``compiled_reasons`` which of its settings it cannot run
    supports_compiled_epoch: bool = False
    #: settings the compiled epoch does not run, with their "off" value
    COMPILED_OFF = {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None,
                    "use_ema": False, "gradient_accumulation_steps": None}

    def __init__(
        self,
        learning_rate=None,
        *,
        convention: str = "keras",
        weight_decay: float | None = None,
        decoupled_weight_decay: bool | None = None,
        schedule_at_calls: bool | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        gradient_accumulation_steps: int | None = None,
        fused: bool | None = None,
        name: str | None = None,
        lr=None,
        **arguments,
    ):
        unknown = sorted(set(arguments) - set(self.arguments))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unknown keyword(s) {unknown}; "
                f"valid keywords: {', '.join(self._valid_keywords())}"
            )
        if lr is not None:
            if learning_rate is not None:
                raise ValueError("give learning_rate= or its alias lr=, not both")
            learning_rate = lr
        defaults = preset(type(self), convention)
        self.convention = convention

        def given(key, value):
            return defaults.get(key) if value is None else value

        self.learning_rate = given("learning_rate", learning_rate)
        weight_decay = given("weight_decay", weight_decay)
        self.weight_decay = None if weight_decay is None else nonnegative("weight_decay", weight_decay)
        self.decoupled_weight_decay = flag("decoupled_weight_decay",
                                           given("decoupled_weight_decay", decoupled_weight_decay))
        self.schedule_at_calls = flag("schedule_at_calls", given("schedule_at_calls", schedule_at_calls))
        for key, check in self.arguments.items():
            setattr(self, key, check(key, given(key, arguments.get(key))))
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        set_clips = [k for k, v in clips.items() if v is not None]
        if len(set_clips) > 1:
            raise ValueError(f"only one of clipnorm, clipvalue, global_clipnorm may be set; got {set_clips}")
        for k in set_clips:
            clips[k] = positive(k, clips[k])
        self.clipnorm, self.clipvalue, self.global_clipnorm = clips.values()
        self.use_ema = flag("use_ema", use_ema)
        self.ema_momentum = unit_interval("ema_momentum", ema_momentum)
        self.ema_overwrite_frequency = optional_count("ema_overwrite_frequency", ema_overwrite_frequency)
        self.gradient_accumulation_steps = optional_count("gradient_accumulation_steps", gradient_accumulation_steps)
        self.fused = None if fused is None else flag("fused", fused)
        self.name = name or type(self).__name__.lower()
        self.state: dict[str, np.ndarray] | None = None
        self._segments: list[slice] = []
        #: the kernel table key of this rule, its flags and θ's backend (set by ``build``)
        self.kernel_key = None
        #: θ's array backend and namespace (set by ``build``)
        self.backend = self.xp = None

    # -- hyperparameters ----------------------------------------------------------------
    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = value if callable(value) else nonnegative("learning_rate", value)

    @property
    def iterations(self) -> int:
        """Updates made so far (micro-steps of gradient accumulation do not count)."""
        return int(self.state["iterations"]) if self.built else 0

    def current_learning_rate(self) -> float:
        """η for the next step: the schedule at the step count, or the constant."""
        lr = self._learning_rate
        if not callable(lr):
            return lr
        calls = self.schedule_at_calls and self.gradient_accumulation_steps and self.built
        return float(lr(int(self.state["micro_steps"]) if calls else self.iterations))

    def _valid_keywords(self):
        own = [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "kwargs")]
        base = [p for p in inspect.signature(Optimizer.__init__).parameters if p not in ("self", "arguments")]
        return list(dict.fromkeys(own + base))

    def get_config(self) -> dict:
        return {
            "learning_rate": self._learning_rate_config(),
            "convention": self.convention,
            "weight_decay": self.weight_decay,
            "decoupled_weight_decay": self.decoupled_weight_decay,
            "schedule_at_calls": self.schedule_at_calls,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "fused": self.fused,
            "name": self.name,
            **{key: getattr(self, key) for key in self.arguments},
        }

    def _learning_rate_config(self):
        from gdlab.schedules import LearningRateSchedule

        lr = self._learning_rate
        if not callable(lr):
            return lr
        if not isinstance(lr, LearningRateSchedule):
            raise TypeError(
                f"learning_rate={lr!r} is a plain callable, which cannot be saved; "
                "use a gdlab.schedules.LearningRateSchedule"
            )
        return serialize(lr)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from gdlab import schedules

            config["learning_rate"] = schedules.get(lr)
        return cls(**config)

    # -- state ----------------------------------------------------------------------------
    def slots(self) -> dict[str, Slot]:
        """The update rule's named state (override): e.g. ``{"m": Slot(), "v": Slot()}``."""
        return {}

    def kernel_flags(self) -> dict:
        """The hyperparameters that select a fused kernel (override): e.g. ``{"eps_hat": True}``."""
        return {}

    def build(self, parameters: Parameters | np.ndarray) -> None:
        """Create the state for θ: a model's ``Parameters`` (whose segments ``clipnorm`` clips one by one),
        or a bare vector θ (one segment)."""
        if isinstance(parameters, Parameters):
            theta, self._segments = parameters.theta, [s.slice for s in parameters.segments]
            self.backend = parameters.backend
        elif getattr(parameters, "ndim", None) == 1:  # a NumPy (or other backend's) vector
            theta, self._segments = parameters, [slice(None)]
            self.backend = backend_for(theta)
        else:
            raise TypeError(f"build(parameters={parameters!r}): expected gdlab.parameters.Parameters or a 1-D array")
        xp = self.xp = self.backend.xp
        # vectors live with θ; 0-d scalars (counters, Nadam's product) on the host
        state = {name: np.array(s.initial) if s.scalar else xp.full_like(theta, s.initial)
                 for name, s in self.slots().items()}
        state["iterations"] = np.zeros((), np.int64)
        if self.gradient_accumulation_steps:
            state["accumulator"], state["micro_steps"] = xp.zeros_like(theta), np.zeros((), np.int64)
        if self.use_ema:
            state["ema"] = xp.asarray(theta, copy=True)
        self.kernel_key = kernels.key(self.rule, kernels.backend_of(theta), **self.kernel_flags())
        if self.fused and kernels.lookup_key(self.kernel_key, ignore_switch=True) is None:
            raise ValueError(f"{type(self).__name__}(fused=True): no kernel is registered for {self.kernel_key}; "
                             f"registered: {sorted(kernels.registered(self.rule))}")
        self.state = state

    @property
    def built(self) -> bool:
        return self.state is not None

    def state_dict(self) -> dict:
        """Everything needed to resume exactly: the counters, and every array (slots as ``slot/<name>``)."""
        if not self.built:
            raise RuntimeError(f"{type(self).__name__} has no state yet: call build(θ) or train first")
        counters = {"iterations": self.iterations,
                    "micro_steps": int(self.state["micro_steps"]) if "micro_steps" in self.state else 0}
        arrays = {self._array_name(k): np.array(self.backend.to_numpy(v)) for k, v in self.state.items()
                  if k not in counters}
        return {**counters, "arrays": arrays}

    def _array_name(self, key):
        return key if key in ("accumulator", "ema") else f"slot/{key}"

    def load_state_dict(self, state: dict) -> None:
        if not self.built:
            raise RuntimeError(f"{type(self).__name__}.load_state_dict needs build(θ) first")
        arrays = state["arrays"]
        targets = {self._array_name(k): v for k, v in self.state.items() if k not in ("iterations", "micro_steps")}
        if set(arrays) != set(targets):
            raise ValueError(
                f"{type(self).__name__} state has arrays {sorted(arrays)}; expected {sorted(targets)}"
            )
        for key, value in arrays.items():
            value = np.asarray(value)
            if value.shape != targets[key].shape:
                raise ValueError(f"state array {key!r} has shape {value.shape}; expected {targets[key].shape}")
            targets[key][...] = value if isinstance(targets[key], np.ndarray) else self.backend.asarray(value)
        self.state["iterations"][...] = int(state["iterations"])
        if "micro_steps" in self.state:
            self.state["micro_steps"][...] = int(state.get("micro_steps", 0))

    # -- one step ---------------------------------------------------------------------------
    def apply_gradients(self, theta: np.ndarray, g: np.ndarray) -> bool:
        """One optimizer call on θ with gradient g (g is only read).

        Returns True when θ was updated (False on a gradient-accumulation micro-step).
        """
        if not self.built:
            self.build(theta)
        state, lr = self.state, self.current_learning_rate()
        if self.gradient_accumulation_steps:
            state["accumulator"] += g
            state["micro_steps"] += 1
            if state["micro_steps"] % self.gradient_accumulation_steps:
                return False
            g = state["accumulator"] / self.gradient_accumulation_steps
            state["accumulator"][...] = 0
        g = self._clip(g)
        if self.weight_decay:
            if self.decoupled_weight_decay:
                theta *= 1 - lr * self.weight_decay  # θ ← θ·(1 − η·λ)
            else:
                g = g + self.weight_decay * theta  # g ← g + λ·θ
        t = int(state["iterations"]) + 1
        kernel = self.kernel()
        if kernel is None:
            self.update(theta, g, state, t, lr)
        else:
            kernel(self, theta, g, state, t, lr)
        state["iterations"] += 1
        if self.use_ema:
            mu = self.ema_momentum if t > 1 else 0.0  # Keras: the first average is θ itself
            state["ema"][...] = mu * state["ema"] + (1 - mu) * theta  # θ̄ ← μ·θ̄ + (1 − μ)·θ
            if self.ema_overwrite_frequency and t % self.ema_overwrite_frequency == 0:
                theta[...] = state["ema"]
        return True

    def kernel(self):
        """The fused kernel for this rule, its flags and θ's backend, or None (run ``update``)."""
        if self.fused is False:
            return None
        return kernels.lookup_key(self.kernel_key, ignore_switch=bool(self.fused))

    def update(self, theta, g, state, t: int, lr: float) -> None:
        """The update rule: θ and ``state`` changed in place, g only read; t is 1-based."""
        raise NotImplementedError  # abstract

    # -- what the fast paths can run ----------------------------------------------------------
    def compiled_reasons(self) -> list[str]:
        """Why the compiled epoch cannot run this optimizer as it is set ([] when it can)."""
        reasons = []
        if not self.supports_compiled_epoch:
            able = [cls.__name__ for cls in registry.classes() if cls.supports_compiled_epoch]
            reasons.append(f"optimizer {type(self).__name__} (compiled: {', '.join(able)})")
        reasons += [f"optimizer setting {key}={getattr(self, key)!r}" for key, off in self.COMPILED_OFF.items()
                    if getattr(self, key) != off]
        if callable(self.learning_rate):
            reasons.append(f"the learning rate is a schedule ({type(self.learning_rate).__name__}), which "
                           "changes it every step")
        if self.fused is False:
            reasons.append(f"{type(self).__name__}(fused=False)")
        return reasons

    def kernel_arguments(self, lr: float, dtype) -> tuple:
        """(``gdlab.opcodes.Update`` code as a plain int, float64 hyperparameters indexed by ``gdlab.opcodes.HP``,
        slot 1, slot 2) for ``gdlab.kernels.numba_cpu.update`` at learning rate lr — the fused update that the
        per-step fast path and the compiled epoch share. Only rules with ``supports_compiled_epoch``. (An
        ``IntEnum`` member as a numba argument costs 18 µs of dispatch a call, an int 0.6 µs.)"""
        raise NotImplementedError  # abstract: only the rules with supports_compiled_epoch implement it

    def _hyperparameters(self, lr: float, **entries) -> np.ndarray:
        """The float64 vector of ``kernel_arguments``: η and the given ``HP`` entries, the rest 0 — one vector
        per optimizer, rewritten each call (the per-step fast path asks on every step)."""
        hp = self.__dict__.setdefault("_kernel_hp", np.zeros(HP_SIZE))
        hp[:] = 0.0
        hp[HP.LR] = lr
        for name, value in entries.items():
            hp[HP[name]] = value
        return hp

    def finalize(self, theta: np.ndarray) -> None:
        """At the end of training: with ``use_ema``, θ ← θ̄ (as Keras's finalize_variable_values)."""
        if self.use_ema and self.built:
            theta[...] = self.state["ema"]

    def _clip(self, g):
        """The clipped gradient, as a new vector (g itself is left alone)."""
        if self.clipvalue is not None:
            return self.xp.clip(g, -self.clipvalue, self.clipvalue)  # gᵢ ← min(max(gᵢ, −c), c)
        if self.global_clipnorm is not None:
            return self._clip_by_norm(self.xp.asarray(g, copy=True), self.global_clipnorm)
        if self.clipnorm is not None:
            g = self.xp.asarray(g, copy=True)
            for s in self._segments:
                self._clip_by_norm(g[s], self.clipnorm)
        return g

    def _clip_by_norm(self, g, c):
        """g ← g · c / max(‖g‖, c)  (in place on the given copy)."""
        norm = float(self.xp.sqrt(self.backend.dot(g, g)))
        if norm > c:
            g *= c / norm
        return g


class MomentsOptimizer(Optimizer):
    """The Adam family's shared hyperparameters: decay rates β₁, β₂ of the first and second
    moments, and ε (whose default depends on the convention)."""

    arguments = {"beta_1": unit_interval, "beta_2": unit_interval, "epsilon": nonnegative}

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs)


registry = Registry("optimizer", Optimizer)


def get(identifier, **kwargs) -> Optimizer:
    return registry.get(identifier, **kwargs)
