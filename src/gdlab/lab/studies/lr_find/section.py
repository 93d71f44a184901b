"""The range test's section: its suggestion against 1/λ and 2/λ, the smoothing's lag, and why it runs past 2/λ."""

from __future__ import annotations

from pathlib import Path

from gdlab.i18n import Msg, join, t
from gdlab.lab.section import Section
from gdlab.lab.studies.lr_find import Settings, experiment
from gdlab.lab.studies.lr_find.experiment import LRRangeResult
from gdlab.lab.studies.lr_find.plots import figures


def lr_find_text(r: LRRangeResult) -> list[str]:
    f = r.finder
    out = []
    if f.suggestion:
        ratio = f.suggestion / r.one_step_lr
        side = Msg("lr_find.below_one_step") if ratio < 1 else Msg("lr_find.above_one_step")
        safe = Msg("lr_find.converges") if f.suggestion < 2 * r.one_step_lr else Msg("lr_find.diverges")
        out.append(t("lr_find.suggests", lr=f"{f.suggestion:.3g}", one_step=f"{r.one_step_lr:.3g}",
                     ratio=f"{ratio:.2f}", side=side, safe=safe))
        k = f.suggestion_index
        out.append(t("lr_find.smoothing", beta=f"{r.smoothing:g}", span=f"{1 / (1 - r.smoothing):.0f}",
                     smoothed=f"{f.smoothed[k]:.3g}", loss=f"{f.losses[k]:.3g}"))
    o = r.overshoot()
    if o is None:
        out.append(t("lr_find.never_passed", divergence=f"{2 * r.one_step_lr:.3g}"))
    else:
        grew = (Msg("lr_find.grew_tenfold", iteration=o["tenfold"]) if o["tenfold"] is not None
                else Msg("lr_find.never_tenfold"))
        out.append(t("lr_find.overshoot", crossed=o["crossed"], crossed_lr=f"{o['crossed_lr']:.3g}",
                     loss=f"{o['loss_at_cross']:.3g}", grew=grew, stopped=o["stopped"],
                     stopped_lr=f"{o['stopped_lr']:.3g}", growth=f"{o['growth_at_stop']:.2f}"))
    return out


def spread_text(r: LRRangeResult, cfg: Settings) -> str:
    """How much the suggestion moves with the batch order, and whether any seed's sits at an edge."""
    sp = r.spread()
    f = r.finder
    seeds = (Msg("lr_find.seeds", first=cfg.seed, last=cfg.seed + sp["seeds"] - 1) if sp["seeds"] > 1
             else Msg("lr_find.seed", seed=cfg.seed))
    if sp["min"] is None:
        return t("lr_find.no_suggestion", seeds=seeds)
    spread = dict(orders=sp["seeds"], seeds=seeds, low=f"{sp['min']:.3g}", high=f"{sp['max']:.3g}",
                  apart=f"{sp['max'] / sp['min']:.2f}",
                  searched=Msg("lr_find.searched", first=f"{f.learning_rates[0]:.3g}",
                               last=f"{f.learning_rates[-1]:.3g}"))
    if sp["edges"]:
        points = {"first": Msg("lr_find.first_point"), "last": Msg("lr_find.last_point")}
        at = join(t("lr_find.seed_at_edge", seed=cfg.seed + k, point=points[side])
                       for k, side in sp["edges"].items())
        return t("lr_find.spread_at_edge", at=at, **spread)
    return t("lr_find.spread_none_at_edge", **spread)


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((t("lr_find.table", n=cfg.n, batch_size=cfg.batch_size, start=f"{cfg.start_lr:g}",
                       end=f"{cfg.end_lr:g}", iterations=cfg.iterations), r.table()))
    s.figures += figures(r, out)
    s.paragraphs += lr_find_text(r) + [spread_text(r, cfg)]
