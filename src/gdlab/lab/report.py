"""Figures + tables + text → one self-contained HTML page (images embedded as base64 PNG).

The page opens with what produced it (gdlab version, numba on or off, NumPy
and its BLAS, cores, seconds) and the index of the claims (the tutorial's and the theory's), each
with its verdict from this run and a link to the section that tests it. Beside
``index.html`` it writes ``claims.json`` and each section's data files (e.g.
``batch_size.json``). Files are created with the user's umask.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from gdlab import backend as backend_mod
from gdlab.i18n import current, t, using
from gdlab.i18n.fonts import font_face_css
from gdlab.io import write_atomic
from gdlab.lab.claims import CLAIMS, not_run
from gdlab.lab.section import Section, section_html, verdict_label
from gdlab.lab.studies import STUDIES
from gdlab.reporting.html import STYLE


def collect_verdicts(sections: list[Section]) -> list:
    """One verdict per registered claim, in id order; claims whose section did not run are "not observed"."""
    found = {v.id: v for s in sections for v in s.verdicts}
    return [found.get(i) or not_run(i) for i in sorted(CLAIMS)]


def claims_html(verdicts) -> str:
    shown = sum(v.shown for v in verdicts)
    rows = "".join(
        f'<tr><td>{v.id}</td><td>{html.escape(CLAIMS[v.id].text)}</td>'
        f'<td><span class="{v.verdict}">{verdict_label(v.verdict)}</span></td>'
        f'<td>{html.escape(v.sentence)}</td><td><a href="#claim-{v.id}">§ {html.escape(CLAIMS[v.id].section)}</a></td></tr>'
        for v in verdicts)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (
        t("report.column_id"), t("report.column_claim"), t("report.column_verdict"), t("report.column_evidence"),
        t("report.column_section")))
    summary = t("report.claims_summary", shown=shown, total=len(verdicts), not_shown=len(verdicts) - shown)
    return (f'<section id="claims"><h2>{html.escape(t("report.claims_heading", total=len(verdicts)))}</h2>'
            f"<p>{html.escape(summary)}</p>"
            f'<table class="claims"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>')


def provenance() -> dict:
    """What produced the page: gdlab, numba, NumPy and its BLAS, Python, machine, cores."""
    import gdlab
    from gdlab import kernels

    info = {"gdlab": gdlab.__version__, "numba": "on" if kernels.registered() and kernels.enabled() else "off", "numpy": np.__version__,
            "python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count(),
            "blas": "unknown (threadpoolctl not installed)"}
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        info["blas"] = ", ".join(f"{p.get('internal_api')} {p.get('version')} (threads: {p.get('num_threads')})"
                                 for p in pools) or "none found"
    return info


def page(sections: list[Section], verdicts, info: dict) -> str:
    nav = "".join(f'<a href="#{s.key}">{html.escape(s.title.split(". ", 1)[-1])}</a>' for s in sections)
    meta = t("report.meta", gdlab=info["gdlab"], backend=info.get("backend", "numpy"), numba=info["numba"],
             numpy=info["numpy"], blas=info["blas"], python=info["python"], machine=info["machine"],
             cores=info["cores"], made=time.strftime("%Y-%m-%d %H:%M"), seconds=f"{info['seconds']:.1f}",
             cpu_seconds=f"{info['cpu_seconds']:.1f}")
    body = (f"<h1>{html.escape(t('report.heading'))}</h1>"
            f"<p class=\"meta\">{html.escape(t('report.made_by'))} {html.escape(meta)}</p>"
            f"<nav><a href=\"#claims\">{html.escape(t('report.nav_claims'))}</a>{nav}</nav>\n{claims_html(verdicts)}\n"
            + "\n".join(section_html(s) for s in sections))
    title = html.escape(t("report.page_title"))
    return (f"<!DOCTYPE html>\n<html lang=\"{current()}\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>{font_face_css(title + body)}{STYLE}</style></head><body>"
            f"{body}\n</body></html>\n")


def write_json(path: Path, content) -> Path:
    return write_atomic(Path(path), _json(content))


def _json(obj) -> bytes:
    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return (json.dumps(obj, indent=1, ensure_ascii=False, default=default) + "\n").encode("utf-8")


@contextlib.contextmanager
def _blas_threads(n: int | None):
    """Limit BLAS threads (small matrices run faster on one; a shared machine wastes CPU spinning)."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield


def build_report(out, only=None, overrides=None, thorough: bool = False, blas_threads: int | None = 1,
                 echo=print, backend="numpy", lang: str | None = None) -> Path:
    """Run the sections (all, or ``only``), write their PNGs, ``index.html``, ``claims.json`` and data files.

    ``lang``: the language of the page, its figures and ``echo``'s lines ("en", "zh-CN"; None: the current
    one, ``gdlab.i18n.current()``). The numbers, the verdicts, ``claims.json`` and the data files are the
    same in every language.

    ``overrides``: section key → {setting: value}, applied over the defaults (and over the
    study's ``thorough`` settings when ``thorough``). ``backend``: the array backend of the sections'
    networks (``gdlab.backend.use``); the surfaces and the 1-D sweeps compute in NumPy.
    """
    with using(lang):
        return _build_report(Path(out), only, overrides, thorough, blas_threads, echo, backend)


def _build_report(out: Path, only, overrides, thorough: bool, blas_threads, echo, backend) -> Path:
    t0, c0 = time.perf_counter(), time.process_time()
    keys = list(only or STUDIES)
    unknown = [k for k in keys if k not in STUDIES]
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; valid: {', '.join(STUDIES)}")
    sections = []
    with _blas_threads(blas_threads), backend_mod.use(backend) as chosen:
        info = provenance()
        info["backend"] = chosen.name
        for key in keys:
            started = time.perf_counter()
            study = STUDIES[key]
            changes = {**(study.thorough if thorough else {}), **(overrides or {}).get(key, {})}
            sections.append(study.section(out, study.make(**changes)))
            if echo:
                echo(t("report.section_done", title=sections[-1].title, seconds=f"{time.perf_counter() - started:.1f}"))
    verdicts = collect_verdicts(sections)
    info.update(seconds=time.perf_counter() - t0, cpu_seconds=time.process_time() - c0)
    for s in sections:
        for name, content in s.data.items():
            write_json(out / name, content)
    write_json(out / "claims.json", [v.to_json() for v in verdicts])
    return write_atomic(out / "index.html", page(sections, verdicts, info))
