"""The activations section: values and derivatives, what their size does to gradients, and claim 28."""

from __future__ import annotations

from pathlib import Path

from gdlab.i18n import t
from gdlab.lab.section import Section
from gdlab.lab.studies.activations import Settings, experiment
from gdlab.lab.studies.activations import claims as C
from gdlab.lab.studies.activations.experiment import ActivationCurves
from gdlab.lab.studies.activations.plots import figures


def activations_text(r: ActivationCurves) -> str:
    d = r.derivatives
    sig, tanh = float(d["sigmoid"].max()), float(d["tanh"].max())
    shrink = t("activations.they_shrink") if max(sig, tanh) < 1 else t("activations.need_not_shrink")
    return t("activations.text", sigmoid=f"{sig:.2f}", tanh=f"{tanh:.2f}", shrink=shrink, z=f"{r.z[0]:g}",
             sigmoid_left=f"{d['sigmoid'][0]:.4f}", tanh_left=f"{d['tanh'][0]:.5f}", relu_left=f"{d['relu'][0]:g}",
             relu_right=f"{d['relu'][-1]:g}", leaky_left=f"{d['leaky_relu'][0]:g}")


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((t("activations.table"), r.table()))
    s.figures += figures(r, out)
    s.paragraphs.append(activations_text(r))
    s.verdicts.append(C.activations_backpropagate(C.GradientChecks(r.backprop_errors)))
