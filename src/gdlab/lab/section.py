"""What one study puts on the page and on the terminal: tables, figures, paragraphs and verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gdlab.lab.claims import Verdict
from gdlab.reporting.tables import Table


@dataclass
class Pair:
    """A figure with its table and text, drawn side by side."""

    caption: str
    figure: Path
    table_caption: str
    table: Table
    paragraphs: list[str] = field(default_factory=list)


@dataclass
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
        out += [f"claim {v.id} [{v.verdict}]: {v.sentence}" for v in self.verdicts]
        out += [""] + [f"figure: {p}" for _, p in self.figures] + [f"figure: {p.figure}" for p in self.pairs]
        return "\n".join(out)
