"""The webhook server: the secret is required, and a body Telegram could not have sent gets a 4xx.

It also has limits (issue 20 point 7): a body over 1 MB gets 413, a request without the secret is
refused before its body is read, and a client that dribbles its body or sends nothing is cut off.
The limit tests talk raw HTTP over a socket, since they need to send a request's head without its
body, or a byte at a time; the fixture counts the bytes the server really reads from each socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, Update
from tornado.iostream import IOStream

from bot.webhook import WebhookLimits, read_update, update_data, webhook_server

SECRET = "webhook-secret-for-tests"
JSON = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
TEXT_UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "Budi"},
        "text": "iuran jkm brp",
    },
}


MB = 1024 * 1024
# Short timeouts, so that a test of them takes a second, not the production minute.
LIMITS = WebhookLimits(max_body_size=MB, body_timeout=0.5, idle_timeout=0.5)
# How long a test waits for what the limits promise before it calls them missing.
PATIENCE = 3.0


@dataclass
class Server:
    client: httpx.AsyncClient
    queue: asyncio.Queue[object]
    url: str
    port: int
    bytes_read: list[int] = field(default_factory=lambda: [0])  # by the server, from all sockets
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A raw connection; the fixture closes it, whatever the test's outcome."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers.append(writer)
        return reader, writer


def count_bytes_read(http: Any, counter: list[int]) -> None:
    """Make the server count what it reads from its sockets (the real server, only measured)."""
    handle_stream = http.handle_stream

    def counting_handle_stream(stream: IOStream, address: tuple[str, int]) -> None:
        read_from_fd = stream.read_from_fd

        def counting_read_from_fd(buf: bytearray | memoryview) -> int | None:
            n = read_from_fd(buf)
            counter[0] += n or 0
            return n

        stream.read_from_fd = counting_read_from_fd  # type: ignore[method-assign]
        handle_stream(stream, address)

    http.handle_stream = counting_handle_stream


# The server must run in the test's own event loop (fixtures default to the session loop here).
@pytest_asyncio.fixture(loop_scope="function")
async def server() -> AsyncIterator[Server]:
    queue: asyncio.Queue[object] = asyncio.Queue()
    http = webhook_server(Bot("123:test"), queue, "telegram", SECRET, limits=LIMITS)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bytes_read = [0]
    count_bytes_read(http, bytes_read)
    http.listen(port, address="127.0.0.1")
    writers: list[asyncio.StreamWriter] = []
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            yield Server(client, queue, f"http://127.0.0.1:{port}/telegram", port, bytes_read, writers)
    finally:
        for writer in writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        http.stop()
        await http.close_all_connections()


def request_head(headers: dict[str, str]) -> bytes:
    lines = ["POST /telegram HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one response; TimeoutError if none comes within PATIENCE."""

    async def read() -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")), 0)
        return int(lines[0].split(b" ", 2)[1]), await reader.readexactly(length)

    return await asyncio.wait_for(read(), PATIENCE)


async def closed_by_server(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, dribble: bytes = b""
) -> tuple[bool, float, bytes]:
    """Whether the server closed the connection within PATIENCE (while we send `dribble` a byte
    every 0.1 s), how long it took, and what it sent before closing."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    received = b""
    for i in range(int(PATIENCE / 0.1)):
        try:
            if i < len(dribble):
                writer.write(dribble[i : i + 1])
                await writer.drain()
            received += await asyncio.wait_for(reader.read(65536), 0.1)
        except asyncio.TimeoutError:
            continue
        except ConnectionError:
            return True, loop.time() - started, received
        if reader.at_eof():
            return True, loop.time() - started, received
    return False, loop.time() - started, received


async def test_update_with_the_secret_is_queued(server: Server) -> None:
    response = await server.client.post(server.url, content=json.dumps(TEXT_UPDATE), headers=JSON)
    assert response.status_code == 200
    update = server.queue.get_nowait()
    assert isinstance(update, Update) and update.message is not None and update.message.text == "iuran jkm brp"


@pytest.mark.parametrize("secret", [None, "", "guessed", SECRET + "x", SECRET.upper()])
async def test_missing_or_wrong_secret_is_refused(server: Server, secret: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    response = await server.client.post(server.url, content=json.dumps(TEXT_UPDATE), headers=headers)
    assert response.status_code == 403
    assert server.queue.empty()


async def test_non_ascii_secret_header_is_refused_not_a_crash(server: Server) -> None:
    headers = [(b"Content-Type", b"application/json"), (b"X-Telegram-Bot-Api-Secret-Token", "rahasia\u00e9".encode())]
    response = await server.client.post(server.url, content=json.dumps(TEXT_UPDATE), headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",  # python-telegram-bot's own server answers this with a 500
        b"",
        b"\x80\x81\xfe{",  # not UTF-8: the same
        b"[" * 100_000 + b"]" * 100_000,
        b"null",
        b"[1, 2]",
        b'"update"',
        b"{}",
        b'{"update_id": "7"}',
        b'{"update_id": true}',
        b'{"update_id": 7.5}',
        b'{"update_id": null}',
    ],
)
async def test_a_body_telegram_could_not_have_sent_gets_400(server: Server, body: bytes) -> None:
    response = await server.client.post(server.url, content=body, headers=JSON)
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert server.queue.empty()


async def test_wrong_content_type_gets_415(server: Server) -> None:
    headers = {**JSON, "Content-Type": "text/plain"}
    response = await server.client.post(server.url, content=json.dumps(TEXT_UPDATE), headers=headers)
    assert response.status_code == 415
    charset = {**JSON, "Content-Type": "application/json; charset=utf-8"}
    assert (await server.client.post(server.url, content=json.dumps(TEXT_UPDATE), headers=charset)).status_code == 200


async def test_other_methods_and_paths_get_4xx(server: Server) -> None:
    assert (await server.client.get(server.url, headers=JSON)).status_code == 405
    other = server.url.replace("/telegram", "/other")
    assert (await server.client.post(other, content=json.dumps(TEXT_UPDATE), headers=JSON)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b'{"update_id": 7, "message": {"message_id": 1}}',  # required fields missing
        b'{"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": "private"}}',
        # A poll as Telegram sent it before Bot API 9.6 made `persistent_id` required.
        b'{"update_id": 7, "poll": {"id": "p", "question": "?", "options": [{"text": "a", "voter_count": 0}],'
        b' "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular",'
        b' "allows_multiple_answers": false}}',
    ],
)
async def test_an_update_this_library_cannot_read_is_acknowledged_and_skipped(server: Server, body: bytes) -> None:
    # A 4xx would make Telegram deliver it again and again; it would never become readable.
    response = await server.client.post(server.url, content=body, headers=JSON)
    assert response.status_code == 200
    assert server.queue.empty()


def test_unknown_update_kinds_are_updates() -> None:
    # Telegram adds update kinds; a newer kind is still an update (handlers ignore it).
    data = update_data(b'{"update_id": 9, "some_future_kind": {"x": 1}}')
    assert data is not None
    update = read_update(data, Bot("123:test"))
    assert update is not None and update.update_id == 9


# --- limits (issue 20 point 7) ---


async def test_a_60_mb_body_without_the_secret_is_refused_before_it_is_read(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(request_head({"Content-Type": "application/json", "Content-Length": str(60 * MB)}))
    await writer.drain()
    # The 403 comes before a single byte of the body is sent (today the server waits for all 60 MB).
    status, _ = await read_response(reader)
    assert status == 403
    # And the server hangs up: the body cannot be pushed into the connection.
    sent = 0
    with contextlib.suppress(ConnectionError):
        while sent < 60 * MB:
            writer.write(b" " * MB)
            await writer.drain()
            sent += MB
    assert sent < 16 * MB  # what the two sockets' kernel buffers can hold before the reset
    assert server.bytes_read[0] < MB  # the server itself read the head and next to nothing else
    assert server.queue.empty()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Telegram-Bot-Api-Secret-Token": "guessed", "Content-Type": "application/json"},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "text/plain"},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},  # too long: 413
    ],
    ids=["wrong secret", "wrong content type", "declared too long"],
)
async def test_a_refused_request_is_answered_before_its_body(server: Server, headers: dict[str, str]) -> None:
    reader, writer = await server.connect()
    writer.write(request_head({**headers, "Content-Length": str(2 * MB)}))
    await writer.drain()
    status, body = await read_response(reader)
    assert status in (403, 413, 415) and json.loads(body)["ok"] is False
    closed, _, after_reply = await closed_by_server(reader, writer)
    assert closed
    assert after_reply == b""  # nothing after our reply (tornado's own bare 400, say)


async def test_a_body_over_1_mb_with_the_secret_gets_413(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(request_head({**JSON, "Content-Length": str(2 * MB)}))
    await writer.drain()
    status, body = await read_response(reader)
    assert status == 413
    assert json.loads(body)["description"] == "body over 1048576 bytes"
    assert server.bytes_read[0] < MB
    assert server.queue.empty()


async def test_a_chunked_body_over_1_mb_gets_413(server: Server) -> None:
    # A valid update padded with spaces: without a limit it would be queued.
    payload = json.dumps(TEXT_UPDATE).encode() + b" " * (MB + 64 * 1024)
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(payload[i : i + 65536]), payload[i : i + 65536]) for i in range(0, len(payload), 65536)
    )
    reader, writer = await server.connect()
    writer.write(request_head({**JSON, "Transfer-Encoding": "chunked"}) + chunked + b"0\r\n\r\n")
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    status, _ = await read_response(reader)
    assert status == 413
    assert server.queue.empty()


async def test_a_body_of_exactly_1_mb_is_still_an_update(server: Server) -> None:
    body = json.dumps(TEXT_UPDATE).encode()
    body += b" " * (MB - len(body))
    response = await server.client.post(server.url, content=body, headers=JSON)
    assert response.status_code == 200
    assert isinstance(server.queue.get_nowait(), Update)


async def test_a_body_dribbled_past_the_body_timeout_is_cut_off(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(request_head({**JSON, "Content-Length": "1000"}))
    closed, after, received = await closed_by_server(reader, writer, dribble=b" " * 1000)
    assert closed, f"the connection was still open after {after:.1f} s of a byte every 0.1 s"
    assert after < LIMITS.body_timeout + 1.0
    assert received == b""  # cut off, no answer
    assert server.queue.empty()


@pytest.mark.parametrize(
    "dribble",
    [b"", b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Telegram-Bot-Api-Secret-Token: " + b"x" * 100],
    ids=["sends nothing", "dribbles its headers"],
)
async def test_an_idle_connection_is_closed_after_the_idle_timeout(server: Server, dribble: bytes) -> None:
    reader, writer = await server.connect()
    closed, after, _ = await closed_by_server(reader, writer, dribble=dribble)
    assert closed, f"the connection was still open after {after:.1f} s"
    assert after < LIMITS.idle_timeout + 1.0


async def test_a_kept_alive_connection_is_closed_when_idle_after_an_update(server: Server) -> None:
    body = json.dumps(TEXT_UPDATE).encode()
    reader, writer = await server.connect()
    writer.write(request_head({**JSON, "Content-Length": str(len(body))}) + body)
    await writer.drain()
    assert (await read_response(reader))[0] == 200
    closed, after, _ = await closed_by_server(reader, writer)
    assert closed and after < LIMITS.idle_timeout + 1.0
    assert isinstance(server.queue.get_nowait(), Update)
