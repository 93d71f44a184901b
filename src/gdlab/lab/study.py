"""A study: one question of the tutorial, run, drawn, written up and judged — and its entry in the registry.

Each study is a package under ``gdlab.lab.studies``. Its ``__init__`` declares ``Settings`` (one frozen
dataclass: the CLI builds its options from the fields — name and default — and the report's
prose reads the values from the same object, so a default is written once) and ``STUDY``. Its words
(heading, one-line help, each setting's help) are in the message catalogue under the package's name:
``<domain>.title``, ``<domain>.help``, ``<domain>.options.<field>`` (``gdlab/i18n/messages``). The
package's ``section`` module (which draws, and so imports matplotlib) is imported only when the
section is built; ``gdlab.lab.studies`` lists the studies in the report's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from importlib import import_module
from pathlib import Path

from gdlab.i18n import t
from gdlab.lab.section import Section


def option(default):
    """A settings field with a default (its CLI help is the message ``<domain>.options.<field>``)."""
    if isinstance(default, (list, dict, set)):
        raise TypeError(f"settings defaults must be immutable; got {default!r}")
    return field(default=default)


@dataclass(frozen=True)
class Study:
    key: str  # the CLI's section name and the report's anchor
    settings: type  # the Settings dataclass
    package: str  # the study's package: ``package.section.build(section, out, settings)`` fills the section
    thorough: dict = field(default_factory=dict)  # ``--thorough``: bigger grids, more repeats

    @property
    def domain(self) -> str:
        """The catalogue domain of the study's words: its package's name (``batch_size``)."""
        return self.package.rsplit(".", 1)[-1]

    @property
    def title(self) -> str:
        """The report section's heading, in the current language."""
        return t(f"{self.domain}.title")

    @property
    def help(self) -> str:
        """One line: what ``gdlab lab KEY`` shows."""
        return t(f"{self.domain}.help")

    def option_help(self, name: str) -> str:
        """The CLI help of setting ``name``."""
        return t(f"{self.domain}.options.{name}")

    def make(self, **overrides):
        """The settings with ``overrides`` applied (unknown names are an error)."""
        known = {f.name for f in fields(self.settings)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)} for section {self.key!r}; "
                             f"valid: {', '.join(sorted(known))}")
        return replace(self.settings(), **overrides)

    def section(self, out: Path, settings) -> Section:
        """Run the study, write its figures under ``out``, and return its tables, figures, text and verdicts."""
        s = Section(self.key, self.title)
        import_module(f"{self.package}.section").build(s, Path(out), settings)
        return s
