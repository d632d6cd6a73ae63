"""Loopback HTTP servers on 127.0.0.1 for the hostile-upstream tests: a drip, a bomb, redirects.

``loopback(respond)`` serves every GET and POST with ``respond(handler, server)`` on its own thread and records
what arrived (path and headers; a POST's body too). Every answer loop is bounded and also ends when the test
leaves the block.
"""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DRIP_BYTES = 600  # a drip lasts 10 minutes at most, whoever forgets to stop it


@dataclass
class Server:
    """A running loopback server: its base URL and what it was asked."""

    url: str = ""
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path with query, headers)
    bodies: list[bytes] = field(default_factory=list)  # what each POST sent
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arrived(self) -> int:
        with self.lock:
            return len(self.seen)


Respond = Callable[[BaseHTTPRequestHandler, Server], None]


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up is what these tests do
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def loopback(respond: Respond) -> Iterator[Server]:
    server = Server()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with server.lock:
                server.seen.append((self.path, {name.lower(): value for name, value in self.headers.items()}))
            respond(self, server)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with server.lock:
                server.seen.append((self.path, {name.lower(): value for name, value in self.headers.items()}))
                server.bodies.append(body)
            respond(self, server)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = _Httpd(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield server
    finally:
        server.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    """A whole answer; header names use _ for - (``Content_Encoding="gzip"``)."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def drip(handler: BaseHTTPRequestHandler, server: Server, seconds_per_byte: float = 1.0) -> None:
    """A 200 whose body arrives one byte a second: each read succeeds, so no read timeout ever fires."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(DRIP_BYTES))
    handler.end_headers()
    for _ in range(DRIP_BYTES):
        if server.stopping.is_set():
            return
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(seconds_per_byte)


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of ``megabytes`` MB of zeros, built a megabyte at a time (about 1 KB per MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1_000_000)
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


def peak_bytes_while(action: Callable[[], object]) -> int:
    """Peak Python heap (tracemalloc) above the start while ``action`` runs."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak - start
