"""Audio room: decode, mix with ducking, loudness normalisation.

decode_audio(path, sr_hz, start_s, duration_s) -> (n, 2) float32
mix(music, voices, total_s, sr_hz, ...)        -> (n, 2) float32
normalise(audio, sr_hz, target_lufs, true_peak_dbtp) -> (audio, report)
"""

from engine.nodes.audio.decode import decode_audio
from engine.nodes.audio.loudness import measure_true_peak_dbtp, normalise
from engine.nodes.audio.mix import duck_gain, mix

__all__ = ["decode_audio", "duck_gain", "measure_true_peak_dbtp", "mix", "normalise"]
