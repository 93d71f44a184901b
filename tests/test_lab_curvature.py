"""The curvature study measures what it says: Hessian-vector products and Lanczos against the exact Hessian of
a small network (PyTorch's autograd), and the study's numbers against the theory on a small run."""

import numpy as np
import pytest

from gdlab import Sequential
from gdlab.layers import Dense
from gdlab.lab.studies import make
from gdlab.lab.studies.curvature import experiment
from gdlab.lab.studies.curvature.hessian import extreme_eigenvalues, hvp, lanczos
from gdlab.optimizers import SGD


def _small_net():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    model = Sequential([Dense(4, activation="tanh"), Dense(1)], dtype="float64", seed=2)
    model.build(x.shape[1:])
    model.compile(SGD(0.1), "mse")
    return model, *model.prepare(x, y)


def _exact_hessian(model, x, y):
    """The Hessian of the same network's mean squared error from PyTorch's autograd, in gdlab's parameter order."""
    torch = pytest.importorskip("torch")
    segs = {s.name: s for s in model.parameters.segments}
    tx, ty = torch.tensor(x), torch.tensor(y)

    def loss(theta):
        def part(name):
            s = segs[name]
            return theta[s.start:s.stop].reshape(s.shape)
        h = torch.tanh(tx @ part("dense/kernel") + part("dense/bias"))
        return torch.mean((h @ part("dense_1/kernel") + part("dense_1/bias") - ty) ** 2)

    theta = torch.tensor(np.array(model.parameters.theta))
    return torch.autograd.functional.hessian(loss, theta).numpy()


def test_hessian_vector_products_and_lanczos_match_the_exact_hessian():
    model, x, y = _small_net()
    H = _exact_hessian(model, x, y)
    theta = np.array(model.parameters.theta)
    v = np.random.default_rng(3).normal(size=theta.size)
    np.testing.assert_allclose(hvp(model, x, y, theta, v), H @ v, rtol=1e-6, atol=1e-8)
    assert np.array_equal(model.parameters.theta, theta)  # the model is left where it was
    exact = np.linalg.eigvalsh(H)
    lo, hi, v_top = extreme_eigenvalues(model, x, y, steps=theta.size)
    assert lo == pytest.approx(exact[0], rel=1e-6, abs=1e-8) and hi == pytest.approx(exact[-1], rel=1e-6)
    np.testing.assert_allclose(H @ v_top, hi * v_top, atol=1e-6 * hi)
    lo20, hi20, _ = lanczos(lambda u: H @ u, theta.size, steps=12)  # a few steps find the extremes already
    assert hi20 == pytest.approx(exact[-1], rel=1e-4)


def test_the_study_reads_the_theory_off_a_small_network():
    r = experiment.run(make("curvature", n=60, hidden=4, steps=100, checkpoints=3, rate_steps=60,
                            eta_factors=(0.5, 1.5, 1.9, 2.2), plane_factors=(1.0, 3.0), plane_betas=(0.9,)))
    assert [c.step for c in r.checkpoints] == [0, 50, 100] and r.parameters == 4 * 4 + 4 + 4 + 1
    from gdlab.theory import gd_rate

    for x in r.rates:
        if x.along_top:
            assert x.rate == pytest.approx(abs(1 - x.learning_rate * r.lambda_max), abs=0.01)
            assert x.diverged == (x.learning_rate * r.lambda_max > 2)
        else:  # a random δ: Goh's rate (λ_min < 0 escapes at 1 + η|λ_min|), read over 30 steps only here
            assert x.rate == pytest.approx(gd_rate(x.learning_rate, (r.lambda_min, r.lambda_max)), abs=0.03)
    assert [x.diverged for x in r.plane] == [False, True, False, False]  # 3 > 2(1 + 0), 3 < 2(1 + 0.9)
    above = r.training[-1]  # plain training at 1.1 × 2/λ_max: the loss blows up (at least at first)
    assert above.factor == 1.1 and above.highest > 2 * above.start
