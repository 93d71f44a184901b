"""The tutorial's 30 claims, each registered next to the study that tests it and judged from typed evidence.

A study's ``claims.py`` names its section once and registers each claim on its judge::

    claim = claims_for("momentum")

    @dataclass(frozen=True)
    class MomentumRuns:                     # the evidence: plain numbers, one type per claim
        ...

    @claim(12)                              # its words: the message claims.c12
    def momentum_helps(e: MomentumRuns) -> Finding:
        return say(shown, Msg("momentum.c12_yes", rate=g(e.rate)),   # asserts the claim
                   Msg("momentum.c12_no", rate=g(e.rate)))           # says what was seen instead

The decorator turns the judge into a ``Claim``; calling it on evidence gives the ``Verdict``:
"shown" or "not_observed", decided from the numbers alone, and a sentence that asserts the claim
only when the numbers do. Sentences are messages (``gdlab.i18n.Msg``) rendered when shown: the
report's page speaks the reader's language, and ``claims.json`` is the same English in every run. Judges are small pure functions, so tests can feed them evidence in
which the claim is false. ``CLAIMS`` holds every registered claim by id (the studies' packages
register theirs when imported: ``gdlab.lab.studies`` imports them all).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable

from gdlab.i18n import Msg, t

SHOWN, NOT_OBSERVED = "shown", "not_observed"


@dataclass(frozen=True)
class Finding:
    """A judge's answer: whether the numbers show the claim, and the sentence that says so (or not)."""

    shown: bool
    sentence: Msg


def say(shown: bool, yes: Msg, no: Msg) -> Finding:
    """``yes`` (a sentence asserting the claim) when shown, else "Not observed in this run: " + ``no``."""
    return Finding(shown, yes if shown else Msg("lab.not_observed", seen=no))


@dataclass
class Verdict:
    id: int
    verdict: str
    message: Msg  # the sentence, rendered in the language it is shown in
    evidence: Any  # the claim's evidence: a frozen dataclass

    @property
    def shown(self) -> bool:
        return self.verdict == SHOWN

    @property
    def sentence(self) -> str:
        """The sentence in the current language."""
        return self.message.render()

    def to_json(self) -> dict:
        """The verdict as data, in English whatever the page's language (so every run's file compares)."""
        c = CLAIMS[self.id]
        return {"id": self.id, "claim": c.text_in("en"), "section": c.section, "verdict": self.verdict,
                "evidence": asdict(self.evidence), "sentence": self.message.render("en")}


@dataclass(frozen=True)
class Claim:
    id: int
    section: str  # key of the study (and report section) that tests it
    judge: Callable[[Any], Finding]

    @property
    def text(self) -> str:
        """The claim in the current language (the message ``claims.c<id>``)."""
        return t(f"claims.c{self.id}")

    def text_in(self, lang: str) -> str:
        return Msg(f"claims.c{self.id}").render(lang)

    def __call__(self, evidence) -> Verdict:
        found = self.judge(evidence)
        return Verdict(self.id, SHOWN if found.shown else NOT_OBSERVED, found.sentence, evidence)


CLAIMS: dict[int, Claim] = {}


def claims_for(section: str):
    """The ``claim(id)`` decorator of one study: every claim it registers is tested by ``section``."""
    def claim(claim_id: int):
        def register(judge) -> Claim:
            if claim_id in CLAIMS:
                raise ValueError(f"claim {claim_id} is registered twice: by {CLAIMS[claim_id].section!r} "
                                 f"and by {section!r}")
            CLAIMS[claim_id] = Claim(claim_id, section, judge)
            return CLAIMS[claim_id]
        return register
    return claim


@dataclass(frozen=True)
class NotRun:
    """The evidence of a claim whose section did not run."""

    section_run: bool = False


def not_run(claim_id: int) -> Verdict:
    c = CLAIMS[claim_id]
    return Verdict(claim_id, NOT_OBSERVED, Msg("lab.not_run", section=c.section), NotRun())


def g(x, digits: int = 3) -> str:
    """A number for a sentence: 3 significant digits, thousands separated."""
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    if not math.isfinite(x):
        return str(x)
    return f"{x:,.{digits}g}" if abs(x) < 10 ** digits else f"{x:,.0f}"
