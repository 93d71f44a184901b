"""Optimizers: one file per family, one registry (``gdlab.optimizers.get("adam")``).

Every optimizer takes ``convention="keras"`` (default) or ``"torch"`` and then
follows that framework's update formula and defaults; each module's docstring
states both and where they differ.
"""

from gdlab.optimizers.adadelta import Adadelta
from gdlab.optimizers.adagrad import Adagrad
from gdlab.optimizers.adam import Adam, AdamW
from gdlab.optimizers.adamax import Adamax
from gdlab.optimizers.base import CONVENTIONS, Optimizer, get, registry
from gdlab.optimizers.lion import Lion
from gdlab.optimizers.nadam import Nadam
from gdlab.optimizers.radam import RAdam
from gdlab.optimizers.rmsprop import RMSprop
from gdlab.optimizers.sgd import SGD

__all__ = [
    "CONVENTIONS", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "Nadam", "Optimizer",
    "RAdam", "RMSprop", "SGD", "get", "registry",
]
