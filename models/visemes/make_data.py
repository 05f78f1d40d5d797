"""Make the viseme model's training and evaluation sets with espeak-ng (CPU, a few minutes).

Each example: a line of text (``texts.py``) in one language, spoken by
``tts.synthesise`` with a random voice variant, rate (100-300 wpm) and pitch
(20-80); the espeak phoneme timings become the targets through
``visemes.viseme_track`` at ``MODEL_RATE_HZ`` (4 controls + the shape class);
the audio, padded with random silence and augmented (level, EQ / band limit,
reverb, noise), becomes log-mel features (``learned.log_mel``). Features, not
audio, are stored: float16, 100 frames/s.

Evaluation holds out whole voice variants (``HELD_OUT_VARIANTS``) and whole
languages (``texts.HELD_OUT_LANGUAGES``); no training example uses either.

    .venv/bin/python models/visemes/make_data.py --out /tmp/visemes_data --n-train 3000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from texts import HELD_OUT_LANGUAGES, TRAIN_LANGUAGES, make_line  # noqa: E402

from engine.nodes.speech.learned import (  # noqa: E402
    MODEL_RATE_HZ,
    TRAINED_ANTICIPATION_S,
    log_mel,
)
from engine.nodes.speech.tts import list_variants, synthesise  # noqa: E402
from engine.nodes.speech.visemes import SHAPES, UnmappedPhonemeWarning, viseme_track  # noqa: E402

HELD_OUT_VARIANTS = ["f5", "m3", "klatt2", "belinda", "john", "steph2", "Andy"]


def _augment(audio: np.ndarray, sr_hz: int, rng: np.random.Generator, strength: float):
    """Level, EQ / band limit, reverb and noise, each applied with a probability.

    audio: (N,) float32 mono; strength in [0, 1] scales the probabilities
    (0 = clean). Returns (N,) float32 and a dict describing what was done.
    """
    from scipy.signal import butter, fftconvolve, sosfilt

    done = {}
    x = audio.astype(np.float64)
    if rng.random() < 0.6 * strength:  # EQ: band limit like a phone or a cheap mic
        lo_hz = float(rng.uniform(60, 400))
        hi_hz = float(rng.uniform(2500, min(9000, sr_hz / 2 - 200)))
        x = sosfilt(butter(2, [lo_hz, hi_hz], btype="band", fs=sr_hz, output="sos"), x)
        done["band_hz"] = [round(lo_hz), round(hi_hz)]
    if rng.random() < 0.5 * strength:  # room: exponentially decaying noise
        rt60_s = float(rng.uniform(0.1, 0.9))
        n_taps = int(rt60_s * sr_hz)
        t_s = np.arange(n_taps) / sr_hz
        ir = rng.standard_normal(n_taps) * np.exp(-6.9 * t_s / rt60_s)  # -60 dB at rt60
        ir[0] = 0.0
        wet = float(rng.uniform(0.1, 0.6))
        ir = ir / np.sqrt(np.sum(ir**2)) * wet
        ir[0] = 1.0
        x = fftconvolve(x, ir)[: len(x)]
        done["reverb"] = {"rt60_s": round(rt60_s, 2), "wet": round(wet, 2)}
    gain_db = float(rng.uniform(-30, 0))
    x = x / max(np.abs(x).max(), 1e-9) * 0.9 * 10 ** (gain_db / 20)
    done["gain_db"] = round(gain_db, 1)
    if rng.random() < 0.8 * strength:  # noise: white, pink-ish or hum-ish at 10-40 dB SNR
        snr_db = float(rng.uniform(10, 40))
        noise = rng.standard_normal(len(x))
        colour = rng.integers(3)
        if colour == 1:
            noise = np.cumsum(noise) * 0.02
            noise -= np.convolve(noise, np.ones(401) / 401, mode="same")
        elif colour == 2:
            noise = sosfilt(butter(2, 300, btype="low", fs=sr_hz, output="sos"), noise)
        p_signal = np.mean(x[np.abs(x) > 1e-4 * np.abs(x).max()] ** 2)
        noise *= np.sqrt(p_signal / 10 ** (snr_db / 10) / max(np.mean(noise**2), 1e-20))
        x = x + noise
        done["noise"] = {"snr_db": round(snr_db, 1), "colour": int(colour)}
    x = np.round(np.clip(x, -1, 1) * 32767) / 32767  # 16-bit, as a recording would be
    return x.astype(np.float32), done


def make_example(job: dict) -> dict | None:
    """One job (seed, split, languages, variants, strength) → features and targets."""
    rng = np.random.default_rng(job["seed"])
    language = job["languages"][rng.integers(len(job["languages"]))]
    variant = job["variants"][rng.integers(len(job["variants"]))]
    rate_wpm = int(rng.integers(100, 301))
    pitch = int(rng.integers(20, 81))
    text = make_line(language, rng)
    try:
        speech = synthesise(text, language, variant, rate_wpm, pitch)
    except Exception as exc:  # a line espeak cannot read: skip it, say why
        return {"skip": f"{language}+{variant}: {exc}"}
    sr_hz = speech.sr_hz
    # silence before and after, as a recording has: the mouth must rest there
    pad0_s, pad1_s = float(rng.uniform(0, 0.6)), float(rng.uniform(0, 0.6))
    n0, n1 = int(pad0_s * sr_hz), int(pad1_s * sr_hz)
    audio = np.concatenate([np.zeros(n0, np.float32), speech.audio, np.zeros(n1, np.float32)])
    shift_s = n0 / sr_hz
    phonemes = [(s + shift_s, e + shift_s, p) for s, e, p in speech.phonemes]
    audio, aug = _augment(audio, sr_hz, rng, job["strength"])
    feats = log_mel(audio, sr_hz)
    n_out = (len(feats) + 1) // 2  # the model's stride-2 output: frame k at k / MODEL_RATE_HZ
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmappedPhonemeWarning)
        # the shipped weights learned the track of 40 ms anticipation and no extra
        # closure lead; ``learned.DELAY_S`` reads them later to match today's track
        track = viseme_track(
            phonemes,
            MODEL_RATE_HZ,
            n_out,
            anticipation_s=TRAINED_ANTICIPATION_S,
            closure_lead_s=0.0,
        )
    return {
        "feats": feats.astype(np.float16),
        "controls": track.controls.astype(np.float16),
        "shapes": np.array([SHAPES.index(s) for s in track.shapes], dtype=np.uint8),
        "meta": {
            "language": language,
            "variant": variant,
            "rate_wpm": rate_wpm,
            "pitch": pitch,
            "text": text,
            "aug": aug,
            "duration_s": round(len(audio) / sr_hz, 3),
        },
    }


def _jobs(split: str, n: int, seed0: int) -> list[dict]:
    variants = list_variants()
    train_variants = [v for v in variants if v not in HELD_OUT_VARIANTS]
    if split == "train":
        groups = [(TRAIN_LANGUAGES, train_variants)]
    else:  # held-out voices in training languages; held-out languages in any voice
        groups = [(TRAIN_LANGUAGES, HELD_OUT_VARIANTS), (HELD_OUT_LANGUAGES, variants)]
    jobs = []
    for i in range(n):
        languages, vs = groups[i % len(groups)]
        strength = 0.0 if i % 4 == 0 else 1.0  # a quarter clean, the rest augmented
        jobs.append(
            {"seed": seed0 + i, "languages": languages, "variants": vs, "strength": strength}
        )
    return jobs


def write_split(out: Path, split: str, n: int, seed0: int, workers: int) -> dict:
    t0 = time.time()
    with Pool(workers) as pool:
        examples = pool.map(make_example, _jobs(split, n, seed0), chunksize=8)
    skipped = [e["skip"] for e in examples if "skip" in e]
    examples = [e for e in examples if "skip" not in e]
    feats = [e["feats"] for e in examples]
    np.savez(
        out / f"{split}.npz",
        feats=np.concatenate(feats),
        feat_offsets=np.cumsum([0] + [len(f) for f in feats]),
        controls=np.concatenate([e["controls"] for e in examples]),
        shapes=np.concatenate([e["shapes"] for e in examples]),
        out_offsets=np.cumsum([0] + [len(e["shapes"]) for e in examples]),
    )
    meta = [e["meta"] for e in examples]
    (out / f"{split}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0))
    hours = sum(m["duration_s"] for m in meta) / 3600
    print(
        f"{split}: {len(meta)} lines, {hours:.2f} h, {len(skipped)} skipped, "
        f"{time.time() - t0:.0f} s",
        flush=True,
    )
    for s in skipped[:5]:
        print("  skipped", s)
    return {"lines": len(meta), "hours": round(hours, 3), "skipped": len(skipped)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/visemes_data"))
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-eval", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {
        "train": write_split(args.out, "train", args.n_train, 0, args.workers),
        "eval": write_split(args.out, "eval", args.n_eval, 10_000_000, args.workers),
        "train_languages": TRAIN_LANGUAGES,
        "held_out_languages": HELD_OUT_LANGUAGES,
        "held_out_variants": HELD_OUT_VARIANTS,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
