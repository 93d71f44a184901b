"""The range test's section: its suggestion against 1/λ and 2/λ, the smoothing's lag, and why it runs past 2/λ."""

from __future__ import annotations

from pathlib import Path

from gdlab.lab.section import Section
from gdlab.lab.studies.lr_find import Settings, experiment
from gdlab.lab.studies.lr_find.experiment import LRRangeResult
from gdlab.lab.studies.lr_find.plots import figures


def lr_find_text(r: LRRangeResult) -> list[str]:
    f = r.finder
    out = []
    if f.suggestion:
        ratio = f.suggestion / r.one_step_lr
        side = "below" if ratio < 1 else "above"
        safe = "below 2/λ, so it converges" if f.suggestion < 2 * r.one_step_lr else "past 2/λ, so it diverges"
        out.append(f"The test suggests η = {f.suggestion:.3g}, where the smoothed loss falls fastest; the theory's "
                   f"best fixed step for this parabola is 1/λ = {r.one_step_lr:.3g}: the suggestion is {ratio:.2f}× "
                   f"it, {side} 1/λ and {safe}.")
        k = f.suggestion_index
        out.append(f"The smoothed loss is a moving average with β = {r.smoothing:g}, bias-corrected by 1/(1 − βᵗ) "
                   f"as Adam does; it spans about 1/(1 − β) = {1 / (1 - r.smoothing):.0f} iterations, so it trails "
                   f"a falling batch loss: at the suggestion it is {f.smoothed[k]:.3g} against a batch loss of "
                   f"{f.losses[k]:.3g}.")
    o = r.overshoot()
    if o is None:
        out.append(f"η never passed 2/λ = {2 * r.one_step_lr:.3g} in this run.")
    else:
        grew = (f"the batch loss first exceeded 10× that value at iteration {o['tenfold']}" if o["tenfold"] is not None
                else "the batch loss never rose tenfold")
        out.append(f"Why the test runs past 2/λ: η passed 2/λ at iteration {o['crossed']} (η = {o['crossed_lr']:.3g}), "
                   f"where the batch loss was {o['loss_at_cross']:.3g}, close to its minimum. From there the error "
                   f"grows by |1 − η·λ| per step — only slightly above 1 at first — and {grew}; the run stopped at "
                   f"iteration {o['stopped']} (η = {o['stopped_lr']:.3g}, growth factor {o['growth_at_stop']:.2f} "
                   f"per step), once the smoothed loss exceeded 4× its minimum.")
    return out


def spread_text(r: LRRangeResult, cfg: Settings) -> str:
    """How much the suggestion moves with the batch order, and whether any seed's sits at an edge."""
    sp = r.spread()
    f = r.finder
    seeds = f"seeds {cfg.seed}–{cfg.seed + sp['seeds'] - 1}" if sp["seeds"] > 1 else f"seed {cfg.seed}"
    if sp["min"] is None:
        return f"No seed ({seeds}) ran enough iterations for a suggestion."
    out = (f"Over {sp['seeds']} batch orders ({seeds}) the suggestions run from {sp['min']:.3g} to {sp['max']:.3g} "
           f"({sp['max'] / sp['min']:.2f}× apart); the suggestion above is their median.")
    searched = f"η from {f.learning_rates[0]:.3g} to {f.learning_rates[-1]:.3g}"
    if sp["edges"]:
        at = ", ".join(f"seed {cfg.seed + k} ({side} point)" for k, side in sp["edges"].items())
        return out + (f" At the edge of the searched range ({searched}) for {at}: there the loss may fall "
                      "faster outside the range, so that suggestion is only a bound.")
    return out + f" No seed's suggestion is at an edge of the searched range ({searched})."


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((f"y = w·x, {cfg.n} houses, batch size {cfg.batch_size}, η from {cfg.start_lr:g} to "
                     f"{cfg.end_lr:g} over at most {cfg.iterations} iterations", r.table()))
    s.figures += figures(r, out)
    s.paragraphs += lr_find_text(r) + [spread_text(r, cfg)]
