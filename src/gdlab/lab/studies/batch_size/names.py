"""The batch-size study's data labels as shown: a trial's status and a fitted regime stay English in the data
(``batch_size.json``, the evidence) and are translated where a page or a figure shows them."""

from __future__ import annotations

from gdlab.i18n import Msg


def status_name(status: str) -> Msg:
    """A trial's status ("reached", "diverged", "not reached", "stopped at the best count") as shown."""
    return {"reached": Msg("batch_size.status_reached"), "diverged": Msg("batch_size.status_diverged"),
            "not reached": Msg("batch_size.status_not_reached"),
            "stopped at the best count": Msg("batch_size.status_stopped")}[status]


def regime_name(regime: str) -> Msg:
    """A fitted regime (``Fit.regime``: "perfect scaling", "diminishing returns", "no further gain") as shown."""
    return {"perfect scaling": Msg("batch_size.regime_perfect"),
            "diminishing returns": Msg("batch_size.regime_diminishing"),
            "no further gain": Msg("batch_size.regime_none")}[regime]

