"""The Telegram Application: one builder, handlers by feature in ordered groups, jobs, one error handler."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    Defaults,
    JobQueue,
    TypeHandler,
)

from assistant_core.content import ContentRepository
from assistant_core.settings import Settings
from bot import purge, reminders
from bot.context import Bot, BotApplication, BotData, Context
from bot.conversation import Conversation
from bot.database import Database
from bot.handlers import conversation as conversation_handlers
from bot.handlers import media, privacy
from bot.handlers import reminders as reminder_handlers

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "Mulai dan lihat menu"),
    BotCommand("menu", "Pilihan topik"),
    BotCommand("iuran", "Hitung iuran BPJS Ketenagakerjaan"),
    BotCommand("wajib", "Program yang wajib untuk usaha saya"),
    BotCommand("daftar", "Panduan cara mendaftar"),
    BotCommand("bantuan", "Apa yang bisa saya bantu"),
    BotCommand("privasi", "Data apa yang disimpan dan berapa lama"),
    BotCommand("hapusdata", "Hapus percakapan dan data saya"),
]
SEEN_UPDATES = 2048
# Handler groups run in ascending order for every update; in each, only the first matching handler runs.
DEDUPLICATE = -1  # before everything: a duplicate delivery stops here
# Periodic work on PTB's JobQueue: (callback, interval in seconds, job name).
JOBS = (
    (reminders.remind, reminders.CHECK_EVERY_SECONDS, reminders.JOB_NAME),
    (purge.purge, purge.EVERY_SECONDS, purge.JOB_NAME),
)
# The JobQueue cannot run a job at once (first=0 does not work with APScheduler): shortly after start.
FIRST_RUN_SECONDS = 5


async def drop_duplicates(update: Update, context: Context) -> None:
    """Telegram may deliver an update twice (retries); answer it once."""
    seen = context.bot_data.seen_updates
    if update.update_id in seen:
        raise ApplicationHandlerStop
    seen[update.update_id] = None
    while len(seen) > SEEN_UPDATES:
        seen.popitem(last=False)


async def on_error(update: object, context: Context) -> None:
    if context.job is not None:
        # A reminder or purge round: nothing is lost, the job runs again at its next interval.
        log.warning("Job %s failed; it runs again next round", context.job.name, exc_info=context.error)
        return
    log.error("Error while handling an update", exc_info=context.error)


class TolerantBot(Bot):
    """An update this library version cannot parse (Telegram added a required field, say) makes
    python-telegram-bot's polling fail on the same batch forever. Here such updates are logged and
    replaced by empty ones with the same id, so polling moves past them and everything else is
    answered."""

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        try:
            return await super().get_updates(*args, **kwargs)
        except (TypeError, KeyError, ValueError):
            offset = kwargs.get("offset", args[0] if args else None)
            raw = await self._post("getUpdates", {"offset": offset, "timeout": 0})
            parsed = []
            for item in raw if isinstance(raw, list) else []:
                try:
                    parsed.append(Update.de_json(item, self))
                except Exception:
                    log.warning("Skipped an update this library cannot read (update_id %s)", item.get("update_id"))
                    parsed.append(Update(update_id=int(item.get("update_id", 0))))
            return tuple(parsed)


def build_application(
    settings: Settings, conversation: Conversation, content: ContentRepository, database: Database
) -> BotApplication:
    """The bot: Telegram in, Rasa over HTTP, replies rendered once for every channel."""
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram bot")
    base = settings.telegram_api_base_url.rstrip("/")

    async def post_init(app: BotApplication) -> None:
        await app.bot.set_my_commands(COMMANDS)

    async def post_shutdown(app: BotApplication) -> None:
        await app.bot_data.conversation.rasa.close()

    bot: Bot = TolerantBot(
        settings.telegram_token,
        base_url=base,
        base_file_url=base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base,
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=AIORateLimiter(max_retries=3),
    )
    application: BotApplication = (
        Application.builder()
        .bot(bot)
        .context_types(ContextTypes(bot_data=BotData))
        # PTB would make one anyway; made here so its type names our Context, as its jobs' contexts do.
        .job_queue(JobQueue[Context]())
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.provide(settings, conversation, content, database)

    application.add_handler(TypeHandler(Update, drop_duplicates), group=DEDUPLICATE)
    # Group 0 (the default), where exactly one handler answers: each feature's commands first, the
    # conversation's handlers last, since its final one takes every command not added before it.
    privacy.add_handlers(application)
    media.add_handlers(application)
    own_buttons = {**privacy.BUTTONS, **reminder_handlers.BUTTONS}
    conversation_handlers.add_handlers(application, own_buttons)
    application.add_error_handler(on_error)

    if application.job_queue is None:
        raise RuntimeError("PTB's JobQueue is missing: install python-telegram-bot[job-queue]")
    for callback, every, name in JOBS:
        application.job_queue.run_repeating(callback, interval=every, first=FIRST_RUN_SECONDS, name=name)
    return application
