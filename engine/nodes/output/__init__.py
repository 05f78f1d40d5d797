"""Output room: H.264 segments, lossless join + AAC mux, captions, poster, probe.

    SegmentWriter(path, width, height, fps, crf, preset)   frames -> segment.mp4
    mux(segment_paths, audio, out_path, ...)                segments + audio -> out.mp4
    poster(frame, path)                                     one frame -> PNG
    write_srt / write_vtt(cues, path)                       captions
    probe / read_frames / read_audio(path)                  read back (tests, verify)

Every file is written to a hidden temporary file beside its target and renamed
onto it when complete (``atomic.py``).
"""
