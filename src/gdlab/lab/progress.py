"""Progress for long runs: a tqdm bar on a terminal, plain lines otherwise (logs, CI, pipes)."""

from __future__ import annotations

import sys


def progress(items, desc: str, stream=None):
    stream = stream or sys.stderr
    items = list(items)
    if getattr(stream, "isatty", lambda: False)():
        from tqdm.auto import tqdm

        yield from tqdm(items, desc=desc, file=stream, leave=False)
        return
    for i, item in enumerate(items, 1):
        print(f"{desc}: {i}/{len(items)} ({item})", file=stream, flush=True)
        yield item
