"""One-shot libespeak-ng worker: run in a fresh process, speak one line, exit.

Only the first utterance in a process is byte-identical run to run (espeak
keeps state between utterances), so ``tts.py`` starts this file as its own
process for every line. It is a standalone script on purpose: it imports
nothing of the engine and no numpy, so it starts fast and its output depends
only on libespeak-ng, its data and the request.

Protocol
--------
stdin:  one JSON object, either ``{"op": "voices"}``, or
        ``{"op": "speak", "text": str, "voice": str, "rate_wpm": int, "pitch": int,
        "max_samples": int}`` (synthesis stops past ``max_samples``: a runaway line),
        or ``{"op": "phonemes", "words": [str], "voice": str}``
stdout: one JSON line (the header), then for ``speak`` the audio as raw
        little-endian int16 mono samples (``header["n_samples"]`` of them).
        Header of ``speak``: ``sr_hz``, ``n_samples``, ``events``: a list of
        ``[kind, sample, text_position, length, value]`` with kind "word"
        (value = word number) or "phoneme" (value = IPA, "" for a pause) or
        "end" (end of a sentence or clause); ``voice_identifier``: the voice
        espeak actually loaded; ``stopped``: true when ``max_samples`` was reached.
        Header of ``voices``: ``voices``, a list of
        ``{name, identifier, languages, has_dictionary}``.
        Header of ``phonemes``: ``phonemes``, for each word the list of its
        phonemes in IPA as espeak names them (stress marks included:
        ``["b", "j", "ˈuː", "ɾ", "i", "z"]`` for "beauty's").
        Failure: header ``{"error": str}`` and exit code 1.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

# speak_lib.h constants (ESPEAK_API_REVISION 12)
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_PHONEME_EVENTS = 0x0001
INITIALIZE_PHONEME_IPA = 0x0002
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
POS_CHARACTER = 1
PARAM_RATE = 1
PARAM_PITCH = 3
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
EVENT_END = 5
EVENT_PHONEME = 7
PHONEMES_IPA = 0x02  # espeak_TextToPhonemes: IPA rather than espeak's ASCII names
RAND_SEED = 0x5EED  # any constant: the noise of breathy voices, drawn the same every time


class _EventId(ctypes.Union):
    _fields_ = [
        ("number", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("string", ctypes.c_char * 8),  # phoneme name, IPA, up to 8 UTF-8 bytes
    ]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),  # samples since the start of the message
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, name, NUL)* then NUL
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


def _load() -> tuple[ctypes.CDLL, int]:
    import espeakng_loader

    data_path = espeakng_loader.get_data_path()
    os.environ["ESPEAK_DATA_PATH"] = data_path
    lib = ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_GetCurrentVoice.restype = ctypes.POINTER(_Voice)
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_Callback]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_ng_SetRandSeed.restype = None
    lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
    options = INITIALIZE_PHONEME_EVENTS | INITIALIZE_PHONEME_IPA | INITIALIZE_DONT_EXIT
    sr_hz = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), options)
    if sr_hz <= 0:
        raise RuntimeError(f"espeak_Initialize failed ({sr_hz})")
    # espeak_Initialize seeds espeak's own random generator with time(NULL); the
    # breath noise of voice variants (``breath`` in voices/!v/f2...) draws from it,
    # so the same line sounded different from one second to the next. A fixed seed
    # makes every utterance of a fresh process byte-identical.
    lib.espeak_ng_SetRandSeed(RAND_SEED)
    return lib, sr_hz


def _voices(lib: ctypes.CDLL) -> list[dict]:
    """Every installed voice: name, identifier and language codes."""
    out = []
    table = lib.espeak_ListVoices(None)
    i = 0
    while table[i]:
        v = table[i].contents
        langs = []
        p = v.languages
        while p and ctypes.string_at(p, 1) != b"\0":
            name = ctypes.string_at(p + 1)  # skip the priority byte
            langs.append(name.decode())
            p += 1 + len(name) + 1
        identifier = v.identifier.decode()
        out.append(
            {
                "name": v.name.decode(),
                "identifier": identifier,
                "languages": langs,
                "has_dictionary": _has_dictionary(identifier, langs),
            }
        )
        i += 1
    return out


def _has_dictionary(identifier: str, languages: list[str]) -> bool:
    """Whether the voice's pronunciation dictionary ships (a few voices lack theirs)."""
    data = os.environ["ESPEAK_DATA_PATH"]
    dictionary = languages[0].split("-")[0] if languages else identifier.split("/")[-1]
    try:
        with open(os.path.join(data, "lang", identifier), encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "dictionary":
                    dictionary = parts[1]
    except OSError:
        pass  # variants and mbrola voices have no file here: use the default name
    return os.path.exists(os.path.join(data, f"{dictionary}_dict"))


def _speak(lib: ctypes.CDLL, sr_hz: int, req: dict) -> tuple[dict, bytes]:
    pcm: list[bytes] = []
    events: list[list] = []
    max_samples = int(req.get("max_samples") or 0)
    made = [0]  # samples so far

    def on_audio(wav, n_samples, ev):
        if n_samples > 0:
            pcm.append(ctypes.string_at(wav, 2 * n_samples))
            made[0] += n_samples
        i = 0
        while ev[i].type != EVENT_LIST_TERMINATED:
            e = ev[i]
            if e.type == EVENT_PHONEME:
                value = e.id.string.decode("utf-8", "replace")
                events.append(["phoneme", e.sample, e.text_position, e.length, value])
            elif e.type == EVENT_WORD:
                events.append(["word", e.sample, e.text_position, e.length, e.id.number])
            elif e.type == EVENT_END:
                events.append(["end", e.sample, e.text_position, e.length, 0])
            i += 1
        return 1 if max_samples and made[0] > max_samples else 0  # 1 stops espeak

    callback = _Callback(on_audio)  # keep a reference while espeak may call it
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(req["voice"].encode()) != 0:
        raise RuntimeError(f"espeak could not load voice {req['voice']!r}")
    lib.espeak_SetParameter(PARAM_RATE, int(req["rate_wpm"]), 0)
    lib.espeak_SetParameter(PARAM_PITCH, int(req["pitch"]), 0)
    text = req["text"].encode("utf-8")
    err = lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
    if err != 0:
        raise RuntimeError(f"espeak_Synth failed ({err})")
    lib.espeak_Synchronize()
    audio = b"".join(pcm)
    voice_identifier = lib.espeak_GetCurrentVoice().contents.identifier.decode()
    header = {
        "sr_hz": sr_hz,
        "n_samples": len(audio) // 2,
        "events": events,
        "voice_identifier": voice_identifier,
        "stopped": bool(max_samples and made[0] > max_samples),
    }
    return header, audio


def _phonemes(lib: ctypes.CDLL, req: dict) -> dict:
    """Each word's phonemes as espeak-ng reads the word on its own (IPA, one list a word)."""
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    if lib.espeak_SetVoiceByName(req["voice"].encode()) != 0:
        raise RuntimeError(f"espeak could not load voice {req['voice']!r}")
    mode = PHONEMES_IPA | (ord(" ") << 8)  # IPA, phonemes separated by spaces
    out = []
    for word in req["words"]:
        buf = ctypes.create_string_buffer(word.encode("utf-8"))
        ptr = ctypes.c_char_p(ctypes.addressof(buf))
        phonemes: list[str] = []
        while ptr.value:  # one clause per call; the pointer moves on
            said = lib.espeak_TextToPhonemes(ctypes.byref(ptr), CHARS_UTF8, mode)
            phonemes += (said or b"").decode("utf-8", "replace").split()
        out.append(phonemes)
    return {"phonemes": out}


def main() -> int:
    out = sys.stdout.buffer
    try:
        req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        lib, sr_hz = _load()
        if req["op"] == "voices":
            header, audio = {"voices": _voices(lib)}, b""
        elif req["op"] == "phonemes":
            header, audio = _phonemes(lib, req), b""
        else:
            header, audio = _speak(lib, sr_hz, req)
    except Exception as exc:  # reported to the parent as one JSON line
        out.write((json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n").encode())
        return 1
    out.write((json.dumps(header) + "\n").encode())
    out.write(audio)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
