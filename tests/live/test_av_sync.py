"""Audio-video offset in a real browser, by the flash-and-click test line.

The server (made with ``diagnostics=True``) flashes a white patch at the frame's top-left
corner and starts a full-scale click on the same show frame (``Show.flash``); both go
out through the show's real WebRTC tracks. In headless Chromium the page times each:

- the flash: every received frame is drawn to a canvas from ``requestVideoFrameCallback``;
  the first frame whose patch is white is timed by its ``expectedDisplayTime`` (when
  the compositor shows it, on ``performance.now``'s clock);
- the click: an AudioWorklet on the received MediaStream finds the click's first
  sample (``currentFrame``); ``AudioContext.getOutputTimestamp`` maps that sample's
  context time to when it is played out, on the same clock.

offset = flash shown - click played (positive: the picture is late). Chromium's own
view, the difference of the two tracks' ``estimatedPlayoutTimestamp`` in getStats, is
printed beside it.

Chromium's lip sync needs time: it moves the video's delay towards the audio's a step
a second, so the page waits until its estimate holds still (9 to 25 s here) before the
first flash; flashed 4 s after the video starts, the first flashes read -150 to -120 ms
(the picture early: the audio's jitter buffer, ~150 ms under load, is the larger), and
later ones -50. Chromium also leaves any difference under 30 ms alone (libwebrtc's
``kMinDeltaMs``), so a settled offset wanders within about ±30 ms plus this
measurement's own error.

Measured on the 2-core machine at load 4 to 7 (others' work), 512x512, 8 flashes in
sync per run, the median (spread) per run in ms: -15.2 (55), -31.1 (211), -21.1 (33),
+17.4 (28), +16.2 (292), -27.6 (36), -13.1 (30), -35.8 (68). Chromium's own estimate
at the same moments reads the picture about 15 ms less early than the page does
(probably the Web Audio path's own latency, which the <video> element's sound does not
have). In quiet stretches every flash is within ±57 ms (one at -97 while Chromium's lip
sync still moved); when a load spike makes Chromium grow a jitter buffer (to 250 ms) a
flash or two read -220 to -270 ms until its lip sync catches up (80 ms a second at most,
libwebrtc's ``kMaxChangeMs``). The goal is ±40 ms; the bound asserted on
the median, ``OFFSET_BOUND_MS``, is looser so that the machine's load never fails it,
and still catches a real desync. That the measurement sees one is checked too: the
clicks of every other flash come ``SKEW`` frames (200 ms) late, and read 196 to 205 ms
later than their in-sync neighbours (median per run).
"""

from __future__ import annotations

import json
import math
import statistics
import time

from engine.live.session import open_session
from engine.live.show import FLASH_LEAD_S as LEAD_S

from .conftest import SIZE, ServerThread
from .probes import CLICK_THRESHOLD, pair, script
from .test_browser import _browser

FLASHES = 8  # in sync, and as many skewed
MAY_MISS = 1  # of each kind (a dropped frame, a lost click under load)
OFFSET_BOUND_MS = 120.0  # on the median; the goal is 40 (see the docstring)
SKEW, SKEW_TOLERANCE_MS = 5, 60.0  # frames the second run's clicks come late; its effect, ±

# Runs in the page (execute_async_script), with tests/live/probes.py's helpers: waits for
# the video to play and Chromium's lip sync to settle, asks for each plan's flashes (POST
# /test/flash), times every flash and click, and samples getStats.
FLASH_AND_CLICK = script(
    """
const [plans, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const p = window.photoplay;
  await videoPlaying(p);
  const clicks = [];
  const ctx = await listenFor(p, CLICK_THRESHOLD, (click) => clicks.push(click));
  const flashes = [];
  let frames = 0;
  watchFlashes(
    p,
    (now, meta, mean) => flashes.push({t: meta.expectedDisplayTime,
      presented: meta.presentationTime, now: performance.now(), rtp: meta.rtpTimestamp, mean}),
    () => frames++);
  // Chromium's lip sync moves the video's delay towards the audio's a step a second;
  // flash once its estimate has held still for 3 s (at least 6 s in, at most 30 s)
  const playout = [];
  const sample = async () => {
    const stats = await p.pc.getStats();
    const [a, v] = [inbound(stats, "audio"), inbound(stats, "video")];
    if (!(a.estimatedPlayoutTimestamp && v.estimatedPlayoutTimestamp)) return;
    const per = (s) => 1000 * s.jitterBufferDelay / Math.max(1, s.jitterBufferEmittedCount);
    playout.push({t: performance.now(), av_ms: v.estimatedPlayoutTimestamp - a.estimatedPlayoutTimestamp,
                  audio_jb_ms: per(a), video_jb_ms: per(v)});
  };
  const settle = performance.now();
  for (;;) {
    await sample();
    await sleep(500);
    const t = performance.now();
    const last = playout.filter((x) => x.t > t - 3000).map((x) => x.av_ms);
    const still = last.length >= 5 && Math.max(...last) - Math.min(...last) <= 10;
    if ((still && t - settle > 6000) || t - settle > 30000) break;
  }
  const settled_ms = performance.now() - settle;
  const flashed = playout.length;
  const runs = [];
  for (const plan of plans) {
    const answer = await p.post("test/flash", plan);
    if (answer.status !== 200) return done({error: "POST /test/flash", answer});
    const run = {plan, t0: performance.now(), answer: answer.body};
    const until = run.t0 + 1000 * (0.5 + (plan.count - 1) * plan.every + 0.9);
    while (performance.now() < until) {
      await sample();
      await sleep(500);
    }
    run.t1 = performance.now();
    runs.push(run);
  }
  done({flashes, clicks, runs, playout: playout.slice(flashed), settled_ms, frames,
        output_latency_s: ctx.outputLatency, base_latency_s: ctx.baseLatency,
        sample_rate: ctx.sampleRate});
})().catch((e) => done({error: String(e)}));
""".replace("CLICK_THRESHOLD", str(CLICK_THRESHOLD))
)


def measure(measured: dict) -> list[dict]:
    """Per flash: its offset to its click (None: not seen or not heard), its skew, and
    Chromium's own estimate at the time (video minus audio playout, ms)."""
    out = []
    runs = measured["runs"]
    for i, run in enumerate(runs):
        # neither a flash nor its click can come out before the flash's lead time
        lo = run["t0"] + 1000 * LEAD_S - 100
        hi = runs[i + 1]["t0"] + 1000 * LEAD_S - 100 if i + 1 < len(runs) else math.inf
        seen = [x for x in measured["flashes"] if lo <= x["t"] < hi]
        heard = [x for x in measured["clicks"] if lo <= x["t"] < hi]
        offsets = pair(seen, heard, within_ms=600)
        near = min(measured["playout"], key=lambda x: abs(x["t"] - run["t0"]))
        out.append(
            {
                "skew": run["plan"]["skew"],
                "offset_ms": round(offsets[0], 1) if len(offsets) == 1 == len(heard) else None,
                "seen": len(seen),
                "heard": len(heard),
                "chromium_av_ms": near["av_ms"],
            }
        )
    return out


def test_picture_and_sound_arrive_together_in_the_browser(live_scene):
    """FLASHES single flashes a second or so apart, every other one with its click SKEW
    frames late. The in-sync flashes' median offset is within OFFSET_BOUND_MS; each
    skewed flash reads SKEW frames more than its in-sync neighbour (the measurement
    sees a desync of that size, however the browser's delays drift meanwhile)."""
    session = open_session(live_scene, "grace", size=SIZE, record=None)
    served = ServerThread(session, diagnostics=True).start()
    plans = [{"count": 1, "every": 1.0, "skew": SKEW * (i % 2)} for i in range(2 * FLASHES)]
    browser = None
    try:
        browser = _browser()
        browser.set_script_timeout(120)
        started = time.perf_counter()
        browser.get(served.server.url)
        measured = browser.execute_async_script(FLASH_AND_CLICK, plans)
        print(f"browser measured in {time.perf_counter() - started:.1f} s")
    finally:
        if browser is not None:
            browser.quit()
        served.stop()
    assert "error" not in measured, measured
    flashes = measure(measured)
    straight = [x["offset_ms"] for x in flashes if x["skew"] == 0]
    skewed = [x["offset_ms"] for x in flashes if x["skew"] == SKEW]
    timed = [x for x in straight if x is not None]
    summary = {
        "offsets_ms": straight,
        "median_ms": round(statistics.median(timed), 1) if timed else None,
        "spread_ms": round(max(timed) - min(timed), 1) if timed else None,
        "skewed_ms": skewed,
        "chromium_av_ms": [x["chromium_av_ms"] for x in flashes],
        "settled_s": round(measured["settled_ms"] / 1000, 1),
        "jitter_buffers_ms": {
            k: round(v, 1) for k, v in measured["playout"][-1].items() if k.endswith("_jb_ms")
        },
        "output_latency_s": measured["output_latency_s"],
    }
    print(json.dumps(summary))
    # a flash whose frames the browser never presented, or a click it lost, is no offset
    assert len(timed) >= FLASHES - MAY_MISS, flashes
    assert abs(statistics.median(timed)) <= OFFSET_BOUND_MS, summary
    moved = [a - b for a, b in zip(straight, skewed, strict=True) if None not in (a, b)]
    assert len(moved) >= FLASHES - 2 * MAY_MISS, flashes
    assert abs(statistics.median(moved) - 1000 * SKEW / session.show.fps) <= SKEW_TOLERANCE_MS, (
        summary
    )
