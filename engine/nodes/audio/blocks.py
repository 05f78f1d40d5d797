"""(n, C) float32 signals read and written block by block, in bounded memory.

Long soundtracks live in ``.npy`` files (float32, C order, shape (n, C)).
They are read with ordinary file reads, not ``np.load(mmap_mode="r")``: pages
of a memory map stay mapped, and are counted in the process's RSS, until the
map is closed, so a sequential pass over a mapped 10-minute mix would grow the
RSS by the whole file. File reads go through the page cache, which is not.

Sources have ``n_samples``, ``n_channels`` and ``read(lo, hi)``; sinks have
``write(block)`` (blocks in order). Arrays and files offer the same interface,
so one streaming implementation serves both the in-memory API and the nodes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.errors import NodeError

_MAGIC = b"\x93NUMPY\x01\x00"  # .npy format version 1.0
_HEADER_BYTES = 128  # fixed header size: room for any shape, 64-byte aligned


class ArraySource:
    """An in-memory (n, C) array as a source."""

    def __init__(self, audio: np.ndarray):
        self.audio = audio
        self.n_samples, self.n_channels = audio.shape

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Samples [lo, hi) as (hi - lo, C) float32 (0 <= lo <= hi <= n)."""
        return np.asarray(self.audio[lo:hi], dtype=np.float32)


class NpySource:
    """A (n, C) float32 ``.npy`` file as a source, read with plain file reads."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 (closed by close())
        except OSError as exc:
            raise NodeError(
                f"cannot read audio file {path}: {exc.strerror or exc}",
                hint="re-run the node that wrote it",
            ) from exc
        version = np.lib.format.read_magic(self._file)
        read_header = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }.get(version)
        if read_header is None:
            self._file.close()
            raise NodeError(f"unsupported .npy version {version} in {path}", hint="re-run its node")
        shape, fortran, dtype = read_header(self._file)
        if dtype != np.float32 or fortran or len(shape) != 2:
            self._file.close()
            raise NodeError(
                f"audio file {path} should hold (n, C) float32, but holds {shape} {dtype}",
                hint="write it with NpyWriter or np.save of a float32 (n, 2) array",
            )
        self.n_samples, self.n_channels = shape
        self._offset = self._file.tell()

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Samples [lo, hi) as (hi - lo, C) float32 (0 <= lo <= hi <= n)."""
        out = np.empty((hi - lo, self.n_channels), dtype="<f4")
        self._file.seek(self._offset + lo * self.n_channels * 4)
        if self._file.readinto(memoryview(out).cast("B")) != out.nbytes:
            raise NodeError(f"audio file {self.path} is truncated", hint="re-run its node")
        return out.astype(np.float32, copy=False)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> NpySource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_source(audio: np.ndarray | str | os.PathLike | dict) -> ArraySource | NpySource:
    """A source for an array, a ``.npy`` path, or a node result ``{"file": path, ...}``."""
    if isinstance(audio, dict):
        audio = audio["file"]
    if isinstance(audio, np.ndarray):
        return ArraySource(audio)
    return NpySource(audio)


def read_padded(source: ArraySource | NpySource, lo: int, hi: int) -> np.ndarray:
    """Samples [lo, hi) of ``source``, zeros where they fall outside [0, n)."""
    a, b = max(lo, 0), min(hi, source.n_samples)
    if a == lo and b == hi:
        return source.read(lo, hi)
    out = np.zeros((hi - lo, source.n_channels), dtype=np.float32)
    if b > a:
        out[a - lo : b - lo] = source.read(a, b)
    return out


class ArraySink:
    """Blocks written in order into a preallocated (n, C) float32 array."""

    def __init__(self, n_samples: int, n_channels: int = 2):
        self.audio = np.zeros((n_samples, n_channels), dtype=np.float32)
        self._at = 0

    def write(self, block: np.ndarray) -> None:
        self.audio[self._at : self._at + len(block)] = block
        self._at += len(block)

    def rewind(self) -> None:
        """Write from the start again (the next pass overwrites this one)."""
        self._at = 0

    def __enter__(self) -> ArraySink:
        return self

    def __exit__(self, *exc) -> None:
        pass


class NpyWriter:
    """Blocks written in order into a ``.npy`` file of float32 (n, C).

    The length need not be known up front: a fixed-size header is written
    first and filled in with the final shape by ``close()``. Write to a
    temporary path and rename it when done (see ``engine.nodes.output.atomic``).
    """

    def __init__(self, path: str | os.PathLike, n_channels: int = 2):
        self.path = Path(path)
        self.n_channels = n_channels
        self.n_samples = 0
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed by close())
        self._file.write(_header(0, n_channels))

    def write(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype="<f4")
        if block.ndim != 2 or block.shape[1] != self.n_channels:
            raise ValueError(f"block should be (k, {self.n_channels}), got {block.shape}")
        self._file.write(memoryview(block).cast("B"))
        self.n_samples += len(block)

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.seek(0)
        self._file.write(_header(self.n_samples, self.n_channels))
        self._file.close()

    def __enter__(self) -> NpyWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _header(n_samples: int, n_channels: int) -> bytes:
    """A .npy 1.0 header for (n, C) little-endian float32, padded to _HEADER_BYTES."""
    text = repr({"descr": "<f4", "fortran_order": False, "shape": (n_samples, n_channels)})
    body_len = _HEADER_BYTES - len(_MAGIC) - 2
    text = text.ljust(body_len - 1) + "\n"
    return _MAGIC + body_len.to_bytes(2, "little") + text.encode("latin1")
