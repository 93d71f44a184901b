"""Progress for long runs: a tqdm bar on a terminal, plain lines otherwise (logs, CI, pipes, notebooks).

The lines go to stderr, except in a Jupyter kernel (which styles stderr as errors): there to stdout.
"""

from __future__ import annotations

from gdlab.display import progress_stream
from gdlab.i18n import t


def progress(items, desc: str, stream=None):
    stream = stream or progress_stream()
    items = list(items)
    if getattr(stream, "isatty", lambda: False)():
        from tqdm.auto import tqdm

        yield from tqdm(items, desc=desc, file=stream, leave=False)
        return
    for i, item in enumerate(items, 1):
        print(t("lab.progress", desc=desc, i=i, n=len(items), item=item), file=stream, flush=True)
        yield item
