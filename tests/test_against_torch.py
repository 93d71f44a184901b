"""convention="torch" against torch.optim itself (the ``parity`` extra: pip install -e ".[parity]").

CI installs that extra and must run these tests: there (``CI`` set) a missing PyTorch is a failure, not a skip.

Each optimizer takes 20 steps on the same gradients in float64 and float32.
gdlab writes each operation in PyTorch's order, but PyTorch's CPU kernels fuse
multiply-adds (``add_(x, alpha=…)``, ``addcmul_``, ``lerp_`` use FMA), which
plain NumPy cannot, so the results differ by rounding only. The bound is in
units in the last place at the scale of the parameter vector
(``np.spacing(max |θ|)``): an element near zero is not held to its own tiny ulp.
"""

import numpy as np
import pytest
from required import require

torch = require("torch")  # the guard rail the README promises: CI never skips it

from gdlab import kernels, optimizers  # noqa: E402

CASES = [
    ("SGD", dict(lr=0.1), "SGD", dict(learning_rate=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9), "SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), "SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2), "SGD", dict(learning_rate=0.1, momentum=0.9, dampening=0.2)),
    ("SGD", dict(lr=0.1, weight_decay=0.05), "SGD", dict(learning_rate=0.1, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1), "Adagrad", dict(learning_rate=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1), "Adagrad",
     dict(learning_rate=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(), "Adadelta", dict()),
    ("RMSprop", dict(lr=0.01), "RMSprop", dict(learning_rate=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True), "RMSprop",
     dict(learning_rate=0.01, momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.01), "Adam", dict(learning_rate=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True), "Adam", dict(learning_rate=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1), "Adam", dict(learning_rate=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01), "AdamW", dict(learning_rate=0.01)),
    ("NAdam", dict(), "Nadam", dict()),
    ("Adamax", dict(), "Adamax", dict()),
    ("RAdam", dict(lr=0.01), "RAdam", dict(learning_rate=0.01)),
]

#: the largest difference allowed after 20 steps, in ulps at the scale of θ
ULPS = 4  # measured: at most 2 (kernels on and off)


def _run_torch(name, kwargs, theta0, grads, dtype):
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=dtype))
    opt = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    for g in grads:
        p.grad = torch.tensor(g, dtype=dtype)
        opt.step()
    return p.detach().numpy()


@pytest.mark.parametrize("switch", [True, False], ids=["kernels", "reference"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("tname,tkw,gname,gkw", CASES, ids=[f"{c[0]}{sorted(c[1])}" for c in CASES])
def test_matches_torch_optim(tname, tkw, gname, gkw, dtype, switch):
    rng = np.random.default_rng(0)
    theta0 = rng.normal(size=64).astype(dtype)
    grads = [rng.normal(size=64).astype(dtype) for _ in range(20)]
    expected = _run_torch(tname, tkw, theta0, grads, getattr(torch, dtype))
    opt = getattr(optimizers, gname)(convention="torch", **gkw)
    theta = theta0.copy()
    with kernels.fused(switch):  # the fused kernels where registered, or the NumPy reference everywhere
        for g in grads:
            opt.apply_gradients(theta, g)
    assert theta.dtype == dtype
    ulps = np.abs(theta - expected) / np.spacing(np.abs(expected).max())
    assert ulps.max() <= ULPS, f"max {ulps.max():.0f} ulps"
