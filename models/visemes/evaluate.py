"""Evaluate the committed viseme model end to end at a video frame rate, on fresh lines.

    .venv/bin/python models/visemes/evaluate.py --n 40 --fps 25

Fresh espeak lines (seeds no training or evaluation set used) in held-out
voices and held-out languages go through ``learned.predict_visemes`` (the
shipped inference path: features, network, resampling to ``fps``, smoothing)
and are compared with ``visemes.viseme_track`` on espeak's phonemes: shape
accuracy per frame, jaw_open MAE and Pearson r, and the lag (frames) of the
cross-correlation peak. Half the lines are augmented as in training. A
baseline that knows nothing of mouths, the audio's loudness envelope, gives
the jaw_open r a model has to beat.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_data import HELD_OUT_VARIANTS, _augment  # noqa: E402
from texts import HELD_OUT_LANGUAGES, TRAIN_LANGUAGES, make_line  # noqa: E402

from engine.nodes.speech.learned import predict_visemes  # noqa: E402
from engine.nodes.speech.tts import synthesise  # noqa: E402
from engine.nodes.speech.visemes import UnmappedPhonemeWarning, viseme_track  # noqa: E402


def _pearson(a, b) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / max(np.sqrt((a * a).sum() * (b * b).sum()), 1e-12))


def _peak_lag(a, b, max_lag: int = 6) -> int:
    a, b = a - a.mean(), b - b.mean()
    lags = list(range(-max_lag, max_lag + 1))
    scores = [
        float(np.dot(a[max(k, 0) : len(a) + min(k, 0)], b[max(-k, 0) : len(b) - max(k, 0)]))
        for k in lags
    ]
    return lags[int(np.argmax(scores))]


def _envelope(audio, sr_hz, fps, n_frames) -> np.ndarray:
    hop = sr_hz / fps
    return np.array(
        [
            np.sqrt(
                np.mean(audio[max(int(i * hop - hop / 2), 0) : int(i * hop + hop / 2)] ** 2 + 1e-12)
            )
            for i in range(n_frames)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--fps", type=float, default=25.0)
    args = parser.parse_args()
    rows = []
    for i in range(args.n):
        rng = np.random.default_rng(20_000_000 + i)
        held_language = i % 2 == 1
        languages = HELD_OUT_LANGUAGES if held_language else TRAIN_LANGUAGES
        language = languages[rng.integers(len(languages))]
        variant = HELD_OUT_VARIANTS[rng.integers(len(HELD_OUT_VARIANTS))]
        text = make_line(language, rng)
        rate, pitch = int(rng.integers(100, 301)), int(rng.integers(20, 81))
        try:
            s = synthesise(text, language, variant, rate, pitch)
        except Exception as exc:
            print("skip", language, variant, exc)
            continue
        augmented = i % 4 >= 2
        audio = _augment(s.audio, s.sr_hz, rng, 1.0)[0] if augmented else s.audio
        n = int(np.ceil(s.duration_s * args.fps))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnmappedPhonemeWarning)
            truth = viseme_track(s.phonemes, args.fps, n)
        pred = predict_visemes(audio, s.sr_hz, args.fps, n)
        rows.append(
            {
                "group": "held_out_language" if held_language else "held_out_voice",
                "line": f"{language}+{variant} {rate} wpm: {text[:50]}",
                "augmented": augmented,
                "shape_accuracy": float(
                    np.mean([a == b for a, b in zip(pred.shapes, truth.shapes, strict=True)])
                ),
                "jaw_mae": float(np.abs(pred.controls[:, 0] - truth.controls[:, 0]).mean()),
                "mae_all": float(np.abs(pred.controls - truth.controls).mean()),
                "jaw_r": _pearson(pred.controls[:, 0], truth.controls[:, 0]),
                "lag": _peak_lag(pred.controls[:, 0], truth.controls[:, 0]),
                "envelope_r": _pearson(
                    _envelope(audio, s.sr_hz, args.fps, n), truth.controls[:, 0]
                ),
            }
        )
    summary = {}
    for name, keep in [
        ("held_out_voice", lambda r: r["group"] == "held_out_voice"),
        ("held_out_language", lambda r: r["group"] == "held_out_language"),
        ("clean", lambda r: not r["augmented"]),
        ("augmented", lambda r: r["augmented"]),
        ("all", lambda r: True),
    ]:
        sel = [r for r in rows if keep(r)]
        summary[name] = {
            "lines": len(sel),
            "shape_accuracy": round(float(np.mean([r["shape_accuracy"] for r in sel])), 3),
            "jaw_mae": round(float(np.mean([r["jaw_mae"] for r in sel])), 3),
            "controls_mae": round(float(np.mean([r["mae_all"] for r in sel])), 3),
            "jaw_r_median": round(float(np.median([r["jaw_r"] for r in sel])), 3),
            "jaw_r_min": round(float(np.min([r["jaw_r"] for r in sel])), 3),
            "lag_within_1_frame": round(float(np.mean([abs(r["lag"]) <= 1 for r in sel])), 3),
            "envelope_r_median": round(float(np.median([r["envelope_r"] for r in sel])), 3),
        }
    print(json.dumps({"fps": args.fps, **summary}, indent=1))
    worst = sorted(rows, key=lambda r: r["jaw_r"])[:3]
    print("worst jaw r:", [(round(r["jaw_r"], 3), r["line"]) for r in worst])


if __name__ == "__main__":
    main()
