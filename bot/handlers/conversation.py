"""Talking to Rasa: text, the menu commands, unknown commands and buttons (a button the bot owns
goes to its feature's handler instead)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from assistant_core.contract import calculator, obligation, registration, smalltalk
from assistant_core.masking import mask_personal_data
from bot.context import Bot, BotApplication, Context
from bot.flood import Admission
from bot.keyboards import keyboard
from bot.render import Outgoing, button_rows, to_plain

log = logging.getLogger(__name__)

# Commands map to payloads the Rasa channel accepts without having offered them.
COMMAND_PAYLOADS = {
    "start": smalltalk.GREET_PAYLOAD,
    "menu": smalltalk.HELP_PAYLOAD,
    "bantuan": smalltalk.HELP_PAYLOAD,
    "iuran": calculator.START_PAYLOAD,
    "wajib": obligation.ENTRY_PAYLOAD,
    "daftar": registration.ENTRY_PAYLOAD,
}
# What Telegram allows in a t.me/<bot>?start=<parameter> deep link.
DEEP_LINK_SOURCE = re.compile(r"[A-Za-z0-9_-]{1,64}")

# A button whose payload the bot handles itself, never Rasa (/hapusdata's answers, reminders).
ButtonHandler = Callable[[Update, Context], Coroutine[Any, Any, None]]


async def send_html(bot: Bot, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Send Telegram HTML; if Telegram cannot parse it, the same words as plain text rather than
    silence (our sanitiser and Telegram's parser may disagree on something Rasa sent)."""
    try:
        await bot.send_message(chat_id, text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "can't parse entities" not in exc.message.lower():
            raise
        log.warning("Telegram rejected a message's HTML (%s); sending it as plain text", exc.message)
        await bot.send_message(chat_id, to_plain(text), reply_markup=reply_markup, parse_mode=None)


async def send_all(update: Update, context: Context, outgoing: list[Outgoing]) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for item in outgoing:
        markup = await keyboard(context.bot_data, button_rows(item.buttons))
        await send_html(context.bot, chat.id, item.text, markup)


@asynccontextmanager
async def one_turn(update: Update, context: Context, sender: str) -> AsyncIterator[bool]:
    """This sender's lock for one turn, so their messages reach Rasa in the order sent. Yields False,
    holding nothing, for an update beyond the flood cap (bot/flood.py): it does not wait, so one
    chat's burst cannot fill the slots every chat shares, and the user is told once per burst."""
    data, chat = context.bot_data, update.effective_chat
    admission = data.turns.admit(sender)
    if admission is not Admission.ADMITTED:
        if admission is Admission.TELL and chat is not None:
            try:
                await context.bot.send_message(chat.id, data.content.text("flood_wait"))
            except TelegramError:
                log.warning("Could not ask a flooding chat to wait", exc_info=True)
        yield False
        return
    try:
        async with data.lock_for(sender):
            yield True
    finally:
        data.turns.done(sender)


async def converse(update: Update, context: Context, text: str, metadata: dict[str, Any] | None = None) -> None:
    """One turn with Rasa for this sender, in the order their messages came."""
    data = context.bot_data
    chat, sender = update.effective_chat, data.sender_for(update)
    if chat is None or sender is None:
        return
    async with one_turn(update, context, sender) as admitted:
        if not admitted:
            return
        try:
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
        except TelegramError:
            log.debug("typing indicator failed", exc_info=True)
        source = (metadata or {}).get("source")
        try:
            first_contact = await data.database.run_in_thread(data.users.seen, sender, source)
        except SQLAlchemyError:
            # The database is down: Rasa will be too, and the user gets its apology rather than silence.
            log.warning("Could not record the user (database unavailable); answering anyway", exc_info=True)
            first_contact = False
        if first_contact:
            # First contact: what is stored and that this is not an official channel, before anything else.
            await context.bot.send_message(chat.id, data.content.text("privacy_notice"))
        replies = await data.conversation.turn(sender, text, metadata)
        await send_all(update, context, replies)


def deep_link_source(args: list[str] | None) -> str | None:
    """The outreach source of `/start <source>`. Only what a deep link can carry, and never personal
    data: "/start 081234567890" is typed, and would otherwise be stored as a source."""
    source = args[0] if args else ""
    if not DEEP_LINK_SOURCE.fullmatch(source) or mask_personal_data(source) != source:
        return None
    return source


async def on_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not isinstance(message.text, str) or not message.text.strip():
        return
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    metadata = None
    if name == "start" and (source := deep_link_source(context.args)):
        # Deep link t.me/<bot>?start=<source>: kept as the user's source for outreach attribution.
        metadata = {"source": source}
    await converse(update, context, COMMAND_PAYLOADS.get(name, smalltalk.HELP_PAYLOAD), metadata)


async def on_unknown_command(update: Update, context: Context) -> None:
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


async def on_text(update: Update, context: Context) -> None:
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


def button_handler(own: Mapping[str, ButtonHandler]) -> ButtonHandler:
    """Every button press: its payload from the database, the spinner stopped, the choice shown in
    the chat; then the feature that owns the payload (`own`), or Rasa."""

    async def on_button(update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        data = context.bot_data
        resolved = await data.database.run_in_thread(data.callbacks.resolve, query.data)
        await query.answer()  # always, so the button's spinner stops
        chat = update.effective_chat
        if resolved is None:
            if chat is not None:
                await context.bot.send_message(chat.id, data.content.text("button_expired"))
            await converse(update, context, smalltalk.HELP_PAYLOAD)
            return
        payload, title = resolved
        if chat is not None:  # the chat shows which button was pressed, so the history reads well
            # The title is filled in escaped (texts.yml is autoescaped): a stored "<b>" or "&" stays text.
            await send_html(context.bot, chat.id, f"<i>{data.content.text('button_chosen', title=title)}</i>")
        handler = own.get(payload)
        if handler is not None:
            await handler(update, context)
            return
        await converse(update, context, payload)

    return on_button


def add_handlers(application: BotApplication, own_buttons: Mapping[str, ButtonHandler]) -> None:
    """Add after every other feature's commands: the last handler here takes any command left."""
    message = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command, filters=message))
    application.add_handler(CallbackQueryHandler(button_handler(own_buttons)))
    application.add_handler(MessageHandler(message & filters.TEXT & ~filters.COMMAND, on_text))
    # Telegram users type /help or /restart: any command not handled before this gets the menu.
    application.add_handler(MessageHandler(message & filters.COMMAND, on_unknown_command))
