"""Publish a render: its video and the files beside it appear as one set.

    promo.v1.mp4                the video
    promo.v1.provenance.json    its provenance
    promo.v1.srt, .vtt          captions
    promo.v1.png                poster
    promo.v1.credits.txt        the credits as plain text (whether a card shows them or not)

Before any work, ``check_outputs`` refuses a set that would overwrite an input
of the scene, write into a device, FIFO or folder, or use a name the file
system cannot hold. At the end every file is first written whole into a hidden
staging folder beside the target (``.photoplay-publish-<pid>-<random>``), then
renamed into place in an order that never shows a video beside files of
another render: the old video goes first, then the side files (those the new
render does not make are removed), and the new video comes last. So a video
at the target always has its own side files beside it. SIGINT and SIGTERM wait
for the renames; a SIGKILL in between leaves side files without a video, and
the next publish in that folder removes what dead runs left behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import psutil

from engine.errors import PhotoplayError
from engine.nodes.output.atomic import temp_stem
from engine.runtime.lifeline import deferred_interrupts

SIDE_FILES = ("provenance", "credits", "srt", "vtt", "poster")
STAGING_PREFIX = ".photoplay-publish-"
NAME_MAX_BYTES = 255  # when the file system does not say (os.pathconf)
CLOCK_SLACK_S = 2.0  # process start times are known to about a second


def output_paths(video: Path) -> dict[str, Path]:
    """The files of one render, named from the video's full stem.

    ``promo.v1.mp4`` → ``promo.v1.provenance.json``, ``promo.v1.srt``,
    ``promo.v1.vtt``, ``promo.v1.png``, ``promo.v1.credits.txt``: only a final ``.mp4`` is dropped, so
    ``promo.v1`` and ``promo.v2`` never share a poster.
    """
    name = video.name
    stem = name[: -len(".mp4")] if name.lower().endswith(".mp4") else name
    return {
        "video": video,
        "provenance": video.with_name(f"{stem}.provenance.json"),
        "srt": video.with_name(f"{stem}.srt"),
        "vtt": video.with_name(f"{stem}.vtt"),
        "poster": video.with_name(f"{stem}.png"),
        "credits": video.with_name(f"{stem}.credits.txt"),
    }


# --- checks before any work -------------------------------------------------------------


def check_outputs(paths: Mapping[str, Path], inputs: Mapping[Path, str]) -> None:
    """Refuse outputs that cannot or must not be written. Raises PhotoplayError.

    paths: ``output_paths`` of one video (every file the render may write or remove).
    inputs: each file the scene reads → what it is (``characters.rosa.photo``).
    """
    by_identity = _identities(inputs)
    for kind, path in paths.items():
        _check_name_length(kind, path, paths["video"])
        _check_regular(kind, path)
        _check_not_input(kind, path, inputs, by_identity)


def _what(kind: str) -> str:
    return "the video" if kind == "video" else f"the {kind} beside the video"


def _check_name_length(kind: str, path: Path, video: Path) -> None:
    limit = _name_max(path.parent)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > limit:
            cut = size - limit
            raise PhotoplayError(
                f"file name too long for {_what(kind)} ({size} bytes, the limit is {limit}): "
                f"{path}",
                hint=f"shorten the name of {video.name if part == path.name else part!r} "
                f"by at least {cut} bytes",
            )


def _name_max(folder: Path) -> int:
    """The longest file name (bytes) the file system holding ``folder`` accepts."""
    for candidate in (folder, *folder.parents):
        with contextlib.suppress(OSError, ValueError):
            if candidate.is_dir():
                return os.pathconf(candidate, "PC_NAME_MAX")
    return NAME_MAX_BYTES


def _check_regular(kind: str, path: Path) -> None:
    try:
        mode = os.stat(path).st_mode  # follows links: a link to /dev/null is a device too
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise PhotoplayError(
            f"cannot use {path} for {_what(kind)}: {exc.strerror or exc}",
            hint="choose another output path with -o",
        ) from None
    if not stat.S_ISREG(mode):
        raise PhotoplayError(
            f"{path} is {_file_kind(mode)}, not a regular file: it cannot be {_what(kind)}",
            hint="choose a file path with -o; Photoplay writes only ordinary files",
        )


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _identities(inputs: Mapping[Path, str]) -> dict[tuple[int, int], tuple[Path, str]]:
    """(device, inode) of each input that exists: catches hard links and case folding."""
    found = {}
    for path, what in inputs.items():
        with contextlib.suppress(OSError):
            info = os.stat(path)
            found[(info.st_dev, info.st_ino)] = (path, what)
    return found


def _check_not_input(
    kind: str,
    path: Path,
    inputs: Mapping[Path, str],
    by_identity: Mapping[tuple[int, int], tuple[Path, str]],
) -> None:
    resolved = {p.resolve(): (p, what) for p, what in inputs.items()}
    clash = resolved.get(path.resolve())
    if clash is None:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            clash = by_identity.get((info.st_dev, info.st_ino))
    if clash is not None:
        source, what = clash
        raise PhotoplayError(
            f"{_what(kind)} {path} would overwrite {what} {source}",
            hint="choose another output name with -o; a render never replaces its inputs",
        )


# --- staging and publishing --------------------------------------------------------------


@contextlib.contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder beside the targets for a render's files; removed at the end."""
    staging = folder / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
    except OSError as exc:
        raise _write_error(exc) from None
    try:
        yield staging
    except OSError as exc:
        raise _write_error(exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staged: Mapping[str, Path], paths: Mapping[str, Path]) -> None:
    """Move the ``staged`` files (by kind, a video included) to their ``paths``.

    Order: the old video out, each side file in (or, when the new render has
    none and an old render is being replaced, the old one out), the video last.
    """
    video = paths["video"]
    replacing = video.exists() or paths["provenance"].exists()
    for source in staged.values():
        _flush(source)
    try:
        with deferred_interrupts():
            _remove(video)
            for kind in SIDE_FILES:
                if kind in staged:
                    _rename(staged[kind], paths[kind])
                elif replacing:
                    _remove(paths[kind])
            _rename(staged["video"], video)
            _flush(video.parent)
    except OSError as exc:
        raise _write_error(exc) from None


def _rename(source: Path, target: Path) -> None:
    os.replace(source, target)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _flush(path: Path) -> None:
    """fsync a file or a folder, so a rename never lands before the data it names."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):  # folders on some file systems
            raise
    finally:
        os.close(fd)


def _write_error(exc: OSError) -> PhotoplayError:
    return PhotoplayError(
        f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}",
        hint="check free disk space and permissions of the output folder",
    )


# --- leftovers of killed runs ------------------------------------------------------------


def clean_leftovers(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove what killed runs left in ``folder``; returns what was removed.

    That is staging folders, and hidden temporary files of ``names``
    (``.NAME.<pid>.*.part``, ``.NAME.<pid>.signed.mp4``), whose process is gone
    or was started after they were last touched (its pid was reused). Files of
    older versions, without a pid, go when they are older than this process.
    """
    removed = []
    names = list(names)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            pid = _leftover_pid(entry.name, names)
            if pid is None or not _run_is_over(pid, entry):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                _remove(Path(entry.path))
            removed.append(Path(entry.path))
    return removed


_STAGING = re.compile(re.escape(STAGING_PREFIX) + r"(\d+)-[0-9a-f]+")
_TEMP_SUFFIXES = (".part", ".signed.mp4")


def _leftover_pid(name: str, targets: list[str]) -> int | None:
    """The pid a leftover's name records, 0 if it records none, None if it is no leftover."""
    match = _STAGING.fullmatch(name)
    if match:
        return int(match.group(1))
    if not name.endswith(_TEMP_SUFFIXES):
        return None
    for target in targets:
        prefix = temp_stem(target)
        if name.startswith(prefix):
            first = name[len(prefix) :].split(".", 1)[0]
            return int(first) if first.isdigit() else 0
    return None


def _run_is_over(pid: int, entry: os.DirEntry) -> bool:
    try:
        touched = entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    if pid == 0:
        return touched < _started(os.getpid()) - CLOCK_SLACK_S
    started = _started(pid)
    return started is None or started > touched + CLOCK_SLACK_S


def _started(pid: int) -> float | None:
    """When process ``pid`` started (s since the epoch), or None if it is gone."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time()
    except psutil.Error:
        return None if pid != os.getpid() else time.time()
