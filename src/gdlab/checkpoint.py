"""The gdlab file format: safetensors tensors plus JSON metadata entries, written atomically.

One file holds everything, with no pickle anywhere:

- tensors, each under a path-like name (``weights/dense/kernel``, ``optimizer/slot/m``, …);
- metadata: ``format`` = "gdlab", ``format_version``, ``sha256`` (a digest of every tensor's name,
  dtype, shape and bytes, so a flipped byte in the data is caught), and named JSON entries (``gdlab.model``,
  ``gdlab.compile``, ``gdlab.optimizer``, ``gdlab.training``; what goes in them is ``gdlab.saving``'s
  business, not this module's).

A file that is missing, truncated, malformed or foreign (a pickle, say) is refused with a
``CheckpointError`` that names the file and says what is wrong. Writes go through
``gdlab.io.write_atomic``: a process killed mid-save leaves the previous file intact.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdlab.io import write_atomic

FORMAT = "gdlab"
FORMAT_VERSION = "2"  # 2: with the tensor digest


class CheckpointError(ValueError):
    """A file that is not a valid gdlab model or checkpoint."""


@dataclass
class Contents:
    """What one file holds: its JSON entries (still encoded) and its tensors."""

    path: Path
    entries: dict[str, str]
    tensors: dict[str, np.ndarray]

    def has(self, key: str) -> bool:
        return key in self.entries

    def json(self, key: str):
        """The decoded JSON entry ``key``; a missing or malformed entry is a ``CheckpointError``."""
        try:
            return json.loads(self.entries[key])
        except KeyError:
            raise CheckpointError(f"{self.path} has no {key!r} entry") from None
        except (json.JSONDecodeError, RecursionError) as err:
            raise CheckpointError(f"{self.path}: the {key!r} entry is not valid JSON ({err})") from None

    def error(self, message: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: {message}")


def _contiguous(a) -> np.ndarray:
    """``a`` in C order, keeping its shape (``np.ascontiguousarray`` would make a 0-d array 1-d)."""
    a = np.asarray(a)
    return a if a.flags.c_contiguous else a.copy(order="C")


def digest(tensors: dict[str, np.ndarray]) -> str:
    """SHA-256 over the tensors in name order: name, dtype, shape and the raw bytes of each."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = _contiguous(tensors[name])
        h.update(f"{name}\0{t.dtype.str}\0{t.shape}\0".encode())
        h.update(memoryview(t).cast("B"))
    return h.hexdigest()


def write(path, tensors: dict[str, np.ndarray], entries: dict[str, object]) -> Path:
    """Write ``tensors`` and the JSON-encoded ``entries`` to ``path`` atomically."""
    from safetensors.numpy import save

    tensors = {k: _contiguous(v) for k, v in tensors.items()}
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "sha256": digest(tensors)}
    metadata.update({key: json.dumps(value, allow_nan=True) for key, value in entries.items()})
    return write_atomic(path, _sorted_header(save(tensors, metadata=metadata)))


def _sorted_header(blob: bytes) -> bytes:
    """``blob`` (a safetensors file: 8-byte length N, N bytes of JSON header, the tensor data) with its
    header's keys in sorted order, so that one model always gives the same bytes: safetensors writes the
    metadata from a hash map, in an order that changes from save to save. The data offsets count from
    the end of the header, so the data is kept as it is; the header is padded to a multiple of 8 bytes
    with spaces, as safetensors pads it."""
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    header = {"__metadata__": dict(sorted(header.pop("__metadata__").items())), **dict(sorted(header.items()))}
    text = json.dumps(header, separators=(",", ":")).encode("ascii")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + blob[8 + n:]


def read(path) -> Contents:
    """The file's entries and tensors; anything but a gdlab file of this version is refused."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as err:  # noqa: BLE001 — whatever the parser trips on, the file is not readable
        raise CheckpointError(f"{path} is not a valid safetensors file ({err}); is it truncated or another "
                              "format?") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a safetensors file but not a gdlab model (metadata format="
                              f"{metadata.get('format')!r})")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has gdlab format version {metadata.get('format_version')!r}; "
                              f"this gdlab reads version {FORMAT_VERSION}")
    if metadata.get("sha256") != digest(tensors):
        raise CheckpointError(f"{path}: the tensor data does not match its recorded SHA-256 digest; the file is "
                              "damaged")
    entries = {k: v for k, v in metadata.items() if k not in ("format", "format_version", "sha256")}
    return Contents(path, entries, tensors)
