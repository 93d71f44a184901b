"""The last loader holes: CSV delimiters, wide CSVs, IDX files with no samples, non-finite pixels, and a
gzip bomb refused from the headers before anything is inflated."""

import gzip
import struct
import time

import numpy as np
import pytest

from gdlab import datasets


def write_idx(path, array, type_byte, compress=False, dims=None):
    dims = array.shape if dims is None else dims
    data = bytes([0, 0, type_byte, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + array.tobytes()
    path.write_bytes(gzip.compress(data, 1) if compress else data)
    return path


@pytest.mark.parametrize("delimiter", ["", ",,", None, 5, '"', "\n", "x" * 10_000])
def test_a_bad_delimiter_is_a_gdlab_error_naming_it(tmp_path, delimiter):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    for call in (lambda: datasets.read_csv(path, delimiter), lambda: datasets.from_csv(path, "b", delimiter=delimiter)):
        with pytest.raises(ValueError, match=r"delimiter=.* must be one character") as err:
            call()
        assert len(str(err.value)) < 300


def test_space_and_tab_delimiters_still_read(tmp_path):
    for sep in (" ", "\t", ";"):
        path = tmp_path / "d.csv"
        path.write_text(f"a{sep}b\n1{sep}2\n", encoding="utf-8")
        x, y = datasets.from_csv(path, "b", delimiter=sep)
        assert x.tolist() == [[1.0]] and y.tolist() == [2.0]


def test_from_csv_is_linear_in_the_number_of_columns(tmp_path):
    n = 20_000
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join(["1"] * n) + "\n", encoding="utf-8")
    start = time.perf_counter()
    x, y = datasets.from_csv(path, "c0")
    assert time.perf_counter() - start < 3  # the old list.index per column took ~4 s here
    assert x.shape == (1, n - 1)
    with pytest.raises(ValueError, match=r"features nope not usable; columns: c0, c1, .*\(20,000 in all\)"):
        datasets.from_csv(path, "c0", ["nope"])


def test_an_idx_pair_with_no_samples_is_refused(tmp_path):
    images = write_idx(tmp_path / "i", np.zeros((0, 2, 2), np.uint8), 0x08)
    labels = write_idx(tmp_path / "l", np.zeros(0, np.uint8), 0x08)
    with pytest.raises(ValueError, match="hold 0 samples"):
        datasets.load_idx(images, labels)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_float_images_with_nan_or_inf_are_refused(tmp_path, bad):
    pixels = np.zeros((3, 2, 2), ">f4")
    pixels[1, 0, 1] = bad
    images = write_idx(tmp_path / "i", pixels, 0x0D)
    labels = write_idx(tmp_path / "l", np.arange(3, dtype=np.uint8), 0x08)
    with pytest.raises(ValueError, match=r"image 1 holds NaN or infinity \(1 images do\)"):
        datasets.load_idx(images, labels)


def test_a_gzip_bomb_is_refused_from_the_headers_before_inflating(tmp_path, monkeypatch):
    images = write_idx(tmp_path / "bomb.gz", np.zeros((20_000, 28, 28), np.uint8), 0x08, compress=True)
    labels = write_idx(tmp_path / "l", np.zeros(10, np.uint8), 0x08)
    inflated = []
    monkeypatch.setattr(datasets, "_read_into", lambda f, n: inflated.append(n))
    with pytest.raises(ValueError, match=r"holds 20,000 images but .* holds 10 labels"):
        datasets.load_idx(images, labels)
    assert inflated == []
    monkeypatch.setattr(datasets, "available_memory", lambda: 1_000_000)
    write_idx(labels, np.zeros(20_000, np.uint8), 0x08)
    with pytest.raises(ValueError, match=r"need about 31,360,000 bytes of memory; 1,000,000 are available"):
        datasets.load_idx(images, labels)
    assert inflated == []


# -- numeric fields of model and checkpoint files have valid ranges ---------------------------------------
def _saved_model(tmp_path):
    import gdlab
    from gdlab import Sequential, schedules
    from gdlab.layers import Dense, Normalization
    from gdlab.optimizers import SGD

    x = np.arange(12.0).reshape(6, 2)
    model = Sequential([Normalization.adapt(x), Dense(1)], dtype="float64", seed=0)
    model.compile(SGD(schedules.ExponentialDecay(0.1, 10, 0.5)), "mse")
    model.fit(x, x[:, :1], epochs=1, batch_size=3, verbose=0)
    path = tmp_path / "m.safetensors"
    model.save(path)
    return gdlab, path


def _set_everywhere(value, key, new):
    if isinstance(value, dict):
        return {k: (new if k == key else _set_everywhere(v, key, new)) for k, v in value.items()}
    if isinstance(value, list):
        return [_set_everywhere(v, key, new) for v in value]
    return value


@pytest.mark.parametrize("key, new, match", [
    ("variance", [1e-300, 1.0], r"Normalization variance\[0\] = 1e-300 is outside the valid range"),
    ("mean", [1e308, 0.0], r"Normalization mean\[0\] = 1e\+308 is outside the valid range"),
    ("decay_rate", 1e300, r"decay_rate=1e\+300 must be in \[0, 1\]"),
])
def test_impossible_numbers_in_a_model_file_are_refused_naming_file_and_field(tmp_path, key, new, match):
    import json

    from safetensors import safe_open
    from safetensors.numpy import save_file

    from gdlab.checkpoint import CheckpointError, digest

    gdlab, path = _saved_model(tmp_path)
    assert gdlab.load_model(path) is not None
    with safe_open(str(path), framework="np") as f:
        meta, tensors = dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}
    changed = dict(meta)
    for k, v in meta.items():
        try:
            changed[k] = json.dumps(_set_everywhere(json.loads(v), key, new))
        except ValueError:  # not a JSON entry (the format tag, the digest)
            pass
    assert changed != meta
    changed["sha256"] = digest(tensors)
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad), metadata=changed)
    with pytest.raises(CheckpointError, match=match) as err:
        gdlab.load_model(bad)
    assert str(bad) in str(err.value)
