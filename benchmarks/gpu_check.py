"""The GPU device check of the CuPy backend (issue 14), run by ``benchmarks/gpu_check.sh``.

1. gradcheck on the GPU in float64 (central differences against backprop, as ``gdlab.gradcheck``);
2. NumPy-vs-CuPy trajectories in float32: 100 steps of every optimizer in both conventions, fused kernels on and
   off; passes when max|θ_cupy − θ_numpy| / max|θ_numpy| ≤ 1e-5 at every step;
3. step time (forward, loss, backward, update) for 2-8-8-1 at B = 10 and 784-1024-1024-10 at B = 256, 4096,
   16384: gdlab on CuPy with fused kernels and without, and PyTorch CUDA, each timed with CUDA events.

``--backend numpy`` runs parts 1 and 2 against the NumPy backend itself and part 3 for gdlab alone (timed on the
host clock), which checks the script without a GPU. Results: ``gpu_check.json`` and ``gpu_check.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import gdlab
from gdlab import kernels, optimizers
from gdlab.backend import get_backend
from gdlab.gradcheck import gradcheck
from gdlab.layers import Dense
from gdlab.training import train_step

TRAJECTORY_STEPS, TRAJECTORY_RTOL = 100, 1e-5
SHAPES = [((2, 8, 8, 1), 10), ((784, 1024, 1024, 10), 256), ((784, 1024, 1024, 10), 4096),
          ((784, 1024, 1024, 10), 16384)]


def mlp(widths, backend, dtype="float32", seed=0):
    """Dense layers of ``widths`` (tanh/relu hidden, sigmoid or softmax output), compiled with Adam."""
    hidden = "tanh" if widths[-1] == 1 else "relu"
    out = "sigmoid" if widths[-1] == 1 else "softmax"
    layers = [Dense(w, hidden) for w in widths[1:-1]] + [Dense(widths[-1], out)]
    model = gdlab.Sequential(layers, dtype=dtype, seed=seed, backend=backend)
    model.compile(optimizer=optimizers.get("adam", learning_rate=1e-3),
                  loss="binary_crossentropy" if widths[-1] == 1 else "categorical_crossentropy")
    model.build((widths[0],))
    return model


def data(widths, n, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, widths[0])).astype(np.float32)
    if widths[-1] == 1:
        return x, rng.integers(0, 2, (n, 1)).astype(np.float32)
    return x, np.eye(widths[-1], dtype=np.float32)[rng.integers(0, widths[-1], n)]


def check_gradients(backend) -> dict:
    results = {}
    for widths in ((2, 8, 8, 1), (20, 16, 5)):
        model = mlp(widths, backend, dtype="float64")
        r = gradcheck(model, *data(widths, 16), max_params=60)
        results["-".join(map(str, widths))] = {"passed": r.passed, "max_relative_error": r.max_relative_error,
                                               "worst": r.worst_parameter}
    return results


def trajectory(backend, name, convention, fused) -> list[np.ndarray]:
    widths = (20, 32, 32, 5)
    model = mlp(widths, backend)
    model.compile(optimizer=optimizers.get(name, convention=convention, fused=fused), loss="categorical_crossentropy")
    x, y = data(widths, 16 * TRAJECTORY_STEPS, seed=2)
    thetas = []
    for i in range(TRAJECTORY_STEPS):
        xb, yb = x[16 * i:16 * (i + 1)], y[16 * i:16 * (i + 1)]
        train_step(model, backend.asarray(xb), backend.asarray(yb))
        thetas.append(np.array(backend.to_numpy(model.parameters.theta)))
    return thetas


def check_trajectories(backend) -> dict:
    numpy = get_backend("numpy")
    results = {}
    for name in optimizers.registry.names():
        for convention in ("keras", "torch"):
            reference = trajectory(numpy, name, convention, None)
            for fused in (None, False):
                runs = trajectory(backend, name, convention, fused)
                worst = max(float(np.max(np.abs(t - r)) / np.max(np.abs(r))) for t, r in zip(runs, reference))
                key = f"{name}/{convention}/{'fused' if fused is None else 'unfused'}"
                results[key] = {"max_relative_difference": worst, "passed": worst <= TRAJECTORY_RTOL}
    return results


class Timer:
    """Milliseconds per call of ``step`` over ``n`` calls after ``warmup``: with CUDA events (``events()`` makes one,
    ``elapsed(start, end)`` reads milliseconds) on a GPU, else on the host clock."""

    def __init__(self, sync, events=None, elapsed=None):
        self.sync, self.events, self.elapsed = sync, events, elapsed

    def __call__(self, step, n, warmup=5) -> float:
        for _ in range(warmup):
            step()
        self.sync()
        if self.events is None:
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            return (time.perf_counter() - t0) * 1e3 / n
        start, end = self.events(), self.events()
        start.record()
        for _ in range(n):
            step()
        end.record()
        end.synchronize()
        return self.elapsed(start, end) / n


def gdlab_timer(backend) -> Timer:
    if backend.name != "cupy":
        return Timer(backend.sync)
    return Timer(backend.sync, backend.cupy.cuda.Event, backend.cupy.cuda.get_elapsed_time)


def time_gdlab(backend, widths, b, n, fused) -> float:
    model = mlp(widths, backend)
    x, y = (backend.asarray(a) for a in data(widths, b))
    with kernels.fused(fused):
        return gdlab_timer(backend)(lambda: train_step(model, x, y, defer=True), n)  # as fit: no sync per step


def time_torch(widths, b, n) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    dev = torch.device("cuda")
    layers = []
    for i, (a, c) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, c))
        if i < len(widths) - 2:
            layers.append(torch.nn.Tanh() if widths[-1] == 1 else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = (torch.from_numpy(a).to(dev) for a in data(widths, b))
    loss_fn = torch.nn.BCEWithLogitsLoss() if widths[-1] == 1 else torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    timer = Timer(torch.cuda.synchronize, lambda: torch.cuda.Event(enable_timing=True), lambda s, e: s.elapsed_time(e))
    return timer(step, n)


def check_speed(backend) -> list[dict]:
    rows = []
    for widths, b in SHAPES:
        n = 200 if b <= 256 else 30
        if backend.name != "cupy" and b > 256:
            continue  # the host run only checks the code path
        row = {"network": "-".join(map(str, widths)), "batch": b,
               "gdlab_fused_ms": time_gdlab(backend, widths, b, n, True),
               "gdlab_unfused_ms": time_gdlab(backend, widths, b, n, False),
               "torch_ms": time_torch(widths, b, n) if backend.name == "cupy" else None}
        row["torch_over_gdlab_fused"] = row["torch_ms"] / row["gdlab_fused_ms"] if row["torch_ms"] else None
        rows.append(row)
    return rows


def markdown(report) -> str:
    lines = [f"# gdlab GPU check ({report['backend']}, {report['device']})", "",
             "Gradient check (float64): " + ", ".join(f"{k}: {'pass' if v['passed'] else 'FAIL'} "
                                                       f"({v['max_relative_error']:.1e})"
                                                       for k, v in report["gradcheck"].items()), "",
             f"Trajectories vs NumPy (float32, {TRAJECTORY_STEPS} steps, rtol {TRAJECTORY_RTOL:g}): "
             f"{sum(v['passed'] for v in report['trajectories'].values())}/{len(report['trajectories'])} pass; "
             f"worst {max(v['max_relative_difference'] for v in report['trajectories'].values()):.1e}", "",
             "| network | batch | gdlab fused (ms/step) | gdlab unfused | PyTorch CUDA | PyTorch/gdlab |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in report["speed"]:
        cells = [f"{r[k]:.3f}" if r[k] is not None else "–" for k in ("gdlab_fused_ms", "gdlab_unfused_ms", "torch_ms")]
        ratio = r["torch_over_gdlab_fused"]
        lines.append(f"| {r['network']} | {r['batch']} | {' | '.join(cells)} | "
                     f"{'–' if ratio is None else f'{ratio:.2f}×'} |")
    failed = [k for k, v in report["trajectories"].items() if not v["passed"]]
    if failed:
        lines += ["", "Trajectories over tolerance: " + ", ".join(failed)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="cupy", choices=["cupy", "numpy"])
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args(argv)
    backend = get_backend(args.backend)
    device = platform.processor() or platform.machine()
    if backend.name == "cupy":
        device = backend.cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    report = {"backend": backend.name, "device": device, "gradcheck": check_gradients(backend),
              "trajectories": check_trajectories(backend), "speed": check_speed(backend)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "gpu_check" if backend.name == "cupy" else "gpu_check_host"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))
    ok = all(v["passed"] for v in report["gradcheck"].values()) and all(
        v["passed"] for v in report["trajectories"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
