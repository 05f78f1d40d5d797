"""On a stage, listeners turn toward whoever speaks, and each cut-out's colour and light
move part way to the backdrop's (``stage: {listeners, match}``, issue 12 item 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.nodes.animate.controls import N_CONTROLS, SLOT
from engine.nodes.output.probe import iter_frames
from engine.nodes.render.listen import (
    ATTACK_S,
    RELEASE_S,
    TURN_YAW_DEG,
    Stander,
    turn_controls,
    turn_tracks,
)
from engine.nodes.render.stage import ColourMatch, colour_matches, lab_stats
from engine.render import render
from tests.render.scenes import FPS, base_doc, write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"
BACKDROP = "#181020"  # a dark stage: daylight photos would glow on it

# -- the turn, on its own ------------------------------------------------------------


def _two(mirror_right: bool = False) -> list[Stander]:
    return [Stander(100.0, 40.0, False, True), Stander(300.0, 40.0, mirror_right, True)]


def test_the_listener_turns_toward_the_speaker_eased_in_and_back():
    n, fps = 150, 25.0
    turns = turn_tracks(_two(), [(1.0, 3.0, 0)], [[], []], n, fps)
    listener = turns[1]
    at = lambda s: listener[round(s * fps)]  # noqa: E731
    assert at(0.96) == 0  # not before the line starts
    assert -1 < at(1.0 + ATTACK_S / 2) < 0  # turning toward the speaker (left)
    assert at(1.0 + ATTACK_S + 0.04) == -1 and at(2.9) == -1
    assert -1 < at(3.0 + RELEASE_S / 2) < 0  # turning back
    assert at(3.0 + RELEASE_S + 0.04) == 0 and at(5.0) == 0
    speaker = turns[0]  # glances at the listener (right) over the line's end only
    assert speaker[round(1.5 * fps)] == 0 and speaker[round(3.0 * fps)] > 0.4


def test_a_mirrored_listener_turns_the_same_way_on_stage():
    n, fps = 100, 25.0
    rest = np.zeros((n, N_CONTROLS), np.float32)
    for mirror in (False, True):
        turn = turn_tracks(_two(mirror), [(0.5, 2.5, 0)], [[], []], n, fps)[1]
        yaw = turn_controls(rest, turn, mirror)[:, SLOT["yaw"]]
        gaze = turn_controls(rest, turn, mirror)[:, SLOT["gaze_x"]]
        # toward the speaker on the left: the layer's own yaw is mirrored when it is
        on_stage = -yaw if mirror else yaw
        assert on_stage[50] == pytest.approx(-TURN_YAW_DEG)
        assert (-gaze if mirror else gaze)[50] < -0.5


def test_an_explicit_look_wins_over_the_turn():
    n, fps = 150, 25.0
    turns = turn_tracks(_two(), [(0.5, 5.0, 0)], [[], [(2.0, 3.0)]], n, fps)
    assert turns[1][round(1.5 * fps)] == -1
    assert turns[1][round(2.5 * fps)] == 0  # the look has it
    assert turns[1][round(4.0 * fps)] == -1


def test_nobody_turns_toward_a_speaker_right_beside_them():
    standers = [Stander(100.0, 40.0, False, True), Stander(110.0, 40.0, False, True)]
    assert not turn_tracks(standers, [(0.0, 1.0, 0)], [[], []], 50, 25.0)[1].any()


# -- the colour match, on its own ----------------------------------------------------


def test_one_who_only_dances_turns_their_eyes_not_their_head():
    """A dancer's head is the body rig's (issue 12): their turn moves the eyes alone."""
    n, fps = 100, 25.0
    rest = np.zeros((n, N_CONTROLS), np.float32)
    turn = turn_tracks(_two(), [(0.5, 2.5, 0)], [[], []], n, fps)[1]
    danced = turn_controls(rest, turn, False, head=False)
    assert not danced[:, SLOT["yaw"]].any()
    assert danced[round(2.0 * fps), SLOT["gaze_x"]] < -0.3  # toward the speaker, left


def test_the_speaker_does_not_glance_at_someone_off_the_stage():
    """A listener who has exited (or not yet entered) is not glanced at; one there is."""
    n, fps = 150, 25.0
    gone = [Stander(100.0, 40.0, False, True), Stander(300.0, 40.0, False, True, on=(0.0, 1.5))]
    speaker = turn_tracks(gone, [(1.0, 3.0, 0)], [[], []], n, fps)[0]
    assert not speaker.any()
    there = [Stander(100.0, 40.0, False, True), Stander(300.0, 40.0, False, True, on=(0.0, 9.0))]
    assert turn_tracks(there, [(1.0, 3.0, 0)], [[], []], n, fps)[0][round(3.0 * fps)] > 0.4


def test_colour_match_moves_the_mean_by_the_strength():
    rng = np.random.default_rng(3)
    person = np.clip(rng.normal([200, 170, 150], 25, (80, 60, 3)), 0, 255).astype(np.uint8)
    alpha = np.zeros((80, 60), np.uint8)
    alpha[10:75, 12:48] = 255
    back = np.clip(rng.normal([40, 30, 70], 12, (90, 160, 3)), 0, 255).astype(np.uint8)
    mean_f, _ = lab_stats(person, alpha)
    mean_b, _ = lab_stats(back)
    for strength in (0.25, 0.5, 1.0):
        match = ColourMatch.between(person, alpha, back, strength)
        moved, _ = lab_stats(match(person), alpha)
        # lightness the full share of the gap, colour (a*, b*) half of it
        share = strength * np.array([1.0, 0.5, 0.5])
        assert moved == pytest.approx(mean_f + share * (mean_b - mean_f), abs=0.6)
    layer = {"texture": person, "alpha": alpha}
    assert colour_matches([layer], [None], back, 0.0) == [None]  # 0: nothing computed


# -- on decoded frames of a two-performer stage ---------------------------------------

NOSE, RIGHT_SIDE, LEFT_SIDE = 1, 234, 454  # nose tip, the face oval's image-left, -right


def _nose_cues(frame: np.ndarray) -> list[float]:
    """Per face, left to right: the nose tip's x within the face oval's width, about
    -0.5..0.5; it moves toward the side the head turns to."""
    from engine.nodes.face.detect import detect_faces
    from engine.nodes.face.landmarks import face_landmarks

    out = []
    for face in sorted(detect_faces(frame), key=lambda f: f.box_xywh[0]):
        p = face_landmarks(frame, face).points
        a, b = p[RIGHT_SIDE, 0], p[LEFT_SIDE, 0]
        out.append(float((p[NOSE, 0] - (a + b) / 2) / (b - a)))
    return out


def _render(tmp: Path, tag: str, stage: dict):
    folder = tmp / tag
    (folder / "assets").mkdir(parents=True)
    for name in ("grace-hopper.jpg", "astronaut.jpg"):
        shutil.copy(ASSETS / name, folder / "assets")
    consent = {"basis": "public-domain", "source": "test", "scope": ["speech", "expressions"]}
    characters = {
        name: {
            "photo": {"file": f"assets/{photo}", "licence": "public domain"},
            "voice": {"tts": "en-us", "rate": 170},
            "consent": consent,
        }
        for name, photo in (("grace", "grace-hopper.jpg"), ("eileen", "astronaut.jpg"))
    }
    shot = {
        "cast": ["grace", "eileen"],
        "background": BACKDROP,
        "stage": stage,
        "do": [
            {"say": {"who": "grace", "text": "Hello there, my friend."}},
            {"pause": {"duration": 1.0}},
            {"say": {"who": "eileen", "text": "Good to see you again."}},
            {"pause": {"duration": 1.0}},
        ],
    }
    doc = base_doc([shot], characters=characters)
    doc["ethics"]["credits"]["card"] = "none"
    result = render(write_scene(folder, doc), folder / "v.mp4", cache_dir=tmp / "cache")
    frames = [frame for _, frame in iter_frames(result.video)]
    record = json.loads(result.provenance.read_text(encoding="utf-8"))
    return frames, record


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stage-look")
    return {
        "still": _render(tmp, "still", {"listeners": "still", "match": 0}),
        "turn": _render(tmp, "turn", {"listeners": "turn", "match": 0}),
        "match": _render(tmp, "match", {"listeners": "still", "match": 0.5}),
    }


def test_on_the_video_the_listener_turns_toward_the_speaker_and_back(renders):
    still, _ = renders["still"]
    turned, record = renders["turn"]
    acts = {a["who"]: (a["start_s"], a["end_s"]) for a in record["timeline"]["acts"]}
    (g0, g1), (e0, e1) = acts["grace"], acts["eileen"]

    def cue(frames, t_s: float, who: int) -> float:
        cues = _nose_cues(frames[round(t_s * FPS)])
        assert len(cues) == 2
        return cues[who]

    # eileen (right) listens to grace (left): her nose moves left, and back after
    mid = (g0 + g1) / 2 + ATTACK_S / 2
    assert cue(turned, mid, 1) - cue(still, mid, 1) < -0.05
    after = g1 + RELEASE_S + 0.3
    assert abs(cue(turned, after, 1) - cue(still, after, 1)) < 0.03
    # grace listens to eileen: toward the right
    mid = (e0 + e1) / 2 + ATTACK_S / 2
    assert cue(turned, mid, 0) - cue(still, mid, 0) > 0.05
    # the provenance timeline says who turned which way, when
    turns = record["timeline"]["segments"][0]["stage"]["turns"]
    assert {(t["who"], t["toward"]) for t in turns} >= {("eileen", "left"), ("grace", "right")}
    eileen = next(t for t in turns if t["who"] == "eileen" and t["toward"] == "left")
    assert g0 < eileen["start_s"] < g0 + ATTACK_S and g1 < eileen["end_s"] < g1 + RELEASE_S
    assert "turns" not in renders["still"][1]["timeline"]["segments"][0]["stage"]


def _lab_mean(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(frame.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    return lab[mask].mean(0)


def test_on_the_video_the_colour_match_moves_the_performers_toward_the_backdrop(renders):
    still, _ = renders["still"]
    matched, record = renders["match"]
    back = np.array([int(BACKDROP[i : i + 2], 16) for i in (1, 3, 5)])
    first = still[0]  # every shot opens on the photo: the faces at rest in both
    h, w = first.shape[:2]
    figure = np.abs(first.astype(int) - back).sum(2) > 90
    figure[int(0.85 * h) :] = False  # the label
    figure = cv2.erode(figure.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    report = record["timeline"]["segments"][0]["stage"]["match"]
    for name, half in (("grace", slice(0, w // 2)), ("eileen", slice(w // 2, w))):
        mask = np.zeros_like(figure)
        mask[:, half] = figure[:, half]
        before, after = _lab_mean(still[0], mask), _lab_mean(matched[0], mask)
        mean, target = np.array(report[name]["from"]), np.array(report[name]["backdrop"])
        gain = report[name]["gain"][0]
        gap = target[0] - mean[0]
        assert gap < -10  # the backdrop is darker than either photo
        # the cut-out's mean lightness moves by the strength times the gap; these pixels
        # (the figure's brighter part, clear of the backdrop) also by the contrast change
        # the backdrop's flat colour asks for
        predicted = 0.5 * gap + (gain - 1.0) * (before[0] - mean[0])
        assert gain < 1.0 and after[0] - before[0] < 0.5 * gap
        assert after[0] - before[0] == pytest.approx(predicted, abs=0.2 * abs(predicted) + 1)
