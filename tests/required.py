"""Test dependencies that CI must have: a missing one skips a test module locally and fails it in CI.

The README's test command installs them (the ``dev`` and ``parity`` extras) and CI runs that command, so
in CI (``CI`` set) a missing package is a broken install, not a reason to skip the guard rails.
"""

from __future__ import annotations

import importlib
import os

import pytest


def require(module: str):
    """The module, imported; without it: a failure in CI, a skip elsewhere."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)
