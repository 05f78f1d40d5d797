"""Atomic file writes: write beside the target, then rename over it.

A crash, an exception or a SIGKILL while writing leaves at most a hidden
``.NAME.<pid>.*.part`` file in the target's folder, never a half-written file
at the target path itself (the pid tells a later run whether the writer is
gone, see ``engine.publish.clean_leftovers``). ``os.replace`` is atomic within
one file system, which is why the temporary file lives in the same folder as
the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from engine.errors import NodeError

TEMP_NAME_BYTES = 100


def make_temp_path(path: str | os.PathLike) -> Path:
    """Create an empty hidden temporary file beside ``path`` and return its path.

    Raises NodeError with a hint when the target folder is missing or unwritable.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=".part", dir=folder)
    except FileNotFoundError as exc:
        raise NodeError(
            f"output folder does not exist: {folder}",
            hint="create the folder first or choose another output path",
        ) from exc
    except OSError as exc:
        raise NodeError(
            f"cannot write in output folder {folder}: {exc.strerror or exc}",
            hint="check the folder's permissions and free disk space",
        ) from exc
    os.close(fd)
    os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
    return Path(temp)


def temp_stem(name: str) -> str:
    """``.NAME.``, NAME cut to 100 bytes: a temporary name fits where its target's does."""
    return f".{os.fsencode(name)[:TEMP_NAME_BYTES].decode(errors='ignore')}."


def temp_prefix(name: str) -> str:
    """``.NAME.<pid>.``: hidden, and names both its target and its writer."""
    return f"{temp_stem(name)}{os.getpid()}."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def commit(temp: Path, path: str | os.PathLike) -> None:
    """Flush ``temp`` to disk and rename it onto ``path`` in one step."""
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, path)


def discard(temp: Path) -> None:
    """Remove a temporary file if it is still there."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``.

    On any exception the temporary file is removed and ``path`` is left as it
    was (absent, or the previous complete file).

    Example::

        with atomic_path("out.srt") as temp:
            temp.write_text(text)
    """
    temp = make_temp_path(path)
    try:
        yield temp
        commit(temp, path)
    except BaseException:
        discard(temp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (LF line endings)."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8", newline="\n")
