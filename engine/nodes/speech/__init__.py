"""Speech room: text-to-speech with phoneme timings, forced alignment, visemes.

Pure library functions; the render-graph nodes wrap them.

- ``tts.synthesise(text, voice, ...)`` → ``Speech`` (audio, phonemes, words)
- ``align.align(audio, sr_hz, transcript)`` → ``Alignment`` (phonemes, words)
- ``visemes.viseme_track(phonemes, fps, n_frames)`` → mouth controls per frame
"""
