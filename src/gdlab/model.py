"""``Sequential``: a stack of layers with compile / fit / evaluate / predict / summary.

The forward pass runs the layers in order; the loss compares the output with
the targets; the backward pass runs the layers in reverse, each applying the
chain rule and writing its parameter gradients into the flat gradient buffer;
the optimizer then updates the flat parameter buffer in one go.
"""

from __future__ import annotations

import numpy as np

from gdlab import backend, layers as layers_mod, losses, metrics as metrics_mod, optimizers
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

    def __init__(self, layers=None, dtype="float32", seed=None, name: str = "sequential"):
        self.dtype = backend.resolve_dtype(dtype)
        self.name = name
        self.seed = seed
        init_seq, fit_seq = backend.seed_sequence(seed).spawn(2)
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
        #: set by ``gdlab.load_checkpoint``: the next ``fit`` resumes from it
        self.resume_state = None
        #: while fitting: what a checkpoint needs (fit seed, epochs done, history, callbacks)
        self.fit_context = None
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
        self._layers.append(layer)

    @property
    def built(self) -> bool:
        return self.parameters is not None

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
        specs, per_layer = [], []
        for layer in self._layers:
            param_shapes = layer.build(shape)
            per_layer.append(param_shapes)
            specs += [(f"{layer.name}/{p}", s) for p, s in param_shapes.items()]
            shape = layer.compute_output_shape(shape)
        self.output_shape = shape
        params = Parameters(specs, self.dtype)
        segments = iter(params.segments)
        for i, (layer, param_shapes) in enumerate(zip(self._layers, per_layer)):
            weights, grads = {}, {}
            for p in param_shapes:
                weights[p], grads[p] = params.views(next(segments))
            layer.bind(weights, grads)
            for p, value in layer.initial_values(self.init_rng, self.dtype).items():
                weights[p][...] = value
            layer.input_grad_needed = i > 0
        self.parameters = params
        self._update_fusion()

    def count_params(self) -> int:
        return self.parameters.size if self.built else 0

    # -- compile --------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer (object or name), the loss and the metrics."""
        if loss is None:
            raise ValueError(f"compile needs loss=; known losses: {', '.join(losses.registry.names())}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        if isinstance(metrics, (str, dict)):
            raise TypeError(f"metrics={metrics!r} must be a list, e.g. metrics=['accuracy']")
        self.metrics = [metrics_mod.get(m, loss=self.loss) for m in (metrics or [])]
        self._update_fusion()

    @property
    def compiled(self) -> bool:
        return self.loss is not None

    def _update_fusion(self) -> None:
        """Fuse the last activation with the loss where they pair (softmax + cross-entropy)."""
        last = self._layers[-1].activation if self._layers else None
        pair = self.loss.fuses_with if self.loss is not None else None
        self._fused = bool(
            pair is not None and isinstance(last, pair) and not getattr(self.loss, "from_logits", False)
        )

    # -- the three passes ---------------------------------------------------------------------
    def forward(self, x, training: bool = False):
        for layer in self._layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, y, y_pred) -> None:
        """Fill ``parameters.grad`` with ∂L/∂θ for the batch whose forward pass ran last."""
        layers = self._layers
        if self._fused:
            g = self.loss.logit_gradient(y, y_pred)  # ∂L/∂z = (p − y)/B
            g = layers[-1].backward(g, through_activation=False)
        else:
            g = layers[-1].backward(self.loss.gradient(y, y_pred))
        for layer in reversed(layers[:-1]):
            g = layer.backward(g)

    def loss_and_gradient(self, x, y, training: bool = False) -> tuple[float, np.ndarray]:
        """(L, ∂L/∂θ as a flat copy) for prepared arrays x, y (used by gradcheck and the lab)."""
        y_pred = self.forward(x, training=training)
        value = self.loss(y, y_pred)
        self.backward(y, y_pred)
        return value, self.parameters.grad.copy()

    # -- data --------------------------------------------------------------------------------
    def prepare(self, x, y=None, xname="x", yname="y"):
        """Check and convert user data; builds the model from x's shape if needed."""
        x = as_features(x, self.dtype, self.input_shape if self.built or self.input_shape else None, xname)
        if not self.built:
            self.build(x.shape[1:])
        if y is None:
            return x, None
        if not self.compiled:
            raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) first")
        y = as_targets(y, self.loss, int(np.prod(self.output_shape)), x.shape[0], self.dtype, yname)
        return x, y

    # -- public API ---------------------------------------------------------------------------
    def fit(self, x, y, batch_size=32, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            initial_epoch: int = 0, seed=None, partial_batch: str = "keep",
            sampling: str = "without_replacement", compiled=None):
        """Train; returns the ``History``. ``batch_size``: int, ``1`` (SGD) or ``"full"``/``None`` (batch GD).

        ``seed`` fixes this fit's shuffling and dropout (default: drawn from the model's seed).
        After ``gdlab.load_checkpoint`` the next fit continues where the checkpoint stopped.
        ``compiled``: None runs each epoch compiled when it is in the scope of ``gdlab.compiled``,
        True requires that, False keeps the NumPy reference loop.
        """
        from gdlab.training import fit

        return fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                   callbacks=callbacks, validation_split=validation_split,
                   validation_data=validation_data, shuffle=shuffle, initial_epoch=initial_epoch,
                   seed=seed, partial_batch=partial_batch, sampling=sampling, compiled=compiled)

    def save(self, path) -> None:
        """Architecture, compile settings and weights in one safetensors file (atomic write)."""
        from gdlab.checkpoint import save_model

        save_model(self, path)

    def predict(self, x, batch_size=None, verbose=0) -> np.ndarray:
        """Outputs for x, computed in chunks of ``batch_size`` (default 4096) samples."""
        x, _ = self.prepare(x)
        step = _chunk(batch_size, x.shape[0])
        return np.concatenate([self.forward(x[i:i + step]) for i in range(0, x.shape[0], step)])

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
            out = self.forward(xb)
            loss_sum += self.loss(yb, out) * xb.shape[0]
            for k, m in enumerate(self.metrics):
                s, c = m.batch(yb, out)
                sums[k] += s
                counts[k] += c
        logs = {"loss": loss_sum / n}
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

    def summary(self, print_fn=print) -> str:
        """A table of layers, output shapes and parameter counts (printed and returned)."""
        if not self.built:
            if self.input_shape is None:
                raise ValueError("summary needs a built model: give an input shape or fit/predict first")
            self.build()
        rows, shape = [], self.input_shape
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", f"(None, {', '.join(map(str, shape))})",
                         f"{layer.count_params():,}"))
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in
                  enumerate(("Layer (type)", "Output Shape", "Param #"))]
        line = "─" * (sum(widths) + 6)
        out = [f'Model: "{self.name}"', line,
               "  ".join(h.ljust(w) for h, w in zip(("Layer (type)", "Output Shape", "Param #"), widths)),
               line]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        total = self.count_params()
        out += [line, f"Total params: {total:,} ({total * self.dtype.itemsize:,} bytes, {self.dtype.name})", line]
        text = "\n".join(out)
        if print_fn is not None:
            print_fn(text)
        return text

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
        """A new model with the same layers, weights and compile settings (optionally another dtype)."""
        twin = Sequential.from_config(self.get_config(), dtype=dtype)
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
    from gdlab.batching import resolve_batch_size

    return resolve_batch_size(batch_size, n)
