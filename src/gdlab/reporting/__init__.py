"""What the lab's and the sweep's pages share: tables, the page style, figure sizes and the figure style.

``tables``: ``Table`` (headers and formatted cells, printed as text or drawn as HTML) and ``fmt``;
``html``: the page ``STYLE``, ``table_html`` and ``figure_html`` (a PNG embedded as base64);
``figures``: figure sizes (``DPI``, ``WIDE``, ``TALL``), the ``styled`` style context, ``save``, colours
and line styles. Only core gdlab modules may be imported here: the lab, the sweep and the playground
build on it, never the other way round.
"""
