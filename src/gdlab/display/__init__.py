"""Rich display in Jupyter: static HTML with embedded PNG figures, and the notebook check.

``notebook``: ``in_notebook()`` (is this code running in a Jupyter kernel?) and ``progress_stream()``;
``html``: the HTML pieces every ``_repr_html_`` uses (a titled card, a table, a figure as base64 PNG);
``plots``: the figures of a ``History`` and an ``LRFindResult`` (matplotlib, imported only when drawn);
``svg``: line charts written directly as SVG, fast enough to redraw while fit runs (``LivePlot``).

The HTML needs no kernel and no JavaScript, so a saved notebook shows the same on GitHub and in nbconvert.
"""

from gdlab.display.notebook import in_notebook, progress_stream

__all__ = ["in_notebook", "progress_stream"]
