"""Phonemes (IPA, any espeak language) → mouth shapes and controls per video frame.

Each IPA symbol has an articulatory target: one of Rhubarb Lip Sync's nine
mouth shapes (A closed, B clenched, C open, D wide, E rounded, F puckered,
G lip on teeth, H tongue up, X rest) and four continuous controls in [0, 1]:

    jaw_open         0 = lips together, 1 = widest open (``ɑ``)
    lip_width        0 = narrow, pursed; 1 = spread (``i``)
    rounding         0 = flat lips; 1 = rounded, protruded (``u``, ``w``)
    upper_lip_raise  0 = rest; 1 = raised off the teeth (``f``, ``v``)

Coarticulation, as animators and Rhubarb do it: the mouth moves toward a sound
just before it is heard (``anticipation_s``), each frame averages the targets it
spans, a zero-phase Gaussian smooths the controls, bilabials (p, b, m) are
then pressed shut on at least one frame, closing ahead of their sound
(``closure_lead_s``), and discrete shapes hold for at least ``min_hold_s``. Silences go to X, the relaxed closed mouth.

Symbols: stress (ˈ ˌ), length (ː ˑ), tie bars (◌͡◌), tone letters, combining
diacritics (nasal ◌̃, lowered ◌̞...) and modifier letters (ʰ ʲ ʷ ᵝ...) are
stripped; the remaining letters of one phoneme (a diphthong ``aɪ``, an affricate
``tʃ``, espeak's ``ɔːɹ``) share its time in order.
"""

from __future__ import annotations

import math
import unicodedata
import warnings
from typing import NamedTuple

import numpy as np

PAUSE = "_"
SHAPES = "ABCDEFGHX"
N_CONTROLS = 4  # jaw_open, lip_width, rounding, upper_lip_raise


class UnmappedPhonemeWarning(UserWarning):
    """An IPA symbol with no viseme target; it was drawn as a neutral B."""


# symbols → (Rhubarb shape, jaw_open, lip_width, rounding, upper_lip_raise)
_TABLE: list[tuple[str, str, tuple[float, float, float, float]]] = [
    # vowels, by height, backness and rounding
    ("iɨ", "B", (0.20, 0.85, 0.00, 0.15)),
    ("ɪᵻ", "B", (0.28, 0.78, 0.00, 0.15)),
    ("yʏ", "F", (0.20, 0.25, 0.90, 0.10)),
    ("eɘ", "C", (0.38, 0.75, 0.00, 0.15)),
    ("øɵʉ", "E", (0.36, 0.35, 0.75, 0.10)),
    ("ɛ", "C", (0.55, 0.70, 0.00, 0.15)),
    ("œɞ", "E", (0.55, 0.40, 0.65, 0.10)),
    ("æ", "C", (0.75, 0.75, 0.00, 0.20)),
    ("aä", "D", (0.90, 0.60, 0.00, 0.15)),
    ("ɶ", "D", (0.85, 0.45, 0.50, 0.10)),
    ("əɜ", "C", (0.40, 0.55, 0.10, 0.10)),
    ("ɚɝ", "E", (0.35, 0.45, 0.45, 0.15)),
    ("ɐ", "C", (0.60, 0.55, 0.05, 0.10)),
    ("ɯ", "B", (0.25, 0.60, 0.00, 0.10)),
    ("ɤ", "C", (0.40, 0.55, 0.00, 0.10)),
    ("ʌ", "C", (0.60, 0.55, 0.05, 0.10)),
    ("ɑ", "D", (1.00, 0.50, 0.05, 0.15)),
    ("ɒ", "D", (0.85, 0.40, 0.40, 0.10)),
    ("u", "F", (0.15, 0.10, 1.00, 0.05)),
    ("ʊ", "F", (0.25, 0.20, 0.80, 0.05)),
    ("o", "E", (0.40, 0.25, 0.80, 0.05)),
    ("ɔ", "E", (0.60, 0.35, 0.60, 0.10)),
    # consonants, by place of articulation
    ("pbmʙɓʘ", "A", (0.00, 0.50, 0.15, 0.00)),  # bilabial stops, nasal, trill, click
    ("ɸβ", "B", (0.08, 0.45, 0.30, 0.05)),  # bilabial fricatives: lips near, not shut
    ("fvɱʋ", "G", (0.12, 0.50, 0.00, 0.55)),
    ("θð", "H", (0.22, 0.55, 0.00, 0.25)),  # tongue between the teeth
    ("lɫɭʎɬɮɺʟ", "H", (0.32, 0.55, 0.05, 0.20)),
    ("tdnszɗǀǃ", "B", (0.18, 0.60, 0.05, 0.20)),
    ("rɾ", "B", (0.25, 0.55, 0.05, 0.15)),
    ("ɹɻ", "E", (0.22, 0.40, 0.50, 0.15)),
    ("ʃʒ", "B", (0.15, 0.35, 0.65, 0.30)),
    ("ɕʑ", "B", (0.15, 0.50, 0.40, 0.25)),
    ("ʈɖɳʂʐɽ", "B", (0.20, 0.50, 0.20, 0.20)),
    ("cɟɲçʝjʄǂ", "B", (0.20, 0.70, 0.00, 0.20)),
    ("kɡgŋxɣɰɠǁ", "B", (0.28, 0.50, 0.05, 0.10)),
    ("qɢɴχʁʀʛ", "B", (0.30, 0.50, 0.05, 0.10)),
    ("wʍɥ", "F", (0.12, 0.10, 0.95, 0.05)),
    ("hɦħʕʜʢ", "C", (0.35, 0.55, 0.05, 0.10)),  # breathy: the mouth is already opening
    ("ʔɧ", "B", (0.20, 0.55, 0.05, 0.10)),
]
_TARGETS: dict[str, tuple[str, np.ndarray]] = {
    ch: (shape, np.asarray(controls, dtype=np.float32))
    for chars, shape, controls in _TABLE
    for ch in chars
}
# Timing, measured with ``photoplay qc`` (the lag of best correlation between the
# rendered mouth's opening and the speech envelope). Sampling every target 40 ms
# ahead put the mouth 20-36 ms early on espeak lines and 30-56 ms early on
# aligned recordings; sampling at the sound itself put it 4-21 ms late (the
# envelope rises with a consonant's release, before the vowel opens the jaw).
# 10 ms ahead centres espeak lines and aligned recordings on zero (each within
# about +-15 ms). Lip closures lead on their own: the lips meet before the
# /m/ or /b/ is heard, so a bilabial's closure is looked for a further
# CLOSURE_LEAD_S ahead (about one frame at 25 fps).
ANTICIPATION_S = 0.01
CLOSURE_LEAD_S = 0.03
REST = np.asarray((0.02, 0.50, 0.15, 0.00), dtype=np.float32)  # X: relaxed, lips together
_NEUTRAL = ("B", np.asarray((0.25, 0.55, 0.05, 0.10), dtype=np.float32))

# marks that change how a sound is timed or voiced but not the lips' target
_IGNORED = set("ˈˌːˑ‿.-ʼ'˥˦˧˨˩0123456789|‖")


def _base_letters(ipa: str) -> list[str]:
    """The base letters of one phoneme, marks and diacritics stripped ("ˈaɪ" → a, ɪ)."""
    if ipa.startswith("(") and ipa.endswith(")"):  # espeak's language switch: "(en)"
        return []
    letters = []
    for ch in unicodedata.normalize("NFD", ipa):
        if ch in _IGNORED or unicodedata.combining(ch):  # stress, length, tone, ◌̃ ◌͡◌
            continue
        if unicodedata.category(ch) == "Lm":  # modifier letters: ʰ ʲ ʷ ˠ ˤ ᵝ ⁿ
            continue
        letters.append(ch)
    return letters


def unmapped_symbols(ipa: str) -> list[str]:
    """Letters of ``ipa`` with no viseme target (empty for every espeak phoneme we know)."""
    if ipa == PAUSE:
        return []
    return [ch for ch in _base_letters(ipa) if ch not in _TARGETS]


def phoneme_targets(ipa: str) -> list[tuple[str, np.ndarray]]:
    """One phoneme → its targets in order: [(shape, (4,) float32 controls)].

    A pause (or an empty phoneme) is [("X", REST)]. Unknown letters warn
    (``UnmappedPhonemeWarning``) and take a neutral B.
    """
    if ipa == PAUSE:
        return [("X", REST)]
    out = []
    for ch in _base_letters(ipa):
        target = _TARGETS.get(ch)
        if target is None:
            warnings.warn(
                f"no viseme for IPA {ch!r} (U+{ord(ch):04X}) in {ipa!r}; drawn as B",
                UnmappedPhonemeWarning,
                stacklevel=3,
            )
            target = _NEUTRAL
        out.append(target)
    return out or [("X", REST)]


class VisemeTrack(NamedTuple):
    """Mouth per video frame.

    controls: (n_frames, 4) float32 in [0, 1]: jaw_open, lip_width, rounding,
        upper_lip_raise
    shapes: n_frames Rhubarb shapes, each one of "ABCDEFGHX"
    """

    controls: np.ndarray
    shapes: list[str]


def _target_segments(phonemes, gains=None) -> list[tuple[float, float, str, np.ndarray]]:
    """Phonemes → [(start_s, end_s, shape, controls)], letters sharing their phoneme's time;
    ``gains`` (one per phoneme) scale the jaw opening of its vowels."""
    segments = []
    for i, (start_s, end_s, ipa) in enumerate(phonemes):
        if end_s <= start_s:
            continue
        targets = phoneme_targets(ipa)
        step = (end_s - start_s) / len(targets)
        for k, (shape, controls) in enumerate(targets):
            if gains is not None and gains[i] != 1.0:
                controls = controls.copy()
                controls[0] = min(float(controls[0]) * gains[i], 1.0)
            segments.append((start_s + k * step, start_s + (k + 1) * step, shape, controls))
    return segments


# Louder speech opens the jaw wider (vocal effort and stress lower the jaw; the
# mouth's opening follows the speech envelope, Chandrasekaran et al. 2009). Each
# vowel's jaw target is scaled by 1 + LOUDNESS_GAIN x (its level - the line's
# median vowel level) / 10 dB, within LOUDNESS_RANGE, and so is each frame's jaw
# by its level against the median of the voiced frames. qc's lip-sync r on 3
# espeak lines, 3 Piper lines and 5 aligned recordings: 0.41-0.68 without,
# 0.56-0.77 with the vowel gains, 0.71-0.87 with both (lags within 2 ms or better).
# Issue 13: at 0.5 within 0.5-1.4 the jaw's own r with the envelope of three real
# recordings (librivox-sense-0870, -0890, librispeech-61-70968-0000) was 0.70-0.75
# and the loud vowels were all about as open as the rest; at 1.0 within 0.4-2.0 it
# is 0.78-0.85, and qc's r at 360 px 0.72-0.82 -> 0.79-0.84 on Grace Hopper and
# 0.63-0.68 -> 0.76-0.81 on the smiling astronaut (with ``deform.PARTED_SHARE`` 0.7).
LOUDNESS_GAIN = 1.0
LOUDNESS_RANGE = (0.4, 2.0)
VOWEL_LETTERS = set("iɨɪᵻyʏeɘøɵʉɛœɞæaäɶəɜɚɝɐɯɤʌɑɒuʊoɔ")


def frame_loudness_gains(audio: np.ndarray, sr_hz: int, fps: float, n_frames: int) -> np.ndarray:
    """(n_frames,) jaw gains: 1 + LOUDNESS_GAIN x (level - median level of the voiced
    frames) / 10 dB, within LOUDNESS_RANGE, smoothed over ~30 ms. The level is the RMS
    over each frame's window (1 / fps); voiced frames are within 30 dB of the loudest."""
    x = np.asarray(audio).reshape(-1)  # each frame's samples in float64, not the whole line
    hop = sr_hz / fps
    db = np.empty(n_frames)
    for i in range(n_frames):
        lo, hi = int((i - 0.5) * hop), int((i + 0.5) * hop)
        seg = x[max(lo, 0) : max(hi, 0)].astype(np.float64)
        db[i] = 10 * math.log10(float(np.mean(seg * seg)) + 1e-10) if len(seg) else -100.0
    if n_frames == 0:
        return db
    voiced = db[db > db.max() - 30.0]
    lo_g, hi_g = LOUDNESS_RANGE
    gains = np.clip(1.0 + LOUDNESS_GAIN * (db - float(np.median(voiced))) / 10.0, lo_g, hi_g)
    return _gaussian_smooth(gains[:, None], 0.03 * fps)[:, 0]


def loudness_gains(phonemes, audio: np.ndarray, sr_hz: int) -> list[float]:
    """Per phoneme: its vowel's jaw gain from its level in ``audio`` (1.0 for consonants).

    audio: (N,) float mono at sr_hz, the sound the phonemes time.
    """
    x = np.asarray(audio).reshape(-1)  # each phoneme's samples in float64, not the whole line
    level = []
    vowel = []
    for start_s, end_s, ipa in phonemes:
        seg = x[int(start_s * sr_hz) : int(end_s * sr_hz)].astype(np.float64)
        level.append(10 * math.log10(float(np.mean(seg * seg)) + 1e-10) if len(seg) else -100.0)
        vowel.append(ipa != PAUSE and any(ch in VOWEL_LETTERS for ch in _base_letters(ipa)))
    levels = np.asarray(level)
    voiced = levels[np.asarray(vowel, bool)]
    if len(voiced) == 0:
        return [1.0] * len(phonemes)
    ref = float(np.median(voiced))
    lo, hi = LOUDNESS_RANGE
    return [
        float(np.clip(1.0 + LOUDNESS_GAIN * (db - ref) / 10.0, lo, hi)) if v else 1.0
        for db, v in zip(levels, vowel, strict=True)
    ]


def viseme_track(
    phonemes,
    fps: float,
    n_frames: int,
    *,
    anticipation_s: float = ANTICIPATION_S,
    closure_lead_s: float = CLOSURE_LEAD_S,
    min_hold_s: float = 0.07,
    smooth_s: float = 0.03,
    audio: np.ndarray | None = None,
    sr_hz: int | None = None,
) -> VisemeTrack:
    """Mouth shapes and controls for each video frame of a line.

    phonemes: [(start_s, end_s, ipa)] from ``tts.synthesise`` or ``align.align``
        (``"_"`` = pause); time before, between and after them is silence
    fps: video frame rate, frames per second > 0; frame i shows time i / fps
    n_frames: number of frames to return, >= 0
    anticipation_s: how far ahead of the sound every target is sampled, seconds
    closure_lead_s: how much further ahead a bilabial (p, b, m) closes the lips,
        seconds: the lips meet before the sound they make is heard
    min_hold_s: shortest run of one discrete shape, seconds (bilabials excepted:
        a p/b/m shorter than a frame is kept, and lengthened to the hold)
    smooth_s: standard deviation of the Gaussian smoothing, seconds
    audio, sr_hz: the line's sound, (N,) float mono at sr_hz Hz; when given, louder
        vowels and frames open the jaw wider (``loudness_gains``, ``frame_loudness_gains``)

    Returns a ``VisemeTrack``: (n_frames, 4) float32 controls and n_frames shapes.
    """
    if fps <= 0 or n_frames < 0:
        raise ValueError(f"fps must be > 0 and n_frames >= 0, got fps={fps}, n_frames={n_frames}")
    if n_frames == 0:
        return VisemeTrack(np.zeros((0, N_CONTROLS), dtype=np.float32), [])
    gains = None if audio is None else loudness_gains(phonemes, audio, int(sr_hz))
    segments = _target_segments(phonemes, gains)
    frame_s = 1.0 / fps
    # each frame samples the window of one frame centred anticipation_s ahead of it
    t0 = np.arange(n_frames) * frame_s + anticipation_s - 0.5 * frame_s
    t1 = t0 + frame_s
    # time each frame's window spends on each control target and on each shape
    controls = np.zeros((n_frames, N_CONTROLS), dtype=np.float64)
    by_shape = np.zeros((n_frames, len(SHAPES)), dtype=np.float64)
    closing = np.zeros(n_frames, dtype=np.float64)  # bilabial time in the lead window
    lead = max(closure_lead_s, 0.0)
    for s, e, shape, target in segments:
        first = max(int(math.floor((s - lead - t0[0]) / frame_s)) - 1, 0)
        last = min(int(math.ceil((e - t0[0]) / frame_s)) + 1, n_frames)
        if first >= last:
            continue
        lo, hi = t0[first:last], t1[first:last]
        overlap = np.clip(np.minimum(hi, e) - np.maximum(lo, s), 0, None)
        controls[first:last] += overlap[:, None] * target[None, :]
        by_shape[first:last, SHAPES.index(shape)] += overlap
        if shape == "A":
            closing[first:last] += np.clip(
                np.minimum(hi + lead, e) - np.maximum(lo + lead, s), 0, None
            )
    silence = np.clip(frame_s - by_shape.sum(axis=1), 0.0, None)
    controls += silence[:, None] * REST[None, :]
    by_shape[:, SHAPES.index("X")] += silence
    controls = _gaussian_smooth(controls / frame_s, smooth_s * fps)

    if audio is not None:
        controls[:, 0] *= frame_loudness_gains(audio, int(sr_hz), fps, n_frames)
    shapes = _frame_shapes(by_shape, np.maximum(closing, by_shape[:, SHAPES.index("A")]), frame_s)
    shapes = _hold_shapes(shapes, max(1, math.ceil(min_hold_s * fps - 1e-9)))
    for i, shape in enumerate(shapes):  # bilabials reach full closure
        if shape == "A":
            controls[i, 0] = 0.0
            controls[i, 3] = 0.0
    return VisemeTrack(np.clip(controls, 0.0, 1.0).astype(np.float32), shapes)


def expected_opening(phonemes, fps: float, n_frames: int) -> np.ndarray:
    """(n_frames,) float32 jaw opening in [0, 1]: what the rendered mouth should do.

    The lip-sync test correlates the inner-lip gap measured on rendered frames
    with this curve.
    """
    return viseme_track(phonemes, fps, n_frames).controls[:, 0].copy()


def _gaussian_smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along axis 0, edges held; (T, C) float64."""
    if sigma_frames <= 0.05 or len(x) < 2:
        return x
    radius = int(math.ceil(3 * sigma_frames))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_frames) ** 2)
    taps /= taps.sum()
    padded = np.pad(x, ((radius, radius), (0, 0)), mode="edge")
    return np.stack(
        [np.convolve(padded[:, c], taps, mode="valid") for c in range(x.shape[1])], axis=1
    )


def _frame_shapes(by_shape: np.ndarray, closing: np.ndarray, frame_s: float) -> list[str]:
    """The shape covering most of each frame's window; a bilabial inside it wins.

    by_shape: (n_frames, 9) seconds of each of ``SHAPES`` inside each frame's window
    closing: (n_frames,) seconds of bilabial closure in the window moved ahead by the
        closure lead (or in the window itself, whichever is more)
    """
    closure = closing > 0.25 * frame_s  # a closure must show
    best = np.argmax(by_shape, axis=1)  # ties go to the earlier letter
    return ["A" if closed else SHAPES[k] for closed, k in zip(closure, best, strict=True)]


def _hold_shapes(shapes: list[str], hold_frames: int) -> list[str]:
    """Merge runs shorter than ``hold_frames`` into a neighbour; A runs are lengthened.

    Runs at the clip's ends are left as they are (the clip cuts them), and so
    is a short opening between two closures ("bob" at 25 fps), so both show.
    """
    out = list(shapes)
    if hold_frames <= 1 or not out:
        return out
    frozen: set[int] = set()  # starts of short runs that must stay
    for _ in range(2 * len(out)):  # each pass fixes or freezes one short run
        runs = _runs(out)
        short = [
            k
            for k, (start, end, shape) in enumerate(runs)
            if end - start < hold_frames and start > 0 and end < len(out) and start not in frozen
        ]
        if not short:
            break
        k = min(short, key=lambda k: runs[k][1] - runs[k][0])
        start, end, shape = runs[k]
        if shape == "A":  # lengthen the closure into its longer neighbour
            need = hold_frames - (end - start)
            left, right = runs[k - 1], runs[k + 1]
            if right[1] - right[0] >= left[1] - left[0]:
                out[end : min(end + need, right[1])] = ["A"] * (min(end + need, right[1]) - end)
            else:
                new_start = max(start - need, left[0])
                out[new_start:start] = ["A"] * (start - new_start)
            if _runs(out) == runs:  # neighbours too short to give: leave it
                frozen.add(start)
            continue
        left, right = runs[k - 1], runs[k + 1]
        # join the neighbour that holds longer, but never close the mouth over a sound
        candidates = [r for r in (left, right) if r[2] != "A"]
        if not candidates:  # an opening between two closures ("bob"): keep it
            frozen.add(start)
            continue
        fill = max(candidates, key=lambda r: r[1] - r[0])[2]
        out[start:end] = [fill] * (end - start)
    return out


def _runs(shapes: list[str]) -> list[tuple[int, int, str]]:
    """[(start, end, shape)] of consecutive equal shapes, end exclusive."""
    runs = []
    start = 0
    for i in range(1, len(shapes) + 1):
        if i == len(shapes) or shapes[i] != shapes[start]:
            runs.append((start, i, shapes[start]))
            start = i
    return runs
