import numpy as np
import pytest

import gdlab
from gdlab import Sequential
from gdlab.layers import Activation, Dense, Dropout, Flatten

rng = np.random.default_rng(0)
X = rng.normal(size=(8, 4))
LABELS = rng.integers(0, 3, 8)
ONE_HOT = np.eye(3)[LABELS]
REG = rng.normal(size=(8, 2))
BIN = rng.integers(0, 2, (8, 1))

MODELS = [
    ("2 layers, tanh → softmax (fused CE)", [Dense(6, activation="tanh"), Dense(3, activation="softmax")],
     "sparse_categorical_crossentropy", LABELS),
    ("2 layers, sigmoid → softmax, one-hot CE", [Dense(5, activation="sigmoid"), Dense(3, activation="softmax")],
     "categorical_crossentropy", ONE_HOT),
    ("3 layers, elu → gelu → linear, MSE", [Dense(6, activation="elu"), Dense(5, activation="gelu"), Dense(2)],
     "mse", REG),
    ("3 layers, leaky_relu → tanh → linear, Huber", [Dense(6, activation="leaky_relu"),
     Dense(4, activation="tanh"), Dense(2)], "huber", REG),
    ("2 layers, softplus → linear, MAE", [Dense(5, activation="softplus"), Dense(2)], "mae", REG),
    ("2 layers, relu → sigmoid, BCE (fused)", [Dense(6, activation="relu"), Dense(1, activation="sigmoid")],
     "binary_crossentropy", BIN),
    ("sigmoid outputs, categorical CE on rows that do not sum to 1", [Dense(6, activation="tanh"),
     Dense(3, activation="sigmoid")], "categorical_crossentropy", ONE_HOT),
    ("logits + from_logits CE", [Dense(6, activation="tanh"), Dense(3)],
     gdlab.losses.SparseCategoricalCrossentropy(from_logits=True), LABELS),
    ("separate Activation(softmax) layer", [Dense(6, activation="tanh"), Dense(3), Activation("softmax")],
     "sparse_categorical_crossentropy", LABELS),
    ("dropout (inactive in the check) + no bias", [Dense(6, activation="tanh", use_bias=False), Dropout(0.5),
     Dense(3, activation="softmax")], "sparse_categorical_crossentropy", LABELS),
]


@pytest.mark.parametrize("name,layers,loss,y", MODELS, ids=[m[0] for m in MODELS])
def test_whole_model_gradients(name, layers, loss, y):
    model = Sequential(layers, dtype="float64", seed=1)
    model.compile("sgd", loss)
    model.build(X.shape[1:])
    result = gdlab.gradcheck(model, X, y)
    assert result.passed, result
    assert result.max_relative_error < 1e-6
    assert result.checked == model.count_params()


def test_float32_model_is_checked_in_float64():
    model = Sequential([Dense(5, activation="tanh"), Dense(3, activation="softmax")], seed=2)
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = gdlab.gradcheck(model, X, LABELS)
    assert result.passed and model.dtype == np.float32


def test_images_through_flatten():
    x = rng.normal(size=(4, 2, 3))
    model = Sequential([Flatten(), Dense(3, activation="softmax")], dtype="float64", seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert gdlab.gradcheck(model, x, LABELS[:4]).passed


def test_gradcheck_catches_a_wrong_gradient_and_names_it(monkeypatch):
    model = Sequential([Dense(4, activation="tanh", name="hidden"), Dense(3, activation="softmax", name="out")],
                       dtype="float64", seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    real_backward = Dense.backward_from_preactivation  # the path of both backward and the fused loss

    def buggy(self, dz):
        dx = real_backward(self, dz)
        if self.name == "out":
            self.grads["bias"] *= 1.01  # a 1% error in one place
        return dx

    monkeypatch.setattr(Dense, "backward_from_preactivation", buggy)
    result = gdlab.gradcheck(model, X, LABELS)
    assert not result.passed
    assert result.worst_parameter.startswith("out/bias[")
    assert result.max_relative_error == pytest.approx(0.01 / 1.01, rel=1e-3)


def test_subset_and_requirements():
    model = Sequential([Dense(4), Dense(3, activation="softmax")], dtype="float64", seed=0)
    with pytest.raises(RuntimeError, match="compiled"):
        gdlab.gradcheck(model, X, LABELS)
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = gdlab.gradcheck(model, X, LABELS, max_params=10)
    assert result.checked == 10 and result.passed
