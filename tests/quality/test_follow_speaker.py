"""``camera: {follow: speaker}`` on a stage, judged on the rendered video (issue 12).

Two people from two photos talk on one stage; the camera shows both before the first
line, then comes in on whoever speaks. qc's own face detector, run on the decoded
frames, finds the largest face whole and larger than in the wide shot while each
line is spoken, and ``photoplay qc`` passes (its lip-sync match finds each
speaker's face, whole, in their speaking frames).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import engine
from tests.quality.test_examples_qc import _small_copy, overlay_faults


def _faces_at(video, times_s: list[float]) -> dict[float, list[tuple]]:
    """qc's face boxes (frame px) at a few times of the video, each frame on its own."""
    from engine.quality.faces import FaceTracker
    from engine.quality.media import frames, probe

    info = probe(video)
    out: dict[float, list[tuple]] = {}
    wanted = sorted(times_s)
    for _i, t_s, frame in frames(info):
        if wanted and t_s >= wanted[0]:
            tracker = FaceTracker()  # detect afresh: no track carried over a camera move
            out[wanted.pop(0)] = [
                (f.box, f.inside(info.width, info.height)) for f in tracker.step(frame)
            ]
        if not wanted:
            break
    return out


@pytest.mark.slow
@pytest.mark.parametrize("switch", ["move"])
def test_the_camera_follows_whoever_speaks_on_a_stage(switch, tmp_path):
    scene = _small_copy("two-photos", tmp_path)
    doc = yaml.safe_load(scene.read_text())
    doc["output"]["size"] = [640, 360]
    shot = doc["shots"][0]
    shot["camera"] = {"follow": "speaker", "switch": switch}
    # a beat before the first line: the wide shot, both on stage
    shot["do"].insert(0, {"emote": {"who": "eileen", "expression": "happy", "duration": 1.6}})
    scene.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    rendered = engine.render(scene, tmp_path / "follow.mp4", cache_dir=tmp_path / "cache")
    report = engine.qc(rendered.video, sheet=tmp_path / "follow.qc.png")
    assert report.passed, "\n".join(report.lines())
    assert not overlay_faults(rendered.provenance)
    lines = [
        (a["who"], a["start_s"], a["end_s"])
        for a in json.loads(rendered.provenance.read_text())["timeline"]["acts"]
        if a["verb"] == "say"
    ]
    assert [who for who, _, _ in lines] == ["grace", "eileen"]
    # mid-line (the camera has arrived) and the wide shot at the start
    times = [0.2] + [s + 0.6 * (e - s) for _, s, e in lines]
    seen = _faces_at(rendered.video, times)
    wide = seen[0.2]
    assert len(wide) == 2, wide
    wide_h = np.mean([b[3] - b[1] for b, _ in wide])
    for (who, _s, _e), t in zip(lines, times[1:], strict=True):
        faces = seen[t]
        assert faces, (who, t)
        # the framed speaker: the face nearest the middle (a listener may show cut at the
        # edge, as in any close two-shot), whole in the frame and larger than when wide
        box, inside = min(faces, key=lambda f: abs((f[0][0] + f[0][2]) / 2 - 320))
        assert inside, (who, t, box)
        assert box[3] - box[1] > 1.15 * wide_h, (who, t, box, wide_h)
