"""Sending the monthly payment reminders over Telegram (subscriptions: assistant_core.reminders).

A repeating job of PTB's JobQueue (added by bot.telegram_app) checks every CHECK_EVERY_SECONDS; it sends only
inside the monthly window, once per user per month, whatever the number of replicas.
"""

from __future__ import annotations

import logging
from datetime import date

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from assistant_core.calculator import month_label
from assistant_core.clock import question_date
from assistant_core.content import ContentRepository
from assistant_core.content.render import tanggal
from assistant_core.contract import reminders
from assistant_core.reminders import in_window
from bot.context import BotData, Context
from bot.keyboards import keyboard
from bot.render import Button

log = logging.getLogger(__name__)

# Button payloads the bot handles itself (never sent to Rasa). REMINDER_ON is what Rasa's menus and
# the registration guide offer; other channels get Rasa's "only on Telegram" answer for it.
REMINDER_ON = reminders.ON_PAYLOAD
REMINDER_OFF = reminders.OFF_PAYLOAD
CHECK_EVERY_SECONDS = 900
JOB_NAME = "payment-reminders"


def stop_button(repo: ContentRepository, today: date) -> Button:
    return Button(repo.render_guide("reminder.stop_button", today), REMINDER_OFF)


def deadline_day(repo: ContentRepository, today: date) -> int:
    fact = repo.snapshot().facts.get("payment_deadline_day")
    value = fact.in_force(today) if fact else None
    return int(value.value) if value else 15


async def send_due_reminders(bot: Bot, data: BotData, today: date | None = None) -> int:
    """Send this month's reminder to every subscriber not yet reminded; returns how many were sent."""
    today = today or question_date()
    repo, db, store = data.content, data.database, data.reminders
    deadline = deadline_day(repo, today)
    if not in_window(today, data.settings.reminder_day, deadline):
        return 0
    previous = date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
    text = repo.render_guide(
        "reminder.message",
        today,
        deadline=tanggal(today.replace(day=deadline)),
        employer_month=month_label(previous),
        bpu_month=month_label(today),
    )
    markup = await keyboard(data, [[stop_button(repo, today)]])
    sent = 0
    for due in await db.run_in_thread(store.pending, today):
        # The claim is committed before sending: another replica then skips this user.
        if not await db.run_in_thread(store.claim, due.conversation, today):
            continue  # another replica took it
        try:
            await bot.send_message(due.chat_id, text, reply_markup=markup)
        except Forbidden:
            # The user blocked the bot or deleted the chat: stop, as they would want.
            await db.run_in_thread(store.unsubscribe, due.conversation)
        except TelegramError:
            log.warning("Reminder not sent; will retry next round", exc_info=True)
            await db.run_in_thread(store.release, due.conversation, today)
        else:
            sent += 1
    return sent


async def remind(context: Context) -> int:
    """The job: one round of reminders (a failure reaches the error handler; the next round retries)."""
    sent = await send_due_reminders(context.bot, context.bot_data)
    if sent:
        log.info("Sent %d payment reminder(s)", sent)
    return sent
