"""Semantic checks: all errors at once, ordering, warnings, strictness, estimates."""

from __future__ import annotations

import pytest

from engine.errors import SceneError
from engine.shot_time import GAP_S, TAIL_S
from engine.spec import validate


def _codes(err: SceneError) -> list[str]:
    return [d.code for d in err.diagnostics]


def test_all_errors_at_once_schema_first(project, character):
    path = project(
        "s.yaml",
        "photoplay: 1\n"
        + character
        + """\
shots:
  - cast: [rosaa]
    do:
      - say: {who: rosa, text: hi}
  - duration: fast
    background: assets/missing.jpg
""",
    )
    with pytest.raises(SceneError) as info:
        validate(path)
    codes = _codes(info.value)
    assert codes == ["schema.type", "ref.unknown-character", "asset.missing"]
    lines = info.value.lines()
    assert (
        lines[0] == f"{path}:11:15: error: shots[1].duration: expected a number, got string 'fast'"
    )
    assert lines[1].startswith(f"{path}:8:12: error: shots[0].cast[0]: no character named 'rosaa'")
    assert lines[1].endswith("(hint: did you mean 'rosa'?)")


def test_consent_message_in_the_documented_shape(project):
    path = project(
        "x.yaml",
        """\
photoplay: 1
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    consent:
      basis: estate
      granted_by: Maria
      date: 2026-10-02
      scope: [speech]
shots:
  - cast: [rosa]
    do: [{say: {who: rosa, text: hi}}]
  - cast: [rosa]
    do: [{dance: {who: rosa, style: tarantella, bars: 8}}]
""",
    )
    with pytest.raises(SceneError) as info:
        validate(path)
    assert info.value.lines() == [
        f"{path}:9:14: error: characters.rosa.consent.scope: 'dance' is used in shot 2 "
        "but not granted (hint: add dance to scope)"
    ]


def test_licence_warning_kept_on_scene_and_error_under_strict(project):
    path = project(
        "s.yaml", "photoplay: 1\nshots:\n  - {background: assets/photo.jpg, duration: 2}\n"
    )
    scene = validate(path)
    assert [w.code for w in scene.warnings] == ["licence.missing"]
    assert scene.warnings[0].severity == "warning"
    with pytest.raises(SceneError) as info:
        validate(path, strict=True)
    assert info.value.diagnostics[0].severity == "error"


def test_one_licence_warning_per_file(project):
    shots = "".join("  - {background: assets/photo.jpg, duration: 1}\n" for _ in range(5))
    scene = validate(project("s.yaml", "photoplay: 1\nshots:\n" + shots))
    assert len(scene.warnings) == 1


def test_style_catalog_only_when_given(project, character):
    text = (
        "photoplay: 1\n"
        + character
        + "shots:\n  - cast: [rosa]\n    do: [{dance: {who: rosa, style: hula-kahiko, bars: 1}}]\n"
    )
    path = project("s.yaml", text)
    validate(path)  # no catalog: any style name passes
    catalog = {"hula-kahiko": "sacred", "swing": "social"}
    with pytest.raises(SceneError) as info:
        validate(path, style_catalog=catalog)
    assert _codes(info.value) == ["ethics.cultural-review"]
    reviewed = text.replace(
        "shots:", "ethics:\n  cultural_review: {by: Kumu A., date: 2026-01-05}\nshots:"
    )
    validate(project("r.yaml", reviewed), style_catalog=catalog)


def test_duration_estimates(project, character):
    # Laid out as the shot.timing node lays it out (engine.shot_time): 10 words at
    # 150 wpm = 4 s, the gap after a line; 2 bars at 100 bpm = 8 beats * 0.6 s = 4.8 s;
    # a 0.5 s recording and its gap; pause 1; the emote at 0 runs alongside; the
    # shot's tail. Shot 2 fixed 3 s; credits at most 2 s by default.
    text = (
        "photoplay: 1\n"
        + character.replace("scope: [", "scope: [singing, ")
        + """\
music: {file: assets/voice.wav, licence: CC0, bpm: 100}
shots:
  - cast: [rosa]
    do:
      - say: {who: rosa, text: one two three four five six seven eight nine ten}
      - dance: {who: rosa, style: swing, bars: 2}
      - sing: {who: rosa, audio: assets/voice.wav}
      - pause: 1
      - emote: {who: rosa, expression: happy, at: 0}
  - duration: 3
"""
    )
    scene = validate(project("s.yaml", text))
    shot_s = 4.0 + GAP_S + 4.8 + 0.5 + GAP_S + 1.0 + TAIL_S
    assert shot_s == pytest.approx(11.2)  # a whole number of frames at 25 frames/s
    assert scene.shots[0].est_duration_s == pytest.approx(shot_s)
    assert scene.shots[1].est_duration_s == 3.0
    assert scene.est_duration_s == pytest.approx(shot_s + 3.0 + 2.0)
    assert scene.music.duration_s == pytest.approx(0.5)


def test_max_duration_is_configurable(project):
    path = project("s.yaml", "photoplay: 1\nshots:\n  - duration: 100\n")
    validate(path)
    with pytest.raises(SceneError) as info:
        validate(path, max_duration_s=60)
    assert _codes(info.value) == ["duration.too-long"]


def test_label_off_forms(project):
    for i, form in enumerate(["false", "null", "'off'", "none", "{hidden: true}", "{text: '  '}"]):
        path = project(
            f"s{i}.yaml", f"photoplay: 1\nethics:\n  label: {form}\nshots: [{{duration: 1}}]\n"
        )
        with pytest.raises(SceneError) as info:
            validate(path)
        assert _codes(info.value) == ["ethics.label-off"], form
        assert "cannot be switched off" in info.value.diagnostics[0].message


def test_label_styling_is_fine(project):
    path = project(
        "s.yaml",
        "photoplay: 1\nethics:\n  label: {text: Animación con IA, language: es, position: top-left}\nshots: [{duration: 1}]\n",
    )
    label = validate(path).ethics.label
    assert (label.text, label.language, label.position, label.size) == (
        "Animación con IA",
        "es",
        "top-left",
        0.035,
    )


def test_audio_and_video_decode_checked(project, tmp_path):
    (tmp_path / "assets" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    path = project(
        "s.yaml", "photoplay: 1\nshots:\n  - do: [{say: {who: x, audio: assets/clip.mp4}}]\n"
    )
    with pytest.raises(SceneError) as info:
        validate(path)
    assert "asset.undecodable" in _codes(info.value)
    assert "ref.unknown-character" in _codes(info.value)


def test_bvh_motion_length(project, character, tmp_path):
    bvh = "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n End Site\n {\n  OFFSET 0 1 0\n }\n}\nMOTION\nFrames: 120\nFrame Time: 0.025\n"
    bvh += "0 0 0\n" * 120
    (tmp_path / "assets" / "move.bvh").write_text(bvh)
    text = (
        "photoplay: 1\n"
        + character
        + "shots:\n  - cast: [rosa]\n    do: [{dance: {who: rosa, motion: assets/move.bvh}}]\n"
    )
    scene = validate(project("s.yaml", text))
    assert scene.shots[0].est_duration_s == pytest.approx(3.0 + TAIL_S)  # the motion + tail


def test_emoji_and_digits_are_estimated_by_their_characters(project, character):
    # One "word" each: counted in words they were 0.4 s; espeak speaks them for minutes.
    emoji, digits = "😀" * 5000, "7" * 4000
    shots = f"shots:\n  - cast: [rosa]\n    do:\n      - say: {{who: rosa, text: '{emoji}'}}\n"
    shots += f"  - cast: [rosa]\n    do:\n      - say: {{who: rosa, text: '{digits}'}}\n"
    scene = validate(project("s.yaml", "photoplay: 1\n" + character + shots))
    assert scene.shots[0].est_duration_s > 220  # measured: 220.6 s at 160 wpm
    assert scene.shots[1].est_duration_s > 67  # measured: 67.5 s


def test_a_line_past_the_limit_is_named_where_it_is_written(project, character):
    spaced = " ".join("7" * 3000)  # each digit a number of its own: ~0.42 s apiece
    path = project(
        "s.yaml",
        "photoplay: 1\n" + character + f"shots:\n  - cast: [rosa]\n    do:\n"
        f"      - say: {{who: rosa, text: '{spaced}'}}\n",
    )
    with pytest.raises(SceneError) as info:
        validate(path)
    found = {d.code: d for d in info.value.diagnostics}
    line = found["duration.line-too-long"]
    assert (line.line, line.col, line.path) == (10, 32, "shots[0].do[0].say.text")
    assert "duration.too-long" in found


def test_many_numeric_lines_are_held_to_the_limit(project, character):
    # 10 lines of 300 spaced digits: 1,200 s counted in words (under the 30-min
    # limit), about 2,400 s by characters (espeak: ~0.42 s a digit).
    line = " ".join("7" * 300)
    says = "".join(f"      - say: {{who: rosa, text: '{line}'}}\n" for _ in range(10))
    path = project(
        "s.yaml", "photoplay: 1\n" + character + "shots:\n  - cast: [rosa]\n    do:\n" + says
    )
    with pytest.raises(SceneError) as info:
        validate(path)
    assert _codes(info.value) == ["duration.too-long"]
