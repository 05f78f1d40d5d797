"""Photos, landmarks and rigs for the animation tests (built once per session)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.nodes.animate.render import rest_frame
from engine.nodes.animate.rig import FaceRig, build_face_rig
from engine.nodes.face import detect_faces, face_landmarks
from tests.nodes.face.photos import astronaut_photo, grace_photo


@dataclass
class Subject:
    photo: np.ndarray
    points: np.ndarray  # (468, 3) px
    rig: FaceRig
    rest: np.ndarray


def _subject(photo: np.ndarray) -> Subject:
    points = face_landmarks(photo, detect_faces(photo)[0]).points
    rig = build_face_rig(photo, points)
    return Subject(photo, points, rig, rest_frame(rig, photo))


@pytest.fixture(scope="session")
def grace() -> Subject:
    return _subject(grace_photo())


@pytest.fixture(scope="session")
def astronaut() -> Subject:
    return _subject(astronaut_photo())


@pytest.fixture(params=["grace", "astronaut"])
def subject(request) -> Subject:
    return request.getfixturevalue(request.param)
