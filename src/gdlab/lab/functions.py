"""The lab from Python: one function per study, returning the ``Section`` the CLI prints.

    >>> import gdlab.lab
    >>> section = gdlab.lab.lr_find(n=100)        # the same as `gdlab lab lr-find --n 100`   # doctest: +SKIP
    >>> section                                    # in a notebook: its figures, tables and verdicts

Each function takes the study's settings as keyword arguments (the CLI's options, with ``_`` for ``-``;
unknown names are an error that lists the valid ones), ``out`` (the folder for the figures and data
files; default a new temporary folder) and ``backend`` (``"numpy"`` or ``"cupy"``; default: the one
``gdlab.backend.use`` sets). It runs what ``gdlab lab KEY`` runs — the same settings object, the same
study code, the same JSON files — so the numbers and verdicts are the CLI's.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import fields
from pathlib import Path

from gdlab.backend import use as use_backend
from gdlab.lab.report import write_json
from gdlab.lab.section import Section
from gdlab.lab.studies import STUDIES


def run(key: str, out=None, backend=None, **settings) -> Section:
    """Run study ``key`` (``"lr-find"``, …) with ``settings``; its figures go to ``out``."""
    study = STUDIES[key] if key in STUDIES else None
    if study is None:
        raise ValueError(f"unknown lab section {key!r}; valid: {', '.join(STUDIES)}")
    cfg = study.make(**settings)
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"gdlab-lab-{key}-"))
    with use_backend(backend) if backend is not None else contextlib.nullcontext():
        section = study.section(folder, cfg)
    for name, content in section.data.items():
        write_json(folder / name, content)
    return section


#: studies whose function cannot take the study's name: ``gdlab.lab.surfaces`` is the module of the 2-D test
#: functions (Rosenbrock, Beale, …) that the study races the optimizers on
RENAMED = {"surfaces": "surfaces_study"}


def function_name(key: str) -> str:
    """The name of study ``key``'s function in ``gdlab.lab``: the key with ``_`` for ``-`` (or its RENAMED entry)."""
    return RENAMED.get(key, key.replace("-", "_"))


def _function(key: str):
    study = STUDIES[key]

    def section(out=None, backend=None, **settings) -> Section:
        return run(key, out, backend, **settings)

    section.__name__ = section.__qualname__ = function_name(key)
    options = "\n".join(f"    {f.name} = {f.default!r}: {study.option_help(f.name)}" for f in fields(study.settings))
    section.__doc__ = (f"{study.title}: {study.help}.\n\nThe same as ``gdlab lab {key}``; returns its Section "
                       f"(figures under ``out``). Settings:\n\n{options}\n")
    return section


FUNCTIONS = {function_name(key): _function(key) for key in STUDIES}
