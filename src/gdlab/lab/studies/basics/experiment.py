"""How one iteration works, checked number by number on a small network.

On the 4-feature house data and a 4-H-1 tanh network (float64):

- forward pass by hand, layer by layer:  ŷ = tanh(x·W₁ + b₁)·W₂ + b₂;
- the loss by hand:  L = mean((ŷ − y)²);
- the chain rule: backpropagation's gradient against central differences
  (``gdlab.gradcheck``);
- what one step uses: its gradient equals the mean of its B per-sample
  gradients;
- iterations chain: θₖ₊₁ = θₖ − η·∇L_batchₖ(θₖ) for every traced step
  (``model.train_on_batch``), and each step lowers its batch's loss;
- a non-convex loss: swapping two hidden units leaves the loss unchanged, yet
  halfway between the two weight vectors the loss is higher — impossible for
  a convex function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets
from gdlab.batching import EpochPlan
from gdlab.gradcheck import gradcheck
from gdlab.i18n import t
from gdlab.lab.noise import per_example_gradients
from gdlab.lab.studies.basics import Settings
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.reporting.tables import Table, fmt

TRAIN_EPOCHS = 30  # before the non-convexity check: a trained network, not the random start


@dataclass
class BasicsResult:
    settings: Settings
    forward_difference: float
    loss_difference: float
    loss_at_truth: float
    loss_small_gap: float
    loss_large_gap: float
    gradcheck_error: float
    gradcheck_checked: int
    batch_gradient_difference: float
    chain_difference: float
    losses_before: list[float] = field(default_factory=list)  # batch loss at θₖ
    losses_after: list[float] = field(default_factory=list)  # the same batch's loss at θₖ₊₁
    parameters: int = 0
    loss_trained: float = 0.0
    loss_swapped: float = 0.0
    loss_midpoint: float = 0.0

    def table(self) -> Table:
        rows = [[t("basics.row_forward"), fmt(self.forward_difference)],
                [t("basics.row_loss"), fmt(self.loss_difference)],
                [t("basics.row_chain_rule"), fmt(self.gradcheck_error)],
                [t("basics.row_batch_gradient"), fmt(self.batch_gradient_difference)],
                [t("basics.row_chain"), fmt(self.chain_difference)]]
        rows += [[t("basics.row_iteration", k=k + 1), f"{b:.5g} → {a:.5g}"]
                 for k, (b, a) in enumerate(zip(self.losses_before, self.losses_after))]
        rows += [[t("basics.row_swapped"),
                  f"{self.loss_trained:.5g} / {self.loss_swapped:.5g} / {self.loss_midpoint:.5g}"]]
        return Table([t("basics.col_check"), t("basics.col_value")], rows)


def _data(s: Settings):
    x, y, _ = datasets.house_prices_multi(n=s.n, noise=0.05, seed=s.seed, nonlinear=True)
    return (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()


def run(settings: Settings = Settings()) -> BasicsResult:
    s = settings
    x, y = _data(s)
    model = Sequential([Dense(s.hidden, activation="tanh"), Dense(1)], dtype="float64", seed=s.seed)
    model.compile(SGD(s.learning_rate), "mse")
    model.build(x.shape[1:])
    (w1, b1), (w2, b2) = (layer.get_weights() for layer in model.layers)

    y_hand = np.tanh(x @ w1 + b1) @ w2 + b2
    y_pred = model.predict(x)
    xs, ys = model.prepare(x, y)
    yd = model.backend.asarray(ys)
    loss_hand = float(np.mean((y_hand - y) ** 2))
    loss_gdlab = model.evaluate_arrays(xs, ys)["loss"]
    check = gradcheck(model, x, y)

    plan, rng = EpochPlan(xs.shape[0], s.batch_size), np.random.default_rng(s.seed)
    batches = plan.epoch(rng)[: s.iterations]
    per_sample = per_example_gradients(model, xs[batches[0]], ys[batches[0]])
    _, batch_grad = model.loss_and_gradient(xs[batches[0]], ys[batches[0]])
    chain, before, after = 0.0, [], []
    for idx in batches:
        theta = model.parameters.numpy()
        loss, grad = model.loss_and_gradient(xs[idx], ys[idx])
        model.train_on_batch(xs[idx], ys[idx])
        chain = max(chain, float(np.max(np.abs(model.parameters.numpy() - (theta - s.learning_rate * grad)))))
        before.append(loss)
        after.append(model.loss_and_gradient(xs[idx], ys[idx])[0])

    model.fit(x, y, epochs=TRAIN_EPOCHS, batch_size=s.batch_size, seed=s.seed, verbose=0)
    trained = model.get_weights()
    swapped = [w.copy() for w in trained]
    swapped[0][:, [0, 1]] = trained[0][:, [1, 0]]  # hidden units 1 ↔ 2: their incoming weights, biases …
    swapped[1][[0, 1]] = trained[1][[1, 0]]
    swapped[2][[0, 1]] = trained[2][[1, 0]]  # … and outgoing weights
    losses = []
    for weights in (trained, swapped, [(a + b) / 2 for a, b in zip(trained, swapped)]):
        model.set_weights(weights)
        losses.append(model.evaluate_arrays(xs, ys)["loss"])
    return BasicsResult(
        settings=s, forward_difference=float(np.max(np.abs(y_hand - y_pred))),
        loss_difference=abs(loss_hand - loss_gdlab), loss_at_truth=float(model.loss(yd, yd)),
        loss_small_gap=float(model.loss(yd, yd + 0.1)), loss_large_gap=float(model.loss(yd, yd + 0.2)),
        gradcheck_error=check.max_relative_error, gradcheck_checked=check.checked,
        batch_gradient_difference=float(np.max(np.abs(per_sample.mean(axis=0) - batch_grad))),
        chain_difference=chain, losses_before=before, losses_after=after, parameters=model.parameters.size,
        loss_trained=losses[0], loss_swapped=losses[1], loss_midpoint=losses[2])
