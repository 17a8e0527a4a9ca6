"""Messages that are not text (photos, voice, stickers): the assistant reads text only, and says so."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from bot.context import BotApplication, Context


async def on_media(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return  # in groups, other people's photos are not for the bot
    await message.reply_text(context.bot_data.content.text("unsupported_media"))


def add_handlers(application: BotApplication) -> None:
    not_text = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(not_text, on_media))
