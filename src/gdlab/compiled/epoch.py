"""One epoch of a Dense network as one compiled call: every batch's forward → loss → backward →
update, with no Python between the steps.

For batch b of B rows (x_b gathered from the data by the epoch's index array), layers l = 1 … L:

    forward    z_l = a_{l−1}·W_l + b_l,  a_l = f_l(z_l)                 (a_0 = x_b)
    loss       softmax + cross-entropy: δ_L = (p − y)/B
               mean squared error:       δ_L = (2/(B·K))·(a_L − y) ⊙ f_L'(a_L)
    backward   δ_{l−1} = (δ_l·W_lᵀ) ⊙ f_{l−1}'(a_{l−1})                 (with W_l before its update)
               ∂L/∂W_l = a_{l−1}ᵀ·δ_l,  ∂L/∂b_l = Σ_rows δ_l
    update     plain SGD: W_l ← W_l − η·a_{l−1}ᵀ·δ_l, b_l ← b_l − η·Σ δ_l, written straight into θ
               (one GEMM with α = −η, β = 1), no gradient buffer; at B = 1 the rank-1 update of W_l
               is written during the next step's forward pass, in the same pass over W_l
               (``forward_pending``);
               momentum and Adam: ∂L/∂θ into the gradient buffer, then the fused update
               ``gdlab.kernels.numba_cpu.update`` over all of θ, the one the per-step fast path calls.

f' comes from the output as on the reference path: relu' = [a > 0], tanh' = 1 − a², σ' = a(1 − a).
The matrix products go to BLAS (``gdlab.compiled.blas``): ``gemm`` at B > 1 and ``gemv`` at B = 1,
except that plain SGD's forward pass at B = 1 is a loop over W's rows (``forward_pending``).
Everything between them (bias, activation, softmax, loss, the gather of the batch) is a loop in
the network's dtype; the loss of each batch is summed in float64.

Every function here is compiled once per dtype and cached on disk (``cache=True``); the BLAS
addresses come in as the argument ``fns`` (see ``gdlab.compiled.blas``).
"""

from __future__ import annotations

import math

import numba

from gdlab.compiled.blas import N, T, address, gemm, gemv
from gdlab.kernels.numba_cpu import outer, relu, relu_grad, update
from gdlab.losses import EPSILON
from gdlab.opcodes import HP, Act, LossCode, Update

#: the codes, as defined once in ``gdlab.opcodes``
LINEAR, RELU, TANH, SIGMOID, SOFTMAX = Act.LINEAR, Act.RELU, Act.TANH, Act.SIGMOID, Act.SOFTMAX
SPARSE_CE, ONEHOT_CE, MSE = LossCode.SPARSE_CE, LossCode.ONEHOT_CE, LossCode.MSE
#: columns of the layer table (one row per Dense layer; B_OFF = −1 without bias; P_OFF: a pending
#: batch-1 update's [x, δ], see ``forward_pending``)
N_IN, N_OUT, W_OFF, B_OFF, ACT, A_OFF, D_OFF, P_OFF = range(8)

jit = numba.njit(nogil=True, cache=True, fastmath=False, error_model="numpy")


@jit
def activate(a, rows, n, code):
    """a ← f(a) in place, for rows × n values."""
    one, zero = a.dtype.type(1), a.dtype.type(0)
    if code == RELU:
        for i in range(rows * n):
            a[i] = relu(a[i], zero)
    elif code == TANH:
        for i in range(rows * n):
            a[i] = math.tanh(a[i])
    elif code == SIGMOID:
        for i in range(rows * n):
            v = a[i]
            e = math.exp(-abs(v))
            r = one / (one + e)
            a[i] = r if v >= zero else e * r  # the stable form of 1/(1 + e^(−v))
    elif code == SOFTMAX:
        for r in range(rows):
            row = a[r * n:(r + 1) * n]
            top = row[0]
            for j in range(1, n):
                top = max(top, row[j])
            total = zero
            for j in range(n):
                row[j] = math.exp(row[j] - top)
                total += row[j]
            for j in range(n):
                row[j] = row[j] / total


@jit
def vjp(d, a, count, code):
    """d ← d ⊙ f'(a) in place, f' from the output a."""
    one, zero = d.dtype.type(1), d.dtype.type(0)
    if code == RELU:
        for i in range(count):
            d[i] = relu_grad(d[i], a[i], one, zero)
    elif code == TANH:
        for i in range(count):
            d[i] = d[i] * (one - a[i] * a[i])
    elif code == SIGMOID:
        for i in range(count):
            d[i] = d[i] * (a[i] * (one - a[i]))


@jit
def head(out, d, rows, k, loss_code, y_lab, y_val, order, s, threshold):
    """(loss, correct predictions) of one batch; writes δ_L = ∂L/∂a_L (∂L/∂z_L for softmax)."""
    dt = out.dtype.type
    one, zero, eps_lo, eps_hi = dt(1), dt(0), dt(EPSILON), dt(1 - EPSILON)
    total, correct = 0.0, 0
    count = rows * k
    scale = dt(2.0 / count) if loss_code == MSE else dt(rows)
    for r in range(rows):
        src = order[s + r]
        p = out[r * k:(r + 1) * k]
        g = d[r * k:(r + 1) * k]
        if loss_code == SPARSE_CE:
            c = y_lab[src]
            total -= math.log(max(min(p[c], eps_hi), eps_lo))
            for j in range(k):
                g[j] = (p[j] - (one if j == c else zero)) / scale  # (p − one_hot(c))/B
        else:
            y = y_val[src]
            for j in range(k):
                if loss_code == ONEHOT_CE:
                    total -= y[j] * math.log(max(min(p[j], eps_hi), eps_lo))
                    g[j] = (p[j] - y[j]) / scale  # (p − y)/B
                else:
                    e = p[j] - y[j]
                    total += e * e
                    g[j] = scale * e  # 2(ŷ − y)/(B·K)
        if k > 1:
            best = 0
            for j in range(1, k):
                if p[j] > p[best]:
                    best = j
            if loss_code == SPARSE_CE:
                truth = y_lab[src]
            else:
                truth = 0
                for j in range(1, k):
                    if y_val[src, j] > y_val[src, truth]:
                        truth = j
            correct += best == truth
        else:
            truth_1 = y_lab[src] > 0.5 if loss_code == SPARSE_CE else y_val[src, 0] > 0.5
            correct += (p[0] > threshold) == truth_1
    return total / (count if loss_code == MSE else rows), correct


@jit
def forward(fns, theta, ws, layer, inp, rows, ints, floats, chars):
    one, zero = theta.dtype.type(1), theta.dtype.type(0)
    n_in, n_out, w, b, act, ao = layer[N_IN], layer[N_OUT], layer[W_OFF], layer[B_OFF], layer[ACT], layer[A_OFF]
    out = ws[ao:ao + rows * n_out]
    beta = zero
    if b >= 0:  # z starts as b in every row; the product is added to it (β = 1)
        for r in range(rows):
            out[r * n_out:(r + 1) * n_out] = theta[b:b + n_out]
        beta = one
    wp, ip, op = address(theta) + w * theta.itemsize, address(inp), address(out)
    if rows == 1:
        gemv(fns, N, n_out, n_in, one, wp, n_out, ip, beta, op, ints, floats, chars)
    else:
        gemm(fns, N, N, n_out, rows, n_in, one, wp, n_out, ip, n_in, beta, op, n_out, ints, floats, chars)
    activate(out, rows, n_out, act)


@jit
def pending_region(ws, layers, l):
    """Layer l's [x_old, δ_old] in ``ws``: what its pending batch-1 update needs."""
    return ws[layers[l, P_OFF]:layers[l, P_OFF] + layers[l, N_IN] + layers[l, N_OUT]]


@jit
def forward_pending(theta, layer, inp, out, pending, old, eta):
    """A layer's z = b + x·W at batch 1, summed row by row as Σ_i x_i·W[i, :]. With ``pending``, the
    previous step's update W ← W − η·x_oldᵀ·δ_old (``old`` = [x_old, δ_old]) is written into each row of
    W just before the row is used (the row is then in L1): one pass over W from memory (read and write)
    instead of two (the product's read, then the rank-1 update's read and write); W's traffic bounds the
    batch-1 step. Every row is computed, zeros included, so an inf or NaN spreads as in the reference."""
    n_in, n_out, w, b = layer[N_IN], layer[N_OUT], layer[W_OFF], layer[B_OFF]
    if b >= 0:
        out[:n_out] = theta[b:b + n_out]
    else:
        out[:n_out] = theta.dtype.type(0)
    x_old, delta = old[:n_in], old[n_in:n_in + n_out]
    for i in range(n_in):
        row = theta[w + i * n_out:w + (i + 1) * n_out]
        c = inp[i]
        if pending:  # one loop updates the row and adds it to z: 1.7× faster than two loops (measured)
            a = -eta * x_old[i]
            for j in range(n_out):
                v = row[j] + a * delta[j]
                row[j] = v
                out[j] += c * v
        else:
            for j in range(n_out):
                out[j] += c * row[j]
    activate(out, 1, n_out, layer[ACT])


@jit
def flush_pending(theta, layer, old, eta):
    """W ← W − η·x_oldᵀ·δ_old: the update that the last batch-1 step left pending (see ``forward_pending``)."""
    n_in, n_out, w = layer[N_IN], layer[N_OUT], layer[W_OFF]
    x_old, delta = old[:n_in], old[n_in:n_in + n_out]
    for i in range(n_in):
        row = theta[w + i * n_out:w + (i + 1) * n_out]
        a = -eta * x_old[i]
        for j in range(n_out):
            row[j] = row[j] + a * delta[j]


@jit
def sum_squares(v, count):
    """Σ v² over the first ``count`` entries, in float64 with four running sums (which vectorise)."""
    s0, s1, s2, s3 = 0.0, 0.0, 0.0, 0.0
    quads = count // 4 * 4
    for j in range(0, quads, 4):
        s0 += float(v[j]) * float(v[j])
        s1 += float(v[j + 1]) * float(v[j + 1])
        s2 += float(v[j + 2]) * float(v[j + 2])
        s3 += float(v[j + 3]) * float(v[j + 3])
    for j in range(quads, count):
        s0 += float(v[j]) * float(v[j])
    return (s0 + s1) + (s2 + s3)


@jit
def backward(fns, theta, grad, ws, layers, l, inp, rows, direct, kernel, eta, ints, floats, chars):
    """δ_{l−1} from δ_l (l > 0), then W_l, b_l updated (``direct``) or their gradients written; with
    ``kernel`` False W_l is left alone (its update is pending: see ``forward_pending``).

    Returns this layer's share of ‖∂L/∂θ‖² at batch 1, where it costs two short vectors:
    ‖x·δᵀ‖² = ‖x‖²·‖δ‖² (kernel) + ‖δ‖² (bias); 0 at larger batches."""
    one, zero = theta.dtype.type(1), theta.dtype.type(0)
    n_in, n_out, w, b, do = layers[l, N_IN], layers[l, N_OUT], layers[l, W_OFF], layers[l, B_OFF], layers[l, D_OFF]
    d = ws[do:do + rows * n_out]
    wp, dp, ip = address(theta) + w * theta.itemsize, address(d), address(inp)
    square = 0.0
    if rows == 1:
        dd = sum_squares(d, n_out)
        square = sum_squares(inp, n_in) * dd + (dd if b >= 0 else 0.0)
    if l > 0:
        prev = ws[layers[l - 1, D_OFF]:layers[l - 1, D_OFF] + rows * n_in]
        pp = address(prev)
        if rows == 1:
            gemv(fns, T, n_out, n_in, one, wp, n_out, dp, zero, pp, ints, floats, chars)
        else:
            gemm(fns, T, N, n_in, rows, n_out, one, wp, n_out, dp, n_out, zero, pp, n_in, ints, floats, chars)
        vjp(prev, inp, rows * n_in, layers[l - 1, ACT])
    if not kernel:
        pass  # plain SGD at batch 1: the update is pending (``forward_pending``)
    elif direct:
        gemm(fns, N, T, n_out, n_in, rows, -eta, dp, n_out, ip, n_in, one, wp, n_out, ints, floats, chars)
    elif rows == 1:
        outer(inp, d, grad[w:w + n_in * n_out].reshape((n_in, n_out)))
    else:
        gp = address(grad) + w * grad.itemsize
        gemm(fns, N, T, n_out, n_in, rows, one, dp, n_out, ip, n_in, zero, gp, n_out, ints, floats, chars)
    if b >= 0:
        for j in range(n_out):
            total = zero
            for r in range(rows):
                total += d[r * n_out + j]
            if direct:
                theta[b + j] = theta[b + j] - total * eta
            else:
                grad[b + j] = total
    return square


@jit
def run(fns, x, y_lab, y_val, order, starts, layers, loss_code, theta, grad, ws, opt, hp, s1, s2, t0, tiny,
        threshold, batch_loss, correct, n_before, norm_every, norms, ints, floats, chars):
    """The epoch; returns the number of steps done (fewer than the batches: a non-finite loss at
    that step, left in ``batch_loss``, and nothing updated by it).

    As the reference loop does, every ``norm_every``-th iteration of the fit (0: none; counting the
    ``n_before`` done in earlier epochs) records ‖∂L/∂θ‖ in ``norms`` (NaN elsewhere); plain SGD then
    takes the gradient-buffer route for that step, except at batch 1, where the norm comes from the
    vectors a_{l−1} and δ_l.

    Plain SGD at batch 1 leaves every kernel update pending ([x, δ] of each layer in its
    ``P_OFF`` region of ``ws``) and writes it during the next step's forward pass
    (``forward_pending``), or before a larger batch and at the end of the epoch (``flush_pending``)."""
    n_layers = layers.shape[0]
    n0, k = layers[0, N_IN], layers[n_layers - 1, N_OUT]
    eta = theta.dtype.type(hp[HP.LR])
    direct = opt == Update.SGD
    pending = False
    n_correct = 0
    for i in range(starts.size - 1):
        s, rows = starts[i], starts[i + 1] - starts[i]
        if rows == 1:
            x_b = x[order[s]]
        else:
            for r in range(rows):
                ws[r * n0:(r + 1) * n0] = x[order[s + r]]
            x_b = ws[:rows * n0]
        defer = rows == 1 and direct  # this step's kernel updates wait for the next forward pass
        for l in range(n_layers):
            inp = x_b if l == 0 else ws[layers[l - 1, A_OFF]:layers[l - 1, A_OFF] + rows * layers[l, N_IN]]
            old = pending_region(ws, layers, l)
            if defer:
                out = ws[layers[l, A_OFF]:layers[l, A_OFF] + layers[l, N_OUT]]
                forward_pending(theta, layers[l], inp, out, pending, old, eta)
            else:
                if pending:
                    flush_pending(theta, layers[l], old, eta)
                forward(fns, theta, ws, layers[l], inp, rows, ints, floats, chars)
        pending = False
        ao, do = layers[n_layers - 1, A_OFF], layers[n_layers - 1, D_OFF]
        out, d = ws[ao:ao + rows * k], ws[do:do + rows * k]
        loss, c = head(out, d, rows, k, loss_code, y_lab, y_val, order, s, threshold)
        batch_loss[i] = loss
        if not math.isfinite(loss):
            correct[0] = n_correct
            return i
        n_correct += c
        if loss_code == MSE:
            vjp(d, out, rows * k, layers[n_layers - 1, ACT])
        record = norm_every > 0 and (n_before + i) % norm_every == 0
        buffered = not direct or (record and rows > 1)
        square = 0.0
        for l in range(n_layers - 1, -1, -1):
            n_in, n_out = layers[l, N_IN], layers[l, N_OUT]
            inp = x_b if l == 0 else ws[layers[l - 1, A_OFF]:layers[l - 1, A_OFF] + rows * n_in]
            square += backward(fns, theta, grad, ws, layers, l, inp, rows, not buffered, not defer, eta,
                               ints, floats, chars)
            if defer:  # keep x and δ: the next forward pass overwrites both
                old = pending_region(ws, layers, l)
                old[:n_in] = inp
                old[n_in:] = ws[layers[l, D_OFF]:layers[l, D_OFF] + n_out]
        pending = defer
        norms[i] = math.nan
        if record:
            norms[i] = math.sqrt(square if rows == 1 else sum_squares(grad, grad.size))
        if buffered:
            update(opt, theta, grad, s1, s2, hp, t0 + i + 1, tiny)
    if pending:
        for l in range(n_layers):
            flush_pending(theta, layers[l], pending_region(ws, layers, l), eta)
    correct[0] = n_correct
    return starts.size - 1
