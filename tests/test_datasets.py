import gzip
import struct
import time
import tracemalloc

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


@pytest.mark.parametrize("name", ["iris", "wine"])  # stored class by class in scikit-learn
def test_a_validation_split_tail_of_a_bundled_set_holds_every_class(name):
    """fit(validation_split=0.2) validates on the last 20 % of the training part: the split gives the
    training samples in a seeded random order, so that tail is a sample of every class, not the last one."""
    from gdlab.inputs import validation_split_point

    (_, y_train), _ = datasets.load(name)
    tail = y_train[validation_split_point(len(y_train), 0.2):]
    assert set(tail.tolist()) == set(y_train.tolist())
    assert np.any(np.diff(y_train) < 0), "the training labels are not sorted"
    train, test = datasets.stratified_split(y_train, 0.25, seed=3)
    assert sorted(train.tolist() + test.tolist()) == list(range(len(y_train)))  # a partition
    assert np.all(np.diff(test) > 0)  # the test part stays in order


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


# -- CSV: header, encoding, field size, features and target ----------------------------------------------
def test_csv_duplicate_column_check_is_linear(tmp_path):
    n = 40_000  # the quadratic check took 30 s here
    p = tmp_path / "wide.csv"
    p.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join(["1"] * n) + "\n")
    start = time.perf_counter()
    header, data = datasets.read_csv(p)
    assert time.perf_counter() - start < 3.0
    assert len(header) == n and data.shape == (1, n)
    names = [f"c{i % 7}" for i in range(n)] + [""]
    p.write_text(",".join(names) + "\n" + ",".join(["1"] * (n + 1)) + "\n")
    with pytest.raises(ValueError, match=r"line 1: column names must be unique and non-empty; 'c0' appears 5715 "
                                         r"times; 'c1' appears 5715 times; .*'c4' appears 5714 times; and 3 more$"):
        datasets.read_csv(p)
    p.write_text("a,,b,\n1,2,3,4\n")
    with pytest.raises(ValueError, match=r"line 1: .*; column 2 has no name; column 4 has no name$"):
        datasets.read_csv(p)


def test_csv_reads_utf8_sig_so_an_excel_bom_is_not_part_of_a_name(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes(b"\xef\xbb\xbfprice,area\r\n3.5,1.0\r\n6.0,2.0\r\n")
    x, y = datasets.from_csv(p, target="price")
    np.testing.assert_array_equal(x, [[1.0], [2.0]])
    np.testing.assert_array_equal(y, [3.5, 6.0])
    assert datasets.read_csv(p)[0] == ["price", "area"]


@pytest.mark.parametrize("data,where", [
    (b"a,b\n1,2\n3,\xe94\n", r"line 3: byte e9 \(offset 10\) is not UTF-8"),
    (b"\xef\xbb\xbfa,b\r\n1,\xff\r\n", r"line 2: byte ff \(offset 10\) is not UTF-8 \(invalid start byte\)"),
    (b"a,b\r1,2\r\xc3\r", r"line 3: byte c3 \(offset 8\) is not UTF-8"),
    (b"pr\xe9x,b\n1,2\n", r"line 1: byte e9 \(offset 2\) is not UTF-8"),
], ids=["latin1", "bom_crlf", "cr_only", "header"])
def test_csv_non_utf8_bytes_name_the_file_and_line(tmp_path, data, where):
    p = tmp_path / "latin.csv"
    p.write_bytes(data)
    with pytest.raises(ValueError, match=rf"latin\.csv, {where}.*; save the file as UTF-8$"):
        datasets.read_csv(p)


@pytest.mark.parametrize("row", [
    "1," + "9" * 131_073,
    '1,"' + "x" * 131_073 + '"',
], ids=["unquoted", "quoted"])
def test_csv_field_over_131072_characters_names_the_file_and_line(tmp_path, row):
    p = write(tmp_path, f"a,b\n1,2\n{row}\n", name="huge.csv")
    with pytest.raises(ValueError, match=r"huge\.csv, line 3: not readable as CSV \(field larger than field limit "
                                         r"\(131072\)\)$"):
        datasets.read_csv(p)


@pytest.mark.parametrize("features,exc,match", [
    ("ab", TypeError, r"features='ab' is a string; it must be a list of column names, e\.g\. \['ab'\]"),
    (5, TypeError, r"features=5 must be a list of column names \(strings\)"),
    (["a", 1], TypeError, r"features=\['a', 1\] must be a list of column names"),
    ([], ValueError, r"features=\[\] selects no column"),
    (["a", "b", "a"], ValueError, r"features=\['a', 'b', 'a'\] lists 'a' more than once"),
])
def test_csv_features_must_be_a_list_of_names(tmp_path, features, exc, match):
    p = write(tmp_path, "a,b,price\n1,2,3\n")
    with pytest.raises(exc, match=match):
        datasets.from_csv(p, target="price", features=features)
    x, _ = datasets.from_csv(p, target="price", features=("b", "a"))
    np.testing.assert_array_equal(x, [[2.0, 1.0]])


def test_csv_target_listed_among_the_features_is_refused(tmp_path):
    p = write(tmp_path, "a,b,price\n1,2,3\n")
    with pytest.raises(ValueError, match=r"target='price' is also in features=\['a', 'price'\]; the target cannot "
                                         r"be an input"):
        datasets.from_csv(p, target="price", features=["a", "price"])
    with pytest.raises(TypeError, match=r"target=3 must be a column name"):
        datasets.from_csv(p, target=3)


# -- IDX: damaged gzip, exact sizes, sizes the file cannot hold, labels ------------------------------------
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@pytest.mark.parametrize("damage,kind", [
    (lambda good: GZIP_HEADER + b"\x07" + b"\x00" * 8, "error: Error -3 while decompressing data: invalid block type"),
    (lambda good: good[:len(good) // 2], "EOFError: Compressed file ended before the end-of-stream marker"),
    (lambda good: good[:-8] + bytes([good[-8] ^ 1]) + good[-7:], "BadGzipFile: CRC check failed"),
], ids=["zlib_error", "truncated", "bad_crc"])
def test_idx_damaged_gzip_names_the_file(tmp_path, damage, kind):
    good = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8).reshape(20, 10)), mtime=0)
    p = tmp_path / "train-images.gz"
    p.write_bytes(damage(good))
    with pytest.raises(ValueError, match=rf"train-images\.gz: damaged gzip file \({kind}"):
        datasets.read_idx(p)


@pytest.mark.parametrize("dims,nbytes", [
    ((65536,) * 4, "18,446,744,073,709,551,616"),           # 2**64: int64 wraps to 0
    ((4294967295, 4294967295, 2), "36,893,488,130,239,234,050"),  # wraps to a negative number
])
def test_idx_size_is_computed_without_int64_wrap(tmp_path, dims, nbytes):
    p = tmp_path / "wrap"
    p.write_bytes(bytes([0, 0, 0x08, len(dims)]) + struct.pack(f">{len(dims)}I", *dims))
    with pytest.raises(ValueError, match=rf"promises {nbytes} bytes of data .* more than the limit of 4,294,967,296"):
        datasets.read_idx(p)


@pytest.mark.parametrize("compress,body,match", [
    (False, 10, r"raw: the header says \(1000,\) \(1,000 bytes of data\) but the file holds 10 bytes"),
    (True, 10, r"gz: the header says \(1000,\) \(1,000 bytes of data\) but the file holds 10 bytes"),
    (True, 1001, r"gz: the header says \(1000,\) \(1,000 bytes of data\) but the file holds more"),
])
def test_idx_size_inconsistent_with_the_file_is_refused(tmp_path, compress, body, match):
    data = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1000) + bytes(body)
    p = tmp_path / ("gz" if compress else "raw")
    p.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    with pytest.raises(ValueError, match=match):
        datasets.read_idx(p)


def test_idx_gzip_declaring_a_huge_size_is_refused_unread_and_data_is_not_copied(tmp_path):
    bomb = tmp_path / "bomb.gz"  # 1.5 GB promised, 40 bytes of gzip
    bomb.write_bytes(gzip.compress(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1_500_000_000) + b"\x00" * 10, mtime=0))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"bomb\.gz: the header promises 1,500,000,000 bytes of data "
                                             r"\(\(1500000000,\)\), but a gzip file of \d+ bytes inflates to at most"):
            datasets.read_idx(bomb)
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
        images = np.random.default_rng(0).integers(0, 256, (8, 1000, 1000), dtype=np.uint8)  # 8 MB
        p = tmp_path / "images.gz"
        p.write_bytes(gzip.compress(idx_bytes(images), compresslevel=1, mtime=0))
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        loaded = datasets.read_idx(p)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(loaded, images)
    assert images.nbytes <= peak < 1.2 * images.nbytes  # streamed into the result: no second copy


@pytest.mark.parametrize("labels,match", [
    (np.array([0, 2.5, 1], dtype=">f4"), r"lab: label 1 is 2\.5; class labels must be whole numbers 0, 1, 2, … "
                                         r"\(1 labels are not\)"),
    (np.array([0, 1, np.nan], dtype=">f8"), r"lab: label 2 is nan; class labels must be whole numbers"),
    (np.array([np.inf, 0.5, 1], dtype=">f8"), r"label 0 is inf; .* \(2 labels are not\)"),
])
def test_idx_fractional_float_labels_are_refused(tmp_path, labels, match):
    (tmp_path / "img").write_bytes(idx_bytes(np.zeros((3, 2, 2), np.uint8)))
    (tmp_path / "lab").write_bytes(idx_bytes(labels, 0x0D if labels.dtype.itemsize == 4 else 0x0E))
    with pytest.raises(ValueError, match=match):
        datasets.load_idx(tmp_path / "img", tmp_path / "lab")
    (tmp_path / "lab").write_bytes(idx_bytes(np.array([0, 2, 1], dtype=">f4"), 0x0D))
    np.testing.assert_array_equal(datasets.load_idx(tmp_path / "img", tmp_path / "lab")[1], [0, 2, 1])


IDX_RUN = """
seed = 0
[data]
idx_train_images = "tr-img"
idx_train_labels = "tr-lab"
idx_test_images = "te-img"
idx_test_labels = "te-lab"
[model]
layers = [ {{ type = "Dense", units = 3, activation = "softmax" }} ]
[compile]
loss = "sparse_categorical_crossentropy"
[optimizer]
name = "sgd"
[fit]
epochs = 1
[output]
dir = "{out}"
"""


def test_gdlab_train_refuses_fractional_float_idx_labels(tmp_path, capsys):
    from gdlab.cli import main

    images = idx_bytes(np.arange(24, dtype=np.uint8).reshape(6, 4))
    for prefix, labels in (("tr", [0, 1, 2.5, 2, 1, 0]), ("te", [0, 1, 2, 2, 1, 0])):
        (tmp_path / f"{prefix}-img").write_bytes(images)
        (tmp_path / f"{prefix}-lab").write_bytes(idx_bytes(np.array(labels, dtype=">f4"), 0x0D))
    (tmp_path / "run.toml").write_text(IDX_RUN.format(out=tmp_path / "out"))
    assert main(["train", str(tmp_path / "run.toml")]) != 0
    assert "tr-lab: label 2 is 2.5; class labels must be whole numbers" in capsys.readouterr().err
    assert not (tmp_path / "out" / "model.safetensors").exists()
