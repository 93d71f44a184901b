"""The claim the activations study tests: the tutorial's five activations exist and backpropagate correctly."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.i18n import Msg
from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("activations")


@dataclass(frozen=True)
class GradientChecks:
    max_relative_error: dict  # activation → largest relative error of a small network's gradient check


@claim(28)
def activations_backpropagate(e: GradientChecks) -> Finding:
    errs = e.max_relative_error
    ok = all(v < 1e-6 for v in errs.values()) and set(errs) >= {"sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
    desc = Msg("activations.error", name=list(errs)[-1], error=g(list(errs.values())[-1]))
    for name, error in reversed(list(errs.items())[:-1]):
        desc = Msg("activations.errors", name=name, error=g(error), rest=desc)
    return say(ok, Msg("activations.c28_yes", errors=desc), Msg("activations.c28_no", errors=desc))
