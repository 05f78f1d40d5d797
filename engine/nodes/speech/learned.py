"""Audio → mouth controls without a transcript: a small learned model (any language, singing).

A 1D convolution stack over log-mel frames, trained on espeak-ng speech in 19
languages and ~100 voices (see ``models/visemes/MODEL_CARD.md``), predicts
what ``visemes.viseme_track`` would draw from the phonemes: the four mouth
controls (jaw_open, lip_width, rounding, upper_lip_raise) and the nine Rhubarb
shapes, at ``MODEL_RATE_HZ``. Predictions are averaged over each video frame's
window and lightly smoothed, as ``viseme_track`` does.

The weights are ``models/visemes/visemes.pt`` (a torch state_dict); the JSON
sidecar beside them holds the architecture, the feature parameters and the
sha256 of the weights, checked once per process before loading.

Example
-------
>>> from engine.nodes.speech.tts import synthesise
>>> s = synthesise("Hello there.", voice="en-us")
>>> track = predict_visemes(s.audio, s.sr_hz, fps=25, n_frames=round(s.duration_s * 25))
>>> track.controls.shape
(n_frames, 4)
"""

from __future__ import annotations

import functools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.hashing import sha256_file
from engine.nodes.speech.errors import SpeechError
from engine.nodes.speech.visemes import (
    ANTICIPATION_S,
    N_CONTROLS,
    SHAPES,
    VisemeTrack,
    frame_loudness_gains,
)

WEIGHTS_PATH = Path(__file__).resolve().parents[3] / "models" / "visemes" / "visemes.pt"

FEATURE_SR_HZ = 16000
HOP = 160  # samples at 16 kHz: 10 ms, 100 feature frames per second
N_FFT = 512
WIN = 400  # 25 ms analysis window
N_MELS = 64
FMIN_HZ, FMAX_HZ = 50.0, 7600.0
LOG_FLOOR = 1e-6  # power floor before the log: digital silence sits at log(1e-6)
TARGET_RMS = 0.1  # loud frames are scaled to this RMS, so input level does not matter
MODEL_RATE_HZ = 50  # the network's output rate: one prediction per 20 ms
SILENT_RMS = 1e-4  # below this (-80 dBFS) everywhere, there is nothing to lip-sync


def resample(audio: np.ndarray, sr_hz: int, to_hz: int) -> np.ndarray:
    """(N,) float → (M,) float32 at ``to_hz`` by polyphase filtering (deterministic)."""
    from scipy.signal import resample_poly

    if sr_hz == to_hz:
        return np.asarray(audio, dtype=np.float32)
    ratio = Fraction(to_hz, sr_hz)
    out = resample_poly(np.asarray(audio, dtype=np.float64), ratio.numerator, ratio.denominator)
    return out.astype(np.float32)


def _frame_rms(audio16: np.ndarray) -> np.ndarray:
    """(N,) float32 at 16 kHz → (ceil(N / HOP),) RMS per 10 ms hop."""
    n_hops = max(1, math.ceil(len(audio16) / HOP))
    padded = np.zeros(n_hops * HOP, dtype=np.float64)
    padded[: len(audio16)] = audio16
    return np.sqrt(np.mean(padded.reshape(n_hops, HOP) ** 2, axis=1))


@functools.cache
def _mel_basis() -> np.ndarray:
    import librosa

    return librosa.filters.mel(
        sr=FEATURE_SR_HZ, n_fft=N_FFT, n_mels=N_MELS, fmin=FMIN_HZ, fmax=FMAX_HZ
    ).astype(np.float64)


def log_mel(audio: np.ndarray, sr_hz: int) -> np.ndarray:
    """Level-normalised log-mel features: (N,) float audio → (T, N_MELS) float32, T = 100/s.

    audio: mono samples in [-1, 1] at ``sr_hz``; frame t is centred on time
    t * 10 ms. The audio is first scaled so that its loud frames (95th
    percentile of the 10 ms RMS) sit at ``TARGET_RMS``: a whisper and a shout
    give the same features. Raises SpeechError for audio with no sound in it.
    """
    import librosa

    audio16 = resample(audio, sr_hz, FEATURE_SR_HZ)
    rms = _frame_rms(audio16)
    loud = float(np.percentile(rms, 95))
    if not np.isfinite(loud) or float(rms.max()) < SILENT_RMS:
        raise SpeechError(
            "the audio is silent: no sound above -80 dBFS to read a mouth from",
            hint="check the audio file and its level",
        )
    audio16 = audio16 * np.float32(TARGET_RMS / max(loud, SILENT_RMS))
    spec = librosa.stft(
        audio16.astype(np.float64), n_fft=N_FFT, hop_length=HOP, win_length=WIN, center=True
    )
    power = np.abs(spec) ** 2  # (1 + N_FFT/2, T)
    mel = _mel_basis() @ power
    return np.log(mel + LOG_FLOOR).T.astype(np.float32)


def _torch():
    import torch

    return torch


def build_model(config: dict):
    """The network described by ``config`` (the sidecar's "model" entry), untrained.

    Input (B, N_MELS, T) log-mel at 100 frames/s; output (B, 4 + 9, ceil(T / 2))
    at MODEL_RATE_HZ: 4 control logits (sigmoid → [0, 1]) then 9 shape logits.
    A strided convolution halves the rate, then residual dilated convolutions
    (per-frame layer norm, GELU) see about ±1 s of context on both sides: the
    mouth moves before the sound, so the model must look ahead.
    """
    torch = _torch()
    nn = torch.nn

    class FrameNorm(nn.Module):
        def __init__(self, channels: int):
            super().__init__()
            self.norm = nn.LayerNorm(channels)

        def forward(self, x):
            return self.norm(x.transpose(1, 2)).transpose(1, 2)

    class Block(nn.Module):
        def __init__(self, channels: int, kernel: int, dilation: int):
            super().__init__()
            self.norm = FrameNorm(channels)
            pad = dilation * (kernel - 1) // 2
            self.conv = nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=pad)
            self.mix = nn.Conv1d(channels, channels, 1)

        def forward(self, x):
            return x + self.mix(torch.nn.functional.gelu(self.conv(self.norm(x))))

    class VisemeNet(nn.Module):
        def __init__(self, n_mels, channels, kernel, dilations, n_outputs):
            super().__init__()
            self.register_buffer("feat_mean", torch.zeros(n_mels, 1))
            self.register_buffer("feat_std", torch.ones(n_mels, 1))
            self.inp = nn.Conv1d(n_mels, channels, 3, stride=2, padding=1)
            self.blocks = nn.Sequential(*[Block(channels, kernel, d) for d in dilations])
            self.out = nn.Sequential(FrameNorm(channels), nn.Conv1d(channels, n_outputs, 1))

        def forward(self, feats):
            x = (feats - self.feat_mean) / self.feat_std
            return self.out(self.blocks(self.inp(x)))

    return VisemeNet(
        config["n_mels"],
        config["channels"],
        config["kernel"],
        config["dilations"],
        N_CONTROLS + len(SHAPES),
    )


def _device():
    torch = _torch()
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@functools.cache
def load_model(weights_path: Path = WEIGHTS_PATH):
    """The trained network, in eval mode on CUDA when present, else CPU; cached per process.

    Reads ``<weights>.json`` beside the weights and checks the weights' sha256
    against it. Raises SpeechError when either file is missing, the sidecar is
    unreadable or the sha256 does not match.
    """
    torch = _torch()
    weights_path = Path(weights_path)
    sidecar_path = weights_path.with_suffix(".json")
    hint = "restore models/visemes/ from git, or retrain: models/visemes/train.py"
    for p in (weights_path, sidecar_path):
        if not p.is_file():
            raise SpeechError(f"the viseme model file {p} is missing", hint=hint)
    try:
        sidecar = json.loads(sidecar_path.read_text())
        expected = sidecar["sha256"]
    except (ValueError, KeyError) as exc:
        raise SpeechError(
            f"the viseme model sidecar {sidecar_path} is unreadable", hint=hint
        ) from exc
    actual = sha256_file(weights_path)
    if actual != expected:
        raise SpeechError(
            f"the viseme model weights {weights_path.name} have sha256 {actual[:12]}..., "
            f"the sidecar expects {expected[:12]}...",
            hint=hint,
        )
    model = build_model(sidecar["model"])
    state = torch.load(weights_path, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.eval().to(_device()), sidecar


CHUNK_FRAMES = 3000  # at most 30 s of features per batch row (even)
CONTEXT_FRAMES = 200  # 2 s each side: more than the network's receptive field


def predict_rate(audio: np.ndarray, sr_hz: int, weights_path: Path = WEIGHTS_PATH):
    """Raw predictions at MODEL_RATE_HZ: ((K, 4) float32 controls, (K, 9) float32 shape probs).

    Frame k is time k / MODEL_RATE_HZ. Long audio is cut into overlapping
    30 s chunks that run as one batch; each chunk keeps only its centre.
    """
    torch = _torch()
    model, _ = load_model(Path(weights_path))
    feats = log_mel(audio, sr_hz)  # (T, N_MELS)
    n_feat = len(feats)
    chunk = min(CHUNK_FRAMES, n_feat + n_feat % 2)  # even, so chunks keep the stride-2 phase
    starts = list(range(0, n_feat, chunk))
    span = chunk + 2 * CONTEXT_FRAMES
    batch = np.zeros((len(starts), span, N_MELS), dtype=np.float32)
    # pad with digital silence, as the audio would continue
    batch[:] = np.float32(math.log(LOG_FLOOR))
    for b, s in enumerate(starts):
        lo, hi = max(s - CONTEXT_FRAMES, 0), min(s + chunk + CONTEXT_FRAMES, n_feat)
        batch[b, lo - (s - CONTEXT_FRAMES) : hi - (s - CONTEXT_FRAMES)] = feats[lo:hi]
    with torch.inference_mode():
        x = torch.from_numpy(batch).transpose(1, 2).to(_device())
        out = model(x).float().cpu().numpy()  # (B, 13, span / 2)
    keep = slice(CONTEXT_FRAMES // 2, (CONTEXT_FRAMES + chunk) // 2)
    out = np.concatenate([o[:, keep] for o in out], axis=1)[:, : (n_feat + 1) // 2]
    controls = 1.0 / (1.0 + np.exp(-out[:N_CONTROLS].T))
    logits = out[N_CONTROLS:].T
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return controls.astype(np.float32), probs.astype(np.float32)


# The model learned ``viseme_track`` as it was when trained: every target 40 ms
# ahead of its sound. The track now samples ``ANTICIPATION_S`` ahead, so the
# predictions are read that much later to match it.
TRAINED_ANTICIPATION_S = 0.04
DELAY_S = TRAINED_ANTICIPATION_S - ANTICIPATION_S


def _to_video_frames(
    x: np.ndarray, fps: float, n_frames: int, n_sub: int = 8, delay_s: float = 0.0
) -> np.ndarray:
    """(K, C) at MODEL_RATE_HZ → (n_frames, C): each video frame averages its window.

    Frame i covers [i - 0.5, i + 0.5) / fps - delay_s, sampled at n_sub points
    with linear interpolation between model frames (edges held).
    """
    t_model = np.arange(len(x)) / MODEL_RATE_HZ
    offsets = (np.arange(n_sub) + 0.5) / n_sub - 0.5
    t = (np.arange(n_frames)[:, None] + offsets[None, :]) / fps - delay_s  # (n_frames, n_sub) s
    out = np.stack([np.interp(t, t_model, x[:, c]).mean(axis=1) for c in range(x.shape[1])], 1)
    return out.astype(np.float32)


def predict_visemes(
    audio: np.ndarray,
    sr_hz: int,
    fps: float,
    n_frames: int,
    *,
    smooth_s: float = 0.03,
    weights_path: Path = WEIGHTS_PATH,
    loudness: bool = False,
) -> VisemeTrack:
    """Mouth controls and shapes for each video frame, from audio alone.

    audio: (N,) float mono samples in [-1, 1], any language, speech or singing
    sr_hz: sample rate of ``audio``, Hz (any; resampled to 16 kHz)
    fps: video frame rate, frames per second > 0; frame i shows time i / fps
    n_frames: number of frames to return, >= 0 (frames past the audio rest)
    smooth_s: standard deviation of the zero-phase Gaussian smoothing, seconds
    loudness: louder frames open the jaw wider (``frame_loudness_gains``)

    Returns a ``VisemeTrack``: (n_frames, 4) float32 controls in [0, 1]
    (jaw_open, lip_width, rounding, upper_lip_raise) and n_frames shapes from
    "ABCDEFGHX". Deterministic: the same audio gives identical output.
    Raises SpeechError for silent or malformed audio, or missing/mismatched weights.
    """
    from scipy.ndimage import gaussian_filter1d

    audio = np.asarray(audio)
    if audio.ndim != 1 or audio.size == 0 or not np.issubdtype(audio.dtype, np.floating):
        raise SpeechError(
            f"audio must be a non-empty 1-D float array, got {audio.dtype} shape {audio.shape}",
            hint="pass mono float32 samples in [-1, 1]",
        )
    if not np.all(np.isfinite(audio)):
        raise SpeechError("the audio contains NaN or infinite samples", hint="check the decoder")
    if fps <= 0 or n_frames < 0 or sr_hz <= 0:
        raise SpeechError(
            f"need fps > 0, n_frames >= 0 and sr_hz > 0, got {fps}, {n_frames}, {sr_hz}",
            hint="fps is the video's frame rate",
        )
    controls, probs = predict_rate(audio, int(sr_hz), Path(weights_path))
    # frames past the end of the audio hold the last prediction (the closing silence)
    both = _to_video_frames(
        np.concatenate([controls, probs], axis=1), fps, n_frames, delay_s=DELAY_S
    )
    sigma_frames = smooth_s * fps
    if sigma_frames > 0.05 and n_frames > 1:
        both[:, :N_CONTROLS] = gaussian_filter1d(
            both[:, :N_CONTROLS], sigma_frames, axis=0, mode="nearest"
        )
    shapes = [SHAPES[k] for k in np.argmax(both[:, N_CONTROLS:], axis=1)]
    if loudness:
        both[:, 0] *= frame_loudness_gains(audio, int(sr_hz), fps, n_frames)
    return VisemeTrack(np.clip(both[:, :N_CONTROLS], 0.0, 1.0).astype(np.float32), shapes)


# Speech or not: the model, trained on speech only, is sure of its mouth shapes on
# speech (mean entropy of its 9-shape distribution 0.26-0.59 nats on the nine test
# recordings in 5 languages) and unsure on music (0.81-0.94 on the four test tracks,
# one with vocals). Above this, a recording to ``say`` is refused as not speech.
NOT_SPEECH_ENTROPY = 0.70


def shape_entropy(audio: np.ndarray, sr_hz: int, weights_path: Path = WEIGHTS_PATH) -> float:
    """Mean entropy (nats) of the model's mouth-shape distribution over the recording."""
    _, probs = predict_rate(audio, int(sr_hz), Path(weights_path))
    return float(np.mean(-(probs * np.log(probs + 1e-9)).sum(axis=1)))


def check_speech(audio: np.ndarray, sr_hz: int) -> None:
    """Raise SpeechError when ``audio`` does not sound like speech (music, noise)."""
    entropy = shape_entropy(audio, sr_hz)
    if entropy > NOT_SPEECH_ENTROPY:
        raise SpeechError(
            f"the recording does not sound like speech (the mouth model is unsure of "
            f"{entropy:.2f} nats per frame, speech is below {NOT_SPEECH_ENTROPY:.2f}): music?",
            hint="give `say` a recording of speech, or use `sing` for a song",
        )


def phoneme_free_opening(audio: np.ndarray, sr_hz: int, fps: float, n_frames: int) -> np.ndarray:
    """(n_frames,) float32 jaw opening in [0, 1] predicted from audio alone.

    The transcript-free counterpart of ``visemes.expected_opening``, for the
    lip-sync test of audio that has no transcript.
    """
    return predict_visemes(audio, sr_hz, fps, n_frames).controls[:, 0].copy()
