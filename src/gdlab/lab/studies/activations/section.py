"""The activations section: values and derivatives, what their size does to gradients, and claim 28."""

from __future__ import annotations

from pathlib import Path

from gdlab.lab.section import Section
from gdlab.lab.studies.activations import Settings, experiment
from gdlab.lab.studies.activations import claims as C
from gdlab.lab.studies.activations.experiment import ActivationCurves
from gdlab.lab.studies.activations.plots import figures


def activations_text(r: ActivationCurves) -> str:
    d = r.derivatives
    sig, tanh = float(d["sigmoid"].max()), float(d["tanh"].max())
    shrink = ("stacked, they shrink gradients, since every layer multiplies by at most that"
              if max(sig, tanh) < 1 else "a product of such factors need not shrink")
    return (f"Sigmoid's derivative is at most {sig:.2f} and tanh's {tanh:.2f}: {shrink} (at z = {r.z[0]:g} they pass "
            f"on only {d['sigmoid'][0]:.4f} and {d['tanh'][0]:.5f}). ReLU's slope is {d['relu'][0]:g} left of 0 and "
            f"{d['relu'][-1]:g} right; Leaky ReLU keeps {d['leaky_relu'][0]:g} on the left. Softmax is drawn for two "
            f"logits [z, 0] with its Jacobian's diagonal a(1 − a). The curves' f′ are central differences of "
            f"gdlab's forward pass (at a kink: the mean of the two slopes).")


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append(("Values and derivatives at a few points (f′ by central differences)", r.table()))
    s.figures += figures(r, out)
    s.paragraphs.append(activations_text(r))
    s.verdicts.append(C.activations_backpropagate(C.GradientChecks(r.backprop_errors)))
