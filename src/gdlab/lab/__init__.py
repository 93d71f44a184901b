"""The lab: studies that show how gradient descent behaves, drawn as plots and one HTML report.

``studies`` holds one package per study — its settings, experiment, figures, claims and section —
in the report's order; ``claims`` is how a study registers and judges the tutorial's claims;
``section`` is what a study puts on the page; ``timing`` makes wall-clock numbers hold still;
``report`` puts every section on one self-contained page. The HTML and figure conventions it
shares with the sweep's page are in ``gdlab.reporting``.
"""
