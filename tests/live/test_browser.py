"""End to end in a real browser: headless Chromium opens the page, sends lines through the
API, and measures what a viewer gets (WebRTC statistics, Web Audio, the video's frames).

Chromium and its driver come from the distribution (``make test`` installs the Debian
packages ``chromium`` and ``chromium-driver`` when they are missing). Without them this
test fails, never skips: a live mode nobody checked in a browser is not done.
"""

from __future__ import annotations

import json
import time

import pytest

from engine.live.session import open_session

from .conftest import SIZE, ServerThread
from .probes import SAY_AND_TIME, NoBrowser, browser

LINES = (
    "Hello! It is good to see you.",
    "People ask me what a nanosecond is.",
    "Here is one: a piece of wire about a foot long.",
)

NEURAL_LINES = ("Hello! I speak with a neural voice now.", "Ask me anything at all.")
# POST /say to the first sound played out and the first mouth movement presented, ms: a
# loose bound that a loaded 2-core CI machine keeps (goals: 400 espeak, 600 neural).
# bench/live_latency.py, 12 lines, load 9-11 on the 2 cores (others' work), median (max):
# espeak 512x512 sound 371 (518) ms, mouth 418 (840); 720x720 521 (923), 561 (1243);
# neural 512x512 640 (1089), 727 (1118); 720x720 1144 (2095), 1096 (1989): the first
# sentence's synthesis (neural median 311 / 585 ms) and Chromium's jitter buffer (up to
# 450 ms under this load) are most of it. Nearly idle (load 0.4-1.3): espeak 199 (307) /
# 241 (524) at 512x512; neural 378 (707) / 387 (556) at 512x512, 390 (603) / 439 (597) at 720x720.
LATENCY_BOUND_MS = {"espeak": 1500, "neural": 4000}


def _browser():
    try:
        return browser()
    except NoBrowser as exc:
        pytest.fail(str(exc), pytrace=False)


def see_and_hear(scene, lines) -> dict:
    """Serve ``scene``'s grace, open its page in headless Chromium, say ``lines`` and time
    them (``probes.SAY_AND_TIME``)."""
    session = open_session(scene, "grace", size=SIZE, record=None)
    served = ServerThread(session).start()
    chromium = None
    try:
        chromium = _browser()
        chromium.set_script_timeout(120)
        started = time.perf_counter()
        chromium.get(served.server.url)
        measured = chromium.execute_async_script(SAY_AND_TIME, list(lines))
        print(json.dumps(measured, indent=1))
        print(f"browser measured in {time.perf_counter() - started:.1f} s")
    finally:
        if chromium is not None:
            chromium.quit()
        served.stop()
    assert "error" not in measured, measured
    return measured


def test_a_browser_sees_and_hears_the_show(live_scene):
    measured = see_and_hear(live_scene, LINES)
    assert measured["size"] == list(SIZE)
    bound = LATENCY_BOUND_MS["espeak"]
    for line in measured["results"]:
        assert line["status"] == 202
        assert line["sound_ms"] is not None and line["sound_ms"] < bound, line
        assert line["mouth_ms"] is not None and line["mouth_ms"] < bound, line
    assert measured["fps"] > 20
    assert measured["audio_samples"] > 48000
    assert measured["transcript"] == list(LINES)


def test_a_neural_voice_speaks_live_and_moves_the_mouth(neural_scene):
    """A character whose voice is a Piper voice speaks it live: each line is heard and
    its mouth moves in the browser within the bound, and the page's transcript has it."""
    measured = see_and_hear(neural_scene, NEURAL_LINES)
    bound = LATENCY_BOUND_MS["neural"]
    for line in measured["results"]:
        assert line["status"] == 202
        assert line["sound_ms"] is not None and line["sound_ms"] < bound, line
        assert line["mouth_ms"] is not None and line["mouth_ms"] < bound, line
    assert measured["fps"] > 20
    assert measured["transcript"] == list(NEURAL_LINES)
