"""Mix a music bed and voice lines, ducking the music under speech.

The ducker is a side-chain compressor with a fixed depth, keyed by the voice
bus: where the voice's short-time RMS is above ``threshold_db`` the music is
turned down by ``duck_db``. The key is held over short pauses between words
(``hold_s``) so the music does not pump, and, since the whole mix is known in
advance, it opens ``2 * attack_s`` early so the music is already mostly down
when the first word starts. An attack/release envelope follower smooths the
key, and the gain follows it in dB: a continuous curve, so no clicks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.errors import NodeError
from engine.nodes.audio.envelope import follow, smoothing_coefficient

KIND = "audio.mix"
RMS_WINDOW_S = 0.010  # voice level detector window
DETECTOR_BLOCK_S = 0.001  # detector and envelope run at this step


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    """Decibels -> linear amplitude factor (-6.02 dB -> 0.5)."""
    return 10.0 ** (np.asarray(db, dtype=np.float64) / 20.0)


def _window_sum(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """Sum of x[i - before .. i + after] for each i (clipped at the ends), float64."""
    csum = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    idx = np.arange(len(x))
    lo = np.clip(idx - before, 0, len(x))
    hi = np.clip(idx + after + 1, 0, len(x))
    return csum[hi] - csum[lo]


def duck_gain(
    voice_bus: np.ndarray,
    sr_hz: int,
    *,
    duck_db: float = 12.0,
    attack_s: float = 0.08,
    release_s: float = 0.35,
    hold_s: float = 0.15,
    threshold_db: float = -45.0,
) -> np.ndarray:
    """Gain curve to apply to the music under ``voice_bus``.

    Parameters
    ----------
    voice_bus : (n, 2) or (n,) float, all voices summed.
    sr_hz : sample rate in Hz.
    duck_db : float >= 0, how far the music goes down during speech, in dB.
    attack_s, release_s : envelope time constants in seconds (down, back up).
    hold_s : pauses shorter than this keep the music down, in seconds.
    threshold_db : voice RMS (dBFS, 10 ms window) above which speech is present.

    Returns
    -------
    (n,) float32 linear gain in [10^(-duck_db/20), 1].
    """
    if duck_db < 0 or attack_s < 0 or release_s < 0 or hold_s < 0:
        raise NodeError(
            "duck_db, attack_s, release_s and hold_s must be >= 0",
            kind=KIND,
            hint=f"got duck_db={duck_db}, attack_s={attack_s}, release_s={release_s}",
        )
    # The detector runs on 1 ms blocks (48x less memory than per sample); the
    # gain is interpolated back to samples, which keeps it continuous.
    x = np.asarray(voice_bus, dtype=np.float32)
    n = len(x)
    power = (x**2).mean(axis=1) if x.ndim == 2 else x**2
    block = max(1, round(DETECTOR_BLOCK_S * sr_hz))
    n_blocks = -(-n // block)
    power = np.pad(power, (0, n_blocks * block - n)).reshape(n_blocks, block).mean(axis=1)
    block_hz = sr_hz / block
    half_win = max(1, round(RMS_WINDOW_S * block_hz / 2))
    rms = np.sqrt(_window_sum(power, half_win, half_win) / (2 * half_win + 1))
    speech = (rms > db_to_gain(threshold_db)).astype(np.float64)
    # Hold over short pauses (look back) and open early (look ahead).
    held = _window_sum(speech, round(hold_s * block_hz), round(2 * attack_s * block_hz))
    env = follow(
        (held > 0).astype(np.float64),
        smoothing_coefficient(attack_s, block_hz),
        smoothing_coefficient(release_s, block_hz),
    )
    env = np.interp(np.arange(n), (np.arange(n_blocks) + 0.5) * block, env)
    return db_to_gain(-duck_db * env).astype(np.float32)


def fade_curve(n_samples: int, sr_hz: int, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """(n,) float32 raised-cosine fade-in at the start and fade-out at the end."""
    curve = np.ones(n_samples, dtype=np.float64)
    for seconds, at_start in ((fade_in_s, True), (fade_out_s, False)):
        n_fade = min(n_samples, round(seconds * sr_hz))
        if n_fade <= 0:
            continue
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n_fade) + 0.5) / n_fade)  # 0 -> 1
        if at_start:
            curve[:n_fade] *= ramp
        else:
            curve[n_samples - n_fade :] *= ramp[::-1]
    return curve.astype(np.float32)


def _check_stereo(name: str, audio: np.ndarray) -> np.ndarray:
    if not isinstance(audio, np.ndarray) or audio.ndim != 2 or audio.shape[1] != 2:
        got = f"{audio.shape} {audio.dtype}" if isinstance(audio, np.ndarray) else type(audio)
        raise NodeError(
            f"{name} should be (n, 2) float32, but got {got}",
            kind=KIND,
            hint="decode_audio returns (n, 2) float32",
        )
    return audio.astype(np.float32, copy=False)


def mix(
    music: np.ndarray | None,
    voices: Sequence[tuple[float, np.ndarray]],
    total_s: float,
    sr_hz: int,
    *,
    duck_db: float = 12.0,
    attack_s: float = 0.08,
    release_s: float = 0.35,
    hold_s: float = 0.15,
    fade_in_s: float = 0.0,
    fade_out_s: float = 0.0,
    gain_db: float = 0.0,
    voice_gain_db: float = 0.0,
) -> np.ndarray:
    """Mix the soundtrack: music bed (ducked, faded) plus voice lines.

    Parameters
    ----------
    music : (m, 2) float32 at ``sr_hz`` or None; cut or zero-padded to ``total_s``.
    voices : list of (start_s, (k, 2) float32): each line and where it starts,
        in seconds; a line running past ``total_s`` is cut.
    total_s : length of the mix in seconds (the video's duration).
    sr_hz : sample rate in Hz.
    duck_db, attack_s, release_s, hold_s : ducking, see ``duck_gain``.
    fade_in_s, fade_out_s : music fades at the start and end of the mix, seconds.
    gain_db : music level before ducking, in dB.
    voice_gain_db : voice level, in dB.

    Returns
    -------
    (round(total_s * sr_hz), 2) float32. Not normalised: run ``normalise`` next.
    """
    if total_s <= 0 or sr_hz <= 0:
        raise NodeError(
            f"total_s and sr_hz must be > 0, got {total_s}, {sr_hz}",
            kind=KIND,
            hint="the mix lasts as long as the video",
        )
    n = round(total_s * sr_hz)
    voice_bus = np.zeros((n, 2), dtype=np.float32)
    for i, (start_s, line) in enumerate(voices):
        line = _check_stereo(f"voice line {i}", line)
        if start_s < 0:
            raise NodeError(
                f"voice line {i} starts at {start_s} s", kind=KIND, hint="start_s must be >= 0"
            )
        at = round(start_s * sr_hz)
        k = max(0, min(len(line), n - at))
        voice_bus[at : at + k] += line[:k] * np.float32(db_to_gain(voice_gain_db))

    out = voice_bus
    if music is not None:
        music = _check_stereo("music", music)
        bed = np.zeros((n, 2), dtype=np.float32)
        bed[: min(n, len(music))] = music[:n]
        curve = fade_curve(n, sr_hz, fade_in_s, fade_out_s) * np.float32(db_to_gain(gain_db))
        if voices and duck_db > 0:
            curve *= duck_gain(
                voice_bus,
                sr_hz,
                duck_db=duck_db,
                attack_s=attack_s,
                release_s=release_s,
                hold_s=hold_s,
            )
        out = bed * curve[:, None] + voice_bus
    return out.astype(np.float32, copy=False)
