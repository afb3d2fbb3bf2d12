"""The classroom's web server: Starlette routes over :class:`~negsim.app.classroom.rooms.Classroom`,
live updates by server-sent events, and ``negsim-classroom`` (``main``).

``negsim-classroom [--host 0.0.0.0] [--port 8000] [--db outputs/classroom.sqlite] [--public-url URL]``
prints the teacher's link (with the teacher key), the students' join link and a QR code
of it, then serves until Ctrl-C. One process serves the class (the live updates are in
its memory; the state is in the SQLite file, so a restart on the same file carries on).

Routes (``K`` the teacher key, as ``?key=K`` or the header ``X-Teacher-Key``; ``T`` a
student's secret token)::

    GET  /healthz                          {"ok": true}
    GET  /?key=K[&room=CODE]               the teacher's page (without a key: to /join)
    POST /rooms                 K          create a room           {"scenario", "rounds", "show_table", "ceasefire_days", "knobs"}
    GET  /rooms/CODE            K          the room (JSON)
    GET  /rooms/CODE/panel?part=controls|live   K   fragments of the teacher's page
    GET  /rooms/CODE/dashboard  K          the class against the model (JSON)
    POST /rooms/CODE/rounds     K          start the next round    {"knobs": {...}} optional
    POST /rooms/CODE/rounds/N/pause|resume|close   K
    POST /rooms/CODE/leverage   K          the next round's leverage {"knobs": {...}}
    POST /rooms/CODE/close      K          close the room
    GET  /rooms/CODE/events     K          server-sent events: the room changed
    GET  /rooms/CODE/moves.csv|moves.json  K   the export (negsim.io.moves)
    GET  /join[?room=CODE]                 the join page
    POST /join                             {"room", "nickname"} -> 201 {"token", "url", "participant"}
    GET  /p/T                              the student's page
    GET  /p/T/state                        the student's view (JSON)
    GET  /p/T/panel                        its live fragment
    POST /p/T/moves                        {"round", "stage", "day", "action"}
    GET  /p/T/events                       server-sent events: the student's view changed
    GET  /explorer[?scenario=S]            sliders for the mediator knobs
    GET  /explorer/view?scenario=S&KNOB=V  negsim.viz.explorer.explorer_view as JSON
    GET  /static/...                       the stylesheet and the script

POST bodies are JSON or an HTML form (``application/x-www-form-urlencoded``; a form's
``knobs.NAME`` fields make the ``knobs`` object), at most :data:`MAX_BODY` bytes; a form
post that succeeds is answered by a redirect (303) to the page. Every refusal is a 4xx
with one line of JSON, ``{"error": "..."}``, and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from negsim.app.classroom import pages
from negsim.app.classroom.rooms import (
    SCENARIOS,
    Classroom,
    Refused,
    default_knobs,
    knobs_json,
    parse_knobs,
    round_model,
)
from negsim.app.classroom.store import Store
from negsim.model.scenario import MEDIATOR_KNOBS

#: Largest request body accepted (bytes).
MAX_BODY = 4096
#: Seconds between keep-alive comments on an idle event stream.
KEEPALIVE = 15.0
#: Seconds the teacher's stream waits to gather changes into one event (30 moves, one refresh).
TEACHER_COALESCE = 0.4
STATIC = Path(__file__).parent / "static"
log = logging.getLogger("negsim.classroom")


# --- live updates ----------------------------------------------------------------------------


@dataclass(eq=False)
class _Listener:
    room: str
    participant: int | None  # None: the teacher (every change)
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)


class Broker:
    """Who is listening to which room; :meth:`notify` wakes the listeners whose view changed."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[_Listener]] = {}
        self._lock = threading.Lock()

    def listen(self, room: str, participant: int | None) -> _Listener:
        listener = _Listener(room, participant, asyncio.get_running_loop())
        with self._lock:
            self._listeners.setdefault(room, set()).add(listener)
        return listener

    def leave(self, listener: _Listener) -> None:
        with self._lock:
            self._listeners.get(listener.room, set()).discard(listener)

    def notify(self, room: str, participants: set[int] | None) -> None:
        with self._lock:
            woken = [x for x in self._listeners.get(room, ())
                     if x.participant is None or participants is None or x.participant in participants]
        for x in woken:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is x.loop:
                x.event.set()
            else:
                x.loop.call_soon_threadsafe(x.event.set)


async def _events(broker: Broker, room: str, participant: int | None, coalesce: float) -> AsyncIterator[str]:
    """An event stream: one ``state`` event at once, then one after every change of the view of
    ``participant`` (None: the teacher, every change of the room, gathered over ``coalesce`` s)."""
    listener = broker.listen(room, participant)
    try:
        yield "retry: 2000\n\nevent: state\ndata: {}\n\n"
        while True:
            try:
                await asyncio.wait_for(listener.event.wait(), timeout=KEEPALIVE)
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if coalesce:
                await asyncio.sleep(coalesce)
            listener.event.clear()
            yield "event: state\ndata: {}\n\n"
    finally:
        broker.leave(listener)


# --- requests --------------------------------------------------------------------------------


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_payload(request: Request) -> tuple[Any, bool]:
    """The request's body as data, and whether it was a form; a :class:`Refused` for a body that is
    too large, malformed or of another type."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise Refused(413, f"request body too large (limit {MAX_BODY} bytes)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refused(413, f"request body too large (limit {MAX_BODY} bytes)")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body.strip():
        return {}, ctype == "application/x-www-form-urlencoded"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "request body is not UTF-8") from None
    if ctype == "application/json":
        try:
            return json.loads(text), False
        except ValueError:
            raise Refused(400, "malformed JSON body") from None
    if ctype == "application/x-www-form-urlencoded":
        data: dict[str, Any] = {}
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise Refused(400, "malformed form body") from None
        for key, value in pairs:
            target, name = data, key
            if key.startswith("knobs."):
                target, name = data.setdefault("knobs", {}), key[len("knobs."):]
            if name in target:
                raise Refused(400, f"field {key!r} given twice")
            target[name] = value
        return data, True
    raise Refused(415, "unsupported content type; send application/json or an HTML form")


def _teacher_key(request: Request) -> str | None:
    return request.headers.get("x-teacher-key") or request.query_params.get("key")


class Server:
    """The routes' shared state: the classroom, its broker and the public address."""

    def __init__(self, db: str | Path, public_url: str = "") -> None:
        self.broker = Broker()
        self.store = Store(db)
        self.store.start_checkpoints()
        self.classroom = Classroom(self.store, notify=self.broker.notify)
        self.public_url = public_url.rstrip("/")
        # The explorer's figures one at a time, in a thread of their own (0.15-0.2 s each;
        # matplotlib's state is not shared between threads), never holding up the others.
        self._explorer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="negsim-explorer")
        threading.Thread(target=self._warm, name="negsim-classroom-warm", daemon=True).start()

    def _warm(self) -> None:
        """Solve each scenario at its own leverage and import what the pages use, off the event
        loop, so the first requests of a class do not wait for it."""
        from negsim.model.rollout import wilson_interval

        wilson_interval(1, 2)
        for name in SCENARIOS:
            round_model(name, knobs_json(default_knobs(name)))
        for room in self.store.rooms():
            for rnd in self.store.rounds(room["code"]):
                round_model(room["scenario"], rnd["knobs"])

    # --- helpers ---------------------------------------------------------------------------

    def teacher(self, request: Request) -> str:
        key = _teacher_key(request)
        if not key:
            raise Refused(403, "teacher key required")
        if not self.classroom.is_teacher(key):
            raise Refused(403, "wrong teacher key")
        return key

    def base(self, request: Request) -> str:
        return self.public_url or str(request.base_url).rstrip("/")

    def join_url(self, request: Request, code: str | None = None) -> str:
        return f"{self.base(request)}/join" + ("" if code is None else f"?room={code}")

    def code(self, request: Request) -> str:
        code = str(request.path_params["code"])
        self.classroom.room(code)
        return code

    # --- pages -----------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def favicon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def home(self, request: Request) -> Response:
        if not _teacher_key(request):
            return RedirectResponse("/join", status_code=303)
        key = self.teacher(request)
        rooms = self.store.rooms()
        code = request.query_params.get("room") or (rooms[-1]["code"] if rooms else None)
        if code is None:
            return HTMLResponse(pages.teacher_page(key, rooms, None))
        view = self.classroom.teacher_view(code)
        return HTMLResponse(pages.teacher_page(key, rooms, view, self._controls(request, view), self._live(view, key)))

    def _controls(self, request: Request, view: dict[str, Any]) -> str:
        url = self.join_url(request, view["room"])
        return pages.teacher_controls(view, url, _qr_svg(url))

    def _live(self, view: dict[str, Any], key: str) -> str:
        return pages.teacher_live(view, self.classroom.dashboard(view["room"], wait=False), key)

    async def teacher_panel(self, request: Request) -> Response:
        key = self.teacher(request)
        view = self.classroom.teacher_view(self.code(request))
        part = request.query_params.get("part", "live")
        if part == "controls":
            return HTMLResponse(self._controls(request, view))
        if part != "live":
            raise Refused(400, "part: expected 'controls' or 'live'")
        return HTMLResponse(self._live(view, key))

    async def join_page(self, request: Request) -> Response:
        return HTMLResponse(pages.join_page(request.query_params.get("room", "")[:16]))

    async def join(self, request: Request) -> Response:
        payload, form = await read_payload(request)
        token, row = self.classroom.join(payload)
        url = f"/p/{token}"
        if form:
            return RedirectResponse(url, status_code=303)
        return JSONResponse({"token": token, "url": url, "participant": f"p{row['number']}", "room": row["room"]},
                            status_code=201)

    async def student_page(self, request: Request) -> Response:
        token = str(request.path_params["token"])
        return HTMLResponse(pages.student_page(self.classroom.student_view(token), token))

    async def student_state(self, request: Request) -> Response:
        return JSONResponse(self.classroom.student_view(str(request.path_params["token"])))

    async def student_panel(self, request: Request) -> Response:
        token = str(request.path_params["token"])
        return HTMLResponse(pages.student_panel(self.classroom.student_view(token), token))

    async def move(self, request: Request) -> Response:
        token = str(request.path_params["token"])
        self.classroom.participant(token)  # a forged link is refused before its body is read
        payload, form = await read_payload(request)
        view = self.classroom.submit(token, payload)
        if form:
            return RedirectResponse(f"/p/{token}", status_code=303)
        return JSONResponse(view, status_code=201)

    async def student_events(self, request: Request) -> Response:
        me = self.classroom.participant(str(request.path_params["token"]))
        self.classroom.seen(me)
        return _stream(_events(self.broker, me["room"], me["id"], 0.0))

    # --- the teacher's actions --------------------------------------------------------------

    async def _act(self, request: Request, action, payload: Any = None) -> Response:
        key = self.teacher(request)
        if payload is None:
            payload, form = await read_payload(request)
        else:
            form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        result = action(payload)
        if form:
            code = request.path_params.get("code") or result.get("room")
            return RedirectResponse(f"/?key={quote(key, safe='')}&room={code}", status_code=303)
        return JSONResponse(result, status_code=201 if request.url.path == "/rooms" else 200)

    async def create_room(self, request: Request) -> Response:
        return await self._act(request, lambda p: {"room": self.classroom.create_room(p)})

    async def room_state(self, request: Request) -> Response:
        self.teacher(request)
        return JSONResponse(self.classroom.teacher_view(self.code(request)))

    async def room_dashboard(self, request: Request) -> Response:
        self.teacher(request)
        code = self.code(request)  # the fits are computed here (0.1-1 s each): not on the event loop
        return JSONResponse(await asyncio.get_running_loop().run_in_executor(None, self.classroom.dashboard, code))

    async def start_round(self, request: Request) -> Response:
        self.teacher(request)
        code = self.code(request)
        payload, _ = await read_payload(request)
        # The round's game is solved in a thread first (tens of ms), so the event loop keeps serving.
        leverage = self.classroom.next_leverage(code, payload)
        await asyncio.get_running_loop().run_in_executor(None, round_model, self.classroom.room(code)["scenario"],
                                                         leverage)
        return await self._act(request, lambda p: {"room": code, "round": self.classroom.start_round(code, p)},
                               payload)

    async def round_action(self, request: Request) -> Response:
        self.teacher(request)
        code = self.code(request)
        number, what = request.path_params["number"], request.path_params["action"]
        act = {"pause": self.classroom.pause_round, "resume": self.classroom.resume_round,
               "close": self.classroom.close_round}.get(what)
        if act is None:
            raise Refused(404, f"no round action {what!r}; expected pause, resume or close")

        def run(payload: Any) -> dict[str, Any]:
            if payload:
                raise Refused(400, f"{what} takes no fields")
            act(code, number)
            rnd = self.store.round(code, int(number))
            return {"room": code, "round": int(number), "state": None if rnd is None else rnd["state"]}

        return await self._act(request, run)

    async def leverage(self, request: Request) -> Response:
        self.teacher(request)
        code = self.code(request)
        return await self._act(request, lambda p: {"room": code, "knobs": self.classroom.set_leverage(code, p)})

    async def close_room(self, request: Request) -> Response:
        self.teacher(request)
        code = self.code(request)

        def run(payload: Any) -> dict[str, Any]:
            if payload:
                raise Refused(400, "close takes no fields")
            self.classroom.close_room(code)
            return {"room": code, "state": "closed"}

        return await self._act(request, run)

    async def room_events(self, request: Request) -> Response:
        self.teacher(request)
        return _stream(_events(self.broker, self.code(request), None, TEACHER_COALESCE))

    async def export(self, request: Request) -> Response:
        from negsim.io.moves import moves_csv

        self.teacher(request)
        code = self.code(request)
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "json"):
            raise Refused(404, "not found")
        if fmt == "csv":
            return PlainTextResponse(moves_csv(self.classroom.export_rows(code)), media_type="text/csv",
                                     headers={"Content-Disposition": f'attachment; filename="{code}-moves.csv"'})
        return JSONResponse(self.classroom.export_json(code),
                            headers={"Content-Disposition": f'attachment; filename="{code}-moves.json"'})

    # --- the explorer -----------------------------------------------------------------------

    def _explorer_args(self, request: Request) -> tuple[str, dict[str, float]]:
        q = request.query_params
        extra = sorted(set(q) - {"scenario", *MEDIATOR_KNOBS})
        if extra:
            raise Refused(400, f"unknown parameter {extra[0]!r}; expected scenario or a mediator knob")
        scenario = q.get("scenario", "istanbul_round2")
        if scenario not in SCENARIOS:
            raise Refused(400, f"scenario: unknown scenario {scenario!r}; expected one of: {', '.join(SCENARIOS)}")
        return scenario, parse_knobs({k: q[k] for k in MEDIATOR_KNOBS if k in q}, default_knobs(scenario))

    @staticmethod
    def _explorer_view(scenario: str, knobs: dict[str, float]) -> dict[str, str]:
        """:func:`negsim.viz.explorer.explorer_view`'s four fragments; a 400 for knobs it refuses."""
        from negsim.errors import NegsimError
        from negsim.viz.explorer import explorer_view

        try:
            view = explorer_view(scenario, knobs)
        except NegsimError as exc:
            raise Refused(400, " ".join(str(exc).split())) from None
        return {k: str(view[k]) for k in pages.EXPLORER_PARTS}

    async def _explorer_async(self, scenario: str, knobs: dict[str, float]) -> dict[str, str]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._explorer_pool, self._explorer_view, scenario, knobs)

    async def explorer(self, request: Request) -> Response:
        scenario, knobs = self._explorer_args(request)
        return HTMLResponse(pages.explorer_page(scenario, knobs, await self._explorer_async(scenario, knobs), None))

    async def explorer_data(self, request: Request) -> Response:
        scenario, knobs = self._explorer_args(request)
        return JSONResponse(await self._explorer_async(scenario, knobs))


@functools.lru_cache(maxsize=32)
def _qr_svg(url: str) -> str:
    """A QR code of ``url`` as an inline ``<svg>`` (segno)."""
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=4))


def _stream(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# --- the application -------------------------------------------------------------------------


#: Nothing from elsewhere; scripts only from the server's own file. Inline style attributes are
#: allowed: the explorer's figure (matplotlib's SVG) is drawn with them, and they run nothing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class Headers:
    """Security headers on every response, ``Cache-Control: no-store`` on all but static files, and
    ``Server-Timing`` (milliseconds until the response started)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                         (b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
                         (b"server-timing", f"app;dur={(time.perf_counter() - start) * 1e3:.2f}".encode())]
                if not static and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return error(exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    words = {404: "not found", 405: "method not allowed"}
    return error(exc.status_code, words.get(exc.status_code, str(exc.detail).lower()))


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("negsim-classroom: %s %s failed", request.method, request.url.path)
    return error(500, "internal error")


def _resolve_anyio() -> None:
    """Import every name of anyio now: anyio imports its API on first use, and Starlette
    reaches some of it only mid-request (``anyio.open_file`` for a static file,
    ``anyio.to_thread``). A server run in a thread beside other work (the tests' servers)
    would then import in that thread, and CPython 3.11's parser is not safe in two threads
    at once: an import hook that parses (pytest's) failed a request with "AST constructor
    recursion depth mismatch". About 30 ms, once."""
    import anyio

    for name in dir(anyio):
        if not name.startswith("_"):
            getattr(anyio, name)


def create_app(db: str | Path, *, public_url: str = "") -> Starlette:
    """The classroom's ASGI application on the SQLite file ``db``.

    Parameters
    ----------
    db : str or Path
        The database (created if missing; a restart on the same file carries on).
    public_url : str, optional
        The address students use (``http://192.168.1.5:8000``), for the join link and its QR
        code; default the address of each request.

    Returns
    -------
    Starlette
        With ``app.state.server`` (the :class:`Server`: its classroom, store and broker).
    """
    _resolve_anyio()
    server = Server(db, public_url)
    s = server
    routes = [
        Route("/healthz", s.healthz),
        Route("/favicon.ico", s.favicon),
        Route("/", s.home),
        Route("/join", s.join_page, methods=["GET"]),
        Route("/join", s.join, methods=["POST"]),
        Route("/p/{token}", s.student_page),
        Route("/p/{token}/state", s.student_state),
        Route("/p/{token}/panel", s.student_panel),
        Route("/p/{token}/moves", s.move, methods=["POST"]),
        Route("/p/{token}/events", s.student_events),
        Route("/rooms", s.create_room, methods=["POST"]),
        Route("/rooms/{code}", s.room_state),
        Route("/rooms/{code}/panel", s.teacher_panel),
        Route("/rooms/{code}/dashboard", s.room_dashboard),
        Route("/rooms/{code}/rounds", s.start_round, methods=["POST"]),
        Route("/rooms/{code}/rounds/{number:int}/{action}", s.round_action, methods=["POST"]),
        Route("/rooms/{code}/leverage", s.leverage, methods=["POST"]),
        Route("/rooms/{code}/close", s.close_room, methods=["POST"]),
        Route("/rooms/{code}/events", s.room_events),
        Route("/rooms/{code}/moves.{fmt:str}", s.export),
        Route("/explorer", s.explorer),
        Route("/explorer/view", s.explorer_data),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={Refused: _refused, HTTPException: _http_error,
                                                       Exception: _crash})
    app.state.server = server
    app.add_middleware(Headers)
    return app


# --- the command -----------------------------------------------------------------------------


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negsim-classroom",
        description="A whole seminar plays the Pakistan-Afghanistan talks at once, in the browser: prints the "
        "teacher's link and the students' join link (with a QR code), then serves until Ctrl-C.")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0: the local network)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--db", default=str(Path("outputs") / "classroom.sqlite"),
                        help="SQLite file of the class (default outputs/classroom.sqlite, its folder made if "
                        "missing; reused on a restart)")
    parser.add_argument("--public-url", default="",
                        help="the address students type, if not http://<this machine>:<port>")
    parser.add_argument("--no-qr", action="store_true", help="do not print the QR code")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``negsim-classroom``: see the module docstring."""
    import uvicorn

    args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    if not 0 < args.port < 65536:
        print(f"negsim: error: --port: expected 1-65535, got {args.port}", file=sys.stderr)
        return 2
    host = lan_address() if args.host in ("0.0.0.0", "::", "") else args.host
    public = args.public_url.rstrip("/") or f"http://{host}:{args.port}"
    try:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        app = create_app(args.db, public_url=public)
    except Exception as exc:  # an unreadable database file
        print(f"negsim: error: --db {args.db}: {exc}", file=sys.stderr)
        return 2
    key = app.state.server.classroom.teacher_key
    print(f"negsim-classroom: the class is in {Path(args.db).resolve()}")
    print(f"Teacher (keep this link to yourself): {public}/?key={quote(key, safe='')}")
    print(f"Students join at: {public}/join")
    if not args.no_qr:
        import segno

        segno.make(f"{public}/join", error="m").terminal(compact=True)
    print("Ctrl-C stops the server; start it again with the same --db to carry on.", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=2)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
