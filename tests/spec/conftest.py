"""Shared helpers for the scene-language tests: a small project folder with real media."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "scenes" / "bad"
SCENES = Path(__file__).resolve().parents[2] / "scenes"


@pytest.fixture
def project(tmp_path: Path):
    """A folder with assets/photo.jpg (64x64 JPEG) and assets/voice.wav (0.5 s, 8 kHz).

    Returns ``write(name, yaml_text) -> Path`` that writes a dedented scene file there.
    """
    (tmp_path / "assets").mkdir()
    for name in ("photo.jpg", "voice.wav"):
        shutil.copyfile(CORPUS / "assets" / name, tmp_path / "assets" / name)

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    write.root = tmp_path
    return write


CHARACTER = """\
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    voice: {tts: en-us, rate: 150}
    consent: {basis: estate, granted_by: Maria Costa, date: 2026-10-02, scope: [speech, dance, expressions]}
"""


@pytest.fixture
def character() -> str:
    """A YAML ``characters:`` block with rosa (photo, TTS voice, speech/dance/expressions)."""
    return CHARACTER
