"""gdlab: a NumPy neural-network library and gradient-descent lab.

>>> import gdlab
>>> from gdlab.layers import Dense
>>> from gdlab.optimizers import SGD
>>> model = gdlab.Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")])
>>> model.compile(SGD(lr=0.1, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
"""

from gdlab import (activations, backend, callbacks, datasets, i18n, initializers, layers, losses, metrics, optimizers,
                   utils)
from gdlab.checkpoint import CheckpointError
from gdlab.gradcheck import GradcheckResult, gradcheck
from gdlab.layers import Input
from gdlab.lr_finder import LRFindResult, lr_find
from gdlab.model import Sequential, load_checkpoint, load_model
from gdlab.training import NonFiniteLossError

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "GradcheckResult",
    "Input",
    "LRFindResult",
    "NonFiniteLossError",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "datasets",
    "gradcheck",
    "initializers",
    "layers",
    "load_checkpoint",
    "load_model",
    "losses",
    "lr_find",
    "metrics",
    "optimizers",
    "utils",
]
