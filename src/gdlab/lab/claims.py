"""The tutorial's 30 claims, each registered next to the study that tests it and judged from typed evidence.

A study's ``claims.py`` names its section once and registers each claim on its judge::

    claim = claims_for("momentum")

    @dataclass(frozen=True)
    class MomentumRuns:                     # the evidence: plain numbers, one type per claim
        ...

    @claim(12, "Momentum adds the previous update direction …")
    def momentum_helps(e: MomentumRuns) -> Finding:
        return say(shown, "sentence asserting the claim", "sentence saying what was seen instead")

The decorator turns the judge into a ``Claim``; calling it on evidence gives the ``Verdict``:
"shown" or "not_observed", decided from the numbers alone, and a sentence that asserts the claim
only when the numbers do. Judges are small pure functions, so tests can feed them evidence in
which the claim is false. ``CLAIMS`` holds every registered claim by id (the studies' packages
register theirs when imported: ``gdlab.lab.studies`` imports them all).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable

SHOWN, NOT_OBSERVED = "shown", "not_observed"


@dataclass(frozen=True)
class Finding:
    """A judge's answer: whether the numbers show the claim, and the sentence that says so (or not)."""

    shown: bool
    sentence: str


def say(shown: bool, yes: str, no: str) -> Finding:
    return Finding(shown, yes[:1].upper() + yes[1:] if shown else "Not observed in this run: " + no)


@dataclass
class Verdict:
    id: int
    verdict: str
    sentence: str
    evidence: Any  # the claim's evidence: a frozen dataclass

    @property
    def shown(self) -> bool:
        return self.verdict == SHOWN

    def to_json(self) -> dict:
        c = CLAIMS[self.id]
        return {"id": self.id, "claim": c.text, "section": c.section, "verdict": self.verdict,
                "evidence": asdict(self.evidence), "sentence": self.sentence}


@dataclass(frozen=True)
class Claim:
    id: int
    text: str
    section: str  # key of the study (and report section) that tests it
    judge: Callable[[Any], Finding]

    def __call__(self, evidence) -> Verdict:
        found = self.judge(evidence)
        return Verdict(self.id, SHOWN if found.shown else NOT_OBSERVED, found.sentence, evidence)


CLAIMS: dict[int, Claim] = {}


def claims_for(section: str):
    """The ``claim(id, text)`` decorator of one study: every claim it registers is tested by ``section``."""
    def claim(claim_id: int, text: str):
        def register(judge) -> Claim:
            if claim_id in CLAIMS:
                raise ValueError(f"claim {claim_id} is registered twice: by {CLAIMS[claim_id].section!r} "
                                 f"and by {section!r}")
            CLAIMS[claim_id] = Claim(claim_id, text, section, judge)
            return CLAIMS[claim_id]
        return register
    return claim


@dataclass(frozen=True)
class NotRun:
    """The evidence of a claim whose section did not run."""

    section_run: bool = False


def not_run(claim_id: int) -> Verdict:
    c = CLAIMS[claim_id]
    return Verdict(claim_id, NOT_OBSERVED, f"Not observed in this run: section {c.section!r} was not run.",
                   NotRun())


def g(x, digits: int = 3) -> str:
    """A number for a sentence: 3 significant digits, thousands separated."""
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    if not math.isfinite(x):
        return str(x)
    return f"{x:,.{digits}g}" if abs(x) < 10 ** digits else f"{x:,.0f}"
