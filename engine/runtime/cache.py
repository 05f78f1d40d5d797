"""Content-addressed cache on disk: one folder per node key.

    <root>/CACHEDIR.TAG                marks the folder as Photoplay's cache
    <root>/<kk>/<key>/value.json       the node's returned value (engine.runtime.codec)
    <root>/<kk>/<key>/value.npz        its arrays, if any (no pickles)
    <root>/<kk>/<key>/<files...>       files the node wrote (Artifacts)
    <root>/<kk>/<key>/integrity.json   sha256 of every file above, and their HMAC

An entry is built in a temporary sibling folder and renamed into place, so a
killed render never leaves a half entry under a real key. Reads check the entry
whole: the HMAC (under a secret kept outside the cache, see
``engine.runtime.cache_secret``), that it lists exactly the files present, and
every hash. Anything else (a corrupt, truncated, foreign or hand-made entry, an
``integrity.json`` that is not the expected map) is deleted and rebuilt, never
used. Stored values are data (JSON and NumPy arrays read without pickle), so
even a readable entry cannot run code. A file lock per key keeps two renders
sharing a cache from computing the same node twice or reading a folder while it
is being replaced.

Only a folder that is new, empty or marked as a Photoplay cache is used (or
pruned): pointing ``--cache`` at an ordinary folder is refused, never emptied.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from engine.errors import PhotoplayError
from engine.graph import canonical_json
from engine.hashing import sha256_file
from engine.nodes.registry import Artifact
from engine.runtime import codec
from engine.runtime.cache_secret import cache_secret, secret_id

INTEGRITY_FILE = "integrity.json"
MARKER_FILE = "CACHEDIR.TAG"
# The Cache Directory Tagging Specification's first line (backup tools skip the folder),
# then our own line, which is what marks the folder as Photoplay's.
MARKER_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is a Photoplay render cache (photoplay cache prune empties it).\n"
)
ENTRY_FORMAT = 2  # 1: pickled values checked by bare sha256 (never read now)
_SHARD = re.compile(r"[0-9a-f]{2}")
_KEY = re.compile(r"[0-9a-f]{64}")


def resolve_artifacts(value: Any, folder: Path) -> Any:
    """Replace each Artifact in ``value`` by the absolute path of its file."""
    if isinstance(value, Artifact):
        return folder / value.name
    if isinstance(value, dict):
        return {k: resolve_artifacts(v, folder) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(resolve_artifacts(v, folder) for v in value)
    return value


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    root: Path


class Cache:
    """The cache at ``root``. Raises PhotoplayError for a folder that is not a cache.

    create: make ``root`` (and mark it) when it does not exist; with False a
        missing folder is an error (for commands that only inspect or prune).
    """

    def __init__(self, root: Path, *, create: bool = True):
        # Absolute: pool workers may run in another working folder than the caller.
        self.root = Path(os.path.abspath(root))
        claim_folder(self.root, create=create)

    @functools.cached_property
    def secret(self) -> bytes:
        return cache_secret()  # read on first use: ``cache info`` and ``prune`` need none

    @functools.cached_property
    def secret_name(self) -> str:
        """The secret's public id: workers check that they share it (``run_node``)."""
        return secret_id(self.secret)

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    @contextmanager
    def lock(self, key: str):
        locks = self.root / "locks"
        locks.mkdir(exist_ok=True)
        with FileLock(str(locks / f"{key}.lock")):
            yield

    def _mac(self, key: str, files: dict[str, str]) -> str:
        body = canonical_json({"format": ENTRY_FORMAT, "key": key, "files": files})
        return hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()

    def _check(self, key: str, folder: Path) -> bool:
        """Whether the entry is whole and ours: HMAC, file list and every hash agree."""
        try:
            record = json.loads((folder / INTEGRITY_FILE).read_text(encoding="utf-8"))
            if not _is_record(record):
                return False
            files = record["files"]
            if not hmac.compare_digest(record["mac"], self._mac(key, files)):
                return False
            if set(files) != _entry_files(folder):
                return False
            return all(sha256_file(folder / name) == digest for name, digest in files.items())
        except (OSError, ValueError):  # unreadable, not JSON, not UTF-8, a folder inside
            return False

    def has(self, key: str) -> bool:
        folder = self.entry_dir(key)
        return (folder / INTEGRITY_FILE).exists() and self._check(key, folder)

    def arrays_bytes(self, key: str) -> int:
        """Bytes of the arrays stored in entry ``key`` (0 when none, or no such entry)."""
        try:
            return (self.entry_dir(key) / codec.ARRAYS_FILE).stat().st_size
        except OSError:
            return 0

    def load(self, key: str) -> Any:
        """The cached value with Artifacts resolved to paths. KeyError when absent or unusable."""
        folder = self.entry_dir(key)
        if not folder.exists():
            raise KeyError(key)
        try:
            if not self._check(key, folder):
                raise KeyError(key)
            value = codec.load(folder)
        except Exception:
            # Corrupt, foreign, or written by an older engine whose types no longer match.
            shutil.rmtree(folder, ignore_errors=True)
            raise KeyError(key) from None
        os.utime(folder)  # last use, for pruning
        return resolve_artifacts(value, folder)

    def compute(self, key: str, produce: Callable[[Path], Any]) -> tuple[Any, bool]:
        """Load ``key``, or run ``produce(workdir)`` and store its value atomically.

        Returns (value with artifacts resolved, whether it came from the cache).
        """
        with self.lock(key):
            try:
                return self.load(key), True
            except KeyError:
                pass
            final = self.entry_dir(key)
            work = final.parent / f".{key}.{uuid.uuid4().hex[:8]}.partial"
            work.mkdir(parents=True)
            try:
                value = produce(work)
                self._store(key, value, work)
                if final.exists():  # an unusable entry we are replacing
                    shutil.rmtree(final)
                os.replace(work, final)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            return resolve_artifacts(value, final), False

    def _store(self, key: str, value: Any, work: Path) -> None:
        reserved = {codec.VALUE_FILE, codec.ARRAYS_FILE, INTEGRITY_FILE}
        clash = reserved & _entry_files(work)
        if clash:
            raise RuntimeError(f"node wrote {sorted(clash)}, names the cache reserves")
        codec.dump(value, work)
        files = {name: sha256_file(work / name) for name in sorted(_entry_files(work))}
        record = {"format": ENTRY_FORMAT, "key": key, "files": files}
        record["mac"] = self._mac(key, files)
        (work / INTEGRITY_FILE).write_text(json.dumps(record, sort_keys=True), encoding="utf-8")

    def stats(self) -> CacheStats:
        entries = 0
        size = 0
        for folder in self._entries():
            entries += 1
            size += sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        return CacheStats(entries, size, self.root)

    def _entries(self) -> Iterator[Path]:
        for shard in _shards(self.root):
            for folder in shard.iterdir():
                if folder.is_dir() and _KEY.fullmatch(folder.name):
                    yield folder

    def prune(self, *, older_than_s: float = 0.0, max_bytes: int | None = None) -> int:
        """Delete entries unused for ``older_than_s``, then the least recently used
        until the cache fits ``max_bytes``. Leftover partial folders are removed too.
        Returns the number of entries deleted."""
        now = time.time()
        removed = 0
        for shard in _shards(self.root):
            for folder in shard.iterdir():
                if folder.name.endswith(".partial") and now - folder.stat().st_mtime > 3600:
                    shutil.rmtree(folder, ignore_errors=True)
        entries = sorted(self._entries(), key=lambda f: f.stat().st_mtime)
        sizes = {f: sum(p.stat().st_size for p in f.iterdir() if p.is_file()) for f in entries}
        total = sum(sizes.values())
        for folder in entries:
            too_old = now - folder.stat().st_mtime >= older_than_s
            too_big = max_bytes is not None and total > max_bytes
            if (older_than_s and too_old) or too_big or (not older_than_s and max_bytes is None):
                with self.lock(folder.name):
                    shutil.rmtree(folder, ignore_errors=True)
                total -= sizes[folder]
                removed += 1
        return removed


def _is_record(record: Any) -> bool:
    """Whether ``integrity.json`` has the expected shape (any other JSON means: rebuild)."""
    if not isinstance(record, dict) or set(record) != {"format", "key", "files", "mac"}:
        return False
    files = record["files"]
    return (
        record["format"] == ENTRY_FORMAT
        and isinstance(record["mac"], str)
        and isinstance(files, dict)
        and codec.VALUE_FILE in files
        and all(isinstance(d, str) for d in files.values())
    )


def _entry_files(folder: Path) -> set[str]:
    """Names in an entry folder besides integrity.json. ValueError for anything not a file."""
    names = set()
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name == INTEGRITY_FILE:
                continue
            if not entry.is_file(follow_symlinks=False):
                raise ValueError(f"{entry.path} is not a regular file")
            names.add(entry.name)
    return names


def _shards(root: Path) -> Iterator[Path]:
    for shard in root.iterdir():
        if shard.is_dir() and _SHARD.fullmatch(shard.name):
            yield shard


def is_marked(root: Path) -> bool:
    try:
        return MARKER_TEXT.splitlines()[1] in (root / MARKER_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def claim_folder(root: Path, *, create: bool = True) -> None:
    """Make sure ``root`` is a Photoplay cache: marked, or new or empty (then marked).

    Raises PhotoplayError for a missing folder (when not ``create``), a file, or an
    ordinary folder with other things in it.
    """
    try:
        mode = os.stat(root).st_mode
    except FileNotFoundError:
        if not create:
            raise PhotoplayError(
                f"no cache at {root}", hint="check the --cache path or the scene's folder"
            ) from None
        mode = None
    except OSError as exc:
        raise PhotoplayError(f"cannot use cache folder {root}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISDIR(mode):
        raise PhotoplayError(
            f"cache {root} is not a folder", hint="give --cache a folder Photoplay may own"
        )
    if mode is not None and is_marked(root):
        return
    if mode is not None and any(root.iterdir()) and not _is_legacy_cache(root):
        raise PhotoplayError(
            f"{root} is not a Photoplay cache folder (it holds other files and no {MARKER_FILE})",
            hint="give --cache a new or empty folder; Photoplay never uses or empties others",
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / MARKER_FILE).write_text(MARKER_TEXT, encoding="utf-8")
    except OSError as exc:
        raise PhotoplayError(
            f"cannot create cache folder {root}: {exc.strerror or exc}",
            hint="choose another folder with --cache, or fix its permissions",
        ) from None


def _is_legacy_cache(root: Path) -> bool:
    """A cache made before folders were marked: only shards of key folders, and locks."""
    for child in root.iterdir():
        if child.name == "locks" and child.is_dir():
            if not all(p.name.endswith(".lock") for p in child.iterdir()):
                return False
        elif _SHARD.fullmatch(child.name) and child.is_dir():
            for entry in child.iterdir():
                is_key = _KEY.fullmatch(entry.name) and entry.name.startswith(child.name)
                if not (is_key or entry.name.endswith(".partial")) or not entry.is_dir():
                    return False
        else:
            return False
    return True
