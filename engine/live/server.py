"""The live server: the web page, the HTTP API, the event stream and WebRTC (aiohttp).

    GET  /            the page: video and audio, a text box, expression buttons, transcript
    GET  /info        the show: character, size, fps, mouth box, label, state, recording
    GET  /transcript  every line so far, with its status and times
    GET  /events      WebSocket of JSON events: queued, speech_started, sentence,
                      speech_ended, dropped, idle, error, viewer, ended
    POST /offer       {sdp, type}: a WebRTC offer; answered with audio + video of the show
    POST /say         {text, mood?}: queue a line → 202 {line, sentences}
    POST /emote       {expression, intensity?, duration?}
    POST /interrupt   stop the line playing, drop the queue → {stopped, dropped}
    POST /end         end the show: the recording is published → {video, provenance}

Diagnostics, only when the server is made with ``diagnostics=True`` (tests and benches;
the product's routes never include them, a plain server answers 404):

    POST /test/flash  {count?, every?, skew?}: the flash-and-click test line (``Show.flash``)
                      → {frames, t_s, patch}; a ``flash`` event as each one goes out

Safe by default: bound to 127.0.0.1, where only requests naming this server as
their Host are served (no DNS rebinding). Bound to any other address, every
request needs the random token printed in the page's URL (``?token=``, or the
``X-Photoplay-Token`` header), but for the page's script, which holds nothing
of the show. POSTs must be JSON, so a web page elsewhere cannot
send them without a CORS preflight, which is never granted. Every refusal is a
JSON error with an HTTP status, ``{"error": {"code", "message", "hint"}}``, and
the server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import secrets
import signal
import time
from importlib import resources

from aiohttp import WSMsgType, web

from engine.errors import LiveError, PhotoplayError
from engine.live.session import Session

MAX_VIEWERS = 4
MAX_BODY_BYTES = 256 * 1024
RATE_PER_S, BURST = 5.0, 10  # control requests (say, emote, interrupt), token bucket
TRANSCRIPT_KEEP = 500
log = logging.getLogger("photoplay.live")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimit:
    """A token bucket: ``rate_per_s`` requests a second on average, ``burst`` at once."""

    def __init__(self, rate_per_s: float = RATE_PER_S, burst: int = BURST):
        self.rate, self.burst = rate_per_s, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            wait = (1.0 - self.tokens) / self.rate
            raise LiveError(
                f"more than {self.rate:g} requests a second (bursts of {self.burst})",
                status=429,
                code="rate-limited",
                hint=f"retry in {wait:.2f} s",
            )
        self.tokens -= 1.0


class LiveServer:
    """Serve one session (one presenter) on ``host:port``; ``run`` until the show ends."""

    def __init__(
        self, session: Session, host: str = "127.0.0.1", port: int = 0, *, diagnostics: bool = False
    ):
        self.session, self.show = session, session.show
        self.host, self.port = host, port
        self.diagnostics = diagnostics
        self.token = None if is_loopback(host) else secrets.token_urlsafe(18)
        self.limit = RateLimit()
        self.pcs: set = set()
        self.sockets: set[web.WebSocketResponse] = set()
        self.ended = asyncio.Event()
        self.result: dict | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.runner: web.AppRunner | None = None
        self.app = self._app()

    # -- set-up ------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_BODY_BYTES)
        app.router.add_get("/", self.page)
        app.router.add_get("/app.js", self.script)
        app.router.add_get("/info", self.info)
        app.router.add_get("/transcript", self.transcript)
        app.router.add_get("/events", self.events)
        app.router.add_post("/offer", self.offer)
        app.router.add_post("/say", self.say)
        app.router.add_post("/emote", self.emote)
        app.router.add_post("/interrupt", self.interrupt)
        app.router.add_post("/end", self.end)
        if self.diagnostics:
            app.router.add_post("/test/flash", self.flash)
        return app

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"

    async def start(self) -> None:
        """Bind, start the show, and serve (returns once listening; see ``url``)."""
        self.loop = asyncio.get_running_loop()
        self.show.on_event = self._from_show
        self.runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self.runner.cleanup()
            raise PhotoplayError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}",
                hint="choose another --port (0 picks a free one)",
            ) from None
        self.port = site._server.sockets[0].getsockname()[1]
        self.session.start()

    async def run(self, *, signals: bool = True) -> dict | None:
        """Serve until ``POST /end`` or SIGINT / SIGTERM; end the show and return what
        was recorded (``{"video", "provenance", "duration_s"}``) or None."""
        if signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.loop.add_signal_handler(sig, self.ended.set)
        try:
            await self.ended.wait()
        finally:
            if signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    self.loop.remove_signal_handler(sig)
            await self.close()
        return self.result

    async def close(self) -> dict | None:
        """End the show (publishing the recording) and stop serving. Idempotent."""
        if self.result is None and self.show.running:
            self.result = await asyncio.get_running_loop().run_in_executor(None, self._end_show)
            self._broadcast({"event": "ended", **(self.result or {})})
        for pc in list(self.pcs):
            await pc.close()
        for ws in list(self.sockets):
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        return self.result

    def _end_show(self) -> dict:
        recording = self.session.end()
        if recording is None:
            return {"video": None, "provenance": None, "duration_s": None}
        return {
            "video": str(recording.video),
            "provenance": str(recording.provenance),
            "duration_s": round(recording.duration_s, 3),
        }

    # -- guard: token, host, JSON errors -----------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        try:
            self._check_access(request)
            if request.method == "POST":
                kind = request.content_type
                if kind != "application/json":
                    raise LiveError(
                        f"send JSON (Content-Type: application/json), not {kind or 'nothing'}",
                        status=415,
                        code="not-json",
                    )
            return await handler(request)
        except LiveError as exc:
            return _error(exc)
        except web.HTTPRequestEntityTooLarge:
            return _error(
                LiveError(
                    f"the request is larger than {MAX_BODY_BYTES // 1024} KiB",
                    status=413,
                    code="too-large",
                    hint="send long text as several lines",
                )
            )
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code = exc.reason.lower().replace(" ", "-")
            return _error(LiveError(f"{exc.reason}: {request.path}", status=exc.status, code=code))
        except PhotoplayError as exc:
            return _error(LiveError(exc.message, status=400, code="refused", hint=exc.hint))
        except Exception as exc:  # the server keeps serving; one line in its log
            log.error("internal error on %s: %s: %s", request.path, type(exc).__name__, exc)
            return _error(LiveError(f"internal error: {type(exc).__name__}", status=500,
                                    code="internal"))  # fmt: skip

    def _check_access(self, request: web.Request) -> None:
        if self.token is not None and request.path != "/app.js":  # the page's code: public
            given = request.query.get("token") or request.headers.get("X-Photoplay-Token", "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                raise LiveError(
                    "this show needs its token",
                    status=401,
                    code="token",
                    hint="open the URL photoplay live printed (it ends in ?token=...)",
                )
            return
        host = request.host.rsplit(":", 1)[0].strip("[]") if request.host else ""
        if not is_loopback(host):
            raise LiveError(
                f"this show serves this machine only, not host {request.host!r}",
                status=403,
                code="host",
                hint="open http://127.0.0.1:PORT/, or bind elsewhere with --host (a token is made)",
            )

    async def _body(self, request: web.Request) -> dict:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise LiveError("the body is not valid JSON", code="bad-json") from None
        if not isinstance(body, dict):
            raise LiveError("the body must be a JSON object", code="bad-json")
        return body

    # -- pages -------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        text = resources.files("engine.live").joinpath("static/index.html").read_text("utf-8")
        return web.Response(text=text, content_type="text/html", headers=_NO_STORE)

    async def script(self, request: web.Request) -> web.Response:
        text = resources.files("engine.live").joinpath("static/app.js").read_text("utf-8")
        return web.Response(text=text, content_type="application/javascript", headers=_NO_STORE)

    async def info(self, request: web.Request) -> web.Response:
        performer, scene = self.session.performer, self.session.scene
        character = scene.characters[self.session.who]
        label = scene.ethics.label
        recorder = self.session.recorder
        return web.json_response(
            {
                "character": self.session.who,
                "name": character.display_name,
                "title": scene.title,
                "size": list(performer.size),
                "fps": self.show.fps,
                "sample_rate": self.show.sr_hz,
                "mouth_box": list(performer.mouth_box),
                "label": {"text": label.text, "position": label.position},
                "moods": list(_moods()),
                "expressions": self.show.expressions_allowed,
                "viewers": len(self.pcs),
                "recording": str(recorder.video) if recorder is not None else None,
                "state": self.show.state(),
            }
        )

    async def transcript(self, request: web.Request) -> web.Response:
        fps = self.show.fps
        lines = [line.summary(fps) for line in self.show.lines[-TRANSCRIPT_KEEP:]]
        return web.json_response({"lines": lines})

    # -- events ------------------------------------------------------------------------

    def _from_show(self, event: dict) -> None:
        """Called from the show's threads."""
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self.loop.call_soon_threadsafe(self._broadcast, event)

    def _broadcast(self, event: dict) -> None:
        text = json.dumps(event)
        for ws in list(self.sockets):
            if ws.closed:
                self.sockets.discard(ws)
                continue
            task = asyncio.ensure_future(ws.send_str(text))
            task.add_done_callback(_quiet)

    async def events(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20.0)
        await ws.prepare(request)
        self.sockets.add(ws)
        state = self.show.state()
        await ws.send_str(json.dumps({"event": "hello", **state}))
        try:
            async for message in ws:  # events flow out; anything sent in is ignored
                if message.type == WSMsgType.ERROR:
                    break
        finally:
            self.sockets.discard(ws)
        return ws

    # -- media -------------------------------------------------------------------------

    async def offer(self, request: web.Request) -> web.Response:
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        from engine.live.media import Feed, ShowAudio, ShowVideo

        body = await self._body(request)
        if not isinstance(body.get("sdp"), str) or body.get("type") != "offer":
            raise LiveError("send {sdp, type: 'offer'} from RTCPeerConnection.createOffer",
                            code="bad-offer")  # fmt: skip
        self._check_running()
        if len(self.pcs) >= MAX_VIEWERS:
            raise LiveError(
                f"this show already has {MAX_VIEWERS} viewers",
                status=503,
                code="viewers",
                hint="close another viewer's page first",
            )
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # local: no STUN to wait for
        self.pcs.add(pc)
        feed = Feed(self.show, asyncio.get_running_loop())

        @pc.on("connectionstatechange")
        async def changed():
            if pc.connectionState in ("failed", "closed"):
                feed.close()
                self.pcs.discard(pc)
                await pc.close()
                self._broadcast({"event": "viewer", "viewers": len(self.pcs)})

        try:
            await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "offer"))
            kinds = {t.kind for t in pc.getTransceivers()}
            if kinds != {"audio", "video"}:
                raise LiveError(
                    "the offer must ask for audio and video",
                    code="bad-offer",
                    hint="addTransceiver('audio') and addTransceiver('video'), recvonly",
                )
            pc.addTrack(ShowAudio(feed))
            pc.addTrack(ShowVideo(feed))
            await pc.setLocalDescription(await pc.createAnswer())
        except LiveError:
            feed.close()
            self.pcs.discard(pc)
            await pc.close()
            raise
        except ValueError as exc:
            feed.close()
            self.pcs.discard(pc)
            await pc.close()
            raise LiveError(f"bad offer: {exc}", code="bad-offer") from None
        self._broadcast({"event": "viewer", "viewers": len(self.pcs)})
        answer = pc.localDescription
        return web.json_response({"sdp": answer.sdp, "type": answer.type})

    # -- controls ----------------------------------------------------------------------

    def _check_running(self) -> None:
        if not self.show.running:
            raise LiveError("the show has ended", status=409, code="ended")

    async def say(self, request: web.Request) -> web.Response:
        self.limit.take()
        body = await self._body(request)
        self._check_running()
        unknown = sorted(set(body) - {"text", "mood"})
        if unknown:
            raise LiveError(f"unknown field(s) {unknown}", code="bad-field",
                            hint="send {text, mood}")  # fmt: skip
        line = self.show.say(body.get("text"), body.get("mood"))
        return web.json_response(
            {"line": line.id, "sentences": len(line.parts), "mood": line.mood}, status=202
        )

    async def emote(self, request: web.Request) -> web.Response:
        self.limit.take()
        body = await self._body(request)
        self._check_running()
        unknown = sorted(set(body) - {"expression", "intensity", "duration"})
        if unknown:
            raise LiveError(f"unknown field(s) {unknown}", code="bad-field",
                            hint="send {expression, intensity, duration}")  # fmt: skip
        done = self.show.emote(body.get("expression"), body.get("intensity"), body.get("duration"))
        return web.json_response(done)

    async def interrupt(self, request: web.Request) -> web.Response:
        self.limit.take()
        await self._body(request)
        self._check_running()
        return web.json_response(self.show.interrupt())

    async def flash(self, request: web.Request) -> web.Response:
        """Diagnostic: the flash-and-click test line (``Show.flash``)."""
        from engine.live.show import FLASH_PATCH

        self.limit.take()
        body = await self._body(request)
        self._check_running()
        unknown = sorted(set(body) - {"count", "every", "skew"})
        if unknown:
            raise LiveError(f"unknown field(s) {unknown}", code="bad-field",
                            hint="send {count, every, skew}")  # fmt: skip
        frames = self.show.flash(body.get("count", 5), body.get("every", 1.0), body.get("skew", 0))
        fps = self.show.fps
        return web.json_response(
            {
                "frames": frames,
                "t_s": [round(k / fps, 4) for k in frames],
                "patch": [0, 0, FLASH_PATCH, FLASH_PATCH],
            }
        )

    async def end(self, request: web.Request) -> web.Response:
        await self._body(request)
        self._check_running()
        self.result = await asyncio.get_running_loop().run_in_executor(None, self._end_show)
        self._broadcast({"event": "ended", **self.result})
        self.ended.set()
        return web.json_response(self.result)


_NO_STORE = {"Cache-Control": "no-store"}


def _moods() -> tuple[str, ...]:
    from engine.live.show import MOODS

    return MOODS


def _error(exc: LiveError) -> web.Response:
    headers = {}
    if exc.status == 429 and "retry in" in exc.hint:
        headers["Retry-After"] = "1"
    body = {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
    return web.json_response(body, status=exc.status, headers=headers)


def _quiet(task: asyncio.Future) -> None:
    with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
        task.result()
