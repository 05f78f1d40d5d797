"""Session-wide photos for the face tests (decoded once)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.nodes.face.photos import astronaut_photo, grace_photo


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return astronaut_photo()


@pytest.fixture(scope="session")
def grace() -> np.ndarray:
    return grace_photo()
