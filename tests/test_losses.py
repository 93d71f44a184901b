import numpy as np
import pytest

from gdlab import losses
from gdlab.activations import Sigmoid, Softmax
from gdlab.gradcheck import numeric_gradient, relative_error

rng = np.random.default_rng(0)
REG_Y = rng.normal(size=(6, 3))
REG_P = REG_Y + rng.normal(size=(6, 3))
PROB_P = rng.uniform(0.05, 0.95, size=(6, 3))
BIN_Y = rng.integers(0, 2, size=(6, 3)).astype(float)
LOGITS = rng.normal(0, 2, size=(6, 4))
LABELS = np.array([0, 3, 1, 2, 3, 0])
ONE_HOT = np.eye(4)[LABELS]
SOFT = Softmax()(rng.normal(size=(6, 4)))
UNNORMALISED = rng.uniform(0.05, 0.6, size=(6, 4))  # rows that do not sum to 1

CASES = [
    ("mse", {}, REG_Y, REG_P),
    ("mae", {}, REG_Y, REG_P),
    ("huber", {}, REG_Y, REG_P),
    ("huber", {"delta": 0.3}, REG_Y, REG_P),
    ("binary_crossentropy", {}, BIN_Y, PROB_P),
    ("binary_crossentropy", {"from_logits": True}, BIN_Y, LOGITS[:, :3]),
    ("categorical_crossentropy", {}, ONE_HOT, SOFT),
    ("categorical_crossentropy", {"from_logits": True}, ONE_HOT, LOGITS),
    ("sparse_categorical_crossentropy", {}, LABELS, SOFT),
    ("categorical_crossentropy", {}, ONE_HOT, UNNORMALISED),
    ("categorical_crossentropy", {}, SOFT, UNNORMALISED),
    ("sparse_categorical_crossentropy", {}, LABELS, UNNORMALISED),
    ("sparse_categorical_crossentropy", {"from_logits": True}, LABELS, LOGITS),
]


def test_every_registered_loss_is_covered():
    covered = {losses.registry.lookup(name) for name, *_ in CASES}
    assert covered == {losses.registry.lookup(n) for n in losses.registry.names()}


@pytest.mark.parametrize("name,kwargs,y,p", CASES)
def test_gradient_matches_finite_differences(name, kwargs, y, p):
    loss = losses.get(name, **kwargs)
    numeric = numeric_gradient(lambda q: loss(y, q), p)
    assert relative_error(loss.gradient(y, p), numeric).max() < 1e-6


@pytest.mark.parametrize("name,y,act", [
    ("categorical_crossentropy", ONE_HOT, Softmax()),
    ("sparse_categorical_crossentropy", LABELS, Softmax()),
    ("binary_crossentropy", BIN_Y, Sigmoid()),
])
def test_fused_logit_gradient_is_p_minus_y_over_B(name, y, act):
    loss = losses.get(name)
    z = LOGITS if act.__class__ is Softmax else LOGITS[:, :3]
    p = act(z)
    fused = loss.logit_gradient(y, p)
    chained = act.vjp(z, p, loss.gradient(y, p))
    numeric = numeric_gradient(lambda zz: loss(y, act(zz)), z)
    np.testing.assert_allclose(fused, chained, rtol=1e-10, atol=1e-14)
    assert relative_error(fused, numeric).max() < 1e-6
    one_hot = np.eye(4)[y] if y.ndim == 1 else y
    np.testing.assert_allclose(fused, (p - one_hot) / (y.size if name == "binary_crossentropy" else len(y)))


def test_known_values():
    y, p = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    assert losses.get("mse")(y, p) == pytest.approx((1 + 4) / 2, rel=1e-15)
    assert losses.get("mae")(y, p) == pytest.approx(1.5, rel=1e-15)
    # huber δ=1: e=1 → ½, e=2 → 1·(2 − ½) = 1.5
    assert losses.get("huber")(y, p) == pytest.approx((0.5 + 1.5) / 2, rel=1e-15)
    assert losses.get("binary_crossentropy")(np.array([[1.0], [0.0]]), np.array([[0.8], [0.1]])) == \
        pytest.approx(-(np.log(0.8) + np.log(0.9)) / 2, rel=1e-12)
    assert losses.get("sparse_categorical_crossentropy")(np.array([1]), np.array([[0.2, 0.5, 0.3]])) == \
        pytest.approx(-np.log(0.5), rel=1e-12)


@pytest.mark.parametrize("name,y", [
    ("categorical_crossentropy", np.array([[0.0, 1.0]])),
    ("sparse_categorical_crossentropy", np.array([1])),
])
def test_cross_entropy_divides_rows_by_their_sum_before_clipping_as_keras(name, y):
    """Keras 3: p / Σp, then clip. y = [[0, 1]], p = [[0.2, 0.4]]: −log(0.4/0.6) = 0.4055 (not −log 0.4)."""
    loss = losses.get(name)
    p = np.array([[0.2, 0.4]])
    assert loss(y, p) == pytest.approx(-np.log(0.4 / 0.6), rel=1e-15)
    assert loss(y, p) == pytest.approx(0.4054651081081644, rel=1e-15)
    numeric = numeric_gradient(lambda q: loss(y, q), p)
    np.testing.assert_allclose(loss.gradient(y, p), numeric, rtol=1e-8)
    # the clip acts on the normalised row: [2, 1e-9] → q = 5e-10, clipped to ε; [1e-9, 1e-9] → q = ½
    assert loss(y, np.array([[2.0, 1e-9]])) == pytest.approx(-np.log(1e-7), rel=1e-12)
    assert loss(y, np.array([[1e-9, 1e-9]])) == pytest.approx(np.log(2.0), rel=1e-9)


def test_logits_and_probabilities_agree():
    p = Softmax()(LOGITS)
    a = losses.get("categorical_crossentropy")(ONE_HOT, p)
    b = losses.get("categorical_crossentropy", from_logits=True)(ONE_HOT, LOGITS)
    assert a == pytest.approx(b, rel=1e-12)
    s = Sigmoid()(LOGITS[:, :3])
    a = losses.get("binary_crossentropy")(BIN_Y, s)
    b = losses.get("binary_crossentropy", from_logits=True)(BIN_Y, LOGITS[:, :3])
    assert a == pytest.approx(b, rel=1e-12)


def test_cross_entropy_from_logits_is_stable():
    z = np.array([[1e4, -1e4]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        v = losses.get("sparse_categorical_crossentropy", from_logits=True)(np.array([1]), z)
        w = losses.get("binary_crossentropy", from_logits=True)(np.array([[0.0, 1.0]]), z)
    assert v == pytest.approx(2e4) and w == pytest.approx(1e4)


@pytest.mark.parametrize("name,y,match", [
    ("sparse_categorical_crossentropy", np.array([0, 4]), r"labels out of range: .*\[0, 4\].*0\.\.2"),
    ("sparse_categorical_crossentropy", np.array([0, -1]), "labels out of range"),
    ("sparse_categorical_crossentropy", np.array([0.5, 1.0]), "integer labels"),
    ("categorical_crossentropy", np.array([0, 1]), r"one-hot targets of shape \(N, 3\)"),
    ("binary_crossentropy", np.array([[2.0, 0.0, 1.0]]), r"targets in \[0, 1\]"),
])
def test_bad_targets(name, y, match):
    with pytest.raises(ValueError, match=match):
        losses.get(name).validate_targets(y, 3)


def test_bad_huber_delta_and_unknown_loss():
    with pytest.raises(ValueError, match="delta"):
        losses.Huber(delta=0)
    with pytest.raises(ValueError, match="known losses: .*mean_squared_error"):
        losses.get("hinge_of_doom")
