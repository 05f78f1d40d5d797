"""Choreography to synthetic music: beat alignment, smoothness, determinism, modes."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.motion import metrics
from engine.nodes.motion import skeleton as sk
from engine.nodes.motion.choreo import (
    ChoreoError,
    catalog,
    choreograph,
    free_rhythm,
    mirror_pose,
    style_origins,
)
from engine.nodes.motion.keyframes import hermite
from engine.nodes.motion.library import REST_ANGLES_DEG, load_library
from engine.nodes.music.analyse import analyse
from engine.nodes.music.synth import synth_music

FPS = 25.0
SR_HZ = 22050
BONE_PAIRS = [(p, c) for _, p, c in sk.BONES]
LEGS = [i for i, (b, _, _) in enumerate(sk.BONES) if b not in sk.UPPER_BODY_BONES]


@pytest.fixture(scope="module", params=[90, 120, 140])
def music(request):
    audio, truth = synth_music(request.param, 12, sr_hz=SR_HZ, seed=1, sections=("drums", "full"))
    return analyse(audio, SR_HZ), truth


@pytest.fixture(scope="module")
def music_120():
    audio, _ = synth_music(120, 8, sr_hz=SR_HZ, seed=2)
    return analyse(audio, SR_HZ)


def joints_of(track: sk.PoseTrack) -> np.ndarray:
    """(T, J, 2) positions of the joints the bones reach, unit bone lengths."""
    ones = np.ones(sk.N_BONES)
    j = np.stack([sk.forward(a, r, ones) for a, r in zip(track.angles, track.root, strict=True)])
    return j[:, np.isfinite(j[0, :, 0])]


def random_walk_joints(n_frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    angles = np.radians(REST_ANGLES_DEG) + np.cumsum(rng.normal(0, 0.05, (n_frames, sk.N_BONES)), 0)
    track = sk.PoseTrack(FPS, np.zeros((n_frames, 2), np.float32), angles.astype(np.float32))
    return joints_of(track)


def test_beat_alignment_beats_random_motion(music):
    analysis, truth = music
    track = choreograph(analysis, style="party", fps=FPS, seed=3)
    joints = joints_of(track)
    bas = metrics.beat_align_score(joints, FPS, analysis.beats_s)
    baseline = metrics.beat_align_score(
        random_walk_joints(track.n_frames, 0), FPS, analysis.beats_s
    )
    n_kin = metrics.kinematic_beats(joints, FPS).size
    n_music = int(np.sum(analysis.beats_s <= (track.n_frames - 1) / FPS))
    print(f"{truth.bpm} bpm: BAS {bas:.3f} random {baseline:.3f} kin {n_kin} music {n_music}")
    assert bas >= 0.26
    assert bas > baseline + 0.2
    assert n_kin <= 2 * n_music  # minima are on the beats, not everywhere


def test_bone_lengths_are_constant_and_transitions_smooth(music):
    analysis, truth = music
    for style in ("tarantella", "hiphop", "swing"):
        track = choreograph(analysis, style=style, fps=FPS, seed=1)
        ones = np.ones(sk.N_BONES)
        full = np.stack(
            [sk.forward(a, r, ones) for a, r in zip(track.angles, track.root, strict=True)]
        )
        full = np.nan_to_num(full)  # joints no bone reaches are NaN and in no pair
        assert metrics.bone_length_change(full, BONE_PAIRS).max() < 1e-5
        step_deg = np.degrees(np.abs(np.diff(track.angles, axis=0))).max()
        assert step_deg < 45, f"{style} at {truth.bpm} bpm jumps {step_deg:.1f} deg in a frame"
        assert np.abs(np.diff(track.root, axis=0)).max() < 0.1  # torso lengths per frame


def test_seeded_determinism(music_120):
    a = choreograph(music_120, style="disco", seed=5)
    b = choreograph(music_120, style="disco", seed=5)
    c = choreograph(music_120, style="disco", seed=6)
    assert np.array_equal(a.angles, b.angles) and np.array_equal(a.root, b.root)
    assert not np.array_equal(a.angles, c.angles)


def test_upper_body_mode_keeps_legs_at_rest(music_120):
    track = choreograph(music_120, style="party", body="upper", seed=2)
    assert np.allclose(track.angles[:, LEGS], np.radians(REST_ANGLES_DEG[LEGS]), atol=1e-6)
    assert np.all(track.root[:, 0] == 0)
    assert np.degrees(np.ptp(track.angles[:, sk.BONE_INDEX["l_upper_arm"]])) > 30
    with pytest.raises(ChoreoError, match="use the whole body"):
        choreograph(music_120, moves=["twist_basic"], body="upper")


def test_moves_are_danced_in_the_given_order(music_120):
    """Each frame on a beat matches the key of the move the order puts there."""
    order = ["disco_arm_sweep", "hiphop_arm_wave"]  # both 4 beats, upper body, key on every beat
    start_s = float(music_120.downbeats_s[0])
    track = choreograph(music_120, moves=order, start_s=start_s, duration_s=10.0, fps=100, seed=0)
    lib = load_library()
    beats = music_120.beats_s[music_120.beats_s < start_s + 9.9]
    first = int(np.argmin(np.abs(beats - start_s)))
    upper = [sk.BONE_INDEX[b] for b in sorted(sk.UPPER_BODY_BONES)]

    def error_deg(got: np.ndarray, key: np.ndarray) -> float:
        d = np.abs(got[upper] - key[upper]) % 360
        return float(np.minimum(d, 360 - d).max())

    for i, t in enumerate(beats[first:]):
        move = lib[order[(i // 4) % 2]]
        key = move.keys[i % 4].angles_deg
        got = np.degrees(track.angles[round((t - start_s) * 100)])
        err = min(error_deg(got, key), error_deg(got, mirror_pose(key, np.zeros(2))[0]))
        assert err < 3.0, (i, move.name, err)


def test_no_move_more_than_twice_in_a_row(music_120):
    from engine.nodes.motion import choreo

    grid = choreo._beat_grid(music_120, 0.0, music_120.duration_s)
    for style in ("twist", "hiphop", "sirtaki"):
        cands = choreo._candidates(style, None, "full", False)
        plan = choreo._plan(music_120, grid, cands, False, np.random.default_rng(4), None)
        names = [seg.move.name for seg in plan]
        assert len(set(names)) >= 3
        assert all(not (a == b == c) for a, b, c in zip(names, names[1:], names[2:], strict=False))


def test_ceremonial_style_needs_review(music_120):
    ceremonial = [s for s, c in catalog().items() if c != "social"]
    assert ceremonial
    with pytest.raises(ChoreoError, match="marked ceremonial"):
        choreograph(music_120, style=ceremonial[0])
    assert choreograph(music_120, style=ceremonial[0], reviewed=True).n_frames > 0


def test_unknown_names_get_a_suggestion(music_120):
    with pytest.raises(ChoreoError, match="unknown dance style 'tarantela'") as err:
        choreograph(music_120, style="tarantela")
    assert "tarantella" in err.value.hint
    with pytest.raises(ChoreoError, match="unknown dance move"):
        choreograph(music_120, moves=["moonwalk_backwards"])


def test_style_origins_for_credits():
    rows = style_origins(["tarantella", "mocap", "tarantella"])
    assert [r["style"] for r in rows] == ["tarantella", "mocap"]
    assert "Southern Italy" in rows[0]["origin"] and "Peng" in rows[1]["credit"]


def test_free_rhythm_is_smooth_and_slow():
    track = free_rhythm(10.0, fps=FPS, seed=1, style="waltz")
    assert track.n_frames == 250
    assert np.degrees(np.abs(np.diff(track.angles, axis=0))).max() < 8
    assert np.degrees(np.ptp(track.angles, axis=0)).max() > 10  # it does move


def test_hermite_stops_on_full_hits_and_passes_keys():
    times = np.array([0.0, 1.0, 2.0, 3.0])
    values = np.array([[0.0], [1.0], [3.0], [2.0]])
    t = np.linspace(0, 3, 301)
    full = hermite(times, values, np.ones(4), t)[:, 0]
    flow = hermite(times, values, np.zeros(4), t)[:, 0]
    assert np.allclose(full[::100], values[:, 0]) and np.allclose(flow[::100], values[:, 0])
    assert abs(full[101] - full[99]) < 1e-3 < abs(flow[101] - flow[99])


def _limits_holding_the_arms(limit_deg: float = 8.0):
    """(lower, upper) degrees of a waist-up photo: torso, neck and collars free to
    ``limit_deg``, arms held, legs not moved."""
    upper = np.zeros(sk.N_BONES)
    upper[[sk.BONE_INDEX[b] for b in ("spine", "neck", "l_collar", "r_collar")]] = limit_deg
    arms = [sk.BONE_INDEX[b] for b in ("l_upper_arm", "l_forearm", "r_upper_arm", "r_forearm")]
    return -upper, upper, [sk.BONES[i][0] for i in arms]


def test_move_fit_is_the_share_of_motion_the_limits_let_through():
    from engine.nodes.motion.choreo import move_fit

    library = load_library()
    lower, upper, _ = _limits_holding_the_arms()
    assert move_fit(library["party_clap_up"], None) == 1.0
    assert move_fit(library["party_clap_up"], (lower, upper)) < 0.1  # all arms
    free = np.full(sk.N_BONES, 180.0)
    assert move_fit(library["party_wave_hands"], (-free, free)) == pytest.approx(1.0)


def test_held_arms_get_the_moves_with_most_torso(music_120):
    """With the arms held, what a viewer sees is the torso, shoulders and head: picked by
    fit, the dance has more of that motion than one picked as if the arms were free."""
    from engine.nodes.motion.choreo import _local_dev_deg

    lower, upper, _ = _limits_holding_the_arms()
    torso = [sk.BONE_INDEX[b] for b in ("spine", "neck", "l_collar", "r_collar")]

    def torso_motion(track):
        return np.abs(_local_dev_deg(np.degrees(track.angles)))[:, torso].mean()

    plain = choreograph(music_120, style="party", body="upper", seed=4, fps=FPS)
    picked = choreograph(
        music_120, style="party", body="upper", seed=4, fps=FPS, limits_deg=(lower, upper)
    )
    # measured 2.24 vs 2.11 degrees: the library's torso content is small in every party
    # move (the groove, added by the renderer for held arms, is what carries the beat)
    assert torso_motion(picked) > 1.05 * torso_motion(plain)
    legs = [i for i, (b, _, _) in enumerate(sk.BONES) if b not in sk.UPPER_BODY_BONES]
    assert np.allclose(picked.angles[:, legs], np.radians(REST_ANGLES_DEG[legs]), atol=1e-6)


def test_groove_stops_on_the_beats_within_the_limits(music_120):
    from engine.nodes.motion.choreo import groove_track

    lower, upper, _ = _limits_holding_the_arms(8.0)
    grid = music_120.beats_s
    t = np.arange(round(grid[-1] * FPS)) / FPS
    neck = sk.BONE_INDEX["neck"]
    dev = groove_track(grid, t, (lower, upper), {"neck"})
    assert np.allclose(np.delete(dev, neck, axis=1), 0.0)  # only the neck, no children
    assert 0.79 * 8.0 < np.abs(dev[:, neck]).max() <= 0.8 * 8.0 + 1e-9
    speed = np.abs(np.diff(dev[:, neck])) * FPS
    mid = (np.arange(len(speed)) + 0.5) / FPS
    inner = grid[(grid > grid[1]) & (grid < grid[-2])]
    assert np.interp(inner, mid, speed).max() < 0.2 * speed.max()  # stops on every beat
    spine = groove_track(grid, t, (lower, upper), {"spine"})
    assert np.allclose(spine[:, sk.BONE_INDEX["neck"]], spine[:, sk.BONE_INDEX["spine"]])
