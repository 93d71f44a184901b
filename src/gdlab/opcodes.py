"""The integer codes the compiled epoch dispatches on, each defined here and nowhere else.

An activation, loss or optimizer that the compiled epoch can run says so by its code
(``Activation.compiled_code``, ``Loss.compiled_code``, ``Optimizer.kernel_arguments``);
the compiled kernels (``gdlab.compiled.epoch``) and the fused update
(``gdlab.kernels.numba_cpu.update``) compare against the same members. ``IntEnum``
members are plain ints, so they pass through numba unchanged.
"""

from __future__ import annotations

from enum import IntEnum


class Act(IntEnum):
    """f in a_l = f(z_l); SOFTMAX only as the output fused with cross-entropy."""

    LINEAR = 0
    RELU = 1
    TANH = 2
    SIGMOID = 3
    SOFTMAX = 4


class LossCode(IntEnum):
    """The loss at the head of the network."""

    SPARSE_CE = 0
    ONEHOT_CE = 1
    MSE = 2


class Update(IntEnum):
    """The fused update rule: plain SGD, SGD with a Keras velocity or a PyTorch buffer, Adam with ε̂ or ε."""

    SGD = 0
    SGD_KERAS = 1
    SGD_TORCH = 2
    ADAM_KERAS = 3
    ADAM_TORCH = 4


class HP(IntEnum):
    """Entries of the float64 hyperparameter vector that goes with an ``Update`` code."""

    LR = 0
    MU = 1
    ONE_MINUS_TAU = 2
    NESTEROV = 3
    BETA_1 = 4
    BETA_2 = 5
    EPS = 6


#: the hyperparameter vector's length
HP_SIZE = len(HP)
