"""A live show's recording is a render like any other: qc judges it, verify accepts it."""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import aiohttp

import engine
from engine.cli.main import run as cli
from engine.live.session import open_session
from engine.nodes.output.probe import probe

from .conftest import SIZE, ServerThread


async def _post(url: str, path: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(f"{url}{path}", json=body) as response:
        return response.status, await response.json()


def test_the_recorded_show_passes_qc_and_verifies(live_scene, tmp_path):
    session = open_session(live_scene, "grace", size=SIZE, record=tmp_path / "shows")
    served = ServerThread(session).start()

    async def show():
        url = served.url
        await asyncio.sleep(1.0)
        assert (await _post(url, "/say", {"text": "Hello! I am live.", "mood": "happy"}))[0] == 202
        await asyncio.sleep(0.2)
        assert (await _post(url, "/say", {"text": "Light travels a foot in a nanosecond."}))[
            0
        ] == 202
        while session.show.state()["speaking"] is not None or session.show.state()["queued"]:
            await asyncio.sleep(0.1)
        await _post(url, "/say", {"text": "And this line is interrupted before it ends, you see."})
        await asyncio.sleep(1.2)
        assert (await _post(url, "/interrupt", {}))[0] == 200
        await asyncio.sleep(1.0)
        return await _post(url, "/end", {})

    try:
        status, result = asyncio.run(show())
    finally:
        served.stop()
    assert status == 200
    video = tmp_path / "shows" / result["video"].rsplit("/", 1)[-1]
    assert video.is_file() and str(video) == result["video"]
    assert sorted(p.name for p in video.parent.iterdir()) == sorted(
        [video.name, video.name.replace(".mp4", ".provenance.json")]
    )  # nothing left behind: no staging folder, no temporary files
    info = probe(video)
    assert info["codecs"] == ["h264", "aac"]
    assert (info["video"]["width"], info["video"]["height"]) == SIZE
    assert abs(info["duration_s"] - result["duration_s"]) < 0.05

    record = json.loads(video.with_suffix(".provenance.json").read_text())
    timeline = record["timeline"]
    assert [a["text"][:5] for a in timeline["acts"]] == ["Hello", "Light", "And t"]
    assert timeline["segments"] == [
        {"what": "live", "start_s": 0.0, "end_s": timeline["duration_s"], "cast": ["grace"]}
    ]
    assert [line["status"] for line in record["live"]["lines"]] == ["done", "done", "interrupted"]
    assert "live" in record["characters"][0]["consent"]["scope"]

    verdict = engine.verify(video)
    assert verdict.status == "authentic", verdict.reasons
    assert verdict.watermark["payload"] == record["watermark"]["payload"]

    started = time.perf_counter()
    report = engine.qc(video)
    print("\n".join(report.lines()), f"\nqc took {time.perf_counter() - started:.1f} s")
    assert report.passed, "\n".join(report.lines())
    checks = {c.key: c for c in report.checks}
    assert checks["label.visible"].value == 1.0  # the label on every recorded frame...
    x, y, w, h = session.performer.label.box
    qx0, qy0, qx1, qy1 = report.figures["picture"]["label_box"]
    overlap = max(0, min(x + w, qx1) - max(x, qx0)) * max(0, min(y + h, qy1) - max(y, qy0))
    assert overlap > 0.5 * (qx1 - qx0) * (qy1 - qy0)  # ...found where it was drawn
    assert checks["lipsync.corr"].value is not None


def test_a_scene_without_live_consent_is_one_line_exit_2(live_scene, tmp_path, capsys):
    scene = tmp_path / live_scene.name
    shutil.copytree(live_scene.parent / "assets", tmp_path / "assets")
    scene.write_text(live_scene.read_text().replace("scope: [speech, expressions, live]",
                                                    "scope: [speech, expressions]"))  # fmt: skip
    code = cli(["live", str(scene), "--character", "grace", "--no-record", "--port", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].endswith(
        "error: characters.grace.consent.scope: 'live' is used by photoplay live but not "
        "granted (hint: add live to scope)"
    )
    assert len([line for line in err if "error" in line]) == 1


def test_an_unknown_character_is_one_line_exit_2(live_scene, capsys):
    code = cli(["live", str(live_scene), "--character", "grcae", "--no-record"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no character named 'grcae'" in err and "did you mean 'grace'" in err
    assert "Traceback" not in err
