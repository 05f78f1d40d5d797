"""Audio room: decode, mix with ducking, loudness normalisation.

decode_audio(path, sr_hz, start_s, duration_s) -> (n, 2) float32
mix(music, voices, total_s, sr_hz, ...)        -> (n, 2) float32
normalise(audio, sr_hz, target_lufs, true_peak_dbtp) -> (audio, report)
"""
