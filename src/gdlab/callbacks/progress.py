"""Progress output as Keras prints it, fitted to the terminal.

On a terminal of known width (``shutil.get_terminal_size``) ``verbose=1`` prints
``Epoch k/n`` and then one live line per epoch,

    41/41 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9100 - loss: 0.3100 - val_loss: 0.3300

that never exceeds the width: the bar shrinks, then goes, then the timing goes, and the
logs that still do not fit continue on the next lines. Elsewhere (a pipe, a file, a
terminal of width 0, a Jupyter notebook) and with ``verbose=2``: one plain line per epoch.
The lines go to stderr, except in a Jupyter kernel, which shows stderr as errors: there to stdout. The learning
rate is shown once it differs from the first epoch's. Both include the HealthCheck
warnings (loss rising, accuracy at chance).
"""

from __future__ import annotations

import shutil
import time

from gdlab.callbacks.base import Callback
from gdlab.callbacks.health import HealthCheck
from gdlab.display import progress_stream

BAR = 20
MIN_BAR = 5
#: seconds between two redraws of the live line
REDRAW = 0.1


def format_value(value, short: bool = False) -> str:
    """Keras's 4 decimals (``0.9100``), or 3 significant digits when space is short (``0.91``)."""
    if not isinstance(value, float):
        return str(value)
    if short:
        return f"{value:.3g}"
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e4 else f"{value:.3e}"


def duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    return f"{s // 60}m {s % 60}s" if s < 3600 else f"{s // 3600}h {s % 3600 // 60}m"


def per_step(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}us/step"
    return f"{seconds * 1e3:.0f}ms/step" if seconds < 1 else f"{seconds:.1f}s/step"


def _bar(done: int, total: int, length: int, chars: str) -> str:
    filled = length if not total else min(length, length * done // total)
    return chars[0] * filled + chars[1] * (length - filled)


def _pack(items: list[str], limit: int) -> list[str]:
    """The items joined by " - " into lines of at most ``limit`` characters (one too long is cut with …)."""
    lines, line = [], ""
    for item in items:
        item = item if len(item) <= limit else item[:limit - 1] + "…"
        if line and len(line) + 3 + len(item) <= limit:
            line += " - " + item
        else:
            if line:
                lines.append(line)
            line = item
    return lines + [line] if line else lines


#: what the line gives up, in order, until it fits: (short values, keep the bar, timing: full/first word/none)
FALLBACKS = ((False, True, 2), (True, True, 2), (True, False, 2), (True, False, 1), (True, False, 0))


def fit_lines(done: int, total: int, timing: str, logs: dict, width: int, wrap: bool = True,
              chars: str = "━─") -> list[str]:
    """The progress line for ``width`` columns, each returned line at most ``width − 1`` characters:
    the full Keras line if it fits; else, in turn, a shorter bar, shorter values, no bar, only the
    time, no time; the logs that still do not fit go on further lines (``wrap``) or are cut with … ."""
    limit = max(width - 1, 1)
    head = f"{done:>{len(str(total))}}/{total}"
    times = {2: f" {timing}", 1: f" {timing.split()[0]}" if timing else "", 0: ""}
    for short, with_bar, t in FALLBACKS:
        items = [f"{k}: {format_value(v, short)}" for k, v in logs.items()]
        rest = times[t] + "".join(f" - {item}" for item in items)
        room = limit - len(head) - 1 - len(rest)
        if with_bar and room >= MIN_BAR:
            return [f"{head} {_bar(done, total, min(BAR, room), chars)}{rest}"]
        if not with_bar and len(head) + len(rest) <= limit:
            return [head + rest]
    line = head + rest
    return _pack([head, *items], limit) if wrap else [line[:limit - 1] + "…"]


class ProgressLogger(Callback):
    """verbose=1: the live Keras line on a terminal of known width, one plain line per epoch elsewhere;
    verbose=2: one plain line per epoch."""

    batch_hooks_may_lag = True  # after a compiled epoch the bar is advanced to its end

    def __init__(self, verbose=1, epochs=1, stream=None):
        self.verbose, self.epochs = verbose, epochs
        self.stream = stream if stream is not None else progress_stream()  # stdout in a notebook
        self.health = HealthCheck(stream=self.stream)
        self.width, self.total, self.t0, self.drawn, self.last_draw = 0, 0, 0.0, 0, 0.0
        self.chars = "━─"
        self.first_lr = None

    def set_model(self, model):
        super().set_model(model)
        self.health.set_model(model)

    def _terminal_width(self) -> int:
        if self.verbose != 1 or not getattr(self.stream, "isatty", lambda: False)():
            return 0
        return shutil.get_terminal_size((0, 0)).columns

    def _shown(self, logs: dict) -> dict:
        """The logs to print: the learning rate only once it differs from the first epoch's."""
        lr = logs.get("learning_rate")
        if self.first_lr is None:
            self.first_lr = lr
        return {k: v for k, v in logs.items() if k != "learning_rate" or v != self.first_lr}

    def on_train_begin(self, logs=None):
        self.first_lr = None
        self.health.on_train_begin(logs)
        self.width = self._terminal_width()
        try:
            "━─".encode(getattr(self.stream, "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            self.chars = "=."  # a terminal that cannot show the bar's characters

    def on_epoch_begin(self, epoch, logs=None):
        self.total = (logs or {}).get("iterations", 0)
        self.t0 = self.last_draw = time.perf_counter()
        self.drawn = 0
        if self.width:
            print(f"Epoch {epoch + 1}/{self.epochs}", file=self.stream)

    def _draw(self, lines: list[str]) -> None:
        first = lines[0].ljust(min(self.drawn, self.width - 1))
        self.stream.write("\r" + "\n".join([first, *lines[1:]]))
        self.stream.flush()
        self.drawn = len(lines[-1])

    def on_train_batch_end(self, iteration, logs=None):
        if not self.width:
            return
        now = time.perf_counter()
        if now - self.last_draw < REDRAW and iteration + 1 < self.total:
            return
        self.last_draw = now
        eta = (now - self.t0) / (iteration + 1) * (self.total - iteration - 1)
        self._draw(fit_lines(iteration + 1, self.total, duration(eta), logs or {}, self.width, wrap=False,
                             chars=self.chars))

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.t0
        timing = f"{duration(seconds)} {per_step(seconds / max(self.total, 1))}"
        shown = self._shown(logs or {})
        if self.width:
            self._draw(fit_lines(self.total, self.total, timing, shown, self.width, chars=self.chars))
            self.stream.write("\n")
        else:
            items = " - ".join(f"{k}: {format_value(v)}" for k, v in shown.items())
            print(f"Epoch {epoch + 1}/{self.epochs} - {self.total}/{self.total} - {timing} - {items}",
                  file=self.stream)
        self.health.on_epoch_end(epoch, logs)
