"""The lab's studies, in the report's order: ``STUDIES`` maps each section key to its ``Study``.

Each study is a package that holds everything about one question of the tutorial:

    __init__.py     ``Settings`` (the CLI's options and defaults) and ``STUDY``, its entry here
    experiment.py   settings → results; never draws
    plots.py        results → figures; never trains
    claims.py       the tutorial's claims it tests: typed evidence and judges (``gdlab.lab.claims``)
    section.py      what the section says: tables, figures, sentences computed from the numbers, verdicts

Importing this package registers every claim; the ``section`` modules (and matplotlib) load only
when a section is built.
"""

from __future__ import annotations

from gdlab.lab.studies import (activations, basics, batch_size, compare, curvature, linear, lr_find, momentum,
                               regimes, surfaces)
from gdlab.lab.study import Study

STUDIES: dict[str, Study] = {s.key: s for s in (
    basics.STUDY, linear.STUDY, regimes.STUDY, momentum.STUDY, surfaces.STUDY, compare.STUDY, batch_size.STUDY,
    lr_find.STUDY, activations.STUDY, curvature.STUDY)}


def get(key: str) -> Study:
    if key not in STUDIES:
        raise ValueError(f"unknown lab section {key!r}; valid: {', '.join(STUDIES)}")
    return STUDIES[key]


def make(key: str, **overrides):
    """The settings of section ``key`` with ``overrides`` applied (unknown names are an error)."""
    return get(key).make(**overrides)
