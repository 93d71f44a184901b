import numpy as np
import pytest

from gdlab import activations
from scipy.special import ndtr

from gdlab.activations import ELU, GELU, LeakyReLU, Softmax
from gdlab.gradcheck import numeric_gradient, relative_error

ALL = [
    ("linear", {}), ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {}),
    ("leaky_relu", {"alpha": 0.01}), ("elu", {}), ("elu", {"alpha": 0.5}), ("softplus", {}),
    ("gelu", {}), ("gelu", {"approximate": True}), ("softmax", {}),
]


def _points(seed=0):
    z = np.random.default_rng(seed).normal(0, 2, size=(6, 5))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kinks of relu / leaky_relu / elu
    return z


def test_every_registered_activation_is_covered():
    assert {name for name, _ in ALL} == set(activations.registry.names())


@pytest.mark.parametrize("name,kwargs", ALL)
def test_vjp_matches_finite_differences(name, kwargs):
    act = activations.get(name, **kwargs)
    z = _points()
    g = np.random.default_rng(1).normal(size=z.shape)
    # from the output alone: z is passed only to activations that declare they need it
    analytic = act.vjp(z if act.needs_z else None, act(z), g.copy())
    numeric = numeric_gradient(lambda zz: float(np.sum(g * act(zz))), z)
    assert relative_error(analytic, numeric).max() < 1e-6


@pytest.mark.parametrize("name,kwargs", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_in_place_equals_the_allocating_call(name, kwargs, dtype):
    act = activations.get(name, **kwargs)
    z = _points(3).astype(dtype)
    z_before = z.copy()
    a = act(z)
    np.testing.assert_array_equal(z, z_before)  # the call leaves z as it is
    out = np.full_like(z, np.nan)
    assert act.forward(z, out) is out
    np.testing.assert_array_equal(out, a)
    assert act.forward(z, z) is z  # in place over its own input
    np.testing.assert_array_equal(z, a)
    assert a.dtype == dtype


def test_derivative_is_for_elementwise_activations_only():
    with pytest.raises(TypeError, match="Softmax is not elementwise.*use vjp"):
        Softmax().derivative(np.zeros((2, 3)))


@pytest.mark.parametrize("name,kwargs", [a for a in ALL if a[0] != "softmax"])
def test_elementwise_derivative_matches_finite_differences(name, kwargs):
    act = activations.get(name, **kwargs)
    z = _points(2)
    numeric = (act(z + 1e-5) - act(z - 1e-5)) / 2e-5
    assert relative_error(act.derivative(z), numeric).max() < 1e-6


@pytest.mark.parametrize("name,kwargs", ALL)
def test_stable_at_large_inputs_float32(name, kwargs):
    act = activations.get(name, **kwargs)
    z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act(z)
        d = act.vjp(z, a, np.ones_like(z))
    assert a.dtype == np.float32 and np.isfinite(a).all() and np.isfinite(d).all()


KNOWN = [
    ("sigmoid", {}, [0.0, 2.0, -1e4], [0.5, 1 / (1 + np.exp(-2.0)), 0.0]),
    ("tanh", {}, [0.0, 1.0], [0.0, np.tanh(1.0)]),
    ("relu", {}, [-2.0, 0.0, 3.0], [0.0, 0.0, 3.0]),
    ("leaky_relu", {"alpha": 0.1}, [-2.0, 3.0], [-0.2, 3.0]),
    ("elu", {"alpha": 1.0}, [-1.0, 2.0], [np.exp(-1.0) - 1, 2.0]),
    ("softplus", {}, [0.0, 1e4], [np.log(2.0), 1e4]),
    ("gelu", {}, [1.0, -1.0], [0.8413447460685429, -0.15865525393145707]),
    ("linear", {}, [-3.5], [-3.5]),
]


@pytest.mark.parametrize("name,kwargs,z,expected", KNOWN)
def test_known_values(name, kwargs, z, expected):
    np.testing.assert_allclose(activations.get(name, **kwargs)(np.array(z)), expected, rtol=1e-12, atol=1e-300)


def test_softmax_rows_sum_to_one_and_shift_invariant():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0]])
    a = Softmax()(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(a[0], a[1], rtol=1e-14)


def test_softmax_vjp_is_the_full_jacobian_not_the_diagonal():
    z = np.array([[0.3, -1.2, 2.0]])
    a = Softmax()(z)
    jac = np.diag(a[0]) - np.outer(a[0], a[0])
    g = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(Softmax().vjp(None, a, g.copy()), g @ jac, rtol=1e-14)
    assert not np.allclose(Softmax().vjp(None, a, g.copy()), g * a * (1 - a))


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
@pytest.mark.parametrize("cls", [LeakyReLU, ELU])
def test_bad_alpha(cls, bad):
    with pytest.raises(ValueError, match="alpha"):
        cls(alpha=bad)


def test_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="known activations: .*relu.*sigmoid"):
        activations.get("swishy")


def test_registry_accepts_instances_configs_and_aliases():
    assert isinstance(activations.get("LeakyReLU"), LeakyReLU)
    act = activations.get({"class_name": "LeakyReLU", "config": {"alpha": 0.3}})
    assert act.alpha == 0.3
    g = GELU(approximate=True)
    assert activations.get(g) is g
    assert isinstance(activations.get(None), activations.Linear)


# Φ(z) to 16 digits (tables of the normal distribution)
PHI = [(-5.0, 2.866515718791939e-07), (-10.0, 7.619853024160527e-24), (-20.0, 2.753624118606233e-89)]


@pytest.mark.parametrize("z,phi", PHI)
def test_exact_gelu_uses_erfc_and_keeps_relative_precision_below_minus_5(z, phi):
    gelu = GELU()
    a = gelu(np.array([z]))[0]
    assert a == pytest.approx(z * phi, rel=1e-13)
    assert a == pytest.approx(z * ndtr(z), rel=1e-13)  # scipy's Φ as a second reference
    numeric = (gelu(np.array([z + 1e-5])) - gelu(np.array([z - 1e-5])))[0] / 2e-5
    assert relative_error(gelu.derivative(np.array([z])), numeric, floor=1e-300).max() < 1e-6
