"""/privasi (what is stored and for how long) and /hapusdata (delete everything, after a confirm button)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import CommandHandler, filters

from assistant_core.contract import privacy
from bot.context import BotApplication, Context
from bot.handlers.conversation import ButtonHandler, one_turn
from bot.keyboards import keyboard
from bot.rasa_client import RasaUnavailable
from bot.render import Button

log = logging.getLogger(__name__)


async def on_privacy(update: Update, context: Context) -> None:
    data, chat = context.bot_data, update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(chat.id, data.content.text("privacy", days=data.settings.retention_days))


async def on_forget_request(update: Update, context: Context) -> None:
    """/hapusdata: ask first; deleting is final."""
    data, chat = context.bot_data, update.effective_chat
    if chat is None:
        return
    texts = data.content
    buttons = [
        [Button(texts.text("forget_yes"), privacy.FORGET_YES)],
        [Button(texts.text("forget_no"), privacy.FORGET_NO)],
    ]
    markup = await keyboard(data, buttons)
    await context.bot.send_message(chat.id, texts.text("forget_confirm"), reply_markup=markup)


async def forget_user(update: Update, context: Context) -> None:
    """Delete the conversation in Rasa and every row of ours, holding this sender's lock."""
    data, chat = context.bot_data, update.effective_chat
    sender = data.sender_for(update)
    if chat is None or sender is None:
        return
    async with one_turn(update, context, sender) as admitted:
        if not admitted:
            return
        try:
            # Rasa first: if it fails, nothing of ours is gone either and the user can simply retry.
            await data.conversation.rasa.forget(sender)
        except RasaUnavailable as exc:
            log.warning("Deleting a conversation failed: %s", exc)
            await context.bot.send_message(chat.id, data.content.text("forget_failed"))
            return
        try:
            await data.database.run_in_thread(data.users.delete_records, sender)
        except SQLAlchemyError:
            # The conversation is gone, our records are not: say so, and that /hapusdata again finishes it.
            log.error("Deleting a user's records failed after their conversation was deleted", exc_info=True)
            await context.bot.send_message(chat.id, data.content.text("forget_partial"))
            return
    log.info("Deleted a user's conversation and records on request")
    await context.bot.send_message(chat.id, data.content.text("forget_done"))


async def keep_data(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, context.bot_data.content.text("forget_kept"))


# /hapusdata's confirm buttons: the bot answers them, Rasa never sees them.
BUTTONS: dict[str, ButtonHandler] = {privacy.FORGET_YES: forget_user, privacy.FORGET_NO: keep_data}


def add_handlers(application: BotApplication) -> None:
    message = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("privasi", on_privacy, filters=message))
    application.add_handler(CommandHandler("hapusdata", on_forget_request, filters=message))
