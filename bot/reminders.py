"""Sending the monthly payment reminders over Telegram (subscriptions: assistant_core.reminders)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from assistant_core.calculator import month_label
from assistant_core.clock import question_date
from assistant_core.content import ContentRepository
from assistant_core.content.render import tanggal
from assistant_core.contract import reminders
from assistant_core.reminders import ReminderStore, in_window
from bot.callbacks import CallbackStore, register_safely

log = logging.getLogger(__name__)

# Button payloads the bot handles itself (never sent to Rasa). REMINDER_ON is what Rasa's menus and
# the registration guide offer; other channels get Rasa's "only on Telegram" answer for it.
REMINDER_ON = reminders.ON_PAYLOAD
REMINDER_OFF = reminders.OFF_PAYLOAD
CHECK_EVERY_SECONDS = 900


def stop_keyboard(repo: ContentRepository, callbacks: CallbackStore, today: date) -> InlineKeyboardMarkup:
    title = repo.render_guide("reminder.stop_button", today)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(title, callback_data=register_safely(callbacks, REMINDER_OFF, title))]]
    )


def deadline_day(repo: ContentRepository, today: date) -> int:
    fact = repo.snapshot().facts.get("payment_deadline_day")
    value = fact.in_force(today) if fact else None
    return int(value.value) if value else 15


async def send_due_reminders(
    bot: Bot,
    store: ReminderStore,
    repo: ContentRepository,
    callbacks: CallbackStore,
    send_day: int,
    today: date | None = None,
) -> int:
    """Send this month's reminder to every subscriber not yet reminded; returns how many were sent."""
    today = today or question_date()
    deadline = deadline_day(repo, today)
    if not in_window(today, send_day, deadline):
        return 0
    previous = date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
    text = repo.render_guide(
        "reminder.message",
        today,
        deadline=tanggal(today.replace(day=deadline)),
        employer_month=month_label(previous),
        bpu_month=month_label(today),
    )
    keyboard = stop_keyboard(repo, callbacks, today)
    sent = 0
    for due in await asyncio.to_thread(store.pending, today):
        if not await asyncio.to_thread(store.claim, due.conversation, today):
            continue  # another replica took it
        try:
            await bot.send_message(due.chat_id, text, reply_markup=keyboard)
        except Forbidden:
            # The user blocked the bot or deleted the chat: stop, as they would want.
            await asyncio.to_thread(store.unsubscribe, due.conversation)
        except TelegramError:
            log.warning("Reminder not sent; will retry next round", exc_info=True)
            await asyncio.to_thread(store.release, due.conversation, today)
        else:
            sent += 1
    return sent
