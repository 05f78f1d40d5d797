"""The move library: enough moves and styles, every move valid, imported clips credited."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.nodes.motion.library import (
    CONTEXTS,
    REST_ANGLES_DEG,
    LibraryError,
    load_library,
    load_styles,
    parse_style,
)
from engine.nodes.motion.skeleton import BONES, N_BONES, UPPER_BODY_BONES

ROOT = Path(__file__).resolve().parents[3]


def test_library_has_40_moves_across_5_styles():
    moves, styles = load_library(), load_styles()
    assert len(moves) >= 40
    assert len({m.style for m in moves.values()}) >= 5
    assert len(styles) >= 5


def test_every_move_validates():
    for m in load_library().values():
        assert m.beats > 0 and 0 <= m.energy <= 1, m.name
        assert m.context in CONTEXTS and m.origin.strip() and m.credit.strip() and m.licence, m.name
        assert m.body in ("upper", "full")
        for k in m.keys:
            assert k.angles_deg.shape == (N_BONES,) and np.all(np.isfinite(k.angles_deg)), m.name
            assert 0 <= k.beat < m.beats and 0 <= k.hit <= 1
        if m.body == "upper":
            legs = [i for i, (b, _, _) in enumerate(BONES) if b not in UPPER_BODY_BONES]
            assert all(np.array_equal(k.angles_deg[legs], REST_ANGLES_DEG[legs]) for k in m.keys)


def test_there_are_upper_body_moves_and_a_non_social_style():
    moves = load_library().values()
    assert sum(m.body == "upper" for m in moves) >= 8
    assert any(s.context != "social" for s in load_styles().values())


def test_waltz_moves_are_in_three():
    waltz = [m for m in load_library().values() if m.style == "waltz"]
    assert waltz and all(m.beats % 3 == 0 and m.meter == 3 for m in waltz)


def test_deepmimic_imports_have_provenance():
    moves = [m for m in load_library().values() if m.source]
    assert len(moves) >= 5
    prov = json.loads((ROOT / "models/motion/deepmimic_provenance.json").read_text())
    assert prov["licence"] == "zlib" and len(prov["wheel_sha256"]) == 64
    by_move = {c["move"]: c for c in prov["clips"]}
    for m in moves:
        assert "Peng" in m.credit and "zlib" in m.licence
        assert m.source["file"].startswith("pybullet_data/data/motions/humanoid3d_")
        assert by_move[m.name]["sha256"] == m.source["sha256"]
    assert {"mocap_dance_a", "mocap_dance_b"} <= set(by_move)


def _doc(**move) -> dict:
    base = {"name": "x", "beats": 2, "energy": 0.5, "keys": [{"beat": 0, "pose": {"spine": -80}}]}
    return {
        "style": "s",
        "context": "social",
        "origin": "o",
        "credit": "c",
        "licence": "CC0-1.0",
        "moves": [base | move],
    }


@pytest.mark.parametrize(
    ("move", "message"),
    [
        ({"beats": 0}, "beats must be a positive integer"),
        ({"energy": 2}, "energy must be in"),
        ({"keys": [{"beat": 0, "pose": {"tail": 3}}]}, "unknown bone 'tail'"),
        ({"keys": [{"beat": 5}]}, "keyframe beat must be in"),
        ({"keys": []}, "at least one keyframe"),
        ({"body": "upper", "keys": [{"beat": 0, "pose": {"l_thigh": 40}}]}, "moves the legs"),
    ],
)
def test_bad_moves_are_refused(move, message):
    with pytest.raises(LibraryError, match=message):
        parse_style(_doc(**move))


def test_bad_context_and_missing_origin_are_refused():
    with pytest.raises(LibraryError, match="context must be one of"):
        parse_style(_doc() | {"context": "party"})
    with pytest.raises(LibraryError, match="missing or empty 'origin'"):
        parse_style(_doc() | {"origin": ""})
