"""A loopback HTTP server that answers as a broken or hostile source would: any bytes, at any pace.

pytest-httpserver answers well-formed HTTP from one thread; a source the attacker can slow down
drips its status line, headers or body a byte at a time and never closes, so this server writes raw
bytes, one thread per connection, and gives up as soon as the client hangs up.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

# One answer: (seconds to wait, bytes to send) pairs, sent in order.
Script = Iterable[tuple[float, bytes]]


def http_response(
    body: bytes, status: str = "200 OK", content_type: str = "application/json"
) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


def drip(data: bytes, every: float) -> Script:
    """`data` one byte at a time, `every` seconds apart."""
    return ((every, data[i : i + 1]) for i in range(len(data)))


class HostileServer:
    """Answers each request with `answer(query) -> Script`, `query` being the PromQL (or "")."""

    def __init__(self, answer: Callable[[str], Script]) -> None:
        self.answer = answer
        self.requests = 0
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.requests += 1
                query = _read_request(self.request)
                try:
                    for delay, chunk in outer.answer(query):
                        if delay:
                            time.sleep(delay)
                        self.request.sendall(chunk)
                except OSError:  # the client hung up: stop talking
                    return

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def _read_request(conn: socket.socket) -> str:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return ""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return parse_qs(body.decode("utf-8", "replace")).get("query", [""])[0]
