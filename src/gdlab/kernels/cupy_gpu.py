"""The CuPy backend's fused kernels (``pip install gdlab[cuda]``): one ``ElementwiseKernel`` launch per optimizer
step where the reference ``update`` launches one kernel per operation (Adam: about 12). Imported only by
``gdlab.backend.CupyBackend``, after CuPy has been checked to work; each kernel is registered in the table of
``gdlab.kernels`` under backend ``"cupy"``.

They are written exactly like the numba kernels of ``numba_cpu.py``: the same operations in the same order and
precision, compiled with ``--fmad=false`` so that no multiply-add is contracted (the references make none), and
with IEEE square root and division (NVRTC's defaults). Unlike the CPU kernels they do not flush tiny state to
zero: GPUs compute on subnormal numbers at full speed, so the state equals the reference's too.
"""

from __future__ import annotations

import cupy

from gdlab.formulas import adam_step_size
from gdlab.kernels import register

_OPTIONS = ("--fmad=false",)


def _kernel(in_params: str, out_params: str, operation: str, name: str) -> cupy.ElementwiseKernel:
    return cupy.ElementwiseKernel(in_params, out_params, operation, name, no_return=True, options=_OPTIONS)


# -- optimizers: kernel(optimizer, θ, g, state, t, η), the same numbers as optimizer.update --------------
_sgd = _kernel("T g, T eta", "T theta", "theta = theta - g * eta;", "gdlab_sgd")  # θ ← θ − g·η


@register("sgd", "cupy", momentum=False)
def sgd(opt, theta, g, state, t, lr):
    _sgd(g, theta.dtype.type(lr), theta)


_sgd_velocity = _kernel(
    "T g, T mu, T eta, int32 nesterov", "T theta, T v",
    """T step = g * eta;
       T vi = v * mu - step;
       v = vi;
       theta = theta + (nesterov ? vi * mu - step : vi);""",
    "gdlab_sgd_velocity")  # v ← v·μ − g·η;  θ ← θ + v  or  θ ← θ + (v·μ − g·η)

_sgd_buffer = _kernel(
    "T g, T mu, T one_minus_tau, T eta, int32 first, int32 nesterov", "T theta, T b",
    """T bi = first ? g : b * mu + g * one_minus_tau;
       b = bi;
       T d = nesterov ? g + bi * mu : bi;
       theta = theta - d * eta;""",
    "gdlab_sgd_buffer")  # b ← g (first step) or b·μ + g·(1 − τ);  d ← g + b·μ  or  b;  θ ← θ − d·η


def _sgd_momentum(opt, theta, g, state, t, lr):
    dt = theta.dtype.type
    if opt.lr_inside_momentum:
        _sgd_velocity(g, dt(opt.momentum), dt(lr), int(opt.nesterov), theta, state["velocity"])
    else:
        _sgd_buffer(g, dt(opt.momentum), dt(1 - opt.dampening), dt(lr), int(t == 1), int(opt.nesterov), theta,
                    state["velocity"])


for _nesterov in (False, True):
    for _inside in (False, True):
        register("sgd", "cupy", momentum=True, nesterov=_nesterov, lr_inside_momentum=_inside)(_sgd_momentum)


_adam = _kernel(
    "T g, T one_minus_b1, T b2, T one_minus_b2, T alpha, T root_c2, T eps, int32 eps_hat", "T theta, T m, T v",
    """T mi = m + (g - m) * one_minus_b1;
       m = mi;
       T vi = v * b2 + g * one_minus_b2 * g;
       v = vi;
       theta = theta - (mi * alpha) / (eps_hat ? sqrt(vi) + eps : sqrt(vi) / root_c2 + eps);""",
    "gdlab_adam")  # m ← m + (g − m)·(1 − β₁);  v ← v·β₂ + g·(1 − β₂)·g;  θ ← θ − (m·α)/(√v + ε̂  or  √v/√c₂ + ε)


def _adam_step(opt, theta, g, state, t, lr):
    dt, b1, b2 = theta.dtype.type, opt.beta_1, opt.beta_2
    _adam(g, dt(1 - b1), dt(b2), dt(1 - b2), *(dt(v) for v in adam_step_size(lr, b1, b2, t, opt.eps_hat)),
          dt(opt.epsilon), int(opt.eps_hat), theta, state["m"], state["v"])


for _eps_hat in (False, True):
    register("adam", "cupy", amsgrad=False, eps_hat=_eps_hat)(_adam_step)
