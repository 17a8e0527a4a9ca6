"""Serves the trained model to the Rasa servers, so a new model goes live without a restart.

Rasa's own mechanism (the `models:` entry of endpoints.yml, Rasa docs "Model Storage: Load Model
from Server"): every `wait_time_between_pulls` seconds each Rasa process asks this URL for the
model with `If-None-Match: <the ETag of the model it runs>`. We answer 304 while the model is the
same, or 200 with the new file and its ETag. Rasa then loads it beside the running one and swaps
its message processor; a message already being handled finishes on the model it started with, and
a model that fails to load leaves the old one running (Rasa logs the error).

The ETag is the SHA-256 of the file's bytes. `scripts/train.py` publishes a model by renaming the
finished file over `var/models/assistant.tar.gz` (atomic on one filesystem), so a reader sees the
old file or the new one, never half of one. The bytes and their ETag come from the same read.

Bound to loopback by default: a model holds every training phrasing and is only for our own Rasa
processes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODEL_ROUTE = "/models/assistant.tar.gz"


@dataclass(frozen=True)
class _Snapshot:
    key: tuple[int, int, int]
    etag: str
    body: bytes


class ModelFile:
    """The published model file, read once per change of its inode, size or modification time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def current(self) -> _Snapshot | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if self._snapshot is None or self._snapshot.key != key:
                try:
                    with open(self.path, "rb") as handle:
                        stat = os.fstat(handle.fileno())
                        body = handle.read()
                except FileNotFoundError:
                    return None
                key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
                self._snapshot = _Snapshot(key, f'"{hashlib.sha256(body).hexdigest()}"', body)
            return self._snapshot


class ModelServer:
    """A small HTTP server in a background thread: GET/HEAD /models/assistant.tar.gz with ETags."""

    def __init__(self, model: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = ModelFile(model)
        self.pulls = 0  # requests answered with a model (200), for tests and logs
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{MODEL_ROUTE}"

    def start(self) -> ModelServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="model-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # the supervisor's terminal is the chat
                pass

            def do_HEAD(self) -> None:
                self._answer(send_body=False)

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def _answer(self, send_body: bool) -> None:
                if self.path.split("?", 1)[0] != MODEL_ROUTE:
                    self._empty(404)
                    return
                snapshot = server.model.current()
                if snapshot is None:
                    self._empty(404)  # Rasa treats 404 as "no model yet" and asks again later
                    return
                if snapshot.etag in _etags(self.headers.get("If-None-Match")):
                    self.send_response(304)
                    self.send_header("ETag", snapshot.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", snapshot.etag)
                self.send_header("filename", "assistant.tar.gz")  # the name Rasa saves it under
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(snapshot.body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(snapshot.body)
                    server.pulls += 1

            def _empty(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


def _etags(header: str | None) -> set[str]:
    """The entity tags of an If-None-Match header; Rasa sends back the ETag it got, as it got it."""
    if not header:
        return set()
    tags = {part.strip() for part in header.split(",") if part.strip()}
    return tags | {f'"{tag}"' for tag in tags if not tag.startswith('"')}
