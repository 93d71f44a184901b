"""A table of already formatted cells: printed by the CLI, drawn by the HTML pages; ``fmt`` formats a cell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab.i18n import rjust, width


@dataclass
class Table:
    """Column headers and rows of already formatted cells."""

    headers: list[str]
    rows: list[list[str]]

    def to_text(self) -> str:
        """The table for a terminal, each column right-aligned in terminal columns (a CJK character takes two)."""
        widths = [max(width(h), *(width(r[i]) for r in self.rows)) if self.rows else width(h)
                  for i, h in enumerate(self.headers)]
        lines = ["  ".join(rjust(h, w) for h, w in zip(self.headers, widths)),
                 "  ".join("─" * w for w in widths)]
        lines += ["  ".join(rjust(c, w) for c, w in zip(r, widths)) for r in self.rows]
        return "\n".join(lines)


def fmt(value, digits=4) -> str:
    """A table cell: '—' for None, thousands separated integers, ``digits`` significant digits."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if not np.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}"
