"""gdlab vs JAX vs PyTorch (CPU) vs scikit-learn on one MLP, side by side, in one run.

    python benchmarks/bench_mlp.py [--repeats 5] [--quick] [--batches 1,8] [--optimizers sgd]

The network: 784-256-128-10, ReLU, softmax cross-entropy, float32, random data
(seed 0). Each contestant trains it for the same number of samples at batch
sizes 1, 8, 32, 128, 512 and 2048, with SGD (η = 0.01) and with Adam
(η = 0.001):

- gdlab: ``model.fit`` end to end — batching, per-epoch shuffling, history,
  no progress bar; the compiled epoch (``gdlab.compiled``) runs where it is in
  scope, as it is here;
- gdlab step loop: the same ``fit`` with ``execution="loop"``;
- JAX lax.scan: the whole epoch compiled — the permutation, the batch gather
  and ``lax.scan`` of a ``value_and_grad`` step over the batches in one jitted
  function (the best CPU training loop a JAX user writes); full batches only;
- JAX jit/step: one jitted step (gather inside) per batch from a Python loop;
- PyTorch: the plain loop — ``nn.Sequential``, ``F.cross_entropy``,
  ``torch.optim``, ``torch.set_num_threads(cores)``, ``zero_grad(set_to_none=True)``,
  a ``randperm`` per epoch;
- scikit-learn: ``MLPClassifier.partial_fit`` on each epoch's data with the same
  ``batch_size`` (one pass over it), ``alpha=0``, plain SGD (no momentum) or Adam.

Within each batch size and optimizer the contestants run interleaved
(A B C A B C …) after a warm-up run of the timed size (which takes every
compile — numba's, XLA's — out of the timings, and is reported as the first
call's extra cost), ``--repeats`` times, each run after a short pause that
lets the previous contestant's spinning worker threads go idle. Each rate is
the samples actually trained (JAX drops the partial batch) per second; the
table gives medians, and the ratios gdlab/other are computed repeat by repeat
and reported as their median. The run also measures the machine's float32
GEMM peak and gdlab's fraction of it at batch 2048, the peak memory of a fit
at batch 2048, and prints versions and the BLAS kernel. Contestants whose
library is not installed are left out (JAX and PyTorch come with the ``bench``
extra). Results go to ``benchmarks/results/latest.json`` and ``latest.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
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
def make_gdlab(batch, opt, **fit_options):
    """gdlab's ``fit`` with its defaults (``execution="auto"``): for this network the compiled epoch below batch
    512 (``gdlab.compiled.AUTOMATIC_BELOW``), else the step loop; ``execution="loop"``: always the step loop."""
    import gdlab
    from gdlab.layers import Dense
    from gdlab.optimizers import SGD, Adam

    x, y = data()
    model = gdlab.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                              Dense(10, activation="softmax")], seed=0)
    model.compile(SGD(LR["sgd"]) if opt == "sgd" else Adam(LR["adam"]), "sparse_categorical_crossentropy")

    def train(samples):
        n = min(N_DATA, samples)
        model.fit(x[:n], y[:n], epochs=samples // n, batch_size=batch, verbose=0, **fit_options)
        return samples // n * n  # partial_batch="keep": every sample of every epoch
    return train


def _jax_network(batch, opt):
    """Parameters, optimizer state and one jitted-able training step in JAX (the user's best loop:
    value_and_grad of a pure loss, the update written out as optax writes SGD and Adam)."""
    import jax
    import jax.numpy as jnp

    keys = jax.random.split(jax.random.PRNGKey(0), len(SIZES) - 1)
    params = []
    for key, n_in, n_out in zip(keys, SIZES[:-1], SIZES[1:]):  # Glorot uniform, zero bias, as gdlab's
        limit = np.sqrt(6 / (n_in + n_out))
        params.append((jax.random.uniform(key, (n_in, n_out), jnp.float32, -limit, limit),
                       jnp.zeros(n_out, jnp.float32)))
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (zeros, zeros, jnp.zeros((), jnp.int32)) if opt == "adam" else ()

    def loss_fn(params, xb, yb):
        a = xb
        for w, b in params[:-1]:
            a = jax.nn.relu(a @ w + b)
        w, b = params[-1]
        logp = jax.nn.log_softmax(a @ w + b)
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    def step(params, state, xb, yb):
        g = jax.grad(loss_fn)(params, xb, yb)
        if opt == "sgd":
            return jax.tree_util.tree_map(lambda p, g: p - LR["sgd"] * g, params, g), state
        m, v, t = state
        t = t + 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        params = jax.tree_util.tree_map(lambda p, m, v: p - LR["adam"] * (m / c1) / (jnp.sqrt(v / c2) + eps),
                                        params, m, v)
        return params, (m, v, t)
    return params, state, step


def make_jax_scan(batch, opt):
    """JAX, the whole epoch compiled: ``lax.scan`` of the step over the epoch's batches, the
    permutation and the batch gather inside the compiled function (full batches only)."""
    import jax

    x, y = (jax.device_put(a) for a in data())
    params, state, step = _jax_network(batch, opt)
    carry = [params, state, jax.random.PRNGKey(1)]

    def epoch(params, state, key, n):
        key, sub = jax.random.split(key)
        idx = jax.random.permutation(sub, n)[: n // batch * batch].reshape(n // batch, batch)

        def body(c, i):
            return step(*c, x[i], y[i]), None
        (params, state), _ = jax.lax.scan(body, (params, state), idx)
        return params, state, key
    epoch = jax.jit(epoch, static_argnums=3)

    def train(samples):
        n = min(N_DATA, samples)
        for _ in range(samples // n):
            carry[:] = epoch(*carry, n)
        jax.block_until_ready(carry[0])
        return samples // n * (n // batch * batch)
    return train


def make_jax_jit(batch, opt):
    """JAX, one jitted step per batch called from a Python loop (the gather inside the step)."""
    import jax

    x, y = (jax.device_put(a) for a in data())
    params, state, update = _jax_network(batch, opt)
    step = jax.jit(lambda p, s, i: update(p, s, x[i], y[i]))
    carry = [params, state]
    rng = np.random.default_rng(1)

    def train(samples):
        n = min(N_DATA, samples)
        for _ in range(samples // n):
            order = rng.permutation(n)
            for i in range(0, n // batch * batch, batch):
                carry[:] = step(*carry, order[i:i + batch])
        jax.block_until_ready(carry[0])
        return samples // n * (n // batch * batch)
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
        return samples // n * n
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
        return samples // n * n
    return train


def make_gdlab_numpy(batch, opt):
    return make_gdlab(batch, opt, execution="loop")


#: the contestants, in the order they run; the ratios are gdlab's over each other's
CONTESTANTS = {"gdlab": make_gdlab, "gdlab_numpy": make_gdlab_numpy, "jax_scan": make_jax_scan,
               "jax_jit": make_jax_jit, "pytorch": make_torch, "sklearn": make_sklearn}
LABELS = {"gdlab": "gdlab", "gdlab_numpy": "gdlab NumPy loop", "jax_scan": "JAX lax.scan", "jax_jit": "JAX jit/step",
          "pytorch": "PyTorch", "sklearn": "scikit-learn"}


def available(names):
    """The contestants whose library is installed (JAX and PyTorch are optional: the bench extra)."""
    needs = {"jax_scan": "jax", "jax_jit": "jax", "pytorch": "torch", "sklearn": "sklearn"}
    return [n for n in names if n not in needs or importlib.util.find_spec(needs[n]) is not None]


def measure(batches, opts, repeats, scale, echo, names):
    results = []
    for batch in batches:
        samples = max(batch, int(SAMPLES[batch] * scale) // batch * batch)
        for opt in opts:
            trainers = {name: CONTESTANTS[name](batch, opt) for name in names}
            first = {}
            for name, train in trainers.items():  # warm-up with the timed shapes: imports, JIT and XLA compiles
                t0 = time.perf_counter()
                train(samples)
                first[name] = time.perf_counter() - t0
            runs = {name: [] for name in trainers}
            peaks = []  # the machine's speed drifts: the GEMM peak is measured next to every repeat
            for _ in range(repeats):
                for name, train in trainers.items():  # interleaved: A B C A B C …
                    time.sleep(SETTLE)
                    t0 = time.perf_counter()
                    trained = train(samples)  # the samples actually trained (JAX drops partial batches)
                    runs[name].append(trained / (time.perf_counter() - t0))
                if batch == max(batches):
                    time.sleep(SETTLE)
                    peaks.append(gemm_peak(repeats=3)["peak"])
            row = {"batch": batch, "optimizer": opt, "samples": samples,
                   # what the first call costs beyond a timed one: compiling (numba, XLA) and first touches
                   "first_call_extra_s": {n: first[n] - samples / statistics.median(runs[n]) for n in names}}
            if peaks:
                fractions = [r * FLOP_PER_SAMPLE / 1e9 / p for r, p in zip(runs["gdlab"], peaks)]
                row["gemm_peaks"], row["fraction_of_peak"] = peaks, statistics.median(fractions)
            for name, values in runs.items():
                row[name] = {"median": statistics.median(values), "min": min(values), "max": max(values),
                             "all": values}
            for other in names[1:]:  # median of the paired (same-repeat) ratios
                row[f"gdlab/{other}"] = statistics.median(a / b for a, b in zip(runs["gdlab"], runs[other]))
            results.append(row)
            echo(f"batch {batch:5d} {opt:4s}  " + "  ".join(f"{n} {row[n]['median']:9,.0f}/s" for n in names)
                 + "  ratios " + " ".join(f"{row[f'gdlab/{n}']:.2f}×" for n in names[1:]))
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
    import threadpoolctl

    import gdlab

    def version(module):
        try:
            return importlib.import_module(module).__version__
        except ImportError:
            return None
    blas = [{k: v for k, v in info.items() if k in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpoolctl.threadpool_info()]
    env = {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count(),
           "gdlab": gdlab.__version__, "numpy": np.__version__, "scipy": version("scipy"), "numba": version("numba"),
           "jax": version("jax"), "torch": version("torch"), "sklearn": version("sklearn"),
           "blas": blas, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    if env["torch"]:
        env["torch_threads"] = importlib.import_module("torch").get_num_threads()
    return env


#: gdlab's targets: over PyTorch (SGD, Adam) and scikit-learn, from the first benchmark issue
TARGETS = {1: (4.0, 4.0, 2.0), 8: (2.0, 2.0, 2.0), 32: (2.0, 2.0, 2.0), 128: (1.15, 1.15, 2.0),
           512: (1.15, 1.15, 2.0), 2048: (1.15, 1.15, 2.0)}
#: over JAX lax.scan (the compiled-epoch issue) up to batch 32; above it, no regression against the NumPy loop
TARGET_JAX = {1: 1.5, 8: 1.0, 32: 1.0}
NO_REGRESSION = 0.95


def _targets(r) -> str:
    batch, opt = r["batch"], r["optimizer"]
    wanted = {"pytorch": TARGETS[batch][0 if opt == "sgd" else 1], "sklearn": TARGETS[batch][2]}
    if batch in TARGET_JAX:
        wanted["jax_scan"] = TARGET_JAX[batch]
    else:
        wanted["gdlab_numpy"] = NO_REGRESSION
    cells = [f"{'met' if r[f'gdlab/{n}'] >= t else 'missed'} ≥ {t}× {LABELS[n]}" for n, t in wanted.items()
             if f"gdlab/{n}" in r]
    return "; ".join(cells)


def markdown(result) -> str:
    runs = result["runs"]
    names = [n for n in CONTESTANTS if n in runs[0]]
    lines = ["| batch | opt. | " + " | ".join(f"{LABELS[n]} samples/s" for n in names) + " | "
             + " | ".join(f"gdlab / {LABELS[n]}" for n in names[1:]) + " | targets |",
             "| ---: | --- | " + "---: | " * (2 * len(names) - 1) + "--- |"]
    for r in runs:
        lines.append(f"| {r['batch']} | {r['optimizer']} | "
                     + " | ".join(f"{r[n]['median']:,.0f}" for n in names) + " | "
                     + " | ".join(f"{r[f'gdlab/{n}']:.2f}×" for n in names[1:]) + f" | {_targets(r)} |")
    first = runs[0]["first_call_extra_s"]
    lines += ["", f"First call beyond a timed one (batch {runs[0]['batch']}, {runs[0]['optimizer']}; compiling "
                  "included, kept out of the timings by the warm-up): "
                  + ", ".join(f"{LABELS[n]} {first[n]:.1f} s" for n in names) + "."]
    g = result["gemm"]
    lines += [f"float32 GEMM peak at the start: {g['peak']:.1f} GFLOP/s "
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
    lines.append(f"Python {e['python']}, NumPy {e['numpy']}, SciPy {e['scipy']}, numba {e['numba']}, JAX {e['jax']}, "
                 f"PyTorch {e['torch']} ({e.get('torch_threads')} threads), scikit-learn {e['sklearn']}, "
                 f"{e['cores']} cores; BLAS: "
                 + "; ".join(f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} "
                             f"{b.get('num_threads')} threads" for b in e["blas"]) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="a tenth of the samples, 3 repeats (a smoke test)")
    p.add_argument("--scale", type=float, default=1.0, help="a fraction of the samples per measurement")
    p.add_argument("--batches", type=lambda s: tuple(int(b) for b in s.split(",")), default=BATCHES)
    p.add_argument("--optimizers", type=lambda s: tuple(s.split(",")), default=("sgd", "adam"))
    p.add_argument("--contestants", type=lambda s: ["gdlab"] + [n for n in s.split(",") if n != "gdlab"],
                   default=list(CONTESTANTS), help=f"comma-separated, from {', '.join(CONTESTANTS)}")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    repeats, scale = (3, 0.1) if args.quick else (args.repeats, args.scale)
    echo = lambda line: print(line, flush=True)
    env = environment()
    echo(json.dumps(env))
    result = {"environment": env, "gemm": gemm_peak()}
    echo(f"float32 GEMM peak {result['gemm']['peak']:.1f} GFLOP/s")
    names = available(args.contestants)
    missing = sorted(set(args.contestants) - set(names))
    if missing:
        echo(f"not installed, left out: {', '.join(missing)} (pip install -e '.[bench]')")
    result["runs"] = measure(args.batches, args.optimizers, repeats, scale, echo, names)
    big = [r for r in result["runs"] if r["batch"] == 2048 and r["optimizer"] == "sgd"]
    if big:
        result["gflops_2048"] = big[0]["gdlab"]["median"] * FLOP_PER_SAMPLE / 1e9
        result["fraction_of_peak_2048"] = big[0]["fraction_of_peak"]
        result["gemm"]["peaks_next_to_2048"] = big[0]["gemm_peaks"]
    if not args.no_memory:
        result["memory"] = memory()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(result, indent=1) + "\n")
    table = markdown(result)
    (args.out / "latest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
