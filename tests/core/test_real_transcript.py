"""`scripts/real_transcript.py` asks every question as a new user's first message, on every run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from scripts.real_transcript import main


@pytest.fixture()
def assistant() -> Iterator[tuple[str, list[str]]]:
    """A stand-in REST channel that answers like the assistant does to a repeated question: the first
    message of a conversation gets an offer, a repeat in the same conversation a different reply."""
    senders: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            repeat = body["sender"] in senders
            senders.append(body["sender"])
            reply = [{"recipient_id": body["sender"], "text": "fallback" if repeat else "Maksud Anda…?"}]
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/rest/webhook", senders
    finally:
        server.shutdown()
        server.server_close()


def test_a_second_run_the_same_day_starts_fresh_conversations(tmp_path: Path, assistant: tuple[str, list[str]]) -> None:
    url, senders = assistant
    questions = tmp_path / "questions.yml"
    questions.write_text(yaml.safe_dump([{"q": "iuran jkm brp"}, {"q": "cara klaim jht"}]))
    transcript = tmp_path / "transcript.yml"
    assert main([str(questions), str(transcript), "--url", url]) == 0
    first = yaml.safe_load(transcript.read_text())
    assert main([str(questions), str(transcript), "--url", url]) == 0
    second = yaml.safe_load(transcript.read_text())
    assert len(senders) == 4 and len(set(senders)) == 4, "each question of each run is a new conversation"
    assert [t["reply"] for t in second] == [t["reply"] for t in first]
    assert all(t["reply"][0]["text"] == "Maksud Anda…?" for t in second)
