"""The gallery's scenes stay valid as the scene language grows (they render in `make gallery`)."""

from __future__ import annotations

import pytest

import engine
from engine.errors import SceneError
from tests.media.gallery import CASES, example_scenes, real_media_scenes


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    return real_media_scenes(tmp_path_factory.mktemp("gallery"), size=360)


def test_every_real_photo_gets_every_case(scenes):
    from tests.media import items

    assert len(scenes) == len(CASES) * len(items(kind="photo"))


def test_every_gallery_scene_validates(scenes):
    problems = {}
    for name, path in scenes:
        try:
            engine.validate(path)
        except SceneError as err:
            problems[name] = err.lines()[0]
    assert not problems, problems


def test_the_examples_are_in_the_gallery():
    names = {name for name, _ in example_scenes()}
    assert {"talking-portrait", "dance", "campaign", "photo-story"} <= names
    assert not any(name.endswith("-base") for name in names)
