"""Mix a music bed and voice lines, ducking the music under speech.

The ducker is a side-chain compressor with a fixed depth, keyed by the voice
bus: where the voice's short-time RMS is above ``threshold_db`` the music is
turned down by ``duck_db``. The key is held over short pauses between words
(``hold_s``) so the music does not pump, and, since the whole mix is known in
advance, it opens ``2 * attack_s`` early so the music is already mostly down
when the first word starts. An attack/release envelope follower smooths the
key, and the gain follows it in dB: a continuous curve, so no clicks.

The mix is made block by block (``mix_blocks``): music read from a file a
block at a time, voice lines placed as each block reaches them, the ducker's
state carried between blocks; memory does not grow with the length.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from engine.errors import NodeError
from engine.nodes.audio.blocks import ArraySource, NpySource, open_source, read_padded
from engine.nodes.audio.envelope import follow, smoothing_coefficient

KIND = "audio.mix"
RMS_WINDOW_S = 0.010  # voice level detector window
DETECTOR_BLOCK_S = 0.001  # detector and envelope run at this step
MIX_BLOCK_S = 10.0  # the mix is made this many seconds at a time


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    """Decibels -> linear amplitude factor (-6.02 dB -> 0.5)."""
    return 10.0 ** (np.asarray(db, dtype=np.float64) / 20.0)


class Ducker:
    """``duck_gain`` block by block: ``gain(lo, hi)`` for consecutive ranges of samples.

    The detector (RMS window, hold, early opening) looks a few hundred ms back
    and ahead: each range recomputes it from the voice bus over that overlap.
    Only the envelope follower, which is causal, carries its state from one
    range to the next. Window sums run in a fixed order, so the gain of a
    sample does not depend on how the track is cut into ranges.
    """

    def __init__(
        self,
        read_voice: Callable[[int, int], np.ndarray],
        n_samples: int,
        sr_hz: int,
        *,
        duck_db: float = 12.0,
        attack_s: float = 0.08,
        release_s: float = 0.35,
        hold_s: float = 0.15,
        threshold_db: float = -45.0,
    ):
        """``read_voice(lo, hi)`` gives the voice bus, (hi - lo, C) float32, 0 <= lo <= hi <= n."""
        if duck_db < 0 or attack_s < 0 or release_s < 0 or hold_s < 0:
            raise NodeError(
                "duck_db, attack_s, release_s and hold_s must be >= 0",
                kind=KIND,
                hint=f"got duck_db={duck_db}, attack_s={attack_s}, release_s={release_s}",
            )
        self.read_voice, self.n_samples, self.duck_db = read_voice, n_samples, duck_db
        # The detector runs on 1 ms blocks (48x less work than per sample); the
        # gain is interpolated back to samples, which keeps it continuous.
        self.block = max(1, round(DETECTOR_BLOCK_S * sr_hz))
        self.n_blocks = -(-n_samples // self.block)
        block_hz = sr_hz / self.block
        self.half_win = max(1, round(RMS_WINDOW_S * block_hz / 2))
        self.hold_blocks = round(hold_s * block_hz)  # look back over short pauses
        self.ahead_blocks = round(2 * attack_s * block_hz)  # open early
        self.threshold = float(db_to_gain(threshold_db))
        self.a_rise = smoothing_coefficient(attack_s, block_hz)
        self.a_fall = smoothing_coefficient(release_s, block_hz)
        self._next = 0  # the sample the next range must start at
        self._y = 0.0  # envelope of the block before it

    @property
    def lookback_samples(self) -> int:
        """How far before a range's start the detector reads the voice bus."""
        return (self.hold_blocks + self.half_win + 1) * self.block

    def gain(self, lo: int, hi: int) -> np.ndarray:
        """(hi - lo,) float32 linear gain for samples [lo, hi).

        Ranges must follow one another from 0 and start on a detector block.
        """
        if lo != self._next or lo % self.block or not lo < hi <= self.n_samples:
            raise ValueError(f"range [{lo}, {hi}) does not follow {self._next}")
        b0, b1 = lo // self.block, -(-hi // self.block)
        # One block more: samples past the last block centre interpolate towards it.
        b_end = min(self.n_blocks, b1 + 1)
        env = follow(self._held(b0, b_end).astype(np.float64), self.a_rise, self.a_fall, self._y)
        centres = (np.arange(b0 - (b0 > 0), b_end) + 0.5) * self.block
        if b0 > 0:
            env = np.concatenate([[self._y], env])
        self._y = float(env[b1 - b0 - 1 + (b0 > 0)])
        self._next = hi
        curve = np.interp(np.arange(lo, hi), centres, env)
        return db_to_gain(-self.duck_db * curve).astype(np.float32)

    def _held(self, b0: int, b1: int) -> np.ndarray:
        """Speech within [j - hold, j + ahead] for detector blocks j in [b0, b1), bool."""
        s0 = max(0, b0 - self.hold_blocks)
        s1 = min(self.n_blocks, b1 + self.ahead_blocks)
        csum = np.concatenate([[0], np.cumsum(self._speech(s0, s1), dtype=np.int64)])
        j = np.arange(b0, b1)
        first = np.maximum(j - self.hold_blocks, 0) - s0
        last = np.minimum(j + self.ahead_blocks + 1, self.n_blocks) - s0
        return csum[last] - csum[first] > 0

    def _speech(self, b0: int, b1: int) -> np.ndarray:
        """Voice RMS over the detector window above the threshold, blocks [b0, b1), bool."""
        h, m = self.half_win, b1 - b0
        p0, p1 = max(0, b0 - h), min(self.n_blocks, b1 + h)
        padded = np.zeros(m + 2 * h)  # zeros outside the track: windows clip at the ends
        padded[p0 - (b0 - h) : p1 - (b0 - h)] = self._power(p0, p1)
        total = padded[:m].copy()
        for k in range(1, 2 * h + 1):  # a fixed order: the same sum in every range
            total += padded[k : k + m]
        return np.sqrt(total / (2 * h + 1)) > self.threshold

    def _power(self, b0: int, b1: int) -> np.ndarray:
        """Mean square of the voice bus per detector block, blocks [b0, b1), float32."""
        lo, hi = b0 * self.block, b1 * self.block
        x = self.read_voice(lo, min(hi, self.n_samples))
        power = (x**2).mean(axis=1)
        power = np.pad(power, (0, hi - lo - len(power)))  # the last block is zero-padded
        return power.reshape(b1 - b0, self.block).mean(axis=1)


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
    (n,) float32 linear gain in [10^(-duck_db/20), 1]. ``Ducker`` computes
    the same curve range by range.
    """
    x = np.asarray(voice_bus, dtype=np.float32)
    source = ArraySource(x if x.ndim == 2 else x[:, None])
    ducker = Ducker(
        source.read,
        len(x),
        sr_hz,
        duck_db=duck_db,
        attack_s=attack_s,
        release_s=release_s,
        hold_s=hold_s,
        threshold_db=threshold_db,
    )
    return ducker.gain(0, len(x))


def fade_curve(
    n_samples: int,
    sr_hz: int,
    fade_in_s: float,
    fade_out_s: float,
    lo: int = 0,
    hi: int | None = None,
) -> np.ndarray:
    """Raised-cosine fade-in at the start and fade-out at the end of an n-sample track.

    Returns samples [lo, hi) of the curve (default: all), (hi - lo,) float32.
    """
    hi = n_samples if hi is None else hi
    curve = np.ones(hi - lo, dtype=np.float64)
    idx = np.arange(lo, hi)
    for seconds, at_start in ((fade_in_s, True), (fade_out_s, False)):
        n_fade = min(n_samples, round(seconds * sr_hz))
        if n_fade <= 0:
            continue
        k = idx if at_start else n_samples - 1 - idx  # position on the 0 -> 1 ramp
        inside = k < n_fade
        if inside.any():
            curve[inside] *= 0.5 - 0.5 * np.cos(np.pi * (k[inside] + 0.5) / n_fade)
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


# a (k, 2) float32 line, or a callable that makes it (or a source with ``n_samples`` and
# ``read(lo, hi)``, read range by range) when the mix reaches it
Line = np.ndarray | Callable[[], object]


class VoiceBus:
    """All voice lines summed, read range by range.

    A line given as a callable is made (e.g. resampled) when a read first
    reaches it, and dropped by ``drop_before`` once reads have passed it, so
    only the lines around the current range are held.
    """

    def __init__(self, voices: Sequence[tuple[float, Line]], n_samples: int, sr_hz: int, gain_db):
        self.n_samples = n_samples
        self.gain = np.float32(db_to_gain(gain_db))
        self._lines = []  # [first sample, line or callable, end sample or None]
        for i, (start_s, line) in enumerate(voices):
            if start_s < 0:
                raise NodeError(
                    f"voice line {i} starts at {start_s} s", kind=KIND, hint="start_s must be >= 0"
                )
            if not callable(line):
                line = _check_stereo(f"voice line {i}", line)
            self._lines.append([round(start_s * sr_hz), line, None])

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Voices over samples [lo, hi), (hi - lo, 2) float32 (0 <= lo <= hi <= n)."""
        out = np.zeros((hi - lo, 2), dtype=np.float32)
        for i, entry in enumerate(self._lines):
            at, line, end = entry
            if at >= min(hi, self.n_samples) or (end is not None and end <= lo):
                continue
            if callable(line):
                line = line()
                entry[1] = line if hasattr(line, "read") else _check_stereo(f"voice line {i}", line)
            length = line.n_samples if hasattr(line, "read") else len(line)
            entry[2] = at + max(0, min(length, self.n_samples - at))  # cut at the end
            a, b = max(lo, at), min(hi, entry[2])
            if b > a:
                if hasattr(line, "read"):  # a streamed line (``ResampledLine``)
                    out[a - lo : b - lo] += line.read(a - at, b - at) * self.gain
                else:
                    out[a - lo : b - lo] += line[a - at : b - at] * self.gain
        return out

    def drop_before(self, sample: int) -> None:
        """Forget the lines that end before ``sample``: no read will go back there."""
        for entry in self._lines:
            if entry[2] is not None and entry[2] <= sample:
                entry[1] = None


def mix_blocks(
    music: np.ndarray | str | os.PathLike | dict | None,
    voices: Sequence[tuple[float, Line]],
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
) -> Iterator[np.ndarray]:
    """The mix of ``mix`` in consecutive (k, 2) float32 blocks of about ``MIX_BLOCK_S``.

    ``music`` may also be a (m, 2) float32 ``.npy`` path (or ``{"file": path}``),
    read block by block; a voice line may be a callable that returns it when
    first needed. Memory stays bounded however long the mix is.
    """
    if total_s <= 0 or sr_hz <= 0:
        raise NodeError(
            f"total_s and sr_hz must be > 0, got {total_s}, {sr_hz}",
            kind=KIND,
            hint="the mix lasts as long as the video",
        )
    n = round(total_s * sr_hz)
    bus = VoiceBus(voices, n, sr_hz, voice_gain_db)
    source = None
    if music is not None:
        source = open_source(
            _check_stereo("music", music) if isinstance(music, np.ndarray) else music
        )
        if source.n_channels != 2:
            raise NodeError(
                f"music should be (n, 2) float32, but has {source.n_channels} channels",
                kind=KIND,
                hint="decode_audio returns (n, 2) float32",
            )
    ducker = None
    if source is not None and voices and duck_db > 0:
        ducker = Ducker(
            bus.read, n, sr_hz, duck_db=duck_db, attack_s=attack_s, release_s=release_s,
            hold_s=hold_s,
        )  # fmt: skip
    detector_block = max(1, round(DETECTOR_BLOCK_S * sr_hz))
    step = detector_block * max(1, round(MIX_BLOCK_S * sr_hz / detector_block))
    music_gain = np.float32(db_to_gain(gain_db))
    try:
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            voice = bus.read(lo, hi)
            if source is None:
                yield voice
            else:
                curve = fade_curve(n, sr_hz, fade_in_s, fade_out_s, lo, hi) * music_gain
                if ducker is not None:
                    curve *= ducker.gain(lo, hi)
                yield read_padded(source, lo, hi) * curve[:, None] + voice
            bus.drop_before(hi - (ducker.lookback_samples if ducker else 0))
    finally:
        if isinstance(source, NpySource):
            source.close()


def mix(
    music: np.ndarray | None,
    voices: Sequence[tuple[float, Line]],
    total_s: float,
    sr_hz: int,
    **options,
) -> np.ndarray:
    """Mix the soundtrack: music bed (ducked, faded) plus voice lines.

    Parameters
    ----------
    music : (m, 2) float32 at ``sr_hz`` or None; cut or zero-padded to ``total_s``.
    voices : list of (start_s, (k, 2) float32): each line and where it starts,
        in seconds; a line running past ``total_s`` is cut.
    total_s : length of the mix in seconds (the video's duration).
    sr_hz : sample rate in Hz.
    options : ``duck_db, attack_s, release_s, hold_s`` (ducking, see ``duck_gain``),
        ``fade_in_s, fade_out_s`` (music fades at the start and end, s),
        ``gain_db`` (music level before ducking, dB), ``voice_gain_db`` (dB).

    Returns
    -------
    (round(total_s * sr_hz), 2) float32. Not normalised: run ``normalise`` next.
    ``mix_blocks`` yields the same samples block by block.
    """
    blocks = list(mix_blocks(music, voices, total_s, sr_hz, **options))
    return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
