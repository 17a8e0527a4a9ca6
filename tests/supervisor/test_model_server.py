"""The model server answers Rasa's pulls the way Rasa's agent expects (rasa/core/agent.py)."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.train import publish
from supervisor.model_server import ModelServer


def get(url: str, etag: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ModelServer]:
    running = ModelServer(tmp_path / "models" / "assistant.tar.gz").start()
    yield running
    running.stop()


def test_no_model_yet_is_404_which_rasa_retries(server: ModelServer) -> None:
    assert get(server.url)[0] == 404


def test_etag_is_the_content_hash_and_unchanged_model_is_304(server: ModelServer, tmp_path: Path) -> None:
    staged = tmp_path / "staged.tar.gz"
    staged.write_bytes(b"model one")
    publish(staged, server.model.path)
    status, headers, body = get(server.url, etag="a-random-fingerprint")  # what Rasa sends at start
    assert status == 200 and body == b"model one"
    assert headers["ETag"] == f'"{hashlib.sha256(b"model one").hexdigest()}"'
    assert headers["filename"] == "assistant.tar.gz"
    assert get(server.url, etag=headers["ETag"])[0] == 304
    assert get(server.url, etag=headers["ETag"].strip('"'))[0] == 304  # unquoted, as some clients send
    assert server.pulls == 1


def test_a_published_model_changes_the_etag(server: ModelServer, tmp_path: Path) -> None:
    for content in (b"model one", b"model two"):
        staged = tmp_path / "staged.tar.gz"
        staged.write_bytes(content)
        publish(staged, server.model.path)
        if content == b"model one":
            first = get(server.url)[1]["ETag"]
    status, headers, body = get(server.url, etag=first)
    assert status == 200 and body == b"model two" and headers["ETag"] != first
    assert not staged.exists(), "published by rename, not by copy"


def test_same_size_rewrite_in_the_same_second_is_seen(server: ModelServer, tmp_path: Path) -> None:
    """The cache key includes the inode, so a rename of a same-sized file is never missed."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"AAAA")
    publish(a, server.model.path)
    etag = get(server.url)[1]["ETag"]
    b.write_bytes(b"BBBB")
    stat = os.stat(server.model.path)
    os.utime(b, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    publish(b, server.model.path)
    assert get(server.url, etag=etag)[2] == b"BBBB"


def test_other_paths_are_404(server: ModelServer) -> None:
    assert get(server.url.replace("assistant.tar.gz", "other.tar.gz"))[0] == 404
