"""decode_audio: formats, channels, one resample, windows, clear errors."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from engine.errors import AssetError
from engine.nodes.audio.decode import decode_audio, decode_to_file

SR_IN = 44100


def _tone(freq_hz: float, seconds: float, sr_hz: int = SR_IN, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * sr_hz)) / sr_hz
    return amp * np.sin(2 * np.pi * freq_hz * t)


def _write(path: Path, channels: np.ndarray, fmt: str, codec: str) -> Path:
    """Write (C, n) float audio in [-1, 1] with PyAV."""
    layout = "mono" if len(channels) == 1 else "stereo"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=SR_IN)
        stream.layout = layout
        sample_fmt = stream.codec_context.codec.audio_formats[0].name
        stream.format = sample_fmt
        for start in range(0, channels.shape[1], 1024):
            chunk = channels[:, start : start + 1024]
            if sample_fmt == "s16":
                data = (chunk * 32767).round().astype(np.int16).T.reshape(1, -1)
            elif sample_fmt == "s16p":
                data = (chunk * 32767).round().astype(np.int16)
            else:
                data = chunk.astype(np.float32)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data), format=sample_fmt, layout=layout
            )
            frame.sample_rate, frame.pts = SR_IN, start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _peak_hz(x: np.ndarray, sr_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * sr_hz / len(x))


def test_mono_wav_becomes_stereo_at_the_new_rate(tmp_path):
    path = _write(tmp_path / "mono.wav", _tone(440, 2.0)[None], "wav", "pcm_s16le")
    audio = decode_audio(path, 48000)
    assert audio.shape == (96000, 2) and audio.dtype == np.float32
    assert np.array_equal(audio[:, 0], audio[:, 1])  # copied, not -3 dB panned
    assert abs(_peak_hz(audio[:, 0], 48000) - 440) < 1.0
    assert abs(np.abs(audio[1000:-1000]).max() - 0.5) < 0.005


def test_stereo_flac_keeps_channels_and_same_rate_is_untouched(tmp_path):
    left, right = _tone(440, 1.0), _tone(660, 1.0, amp=0.25)
    path = _write(tmp_path / "st.flac", np.stack([left, right]), "flac", "flac")
    audio = decode_audio(path, SR_IN)
    expected = np.round(np.stack([left, right], 1) * 32767) / 32768
    assert audio.shape == (SR_IN, 2)
    assert np.abs(audio - expected).max() < 1e-6
    assert abs(_peak_hz(decode_audio(path, 16000)[:, 1], 16000) - 660) < 1.5


def test_window_equals_slice_of_whole_and_is_deterministic(tmp_path):
    path = _write(tmp_path / "m.wav", _tone(220, 3.0)[None], "wav", "pcm_s16le")
    whole = decode_audio(path, 48000)
    window = decode_audio(path, 48000, start_s=0.5, duration_s=1.25)
    assert window.shape == (60000, 2)
    assert np.array_equal(window, whole[24000:84000])
    assert np.array_equal(decode_audio(path, 48000), whole)
    tail = decode_audio(path, 48000, start_s=2.5, duration_s=5.0)
    assert len(tail) == len(whole) - 120000  # shorter when the file ends first


def test_reads_the_audio_of_an_mp4(tmp_path):
    path = _write(tmp_path / "a.m4a", _tone(440, 1.0)[None], "mp4", "aac")
    audio = decode_audio(path, 48000)
    assert 48000 <= len(audio) < 48000 + 1024 * 48000 / SR_IN + 2
    assert abs(_peak_hz(audio[:, 0], 48000) - 440) < 1.5


def test_bad_files_raise_asset_errors_with_hints(tmp_path):
    with pytest.raises(AssetError, match="not found") as err:
        decode_audio(tmp_path / "missing.wav", 48000)
    assert err.value.hint
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"this is not audio" * 50)
    with pytest.raises(AssetError, match="cannot decode") as err:
        decode_audio(garbage, 48000)
    assert "WAV" in err.value.hint
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AssetError, match="cannot decode|no samples|no audio"):
        decode_audio(empty, 48000)
    short = _write(tmp_path / "s.wav", _tone(440, 0.5)[None], "wav", "pcm_s16le")
    with pytest.raises(AssetError, match="from 3 s"):
        decode_audio(short, 48000, start_s=3.0)
    with pytest.raises(AssetError, match="bad audio window"):
        decode_audio(short, 0)


def test_decode_to_file_equals_decode_audio(tmp_path):
    path = _write(tmp_path / "m.flac", np.stack([_tone(220, 3.0), _tone(330, 3.0)]), "flac", "flac")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for start_s, duration_s in [(0.0, None), (0.7, 1.2)]:
        info = decode_to_file(path, 48000, start_s, duration_s, out_dir / "music.npy")
        expected = decode_audio(path, 48000, start_s, duration_s)
        assert np.array_equal(np.load(info["file"]), expected)
        assert info["n_samples"] == len(expected) and info["sr_hz"] == 48000
    assert [p.name for p in out_dir.iterdir()] == ["music.npy"]
    with pytest.raises(AssetError, match="no audio"):
        decode_to_file(path, 48000, 10.0, None, out_dir / "late.npy")
    assert [p.name for p in out_dir.iterdir()] == ["music.npy"]  # nothing half-written
