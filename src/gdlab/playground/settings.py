"""Every setting the page can send, its type, its range and its default — checked on the server.

The page keeps the same names in the URL hash (``#dataset=xor&networkShape=4,2&seed=1``), so a link
reproduces the setup. ``validate`` turns a JSON object into a ``Settings`` or raises
``SettingsError`` naming the field and what is valid; the server answers that with HTTP 422.

Run B of an A/B comparison shares everything with run A except the optimizer group
(``OPTIMIZER_FIELDS``): same data, same network, same initial weights, same batches.
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass

from gdlab import activations, optimizers, schedules
from gdlab.i18n import Msg
from gdlab.playground import data

MAX_SEED = 2**31 - 1
MAX_LAYERS, MAX_UNITS = 6, 8
#: schedule name → the keyword its ``decayRate`` field fills (``decaySteps`` fills the first argument)
SCHEDULES = {"none": None, "exponential": "decay_rate", "inverse_time": "decay_rate", "step": "gamma",
             "cosine": "alpha"}
_SCHEDULE_STEPS = {"exponential": "decay_steps", "inverse_time": "decay_steps", "step": "step_size",
                   "cosine": "decay_steps"}
#: the hyperparameters the page offers, with their ranges (gdlab checks them again)
HYPER_RANGES = {
    "momentum": (0.0, 0.999), "beta_1": (0.0, 0.999), "beta_2": (0.0, 0.99999), "rho": (0.0, 0.999),
    "epsilon": (1e-12, 1.0), "dampening": (0.0, 0.999), "initial_accumulator_value": (0.0, 10.0),
    "lr_decay": (0.0, 1.0), "momentum_decay": (0.0, 1.0), "weight_decay": (0.0, 1.0),
}
HYPER_FLAGS = ("nesterov", "amsgrad", "centered")
#: a run has diverged when its training loss rises past this many times its loss at epoch 0, or turns non-finite
#: (the same rule for every problem: a classifier's loss stays finite while it bounces far above its start);
#: ``run.Run.train_epoch`` applies it, the page draws it on the loss chart
DIVERGENCE_FACTOR = 5.0


class SettingsError(ValueError):
    """A bad setting: ``field`` names it, the message says what is valid (a ``Msg``: it is rendered in the
    language of the request that answers it)."""

    def __init__(self, field: str, message: Msg):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Field:
    kind: str  # "choice", "int", "float", "bool", "shape", "features", "batch"
    default: object
    low: float | None = None
    high: float | None = None
    choices: tuple = ()

    def describe(self) -> Msg:
        if self.kind == "choice":
            return Msg("playground.valid_choice", choices=", ".join(self.choices))
        if self.kind == "int":
            return Msg("playground.valid_int", low=str(self.low), high=str(self.high))
        if self.kind == "float":
            return Msg("playground.valid_float", low=f"{self.low:g}", high=f"{self.high:g}")
        if self.kind == "bool":
            return Msg("playground.valid_bool")
        if self.kind == "shape":
            return Msg("playground.valid_shape", layers=str(MAX_LAYERS), units=str(MAX_UNITS))
        if self.kind == "features":
            return Msg("playground.valid_features", features=", ".join(data.FEATURES))
        return Msg("playground.valid_batch", low=str(self.low), high=str(self.high))


def _hidden_activations() -> tuple[str, ...]:
    return tuple(activations.registry.names())


FIELDS = {
    "dataset": Field("choice", "circle", choices=data.DATASETS),
    "noise": Field("int", 0, 0, 50),
    "trainRatio": Field("int", 50, 10, 90),
    "dataSeed": Field("int", 1, 0, MAX_SEED),
    "features": Field("features", ("x1", "x2")),
    "networkShape": Field("shape", (4, 2)),
    "activation": Field("choice", "tanh", choices=_hidden_activations()),
    "batchSize": Field("batch", 10, 1, data.N_POINTS),
    "sampling": Field("choice", "without_replacement", choices=("without_replacement", "with_replacement")),
    "seed": Field("int", 0, 0, MAX_SEED),
    "dtype": Field("choice", "float32", choices=("float32", "float64")),
    # the optimizer group (run B overrides these)
    "optimizer": Field("choice", "sgd", choices=tuple(optimizers.registry.names())),
    "learningRate": Field("float", 0.03, 0.0, 10.0),
    "convention": Field("choice", "keras", choices=optimizers.CONVENTIONS),
    "regularizationRate": Field("float", 0.0, 0.0, 1.0),
    "clipnorm": Field("float", 0.0, 0.0, 100.0),  # 0: no clipping; else each gradient array scaled to norm ≤ it
    "schedule": Field("choice", "none", choices=tuple(SCHEDULES)),
    "decaySteps": Field("int", 1000, 1, 1_000_000),
    "decayRate": Field("float", 0.5, 0.0, 1.0),
    "hyper": Field("hyper", {}),
}
OPTIMIZER_FIELDS = ("optimizer", "learningRate", "convention", "regularizationRate", "clipnorm", "schedule",
                    "decaySteps", "decayRate", "hyper")


@dataclass(frozen=True)
class Settings:
    values: dict

    def __getitem__(self, key):
        return self.values[key]

    @property
    def problem(self) -> str:
        return data.problem_of(self.values["dataset"])

    def to_json(self) -> dict:
        out = dict(self.values)
        out["features"], out["networkShape"] = list(out["features"]), list(out["networkShape"])
        out["hyper"] = dict(out["hyper"])
        return out


@functools.cache
def optimizer_catalog() -> dict:
    """For each optimizer: its hyperparameters with each convention's default and the page's range."""
    out = {}
    for name in optimizers.registry.names():
        cls = optimizers.registry.lookup(name)
        params = [p for p in inspect.signature(cls.__init__).parameters.values()
                  if p.name not in ("self", "kwargs", "learning_rate", "convention", "weight_decay")]
        hypers = {}
        for p in params:
            if p.name in HYPER_FLAGS:
                hypers[p.name] = {"kind": "bool", "default": {c: bool(p.default) for c in optimizers.CONVENTIONS}}
            elif p.name in HYPER_RANGES:
                default = {c: optimizers.preset(cls, c).get(p.name, p.default) for c in optimizers.CONVENTIONS}
                low, high = HYPER_RANGES[p.name]
                hypers[p.name] = {"kind": "float", "default": default, "low": low, "high": high}
        out[name] = {"hyper": hypers,
                     "learningRate": {c: optimizers.preset(cls, c)["learning_rate"] for c in optimizers.CONVENTIONS}}
    return out


def catalog() -> dict:
    """Everything the page needs to draw its controls: fields, ranges, defaults, optimizers."""
    fields = {}
    for name, f in FIELDS.items():
        if f.kind == "hyper":
            continue
        entry = {"kind": f.kind, "default": list(f.default) if isinstance(f.default, tuple) else f.default,
                 "valid": str(f.describe())}
        if f.low is not None:
            entry.update(low=f.low, high=f.high)
        if f.choices:
            entry["choices"] = list(f.choices)
        fields[name] = entry
    return {"fields": fields, "optimizers": optimizer_catalog(), "features": {k: v[0] for k, v in data.FEATURES.items()},
            "classification": list(data.CLASSIFICATION), "regression": list(data.REGRESSION),
            "optimizerFields": list(OPTIMIZER_FIELDS), "maxLayers": MAX_LAYERS, "maxUnits": MAX_UNITS,
            "radius": data.RADIUS, "previews": _previews(), "divergenceFactor": DIVERGENCE_FACTOR}


def _previews(n: int = 120) -> dict:
    """A few noiseless points of each data set, for the page's data-set buttons."""
    out = {}
    for name in data.DATASETS:
        points, labels = data.generate(name, 0.0, seed=0, n=n)
        if data.problem_of(name) == "classification":
            labels = 2 * labels - 1
        out[name] = [[round(a, 2), round(b, 2), round(v, 2)] for (a, b), v in zip(points.tolist(), labels.tolist())]
    return out


def not_valid(value, f: Field) -> Msg:
    """The message "<value> is not valid; valid: <what is>", the value as Python writes it."""
    return Msg("playground.not_valid", value=repr(value), valid=f.describe())


def _number(name, value, f: Field, integer: bool):
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not f.low <= value <= f.high:
        raise SettingsError(name, not_valid(value, f))
    return int(value) if integer else float(value)


def check_field(name: str, value, f: Field):
    if f.kind == "choice":
        if value not in f.choices:
            raise SettingsError(name, not_valid(value, f))
        return value
    if f.kind in ("int", "float"):
        return _number(name, value, f, f.kind == "int")
    if f.kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(name, not_valid(value, f))
        return value
    if f.kind == "batch":
        return "full" if value == "full" else _number(name, value, f, True)
    if f.kind == "shape":
        if (not isinstance(value, list) or len(value) > MAX_LAYERS
                or not all(not isinstance(u, bool) and isinstance(u, int) and 1 <= u <= MAX_UNITS for u in value)):
            raise SettingsError(name, not_valid(value, f))
        return tuple(value)
    if f.kind == "features":
        if (not isinstance(value, list) or not value or len(set(value)) != len(value)
                or not all(v in data.FEATURES for v in value)):
            raise SettingsError(name, not_valid(value, f))
        return tuple(f for f in data.FEATURES if f in value)  # canonical order
    raise AssertionError(f.kind)


def _check_hyper(value, optimizer: str) -> dict:
    """The optimizer's own hyperparameters: names it takes, numbers in the page's ranges."""
    if not isinstance(value, dict):
        raise SettingsError("hyper", Msg("playground.hyper_object", value=repr(value), example='{"momentum": 0.9}'))
    known = optimizer_catalog()[optimizer]["hyper"]
    out = {}
    for key, v in value.items():
        if key not in known:
            raise SettingsError(f"hyper.{key}", Msg("playground.no_hyper", optimizer=optimizer, name=repr(key),
                                                    valid=", ".join(known) or Msg("playground.no_hyper_none")))
        spec = known[key]
        if spec["kind"] == "bool":
            out[key] = check_field(f"hyper.{key}", v, Field("bool", False))
        else:
            out[key] = check_field(f"hyper.{key}", v, Field("float", 0.0, spec["low"], spec["high"]))
    return out


def validate(raw, base: Settings | None = None) -> Settings:
    """Settings from a JSON object; fields it leaves out come from ``base`` (or the defaults)."""
    if not isinstance(raw, dict):
        raise SettingsError("settings", Msg("playground.settings_object", type=type(raw).__name__))
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise SettingsError(unknown[0], Msg("playground.unknown_field", fields=", ".join(FIELDS)))
    values = dict(base.values) if base else {k: f.default for k, f in FIELDS.items()}
    for key, value in raw.items():
        f = FIELDS[key]
        values[key] = value if f.kind == "hyper" else check_field(key, value, f)
    if "optimizer" in raw and "hyper" not in raw:
        values["hyper"] = {}  # another optimizer's hyperparameters do not carry over
    values["hyper"] = _check_hyper(values["hyper"], values["optimizer"])
    settings = Settings(values)
    build_optimizer(settings)  # gdlab's own checks (e.g. Nesterov needs momentum) answer here too
    return settings


def optimizer_table(s: Settings) -> dict:
    """The ``[optimizer]`` table of ``gdlab train``: name, learning rate or schedule, hyperparameters."""
    table = {"name": s["optimizer"], "learning_rate": s["learningRate"], "convention": s["convention"]}
    if s["schedule"] != "none":
        cls = schedules.registry.lookup(s["schedule"])
        table["learning_rate"] = {"class_name": cls.__name__, "config": {
            "initial_learning_rate": s["learningRate"], _SCHEDULE_STEPS[s["schedule"]]: s["decaySteps"],
            SCHEDULES[s["schedule"]]: s["decayRate"]}}
    if s["regularizationRate"] > 0:
        table["weight_decay"] = s["regularizationRate"]
    if s["clipnorm"] > 0:
        table["clipnorm"] = s["clipnorm"]
    table.update(s["hyper"])
    return table


def build_optimizer(s: Settings):
    table = dict(optimizer_table(s))
    name = table.pop("name")
    if isinstance(table["learning_rate"], dict):
        table["learning_rate"] = schedules.get(table["learning_rate"])
    try:
        return optimizers.get(name, **table)
    except (TypeError, ValueError) as err:
        raise SettingsError("optimizer", Msg("playground.optimizer_refused", optimizer=name, error=str(err))) from None
