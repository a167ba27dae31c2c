"""The playground's server: the page, its commands, and a stream of frames.

Standard library only: :class:`http.server.ThreadingHTTPServer`, server-sent events for
the stream and JSON POSTs for the commands. Everything lives under ``/<token>/``, where the
token is a random secret printed in the page's address: the page's own files, its module
imports (relative, so they carry the token), ``events`` and ``command``. A request with a
missing or wrong token, or whose ``Host`` or ``Origin`` is not this server's own address,
gets 403: another page in the browser or another user of the machine cannot drive it.

One thread trains while the page plays; it and the commands take the session's lock, so a
command never sees half a step.
"""

from __future__ import annotations

import hmac
import json
import secrets
import shutil
import tempfile
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from ..errors import GlassnetError
from . import actions, views
from .session import Session

__all__ = ["PlaygroundServer"]

_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'"
FRAMES_PER_SECOND = 20  # while playing: the page redraws at most this often
MAX_BODY = 8 << 20  # bytes of a command (an uploaded CSV at most)


class PlaygroundServer(ThreadingHTTPServer):
    """Serve one :class:`Session` at ``http://host:port/<token>/``.

    Parameters
    ----------
    session : Session
    host : str
        The address to listen on; ``127.0.0.1`` keeps it to this machine.
    port : int
        0 picks a free port.
    """

    daemon_threads = True

    def __init__(self, session: Session, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), _Handler)
        self.session = session
        self.token = secrets.token_urlsafe(24)
        self.playing = False
        self.closing = False
        self.serving = False  # in serve_forever: close() must then wait for it to return
        self.notice = ""  # what the page should say about the training (e.g. why it stopped)
        self.uploads = tempfile.mkdtemp(prefix="glassnet-playground-")  # CSVs sent by the page
        self.changed = threading.Condition()
        self.frame_id, self.frame_json = 0, ""
        self.host_name = host
        self.publish()
        self.trainer = threading.Thread(target=self._train, name="playground-training", daemon=True)
        self.trainer.start()

    @property
    def url(self) -> str:
        return f"http://{self.host_name}:{self.server_address[1]}/{self.token}/"

    def allowed_hosts(self) -> set[str]:
        port = self.server_address[1]
        names = (
            {self.host_name, "127.0.0.1", "localhost"}
            if self.host_name
            in (
                "127.0.0.1",
                "localhost",
            )
            else {self.host_name}
        )
        return {f"{name}:{port}" for name in names}

    # -- frames ------------------------------------------------------------------------------
    def publish(self) -> None:
        """Compute a frame of the session now and wake the streams."""
        with self.session.lock:
            frame = views.frame(self.session)
        frame["playing"], frame["notice"] = self.playing, self.notice
        text = json.dumps(frame, separators=(",", ":"))
        with self.changed:
            self.frame_id += 1
            self.frame_json = text
            self.changed.notify_all()

    def _train(self) -> None:
        last = 0.0
        while not self.closing:
            if not self.playing:
                with self.changed:
                    self.changed.wait(0.2)
                continue
            try:
                with self.session.lock:
                    self.session.step_epoch()
                    stop_at = self.session.settings["stop_at"]
                    if stop_at and self.session.epoch >= stop_at:  # the epochs asked for
                        self.playing = False
            except GlassnetError as e:  # e.g. the loss became NaN: stop, and say so
                self.playing = False
                self.notice = f"training stopped: {e}"
            if time.perf_counter() - last >= 1 / FRAMES_PER_SECOND or not self.playing:
                last = time.perf_counter()
                self.publish()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until :meth:`close` (from another thread) or Ctrl-C."""
        self.serving = not self.closing
        try:
            if self.serving:
                super().serve_forever(poll_interval)
        finally:
            self.serving = False

    def close(self) -> None:
        """Stop training and the streams, then the server."""
        self.closing = True
        self.playing = False
        with self.changed:
            self.changed.notify_all()
        if self.serving:  # shutdown() waits for a serve_forever() that must be running
            self.shutdown()
        self.server_close()
        shutil.rmtree(self.uploads, ignore_errors=True)


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the terminal shows only the address line

    # -- the gate ---------------------------------------------------------------------------
    def _route(self) -> str | None:
        """The path below the token, or None after answering 403."""
        srv = self.server
        host = self.headers.get("Host", "")
        origin = self.headers.get("Origin")
        ok_origin = origin is None or origin in {f"http://{h}" for h in srv.allowed_hosts()}
        parts = urlsplit(self.path).path.split("/", 2)  # "", token, rest
        token = parts[1] if len(parts) > 1 else ""
        good_token = hmac.compare_digest(token.encode(), srv.token.encode())
        if host not in srv.allowed_hosts() or not ok_origin or not good_token:
            self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
            return None
        return parts[2] if len(parts) > 2 else ""

    def _send(self, status, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", _POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    # -- GET: the page and the stream --------------------------------------------------------
    def do_GET(self):  # noqa: N802 - the base class's name
        path = self._route()
        if path is None:
            return
        if path == "events":
            return self._stream()
        name = path or "index.html"
        static = resources.files(__package__).joinpath("static")
        files = {f.name: f for f in static.iterdir() if f.is_file()}
        suffix = "." + name.rsplit(".", 1)[-1]
        if name not in files or suffix not in _TYPES:  # no path ever leaves static/
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        self._send(HTTPStatus.OK, files[name].read_bytes(), _TYPES[suffix])

    def _stream(self) -> None:
        srv = self.server
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent, version = 0, None
        try:
            while not srv.closing:
                with srv.changed:
                    srv.changed.wait_for(lambda seen=sent: srv.frame_id != seen or srv.closing, 15)
                    fid, text = srv.frame_id, srv.frame_json
                if srv.closing:
                    break
                chunks = []
                with srv.session.lock:
                    if srv.session.version != version:
                        version = srv.session.version
                        points = json.dumps(views.points(srv.session), separators=(",", ":"))
                        chunks.append(f"event: data\ndata: {points}\n\n")
                if fid != sent:
                    chunks.append(f"event: frame\ndata: {text}\n\n")
                else:
                    chunks.append(": still here\n\n")  # keeps the connection from timing out
                sent = fid
                self.wfile.write("".join(chunks).encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed
        self.close_connection = True

    # -- POST: commands ----------------------------------------------------------------------
    def do_POST(self):  # noqa: N802 - the base class's name
        path = self._route()
        if path is None:
            return
        if path != "command":
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "a command is a JSON object"})
        try:
            message = json.loads(self.rfile.read(length))
        except ValueError:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "a command is a JSON object"})
        status, reply = actions.handle(self.server, message)
        self._answer(status, reply)

    def _answer(self, status, reply: dict) -> None:
        self._send(status, json.dumps(reply).encode(), "application/json")
