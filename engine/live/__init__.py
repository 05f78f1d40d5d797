"""Live: a photo that talks back in real time (``photoplay live``).

The same nodes a render runs, frame by frame behind a local server: the face rig
and its animation, TTS with phoneme timing and visemes, the disclosure label and
the invisible watermark; plus what only a live show needs: a queue of lines
spoken sentence by sentence, an idle loop between them, WebRTC transport, and a
recording published with provenance and a C2PA signature when the show ends.

    performer.py  the character prepared once (photo, face rig, framing, label, mark)
    speech.py     typed lines → sentences → audio and face controls
    idle.py       endless idle motion
    show.py       the show's clock, queue and frames
    record.py     what was streamed, saved as a render is
    session.py    a scene's character as a recorded show
    media.py      the show as WebRTC tracks
    server.py     the web page, the HTTP API and the event stream
"""
