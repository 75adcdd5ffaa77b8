"""HTTP servers on 127.0.0.1 for connector tests: a scripted one that answers from a queue and records
what it got, and the server underneath it that any fake tool can answer through."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (method, path with query, headers, body) -> (status, headers, body bytes)
Answer = Callable[[str, str, dict, bytes], tuple[int, dict, bytes]]


class LoopbackServer:
    """Answers every request through `answer`, on a free port of 127.0.0.1, while the `with` block lasts."""

    def __init__(self, answer: Answer, server_name: str | None = None):
        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, data = answer(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _answer

            def version_string(self) -> str:
                return server_name or super().version_string()  # a fake may answer as its tool does

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Loopback(LoopbackServer):
    def __init__(self):
        self.answers: deque = deque()  # (status, headers, body, delay_seconds)
        self.seen: list[dict] = []
        super().__init__(self._next)

    def _next(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        self.seen.append({"method": method, "path": path, "headers": headers, "body": body})
        status, answer_headers, answer, delay = self.answers.popleft() if self.answers else (200, {}, {}, 0)
        if delay:
            time.sleep(delay)  # only to make the client's own timeout fire
        return status, {"Content-Type": "application/json", **answer_headers}, json.dumps(answer).encode()

    def answer(self, status: int, body=None, headers: dict | None = None, delay: float = 0) -> Loopback:
        self.answers.append((status, headers or {}, {} if body is None else body, delay))
        return self
