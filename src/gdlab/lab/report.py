"""Figures + tables + text → one self-contained HTML page (images embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
import platform
import time
from pathlib import Path

import numpy as np

from gdlab.checkpoint import write_atomic
from gdlab.lab.sections import SECTIONS, Section

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1250px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3em; }
figure { margin: 1em 0; } img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.88em; color: #555; } .meta { color: #666; font-size: 0.9em; }
nav a { margin-right: 1em; }
"""


def table_html(caption: str, table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def figure_html(caption: str, path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def section_html(s: Section) -> str:
    parts = [f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>']
    parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs[:1]]
    parts += [figure_html(c, p) for c, p in s.figures]
    parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs[1:]]
    parts += [table_html(c, t) for c, t in s.tables]
    parts.append("</section>")
    return "\n".join(parts)


def page(sections: list[Section], seconds: float) -> str:
    import gdlab

    nav = "".join(f'<a href="#{s.key}">{html.escape(s.title.split(". ", 1)[-1])}</a>' for s in sections)
    meta = (f"gdlab {gdlab.__version__} · NumPy {np.__version__} · Python {platform.python_version()} · "
            f"{platform.machine()} · made {time.strftime('%Y-%m-%d %H:%M')} in {seconds:.1f} s")
    body = "\n".join(section_html(s) for s in sections)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>gdlab — how gradient descent trains a network</title><style>{STYLE}</style></head><body>"
            f"<h1>How gradient descent trains a network</h1>"
            f"<p class=\"meta\">Every picture and number below comes from real runs of gdlab made for this page. "
            f"{html.escape(meta)}</p><nav>{nav}</nav>\n{body}\n</body></html>\n")


def build_report(out, only=None, overrides=None, echo=print) -> Path:
    """Run the sections (all, or ``only``), write their PNGs and ``out/index.html``."""
    out = Path(out)
    t0 = time.perf_counter()
    sections = []
    for key in only or SECTIONS:
        t = time.perf_counter()
        sections.append(SECTIONS[key](out, **(overrides or {}).get(key, {})))
        if echo:
            echo(f"{sections[-1].title} — {time.perf_counter() - t:.1f} s")
    index = out / "index.html"
    write_atomic(index, page(sections, time.perf_counter() - t0).encode("utf-8"))  # never a half-written page
    return index
