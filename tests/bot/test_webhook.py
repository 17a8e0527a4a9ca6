"""The webhook server: the secret is required, and a body Telegram could not have sent gets a 4xx."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, Update
from tornado.httpserver import HTTPServer

from bot.webhook import read_update, update_data, webhook_app

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


@dataclass
class Server:
    client: httpx.AsyncClient
    queue: asyncio.Queue[object]
    url: str


# The server must run in the test's own event loop (fixtures default to the session loop here).
@pytest_asyncio.fixture(loop_scope="function")
async def server() -> AsyncIterator[Server]:
    queue: asyncio.Queue[object] = asyncio.Queue()
    http = HTTPServer(webhook_app(Bot("123:test"), queue, "telegram", SECRET))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http.listen(port, address="127.0.0.1")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            yield Server(client, queue, f"http://127.0.0.1:{port}/telegram")
    finally:
        http.stop()
        await http.close_all_connections()


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
