"""Content hashes of asset files, computed once per file version in a process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from engine.errors import AssetError
from engine.hashing import sha256_file


@cache
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def file_sha256(path: Path) -> str:
    """sha256 of a file; (size, mtime) key the memo so an edited file is hashed again."""
    try:
        stat = Path(path).stat()
        return _sha256(str(path), stat.st_size, stat.st_mtime_ns)
    except OSError as exc:
        raise AssetError(
            f"cannot read {path}: {exc.strerror or exc}",
            hint="the file was moved, deleted or locked after the scene was validated",
        ) from None
