#!/usr/bin/env bash
# The device check of gdlab's CuPy backend (issue 14), in at most 8 minutes on one H200:
#   the GPU tests (tests/test_backends.py: CuPy against NumPy and the fused kernels against the references),
#   then benchmarks/gpu_check.py (gradcheck on the GPU in float64, float32 trajectories of every optimizer
#   against NumPy, step times against PyTorch CUDA); results in benchmarks/results/gpu_check.{json,md}
#   and gpu_tests.txt, and copied to $OUT when the device tool sets it.
# It uses a Python that already has cupy and torch (the H200 image's /opt/torch/.venv has both, with numpy,
# scipy, numba, pytest, safetensors, scikit-learn and tqdm). What the image lacks travels as wheels in .whl/
# (untracked, so the device tool carries them; both are small, pure Python), installed without an index:
#   pip download array-api-compat array-api-strict --no-deps -d .whl      # on the machine that has PyPI
# gdlab itself runs from src/ (no install needed).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in /opt/torch/.venv/bin/python3 python3; do
    if "$candidate" -c "import cupy, torch" 2>/dev/null; then PY="$candidate"; break; fi
  done
fi
if [ -z "$PY" ]; then
  echo "gpu_check: no Python here imports both cupy and torch; set PYTHON=/path/to/python" >&2
  exit 2
fi
if compgen -G ".whl/*.whl" > /dev/null; then
  "$PY" -m pip install --quiet --no-index --no-deps .whl/*.whl
fi
if ! "$PY" -c "import array_api_compat" 2>/dev/null; then
  echo "gpu_check: $PY lacks array-api-compat; put its wheel in .whl/ (see the top of this script)" >&2
  exit 2
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
RESULTS=benchmarks/results
mkdir -p "$RESULTS"
"$PY" -c "import cupy, numpy, torch; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'torch', torch.__version__)"

status=0
timeout 150 "$PY" -m pytest tests/test_backends.py -q -p no:cacheprovider -rs 2>&1 | tee "$RESULTS/gpu_tests.txt" \
  || status=1
timeout 300 "$PY" benchmarks/gpu_check.py --backend cupy --out "$RESULTS" || status=1
if [ -n "${OUT:-}" ]; then
  for f in gpu_tests.txt gpu_check.json gpu_check.md; do
    if [ -f "$RESULTS/$f" ]; then cp "$RESULTS/$f" "$OUT/"; fi
  done
fi
exit $status
