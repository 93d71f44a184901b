"""``Sequential``: a stack of layers with compile / fit / evaluate / predict / summary.

The forward pass runs the layers in order; the loss compares the output with
the targets; the backward pass runs the layers in reverse, each applying the
chain rule and writing its parameter gradients into the flat gradient buffer;
the optimizer then updates the flat parameter buffer in one go.

The model computes with one array backend (``backend="numpy"`` or ``"cupy"``, or by
default the one ``gdlab.backend.use`` sets), chosen when it is made or moved with ``to``: its layers,
activations, loss and θ all use that one object. Data given to fit, evaluate and
predict is checked on the host and moved there; predict returns NumPy arrays.
"""

from __future__ import annotations

import numpy as np

from gdlab import backend as backend_mod, checkpoint, losses, optimizers, saving, training
from gdlab import layers as layers_mod, metrics as metrics_mod
from gdlab.batching import resolve_batch_size
from gdlab.callbacks import CallbackList, History
from gdlab.display import html
from gdlab.execution import ExecutionPlan, plan_fit
from gdlab.inputs import as_features, as_targets
from gdlab.parameters import Parameters
from gdlab.registry import serialize

PREDICT_CHUNK = 4096


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


class Sequential:
    """A linear stack of layers.

    >>> model = Sequential([Dense(32, activation="relu"), Dense(10, activation="softmax")])
    >>> model.compile(optimizer=SGD(lr=0.1, momentum=0.9), loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
    >>> history = model.fit(x, y, epochs=10, batch_size=32, validation_split=0.2)
    """

    def __init__(self, layers=None, dtype="float32", seed=None, name: str = "sequential", backend=None):
        self.backend = backend_mod.get_backend(backend)
        self.dtype = backend_mod.resolve_dtype(dtype)
        self.name = name
        self.seed = seed
        init_seq, fit_seq = backend_mod.seed_sequence(seed).spawn(2)
        self.init_rng = np.random.default_rng(init_seq)
        #: draws each fit call's seed (when fit is given none); its state is saved in checkpoints
        self.fit_seed_rng = np.random.default_rng(fit_seq)
        self._layers: list[layers_mod.Layer] = []
        self.parameters: Parameters | None = None
        self.input_shape = None
        self.output_shape = None
        self.optimizer = None
        self.loss = None
        self.metrics: list = []
        self._fused = False
        self.stop_training = False
        self.history = None
        #: the running or last fit's TrainingState; after ``load_checkpoint`` one that the next fit resumes
        self.training_state = None
        for layer in layers or []:
            self.add(layer)

    # -- structure ----------------------------------------------------------------------------
    @property
    def layers(self) -> list[layers_mod.Layer]:
        """The layers (an ``Input`` declaration is not a layer)."""
        return list(self._layers)

    def add(self, layer) -> None:
        if not isinstance(layer, layers_mod.Layer):
            raise TypeError(f"Sequential.add takes a gdlab layer; got {layer!r}")
        if self.built:
            raise RuntimeError("cannot add layers to a model that is already built")
        if isinstance(layer, layers_mod.Input):
            if self._layers or self.input_shape is not None:
                raise ValueError("Input must come first, and only once")
            self.input_shape = layer.input_shape
            return
        if layer.input_shape is not None and not self._layers and self.input_shape is None:
            self.input_shape = layer.input_shape
        if layer.name is None:
            base = _snake(type(layer).__name__)
            taken = {l.name for l in self._layers}
            layer.name = base
            k = 1
            while layer.name in taken:
                layer.name, k = f"{base}_{k}", k + 1
        elif layer.name in {l.name for l in self._layers}:
            raise ValueError(f"layer name {layer.name!r} is used twice in this model")
        layer.use_backend(self.backend)
        self._layers.append(layer)

    def to(self, backend) -> "Sequential":
        """Move the model — θ, its gradient, the optimizer state, the layers — to ``backend`` (``"numpy"``,
        ``"cupy"`` or a ``gdlab.backend.Backend``); returns the model."""
        target = backend_mod.get_backend(backend)
        if target is self.backend:
            return self
        if self.built:
            old = self.parameters
            params = Parameters([(s.name, s.shape) for s in old.segments], self.dtype, target)
            params.theta[...] = target.asarray(self.backend.to_numpy(old.theta))
            self._bind(params)
        opt_state = self.optimizer.state_dict() if self.optimizer is not None and self.optimizer.built else None
        self.backend = target
        for layer in self._layers:
            layer.use_backend(target)
        if self.loss is not None:
            self.loss.backend = target
        if opt_state is not None:
            self.optimizer.build(self.parameters)
            self.optimizer.load_state_dict(opt_state)
        return self

    @property
    def built(self) -> bool:
        return self.parameters is not None

    def parameter_shapes(self, input_shape) -> tuple[list[dict[str, tuple]], tuple]:
        """Each layer's {parameter: shape} for inputs of ``input_shape``, and the output shape — worked out
        from the architecture alone, nothing allocated (loading checks a file's tensors against these)."""
        if not self._layers:
            raise ValueError("the model has no layers; add some before build/fit/predict")
        shape, per_layer = tuple(input_shape), []
        for layer in self._layers:
            per_layer.append(layer.build(shape))
            shape = layer.compute_output_shape(shape)
        return per_layer, shape

    def build(self, input_shape=None) -> None:
        """Allocate the flat buffers, give each layer its views, draw initial weights."""
        if self.built:
            return
        if not self._layers:
            raise ValueError("the model has no layers; add some before build/fit/predict")
        shape = tuple(input_shape if input_shape is not None else self.input_shape or ())
        if not shape:
            raise ValueError("the input shape is unknown: pass input_shape= to the first layer, "
                             "start with Input((features,)), or call fit/predict with data")
        self.input_shape = shape
        per_layer, self.output_shape = self.parameter_shapes(shape)
        specs = [(f"{layer.name}/{p}", s) for layer, shapes in zip(self._layers, per_layer) for p, s in shapes.items()]
        params = Parameters(specs, self.dtype, self.backend)
        self._bind(params)
        for layer in self._layers:  # drawn on the host, then moved: the same θ on every backend
            for p, value in layer.initial_values(self.init_rng, self.dtype).items():
                layer.weights[p][...] = self.backend.asarray(value)
        self._update_fusion()

    def _bind(self, params: Parameters) -> None:
        """Give each layer its views of ``params``; they become the model's parameters."""
        for i, layer in enumerate(self._layers):
            weights, grads = {}, {}
            for seg in params.segments:
                owner, _, p = seg.name.rpartition("/")
                if owner == layer.name:
                    weights[p], grads[p] = params.views(seg)
            layer.bind(weights, grads)
            layer.input_grad_needed = i > 0
        self.parameters = params

    def count_params(self) -> int:
        return self.parameters.size if self.built else 0

    # -- compile --------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer (object or name), the loss and the metrics."""
        if loss is None:
            raise ValueError(f"compile needs loss=; known losses: {', '.join(losses.registry.names())}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.loss.backend = self.backend
        if isinstance(metrics, (str, dict)):
            raise TypeError(f"metrics={metrics!r} must be a list, e.g. metrics=['accuracy']")
        self.metrics = [metrics_mod.get(m, loss=self.loss) for m in (metrics or [])]
        self._update_fusion()

    @property
    def compiled(self) -> bool:
        return self.loss is not None

    def _update_fusion(self) -> None:
        """Fuse the last activation with the loss where they pair (softmax + cross-entropy)."""
        last = self._layers[-1] if self._layers else None
        pair = self.loss.fuses_with if self.loss is not None else None
        self._fused = bool(
            pair is not None and isinstance(last, layers_mod.ActivatedLayer) and isinstance(last.activation, pair)
            and not getattr(self.loss, "from_logits", False)
        )

    # -- the three passes ---------------------------------------------------------------------
    def forward(self, x, training: bool = False):
        for layer in self._layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, y, y_pred) -> None:
        """Fill ``parameters.grad`` with ∂L/∂θ for the batch whose forward pass ran last."""
        layers = self._layers
        if self._fused:  # the loss gives ∂L/∂z below the last activation: (p − y)/B
            g = layers[-1].backward_from_preactivation(self.loss.logit_gradient(y, y_pred))
        else:
            g = layers[-1].backward(self.loss.gradient(y, y_pred))
        for layer in reversed(layers[:-1]):
            g = layer.backward(g)

    def loss_and_gradient(self, x, y, training: bool = False) -> tuple[float, np.ndarray]:
        """(L, ∂L/∂θ as a flat NumPy copy) for prepared arrays x, y (used by gradcheck and the lab)."""
        x, y = self.backend.asarray(x), self.backend.asarray(y)
        y_pred = self.forward(x, training=training)
        value = self.loss(y, y_pred)
        self.backward(y, y_pred)
        return float(value), np.array(self.backend.to_numpy(self.parameters.grad))

    # -- data --------------------------------------------------------------------------------
    def prepare_inputs(self, x, xname="x"):
        """Check and convert inputs (on the host); builds the model from x's shape if needed."""
        x = as_features(x, self.dtype, self.input_shape if self.built or self.input_shape else None, xname)
        if not self.built:
            self.build(x.shape[1:])
        return x

    def prepare(self, x, y, xname="x", yname="y"):
        """Check and convert inputs and targets (both required) for fit and evaluate."""
        x = self.prepare_inputs(x, xname)
        if not self.compiled:
            raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) first")
        y = as_targets(y, self.loss, int(np.prod(self.output_shape)), x.shape[0], self.dtype, yname)
        return x, y

    # -- public API ---------------------------------------------------------------------------
    fit = training.fit
    train_on_batch = training.train_on_batch

    def save(self, path) -> None:
        """Architecture, compile settings, weights and optimizer state in one safetensors file (atomic)."""
        checkpoint.write(path, *saving.contents(self))

    def save_checkpoint(self, path) -> None:
        """Everything ``save`` writes plus the training state (epochs done, fit seed, history, callback
        states), so that ``gdlab.load_checkpoint(path).fit(...)`` continues exactly."""
        if self.training_state is None:
            raise RuntimeError("save_checkpoint needs a model that has started training (there is no training "
                               "state to save); use model.save(path) for the weights alone")
        checkpoint.write(path, *saving.contents(self, self.training_state))

    def restore_checkpoint(self, path) -> None:
        """Load a checkpoint of this same architecture into this model: weights, optimizer state,
        learning rate and training state; the next ``fit`` resumes it (BackupAndRestore uses this)."""
        file = checkpoint.read(path)
        saving.check_same_architecture(self, file)
        saving.load_state(self, file)
        saving.restore_learning_rate(self, file)
        self.training_state = saving.training_state(self, file)

    def predict(self, x, batch_size=None, verbose=0) -> np.ndarray:
        """Outputs for x, computed in chunks of ``batch_size`` (default 4096) samples."""
        x = self.prepare_inputs(x)
        step = _chunk(batch_size, x.shape[0])
        b = self.backend
        return np.concatenate([b.to_numpy(self.forward(b.asarray(x[i:i + step]))) for i in range(0, x.shape[0], step)])

    def evaluate(self, x, y, batch_size=None, verbose=0, return_dict: bool = False):
        """The loss (and metrics) on (x, y): a float, a list [loss, *metrics] or a dict."""
        x, y = self.prepare(x, y)
        logs = self.evaluate_arrays(x, y, batch_size)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def evaluate_arrays(self, x, y, batch_size=None) -> dict:
        """Exact means over all samples, for arrays already prepared."""
        step = _chunk(batch_size, x.shape[0])
        n = x.shape[0]
        loss_sum = 0.0
        sums = [0.0] * len(self.metrics)
        counts = [0] * len(self.metrics)
        for i in range(0, n, step):
            xb, yb = x[i:i + step], y[i:i + step]
            out = self.forward(self.backend.asarray(xb))
            loss_sum += self.loss(self.backend.asarray(yb), out) * xb.shape[0]
            out = self.backend.to_numpy(out)  # metrics count on the host
            for k, m in enumerate(self.metrics):
                s, c = m.batch(yb, out)
                sums[k] += s
                counts[k] += c
        logs = {"loss": float(loss_sum) / n}
        for m, s, c in zip(self.metrics, sums, counts):
            logs[m.name] = s / c
        return logs

    def get_weights(self) -> list[np.ndarray]:
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(l.weights) for l in self._layers)
        if len(weights) != expected:
            raise ValueError(f"set_weights got {len(weights)} arrays; the model has {expected}")
        i = 0
        for layer in self._layers:
            k = len(layer.weights)
            layer.set_weights(weights[i:i + k])
            i += k

    def execution_plan(self, batch_size: int = 32, callbacks=None, execution: str = "auto") -> ExecutionPlan:
        """How ``fit(x, y, batch_size=…, callbacks=…, execution=…)`` would run: the compiled epoch or the step
        loop, each op's kernel, the BLAS threads and every reason (``gdlab.execution``; ``history.plan`` is
        the one a fit ran). Needs a compiled, built model; builds the optimizer's state if it is not."""
        if not self.compiled:
            raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) first")
        if not self.built:
            raise ValueError("execution_plan needs a built model: give an input shape or fit/predict first")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be an int >= 1 (the rows of the largest step)")
        if not self.optimizer.built:
            self.optimizer.build(self.parameters)
        return plan_fit(self, int(batch_size), CallbackList([History(), *(callbacks or [])], self), execution)

    def _layer_rows(self) -> list[tuple[str, str, str]]:
        """(name (type), output shape, parameter count) per layer; builds the model when its input shape is known."""
        if not self.built:
            if self.input_shape is None:
                raise ValueError("summary needs a built model: give an input shape or fit/predict first")
            self.build()
        rows, shape = [], self.input_shape
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", f"(None, {', '.join(map(str, shape))})",
                         f"{layer.count_params():,}"))
        return rows

    def _plan_text(self) -> str | None:
        """How fit runs: the last fit's plan, or for a compiled model the plan of ``fit(batch_size=32)``."""
        if self.history is not None and self.history.plan is not None:
            return self.history.plan.describe("Last fit")
        return self.execution_plan().describe("fit(batch_size=32) would run") if self.compiled else None

    def _params_line(self) -> str:
        total = self.count_params()
        return f"Total params: {total:,} ({total * self.dtype.itemsize:,} bytes, {self.dtype.name})"

    def summary(self, print_fn=print) -> str | None:
        """A table of layers, output shapes and parameter counts, and for a compiled model how fit runs
        (the last fit's plan, or the plan of ``fit(batch_size=32)``). As Keras: printed with ``print_fn``
        (``print``, or e.g. a logger's method) and None returned; ``print_fn=None`` returns the text instead.
        In a notebook, showing the model itself (``model`` as a cell's last line) draws the same as HTML."""
        rows = self._layer_rows()
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in
                  enumerate(("Layer (type)", "Output Shape", "Param #"))]
        line = "─" * (sum(widths) + 6)
        out = [f'Model: "{self.name}"', line,
               "  ".join(h.ljust(w) for h, w in zip(("Layer (type)", "Output Shape", "Param #"), widths)),
               line]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        out += [line, self._params_line(), line]
        plan = self._plan_text()
        if plan is not None:
            out.append(plan)
        text = "\n".join(out)
        if print_fn is None:
            return text
        print_fn(text)
        return None

    def __repr__(self) -> str:
        params = f"{self.count_params():,} parameters" if self.built else "not built"
        how = f", compiled with {type(self.optimizer).__name__} and {type(self.loss).__name__}" if self.compiled else ""
        ran = f", last fit: {self.history.plan.path}" if self.history is not None and self.history.plan else ""
        return (f"<Sequential {self.name!r}: {len(self._layers)} layers, {params}, {self.dtype.name} on "
                f"{self.backend.name}{how}{ran}>")

    def _repr_html_(self) -> str:
        """Layers, shapes and parameter counts, the compile settings, dtype, backend and how fit runs."""
        title = f"Sequential {self.name!r}"
        if not self.built and self.input_shape is None:
            layers = [(f"{l.name} ({type(l).__name__})", "?", "?") for l in self._layers]
            body = [html.table(["Layer (type)", "Output Shape", "Param #"], layers),
                    "<div>not built: the input shape is unknown until fit/predict sees data</div>"]
        else:
            body = [html.table(["Layer (type)", "Output Shape", "Param #"], self._layer_rows()),
                    f"<div>{html.esc(self._params_line())}</div>"]
        opt = self.optimizer
        body.append(html.lines([
            ("optimizer", None if opt is None else f"{type(opt).__name__}, η = {opt.current_learning_rate():g}"
                                                   f"{' (a schedule)' if callable(opt.learning_rate) else ''}, "
                                                   f"convention={opt.convention!r}"),
            ("loss", None if self.loss is None else type(self.loss).__name__),
            ("metrics", ", ".join(m.name for m in self.metrics) or None),
            ("dtype", self.dtype.name), ("backend", self.backend.name),
            ("compiled", None if self.compiled else "no: call model.compile(optimizer, loss) before fit")]))
        plan = self._plan_text() if self.built else None
        if plan is not None:
            body.append(html.pre(plan))
        return html.card(title, *body)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype.name,
            "seed": self.seed if isinstance(self.seed, int) else None,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [serialize(layer) for layer in self._layers],
        }

    @classmethod
    def from_config(cls, config: dict, dtype=None) -> "Sequential":
        model = cls(dtype=dtype or config.get("dtype", "float32"), name=config.get("name", "sequential"),
                    seed=config.get("seed"))
        for entry in config["layers"]:
            model.add(layers_mod.get(entry))
        if config.get("input_shape"):
            model.build(tuple(config["input_shape"]))
        return model

    def clone(self, dtype=None) -> "Sequential":
        """A new model with the same layers, weights, compile settings and backend (optionally another dtype)."""
        twin = Sequential.from_config(self.get_config(), dtype=dtype).to(self.backend)
        if self.built:
            twin.build(self.input_shape)
            twin.set_weights(self.get_weights())
        if self.compiled:
            twin.compile(optimizer=type(self.optimizer).from_config(self.optimizer.get_config()),
                         loss=losses.get(serialize(self.loss)),
                         metrics=[m.name for m in self.metrics])
        return twin


def _chunk(batch_size, n: int) -> int:
    if batch_size is None:
        return min(n, PREDICT_CHUNK)
    return resolve_batch_size(batch_size, n)


def load_model(path) -> Sequential:
    """A model saved by ``model.save`` (or a checkpoint), with weights, compile settings and optimizer state."""
    return saving.build(checkpoint.read(path), Sequential)


def load_checkpoint(path) -> Sequential:
    """A model from a checkpoint, set to resume: the next ``fit`` continues after the saved epoch."""
    file = checkpoint.read(path)
    model = saving.build(file, Sequential)
    model.training_state = saving.training_state(model, file)
    return model
