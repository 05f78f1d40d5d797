"""The astronaut (waist-up, skimage) rigged once per test module, as the rig tests share it."""

from __future__ import annotations

import pytest
from skimage.data import astronaut

from engine.nodes.body.select import person_pose
from engine.nodes.rig import build_body_rig


@pytest.fixture(scope="module")
def photo():
    return astronaut()


@pytest.fixture(scope="module")
def pose(photo):
    return person_pose(photo)


@pytest.fixture(scope="module")
def rig(photo, pose):
    return build_body_rig(photo, pose, "upper")
