"""The backend seam: the same model on NumPy and on a strict array-API namespace (``array_api_strict``), which
fails on anything CuPy would not run (``np.dot``, ``out=``, NumPy-only methods); and on CuPy where a GPU is usable.

Every comparison is against the NumPy run of the same seed, in float64, to rtol 1e-12.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gdlab
from gdlab import backend as backend_mod, optimizers
from gdlab import Sequential
from gdlab.backend import Backend, get_backend
from gdlab.gradcheck import gradcheck
from gdlab.layers import Activation, Dense, Dropout, Flatten

try:  # the dev extra has it; a GPU machine without it still runs the CuPy tests
    import array_api_strict as strict
except ImportError:
    strict = None


def _cupy_backend():
    try:
        return get_backend("cupy")
    except RuntimeError as e:
        pytest.skip(str(e))


class StrictBackend(Backend):
    """``array_api_strict`` on its non-CPU device "device1": its arrays refuse every implicit conversion to NumPy
    (``np.dot``, ``np.sqrt``, ``out=``), as CuPy's do, so any NumPy call left in the model path fails here. Like
    CuPy it keeps batch losses on the device (``defers_sync``), so the fit loop's once-per-epoch read runs here."""

    defers_sync = True

    def __init__(self):
        if strict is None:
            pytest.skip("array-api-strict is not installed (pip install -e '.[dev]')")
        super().__init__("array_api_strict", strict)
        self.device = strict.Device("device1")

    def asarray(self, x):
        return super().asarray(x).to_device(self.device)

    def zeros(self, shape, dtype):
        return super().zeros(shape, dtype).to_device(self.device)

    def to_numpy(self, x):
        return np.from_dlpack(x.to_device(strict.Device("CPU_DEVICE")))


class CompatNumpyBackend(Backend):
    """NumPy arrays through ``array_api_compat.numpy``, the wrapper the CuPy backend computes through
    (``array_api_compat.cupy``): its functions' copies and views are checked here, on the CPU."""

    def __init__(self):
        compat = pytest.importorskip("array_api_compat.numpy")
        super().__init__("numpy", compat)

    def to_numpy(self, x):
        return np.asarray(x)


BACKENDS = [
    pytest.param(StrictBackend, id="strict"),
    pytest.param(CompatNumpyBackend, id="compat"),
    pytest.param(_cupy_backend, id="cupy", marks=pytest.mark.gpu),
]

ARCHITECTURES = {  # name → (layers, loss, targets)
    "relu-softmax-cce": (lambda: [Dense(6, "relu"), Dense(3, "softmax")], "categorical_crossentropy", "onehot"),
    "tanh-sigmoid-bce": (lambda: [Dense(5, "tanh"), Dense(1, "sigmoid")], "binary_crossentropy", "binary"),
    "elu-softplus-mse": (lambda: [Dense(4, "elu"), Dense(4, "softplus"), Dense(2)], "mse", "real"),
    "leaky-gelu-huber": (lambda: [Dense(4, "leaky_relu"), Dense(3, gdlab.activations.GELU(approximate=True)),
                                  Activation("linear"), Dense(2)], "huber", "real"),
    "flatten-softmax-logits": (lambda: [Flatten(), Dense(3), Activation("softmax")], "mae", "real3"),
    "relu-softmax-scce": (lambda: [Dense(6, "relu"), Dense(3, "softmax")], "sparse_categorical_crossentropy",
                          "labels"),
    "linear-scce-logits": (lambda: [Dense(6, "sigmoid"), Dense(3)],
                           {"class_name": "sparse_categorical_crossentropy", "config": {"from_logits": True}},
                           "labels"),
    "relu-cce-logits": (lambda: [Dense(6, "relu"), Dense(3)],
                        {"class_name": "categorical_crossentropy", "config": {"from_logits": True}}, "onehot"),
}


def _data(kind, n=12):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, 2, 2) if kind == "real3" else (n, 4))
    y = {"onehot": np.eye(3)[rng.integers(0, 3, n)], "binary": rng.integers(0, 2, (n, 1)).astype(float),
         "real": rng.normal(size=(n, 2)), "real3": rng.normal(size=(n, 3)), "labels": rng.integers(0, 3, n)}[kind]
    return x, y


def _model(name, backend, optimizer="sgd"):
    layers, loss, kind = ARCHITECTURES[name]
    model = gdlab.Sequential(layers(), dtype="float64", seed=3, backend=backend)
    model.compile(optimizer=optimizer, loss=loss)
    x, y = _data(kind)
    model.build(x.shape[1:])
    return model, x, y


@pytest.mark.parametrize("make", BACKENDS)
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_same_initial_weights_loss_and_gradient(make, name):
    backend = make()
    ref, x, y = _model(name, "numpy")
    model, _, _ = _model(name, backend)
    for w_ref, w in zip(ref.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(w, w_ref)  # drawn on the host: identical
    loss_ref, grad_ref = ref.loss_and_gradient(*ref.prepare(x, y))
    xp, yp = model.prepare(x, y)
    loss, grad = model.loss_and_gradient(backend.asarray(xp), backend.asarray(yp))
    assert type(model.parameters.grad).__module__.partition(".")[0] == backend.name
    np.testing.assert_allclose(loss, loss_ref, rtol=1e-12)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-12, atol=1e-15)


OPTIMIZERS = [(name, convention) for name in optimizers.registry.names() for convention in ("keras", "torch")]


@pytest.mark.parametrize("make", BACKENDS)
@pytest.mark.parametrize("name,convention", OPTIMIZERS)
def test_every_optimizer_matches_numpy(make, name, convention):
    backend = make()
    rng = np.random.default_rng(11)
    theta0, grads = rng.normal(size=50), rng.normal(size=(5, 50))
    runs = []
    for b in (get_backend("numpy"), backend):
        opt = optimizers.get(name, learning_rate=0.01, convention=convention, fused=False)
        theta = b.asarray(theta0.copy())
        g_step = None
        for g in grads:
            g_step = b.asarray(g)
            opt.apply_gradients(theta, g_step)
        np.testing.assert_array_equal(b.to_numpy(g_step), grads[-1])  # g is only read
        runs.append((b.to_numpy(theta), {k: np.asarray(v) for k, v in opt.state_dict()["arrays"].items()}))
    (theta_ref, state_ref), (theta, state) = runs
    assert not np.array_equal(theta_ref, theta0)
    np.testing.assert_allclose(theta, theta_ref, rtol=1e-12, atol=1e-15)
    assert state.keys() == state_ref.keys()
    for k in state:
        np.testing.assert_allclose(state[k], state_ref[k], rtol=1e-12, atol=1e-15, err_msg=k)


@pytest.mark.parametrize("make", BACKENDS)
@pytest.mark.parametrize("metrics", [["accuracy"], []])  # per-batch metrics read every loss; without, once an epoch
@pytest.mark.parametrize("optimizer", [{"class_name": "adam", "config": {"clipnorm": 0.5}},
                                       {"class_name": "sgd", "config": {"momentum": 0.9, "weight_decay": 0.01}}])
def test_short_fit_matches_numpy(make, optimizer, metrics):
    backend = make()
    histories, weights = [], []
    for b in ("numpy", backend):
        model = gdlab.Sequential([Dense(8, "relu"), Dropout(0.25), Dense(3, "softmax")], dtype="float64", seed=5,
                                 backend=b)
        model.compile(optimizer=optimizers.get(optimizer), loss="categorical_crossentropy", metrics=metrics)
        x, y = _data("onehot", n=40)
        history = model.fit(x, y, epochs=3, batch_size=8, seed=2, verbose=0)
        histories.append({**history.history, "iteration_loss": history.iteration_loss})
        weights.append(model.get_weights())
        assert model.predict(x).__class__ is np.ndarray
    for k in histories[0]:
        np.testing.assert_allclose(histories[1][k], histories[0][k], rtol=1e-12, err_msg=k)
    for w, w_ref in zip(weights[1], weights[0]):
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", BACKENDS)
def test_to_moves_weights_and_optimizer_state_and_back(make):
    backend = make()
    model, x, y = _model("relu-softmax-cce", "numpy", optimizer="adam")
    model.fit(x, y, epochs=1, batch_size=4, seed=1, verbose=0)
    twin, _, _ = _model("relu-softmax-cce", "numpy", optimizer="adam")
    twin.fit(x, y, epochs=1, batch_size=4, seed=1, verbose=0)
    model.to(backend)
    assert model.backend is backend and model.optimizer.xp is backend.xp
    model.fit(x, y, epochs=2, initial_epoch=1, batch_size=4, seed=1, verbose=0)
    twin.fit(x, y, epochs=2, initial_epoch=1, batch_size=4, seed=1, verbose=0)
    model.to("numpy")
    assert isinstance(model.parameters.theta, np.ndarray)
    np.testing.assert_allclose(model.parameters.theta, twin.parameters.theta, rtol=1e-12)


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match=r"backend='jax' is not known; valid: \['cupy', 'numpy'\]"):
        gdlab.Sequential([Dense(2)], backend="jax")


def test_cupy_without_a_gpu_says_why():
    try:
        get_backend("cupy")
    except RuntimeError as e:
        assert str(e).startswith("backend='cupy' ")
        assert "install it with" in str(e) or "cannot run here" in str(e)
    else:
        pytest.skip("a usable GPU is present")


def test_exact_gelu_needs_erfc_on_a_strict_namespace():
    layer = Dense(2, "gelu")
    backend = StrictBackend()
    layer.use_backend(backend)
    with pytest.raises(TypeError, match="no erfc"):
        layer.activation(backend.asarray(np.array([0.5, -1.0])))


CUPY_KERNEL_CASES = [  # every kernel of gdlab.kernels.cupy_gpu, through the optimizer that selects it
    ("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("sgd", {"momentum": 0.9, "convention": "torch"}),
    ("sgd", {"momentum": 0.9, "nesterov": True, "convention": "torch"}),
    ("sgd", {"momentum": 0.9, "dampening": 0.1, "convention": "torch"}),
    ("adam", {}), ("adam", {"convention": "torch"}),
]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,config", CUPY_KERNEL_CASES)
def test_cupy_kernels_equal_the_reference_bitwise(name, config, dtype):
    backend = _cupy_backend()
    rng = np.random.default_rng(13)
    theta0, grads = rng.normal(size=1000).astype(dtype), rng.normal(size=(6, 1000)).astype(dtype)
    runs = []
    for fused in (True, False):
        opt = optimizers.get(name, learning_rate=0.01, fused=fused, **config)
        theta = backend.asarray(theta0)
        for g in grads:
            g_dev = backend.asarray(g)
            opt.apply_gradients(theta, g_dev)
            np.testing.assert_array_equal(backend.to_numpy(g_dev), g)  # g is only read
        assert (opt.kernel() is not None) is fused
        runs.append((backend.to_numpy(theta), opt.state_dict()["arrays"]))
    (theta_k, state_k), (theta_r, state_r) = runs
    np.testing.assert_array_equal(theta_k, theta_r)
    for k in state_r:
        np.testing.assert_array_equal(state_k[k], state_r[k], err_msg=k)


@pytest.mark.parametrize("make", BACKENDS)
@pytest.mark.parametrize("name", ["relu-softmax-cce", "tanh-sigmoid-bce"])
def test_gradcheck_on_the_backend(make, name):
    backend = make()
    model, x, y = _model(name, backend)
    result = gradcheck(model, x, y, max_params=25)
    assert result.passed and result.checked == 25, result
    assert result.max_relative_error < 1e-6


@pytest.mark.parametrize("make", BACKENDS)
def test_divergence_is_reported_at_the_same_iteration(make):
    backend = make()
    errors = []
    for b in ("numpy", backend):
        model, x, y = _model("elu-softplus-mse", b)
        model.compile(optimizer=optimizers.get("sgd", learning_rate=1e6), loss="mse")
        with pytest.raises(gdlab.training.NonFiniteLossError) as info:
            model.fit(x * 1e3, y, epochs=3, batch_size=4, seed=0, verbose=0)
        errors.append((info.value.epoch, info.value.iteration, info.value.history.iteration_loss))
    assert errors[1][:2] == errors[0][:2]
    np.testing.assert_allclose(errors[1][2], errors[0][2], rtol=1e-12)


# -- the lab on a backend (``gdlab lab … --backend``) ------------------------------------------------------------
LAB_SMALL = {"basics": {}, "linear": {"steps": 5}, "lr-find": {"iterations": 20},
             "regimes": {"n": 100, "epochs": 2, "cost_sizes": (1000,)},
             "batch-size": {"batch_sizes": (16, "full"), "learning_rates": (0.1,), "max_steps": 40,
                            "noise_samples": 50}}
#: evidence measured by the clock (and what is chosen from it), which no two runs share
TIMED = {"gd_step", "sgd_step", "gd_step_vs_sgd", "samples_per_second", "throughput_order", "recommended",
         "smallest_time", "best_time", "smallest_vs_best", "rows"}


def _evidence(section) -> list:
    """(claim, verdict, evidence) with the clock's share left out; a verdict that reads the clock is not compared."""
    evidence = [dataclasses.asdict(v.evidence) for v in section.verdicts]
    return [(v.id, None if TIMED & e.keys() else v.verdict, {k: x for k, x in e.items() if k not in TIMED})
            for v, e in zip(section.verdicts, evidence)]


def test_use_sets_the_backend_of_models_made_inside_and_restores_it():
    assert backend_mod.default_backend() is backend_mod.NUMPY
    strict_backend = StrictBackend()
    with pytest.raises(KeyError), backend_mod.use(strict_backend) as chosen:
        assert chosen is strict_backend
        assert Sequential([Dense(2)]).backend is strict_backend
        assert Sequential([Dense(2)], backend="numpy").backend is backend_mod.NUMPY  # an argument wins
        raise KeyError("leaves the block")
    assert backend_mod.default_backend() is backend_mod.NUMPY
    assert Sequential([Dense(2)]).backend is backend_mod.NUMPY
    with pytest.raises(ValueError, match="backend='tpu' is not known"), backend_mod.use("tpu"):
        pass


@pytest.mark.parametrize("make", [BACKENDS[0], BACKENDS[2]])  # strict, cupy
@pytest.mark.parametrize("key", list(LAB_SMALL))
def test_lab_sections_on_a_backend_conclude_as_on_numpy(key, make, tmp_path):
    """Each network section of the lab runs with its models on the backend (on the strict namespace no
    host-only call can be left in it) and reaches the same verdicts on the same evidence as on NumPy."""
    from gdlab.lab.studies import STUDIES

    study = STUDIES[key]
    cfg = study.make(**LAB_SMALL[key])
    on_numpy = study.section(tmp_path / "numpy", cfg)
    backend = make()
    with backend_mod.use(backend):
        on_backend = study.section(tmp_path / backend.name, cfg)
    exact = isinstance(backend, StrictBackend)  # NumPy underneath; a GPU sums in its own order
    for a, b in zip(_evidence(on_numpy), _evidence(on_backend), strict=True):
        assert a[:2] == b[:2]
        assert a[2].keys() == b[2].keys()
        for name, value in a[2].items():
            numeric = np.asarray(value).dtype.kind in "fiu"
            rel = 1e-2 if name == "memory_kib" else 1e-6 if exact else 1e-4  # tracemalloc: interpreter bytes too
            if numeric:
                np.testing.assert_allclose(b[2][name], value, rtol=rel, atol=1e-9, err_msg=f"{a[0]} {name}")
            else:
                assert b[2][name] == value, (a[0], name)


def _cli_runs(tmp_path):
    """(argv, what it must not have written) of each command that takes --backend."""
    from test_train_cli import TINY, write_config

    config = write_config(tmp_path, TINY.format(epochs=2, out=tmp_path / "run"))
    return [(["train", str(config)], tmp_path / "run"),
            (["lab", "linear", "--steps", "3", "--out", str(tmp_path / "lab")], tmp_path / "lab"),
            (["lab", "report", "--only", "linear", "--out", str(tmp_path / "r")], tmp_path / "r" / "index.html")]


@pytest.mark.parametrize("command", [0, 1, 2], ids=["train", "lab-section", "lab-report"])
def test_cli_with_cupy_and_no_gpu_exits_with_the_reason(command, tmp_path, capsys):
    from gdlab.cli import main

    try:
        get_backend("cupy")
    except RuntimeError as e:
        reason = str(e)
    else:
        pytest.skip("a usable GPU is present")
    argv, output = _cli_runs(tmp_path)[command]
    assert main([*argv, "--backend", "cupy"]) == 1
    assert capsys.readouterr().err == f"gdlab: error: {reason}\n"
    assert not output.exists()
