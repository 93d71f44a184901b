"""The HTML of the rich displays: a titled card, key–value lines, a table, a matplotlib figure as PNG.

Every string is escaped here; the styles are inline, so a notebook viewer that drops ``<style>``
blocks (GitHub) still shows the tables with their borders.
"""

from __future__ import annotations

import base64
import html
import io

CELL = "border:1px solid #ddd;padding:2px 8px;text-align:right"
HEAD = CELL + ";background:#f4f4f4"


def esc(value) -> str:
    return html.escape(str(value))


def card(title: str, *parts: str) -> str:
    """A block with a bold title and the given HTML parts under it."""
    body = "".join(parts)
    return (f'<div class="gdlab-display" style="font-family:system-ui,sans-serif;font-size:13px;line-height:1.4">'
            f"<div><b>{esc(title)}</b></div>{body}</div>")


def lines(items) -> str:
    """(label, value) pairs as one line each; a value of None is left out."""
    return "".join(f"<div>{esc(k)}: {esc(v)}</div>" for k, v in items if v is not None)


def table(headers, rows, caption: str | None = None) -> str:
    cap = f'<caption style="text-align:left;font-weight:600">{esc(caption)}</caption>' if caption else ""
    head = "".join(f'<th style="{HEAD}">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{CELL}">{esc(c)}</td>' for c in row) + "</tr>" for row in rows)
    return (f'<table style="border-collapse:collapse;margin:0.4em 0">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def pre(text: str) -> str:
    return f'<pre style="margin:0.3em 0;font-size:12px">{esc(text)}</pre>'


def png_bytes(fig, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def image(data: bytes, alt: str) -> str:
    """PNG bytes as an ``<img>`` with the data inline (base64)."""
    src = base64.b64encode(data).decode("ascii")
    return f'<img alt="{esc(alt)}" style="max-width:100%" src="data:image/png;base64,{src}">'


def figure(fig, alt: str) -> str:
    return image(png_bytes(fig), alt)
