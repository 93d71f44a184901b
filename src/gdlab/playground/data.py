"""The playground's 2-D data sets and input features, as TensorFlow Playground draws them.

Every point lies in the square [−6, 6]²; ``noise`` ∈ [0, 0.5] is the slider's value / 100.
Classification labels are 0/1 (the sigmoid output's targets), regression targets lie in [−1, 1].

- circle:      inner disc r ≤ 2.5 → 1, ring 3.5 ≤ r ≤ 5 → 0; the label is read after the noise
               x += U(−5, 5)·noise moves the point: 1 when |x| < 2.5
- xor:         x, y ~ U(−5, 5) pushed 0.3 away from the axes; 1 when x·y ≥ 0 (read after the noise)
- gauss:       two blobs at (2, 2) → 1 and (−2, −2) → 0, variance 0.5 + 3.5·(noise/0.5)
- spiral:      two interleaved spirals r = 5·i/n, t = 1.75·2π·i/n (+ π), jittered by U(−1, 1)·noise
- plane:       x, y ~ U(−6, 6); target (x + y)/10, read at the point moved by U(−6, 6)·noise
- multigauss:  six signed bumps ±max(0, 1 − d/2) at (±4 or 0, ±2.5), the strongest one wins; read at
               the moved point as for the plane

Features (each on or off): x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂.
"""

from __future__ import annotations

import math

import numpy as np

RADIUS = 6.0  # the input square is [−RADIUS, RADIUS]²
N_POINTS = 500
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION

#: name → (label, function of the columns x₁, x₂)
FEATURES = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1sq": ("x₁²", lambda x1, x2: x1 * x1),
    "x2sq": ("x₂²", lambda x1, x2: x2 * x2),
    "x1x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sinx1": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sinx2": ("sin x₂", lambda x1, x2: np.sin(x2)),
}

_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def problem_of(dataset: str) -> str:
    return "classification" if dataset in CLASSIFICATION else "regression"


def generate(dataset: str, noise: float, seed: int, n: int = N_POINTS):
    """(points (n, 2), labels (n,)) in float64, drawn from ``np.random.default_rng(seed)``."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset={dataset!r}; valid: {', '.join(DATASETS)}")
    rng = np.random.default_rng(seed)
    return _GENERATORS[dataset](rng, float(noise), n)


def _circle(rng, noise, n):
    half = n // 2
    r = np.concatenate([rng.uniform(0, 2.5, half), rng.uniform(3.5, 5.0, n - half)])
    angle = rng.uniform(0, 2 * math.pi, n)
    p = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    moved = p + rng.uniform(-5, 5, (n, 2)) * noise
    return p, (np.hypot(moved[:, 0], moved[:, 1]) < 2.5).astype(np.float64)


def _xor(rng, noise, n):
    p = rng.uniform(-5, 5, (n, 2))
    p += np.where(p > 0, 0.3, -0.3)
    moved = p + rng.uniform(-5, 5, (n, 2)) * noise
    return p, (moved[:, 0] * moved[:, 1] >= 0).astype(np.float64)


def _gauss(rng, noise, n):
    std = math.sqrt(0.5 + 3.5 * noise / 0.5)
    half = n // 2
    labels = np.concatenate([np.ones(half), np.zeros(n - half)])
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    return centres + std * rng.standard_normal((n, 2)), labels


def _spiral(rng, noise, n):
    half = n // 2
    parts, labels = [], []
    for label, delta, count in ((1.0, 0.0, half), (0.0, math.pi, n - half)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * math.pi + delta
        p = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, (count, 2)) * noise
        parts.append(p)
        labels.append(np.full(count, label))
    return np.concatenate(parts), np.concatenate(labels)


def _plane(rng, noise, n):
    p = rng.uniform(-RADIUS, RADIUS, (n, 2))
    moved = p + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    return p, np.clip((moved[:, 0] + moved[:, 1]) / 10, -1, 1)


def _bumps(x1, x2):
    """The strongest of six signed bumps ±max(0, 1 − d/2)."""
    best = np.zeros_like(x1)
    for cx, cy, sign in _BUMPS:
        value = sign * np.clip(1 - np.hypot(x1 - cx, x2 - cy) / 2, 0, 1)
        best = np.where(np.abs(value) > np.abs(best), value, best)
    return best


def _multigauss(rng, noise, n):
    p = rng.uniform(-RADIUS, RADIUS, (n, 2))
    moved = p + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    return p, _bumps(moved[:, 0], moved[:, 1])


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "plane": _plane,
               "multigauss": _multigauss}


def features(points, names) -> np.ndarray:
    """The network's input columns for ``points`` (n, 2): one column per feature name, float64."""
    unknown = [f for f in names if f not in FEATURES]
    if unknown or not names:
        raise ValueError(f"features={list(names)!r}; choose one or more of {', '.join(FEATURES)}")
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([FEATURES[f][1](x1, x2) for f in names], axis=1).astype(np.float64)


def grid(size: int) -> np.ndarray:
    """size × size points covering [−6, 6]², row by row from the top (x₂ = +6) down."""
    axis = np.linspace(-RADIUS, RADIUS, size)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)
