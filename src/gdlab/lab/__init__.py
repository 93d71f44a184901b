"""The lab: studies that show how gradient descent behaves, drawn as plots and one HTML report.

``studies`` holds one package per study — its settings, experiment, figures, claims and section —
in the report's order; ``claims`` is how a study registers and judges the tutorial's claims;
``section`` is what a study puts on the page; ``timing`` makes wall-clock numbers hold still;
``report`` puts every section on one self-contained page. The HTML and figure conventions it
shares with the sweep's page are in ``gdlab.reporting``.

From Python, each study is a function of this package that returns its ``Section`` (shown in a
notebook with its figures, tables and verdicts): ``gdlab.lab.basics()``, ``gdlab.lab.linear()``,
``regimes``, ``momentum``, ``surfaces_study`` (``surfaces`` is the module of the 2-D test functions),
``compare``, ``batch_size``, ``lr_find``, ``activations``, ``curvature``;
``gdlab.lab.run("lr-find", n=100)`` by the CLI's name (``gdlab.lab.functions``).
"""

from gdlab.lab.functions import FUNCTIONS, run

activations = FUNCTIONS["activations"]
basics = FUNCTIONS["basics"]
batch_size = FUNCTIONS["batch_size"]
compare = FUNCTIONS["compare"]
curvature = FUNCTIONS["curvature"]
linear = FUNCTIONS["linear"]
lr_find = FUNCTIONS["lr_find"]
momentum = FUNCTIONS["momentum"]
regimes = FUNCTIONS["regimes"]
surfaces_study = FUNCTIONS["surfaces_study"]  # gdlab.lab.surfaces is the module of the test functions

__all__ = ["activations", "basics", "batch_size", "compare", "curvature", "linear", "lr_find", "momentum", "regimes", "run",
           "surfaces_study"]
