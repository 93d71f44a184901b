"""What one study puts on the page and on the terminal: tables, figures, paragraphs and verdicts."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from gdlab.i18n import t
from gdlab.lab.claims import SHOWN, Verdict
from gdlab.reporting.html import figure_html, table_html
from gdlab.reporting.tables import Table


@dataclass
class Pair:
    """A figure with its table and text, drawn side by side."""

    caption: str
    figure: Path
    table_caption: str
    table: Table
    paragraphs: list[str] = field(default_factory=list)


@dataclass(repr=False)
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, Table]] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)  # (caption, PNG path)
    pairs: list[Pair] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # extra JSON files: name → content

    def to_text(self) -> str:
        out = [f"== {self.title} =="]
        for caption, table in self.tables + [(p.table_caption, p.table) for p in self.pairs]:
            out += ["", caption, table.to_text()]
        out += [""] + self.paragraphs + [t for p in self.pairs for t in p.paragraphs]
        out += [t("lab.claim_line", id=v.id, verdict=t("lab.tag_shown") if v.shown else t("lab.tag_not_observed"),
                  sentence=v.sentence) for v in self.verdicts]
        out += [""] + [t("lab.figure_line", path=p) for p in [p for _, p in self.figures] + [p.figure for p in self.pairs]]
        return "\n".join(out)

    def __repr__(self) -> str:
        shown = sum(v.shown for v in self.verdicts)
        claims = f", claims: {shown} of {len(self.verdicts)} shown" if self.verdicts else ""
        return (f"<Section {self.key!r}: {len(self.tables) + len(self.pairs)} tables, "
                f"{len(self.figures) + len(self.pairs)} figures{claims}>")

    def _repr_html_(self) -> str:
        """The section as the report draws it (figures embedded as PNG), for a notebook."""
        return section_html(self)

    def plot(self, ax=None, index: int = 0):
        """Figure ``index`` (the section's figures, then its pairs' figures) shown on ``ax`` (a new one when
        None), without axes of its own; returns the Axes."""
        from matplotlib.figure import Figure
        from matplotlib.image import imread

        paths = [p for _, p in self.figures] + [p.figure for p in self.pairs]
        if not paths:
            raise ValueError(f"section {self.key!r} has no figures (its results are its tables and text)")
        if not isinstance(index, int) or not 0 <= index < len(paths):
            raise ValueError(f"index={index!r}; section {self.key!r} has {len(paths)} figure(s) (valid: 0 … "
                             f"{len(paths) - 1})")
        image = imread(paths[index])
        if ax is None:
            ax = Figure(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100).add_axes((0, 0, 1, 1))
        ax.imshow(image)
        ax.set_axis_off()
        return ax


def pair_html(p: Pair) -> str:
    side = "".join(f"<p>{html.escape(t)}</p>" for t in p.paragraphs) + table_html(p.table_caption, p.table)
    return f'<div class="pair">{figure_html(p.caption, p.figure)}<div class="side">{side}</div></div>'


def verdict_label(verdict: str) -> str:
    return t("lab.verdict_shown") if verdict == SHOWN else t("lab.verdict_not_observed")


def section_html(s: Section) -> str:
    """The section on the report's page and in a notebook: text, figures, pairs, verdicts, tables."""
    parts = [f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>']
    parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs[:1]]
    parts += [figure_html(c, p) for c, p in s.figures]
    parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs[1:]]
    parts += [pair_html(p) for p in s.pairs]
    parts += [f'<p class="verdict" id="claim-{v.id}"><span class="{v.verdict}">'
              f'{html.escape(t("lab.claim_label", id=v.id, verdict=verdict_label(v.verdict)))}</span> '
              f'{html.escape(v.sentence)}</p>' for v in s.verdicts]
    parts += [table_html(c, t) for c, t in s.tables]
    parts.append("</section>")
    return "\n".join(parts)
