"""Webhook mode: our small tornado server hands Telegram's updates to the Application.

python-telegram-bot's `run_webhook` server answers 500 to a body that is not JSON or not UTF-8
(its `TelegramHandler.post` lets the decoding error escape) and, at DEBUG, logs every update in
full, personal data included. This follows PTB's documented custom-webhook pattern instead
(`Update.de_json` into `application.update_queue`, the Application started and stopped by us),
keeps its secret-token check (403, now in constant time), answers a body that is not an update
with a 4xx, and acknowledges an update this library version cannot read (200, skipped).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from typing import Any

import tornado.web
from telegram import Bot, Update
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer

from bot import logging_setup

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)


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


class UpdateHandler(tornado.web.RequestHandler):
    """POST /<path>: 403 without the secret, 415 if not JSON, 400 if not an update, else 200."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Bot, update_queue: asyncio.Queue[object], secret_token: str) -> None:
        self.bot = bot
        self.update_queue = update_queue
        self.secret_token = secret_token

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")

    def _reply(self, status: int, description: str) -> None:
        self.set_status(status)
        self.finish({"ok": status == 200, "description": description})

    async def post(self) -> None:
        supplied = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(supplied.encode(), self.secret_token.encode()):
            self._reply(403, "missing or wrong secret token")
            return
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            self._reply(415, "body must be application/json")
            return
        data = update_data(self.request.body)
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
    bot: Bot, update_queue: asyncio.Queue[object], url_path: str, secret_token: str
) -> tornado.web.Application:
    if not secret_token:
        raise ValueError("a webhook never runs without a secret token")
    path = "/" + url_path.strip("/")
    return tornado.web.Application(
        [(rf"{path}/?", UpdateHandler, {"bot": bot, "update_queue": update_queue, "secret_token": secret_token})],
        log_function=lambda _handler: None,  # one line per update is noise; errors are logged by us
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
) -> None:
    """What `Application.run_webhook` does (post_init, start, setWebhook, and on SIGINT or SIGTERM
    stop, post_stop, shutdown, post_shutdown), with our server; returns once `stop` is set."""
    logging_setup.redact_secret(secret_token)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = HTTPServer(webhook_app(application.bot, application.update_queue, url_path, secret_token))
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
