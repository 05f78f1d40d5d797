"""Text the fonts cannot draw (issue 12, word captions): a label that would show as
empty boxes is refused; burned captions and titles in Chinese or Japanese warn
(``--strict``: refuse); Hebrew, Arabic and Latin pass without a word."""

from __future__ import annotations

import pytest

from engine.errors import SceneError
from engine.spec import glyphs, validate


def _scene(character, text, *, burn=True, label='"AI-generated"', title=None):
    shot_title = f"    title: {title}\n" if title else ""
    return (
        "photoplay: 1\n"
        + character
        + f"captions: {{burn: {str(burn).lower()}, style: words}}\n"
        + f"ethics: {{label: {label}}}\n"
        + "shots:\n  - cast: [rosa]\n"
        + shot_title
        + f'    do:\n      - say: {{who: rosa, text: "{text}"}}\n'
    )


def test_japanese_burned_captions_warn_and_strict_refuses(project, character):
    path = project("s.yaml", _scene(character, "こんにちは、世界。"))
    scene = validate(path)
    (warning,) = [w for w in scene.warnings if w.code == "captions.glyphs"]
    assert warning.path == "shots[0].do[0].say.text" and warning.line == 12
    assert "こんにちは" in warning.message and "Japanese" in warning.message
    with pytest.raises(SceneError) as info:
        validate(path, strict=True)
    assert "captions.glyphs" in [d.code for d in info.value.diagnostics]


def test_captions_not_burned_do_not_warn(project, character):
    scene = validate(project("s.yaml", _scene(character, "你好", burn=False)))
    assert not [w for w in scene.warnings if w.code == "captions.glyphs"]


@pytest.mark.parametrize("text", ["שלום עולם", "مرحبا بالعالم", "Grüße, Ωμέγα, Привет", "!!!"])
def test_scripts_the_font_draws_pass(project, character, text):
    scene = validate(
        project("s.yaml", _scene(character, text, label=f'"{text}"', title=f'"{text}"'))
    )
    assert not [w for w in scene.warnings if w.code.endswith(".glyphs")]


def test_a_label_the_font_cannot_draw_is_refused_in_one_line(project, character):
    path = project("s.yaml", _scene(character, "Hello.", label='{text: "AI生成"}', title='"你好"'))
    with pytest.raises(SceneError) as info:
        validate(path)
    (error,) = [d for d in info.value.diagnostics if d.code == "ethics.label-glyphs"]
    assert error.path == "ethics.label.text" and "生成" in error.message
    assert "title.glyphs" in [w.code for w in info.value.diagnostics]
    assert all("\n" not in line for line in info.value.lines())


def test_missing_skips_spaces_and_joiners():
    assert glyphs.missing("Hello\u200d world\n") == ""
    assert glyphs.missing("a你b你") == "你"
