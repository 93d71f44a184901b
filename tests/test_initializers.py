import numpy as np
import pytest

from gdlab import initializers

SHAPE = (400, 300)


@pytest.mark.parametrize("name,variance", [
    ("glorot_uniform", 2 / 700), ("glorot_normal", 2 / 700), ("he_uniform", 2 / 400),
    ("he_normal", 2 / 400), ("lecun_uniform", 1 / 400), ("lecun_normal", 1 / 400),
])
def test_variance_matches_the_scheme(name, variance):
    w = initializers.get(name)(SHAPE, np.random.default_rng(0), np.float64)
    assert w.shape == SHAPE and w.dtype == np.float64
    assert abs(w.mean()) < 0.01 * np.sqrt(variance) * 10
    assert w.var() == pytest.approx(variance, rel=0.02)


@pytest.mark.parametrize("name,limit", [
    ("glorot_uniform", np.sqrt(6 / 700)), ("he_uniform", np.sqrt(6 / 400)),
])
def test_uniform_limits(name, limit):
    w = initializers.get(name)(SHAPE, np.random.default_rng(1))
    assert w.dtype == np.float32
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit


@pytest.mark.parametrize("name,std", [("glorot_normal", np.sqrt(2 / 700)), ("he_normal", np.sqrt(2 / 400))])
def test_truncated_normals_stay_within_two_sigma_of_the_untruncated_std(name, std):
    w = initializers.get(name)(SHAPE, np.random.default_rng(2), np.float64)
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-12


def test_constants():
    rng = np.random.default_rng(0)
    assert (initializers.get("zeros")((2, 3), rng) == 0).all()
    assert (initializers.get("ones")((2, 3), rng) == 1).all()
    assert (initializers.get("constant", value=0.5)((4,), rng) == 0.5).all()


def test_same_generator_state_same_values():
    a = initializers.get("he_normal")((5, 5), np.random.default_rng(9))
    b = initializers.get("he_normal")((5, 5), np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)


def test_bad_initializer_arguments():
    with pytest.raises(ValueError, match="known initializers: .*glorot_uniform"):
        initializers.get("glorious")
    with pytest.raises(ValueError, match="mode="):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="minval"):
        initializers.RandomUniform(1.0, -1.0)
