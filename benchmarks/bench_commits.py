"""gdlab against one of its own earlier commits: the same fit, side by side, in one run.

    python benchmarks/bench_commits.py --base REV [--repeats 7] [--batches 1,8,32,128,2048] [--optimizers sgd,adam]

A refactor must not make training slower. This runs ``bench_mlp.py``'s gdlab contestant — ``model.fit`` on
the 784-256-128-10 network, float32, with fit's defaults (the compiled epoch below batch 512 where numba is
installed) — from two source trees: the working tree and a temporary ``git worktree`` of ``--base``. Each
measurement is a fresh process that imports one tree (``PYTHONPATH``), trains once untimed (numba's compile or
cache load, the BLAS warm-up) and then times ``SAMPLES[batch]`` samples. The two trees alternate (base, head,
head, base, …: each goes first in every other pair) ``--repeats`` times per row, so a change in the machine's load hits both; each row's ratio
head/base is the median of the per-pair ratios of samples per second (> 1: head is faster). Results go to
``benchmarks/results/commits.json`` and ``commits.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: one process: build the benchmark's model from ``bench_mlp.make_gdlab``, train once untimed, then time
CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import bench_mlp
train = bench_mlp.make_gdlab({batch}, {opt!r})
train(bench_mlp.SAMPLES[{batch}])
t0 = time.perf_counter()
done = train(bench_mlp.SAMPLES[{batch}])
print(done / (time.perf_counter() - t0))
"""


def rate(tree: Path, batch: int, opt: str) -> float:
    """Samples per second of one timed ``fit`` in a fresh process importing gdlab from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    code = CHILD.format(bench=str(HERE), batch=batch, opt=opt)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=600)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the commit to compare the working tree with")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--batches", default="1,8,32,128,2048")
    ap.add_argument("--optimizers", default="sgd,adam")
    args = ap.parse_args(argv)
    rev = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory(prefix="gdlab-base-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), rev], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            for opt in args.optimizers.split(","):
                for batch in (int(b) for b in args.batches.split(",")):
                    pairs = []
                    for k in range(args.repeats):  # ABBA: each tree goes first in every other pair
                        if k % 2:
                            head_rate = rate(ROOT, batch, opt)
                            pairs.append((rate(base, batch, opt), head_rate))
                        else:
                            pairs.append((rate(base, batch, opt), rate(ROOT, batch, opt)))
                    ratio = statistics.median(h / b for b, h in pairs)
                    rows.append({"optimizer": opt, "batch": batch, "ratio": ratio,
                                 "base": statistics.median(b for b, _ in pairs),
                                 "head": statistics.median(h for _, h in pairs), "pairs": pairs})
                    print(f"{opt:5s} batch {batch:5d}: head/base {ratio:.3f}  ({rows[-1]['head']:,.0f} vs "
                          f"{rows[-1]['base']:,.0f} samples/s, median of {args.repeats} pairs)", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    result = {"base": rev, "head": head, "dirty": bool(subprocess.run(["git", "status", "--porcelain", "src"],
              cwd=ROOT, capture_output=True, text=True).stdout.strip()), "rows": rows}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "commits.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [f"# gdlab {head}{' (+ uncommitted changes)' if result['dirty'] else ''} against {rev}", "",
             "| optimizer | batch | head/base | head samples/s | base samples/s |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['optimizer']} | {r['batch']} | {r['ratio']:.3f} | {r['head']:,.0f} | {r['base']:,.0f} |" for r in rows]
    (HERE / "results" / "commits.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
