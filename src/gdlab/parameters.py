"""The flat parameter and gradient buffers.

All of a model's parameters θ live in one contiguous vector of one dtype, and
so do their gradients ∇θ. Each layer's kernel and bias are *views* into these
vectors, so a layer writes its gradient in place and an optimizer updates the
whole model with one vector operation per line of its formula:
``θ ← θ − η·g`` runs once, however many layers there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab.backend import NUMPY, Backend


@dataclass(frozen=True)
class Segment:
    """One named parameter array: ``theta[start:stop].reshape(shape)``."""

    name: str  # "dense_1/kernel"
    start: int
    stop: int
    shape: tuple

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)


class Parameters:
    """θ (``theta``) and ∇θ (``grad``) as flat vectors of ``backend``'s arrays, with named segments."""

    def __init__(self, specs: list[tuple[str, tuple]], dtype, backend: Backend = NUMPY):
        self.dtype = np.dtype(dtype)
        self.backend = backend
        self.segments: list[Segment] = []
        offset = 0
        for name, shape in specs:
            size = int(np.prod(shape, dtype=np.int64))
            self.segments.append(Segment(name, offset, offset + size, tuple(shape)))
            offset += size
        self.size = offset
        self.theta = backend.zeros(offset, self.dtype)
        self.grad = backend.zeros(offset, self.dtype)

    def numpy(self) -> np.ndarray:
        """θ as a NumPy array on the host: a copy, whatever the backend (for recording and plotting)."""
        return np.array(self.backend.to_numpy(self.theta), copy=True)

    def copy_theta(self):
        """θ copied on its own backend (a snapshot to restore with ``theta[...] = saved``)."""
        return self.backend.xp.asarray(self.theta, copy=True)

    def views(self, segment: Segment) -> tuple[np.ndarray, np.ndarray]:
        """(parameter view, gradient view), both shaped like the parameter."""
        s, xp = segment.slice, self.backend.xp
        return xp.reshape(self.theta[s], segment.shape), xp.reshape(self.grad[s], segment.shape)

    def locate(self, flat_index: int) -> str:
        """``"dense_1/kernel[3, 2]"`` for a flat index into θ."""
        for seg in self.segments:
            if seg.start <= flat_index < seg.stop:
                idx = np.unravel_index(flat_index - seg.start, seg.shape)
                return f"{seg.name}[{', '.join(str(int(i)) for i in idx)}]"
        raise IndexError(f"flat index {flat_index} is outside θ of size {self.size}")
