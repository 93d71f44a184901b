"""Whether the code runs in a Jupyter kernel, and where progress goes there.

A Jupyter kernel shows stderr with an error's styling, so progress goes to stdout there; on a
terminal it goes to stderr, as Keras's does, leaving stdout to the program's results.
"""

from __future__ import annotations

import sys


def in_notebook() -> bool:
    """True inside a Jupyter (IPython) kernel; False in a terminal, a script or a plain IPython shell.
    Imports nothing: a program that has not loaded IPython is not in a kernel."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress_stream():
    """stdout in a notebook, stderr elsewhere."""
    return sys.stdout if in_notebook() else sys.stderr


def svg_of(text: str):
    """What a display handle shows as this SVG: IPython's ``SVG`` when IPython is loaded, else the text."""
    if "IPython" not in sys.modules:
        return text
    from IPython.display import SVG

    return SVG(data=text)
