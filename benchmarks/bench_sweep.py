"""What a sweep costs besides its trainings: the local engine and Ray, side by side in one run.

    python benchmarks/bench_sweep.py [--no-ray]

- **Overhead per trial**: N tiny trials (one epoch of y = w·x on 50 houses) through the engine on
  one worker, timestamping each result: overhead = median over k ≥ 2 of (time between results
  k − 1 and k) − trial k's own ``seconds`` (measured inside the worker), plus the driver's median
  time to append and fsync one ``results.csv`` row. Startup = time to the first result − that
  trial's ``seconds`` (spawning the worker or starting Ray, importing gdlab there).
- **Parallel speed-up**: 16 trials of about 1 s (iris, epochs calibrated in this process) on 2
  workers against the same 16 on 1 worker (serial), for the local engine and Ray.

Results go to ``benchmarks/results/sweep.json`` and ``sweep.md``. The machine is shared, so the
numbers are only as quiet as it was; the load average before and after is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent

TINY = """seed = 0
[data]
dataset = "house_prices"
n = 50
[model]
layers = [{ type = "Dense", units = 1 }]
[compile]
loss = "mse"
[optimizer]
name = "sgd"
learning_rate = 0.01
[fit]
epochs = 1
verbose = 0
[output]
dir = "unused"
"""

SECOND = """seed = 0
[data]
dataset = "iris"
[model]
layers = [{ type = "Dense", units = 32, activation = "tanh" }, { type = "Dense", units = 3, activation = "softmax" }]
[compile]
loss = "sparse_categorical_crossentropy"
metrics = ["accuracy"]
[optimizer]
name = "adam"
learning_rate = 0.01
[fit]
epochs = EPOCHS
batch_size = 16
validation_split = 0.2
verbose = 0
[output]
dir = "unused"
"""


def sweep(folder: Path, base: str, seeds: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(base)
    (folder / "sweep.toml").write_text(f'base = "base.toml"\nmetric = "loss"\nmode = "min"\n[grid]\n'
                                       f'seed = {list(range(seeds))}\n')
    return folder / "sweep.toml"


def timed(spec, out, **kw):
    from gdlab.sweep import run_sweep

    t0 = time.perf_counter()
    rows = run_sweep(spec, out=out, progress=False, **kw)
    wall = time.perf_counter() - t0
    assert all(r["status"] == "ok" for r in rows), [r["error"] for r in rows]
    return wall, [r["seconds"] for r in rows]


def calibrate(tmp: Path) -> int:
    """Epochs that make the iris trial last about a second here (measured in this process)."""
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO

    from gdlab.cli import main

    cfg = tmp / "calibrate.toml"
    cfg.write_text(SECOND.replace("EPOCHS", "40"))
    with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
        main(["train", str(cfg), "--out", str(tmp / "cal0")])                     # imports, caches
        t0 = time.perf_counter()
        main(["train", str(cfg), "--out", str(tmp / "cal1")])
    return max(10, round(40 / (time.perf_counter() - t0)))


def overhead(engine: str, tmp: Path, n: int) -> dict:
    from gdlab.sweep import load_sweep
    from gdlab.sweep.results import ResultsFile, columns, make_row
    from gdlab.sweep.runner import make_task

    sweep_ = load_sweep(sweep(tmp / f"{engine}-tiny", TINY, n))
    out = tmp / f"{engine}-tiny-out"
    tasks = [make_task(sweep_, t, out, engine, fresh=False) for t in sweep_.trials]
    if engine == "local":
        from gdlab.sweep.local import run_local

        events = run_local(tasks, 1, 0)
    else:
        from gdlab.sweep.ray_engine import run_ray

        events = run_ray(tasks, 1, 0)
    t0 = time.perf_counter()
    stamps, seconds, results = [], [], []
    for task, result, _ in events:
        stamps.append(time.perf_counter())
        seconds.append(result["seconds"])
        results.append((task, result))
    gaps = [stamps[k] - stamps[k - 1] - seconds[k] for k in range(1, n)]
    out.mkdir(parents=True, exist_ok=True)
    table = ResultsFile(out / "results.csv", columns(sweep_))
    by_id = {t.trial_id: t for t in sweep_.trials}
    appends = []
    for task, result in results:
        row = make_row(sweep_, by_id[task["trial_id"]], result, 1)
        a = time.perf_counter()
        table.append(row)
        appends.append(time.perf_counter() - a)
    return {"startup_s": stamps[0] - t0 - seconds[0], "engine_s": statistics.median(gaps),
            "append_s": statistics.median(appends), "tiny_trial_s": statistics.median(seconds)}


def speedup(engine: str, tmp: Path, epochs: int) -> dict:
    second = sweep(tmp / f"{engine}-second", SECOND.replace("EPOCHS", str(epochs)), 16)
    serial, sec_s = timed(second, tmp / f"{engine}-serial", engine=engine, workers=1)
    parallel, sec_p = timed(second, tmp / f"{engine}-parallel", engine=engine, workers=2)
    return {"serial_16_s": serial, "parallel_16_s": parallel, "ratio": parallel / serial,
            "trial_s_serial": sum(sec_s) / 16, "trial_s_parallel": sum(sec_p) / 16}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--no-ray", action="store_true", help="measure the local engine only")
    p.add_argument("--tiny", type=int, default=24, help="tiny trials for the overhead (default 24)")
    args = p.parse_args()
    load = [os.getloadavg()[0]]
    results = {"python": platform.python_version(), "cores": os.cpu_count(), "engines": {}}
    with tempfile.TemporaryDirectory(prefix="gdlab-bench-sweep-") as tmp:
        tmp = Path(tmp)
        epochs = calibrate(tmp)
        results["epochs_for_1s"] = epochs
        engines = ["local"] + ([] if args.no_ray else ["ray"])
        for engine in engines:
            results["engines"][engine] = {**overhead(engine, tmp, args.tiny), **speedup(engine, tmp, epochs)}
            print(engine, json.dumps(results["engines"][engine]), file=sys.stderr)
    if not args.no_ray:
        import ray

        results["ray"] = ray.__version__
    load.append(os.getloadavg()[0])
    results["load_average"] = load
    lines = ["| engine | startup | overhead per trial (engine + row) | 16 × ~1 s trials, 1 worker | on 2 workers | ratio | "
             "mean trial, 1 → 2 workers |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results["engines"].items():
        lines.append(f"| {name} | {r['startup_s']:.2f} s | {(r['engine_s'] + r['append_s']) * 1000:.1f} ms "
                     f"({r['engine_s'] * 1000:.1f} + {r['append_s'] * 1000:.1f}) | "
                     f"{r['serial_16_s']:.1f} s | {r['parallel_16_s']:.1f} s | {r['ratio']:.2f}× | "
                     f"{r['trial_s_serial']:.2f} → {r['trial_s_parallel']:.2f} s |")
    lines.append(f"\nPython {results['python']}, {results['cores']} cores"
                 + (f", Ray {results['ray']}" if "ray" in results else "")
                 + f"; 1-minute load average {load[0]:.1f} before, {load[1]:.1f} after.")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "sweep.json").write_text(json.dumps(results, indent=1) + "\n")
    (HERE / "results" / "sweep.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
