"""Entry point: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the local terminal chat."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from assistant_core.content import ContentRepository
from assistant_core.db import create_tables, make_engine
from assistant_core.keys import derive_key
from assistant_core.pseudonym import forget_token, sender_token
from assistant_core.settings import Settings, load_settings
from bot import logging_setup
from bot.conversation import Conversation
from bot.database import Database
from bot.local_chat import run_local_chat
from bot.rasa_client import RasaClient
from bot.telegram_app import build_application
from bot.webhook import run_webhook

log = logging.getLogger("bot")


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the master key: a webhook never runs without
    one, so forged updates are refused (403) even when nobody configured a secret."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    return derive_key(settings.pseudonym_key, "telegram-webhook-secret").hex()


def main() -> None:
    settings = load_settings()
    logging_setup.configure(
        settings.log_level if settings.telegram_token else "WARNING",
        [s for s in (settings.telegram_token, settings.telegram_webhook_secret) if s],
    )
    content = ContentRepository(settings.content_dir)
    rasa = RasaClient(
        settings.rest_webhook,
        settings.rasa_timeout,
        forget_token=forget_token(settings.pseudonym_key),
        sender_token=sender_token(settings.pseudonym_key),
    )
    conversation = Conversation(rasa, content)
    if not settings.telegram_token:
        asyncio.run(run_local_chat(settings, conversation))
        return
    engine = make_engine(settings.database_url)
    create_tables(engine)
    application = build_application(settings, conversation, content, Database(engine))
    if settings.telegram_webhook_url:
        log.info("Starting Telegram bot in webhook mode on %s:%s", settings.bind_host, settings.webhook_port)
        # Our server, not application.run_webhook: PTB's answers 500 to a body it cannot decode.
        run_webhook(
            application,
            listen=settings.bind_host,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.telegram_webhook_url,
            secret_token=webhook_secret(settings),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        log.info("Starting Telegram bot with long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
