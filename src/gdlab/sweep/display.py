"""A sweep's results in a notebook: ``SweepResults.open(DIR)`` (or ``SweepResults(run_sweep(...), DIR)``
after a run) shows the sentence, the best trials and the metric against each swept key as static HTML
(figures embedded as PNG), the same as ``gdlab sweep report`` puts on its page.

    >>> rows = run_sweep("examples/sweeps/iris.toml", out="sweeps/iris")   # doctest: +SKIP
    >>> SweepResults.open("sweeps/iris")                                   # doctest: +SKIP

``run_sweep`` still returns its list of rows; this object only reads the folder.
"""

from __future__ import annotations

from pathlib import Path

from gdlab.display import html
from gdlab.reporting.html import table_html
from gdlab.sweep import figures
from gdlab.sweep.report import BEST, _best_table, _sentence
from gdlab.sweep.status import SweepFolder, open_folder


class SweepResults:
    """The rows of a sweep folder with a rich display: ``rows`` are the rows ``run_sweep`` returns with the
    ranking's columns (``kept_<metric>``, ``kept_epoch``, …) added, ranked as ``gdlab sweep status`` ranks."""

    def __init__(self, folder: SweepFolder):
        self.folder = folder

    @classmethod
    def open(cls, out) -> "SweepResults":
        return cls(open_folder(Path(out)))

    @property
    def rows(self) -> list[dict]:
        return self.folder.rows

    @property
    def best(self) -> dict | None:
        """The best finished trial's row (None when none finished)."""
        ranked = self.folder.ranked()
        return ranked[0] if ranked else None

    def plot(self, ax=None, key: str | None = None):
        """The ranking metric (``kept_<metric>``: the value at the epoch whose weights each trial kept) of every
        finished trial against ``key`` (default: the first swept key), on ``ax`` (a new figure when None);
        returns the Axes."""
        from gdlab.display.plots import axes

        s = self.folder.sweep
        key = key if key is not None else s.keys[0]
        if key not in s.keys:
            raise ValueError(f"key={key!r} is not a swept key; swept: {', '.join(s.keys)}")
        metric = self.folder.rank_key
        ok = self.folder.ok
        ax = axes(ax)
        names = [figures.label(v) for v in figures._ordered([r[key] for r in ok])]
        where = {name: i for i, name in enumerate(names)}
        ax.scatter([where[figures.label(r[key])] for r in ok], [r[metric] for r in ok], s=14, color="#1f77b4")
        ax.set_xticks(range(len(names)), names)
        ax.set(xlabel=key, ylabel=metric, title=f"{len(ok)} finished trials")
        return ax

    def __repr__(self) -> str:
        s, best = self.folder.sweep, self.best
        top = f"; best {best['trial_id']}: {s.metric} {best[self.folder.rank_key]:.4f} (kept epoch)" if best else ""
        return f"<SweepResults {str(self.folder.out)!r}: {len(self.folder.ok)} of {len(s.trials)} trials ok{top}>"

    def _repr_html_(self) -> str:
        s = self.folder.sweep
        title = f"Sweep {self.folder.out}: metric {s.metric} ({s.mode})"
        if not self.folder.ok:
            return html.card(title, f"<div>no finished trial yet ({len(s.trials)} planned)</div>")
        metric = self.folder.rank_key
        fig = figures.against_keys(self.folder.ok, s.keys, metric, s.mode)
        return html.card(title, f"<p>{html.esc(_sentence(self.folder))}</p>",
                         table_html(f"the {min(BEST, len(self.folder.ok))} best of {len(self.folder.ok)} finished "
                                    f"trials", _best_table(self.folder)),
                         html.figure(fig, f"{metric} against each swept key"))
