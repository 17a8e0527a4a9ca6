"""The reminder buttons: "🔔 Pengingat iuran" subscribes this chat, "Berhenti pengingat" stops it.

Reminders need the chat id to be sent, so the bot (not Rasa) keeps the subscription; the monthly
sending is a JobQueue job (bot.reminders).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from assistant_core.clock import question_date
from bot.context import Context
from bot.handlers.conversation import ButtonHandler
from bot.keyboards import keyboard
from bot.reminders import REMINDER_OFF, REMINDER_ON, stop_button


async def subscribe(update: Update, context: Context) -> None:
    data, chat = context.bot_data, update.effective_chat
    sender = data.sender_for(update)
    if chat is None or sender is None:
        return
    repo, today, db = data.content, question_date(), data.database
    if chat.type != ChatType.PRIVATE:
        await context.bot.send_message(chat.id, repo.text("reminder_private_only"))
        return
    await db.run_in_thread(data.users.seen, sender)
    new = await db.run_in_thread(data.reminders.subscribe, sender, chat.id)
    text = repo.render_guide("reminder.on_done" if new else "reminder.already", today, day=data.settings.reminder_day)
    markup = await keyboard(data, [[stop_button(repo, today)]])
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def unsubscribe(update: Update, context: Context) -> None:
    data, chat = context.bot_data, update.effective_chat
    sender = data.sender_for(update)
    if chat is None or sender is None:
        return
    await data.database.run_in_thread(data.reminders.unsubscribe, sender)
    await context.bot.send_message(chat.id, data.content.render_guide("reminder.off_done", question_date()))


# Buttons only (reminders have no command): the bot answers them, Rasa never sees them.
BUTTONS: dict[str, ButtonHandler] = {REMINDER_ON: subscribe, REMINDER_OFF: unsubscribe}
