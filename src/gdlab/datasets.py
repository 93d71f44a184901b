"""Data sets, all offline: the tutorial's house prices, the real sets scikit-learn ships,
CSV files and MNIST-format IDX files.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` like
``keras.datasets``, except ``house_prices`` (one set: the tutorial fits it whole).
"""

from __future__ import annotations

import numpy as np

SKLEARN_SETS = {
    # name: (loader name, task)
    "digits": ("load_digits", "classification"),
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}


def house_prices(n: int = 50, noise: float = 0.1, true_w: float = 3.0, seed: int = 0):
    """The tutorial's houses: area x (in 100 m²) and price y = w·x + noise (in 100k).

    x ~ U(0.5, 2.5); y = true_w·x + noise·true_w·ε, ε ~ N(0, 1). Returns (x, y), each (n, 1).
    The least-squares slope is w* = Σxy / Σx² and the MSE loss is the parabola
    L(w) = mean((w·x − y)²) with curvature λ = 2·mean(x²).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r} must be an int >= 1")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise={noise!r} must be a finite number >= 0")
    if not np.isfinite(true_w):
        raise ValueError(f"true_w={true_w!r} must be finite")
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.5, size=(n, 1))
    y = true_w * x + noise * abs(true_w) * rng.standard_normal((n, 1))
    return x, y


def house_prices_multi(n: int = 500, noise: float = 0.1, seed: int = 0, nonlinear: bool = False):
    """Several features — area, rooms, distance to centre, age — and a known price function.

    Linear truth:     price = 3·area + 0.5·rooms − 0.8·distance − 0.2·age
    Nonlinear truth:  price = 3·area·(1 + 0.3·rooms) · e^(−0.5·distance) − 0.2·age²
    Returns x (n, 4), y (n, 1) and the feature names.
    """
    rng = np.random.default_rng(seed)
    area = rng.uniform(0.5, 2.5, n)
    rooms = rng.integers(1, 6, n).astype(float)
    distance = rng.uniform(0.0, 3.0, n)
    age = rng.uniform(0.0, 1.0, n)
    if nonlinear:
        price = 3 * area * (1 + 0.3 * rooms) * np.exp(-0.5 * distance) - 0.2 * age**2
    else:
        price = 3 * area + 0.5 * rooms - 0.8 * distance - 0.2 * age
    price = price + noise * price.std() * rng.standard_normal(n)
    x = np.stack([area, rooms, distance, age], axis=1)
    return x, price[:, None], ["area", "rooms", "distance", "age"]


def stratified_split(y, test_size: float, seed: int = 0, stratify: bool = True):
    """Indices (train, test): a seeded split that keeps each class's share when ``stratify``."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size!r} must be in (0, 1)")
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=test_size, random_state=seed,
                                   stratify=y if stratify else None)
    return np.sort(train), np.sort(test)


def standardize(x_train, x_test):
    """z = (x − μ)/σ with μ, σ fitted on the training part only (σ = 0 → 1)."""
    mu = x_train.mean(axis=0)
    sigma = x_train.std(axis=0)
    sigma[sigma == 0] = 1.0
    return (x_train - mu) / sigma, (x_test - mu) / sigma


def load(name: str, test_size: float = 0.2, seed: int = 0, standardize_x: bool = True, scale=None):
    """One of scikit-learn's bundled sets: ``(x_train, y_train), (x_test, y_test)``.

    Classification sets are split stratified; labels are integers 0..K−1.
    ``standardize_x`` fits the scaling on the training part only. ``scale``
    divides x by a constant instead (e.g. 16 for digits' 0..16 pixels).
    """
    if name not in SKLEARN_SETS:
        raise ValueError(f"unknown data set {name!r}; built-in: {', '.join(SKLEARN_SETS)}")
    import sklearn.datasets

    loader, task = SKLEARN_SETS[name]
    bunch = getattr(sklearn.datasets, loader)()
    x, y = bunch.data.astype(np.float64), bunch.target
    y = y.astype(np.int64) if task == "classification" else y.astype(np.float64)
    train, test = stratified_split(y, test_size, seed, stratify=task == "classification")
    x_train, x_test = x[train], x[test]
    if scale is not None:
        x_train, x_test = x_train / scale, x_test / scale
    elif standardize_x:
        x_train, x_test = standardize(x_train, x_test)
    return (x_train, y[train]), (x_test, y[test])


def load_digits(test_size=0.2, seed=0, standardize_x=False):
    """8×8 handwritten digits, 1797 samples, 10 classes; pixels scaled to [0, 1] by default."""
    return load("digits", test_size, seed, standardize_x, scale=None if standardize_x else 16.0)


def load_iris(test_size=0.2, seed=0, standardize_x=True):
    return load("iris", test_size, seed, standardize_x)


def load_wine(test_size=0.2, seed=0, standardize_x=True):
    return load("wine", test_size, seed, standardize_x)


def load_breast_cancer(test_size=0.2, seed=0, standardize_x=True):
    return load("breast_cancer", test_size, seed, standardize_x)


def load_diabetes(test_size=0.2, seed=0, standardize_x=True):
    return load("diabetes", test_size, seed, standardize_x)
