"""The HTML pieces of a self-contained page: its style, a table, a figure embedded as base64 PNG."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from gdlab.i18n.fonts import CSS_STACK
from gdlab.reporting.tables import Table

STYLE = """
body { font-family: FONT_STACK; max-width: 1300px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.86em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3em; }
figure { margin: 1em 0; } img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.88em; color: #555; } .meta { color: #666; font-size: 0.9em; }
nav a { margin-right: 1em; }
.pair { display: flex; gap: 1.2em; align-items: flex-start; border-top: 1px solid #eee; padding-top: 0.8em; }
.pair figure { flex: 0 0 55%; margin: 0; } .pair .side { flex: 1; min-width: 0; }
table.claims td, table.claims th { text-align: left; } .shown { color: #1a7f37; font-weight: 600; }
.not_observed { color: #b35900; font-weight: 600; } p.verdict { margin: 0.4em 0; }
table.claims .shown, table.claims .not_observed { white-space: nowrap; }
""".replace("FONT_STACK", CSS_STACK)  # the CJK font behind the system's: a zh-CN page embeds it (gdlab.i18n.fonts)


def table_html(caption: str, table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def figure_html(caption: str, path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
