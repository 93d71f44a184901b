import math

import numpy as np
import pytest

import gdlab
from gdlab import Sequential
from gdlab.callbacks import Callback, EarlyStopping
from gdlab.layers import Dense, Dropout, Input
from gdlab.optimizers import SGD


def data(n=10, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


def classifier(seed=0, dtype="float64", dropout=0.0):
    layers = [Dense(5, activation="tanh")]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(3, activation="softmax"))
    model = Sequential(layers, dtype=dtype, seed=seed)
    model.compile(SGD(learning_rate=0.1, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
    return model


class Recorder(Callback):
    """Records the batch indices each iteration used and θ before each iteration."""

    def __init__(self):
        self.thetas = []

    def on_train_batch_begin(self, iteration, logs=None):
        self.thetas.append(self.model.parameters.theta.copy())


@pytest.mark.parametrize("batch_size,mode,per_epoch", [
    (1, "keep", 10), (3, "keep", 4), (3, "drop", 3), (10, "keep", 1), ("full", "keep", 1),
    (None, "keep", 1), (4, "drop", 2),
])
def test_iterations_per_epoch_in_fit(batch_size, mode, per_epoch):
    x, y = data()
    h = classifier().fit(x, y, epochs=3, batch_size=batch_size, partial_batch=mode, verbose=0)
    assert h.iterations_per_epoch == [per_epoch] * 3
    assert len(h.iteration_loss) == 3 * per_epoch
    assert h.iteration_epoch == [e for e in range(3) for _ in range(per_epoch)]
    assert h.iteration_index == list(range(per_epoch)) * 3
    assert len(h.history["loss"]) == 3 and h.epoch == [0, 1, 2]


def test_carry_mode_total_iterations():
    x, y = data()
    h = classifier().fit(x, y, epochs=3, batch_size=3, partial_batch="carry", verbose=0)
    assert h.iterations_per_epoch == [3, 3, 4]  # 30 samples = 10 full batches, none skipped


def test_each_iteration_starts_from_the_previous_update():
    """θ before iteration k+1 equals θ after the update of iteration k, which we replay by hand."""
    x, y = data()
    model = classifier(seed=3)
    rec = Recorder()
    model.fit(x, y, epochs=2, batch_size=3, shuffle=False, callbacks=[rec], verbose=0)
    replay = classifier(seed=3)
    replay.build((3,))
    xp, yp = replay.prepare(x, y)
    theta = replay.parameters.theta
    np.testing.assert_array_equal(theta, rec.thetas[0])
    replay.optimizer.build(theta)
    batches = [slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 10)] * 2
    for k, s in enumerate(batches):
        np.testing.assert_array_equal(theta, rec.thetas[k])
        out = replay.forward(xp[s], training=True)
        replay.backward(yp[s], out)
        replay.optimizer.apply_gradients(theta, replay.parameters.grad)
    np.testing.assert_array_equal(theta, model.parameters.theta)


def test_iteration_loss_is_measured_before_each_update_and_epoch_loss_is_their_weighted_mean():
    x, y = data()
    model = classifier()
    h = model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    sizes = np.array([4, 4, 2])
    assert h.history["loss"][0] == pytest.approx(np.dot(h.iteration_loss, sizes) / 10, rel=1e-14)


def test_same_seed_is_bit_identical_and_different_seeds_differ():
    x, y = data(40)

    def run(seed, fit_seed=None):
        m = classifier(seed=seed, dtype="float32", dropout=0.3)
        h = m.fit(x, y, epochs=3, batch_size=7, seed=fit_seed, verbose=0)
        return m.parameters.theta.copy(), h.iteration_loss

    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    assert not np.array_equal(a[0], c[0])
    d, e = run(1, fit_seed=5), run(1, fit_seed=6)
    assert not np.array_equal(d[0], e[0])


def test_global_seed_makes_unseeded_models_reproducible():
    x, y = data(20)
    thetas = []
    for _ in range(2):
        gdlab.utils.set_random_seed(123)
        m = Sequential([Dense(4, activation="relu"), Dense(3, activation="softmax")])
        m.compile("sgd", "sparse_categorical_crossentropy")
        m.fit(x, y, epochs=2, batch_size=5, verbose=0)
        thetas.append(m.parameters.theta.copy())
    np.testing.assert_array_equal(*thetas)


def test_validation_split_takes_the_end_before_shuffling():
    x, y = data(10)
    model = classifier()
    h = model.fit(x, y, epochs=1, batch_size=2, validation_split=0.3, verbose=0)
    assert h.iterations_per_epoch == [4]  # 7 training samples
    expected = model.evaluate(x[7:], y[7:], return_dict=True)
    assert h.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-12)
    assert h.history["val_accuracy"][0] == expected["accuracy"]


def test_validation_data_and_metrics_in_logs():
    x, y = data(20)
    h = classifier().fit(x, y, epochs=2, batch_size=5, validation_data=(x[:5], y[:5]), verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert h.history["learning_rate"] == [0.1, 0.1]


def test_evaluate_matches_a_direct_computation_and_is_chunk_independent():
    x, y = data(50)
    model = classifier()
    model.fit(x, y, epochs=2, verbose=0)
    p = model.predict(x)
    loss = -np.mean(np.log(np.clip(p[np.arange(50), y], 1e-7, 1)))
    acc = np.mean(p.argmax(1) == y)
    assert model.evaluate(x, y) == pytest.approx([loss, acc], rel=1e-12)
    assert model.evaluate(x, y, batch_size=7) == pytest.approx([loss, acc], rel=1e-12)
    np.testing.assert_allclose(model.predict(x, batch_size=3), p, rtol=1e-14)


@pytest.mark.parametrize("metric,expected", [
    ("mae", lambda p, y: np.mean(np.abs(p - y))), ("mse", lambda p, y: np.mean((p - y) ** 2)),
])
def test_regression_metrics(metric, expected):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 2))
    y = x @ np.array([[1.0], [-2.0]])
    model = Sequential([Dense(1)], dtype="float64", seed=0)
    model.compile(SGD(0.05), "mse", [metric])
    logs = model.evaluate(x, y, return_dict=True)
    assert logs[metric] == pytest.approx(expected(model.predict(x), y), rel=1e-12)


def test_binary_accuracy_with_one_output():
    x = np.array([[1.0], [-1.0], [2.0], [-3.0]])
    y = np.array([1, 0, 1, 1])
    model = Sequential([Dense(1, activation="sigmoid", kernel_initializer="ones")], dtype="float64")
    model.compile("sgd", "binary_crossentropy", ["accuracy"])
    assert model.evaluate(x, y, return_dict=True)["accuracy"] == 0.75


def test_summary_and_layers():
    model = Sequential([Input((64,)), Dense(32, activation="relu"), Dense(10, activation="softmax")])
    text = model.summary(print_fn=None)
    assert "dense (Dense)" in text and "(None, 32)" in text and "2,080" in text
    assert "dense_1 (Dense)" in text and "330" in text and "Total params: 2,410" in text
    assert [l.name for l in model.layers] == ["dense", "dense_1"]
    assert model.count_params() == 2410


def test_model_get_set_weights_round_trip():
    model = classifier()
    model.build((3,))
    w = [np.full_like(a, i) for i, a in enumerate(model.get_weights())]
    model.set_weights(w)
    for a, b in zip(model.get_weights(), w):
        np.testing.assert_array_equal(a, b)
    assert model.parameters.theta[-1] == 3


def test_float64_and_float32_models():
    x, y = data()
    for dt in ("float32", "float64"):
        m = classifier(dtype=dt)
        m.fit(x, y, epochs=1, verbose=0)
        assert m.parameters.theta.dtype == dt and m.predict(x).dtype == dt


def test_early_stopping_stops():
    x, y = data(20)
    model = classifier()
    model.optimizer.learning_rate = 0.0  # nothing improves
    h = model.fit(x, y, epochs=50, batch_size=5, callbacks=[EarlyStopping("loss", patience=2, min_delta=1e-9)], verbose=0)
    assert len(h.epoch) == 3


def test_verbose_two_prints_one_line_per_epoch(capsys):
    x, y = data()
    classifier().fit(x, y, epochs=2, verbose=2)
    err = capsys.readouterr().err
    assert err.count("Epoch ") == 2 and "loss: " in err


# -- bad input: every case names the argument and what is valid ---------------------------------
BAD_FIT = [
    (dict(x=np.zeros((10, 4))), ValueError, r"x has shape \(10, 4\).*expects samples of shape \(3,\)"),
    (dict(y=np.zeros(9, int)), ValueError, r"x has 10, y has shape \(9,\)"),
    (dict(x=np.full((10, 3), np.nan)), ValueError, r"x contains nan at index \(0, 0\)"),
    (dict(y=np.array([0, 1, 2, 3, 0, 0, 0, 0, 0, 0])), ValueError, r"labels out of range.*0\.\.2"),
    (dict(x=np.zeros((0, 3)), y=np.zeros(0, int)), ValueError, "empty"),
    (dict(batch_size=0), ValueError, "batch_size=0"),
    (dict(batch_size=-1), ValueError, "batch_size=-1"),
    (dict(batch_size=1.5), TypeError, "batch_size=1.5"),
    (dict(batch_size="half"), TypeError, "batch_size='half'"),
    (dict(epochs=-1), ValueError, "epochs=-1"),
    (dict(validation_split=1.0), ValueError, r"validation_split=1.0 must be in \[0, 1\)"),
    (dict(validation_split=-0.1), ValueError, "validation_split=-0.1"),
    (dict(validation_split=0.95), ValueError, "leaves 0 for training and 10 for validation"),
    (dict(validation_data=(np.zeros((2, 3)),)), ValueError, "validation_data must be a tuple"),
    (dict(x=[[1, 2, 3], [1, 2]]), ValueError, "x cannot be read"),
    (dict(x=np.array([["a", "b", "c"]] * 10)), TypeError, "x has dtype <U1"),
    (dict(verbose=3), ValueError, "verbose=3"),
    (dict(partial_batch="most"), ValueError, "partial_batch='most'"),
]


@pytest.mark.parametrize("override,exc,match", BAD_FIT)
def test_bad_fit_input(override, exc, match):
    x, y = data()
    model = classifier()
    model.build((3,))
    before = model.parameters.theta.copy()
    kwargs = {"x": x, "y": y, "verbose": 0, **override}
    with pytest.raises(exc, match=match):
        model.fit(kwargs.pop("x"), kwargs.pop("y"), **kwargs)
    np.testing.assert_array_equal(model.parameters.theta, before)  # nothing changed


def test_fit_before_compile_and_unknown_names():
    model = Sequential([Dense(2)])
    with pytest.raises(RuntimeError, match=r"not compiled: call model.compile"):
        model.fit(np.zeros((3, 2)), np.zeros((3, 2)), verbose=0)
    with pytest.raises(ValueError, match="known optimizers: .*sgd"):
        model.compile("adamm", "mse")
    with pytest.raises(ValueError, match="known losses"):
        model.compile("sgd", "msee")
    with pytest.raises(ValueError, match="known metrics: .*accuracy"):
        model.compile("sgd", "mse", ["accuracyy"])
    with pytest.raises(ValueError, match="compile needs loss="):
        model.compile("sgd")
    with pytest.raises(TypeError, match="metrics='accuracy' must be a list"):
        model.compile("sgd", "mse", "accuracy")


def test_model_level_errors():
    with pytest.raises(ValueError, match="no layers"):
        Sequential().predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dtype='float16'"):
        Sequential(dtype="float16")
    with pytest.raises(TypeError, match="takes a gdlab layer"):
        Sequential([object()])
    with pytest.raises(ValueError, match="used twice"):
        Sequential([Dense(2, name="a"), Dense(2, name="a")])
    with pytest.raises(ValueError, match="seed=-1"):
        gdlab.utils.set_random_seed(-1)


def test_iterations_formula_is_ceil():
    for n in (10, 1437, 1):
        for b in (1, 3, 32, 2048):
            x, y = data(n)
            h = classifier().fit(x, y, epochs=1, batch_size=b, verbose=0)
            assert h.iterations_per_epoch == [math.ceil(n / min(b, n))]


def test_train_on_batch_is_one_fit_iteration():
    """train_on_batch on the whole set equals one full-batch epoch of fit's NumPy loop, bit for bit (the
    compiled epoch agrees with that loop to rounding: tests/test_compiled.py)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(24, 4)).astype(np.float32)
    y = rng.integers(0, 3, size=24)

    def make():
        m = gdlab.Sequential([gdlab.Input((4,)), Dense(5, activation="tanh"), Dense(3, activation="softmax")], seed=1)
        m.compile(SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
        return m

    a, b = make(), make()
    hist = a.fit(x, y, batch_size="full", epochs=2, shuffle=False, verbose=0, execution="loop")
    results = [b.train_on_batch(x, y) for _ in range(2)]
    np.testing.assert_array_equal(a.parameters.theta, b.parameters.theta)
    assert [r[0] for r in results] == hist.iteration_loss
    assert b.train_on_batch(x, y, return_dict=True).keys() == {"loss", "accuracy"}


def test_train_on_batch_nonfinite_loss_leaves_theta():
    m = gdlab.Sequential([gdlab.Input((1,)), Dense(1)], seed=0)
    m.compile(SGD(0.1), "mse")
    m.build((1,))
    theta = m.parameters.theta.copy()
    from gdlab.training import NonFiniteLossError

    with pytest.raises(NonFiniteLossError, match="not updated"):
        m.train_on_batch(np.array([[1e30]]), np.array([[1e30]]))
    np.testing.assert_array_equal(m.parameters.theta, theta)


@pytest.mark.parametrize("partial_batch", ["keep", "carry"])
def test_fit_then_fit_with_initial_epoch_continues_exactly(partial_batch):
    """fit(epochs=3) + fit(epochs=6, initial_epoch=3) ≡ fit(epochs=6): the second fit keeps the first's seed."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)

    def make():
        m = Sequential([Dense(6, activation="relu"), Dropout(0.3), Dense(3, activation="softmax")],
                       dtype="float64", seed=11)
        m.compile(SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy")
        return m

    fit = dict(batch_size=7, verbose=0, partial_batch=partial_batch)
    straight, split = make(), make()
    h = straight.fit(x, y, epochs=6, **fit)
    h1 = split.fit(x, y, epochs=3, **fit)
    h2 = split.fit(x, y, epochs=6, initial_epoch=3, **fit)
    np.testing.assert_array_equal(split.parameters.theta, straight.parameters.theta)
    assert h1.iteration_loss + h2.iteration_loss == h.iteration_loss
    assert h2.epoch == [3, 4, 5]


def test_a_new_fit_from_epoch_zero_draws_a_new_seed():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    m = Sequential([Dense(1)], dtype="float64", seed=2)
    m.compile(SGD(0.01), "mse")
    m.fit(x, y, epochs=1, verbose=0)
    first = m.training_state.fit_seed
    m.fit(x, y, epochs=1, verbose=0)
    assert m.training_state.fit_seed != first
