"""A sweep file → the list of trials it stands for, checked before anything runs.

A sweep file names a ``gdlab train`` config (``base``), the metric to rank trials by and the
values to try, as dotted keys into the base config::

    base = "train.toml"            # relative to the sweep file
    metric = "val_accuracy"        # a key of the training history
    mode = "max"                   # or "min"
    max_retries = 2                # reruns of a trial whose worker died (optional)

    [grid]                         # the Cartesian product of every list
    "optimizer.learning_rate" = [0.01, 0.1]
    "fit.batch_size" = [8, 32, 128]
    seed = [0, 1, 2]

    [random]                       # and/or: `trials` draws, each crossed with the grid
    trials = 20
    seed = 0                       # the sampler's seed (a training seed to sweep goes in [grid])
    "optimizer.learning_rate" = { loguniform = [1e-4, 1e-1] }
    "optimizer.beta_1" = { uniform = [0.8, 0.99] }
    "optimizer.name" = { choice = ["adam", "nadam"] }

A trial is the base config with one value per swept key; its id is the first 12 hex digits of the
SHA-256 of its canonical JSON (sorted keys, the ``[output]`` table left out: every trial writes
into its own folder), so the same trial has the same id in every sweep that contains it.

A sweep is refused before its trials are expanded when it would have more than ``MAX_TRIALS``
(the message gives the count); every swept value must be finite (TOML allows nan and inf), and
every trial's layers and optimizer are built once while planning, so a bad value fails the plan,
naming the trial, rather than one trial after another.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from gdlab import runconfig

TOP_KEYS = ("base", "metric", "mode", "max_retries", "grid", "random")
MODES = ("max", "min")
DISTRIBUTIONS = ("loguniform", "uniform", "choice")
# [data] keys that name files; runconfig reads them relative to the config's folder, so a trial's
# config (written elsewhere) gets them as absolute paths.
DATA_PATH_KEYS = ("csv", "idx_train_images", "idx_train_labels", "idx_test_images", "idx_test_labels")
MAX_TRIALS = 100_000  # the most trials one sweep plans (each is checked, then run)
TRIAL_ID = re.compile(r"[0-9a-f]{12}")


class SweepError(ValueError):
    """A bad sweep file: names the key, the value and what is valid."""


@dataclass(frozen=True)
class Trial:
    trial_id: str
    values: dict          # swept key -> value, in the sweep file's key order
    config: dict          # the full train config (base + values), data paths as in the base


@dataclass
class Sweep:
    path: Path | None
    base_path: Path
    metric: str
    mode: str
    max_retries: int
    keys: list[str]
    trials: list[Trial]
    test_metrics: list[str] = field(default_factory=list)

    def to_plan(self) -> dict:
        """What ``DIR/sweep.json`` holds: the settings and every trial with its values."""
        return {"sweep": str(self.path) if self.path else None, "base": str(self.base_path),
                "metric": self.metric, "mode": self.mode, "max_retries": self.max_retries, "keys": self.keys,
                "test_metrics": self.test_metrics,
                "trials": [{"trial_id": t.trial_id, "values": t.values} for t in self.trials]}


def sweep_from_plan(plan, where) -> Sweep:
    """The ``Sweep`` a folder's ``sweep.json`` describes (trials without configs), every field checked:
    an edited plan is a SweepError naming the file and the field, never a KeyError."""
    def need(key, ok, valid):
        value = plan.get(key) if isinstance(plan, dict) else None
        if not ok(value):
            raise SweepError(f"{where}: {key} = {_short(value)} is missing or not valid; valid: {valid} (the "
                             "driver writes this file: run the sweep again to rewrite it)")
        return value

    if not isinstance(plan, dict):
        raise SweepError(f"{where}: must be a JSON object (the plan the driver writes), got {type(plan).__name__}")
    text = lambda v: isinstance(v, str) and v != ""  # noqa: E731
    names = lambda v: isinstance(v, list) and all(isinstance(k, str) for k in v)  # noqa: E731
    metric, mode = need("metric", text, "a key of the training history"), need("mode", lambda v: v in MODES, "max, min")
    retries = need("max_retries", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer >= 0")
    keys, tests = need("keys", names, "a list of swept keys"), need("test_metrics", names, "a list of names")
    base = need("base", text, "the base config's path")
    source = plan.get("sweep")
    if source is not None and not text(source):
        raise SweepError(f"{where}: sweep = {_short(source)} must be the sweep file's path or null")
    raw = need("trials", lambda v: isinstance(v, list), "a list of {trial_id, values}")
    trials = []
    for i, t in enumerate(raw):
        if (not isinstance(t, dict) or not isinstance(t.get("trial_id"), str)
                or not TRIAL_ID.fullmatch(t["trial_id"]) or not isinstance(t.get("values"), dict)
                or list(t["values"]) != keys):
            raise SweepError(f"{where}: trials[{i}] = {_short(t)} must be {{trial_id: 12 hex digits, values: "
                             f"one per key of {keys}}}")
        trials.append(Trial(t["trial_id"], t["values"], {}))
    return Sweep(Path(source) if source else None, Path(base), metric, mode, retries, keys, trials, tests)


def trial_id(config: dict) -> str:
    """First 12 hex digits of SHA-256 of the canonical JSON of ``config`` without ``[output]``."""
    canon = {k: v for k, v in config.items() if k != "output"}
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def load_sweep(spec) -> Sweep:
    """A sweep file's path, or the same content as a dict (``base`` then relative to the working folder)."""
    if isinstance(spec, dict):
        path, raw, where = None, copy.deepcopy(spec), "sweep"
    else:
        path = Path(spec)
        if not path.is_file():
            raise FileNotFoundError(f"no such sweep file: {path}")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise SweepError(f"{path}: not valid TOML ({err})") from None
        except UnicodeDecodeError as err:
            raise SweepError(f"{path}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
        except RecursionError:
            raise SweepError(f"{path}: its tables or arrays are nested too deeply to read") from None
        where = str(path)
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise SweepError(f"{where}: unknown key(s) or section(s) {unknown}; valid: {', '.join(TOP_KEYS)}")
    if not isinstance(raw.get("base"), str) or not raw["base"]:
        raise SweepError(f"{where}: base = \"train.toml\" (a gdlab train config) is required")
    base_path = (path.parent if path else Path.cwd()) / raw["base"]
    base = runconfig.load_config(base_path).raw
    metric, mode = raw.get("metric"), raw.get("mode")
    if not isinstance(metric, str) or not metric:
        raise SweepError(f"{where}: metric = \"val_loss\" (a key of the training history) is required")
    if mode not in MODES:
        raise SweepError(f"{where}: mode = {mode!r}; valid: {', '.join(MODES)} (is a larger {metric} better?)")
    retries = raw.get("max_retries", 2)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise SweepError(f"{where}: max_retries = {retries!r} must be an integer >= 0")
    if "grid" not in raw and "random" not in raw:
        raise SweepError(f"{where}: give a [grid] and/or a [random] section with the keys to sweep")
    grid = _grid(raw.get("grid", {}), base, where)
    sizes = ([f"{_random_count(raw['random'], where)} draws"] if "random" in raw else []) \
        + [f"{len(v)} ({k})" for k, v in grid.items()]
    count = math.prod(int(size.split()[0]) for size in sizes)
    if count > MAX_TRIALS:
        sizes = " × ".join(sizes)
        raise SweepError(f"{where}: this sweep would run {count:,} trials ({sizes}); at most {MAX_TRIALS:,} "
                         "are planned in one sweep: sweep fewer keys or values, or use [random] trials = N")
    draws = _random(raw["random"], base, where) if "random" in raw else [{}]
    keys = list(draws[0]) + list(grid)
    doubled = sorted(set(draws[0]) & set(grid))
    if doubled:
        raise SweepError(f"{where}: key(s) {doubled} are in both [grid] and [random]; sweep each in one place")
    trials, seen = [], set()
    for draw in draws:
        for combo in itertools.product(*grid.values()):
            values = {**draw, **dict(zip(grid, combo))}
            config = copy.deepcopy(base)
            for key, value in values.items():
                _set(config, key, value)
            trial = Trial(trial_id(config), values, config)
            if trial.trial_id not in seen:          # two random draws can coincide (choice)
                seen.add(trial.trial_id)
                trials.append(trial)
    sweep = Sweep(path, base_path, metric, mode, retries, keys, trials)
    sweep.test_metrics = _check_trials(sweep, where)
    return sweep


def _flatten(table: dict, base, prefix: str = "") -> dict:
    """``{"optimizer": {"learning_rate": …}}`` and ``{"optimizer.learning_rate": …}`` alike.

    A nested table is followed where the base config has a table or list at that place; anywhere
    else it is a value (or, in [random], a distribution).
    """
    out = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(_find(base, path), (dict, list)):
            out.update(_flatten(value, base, f"{path}."))
        else:
            out[path] = value
    return out


def _find(config, key):
    node = config
    for step in _steps(key):
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _grid(table, base, where) -> dict:
    if not isinstance(table, dict):
        raise SweepError(f"{where}: grid must be a table ([grid]), got {_short(table)}")
    grid = _flatten(table, base)
    for key, values in grid.items():
        _get(base, key, where, "[grid]")
        if not isinstance(values, list) or not values:
            raise SweepError(f"{where} [grid] {key} = {_short(values)} must be a non-empty list of values to try")
        for i, v in enumerate(values):
            _check_finite(v, f"{where} [grid] {key}[{i}]")
        canon = [json.dumps(v, sort_keys=True) for v in values]
        if len(set(canon)) != len(canon):
            raise SweepError(f"{where} [grid] {key} = {_short(values)} lists a value twice")
    return grid


def _check_finite(value, where) -> None:
    """nan and inf are TOML, but not a value a trial can be planned with (nor JSON for its id)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SweepError(f"{where} = {value!r}: swept values must be finite numbers")
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, f"{where}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_finite(v, f"{where}.{k}")


def _random_count(table, where) -> int:
    if not isinstance(table, dict):
        raise SweepError(f"{where}: random must be a table ([random]), got {_short(table)}")
    n = table.get("trials")
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise SweepError(f"{where} [random] trials = {_short(n)} must be an integer > 0")
    return n


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _random(table, base, where) -> list[dict]:
    import numpy as np

    n = _random_count(table, where)
    table = dict(table)
    table.pop("trials", None)
    seed = table.pop("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SweepError(f"{where} [random] seed = {seed!r} is the sampler's seed: an integer >= 0 "
                         "(to sweep the training seed, put seed = [0, 1, …] in [grid])")
    dists = _flatten(table, base)
    if not dists:
        raise SweepError(f"{where} [random]: no keys to draw; add e.g. "
                         "\"optimizer.learning_rate\" = { loguniform = [1e-4, 1e-1] }")
    for key, dist in dists.items():
        _get(base, key, where, "[random]")
        _check_distribution(key, dist, where)
    rng = np.random.default_rng(seed)
    return [{key: _draw(rng, dist) for key, dist in dists.items()} for _ in range(n)]


def _check_distribution(key, dist, where):
    form = ("{ loguniform = [low, high] }, { uniform = [low, high] } or { choice = [a, b, …] }")
    if not isinstance(dist, dict) or len(dist) != 1 or next(iter(dist)) not in DISTRIBUTIONS:
        raise SweepError(f"{where} [random] {key} = {_short(dist)}; valid: {form}")
    (kind, args), = dist.items()
    if kind == "choice":
        if not isinstance(args, list) or not args:
            raise SweepError(f"{where} [random] {key}: choice = {_short(args)} must be a non-empty list")
        for i, v in enumerate(args):
            _check_finite(v, f"{where} [random] {key}: choice[{i}]")
        return
    ok = (isinstance(args, list) and len(args) == 2
          and all(isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a) for a in args)
          and args[0] < args[1] and (kind == "uniform" or args[0] > 0)
          and math.isfinite(float(args[1]) - float(args[0])))  # U(low, high) needs high − low finite
    if not ok:
        need = "0 < low < high" if kind == "loguniform" else "low < high, high − low finite (below 1.8e308)"
        raise SweepError(f"{where} [random] {key}: {kind} = {_short(args)} must be [low, high] with {need}")


def _draw(rng, dist):
    """``loguniform``: exp(U(ln a, ln b)); ``uniform``: U(a, b); ``choice``: one element, equally likely."""
    (kind, args), = dist.items()
    if kind == "choice":
        return args[int(rng.integers(len(args)))]
    if kind == "loguniform":
        return float(math.exp(rng.uniform(math.log(args[0]), math.log(args[1]))))
    return float(rng.uniform(args[0], args[1]))


def _steps(key: str):
    return [int(part) if part.isdigit() else part for part in key.split(".")]


def _get(config, key, where, section):
    node = config
    for depth, step in enumerate(_steps(key)):
        inside = ".".join(str(s) for s in _steps(key)[:depth]) or "the top level"
        if isinstance(step, int) and isinstance(node, list):
            if step >= len(node):
                raise SweepError(f"{where} {section} {key}: index {step} is out of range; {inside} has "
                                 f"{len(node)} entries")
        elif not isinstance(node, dict) or step not in node:
            known = ", ".join(map(str, node)) if isinstance(node, dict) else f"a {type(node).__name__}"
            raise SweepError(f"{where} {section} {key}: the base config has no {step!r} in {inside} "
                             f"(there: {known}); add it to the base config first")
        node = node[step]
    return node


def _set(config, key, value):
    steps = _steps(key)
    node = config
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = copy.deepcopy(value)


def trial_toml(sweep: Sweep, trial: Trial) -> str:
    """The trial's config as TOML, its data file paths made absolute (it runs from another folder)."""
    config = copy.deepcopy(trial.config)
    data = config.get("data", {})
    for key in DATA_PATH_KEYS:
        if key in data:
            data[key] = str((sweep.base_path.parent / data[key]).resolve())
    return tomli_w.dumps(config)


def _check_trials(sweep: Sweep, where: str) -> list[str]:
    """Every trial's config passes ``gdlab train``'s checks and logs ``metric``; returns the test columns."""
    from gdlab import metrics

    test, unbuildable = {}, []
    with tempfile.TemporaryDirectory(prefix="gdlab-sweep-check-") as tmp:
        for trial in sweep.trials:
            file = Path(tmp) / f"{trial.trial_id}.toml"
            file.write_text(trial_toml(sweep, trial), encoding="utf-8")
            try:
                cfg = runconfig.load_config(file)
            except runconfig.ConfigError as err:
                raise SweepError(f"{where}: trial {trial.values} is not a valid train config: "
                                 f"{str(err).replace(str(file), 'config')}") from None
            try:  # a swept value some optimizer refuses is a result (an error row); every trial refused is not
                runconfig.check_model_and_optimizer(cfg)
            except runconfig.ConfigError as err:
                unbuildable.append((trial, str(err).replace(str(file), "config")))
            try:
                names = ["loss"] + [metrics.get(m).name for m in cfg.compile.get("metrics") or []]
            except (KeyError, ValueError, TypeError) as err:
                raise SweepError(f"{where}: trial {trial.values}: {err}") from None
            logged = names + ([f"val_{n}" for n in names] if cfg.fit.get("validation_split", 0) else [])
            if sweep.metric not in logged:
                raise SweepError(f"{where}: metric = {sweep.metric!r} is not logged by trial {trial.values}; "
                                 f"it logs {', '.join(logged)}"
                                 + ("" if cfg.fit.get("validation_split", 0)
                                    else " (val_… metrics need [fit] validation_split > 0)"))
            test.update(dict.fromkeys(f"test_{n}" for n in names))
    if sweep.trials and len(unbuildable) == len(sweep.trials):
        trial, message = unbuildable[0]
        raise SweepError(f"{where}: no trial can run (base {sweep.base_path}): every trial's model or optimizer is "
                         f"refused, e.g. trial {trial.values}: {message}")
    return list(test)
