"""``get_config`` / ``from_config``: every configurable object rebuilds from its constructor arguments."""

from __future__ import annotations


class Configurable:
    """Objects whose whole configuration is their constructor's keyword arguments."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
