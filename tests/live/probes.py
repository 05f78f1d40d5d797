"""What a viewer's browser measures of a live show: one copy of the page-side probes that
tests/live/test_browser.py, tests/live/test_av_sync.py, bench/live_soak.py and
bench/live_latency.py run in headless Chromium, and the browser they run in.

``PROBES`` is JavaScript put before each measuring script (``script(body)``); Selenium's
``execute_async_script`` runs it as a function body, so its helpers are local to the run:

- ``sleep(ms)`` and ``videoPlaying(p)``: waits until the page's video plays (its info and
  peer connection are there, ``currentTime`` > 0.5 s); throws after 30 s.
- ``watchFrames(p, box, onFrame)``: for every frame the page presents
  (``requestVideoFrameCallback``), the mean brightness (0-255) of ``box`` = [x0, y0, x1,
  y1] in the video's pixels: ``onFrame(now, meta, mean)``.
- ``watchFlashes(p, onFlash, onFrame)``: the flash-and-click test's flash: the patch at
  the frame's top-left corner (``FLASH_BOX``, inside ``show.FLASH_PATCH``) turning white
  after dark; ``onFlash(now, meta, mean)``.
- ``listenFor(p, threshold, onSound)``: an AudioWorklet on the received MediaStream
  reports the first sample with |x| > ``threshold`` (then re-arms after 0.3 s under
  0.05); ``onSound({t, context_s, peak, now})``, ``t`` when that sample is played out
  (``AudioContext.getOutputTimestamp``), on ``performance.now``'s clock. The click of
  the flash test is found at ``CLICK_THRESHOLD``, speech at ``SOUND_THRESHOLD``.
- ``inbound(stats, kind)``: a getStats report's inbound-rtp entry for audio or video.
"""

from __future__ import annotations

import shutil

CLICK_THRESHOLD = 0.5  # the click is full scale; speech stays well under it at idle
SOUND_THRESHOLD = 0.02  # the first sound of a line (idle is digital silence)
FLASH_BOX = (8, 8, 56, 56)  # inside the 64-px patch (engine.live.show.FLASH_PATCH)

PROBES = """
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FLASH_BOX = [FLASH_BOX_PX];
async function videoPlaying(p, timeout_ms = 30000) {
  const start = performance.now();
  while (!(p.info && p.pc && p.video.readyState >= 2 && p.video.currentTime > 0.5)) {
    if (performance.now() - start > timeout_ms) throw new Error("the video never played");
    await sleep(50);
  }
}
function watchFrames(p, box, onFrame) {
  const [x0, y0, x1, y1] = box;
  const [w, h] = [x1 - x0, y1 - y0];
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const g = canvas.getContext("2d", {willReadFrequently: true});
  const step = (now, meta) => {
    g.drawImage(p.video, x0, y0, w, h, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    onFrame(now, meta, s / (d.length / 4 * 3));
    p.video.requestVideoFrameCallback(step);
  };
  p.video.requestVideoFrameCallback(step);
}
function watchFlashes(p, onFlash, onFrame) {
  let previous = 0;
  watchFrames(p, FLASH_BOX, (now, meta, mean) => {
    if (mean > 200 && previous < 100) onFlash(now, meta, mean);
    previous = mean;
    if (onFrame) onFrame(now, meta, mean);
  });
}
async function listenFor(p, threshold, onSound) {
  const ctx = new AudioContext();
  await ctx.resume();
  const worklet = `
    class Onset extends AudioWorkletProcessor {
      constructor(options) {
        super(); this.threshold = options.processorOptions.threshold;
        this.armed = true; this.quiet = 0;
      }
      process(inputs) {
        const x = inputs[0] && inputs[0][0];
        if (!x) return true;
        for (let i = 0; i < x.length; i++) {
          const v = Math.abs(x[i]);
          if (this.armed && v > this.threshold) {
            this.port.postMessage({frame: currentFrame + i, peak: v});
            this.armed = false; this.quiet = 0;
          } else if (!this.armed) {
            this.quiet = v < 0.05 ? this.quiet + 1 : 0;
            if (this.quiet > 0.3 * sampleRate) this.armed = true;
          }
        }
        return true;
      }
    }
    registerProcessor("onset", Onset);`;
  await ctx.audioWorklet.addModule(
    URL.createObjectURL(new Blob([worklet], {type: "application/javascript"})));
  const node = new AudioWorkletNode(ctx, "onset", {processorOptions: {threshold}});
  ctx.createMediaStreamSource(p.stream).connect(node);
  node.connect(ctx.destination);  // pulled by the graph; it outputs silence
  node.port.onmessage = (e) => {
    const out = ctx.getOutputTimestamp();
    const context_s = e.data.frame / ctx.sampleRate;
    onSound({t: out.performanceTime + 1000 * (context_s - out.contextTime), context_s,
             peak: e.data.peak, now: performance.now()});
  };
  return ctx;
}
const inbound = (stats, kind) => [...stats.values()].find(
  (s) => s.type === "inbound-rtp" && s.kind === kind) || {};
""".replace("[FLASH_BOX_PX]", str(list(FLASH_BOX)))


def script(body: str) -> str:
    """``body`` (a script for ``execute_async_script``) with the probes before it."""
    return PROBES + body


def pair(flashes: list[dict], clicks: list[dict], within_ms: float = 400.0) -> list[float]:
    """Each flash's offset to the nearest click (ms, positive: the picture is late);
    a flash without a click within ``within_ms`` is left out."""
    offsets = []
    for flash in flashes:
        near = min(clicks, key=lambda c: abs(c["t"] - flash["t"]), default=None)
        if near is not None and abs(near["t"] - flash["t"]) <= within_ms:
            offsets.append(flash["t"] - near["t"])
    return offsets


class NoBrowser(RuntimeError):
    """Headless Chromium or its driver is not installed."""


def browser(window: str = "900,700"):
    """Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium, its
    sound played (so Web Audio hears it) but muted. NoBrowser when not installed."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        raise NoBrowser(
            "headless Chromium is needed and is not installed: run `make browser` (it "
            "installs the Debian packages chromium and chromium-driver), or apt-get "
            "install chromium chromium-driver"
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
        f"--window-size={window}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


# Waits for the video to play, then for each line POSTs /say and times, from the request,
# the first sound played out and the first presented frame whose mouth box differs from
# the second before the request (its mean brightness outside that second's range ± 3);
# waits for speech_ended and 1.2 s of idle; then reads getStats. Arguments: the lines.
SAY_AND_TIME = script(
    """
const [lines, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const p = window.photoplay;
  const start = performance.now();
  await videoPlaying(p);
  const sounds = [];
  const ctx = await listenFor(p, SOUND_THRESHOLD, (s) => sounds.push(s));
  const frames = [];
  watchFrames(p, p.info.mouth_box, (now, meta, mean) =>
    frames.push([meta.expectedDisplayTime, mean, now]));
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
      heard = heard ?? (sounds.find((s) => s.t > t0) || {t: null}).t;
      moved = moved ?? (frames.find(([t, m]) => t > t0 && (m < lo || m > hi)) || [null])[0];
      await sleep(10);
    }
    while (performance.now() - t0 < 30000 &&
           !p.events.some((e) => e.event === "speech_ended" && e.received > t0)) await sleep(20);
    results.push({text, status: answer.status, sound_ms: heard && heard - t0,
                  mouth_ms: moved && moved - t0});
    await sleep(1200);
  }
  const stats1 = await p.pc.getStats();
  const t_stats1 = performance.now();
  const [v0, v1] = [inbound(stats0, "video"), inbound(stats1, "video")];
  const a1 = inbound(stats1, "audio");
  const times = frames.map(([, , now]) => now).filter((t) => t > start);
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
    output_latency_ms: 1000 * (ctx.outputLatency + ctx.baseLatency),
    size: [p.video.videoWidth, p.video.videoHeight],
    transcript: [...document.querySelectorAll("#transcript li")].map((li) => li.textContent),
  });
})().catch((e) => done({error: String(e)}));
""".replace("SOUND_THRESHOLD", str(SOUND_THRESHOLD))
)
