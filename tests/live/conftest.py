"""Live tests: a show served from a background thread, viewers in the test's own loop."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from engine.live.server import LiveServer
from engine.live.session import open_session

SCENES = Path(__file__).resolve().parents[2] / "scenes"
SIZE = (512, 512)
END_TO_END = ("test_server.py", "test_record.py", "test_browser.py", "test_av_sync.py")


def pytest_collection_modifyitems(items):
    """The server, the recording and the browser run a show end to end: marked slow."""
    for item in items:
        if Path(item.path).parent == Path(__file__).parent and item.path.name in END_TO_END:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def live_scene(tmp_path_factory) -> Path:
    """scenes/live-portrait.yaml with its photo, in a folder of its own."""
    folder = tmp_path_factory.mktemp("live-scene")
    (folder / "assets").mkdir()
    shutil.copyfile(SCENES / "assets" / "grace-hopper.jpg", folder / "assets" / "grace-hopper.jpg")
    scene = folder / "live-portrait.yaml"
    shutil.copyfile(SCENES / "live-portrait.yaml", scene)
    return scene


@pytest.fixture(scope="session")
def neural_scene(live_scene) -> Path:
    """The live scene with grace's voice the neural one (``piper:en_US-joe``)."""
    scene = live_scene.with_name("live-portrait-neural.yaml")
    text = live_scene.read_text(encoding="utf-8")
    voice = "voice: {tts: en-us, rate: 160}"
    assert voice in text
    scene.write_text(text.replace(voice, "voice: {tts: piper:en_US-joe, rate: 160}"), "utf-8")
    return scene


class ServerThread:
    """A LiveServer on its own event loop in a thread; ``url`` once started."""

    def __init__(self, session, host: str = "127.0.0.1", *, diagnostics: bool = False):
        self.session = session
        self.diagnostics = diagnostics
        self.loop = asyncio.new_event_loop()
        self.server: LiveServer | None = None
        self.host = host
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = LiveServer(self.session, self.host, 0, diagnostics=self.diagnostics)
            self.loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_until_complete(self.server.run(signals=False))

    def start(self) -> ServerThread:
        self.thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        return self

    @property
    def url(self) -> str:
        return self.server.url.split("?")[0].rstrip("/")

    def stop(self) -> dict | None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.server.ended.set)
            self.thread.join(60)
        return self.server.result


@pytest.fixture(scope="module")
def served(live_scene, tmp_path_factory):
    """One show for a module's tests, recorded into a temporary folder."""
    record = tmp_path_factory.mktemp("live-record")
    session = open_session(live_scene, "grace", size=SIZE, record=record)
    thread = ServerThread(session).start()
    yield thread
    thread.stop()
