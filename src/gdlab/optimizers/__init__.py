"""Optimizers: one file per family, one registry (``gdlab.optimizers.get("adam")``).

Every optimizer takes ``convention="keras"`` (default) or ``"torch"``: a
preset that fills its defaults and its named convention flags from the one
table in ``conventions.py``; each module's docstring states the formula with
its flags.
"""

from gdlab.optimizers.adadelta import Adadelta
from gdlab.optimizers.adagrad import Adagrad
from gdlab.optimizers.adam import Adam, AdamW
from gdlab.optimizers.adamax import Adamax
from gdlab.optimizers.base import Optimizer, Slot, get, registry
from gdlab.optimizers.conventions import CONVENTIONS, PRESETS, preset
from gdlab.optimizers.lion import Lion
from gdlab.optimizers.nadam import Nadam
from gdlab.optimizers.radam import RAdam
from gdlab.optimizers.rmsprop import RMSprop
from gdlab.optimizers.sgd import SGD

__all__ = [
    "CONVENTIONS", "PRESETS", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "Nadam", "Optimizer",
    "RAdam", "RMSprop", "SGD", "Slot", "get", "preset", "registry",
]
