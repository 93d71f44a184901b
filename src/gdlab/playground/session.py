"""A browser tab's session: its runs (A, and B for an A/B comparison) and the thread that trains them.

The thread is the only code that touches the models. It waits while paused; on play it trains one
epoch of every run, records the frame counters, and lets go of the lock (yielding the interpreter)
before the next epoch. The event stream reads the latest state whenever it is ready to send, so a
slow client skips states instead of queueing them. Pictures (the heatmaps) are drawn at most
``1/PICTURE_INTERVAL`` times a second while playing, and always once training stops.

The event stream never takes the lock (an epoch holds it, and the stream runs on the server's event
loop): the training thread *publishes* what the frames need — an immutable ``Snapshot`` after every
epoch, the data frame and the pictures when they change — and the frames read those references.
A run's loss curve only grows, so a snapshot keeps the list and the length it had.

``Sessions`` holds at most ``max_sessions`` of them and removes those idle for ``idle_seconds``.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from gdlab.i18n import Msg
from gdlab.playground.run import Dataset, Run
from gdlab.playground.settings import OPTIMIZER_FIELDS, Settings, SettingsError, validate

PICTURE_INTERVAL = 0.1  # seconds: at most 10 heatmaps per second
CURVE_CHUNK = 5000  # most loss-curve points one metrics frame carries


class SessionLimitError(RuntimeError):
    """Every session slot is taken by an active session (its one argument: a ``Msg``)."""


@dataclass(frozen=True)
class RunSnapshot:
    label: str
    epoch: int
    iteration: int
    iterations_per_epoch: int
    learning_rate: float
    error: str | Msg | None  # rendered in the language of the stream that sends it
    curve: list  # the run's curve list (append-only); only its first ``points`` entries belong here
    points: int


@dataclass(frozen=True)
class Snapshot:
    """What the metrics frame shows, as published by the thread holding the lock."""
    generation: int
    playing: bool
    runs: tuple


class Session:
    def __init__(self, settings: Settings, b_settings: Settings | None = None):
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.Condition()
        self.generation = 0
        self.playing = False
        self.pending_steps = 0
        self.closed = False
        self.metrics_version = 0
        self.picture_version = 0
        self.pictures: list[dict] = []
        self._pictures = (0, [])  # (generation, pictures), published together
        self.last_seen = time.monotonic()
        self._picture_due = True
        self._last_picture = 0.0
        self._build(settings, b_settings)
        self.thread = threading.Thread(target=self._loop, name=f"gdlab-playground-{self.id}", daemon=True)
        self.thread.start()

    # -- set up ------------------------------------------------------------------------------
    def _build(self, settings: Settings, b_settings: Settings | None) -> None:
        self.settings, self.b_settings = settings, b_settings
        self.dataset = Dataset(settings)
        self.runs = [Run(settings, self.dataset, "A")]
        if b_settings is not None:
            self.runs.append(Run(b_settings, self.dataset, "B"))
        self.generation += 1
        self._data = self._data_frame()
        self._picture_due = True
        self._publish()

    def _publish(self) -> None:
        """A new snapshot for the frames (called with the lock held, or before the thread starts)."""
        self._snapshot = Snapshot(self.generation, self.playing, tuple(
            RunSnapshot(run.label, run.epoch, run.iteration, run.iterations_per_epoch, run.learning_rate(),
                        run.error, run.curve, len(run.curve)) for run in self.runs))
        self.metrics_version += 1

    def configure(self, raw: dict, raw_b: dict | None) -> None:
        """New settings (validated first); ``raw_b``: run B's optimizer fields, or None for no B."""
        settings = validate(raw, base=self.settings)
        b_settings = None
        if raw_b is not None:
            if not isinstance(raw_b, dict):
                raise SettingsError("b", Msg("playground.b_object", value=repr(raw_b)))
            extra = sorted(set(raw_b) - set(OPTIMIZER_FIELDS))
            if extra:
                raise SettingsError(f"b.{extra[0]}", Msg("playground.b_only", fields=", ".join(OPTIMIZER_FIELDS)))
            shared = {k: v for k, v in settings.to_json().items() if k not in OPTIMIZER_FIELDS}
            try:
                b_settings = validate({**shared, **raw_b})
            except SettingsError as err:
                raise SettingsError(f"b.{err.field}", err.message) from None
        with self.lock:
            self.playing, self.pending_steps = False, 0
            self._build(settings, b_settings)
            self.lock.notify_all()

    # -- controls ------------------------------------------------------------------------------
    def play(self) -> None:
        with self.lock:
            self.playing = True
            self._publish()
            self.lock.notify_all()

    def pause(self) -> None:
        with self.lock:
            self.playing = False
            self.pending_steps = 0
            self._publish()
            self._picture_due = True  # the picture of the epoch it stopped at
            self.lock.notify_all()

    def step(self) -> None:
        """One more epoch (pauses a playing session first)."""
        with self.lock:
            self.playing = False
            self.pending_steps += 1
            self._publish()
            self.lock.notify_all()

    def reset(self) -> None:
        """Back to epoch 0 with the same settings: the same data and the same initial weights."""
        with self.lock:
            self.playing, self.pending_steps = False, 0
            self._build(self.settings, self.b_settings)
            self.lock.notify_all()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.lock.notify_all()

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    # -- the training thread -----------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self.lock:
                while not (self.closed or self.playing or self.pending_steps or self._picture_due):
                    self.lock.wait(timeout=1.0)
                if self.closed:
                    return
                if self.playing or self.pending_steps:
                    self._epoch()
                if self._picture_due or time.monotonic() - self._last_picture >= PICTURE_INTERVAL:
                    self._draw()
            time.sleep(0)  # let the server's event loop in between epochs

    def _epoch(self) -> None:
        if self.pending_steps:
            self.pending_steps -= 1
        for run in self.runs:
            run.train_epoch()
        if all(run.error is not None for run in self.runs):
            self.playing, self.pending_steps = False, 0
        self._publish()
        if not (self.playing or self.pending_steps):
            self._picture_due = True  # the picture of the state training stopped in

    def _draw(self) -> None:
        self.pictures = [run.picture() for run in self.runs]
        self._pictures = (self.generation, self.pictures)
        self.picture_version += 1
        self._picture_due = False
        self._last_picture = time.monotonic()

    # -- what the event stream sends (never waits for the lock) -----------------------------------
    def _data_frame(self) -> dict:
        ds = self.dataset
        return {"generation": self.generation, "problem": self.settings.problem,
                "train": [[*p, l] for p, l in zip(ds.points[ds.train].tolist(), ds.labels[ds.train].tolist())],
                "test": [[*p, l] for p, l in zip(ds.points[ds.test].tolist(), ds.labels[ds.test].tolist())],
                "settings": self.settings.to_json(),
                "b": None if self.b_settings is None else self.b_settings.to_json()}

    def data_frame(self) -> dict:
        return self._data

    def metrics_frame(self, sent: list[int]) -> dict:
        """Counters, losses and the loss-curve points after the first ``sent[i]`` of run i (updated)."""
        snap = self._snapshot
        runs = []
        for i, run in enumerate(snap.runs):
            start = min(sent[i] if i < len(sent) else 0, run.points)
            points = run.curve[start:min(start + CURVE_CHUNK, run.points)]
            if i < len(sent):
                sent[i] = start + len(points)
            else:
                sent.append(len(points))
            _, train, test = run.curve[run.points - 1]
            runs.append({"label": run.label, "epoch": run.epoch, "iteration": run.iteration,
                         "iterationsPerEpoch": run.iterations_per_epoch,
                         "trainLoss": _json_number(train), "testLoss": _json_number(test),
                         "learningRate": run.learning_rate, "curveFrom": start,
                         "error": None if run.error is None else str(run.error),  # in the reader's language
                         "curve": [[e, _json_number(a), _json_number(b)] for e, a, b in points]})
        return {"generation": snap.generation, "playing": snap.playing, "runs": runs}

    def picture_frame(self) -> dict:
        generation, pictures = self._pictures
        return {"generation": generation, "runs": pictures}


def _json_number(v):
    """JSON has no NaN/inf: a diverged loss is sent as null."""
    return v if v == v and abs(v) != float("inf") else None


class Sessions:
    """At most ``max_sessions`` sessions; those idle for ``idle_seconds`` are closed and removed."""

    def __init__(self, max_sessions: int = 16, idle_seconds: float = 600.0):
        self.max_sessions, self.idle_seconds = max_sessions, idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, settings: Settings, b_settings: Settings | None = None) -> Session:
        self.remove_idle()
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                raise SessionLimitError(Msg("playground.sessions_full", count=str(self.max_sessions)))
            session = Session(settings, b_settings)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.touch()
        return session

    def remove(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session.close()
        return session is not None

    def remove_idle(self) -> int:
        now = time.monotonic()
        idle = [sid for sid, s in list(self._sessions.items()) if now - s.last_seen > self.idle_seconds]
        for sid in idle:
            self.remove(sid)
        return len(idle)

    def close_all(self) -> None:
        for sid in list(self._sessions):
            self.remove(sid)
