"""Data sets, all offline: the tutorial's house prices, the real sets scikit-learn ships,
CSV files and MNIST-format IDX files.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` like
``keras.datasets``, except ``house_prices`` (one set: the tutorial fits it whole).
"""

from __future__ import annotations

import codecs
import gzip
import math
import struct
import zlib
from collections import Counter
from pathlib import Path

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
    """Indices (train, test): a seeded split that keeps each class's share when ``stratify``.

    The training indices come in the split's seeded random order, not sorted: scikit-learn's bundled sets
    are stored class by class (iris, wine), so sorted indices would make the tail that ``fit``'s
    ``validation_split`` holds out all one class. The test indices are sorted."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size!r} must be in (0, 1)")
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=test_size, random_state=seed,
                                   stratify=y if stratify else None)
    return train, np.sort(test)


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


# -- CSV ------------------------------------------------------------------------------------------
def read_csv(path, delimiter: str = ","):
    """(header, rows as a float array) of a numeric CSV file with a header line.

    The file is UTF-8; a leading byte-order mark (as Excel writes) is dropped.
    Errors name the file, the line number (the header is line 1) and the column.
    """
    import csv
    import io

    _check_delimiter(delimiter)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such CSV file: {path}")
    reader = csv.reader(io.StringIO(_utf8_text(path), newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ValueError(f"{path}: the file is empty; it needs a header line naming the columns")
        header = [h.strip() for h in header]
        _check_column_names(path, header)
        rows = _numeric_rows(path, reader, header)
    except csv.Error as err:
        raise ValueError(f"{path}, line {reader.line_num}: not readable as CSV ({err})") from None
    if not rows:
        raise ValueError(f"{path}: no data rows after the header")
    return header, np.array(rows, dtype=np.float64)


def _check_delimiter(delimiter) -> None:
    """One character that is not a quote or a line break (what the csv module can split on)."""
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\"\r\n":
        shown = repr(delimiter) if not isinstance(delimiter, str) or len(delimiter) < 20 else \
            f"{delimiter[:20]!r}… ({len(delimiter):,} characters)"
        raise ValueError(f"delimiter={shown} must be one character other than a quote or a line break, "
                         "e.g. \",\", \";\" or \"\\t\"")


def _utf8_text(path: Path) -> str:
    """The file decoded as UTF-8 without its BOM; a byte that is not UTF-8 is named with its line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        at = err.start + (3 if raw.startswith(codecs.BOM_UTF8) else 0)  # utf-8-sig counts after the BOM
        before = raw[:at]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise ValueError(f"{path}, line {line}: byte {raw[at:at + 1].hex()} (offset {at:,}) is not UTF-8 "
                         f"({err.reason}); save the file as UTF-8") from None


def _check_column_names(path, header) -> None:
    """Column names are unique and non-empty (one pass: linear in the number of columns)."""
    counts = Counter(header)
    problems = [f"{name!r} appears {n} times" for name, n in counts.items() if n > 1 and name]
    problems += [f"column {i} has no name" for i, name in enumerate(header, 1) if not name]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ValueError(f"{path}, line 1: column names must be unique and non-empty; {shown}")


def _numeric_rows(path, reader, header) -> list[list[float]]:
    rows = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue  # blank lines are allowed
        if len(row) != len(header):
            raise ValueError(f"{path}, line {line}: {len(row)} fields, but the header has {len(header)} "
                             f"({', '.join(header)})")
        values = []
        for name, cell in zip(header, row):
            cell = cell.strip()
            if not cell:
                raise ValueError(f"{path}, line {line}, column {name!r}: the value is missing")
            try:
                v = float(cell)
            except ValueError:
                raise ValueError(f"{path}, line {line}, column {name!r}: {cell!r} is not a number") from None
            if not np.isfinite(v):
                raise ValueError(f"{path}, line {line}, column {name!r}: {cell!r} is not a finite number")
            values.append(v)
        rows.append(values)
    return rows


def from_csv(path, target: str, features=None, delimiter: str = ","):
    """(x, y) from a CSV file: ``target`` names the label column, ``features`` the inputs (default: the rest).

    ``features`` is a list of column names (a string is refused: ``"ab"`` is not ``["a", "b"]``);
    the target cannot be one of them.
    """
    if not isinstance(target, str):
        raise TypeError(f"target={target!r} must be a column name (a string)")
    if features is not None:
        _check_feature_names(path, target, features)
    _check_delimiter(delimiter)
    header, data = read_csv(path, delimiter)
    position = {name: i for i, name in enumerate(header)}  # a dict: linear in the number of columns
    if target not in position:
        raise ValueError(f"{path}: target={target!r} is not a column; columns: {_names(header)}")
    features = [h for h in header if h != target] if features is None else list(features)
    missing = [f for f in features if f not in position]
    if missing or not features:
        raise ValueError(f"{path}: features {_names(missing or features)} not usable; columns: {_names(header)}")
    x = data[:, [position[f] for f in features]]
    y = data[:, position[target]]
    return x, y


def _names(names, limit: int = 20) -> str:
    shown = ", ".join(map(str, names[:limit]))
    return shown if len(names) <= limit else f"{shown}, … ({len(names):,} in all)"


def _check_feature_names(path, target, features) -> None:
    if isinstance(features, str):
        raise TypeError(f"features={features!r} is a string; it must be a list of column names, "
                        f"e.g. [{features!r}]")
    if not isinstance(features, (list, tuple)) or not all(isinstance(f, str) for f in features):
        raise TypeError(f"features={features!r} must be a list of column names (strings)")
    if not features:
        raise ValueError(f"{path}: features=[] selects no column; name at least one, or leave features out "
                         f"to use every column but the target")
    twice = sorted(name for name, n in Counter(features).items() if n > 1)
    if twice:
        raise ValueError(f"{path}: features={list(features)} lists {', '.join(map(repr, twice))} more than once; "
                         f"name each column once")
    if target in features:
        raise ValueError(f"{path}: target={target!r} is also in features={list(features)}; the target cannot "
                         f"be an input: leave it out of features")


# -- IDX (MNIST / Fashion-MNIST) --------------------------------------------------------------------------
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
             0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
IDX_MAX_BYTES = 4 << 30
GZIP_MAX_RATIO = 1032  # deflate's ceiling: one 258-byte match per 2 bits
IDX_CHUNK = 1 << 20


def read_idx(path, max_bytes: int = IDX_MAX_BYTES) -> np.ndarray:
    """One IDX file (raw or gzip): magic 0x00 0x00 type ndim, ndim big-endian uint32 sizes, then the data.

    The data holds Π sizes × itemsize bytes, multiplied exactly (Python ints, no int64 wrap).
    That length must fit ``max_bytes`` and what the file can hold (its size, or 1032× it
    gzip-compressed) before anything is read; the data then streams into the result
    array, so a file holding less than its header promises costs only what it holds.
    """
    dtype, dims, expected, (data, extra) = _open_idx(path, max_bytes, read_data=True)
    if len(data) != expected or extra:
        raise _idx_size_error(path, dims, expected, len(data) + len(extra))
    array = data.view(dtype).reshape(dims)
    if not dtype.isnative:
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def _open_idx(path, max_bytes: int, read_data: bool):
    """(dtype, dims, the data's length, (data, one byte past it) or None): the header is read and its
    promised length checked before any data is (a gzip file inflates only its first bytes without it)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such IDX file: {path}")
    with open(path, "rb") as raw:
        compressed, file_size = raw.read(2) == b"\x1f\x8b", path.stat().st_size
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as f:
            dtype, dims = _idx_header(path, f)
            expected = _check_idx_size(path, dtype, dims, compressed, file_size, max_bytes)
            return dtype, dims, expected, _read_into(f, expected) if read_data else None
    except (OSError, EOFError, zlib.error) as err:
        kind = "damaged gzip file" if compressed else "unreadable file"
        raise ValueError(f"{path}: {kind} ({type(err).__name__}: {err}); expected an IDX file, raw or "
                         "gzip-compressed") from None


def _check_idx_size(path, dtype, dims, compressed, file_size, max_bytes) -> int:
    """The data's length in bytes, after checking it against the limit and what the file can hold."""
    expected = math.prod(dims) * dtype.itemsize
    header_size = 4 + 4 * len(dims)
    if expected > max_bytes:
        raise ValueError(f"{path}: the header promises {expected:,} bytes of data ({dims}), more than the "
                         f"limit of {max_bytes:,}")
    if compressed and header_size + expected > GZIP_MAX_RATIO * file_size:
        raise ValueError(f"{path}: the header promises {expected:,} bytes of data ({dims}), but a gzip file "
                         f"of {file_size:,} bytes inflates to at most {GZIP_MAX_RATIO * file_size:,}")
    if not compressed and file_size - header_size != expected:
        raise _idx_size_error(path, dims, expected, file_size - header_size)
    return expected


def read_idx_header(path, max_bytes: int = IDX_MAX_BYTES) -> tuple[np.dtype, tuple]:
    """(dtype, dims) of an IDX file from its header alone (a gzip file inflates only its first bytes),
    its promised length checked as ``read_idx`` checks it."""
    dtype, dims, _, _ = _open_idx(path, max_bytes, read_data=False)
    return dtype, dims


def available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import os

    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _idx_header(path, f):
    """(dtype, dims) from the magic number and the sizes."""
    magic = f.read(4)
    if len(magic) < 4 or magic[:2] != b"\x00\x00" or magic[2] not in IDX_TYPES or magic[3] == 0:
        raise ValueError(f"{path}: not an IDX file (magic number {magic.hex() or 'missing'}; expected "
                         f"00 00, a type byte in {{{', '.join(f'{k:#04x}' for k in IDX_TYPES)}}} "
                         f"and a dimension count >= 1)")
    dtype, ndim = np.dtype(IDX_TYPES[magic[2]]), magic[3]
    dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise ValueError(f"{path}: the header promises {ndim} dimensions but the file ends early")
    return dtype, struct.unpack(f">{ndim}I", dims_raw)


def _read_into(f, n: int):
    """(the next n bytes as a uint8 array, filled chunk by chunk; one byte read past them, b"" at the end)."""
    out = np.empty(n, dtype=np.uint8)
    view = memoryview(out)
    got = 0
    while got < n:
        k = f.readinto(view[got:got + IDX_CHUNK])
        if not k:
            return out[:got], b""
        got += k
    return out, f.read(1)


def _idx_size_error(path, dims, expected, held) -> ValueError:
    return ValueError(f"{path}: the header says {dims} ({expected:,} bytes of data) but the file holds "
                     f"{'more' if held > expected else f'{held:,} bytes'}")


def load_idx(images_path, labels_path):
    """(images, labels) from an MNIST-format pair of IDX files; their sample counts must agree.

    Labels are class numbers: float labels must be whole (2.0 is class 2; 2.5 is refused).
    """
    # both headers first: a mismatch (or a gzip bomb) is refused before anything is inflated
    image_type, image_dims = read_idx_header(images_path)
    _, label_dims = read_idx_header(labels_path)
    if len(label_dims) != 1:
        raise ValueError(f"{labels_path}: labels must be 1-D; the header says shape {label_dims}")
    if image_dims[0] != label_dims[0]:
        raise ValueError(f"{images_path} holds {image_dims[0]:,} images but {labels_path} holds "
                         f"{label_dims[0]:,} labels")
    if image_dims[0] == 0:
        raise ValueError(f"{images_path} and {labels_path} hold 0 samples; a data set needs at least one")
    needed = math.prod(image_dims) * image_type.itemsize * 2  # the array and its float copy for training
    available = available_memory()
    if needed > available:
        raise ValueError(f"{images_path}: {image_dims} images need about {needed:,} bytes of memory; "
                         f"{available:,} are available")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype.kind == "f":
        bad = ~np.isfinite(images.reshape(len(images), -1)).all(axis=1)
        if bad.any():
            raise ValueError(f"{images_path}: image {int(np.argmax(bad))} holds NaN or infinity "
                             f"({int(bad.sum()):,} images do); pixel values must be finite numbers")
    if labels.dtype.kind == "f":
        bad = ~np.isfinite(labels) | (labels != np.round(labels))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"{labels_path}: label {i} is {labels[i]}; class labels must be whole numbers "
                             f"0, 1, 2, … ({int(bad.sum()):,} labels are not)")
    return images, labels
