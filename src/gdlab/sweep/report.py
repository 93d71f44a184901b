"""``gdlab sweep report DIR``: the best trials, a heatmap and the metric per key, in one HTML page.

The page uses the style the lab report uses (``gdlab.reporting``) and embeds its figures as base64 PNG,
so it is one file that can be mailed or archived; the PNGs are also kept in ``DIR/report/``.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from gdlab.io import write_atomic
from gdlab.reporting.figures import save
from gdlab.reporting.html import STYLE, figure_html, table_html
from gdlab.reporting.tables import Table
from gdlab.sweep import figures
from gdlab.sweep.status import SweepFolder, open_folder

BEST = 10


def write_report(out, x: str | None = None, y: str | None = None) -> Path:
    """Write ``DIR/report.html``; the heatmap is over ``x`` × ``y`` (default: the first two swept keys, seeds last)."""
    folder = open_folder(out)
    s = folder.sweep
    for name, key in (("x", x), ("y", y)):
        if key is not None and key not in s.keys:
            raise ValueError(f"--{name} {key!r} is not a swept key; swept: {', '.join(s.keys)}")
    if not folder.ok:
        raise ValueError(f"{folder.out} has no finished trial yet (run the sweep first)")
    order = figures.setting_keys(s.keys) + [k for k in s.keys if k in figures.SEED_KEYS]
    chosen = [k for k in (x, y) if k]
    pair = (chosen + [k for k in order if k not in chosen])[:2]
    metric = folder.rank_key
    best = folder.ranked()[0]
    warnings = "".join(f"<p class=\"warning\"><b>{html.escape(w)}</b></p>" for w in folder.warnings())
    parts = [f"<h2>Best trials</h2><p>{html.escape(_sentence(folder))}</p>{warnings}", table_html(
        f"the {min(BEST, len(folder.ok))} best of {len(folder.ok)} finished trials by {metric}", _best_table(folder))]
    pictures = folder.out / "report"
    if len(pair) == 2 and pair[0] != pair[1]:
        fig = figures.heatmap(folder.ok, s.keys, pair[0], pair[1], metric, s.mode, best=best)
        parts += ["<h2>Two keys at once</h2>", figure_html(
            f"{metric} over {pair[0]} and {pair[1]}: each cell is the best setting of the other keys, "
            f"averaged over seeds; the red frame is the cell of the best-ranked trial, {best['trial_id']}",
            save(fig, pictures / "heatmap.png"))]
    fig = figures.against_keys(folder.ok, s.keys, metric, s.mode)
    parts += ["<h2>The metric against each key</h2>", figure_html(
        f"{metric} against each swept key: grey dots are single trials; blue is, for each value, the best "
        "setting of the other keys with its mean and min–max over seeds", save(fig, pictures / "keys.png"))]
    errors = [r for r in folder.rows if r["status"] != "ok"]
    if errors:
        parts.append(table_html("trials that failed", Table(["trial", "attempts", "error"],
                                                            [[r["trial_id"], str(r["attempts"]), r["error"]]
                                                             for r in errors])))
    import gdlab

    title = f"gdlab sweep — {s.path.name if s.path else folder.out.name}"
    meta = (f"gdlab {gdlab.__version__} · base config {s.base_path} · metric {s.metric} ({s.mode}) · "
            f"made {time.strftime('%Y-%m-%d %H:%M')}")
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class=\"meta\">{html.escape(meta)}</p>\n" + "\n".join(parts) + "\n</body></html>\n")
    index = folder.out / "report.html"
    write_atomic(index, page.encode("utf-8"))
    return index


def _sentence(folder: SweepFolder) -> str:
    s = folder.sweep
    best = folder.ranked()[0]
    errors = len(folder.rows) - len(folder.ok)
    values = ", ".join(f"{k} = {figures.label(best[k])}" for k in s.keys)
    return (f"{len(s.trials)} trials planned, {len(folder.ok)} finished, {errors} failed, "
            f"{len(s.trials) - len(folder.rows)} not run. Trials are ranked by {s.metric} at the epoch whose "
            f"weights each kept (EarlyStopping's restored epoch, else the last). The best, {best['trial_id']}, "
            f"kept epoch {best['kept_epoch']} with {s.metric} = {best[folder.rank_key]:.4f}"
            + "".join(f", {t} = {best[t]:.4f}" for t in s.test_metrics if best[t] is not None)
            + f", with {values}.")


def _best_table(folder: SweepFolder) -> Table:
    s = folder.sweep
    cols = [*s.keys, folder.rank_key, "kept_epoch", *s.test_metrics, f"best_{s.metric}", f"final_{s.metric}",
            "epochs", "seconds"]
    rows = [[r["trial_id"], *(figures.label(r[c]) if isinstance(r[c], float) and c in s.keys
                              else f"{r[c]:.4g}" if isinstance(r[c], float) else "" if r[c] is None else str(r[c]) for c in cols)]
            for r in folder.ranked()[:BEST]]
    return Table(["trial", *cols], rows)
