"""Content-addressed cache on disk: one folder per node key.

    <root>/<kk>/<key>/value.pkl        the node's returned value (pickled)
    <root>/<kk>/<key>/<files...>       files the node wrote (Artifacts)
    <root>/<kk>/<key>/integrity.json   sha256 of every file above

An entry is built in a temporary sibling folder and renamed into place, so a
killed render never leaves a half entry under a real key. Reads check every
hash: a corrupt or truncated entry is deleted and rebuilt, never used. A file
lock per key keeps two renders sharing a cache from computing the same node
twice or reading a folder while it is being replaced.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from engine.hashing import sha256_file
from engine.nodes.registry import Artifact

VALUE_FILE = "value.pkl"
INTEGRITY_FILE = "integrity.json"


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
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    @contextmanager
    def lock(self, key: str):
        locks = self.root / "locks"
        locks.mkdir(exist_ok=True)
        with FileLock(str(locks / f"{key}.lock")):
            yield

    def _check(self, folder: Path) -> bool:
        try:
            recorded = json.loads((folder / INTEGRITY_FILE).read_text())
            return all(sha256_file(folder / name) == digest for name, digest in recorded.items())
        except (OSError, ValueError):
            return False

    def has(self, key: str) -> bool:
        folder = self.entry_dir(key)
        return (folder / INTEGRITY_FILE).exists() and self._check(folder)

    def load(self, key: str) -> Any:
        """The cached value with Artifacts resolved to paths. KeyError when absent or corrupt."""
        folder = self.entry_dir(key)
        if not (folder / INTEGRITY_FILE).exists():
            raise KeyError(key)
        if not self._check(folder):
            shutil.rmtree(folder, ignore_errors=True)
            raise KeyError(key)
        os.utime(folder)  # last use, for pruning
        with open(folder / VALUE_FILE, "rb") as fh:
            return resolve_artifacts(pickle.load(fh), folder)

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
                with open(work / VALUE_FILE, "wb") as fh:
                    pickle.dump(value, fh, protocol=5)
                digests = {
                    p.name: sha256_file(p)
                    for p in sorted(work.iterdir())
                    if p.name != INTEGRITY_FILE
                }
                (work / INTEGRITY_FILE).write_text(json.dumps(digests, sort_keys=True))
                if final.exists():  # a corrupt entry we are replacing
                    shutil.rmtree(final)
                os.replace(work, final)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            return resolve_artifacts(value, final), False

    def stats(self) -> CacheStats:
        entries = 0
        size = 0
        for folder in self._entries():
            entries += 1
            size += sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        return CacheStats(entries, size, self.root)

    def _entries(self):
        for shard in self.root.iterdir():
            if shard.is_dir() and len(shard.name) == 2:
                for folder in shard.iterdir():
                    if folder.is_dir() and not folder.name.startswith("."):
                        yield folder

    def prune(self, *, older_than_s: float = 0.0, max_bytes: int | None = None) -> int:
        """Delete entries unused for ``older_than_s``, then the least recently used
        until the cache fits ``max_bytes``. Leftover partial folders are removed too.
        Returns the number of entries deleted."""
        now = time.time()
        removed = 0
        for shard in self.root.iterdir():
            if shard.is_dir() and len(shard.name) == 2:
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
