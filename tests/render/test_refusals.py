"""Bad input and refused scenes: one line naming the problem, exit code 2, no file.

Covers what only the engine can judge (faces, bodies, beats, voices, styles) and
the ethics refusals, end to end through ``photoplay render``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from engine.cli.main import run
from tests.render.scenes import write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"


def doc(characters=None, shots=None, **extra):
    d = {
        "photoplay": 1,
        "output": {"size": [256, 256], "fps": 25},
        "ethics": {"label": "AI-generated", "credits": {"duration": 1}},
        "shots": shots or [{"background": "#000000", "duration": 1}],
    }
    if characters:
        d["characters"] = characters
    d.update(extra)
    return d


def character(photo="grace-hopper.jpg", scope=("speech", "expressions"), **extra):
    c = {
        "photo": {"file": photo, "source": "test photo"},
        "voice": {"tts": "en-us"},
        "consent": {"basis": "public-domain", "source": "test", "scope": list(scope)},
    }
    c.update(extra)
    return c


def say(text="Hello there.", who="p", **extra):
    return {"cast": [who], "do": [{"say": {"who": who, "text": text, **extra}}]}


def render_refused(tmp_path, capsys, scene_doc, *assets, expect: str) -> str:
    folder = tmp_path / "scene"
    folder.mkdir(parents=True, exist_ok=True)
    for name in assets:
        src = ASSETS / name
        if src.exists():
            shutil.copy(src, folder / name)
    scene = write_scene(folder, scene_doc)
    out = tmp_path / "out" / "v.mp4"
    code = run(["render", str(scene), "-o", str(out), "--cache", str(tmp_path / "cache")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(err) == 1, err
    assert expect in err[0], err[0]
    assert not out.exists() and not any(out.parent.glob("*")) if out.parent.exists() else True
    return err[0]


# -- ethics ---------------------------------------------------------------------------


def test_no_consent(tmp_path, capsys):
    chars = {"p": {"photo": {"file": "grace-hopper.jpg", "source": "x"}, "voice": {"tts": "en-us"}}}
    render_refused(tmp_path, capsys, doc(chars, [say()]), "grace-hopper.jpg", expect="consent")


def test_action_outside_the_consent_scope(tmp_path, capsys):
    chars = {"p": character(scope=["expressions"])}
    line = render_refused(
        tmp_path, capsys, doc(chars, [say()]), "grace-hopper.jpg", expect="speech"
    )
    assert "scene.yaml:" in line


def test_label_turned_off(tmp_path, capsys):
    d = doc()
    d["ethics"]["label"] = False
    render_refused(tmp_path, capsys, d, expect="label")


def test_ceremonial_style_without_cultural_review(tmp_path, capsys):
    chars = {"p": character("astronaut.jpg", scope=["dance"], body={"mode": "upper"})}
    shots = [{"cast": ["p"], "do": [{"dance": {"who": "p", "style": "procession", "bars": 1}}]}]
    music = {"file": "music-120bpm.wav", "licence": "CC0"}
    d = doc(chars, shots, music=music)
    render_refused(
        tmp_path, capsys, d, "astronaut.jpg", "music-120bpm.wav", expect="cultural review"
    )


def test_someone_elses_recorded_voice_without_voice_clone(tmp_path, capsys):
    chars = {"p": character(scope=["speech"])}
    line = {"who": "p", "audio": {"file": "arctic_a0007.wav", "licence": "CMU ARCTIC"},
            "transcript": "And you always want to see it in the superlative degree.",
            "speaker": "other"}  # fmt: skip
    d = doc(chars, [{"cast": ["p"], "do": [{"say": line}]}])
    render_refused(
        tmp_path, capsys, d, "grace-hopper.jpg", "arctic_a0007.wav", expect="voice-clone"
    )


# -- talking photo ----------------------------------------------------------------------


def test_photo_with_no_face(tmp_path, capsys):
    chars = {"p": character("coffee.jpg")}
    render_refused(tmp_path, capsys, doc(chars, [say()]), "coffee.jpg", expect="no face found")


def test_two_faces_and_no_selection(tmp_path, capsys):
    chars = {"p": character("two-portraits.jpg")}
    line = render_refused(
        tmp_path, capsys, doc(chars, [say()]), "two-portraits.jpg", expect="2 faces"
    )
    assert "face: 0" in line


def test_face_too_small(tmp_path, capsys):
    # The portrait at 0.15x on a 256 px canvas: the detector finds the face (30 px box),
    # below the 40 px the face rig needs. (At 60 px on 800 px it found no face at all,
    # and the old expect="face" matched that other refusal.)
    folder = tmp_path / "scene"
    folder.mkdir()
    photo = Image.open(ASSETS / "grace-hopper.jpg")
    photo = photo.resize((round(photo.width * 0.15), round(photo.height * 0.15)))
    canvas = Image.new("RGB", (256, 256), (120, 140, 160))
    canvas.paste(photo, ((256 - photo.width) // 2, (256 - photo.height) // 2))
    canvas.save(folder / "small.jpg")
    line = render_refused(
        tmp_path, capsys, doc({"p": character("small.jpg")}, [say()]), expect="is too small"
    )
    assert "need at least 40 px" in line


def test_unknown_voice_lists_installed_ones(tmp_path, capsys):
    chars = {"p": character(voice={"tts": "klingon"})}
    line = render_refused(
        tmp_path, capsys, doc(chars, [say()]), "grace-hopper.jpg", expect="klingon"
    )
    assert "not installed" in line


def test_empty_text(tmp_path, capsys):
    chars = {"p": character()}
    render_refused(
        tmp_path, capsys, doc(chars, [say(text="   ")]), "grace-hopper.jpg", expect="text"
    )


def test_silent_recording(tmp_path, capsys):
    folder = tmp_path / "scene"
    folder.mkdir()
    sf.write(folder / "silence.wav", np.zeros(32000, np.float32), 16000)
    chars = {"p": character(scope=["speech"])}
    line = {"who": "p", "audio": {"file": "silence.wav", "licence": "test"}, "transcript": "hello"}
    d = doc(chars, [{"cast": ["p"], "do": [{"say": line}]}])
    render_refused(tmp_path, capsys, d, "grace-hopper.jpg", expect="silent")


def test_transcript_that_does_not_match_the_audio(tmp_path, capsys):
    chars = {"p": character(scope=["speech"])}
    line = {"who": "p", "audio": {"file": "arctic_a0007.wav", "licence": "CMU ARCTIC"},
            "transcript": "Will we ever forget it."}  # fmt: skip
    d = doc(chars, [{"cast": ["p"], "do": [{"say": line}]}])
    render_refused(tmp_path, capsys, d, "grace-hopper.jpg", "arctic_a0007.wav", expect="transcript")


def test_a_recording_of_music_to_say(tmp_path, capsys):
    from tests.media import media_path

    folder = tmp_path / "scene"
    folder.mkdir()
    shutil.copy(media_path("demucs-test-song"), folder / "song.mp3")
    chars = {"p": character(scope=["speech"])}
    line = {"who": "p", "audio": {"file": "song.mp3", "licence": "test"}}
    d = doc(chars, [{"cast": ["p"], "do": [{"say": line}]}])
    render_refused(tmp_path, capsys, d, "grace-hopper.jpg", expect="does not sound like speech")


def test_an_empty_transcript(tmp_path, capsys):
    chars = {"p": character(scope=["speech"])}
    line = {"who": "p", "audio": {"file": "arctic_a0007.wav", "licence": "CMU ARCTIC"},
            "transcript": " ... "}  # fmt: skip
    d = doc(chars, [{"cast": ["p"], "do": [{"say": line}]}])
    render_refused(tmp_path, capsys, d, "grace-hopper.jpg", "arctic_a0007.wav", expect="empty")


def test_a_neural_voice_that_is_not_installed(tmp_path, capsys):
    chars = {"p": character(scope=["speech"], voice={"tts": "piper:en_US-nobody"})}
    render_refused(tmp_path, capsys, doc(chars, [say()]), "grace-hopper.jpg", expect="piper")


# -- dancing photo ------------------------------------------------------------------------


def dance_doc(photo, mode="auto", music_file="music-120bpm.wav", **dance):
    chars = {"p": character(photo, scope=["dance"], body={"mode": mode})}
    step = {"who": "p", "style": "party", "bars": 1} | dance
    music = {"file": music_file, "licence": "CC0"}
    return doc(chars, [{"cast": ["p"], "do": [{"dance": step}]}], music=music)


def test_no_person_in_the_photo(tmp_path, capsys):
    render_refused(
        tmp_path, capsys, dance_doc("coffee.jpg"), "coffee.jpg", "music-120bpm.wav",
        expect="no person found",
    )  # fmt: skip


def test_waist_up_photo_asked_for_full_body(tmp_path, capsys):
    line = render_refused(
        tmp_path, capsys, dance_doc("astronaut.jpg", mode="full"), "astronaut.jpg",
        "music-120bpm.wav", expect="full",
    )  # fmt: skip
    assert "mode: upper" in line


@pytest.mark.parametrize("kind", ["noise", "silence"])
def test_music_with_no_beat(tmp_path, capsys, kind):
    folder = tmp_path / "scene"
    folder.mkdir()
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.1, 48000 * 6) if kind == "noise" else np.zeros(48000 * 6)
    sf.write(folder / "pad.wav", audio.astype(np.float32), 48000)
    d = dance_doc("astronaut.jpg", mode="upper", music_file="pad.wav")
    render_refused(tmp_path, capsys, d, "astronaut.jpg", expect="beat")


def test_bvh_with_unknown_joints(tmp_path, capsys):
    folder = tmp_path / "scene"
    folder.mkdir()
    (folder / "odd.bvh").write_text(
        "HIERARCHY\nROOT Blob\n{\n  OFFSET 0 0 0\n  CHANNELS 6 Xposition Yposition Zposition "
        "Zrotation Xrotation Yrotation\n  JOINT Tentacle\n  {\n    OFFSET 0 10 0\n    CHANNELS 3 "
        "Zrotation Xrotation Yrotation\n    End Site\n    {\n      OFFSET 0 5 0\n    }\n  }\n}\n"
        "MOTION\nFrames: 2\nFrame Time: 0.04\n0 0 0 0 0 0 0 0 0\n0 0 0 0 0 0 0 0 0\n"
    )
    chars = {"p": character("astronaut.jpg", scope=["dance"], body={"mode": "upper"})}
    shots = [
        {
            "cast": ["p"],
            "do": [{"dance": {"who": "p", "motion": {"file": "odd.bvh", "licence": "x"}}}],
        }
    ]
    render_refused(tmp_path, capsys, doc(chars, shots), "astronaut.jpg", expect="odd.bvh")
