import numpy as np
import pytest

from gdlab import layers
from gdlab.layers import Activation, Dense, Dropout, Flatten, Normalization
from helpers import TOL, layer_gradcheck, standalone

X = np.random.default_rng(3).normal(size=(5, 4))


@pytest.mark.parametrize("make", [
    lambda: Dense(3),
    lambda: Dense(3, use_bias=False),
    lambda: Dense(3, activation="tanh"),
    lambda: Dense(3, activation="sigmoid"),
    lambda: Dense(3, activation="relu", bias_initializer="ones"),
    lambda: Dense(3, activation="leaky_relu"),
    lambda: Dense(3, activation="elu"),
    lambda: Dense(3, activation="gelu"),
    lambda: Dense(3, activation="softplus"),
    lambda: Dense(3, activation="softmax"),
    lambda: Activation("softmax"),
    lambda: Activation("tanh"),
    lambda: Activation("gelu"),
    lambda: Activation("relu"),
    lambda: Activation("linear"),
    lambda: Flatten(),
    lambda: Normalization(mean=[0.5, -1.0, 0.0, 2.0], variance=[2.0, 0.5, 1.0, 0.0]),
], ids=lambda f: repr(f())[:60])
def test_layer_backward_matches_finite_differences(make):
    layer = make()
    layer.name = "l"
    assert layer_gradcheck(layer, X) < TOL


@pytest.mark.parametrize("activation", ["softmax", "sigmoid", "gelu", "relu"])
def test_backward_from_preactivation_skips_only_the_activation(activation):
    """Dense(f).backward_from_preactivation(dz) is a linear Dense's backward(dz), f's vjp left out."""
    with_f, linear = Dense(3, activation=activation, name="f"), Dense(3, name="lin")
    p_f, p_lin = standalone(with_f, (4,)), standalone(linear, (4,))
    p_lin.theta[...] = p_f.theta
    with_f.forward(X), linear.forward(X)
    dz = np.random.default_rng(5).normal(size=(X.shape[0], 3))
    np.testing.assert_array_equal(with_f.backward_from_preactivation(dz.copy()), linear.backward(dz.copy()))
    np.testing.assert_array_equal(p_f.grad, p_lin.grad)
    act = with_f.activation
    np.testing.assert_array_equal(with_f.backward(dz.copy()),
                                  with_f.backward_from_preactivation(act.vjp(with_f.z, with_f.a, dz.copy())))


@pytest.mark.parametrize("activation", ["relu", "softmax", "gelu", "linear"])
def test_activation_layer_leaves_its_input_untouched(activation):
    """The input is the previous layer's output, which that layer keeps for its own backward."""
    layer = Activation(activation)
    x = X.copy()
    a = layer.forward(x)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(a, layer.activation(X))


def test_dropout_backward_matches_finite_differences_with_its_mask():
    layer = Dropout(0.4, seed=7)
    reset = lambda: setattr(layer, "rng", np.random.default_rng(7))  # same mask for every evaluation
    assert layer_gradcheck(layer, X, training=True, reset=reset) < TOL


def test_flatten_gradcheck_on_images():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    assert layer_gradcheck(Flatten(), x) < TOL


def test_dropout_is_inverted_and_only_in_training():
    x = np.ones((2000, 50))
    layer = Dropout(0.25, seed=1)
    standalone(layer, (50,))
    y = layer.forward(x, training=True)
    kept = y != 0
    assert np.allclose(y[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01
    assert abs(y.mean() - 1.0) < 0.02  # expectation preserved
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_dense_forward_values_by_hand():
    layer = Dense(2, activation="relu", name="d")
    standalone(layer, (3,))
    layer.set_weights([np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]]), np.array([0.5, -0.5])])
    out = layer.forward(np.array([[1.0, 1.0, 1.0]]))
    np.testing.assert_array_equal(out, [[3.5, 0.0]])  # z = [3 + .5, 0 − .5]


def test_weights_are_views_of_the_flat_buffer():
    layer = Dense(2, name="d")
    params = standalone(layer, (3,))
    params.theta[:] = np.arange(8.0)
    np.testing.assert_array_equal(layer.weights["kernel"], np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(layer.weights["bias"], [6.0, 7.0])
    layer.set_weights([np.zeros((3, 2)), np.ones(2)])
    np.testing.assert_array_equal(params.theta, [0, 0, 0, 0, 0, 0, 1, 1])
    w = layer.get_weights()
    w[0][...] = 5  # a copy: the model is untouched
    assert params.theta[0] == 0


@pytest.mark.parametrize("make,match", [
    (lambda: Dense(0), r"units=0 must be a positive int"),
    (lambda: Dense(2.5), r"units=2.5"),
    (lambda: Dropout(1.0), r"rate=1.0 must be in \[0, 1\)"),
    (lambda: Dropout(-0.1), r"rate=-0.1"),
    (lambda: Dense(3, activation="nope"), r"unknown activation 'nope'"),
    (lambda: Dense(3, kernel_initializer="nope"), r"unknown initializer 'nope'"),
    (lambda: Dense(3, input_shape=(0,)), r"input_shape=\(0,\)"),
    (lambda: Dense(3, name="a/b"), r"name='a/b'"),
])
def test_bad_layer_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_set_weights_errors_name_shapes():
    layer = Dense(2, name="d")
    standalone(layer, (3,))
    with pytest.raises(ValueError, match=r"'kernel' has shape \(3, 2\); got shape \(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="has 2 weight arrays"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match="NaN or inf"):
        layer.set_weights([np.full((3, 2), np.nan), np.zeros(2)])


def test_dense_on_images_asks_for_flatten():
    with pytest.raises(ValueError, match="Flatten"):
        Dense(2).build((28, 28))


def test_layer_registry():
    assert isinstance(layers.get("Dense", units=3), Dense)
    with pytest.raises(ValueError, match="known layers: .*Dense"):
        layers.get("Conv7D")


def test_normalization_adapt_and_errors():
    x = np.array([[1.0, 10.0], [3.0, 10.0]])
    norm = Normalization.adapt(x)
    standalone(norm, (2,))
    np.testing.assert_array_equal(norm.forward(x), [[-1.0, 0.0], [1.0, 0.0]])  # σ = 0 → 1
    with pytest.raises(ValueError, match="does not fit inputs of shape"):
        Normalization(mean=[0.0, 0.0, 0.0]).build((2,))
    with pytest.raises(ValueError, match="variance must be >= 0"):
        Normalization(variance=-1.0)
