"""The compiled whole-epoch path (gdlab.compiled) against the NumPy reference loop.

Per step: from the same weights and optimizer state, on the same batch, both paths give the same
loss, θ and state to rtol 1e-4 (float32) / 1e-10 (float64). Over whole epochs float32 runs are
compared with a float64 reference, not with each other (a pre-activation within rounding of zero
may flip a ReLU). Out-of-scope fits fall back, and their plan (``history.plan``) says why.
"""

import re

import numpy as np
import pytest

import gdlab
from gdlab import Sequential, kernels
from gdlab.batching import EpochPlan
from gdlab.callbacks import Callback, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from gdlab.layers import Dense, Dropout
from gdlab.optimizers import SGD, Adam, RMSprop
from gdlab.schedules import ExponentialDecay
from gdlab.training import NonFiniteLossError, plan_steps

pytestmark = pytest.mark.skipif(not kernels.registered("sgd"), reason="the compiled path needs numba (gdlab[fast])")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(41, 6))
LABELS = RNG.integers(0, 3, 41)
ONE_HOT = np.eye(3)[LABELS]
TARGETS = RNG.normal(size=(41, 2))
TOL = {"float32": dict(rtol=1e-4, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-13)}

# name: (hidden activations, output activation, output width, loss, targets)
NETWORKS = {
    "relu-softmax-sparse": (("relu", "relu"), "softmax", 3, "sparse_categorical_crossentropy", LABELS),
    "tanh-softmax-onehot": (("tanh",), "softmax", 3, "categorical_crossentropy", ONE_HOT),
    "sigmoid-linear-mse": (("sigmoid", "linear"), "linear", 2, "mse", TARGETS),
    "relu-tanh-mse": (("relu",), "tanh", 2, "mse", TARGETS),
    "linear-sigmoid-mse": (("linear",), "sigmoid", 2, "mse", TARGETS),
}
#: the old tests' paths as fit's execution=
PATH = {True: "compiled", False: "loop"}
OPTIMIZERS = {
    "sgd": lambda c: SGD(0.1, convention=c),
    "momentum": lambda c: SGD(0.05, momentum=0.9, convention=c),
    "nesterov": lambda c: SGD(0.05, momentum=0.9, nesterov=True, convention=c),
    "dampening": lambda c: SGD(0.05, momentum=0.8, dampening=0.3, convention="torch"),
    "adam": lambda c: Adam(0.01, convention=c),
}


def network(name, opt="sgd", convention="keras", dtype="float64", metrics=("accuracy",)):
    hidden, out, width, loss, y = NETWORKS[name]
    layers = [Dense(5 - i, activation=a, use_bias=i != 1) for i, a in enumerate(hidden)]
    model = Sequential(layers + [Dense(width, activation=out)], dtype=dtype, seed=3)
    has_accuracy = width > 1 and loss != "mse"
    model.compile(OPTIMIZERS[opt](convention), loss, list(metrics) if has_accuracy else [])
    return model, y


def run_batch(model, x, y, path):
    """One optimizer step on exactly this batch."""
    return model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0, execution=PATH[path])


def assert_models_close(a, b, tol):
    np.testing.assert_allclose(a.parameters.theta, b.parameters.theta, **tol)
    assert a.optimizer.iterations == b.optimizer.iterations
    for key in a.optimizer.state:
        np.testing.assert_allclose(a.optimizer.state[key], b.optimizer.state[key], **tol)


def copy_training_state(source, target):
    target.parameters.theta[...] = source.parameters.theta
    for key, value in source.optimizer.state.items():
        target.optimizer.state[key][...] = value


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opt, convention", [(o, c) for o in OPTIMIZERS for c in ("keras", "torch")
                                             if not (o == "dampening" and c == "keras")])  # a torch option
@pytest.mark.parametrize("name", list(NETWORKS))
def test_each_step_agrees_with_the_reference(name, opt, convention, dtype):
    fast, y = network(name, opt, convention, dtype)
    ref, _ = network(name, opt, convention, dtype)
    x = X.astype(dtype)
    plan = EpochPlan(len(x), 7, shuffle=True)  # 6 batches of 7 and one of 6 ...
    batches = plan.epoch(np.random.default_rng(1))[:4] + [np.array([5]), np.array([17])]  # ... and batch 1
    for idx in batches:
        h_fast = run_batch(fast, x[idx], y[idx], True)
        h_ref = run_batch(ref, x[idx], y[idx], False)
        np.testing.assert_allclose(h_fast.iteration_loss, h_ref.iteration_loss, rtol=TOL[dtype]["rtol"])
        assert h_fast.history.keys() == h_ref.history.keys()
        assert_models_close(fast, ref, TOL[dtype])
        copy_training_state(fast, ref)  # the next step starts from the same weights again


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("batch_size", [1, 7])
def test_plain_sgd_writes_straight_into_theta_and_agrees(batch_size, convention, dtype):
    """With over 20 000 parameters the gradient norm is recorded every 2nd iteration only, so the
    steps alternate between the direct update (GEMM into θ, or the pending update at batch 1) and the
    gradient buffer."""
    x = np.random.default_rng(4).normal(size=(12, 300)).astype(dtype)
    y = np.arange(12) % 3
    models, histories = [], []
    for path in (True, False):
        model = Sequential([Dense(70, activation="relu"), Dense(3, activation="softmax")], dtype=dtype, seed=3)
        model.compile(SGD(0.02, convention=convention), "sparse_categorical_crossentropy", ["accuracy"])
        histories.append(model.fit(x, y, batch_size=batch_size, epochs=2, seed=1, verbose=0, execution=PATH[path]))
        models.append(model)
    assert models[0].parameters.size > 20_000
    # two whole epochs (up to 24 steps): float32 rounding differences accumulate, so allow 10× the per-step rtol
    tol = {k: v * (10 if dtype == "float32" else 1) for k, v in TOL[dtype].items()}
    np.testing.assert_allclose(histories[0].iteration_loss, histories[1].iteration_loss, rtol=tol["rtol"])
    assert_models_close(*models, tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["relu-softmax-sparse", "sigmoid-linear-mse"])
def test_pending_batch1_updates_land_before_a_larger_batch_and_at_the_end(name, dtype):
    """Plain SGD at batch 1 writes each layer's kernel update during the next forward pass; a larger
    batch after it and the end of the epoch write it first. Mixed batch sizes in one compiled call
    (``train_steps``), against the reference step by step."""
    from gdlab.training import train_step, train_steps

    fast, y = network(name, "sgd", dtype=dtype)
    ref, _ = network(name, "sgd", dtype=dtype)
    x = X.astype(dtype)
    xs, ys = fast.prepare(x, y)
    for model in (fast, ref):
        model.build((x.shape[1],))
        model.optimizer.build(model.parameters)
    batches = [np.array(b) for b in ([3], [7], [1, 2, 4], [0], [9], [5], [11, 12], [8])]
    assert plan_steps(fast, batches).path == "compiled"
    losses = train_steps(fast, xs, ys, batches)
    expected = [float(train_step(ref, xs[b], ys[b])[0]) for b in batches]
    np.testing.assert_allclose(losses, expected, rtol=TOL[dtype]["rtol"])
    np.testing.assert_allclose(fast.parameters.theta, ref.parameters.theta, **TOL[dtype])


@pytest.mark.parametrize("library", ["numpy", "scipy"])
def test_both_blas_libraries_agree_with_the_reference(library, monkeypatch):
    """The kernel calls NumPy's own OpenBLAS (64-bit integers) where NumPy bundles it and SciPy's
    ``cython_blas`` (32-bit) otherwise: both agree with the reference at batch 1 and at batch 7."""
    from gdlab.compiled import blas

    found = blas._numpy_openblas()
    if library == "numpy" and found is None:
        pytest.skip("this NumPy does not bundle OpenBLAS")
    chosen = found if library == "numpy" else blas.Source("scipy", np.dtype(np.int32), blas._cython_blas)
    monkeypatch.setattr(blas, "_source", chosen)
    for batch_size in (7, 1):
        fast, y = network("relu-softmax-sparse", dtype="float64")
        ref, _ = network("relu-softmax-sparse", dtype="float64")
        h_fast = fast.fit(X, y, batch_size=batch_size, epochs=2, seed=5, verbose=0, execution="compiled")
        h_ref = ref.fit(X, y, batch_size=batch_size, epochs=2, seed=5, verbose=0, execution="loop")
        assert fast.training_state and blas.source() is chosen
        np.testing.assert_allclose(h_fast.iteration_loss, h_ref.iteration_loss, rtol=1e-10)
        np.testing.assert_allclose(fast.parameters.theta, ref.parameters.theta, **TOL["float64"])


def test_numpy_bundled_openblas_is_the_one_used_here():
    """This project's wheels of NumPy bundle OpenBLAS: the compiled path must find it (else it would
    silently run on SciPy's build, measured up to 2× slower at batches 8–32)."""
    from gdlab.compiled import blas

    if "openblas" not in str(np.show_config(mode="dicts")["Build Dependencies"]["blas"]).lower():
        pytest.skip("NumPy is not built with OpenBLAS here")
    assert blas.source().name.startswith("numpy's OpenBLAS")
    assert blas.source().int_dtype == np.int64


@pytest.mark.parametrize("opt", ["momentum", "adam"])
@pytest.mark.parametrize("name", ["relu-softmax-sparse", "tanh-softmax-onehot", "sigmoid-linear-mse"])
def test_whole_epochs_follow_the_float64_reference(name, opt):
    """float64: compiled and reference agree over 4 epochs of shuffled batches with a partial one;
    float32 (compiled) stays as close to the float64 run as float32 precision allows."""
    fit = dict(batch_size=6, epochs=4, seed=5, verbose=0)
    ref64, y = network(name, opt)
    fast64, _ = network(name, opt)
    fast32, _ = network(name, opt, dtype="float32")
    h_ref = ref64.fit(X, y, execution="loop", **fit)
    h_fast = fast64.fit(X, y, execution="compiled", **fit)
    h_32 = fast32.fit(X, y, execution="compiled", **fit)
    assert len(h_fast.iteration_loss) == len(h_ref.iteration_loss) == 4 * 7
    np.testing.assert_allclose(h_fast.iteration_loss, h_ref.iteration_loss, rtol=1e-10)
    for key in h_ref.history:
        np.testing.assert_allclose(h_fast.history[key], h_ref.history[key], rtol=1e-10)
    assert_models_close(fast64, ref64, TOL["float64"])
    np.testing.assert_allclose(h_32.iteration_loss, h_ref.iteration_loss, rtol=1e-4)
    np.testing.assert_allclose(fast32.parameters.theta, ref64.parameters.theta, rtol=1e-3, atol=1e-5)


def test_the_same_seed_gives_the_same_batches_and_bits():
    runs = []
    for _ in range(2):
        model, y = network("relu-softmax-sparse", "adam", dtype="float32")
        history = model.fit(X, y, batch_size=4, epochs=3, seed=11, verbose=0, execution="compiled")
        runs.append((model.parameters.theta.copy(), history.iteration_loss))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    other, y = network("relu-softmax-sparse", "adam", dtype="float32")
    assert other.fit(X, y, batch_size=4, epochs=3, seed=12, verbose=0, execution="compiled").iteration_loss != runs[0][1]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_resuming_from_a_checkpoint_is_bit_identical(tmp_path, dtype):
    def callbacks():
        return [ReduceLROnPlateau("val_loss", factor=0.5, patience=1), EarlyStopping("val_loss", patience=50)]
    fit = dict(batch_size=5, validation_split=0.2, verbose=0, execution="compiled")
    straight, y = network("relu-softmax-sparse", "momentum", dtype=dtype)
    h_straight = straight.fit(X, y, epochs=5, callbacks=[ModelCheckpoint(tmp_path / "c-{epoch}.safetensors"),
                                                          *callbacks()], **fit)
    resumed = gdlab.load_checkpoint(tmp_path / "c-2.safetensors")
    h_resumed = resumed.fit(X, y, epochs=5, callbacks=callbacks(), **fit)
    np.testing.assert_array_equal(resumed.parameters.theta, straight.parameters.theta)
    np.testing.assert_array_equal(resumed.optimizer.state["velocity"], straight.optimizer.state["velocity"])
    assert h_resumed.iteration_loss == h_straight.iteration_loss
    assert h_resumed.history == h_straight.history


@pytest.mark.parametrize("batch, threads", [(1, 1), (7, 1), (8, None), (64, None), (2048, None)])
def test_the_blas_thread_count_follows_the_batch_size(batch, threads):
    """The rule sets the count while a compiled epoch runs, and the plan reports the same count."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from gdlab.compiled import threads as rule

    default = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    with rule.single_below(batch):
        inside = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    assert inside == ([threads] * len(default) if threads else default)
    x = np.random.default_rng(1).normal(size=(batch, 6))
    plan = relu_net().fit(x, np.arange(batch) % 3, batch_size=batch, epochs=1, verbose=0, execution="compiled").plan
    assert plan.blas_threads == (threads or default[0])


class EveryBatch(Callback):
    def on_train_batch_end(self, iteration, logs=None):
        pass


def _build(layers, optimizer, loss="sparse_categorical_crossentropy", metrics=("accuracy",)):
    model = Sequential(layers, seed=0)
    model.compile(optimizer, loss, list(metrics))
    return model


def relu_net(optimizer=None, metrics=("accuracy",), out="softmax", loss="sparse_categorical_crossentropy"):
    return _build([Dense(4, activation="relu"), Dense(3, activation=out)], optimizer or SGD(0.1), loss, metrics)


# (model, callbacks, words the reason contains)
FALLBACKS = {
    "dropout": (lambda: _build([Dense(4), Dropout(0.5), Dense(3, activation="softmax")], SGD(0.1)), [],
                "layer 'dropout' is a Dropout"),
    "activation": (lambda: _build([Dense(4, activation="elu"), Dense(3, activation="softmax")], SGD(0.1)), [],
                   "layer 'dense' has activation ELU"),
    "loss": (lambda: relu_net(loss="huber", metrics=(), out="linear"), [], "loss Huber"),
    "logits": (lambda: relu_net(loss=gdlab.losses.SparseCategoricalCrossentropy(from_logits=True), out="linear"),
               [], "SparseCategoricalCrossentropy without a softmax output"),
    "output": (lambda: relu_net(loss="mse", metrics=(), out="softmax"), [], "output activation Softmax"),
    "metric": (lambda: relu_net(metrics=("mae",), out="linear", loss="mse"), [], "metric 'mae'"),
    "optimizer": (lambda: relu_net(RMSprop(0.01)), [], "optimizer RMSprop"),
    "clipnorm": (lambda: relu_net(SGD(0.1, clipnorm=1.0)), [], "optimizer setting clipnorm=1.0"),
    "weight decay": (lambda: relu_net(Adam(0.01, weight_decay=0.01)), [], "optimizer setting weight_decay=0.01"),
    "ema": (lambda: relu_net(SGD(0.1, use_ema=True)), [], "optimizer setting use_ema=True"),
    "accumulation": (lambda: relu_net(SGD(0.1, gradient_accumulation_steps=2)), [],
                     "optimizer setting gradient_accumulation_steps=2"),
    "amsgrad": (lambda: relu_net(Adam(0.01, amsgrad=True)), [], "Adam(amsgrad=True)"),
    "schedule": (lambda: relu_net(SGD(ExponentialDecay(0.1, 10, 0.5))), [], "the learning rate is a schedule (ExponentialDecay)"),
    "batch callback": (relu_net, [EveryBatch()], "callback EveryBatch acts on every batch"),
}


@pytest.mark.parametrize("case", list(FALLBACKS))
def test_out_of_scope_falls_back_and_says_why(case):
    make, callbacks, words = FALLBACKS[case]
    auto, forced = make(), make()
    y = LABELS if auto.loss.sparse_targets else TARGETS[:, :1].repeat(3, 1)
    plan = auto.fit(X, y, epochs=1, verbose=0, callbacks=list(callbacks)).plan
    assert (plan.path, plan.requested) == ("loop", "auto")
    assert [r for r in plan.reasons if r.startswith(words)], plan.reasons
    assert "not compiled: " in str(plan) and words in str(plan)
    with pytest.raises(ValueError, match=re.escape(f"execution='compiled', but this fit is outside the compiled "
                                                   f"path's scope: {words}")):
        forced.fit(X, y, epochs=1, verbose=0, callbacks=list(callbacks), execution="compiled")
    assert forced.optimizer.iterations == 0  # refused before the first step


def test_every_reason_is_given_not_only_the_first():
    model = _build([Dense(4, activation="elu"), Dropout(0.5), Dense(3, activation="softmax")],
                   RMSprop(0.01, clipnorm=1.0))
    plan = model.fit(X, LABELS, epochs=1, verbose=0, callbacks=[EveryBatch()]).plan
    assert plan.reasons == ("layer 'dense' has activation ELU (compiled: Linear, ReLU, Sigmoid, Tanh)",
                            "layer 'dropout' is a Dropout (compiled: Dense)",
                            "optimizer RMSprop (compiled: Adam, AdamW, SGD)",
                            "optimizer setting clipnorm=1.0",
                            "callback EveryBatch acts on every batch")


def test_the_fused_switch_and_execution_loop_keep_the_reference(monkeypatch):
    plans = [relu_net().fit(X, LABELS, epochs=1, verbose=2).plan]  # a per-epoch progress line is in scope
    plans.append(relu_net().fit(X, LABELS, epochs=1, verbose=0, execution="loop").plan)
    with kernels.fused(False):
        plans.append(relu_net().fit(X, LABELS, epochs=1, verbose=0).plan)
    monkeypatch.setattr(kernels, "registered", lambda op=None: {})  # as without numba
    plans.append(relu_net().fit(X, LABELS, epochs=1, verbose=0).plan)
    assert [(p.path, p.reasons) for p in plans] == [
        ("compiled", ()),
        ("loop", ("execution='loop'",)),
        ("loop", ("the fused kernels are switched off (gdlab.kernels.fused(False))",)),
        ("loop", ("numba is not installed (pip install gdlab[fast])",)),
    ]
    assert dict(plans[1].kernels)["update"] == "SGD: fused kernel (numba)"
    assert dict(plans[2].kernels)["update"] == "SGD.update (reference)"


@pytest.mark.parametrize("bad", ["yes", 1, 0, None, "Auto"])
def test_execution_must_be_auto_compiled_or_loop(bad):
    with pytest.raises(ValueError, match=re.escape(f"execution={bad!r}; valid: 'auto'")):
        relu_net().fit(X, LABELS, epochs=1, verbose=0, execution=bad)


@pytest.mark.parametrize("old, new", [(None, "auto"), (True, "compiled"), (False, "loop")])
def test_the_old_compiled_argument_still_works_with_a_deprecation_warning(old, new):
    with pytest.warns(DeprecationWarning, match=re.escape(f"fit(compiled={old!r}) is deprecated: write "
                                                           f"fit(execution={new!r})")):
        plan = relu_net().fit(X, LABELS, epochs=1, verbose=0, compiled=old).plan
    assert plan.requested == new
    with pytest.raises(ValueError, match=r"compiled='yes'; valid: None, True, False"):
        relu_net().fit(X, LABELS, epochs=1, verbose=0, compiled="yes")
    with pytest.raises(ValueError, match=r"give only execution="):
        relu_net().fit(X, LABELS, epochs=1, verbose=0, compiled=old, execution="loop")


@pytest.mark.parametrize("batch_size", [1, 4])
def test_a_diverging_run_stops_where_the_reference_stops(batch_size):
    errors = []
    for path in (True, False):
        model = _build([Dense(8, activation="relu"), Dense(1)], SGD(50.0), "mse", ())
        with pytest.raises(NonFiniteLossError) as err:
            model.fit(X * 100, TARGETS[:, 0] * 100, batch_size=batch_size, epochs=3, seed=0, verbose=0,
                      execution=PATH[path])
        errors.append(err.value)
    fast, ref = errors
    assert (fast.epoch, fast.iteration) == (ref.epoch, ref.iteration)
    assert len(fast.history.iteration_loss) == len(ref.history.iteration_loss)
    np.testing.assert_allclose(fast.history.iteration_loss, ref.history.iteration_loss, rtol=1e-4)  # float32
    # the diagnosis quotes the gradient norms recorded along the way (batch 1: from ‖x‖·‖δ‖ per layer)
    tails = [re.findall(r"([-+.\de]+) \(it\. (\d+)\)", str(e)) for e in errors]
    assert [i for _, i in tails[0]] == [i for _, i in tails[1]] and tails[0]
    np.testing.assert_allclose([float(n) for n, _ in tails[0]], [float(n) for n, _ in tails[1]], rtol=1e-2)


@pytest.mark.parametrize("compiled_on", [True, False])
@pytest.mark.parametrize("batch_size", [1, 5])
def test_train_steps_runs_batches_compiled_in_scope_and_step_by_step_otherwise(batch_size, compiled_on):
    """``train_steps`` (the lab's steps between two checks): the same losses and θ as ``train_step`` per
    batch, whether its batches run in one compiled call or (kernels off) one step at a time."""
    from gdlab.training import train_step, train_steps

    fast, y = network("relu-softmax-sparse", "momentum", dtype="float64")
    ref, _ = network("relu-softmax-sparse", "momentum", dtype="float64")
    xs, ys = fast.prepare(X, y)
    batches = EpochPlan(len(xs), batch_size).epoch(np.random.default_rng(2))[:7]
    for model in (fast, ref):
        model.build((X.shape[1],))
        model.optimizer.build(model.parameters)
    with kernels.fused(compiled_on):
        assert plan_steps(fast, batches).path == PATH[compiled_on]
        losses = train_steps(fast, xs, ys, batches)
    expected = [train_step(ref, xs[b], ys[b])[0] for b in batches]
    np.testing.assert_allclose(losses, expected, rtol=1e-10)
    np.testing.assert_allclose(fast.parameters.theta, ref.parameters.theta, **TOL["float64"])
    assert fast.optimizer.iterations == ref.optimizer.iterations == len(batches)


def test_train_steps_stops_at_the_first_nonfinite_loss_where_the_reference_stops():
    """A diverging run: the list ends with the first non-finite loss, θ as it was before that step — the
    same step and the same θ compiled and step by step."""
    from gdlab.training import train_steps

    runs = []
    for compiled_on in (True, False):
        model = _build([Dense(8, activation="relu"), Dense(1)], SGD(50.0), "mse", ())
        xs, ys = model.prepare(X * 100, TARGETS[:, 0] * 100)
        model.build((X.shape[1],))
        with kernels.fused(compiled_on):
            losses = train_steps(model, xs, ys, [np.array([i]) for i in range(len(xs))] * 3)
        runs.append((losses, model.parameters.theta.copy()))
    (fast, theta_fast), (ref, theta_ref) = runs
    assert 1 < len(fast) == len(ref) < 3 * len(X)
    assert np.all(np.isfinite(fast[:-1])) and not np.isfinite(fast[-1]) and not np.isfinite(ref[-1])
    np.testing.assert_allclose(fast[:-1], ref[:-1], rtol=1e-4)  # float32
    assert np.all(np.isfinite(theta_fast))
    np.testing.assert_allclose(theta_fast, theta_ref, rtol=1e-3)


def test_fit_takes_the_compiled_path_by_default_only_below_the_automatic_work(monkeypatch):
    """``execution="auto"`` (fit's default) runs steps of fewer than ``AUTOMATIC_BELOW`` multiply-adds
    (batch × Σ n_in·n_out) compiled and larger ones on the step loop, saying why; ``"compiled"`` runs
    any size compiled."""
    from gdlab import compiled

    benchmark_network = 784 * 256 + 256 * 128 + 128 * 10  # benchmarks/bench_mlp.py: batch 512 is the limit
    assert 511 * benchmark_network < compiled.AUTOMATIC_BELOW <= 512 * benchmark_network
    model = relu_net()
    model.build((6,))
    assert compiled.scope.weights_per_sample(model) == 6 * 4 + 4 * 3
    monkeypatch.setattr(compiled, "AUTOMATIC_BELOW", 36 * 20)  # batch 20 of this network
    x = np.random.default_rng(7).normal(size=(40, 6))
    y = np.arange(len(x)) % 3
    plans = {(b, e): relu_net().fit(x, y, batch_size=b, epochs=1, seed=0, verbose=0, execution=e).plan
             for b, e in [(19, "auto"), (20, "auto"), (20, "compiled")]}
    assert (plans[19, "auto"].path, plans[19, "auto"].reasons) == ("compiled", ())
    assert (plans[20, "auto"].path, plans[20, "auto"].reasons) == ("loop", (
        "a step does 720 multiply-adds (>= 720): BLAS-bound, the step loop is as fast (execution='compiled' "
        "runs it compiled)",))
    assert plans[20, "compiled"].path == "compiled"


@pytest.mark.parametrize("batches, message", [
    ([np.array([0, 41])], r"batches\[0\] holds index 41; valid: 0 … 40 \(the 41 samples\)"),
    ([np.array([3]), np.array([-1])], r"batches\[1\] holds index -1; valid: 0 … 40"),
    ([np.array([0.0, 1.0])], r"batches\[0\] = array\(\[0., 1.\]\): each batch must be a non-empty 1-D array"),
    ([np.ones(3, dtype=bool)], r"batches\[0\] = array\(\[ True,  True,  True\]\): each batch must be a non-empty"),
    ([np.array([], dtype=int)], r"batches\[0\] = array\(\[\], dtype=int64\): each batch must be a non-empty"),
    ([np.array([[0, 1]])], r"batches\[0\] = array\(\[\[0, 1\]\]\): each batch must be a non-empty 1-D"),
])
def test_train_steps_refuses_bad_batches_by_name(batches, message):
    from gdlab.training import train_steps

    model, y = network("relu-softmax-sparse")
    model.build((X.shape[1],))
    theta = model.parameters.theta.copy()
    with pytest.raises(ValueError, match=message):
        train_steps(model, X, y, batches)
    assert train_steps(model, X, y, []) == []
    np.testing.assert_array_equal(model.parameters.theta, theta)


def test_train_steps_checks_and_converts_its_data_as_fit_does():
    """Lists and float64 data for a float32 model are converted (as fit converts them); an uncompiled
    model is the error fit gives."""
    from gdlab.training import train_steps

    model, y = network("relu-softmax-sparse", dtype="float32")
    losses = train_steps(model, X.tolist(), y.tolist(), [[0, 1, 2], [3]])
    assert len(losses) == 2 and all(np.isfinite(losses))
    with pytest.raises(RuntimeError, match="the model is not compiled"):
        train_steps(Sequential([Dense(2)]), X, y, [[0]])


def test_an_inf_weight_meets_a_zero_input_as_in_the_reference():
    """0·inf is NaN on both paths: the batch-1 forward pass computes every row, zeros included."""
    from gdlab.training import train_steps

    x = X.copy()
    x[:, 2] = 0.0  # an input that is always 0 ...
    runs = []
    for compiled_on in (True, False):
        model, y = network("relu-softmax-sparse", dtype="float64")
        model.build((x.shape[1],))
        model.parameters.views(model.parameters.segments[0])[0][2, :] = np.inf  # ... meets a row of inf
        with kernels.fused(compiled_on):
            runs.append(train_steps(model, x, y, [np.array([i]) for i in range(5)]))
    assert len(runs[0]) == len(runs[1]) == 1 and not np.isfinite(runs[0][0]) and not np.isfinite(runs[1][0])
