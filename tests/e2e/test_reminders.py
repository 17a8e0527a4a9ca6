"""Payment reminders: opt-in through the real bot; sending once per month with two senders at once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import pytest
from telegram.ext import CallbackContext

from assistant_core.db import make_engine
from assistant_core.reminders import ReminderStore
from assistant_core.settings import Settings
from bot import reminders
from bot.database import Database
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.test_feedback import last_keyboard
from tests.e2e.test_privacy import ask, bot_application, press

pytestmark = pytest.mark.e2e


def subscribed_chats(settings: Settings) -> set[int]:
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        return {int(row[0]) for row in db.execute("SELECT chat_id FROM asst_reminders")}


def button(telegram: FakeTelegram, chat_id: int, title: str) -> str:
    return next(b["callback_data"] for row in last_keyboard(telegram, chat_id) for b in row if b["text"] == title)


def test_opt_in_from_the_menu_and_stop(telegram: FakeTelegram, settings: Settings) -> None:
    ask(telegram, 6201, "/menu", replies=2)
    on = press(telegram, 6201, button(telegram, 6201, "🔔 Pengingat iuran"), replies=2)
    assert "pengingat aktif" in on[-1] and f"tanggal {settings.reminder_day}" in on[-1]
    assert 6201 in subscribed_chats(settings)

    ask(telegram, 6201, "/menu")
    again = press(telegram, 6201, button(telegram, 6201, "🔔 Pengingat iuran"), replies=2)
    assert "sudah aktif" in again[-1]

    off = press(telegram, 6201, button(telegram, 6201, "Berhenti pengingat"), replies=2)
    assert "dihentikan" in off[-1]
    assert 6201 not in subscribed_chats(settings)


# PTB's rate limiter reads RetryAfter.retry_after, which warns about a future type change.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_each_subscriber_gets_one_reminder_a_month_with_two_senders(
    telegram: FakeTelegram, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, store = Database(make_engine(settings.database_url)), ReminderStore()
    ok, blocked, flooded = 6301, 6302, 6303
    for chat in (ok, blocked, flooded):
        db.run(store.subscribe, f"reminder-test-{chat}", chat)
    telegram.blocked.add(blocked)
    telegram.flood_once.add(flooded)

    async def two_replicas() -> list[int]:
        # Two bots, each running the JobQueue's reminder job at the same moment.
        applications = [bot_application(settings, telegram) for _ in range(2)]
        for application in applications:
            await application.bot.initialize()
        try:
            return list(await asyncio.gather(*(reminders.remind(CallbackContext(a)) for a in applications)))
        finally:
            for application in applications:
                await application.bot.shutdown()
                await application.bot_data.conversation.rasa.close()

    monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-10")
    since = telegram.mark()
    sent = asyncio.run(two_replicas())
    calls = telegram.calls[since:]
    delivered = [int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"]
    assert sorted(delivered) == [ok, flooded], "one message each; the blocked chat gets none"
    assert sum(sent) == 2
    attempts = [int(c.params["chat_id"]) for c in calls if c.method == "sendMessage:attempt"]
    assert attempts.count(flooded) == 2, "RetryAfter was honoured and the send retried"
    text = next(c.params["text"] for c in calls if c.method == "sendMessage")
    assert "15 Desember 2026" in text and "November 2026" in text
    assert blocked not in subscribed_chats(settings), "a user who blocked the bot is unsubscribed"

    # Later the same month: nothing more. Outside the window: nothing either.
    since = telegram.mark()
    assert asyncio.run(_once(telegram, settings, date(2026, 12, 12))) == 0
    assert asyncio.run(_once(telegram, settings, date(2026, 12, 20))) == 0
    assert not [c for c in telegram.calls[since:] if c.method == "sendMessage"]
    for chat in (ok, flooded):
        db.run(store.unsubscribe, f"reminder-test-{chat}")


async def _once(telegram: FakeTelegram, settings: Settings, day: date) -> int:
    application = bot_application(settings, telegram)
    await application.bot.initialize()
    try:
        return await reminders.send_due_reminders(application.bot, application.bot_data, day)
    finally:
        await application.bot.shutdown()
        await application.bot_data.conversation.rasa.close()
