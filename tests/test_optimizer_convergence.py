"""Every optimizer, both conventions, on a convex quadratic and on Rosenbrock.

Thresholds and why:
- quadratic ½(θ − θ*)ᵀ diag(1, 10)(θ − θ*) from (−3, 4), 2000 steps: every
  optimizer must end within 1e-3 of θ* (the issue's bound). Learning rates are
  chosen per optimizer (the Keras defaults of 1e-3 are tuned for networks, not
  for a bowl of curvature 10); Lion's constant sign steps can only settle to
  within ~η, so it runs on a cosine schedule.
- Rosenbrock (1 − x)² + 100(y − x²)² from (−1.5, 2), 10 000 steps: within 1e-2
  of (1, 1) — the valley is where optimizers differ, and 1e-2 is well inside
  it. Adadelta is the exception: its step is the RMS of its own past steps
  divided by the RMS of the gradients, so in the flat, curved valley it creeps
  (measured: 0.47 from (1, 1) after 10 000 steps, 0.53 after 30 000 for
  Keras-like settings); we assert what it does reach — 95% of the loss gone
  and within 0.6 — instead of pretending otherwise.
"""

import numpy as np
import pytest

from gdlab import schedules
from gdlab.optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Lion, Nadam, RAdam, RMSprop

THETA_STAR = np.array([1.0, -2.0])
CURVATURE = np.diag([1.0, 10.0])


def quadratic_grad(theta):
    return CURVATURE @ (theta - THETA_STAR)


def rosenbrock(theta):
    x, y = theta
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosenbrock_grad(theta):
    x, y = theta
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


QUADRATIC = [
    (SGD, dict(learning_rate=0.1)), (SGD, dict(learning_rate=0.05, momentum=0.9)),
    (SGD, dict(learning_rate=0.05, momentum=0.9, nesterov=True)), (Adagrad, dict(learning_rate=0.5)),
    (Adadelta, dict(learning_rate=1.0, rho=0.95, epsilon=1e-6)), (RMSprop, dict(learning_rate=0.01)),
    (Adam, dict(learning_rate=0.05)), (AdamW, dict(learning_rate=0.05, weight_decay=0.0)),
    (Nadam, dict(learning_rate=0.05)), (Adamax, dict(learning_rate=0.05)),
    (Lion, dict(learning_rate=schedules.CosineDecay(0.05, 2000))), (RAdam, dict(learning_rate=0.05)),
]

ROSENBROCK = [
    (SGD, dict(learning_rate=1.5e-3), 1e-2), (SGD, dict(learning_rate=2e-4, momentum=0.9), 1e-2),
    (SGD, dict(learning_rate=2e-4, momentum=0.9, nesterov=True), 1e-2), (Adagrad, dict(learning_rate=1.0), 1e-2),
    (Adadelta, dict(learning_rate=1.0, rho=0.99, epsilon=1e-6), 0.6),
    (RMSprop, dict(learning_rate=schedules.CosineDecay(0.01, 10000)), 1e-2),
    (Adam, dict(learning_rate=0.01), 1e-2), (AdamW, dict(learning_rate=0.01, weight_decay=0.0), 1e-2),
    (Nadam, dict(learning_rate=0.02), 1e-2), (Adamax, dict(learning_rate=0.05), 1e-2),
    (Lion, dict(learning_rate=schedules.CosineDecay(0.02, 10000)), 1e-2), (RAdam, dict(learning_rate=0.01), 1e-2),
]


def _id(case):
    cls, kw = case[0], case[1]
    extra = ",".join(k for k in ("momentum", "nesterov") if kw.get(k))
    return f"{cls.__name__}({extra})" if extra else cls.__name__


@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("cls,kwargs", QUADRATIC, ids=[_id(c) for c in QUADRATIC])
def test_reaches_the_minimum_of_a_convex_quadratic(cls, kwargs, convention):
    opt = cls(convention=convention, **kwargs)
    theta = np.array([-3.0, 4.0])
    for _ in range(2000):
        opt.apply_gradients(theta, quadratic_grad(theta))
    assert np.linalg.norm(theta - THETA_STAR) < 1e-3


@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("cls,kwargs,tolerance", ROSENBROCK, ids=[_id(c) for c in ROSENBROCK])
def test_gets_close_on_rosenbrock(cls, kwargs, tolerance, convention):
    opt = cls(convention=convention, **kwargs)
    theta = np.array([-1.5, 2.0])
    start = rosenbrock(theta)
    for _ in range(10000):
        opt.apply_gradients(theta, rosenbrock_grad(theta))
    assert np.linalg.norm(theta - 1.0) < tolerance
    assert rosenbrock(theta) < 0.05 * start
