"""Inputs are checked at the door: after casting to the model's dtype, with non-empty features, y required."""

import re

import numpy as np
import pytest

from gdlab import Sequential
from gdlab.inputs import as_features
from gdlab.layers import Dense


def regressor(dtype):
    model = Sequential([Dense(1)], dtype=dtype)
    model.compile("sgd", "mse")
    model.build((2,))
    return model


X = np.ones((4, 2))
Y = np.ones((4, 1))
BIG_X = np.array([[1.0, 2.0], [3.0, 1e39], [0.0, 0.0], [1.0, 1.0]])  # finite in float64, inf in float32

CAST_CASES = [  # call, message
    (lambda m: m.predict(BIG_X), r"x contains 1e\+39 at index \(1, 1\), which overflows float32 "
                                 r"\(largest finite value 3\.402823e\+38\); all values must be finite as float32"),
    (lambda m: m.fit(BIG_X, Y, verbose=0), r"x contains 1e\+39 at index \(1, 1\), which overflows float32"),
    (lambda m: m.evaluate(BIG_X, Y), r"x contains 1e\+39 at index \(1, 1\)"),
    (lambda m: m.fit(X, np.array([1.0, 2.0, -1e39, 0.0]), verbose=0),
     r"y contains -1e\+39 at index \(2,\), which overflows float32"),
    (lambda m: m.fit(X, Y, validation_data=(BIG_X, Y), verbose=0),
     r"validation_data\[0\] contains 1e\+39 at index \(1, 1\)"),
    (lambda m: m.predict(np.array([1.0, np.inf])[:, None].repeat(2, 1)),
     r"x contains inf at index \(1, 0\); all values must be finite as float32"),
]


@pytest.mark.parametrize("call,match", CAST_CASES,
                         ids=["predict", "fit_x", "evaluate_x", "fit_y", "validation_x", "inf_stays_inf"])
def test_x_finite_check_happens_after_casting_to_the_model_dtype(call, match):
    model = regressor("float32")
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        call(model)
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)


def test_x_that_is_finite_in_the_model_dtype_passes():
    out = as_features(BIG_X, np.float64)
    assert out.dtype == np.float64 and out[1, 1] == 1e39
    np.testing.assert_array_equal(as_features(np.array([3.0e38]), np.float32), np.float32([[3.0e38]]))


@pytest.mark.parametrize("shape", [(5, 0), (5, 0, 3), (5, 3, 0)])
def test_x_with_zero_features_is_refused(shape):
    with pytest.raises(ValueError, match=re.escape(f"x has shape {shape}: its samples have no features; "
                                                   f"need at least one feature per sample")):
        as_features(np.zeros(shape), np.float32)
    model = Sequential([Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="its samples have no features"):
        model.fit(np.zeros(shape), np.zeros((5, 1)), verbose=0)
    assert not model.built


@pytest.mark.parametrize("call,argname", [
    (lambda m: m.fit(X, None, verbose=0), "y"),
    (lambda m: m.evaluate(X, None), "y"),
    (lambda m: m.fit(X, Y, validation_data=(X, None), verbose=0), r"validation_data\[1\]"),
], ids=["fit", "evaluate", "validation_data"])
def test_fit_and_evaluate_with_y_none_name_y(call, argname):
    with pytest.raises(TypeError, match=rf"^{argname} is None; fit and evaluate need targets: one label or row of "
                                        r"1 value\(s\) per sample of x \(4 samples\)$"):
        call(regressor("float64"))
