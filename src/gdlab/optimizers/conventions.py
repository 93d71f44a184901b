"""Every difference between Keras 3 and PyTorch, at a glance: the two presets of ``convention=``.

``Optimizer(convention="keras")`` (the default) or ``convention="torch"`` fills
each argument left as None from its column below; an argument given explicitly
wins. A row of a class applies to its subclasses too (AdamW inherits Adam's
rows and adds its own). Every flag is an ordinary constructor argument, so
any mix is possible: ``Adam(eps_hat=False)`` is Keras's defaults with
PyTorch's ε placement.

The flags (each optimizer's docstring has the formulas):

- ``decoupled_weight_decay``: θ ← θ − η·λ·θ before the step (Keras; AdamW and
  Lion everywhere), or L2 in the gradient g ← g + λ·θ (PyTorch);
- ``schedule_at_calls``: with gradient accumulation, a schedule is evaluated at
  the number of calls, micro-batches included (Keras), or at the number of
  updates (PyTorch);
- ``lr_inside_momentum``: SGD's velocity v ← μ·v − η·g and RMSprop's buffer
  m ← μ·m + η·g/d hold η (Keras), or hold raw steps and η multiplies at use
  (PyTorch; SGD's buffer then starts at b₁ = g, and ``dampening`` exists);
- ``eps_inside_sqrt``: √(v + ε) (Keras) or √v + ε (PyTorch) — Adagrad, RMSprop;
- ``eps_hat``: Adam's ε added to √v before the bias correction (Keras, the
  paper's "ε̂") or to the corrected root (PyTorch); RAdam the other way round
  (tfa's RectifiedAdam corrects first, torch.optim.RAdam does not);
- ``eps_in_max``: Adamax's u ← max(β₂·u, |g| + ε) (PyTorch) or ε added at use;
- ``float32_mu_product``: Nadam's Π_t rounded to float32 every step (PyTorch's
  scalar state) or kept in float64;
- ``strict_threshold``: RAdam rectifies once ρ_t > 5 (PyTorch) or ρ_t ≥ 5 (tfa).
"""

from __future__ import annotations

#: class name → argument → (Keras, PyTorch)
PRESETS: dict[str, dict[str, tuple]] = {
    "Optimizer": {"decoupled_weight_decay": (True, False), "schedule_at_calls": (True, False)},
    "SGD": {"learning_rate": (0.01, 0.001), "lr_inside_momentum": (True, False)},
    "Adagrad": {"learning_rate": (0.001, 0.01), "initial_accumulator_value": (0.1, 0.0), "epsilon": (1e-7, 1e-10),
                "eps_inside_sqrt": (True, False)},
    "Adadelta": {"learning_rate": (0.001, 1.0), "rho": (0.95, 0.9), "epsilon": (1e-7, 1e-6)},
    "RMSprop": {"learning_rate": (0.001, 0.01), "rho": (0.9, 0.99), "epsilon": (1e-7, 1e-8),
                "eps_inside_sqrt": (True, False), "lr_inside_momentum": (True, False)},
    "Adam": {"learning_rate": (0.001, 0.001), "epsilon": (1e-7, 1e-8), "eps_hat": (True, False)},
    "AdamW": {"weight_decay": (0.004, 0.01), "decoupled_weight_decay": (True, True)},
    "Nadam": {"learning_rate": (0.001, 0.002), "epsilon": (1e-7, 1e-8), "momentum_decay": (1.0, 0.004),
              "float32_mu_product": (False, True)},
    "Adamax": {"learning_rate": (0.001, 0.002), "epsilon": (1e-7, 1e-8), "eps_in_max": (False, True)},
    "Lion": {"learning_rate": (0.001, 1e-4), "decoupled_weight_decay": (True, True)},
    "RAdam": {"learning_rate": (0.001, 0.001), "epsilon": (1e-7, 1e-8), "eps_hat": (False, True),
              "strict_threshold": (False, True)},
}

CONVENTIONS = ("keras", "torch")


def preset(cls: type, convention: str) -> dict:
    """The arguments ``convention`` sets for optimizer class ``cls`` (its rows and its bases')."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention={convention!r}; valid: {', '.join(map(repr, CONVENTIONS))}")
    column = CONVENTIONS.index(convention)
    values = {}
    for klass in reversed(cls.__mro__):
        for arg, pair in PRESETS.get(klass.__name__, {}).items():
            values[arg] = pair[column]
    return values
