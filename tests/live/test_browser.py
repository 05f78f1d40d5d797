"""End to end in a real browser: headless Chromium opens the page, sends lines through the
API, and measures what a viewer gets (WebRTC statistics, Web Audio, the video's frames).

Chromium and its driver come from the distribution (``make test`` installs the Debian
packages ``chromium`` and ``chromium-driver`` when they are missing). Without them this
test fails, never skips: a live mode nobody checked in a browser is not done.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from engine.live.session import open_session

from .conftest import SIZE, ServerThread

LINES = (
    "Hello! It is good to see you.",
    "People ask me what a nanosecond is.",
    "Here is one: a piece of wire about a foot long.",
)

# Runs in the page (Selenium's execute_async_script): waits for the video to play, then
# for each line POSTs /say and notes when the first sound comes out of the Web Audio graph
# and when the mouth box of a presented frame first changes; then reads getStats().
MEASURE = """
const [lines, done] = [arguments[0], arguments[arguments.length - 1]];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const p = window.photoplay;
  const start = performance.now();
  while (!(p.info && p.pc && p.video.readyState >= 2 && p.video.currentTime > 0.5)) {
    if (performance.now() - start > 30000) return done({error: "the video never played"});
    await sleep(50);
  }
  const audio = new AudioContext();
  await audio.resume();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 256;
  audio.createMediaStreamSource(p.stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const sound = [];
  const listen = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const v of samples) peak = Math.max(peak, Math.abs(v));
    sound.push([performance.now(), peak]);
  }, 4);
  const [x0, y0, x1, y1] = p.info.mouth_box;
  const [w, h] = [x1 - x0, y1 - y0];
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const g = canvas.getContext("2d", {willReadFrequently: true});
  const frames = [];
  const onFrame = (now, meta) => {
    g.drawImage(p.video, x0, y0, w, h, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    frames.push([performance.now(), s / (d.length / 4 * 3), meta.rtpTimestamp || 0]);
    p.video.requestVideoFrameCallback(onFrame);
  };
  p.video.requestVideoFrameCallback(onFrame);
  await sleep(1500);
  const stats0 = await p.pc.getStats();
  const t_stats0 = performance.now();
  const results = [];
  for (const text of lines) {
    const t0 = performance.now();
    const before = frames.filter(([t]) => t > t0 - 1000 && t < t0).map(([, m]) => m);
    const [lo, hi] = [Math.min(...before) - 3, Math.max(...before) + 3];
    const answer = await p.post("say", {text});
    let heard = null, moved = null;
    while (performance.now() - t0 < 10000 && (heard === null || moved === null)) {
      heard = heard ?? (sound.find(([t, v]) => t > t0 && v > 0.02) || [null])[0];
      moved = moved ?? (frames.find(([t, m]) => t > t0 && (m < lo || m > hi)) || [null])[0];
      await sleep(10);
    }
    while (performance.now() - t0 < 20000 &&
           !p.events.some((e) => e.event === "speech_ended" && e.received > t0)) await sleep(20);
    results.push({text, status: answer.status, sound_ms: heard && heard - t0,
                  mouth_ms: moved && moved - t0});
    await sleep(1200);
  }
  const stats1 = await p.pc.getStats();
  const t_stats1 = performance.now();
  clearInterval(listen);
  const inbound = (stats, kind) => [...stats.values()].find(
    (s) => s.type === "inbound-rtp" && s.kind === kind) || {};
  const [v0, v1] = [inbound(stats0, "video"), inbound(stats1, "video")];
  const [a1] = [inbound(stats1, "audio")];
  const times = frames.map(([t]) => t).filter((t) => t > start);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  done({
    results,
    fps: (v1.framesDecoded - v0.framesDecoded) / ((t_stats1 - t_stats0) / 1000),
    fps_now: v1.framesPerSecond,
    frames_dropped: v1.framesDropped,
    freezes: v1.freezeCount,
    freezes_s: v1.totalFreezesDuration,
    longest_frame_gap_ms: gap,
    codec: [...stats1.values()].filter((s) => s.type === "codec").map((s) => s.mimeType),
    audio_samples: a1.totalSamplesReceived,
    audio_concealed: a1.concealedSamples,
    jitter_buffer_ms: 1000 * a1.jitterBufferDelay / Math.max(1, a1.jitterBufferEmittedCount),
    size: [p.video.videoWidth, p.video.videoHeight],
    transcript: [...document.querySelectorAll("#transcript li")].map((li) => li.textContent),
  });
})().catch((e) => done({error: String(e)}));
"""


def _browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail(
            "headless Chromium is needed for the live end-to-end test and is not installed: "
            "run `make test` (it installs the Debian packages chromium and chromium-driver), "
            "or apt-get install chromium chromium-driver",
            pytrace=False,
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",  # played (so Web Audio hears it), not sent to a sound card
        "--window-size=900,700",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_a_browser_sees_and_hears_the_show(live_scene, tmp_path):
    session = open_session(live_scene, "grace", size=SIZE, record=None)
    served = ServerThread(session).start()
    browser = None
    try:
        browser = _browser()
        browser.set_script_timeout(90)
        started = time.perf_counter()
        browser.get(served.server.url)
        measured = browser.execute_async_script(MEASURE, list(LINES))
        print(json.dumps(measured, indent=1))
        print(f"browser measured in {time.perf_counter() - started:.1f} s")
    finally:
        if browser is not None:
            browser.quit()
        served.stop()
    assert "error" not in measured, measured
    assert measured["size"] == list(SIZE)
    for line in measured["results"]:
        assert line["status"] == 202
        assert line["sound_ms"] is not None and line["sound_ms"] < 1500, line
        assert line["mouth_ms"] is not None and line["mouth_ms"] < 1500, line
    assert measured["fps"] > 20
    assert measured["audio_samples"] > 48000
    assert measured["transcript"] == list(LINES)
