"""gdlab vs PyTorch (CPU) vs scikit-learn on one MLP, side by side, in one run.

    python benchmarks/bench_mlp.py [--repeats 5] [--quick]

The network: 784-256-128-10, ReLU, softmax cross-entropy, float32, random data
(seed 0). Each framework trains it for the same number of samples at batch
sizes 1, 8, 32, 128, 512 and 2048, with SGD (η = 0.01) and with Adam
(η = 0.001):

- gdlab: ``model.fit`` end to end — batching, per-epoch shuffling, history,
  no progress bar;
- PyTorch: the plain loop — ``nn.Sequential``, ``F.cross_entropy``,
  ``torch.optim``, ``torch.set_num_threads(cores)``, ``zero_grad(set_to_none=True)``,
  a ``randperm`` per epoch;
- scikit-learn: ``MLPClassifier.partial_fit`` on each epoch's data with the same
  ``batch_size`` (one pass over it), ``alpha=0``, plain SGD (no momentum) or Adam.

Within each batch size and optimizer the frameworks run interleaved
(A B C A B C …) after a warm-up, ``--repeats`` times, each run after a short
pause that lets the previous framework's spinning worker threads go idle; samples/s is reported as
median (min–max), and the ratios gdlab/PyTorch and gdlab/scikit-learn are
computed repeat by repeat and reported as their median. The run also measures
the machine's float32 GEMM peak and gdlab's fraction of it at batch 2048, the
peak memory of a fit at batch 2048, and prints versions and the BLAS kernel.
Results go to ``benchmarks/results/latest.json`` and ``latest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZES = (784, 256, 128, 10)
BATCHES = (1, 8, 32, 128, 512, 2048)
#: samples trained per measurement, per batch size (about a second of gdlab at each)
SAMPLES = {1: 3000, 8: 16000, 32: 40000, 128: 65536, 512: 131072, 2048: 163840}
N_DATA = 8192
#: seconds to wait before each timed run: the previous framework's BLAS / OpenMP worker threads keep
#: spinning for a while after its last call and would steal the cores from the next one
SETTLE = 0.3
LR = {"sgd": 0.01, "adam": 0.001}
FLOP_PER_SAMPLE = (2 * (784 * 256 + 256 * 128 + 128 * 10)  # forward
                   + 2 * (784 * 256 + 256 * 128 + 128 * 10)  # weight gradients
                   + 2 * (256 * 128 + 128 * 10))  # input gradients of layers 2 and 3
HERE = Path(__file__).parent


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N_DATA, SIZES[0])).astype(np.float32), rng.integers(0, 10, N_DATA)


# -- the three contestants: each returns a function that trains `samples` samples ------------------------
def make_gdlab(batch, opt):
    import gdlab
    from gdlab.layers import Dense
    from gdlab.optimizers import SGD, Adam

    x, y = data()
    model = gdlab.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                              Dense(10, activation="softmax")], seed=0)
    model.compile(SGD(LR["sgd"]) if opt == "sgd" else Adam(LR["adam"]), "sparse_categorical_crossentropy")

    def train(samples):
        n = min(N_DATA, samples)
        model.fit(x[:n], y[:n], epochs=samples // n, batch_size=batch, verbose=0)
    return train


def make_torch(batch, opt):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    x, y = data()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = (torch.optim.SGD(net.parameters(), lr=LR["sgd"]) if opt == "sgd"
                 else torch.optim.Adam(net.parameters(), lr=LR["adam"]))

    def train(samples):
        n = min(N_DATA, samples)
        for _ in range(samples // n):
            order = torch.randperm(n)
            for i in range(0, n, batch):
                idx = order[i:i + batch]
                xb, yb = xt[idx], yt[idx]
                optimizer.zero_grad(set_to_none=True)
                loss = F.cross_entropy(net(xb), yb)
                loss.backward()
                optimizer.step()
    return train


def make_sklearn(batch, opt):
    import warnings

    from sklearn.neural_network import MLPClassifier

    x, y = data()
    kw = dict(solver="sgd", momentum=0.0, nesterovs_momentum=False) if opt == "sgd" else dict(solver="adam")
    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:3], activation="relu", alpha=0.0, batch_size=batch,
                        learning_rate_init=LR[opt], shuffle=True, random_state=0, **kw)
    classes = np.arange(10)

    def train(samples):
        n = min(N_DATA, samples)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(samples // n):
                clf.partial_fit(x[:n], y[:n], classes=classes)
    return train


CONTESTANTS = {"gdlab": make_gdlab, "pytorch": make_torch, "sklearn": make_sklearn}


def measure(batches, opts, repeats, scale, echo):
    results = []
    for batch in batches:
        samples = max(batch, int(SAMPLES[batch] * scale) // batch * batch)
        for opt in opts:
            trainers = {name: make(batch, opt) for name, make in CONTESTANTS.items()}
            for train in trainers.values():  # warm-up: imports, first calls, JIT caches
                train(min(samples, max(batch, 256 // batch * batch)))
            runs = {name: [] for name in trainers}
            peaks = []  # the machine's speed drifts: the GEMM peak is measured next to every repeat
            for _ in range(repeats):
                for name, train in trainers.items():  # interleaved: A B C A B C …
                    time.sleep(SETTLE)
                    t0 = time.perf_counter()
                    train(samples)
                    runs[name].append(samples / (time.perf_counter() - t0))
                if batch == max(batches):
                    time.sleep(SETTLE)
                    peaks.append(gemm_peak(repeats=3)["peak"])
            row = {"batch": batch, "optimizer": opt, "samples": samples}
            if peaks:
                fractions = [r * FLOP_PER_SAMPLE / 1e9 / p for r, p in zip(runs["gdlab"], peaks)]
                row["gemm_peaks"], row["fraction_of_peak"] = peaks, statistics.median(fractions)
            for name, values in runs.items():
                row[name] = {"median": statistics.median(values), "min": min(values), "max": max(values),
                             "all": values}
            for other in ("pytorch", "sklearn"):
                row[f"gdlab/{other}"] = statistics.median(a / b for a, b in zip(runs["gdlab"], runs[other]))
            results.append(row)
            echo(f"batch {batch:5d} {opt:4s}  gdlab {row['gdlab']['median']:10,.0f}/s  pytorch "
                 f"{row['pytorch']['median']:10,.0f}/s  sklearn {row['sklearn']['median']:10,.0f}/s  "
                 f"ratios {row['gdlab/pytorch']:.2f}× {row['gdlab/sklearn']:.2f}×")
    return results


def gemm_peak(repeats=5) -> dict:
    """Best float32 GEMM throughput: square 2048 products, and the network's own largest shape."""
    rng = np.random.default_rng(0)
    out = {}
    for label, (m, k, n) in {"square 2048": (2048, 2048, 2048), "2048×784 · 784×256": (2048, 784, 256)}.items():
        a = rng.normal(size=(m, k)).astype(np.float32)
        b = rng.normal(size=(k, n)).astype(np.float32)
        a @ b
        best = min(_timed(lambda: a @ b) for _ in range(repeats))
        out[label] = 2 * m * k * n / best / 1e9
    out["peak"] = max(out.values())
    return out


def _timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


MEMORY_SCRIPT = """
import resource, sys, tracemalloc, numpy as np, gdlab
from gdlab.layers import Dense
from gdlab.optimizers import Adam
sys.path.insert(0, {here!r})
from bench_mlp import data
x, y = data()
model = gdlab.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(10, activation="softmax")], seed=0)
model.compile(Adam(0.001), "sparse_categorical_crossentropy")
model.fit(x[:2048], y[:2048], epochs=1, batch_size=2048, verbose=0)   # warm: buffers, caches, JIT
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
model.fit(x, y, epochs=2, batch_size=2048, verbose=0)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before * 1024, after * 1024, traced)
"""


def memory() -> dict:
    """Peak memory of a fit at batch 2048 (Adam) against the floor it cannot go below."""
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT.format(here=str(HERE))], capture_output=True,
                         text=True, check=True)
    rss_before, rss_after, traced = (int(v) for v in out.stdout.split())
    p = sum(a * b + b for a, b in zip(SIZES[:-1], SIZES[1:]))
    floor = {
        "parameters + gradients": 2 * p * 4,
        "optimizer state (Adam m, v)": 2 * p * 4,
        "one batch's activations": 2048 * (SIZES[0] + 2 * (256 + 128 + 10)) * 4,  # x, and z, a per layer
    }
    total = sum(floor.values())
    return {"floor_bytes": floor, "floor_total": total, "traced_peak": traced,
            "rss_growth_during_fit": max(0, rss_after - rss_before), "rss_peak": rss_after,
            "traced_over_floor": traced / total}


def environment() -> dict:
    import sklearn
    import threadpoolctl
    import torch

    import gdlab

    try:
        import numba
        numba_version = numba.__version__
    except ImportError:
        numba_version = None
    blas = [{k: v for k, v in info.items() if k in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpoolctl.threadpool_info()]
    return {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count(),
            "gdlab": gdlab.__version__, "numpy": np.__version__, "numba": numba_version,
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(), "sklearn": sklearn.__version__,
            "blas": blas, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


TARGETS = {1: (4.0, 4.0, 2.0), 8: (2.0, 2.0, 2.0), 32: (2.0, 2.0, 2.0), 128: (1.15, 1.15, 2.0),
           512: (1.15, 1.15, 2.0), 2048: (1.15, 1.15, 2.0)}


def markdown(result) -> str:
    rows = {(r["batch"], r["optimizer"]): r for r in result["runs"]}
    lines = ["| batch | optimizer | gdlab samples/s | PyTorch samples/s | scikit-learn samples/s | "
             "gdlab/PyTorch | gdlab/sklearn | target |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for (batch, opt), r in rows.items():
        t_torch = TARGETS[batch][0 if opt == "sgd" else 1]
        t_sk = TARGETS[batch][2]
        ok = r["gdlab/pytorch"] >= t_torch and r["gdlab/sklearn"] >= t_sk
        cell = lambda name: f"{r[name]['median']:,.0f} ({r[name]['min']:,.0f}–{r[name]['max']:,.0f})"
        lines.append(f"| {batch} | {opt} | {cell('gdlab')} | {cell('pytorch')} | {cell('sklearn')} | "
                     f"{r['gdlab/pytorch']:.2f}× | {r['gdlab/sklearn']:.2f}× | "
                     f"{'met' if ok else 'missed'} (≥ {t_torch}×, ≥ {t_sk}×) |")
    g = result["gemm"]
    lines += ["", f"float32 GEMM peak at the start: {g['peak']:.1f} GFLOP/s "
                  f"(square 2048: {g['square 2048']:.1f}; 2048×784 · 784×256: {g['2048×784 · 784×256']:.1f})."]
    if "fraction_of_peak_2048" in result:
        peaks = ", ".join(f"{p:.0f}" for p in g["peaks_next_to_2048"])
        lines.append(f"gdlab at batch 2048 (SGD): {result['gflops_2048']:.1f} GFLOP/s = "
                     f"{100 * result['fraction_of_peak_2048']:.0f}% of the GEMM peak measured next to each repeat "
                     f"({peaks} GFLOP/s; median of the pairwise fractions; {FLOP_PER_SAMPLE:,} FLOP per sample).")
    if "memory" in result:
        m = result["memory"]
        lines.append(f"Memory of a fit at batch 2048 (Adam): traced peak {m['traced_peak'] / 2**20:.1f} MiB against "
                     f"a floor of {m['floor_total'] / 2**20:.1f} MiB (parameters + gradients + Adam state + one "
                     f"batch's activations) = {m['traced_over_floor']:.2f}× (tracemalloc, NumPy's buffers); the "
                     f"process's peak resident set ({m['rss_peak'] / 2**20:.0f} MiB, interpreter and libraries "
                     f"included) grew by {m['rss_growth_during_fit'] / 2**20:.1f} MiB during the measured fit.")
    e = result["environment"]
    lines.append(f"Python {e['python']}, NumPy {e['numpy']}, numba {e['numba']}, PyTorch {e['torch']} "
                 f"({e['torch_threads']} threads), scikit-learn {e['sklearn']}, {e['cores']} cores; BLAS: "
                 + "; ".join(f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} "
                             f"{b.get('num_threads')} threads" for b in e["blas"]) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="a tenth of the samples, 3 repeats (a smoke test)")
    p.add_argument("--batches", type=lambda s: tuple(int(b) for b in s.split(",")), default=BATCHES)
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    repeats, scale = (3, 0.1) if args.quick else (args.repeats, 1.0)
    echo = lambda line: print(line, flush=True)
    env = environment()
    echo(json.dumps(env))
    result = {"environment": env, "gemm": gemm_peak()}
    echo(f"float32 GEMM peak {result['gemm']['peak']:.1f} GFLOP/s")
    result["runs"] = measure(args.batches, ("sgd", "adam"), repeats, scale, echo)
    big = [r for r in result["runs"] if r["batch"] == 2048 and r["optimizer"] == "sgd"]
    if big:
        result["gflops_2048"] = big[0]["gdlab"]["median"] * FLOP_PER_SAMPLE / 1e9
        result["fraction_of_peak_2048"] = big[0]["fraction_of_peak"]
        result["gemm"]["peaks_next_to_2048"] = big[0]["gemm_peaks"]
    result["memory"] = memory()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(result, indent=1) + "\n")
    table = markdown(result)
    (args.out / "latest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
