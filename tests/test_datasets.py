import gzip
import struct

import numpy as np
import pytest

from gdlab import datasets

SETS = [  # name, features, classes (None: regression), total samples
    ("digits", 64, 10, 1797), ("iris", 4, 3, 150), ("wine", 13, 3, 178),
    ("breast_cancer", 30, 2, 569), ("diabetes", 10, None, 442),
]


@pytest.mark.parametrize("name,features,classes,total", SETS)
def test_builtin_sets_shapes_dtypes_classes_and_split(name, features, classes, total):
    (xtr, ytr), (xte, yte) = datasets.load(name, test_size=0.2, seed=0)
    assert xtr.shape[1] == xte.shape[1] == features
    assert len(xtr) + len(xte) == total and len(xte) == int(np.ceil(0.2 * total))
    assert xtr.dtype == np.float64
    if classes is None:
        assert ytr.dtype == np.float64
    else:
        assert ytr.dtype == np.int64 and set(np.unique(ytr)) == set(range(classes))
        # stratified: each class's share in the test part within one sample of its share overall
        all_y = np.concatenate([ytr, yte])
        for c in range(classes):
            assert abs((yte == c).sum() - (all_y == c).mean() * len(yte)) <= 1
    # standardisation fitted on the training part only
    np.testing.assert_allclose(xtr.mean(axis=0), 0, atol=1e-12)
    assert not np.allclose(xte.mean(axis=0), 0, atol=1e-3)


def test_split_is_seeded():
    a = datasets.load("iris", seed=1)[1][0]
    b = datasets.load("iris", seed=1)[1][0]
    c = datasets.load("iris", seed=2)[1][0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_digits_default_scaling():
    (xtr, _), _ = datasets.load_digits()
    assert xtr.min() == 0 and xtr.max() == 1


def test_house_prices():
    x, y = datasets.house_prices(n=30, noise=0.0, true_w=2.0, seed=0)
    assert x.shape == y.shape == (30, 1)
    np.testing.assert_allclose(y, 2.0 * x)
    assert 0.5 <= x.min() and x.max() <= 2.5
    x2, y2, names = datasets.house_prices_multi(n=20, nonlinear=True)
    assert x2.shape == (20, 4) and y2.shape == (20, 1) and names == ["area", "rooms", "distance", "age"]


@pytest.mark.parametrize("kwargs,match", [
    (dict(n=0), "n=0"), (dict(noise=-1.0), "noise=-1.0"), (dict(true_w=float("inf")), "true_w"),
])
def test_house_prices_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.house_prices(**kwargs)


def test_unknown_set():
    with pytest.raises(ValueError, match="built-in: digits, iris"):
        datasets.load("mnist")


# -- CSV ----------------------------------------------------------------------------------------------
def write(tmp_path, text, name="data.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_from_csv(tmp_path):
    p = write(tmp_path, "area,rooms,price\n1.0,2,3.5\n\n2.0,3,6.0\n")
    x, y = datasets.from_csv(p, target="price")
    np.testing.assert_array_equal(x, [[1.0, 2.0], [2.0, 3.0]])
    np.testing.assert_array_equal(y, [3.5, 6.0])
    x, _ = datasets.from_csv(p, target="price", features=["rooms"])
    assert x.shape == (2, 1)


@pytest.mark.parametrize("text,match", [
    ("a,b,price\n1,2,3\n4,5\n", r"line 3: 2 fields, but the header has 3"),
    ("a,b,price\n1,,3\n", r"line 2, column 'b': the value is missing"),
    ("a,b,price\n1,2,3\n1,x,3\n", r"line 3, column 'b': 'x' is not a number"),
    ("a,b,price\n1,nan,3\n", r"line 2, column 'b': 'nan' is not a finite number"),
    ("", "empty"),
    ("a,b,price\n", "no data rows"),
    ("a,a,price\n1,2,3\n", "unique"),
])
def test_csv_errors_name_the_line_and_column(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        datasets.from_csv(write(tmp_path, text), target="price")


def test_csv_target_and_feature_errors(tmp_path):
    p = write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(ValueError, match="target='price' is not a column; columns: a, b"):
        datasets.from_csv(p, target="price")
    with pytest.raises(ValueError, match="features"):
        datasets.from_csv(p, target="b", features=["zzz"])
    with pytest.raises(FileNotFoundError):
        datasets.from_csv(tmp_path / "nope.csv", target="b")


# -- IDX ------------------------------------------------------------------------------------------------
def idx_bytes(array, type_byte=0x08):
    return bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_load_idx_raw_and_gzip(tmp_path, compress):
    images = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    labels = np.array([0, 9, 3, 3, 1], dtype=np.uint8)
    opener = gzip.open if compress else open
    with opener(tmp_path / "img", "wb") as f:
        f.write(idx_bytes(images))
    with opener(tmp_path / "lab", "wb") as f:
        f.write(idx_bytes(labels))
    x, y = datasets.load_idx(tmp_path / "img", tmp_path / "lab")
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_idx_big_endian_floats(tmp_path):
    a = np.array([[1.5, -2.0]], dtype=">f4")
    (tmp_path / "f").write_bytes(idx_bytes(a, 0x0D))
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "f"), [[1.5, -2.0]])


@pytest.mark.parametrize("data,match", [
    (b"\x00\x00\x08", "not an IDX file"),
    (b"\x08\x03\x00\x00" + b"\x00" * 20, r"not an IDX file \(magic number 08030000"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"ab", "not an IDX file"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "promises 3 dimensions but the file ends early"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"abc", r"header says \(5,\) \(5 bytes of data\) but the file holds 3 bytes"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 2) + b"abc", "holds more"),
    (b"\x00\x00\x08\x02" + struct.pack(">II", 100000, 100000), "more than the limit"),
])
def test_bad_idx_files(tmp_path, data, match):
    (tmp_path / "bad").write_bytes(data)
    with pytest.raises(ValueError, match=match):
        datasets.read_idx(tmp_path / "bad", max_bytes=1 << 30)


def test_idx_pair_must_agree(tmp_path):
    (tmp_path / "img").write_bytes(idx_bytes(np.zeros((3, 2, 2), np.uint8)))
    (tmp_path / "lab").write_bytes(idx_bytes(np.zeros(4, np.uint8)))
    (tmp_path / "lab2").write_bytes(idx_bytes(np.zeros((3, 1), np.uint8)))
    with pytest.raises(ValueError, match="holds 3 images but .* holds 4 labels"):
        datasets.load_idx(tmp_path / "img", tmp_path / "lab")
    with pytest.raises(ValueError, match="labels must be 1-D"):
        datasets.load_idx(tmp_path / "img", tmp_path / "lab2")
