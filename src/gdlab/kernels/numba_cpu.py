"""The NumPy backend's fused kernels, in numba (optional: ``pip install gdlab[fast]``): one pass where
NumPy needs several. Each is registered in the table of ``gdlab.kernels``.

Optimizer updates: an optimizer's readable update makes one pass over the 235k-parameter vector
per operation (Adam: 12), each as costly as the memory it streams. These
kernels do every operation for one entry before moving to the next, in one
vectorised loop (numba's ``error_model="numpy"`` keeps IEEE division, which
lets LLVM vectorise it). They are serial on purpose: a parallel kernel's
spinning worker threads fight OpenBLAS's threads for the cores and made the
matrix products of batches ≥ 8 several times slower. They compute exactly what the NumPy references compute, operation by
operation in the same order and precision (no fused multiply-add, no
fast-math), so the results are bitwise identical — ``tests/test_fast_paths.py``
checks every registered kernel. Without numba this module is not imported and the references
run.

One deliberate difference: the momentum-like state (SGD's velocity, Adam's m
and v) is flushed to zero once it decays below the smallest normal float
(``tiny``: 1.2e-38 in float32). A weight whose gradient stays zero sees its m
shrink by β₁ every step into subnormal numbers, and x86 CPUs compute on those
about a hundred times slower (an Adam step at batch 1 took 485 µs instead of
145 µs). Such values cannot move θ — their contribution is far below θ's own
unit in the last place — so θ stays bitwise equal to the reference, and the
state differs from it only in entries smaller than ``tiny`` (the tests check
both).

Layers: ``outer`` writes the batch-1 weight gradient xᵀ·dz (an outer product,
for which BLAS's k = 1 GEMM is slow), and ``relu_backward`` masks a gradient in
place. Each computes one product or one selection per entry, exactly as NumPy.
"""

from __future__ import annotations

import math

import numba

from gdlab.kernels import adam_step_size, register, tiny


def _kernel(f):
    return numba.njit(nogil=True, cache=True, fastmath=False, error_model="numpy")(f)


@_kernel
def _flush(x, tiny):
    """0 (with x's sign) for |x| below the smallest normal number (see above), else x; NaN stays NaN.
    Written as x·1 or x·0 — a select of a constant, which LLVM vectorises (a select of x did not)."""
    one, zero = tiny / tiny, tiny - tiny  # 1 and 0 in x's precision
    return x * (one if abs(x) >= tiny else zero)


# -- optimizers: kernel(optimizer, θ, g, state, t, η), the same numbers as optimizer.update --------------
@_kernel
def sgd_plain(theta, g, eta):
    """θ ← θ − g·η."""
    for i in range(theta.size):
        theta[i] = theta[i] - g[i] * eta


@register("sgd", momentum=False)
def sgd(opt, theta, g, state, t, lr):
    sgd_plain(theta, g, theta.dtype.type(lr))


@_kernel
def sgd_velocity(theta, g, v, mu, eta, nesterov, tiny):
    """v ← v·μ − g·η;  θ ← θ + v  or  θ ← θ + (v·μ − g·η)."""
    for i in range(theta.size):
        step = g[i] * eta
        vi = _flush(v[i] * mu - step, tiny)
        v[i] = vi
        theta[i] = theta[i] + (vi * mu - step if nesterov else vi)


@_kernel
def sgd_buffer(theta, g, b, mu, one_minus_tau, eta, first, nesterov, tiny):
    """b ← g (first step) or b·μ + g·(1 − τ);  d ← g + b·μ  or  b;  θ ← θ − d·η."""
    for i in range(theta.size):
        bi = g[i] if first else _flush(b[i] * mu + g[i] * one_minus_tau, tiny)
        b[i] = bi
        d = g[i] + bi * mu if nesterov else bi
        theta[i] = theta[i] - d * eta


def _sgd_momentum(opt, theta, g, state, t, lr):
    dt = theta.dtype.type
    if opt.lr_inside_momentum:
        sgd_velocity(theta, g, state["velocity"], dt(opt.momentum), dt(lr), opt.nesterov, tiny(dt))
    else:
        sgd_buffer(theta, g, state["velocity"], dt(opt.momentum), dt(1 - opt.dampening), dt(lr), t == 1,
                    opt.nesterov, tiny(dt))


for _nesterov in (False, True):
    for _inside in (False, True):
        register("sgd", momentum=True, nesterov=_nesterov, lr_inside_momentum=_inside)(_sgd_momentum)


@_kernel
def adam_moments(theta, g, m, v, one_minus_b1, b2, one_minus_b2, alpha, eps_hat, root_c2, eps, tiny):
    """m ← m + (g − m)·(1 − β₁);  v ← v·β₂ + g·(1 − β₂)·g;
    θ ← θ − (m·α)/(√v + ε̂)  (eps_hat)  or  θ ← θ − (m·α)/(√v/√c₂ + ε)."""
    for i in range(theta.size):
        gi = g[i]
        mi = _flush(m[i] + (gi - m[i]) * one_minus_b1, tiny)
        m[i] = mi
        vi = _flush(v[i] * b2 + gi * one_minus_b2 * gi, tiny)
        v[i] = vi
        theta[i] = theta[i] - (mi * alpha) / (math.sqrt(vi) + eps if eps_hat else math.sqrt(vi) / root_c2 + eps)


def _adam_step(opt, theta, g, state, t, lr):
    dt, b1, b2 = theta.dtype.type, opt.beta_1, opt.beta_2
    adam_moments(theta, g, state["m"], state["v"], dt(1 - b1), dt(b2), dt(1 - b2), dt(adam_step_size(opt, t, lr)),
                 opt.eps_hat, dt(math.sqrt(1 - b2**t)), dt(opt.epsilon), tiny(dt))


for _eps_hat in (False, True):
    register("adam", amsgrad=False, eps_hat=_eps_hat)(_adam_step)


# -- layers ------------------------------------------------------------------------------------------------
@register("outer")
@_kernel
def outer(x, y, out):
    """out[i, j] = x[i]·y[j]."""
    for i in range(x.size):
        xi = x[i]
        for j in range(y.size):
            out[i, j] = xi * y[j]


@register("activation_backward", activation="ReLU")
@_kernel
def relu_backward(g, a):
    """g ← g·[a > 0] in place (a = relu(z), so a > 0 ⇔ z > 0) — a multiply, as NumPy's g·mask, so
    −0, inf and NaN come out exactly as there."""
    flat_g, flat_a = g.reshape(-1), a.reshape(-1)
    one, zero = flat_g.dtype.type(1), flat_g.dtype.type(0)
    for i in range(flat_g.size):
        flat_g[i] = flat_g[i] * (one if flat_a[i] > 0 else zero)


@register("bias_activation", activation="ReLU")
@_kernel
def bias_relu(z, b):
    """z ← max(z + b, 0) in place, row by row — NumPy's maximum: NaN and −0 pass through."""
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[r, j] + b[j]
            z[r, j] = v if (v >= 0 or v != v) else 0
