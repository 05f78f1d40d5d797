"""Test-wide settings: signing keys and the cache secret live in a temporary folder,
never in the user's home."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _signing_keys_in_a_temp_folder(tmp_path_factory):
    os.environ.setdefault("PHOTOPLAY_SIGNING_DIR", str(tmp_path_factory.mktemp("signing")))
    secrets = tmp_path_factory.mktemp("cache-secret")
    os.environ.setdefault("PHOTOPLAY_CACHE_KEY_FILE", str(secrets / "cache.key"))
    yield
