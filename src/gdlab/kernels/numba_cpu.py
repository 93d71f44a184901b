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

from gdlab.formulas import adam_step_size
from gdlab.kernels import register, tiny
from gdlab.opcodes import HP, Update


def _kernel(f):
    return numba.njit(nogil=True, cache=True, fastmath=False, error_model="numpy")(f)


def _inlined(f):
    """A scalar rule that other kernels call: inlined into them by numba itself, so their loops are
    exactly the loops they would be with the rule written out (and vectorise as those do)."""
    return numba.njit(inline="always", cache=True, fastmath=False, error_model="numpy")(f)


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


_adam_step_size = _kernel(adam_step_size)


@_kernel
def update(code, theta, g, s1, s2, hp, t, tiny):
    """One fused update of θ by the rule ``code`` (``gdlab.opcodes.Update``) with the hyperparameters
    ``hp`` (``gdlab.opcodes.HP``) and slots s1, s2 (velocity; m, v) at step t — what the optimizer's
    ``kernel_arguments`` describes. The per-step fast path and the compiled epoch both call this."""
    dt = theta.dtype.type
    eta = dt(hp[HP.LR])
    if code == Update.SGD:
        sgd_plain(theta, g, eta)
    elif code == Update.SGD_KERAS:
        sgd_velocity(theta, g, s1, dt(hp[HP.MU]), eta, hp[HP.NESTEROV] != 0, tiny)
    elif code == Update.SGD_TORCH:
        sgd_buffer(theta, g, s1, dt(hp[HP.MU]), dt(hp[HP.ONE_MINUS_TAU]), eta, t == 1, hp[HP.NESTEROV] != 0, tiny)
    else:
        b1, b2, eps_hat = hp[HP.BETA_1], hp[HP.BETA_2], code == Update.ADAM_KERAS
        step, root_c2 = _adam_step_size(hp[HP.LR], b1, b2, t, eps_hat)
        adam_moments(theta, g, s1, s2, dt(1 - b1), dt(b2), dt(1 - b2), dt(step), eps_hat, dt(root_c2),
                     dt(hp[HP.EPS]), tiny)


def _fused_update(opt, theta, g, state, t, lr):
    code, hp, s1, s2 = opt.kernel_arguments(lr, theta.dtype)
    update(code, theta, g, s1, s2, hp, t, tiny(theta.dtype))


register("sgd", momentum=False)(_fused_update)
for _nesterov in (False, True):
    for _inside in (False, True):
        register("sgd", momentum=True, nesterov=_nesterov, lr_inside_momentum=_inside)(_fused_update)
for _eps_hat in (False, True):
    register("adam", amsgrad=False, eps_hat=_eps_hat)(_fused_update)


# -- layers ------------------------------------------------------------------------------------------------
@register("outer")
@_kernel
def outer(x, y, out):
    """out[i, j] = x[i]·y[j]."""
    for i in range(x.size):
        xi = x[i]
        for j in range(y.size):
            out[i, j] = xi * y[j]


@_inlined
def relu(v, zero):
    """max(v, 0) as NumPy's maximum computes it: NaN and −0 pass through (``zero``: 0 in v's dtype)."""
    return v if (v >= zero or v != v) else zero


@_inlined
def relu_grad(d, a, one, zero):
    """d·[a > 0] (a = relu(z), so a > 0 ⇔ z > 0) — a multiply, as NumPy's d·mask, so −0, inf and NaN
    come out exactly as there (``one``, ``zero`` in d's dtype)."""
    return d * (one if a > zero else zero)


@register("activation_backward", activation="ReLU")
@_kernel
def relu_backward(g, a):
    """g ← relu_grad(g, a) in place."""
    flat_g, flat_a = g.reshape(-1), a.reshape(-1)
    one, zero = flat_g.dtype.type(1), flat_g.dtype.type(0)
    for i in range(flat_g.size):
        flat_g[i] = relu_grad(flat_g[i], flat_a[i], one, zero)


@register("bias_activation", activation="ReLU")
@_kernel
def bias_relu(z, b):
    """z ← relu(z + b) in place, row by row."""
    zero = z.dtype.type(0)
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[r, j] = relu(z[r, j] + b[j], zero)
