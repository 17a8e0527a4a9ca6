"""Webhook mode: our small tornado server hands Telegram's updates to the Application.

python-telegram-bot's `run_webhook` server answers 500 to a body that is not JSON or not UTF-8
(its `TelegramHandler.post` lets the decoding error escape) and, at DEBUG, logs every update in
full, personal data included. This follows PTB's documented custom-webhook pattern instead
(`Update.de_json` into `application.update_queue`, the Application started and stopped by us),
keeps its secret-token check (403, now in constant time), answers a body that is not an update
with a 4xx, and acknowledges an update this library version cannot read (200, skipped).

The server also has limits (`WebhookLimits`), since its port is public: a body over 1 MB gets 413;
the secret, the content type and the declared length are checked in `prepare()`, before a byte of
the body is read, and a refused request's connection is closed right after the reply (tornado's
way of not reading the rest); a client that sends nothing, or dribbles its headers or its body, is
cut off after the idle or body timeout.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tornado.web
from telegram import Bot, Update
from telegram.ext import Application, ExtBot
from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer

from bot import logging_setup

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class WebhookLimits:
    """What one client may cost the webhook server.

    Telegram's updates are a few kilobytes, sent at once over a connection it keeps open between
    updates; 1 MB and 10 s leave ample room for them, and a minute idle is a connection worth
    keeping. `idle_timeout` also bounds the time a request's headers may take to arrive, from the
    connection's opening or the end of its previous request (tornado's `idle_connection_timeout`).
    """

    max_body_size: int = 1024 * 1024
    body_timeout: float = 10.0
    idle_timeout: float = 60.0


def update_data(body: bytes) -> dict[str, Any] | None:
    """The JSON object of a webhook body, or None if the body is not one Telegram could have sent."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or "[[[[…" nested too deep
        return None
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    return data


def read_update(data: dict[str, Any], bot: Bot) -> Update | None:
    """The Update, or None if this library version cannot read it (Telegram added a required
    field, as Bot API 9.6 did for polls; or a field has the wrong type)."""
    try:
        return Update.de_json(data, bot)
    except Exception:  # PTB raises whatever the constructors raise on missing or mistyped fields
        # Only the id: the body holds a user's message, and logs must not.
        log.warning("Skipped a webhook update python-telegram-bot cannot read (update_id %d)", data["update_id"])
        return None


# A refused request whose declared body is at most this long is read before the reply (see prepare).
SMALL_BODY = 64 * 1024


@tornado.web.stream_request_body  # so that prepare() runs before the body is read
class UpdateHandler(tornado.web.RequestHandler):
    """POST /<path>: 403 without the secret, 415 if not JSON, 413 if over the size limit, 400 if not
    an update, else 200. A refusal is answered before the body is read, except that a declared body of
    at most SMALL_BODY is read and dropped first, so the client gets the reply rather than a reset."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Bot, update_queue: asyncio.Queue[object], secret_token: str, max_body_size: int) -> None:
        self.bot = bot
        self.update_queue = update_queue
        self.secret_token = secret_token
        self.max_body_size = max_body_size
        self.chunks: list[bytes] = []
        self.size = 0
        self.refusal: tuple[int, str] | None = None  # a refused small body: answered once it is read

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")

    def _reply(self, status: int, description: str) -> None:
        self.set_status(status)
        self.finish({"ok": status == 200, "description": description})

    def _too_large(self) -> None:
        self._reply(413, f"body over {self.max_body_size} bytes")

    def prepare(self) -> None:
        # The server's own max_body_size (webhook_server) is lifted for this request: this handler
        # enforces the limit itself (the declared length here, a chunked body in data_received),
        # so that the client gets a 413, not tornado's bare 400 (which, for a chunked body, would
        # come before data_received sees the excess). What stops the reading of a refused body is
        # the connection's closing once the reply is sent: tornado closes it when a handler
        # finishes before the body has been read, and the body timeout bounds it in any case.
        if isinstance(self.request.connection, HTTP1Connection):
            self.request.connection.set_max_body_size(sys.maxsize)
        length = self.request.headers.get("Content-Length", "").strip()
        declared = int(length) if _DIGITS.fullmatch(length) else None
        refusal: tuple[int, str] | None = None
        supplied = self.request.headers.get(SECRET_HEADER, "")
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not hmac.compare_digest(supplied.encode(), self.secret_token.encode()):
            refusal = (403, "missing or wrong secret token")
        elif media_type != "application/json":
            refusal = (415, "body must be application/json")
        if refusal is not None and declared is not None and declared <= SMALL_BODY:
            # A small refused body is read (and dropped) before the reply: closing a socket with
            # unread bytes makes Linux send a reset, and the client would lose our 403 or 415.
            self.refusal = refusal
            return
        if refusal is not None:
            self._reply(*refusal)
            return
        if declared is not None and declared > self.max_body_size:
            self._too_large()
        # A body without a Content-Length (chunked) is counted as it arrives, in data_received;
        # a malformed Content-Length is tornado's to refuse (400).

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return  # tornado stops calling once we have replied; this is for certainty
        if self.refusal is not None:
            return  # a refused small body: read, never kept
        self.size += len(chunk)
        if self.size > self.max_body_size:
            self.chunks.clear()
            self._too_large()
            return
        self.chunks.append(chunk)

    async def post(self) -> None:
        if self.refusal is not None:
            self._reply(*self.refusal)
            return
        data = update_data(b"".join(self.chunks))
        if data is None:
            self._reply(400, "body is not a Telegram update")
            return
        update = read_update(data, self.bot)
        if update is None:
            # Acknowledged and skipped, as TolerantBot does when polling: Telegram would resend an
            # update answered with an error again and again, and it would still be unreadable.
            self._reply(200, "skipped: this bot cannot read the update")
            return
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)  # as PTB's handler does (arbitrary callback data)
        await self.update_queue.put(update)
        self._reply(200, "queued")


def webhook_app(
    bot: Bot,
    update_queue: asyncio.Queue[object],
    url_path: str,
    secret_token: str,
    max_body_size: int = WebhookLimits.max_body_size,
) -> tornado.web.Application:
    if not secret_token:
        raise ValueError("a webhook never runs without a secret token")
    path = "/" + url_path.strip("/")
    handler_kwargs = {
        "bot": bot,
        "update_queue": update_queue,
        "secret_token": secret_token,
        "max_body_size": max_body_size,
    }
    return tornado.web.Application(
        [(rf"{path}/?", UpdateHandler, handler_kwargs)],
        log_function=lambda _handler: None,  # one line per update is noise; errors are logged by us
    )


def webhook_server(
    bot: Bot,
    update_queue: asyncio.Queue[object],
    url_path: str,
    secret_token: str,
    *,
    limits: WebhookLimits = WebhookLimits(),  # frozen, so one shared default is safe
) -> HTTPServer:
    """The HTTP server for webhook_app, not yet listening. Its max_body_size covers the other paths
    (404) too: tornado answers a longer declared body there with 400 without reading it."""
    return HTTPServer(
        webhook_app(bot, update_queue, url_path, secret_token, limits.max_body_size),
        max_body_size=limits.max_body_size,
        body_timeout=limits.body_timeout,
        idle_connection_timeout=limits.idle_timeout,
    )


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret_token: str,
    allowed_updates: Sequence[str] | None = None,
    stop: asyncio.Event | None = None,
    limits: WebhookLimits = WebhookLimits(),  # frozen, so one shared default is safe
) -> None:
    """What `Application.run_webhook` does (post_init, start, setWebhook, and on SIGINT or SIGTERM
    stop, post_stop, shutdown, post_shutdown), with our server; returns once `stop` is set."""
    logging_setup.redact_secret(secret_token)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = webhook_server(application.bot, application.update_queue, url_path, secret_token, limits=limits)
    try:
        async with application:  # initialize() ... shutdown()
            if application.post_init:
                await application.post_init(application)
            await application.start()
            try:
                # Listening before setWebhook: Telegram posts as soon as the webhook is set.
                server.listen(port, address=listen)
                await application.bot.set_webhook(
                    webhook_url, allowed_updates=allowed_updates, secret_token=secret_token
                )
                log.info("Webhook server listening on %s:%s", listen, port)
                await stop.wait()
            finally:
                server.stop()
                await server.close_all_connections()
                await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        if application.post_shutdown:
            await application.post_shutdown(application)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def run_webhook(application: Application, **kwargs: Any) -> None:  # type: ignore[type-arg]
    """Blocking entry point for `python -m bot` (see serve_webhook for the arguments)."""
    asyncio.run(serve_webhook(application, **kwargs))
