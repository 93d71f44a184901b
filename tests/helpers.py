"""Shared test helpers: finite differences for layers built outside a model."""

from __future__ import annotations

import contextlib

import numpy as np

from gdlab.gradcheck import numeric_gradient, relative_error
from gdlab.parameters import Parameters

TOL = 1e-6


def standalone(layer, input_shape, seed=0, dtype=np.float64):
    """Build, bind and initialise a layer outside a model; returns its Parameters."""
    shapes = layer.build(input_shape)
    params = Parameters([(f"{layer.name or 'layer'}/{k}", s) for k, s in shapes.items()], dtype)
    weights, grads = {}, {}
    for seg, key in zip(params.segments, shapes):
        weights[key], grads[key] = params.views(seg)
    layer.bind(weights, grads)
    rng = np.random.default_rng(seed)
    for key, value in layer.initial_values(rng, dtype).items():
        weights[key][...] = value
    # non-zero biases so their gradients are exercised
    for key in weights:
        if key == "bias":
            weights[key][...] = rng.normal(0, 0.5, weights[key].shape)
    return params


def layer_gradcheck(layer, x, seed=0, training=False, reset=None):
    """Max relative error of backward (∂L/∂x and ∂L/∂θ) against central differences,
    with L = Σ R ⊙ layer(x) for a fixed random R."""
    params = standalone(layer, x.shape[1:], seed)
    out = layer.forward(x, training=training)
    r = np.random.default_rng(seed + 1).normal(size=out.shape)

    def loss_x(xv):
        if reset:
            reset()
        return float(np.sum(r * layer.forward(xv, training=training)))

    if reset:
        reset()
    layer.forward(x, training=training)
    dx = layer.backward(r.copy())  # backward may overwrite its argument
    analytic_theta = params.grad.copy()
    errors = [relative_error(dx, numeric_gradient(loss_x, x)).max()]
    if params.size:
        def loss_theta(theta):
            params.theta[...] = theta
            return loss_x(x)

        theta0 = params.theta.copy()
        numeric_theta = numeric_gradient(loss_theta, theta0)
        params.theta[...] = theta0
        errors.append(relative_error(analytic_theta, numeric_theta).max())
    return max(errors)


@contextlib.contextmanager
def interrupt_at_epoch(monkeypatch, stop_epoch: int):
    """A context in which fit raises KeyboardInterrupt as epoch ``stop_epoch`` begins (its batches are drawn)."""
    from gdlab import training

    epoch_generator = training.epoch_generator

    def interrupting(fit_seed, epoch, stream):
        if epoch == stop_epoch:
            raise KeyboardInterrupt
        return epoch_generator(fit_seed, epoch, stream)

    with monkeypatch.context() as m:
        m.setattr(training, "epoch_generator", interrupting)
        yield
