"""The lab: experiments that show how gradient descent behaves, drawn as plots and one HTML report.

``settings`` holds each experiment's defaults (one dataclass per section);
``experiments`` turns settings into results (never draws); ``plots`` turns
results into figures (never trains); ``claims`` judges the tutorial's 30 claims
from the results; ``timing`` makes wall-clock numbers hold still; ``sections``
builds each section's text from the numbers; ``report`` puts it all on one
self-contained page.
"""
