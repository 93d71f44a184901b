"""The optimizer base: all bookkeeping shared by every update rule.

Training is θ ← θ − η·step(∇L(θ)). A subclass writes only ``update`` — the
arithmetic of its formula over the flat parameter vector θ, in place. This
base does everything around it, in this order on every call of
``apply_gradients(θ, g)`` (the order Keras's ``BaseOptimizer.apply`` uses):

1. gradient accumulation: add g to a buffer; only every n-th call goes on,
   with g = (sum of the n gradients)/n;
2. clipping (at most one of): ``clipnorm`` — each parameter array's gradient
   scaled to norm ≤ c; ``global_clipnorm`` — the whole vector's; ``clipvalue``
   — each entry clipped to [−c, c];
3. η = the learning rate, or the schedule's value at the iteration count
   (0 for the first step);
4. weight decay λ: decoupled ``θ ← θ − η·λ·θ`` (Keras, every optimizer; and
   AdamW in both conventions), or L2 in the gradient ``g ← g + λ·θ``
   (the torch convention for every optimizer but AdamW);
5. ``update(θ, g, state, t, η)`` with t = iterations + 1 (1-based step);
6. iterations += 1; with ``use_ema``, θ̄ ← μ_ema·θ̄ + (1 − μ_ema)·θ, copied
   into θ every ``ema_overwrite_frequency`` steps and by ``finalize``.

``convention="keras"`` (default) or ``"torch"`` picks the framework whose
formula *and defaults* a subclass follows; each subclass documents where the
two differ. Hyperparameters left as ``None`` take the convention's default.
"""

from __future__ import annotations

import inspect

import numpy as np

from gdlab.config import Configurable
from gdlab.registry import Registry, serialize

CONVENTIONS = ("keras", "torch")


class Optimizer(Configurable):
    #: {"keras": {...}, "torch": {...}}: defaults of hyperparameters given as None
    defaults: dict[str, dict] = {"keras": {"learning_rate": 0.01}, "torch": {"learning_rate": 0.001}}
    #: names of the state vectors, each shaped like θ and created in ``init_state``
    slots: tuple[str, ...] = ()
    #: AdamW decays θ directly in both conventions
    decoupled_weight_decay = False
    #: use a subclass's in-place ``fast_update_<convention>`` where it has one; it performs the same
    #: operations in the same order as the readable ``update_<convention>`` (tests prove them bitwise
    #: equal), just with preallocated buffers and ``out=`` instead of temporaries
    use_fast_path = True

    def __init__(
        self,
        learning_rate=None,
        *,
        convention: str = "keras",
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        lr=None,
        **unknown,
    ):
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unknown keyword(s) {sorted(unknown)}; "
                f"valid keywords: {', '.join(self._valid_keywords())}"
            )
        if convention not in CONVENTIONS:
            raise ValueError(f"convention={convention!r}; valid: {', '.join(map(repr, CONVENTIONS))}")
        self.convention = convention
        if lr is not None:
            if learning_rate is not None:
                raise ValueError("give learning_rate= or its alias lr=, not both")
            learning_rate = lr
        self.learning_rate = self.default("learning_rate", learning_rate)
        self.weight_decay = None if weight_decay is None else _nonnegative("weight_decay", weight_decay)
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        given = [k for k, v in clips.items() if v is not None]
        if len(given) > 1:
            raise ValueError(f"only one of clipnorm, clipvalue, global_clipnorm may be set; got {given}")
        for k in given:
            _positive(k, clips[k])
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = _unit_interval("ema_momentum", ema_momentum)
        self.ema_overwrite_frequency = _optional_count("ema_overwrite_frequency", ema_overwrite_frequency)
        self.gradient_accumulation_steps = _optional_count(
            "gradient_accumulation_steps", gradient_accumulation_steps
        )
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self.state: dict[str, np.ndarray] | None = None
        self._segments = None
        self._scratch: list[np.ndarray] = []
        self._accumulator = None
        self._micro_steps = 0
        self._ema = None

    # -- hyperparameters ----------------------------------------------------------------
    def default(self, key: str, value):
        """``value``, or the convention's default for ``key`` when ``value`` is None."""
        return self.defaults[self.convention][key] if value is None else value

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):
            self._learning_rate = value
        else:
            self._learning_rate = _nonnegative("learning_rate", value)

    def current_learning_rate(self) -> float:
        """η for the next step: the schedule at ``iterations``, or the constant."""
        lr = self._learning_rate
        return float(lr(self.iterations)) if callable(lr) else lr

    def _valid_keywords(self):
        own = [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "kwargs")]
        base = [p for p in inspect.signature(Optimizer.__init__).parameters if p not in ("self", "unknown")]
        return list(dict.fromkeys(own + base))

    def get_config(self) -> dict:
        cfg = {
            "learning_rate": self._learning_rate_config(),
            "convention": self.convention,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "name": self.name,
        }
        cfg.update(self.hyperparameters())
        return cfg

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

    def hyperparameters(self) -> dict:
        """The subclass's own constructor arguments (for ``get_config``)."""
        return {}

    # -- state ----------------------------------------------------------------------------
    def init_state(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The named slots, each a zero vector like θ (override to start elsewhere)."""
        return {name: np.zeros_like(theta) for name in self.slots}

    def build(self, theta: np.ndarray, segments=None) -> None:
        """Create the slots for θ. ``segments``: the per-array slices that ``clipnorm`` uses."""
        self.state = self.init_state(theta)
        self._segments = segments
        self.iterations = 0
        self._micro_steps = 0
        self._accumulator = np.zeros_like(theta) if self.gradient_accumulation_steps else None
        self._ema = theta.copy() if self.use_ema else None

    @property
    def built(self) -> bool:
        return self.state is not None

    def state_dict(self) -> dict:
        """Everything needed to resume exactly: slots, counters, EMA and accumulator."""
        if not self.built:
            raise RuntimeError(f"{type(self).__name__} has no state yet: call build(θ) or train first")
        arrays = {f"slot/{k}": v.copy() for k, v in self.state.items()}
        if self._accumulator is not None:
            arrays["accumulator"] = self._accumulator.copy()
        if self._ema is not None:
            arrays["ema"] = self._ema.copy()
        return {"iterations": self.iterations, "micro_steps": self._micro_steps, "arrays": arrays}

    def load_state_dict(self, state: dict) -> None:
        if not self.built:
            raise RuntimeError(f"{type(self).__name__}.load_state_dict needs build(θ) first")
        arrays = state["arrays"]
        expected = {f"slot/{k}" for k in self.state}
        if self._accumulator is not None:
            expected.add("accumulator")
        if self._ema is not None:
            expected.add("ema")
        if set(arrays) != expected:
            raise ValueError(
                f"{type(self).__name__} state has arrays {sorted(arrays)}; expected {sorted(expected)}"
            )
        for key, value in arrays.items():
            value = np.asarray(value)
            target = self.state[key[5:]] if key.startswith("slot/") else (
                self._accumulator if key == "accumulator" else self._ema
            )
            if value.shape != target.shape:
                raise ValueError(f"state array {key!r} has shape {value.shape}; expected {target.shape}")
            target[...] = value
        self.iterations = int(state["iterations"])
        self._micro_steps = int(state.get("micro_steps", 0))

    # -- one step ---------------------------------------------------------------------------
    def apply_gradients(self, theta: np.ndarray, g: np.ndarray) -> bool:
        """One optimizer call on θ with gradient g (g may be modified in place).

        Returns True when θ was updated (False on a gradient-accumulation micro-step).
        """
        if self.state is None:
            self.build(theta)
        if self._accumulator is not None:
            self._accumulator += g
            self._micro_steps += 1
            if self._micro_steps % self.gradient_accumulation_steps:
                return False
            g = self._accumulator / self.gradient_accumulation_steps
            self._accumulator[...] = 0
        g = self._clip(g)
        lr = self.current_learning_rate()
        if self.weight_decay:
            g = self._decay(theta, g, lr)
        self.update(theta, g, self.state, self.iterations + 1, lr)
        self.iterations += 1
        if self._ema is not None:
            self._ema *= self.ema_momentum
            self._ema += (1 - self.ema_momentum) * theta
            if self.ema_overwrite_frequency and self.iterations % self.ema_overwrite_frequency == 0:
                theta[...] = self._ema
        return True

    def _decay(self, theta, g, lr):
        """Weight decay λ, each convention in its framework's own arithmetic."""
        lam = self.weight_decay
        if self.convention == "keras":
            theta -= theta * lam * lr  # θ ← θ − θ·λ·η          (Keras: decoupled, every optimizer)
        elif self.decoupled_weight_decay:
            theta *= 1 - lr * lam  # θ ← θ·(1 − γ·λ)              (PyTorch AdamW)
        else:
            g = g + lam * theta  # g ← g + λ·θ                    (PyTorch: L2 inside the gradient)
        return g

    def update(self, theta, g, state, t: int, lr: float) -> None:
        """The update rule: θ and the slots in ``state`` changed in place; t is 1-based; g may be
        overwritten. Dispatches to ``update_keras`` / ``update_torch`` (or their fast twins)."""
        fast = getattr(self, f"fast_update_{self.convention}", None) if self.use_fast_path else None
        (fast or getattr(self, f"update_{self.convention}"))(theta, g, state, t, lr)

    def scratch(self, like: np.ndarray, k: int) -> list[np.ndarray]:
        """k work buffers shaped like θ, allocated once (not part of the state)."""
        while len(self._scratch) < k or self._scratch[0].shape != like.shape or self._scratch[0].dtype != like.dtype:
            if self._scratch and (self._scratch[0].shape != like.shape or self._scratch[0].dtype != like.dtype):
                self._scratch = []
            self._scratch.append(np.empty_like(like))
        return self._scratch[:k]

    def finalize(self, theta: np.ndarray) -> None:
        """At the end of training: with ``use_ema``, θ ← θ̄ (as Keras's finalize_variable_values)."""
        if self._ema is not None:
            theta[...] = self._ema

    def _clip(self, g):
        if self.clipvalue is not None:
            return np.clip(g, -self.clipvalue, self.clipvalue, out=g)
        if self.global_clipnorm is not None:
            return _clip_by_norm(g, self.global_clipnorm)
        if self.clipnorm is not None:
            for s in self._segments or [slice(None)]:
                _clip_by_norm(g[s], self.clipnorm)
        return g


def _clip_by_norm(g, c):
    """g ← g · c / max(‖g‖, c)  (in place)."""
    norm = float(np.sqrt(np.dot(g, g)))
    if norm > c:
        g *= c / norm
    return g


# -- argument checks: each names the argument, the value and what is valid -------------------
def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}={value!r} must be a number")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}={value!r} must be finite")
    return value


def _nonnegative(name, value):
    value = _number(name, value)
    if value < 0:
        raise ValueError(f"{name}={value!r} must be >= 0")
    return value


def _positive(name, value):
    value = _number(name, value)
    if value <= 0:
        raise ValueError(f"{name}={value!r} must be > 0")
    return value


def _unit_interval(name, value):
    """A decay rate β, ρ, μ in [0, 1)."""
    value = _number(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name}={value!r} must be in [0, 1)")
    return value


def _optional_count(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be None or an int >= 1")
    return int(value)


check_nonnegative, check_unit_interval = _nonnegative, _unit_interval


class MomentsOptimizer(Optimizer):
    """The Adam family's shared hyperparameters: decay rates β₁, β₂ of the first and second
    moments, and ε (whose default depends on the convention)."""

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_unit_interval("beta_1", beta_1)
        self.beta_2 = check_unit_interval("beta_2", beta_2)
        self.epsilon = check_nonnegative("epsilon", self.default("epsilon", epsilon))

    def hyperparameters(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

registry = Registry("optimizer", Optimizer)


def get(identifier, **kwargs) -> Optimizer:
    return registry.get(identifier, **kwargs)
