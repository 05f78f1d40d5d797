"""A short run of the fuzz harness in CI (tests/fuzz/run.py runs the long one)."""

from __future__ import annotations

import pytest

from tests.fuzz.run import fuzz


@pytest.mark.slow
def test_mutated_scenes_and_damaged_videos_end_in_documented_exits(tmp_path):
    report = fuzz(150, 12, seed=7, timeout_s=120.0, folder=tmp_path)
    assert report["n_bad"] == 0, report["bad"]
    by_verb = report["by_verb"]
    assert by_verb["validate"]["cases"] == by_verb["plan"]["cases"] == 150
    assert by_verb["verify"]["cases"] == by_verb["qc"]["cases"] == 12
    # Both outcomes occur: the generator is neither all-valid nor all-invalid.
    assert {"0", "2"} <= set(by_verb["validate"]["exit_codes"])
