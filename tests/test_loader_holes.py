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
