"""The Telegram Application: one builder, handlers in ordered groups, one error handler."""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from assistant_core.analytics.ingest import Ingester
from assistant_core.clock import question_date
from assistant_core.content import ContentRepository
from assistant_core.contract import calculator, obligation, privacy, registration, smalltalk
from assistant_core.masking import mask_personal_data
from assistant_core.privacy import UserRegistry
from assistant_core.pseudonym import conversation_id
from assistant_core.reminders import ReminderStore
from assistant_core.settings import Settings
from bot.callbacks import CallbackStore, register_safely
from bot.conversation import Conversation
from bot.purge import EVERY_SECONDS, purge_inactive
from bot.rasa_client import RasaUnavailable
from bot.reminders import CHECK_EVERY_SECONDS, REMINDER_OFF, REMINDER_ON, send_due_reminders, stop_keyboard
from bot.render import Outgoing, button_rows

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
# Commands map to payloads the Rasa channel accepts without having offered them.
COMMAND_PAYLOADS = {
    "start": smalltalk.GREET_PAYLOAD,
    "menu": smalltalk.HELP_PAYLOAD,
    "bantuan": smalltalk.HELP_PAYLOAD,
    "iuran": calculator.START_PAYLOAD,
    "wajib": obligation.ENTRY_PAYLOAD,
    "daftar": registration.ENTRY_PAYLOAD,
}
SEEN_UPDATES = 2048
# What Telegram allows in a t.me/<bot>?start=<parameter> deep link.
DEEP_LINK_SOURCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Button payloads the bot handles itself; they never reach Rasa.
FORGET_YES = privacy.FORGET_YES
FORGET_NO = privacy.FORGET_NO


@dataclass
class BotDeps:
    settings: Settings
    conversation: Conversation
    callbacks: CallbackStore
    users: UserRegistry
    reminders: ReminderStore
    seen_updates: OrderedDict[int, None] = field(default_factory=OrderedDict)
    # Updates run concurrently, but one user's messages must reach Rasa in the order sent.
    sender_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

    def lock_for(self, sender: str) -> asyncio.Lock:
        lock = self.sender_locks.get(sender)
        if lock is None:
            lock = asyncio.Lock()
            self.sender_locks[sender] = lock
        return lock


def deps(context: ContextTypes.DEFAULT_TYPE) -> BotDeps:
    value = context.application.bot_data["deps"]
    assert isinstance(value, BotDeps)
    return value


def sender_for(update: Update, settings: Settings) -> str | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    return conversation_id(settings.pseudonym_key, chat.id, user.id if user else None, chat.type == ChatType.PRIVATE)


def keyboard(outgoing: Outgoing, store: CallbackStore) -> InlineKeyboardMarkup | None:
    if not outgoing.buttons:
        return None
    rows = [
        [
            InlineKeyboardButton(b.title, url=b.payload)
            if b.payload.startswith("https://")
            else InlineKeyboardButton(b.title, callback_data=register_safely(store, b.payload, b.title))
            for b in row
        ]
        for row in button_rows(outgoing.buttons)
    ]
    return InlineKeyboardMarkup(rows)


async def send_all(message: Message, outgoing: list[Outgoing], store: CallbackStore) -> None:
    for item in outgoing:
        await message.get_bot().send_message(message.chat_id, item.text, reply_markup=keyboard(item, store))


async def converse(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, metadata: dict[str, Any] | None = None
) -> None:
    d = deps(context)
    message = update.effective_message
    sender = sender_for(update, d.settings)
    if message is None or sender is None:
        return
    async with d.lock_for(sender):
        try:
            await message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)
        except TelegramError:
            log.debug("typing indicator failed", exc_info=True)
        source = (metadata or {}).get("source")
        try:
            first_contact = await asyncio.to_thread(d.users.seen, sender, source)
        except SQLAlchemyError:
            # The database is down: Rasa will be too, and the user gets its apology rather than silence.
            log.warning("Could not record the user (database unavailable); answering anyway", exc_info=True)
            first_contact = False
        if first_contact:
            # First contact: what is stored and that this is not an official channel, before anything else.
            await message.get_bot().send_message(message.chat_id, d.conversation.texts.text("privacy_notice"))
        replies = await d.conversation.turn(sender, text, metadata)
        await send_all(message, replies, d.callbacks)


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    d = deps(context)
    message = update.effective_message
    if message is None:
        return
    text = d.conversation.texts.text("privacy", days=d.settings.retention_days)
    await message.get_bot().send_message(message.chat_id, text)


async def on_forget_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/hapusdata: ask first; deleting is final."""
    d = deps(context)
    message = update.effective_message
    if message is None:
        return
    texts = d.conversation.texts
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.text("forget_yes"),
                    callback_data=register_safely(d.callbacks, FORGET_YES, texts.text("forget_yes")),
                )
            ],
            [
                InlineKeyboardButton(
                    texts.text("forget_no"),
                    callback_data=register_safely(d.callbacks, FORGET_NO, texts.text("forget_no")),
                )
            ],
        ]
    )
    await message.get_bot().send_message(message.chat_id, texts.text("forget_confirm"), reply_markup=buttons)


async def forget_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete the conversation in Rasa and every row of ours, holding this sender's lock."""
    d = deps(context)
    message = update.effective_message
    sender = sender_for(update, d.settings)
    if message is None or sender is None:
        return
    texts = d.conversation.texts
    async with d.lock_for(sender):
        try:
            # Rasa first: if it fails, nothing of ours is gone either and the user can simply retry.
            await d.conversation.rasa.forget(sender)
        except RasaUnavailable as exc:
            log.warning("Deleting a conversation failed: %s", exc)
            await message.get_bot().send_message(message.chat_id, texts.text("forget_failed"))
            return
        await asyncio.to_thread(d.users.delete_records, sender)
    log.info("Deleted a user's conversation and records on request")
    await message.get_bot().send_message(message.chat_id, texts.text("forget_done"))


async def drop_duplicates(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram may deliver an update twice (retries); answer it once."""
    seen = deps(context).seen_updates
    if update.update_id in seen:
        raise ApplicationHandlerStop
    seen[update.update_id] = None
    while len(seen) > SEEN_UPDATES:
        seen.popitem(last=False)


def deep_link_source(args: list[str] | None) -> str | None:
    """The outreach source of `/start <source>`. Only what a deep link can carry, and never personal
    data: "/start 081234567890" is typed, and would otherwise be stored as a source."""
    source = args[0] if args else ""
    if not DEEP_LINK_SOURCE.fullmatch(source) or mask_personal_data(source) != source:
        return None
    return source


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not isinstance(message.text, str) or not message.text.strip():
        return
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    metadata = None
    if name == "start" and (source := deep_link_source(context.args)):
        # Deep link t.me/<bot>?start=<source>: kept as the user's source for outreach attribution.
        metadata = {"source": source}
    await converse(update, context, COMMAND_PAYLOADS.get(name, smalltalk.HELP_PAYLOAD), metadata)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not have ("/help", "/restart", "/iuran{...}"): the menu, not silence. In
    groups only when it names this bot, since "/start@otherbot" is for another bot."""
    message = update.effective_message
    if message is None or not isinstance(message.text, str) or not message.text.strip():
        return
    if message.chat.type != ChatType.PRIVATE:
        addressed = message.text.split()[0].partition("@")[2].lower()
        if not addressed or addressed != (context.bot.username or "").lower():
            return
    await converse(update, context, smalltalk.HELP_PAYLOAD)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text
    if message.chat.type != ChatType.PRIVATE:
        me = context.bot.username
        if not me or f"@{me}".lower() not in text.lower():
            return  # in groups, only messages that mention the bot
        text = text.replace(f"@{me}", "").strip()
    await converse(update, context, text)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    d = deps(context)
    resolved = d.callbacks.resolve(query.data)
    await query.answer()  # always, so the button's spinner stops
    if resolved is None:
        message = update.effective_message
        if message is not None:
            await message.get_bot().send_message(message.chat_id, d.conversation.texts.text("button_expired"))
        await converse(update, context, smalltalk.HELP_PAYLOAD)
        return
    payload, title = resolved
    message = update.effective_message
    if message is not None:  # the chat shows which button was pressed, so the history reads well
        await message.get_bot().send_message(
            message.chat_id, f"<i>{d.conversation.texts.text('button_chosen', title=title)}</i>"
        )
    if payload == FORGET_YES:
        await forget_user(update, context)
        return
    if payload in (REMINDER_ON, REMINDER_OFF):
        await switch_reminder(update, context, on=payload == REMINDER_ON)
        return
    if payload == FORGET_NO:
        if message is not None:
            await message.get_bot().send_message(message.chat_id, d.conversation.texts.text("forget_kept"))
        return
    await converse(update, context, payload)


async def switch_reminder(update: Update, context: ContextTypes.DEFAULT_TYPE, on: bool) -> None:
    """Reminders need the chat id to be sent, so the bot (not Rasa) keeps the subscription."""
    d = deps(context)
    message, chat = update.effective_message, update.effective_chat
    sender = sender_for(update, d.settings)
    if message is None or chat is None or sender is None:
        return
    repo, today = d.conversation.texts, question_date()
    assert isinstance(repo, ContentRepository)
    if not on:
        await asyncio.to_thread(d.reminders.unsubscribe, sender)
        await message.get_bot().send_message(chat.id, repo.render_guide("reminder.off_done", today))
        return
    if chat.type != ChatType.PRIVATE:
        await message.get_bot().send_message(chat.id, repo.text("reminder_private_only"))
        return
    await asyncio.to_thread(d.users.seen, sender)
    new = await asyncio.to_thread(d.reminders.subscribe, sender, chat.id)
    text = repo.render_guide("reminder.on_done" if new else "reminder.already", today, day=d.settings.reminder_day)
    await message.get_bot().send_message(chat.id, text, reply_markup=stop_keyboard(repo, d.callbacks, today))


async def reminders_forever(app: Application) -> None:  # type: ignore[type-arg]
    """Checks every few minutes; sends only inside the monthly window, once per user per month."""
    d: BotDeps = app.bot_data["deps"]
    repo = d.conversation.texts
    assert isinstance(repo, ContentRepository)
    while True:
        try:
            sent = await send_due_reminders(app.bot, d.reminders, repo, d.callbacks, d.settings.reminder_day)
            if sent:
                log.info("Sent %d payment reminder(s)", sent)
        except Exception:
            log.warning("Reminder round failed; will retry", exc_info=True)
        await asyncio.sleep(CHECK_EVERY_SECONDS)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    await message.reply_text(deps(context).conversation.texts.text("unsupported_media"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("Error while handling an update", exc_info=context.error)


async def purge_forever(d: BotDeps) -> None:
    """The retention purge, every few hours, while the bot runs (a failure waits for the next round)."""
    while True:
        try:
            # Read conversations into the analytics tables first, so purging loses no counts.
            await asyncio.to_thread(Ingester(d.users.engine).run)
        except Exception:
            log.warning("Ingesting conversations failed; will retry", exc_info=True)
        try:
            purged = await purge_inactive(d.users, d.conversation.rasa, d.settings.retention_days, lock_for=d.lock_for)
            if purged:
                log.info("Retention: deleted %d inactive conversation(s)", purged)
        except Exception:
            log.warning("Retention purge failed; will retry", exc_info=True)
        await asyncio.sleep(EVERY_SECONDS)


class TolerantBot(ExtBot):  # type: ignore[type-arg]
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
    settings: Settings,
    conversation: Conversation,
    callbacks: CallbackStore,
    users: UserRegistry,
    reminders: ReminderStore,
) -> Application:  # type: ignore[type-arg]
    """The bot: Telegram in, Rasa over HTTP, replies rendered once for every channel."""
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram bot")
    base = settings.telegram_api_base_url.rstrip("/")

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await app.bot.set_my_commands(COMMANDS)
        app.bot_data["purge_task"] = asyncio.create_task(purge_forever(app.bot_data["deps"]))
        app.bot_data["reminder_task"] = asyncio.create_task(reminders_forever(app))

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        for name in ("purge_task", "reminder_task"):
            task = app.bot_data.get(name)
            if task is not None:
                task.cancel()
        await conversation.rasa.close()

    bot = TolerantBot(
        settings.telegram_token,
        base_url=base,
        base_file_url=base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base,
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=AIORateLimiter(max_retries=3),
    )
    application = (
        Application.builder()
        .bot(bot)
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["deps"] = BotDeps(settings, conversation, callbacks, users, reminders)
    # Group -1 runs first: duplicate deliveries stop here. Group 0: exactly one handler answers.
    application.add_handler(TypeHandler(Update, drop_duplicates), group=-1)
    application.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CommandHandler("privasi", on_privacy, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CommandHandler("hapusdata", on_forget_request, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text))
    # After the commands above: any other command (Telegram users type /help, /restart) gets the menu.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, on_unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other)
    )
    application.add_error_handler(on_error)
    return application
