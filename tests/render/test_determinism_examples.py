"""The example scenes whose voices use a variant render the same twice, cold.

Two renders into separate caches, a second apart (espeak seeded the breath noise
of variants with the clock's second), must decode to the same frames and audio
(issue 11, item 14).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from engine.nodes.output.probe import read_audio, read_frames
from engine.render import render

SCENES = Path(__file__).resolve().parents[2] / "scenes"
WITH_VARIANTS = sorted(p for p in SCENES.glob("*.yaml") if "variant:" in p.read_text())

pytestmark = pytest.mark.slow


def test_the_examples_use_variants():
    assert len(WITH_VARIANTS) >= 4, WITH_VARIANTS


@pytest.mark.parametrize("scene", WITH_VARIANTS, ids=[p.stem for p in WITH_VARIANTS])
def test_two_cold_renders_decode_to_the_same_frames_and_audio(scene, tmp_path):
    first = render(scene, tmp_path / "a" / "v.mp4", cache_dir=tmp_path / "cache_a")
    time.sleep(1.1)
    again = render(scene, tmp_path / "b" / "v.mp4", cache_dir=tmp_path / "cache_b")
    np.testing.assert_array_equal(read_audio(first.video)[0], read_audio(again.video)[0])
    frames_a, frames_b = read_frames(first.video), read_frames(again.video)
    assert frames_a.shape == frames_b.shape
    differing = [i for i in range(len(frames_a)) if not np.array_equal(frames_a[i], frames_b[i])]
    assert differing == [], f"{len(differing)} of {len(frames_a)} frames differ"
